"""The demo tele-expertise: offers for the demo hospital's services and three requests told consistently."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jalon.events.models import Event
from jalon.referrals.models import Referral
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseOffer, TeleExpertiseRequest

pytestmark = pytest.mark.django_db


def test_it_adds_offers_and_requests_to_the_demo():
    """After load_demo: two offers at the hospital, one answered request, one late (flagged once), one waiting."""
    call_command(
        "load_demo", "--if-empty", "--only-territory-communes", stdout=StringIO()
    )  # calls create_demo_teleexpertise
    now = timezone.now()
    requests = list(TeleExpertiseRequest.objects.order_by("submitted_at"))
    assert sorted(TeleExpertiseOffer.objects.values_list("service__name", flat=True)) == [
        "Hépato-gastro-entérologie",
        "Pneumologie",
    ]
    assert [r.status for r in TeleExpertiseRequest.objects.order_by("submitted_at")] == [
        RequestStatus.ANSWERED,
        RequestStatus.SUBMITTED,
        RequestStatus.SUBMITTED,
    ]
    late = TeleExpertiseRequest.objects.filter(late_notified_at__isnull=False).get()
    assert late.pk == requests[1].pk and late.answer_deadline < now
    assert requests[2].answer_deadline > now
    assert Event.objects.filter(kind="teleexpertise.late").count() == 1
    assert requests[0].documents.count() == 1 and requests[0].patient.ins
    assert not Referral.objects.filter(channel="teleexpertise").exists()  # nothing converted: load_demo's count holds
