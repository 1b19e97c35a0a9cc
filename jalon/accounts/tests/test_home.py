"""The home page: each role lands on its list, or on a page saying what it will find there and when."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("persona", "says", "links"),
    [
        (
            "specialist",
            "apparaîtront dans « Mes patients »",
            ["portal:patients", "teleexpertise:list", "referrals:mine"],
        ),
        ("home_nurse", "apparaîtront dans « Mes patients »", ["portal:patients", "referrals:new"]),
        ("support_provider", "la page de ce patient vous est ouverte", ["notifications:inbox"]),
    ],
)
def test_it_tells_roles_with_nothing_yet_what_they_will_find(client, request, persona, says, links):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("accounts:home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert says in page
    for url_name in links:
        assert f'href="{reverse(url_name)}"' in page


@pytest.mark.parametrize(("persona", "landing"), [("gp", "portal:patients"), ("coordinator", "coordination:worklist")])
def test_it_sends_other_roles_to_their_list(client, request, persona, landing):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("accounts:home")).url == reverse(landing)


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_menu_offers_the_administration_to_staff_only(client, admin_user, manager):
    client.force_login(admin_user)
    page = client.get(reverse("accounts:audit")).content.decode()
    assert f'<a href="{reverse("admin:index")}">Administration</a>' in page
    client.force_login(manager)
    assert "Administration</a>" not in client.get(reverse("accounts:audit")).content.decode()
