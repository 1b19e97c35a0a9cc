"""Forms of exams and pathology. They clean input only; jalon.diagnostics.services decides."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.vocabulary import Urgency
from jalon.diagnostics.access import pathologists
from jalon.diagnostics.models import ExamStatus, PathologyStage, PathologyStatus
from jalon.diagnostics.prescription import MOLECULAR_TESTS, molecular_test_labels, prescription_fields
from jalon.diagnostics.services import SPECIMEN_MILESTONES
from jalon.directory.models import Organization
from jalon.pathways.models import MilestoneStatus
from jalon.referrals.models import ExamKind

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
PRESCRIPTION_PREFIX = "rx_"


def _datetime_field(label, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": _("Saisissez une date et une heure valides.")},
    )


def _now_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class ExamRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Examen"), choices=ExamKind.choices)
    milestone = forms.TypedChoiceField(label=_("Étape du parcours"), required=False, coerce=int, empty_value=None)
    site = forms.ModelChoiceField(
        label=_("Lieu"),
        queryset=Organization.objects.order_by("name"),
        error_messages={"invalid_choice": _("Choisissez un lieu de la liste.")},
    )
    urgency = forms.ChoiceField(label=_("Urgence"), choices=Urgency.choices, initial=Urgency.ROUTINE)
    note = forms.CharField(
        label=_("Précisions"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, pathway, **kwargs):
        super().__init__(*args, **kwargs)
        self.milestones = {m.pk: m for m in pathway.milestones.filter(status=MilestoneStatus.PENDING).order_by("order")}
        self.fields["milestone"].choices = [("", _("— Aucune —"))] + [(m.pk, m.label) for m in self.milestones.values()]


class ExamUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Nouveau statut"),
        choices=[(s, label) for s, label in ExamStatus.choices if s != ExamStatus.REQUESTED],
        widget=forms.RadioSelect,
    )
    at = _datetime_field(_("Date (prévue ou de réalisation)"), required=False)
    reason = forms.CharField(label=_("Motif de l'annulation"), required=False, max_length=300)
    report = forms.FileField(label=_("Compte rendu (PDF, PNG ou JPEG)"), required=False)


class PathologyRequestForm(forms.Form):
    """The specimen, its pathologist, and the enriched prescription of the pathway's template (fields as data)."""

    milestone = forms.TypedChoiceField(label=_("Prélèvement issu de l'étape"), coerce=int)
    pathologist = forms.ModelChoiceField(
        label=_("Anatomopathologiste"),
        queryset=pathologists(),
        error_messages={"invalid_choice": _("Choisissez un anatomopathologiste de la liste.")},
    )
    specimen = forms.CharField(label=_("Prélèvement (site, nature)"), max_length=200)
    specimen_taken_at = _datetime_field(_("Prélevé le"))

    def __init__(self, *args, pathway, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pathologist"].queryset = pathologists()
        self.milestones = {m.pk: m for m in pathway.milestones.filter(code__in=SPECIMEN_MILESTONES).order_by("order")}
        self.fields["milestone"].choices = [(m.pk, m.label) for m in self.milestones.values()]
        if not self.is_bound:
            self.initial.setdefault("specimen_taken_at", _now_minute())
        self.template_kind = pathway.template_version.template.kind
        self.prescription_names = []
        for spec in prescription_fields(self.template_kind):
            name = PRESCRIPTION_PREFIX + spec.code
            self.prescription_names.append(name)
            # The service validates the prescription (prescription_clean, written once); the form only collects it.
            if spec.type == "multiple":
                field = forms.MultipleChoiceField(
                    label=spec.label, choices=spec.choices, required=False, widget=forms.CheckboxSelectMultiple
                )
            elif spec.type == "choice":
                field = forms.ChoiceField(
                    label=spec.label, choices=[("", _("— À préciser —")), *spec.choices], required=False
                )
            else:
                field = forms.CharField(
                    label=spec.label,
                    required=False,
                    max_length=spec.max_length,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            self.fields[name] = field

    def prescription_bound_fields(self):
        return [self[name] for name in self.prescription_names]

    def prescription(self) -> dict:
        return {name[len(PRESCRIPTION_PREFIX) :]: self.cleaned_data.get(name) for name in self.prescription_names}


class PathologyResultForm(forms.Form):
    stage = forms.ChoiceField(label=_("Résultat"), choices=PathologyStage.choices, widget=forms.RadioSelect)
    recorded_at = _datetime_field(_("Rendu le"))
    contributive = forms.TypedChoiceField(
        label=_("Le prélèvement est-il contributif ?"),
        choices=[("yes", _("Oui, contributif")), ("no", _("Non contributif : nouvelle biopsie nécessaire"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label=_("Conclusion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    molecular_tests_received = forms.MultipleChoiceField(
        label=_("Examens complémentaires reçus"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        if request.status != PathologyStatus.REQUESTED:
            self.fields["stage"].choices = [(PathologyStage.FINAL, PathologyStage.FINAL.label)]
        if not self.is_bound:
            self.initial.setdefault("recorded_at", _now_minute())
            self.initial.setdefault("stage", self.fields["stage"].choices[0][0])
        labels = molecular_test_labels(request.template_kind)
        asked = request.prescription.get(MOLECULAR_TESTS, [])
        self.fields["molecular_tests_received"].choices = [(code, labels.get(code, code)) for code in asked]
        if not asked:
            del self.fields["molecular_tests_received"]
