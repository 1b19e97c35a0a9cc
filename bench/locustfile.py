"""The users of the load benchmark (bench/load_bench.py starts Locust on this file; not meant to run alone).

Each simulated user takes one session logged in beforehand through the real forms (LOAD_BENCH_FIXTURE) and
clicks with an exponential think time of mean LOAD_BENCH_THINK_SECONDS. What a browser's htmx does on its
own is done on its own here: an open worklist, and an open portal page, refresh every 15 s with
`X-Jalon-Poll: 1`, `HX-Request: true` and the refresh token of the last render (the worklist's hidden
`version` field, the portal's in its hx-get address), as htmx sends them; `If-None-Match` with an ETag if one is given.

Coordinators (of the CPTS entry point): the worklist page (2), a referral page of the entry point (6), a
decision on a referral (1: its page, then the accept form, or one time in three the complement request,
filled from the page's own form).
GPs: the portal's list of their patients (2), one patient's portal page (4: its refreshes follow), their
list of referrals then one referral's page (1), a new referral through the web form (1: the empty form, then the POST).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

from locust import HttpUser, task

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benchmarks' own modules, Locust or not
from referral_form import referral_form_data  # noqa: E402

FIXTURE = json.loads(Path(os.environ["LOAD_BENCH_FIXTURE"]).read_text())
THINK = float(os.environ.get("LOAD_BENCH_THINK_SECONDS", "3"))
POLL_SECONDS = 15.0
RNG = random.Random(int(os.environ.get("LOAD_BENCH_SEED", "1")))
COORDINATOR_SESSIONS = iter(FIXTURE["sessions"]["coordinators"])
GP_SESSIONS = iter(FIXTURE["sessions"]["gps"])
REFERENCES = list(FIXTURE["references"])
RNG.shuffle(REFERENCES)
TO_DECIDE = iter(REFERENCES)  # each referral decided once
IDENTITIES = iter(FIXTURE["identities"])
SUBMISSION = itertools.count()
POLL_HEADERS = {"HX-Request": "true", "X-Jalon-Poll": "1"}
LIVE_URL = re.compile(r'id="portal-live" hx-get="([^"]+)"')
PATIENT_LINK = re.compile(r'href="(/mes-patients/[^/"]+/)"')
# The worklist's refresh token (accounts.freshness), which htmx sends back with each refresh (hx-include).
WORKLIST_VERSION = re.compile(r'id="worklist-version" name="version" value="([^"]*)"')
REFERRAL_LINK = re.compile(r'href="(/demandes/[A-Z]+-\d{4}-\d+/)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ERRORS = re.compile(r'(?:class="errorlist[^"]*"|id="id_[\w-]+_error")[^>]*>(.{0,300})', re.S)


def think(_user=None) -> float:
    return min(RNG.expovariate(1 / THINK), 10 * THINK)


def errors_in(text: str) -> str:
    found = [re.sub(r"<[^>]+>", " ", match).strip() for match in ERRORS.findall(text)[:3]]
    return " | ".join(" ".join(item.split())[:150] for item in found) or text[:200]


class FormReader(HTMLParser):
    """The fields of the form whose action ends with `action_suffix`, with the values a browser would send."""

    def __init__(self, action_suffix: str):
        super().__init__(convert_charrefs=True)
        self.suffix, self.inside, self.action = action_suffix, False, None
        self.fields: list[tuple[str, str]] = []
        self.checkboxes: dict[str, list[str]] = {}
        self.select: str | None = None
        self.select_value: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("action") or "").endswith(self.suffix):
            self.inside, self.action = True, attrs["action"]
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                self.checkboxes.setdefault(name, [])
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
                else:
                    self.checkboxes[name].append(attrs.get("value", "on"))
            elif kind == "radio":
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self.select, self.select_value = name, None
        elif tag == "option" and self.select:
            if self.select_value is None or "selected" in attrs:
                self.select_value = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self.select:
            self.fields.append((self.select, self.select_value or ""))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text.strip() or "Décision du banc de charge."))
            self.textarea = None

    def data(self) -> list[tuple[str, str]]:
        """The fields, with one box ticked in each group of checkboxes none of which was (an acknowledgement
        the form asks for, a missing item to request)."""
        sent = {name for name, _value in self.fields}
        return self.fields + [
            (name, values[0]) for name, values in self.checkboxes.items() if values and name not in sent
        ]


class JalonUser(HttpUser):
    abstract = True
    wait_time = think

    def take_session(self, pool):
        try:
            self.session = next(pool)
        except StopIteration:
            raise RuntimeError("more simulated users than sessions logged in") from None
        for name, value in self.session["cookies"].items():
            self.client.cookies.set(name, value)
        self.csrf = self.session["cookies"].get("csrftoken", "")
        self.last_poll = time.monotonic() - RNG.uniform(0, POLL_SECONDS)  # browsers not in step
        self.etags: dict[str, str] = {}

    def poll(self, url: str, name: str, extra: dict | None = None):
        headers = {**POLL_HEADERS, **(extra or {})}
        if url in self.etags:
            headers["If-None-Match"] = self.etags[url]
        with self.client.get(url, headers=headers, name=name, catch_response=True) as response:
            if response.status_code in (200, 204, 304):
                if response.headers.get("ETag"):
                    self.etags[url] = response.headers["ETag"]
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")
            self.last_poll = time.monotonic()
            return response

    def due_for_poll(self) -> bool:
        return time.monotonic() - self.last_poll >= POLL_SECONDS


class Coordinator(JalonUser):
    weight = int(os.environ.get("LOAD_BENCH_COORDINATORS", "1"))

    def on_start(self):
        self.take_session(COORDINATOR_SESSIONS)
        self.worklist_version = ""
        self.worklist()

    def worklist(self):
        response = self.client.get("/demandes/file/", name="coordinator: worklist")
        self.keep_worklist_version(response)

    def keep_worklist_version(self, response):
        """What htmx sends back on the next refresh: the token of the last render (a 204 keeps it)."""
        if response.status_code == 200 and (found := WORKLIST_VERSION.search(response.text)):
            self.worklist_version = found.group(1)

    @task
    def act(self):
        if self.due_for_poll():
            response = self.poll(
                f"/demandes/file/?version={self.worklist_version}",
                "coordinator: worklist refresh (poll)",
                {"HX-Target": "worklist", "HX-Trigger": "worklist"},
            )
            self.keep_worklist_version(response)
            return
        choice = RNG.choices(("worklist", "referral", "decision"), weights=(2, 6, 1))[0]
        if choice == "worklist":
            self.worklist()
        elif choice == "referral":
            self.client.get(f"/demandes/{RNG.choice(REFERENCES)}/", name="coordinator: referral page")
        else:
            self.decide()

    def decide(self):
        reference = next(TO_DECIDE, None)
        if reference is None:
            return
        page = self.client.get(f"/demandes/{reference}/", name="coordinator: referral page")
        action = "request_complement" if RNG.random() < 1 / 3 else "accept"
        reader = FormReader(f"/{action}/")
        reader.feed(page.text)
        if reader.action is None:  # not open to this decision any more (decided in an earlier run)
            return
        with self.client.post(
            reader.action,
            data=reader.data(),
            headers={"X-CSRFToken": self.csrf, "Referer": page.url},
            name=f"coordinator: decision ({action})",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {errors_in(response.text)}")


class GP(JalonUser):
    weight = int(os.environ.get("LOAD_BENCH_GPS", "1"))

    def on_start(self):
        self.take_session(GP_SESSIONS)
        self.live_url = None
        self.portal_list()

    def portal_list(self):
        response = self.client.get("/mes-patients/", name="GP: portal, my patients")
        self.patients = PATIENT_LINK.findall(response.text) or getattr(self, "patients", [])
        self.live_url = None  # a list does not refresh itself

    @task
    def act(self):
        if self.live_url and self.due_for_poll():
            response = self.poll(self.live_url, "GP: portal page refresh (poll)")
            if response.status_code == 200 and (found := LIVE_URL.search(response.text)):
                self.live_url = found.group(1).replace("&amp;", "&")
            return
        choice = RNG.choices(("list", "patient", "referral", "submission"), weights=(2, 4, 1, 1))[0]
        if choice == "list" or (choice in ("patient", "referral") and not self.patients):
            self.portal_list()
        elif choice == "patient":
            response = self.client.get(RNG.choice(self.patients), name="GP: portal, patient page")
            found = LIVE_URL.search(response.text)
            self.live_url = found.group(1).replace("&amp;", "&") if found else None
            self.last_poll = time.monotonic()
        elif choice == "referral":
            self.live_url = None
            page = self.client.get("/demandes/mes-demandes/", name="GP: my referrals")
            links = REFERRAL_LINK.findall(page.text)
            if links:
                self.client.get(RNG.choice(links), name="GP: referral page")
        else:
            self.submit()

    def submit(self):
        self.live_url = None
        form = self.client.get("/demandes/nouvelle/", name="GP: new referral form")
        token = CSRF_FIELD.search(form.text)
        identity = next(IDENTITIES)
        seq = next(SUBMISSION)
        data = {
            "csrfmiddlewaretoken": token.group(1) if token else self.csrf,
            **referral_form_data(
                seq,
                entry_point_id=FIXTURE["entry_point"],
                ins=identity["ins"],
                sex=identity["sex"],
                birth_date=identity["birth_date"],
                gp_rpps=self.session["rpps"],
            ),
        }
        with self.client.post(
            "/demandes/nouvelle/",
            data=data,
            headers={"Referer": form.url},
            name="GP: new referral (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {errors_in(response.text)}")
