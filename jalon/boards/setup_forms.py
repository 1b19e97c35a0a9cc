"""Forms of the managers' board pages: the board (with its members, one row each) and a meeting's cancellation.
They clean input only; `setup.board_setup_errors` is the one check of a board as a whole."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jalon.accounts.access import C, roles_with
from jalon.boards.models import WEEKDAYS, BoardSpecialty
from jalon.boards.setup import MAX_EVERY_WEEKS, BoardSetup, board_setup_errors
from jalon.core.vocabulary import PathwayKind
from jalon.directory.models import Organization, Professional

_REQUIRED = {"required": _("Ce champ est obligatoire.")}
_NUMBER = {**_REQUIRED, "invalid": _("Saisissez un nombre entier.")}
MEMBER_ROWS_EXTRA = 3
MEMBER_ROWS_MAX = 60


def member_candidates(board=None):
    """Who may sit on a board: professionals whose active login sits on boards, and the board's current members."""
    reach = Q(user__role__in=roles_with(C.SIT_ON_BOARDS), user__is_active=True)
    if board is not None and board.pk:
        reach |= Q(board_seats__board=board)
    return Professional.objects.filter(reach).distinct().order_by("last_name", "first_name", "pk")


class ProfessionalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.specialty})" if obj.specialty else obj.display_name


class BoardForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200, error_messages=_REQUIRED)
    organization = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Organization.objects.none(),
        error_messages={**_REQUIRED, "invalid_choice": _("Choisissez un site de la liste.")},
    )
    pathway_kinds = forms.MultipleChoiceField(
        label=_("Types de parcours traités"),
        required=False,
        choices=PathwayKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucun coché : la RCP traite tous les types de parcours."),
        error_messages={"invalid_choice": _("Choisissez des types de parcours de la liste.")},
    )
    weekday = forms.TypedChoiceField(
        label=_("Jour"),
        choices=WEEKDAYS,
        coerce=int,
        error_messages={**_REQUIRED, "invalid_choice": _("Choisissez un jour de la liste.")},
    )
    start_time = forms.TimeField(
        label=_("Heure"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={**_REQUIRED, "invalid": _("Saisissez une heure, par exemple 14:00.")},
    )
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"), initial=120, min_value=15, max_value=600, error_messages=_NUMBER
    )
    every_weeks = forms.IntegerField(
        label=_("Toutes les (semaines)"), initial=1, min_value=1, max_value=MAX_EVERY_WEEKS, error_messages=_NUMBER
    )
    first_date = forms.DateField(
        label=_("Première réunion"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Le rythme compte à partir de cette date."),
        error_messages={**_REQUIRED, "invalid": _("Saisissez une date valide.")},
    )
    required_specialties = forms.MultipleChoiceField(
        label=_("Spécialités requises (quorum)"),
        required=False,
        choices=BoardSpecialty.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choisissez des spécialités de la liste.")},
    )
    chair = ProfessionalChoiceField(
        label=_("Président"),
        queryset=Professional.objects.none(),
        help_text=_("L'un des membres ci-dessous."),
        error_messages={**_REQUIRED, "invalid_choice": _("Choisissez le président dans la liste.")},
    )
    is_active = forms.BooleanField(label=_("Active (réunions générées)"), required=False, initial=True)

    def __init__(self, *args, organizations, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["chair"].queryset = candidates


class MemberRowForm(forms.Form):
    professional = ProfessionalChoiceField(
        label=_("Membre"),
        queryset=Professional.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choisissez un professionnel de la liste.")},
    )
    specialty = forms.ChoiceField(
        label=_("Siège au titre de"),
        required=False,
        choices=[("", "—"), *BoardSpecialty.choices],
        error_messages={"invalid_choice": _("Choisissez une spécialité de la liste.")},
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["professional"].queryset = candidates

    def clean(self):
        data = super().clean()
        professional, specialty = data.get("professional"), data.get("specialty")
        if professional and not specialty:
            self.add_error("specialty", _("Choisissez la spécialité sous laquelle ce membre siège."))
        elif specialty and not professional and "professional" not in self.errors:
            self.add_error("professional", _("Choisissez le professionnel qui siège à ce titre."))
        return data


MemberFormSet = forms.formset_factory(
    MemberRowForm, extra=MEMBER_ROWS_EXTRA, max_num=MEMBER_ROWS_MAX, validate_max=True, absolute_max=MEMBER_ROWS_MAX
)


def member_formset(data=None, *, board=None, candidates):
    initial = None
    if data is None and board is not None and board.pk:
        initial = [
            {"professional": member.professional_id, "specialty": member.specialty}
            for member in board.members.order_by("specialty", "id")
        ]
    return MemberFormSet(data, initial=initial, prefix="membres", form_kwargs={"candidates": candidates})


def board_setup_from(form: BoardForm, formset) -> BoardSetup | None:
    """The setup the two forms give, or None after adding the errors (the one whole-board check included)."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    data = form.cleaned_data
    members = [
        (row.cleaned_data["professional"], row.cleaned_data["specialty"])
        for row in formset
        if row.cleaned_data.get("professional")
    ]
    setup = BoardSetup(
        name=data["name"],
        organization=data["organization"],
        pathway_kinds=list(data["pathway_kinds"]),
        weekday=data["weekday"],
        start_time=data["start_time"],
        duration_minutes=data["duration_minutes"],
        every_weeks=data["every_weeks"],
        first_date=data["first_date"],
        required_specialties=list(data["required_specialties"]),
        chair=data["chair"],
        members=members,
        is_active=data["is_active"],
    )
    errors = board_setup_errors(setup)
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)
    return None if errors else setup


class MeetingCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={**_REQUIRED, "max_length": _("300 caractères au plus.")},
    )
