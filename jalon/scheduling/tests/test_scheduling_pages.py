"""The planner page (three alternatives, booking all or nothing, slot taken meanwhile, reschedule), the
cancellation of an appointment, the availability grid (states in words, constant queries), the
pathway page's appointments, and access (404 for outsiders, 403 for those who only read)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.directory.models import Service
from jalon.pathways.models import Milestone
from jalon.pathways.tests.factories import pathway_build, template_version_build
from jalon.pathways.tests.test_pathway_pages import lung_template_version
from jalon.scheduling.models import Appointment, AppointmentStatus, Resource, Slot, WeeklyOpening
from jalon.scheduling.planner import propose_plans
from jalon.scheduling.services import BookingRequest, appointments_book, slots_generate

PARIS = ZoneInfo("Europe/Paris")
MONDAY_10H = datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)  # no public holiday in Alsace in the next three weeks

CONSULTATION = {
    "kind": "consultation",
    "name": "Consultation de pneumologie – Dr Weber",
    "location": "Bâtiment B, 2e étage, consultations de pneumologie",
    "preparation": "Apportez vos examens d'imagerie et la liste de vos médicaments.",
    "contact_phone": "03 88 11 22 33",
}
CT = {
    "kind": "ct",
    "name": "Scanner Nord",
    "location": "Imagerie, rez-de-chaussée, porte 4",
    "preparation": "Venez à jeun depuis 4 heures ; signalez toute allergie à l'iode.",
    "contact_phone": "03 88 44 55 66",
}


def lung_resources(organization, *, days: int = 14, weekdays=range(5)) -> tuple[Resource, Resource]:
    """A pulmonology consultation (mornings 9 h–11 h) and a CT (afternoons 14 h–16 h), 30-minute slots on
    `weekdays` for `days` days from today: the diagnostic day is consultation in the morning, CT after."""
    pneumology, _created = Service.objects.get_or_create(
        organization=organization, name="Pneumologie", defaults={"specialty": "Pneumologie"}
    )
    consultation = Resource.objects.create(organization=organization, service=pneumology, **CONSULTATION)
    ct = Resource.objects.create(organization=organization, **CT)
    today = timezone.localdate()
    for weekday in weekdays:
        WeeklyOpening.objects.create(
            resource=consultation, weekday=weekday, start_time=time(9), end_time=time(11), valid_from=today
        )
        WeeklyOpening.objects.create(
            resource=ct, weekday=weekday, start_time=time(14), end_time=time(16), valid_from=today
        )
    for resource in (consultation, ct):
        slots_generate(resource=resource, start=today, end=today + timedelta(days=days))
    return consultation, ct


# The diagnostic day of the shipped lung template (migration pathways 0004), for when it is not loaded.
DIAGNOSTIC_DAY_STEPS = [
    dict(
        code="reception",
        label="Première consultation de pneumologie (accueil)",
        responsible_role="specialist",
        target_amount=48,
        target_unit="working_hours",
        resource_kind="consultation",
        same_day_group="diagnostic_day",
    ),
    dict(
        code="imaging",
        label="Scanner thoracique et bilan d'extension",
        responsible_role="radiologist",
        reference_code="reception",
        target_amount=12,
        target_unit="hours",
        resource_kind="ct",
        same_day_group="diagnostic_day",
    ),
]


def lung_pathway(submit, coordinator, **overrides):
    """A new lung pathway whose reception and imaging share the diagnostic day: on the shipped template,
    or on a small one built here when the shipped data is not there (after a transactional test)."""
    version = lung_template_version()
    if version.milestones.filter(same_day_group="diagnostic_day", code__in=["reception", "imaging"]).count() != 2:
        template_version_build(DIAGNOSTIC_DAY_STEPS, kind="lung")
    return pathway_build(submit, user=coordinator, kind="lung", **overrides)


def planner_url(pathway, **query) -> str:
    url = reverse("scheduling:planner", args=[pathway.referral.reference])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def book_url(pathway) -> str:
    return reverse("scheduling:book", args=[pathway.referral.reference])


def choices_of(page: str) -> list[list[str]]:
    """The « milestone:slot » values of each proposal's booking form, in page order."""
    forms = re.findall(r'<form method="post" action="[^"]*/reserver/".*?</form>', page, flags=re.S)
    return [re.findall(r'name="reservation" value="(\d+:\d+)"', form) for form in forms]


@pytest.fixture(autouse=True)
def clock():
    """Monday 16 November 2026, 10 h in Paris; time stands still."""
    with time_machine.travel(MONDAY_10H, tick=False) as traveller:
        yield traveller


@pytest.fixture
def resources(hospital):
    return lung_resources(hospital)


@pytest.fixture
def pathway(submit, coordinator, resources):  # noqa: ARG001
    return lung_pathway(submit, coordinator)


@pytest.fixture
def logged(client, coordinator):
    """The coordinator of the CPTS entry point, logged in."""
    client.force_login(coordinator)
    return client


def diagnostic_day_steps(pathway) -> list[Milestone]:
    """The steps the test resources can take: the consultation and the CT of the diagnostic day."""
    return list(
        pathway.milestones.filter(template__same_day_group="diagnostic_day")
        .select_related("template")
        .order_by("order")
    )


def plans_for(pathway, **options):
    return propose_plans(pathway=pathway, milestones=diagnostic_day_steps(pathway), **options)


def book_first_plan(pathway, coordinator) -> list[Appointment]:
    plan = plans_for(pathway)[0]
    slots = Slot.objects.in_bulk([b.slot_id for b in plan.bookings])
    milestones = Milestone.objects.in_bulk([b.milestone_id for b in plan.bookings])
    requests = [BookingRequest(milestone=milestones[b.milestone_id], slot=slots[b.slot_id]) for b in plan.bookings]
    return appointments_book(actor=Actor(user=coordinator), pathway=pathway, requests=requests)


# --- the planner ----------------------------------------------------------------------------------


def test_it_shows_three_alternatives_with_the_diagnostic_day(logged, pathway):
    """Three proposals, each with the consultation then the CT on one diagnostic day, places shown; the read is
    audited."""
    response = logged.get(planner_url(pathway))
    page = response.content.decode()
    assert response.status_code == 200
    for number in (1, 2, 3):
        assert f"Proposition {number}" in page
    assert page.count("Journée diagnostique") == 3
    assert CONSULTATION["name"] in page and CT["location"] in page
    assert len(choices_of(page)) == 3 and all(len(choices) == 2 for choices in choices_of(page))
    assert "Réserver cette proposition" in page
    assert AuditRecord.objects.filter(
        patient_id=pathway.patient_id, action=AuditAction.READ, object_type="pathway.planner"
    ).exists()


def test_it_books_every_step_of_a_proposal(logged, pathway):
    """Booking a proposal books all its slots in one group and the steps' planned dates follow."""
    choices = choices_of(logged.get(planner_url(pathway)).content.decode())[1]
    response = logged.post(book_url(pathway), {"reservation": choices})
    assert response.status_code == 302 and response.url == reverse("pathways:detail", args=[pathway.referral.reference])
    appointments = list(
        Appointment.objects.filter(pathway=pathway, status=AppointmentStatus.BOOKED).select_related("slot", "milestone")
    )
    assert {f"{a.milestone_id}:{a.slot_id}" for a in appointments} == set(choices)
    assert len({a.group for a in appointments}) == 1
    for appointment in appointments:
        assert appointment.milestone.planned_at == appointment.slot.start
    page = logged.get(response.url).content.decode()
    assert "Rendez-vous réservés" in page and "Lettre de rendez-vous au patient (PDF)" in page
    assert CT["name"] in page and "Reprogrammer" in page


def test_it_books_nothing_when_a_slot_was_taken_meanwhile(logged, pathway, submit, coordinator):
    """Another pathway takes the CT slot between the proposal and the click: a French message, nothing
    booked, and fresh proposals without that slot."""
    choices = choices_of(logged.get(planner_url(pathway)).content.decode())[0]
    other = lung_pathway(submit, coordinator, patient=None)
    ct_slot_id = int(choices[1].split(":")[1])
    imaging = other.milestones.get(code="imaging")
    appointments_book(
        actor=Actor(user=coordinator),
        pathway=other,
        requests=[BookingRequest(milestone=imaging, slot=Slot.objects.get(pk=ct_slot_id))],
    )

    response = logged.post(book_url(pathway), {"reservation": choices})
    page = response.content.decode()
    assert response.status_code == 409
    assert "vient d&#x27;être réservé par quelqu&#x27;un d&#x27;autre : rien n&#x27;a été réservé" in page
    assert not Appointment.objects.filter(pathway=pathway).exists()
    fresh = choices_of(page)
    assert fresh and all(f":{ct_slot_id}" not in choice for proposal in fresh for choice in proposal)


def test_it_avoids_the_patients_unavailable_days(logged, pathway):
    """The day of the first proposal given as unavailable: no proposal that day any more."""
    first = plans_for(pathway)[0]
    response = logged.get(planner_url(pathway, indisponibilites=first.day.strftime("%d/%m/%Y")))
    assert response.status_code == 200
    for plan in plans_for(pathway, unavailable_days=frozenset({first.day})):
        assert plan.day != first.day
    slots = Slot.objects.in_bulk([int(c.split(":")[1]) for p in choices_of(response.content.decode()) for c in p])
    assert slots and all(timezone.localdate(slot.start) != first.day for slot in slots.values())


def test_it_refuses_a_badly_written_unavailable_day(logged, pathway):
    """A date in the wrong format: a French message, no proposal, no 500."""
    response = logged.get(planner_url(pathway, indisponibilites="2026-13-45"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "n&#x27;est pas une date" in page and "JJ/MM/AAAA" in page
    assert "Proposition 1" not in page


@pytest.mark.parametrize(
    ("reservation", "message"),
    [
        (["{milestone}:999999"], "n&#x27;existe pas ou plus"),
        (["abc"], "n&#x27;est pas valide"),
        (["999999:{slot}"], "n&#x27;appartient pas à ce parcours"),
        ([], "Aucun créneau choisi"),
    ],
)
def test_it_refuses_a_forged_proposal(logged, pathway, reservation, message):
    """A forged slot or step id, or garbage: a French message, nothing booked, no 500."""
    milestone = pathway.milestones.get(code="imaging")
    slot = Slot.objects.filter(resource__kind="ct").last()
    data = {"reservation": [value.format(milestone=milestone.pk, slot=slot.pk) for value in reservation]}
    response = logged.post(book_url(pathway), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_it_refuses_a_slot_of_the_wrong_kind(logged, pathway):
    """A consultation slot sent for the CT step: the service's French refusal."""
    milestone = pathway.milestones.get(code="imaging")
    slot = Slot.objects.filter(resource__kind="consultation").last()
    response = logged.post(book_url(pathway), {"reservation": [f"{milestone.pk}:{slot.pk}"]})
    assert response.status_code == 400
    assert "ne correspond pas à l&#x27;examen demandé" in response.content.decode()
    assert not Appointment.objects.exists()


def test_it_refuses_a_second_appointment_for_a_booked_step(logged, pathway, coordinator):
    """A step already booked is rescheduled, not booked twice."""
    booked = book_first_plan(pathway, coordinator)
    imaging = next(a for a in booked if a.milestone.code == "imaging")
    other_slot = Slot.objects.filter(resource__kind="ct").exclude(pk=imaging.slot_id).last()
    response = logged.post(book_url(pathway), {"reservation": [f"{imaging.milestone_id}:{other_slot.pk}"]})
    assert response.status_code == 400 and "a déjà un rendez-vous" in response.content.decode()
    assert Appointment.objects.filter(milestone=imaging.milestone, status=AppointmentStatus.BOOKED).count() == 1


def test_it_reschedules_an_appointment(logged, pathway, coordinator):
    """Reschedule: the planner for that step only; booking it cancels the old appointment in the same step."""
    booked = book_first_plan(pathway, coordinator)
    imaging = next(a for a in booked if a.milestone.code == "imaging")
    page = logged.get(planner_url(pathway, reprogrammer=imaging.milestone_id)).content.decode()
    assert "Reprogrammation de l'étape" in page
    proposals = choices_of(page)
    assert proposals and all(
        len(choices) == 1 and choices[0].startswith(f"{imaging.milestone_id}:") for choices in proposals
    )
    response = logged.post(book_url(pathway), {"reservation": proposals[0], "reprogrammer": imaging.milestone_id})
    assert response.status_code == 302
    imaging.refresh_from_db()
    assert imaging.status == AppointmentStatus.CANCELLED and imaging.cancel_reason == "Reprogrammé"
    new = Appointment.objects.get(milestone=imaging.milestone, status=AppointmentStatus.BOOKED)
    assert new.slot_id != imaging.slot_id
    assert Milestone.objects.get(pk=imaging.milestone_id).planned_at == new.slot.start
    page = logged.get(response.url).content.decode()
    assert "Annulé" in page and "Reprogrammé" in page  # the history keeps the old appointment


def test_it_requires_a_reason_to_cancel(logged, pathway, coordinator):
    """No reason: refused in French, still booked; with a reason: cancelled, slot free, history kept."""
    appointment = book_first_plan(pathway, coordinator)[0]
    url = reverse("scheduling:cancel", args=[pathway.referral.reference, appointment.pk])
    response = logged.post(url, {"reason": "   "})
    assert response.status_code == 400 and "Indiquez le motif de l&#x27;annulation." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED

    response = logged.post(url, {"reason": "Le patient demande un autre jour"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (
        appointment.status == AppointmentStatus.CANCELLED
        and appointment.cancel_reason == "Le patient demande un autre jour"
    )
    assert not Appointment.objects.filter(slot=appointment.slot, status=AppointmentStatus.BOOKED).exists()
    page = logged.get(response.url).content.decode()
    assert "Le patient demande un autre jour" in page and "Planifier" in page


def test_it_shows_the_cancel_form_on_its_own_page(logged, pathway, coordinator):
    appointment = book_first_plan(pathway, coordinator)[0]
    response = logged.get(reverse("scheduling:cancel", args=[pathway.referral.reference, appointment.pk]))
    assert response.status_code == 200 and "Motif de l&#x27;annulation" in response.content.decode()


# --- access ---------------------------------------------------------------------------------------


def test_it_hides_the_planner_from_outsiders(client, pathway, other_gp, coordinator_elsewhere):
    """A GP with no link to the patient and a coordinator of another entry point: 404, nothing said."""
    for outsider in (other_gp, coordinator_elsewhere):
        client.force_login(outsider)
        assert client.get(planner_url(pathway)).status_code == 404
        assert client.post(book_url(pathway), {"reservation": ["1:1"]}).status_code == 404


def test_it_lets_the_referring_gp_read_but_not_plan(client, pathway, gp, coordinator):
    """The referring GP reaches the pathway, so gets 403 on the planner and cannot cancel."""
    appointment = book_first_plan(pathway, coordinator)[0]
    client.force_login(gp)
    assert client.get(planner_url(pathway)).status_code == 403
    assert (
        client.post(
            reverse("scheduling:cancel", args=[pathway.referral.reference, appointment.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    assert client.get(reverse("scheduling:availability")).status_code == 403
    page = client.get(reverse("pathways:detail", args=[pathway.referral.reference])).content.decode()
    assert "Scanner Nord" in page and "Reprogrammer" not in page and "Planifier" not in page


def test_it_answers_404_for_an_unknown_reschedule_step(logged, pathway):
    assert logged.get(planner_url(pathway, reprogrammer="abc")).status_code == 404
    assert (
        logged.get(planner_url(pathway, reprogrammer=pathway.milestones.get(code="imaging").pk)).status_code == 404
    )  # not booked


# --- the availability grid ------------------------------------------------------------------------


def grid_url(kind: str = "ct", week: str = "2026-11-16") -> str:
    return reverse("scheduling:availability") + f"?kind={kind}&semaine={week}"


def test_it_renders_the_grid_with_every_state_in_words(logged, pathway, coordinator, resources):
    """Free, booked (with the reference for its coordinator), reserved for lung pathways, urgent, blocked
    and released slots: each says its state in text, in a table with headers."""
    _consultation, ct = resources
    booked = book_first_plan(pathway, coordinator)
    free = list(Slot.objects.filter(resource=ct).exclude(appointments__isnull=False).order_by("start"))
    Slot.objects.filter(pk=free[-1].pk).update(reserved_for=["lung"])
    Slot.objects.filter(pk=free[-2].pk).update(urgent=True)
    Slot.objects.filter(pk=free[-3].pk).update(blocked=True, blocked_reason="Maintenance")
    Slot.objects.filter(pk=free[-4].pk).update(urgent=True, release_at=timezone.now() - timedelta(hours=1))
    weeks = {timezone.localdate(s.start) - timedelta(days=timezone.localdate(s.start).weekday()) for s in free[-4:]}
    weeks.add(
        timezone.localdate(booked[0].slot.start) - timedelta(days=timezone.localdate(booked[0].slot.start).weekday())
    )
    page = "".join(logged.get(grid_url(week=f"{week:%Y-%m-%d}")).content.decode() for week in sorted(weeks))
    assert '<th scope="col">Heure</th>' in page and '<th scope="row">14:00</th>' in page
    for label in (
        "Libre",
        "Réservé",
        "Sanctuarisé",
        "parcours Poumon",
        "Urgence (P1)",
        "Bloqué",
        "Maintenance",
        "Libéré",
    ):
        assert label in page, label
    assert pathway.referral.reference in page and pathway.patient.display_name in page
    assert AuditRecord.objects.filter(patient_id=pathway.patient_id, object_type="availability").exists()


def test_it_shows_no_name_to_a_coordinator_elsewhere(client, pathway, coordinator, coordinator_elsewhere):
    """Another entry point's coordinator sees the booked slot as « Réservé », without reference or name."""
    booked = book_first_plan(pathway, coordinator)
    day = timezone.localdate(booked[0].slot.start)
    client.force_login(coordinator_elsewhere)
    page = client.get(grid_url(week=f"{day:%Y-%m-%d}")).content.decode()
    grid = page.split('<main id="contenu"', 1)[1]  # the header names the logged-in user, who may share a name
    assert "Réservé" in grid
    assert pathway.referral.reference not in grid and pathway.patient.birth_name.upper() not in grid


def test_it_shows_a_week_per_kind_with_links_and_a_refresh(logged, resources):  # noqa: ARG001
    page = logged.get(grid_url(kind="consultation", week="2026-11-18")).content.decode()
    assert "semaine du lundi 16 novembre 2026" in page
    assert "semaine=2026-11-09" in page and "semaine=2026-11-23" in page
    assert 'hx-trigger="every 30s"' in page and "samedi" not in page
    partial = logged.get(grid_url(kind="consultation"), HTTP_HX_REQUEST="true").content.decode()
    assert "<table" in partial and "<html" not in partial


def test_it_adds_the_weekend_when_it_has_slots(logged, hospital):
    lung_resources(hospital, weekdays=[5])
    page = logged.get(grid_url(kind="ct", week="2026-11-16")).content.decode()
    assert "samedi 21 novembre" in page and "dimanche 22 novembre" in page


def test_it_keeps_the_grid_queries_constant(logged, hospital, django_assert_max_num_queries, submit, coordinator):
    """Three times more slots (and bookings) do not add a query to the grid."""
    lung_resources(hospital, days=4)
    first = lung_pathway(submit, coordinator)
    book_first_plan(first, coordinator)
    with CaptureQueriesContext(connection) as captured:
        logged.get(grid_url())
    few = len(captured)
    lung_resources(hospital, days=4)
    lung_resources(hospital, days=4)
    second = lung_pathway(submit, coordinator, patient=None)
    book_first_plan(second, coordinator)
    assert Slot.objects.count() >= 3 * 16
    with django_assert_max_num_queries(few):
        response = logged.get(grid_url())
    assert response.content.decode().count("Libre") > 3 * 8


def test_it_refuses_a_bad_week_in_french(logged, resources):  # noqa: ARG001
    """A week that is not a date, a kind that does not exist: French messages and the default grid, no 500."""
    response = logged.get(reverse("scheduling:availability") + "?kind=teleportation&semaine=hier")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Date invalide" in page and "Sélectionnez un choix valide" in page
    assert "<table" in page or "Aucun créneau" in page
