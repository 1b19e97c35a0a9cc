"""Downloading a pathway letter from the portal: for the referrer and the GP, audited; 404 otherwise."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.urls import reverse

from conftest import MINIMAL_PDF
from jalon.accounts.models import AuditAction, AuditRecord
from jalon.pathways.models import Letter, LetterKind
from jalon.pathways.tests.factories import pathway_build


def make_letter(pathway, kind=LetterKind.FIRST_DIAGNOSTIC_DAY) -> Letter:
    return Letter.objects.create(
        pathway=pathway,
        kind=kind,
        title="Courrier de liaison",
        file=ContentFile(MINIMAL_PDF, name="x.pdf"),
        size=len(MINIMAL_PDF),
        sha256="0" * 64,
    )


def letter_url(referral, letter) -> str:
    return reverse("portal:letter", args=[referral.reference, letter.pk])


def test_it_sends_the_pdf_and_audits_the_download(client, referral, treating_gp):
    """The GP gets the PDF inline; a DOWNLOAD record names the patient and the letter."""
    letter = make_letter(referral.pathway)
    client.force_login(treating_gp)

    response = client.get(letter_url(referral, letter))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert referral.patient.birth_name not in response["Content-Disposition"]
    record = AuditRecord.objects.get(object_type="pathway.letter")
    assert (record.action, record.patient_id, record.object_id, record.actor_id) == (
        AuditAction.DOWNLOAD,
        referral.patient_id,
        str(letter.pk),
        treating_gp.pk,
    )


def test_it_answers_404_for_another_pathways_letter(client, referral, gp, coordinator, submit):
    """A letter of another of the GP's pathways is not reachable under this reference."""
    other = pathway_build(submit, user=coordinator)
    letter = make_letter(other)
    client.force_login(gp)

    assert client.get(letter_url(referral, letter)).status_code == 404
    assert client.get(reverse("portal:letter", args=[referral.reference, 999999])).status_code == 404
    assert not AuditRecord.objects.filter(object_type="pathway.letter").exists()


def test_it_answers_404_when_the_file_is_gone(client, referral, gp):
    """The row without its file: 404, not 500."""
    letter = make_letter(referral.pathway)
    letter.file.storage.delete(letter.file.name)
    client.force_login(gp)
    assert client.get(letter_url(referral, letter)).status_code == 404


def test_it_answers_404_to_an_outsider(client, referral, other_gp):
    """Another GP gets a 404, nothing audited."""
    letter = make_letter(referral.pathway)
    client.force_login(other_gp)
    assert client.get(letter_url(referral, letter)).status_code == 404
    assert not AuditRecord.objects.filter(object_type="pathway.letter").exists()


def test_it_answers_404_to_an_absurd_letter_id(client, referral, gp):
    """An id beyond any database integer: 404, not 500."""
    client.force_login(gp)
    assert client.get(reverse("portal:letter", args=[referral.reference, 10**30])).status_code == 404
