"""Forms of the planner, the booking of a proposal, the cancellation and the availability grid. They
clean input only; the services decide."""

from __future__ import annotations

import re
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.vocabulary import ResourceKind

MAX_UNAVAILABLE_DAYS = 60
MAX_BOOKINGS = 20


def parse_day(text: str) -> date:
    """A day typed as JJ/MM/AAAA (what a French user types) or AAAA-MM-JJ (what a date input sends)."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


class DaysField(forms.CharField):
    """Several days separated by commas, semicolons or spaces; a frozenset of dates."""

    def clean(self, value):
        value = super().clean(value)
        days = set()
        for part in re.split(r"[\s,;]+", value or ""):
            if not part:
                continue
            try:
                days.add(parse_day(part))
            except ValueError:
                raise ValidationError(
                    _(
                        "« %(value)s » n'est pas une date : écrivez les jours au format JJ/MM/AAAA, séparés par des "
                        "virgules."
                    ),
                    code="invalid",
                    params={"value": part[:20]},
                ) from None
        if len(days) > MAX_UNAVAILABLE_DAYS:
            raise ValidationError(
                _("Indiquez au plus %(n)d jours."), code="too_many", params={"n": MAX_UNAVAILABLE_DAYS}
            )
        return frozenset(days)


class PlannerForm(forms.Form):
    """What the planner plans: which pending steps, avoiding which days of the patient."""

    etapes = forms.TypedMultipleChoiceField(
        label=_("Étapes à planifier"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    indisponibilites = DaysField(
        label=_("Jours où le patient n'est pas disponible"),
        required=False,
        max_length=800,
        help_text=_(
            "Facultatif. Dates au format JJ/MM/AAAA, séparées par des virgules (par exemple 02/12/2026, 03/12/2026)."
        ),
    )

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etapes"].choices = [
            (milestone.pk, f"{milestone.label} ({ResourceKind(milestone.template.resource_kind).label})")
            for milestone in milestones
        ]

    def clean_etapes(self):
        steps = self.cleaned_data["etapes"]
        if self.fields["etapes"].choices and not steps:
            raise ValidationError(_("Choisissez au moins une étape à planifier."), code="required")
        return steps


class BookingChoicesField(forms.Field):
    """The (milestone id, slot id) pairs of a proposal, sent back as « 12:345 » hidden values."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Aucun créneau choisi."),
        "invalid": _("Cette proposition n'est pas valide : rechargez la page du planificateur."),
    }

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple) or len(value) > MAX_BOOKINGS:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        pairs = []
        for item in value:
            match = re.fullmatch(r"(\d{1,10}):(\d{1,12})", str(item))
            if match is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            pairs.append((int(match[1]), int(match[2])))
        return pairs


class BookForm(forms.Form):
    reservation = BookingChoicesField()
    reprogrammer = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=300,
        error_messages={"required": _("Indiquez le motif de l'annulation.")},
        help_text=_("Par exemple : le patient a demandé un autre jour, examen annulé par le médecin."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Indiquez le motif de l'annulation."), code="required")
        return reason


class AvailabilityForm(forms.Form):
    """Which week of which resource kind the grid shows (any day picks its week)."""

    kind = forms.ChoiceField(label=_("Type de ressource"), choices=ResourceKind.choices, required=False)
    semaine = forms.DateField(
        label=_("Semaine du"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Date invalide : choisissez un jour de la semaine voulue (JJ/MM/AAAA).")},
    )

    def clean_kind(self):
        return self.cleaned_data["kind"] or ResourceKind.CONSULTATION

    def clean_semaine(self):
        return self.cleaned_data["semaine"] or timezone.localdate()


class ClosureForm(forms.Form):
    """A closure declared after the slots were generated: one resource, or the whole site, on one day."""

    ressource = forms.ModelChoiceField(
        label=_("Ressource fermée"), queryset=None, required=False, empty_label=_("— Tout l'établissement —")
    )
    etablissement = forms.ModelChoiceField(
        label=_("Établissement (si tout le site ferme)"), queryset=None, required=False
    )
    jour = forms.DateField(
        label=_("Jour"), input_formats=["%d/%m/%Y", "%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
    )
    motif = forms.CharField(
        label=_("Motif"), max_length=200, help_text=_("Par exemple : scanner en panne, jour férié local.")
    )

    def __init__(self, *args, resources, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ressource"].queryset = resources
        self.fields["etablissement"].queryset = organizations

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("ressource")) == bool(cleaned.get("etablissement")):
            raise ValidationError(_("Choisissez une ressource, ou l'établissement entier, mais pas les deux."))
        day = cleaned.get("jour")
        if day and day < timezone.localdate():
            self.add_error("jour", _("Ce jour est déjà passé."))
        return cleaned
