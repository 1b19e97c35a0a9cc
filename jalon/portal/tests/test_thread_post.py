"""The reply form of the thread panel: the coordinator answers from the referral or pathway page and goes
back there (only to a page of ours); a refused text comes back (400) with the reason; outsiders get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditRecord
from jalon.portal.models import ThreadMessage, ThreadSide
from jalon.portal.selectors import unread_counts_for_city


def post_url(referral) -> str:
    return reverse("portal:thread_post", args=[referral.reference])


def test_it_answers_the_gp_and_goes_back_to_the_page(client, referral, coordinator, treating_gp, post):
    """The coordinator's reply is saved from the coordination side, unread for the GP; back to the pathway page."""
    post(treating_gp, referral, "Des nouvelles ?")
    back = reverse("pathways:detail", args=[referral.reference])
    client.force_login(coordinator)

    response = client.post(post_url(referral), {"body": "Scanner mardi à 14 h.", "next": back})

    assert response.status_code == 302 and response.url == back
    reply = ThreadMessage.objects.latest("id")
    assert (reply.author_id, reply.side, reply.body) == (
        coordinator.pk,
        ThreadSide.COORDINATION,
        "Scanner mardi à 14 h.",
    )
    assert unread_counts_for_city(treating_gp, [referral.pk]) == {referral.pk: 1}


@pytest.mark.parametrize(
    "next_url",
    ["https://exemple.com/piege", "//exemple.com/piege", "javascript:alert(1)", "", "x", "' OR 1=1 --", "9" * 25],
)
def test_it_never_sends_the_user_elsewhere(client, referral, coordinator, next_url):
    """Another site, nothing, or a text that is no path as "next": back to the referral page instead."""
    client.force_login(coordinator)
    response = client.post(post_url(referral), {"body": "Bien reçu.", "next": next_url})
    assert response.status_code == 302 and response.url == reverse("coordination:referral", args=[referral.reference])


@pytest.mark.parametrize(
    ("body", "error"), [("  ", "Écrivez votre message"), ("x" * 5001, "5000 au plus")], ids=["blank", "too-long"]
)
def test_it_shows_the_form_again_with_the_text_and_the_reason(client, referral, coordinator, body, error):
    """Refused: 400, the French reason, the text kept, a way back, nothing saved."""
    back = reverse("coordination:referral", args=[referral.reference])
    client.force_login(coordinator)

    response = client.post(post_url(referral), {"body": body, "next": back})

    assert response.status_code == 400
    page = response.content.decode()
    assert error in page and "Répondre au médecin" in page and f'href="{back}"' in page
    if body.strip():
        assert body in page
    assert not ThreadMessage.objects.exists()


@pytest.mark.parametrize("name", ["coordinator_elsewhere", "other_gp", "specialist", "manager"])
def test_it_answers_404_to_outsiders(client, referral, request, name):
    """A coordinator of another organisation, another GP, a specialist, a manager: 404, nothing saved or audited."""
    client.force_login(request.getfixturevalue(name))
    assert client.post(post_url(referral), {"body": "Bonjour"}).status_code == 404
    assert not ThreadMessage.objects.exists()
    assert not AuditRecord.objects.filter(object_type__startswith="thread").exists()


def test_it_only_accepts_posts(client, referral, coordinator):
    """A GET is refused (405)."""
    client.force_login(coordinator)
    assert client.get(post_url(referral)).status_code == 405
