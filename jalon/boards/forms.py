"""Forms of the board pages. They clean input only; jalon.boards.services and care_plans decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.boards.care_plans import supportive_care_choices
from jalon.boards.checklist import answer_items
from jalon.boards.models import Sorting, TreatmentKind, TrialEligibility
from jalon.boards.sorting import QUESTIONS as SORTING_QUESTIONS
from jalon.core.formatting import when_in_words

_REQUIRED = {"required": _("Ce champ est obligatoire.")}


def _meeting_label(meeting) -> str:
    return f"{meeting.board.name} – {when_in_words(meeting.starts_at)}"


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _meeting_label(obj)


class CaseNewForm(forms.Form):
    meeting = MeetingChoiceField(
        label=_("Réunion"),
        queryset=None,
        empty_label=_("Choisir une réunion"),
        error_messages={**_REQUIRED, "invalid_choice": _("Choisissez une réunion de la liste.")},
    )
    question = forms.CharField(
        label=_("Question posée à la RCP"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings


class CasePrepareForm(forms.Form):
    """The question, the checklist's answer items of the pathway kind (from data), the proposed sorting."""

    question = forms.CharField(
        label=_("Question posée à la RCP"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    proposed_sorting = forms.ChoiceField(
        label=_("Tri proposé"),
        required=False,
        choices=[("", _("— À proposer —")), *Sorting.choices],
        help_text=_("Pré-rempli par Jalon d'après les critères ci-dessus ; le président de la RCP confirme le tri."),
        error_messages={"invalid_choice": _("Choisissez un tri de la liste.")},
    )

    def __init__(self, *args, pathway_kind: str, checklist_version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        items = answer_items(pathway_kind, checklist_version)
        for item in items:
            if item.field == "choice":
                self.fields[item.code] = forms.ChoiceField(
                    label=item.label,
                    required=False,
                    choices=[("", _("— Non renseigné —")), *item.choices],
                    error_messages={"invalid_choice": _("Choisissez une valeur de la liste.")},
                )
            else:
                self.fields[item.code] = forms.CharField(
                    label=item.label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
                )
        for question in SORTING_QUESTIONS:
            self.fields[question.code] = forms.ChoiceField(
                label=question.label,
                required=False,
                choices=[("", _("— Non renseigné —")), *question.choices],
                error_messages={"invalid_choice": _("Choisissez une valeur de la liste.")},
            )
        # The proposed sorting comes last, after the questions it reads.
        self.fields["proposed_sorting"] = self.fields.pop("proposed_sorting")
        self.answer_codes = [item.code for item in items] + [question.code for question in SORTING_QUESTIONS]

    def answers(self) -> dict:
        return {code: self.cleaned_data.get(code, "") for code in self.answer_codes}


class SortingForm(forms.Form):
    sorting = forms.ChoiceField(
        label=_("Tri confirmé"),
        choices=Sorting.choices,
        widget=forms.RadioSelect,
        error_messages={**_REQUIRED, "invalid_choice": _("Choisissez un tri de la liste.")},
    )


class AttendanceForm(forms.Form):
    members = forms.MultipleChoiceField(
        label=_("Présents"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choisissez des membres de la RCP.")},
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [
            (str(member.pk), f"{member.professional.display_name} – {member.get_specialty_display()}")
            for member in members
        ]


class DecisionForm(forms.Form):
    treatment_kind = forms.ChoiceField(
        label=_("Traitement proposé"),
        choices=[("", _("— Choisir —")), *TreatmentKind.choices],
        error_messages={**_REQUIRED, "invalid_choice": _("Choisissez un traitement de la liste.")},
    )
    proposal = forms.CharField(
        label=_("Proposition thérapeutique"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_REQUIRED,
    )
    options = forms.CharField(
        label=_("Options discutées"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    trial_eligibility = forms.ChoiceField(
        label=_("Essai clinique"),
        choices=TrialEligibility.choices,
        widget=forms.RadioSelect,
        error_messages={**_REQUIRED, "invalid_choice": _("Choisissez une réponse de la liste.")},
    )
    trial_note = forms.CharField(label=_("Essai envisagé"), required=False, max_length=300)
    next_steps = forms.CharField(
        label=_("Prochaines étapes (une par ligne)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    announcement_plan = forms.CharField(
        label=_("Annonce à organiser"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Qui annonce, quand : la consultation médicale d'annonce et le temps d'accompagnement soignant."),
    )


class PostponeForm(forms.Form):
    to_meeting = MeetingChoiceField(
        label=_("Reporter à la réunion"),
        queryset=None,
        empty_label=_("Choisir une réunion"),
        error_messages={**_REQUIRED, "invalid_choice": _("Choisissez une réunion de la liste.")},
    )
    reason = forms.CharField(label=_("Motif du report"), max_length=2000, error_messages=_REQUIRED)

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_meeting"].queryset = meetings


class CarePlanForm(forms.Form):
    treatment = forms.CharField(
        label=_("Votre traitement"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), error_messages=_REQUIRED
    )
    calendar = forms.CharField(
        label=_("Votre calendrier (une étape par ligne)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contacts = forms.CharField(
        label=_("Vos contacts (un par ligne)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    supportive_care = forms.MultipleChoiceField(
        label=_("Soins de support proposés"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choisissez des soins de support de la liste.")},
    )
    who_to_call = forms.CharField(
        label=_("Qui appeler ?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}), error_messages=_REQUIRED
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supportive_care"].choices = [(item, item) for item in supportive_care_choices()]


class CarePlanHandForm(forms.Form):
    handed_on = forms.DateField(
        label=_("Remis au patient le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={**_REQUIRED, "invalid": _("Saisissez une date valide.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("handed_on", timezone.localdate())
