"""The pathway page's « Informer la ville » forms (stay events, a new document) and the letters written
to the GP: main path, refusals in French with nothing saved, downloads audited, outsiders 404."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import pdf_upload
from jalon.accounts.models import AuditRecord
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.pathways.models import LetterKind

# The pathway page tests' fixtures (imported to be used here: pytest finds them by name).
from jalon.pathways.tests.test_pathway_pages import (  # noqa: F401, F811
    clock,
    local_input,
    pathway,
    pathway_url,
    referral,
    rules_and_templates,
)


def test_it_records_an_admission_and_tells_the_city(client, coordinator, pathway, gp):
    """The coordinator records an admission; the referrer's message is queued and the history shows it."""
    client.force_login(coordinator)
    response = client.post(
        pathway_url(pathway, "stay"),
        {
            "stay-stay_kind": "admission",
            "stay-occurred_at": local_input(timezone.now() - timedelta(hours=1)),
            "stay-place": "Pneumologie, Hôpital de Hautepierre",
            "stay-note": "Pour drainage pleural",
        },
    )
    assert response.status_code == 302
    assert OutboxMessage.objects.filter(kind="stay.admission", recipient_professional=gp.professional).exists()
    page = client.get(pathway_url(pathway)).content.decode()
    assert "Admission" in page and "Lieu : Pneumologie, Hôpital de Hautepierre" in page
    assert "Dans Jalon" in page  # the delivery of each message shows on the timeline


def test_it_refuses_a_stay_event_in_the_future_and_keeps_what_was_typed(client, coordinator, pathway):
    """A date in the future is refused in French (400), the form keeps the place, nothing is recorded."""
    client.force_login(coordinator)
    response = client.post(
        pathway_url(pathway, "stay"),
        {
            "stay-stay_kind": "transfer",
            "stay-occurred_at": local_input(timezone.now() + timedelta(days=2)),
            "stay-place": "Réanimation médicale",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "La date ne peut pas être dans le futur." in page and 'value="Réanimation médicale"' in page
    assert not Event.objects.filter(kind="stay.transfer").exists()


def test_it_adds_a_document_and_refuses_a_wrong_file(client, coordinator, pathway):
    """A PDF is added to the file and told to the city; a text file is refused in French and not stored."""
    client.force_login(coordinator)
    response = client.post(pathway_url(pathway, "document_add"), {"document-document": pdf_upload("cr-tep.pdf")})
    assert response.status_code == 302
    assert pathway.referral.documents.filter(original_name="cr-tep.pdf").exists()
    assert OutboxMessage.objects.filter(kind="document.added").exists()

    bad = SimpleUploadedFile("notes.txt", b"texte libre", content_type="text/plain")
    response = client.post(pathway_url(pathway, "document_add"), {"document-document": bad})
    assert response.status_code == 400
    assert "seuls les documents PDF, PNG et JPEG" in response.content.decode()
    assert not pathway.referral.documents.filter(original_name="notes.txt").exists()


def test_it_lists_and_downloads_the_letters_with_an_audit(client, coordinator, pathway, gp, other_gp):
    """The closing report appears on the page; downloading it is audited; another GP gets 404."""
    client.force_login(coordinator)
    client.post(pathway_url(pathway, "close"), {"close-reason": "Prise en charge terminée"})
    letter = pathway.letters.get(kind=LetterKind.CLOSING_REPORT)
    assert "Compte rendu de fin de parcours" in client.get(pathway_url(pathway)).content.decode()

    client.force_login(gp)
    response = client.get(pathway_url(pathway, "letter", letter.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditRecord.objects.filter(
        actor=gp, action="download", object_type="pathway.letter", object_id=str(letter.pk)
    ).exists()

    client.force_login(other_gp)
    assert client.get(pathway_url(pathway, "letter", letter.pk)).status_code == 404


def test_it_keeps_the_forms_to_the_coordination(client, gp, pathway):
    """The referring GP reads the pathway but may not record a stay event (403) nor see the forms."""
    client.force_login(gp)
    assert "Informer la ville" not in client.get(pathway_url(pathway)).content.decode()
    response = client.post(
        pathway_url(pathway, "stay"), {"stay-stay_kind": "admission", "stay-occurred_at": local_input(timezone.now())}
    )
    assert response.status_code == 403
