"""Tables at 320 px (WCAG 1.4.10 reflow, RGAA 10.11): on every main page with a table, as the role that uses it,
the page itself never scrolls sideways; a wide table scrolls in its own named, focusable box
(`{% table_scroll %}`). axe-core checks each page too (the `new_page` fixture), at 1366 px and 320 px."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jalon.pathways.tests.factories import pathway_build
from jalon.pathways.tests.test_pathway_pages import lung_template_version
from tests.browser.accessibility import NARROW
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def page_width(page) -> int:
    """How wide the document is: more than the window means the whole page scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")


def assert_no_sideways_page_scroll(page, paths: list[str]) -> None:
    """Each page answers 200, shows its tables in scrolling regions, and is no wider than the 320 px window."""
    widths = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        # Every table sits in the box that scrolls for it (the charts' data tables too, folded or not).
        outside = page.locator("table").evaluate_all(
            "tables => tables.filter(table => !table.parentElement.classList.contains('table-scroll')).length"
        )
        assert outside == 0, path
        widths[path] = page_width(page)
    assert {path: width for path, width in widths.items() if width > NARROW["width"]} == {}


@pytest.fixture
def pathway(submit, coordinator):
    lung_template_version()
    return pathway_build(submit, user=coordinator)


def test_the_gps_pages_do_not_scroll_sideways_at_320_px(new_page, gp, pathway):
    """The GP's referrals, patients, a patient followed live, tele-expertise and notification choices."""
    page = new_page()
    page.set_viewport_size(NARROW)
    login(page, gp.username)
    reference = pathway.referral.reference
    assert_no_sideways_page_scroll(
        page,
        [
            reverse("referrals:mine"),
            reverse("portal:patients"),
            reverse("portal:patient", args=[reference]),
            reverse("teleexpertise:list"),
            reverse("notifications:preferences"),
        ],
    )
    # A wide table scrolls in its own box, which the keyboard reaches (it is named for screen readers).
    page.goto(reverse("portal:patient", args=[reference]))
    steps = page.get_by_role("region", name="Tableau des étapes")
    expect(steps).to_have_attribute("tabindex", "0")
    assert steps.evaluate("box => box.scrollWidth > box.clientWidth")


def test_the_coordinations_pages_do_not_scroll_sideways_at_320_px(new_page, coordinator, pathway):
    """The worklist, a pathway, the availability grid, closures, identity conflicts, received mails, a patient."""
    page = new_page()
    page.set_viewport_size(NARROW)
    login(page, coordinator.username)
    assert_no_sideways_page_scroll(
        page,
        [
            reverse("coordination:worklist"),
            reverse("pathways:detail", args=[pathway.referral.reference]),
            reverse("scheduling:availability"),
            reverse("scheduling:closures"),
            reverse("patients:identity_conflicts"),
            reverse("mailin:list"),
            reverse("patients:detail", args=[pathway.patient_id]),
        ],
    )


def test_the_managers_and_admins_pages_do_not_scroll_sideways_at_320_px(new_page, manager, admin_user, pathway):
    """Indicators, notification texts, pathway templates and triage rules (manager); the audit journal (admin)."""
    page = new_page()
    page.set_viewport_size(NARROW)
    login(page, manager.username)
    assert_no_sideways_page_scroll(
        page,
        [
            reverse("indicators:dashboard"),
            reverse("notifications:templates"),
            reverse("pathway_templates:list"),
            reverse("triage_rules:published"),
        ],
    )
    admin = new_page()
    admin.set_viewport_size(NARROW)
    login(admin, admin_user.username)
    assert_no_sideways_page_scroll(admin, [reverse("accounts:audit"), reverse("notifications:templates")])
