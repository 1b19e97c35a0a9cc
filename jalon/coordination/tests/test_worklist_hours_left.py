"""The worklist's working hours left: the entry point's calendar, closures included, as for the deadline."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from jalon.core.workcalendar import PARIS, working_hours_left
from jalon.referrals.models import EntryPointClosure
from jalon.referrals.services import answer_calendar, answer_hours_left

FRIDAY_15H = datetime(2026, 11, 13, 15, tzinfo=PARIS)
CLOSED_MONDAY = date(2026, 11, 16)


@pytest.fixture
def closed_monday(entry_point):
    """The CPTS entry point is closed on Monday 16 November 2026."""
    return EntryPointClosure.objects.create(entry_point=entry_point, day=CLOSED_MONDAY, reason="Pont")


@pytest.fixture
def friday_referral(submit, closed_monday):
    """A routine referral received Friday 13 November 2026 at 15:00, to answer within 48 working hours."""
    with time_machine.travel(FRIDAY_15H, tick=False):
        return submit(declared_urgency="routine").referral


def test_it_counts_the_closure_in_the_deadline_and_in_the_hours_left(friday_referral):
    """Received Friday 15:00 with Monday closed, the deadline is Wednesday 15:00 and 48 working hours are left."""
    assert friday_referral.answer_deadline == datetime(2026, 11, 18, 15, tzinfo=PARIS)
    assert answer_hours_left(friday_referral, FRIDAY_15H) == 48
    # Without the closure, the same deadline would seem 72 working hours away (the old worklist's figure).
    department = answer_calendar(friday_referral.entry_point)["department"]
    assert working_hours_left(FRIDAY_15H, friday_referral.answer_deadline, department=department) == 72


@pytest.mark.parametrize(
    ("now", "left"),
    [
        (FRIDAY_15H, 48),
        (datetime(2026, 11, 14, 12, tzinfo=PARIS), 39),  # Saturday: Friday's last 9 hours are gone
        (datetime(2026, 11, 16, 12, tzinfo=PARIS), 39),  # the closed Monday itself counts for nothing
        (datetime(2026, 11, 17, 15, tzinfo=PARIS), 24),
    ],
)
def test_it_shows_the_true_hours_left_on_the_worklist(client, coordinator, friday_referral, now, left):
    """The coordinator's worklist shows the working hours left with the entry point's closed Monday skipped."""
    client.force_login(coordinator)
    with time_machine.travel(now, tick=False):
        page = client.get(reverse("coordination:worklist")).content.decode()
    assert friday_referral.reference in page
    assert f"{left} h ouvrées restantes" in page


def test_it_shows_the_same_hours_left_whatever_the_filters_say(client, coordinator, friday_referral):
    """A filter value the form refuses falls back to the open queue, with the same true hours left."""
    client.force_login(coordinator)
    with time_machine.travel(FRIDAY_15H, tick=False):
        page = client.get(reverse("coordination:worklist"), {"status": "nonsense", "priority": "P9"})
    assert page.status_code == 200
    assert "48 h ouvrées restantes" in page.content.decode()


def test_it_shows_late_instead_of_hours_once_the_deadline_has_passed(client, coordinator, friday_referral):
    """After Wednesday 15:00 the row says « en retard » and no hours left."""
    client.force_login(coordinator)
    with time_machine.travel(datetime(2026, 11, 18, 16, tzinfo=PARIS), tick=False):
        page = client.get(reverse("coordination:worklist")).content.decode()
    assert "en retard" in page and "h ouvrées restantes" not in page


def test_it_keeps_the_worklist_from_a_gp(client, gp, friday_referral):
    """A GP has no worklist: the page is refused and shows no hours left."""
    client.force_login(gp)
    response = client.get(reverse("coordination:worklist"))
    assert response.status_code == 403
    assert "h ouvrées restantes" not in response.content.decode()
