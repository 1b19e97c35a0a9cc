"""The demo's pathology: the `anapath` login receives specimens in every state."""

from io import StringIO

import pytest
from django.core.management import call_command

from jalon.diagnostics.models import ExamRequest, PathologyRequest, PathologyStatus
from jalon.events.models import Event

pytestmark = pytest.mark.django_db


def test_the_demo_has_pathology_requests_in_every_state_for_its_pathologist():
    """Waiting in time, late (its late event raised), preliminary given, non-contributive with its re-biopsy task."""
    call_command("load_demo", "--if-empty", "--only-territory-communes", stdout=StringIO())
    requests = PathologyRequest.objects.filter(pathologist__user__username="anapath")
    assert set(requests.values_list("status", flat=True)) == {
        PathologyStatus.REQUESTED,
        PathologyStatus.PRELIMINARY,
        PathologyStatus.NON_CONTRIBUTIVE,
    }
    assert requests.filter(status=PathologyStatus.REQUESTED).count() == 2
    assert Event.objects.filter(kind="pathology.late", payload__stage="preliminary").count() == 1
    assert requests.get(status=PathologyStatus.NON_CONTRIBUTIVE).rebiopsy_task.done_at is None
    assert ExamRequest.objects.filter(status="scheduled").exists()
    logins = StringIO()
    call_command("print_demo_logins", stdout=logins)
    assert "anapath" in logins.getvalue()
