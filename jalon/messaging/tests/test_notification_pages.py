"""The managers' message-text pages (preview, publish, refusals in French), the professionals'
channel preferences, and the in-app inbox (read marks, audit)."""

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.events.services import event_record
from jalon.messaging.models import Channel, NotificationPreference, NotificationTemplate, OutboxMessage
from jalon.messaging.notify import current_template, notify

EDIT = reverse("notifications:template_edit", args=["referral.accepted"])


def form(**overrides):
    values = {
        "subject": "Demande {reference} acceptée par {guichet}",
        "body": "Bonjour {destinataire},\nLa demande de {patient} est acceptée.\n{lien}",
        "notice": "Jalon : demande {reference} acceptée. {lien}",
        "change_note": "Ton plus direct",
    }
    values.update(overrides)
    return values


def test_it_lists_every_kind_for_managers(client, manager):
    """The list names each kind with its version in force."""
    client.force_login(manager)
    page = client.get(reverse("notifications:templates")).content.decode()
    assert "Demande acceptée" in page and "Décision de RCP" in page and "Admission" in page


def test_it_previews_with_example_values_without_publishing(client, admin_user):
    """« Aperçu » shows the three texts filled with example values; nothing is published."""
    client.force_login(admin_user)
    response = client.post(EDIT, {**form(), "action": "preview"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Demande JAL-2026-004217 acceptée par Numéro unique cancer CPTS Strasbourg Nord" in page
    assert "LEFÈVRE Jeanne" in page and "caractères sur 320" in page
    assert NotificationTemplate.objects.filter(kind="referral.accepted").count() == 1


def test_it_publishes_a_new_version_used_by_the_next_messages(client, admin_user, submit):
    """« Publier » creates version 2 of the region-wide text; the next event's message is written with it."""
    client.force_login(admin_user)
    response = client.post(EDIT, {**form(), "action": "publish"})
    assert response.status_code == 302
    template = current_template("referral.accepted")
    assert (template.version, template.created_by_id, template.change_note) == (2, admin_user.pk, "Ton plus direct")

    referral = submit().referral
    event = event_record(
        actor=Actor.system(), kind="referral.accepted", patient_id=referral.patient_id, referral_id=referral.pk
    )
    notify(
        kind="referral.accepted",
        event=event,
        recipients=[referral.referrer],
        values={"reference": referral.reference, "guichet": "CPTS"},
    )
    assert (
        OutboxMessage.objects.get(event=event, channel=Channel.EMAIL).subject
        == f"Demande {referral.reference} acceptée par CPTS"
    )


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("body", "Bonjour {docteur}", "la variable {docteur} n'existe pas"),
        ("notice", "Jalon : {patient} est accepté·e", "ne peut figurer que dans le texte sécurisé"),
        ("subject", "Demande {reference", "Accolade mal fermée"),
    ],
)
def test_it_refuses_a_bad_text_at_editing_time_and_publishes_nothing(client, admin_user, field, text, expected):
    """A text that could not be sent correctly is refused on the page, in French, with the typed text kept."""
    client.force_login(admin_user)
    response = client.post(EDIT, {**form(**{field: text}), "action": "publish"})
    page = response.content.decode()
    assert response.status_code == 400
    assert expected in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert NotificationTemplate.objects.filter(kind="referral.accepted").count() == 1


def test_it_keeps_the_region_wide_texts_to_admins(client, coordinator, gp, manager, admin_user):
    """Coordinators, GPs and managers are refused the region-wide texts; an unknown kind answers 404."""
    for user in (coordinator, gp, manager):
        client.force_login(user)
        assert client.get(EDIT).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("notifications:template_edit", args=["nope"])).status_code == 404


def test_it_saves_a_professionals_channels(client, gp):
    """A GP unticks e-mail for one kind: that kind goes in Jalon only; the others keep the default."""
    client.force_login(gp)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Mes préférences de notification" in page and "indisponible" in page  # no MSSanté address, no mobile
    assert "channels-appointment.rebooked_patient" not in page  # the patient's SMS is no professional's choice
    data = {f"channels-{kind}": ["email"] for kind in ("referral.submitted", "referral.declined")}
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    stored = dict(NotificationPreference.objects.filter(professional=gp.professional).values_list("kind", "channels"))
    assert stored["referral.submitted"] == ["email"] and stored["referral.accepted"] == []


def test_it_refuses_an_unknown_channel(client, gp):
    """A forged channel value changes nothing."""
    client.force_login(gp)
    response = client.post(reverse("notifications:preferences"), {"channels-referral.accepted": ["pigeon"]})
    assert response.status_code == 200 and "Canal inconnu" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_it_shows_the_inbox_marks_it_read_and_audits_it(client, submit, gp):
    """The GP's notifications list shows the secure text, counts as a read of the patient, then is read."""
    referral = submit().referral
    client.force_login(gp)
    home = client.get(reverse("notifications:preferences")).content.decode()
    assert "Notifications (1)" in home
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert referral.patient.display_name in page and "nouveau" in page
    assert AuditRecord.objects.filter(
        actor=gp, object_type="notification.inbox", patient_id=referral.patient_id
    ).exists()
    assert not OutboxMessage.objects.filter(recipient_user=gp, channel=Channel.IN_APP, read_at__isnull=True).exists()
    assert "Notifications (1)" not in client.get(reverse("notifications:inbox")).content.decode()
