#!/usr/bin/env python3
"""Look for pages that answer 500: crawl the demo as each role, then send every form bad values.

On a fresh demo database of its own (a temporary directory, SQLite, unless --database-url is given),
as each demo user in turn (the admin apart), it follows every link and htmx URL of the site from the
home page, up to --pages pages per user. It then submits each form it met once per field, with that
field set to a bad value (empty, a word for a number, an impossible date, a huge number, markup, a
NUL byte, 5,000 accented letters...), and once with every field bad. The other fields keep the values
the page offered. Every answer of 500 or more is printed with its request. The exit status is 1 if
there was any.

On 2026-12-01 it found four errors, all since fixed:
- a word as the « next » of a form, which redirect() took for a view name;
- a patient number beyond any id in the audit filter;
- the same for a mail's attachment;
- an XLSX sheet name with a « / ».

Run it after adding pages or forms:

    .venv/bin/python scripts/crawl_for_errors.py                # about 10 minutes on the 2-core machine
    .venv/bin/python scripts/crawl_for_errors.py --pages 200 --seed 7

Forms are really submitted: the database is a throwaway one, never a real one.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAD_VALUES = [
    "",
    "x",
    "-1",
    "0",
    "9" * 25,
    "2026-02-30",
    "1800-01-01",
    "<script>alert(1)</script>",
    "\x00",
    "é" * 5000,
    "' OR 1=1 --",
    "../../etc/passwd",
    "1.5",
    "NaN",
    "2026-12-01T25:99",
    "//exemple.com/",
    "²",
]
NOT_FOLLOWED = re.compile(r"deconnexion|logout|/admin/|/static/|/media/|/api/|\.ics$|\.pdf$")


class PageParser(HTMLParser):
    """The links (and htmx URLs) of a page, and its forms with the values they offer."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "hx-get"):
            if attributes.get(name) and (tag == "a" or name == "hx-get"):
                self.links.append(attributes[name])
        if tag == "form":
            self._form = {
                "method": (attributes.get("method") or "get").lower(),
                "action": attributes.get("action") or "",
                "fields": {},
            }
            self.forms.append(self._form)
        if self._form is None or not attributes.get("name"):
            if tag == "option" and self._select and self._form is not None:
                self._option(attributes)
            return
        name = attributes["name"]
        if tag == "input":
            kind = (attributes.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                self._form["fields"].setdefault(name, "")
            else:
                self._form["fields"][name] = attributes.get("value", "")
        elif tag == "select":
            self._select = name
            self._form["fields"][name] = ""
        elif tag == "textarea":
            self._textarea = name
            self._form["fields"][name] = ""

    def _option(self, attributes):
        if "selected" in attributes or not self._form["fields"][self._select]:
            self._form["fields"][self._select] = attributes.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def set_up(database_url: str | None) -> None:
    """Django on a database of its own, migrated and filled with the demo."""
    directory = Path(tempfile.mkdtemp(prefix="jalon-crawl-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["JALON_VAR_DIR"] = str(directory)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{directory / 'crawl.sqlite3'}"
    os.environ["DEBUG"] = "0"
    os.environ.pop("JALON_PRODUCTION", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_demo", "--if-empty", verbosity=0)
    logging.disable(logging.CRITICAL)  # the 4xx of bad values are expected; 500s are reported below


def crawl(user, *, max_pages: int, rng: random.Random) -> tuple[int, int, list[str]]:
    """(pages read, forms tried, errors) for one user."""
    from django.test import Client

    from jalon.testing.second_factor import mark_client_verified

    client = Client(raise_request_exception=False)
    client.force_login(user)
    mark_client_verified(client)  # past the second factor, as after a TOTP code: crawl the pages behind it
    errors, seen, tried, queue, pages = [], set(), set(), ["/"], 0

    def send(method: str, url: str, data: dict | None):
        response = client.post(url, data) if method == "post" else client.get(url, data or {}, follow=data is None)
        if response.status_code >= 500:
            shown = {key: (value[:40] + "…" if len(value) > 40 else value) for key, value in (data or {}).items()}
            errors.append(f"{user.username} ({user.role}): {method.upper()} {url} {shown} → {response.status_code}")
            print(errors[-1], flush=True)
        return response

    while queue and pages < max_pages:
        url = queue.pop(0)
        if url in seen or NOT_FOLLOWED.search(url):
            continue
        seen.add(url)
        pages += 1
        response = send("get", url, None)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = PageParser()
        parser.feed(response.content.decode("utf-8", "replace"))
        queue.extend(
            link.split("#")[0] for link in parser.links if link.startswith("/") and link.split("#")[0] not in seen
        )
        for form in parser.forms:
            action = form["action"] or url.split("?")[0]
            if not action.startswith("/") or NOT_FOLLOWED.search(action):
                continue
            shape = (form["method"], re.sub(r"\d+", "N", action), tuple(form["fields"]))
            if shape in tried:
                continue
            tried.add(shape)
            fields = {name: value for name, value in form["fields"].items() if name != "csrfmiddlewaretoken"}
            variants = [{**fields, name: bad} for name in fields for bad in rng.sample(BAD_VALUES, 3)]
            variants.append({name: rng.choice(BAD_VALUES) for name in fields})
            for data in variants:
                send(form["method"], action, data)
    return pages, len(tried), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=60, help="pages read per user (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="which bad values each field gets (default 1)")
    parser.add_argument("--database-url", help="an empty throwaway database instead of a temporary SQLite file")
    args = parser.parse_args()
    set_up(args.database_url)
    from jalon.accounts.models import Role, User

    rng, errors = random.Random(args.seed), []
    for user in User.objects.filter(is_active=True).exclude(role=Role.ADMIN).order_by("pk"):
        pages, forms, found = crawl(user, max_pages=args.pages, rng=rng)
        errors.extend(found)
        print(f"{user.username} ({user.role}): {pages} pages, {forms} forms, {len(found)} errors", flush=True)
    print(f"{len(errors)} answers of 500 or more")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
