"""The managers' board pages (`/rcp/gestion/`): their organisations' boards with the coming meetings (how many cases
each holds, never whose), a board's form (site, kinds, schedule, quorum, members and chair), a meeting's
cancellation with its reason. Short views: access helper, form, one service (boards/setup.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jalon.accounts.access import Capability as C
from jalon.accounts.access import capability_required
from jalon.boards import setup
from jalon.boards.access import board_managed_by, boards_managed_by, meeting_managed_by
from jalon.boards.errors import BoardError
from jalon.boards.models import OPEN_CASE_STATUSES, BoardMeeting, MeetingStatus
from jalon.boards.setup_forms import BoardForm, MeetingCancelForm, board_setup_from, member_candidates, member_formset
from jalon.core.actor import Actor
from jalon.directory.models import Organization

COMING_MEETINGS_SHOWN = 8


@login_required
@capability_required(C.MANAGE_BOARDS)
@require_GET
def manage(request):
    now = timezone.now()
    coming = (
        BoardMeeting.objects.filter(starts_at__gt=now)
        .annotate(open_cases=Count("cases", filter=Q(cases__status__in=OPEN_CASE_STATUSES)))
        .order_by("starts_at")
    )
    boards = list(
        boards_managed_by(request.user)
        .select_related("organization", "chair")
        .prefetch_related(Prefetch("meetings", queryset=coming, to_attr="coming"))
        .order_by("organization__name", "name")
    )
    for board in boards:
        board.coming = board.coming[:COMING_MEETINGS_SHOWN]
    return render(request, "boards/setup/manage.html", {"boards": boards})


def _board_form_page(request, board=None):
    organizations = Organization.objects.filter(pk__in=request.user.organization_ids()).order_by("name")
    candidates = member_candidates(board)
    initial = None
    if board is not None:
        initial = {
            "name": board.name,
            "organization": board.organization_id,
            "pathway_kinds": board.pathway_kinds,
            "weekday": board.weekday,
            "start_time": board.start_time,
            "duration_minutes": board.duration_minutes,
            "every_weeks": board.every_weeks,
            "first_date": board.first_date,
            "required_specialties": board.required_specialties,
            "chair": board.chair_id,
            "is_active": board.is_active,
        }
    data = request.POST if request.method == "POST" else None
    form = BoardForm(data, initial=initial, organizations=organizations, candidates=candidates)
    formset = member_formset(data, board=board, candidates=candidates)
    status = 200
    if request.method == "POST":
        board_setup = board_setup_from(form, formset)
        if board_setup is not None:
            try:
                setup.board_save(actor=Actor.from_request(request), board=board, setup=board_setup)
            except BoardError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("RCP enregistrée : ses réunions suivent le rythme indiqué."))
                return redirect("boards:manage")
        messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
        status = 400
    return render(
        request, "boards/setup/board_form.html", {"form": form, "formset": formset, "board": board}, status=status
    )


@login_required
@capability_required(C.MANAGE_BOARDS)
@require_http_methods(["GET", "POST"])
def board_new(request):
    return _board_form_page(request)


@login_required
@capability_required(C.MANAGE_BOARDS)
@require_http_methods(["GET", "POST"])
def board_edit(request, board_id: int):
    return _board_form_page(request, board_managed_by(request.user, board_id))


@login_required
@capability_required(C.MANAGE_BOARDS)
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, meeting_id: int):
    meeting = meeting_managed_by(request.user, meeting_id)
    form = MeetingCancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                carried = setup.board_meeting_cancel(
                    actor=Actor.from_request(request), meeting=meeting, reason=form.cleaned_data["reason"]
                )
            except BoardError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if carried:
                    messages.success(
                        request,
                        _(
                            "Réunion annulée : %(count)s dossier(s) reporté(s) à la réunion suivante, leurs "
                            "coordinateurs prévenus."
                        )
                        % {"count": len(carried)},
                    )
                else:
                    messages.success(request, _("Réunion annulée."))
                return redirect("boards:manage")
        messages.error(request, _("Rien n'a été enregistré : voyez le formulaire ci-dessous."))
        status = 400
    open_cases = meeting.cases.filter(status__in=OPEN_CASE_STATUSES).count()
    later = None
    if meeting.status == MeetingStatus.SCHEDULED and open_cases:
        later = (
            BoardMeeting.objects.filter(
                board_id=meeting.board_id, status=MeetingStatus.SCHEDULED, starts_at__gt=meeting.starts_at
            )
            .order_by("starts_at")
            .first()
        )
    return render(
        request,
        "boards/setup/meeting_cancel.html",
        {"meeting": meeting, "form": form, "open_cases": open_cases, "later": later},
        status=status,
    )
