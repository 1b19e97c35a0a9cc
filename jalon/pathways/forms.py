"""Forms of the pathway page. They clean input only; jalon.pathways.services decides."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.pathways.models import Outcome

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MilestoneRecordForm(forms.Form):
    """Record a milestone as done. `documents` are the referral's documents (already loaded by the page)."""

    done_at = forms.DateTimeField(
        label=_("Réalisé le"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": _("Saisissez une date et une heure valides.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.TypedChoiceField(label=_("Document lié"), required=False, coerce=int, empty_value=None)
    appointment_reference = forms.CharField(label=_("Rendez-vous lié (référence)"), required=False, max_length=200)

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "done_at" not in self.initial:
            self.initial["done_at"] = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["document"].choices = [("", _("— Aucun —"))] + [(str(d.pk), d.original_name) for d in documents]


class MilestoneSkipForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif pour passer cette étape"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Issue du diagnostic"),
        choices=[
            (Outcome.MALIGNANT, _("Cancer confirmé")),
            (Outcome.NOT_MALIGNANT, _("Non malin : retour au médecin traitant")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Conclusion de l'équipe"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Motif de clôture"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class StayEventForm(forms.Form):
    """An admission, transfer, discharge or death, which the GP and the referrer are told of."""

    stay_kind = forms.ChoiceField(
        label=_("Événement"),
        choices=[
            ("admission", _("Admission")),
            ("transfer", _("Transfert")),
            ("discharge", _("Sortie")),
            ("death", _("Décès")),
        ],
    )
    occurred_at = forms.DateTimeField(
        label=_("Date et heure"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": _("Saisissez une date et une heure valides.")},
    )
    place = forms.CharField(label=_("Lieu (établissement, service)"), required=False, max_length=200)
    note = forms.CharField(
        label=_("Précisions pour le médecin"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)


class DocumentAddForm(forms.Form):
    document = forms.FileField(
        label=_("Document (PDF, PNG ou JPEG)"),
        error_messages={"required": _("Choisissez un fichier."), "empty": _("Le fichier est vide.")},
    )
