"""The menu (accounts.menu): worked out once per combination of what the route rules read, it still follows
each user's role, and the page frame links its entries and marks the current one."""

import pytest
from django.urls import reverse

from jalon.accounts.menu import menu_items


@pytest.mark.django_db
def test_the_frame_links_the_menu_and_marks_the_current_page(client, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse("coordination:worklist")).content.decode()

    worklist = reverse("coordination:worklist")
    assert f'<a href="{worklist}" aria-current="page">File des demandes</a>' in page
    assert f'<a href="{reverse("pathways_alerts:list")}">Alertes</a>' in page
    assert page.count('aria-current="page"') == 1


@pytest.mark.django_db
def test_the_same_process_gives_each_role_its_own_menu(coordinator, gp):
    """The per-process memory is keyed by capabilities: a GP asked after a coordinator gets the GP's menu."""
    coordinator_menu = {name for name, _label in menu_items(coordinator)}
    gp_menu = {name for name, _label in menu_items(gp)}

    assert "coordination:worklist" in coordinator_menu and "coordination:worklist" not in gp_menu
    assert "referrals:new" in gp_menu
    coordinator.is_active = False
    assert menu_items(coordinator) == []
