"""The "my patients" page: only the user's own patients (referred, or whose GP they are), most recent
activity first, with progress, next step, overdue steps and unread messages; every listed patient
audited; a number of queries that does not grow with the rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import identity
from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.pathways.models import Milestone, MilestoneStatus
from jalon.pathways.services import milestone_record
from jalon.pathways.tests.factories import pathway_build
from jalon.pathways.tests.test_pathway_pages import recordable_milestone
from jalon.patients.services import patient_record_sharing_opposition
from jalon.testing.factories import letters_name, make_ins

URL = reverse("portal:patients")


def another_patient(seed: int, **overrides):
    return identity(
        birth_name=letters_name("Patient", seed),
        ins=make_ins(sex="F", birth_date=date(1956, 3, 12), seed=100 + seed),
        **overrides,
    )


def test_it_lists_the_referrers_and_the_gps_patients(client, referral, gp, treating_gp):
    """The referrer and the patient's GP both see the patient, with reference, name and pathway."""
    for user in (gp, treating_gp):
        client.force_login(user)
        page = client.get(URL).content.decode()
        assert referral.reference in page and referral.patient.display_name in page
        assert referral.pathway.template_version.template.name in page


def test_it_lists_only_the_users_own_patients(client, referral, other_gp, submit):
    """Another GP sees none of them, and only their own referral once they refer."""
    client.force_login(other_gp)
    assert referral.reference not in client.get(URL).content.decode()

    own = submit(user=other_gp, patient=another_patient(1, gp_id=other_gp.professional_id)).referral
    page = client.get(URL).content.decode()
    assert own.reference in page and referral.reference not in page


def test_it_hides_the_patient_from_the_gp_when_the_patient_opposes_sharing(
    client, referral, gp, treating_gp, coordinator
):
    """Opposition to sharing: gone from the GP's list, still in the referrer's."""
    patient_record_sharing_opposition(actor=Actor(user=coordinator), patient=referral.patient, opposes=True)

    client.force_login(treating_gp)
    assert referral.reference not in client.get(URL).content.decode()
    client.force_login(gp)
    assert referral.reference in client.get(URL).content.decode()


def test_it_shows_progress_next_step_overdue_and_unread(client, referral, treating_gp, coordinator, post):
    """Done over steps that apply, the next step and its due date, overdue steps, unread coordination messages."""
    pathway = referral.pathway
    first = recordable_milestone(pathway)
    milestone_record(actor=Actor(user=coordinator), milestone=first, done_at=timezone.now())
    late = pathway.milestones.filter(status=MilestoneStatus.PENDING).exclude(due_at=None).order_by("order").first()
    Milestone.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    post(coordinator, referral, "Scanner programmé")
    post(coordinator, referral, "Compte rendu reçu")
    counted = pathway.milestones.exclude(status=MilestoneStatus.SKIPPED).count()
    next_step = pathway.milestones.filter(status=MilestoneStatus.PENDING).order_by("order").first()

    client.force_login(treating_gp)
    page = client.get(URL).content.decode()

    assert f"1 étape faite sur {counted}" in page
    assert next_step.label.replace("'", "&#x27;") in page
    assert "1 étape en retard" in page
    assert "2 non lus" in page


def test_it_puts_the_most_recent_activity_first(client, gp, coordinator, submit):
    """The pathway where something just happened comes before a newer referral where nothing did."""
    older = pathway_build(submit, user=coordinator, patient=another_patient(1, gp_id=gp.professional_id))
    newer = submit(patient=another_patient(2, gp_id=gp.professional_id)).referral
    client.force_login(gp)
    page = client.get(URL).content.decode()
    assert page.index(newer.reference) < page.index(older.referral.reference)

    milestone_record(actor=Actor(user=coordinator), milestone=recordable_milestone(older), done_at=timezone.now())

    page = client.get(URL).content.decode()
    assert page.index(older.referral.reference) < page.index(newer.reference)


def test_it_audits_every_listed_patient(client, referral, gp, submit):
    """One READ record per patient listed."""
    second = submit(patient=another_patient(3, gp_id=gp.professional_id)).referral
    client.force_login(gp)
    client.get(URL)

    audited = set(
        AuditRecord.objects.filter(actor=gp, object_type="portal.patients").values_list("patient_id", flat=True)
    )
    assert audited == {referral.patient_id, second.patient_id}


def test_it_keeps_the_number_of_queries_constant(client, gp, coordinator, submit, post, django_assert_max_num_queries):
    """One patient or five, with pathways, steps done and messages: the same number of queries."""
    client.force_login(gp)

    def add_patient(seed: int):
        pathway = pathway_build(submit, user=coordinator, patient=another_patient(seed, gp_id=gp.professional_id))
        milestone_record(actor=Actor(user=coordinator), milestone=recordable_milestone(pathway), done_at=timezone.now())
        post(coordinator, pathway.referral, "Nouvelles")

    add_patient(1)
    with django_assert_max_num_queries(50) as one:
        assert client.get(URL).status_code == 200
    for seed in range(2, 6):
        add_patient(seed)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(URL).content.decode()
    assert page.count("1 non lu") == 5


def test_it_paginates(client, gp, submit, monkeypatch):
    """Past a page, the next patients are on page 2."""
    monkeypatch.setattr("jalon.portal.views.PAGE_SIZE", 2)
    for seed in range(3):
        submit(patient=another_patient(seed, gp_id=gp.professional_id))
    client.force_login(gp)

    assert "Page 1 sur 2" in client.get(URL).content.decode()
    assert client.get(URL, {"page": "2"}).status_code == 200
    assert client.get(URL, {"page": "n'importe quoi"}).status_code == 200


@pytest.mark.parametrize("name", ["coordinator", "manager", "support_provider"])
def test_it_is_not_for_other_roles(client, request, name):
    """Coordinators, managers and support providers have no portal (403: the role is not allowed)."""
    client.force_login(request.getfixturevalue(name))
    assert client.get(URL).status_code == 403


def test_it_asks_anonymous_users_to_log_in(client):
    """No session: the login page."""
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_it_is_in_the_menu_and_the_gps_home(client, gp):
    """The GP lands on "Mes patients" and finds it in the menu."""
    client.force_login(gp)
    assert client.get(reverse("accounts:home")).url == URL
    assert f'href="{URL}"' in client.get(URL).content.decode()
