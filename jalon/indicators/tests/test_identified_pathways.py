"""`access.identified_pathways`: which pathways behind an indicator a user may see named."""

from __future__ import annotations

from jalon.indicators.tests.factories import cohort_pathway, cohort_template, paris
from jalon.referrals.access import identified_pathways


def test_it_names_the_pathways_of_the_coordinators_entry_point_in_one_query(
    coordinator, entry_point, hospital_entry_point, django_assert_num_queries
):
    """The CPTS coordinator gets the reference of the CPTS pathway, not of the hospital's."""
    version = cohort_template()
    ours = cohort_pathway(received_at=paris(2026, 1, 5), version=version, entry_point=entry_point)
    theirs = cohort_pathway(received_at=paris(2026, 1, 6), version=version, entry_point=hospital_entry_point)
    coordinator.organization_ids()  # memoised membership lookup, outside the counted query
    with django_assert_num_queries(1):
        assert identified_pathways(coordinator, [ours.pk, theirs.pk]) == {ours.pk: ours.referral.reference}


def test_it_names_nothing_for_a_manager_without_a_query(manager, entry_point, django_assert_num_queries):
    """Managers reach no nominative data: every row stays a pseudonym."""
    pathway = cohort_pathway(received_at=paris(2026, 1, 5), version=cohort_template(), entry_point=entry_point)
    with django_assert_num_queries(0):
        assert identified_pathways(manager, [pathway.pk]) == {}
        assert identified_pathways(manager, []) == {}
