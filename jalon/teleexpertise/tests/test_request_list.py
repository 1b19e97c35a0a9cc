"""The list (teleexpertise:list): the GP's own requests; the specialist's service's, unanswered and late first."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from conftest import identity
from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.teleexpertise.services import teleexpertise_answer
from jalon.testing.factories import letters_name, make_ins

PARIS = ZoneInfo("Europe/Paris")


def _patient(seed: int):
    birth = datetime(1950, 1, 1).date()
    return identity(
        birth_name=letters_name("Patient", seed),
        first_names="Paul",
        sex="M",
        birth_date=birth,
        ins=make_ins(sex="M", birth_date=birth, seed=seed),
    )


def test_it_lists_the_gps_own_requests_with_status_service_deadline_and_answer(client, gp, other_gp, ask, pneumologist):
    """The GP sees their requests (status, service, deadline, answer), not another GP's; each row is audited."""
    mine = ask()
    teleexpertise_answer(actor=Actor(user=pneumologist), request=mine, answer="TEP-TDM puis consultation.")
    theirs = ask(user=other_gp, patient=_patient(50))
    client.force_login(gp)
    page = client.get(reverse("teleexpertise:list")).content.decode()
    assert mine.reference in page and theirs.reference not in page
    assert "Répondue" in page and "Pneumologie" in page and "TEP-TDM puis consultation." in page
    assert AuditRecord.objects.filter(actor=gp, object_type="teleexpertise.list", patient_id=mine.patient_id).exists()


def test_it_lists_the_services_requests_unanswered_first_and_flags_late_ones(client, ask, pneumologist, other_gp):
    """The specialist sees their service's requests: unanswered first, nearest deadline first, late ones in words."""
    with time_machine.travel(datetime(2026, 11, 16, 9, 0, tzinfo=PARIS), tick=False):
        answered = ask(patient=_patient(1))
        late = ask(patient=_patient(2), user=other_gp)
    with time_machine.travel(datetime(2026, 11, 18, 8, 0, tzinfo=PARIS), tick=False):
        teleexpertise_answer(actor=Actor(user=pneumologist), request=answered, answer="Avis rendu.")
        fresh = ask(patient=_patient(3))
    with time_machine.travel(datetime(2026, 11, 18, 10, 0, tzinfo=PARIS), tick=False):
        client.force_login(pneumologist)
        page = client.get(reverse("teleexpertise:list")).content.decode()
    assert page.index(late.reference) < page.index(fresh.reference) < page.index(answered.reference)
    assert page.count("en retard") == 1
    assert 'class="overdue"' in page
    assert "Médecin demandeur" in page


def test_it_shows_another_services_specialist_nothing(client, ask, gastroenterologist):
    """A specialist of another service sees an empty list."""
    request = ask()
    client.force_login(gastroenterologist)
    page = client.get(reverse("teleexpertise:list")).content.decode()
    assert request.reference not in page and "Aucune demande de téléexpertise" in page


@pytest.mark.parametrize("persona", ["coordinator", "manager", "home_nurse", "support_provider"])
def test_it_is_for_referrers_and_specialists_only(client, persona, request):
    """Other roles are refused the page."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("teleexpertise:list")).status_code == 403


@pytest.mark.parametrize("persona", ["gp", "pneumologist"])
def test_it_keeps_the_number_of_queries_constant(client, ask, persona, request, django_assert_max_num_queries):
    """The list's queries do not grow with its rows, for the GP and for the specialist."""
    for seed in range(3):
        ask(patient=_patient(100 + seed))
    client.force_login(request.getfixturevalue(persona))
    client.get(reverse("teleexpertise:list"))
    with django_assert_max_num_queries(15) as captured:
        client.get(reverse("teleexpertise:list"))
    few = len(captured)
    for seed in range(6):
        ask(patient=_patient(200 + seed))
    with django_assert_max_num_queries(few):
        response = client.get(reverse("teleexpertise:list"))
    assert response.content.decode().count("TEX-") >= 9
