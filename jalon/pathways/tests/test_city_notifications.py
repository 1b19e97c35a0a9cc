"""What the GP and the referrer hear of a pathway (seed 001, fiche 7): who receives each event's
message, on which channel, with which letter; the GP is left out when the patient opposes sharing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import identity, pdf_upload
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.messaging.models import Channel, OutboxMessage
from jalon.pathways.models import LetterKind, PathwayStatus
from jalon.pathways.services import milestone_record, pathway_close, pathway_record_outcome, stay_event_record
from jalon.pathways.tests.factories import pathway_build, template_version_build
from jalon.referrals.services import referral_confirm_gp, referral_document_add
from jalon.scheduling.tests.test_documents import pdf_text, uncompressed_pdf  # noqa: F401 - fixture
from jalon.testing.factories import UserFactory

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 16, 9, 0, tzinfo=PARIS)

STEPS = [
    dict(
        code="reception",
        label="Consultation d'accueil",
        same_day_group="diagnostic_day",
        resource_kind="consultation",
        target_amount=48,
        target_unit="working_hours",
    ),
    dict(
        code="imaging",
        label="Scanner thoracique",
        same_day_group="diagnostic_day",
        resource_kind="ct",
        reference_code="reception",
        target_amount=12,
        target_unit="hours",
    ),
    dict(
        code="biopsy",
        label="Biopsie",
        depends_on=["imaging"],
        reference_code="imaging",
        target_amount=5,
        target_unit="working_days",
    ),
    dict(
        code="tumour_board", label="Réunion de concertation pluridisciplinaire", branch="malignant", phase="treatment"
    ),
    dict(code="return_to_gp", label="Retour au médecin traitant", branch="not_malignant", phase="return"),
]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_9H, tick=False) as traveller:
        yield traveller


@pytest.fixture
def family_gp(db):
    """The patient's GP, who is not the referrer, with a secure mail address and a login."""
    return UserFactory(
        username="dr.famille",
        professional__last_name="Famille",
        professional__mssante_address="dr.famille@medecin.mssante.fr",
    )


@pytest.fixture
def pathway(submit, coordinator, family_gp):
    """A pathway referred by `gp` (e-mail only) for a patient whose GP is `family_gp`, named on the referral and
    confirmed by the coordination (a GP merely named hears nothing)."""
    template_version_build(STEPS, kind="lung")
    built = pathway_build(submit, user=coordinator, patient=identity(gp_id=family_gp.professional_id))
    referral_confirm_gp(actor=Actor(user=coordinator), referral=built.referral)
    return built


def as_actor(user):
    return Actor(user=user, ip_address="127.0.0.1")


def sent(kind: str) -> dict[tuple[int, str], OutboxMessage]:
    return {(m.recipient_professional_id, m.channel): m for m in OutboxMessage.objects.filter(kind=kind)}


def record(pathway, code: str, user, at: datetime, note: str = ""):
    return milestone_record(actor=as_actor(user), milestone=pathway.milestones.get(code=code), done_at=at, note=note)


def test_it_writes_to_the_gp_after_the_first_diagnostic_day(pathway, coordinator, gp, family_gp, clock):
    """When the last step of the diagnostic day is recorded, the GP gets the letter (PDF by secure mail:
    exams done, next steps) and the referrer the news; the first step alone sends nothing."""
    clock.shift(timedelta(hours=2))
    record(
        pathway, "reception", coordinator, MONDAY_9H + timedelta(hours=1), note="Patiente vue, examen clinique normal"
    )
    assert not OutboxMessage.objects.filter(kind="pathway.first_diagnostic_day").exists()

    record(pathway, "imaging", coordinator, MONDAY_9H + timedelta(hours=2))

    letter = pathway.letters.get(kind=LetterKind.FIRST_DIAGNOSTIC_DAY)
    text = pdf_text(letter.file.read())
    assert "Consultation d'accueil" in text and "Scanner thoracique" in text and "Biopsie" in text
    assert "Prochaines étapes" in text and "examen clinique normal" in text
    messages = sent("pathway.first_diagnostic_day")
    secure = messages[(family_gp.professional_id, Channel.MSSANTE)]
    assert secure.attachment_path == letter.file.name and secure.attachment_name.endswith(".pdf")
    assert "Scanner thoracique" in secure.body and "Biopsie" in secure.body
    referrer_notice = messages[(gp.professional_id, Channel.EMAIL)]
    assert "Scanner" not in referrer_notice.body and referrer_notice.attachment_path == ""
    assert Event.objects.filter(kind="pathway.first_diagnostic_day_done", referral=pathway.referral).count() == 1


def test_it_writes_the_diagnostic_day_letter_once(pathway, coordinator, clock):
    """Correcting a step of the diagnostic day does not send the letter again."""
    clock.shift(timedelta(hours=2))
    record(pathway, "reception", coordinator, MONDAY_9H)
    record(pathway, "imaging", coordinator, MONDAY_9H + timedelta(hours=1))
    count = OutboxMessage.objects.filter(kind="pathway.first_diagnostic_day").count()
    record(pathway, "imaging", coordinator, MONDAY_9H + timedelta(hours=1, minutes=30))
    assert OutboxMessage.objects.filter(kind="pathway.first_diagnostic_day").count() == count
    assert pathway.letters.count() == 1


def test_it_tells_the_tumour_board_decision(pathway, coordinator, gp, family_gp, clock):
    """The tumour board's step, once recorded with its decision, is told to the GP and the referrer."""
    clock.shift(timedelta(hours=3))
    for code in ("reception", "imaging", "biopsy"):
        record(pathway, code, coordinator, MONDAY_9H + timedelta(hours=1))
    pathway_record_outcome(actor=as_actor(coordinator), pathway=pathway, outcome="malignant")
    record(
        pathway,
        "tumour_board",
        coordinator,
        MONDAY_9H + timedelta(hours=2),
        note="Chirurgie proposée après bilan d'opérabilité",
    )

    messages = sent("tumour_board.decision")
    assert set(messages) == {
        (family_gp.professional_id, Channel.MSSANTE),
        (family_gp.professional_id, Channel.IN_APP),
        (gp.professional_id, Channel.EMAIL),
        (gp.professional_id, Channel.IN_APP),
    }
    assert "Chirurgie proposée" in messages[(family_gp.professional_id, Channel.MSSANTE)].body
    assert "Chirurgie" not in messages[(gp.professional_id, Channel.EMAIL)].body


@pytest.mark.parametrize("stay_kind", ["admission", "transfer", "discharge"])
def test_it_tells_admission_transfer_and_discharge(pathway, coordinator, gp, family_gp, stay_kind):
    """Each stay event reaches the GP and the referrer, with the place in the secure text."""
    stay_event_record(
        actor=as_actor(coordinator),
        pathway=pathway,
        stay_kind=stay_kind,
        occurred_at=MONDAY_9H,
        place="Pneumologie, 3e étage",
    )
    messages = sent(f"stay.{stay_kind}")
    assert "Pneumologie, 3e étage" in messages[(family_gp.professional_id, Channel.MSSANTE)].body
    assert (gp.professional_id, Channel.EMAIL) in messages
    assert Event.objects.get(kind=f"stay.{stay_kind}").payload["place"] == "Pneumologie, 3e étage"
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.ACTIVE


def test_it_closes_the_pathway_on_a_death_without_a_closing_report(pathway, coordinator, family_gp):
    """A death is told to the GP, closes the pathway, and sends no closing report."""
    stay_event_record(
        actor=as_actor(coordinator), pathway=pathway, stay_kind="death", occurred_at=MONDAY_9H - timedelta(hours=2)
    )
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.CLOSED
    assert Event.objects.filter(kind="pathway.closed", referral=pathway.referral).exists()
    assert (family_gp.professional_id, Channel.MSSANTE) in sent("stay.death")
    assert not OutboxMessage.objects.filter(kind__in=["pathway.closed", "referral.closed"]).exists()
    assert not pathway.letters.exists()


def test_it_refuses_a_stay_event_without_its_place(pathway, coordinator):
    """An admission needs its place: refused in French, nothing recorded or sent."""
    from jalon.pathways.errors import PathwayError

    with pytest.raises(PathwayError, match="lieu"):
        stay_event_record(actor=as_actor(coordinator), pathway=pathway, stay_kind="admission", occurred_at=MONDAY_9H)
    assert not Event.objects.filter(kind="stay.admission").exists()
    assert not OutboxMessage.objects.filter(kind="stay.admission").exists()


def test_it_sends_the_closing_report_when_the_pathway_closes(pathway, coordinator, gp, family_gp, clock):
    """Closing the pathway writes the closing report (PDF, steps done, reason) for the GP; the referrer hears
    of it once (no separate « demande clôturée »)."""
    clock.shift(timedelta(hours=2))
    record(pathway, "reception", coordinator, MONDAY_9H + timedelta(hours=1))
    pathway_close(actor=as_actor(coordinator), pathway=pathway, reason="Patient pris en charge dans un autre centre")

    letter = pathway.letters.get(kind=LetterKind.CLOSING_REPORT)
    text = pdf_text(letter.file.read())
    assert "Patient pris en charge dans un autre centre" in text and "Consultation d'accueil" in text
    messages = sent("pathway.closed")
    assert messages[(family_gp.professional_id, Channel.MSSANTE)].attachment_path == letter.file.name
    assert (gp.professional_id, Channel.EMAIL) in messages
    assert not OutboxMessage.objects.filter(kind="referral.closed").exists()


def test_it_leaves_the_gp_out_when_the_patient_opposes_sharing(pathway, coordinator, gp, family_gp):
    """Opposition to sharing removes the GP from the care team's readers, so from the messages too."""
    patient = pathway.patient
    patient.sharing_opposition = True
    patient.save(update_fields=["sharing_opposition"])
    stay_event_record(
        actor=as_actor(coordinator), pathway=pathway, stay_kind="admission", occurred_at=MONDAY_9H, place="Oncologie"
    )
    recipients = {professional for professional, _channel in sent("stay.admission")}
    assert recipients == {gp.professional_id}


def test_it_tells_of_a_new_document_but_not_its_author(pathway, coordinator, gp, family_gp):
    """A document added by the referrer is told to the GP only; one added by the coordination to both."""
    referral_document_add(actor=as_actor(gp), referral=pathway.referral, upload=pdf_upload("biologie.pdf"))
    assert {p for p, _c in sent("document.added")} == {family_gp.professional_id}
    assert "biologie.pdf" in sent("document.added")[(family_gp.professional_id, Channel.MSSANTE)].body

    OutboxMessage.objects.filter(kind="document.added").update(kind="document.added.seen")
    referral_document_add(
        actor=as_actor(coordinator), referral=pathway.referral, upload=pdf_upload("compte-rendu-tdm.pdf")
    )
    assert {p for p, _c in sent("document.added")} == {family_gp.professional_id, gp.professional_id}
    assert pathway.referral.documents.filter(original_name="compte-rendu-tdm.pdf").exists()
    assert Event.objects.filter(kind="referral.document_added", referral=pathway.referral).count() == 2


def test_the_diagnostic_day_letter_reads_as_a_person_would_write_it(pathway, coordinator, clock):
    """Issue 14, item 7: the organisation named once, the phone as « 03 53 01 00 12 », the words agreed with the
    patient's sex, and a step whose due date has passed said to be late, not « avant » a day gone by."""
    entry_point = pathway.referral.entry_point
    entry_point.name = f"Guichet cancer – {entry_point.organization.name}"
    entry_point.phone = "+33353010012"
    entry_point.save(update_fields=["name", "phone"])
    # The diagnostic day two weeks ago, recorded today: the biopsy (5 working days after the scanner) is late.
    two_weeks_ago = MONDAY_9H - timedelta(days=14)
    record(pathway, "reception", coordinator, two_weeks_ago + timedelta(hours=1))
    record(pathway, "imaging", coordinator, two_weeks_ago + timedelta(hours=2))

    text = " ".join(pdf_text(pathway.letters.get(kind=LetterKind.FIRST_DIAGNOSTIC_DAY).file.read()).split())

    assert text.startswith(
        f"Jalon {entry_point.name} Téléphone"
    )  # not « … – CPTS Strasbourg Nord – CPTS Strasbourg Nord »
    assert "03 53 01 00 12" in text and "+33353010012" not in text
    assert pathway.patient.sex == "F"
    assert "Patiente :" in text and "née le" in text and "Votre patiente a été accueillie" in text and "·" not in text
    assert "Biopsie : en retard (échéance dépassée : lundi 9 novembre 2026)" in text
