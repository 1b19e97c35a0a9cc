"""Queries per page do not grow with the population (issue 15): the worklist, the referral page, the pathway
page, the GP portal's list and patient page each run the same exact number of queries with 3 and with 30
referrals around (an N+1 added to a row or a panel fails here). The counts are those of the first view of a
page in a session (the per-request constants are read once per request, never per row); bench/pages_bench.py
gives the same pages' counts at the benchmark population."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import identity
from jalon.core.actor import Actor
from jalon.pathways.services import pathway_start
from jalon.pathways.tests.factories import referral_build
from jalon.pathways.tests.test_pathway_pages import lung_template_version
from jalon.patients.models import Sex
from jalon.testing.factories import make_ins

# Exact counts, the same at both sizes.
QUERIES = {
    # Each page one less since the user is read with their professional record (accounts.backends). In a test,
    # each page runs inside the test's transaction, where core.memo keeps nothing: the memoised reads (the
    # user's organisations, the entry points' calendars) are counted here, and cost no query on a server.
    "worklist": 17,  # 18 when there are open alerts (their list is read only then)
    # 26 before the pathway and triage decision were joined to the referral (2), the rule set read by id (1) and
    # the thread marked read without a transaction when there is nothing to mark (2: BEGIN, COMMIT).
    # Then 20: the published triage rules read once per process (core.published); then 19: the completeness
    # rule set joined to the referral.
    "referral": 19,
    # 25 (21, and the sections of issue 16: exam and pathology requests (2), board cases and PPS (2)) before
    # the PPS were read only when there is a case (1) and the thread marked read as above (2).
    "pathway": 22,
    "portal_list": 8,
    "portal_patient": 17,  # 19 before the thread was marked read as above (2)
}


@pytest.fixture(params=[3, 30], ids=["3-referrals", "30-referrals"])
def population(request, submit, gp, coordinator):
    """`n` referrals from `gp` to the CPTS entry point, each for its own patient, the first accepted into a lung
    pathway; its reference."""
    lung_template_version()
    references = []
    for seq in range(request.param):
        birth_date = date(1940, 1, 1).replace(year=1940 + seq % 50, day=1 + seq % 27)
        patient = identity(
            birth_name=f"Patient{chr(65 + seq % 26)}{chr(65 + seq // 26)}",
            birth_date=birth_date,
            ins=make_ins(sex=Sex.FEMALE, birth_date=birth_date, seed=100 + seq),
            gp_id=gp.professional_id,
        )
        references.append(referral_build(submit, patient=patient))
    pathway_start(actor=Actor(user=coordinator), referral=references[0], priority="P2")
    return references[0].reference


def count(client, django_assert_num_queries, key: str, url: str) -> None:
    with django_assert_num_queries(QUERIES[key]):
        assert client.get(url).status_code == 200


def test_worklist(client, coordinator, population, django_assert_num_queries):
    client.force_login(coordinator)
    count(client, django_assert_num_queries, "worklist", reverse("coordination:worklist"))


def test_referral_page(client, coordinator, population, django_assert_num_queries):
    client.force_login(coordinator)
    count(client, django_assert_num_queries, "referral", reverse("coordination:referral", args=[population]))


def test_pathway_page(client, coordinator, population, django_assert_num_queries):
    client.force_login(coordinator)
    count(client, django_assert_num_queries, "pathway", reverse("pathways:detail", args=[population]))


def test_portal_list(client, gp, population, django_assert_num_queries):
    client.force_login(gp)
    count(client, django_assert_num_queries, "portal_list", reverse("portal:patients"))


def test_portal_patient_page(client, gp, population, django_assert_num_queries):
    client.force_login(gp)
    count(client, django_assert_num_queries, "portal_patient", reverse("portal:patient", args=[population]))
