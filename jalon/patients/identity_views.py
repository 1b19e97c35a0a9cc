"""The coordination's pages of identity vigilance: the open identity conflicts and resolving one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.formatting import date_numeric
from jalon.patients import selectors
from jalon.patients.access import identity_conflict_for_user, patients_visible_to
from jalon.patients.errors import PatientError
from jalon.patients.identity_forms import IdentityConflictResolveForm, submitted_value_label
from jalon.patients.models import TRAIT_LABELS, ConflictStatus, IdentityConflict
from jalon.patients.services import identity_conflict_resolve

coordinators_only = capability_required(Capability.RESOLVE_IDENTITY_CONFLICTS, or_404=True)


@login_required
@coordinators_only
def identity_conflict_list(request):
    """Open conflicts of the coordinator's entry points, and the last ones resolved."""
    open_conflicts = list(selectors.identity_conflicts_for_coordinator(request.user)[:200])
    resolved = list(selectors.identity_conflicts_for_coordinator(request.user, status=ConflictStatus.RESOLVED)[:20])
    shown = open_conflicts + resolved
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[c.existing_patient_id for c in shown] + [c.provisional_patient_id for c in shown],
        object_type="identity_conflict.list",
    )
    return render(
        request, "patients/identity_conflict_list.html", {"open_conflicts": open_conflicts, "resolved": resolved}
    )


def _trait_rows(conflict: IdentityConflict) -> list[dict]:
    known = conflict.existing_patient
    rows = []
    for trait, label in TRAIT_LABELS.items():
        value = getattr(known, trait)
        if trait == "birth_date":
            value = date_numeric(value)
        elif trait == "sex":
            value = known.get_sex_display()
        rows.append(
            {
                "label": label,
                "known": value or "–",
                "submitted": submitted_value_label(conflict, trait),
                "differs": trait in conflict.differing_traits,
            }
        )
    return rows


@login_required
@coordinators_only
def identity_conflict_detail(request, pk: int):
    """Both identities side by side; POST resolves the conflict through `identity_conflict_resolve`."""
    queryset = IdentityConflict.objects.select_related(
        "existing_patient", "provisional_patient", "referral", "entry_point", "raised_by", "resolved_by"
    )
    conflict = identity_conflict_for_user(request.user, pk, queryset)
    actor = Actor.from_request(request)
    for patient_id in (conflict.existing_patient_id, conflict.provisional_patient_id):
        audit(
            actor,
            action=AuditAction.READ,
            patient_id=patient_id,
            object_type="identity_conflict",
            object_id=conflict.pk,
        )
    form = IdentityConflictResolveForm(request.POST or None, conflict=conflict)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                identity_conflict_resolve(
                    actor=actor,
                    conflict=conflict,
                    resolution=form.cleaned_data["resolution"],
                    reason=form.cleaned_data["reason"],
                    keep_submitted=form.cleaned_data["keep_submitted"],
                )
            except PatientError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Conflit d'identité résolu."))
                if conflict.referral_id:
                    return redirect("coordination:referral", reference=conflict.referral.reference)
                return redirect("patients:identity_conflicts")
        status = 400
    context = {
        "conflict": conflict,
        "rows": _trait_rows(conflict),
        "form": form,
        # The known patient's page, to compare with their other referrals, for a coordination that reaches it.
        "reaches_existing": patients_visible_to(request.user).filter(pk=conflict.existing_patient_id).exists(),
    }
    return render(request, "patients/identity_conflict_detail.html", context, status=status)
