"""Browser hardening: the Content-Security-Policy and `Cache-Control: no-store` on every answer, no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from jalon.accounts.models import Role
from jalon.scheduling.selectors import booked_appointments_of

# The booked diagnostic day of the scheduling tests (imported to be used here: pytest finds them by name).
from jalon.scheduling.tests.test_documents import diagnostic_day, uncompressed_pdf  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(diagnostic_day):  # noqa: F811
    """A pathway with its diagnostic day booked (pathway, appointments)."""
    return diagnostic_day


BASE_DIR = Path(settings.BASE_DIR)
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def policy_of(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {
        name: value
        for name, _space, value in (part.strip().partition(" ") for part in header.split(";") if part.strip())
    }


def assert_hardened(response, url: str) -> None:
    """The answer carries the whole policy and forbids every cache to keep it."""
    directives = policy_of(response)
    for name, value in POLICY.items():
        assert directives.get(name) == value, f"{url} ({response.status_code}): {name} is {directives.get(name)!r}"
    assert "unsafe" not in response.headers["Content-Security-Policy"], url
    assert "no-store" in response.headers.get("Cache-Control", ""), f"{url} ({response.status_code}) may be cached"


# --- templates -----------------------------------------------------------------------------------

INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE), "an inline <script>"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE), "an on…= event handler"),
    (re.compile(r"\shx-on(?::|-)", re.IGNORECASE), "an hx-on attribute (inline script run by htmx)"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: address"),
    (re.compile(r"<style\b", re.IGNORECASE), "an inline <style>"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE), "a style attribute"),
]


def template_files() -> list[Path]:
    folders = [BASE_DIR / "templates", *sorted((BASE_DIR / "jalon").glob("*/templates"))]
    return [path for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()]


def test_no_template_holds_inline_script_or_style():
    """Every template keeps its code and styles in static files: the policy allows nothing inline."""
    files = template_files()
    assert len(files) > 50
    found = [
        f"{path.relative_to(BASE_DIR)}: {what}"
        for path in files
        for pattern, what in INLINE_CODE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


def test_the_scan_finds_each_kind_of_inline_code():
    """The scan's patterns catch what they are meant to (a scan that matches nothing would pass anything)."""
    samples = [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<div hx-on:click="go()">',
        '<a href="javascript:go()">',
        "<style>p{}</style>",
        '<p class="x" style="color: red">',
    ]
    for sample, (pattern, what) in zip(samples, INLINE_CODE, strict=True):
        assert pattern.search(sample), what
    assert not any(
        pattern.search('<script src="/static/vendor/htmx.min.js" defer></script>') for pattern, _what in INLINE_CODE
    )


def test_the_charts_carry_no_script_and_no_inline_style():
    """pygal's SVG keeps no <script>, no <style> and no style attribute; its rules are in the static charts.css."""
    from datetime import date

    from jalon.indicators import charts

    months = [date(2026, month, 1) for month in range(1, 4)]
    svgs = [
        charts.delay_time_series("Délai", months, []),
        charts.distribution_bars("Répartition", [("< 7 j", 2), ("> 7 j", 1)]),
        charts.stacked_volumes("Volumes", months, {months[0]: {"gp": 2}}, {"gp": "Médecin"}),
    ]
    for chart in svgs:
        svg = str(chart.svg)
        assert "<script" not in svg and "<style" not in svg and " style=" not in svg
    assert (BASE_DIR / "static/css/charts.css").read_text(encoding="utf-8") == charts.stylesheet(), (
        "static/css/charts.css is out of date: regenerate it (see jalon.indicators.charts.stylesheet)"
    )


# --- every route, as every role --------------------------------------------------------------------


def url_patterns(resolver=None, namespace: str = "", prefix: str = ""):
    """(view name, route, parameter names) of every URL pattern, from the resolver itself."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from url_patterns(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern), list(pattern.pattern.regex.groupindex)


SAMPLE_VALUES = {
    "group": "00000000-0000-0000-0000-000000000000",
    "kind": "poumon",
    "code": "delai-inconnu",
    "action": "accept",
    "year": "2026",
    "app_label": "accounts",
}


# Tried in turn for a parameter with neither a real object nor a sample, until the route accepts one.
FALLBACK_VALUES = ("1", "x", "00000000-0000-0000-0000-000000000000", "AB-2026-1")


def route_urls(real: dict[str, str]) -> list[str]:
    """One address per route of Jalon (the admin's own pages aside): real objects where known, else samples."""
    urls = []
    for name, route, parameters in url_patterns():
        if name.startswith("admin:"):
            continue
        for fallback in FALLBACK_VALUES:
            kwargs = {
                parameter: real.get(parameter) or SAMPLE_VALUES.get(parameter, fallback) for parameter in parameters
            }
            try:
                urls.append(reverse(name, kwargs=kwargs))
                break
            except NoReverseMatch:
                continue
        else:
            pytest.fail(f"no sample value fits the route {route} ({name}): add one to SAMPLE_VALUES")
    return urls


@pytest.fixture
def everyone(
    gp,
    coordinator,
    coordinator_elsewhere,
    specialist,
    home_nurse,
    support_provider,
    manager,
    admin_user,
    regional_analyst,
    pathologist,
):
    return [
        None,
        gp,
        coordinator,
        coordinator_elsewhere,
        specialist,
        home_nurse,
        support_provider,
        manager,
        admin_user,
        regional_analyst,
        pathologist,
    ]


def test_every_route_carries_the_policy_and_no_store_for_every_role(everyone, booked):
    """GET on every route of the resolver, anonymous and as each role: the policy and no-store on every answer (404s
    too)."""
    pathway, appointments = booked
    referral = pathway.referral
    real = {
        "reference": referral.reference,
        "document_id": str(referral.documents.first().pk),
        "group": str(appointments[0].group),
        "appointment_id": str(appointments[0].pk),
        "milestone_id": str(pathway.milestones.first().pk),
    }
    urls = route_urls(real)
    assert reverse("pathways:detail", args=[referral.reference]) in urls and reverse("api:openapi-view") in urls
    assert len(urls) > 60
    assert set(Role.values) <= {user.role for user in everyone if user}
    statuses = set()
    for user in everyone:
        client = Client()
        if user:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            statuses.add(response.status_code)
            assert_hardened(response, url)
    assert {200, 302, 404} <= statuses  # pages, redirects to the login and refusals were all walked


def test_the_admin_carries_the_policy(admin_user, client):
    """The admin's index and a list page answer with the policy too."""
    client.force_login(admin_user)
    for url in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        response = client.get(url)
        assert response.status_code == 200
        assert_hardened(response, url)


# --- files that carry patient data ---------------------------------------------------------------------


def test_every_file_download_is_no_store(client, coordinator, gp, booked):
    """The referral's document, the appointment letter (PDF) and the calendar file (ICS) are never cached."""
    pathway, appointments = booked
    referral = pathway.referral
    reference = referral.reference
    client.force_login(coordinator)
    assert booked_appointments_of(pathway)
    for url, content_type in (
        (reverse("referrals:document", args=[reference, referral.documents.first().pk]), "application/pdf"),
        (reverse("scheduling:letter", args=[reference, appointments[0].group]), "application/pdf"),
        (reverse("scheduling:calendar", args=[reference]), "text/calendar"),
    ):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith(content_type), url
        assert_hardened(response, url)
        assert "public" not in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_exports_are_no_store(client, manager):
    """The indicator exports (CSV, XLSX) are never cached."""
    client.force_login(manager)
    period = {"start": "2026-01-01", "end": "2026-06-30"}
    for name in ("indicators:export_csv", "indicators:export_xlsx"):
        response = client.get(reverse(name), period)
        assert response.status_code == 200, name
        assert_hardened(response, name)


def test_an_outsider_refusal_is_no_store_too(client, other_gp, booked):
    """A 404 given to an outsider carries the same headers (nothing differs to tell what exists)."""
    pathway, _appointments = booked
    client.force_login(other_gp)
    response = client.get(reverse("scheduling:calendar", args=[pathway.referral.reference]))
    assert response.status_code == 404
    assert_hardened(response, "calendar")


def test_static_files_stay_cacheable(client):
    """Static assets are not patient data: WhiteNoise answers them before the no-store rule."""
    response = client.get(settings.STATIC_URL + "css/jalon.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
