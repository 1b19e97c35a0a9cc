"""Each indicator on a small dataset whose figures are computed by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from jalon.directory.models import Profession
from jalon.indicators import selectors
from jalon.indicators.definitions import DELAYS
from jalon.indicators.models import PathwayDelay
from jalon.indicators.selectors import Filters, Period
from jalon.indicators.tests.factories import cohort_pathway, cohort_template
from jalon.indicators.tests.factories import paris as at
from jalon.referrals.models import Referral
from jalon.scheduling.models import Appointment, SlotRelease
from jalon.scheduling.tests.factories import resource_build, slot_build
from jalon.testing.factories import EntryPointFactory, PatientFactory, ProfessionalFactory, UserFactory

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
YEAR = Period.year(2026)


@pytest.fixture
def version():
    return cohort_template("lung")


def imaging_after_reception(version, *days: float, received_day: int = 2, **fields):
    """One pathway per value: received on March `received_day` at 9:00, reception the next day at 9:00,
    imaging `days` of elapsed time later (added in UTC: the summer time change on 29 March must not shift it)."""
    pathways = []
    for value in days:
        reception = at(2026, 3, received_day + 1)
        pathways.append(
            cohort_pathway(
                received_at=at(2026, 3, received_day),
                version=version,
                done={"reception": reception, "imaging": (reception.astimezone(UTC) + timedelta(days=value))},
                **fields,
            )
        )
    return pathways


def test_it_computes_n_mean_median_and_p90_for_an_even_count(version):
    """Values 1, 2, 4, 10 days: n 4, mean 4.25, median (2 + 4) / 2 = 3, p90 the ⌈3.6⌉ = 4th value, 10."""
    imaging_after_reception(version, 4, 1, 10, 2)
    stats = selectors.delay_reports(MARCH)["reception_to_imaging"].stats
    assert (stats.n, stats.mean, stats.median, stats.p90, stats.minimum, stats.maximum) == (
        4,
        4.25,
        3.0,
        10.0,
        1.0,
        10.0,
    )


def test_it_computes_the_median_and_p90_for_an_odd_count(version):
    """Values 1, 2, 4 days: median the 2nd value, 2; p90 the ⌈2.7⌉ = 3rd value, 4; mean 7 / 3 = 2.33."""
    imaging_after_reception(version, 2, 4, 1)
    stats = selectors.delay_reports(MARCH)["reception_to_imaging"].stats
    assert (stats.n, stats.median, stats.p90, stats.mean) == (3, 2.0, 4.0, 2.33)


def test_it_takes_the_90th_percentile_by_nearest_rank_over_ten_values(version):
    """Values 1..10: p90 is the ⌈9⌉ = 9th value; median (5 + 6) / 2 = 5.5."""
    imaging_after_reception(version, *range(1, 11))
    stats = selectors.delay_reports(MARCH)["reception_to_imaging"].stats
    assert (stats.n, stats.median, stats.p90) == (10, 5.5, 9.0)


def test_it_reads_an_empty_period_as_no_value_and_zero_counts(version):
    """Nothing received in February: every delay has n 0 and no median; shares have no percentage; volumes are empty."""
    imaging_after_reception(version, 3)
    february = Period(date(2026, 2, 1), date(2026, 2, 28))
    result = selectors.indicator_set(february)
    assert result.cohort == 0
    for report in result.delays.values():
        assert (report.stats.n, report.stats.median, report.stats.p90, report.stats.mean, report.stats.pending) == (
            0,
            None,
            None,
            None,
            0,
        )
        assert [count for _label, count in report.distribution] == [0] * 8
        assert all(rows == [] for rows in report.breakdowns.values())
    assert (result.within_target.denominator, result.within_target.percent) == (0, None)
    assert result.referrals_per_month == {} and result.appointments_per_month == {}
    assert (result.distinct_gps, result.contacted_accompanied.contacted, result.contacted_accompanied.accompanied) == (
        0,
        0,
        0,
    )
    assert (result.reserved_slots.used, result.reserved_slots.released, result.reserved_slots.share.percent) == (
        0,
        0,
        None,
    )
    assert result.supportive_care.percent is None


def test_it_counts_an_open_pathway_whose_delay_has_not_ended_as_pending_not_in_n(version):
    """Open with reception done, no imaging yet: pending 1, n 0. Closed in the same state: neither."""
    cohort_pathway(received_at=at(2026, 3, 2), version=version, done={"reception": at(2026, 3, 3)})
    cohort_pathway(received_at=at(2026, 3, 2), version=version, done={"reception": at(2026, 3, 3)}, status="closed")
    imaging_after_reception(version, 2)
    stats = selectors.delay_reports(MARCH)["reception_to_imaging"].stats
    assert (stats.n, stats.median, stats.pending) == (1, 2.0, 1)


def test_it_excludes_an_end_recorded_before_its_start(version):
    """Imaging recorded a day before the reception is a data error: not in n, not pending."""
    cohort_pathway(
        received_at=at(2026, 3, 2), version=version, done={"reception": at(2026, 3, 5), "imaging": at(2026, 3, 4)}
    )
    stats = selectors.delay_reports(MARCH)["reception_to_imaging"].stats
    assert (stats.n, stats.pending) == (0, 0)


def test_it_counts_a_pathway_in_the_month_its_referral_was_received_in_paris_time(version):
    """Received on 1 April at 00:30 in Paris (31 March 22:30 UTC): an April pathway, not a March one."""
    cohort_pathway(received_at=at(2026, 4, 1, 0, 30), version=version, done={"reception": at(2026, 4, 2)})
    assert selectors.delay_reports(MARCH)["referral_to_first_care"].stats.n == 0
    april = selectors.delay_reports(Period(date(2026, 4, 1), date(2026, 4, 30)), breakdowns=("month",))[
        "referral_to_first_care"
    ]
    assert april.stats.n == 1
    assert april.breakdowns["month"][0][0] == date(2026, 4, 1)


def test_it_measures_referral_to_first_care_from_the_first_care_milestone_not_the_contact_call(version):
    """Received 2 March 9:00; the call on the 2nd at 15:00 is not care; biopsy on the 4th at 9:00 comes before the
    reception on the 5th: 2 days."""
    cohort_pathway(
        received_at=at(2026, 3, 2),
        version=version,
        done={"first_contact": at(2026, 3, 2, 15), "biopsy": at(2026, 3, 4), "reception": at(2026, 3, 5)},
    )
    assert selectors.delay_reports(MARCH)["referral_to_first_care"].stats.median == 2.0


def test_it_measures_city_imaging_to_hospital_care_from_midnight_of_the_exam_day(version):
    """Scanner on 27 February (midnight), referral on 2 March, reception on 3 March at 12:00: 4.5 days.
    A scanner dated after the referral does not count."""
    cohort_pathway(
        received_at=at(2026, 3, 2),
        version=version,
        done={"reception": at(2026, 3, 3, 12)},
        imaging_on=date(2026, 2, 27),
    )
    cohort_pathway(
        received_at=at(2026, 3, 2), version=version, done={"reception": at(2026, 3, 3, 12)}, imaging_on=date(2026, 3, 5)
    )
    stats = selectors.delay_reports(MARCH)["imaging_to_hospital_care"].stats
    assert (stats.n, stats.median) == (1, 4.5)


def test_it_measures_each_delay_between_its_own_two_milestones(version):
    """One full pathway: reception 3/3 9:00, biopsy 4/3 9:00 (1 d), preliminary pathology 6/3 21:00 (2.5 d after
    the biopsy), final 11/3 9:00 (7 d), tumour board 12/3 9:00 (9 d after reception), treatment 26/3 9:00 (14 d)."""
    cohort_pathway(
        received_at=at(2026, 3, 2),
        version=version,
        outcome="malignant",
        done={
            "reception": at(2026, 3, 3),
            "biopsy": at(2026, 3, 4),
            "pathology_preliminary": at(2026, 3, 6, 21),
            "pathology_final": at(2026, 3, 11),
            "tumour_board": at(2026, 3, 12),
            "treatment_start": at(2026, 3, 26),
        },
    )
    reports = selectors.delay_reports(MARCH)
    medians = {code: report.stats.median for code, report in reports.items()}
    assert medians == {
        "referral_to_first_care": 1.0,
        "imaging_to_hospital_care": None,
        "reception_to_imaging": None,
        "reception_to_biopsy": 1.0,
        "reception_to_tumour_board": 9.0,
        "tumour_board_to_treatment": 14.0,
        "biopsy_to_pathology_preliminary": 2.5,
        "biopsy_to_pathology_final": 7.0,
    }


def test_it_distributes_values_into_the_buckets(version):
    """0.5 → < 1 j; 1 and 1.5 → 1–2 j; 3 → 2–7 j; 7 → 7–14 j; 20 → 14–21 j; 25 → 21–30 j; 45 → 30–60 j; 90 and 60 → ≥ 60
    j."""
    imaging_after_reception(version, 0.5, 1, 1.5, 3, 7, 20, 25, 45, 90, 60)
    distribution = selectors.delay_reports(MARCH)["reception_to_imaging"].distribution
    assert [count for _label, count in distribution] == [1, 2, 1, 1, 1, 1, 1, 2]
    assert distribution[0][0] == "< 1 j" and distribution[-1][0] == "≥ 60 j"


def test_it_breaks_a_delay_down_by_template_site_and_referrer_profession(version):
    """Lung at site A by a GP: 2 and 4 days; digestive at site B by a nurse: 10 days."""
    site_a, site_b = EntryPointFactory(), EntryPointFactory()
    nurse = ProfessionalFactory(profession=Profession.NURSE, specialty="")
    imaging_after_reception(version, 2, 4, entry_point=site_a)
    imaging_after_reception(cohort_template("digestive"), 10, entry_point=site_b, referrer=nurse)
    report = selectors.delay_reports(MARCH, breakdowns=("template", "site", "profession", "month"))[
        "reception_to_imaging"
    ]
    by = {name: {key: (stats.n, stats.median) for key, stats in rows} for name, rows in report.breakdowns.items()}
    assert by["template"] == {"digestive": (1, 10.0), "lung": (2, 3.0)}
    assert by["site"] == {site_a.organization_id: (2, 3.0), site_b.organization_id: (1, 10.0)}
    assert by["profession"] == {"nurse": (1, 10.0), "physician": (2, 3.0)}
    assert by["month"] == {date(2026, 3, 1): (3, 4.0)}


def test_it_narrows_every_delay_by_the_filters(version):
    """The same three pathways: filtered to the digestive template, to site A, to nurses."""
    site_a, site_b = EntryPointFactory(), EntryPointFactory()
    nurse = ProfessionalFactory(profession=Profession.NURSE, specialty="")
    imaging_after_reception(version, 2, 4, entry_point=site_a)
    imaging_after_reception(cohort_template("digestive"), 10, entry_point=site_b, referrer=nurse)
    median = lambda filters: selectors.delay_reports(MARCH, filters)["reception_to_imaging"].stats.median  # noqa: E731
    assert median(Filters(template_kind="digestive")) == 10.0
    assert median(Filters(site_id=site_a.organization_id)) == 3.0
    assert median(Filters(referrer_profession="nurse")) == 10.0
    assert median(Filters(template_kind="breast")) is None


def test_it_compares_two_periods_side_by_side(version):
    """March: 8 and 10 days (median 9); April, after a change: 2 and 3 days (median 2.5)."""
    imaging_after_reception(version, 8, 10)
    for value in (2, 3):
        cohort_pathway(
            received_at=at(2026, 4, 6),
            version=version,
            done={"reception": at(2026, 4, 7), "imaging": at(2026, 4, 7) + timedelta(days=value)},
        )
    before = selectors.delay_reports(MARCH)["reception_to_imaging"].stats
    after = selectors.delay_reports(Period(date(2026, 4, 1), date(2026, 4, 30)))["reception_to_imaging"].stats
    assert (before.median, after.median) == (9.0, 2.5)


def test_it_shares_milestones_done_within_their_target(version):
    """Reception on time, imaging 1 h late, biopsy exactly at its due time, tumour board with no target:
    2 of 3 milestones with a target were in time (66.7 %); per code: reception 1/1, imaging 0/1, biopsy 1/1.
    A pending milestone with a due date does not count."""
    cohort_pathway(
        received_at=at(2026, 3, 2),
        version=version,
        done={
            "reception": at(2026, 3, 3),
            "imaging": at(2026, 3, 4, 10),
            "biopsy": at(2026, 3, 5),
            "tumour_board": at(2026, 3, 9),
        },
        due={
            "reception": at(2026, 3, 4),
            "imaging": at(2026, 3, 4, 9),
            "biopsy": at(2026, 3, 5),
            "pathology_final": at(2026, 3, 10),
        },
    )
    overall, per_code = selectors.milestones_within_target(MARCH)
    assert (overall.numerator, overall.denominator, overall.percent) == (2, 3, 66.7)
    assert {code: (share.numerator, share.denominator) for code, share in per_code} == {
        "biopsy": (1, 1),
        "imaging": (0, 1),
        "reception": (1, 1),
    }


def test_it_counts_referrals_per_month_by_referrer_profession_whatever_became_of_them(version):
    """March: two by GPs (one declined, no pathway) and one by a nurse; April: one by a GP."""
    nurse = ProfessionalFactory(profession=Profession.NURSE, specialty="")
    cohort_pathway(received_at=at(2026, 3, 2), version=version)
    cohort_pathway(received_at=at(2026, 3, 20), version=version, referrer=nurse)
    cohort_pathway(received_at=at(2026, 4, 2), version=version)
    declined = cohort_pathway(received_at=at(2026, 3, 25), version=version).referral
    declined.pathway.facts.delete()
    declined.pathway.milestones.all().delete()
    declined.pathway.delete()
    Referral.objects.filter(pk=declined.pk).update(status="declined")
    assert selectors.referrals_per_month(YEAR) == {
        date(2026, 3, 1): {"physician": 2, "nurse": 1},
        date(2026, 4, 1): {"physician": 1},
    }
    assert selectors.referrals_per_month(YEAR, Filters(referrer_profession="nurse")) == {date(2026, 3, 1): {"nurse": 1}}


def _slot_and_appointment(pathway, start, *, booked_at, status="booked", used_reserved=False, reserved_for=()):
    """An appointment of `pathway` on a new slot at `start` of a scanner of the pathway's site."""
    slot = slot_build(resource_build(pathway.referral.entry_point.organization), start, reserved_for=list(reserved_for))
    return Appointment.objects.create(
        slot=slot,
        pathway=pathway,
        status=status,
        group="00000000-0000-0000-0000-000000000001",
        booked_at=booked_at,
        booked_by=UserFactory(),
        used_reserved=used_reserved,
    )


def test_it_counts_appointments_booked_per_month_by_referrer_profession_not_cancelled(version):
    """Booked in March: two for a GP's patient (one cancelled) and one for a nurse's; in April: one."""
    nurse = ProfessionalFactory(profession=Profession.NURSE, specialty="")
    by_gp = cohort_pathway(received_at=at(2026, 3, 2), version=version)
    by_nurse = cohort_pathway(received_at=at(2026, 3, 2), version=version, referrer=nurse)
    _slot_and_appointment(by_gp, at(2026, 3, 10), booked_at=at(2026, 3, 3))
    _slot_and_appointment(by_gp, at(2026, 3, 11), booked_at=at(2026, 3, 3), status="cancelled")
    _slot_and_appointment(by_nurse, at(2026, 3, 12), booked_at=at(2026, 3, 4))
    _slot_and_appointment(by_gp, at(2026, 4, 10), booked_at=at(2026, 4, 1))
    assert selectors.appointments_per_month(YEAR) == {
        date(2026, 3, 1): {"physician": 1, "nurse": 1},
        date(2026, 4, 1): {"physician": 1},
    }


def test_it_counts_reserved_slots_used_against_released(version):
    """Used in March: two reserved slots booked before release (a third was cancelled, a fourth is ordinary);
    released in March: one; released in April: one (not counted). Share used: 2 / 3."""
    pathway = cohort_pathway(received_at=at(2026, 3, 2), version=version)
    _slot_and_appointment(pathway, at(2026, 3, 10), booked_at=at(2026, 3, 3), used_reserved=True, reserved_for=["lung"])
    _slot_and_appointment(pathway, at(2026, 3, 11), booked_at=at(2026, 3, 3), used_reserved=True, reserved_for=["lung"])
    _slot_and_appointment(pathway, at(2026, 3, 12), booked_at=at(2026, 3, 3), used_reserved=True, status="cancelled")
    _slot_and_appointment(pathway, at(2026, 3, 13), booked_at=at(2026, 3, 3))
    resource = resource_build(pathway.referral.entry_point.organization)
    for start, released in ((at(2026, 3, 20), at(2026, 3, 18)), (at(2026, 4, 20), at(2026, 4, 18))):
        slot = slot_build(resource, start, reserved_for=["lung"], released_at=released)
        SlotRelease.objects.create(slot=slot, released_at=released, reserved_for=["lung"])
    use = selectors.reserved_slots(MARCH)
    assert (use.used, use.released, use.share.percent) == (2, 1, 66.7)


def test_it_narrows_reserved_slots_to_the_site_and_template_filtered(version):
    """A lung pathway at site A and a digestive one at site B each used a reserved slot of their site in
    March; site B released one: each filter keeps its own."""
    lung = cohort_pathway(received_at=at(2026, 3, 2), version=version)
    digestive = cohort_pathway(received_at=at(2026, 3, 2), version=cohort_template("digestive"))
    _slot_and_appointment(lung, at(2026, 3, 10), booked_at=at(2026, 3, 3), used_reserved=True, reserved_for=["lung"])
    _slot_and_appointment(
        digestive, at(2026, 3, 10), booked_at=at(2026, 3, 3), used_reserved=True, reserved_for=["digestive"]
    )
    site_b = digestive.referral.entry_point.organization_id
    slot = slot_build(
        resource_build(digestive.referral.entry_point.organization), at(2026, 3, 20), reserved_for=["digestive"]
    )
    SlotRelease.objects.create(slot=slot, released_at=at(2026, 3, 18), reserved_for=["digestive"])
    use = lambda filters: selectors.reserved_slots(MARCH, filters)  # noqa: E731
    assert (use(Filters()).used, use(Filters()).released) == (2, 1)
    assert (use(Filters(site_id=site_b)).used, use(Filters(site_id=site_b)).released) == (1, 1)
    assert use(Filters(site_id=lung.referral.entry_point.organization_id)).released == 0
    assert use(Filters(template_kind="lung")).used == 1
    assert use(Filters(template_kind="breast")).used == 0


def test_it_counts_distinct_gps_of_the_territory_who_referred(version, entry_point, strasbourg, paris):
    """GP A (Strasbourg, in the territory) twice in March and once in April, GP B (Strasbourg) once in April;
    GP C practises in Paris (outside); a Strasbourg cardiologist is not a GP. Over the year: 2; March 1, April 2."""
    gp_a = ProfessionalFactory(commune=strasbourg)
    gp_b = ProfessionalFactory(commune=strasbourg, specialty="médecine générale")
    gp_c = ProfessionalFactory(commune=paris)
    cardiologist = ProfessionalFactory(commune=strasbourg, specialty="Cardiologie")
    for received, referrer in (
        (at(2026, 3, 2), gp_a),
        (at(2026, 3, 9), gp_a),
        (at(2026, 4, 2), gp_a),
        (at(2026, 4, 3), gp_b),
        (at(2026, 3, 3), gp_c),
        (at(2026, 3, 4), cardiologist),
    ):
        cohort_pathway(received_at=received, version=version, referrer=referrer, entry_point=entry_point)
    total, per_month = selectors.distinct_gps(YEAR)
    assert (total, per_month) == (2, {date(2026, 3, 1): 1, date(2026, 4, 1): 2})


def test_it_counts_patients_who_contacted_against_those_accompanied(version):
    """Patient 1: two referrals, one with a pathway; patient 2: one referral declined. Contacted 2, accompanied 1."""
    first, second = PatientFactory(), PatientFactory()
    cohort_pathway(received_at=at(2026, 3, 2), version=version, patient=first)
    declined = cohort_pathway(received_at=at(2026, 3, 3), version=version, patient=first)
    other = cohort_pathway(received_at=at(2026, 3, 4), version=version, patient=second)
    for pathway in (declined, other):
        pathway.facts.delete()
        pathway.milestones.all().delete()
        pathway.delete()
    result = selectors.patients_contacted_accompanied(MARCH)
    assert (result.contacted, result.accompanied) == (2, 1)


def test_it_reads_the_supportive_care_share_as_zero_until_assessments_are_recorded(version):
    """Two confirmed cancers and a non-malignant pathway: 0 of 2 assessed, 0 %."""
    cohort_pathway(received_at=at(2026, 3, 2), version=version, outcome="malignant")
    cohort_pathway(received_at=at(2026, 3, 3), version=version, outcome="malignant")
    cohort_pathway(received_at=at(2026, 3, 4), version=version, outcome="not_malignant")
    share = selectors.supportive_care_assessed(MARCH)
    assert (share.numerator, share.denominator, share.percent) == (0, 2, 0.0)


def test_it_lists_the_rows_behind_a_figure_one_bucket_or_group_at_a_time(version):
    """Values 0.5, 3 and 3.5 days at two sites: bucket 2–7 j holds the two last; site A's group the first two."""
    site_a, site_b = EntryPointFactory(), EntryPointFactory()
    first, second = imaging_after_reception(version, 0.5, 3, entry_point=site_a)
    (third,) = imaging_after_reception(version, 3.5, entry_point=site_b)
    cohort_pathway(received_at=at(2026, 3, 2), version=version)  # no imaging: behind no imaging figure

    def rows(**kwargs):
        return list(selectors.rows_behind("reception_to_imaging", MARCH, **kwargs).values_list("pathway_id", flat=True))  # noqa: E731

    assert sorted(rows()) == sorted([first.pk, second.pk, third.pk])
    assert sorted(rows(bucket=2)) == sorted([second.pk, third.pk])
    assert sorted(rows(bucket=0)) == [first.pk]
    assert sorted(rows(by="site", key=str(site_a.organization_id))) == sorted([first.pk, second.pk])
    assert list(selectors.rows_behind("no_such_indicator", MARCH)) == []


def test_it_pseudonymises_a_pathway_with_a_stable_keyed_hash(settings):
    """The same pathway gives the same pseudonym; another key gives another one; it never shows the id."""
    first = selectors.pseudonym(42)
    assert first == selectors.pseudonym(42) and first != selectors.pseudonym(43)
    assert len(first) == 16 and first != "42"
    settings.INDICATORS_PSEUDONYM_KEY = "une-autre-clé"
    assert selectors.pseudonym(42) != first


def test_it_bounds_a_period_in_paris_time():
    """A period from 1 to 31 March runs from 1 March 00:00 to 1 April 00:00 in Paris; months() widens to whole
    months."""
    start, end = MARCH.bounds
    assert (start.isoformat(), end.isoformat()) == ("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00")
    assert Period.months(date(2026, 3, 15), date(2026, 5, 2)) == Period(date(2026, 3, 1), date(2026, 5, 31))
    assert Period.year(2026).month_starts()[-1] == date(2026, 12, 1) and len(Period.year(2026).month_starts()) == 12


def test_it_computes_the_full_set_with_a_constant_number_of_queries(version, django_assert_max_num_queries):
    """Twenty pathways or one: the same bounded number of queries for the whole set with every breakdown."""
    imaging_after_reception(version, *range(1, 21))
    # 22, one for the pathology measures, two for the boards (cases with decisions and PPS; record completeness)
    with django_assert_max_num_queries(25):
        result = selectors.indicator_set(YEAR)
    assert result.delays["reception_to_imaging"].stats.n == 20


def test_it_leaves_out_the_distribution_of_a_summary(version):
    """A summary (detailed=()) has the same figures and no distribution."""
    imaging_after_reception(version, 1, 2, 4)
    summary = selectors.delay_reports(MARCH, detailed=())["reception_to_imaging"]
    full = selectors.delay_reports(MARCH)["reception_to_imaging"]
    assert (
        (summary.stats.n, summary.stats.median, summary.stats.p90)
        == (full.stats.n, full.stats.median, full.stats.p90)
        == (3, 2.0, 4.0)
    )
    assert summary.distribution == [] and sum(count for _label, count in full.distribution) == 3


def test_it_details_only_the_delays_asked_for(version):
    """Every delay gets its figures; only the `detailed` ones their distribution and breakdowns."""
    imaging_after_reception(version, 1, 2, 4)
    reports = selectors.delay_reports(MARCH, breakdowns=("month", "site"), detailed=["reception_to_imaging"])
    detailed, other = reports["reception_to_imaging"], reports["referral_to_first_care"]
    assert (detailed.stats.n, detailed.stats.median) == (3, 2.0)
    assert sum(count for _label, count in detailed.distribution) == 3
    assert [stats.n for _month, stats in detailed.breakdowns["month"]] == [3]
    assert set(detailed.breakdowns) == {"month", "site"}
    assert other.distribution == [] and other.breakdowns == {}
    assert set(reports) == {delay.code for delay in DELAYS}


def test_it_gives_no_median_rather_than_failing_when_the_value_rows_lag_behind(version):
    """Facts with a delay but its value rows gone (an interrupted rebuild): n is known, median and p90 are not."""
    imaging_after_reception(version, 2, 3)
    PathwayDelay.objects.all().delete()
    stats = selectors.delay_reports(MARCH)["reception_to_imaging"].stats
    assert (stats.n, stats.median, stats.p90) == (2, None, None)
