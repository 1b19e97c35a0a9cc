"""Meetings come from the board's schedule, idempotently."""

from datetime import date, time
from zoneinfo import ZoneInfo

from django.core.management import call_command

from jalon.boards.models import BoardMeeting
from jalon.boards.services import board_meetings_generate

PARIS = ZoneInfo("Europe/Paris")


def test_it_generates_the_meetings_of_the_schedule_once(board):
    """Thursdays at 14:00 Paris time, weekly: four weeks give four meetings, a second run none."""
    created = board_meetings_generate(board=board, start=date(2026, 12, 7), weeks=4)

    starts = [m.starts_at.astimezone(PARIS) for m in BoardMeeting.objects.filter(board=board).order_by("starts_at")]
    assert created == 4
    assert [moment.date() for moment in starts] == [
        date(2026, 12, 10),
        date(2026, 12, 17),
        date(2026, 12, 24),
        date(2026, 12, 31),
    ]
    assert {moment.time() for moment in starts} == {time(14, 0)}
    assert board_meetings_generate(board=board, start=date(2026, 12, 7), weeks=4) == 0
    assert BoardMeeting.objects.filter(board=board).count() == 4


def test_it_follows_a_fortnightly_rhythm_from_the_first_date(board):
    board.every_weeks, board.first_date = 2, date(2026, 12, 3)
    board.save()

    board_meetings_generate(board=board, start=date(2026, 12, 7), weeks=6)

    days = [
        m.starts_at.astimezone(PARIS).date() for m in BoardMeeting.objects.filter(board=board).order_by("starts_at")
    ]
    assert days == [date(2026, 12, 17), date(2026, 12, 31), date(2027, 1, 14)]


def test_the_command_generates_for_every_active_board(board):
    call_command("generate_board_meetings", weeks=2)

    assert BoardMeeting.objects.filter(board=board).count() == 2
