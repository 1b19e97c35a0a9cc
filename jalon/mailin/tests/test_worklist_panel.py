"""The worklist's panel of mails to complete, and the coordinators' menu entry."""

from __future__ import annotations

from django.urls import reverse

from jalon.core.actor import Actor
from jalon.mailin.services import inbound_mail_dismiss


def test_it_shows_the_count_and_the_link_in_the_worklist(client, coordinator, gp_mail, unreadable_mail, hospital_mail):
    """Two CPTS mails wait (one unreadable): the section, its badge and the link; the hospital's mail is not counted."""
    client.force_login(coordinator)
    page = client.get(reverse("coordination:worklist")).content.decode()

    assert "Courriels reçus à compléter" in page
    assert 'data-testid="mail-count">2<' in page
    assert "1 illisible" in page
    assert f'href="{reverse("mailin:list")}"' in page


def test_it_shows_the_panel_in_the_refreshed_table_too(client, coordinator, gp_mail):
    """The htmx refresh of the worklist table keeps the panel up to date."""
    client.force_login(coordinator)
    page = client.get(reverse("coordination:worklist"), HTTP_HX_REQUEST="true").content.decode()
    assert "Courriels reçus à compléter" in page


def test_it_shows_nothing_when_no_mail_waits(client, coordinator, gp_mail):
    """No mail to complete (the only one dismissed): no section at all."""
    inbound_mail_dismiss(actor=Actor(user=coordinator), mail=gp_mail, reason="Doublon")
    client.force_login(coordinator)
    assert "Courriels reçus à compléter" not in client.get(reverse("coordination:worklist")).content.decode()


def test_it_shows_nothing_to_another_organisations_coordinator(client, coordinator_elsewhere, gp_mail):
    """The hospital's coordinator has no CPTS mail to complete."""
    client.force_login(coordinator_elsewhere)
    assert "Courriels reçus à compléter" not in client.get(reverse("coordination:worklist")).content.decode()


def test_it_puts_the_mails_in_the_coordinators_menu_only(client, coordinator, gp):
    """Coordinators get the « Courriels reçus » menu entry; GPs do not."""
    client.force_login(coordinator)
    assert f'href="{reverse("mailin:list")}"' in client.get(reverse("coordination:worklist")).content.decode()
    client.force_login(gp)
    assert "Courriels reçus" not in client.get(reverse("referrals:mine")).content.decode()
