"""The indicator pages: who reaches them, the French refusals of bad input, the figures of a small
hand-made dataset, the pseudonymised drill-down (identified only through the access rules), its audit,
and a query count that does not grow with the number of pathways."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.indicators import selectors
from jalon.indicators.forms import IndicatorForm, default_period
from jalon.indicators.tests.factories import cohort_pathway, cohort_template, paris
from jalon.referrals.models import Referral
from jalon.testing.factories import PatientFactory

DASHBOARD = reverse("indicators:dashboard")
PERIOD = {"start": "2026-01-01", "end": "2026-02-28"}


def rows_url(code: str = "referral_to_first_care") -> str:
    return reverse("indicators:rows", args=[code])


@pytest.fixture
def cohort(entry_point):
    """Three lung pathways of the CPTS entry point, received in January and February 2026.

    referral_to_first_care: 2, 4 and 10 days (n 3, median 4, p90 10, mean 5.33);
    reception_to_imaging: 3 and 1 days, the third still waiting for its imaging (pending 1)."""
    version = cohort_template()
    names = ("Zéphyrine", "Anatole", "Berthilde")
    pathways = [
        cohort_pathway(
            received_at=paris(2026, 1, 5),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name="Quillardet", first_names=names[0]),
            done={"reception": paris(2026, 1, 7), "imaging": paris(2026, 1, 10)},
        ),
        cohort_pathway(
            received_at=paris(2026, 1, 20),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name="Vauquelin", first_names=names[1]),
            done={"reception": paris(2026, 1, 24), "imaging": paris(2026, 1, 25)},
        ),
        cohort_pathway(
            received_at=paris(2026, 2, 3),
            version=version,
            entry_point=entry_point,
            patient=PatientFactory(birth_name="Pontbriand", first_names=names[2]),
            done={"reception": paris(2026, 2, 13)},
        ),
    ]
    return pathways


# --- Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "coordinator"])
def test_it_shows_the_dashboard_to_managers_and_coordinators(client, persona, request):
    """Managers and coordinators read the indicators."""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "Demande → première prise en soins" in response.content.decode()


@pytest.mark.parametrize("persona", ["gp", "specialist", "home_nurse", "support_provider", "admin_user"])
@pytest.mark.parametrize(
    "url",
    [
        DASHBOARD,
        reverse("indicators:definitions"),
        rows_url(),
        reverse("indicators:export_csv"),
        reverse("indicators:export_xlsx"),
        reverse("indicators:rows_csv", args=["referral_to_first_care"]),
        reverse("indicators:report", args=[2025]),
    ],
)
def test_it_answers_404_to_every_other_role(client, persona, url, request):
    """Other roles get a 404 on every indicator page, as if it did not exist."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 404


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    """Not logged in: the login form."""
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_it_adds_the_menu_entry_for_indicator_roles_only(client, manager, gp):
    """« Indicateurs » is in the manager's menu, not in the GP's."""
    client.force_login(manager)
    assert f'href="{DASHBOARD}"' in client.get(reverse("accounts:home"), follow=True).content.decode()
    client.force_login(gp)
    assert f'href="{DASHBOARD}"' not in client.get(reverse("accounts:home"), follow=True).content.decode()


# --- Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-01", "end": "2026-01-31"}, "La date de fin précède la date de début."),
        ({"start": "31/02/2026", "end": "2026-03-01"}, "Saisissez une date valide, par exemple 31/12/2026."),
        ({"start": "hier", "end": "2026-03-01"}, "Saisissez une date valide, par exemple 31/12/2026."),
        ({"start": "2019-01-01", "end": "2026-01-01"}, "La période ne peut pas dépasser 5 ans."),
        ({"start": "0001-01-01", "end": "0001-02-01"}, "Choisissez des dates entre 2000 et 2100."),
        ({"start": "9999-12-01", "end": "9999-12-31"}, "Choisissez des dates entre 2000 et 2100."),
        ({"compare_start": "2025-01-01"}, "Indiquez le début et la fin de la période de comparaison."),
        (
            {"compare_start": "2025-03-01", "compare_end": "2025-01-01"},
            "La fin de la période de comparaison précède son début.",
        ),
        ({"template": "poumon"}, "Choix inconnu : « poumon »."),
        ({"site": "abc"}, "Choix inconnu : « abc »."),
        ({"site": "999999"}, "Choix inconnu : « 999999 »."),
        ({"profession": "sorcier"}, "Choix inconnu : « sorcier »."),
        ({"delay": "DROP TABLE"}, "Choix inconnu : « DROP TABLE »."),
        ({"by": "patient"}, "Choix inconnu : « patient »."),
    ],
)
def test_it_refuses_bad_input_in_french_without_computing(client, manager, cohort, params, message):
    """Each bad input: the form again with its French message, a 400, no figure."""
    client.force_login(manager)
    response = client.get(DASHBOARD, params)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'id="summary"' not in page


@pytest.mark.parametrize(
    "params",
    [
        {"by": "month", "key": "janvier"},
        {"by": "site", "key": "12x"},
        {"by": "template", "key": "poumon"},
        {"by": "profession", "key": "x"},
        {"bucket": "12"},
        {"bucket": "-1"},
        {"end": "2025-01-01"},
    ],
)
def test_it_refuses_a_bad_drill_down_group_in_french(client, manager, cohort, params):
    """A group or bucket that does not exist: a French message, a 400, nothing listed nor audited."""
    client.force_login(manager)
    response = client.get(rows_url(), {**PERIOD, **params})
    assert response.status_code == 400
    assert "Aucune liste n'a été calculée" in response.content.decode()
    assert not AuditRecord.objects.filter(object_type="indicators.rows").exists()


def test_it_answers_404_to_an_unknown_indicator(client, manager):
    """No such figure to drill into."""
    client.force_login(manager)
    assert client.get(rows_url("patient_names")).status_code == 404
    assert client.get(reverse("indicators:rows_csv", args=["referrals_per_month"])).status_code == 404


def test_it_ignores_a_bad_page_number(client, manager, cohort):
    """A page number that is not one shows the first or last page."""
    client.force_login(manager)
    assert client.get(rows_url(), {**PERIOD, "page": "abc"}).status_code == 200
    assert client.get(rows_url(), {**PERIOD, "page": "99"}).status_code == 200


def test_it_refuses_a_post(client, manager):
    """The pages only read."""
    client.force_login(manager)
    assert client.post(DASHBOARD).status_code == 405


# --- Figures ---------------------------------------------------------------------------------------


def test_it_defaults_to_the_last_twelve_full_months():
    """On 15 March 2026 the default period is March 2025 to February 2026."""
    assert default_period(date(2026, 3, 15)) == selectors.Period(date(2025, 3, 1), date(2026, 2, 28))
    assert default_period(date(2026, 1, 1)) == selectors.Period(date(2025, 1, 1), date(2025, 12, 31))


@time_machine.travel("2026-03-15 10:00 +01:00", tick=False)
def test_it_fills_the_form_with_the_default_period(client, manager):
    """An empty form shows and uses the default period."""
    client.force_login(manager)
    page = client.get(DASHBOARD).content.decode()
    assert 'value="2025-03-01"' in page and 'value="2026-02-28"' in page
    form = IndicatorForm({"start": "", "end": ""}, today=date(2026, 3, 15))
    assert form.is_valid() and form.period() == selectors.Period(date(2025, 3, 1), date(2026, 2, 28))


def test_it_shows_the_hand_computed_figures(client, manager, cohort):
    """n 3, median 4, p90 10, mean 5,3 for the first delay; 1 pending imaging; the charts' tables."""
    client.force_login(manager)
    response = client.get(DASHBOARD, PERIOD)
    page = response.content.decode()
    assert response.status_code == 200
    summary = page[page.index('id="summary"') : page.index("</table>", page.index('id="summary"'))]
    first = summary[summary.index("Demande → première prise en soins") :]
    first = first[: first.index("</tr>")]
    assert ">3</a>" in first and "<td>4,0</td><td>10,0</td><td>5,3</td><td>0</td>" in first
    imaging = summary[summary.index("Accueil → imagerie") :]
    imaging = imaging[: imaging.index("</tr>")]
    assert "<td>2,0</td><td>3,0</td><td>2,0</td><td>1</td>" in imaging
    # The charts carry no script: the page's only scripts are the site's own files (htmx, jalon.js).
    assert "<svg" in page and page.count("<script") == page.count('<script src="/static/')
    assert 'role="img" aria-label="Demande → première prise en soins : médiane et 90e centile par mois"' in page
    # The distribution's table: two pathways in 2–7 days (bucket 2), one in 7–14 (bucket 3), each linked.
    assert 'bucket=2">2</a>' in page and 'bucket=3">1</a>' in page
    assert "Pas encore enregistré" in page
    assert 'href="/indicateurs/definitions/#referral_to_first_care"' in page


def test_it_puts_two_periods_side_by_side(client, manager, cohort):
    """With a comparison period, each delay shows both: January alone against February alone."""
    client.force_login(manager)
    page = client.get(
        DASHBOARD,
        {"start": "2026-01-01", "end": "2026-01-31", "compare_start": "2026-02-01", "compare_end": "2026-02-28"},
    ).content.decode()
    row = page[page.index("Demande → première prise en soins</th>") :]
    row = row[: row.index("</tr>")]
    assert "<td>3,0</td><td>4,0</td><td>3,0</td><td>0</td>" in row  # January: 2 and 4 days
    assert "<td>1</td><td>10,0</td><td>10,0</td><td>10,0</td><td>0</td>" in row  # February: 10 days
    assert "01/02/2026 – 28/02/2026" in page


def test_it_breaks_the_detailed_delay_down_by_month(client, manager, cohort):
    """By month: January n 2 (median 3), February n 1 (median 10), each linked to its pathways."""
    client.force_login(manager)
    page = client.get(DASHBOARD, {**PERIOD, "by": "month"}).content.decode()
    section = page[page.index('id="breakdown-title"') :]
    assert 'by=month&amp;key=2026-01-01">2</a>' in section and 'by=month&amp;key=2026-02-01">1</a>' in section


def test_it_breaks_the_detailed_delay_down_by_site(client, manager, cohort, cpts):
    """By site: the CPTS's name with its three pathways."""
    client.force_login(manager)
    page = client.get(DASHBOARD, {**PERIOD, "by": "site", "delay": "referral_to_first_care"}).content.decode()
    section = page[page.index('id="breakdown-title"') :]
    assert f'<th scope="row">{cpts.name}</th>' in section and f'by=site&amp;key={cpts.pk}">3</a>' in section


def test_it_narrows_to_a_filter(client, manager, cohort, hospital_entry_point, hospital):
    """Filtering on another site shows none of the CPTS's pathways."""
    client.force_login(manager)
    page = client.get(DASHBOARD, {**PERIOD, "site": str(hospital.pk)}).content.decode()
    assert "0 parcours" in page


def test_it_lists_every_definition_with_its_anchor(client, coordinator):
    """The definitions page: each code's anchor, formula, source and exclusions, and the common rules."""
    client.force_login(coordinator)
    page = client.get(reverse("indicators:definitions")).content.decode()
    for code in ("referral_to_first_care", "biopsy_to_pathology_final", "distinct_gps", "supportive_care_assessed"):
        assert f'id="{code}"' in page
    assert "seed 001, fiche 5" in page and "Règles commun" in page and "pas encore enregistré" in page


def test_it_keeps_the_dashboard_query_count_bounded(client, manager, entry_point, django_assert_max_num_queries):
    """The dashboard's queries do not grow with the number of pathways (3 then 30)."""
    version = cohort_template()
    client.force_login(manager)

    def add(count):
        for day in range(count):
            cohort_pathway(
                received_at=paris(2026, 1, 1 + day % 28),
                version=version,
                entry_point=entry_point,
                done={"reception": paris(2026, 2, 1), "imaging": paris(2026, 2, 3)},
            )

    add(3)
    with django_assert_max_num_queries(30) as small:
        assert (
            client.get(DASHBOARD, {**PERIOD, "compare_start": "2025-01-01", "compare_end": "2025-02-28"}).status_code
            == 200
        )
    add(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert (
            client.get(DASHBOARD, {**PERIOD, "compare_start": "2025-01-01", "compare_end": "2025-02-28"}).status_code
            == 200
        )


# --- Drill-down ------------------------------------------------------------------------------------


def test_it_lists_pseudonyms_and_no_name_for_the_manager(client, manager, cohort):
    """The manager sees pseudonyms, sites and delays; no patient name, no INS, no birth date, no reference."""
    client.force_login(manager)
    response = client.get(rows_url(), PERIOD)
    page = response.content.decode()
    assert response.status_code == 200
    for pathway in cohort:
        assert selectors.pseudonym(pathway.pk) in page
        patient = pathway.patient
        for secret in (
            patient.birth_name,
            patient.first_names,
            patient.ins,
            patient.birth_date.strftime("%d/%m/%Y"),
            pathway.referral.reference,
        ):
            assert secret not in page
    assert "10,0" in page and "non nominatif" in page


def test_it_identifies_the_rows_the_coordinator_reaches(client, coordinator, cohort):
    """The entry point's coordinator sees each referral's reference, linked to the pathway page."""
    client.force_login(coordinator)
    page = client.get(rows_url(), PERIOD).content.decode()
    for pathway in cohort:
        reference = Referral.objects.get(pk=pathway.referral_id).reference
        assert f'href="{reverse("pathways:detail", args=[reference])}"' in page


def test_it_lists_no_row_of_another_organisation_to_a_coordinator_elsewhere(client, coordinator_elsewhere, cohort):
    """A coordinator of another organisation gets no row of the CPTS's pathways (rows follow the organisation)."""
    client.force_login(coordinator_elsewhere)
    page = client.get(rows_url(), PERIOD).content.decode()
    assert selectors.pseudonym(cohort[0].pk) not in page
    assert "JAL-2026-000001" not in page and "/parcours/JAL-" not in page
    assert "Aucun parcours." in page


def test_it_audits_each_listed_patient_as_read(client, manager, cohort):
    """One READ audit row per listed pathway's patient, object type indicators.rows."""
    client.force_login(manager)
    client.get(rows_url(), PERIOD)
    records = AuditRecord.objects.filter(object_type="indicators.rows")
    assert sorted(records.values_list("patient_id", flat=True)) == sorted(p.patient_id for p in cohort)
    assert set(records.values_list("action", "actor_id")) == {(AuditAction.READ, manager.pk)}


def test_it_lists_one_bucket_or_one_group(client, manager, cohort):
    """The 7–14 days bucket holds the February pathway alone; the January group the two others."""
    client.force_login(manager)
    page = client.get(rows_url(), {**PERIOD, "bucket": "3"}).content.decode()
    assert selectors.pseudonym(cohort[2].pk) in page and selectors.pseudonym(cohort[0].pk) not in page
    page = client.get(rows_url(), {**PERIOD, "by": "month", "key": "2026-01-01"}).content.decode()
    assert selectors.pseudonym(cohort[0].pk) in page and selectors.pseudonym(cohort[2].pk) not in page
    assert "mois : janvier 2026" in page


def test_it_drills_into_shares(client, manager, cohort):
    """The accompanied patients' pathways are listed too."""
    client.force_login(manager)
    page = client.get(rows_url("patients_contacted_accompanied"), PERIOD).content.decode()
    assert all(selectors.pseudonym(p.pk) in page for p in cohort)


def test_it_paginates_fifty_rows_a_page(client, manager, entry_point):
    """51 pathways: 50 on the first page, 1 on the second; only the listed ones audited."""
    version = cohort_template()
    for index in range(51):
        cohort_pathway(
            received_at=paris(2026, 1, 1 + index % 28),
            version=version,
            entry_point=entry_point,
            done={"reception": paris(2026, 2, 1)},
        )
    client.force_login(manager)
    page = client.get(rows_url(), PERIOD).content.decode()
    assert page.count("<code>") == 50 and "Page 1 sur 2" in page
    assert AuditRecord.objects.filter(object_type="indicators.rows").count() == 50
    assert client.get(rows_url(), {**PERIOD, "page": "2"}).content.decode().count("<code>") == 1


def test_it_keeps_the_drill_down_query_count_bounded(client, coordinator, entry_point, django_assert_max_num_queries):
    """Listing 5 or 40 pathways (identified for the coordinator, audited) takes the same queries."""
    version = cohort_template()
    client.force_login(coordinator)

    def add(count):
        for day in range(count):
            cohort_pathway(
                received_at=paris(2026, 1, 1 + day % 28),
                version=version,
                entry_point=entry_point,
                done={"reception": paris(2026, 2, 1)},
            )

    add(5)
    with django_assert_max_num_queries(15) as small:
        assert client.get(rows_url(), PERIOD).status_code == 200
    add(35)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(rows_url(), PERIOD).content.decode().count("<code>") == 40


def test_it_says_the_period_in_words(client, manager, cohort):
    """« Période du … au … » on the dashboard (and « Comparaison du … au … ») and on the rows page, not « du … – … »."""
    client.force_login(manager)
    compared = {"start": "2026-01-01", "end": "2026-01-31", "compare_start": "2026-02-01", "compare_end": "2026-02-28"}

    dashboard = client.get(DASHBOARD, compared).content.decode()
    rows = client.get(rows_url(), PERIOD).content.decode()

    assert (
        "Période du 01/01/2026 au 31/01/2026 :" in dashboard
        and "Comparaison du 01/02/2026 au 28/02/2026 :" in dashboard
    )
    assert "Période du 01/01/2026 au 28/02/2026 :" in rows
