"""One patient's page in the portal: milestones (planned, done, overdue) with Paris dates, upcoming
appointments, documents and letters, key events, the thread and the form to the coordination; opening
it marks the thread read and is audited; outsiders get a 404; refused messages keep the text (400)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from conftest import MINIMAL_PDF
from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.core.formatting import datetime_numeric
from jalon.core.vocabulary import ResourceKind
from jalon.events.services import event_record
from jalon.pathways.models import Letter, LetterKind, Milestone, MilestoneStatus
from jalon.pathways.services import milestone_record
from jalon.pathways.tests.test_pathway_pages import recordable_milestone
from jalon.portal.models import MESSAGE_MAX_LENGTH, ThreadMessage, ThreadReadMark
from jalon.portal.selectors import unread_counts_for_city
from jalon.scheduling.models import Appointment, AppointmentStatus, Resource, Slot

PARIS = ZoneInfo("Europe/Paris")


def url(referral, name: str = "patient", *args) -> str:
    return reverse(f"portal:{name}", args=[referral.reference, *args])


def on_screen(moment) -> str:
    return datetime_numeric(moment)


def html(text: str) -> str:
    return text.replace("'", "&#x27;")


def book(pathway, milestone, *, start, by, status=AppointmentStatus.BOOKED, name="Scanner Hautepierre"):
    resource = Resource.objects.create(
        organization=pathway.referral.entry_point.organization,
        kind=ResourceKind.CT,
        name=name,
        location="Bâtiment B, niveau -1",
    )
    slot = Slot.objects.create(resource=resource, start=start, end=start + timedelta(minutes=30))
    return Appointment.objects.create(
        slot=slot, pathway=pathway, milestone=milestone, status=status, group=uuid.uuid4(), booked_by=by
    )


def test_it_shows_the_milestones_with_their_state_and_paris_dates(client, referral, treating_gp, coordinator):
    """Done with its date, overdue with its due date, planned: in words, not colour only; dates in Paris time."""
    pathway = referral.pathway
    first = recordable_milestone(pathway)
    done_at = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    milestone_record(actor=Actor(user=coordinator), milestone=first, done_at=done_at)
    late = pathway.milestones.filter(status=MilestoneStatus.PENDING).exclude(due_at=None).order_by("order").first()
    late_due = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    Milestone.objects.filter(pk=late.pk).update(due_at=late_due)

    client.force_login(treating_gp)
    page = client.get(url(referral)).content.decode()

    assert html(first.label) in page and on_screen(done_at) in page and "Fait" in page
    assert html(late.label) in page and on_screen(late_due) in page and "En retard" in page
    assert "Prévu" in page


def test_it_shows_upcoming_booked_appointments_only(client, referral, gp, coordinator):
    """A booked appointment to come with what, where and when; past or cancelled ones are not listed."""
    pathway = referral.pathway
    milestone = pathway.milestones.order_by("order").first()
    coming = timezone.now().replace(microsecond=0) + timedelta(days=2)
    book(pathway, milestone, start=coming, by=coordinator)
    book(pathway, milestone, start=timezone.now() - timedelta(days=1), by=coordinator, name="IRM passée")
    book(
        pathway,
        milestone,
        start=coming + timedelta(days=1),
        by=coordinator,
        status=AppointmentStatus.CANCELLED,
        name="TEP annulée",
    )

    client.force_login(gp)
    page = client.get(url(referral)).content.decode()

    assert "Scanner Hautepierre" in page and "Bâtiment B, niveau -1" in page and html(milestone.label) in page
    assert coming.astimezone(PARIS).strftime("%Y") in page
    assert "IRM passée" not in page and "TEP annulée" not in page


def test_it_lists_the_referrals_documents_and_the_pathways_letters(client, referral, gp):
    """Referral documents link to the existing download; letters to the portal's."""
    document = referral.documents.first()
    letter = Letter.objects.create(
        pathway=referral.pathway,
        kind=LetterKind.FIRST_DIAGNOSTIC_DAY,
        title="Courrier de la journée de diagnostic",
        file=ContentFile(MINIMAL_PDF, name="x.pdf"),
        size=len(MINIMAL_PDF),
        sha256="0" * 64,
    )
    client.force_login(gp)
    page = client.get(url(referral)).content.decode()

    assert (
        reverse("referrals:document", args=[referral.reference, document.pk]) in page and document.original_name in page
    )
    assert url(referral, "letter", letter.pk) in page and "Courrier de la journée de diagnostic" in page


def test_it_shows_the_key_events_and_not_the_coordinations_internal_ones(client, referral, gp, coordinator):
    """The timeline speaks French; links to other referrals and triage overrides stay with the coordination."""
    event_record(
        actor=Actor(user=coordinator),
        kind="referral.duplicate_linked",
        patient_id=referral.patient_id,
        referral_id=referral.pk,
    )
    client.force_login(gp)
    page = client.get(url(referral)).content.decode()

    assert "Demande reçue" in page and "Parcours démarré" in page
    assert "Demande liée à une autre demande" not in page


def test_it_says_when_the_pathway_has_not_started(client, submit, gp):
    """A referral not yet accepted: the page says the pathway will start on acceptance."""
    referral = submit().referral
    client.force_login(gp)
    response = client.get(url(referral))
    assert response.status_code == 200
    assert "Le parcours démarrera quand la coordination aura accepté la demande." in response.content.decode()


def test_it_shows_the_thread_and_marks_it_read(client, referral, treating_gp, coordinator, post):
    """The coordination's message is shown, and no longer unread for the GP who opened the page."""
    post(coordinator, referral, "Rendez-vous de pneumologie le 3 décembre")
    assert unread_counts_for_city(treating_gp, [referral.pk]) == {referral.pk: 1}

    client.force_login(treating_gp)
    page = client.get(url(referral)).content.decode()

    assert "Rendez-vous de pneumologie le 3 décembre" in page and "Échanges avec la coordination" in page
    assert unread_counts_for_city(treating_gp, [referral.pk]) == {}


def test_it_audits_the_read(client, referral, gp):
    """Opening the page writes a READ record for the patient."""
    client.force_login(gp)
    client.get(url(referral))
    record = AuditRecord.objects.get(actor=gp, object_type="portal.patient")
    assert (record.action, record.patient_id, record.object_id) == (
        AuditAction.READ,
        referral.patient_id,
        referral.reference,
    )


def test_it_writes_to_the_coordination(client, referral, treating_gp):
    """The GP's message is saved from the city side; back to the page, which says it was sent and shows it."""
    client.force_login(treating_gp)
    response = client.post(url(referral), {"body": "Le patient demande la date du scanner."})

    assert response.status_code == 302 and response.url == url(referral)
    message = ThreadMessage.objects.get()
    assert (message.author_id, message.side, message.body) == (
        treating_gp.pk,
        "city",
        "Le patient demande la date du scanner.",
    )
    page = client.get(response.url).content.decode()
    assert "Votre message a été envoyé à la coordination." in page and "Le patient demande la date du scanner." in page


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Écrivez votre message avant de l&#x27;envoyer."),
        ("   ", "Écrivez votre message avant de l&#x27;envoyer."),
        ("Trop long. " + "a" * MESSAGE_MAX_LENGTH, "5000 au plus"),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_it_refuses_a_bad_message_and_keeps_the_text(client, referral, gp, body, error):
    """Empty or too long: 400, a clear French message next to the field, nothing saved, the text kept."""
    client.force_login(gp)
    response = client.post(url(referral), {"body": body})

    assert response.status_code == 400
    page = response.content.decode()
    assert error in page and "Votre message à la coordination" in page
    assert not ThreadMessage.objects.exists()
    if body.strip():
        assert body in page


def test_it_survives_a_missing_field(client, referral, gp):
    """A POST without the field at all is refused like an empty message, never a 500."""
    client.force_login(gp)
    assert client.post(url(referral), {}).status_code == 400


@pytest.mark.parametrize(
    "name", ["other_gp", "coordinator_elsewhere", "coordinator", "specialist", "manager", "support_provider"]
)
def test_it_answers_404_to_outsiders_on_every_portal_url(client, referral, request, name):
    """Another GP, a coordinator (the CPTS's too: their pages are elsewhere), a specialist, a manager: 404
    everywhere."""
    letter = Letter.objects.create(
        pathway=referral.pathway,
        kind=LetterKind.CLOSING_REPORT,
        title="Compte rendu",
        file=ContentFile(MINIMAL_PDF, name="x.pdf"),
        sha256="0" * 64,
    )
    client.force_login(request.getfixturevalue(name))

    assert client.get(url(referral)).status_code == 404
    assert client.post(url(referral), {"body": "Bonjour"}).status_code == 404
    assert client.get(url(referral, "patient_live"), {"depuis": "0"}).status_code == 404
    assert client.get(url(referral, "letter", letter.pk)).status_code == 404
    assert not ThreadMessage.objects.exists()
    assert not AuditRecord.objects.filter(object_type__startswith="portal").exists()


def test_it_answers_404_to_the_gp_when_the_patient_opposes_sharing(client, referral, treating_gp, coordinator):
    """After the patient's opposition the GP gets a 404; the referrer still follows."""
    from jalon.patients.services import patient_record_sharing_opposition

    patient_record_sharing_opposition(actor=Actor(user=coordinator), patient=referral.patient, opposes=True)
    client.force_login(treating_gp)
    assert client.get(url(referral)).status_code == 404
    assert client.get(url(referral, "patient_live")).status_code == 404


def test_it_answers_404_to_an_unknown_reference(client, gp):
    """A reference that does not exist: 404, as one that exists elsewhere."""
    client.force_login(gp)
    assert client.get(reverse("portal:patient", args=["JAL-2026-999999"])).status_code == 404
    assert client.get(reverse("portal:patient", args=["n'importe-quoi"])).status_code == 404


def test_it_keeps_its_number_of_queries_constant(
    client, referral, gp, coordinator, post, django_assert_max_num_queries
):
    """More steps done, appointments and messages do not add queries (both times a new message to mark read)."""
    client.force_login(gp)
    post(coordinator, referral, "Premier message")
    client.get(url(referral))
    post(coordinator, referral, "Deuxième message")
    with django_assert_max_num_queries(60) as before:
        client.get(url(referral))
    pathway = referral.pathway
    milestone_record(actor=Actor(user=coordinator), milestone=recordable_milestone(pathway), done_at=timezone.now())
    for days in (2, 3, 4):
        book(
            pathway,
            pathway.milestones.order_by("order").first(),
            start=timezone.now() + timedelta(days=days),
            by=coordinator,
            name=f"Scanner {days}",
        )
    for number in range(3):
        post(coordinator, referral, f"Message {number}")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url(referral))
    assert ThreadReadMark.objects.filter(user=gp, referral=referral).exists()


def test_it_links_to_the_patient_page_for_the_confirmed_gp_only(client, referral, treating_gp, gp):
    """The confirmed GP (care team) finds the patient's page and care team from here; the referrer, who
    reaches only their referral, gets no link to a page that would answer 404."""
    patient_page = reverse("patients:detail", args=[referral.patient_id])

    client.force_login(treating_gp)
    assert patient_page in client.get(url(referral)).content.decode()

    client.force_login(gp)
    assert patient_page not in client.get(url(referral)).content.decode()


def test_it_counts_the_steps_done_in_words(client, referral, treating_gp, coordinator):
    """« 1 étape faite sur N », then « 2 étapes faites sur N »: French plurals, not « étape(s) faite(s) »."""
    pathway = referral.pathway
    client.force_login(treating_gp)

    milestone_record(actor=Actor(user=coordinator), milestone=recordable_milestone(pathway), done_at=timezone.now())
    assert "1 étape faite sur " in client.get(url(referral)).content.decode()

    milestone_record(actor=Actor(user=coordinator), milestone=recordable_milestone(pathway), done_at=timezone.now())
    page = client.get(url(referral)).content.decode()
    assert "2 étapes faites sur " in page and "étape(s)" not in page
