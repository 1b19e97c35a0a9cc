"""The referral page's accept form for an incomplete referral: the missing items and the message to the
referrer; accepting at P2 starts the pathway with the complement tasks. Outsider and bad input."""

from django.urls import reverse

from jalon.pathways.models import Pathway, Task
from jalon.referrals.models import Status
from jalon.triage.services import triage_propose


def _accept_data(referral, **overrides):
    proposal = triage_propose(referral)
    data = {
        "accept-pathway_kind": proposal.pathway_kind,
        "accept-priority": proposal.priority,
        "accept-complement_message": "Merci de joindre le compte rendu.",
    }
    data.update(overrides)
    return data


def test_it_offers_to_accept_with_the_complement_requested(client, coordinator, submit):
    """The accept form lists the missing items and asks for a message to the referrer."""
    referral = submit(documents=[]).referral
    client.force_login(coordinator)

    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()

    assert "Complément demandé avec l'acceptation" in page
    assert 'name="accept-complement_message"' in page
    assert "au moins un compte rendu joint" in page


def test_it_asks_no_complement_message_for_a_complete_referral(client, coordinator, submit):
    """A complete referral's accept form has no complement part."""
    referral = submit().referral
    client.force_login(coordinator)

    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()

    assert 'name="accept-complement_message"' not in page


def test_it_accepts_an_incomplete_referral_at_p2_from_the_page(client, coordinator, gp, submit):
    """Accepted at the proposed P2: the pathway page shows the complement task; the referrer sees it on
    the referral page and on their portal page, with the link to complete."""
    referral = submit(documents=[]).referral
    client.force_login(coordinator)

    response = client.post(reverse("coordination:action", args=[referral.reference, "accept"]), _accept_data(referral))

    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.priority) == (Status.ACCEPTED, "P2")
    task = Task.objects.get(pathway__referral=referral, complement_item="document")
    label = "Complément à fournir par l&#x27;adresseur : au moins un compte rendu joint"
    assert label in client.get(reverse("pathways:detail", args=[referral.reference])).content.decode()
    client.force_login(gp)
    referral_page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    assert label in referral_page and reverse("referrals:complete", args=[referral.reference]) in referral_page
    portal_page = client.get(reverse("portal:patient", args=[referral.reference])).content.decode()
    assert label in portal_page and task.due_at.astimezone().strftime("%d/%m/%Y") in portal_page
    assert reverse("referrals:complete", args=[referral.reference]) in portal_page


def test_it_answers_404_to_a_coordinator_elsewhere(client, coordinator_elsewhere, submit):
    """Outsider: a coordinator of another organisation cannot accept; nothing is written."""
    referral = submit(documents=[]).referral
    client.force_login(coordinator_elsewhere)

    response = client.post(reverse("coordination:action", args=[referral.reference, "accept"]), _accept_data(referral))

    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED
    assert not Pathway.objects.filter(referral=referral).exists()


def test_it_refuses_the_complement_page_to_another_gp(client, coordinator, other_gp, submit):
    """Outsider: another GP reaches neither the referral nor its complement form."""
    referral = submit(documents=[]).referral
    client.force_login(coordinator)
    client.post(reverse("coordination:action", args=[referral.reference, "accept"]), _accept_data(referral))
    client.force_login(other_gp)

    assert client.get(reverse("referrals:complete", args=[referral.reference])).status_code == 404


def test_it_refuses_an_unknown_priority_and_saves_nothing(client, coordinator, submit):
    """Bad input: an unknown priority is refused with a French message, no pathway, no task."""
    referral = submit(documents=[]).referral
    client.force_login(coordinator)

    response = client.post(
        reverse("coordination:action", args=[referral.reference, "accept"]),
        _accept_data(referral, **{"accept-priority": "P9"}),
    )

    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED
    assert not Task.objects.filter(pathway__referral=referral).exists()
