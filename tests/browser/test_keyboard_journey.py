"""Keyboard only: a GP fills and sends the referral form with Tab, typing, Space and Enter (no click); the
coordinator's focus and scroll survive the worklist's refresh, which announces what arrived and can be paused.
(axe-core checks every page on the way: tests/browser/accessibility.py.)"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jalon.referrals.models import Referral
from jalon.testing.factories import make_ins
from tests.browser.conftest import login, server_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MAX_TABS = 120


def tab_to(page, target) -> None:
    """Press Tab until the target has the focus (as a keyboard user walks the page), or fail."""
    for _ in range(MAX_TABS):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def type_into(page, target, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def test_a_gp_sends_a_referral_with_the_keyboard_only(page, gp, entry_point, strasbourg):
    """Every field reached by Tab, a select chosen by typing, a radio by Space, the form sent by Enter."""
    login(page, gp.username)
    page.goto(reverse("referrals:new"))
    expect(page.get_by_text("Les champs marqués d'un astérisque (*) sont obligatoires.")).to_be_visible()

    type_into(page, page.get_by_label("Guichet"), "Numéro unique")
    expect(page.get_by_label("Guichet")).to_have_value(str(entry_point.pk))
    type_into(page, page.get_by_label("Nom de naissance"), "Lefèvre")
    type_into(page, page.get_by_label("Prénoms de naissance"), "Jeanne")
    type_into(page, page.get_by_label("Sexe"), "F")
    # Day and month alike: headless Chromium orders a date field's parts by its own build, not by the page's locale.
    type_into(page, page.get_by_label("Date de naissance"), "03031956")
    expect(page.get_by_label("Date de naissance")).to_have_value("1956-03-03")
    type_into(
        page,
        page.get_by_label("INS (numéro de sécurité sociale et clé"),
        make_ins(sex="F", birth_date=date(1956, 3, 3), seed=3),
    )
    type_into(page, page.get_by_label("Commune de résidence"), "67482")
    page.keyboard.press("Escape")  # close the suggestions, keep the text
    type_into(page, page.get_by_label("Cancer suspecté"), "Poumon")
    type_into(page, page.get_by_label("Motif clinique"), "Toux persistante, opacité à la radiographie")
    informed = page.get_by_role("group", name="Le patient est-il informé de la suspicion ?")
    tab_to(page, informed.get_by_role("radio").first)
    page.keyboard.press("Space")
    expect(informed.get_by_role("radio").first).to_be_checked()

    tab_to(page, page.get_by_role("button", name="Envoyer la demande"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Demande reçue")).to_be_visible()
    referral = Referral.objects.get()
    assert referral.suspected_site == "lung"


def test_the_form_errors_take_the_focus_and_link_to_their_fields(page, gp, entry_point, strasbourg):
    """Sent empty: the summary has the focus, says how many errors, links each to its field; each field names its
    error."""
    login(page, gp.username)
    page.goto(reverse("referrals:new"))
    tab_to(page, page.get_by_role("button", name="Envoyer la demande"))
    page.keyboard.press("Enter")

    summary = page.locator("#resume-erreurs")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text(re.compile(r"Le formulaire contient \d+ erreurs?"))
    count = int(re.search(r"\d+", summary.get_by_role("heading").inner_text()).group())
    assert summary.get_by_role("listitem").count() == count
    first = summary.get_by_role("link").first
    target_id = first.get_attribute("href").lstrip("#")
    tab_to(page, first)
    page.keyboard.press("Enter")
    field = page.locator(f"#{target_id}")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    described_by = field.get_attribute("aria-describedby").split()
    assert f"{target_id}_error" in described_by
    expect(page.locator(f"#{target_id}_error")).to_be_visible()
    assert page.locator("[role=alert]").count() == 0


def test_the_worklist_refresh_keeps_focus_and_scroll_announces_and_pauses(page, coordinator, submit):
    """A referral arrives: the link that had the focus keeps it, the page does not scroll, « 1 nouvelle demande » is
    said."""
    first = submit().referral
    page.set_viewport_size({"width": 1366, "height": 400})
    login(page, coordinator.username)
    expect(page.get_by_role("heading", name="File des demandes")).to_be_visible()
    link = page.get_by_role("link", name=first.reference)
    tab_to(page, link)
    page.evaluate("window.scrollTo(0, 200)")
    scrolled = page.evaluate("window.scrollY")

    with server_idle():  # the worklist polls
        arriving = submit(clinical_reason="Amaigrissement, douleur thoracique").referral
    page.evaluate("htmx.trigger('#worklist', 'jalon:refresh')")
    expect(page.get_by_role("link", name=arriving.reference)).to_be_visible()
    expect(link).to_be_focused()
    assert page.evaluate("window.scrollY") == scrolled
    expect(page.get_by_role("status").filter(has_text="nouvelle demande")).to_have_text("1 nouvelle demande")

    # Paused (by the keyboard): a refresh sends nothing; resumed, the next one does.
    pause = page.get_by_role("button", name="Suspendre la mise à jour automatique")
    tab_to(page, pause)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Reprendre la mise à jour automatique")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.evaluate(
        "window.__polls = 0; document.body.addEventListener('htmx:beforeSend', () => { window.__polls += 1; })"
    )
    with server_idle():  # the worklist polls
        later = submit(clinical_reason="Hémoptysie").referral
    page.evaluate("htmx.trigger('#worklist', 'jalon:refresh')")
    assert page.evaluate("window.__polls") == 0
    expect(page.get_by_role("link", name=later.reference)).to_have_count(0)
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Suspendre la mise à jour automatique")).to_have_attribute(
        "aria-pressed", "false"
    )
    page.evaluate("htmx.trigger('#worklist', 'jalon:refresh')")
    expect(page.get_by_role("link", name=later.reference)).to_be_visible()
