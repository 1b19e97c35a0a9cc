"""The pathology read-only API routes (a router mounted by `jalon.api` at /api/v1/): a pathologist's requests, and
one request.

Same rules as the pages (diagnostics/access.py): the list is the pathologist's screen, the requests addressed to
the token's user (their role must answer pathology, else 403); one request is reached by the pathologist it is
addressed to and by the coordination of its pathway's entry point, and answers 404 to anyone else whether it exists
or not. Each read is audited. Token scope `read_pathology`.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from jalon.accounts.access import Capability, capabilities_of
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.models import ApiScope, AuditAction
from jalon.accounts.tokens import ApiTokenAuth
from jalon.core.actor import Actor, client_ip
from jalon.core.forms import beyond_any_row_id
from jalon.diagnostics.access import pathology_request_for_user
from jalon.diagnostics.models import PathologyRequest
from jalon.diagnostics.selectors import PathologyRow, pathologist_requests, pathology_row
from jalon.referrals.models import Channel
from jalon.referrals.notifications import patient_text
from jalon.referrals.schemas import ErrorOut

router = Router()
ERROR_RESPONSES = frozenset({401, 403, 404, 429})


class PathologyLabelOut(Schema):
    code: str
    label: str


class PrescriptionLineOut(Schema):
    field: str
    value: str


class PathologyRequestOut(Schema):
    """A pathology request. Times are in Europe/Paris with their offset; `late` names the results expected and not
    in (`preliminary`, `final`)."""

    id: int
    reference: str
    patient: str
    specimen: str
    specimen_taken_at: datetime
    status: PathologyLabelOut
    requested_at: datetime
    preliminary_due_at: datetime
    final_due_at: datetime
    late: list[str]
    prescription: list[PrescriptionLineOut]
    molecular_tests_asked: list[str]
    molecular_tests_received: list[str]
    contributive: bool | None


def _actor(request: HttpRequest) -> Actor:
    return Actor(
        user=request.auth, ip_address=client_ip(request), path=request.get_full_path()[:300], channel=Channel.API
    )


def _out(row: PathologyRow) -> dict:
    request: PathologyRequest = row.request
    paris = timezone.localtime
    return {
        "id": request.pk,
        "reference": request.pathway.referral.reference,
        "patient": patient_text(request.pathway.patient),
        "specimen": request.specimen,
        "specimen_taken_at": paris(request.specimen_taken_at),
        "status": {"code": request.status, "label": str(request.get_status_display())},
        "requested_at": paris(request.requested_at),
        "preliminary_due_at": paris(request.preliminary_due_at),
        "final_due_at": paris(request.final_due_at),
        "late": row.late,
        "prescription": [{"field": str(label), "value": str(value)} for label, value in row.prescription],
        "molecular_tests_asked": row.tests_asked,
        "molecular_tests_received": row.tests_received,
        "contributive": request.contributive,
    }


@router.get(
    "/anapath/requests",
    auth=ApiTokenAuth(scope=ApiScope.READ_PATHOLOGY),
    response={200: list[PathologyRequestOut], ERROR_RESPONSES: ErrorOut},
    summary="Mes demandes d'anatomopathologie",
    description="Les demandes qui vous sont adressées : en attente de résultat (les retards d'abord), puis les "
    "derniers résultats rendus. Réservé aux anatomopathologistes. Jeton avec le droit `read_pathology`.",
)
def pathology_requests(request: HttpRequest):
    if Capability.ANSWER_PATHOLOGY not in capabilities_of(request.auth):
        raise PermissionDenied(_("Votre compte ne reçoit pas de demandes d'anatomopathologie."))
    waiting, done = pathologist_requests(request.auth)
    rows = [*waiting, *done]
    audit_many(
        _actor(request),
        action=AuditAction.READ,
        patient_ids=[row.request.pathway.patient_id for row in rows],
        object_type="pathology.list",
    )
    return [_out(row) for row in rows]


@router.get(
    "/anapath/requests/{request_id}",
    auth=ApiTokenAuth(scope=ApiScope.READ_PATHOLOGY),
    response={200: PathologyRequestOut, ERROR_RESPONSES: ErrorOut},
    summary="Une demande d'anatomopathologie",
    description="La demande, si elle vous est adressée ou si elle concerne un parcours de vos guichets ; 404 sinon. "
    "Jeton avec le droit `read_pathology`.",
)
def pathology_request(request: HttpRequest, request_id: int):
    if not capabilities_of(request.auth) & {Capability.ANSWER_PATHOLOGY, Capability.WORK_REFERRALS}:
        raise PermissionDenied(_("Votre compte ne donne pas accès aux demandes d'anatomopathologie."))
    if beyond_any_row_id(request_id):
        raise Http404
    found = pathology_request_for_user(request.auth, request_id)
    audit(
        _actor(request),
        action=AuditAction.READ,
        patient_id=found.pathway.patient_id,
        object_type="pathology",
        object_id=found.pk,
    )
    return _out(pathology_row(found, now=timezone.now()))
