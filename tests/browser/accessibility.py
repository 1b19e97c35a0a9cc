"""axe-core on every page the browser journeys visit, at 1366 px and at 320 px (WCAG 2.2 A/AA).

The shared `new_page` fixture watches each page it opens: every document the page loads is checked
at the journey's own width (1366 px) as soon as it has loaded; when the test ends, the page as the journey
left it (htmx swaps included) is checked at 1366 px and at 320 px, and every HTML page it reached by GET
is opened again at 320 px (WCAG 1.4.10 reflow: 320 CSS px is 1280 px at 400 % zoom) and checked there.
Any violation fails the test, listed rule by rule with the page and the elements at fault.

axe-core's script ships inside the axe-playwright-python wheel: nothing is fetched at run time. Playwright
evaluates it through the DevTools protocol, which the page's Content-Security-Policy does not govern.
A page already checked in the session (same method, same path once numbers are blanked, same width)
is not checked again, to keep the journeys' time reasonable.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
DESKTOP = {"width": 1366, "height": 768}
NARROW = {"width": 320, "height": 640}
# Every finding of the run, one JSON line each (rule, impact, width, page, elements): the summary by rule.
FINDINGS_LOG = Path(os.environ.get("JALON_AXE_LOG", "/tmp/jalon-axe.jsonl"))

# Not checked: the API's Swagger UI (developers' tool, third-party markup: docs/accessibility.md lists it as exempt).
EXEMPT_PATHS = ("/api/v1/docs",)

_axe = Axe()
_checked: set[tuple[str, str, int]] = set()  # (method, page key, width) already checked this session


def page_key(url: str) -> str:
    """The page's path with its numbers and references blanked, and its query's names: one check per kind of page."""
    parts = urlsplit(url)
    path = re.sub(r"[A-Z]{2,}-[\w-]+|\d+|[0-9a-f]{8}-[0-9a-f-]{27}", "#", parts.path)
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return path + ("?" + "&".join(names) if names else "")


@dataclass
class Finding:
    rule: str
    impact: str
    help: str
    width: int
    url: str
    targets: list[str]

    def describe(self) -> str:
        return (
            f"{self.rule} ({self.impact}) at {self.width} px on {self.url}: {self.help} → {', '.join(self.targets[:5])}"
        )


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now."""
    return _axe.run(page, options=AXE_OPTIONS).response["violations"]


@dataclass
class AccessibilityWatch:
    """The findings of one test's pages, and the GET pages to check again at 320 px at its end."""

    findings: list[Finding] = field(default_factory=list)
    pages_to_reflow: dict[str, str] = field(default_factory=dict)  # page key -> URL

    def watch(self, page) -> None:
        page._jalon_method = "GET"
        page.on("response", lambda response: self._on_response(page, response))
        page.on("load", lambda _page: self._on_load(page))

    def _on_response(self, page, response) -> None:
        request = response.request
        if not request.is_navigation_request() or request.frame != page.main_frame:
            return
        page._jalon_method = request.method
        if (
            request.method == "GET"
            and response.status == 200
            and "text/html" in response.headers.get("content-type", "")
        ):
            self.pages_to_reflow.setdefault(page_key(response.url), response.url)

    def _on_load(self, page) -> None:
        self.check(page, method=page._jalon_method, width=DESKTOP["width"], once=True)

    def check(self, page, *, method: str = "GET", width: int, once: bool) -> None:
        url = page.url
        if not url.startswith("http") or urlsplit(url).path.startswith(EXEMPT_PATHS):
            return
        key = (method, page_key(url), width)
        if once and key in _checked:
            return
        try:
            violations = run_axe(page)
        except PlaywrightError:  # the page went on to another document meanwhile: that one is checked in turn
            return
        _checked.add(key)
        for violation in violations:
            finding = Finding(
                rule=violation["id"],
                impact=violation.get("impact") or "",
                help=violation["help"],
                width=width,
                url=urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else ""),
                targets=[" ".join(map(str, node["target"])) for node in violation["nodes"]],
            )
            self.findings.append(finding)
            with FINDINGS_LOG.open("a") as log:
                log.write(json.dumps(finding.__dict__, ensure_ascii=False) + "\n")

    def finish(self, context) -> None:
        """The pages as the test left them, at both widths; then each GET page it reached, again at 320 px."""
        for page in list(context.pages):
            if page.is_closed():
                continue
            try:
                self.check(page, method="END", width=DESKTOP["width"], once=False)
                page.set_viewport_size(NARROW)
                self.check(page, method="END", width=NARROW["width"], once=False)
            except PlaywrightError:
                continue
        pending = {
            key: url for key, url in self.pages_to_reflow.items() if ("GET", key, NARROW["width"]) not in _checked
        }
        if not pending:
            return
        page = context.new_page()
        page.set_viewport_size(NARROW)
        for url in pending.values():
            try:
                page.goto(url)
            except PlaywrightError:
                continue
            self.check(page, method="GET", width=NARROW["width"], once=True)
        page.close()

    def report(self) -> str:
        return "\n".join(finding.describe() for finding in self.findings)
