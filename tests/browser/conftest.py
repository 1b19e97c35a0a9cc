"""Browser fixtures: headless Debian Chromium, driven by Playwright's sync API, against pytest-django's live server."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
# Without a browser the journeys cannot run at all. On CI (`.ci/run` sets JALON_BROWSER_REQUIRED=1 after
# installing chromium) that is a failure; on a developer's machine without chromium, a skip saying how to get one.
CHROMIUM_MISSING = (
    "browser journeys not run: Debian's chromium is not at /usr/bin/chromium "
    "(apt-get install chromium; .ci/run installs it before the suite)"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "motdepasse-de-test"  # every persona's password (UserFactory)
SCREENSHOTS = Path("/tmp/jalon-shots")


# The one in-memory SQLite connection is shared by the tests' thread and the live server's: the server
# answers each request holding this lock, and a test's own database work that may meet a request (a page
# polling every second is open) takes it too, through `server_idle()`. Without it the two threads use the
# connection at once, and SQLite answers « database table is locked » (or loses a savepoint).
_SERVER_TURN = threading.Lock()


@contextmanager
def server_idle():
    """Run the test's database work between two of the live server's requests, never during one.

    Only the application's work is under the lock (not the wait for a request on an open socket), so the
    test waits at most for one request to be answered. On PostgreSQL (threaded server, a connection per
    thread) the lock is never contended."""
    with _SERVER_TURN:
        yield


class SerialWSGIServer(WSGIServer):
    """The live server answering one request at a time, for a test database in SQLite's memory.

    That database is one connection, which the live server's thread borrows from the tests. Django's
    threaded live server would run two requests on it at once whenever the browser sends them together
    (the commune suggestions fetched while the form is posted), and SQLite then loses a savepoint
    ("no such savepoint") and the request fails. Answered in turn, they cannot interleave; Django closes
    each connection after its response when the server is not threaded, so the browser does not hold
    the only one open.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override

    def get_app(self):
        application = super().get_app()

        def answer_in_turn(environ, start_response):
            with _SERVER_TURN:
                return application(environ, start_response)

        return answer_in_turn


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, serial when the test database is SQLite in memory (threaded on PostgreSQL)."""
    address = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(address, start=False)
    if server.thread.connections_override:
        server.thread.server_class = SerialWSGIServer
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for all the browser tests: Debian's, never one Playwright downloads.

    Package-scoped rather than session-scoped: Playwright's sync API keeps an asyncio loop running in
    the main thread for as long as it lives, so the tests and fixtures need DJANGO_ALLOW_ASYNC_UNSAFE
    for their ORM calls (else SynchronousOnlyOperation); stopping it with the last browser test lets
    the variable go too, instead of leaking into the rest of the suite (e.g. `check --deploy` refuses it).
    """
    if not CHROMIUM.exists():
        if os.environ.get("JALON_BROWSER_REQUIRED") == "1":
            pytest.fail(CHROMIUM_MISSING)
        pytest.skip(reason=CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh context (its own cookies: one user each), French and in Paris time.

    Every page is watched for accessibility (tests/browser/accessibility.py): axe-core checks each document
    it loads, and at the end of the test the pages at 1366 px and 320 px; any WCAG 2.2 A/AA violation fails.
    """
    from tests.browser.accessibility import AccessibilityWatch

    contexts = []
    watch = AccessibilityWatch()

    def _new_page():
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport={"width": 1366, "height": 768},
        )
        contexts.append(context)
        page = context.new_page()
        watch.watch(page)
        return page

    yield _new_page
    try:
        for context in contexts:
            watch.finish(context)
    finally:
        for context in contexts:
            context.close()
    if watch.findings:
        pytest.fail(f"axe-core: {len(watch.findings)} WCAG 2.2 A/AA violation(s)\n{watch.report()}", pytrace=False)


@pytest.fixture
def page(new_page):
    return new_page()


def fill_login_form(page, username: str, password: str) -> None:
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def login(page, username: str) -> None:
    """Log a persona in through the French login page (and its second factor); returns once its home page shows.

    Coordinators, managers and admins must have a TOTP device: the persona gets one (confirmed) and types
    its current code, as a person reads it in their application. The device's replay mark is cleared first,
    since a journey may log the same persona in twice within one 30-second period.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    from jalon.accounts.models import User
    from jalon.accounts.two_factor import has_second_factor, two_factor_required
    from jalon.testing.second_factor import totp_code, totp_device_for

    user = User.objects.get(username=username)
    needs_code = two_factor_required(user) or has_second_factor(user)
    if needs_code:
        device = totp_device_for(user)
        TOTPDevice.objects.filter(pk=device.pk).update(
            last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
        )
    fill_login_form(page, username, PASSWORD)
    if needs_code:
        expect(page.get_by_role("heading", name="Vérification en deux étapes")).to_be_visible()
        page.get_by_label("Code de vérification").fill(totp_code(device))
        page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
