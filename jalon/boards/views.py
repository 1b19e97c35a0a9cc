"""Tumour-board pages: the boards and their meetings, a case's preparation (checklist), the chair's sorting, the
decision form, the PPS (edit, versions, PDF, handed, sent). Short views: access helper, form, one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jalon.accounts.access import Capability as C
from jalon.accounts.access import capabilities_of, require
from jalon.accounts.audit import audit, audit_many
from jalon.accounts.models import AuditAction
from jalon.boards import care_plans, forms, selectors, services
from jalon.boards.access import (
    board_case_for_user,
    is_chair,
    may_prepare_case,
    may_sit_on,
    meeting_for_user,
)
from jalon.boards.checklist import board_case_checklist
from jalon.boards.errors import BoardError
from jalon.boards.models import OPEN_CASE_STATUSES, BoardMeeting, CarePlan, CaseStatus, MeetingStatus, Sorting
from jalon.boards.sorting import propose_sorting
from jalon.core.actor import Actor
from jalon.core.documents import stored_file_response
from jalon.pathways.selectors import pathway_for_user
from jalon.referrals.access import may_work_referral

_BOARD_READERS = {C.SIT_ON_BOARDS, C.WORK_REFERRALS}


def _require_board_reader(request) -> None:
    if not capabilities_of(request.user) & _BOARD_READERS:
        raise PermissionDenied


def _audit_case(request, case, action=AuditAction.READ, object_type: str = "board_case") -> None:
    audit(
        Actor.from_request(request),
        action=action,
        patient_id=case.pathway.patient_id,
        object_type=object_type,
        object_id=case.pk,
    )


@login_required
@require_GET
def board_list(request):
    _require_board_reader(request)
    boards = selectors.boards_with_next_meetings(request.user, now=timezone.now())
    return render(request, "boards/board_list.html", {"boards": boards})


def _render_meeting(request, meeting, *, attendance_form=None, status: int = 200):
    page = selectors.meeting_page(request.user, meeting)
    shown = page.listed_only + page.discussion + page.unsorted + page.other
    audit_many(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_ids=[c.pathway.patient_id for c in shown],
        object_type="board_case",
    )
    sits = may_sit_on(request.user, meeting.board)
    if sits and attendance_form is None:
        members = list(meeting.board.members.select_related("professional").order_by("specialty", "id"))
        present = {a.professional_id for a in page.attendances}
        attendance_form = forms.AttendanceForm(
            members=members, initial={"members": [str(m.pk) for m in members if m.professional_id in present]}
        )
    return render(
        request,
        "boards/meeting.html",
        {"page": page, "meeting": meeting, "sits": sits, "attendance_form": attendance_form if sits else None},
        status=status,
    )


@login_required
@require_GET
def meeting_detail(request, meeting_id: int):
    _require_board_reader(request)
    return _render_meeting(request, meeting_for_user(request.user, meeting_id))


@login_required
@require_POST
def attendance(request, meeting_id: int):
    _require_board_reader(request)
    meeting = meeting_for_user(request.user, meeting_id)
    require(may_sit_on(request.user, meeting.board))
    members = list(meeting.board.members.select_related("professional").order_by("specialty", "id"))
    form = forms.AttendanceForm(request.POST, members=members)
    if form.is_valid():
        try:
            services.board_attendance_record(
                actor=Actor.from_request(request),
                meeting=meeting,
                member_ids=[int(pk) for pk in form.cleaned_data["members"]],
            )
        except BoardError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Présences enregistrées."))
            return redirect("boards:meeting", meeting_id=meeting.pk)
    messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
    return _render_meeting(request, meeting, attendance_form=form, status=400)


def _coming_meetings_for(pathway):
    kind = pathway.template_version.template.kind
    meetings = BoardMeeting.objects.filter(
        starts_at__gt=timezone.now(), status=MeetingStatus.SCHEDULED, board__is_active=True
    ).select_related("board")
    return [
        m for m in meetings.order_by("starts_at")[:200] if not m.board.pathway_kinds or kind in m.board.pathway_kinds
    ]


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request, reference: str):
    pathway = pathway_for_user(request.user, reference)
    require(may_work_referral(request.user, pathway.referral))
    ids = [m.pk for m in _coming_meetings_for(pathway)]
    meetings = BoardMeeting.objects.filter(pk__in=ids).select_related("board").order_by("starts_at")
    form = forms.CaseNewForm(request.POST or None, meetings=meetings)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = services.board_case_create(
                    actor=Actor.from_request(request),
                    pathway=pathway,
                    meeting=form.cleaned_data["meeting"],
                    question=form.cleaned_data["question"],
                )
            except BoardError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Dossier créé : complétez la liste de vérification."))
                return redirect("boards:case", case_id=case.pk)
        status = 400
    audit(
        Actor.from_request(request),
        action=AuditAction.READ,
        patient_id=pathway.patient_id,
        object_type="pathway",
        object_id=pathway.pk,
    )
    return render(
        request, "boards/case_new.html", {"form": form, "pathway": pathway, "referral": pathway.referral}, status=status
    )


def _render_case(request, case, *, prepare_form=None, sorting_form=None, postpone_form=None, status: int = 200):
    _audit_case(request, case)
    is_open = case.status in OPEN_CASE_STATUSES
    kind = case.pathway.template_version.template.kind
    prepares = may_prepare_case(request.user, case) and is_open
    chairs = is_chair(request.user, case.meeting.board) and is_open
    sits = may_sit_on(request.user, case.meeting.board)
    proposed, sorting_reasons = propose_sorting(case)
    if prepares and prepare_form is None:
        prepare_form = forms.CasePrepareForm(
            pathway_kind=kind,
            checklist_version=case.checklist_version,
            initial={
                "question": case.question,
                "proposed_sorting": case.proposed_sorting or proposed,
                **(case.answers or {}),
            },
        )
    if chairs and sorting_form is None:
        sorting_form = forms.SortingForm(initial={"sorting": case.confirmed_sorting or case.proposed_sorting})
    later = (
        BoardMeeting.objects.filter(
            board_id=case.meeting.board_id,
            starts_at__gt=max(case.meeting.starts_at, timezone.now()),
            status=MeetingStatus.SCHEDULED,
        )
        .select_related("board")
        .order_by("starts_at")
    )
    if (prepares or (sits and is_open)) and postpone_form is None:
        postpone_form = forms.PostponeForm(meetings=later)
    checklist = board_case_checklist(case)
    rows = []
    for state in checklist:
        value = (case.answers or {}).get(state.item.code, "") if state.item.kind == "answer" else ""
        rows.append({"state": state, "value": dict(state.item.choices).get(value, value)})
    decision = getattr(case, "decision", None) if case.status == CaseStatus.DECIDED else None
    context = {
        "case": case,
        "pathway": case.pathway,
        "referral": case.pathway.referral,
        "checklist": rows,
        "sorting_proposal": {"sorting": Sorting(proposed).label, "reasons": sorting_reasons},
        "missing": [state for state in checklist if not state.done],
        "prepare_form": prepare_form if prepares else None,
        "sorting_form": sorting_form if chairs else None,
        "postpone_form": postpone_form if (prepares or (sits and is_open)) else None,
        "may_list": prepares and case.status in (CaseStatus.DRAFT, CaseStatus.READY),
        "may_decide": sits and case.status == CaseStatus.LISTED,
        "decision": decision,
        "reaches_pathway": may_work_referral(request.user, case.pathway.referral),
    }
    return render(request, "boards/case.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request, case_id: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    if request.method == "GET":
        return _render_case(request, case)
    require(may_prepare_case(request.user, case))
    form = forms.CasePrepareForm(
        request.POST,
        pathway_kind=case.pathway.template_version.template.kind,
        checklist_version=case.checklist_version,
    )
    if form.is_valid():
        try:
            services.board_case_prepare(
                actor=Actor.from_request(request),
                case=case,
                answers=form.answers(),
                question=form.cleaned_data["question"],
                proposed_sorting=form.cleaned_data["proposed_sorting"],
            )
        except BoardError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Dossier enregistré."))
            return redirect("boards:case", case_id=case.pk)
    messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
    return _render_case(request, case, prepare_form=form, status=400)


@login_required
@require_POST
def case_list(request, case_id: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    require(may_prepare_case(request.user, case))
    try:
        services.board_case_list(actor=Actor.from_request(request), case=case)
    except BoardError as error:
        messages.error(request, error.message)
        return _render_case(request, board_case_for_user(request.user, case_id), status=400)
    messages.success(request, _("Dossier inscrit à l'ordre du jour."))
    return redirect("boards:case", case_id=case.pk)


@login_required
@require_POST
def sorting_confirm(request, case_id: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    require(is_chair(request.user, case.meeting.board))
    form = forms.SortingForm(request.POST)
    if form.is_valid():
        try:
            services.board_case_sorting_confirm(
                actor=Actor.from_request(request), case=case, sorting=form.cleaned_data["sorting"]
            )
        except BoardError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Tri confirmé."))
            return redirect("boards:case", case_id=case.pk)
    messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
    return _render_case(request, case, sorting_form=form, status=400)


@login_required
@require_POST
def case_postpone(request, case_id: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    require(may_prepare_case(request.user, case) or may_sit_on(request.user, case.meeting.board))
    meetings = BoardMeeting.objects.filter(
        board_id=case.meeting.board_id, status=MeetingStatus.SCHEDULED
    ).select_related("board")
    form = forms.PostponeForm(request.POST, meetings=meetings)
    if form.is_valid():
        try:
            later = services.board_case_postpone(
                actor=Actor.from_request(request),
                case=case,
                reason=form.cleaned_data["reason"],
                to_meeting=form.cleaned_data["to_meeting"],
            )
        except BoardError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Dossier reporté."))
            return redirect("boards:case", case_id=later.pk)
    messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
    return _render_case(request, case, postpone_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def decision(request, case_id: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    require(may_sit_on(request.user, case.meeting.board))
    if case.status != CaseStatus.LISTED:
        messages.error(request, _("Le dossier doit être inscrit à l'ordre du jour avant la décision."))
        return redirect("boards:case", case_id=case.pk)
    form = forms.DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.board_decision_record(actor=Actor.from_request(request), case=case, **form.cleaned_data)
            except BoardError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Décision enregistrée : le médecin traitant en est informé."))
                return redirect("boards:case", case_id=case.pk)
        messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
        status = 400
    _audit_case(request, case)
    missing = services.quorum_missing(case.meeting)
    return render(
        request,
        "boards/decision.html",
        {
            "case": case,
            "form": form,
            "referral": case.pathway.referral,
            "attendances": list(case.meeting.attendances.select_related("professional")),
            "quorum_warning": services.quorum_message(missing) if missing else "",
        },
        status=status,
    )


def _care_plan_of(case) -> CarePlan:
    plan = CarePlan.objects.filter(decision__case=case).select_related("pathway__referral").first()
    if plan is None:
        raise Http404
    return plan


def _may_edit_care_plan(user, case) -> bool:
    return may_prepare_case(user, case) or may_sit_on(user, case.meeting.board)


@login_required
@require_http_methods(["GET", "POST"])
def care_plan(request, case_id: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    plan = _care_plan_of(case)
    current = plan.current_version()
    editable = _may_edit_care_plan(request.user, case) and not plan.handed_on
    status = 200
    if request.method == "POST":
        require(_may_edit_care_plan(request.user, case))
        form = forms.CarePlanForm(request.POST)
        if form.is_valid():
            try:
                care_plans.care_plan_version_save(
                    actor=Actor.from_request(request), care_plan=plan, content=form.cleaned_data
                )
            except BoardError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Nouvelle version du PPS enregistrée."))
                return redirect("boards:care_plan", case_id=case.pk)
        messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
        status = 400
    else:
        form = forms.CarePlanForm(initial=current.content) if editable else None
    _audit_case(request, case, object_type="care_plan")
    prepares = may_prepare_case(request.user, case)
    return render(
        request,
        "boards/care_plan.html",
        {
            "case": case,
            "plan": plan,
            "current": current,
            "versions": list(plan.versions.order_by("-number")),
            "form": form if editable or request.method == "POST" else None,
            "hand_form": forms.CarePlanHandForm() if prepares and not plan.handed_on else None,
            "may_send": prepares and plan.handed_on and not plan.sent_at,
            "referral": case.pathway.referral,
        },
        status=status,
    )


@login_required
@require_GET
def care_plan_pdf(request, case_id: int, number: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    plan = _care_plan_of(case)
    version = plan.versions.filter(number=number).first()
    if version is None:
        raise Http404
    _audit_case(request, case, AuditAction.DOWNLOAD, object_type="care_plan")
    return stored_file_response(
        version.file,
        content_type="application/pdf",
        as_attachment=False,
        filename=care_plans.attachment_name(plan).replace(".pdf", f"-v{version.number}.pdf"),
    )


@login_required
@require_POST
def care_plan_hand(request, case_id: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    require(may_prepare_case(request.user, case))
    plan = _care_plan_of(case)
    form = forms.CarePlanHandForm(request.POST)
    if form.is_valid():
        try:
            care_plans.care_plan_hand(
                actor=Actor.from_request(request), care_plan=plan, handed_on=form.cleaned_data["handed_on"]
            )
        except BoardError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("PPS marqué remis au patient."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("boards:care_plan", case_id=case.pk)


@login_required
@require_POST
def care_plan_send(request, case_id: int):
    _require_board_reader(request)
    case = board_case_for_user(request.user, case_id)
    require(may_prepare_case(request.user, case))
    plan = _care_plan_of(case)
    try:
        care_plans.care_plan_send(actor=Actor.from_request(request), care_plan=plan)
    except BoardError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("PPS adressé au médecin traitant."))
    return redirect("boards:care_plan", case_id=case.pk)
