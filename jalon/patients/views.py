"""The patient's page: identity, the referrals the user reaches, and the care team (who, role, since,
granted by whom and why), where the coordination grants and ends memberships."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.patients.access import may_manage_care_team, patient_for_user
from jalon.patients.care_team import CareTeamError, care_team_end, care_team_grant
from jalon.patients.forms import CareTeamEndForm, CareTeamGrantForm
from jalon.patients.models import CareTeamMember

# What the patient's page shows of the apps above patients, by context name: each registers, in its
# AppConfig.ready(), a function (user, patient) returning what the user reaches of theirs (referrals adds
# "referrals", the patient's referrals the user reaches).
PatientPagePart = Callable[..., object]
PATIENT_PAGE_PARTS: dict[str, PatientPagePart] = {}


def register_patient_page_part(name: str, part: PatientPagePart) -> None:
    """Show `part(user, patient)` as `name` in the patient's page (its template reads it)."""
    PATIENT_PAGE_PARTS[name] = part


def _render(request, patient, *, grant_form=None, end_form=None, end_member_id=None, status=200):
    members = (
        CareTeamMember.objects.filter(patient=patient)
        .select_related("professional", "organization", "granted_by__professional", "ended_by__professional")
        .order_by("until", "-since", "pk")
    )
    can_manage = may_manage_care_team(request.user, patient)
    context = {
        "patient": patient,
        **{name: part(request.user, patient) for name, part in PATIENT_PAGE_PARTS.items()},
        "members": members,
        "can_manage": can_manage,
        "grant_form": grant_form or (CareTeamGrantForm() if can_manage else None),
        "end_form": end_form,
        "end_member_id": end_member_id,
    }
    return render(request, "patients/patient_detail.html", context, status=status)


@login_required
@capability_required(Capability.READ_AS_CARE_TEAM, or_404=True)
@require_GET
def patient_detail(request, pk: int):
    patient = patient_for_user(request.user, pk)
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=patient.pk,
        object_type="patient",
        object_id=patient.pk,
    )
    return _render(request, patient)


def _managed_patient(request, pk: int):
    patient = patient_for_user(request.user, pk)
    if not may_manage_care_team(request.user, patient):
        raise Http404
    return patient


@login_required
@capability_required(Capability.MANAGE_CARE_TEAM, or_404=True)
@require_POST
def care_team_grant_view(request, pk: int):
    patient = _managed_patient(request, pk)
    form = CareTeamGrantForm(request.POST)
    if form.is_valid():
        try:
            care_team_grant(
                actor=Actor.from_request(request),
                patient=patient,
                professional=form.cleaned_data["professional"],
                role=form.cleaned_data["role"],
                reason=form.cleaned_data["reason"],
            )
        except CareTeamError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Le professionnel rejoint l'équipe de soins."))
            return redirect("patients:detail", pk=patient.pk)
    messages.error(request, _("L'accès n'a pas été accordé : voyez le formulaire ci-dessous."))
    return _render(request, patient, grant_form=form, status=400)


@login_required
@capability_required(Capability.MANAGE_CARE_TEAM, or_404=True)
@require_POST
def care_team_end_view(request, pk: int, member_id: int):
    patient = _managed_patient(request, pk)
    member = CareTeamMember.objects.filter(pk=member_id, patient=patient).first() if member_id < 2**63 else None
    if member is None:
        raise Http404
    form = CareTeamEndForm(request.POST)
    if form.is_valid():
        try:
            care_team_end(actor=Actor.from_request(request), member=member, reason=form.cleaned_data["reason"])
        except CareTeamError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Le professionnel ne fait plus partie de l'équipe de soins."))
            return redirect("patients:detail", pk=patient.pk)
    messages.error(request, _("Le retrait n'a pas été enregistré : voyez le formulaire ci-dessous."))
    return _render(request, patient, end_form=form, end_member_id=member.pk, status=400)
