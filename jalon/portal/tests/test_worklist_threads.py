"""The worklist panel "Messages des professionnels": the coordinator's unread count, each referral with
unread city messages (reference, patient, last message, count), audited; only their entry points'."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from conftest import identity
from jalon.accounts.models import AuditRecord
from jalon.pathways.tests.factories import pathway_build
from jalon.testing.factories import letters_name, make_ins

WORKLIST = reverse("coordination:worklist")


def unread_badge(page: str) -> str:
    marker = 'data-testid="thread-unread-count">'
    assert marker in page, "the panel shows its count"
    return page.split(marker, 1)[1].split("<", 1)[0]


def test_it_shows_the_unread_count_and_the_referral(client, referral, coordinator, gp, treating_gp, post):
    """Two city messages: the badge says 2, the row links to the referral and names the patient."""
    post(gp, referral, "Question 1")
    post(treating_gp, referral, "Question 2")
    client.force_login(coordinator)

    page = client.get(WORKLIST).content.decode()

    assert "Messages des professionnels" in page and unread_badge(page) == "2"
    assert f'href="{reverse("coordination:referral", args=[referral.reference])}"' in page
    assert referral.patient.display_name in page and "2 non lus" in page


def test_it_is_refreshed_with_the_worklist(client, referral, coordinator, gp, post):
    """The htmx refresh of the worklist carries the panel too."""
    post(gp, referral, "Question")
    client.force_login(coordinator)
    page = client.get(WORKLIST, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in page and unread_badge(page) == "1"


def test_it_does_not_count_the_coordinations_own_messages_or_read_ones(client, referral, coordinator, gp, post):
    """The coordination's messages are never unread for it; once the referral page is seen, the count is 0."""
    post(coordinator, referral, "Information")
    post(gp, referral, "Question")
    client.force_login(coordinator)
    assert unread_badge(client.get(WORKLIST).content.decode()) == "1"

    client.get(reverse("coordination:referral", args=[referral.reference]))

    page = client.get(WORKLIST).content.decode()
    assert unread_badge(page) == "0" and "Aucun message non lu." in page


def test_it_leaves_out_other_organisations_threads(client, referral, coordinator_elsewhere, gp, post):
    """A coordinator of another organisation sees none of the CPTS's messages."""
    post(gp, referral, "Question")
    client.force_login(coordinator_elsewhere)
    page = client.get(WORKLIST).content.decode()
    assert unread_badge(page) == "0" and referral.reference not in page


def test_it_audits_the_listed_patients(client, referral, coordinator, gp, post):
    """Each patient in the panel gets a READ record."""
    post(gp, referral, "Question")
    client.force_login(coordinator)
    client.get(WORKLIST)
    assert AuditRecord.objects.filter(
        actor=coordinator, object_type="worklist.threads", patient_id=referral.patient_id
    ).exists()


def test_it_keeps_the_number_of_queries_constant(
    client, referral, coordinator, gp, submit, post, django_assert_max_num_queries
):
    """One thread or four: the same number of queries."""
    post(gp, referral, "Question")
    client.force_login(coordinator)
    with django_assert_max_num_queries(80) as one:
        client.get(WORKLIST)
    for seed in range(3):
        patient = identity(
            birth_name=letters_name("Autre", seed),
            ins=make_ins(sex="F", birth_date=date(1956, 3, 12), seed=300 + seed),
            gp_id=gp.professional_id,
        )
        post(gp, pathway_build(submit, user=coordinator, patient=patient).referral, "Question")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(WORKLIST).content.decode()
    assert unread_badge(page) == "4"
