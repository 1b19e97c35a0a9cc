"""Issue 14, item 2: the GP sees, as they type the reason, the signs read there as a suggestion to tick (htmx)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "triage_rules:text_signs_suggest"


def test_it_suggests_the_signs_read_in_the_reason_not_the_negated_nor_the_ticked(client, gp):
    client.force_login(gp)
    answer = client.post(
        reverse(URL),
        {"clinical_reason": "Hémoptysie ce matin, pas de fièvre, dyspnée d'effort.", "alarm_signs": ["dyspnoea"]},
    )
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Signes lus dans le motif" in page and "Hémoptysie" in page
    assert "Dyspnée" not in page and "Signes B" not in page


def test_it_answers_nothing_for_an_empty_or_plain_reason(client, gp):
    client.force_login(gp)
    assert client.post(reverse(URL), {"clinical_reason": ""}).content.decode().strip() == ""
    assert client.post(reverse(URL), {}).status_code == 200


def test_it_refuses_get_and_anonymous_users(client, gp):
    assert client.post(reverse(URL), {"clinical_reason": "Hémoptysie"}).status_code == 302
    client.force_login(gp)
    assert client.get(reverse(URL)).status_code == 405


def test_the_referral_form_asks_for_the_suggestion_as_the_reason_is_typed(client, gp, entry_point):
    client.force_login(gp)
    page = client.get(reverse("referrals:new")).content.decode()
    assert reverse(URL) in page and "delay:700ms" in page and 'aria-live="polite"' in page
