"""The API's documentation: served by Jalon itself (no CDN) and only to logged-in users."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

DOCS = "/api/v1/docs"
SCHEMA = "/api/v1/openapi.json"


@pytest.mark.parametrize("url", [DOCS, SCHEMA])
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    """Neither the docs nor the schema answer an anonymous visitor: they go to the login page."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_an_api_token_alone_does_not_open_the_docs(client):
    """A bearer header is no login: the docs still redirect (tokens are for the API's routes only)."""
    response = client.get(DOCS, HTTP_AUTHORIZATION="Bearer quelconque")
    assert response.status_code == 302


def test_the_docs_load_everything_from_jalon(client, gp):
    """The docs page names no outside address: Swagger UI's files come from Jalon's static files."""
    client.force_login(gp)
    response = client.get(DOCS)
    assert response.status_code == 200
    page = response.content.decode()
    addresses = re.findall(r"""(?:src|href)=["']([^"']+)""", page)
    assert addresses and all(address.startswith(settings.STATIC_URL) for address in addresses), addresses
    assert not re.search(r"https?://", page.replace("http://www.w3.org", "")), "an outside address in the docs page"
    assert '"validatorUrl": null' in page  # Swagger UI would otherwise send the schema to an outside validator
    for address in addresses:
        assert finders.find(address.removeprefix(settings.STATIC_URL)), address
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_schema_opens_for_a_logged_in_user(client, gp):
    """Once logged in, the schema is there (the API's routes themselves still need a token)."""
    client.force_login(gp)
    assert client.get(SCHEMA).json()["info"]["title"] == "Jalon"
