"""The Content-Security-Policy in a real browser: the pages, the charts and the API docs work under it and
Chromium reports no violation (no inline script or style anywhere, nothing fetched from outside)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Playwright's init scripts are not page content: the policy does not apply to them.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def watched(page):
    """The page, recording every policy violation and every request to another origin."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.outside_requests = []
    page.console_violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and page.console_violations.append(message.text),
    )
    page.on(
        "request",
        lambda request: (
            not request.url.startswith(("http://localhost", "data:")) and page.outside_requests.append(request.url)
        ),
    )
    return page


def assert_no_violation(page) -> None:
    violations = page.evaluate("window.__cspViolations") + page.console_violations
    assert not violations, violations
    assert not page.outside_requests, page.outside_requests
    assert page.locator("head style, body style").count() == 0  # htmx injected no indicator style


def test_the_pages_run_under_the_policy(new_page, coordinator, manager, submit):
    """Worklist (htmx), a referral, the indicators with their charts and the API docs: no violation, all working."""
    referral = submit().referral

    page = watched(new_page())
    login(page, coordinator.username)
    page.goto(reverse("coordination:worklist"))
    expect(page.get_by_role("link", name=referral.reference)).to_be_visible()
    assert page.evaluate("typeof htmx") == "object" and page.evaluate("htmx.config.includeIndicatorStyles") is False
    page.get_by_role("link", name=referral.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(referral.reference)
    assert_no_violation(page)

    page.goto(reverse("api:openapi-view"))
    expect(page.get_by_role("heading", name="Jalon")).to_be_visible()  # Swagger UI ran, from Jalon's own files
    assert_no_violation(page)

    page = watched(new_page())
    login(page, manager.username)
    page.goto(reverse("indicators:dashboard") + "?start=2026-01-01&end=2026-06-30")
    chart = page.locator("svg.pygal-chart").first
    expect(chart).to_be_visible()
    # charts.css styles the SVG (pygal's own <style> was taken out): the plot background is white, not black.
    background = page.locator("svg.pygal-chart .background").first.evaluate("element => getComputedStyle(element).fill")
    assert background == "rgb(255, 255, 255)"
    screenshot(page, "csp-indicators")
    assert_no_violation(page)
