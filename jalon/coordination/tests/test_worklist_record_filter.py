"""The worklist's « dossier incomplet » filter (issue 16, item 4): the accepted referrals whose pathway, a confirmed
cancer past its tumour board, has no board decision recorded or its PPS not handed (boards.selectors, the one rule).
A value outside the list is refused in French, the page still answers; the filter costs one query (what each row
misses), and none when not chosen."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import identity
from jalon.boards.tests.conftest import diagnosis_complete
from jalon.coordination.tests.test_query_counts import QUERIES
from jalon.core.actor import Actor
from jalon.pathways.models import Outcome
from jalon.pathways.services import milestone_record, pathway_record_outcome
from jalon.pathways.tests.factories import pathway_build
from jalon.patients.models import Sex
from jalon.testing.factories import make_ins


def _patient(gp, seq: int):
    birth_date = date(1948 + seq, 5, 1 + seq)
    return identity(
        birth_name=f"Filtre{chr(65 + seq)}",
        birth_date=birth_date,
        ins=make_ins(sex=Sex.FEMALE, birth_date=birth_date, seed=400 + seq),
        gp_id=gp.professional_id,
    )


@pytest.fixture
def pathways(submit, coordinator, gp):
    """incomplete: cancer confirmed, the tumour board recorded as a free-text step (no decision, no PPS);
    diagnosing: accepted, diagnosis under way (not checked)."""
    incomplete = pathway_build(submit, user=coordinator, patient=_patient(gp, 1))
    diagnosis_complete(incomplete, coordinator)
    incomplete = pathway_record_outcome(actor=Actor(user=coordinator), pathway=incomplete, outcome=Outcome.MALIGNANT)
    milestone_record(
        actor=Actor(user=coordinator), milestone=incomplete.milestones.get(code="tumour_board"), done_at=timezone.now()
    )
    diagnosing = pathway_build(submit, user=coordinator, patient=_patient(gp, 2))
    return incomplete.referral.reference, diagnosing.referral.reference


def test_it_lists_only_the_incomplete_records(client, coordinator, pathways):
    incomplete, diagnosing = pathways
    client.force_login(coordinator)

    everything = client.get(reverse("coordination:worklist")).content.decode()
    filtered = client.get(reverse("coordination:worklist"), {"status": "open", "record": "incomplete"})

    assert incomplete in everything and diagnosing in everything
    page = filtered.content.decode()
    assert filtered.status_code == 200
    assert incomplete in page and diagnosing not in page
    assert 'value="incomplete" selected' in page
    assert "Dossier incomplet : décision de RCP ; PPS remis" in page  # what the record misses, on its row


def test_a_value_outside_the_list_is_refused_in_french(client, coordinator, pathways):
    client.force_login(coordinator)

    response = client.get(reverse("coordination:worklist"), {"record": "<b>n'importe</b>"})

    assert response.status_code == 200  # the list as by default, the error beside the field
    page = response.content.decode()
    assert "Sélectionnez un choix valide" in page
    assert all(reference in page for reference in pathways)


def test_the_filter_costs_one_query(client, coordinator, pathways):
    """The filter is a subquery of the list's statement; what each listed record misses is one more query, read only
    under the filter (the worklist's exact count without it is pinned in test_query_counts)."""
    client.force_login(coordinator)
    client.get(reverse("coordination:worklist"))  # the session's first view done: the two below compare alike

    with CaptureQueriesContext(connection) as plain:
        client.get(reverse("coordination:worklist"), {"status": "open"})
    with CaptureQueriesContext(connection) as filtered:
        client.get(reverse("coordination:worklist"), {"status": "open", "record": "incomplete"})

    assert len(filtered.captured_queries) == len(plain.captured_queries) + 1
    assert len(plain.captured_queries) <= QUERIES["worklist"] + 1  # + 1: the open alerts' list
