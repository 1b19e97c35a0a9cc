"""Rows behind a figure (page, CSV, XLSX) follow the organisation of the person who lists or exports them;
region-wide rows, pseudonymised, are for the regional analyst only (issue 12, item 11)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.indicators import selectors
from jalon.indicators.access import (
    indicator_row_organization_ids,
    indicator_rows_for_user,
    may_read_regional_indicator_rows,
)
from jalon.indicators.models import PathwayFacts
from jalon.indicators.tests.factories import cohort_pathway, cohort_template, paris
from jalon.testing.factories import PatientFactory, UserFactory

PERIOD = {"start": "2026-01-01", "end": "2026-02-28"}
CODE = "referral_to_first_care"


@pytest.fixture
def two_sites(entry_point, hospital_entry_point):
    """One pathway of the CPTS's entry point and one of the hospital's, both in the period."""
    version = cohort_template()
    cpts_pathway = cohort_pathway(
        received_at=paris(2026, 1, 5),
        version=version,
        entry_point=entry_point,
        patient=PatientFactory(birth_name="Quillardet", first_names="Zéphyrine"),
        done={"reception": paris(2026, 1, 7)},
    )
    hospital_pathway = cohort_pathway(
        received_at=paris(2026, 1, 6),
        version=version,
        entry_point=hospital_entry_point,
        patient=PatientFactory(birth_name="Vauquelin", first_names="Anatole"),
        done={"reception": paris(2026, 1, 9)},
    )
    return cpts_pathway, hospital_pathway


def exported(client, fmt: str = "csv", **params) -> tuple[int, str]:
    response = client.get(reverse(f"indicators:rows_{fmt}", args=[CODE]), {**PERIOD, **params})
    return response.status_code, response.content.decode("utf-8-sig") if fmt == "csv" else ""


def pseudonyms_in(content: str) -> set[str]:
    return {row[0] for row in list(csv.reader(io.StringIO(content), delimiter=";"))[1:]}


@pytest.mark.parametrize("persona", ["coordinator", "manager"])
def test_it_exports_only_the_rows_of_the_users_organisations(client, two_sites, persona, request):
    """A coordinator or manager of the CPTS exports the CPTS's pathway and no row of the hospital's."""
    cpts_pathway, _hospital_pathway = two_sites
    client.force_login(request.getfixturevalue(persona))
    status, content = exported(client)
    assert status == 200
    assert pseudonyms_in(content) == {selectors.pseudonym(cpts_pathway.pk)}
    records = AuditRecord.objects.filter(object_type="indicators.rows", action=AuditAction.EXPORT)
    assert list(records.values_list("patient_id", flat=True)) == [cpts_pathway.patient_id]


def test_it_exports_no_row_of_another_organisation_even_when_its_site_is_asked(
    client, two_sites, coordinator_elsewhere, cpts
):
    """Asking for the CPTS's site as a filter gives the hospital's coordinator an empty file, nothing audited."""
    client.force_login(coordinator_elsewhere)
    status, content = exported(client, site=str(cpts.pk))
    assert status == 200
    assert pseudonyms_in(content) == set()
    assert not AuditRecord.objects.filter(object_type="indicators.rows").exists()


def test_it_gives_the_regional_analyst_every_row_pseudonymised(client, two_sites, regional_analyst):
    """The regional analyst exports both organisations' pathways, with pseudonyms and no name nor reference."""
    client.force_login(regional_analyst)
    status, content = exported(client)
    assert status == 200
    assert pseudonyms_in(content) == {selectors.pseudonym(p.pk) for p in two_sites}
    for pathway in two_sites:
        assert pathway.patient.birth_name not in content and pathway.referral.reference not in content
    assert (
        AuditRecord.objects.filter(
            object_type="indicators.rows", action=AuditAction.EXPORT, actor=regional_analyst
        ).count()
        == 2
    )


def test_it_lists_every_row_to_the_regional_analyst_without_naming_any(client, two_sites, regional_analyst):
    """On the page too: both pathways, « non nominatif » for each, no link to a pathway page."""
    client.force_login(regional_analyst)
    response = client.get(reverse("indicators:rows", args=[CODE]), PERIOD)
    page = response.content.decode()
    assert response.status_code == 200
    assert all(selectors.pseudonym(p.pk) in page for p in two_sites)
    assert "/parcours/TST-" not in page and "Parcours de toute la région." in page


def test_it_exports_the_regional_rows_as_xlsx(client, two_sites, regional_analyst):
    """The XLSX export of the regional analyst holds both rows."""
    client.force_login(regional_analyst)
    response = client.get(reverse("indicators:rows_xlsx", args=[CODE]), PERIOD)
    assert response.status_code == 200
    assert AuditRecord.objects.filter(object_type="indicators.rows", action=AuditAction.EXPORT).count() == 2


def test_it_shows_the_regional_analyst_the_region_wide_dashboard(client, two_sites, regional_analyst):
    """The dashboard's figures stay region-wide: both pathways counted."""
    client.force_login(regional_analyst)
    response = client.get(reverse("indicators:dashboard"), PERIOD)
    assert response.status_code == 200
    assert response.context["cohort"] == 2


def test_it_sends_the_regional_analyst_home_to_the_indicators(client, regional_analyst):
    """After login the regional analyst lands on the dashboard, with the menu entry."""
    client.force_login(regional_analyst)
    response = client.get(reverse("accounts:home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("indicators:dashboard")


@pytest.mark.parametrize(
    "url",
    [reverse("accounts:audit"), reverse("coordination:worklist"), reverse("notifications:templates")],
)
def test_it_keeps_the_regional_analyst_out_of_nominative_and_managing_pages(client, regional_analyst, url):
    """The regional analyst reaches neither the worklist, the audit trail nor the message texts (403 or 404)."""
    client.force_login(regional_analyst)
    assert client.get(url).status_code in (403, 404)


@pytest.mark.parametrize("persona", ["gp", "specialist", "admin_user"])
def test_it_answers_404_to_an_outsider(client, two_sites, persona, request):
    """Roles without indicators get 404 on the rows and their exports."""
    client.force_login(request.getfixturevalue(persona))
    for name in ("rows", "rows_csv", "rows_xlsx"):
        assert client.get(reverse(f"indicators:{name}", args=[CODE]), PERIOD).status_code == 404
    assert not AuditRecord.objects.filter(object_type="indicators.rows").exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-01", "end": "2026-01-01"}, "La date de fin précède la date de début."),
        ({"site": "abc"}, "Choix inconnu : « abc »."),
        ({"site": "99999999999999999999999"}, "Choix inconnu"),
    ],
)
def test_it_refuses_a_bad_export_request_in_french(client, two_sites, regional_analyst, params, message):
    """A bad period or site: 400 with the French message, nothing exported nor audited."""
    client.force_login(regional_analyst)
    response = client.get(reverse("indicators:rows_csv", args=[CODE]), {**PERIOD, **params})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditRecord.objects.filter(object_type="indicators.rows").exists()


def test_the_rule_names_the_organisations_per_role(coordinator, manager, regional_analyst, gp, cpts, two_sites):
    """Coordinator and manager: their organisations; regional analyst: all (None); others: none."""
    assert indicator_row_organization_ids(coordinator) == [cpts.pk]
    assert indicator_row_organization_ids(manager) == [cpts.pk]
    assert indicator_row_organization_ids(regional_analyst) is None
    assert indicator_row_organization_ids(gp) == []
    assert may_read_regional_indicator_rows(regional_analyst) and not may_read_regional_indicator_rows(manager)
    assert indicator_rows_for_user(gp, PathwayFacts.objects.all()).count() == 0
    assert indicator_rows_for_user(regional_analyst, PathwayFacts.objects.all()).count() == 2


def test_a_manager_without_organisation_exports_nothing(client, two_sites):
    """A manager linked to no organisation gets an empty file (never the region's)."""
    from jalon.accounts.models import Role

    client.force_login(UserFactory(role=Role.MANAGER))
    status, content = exported(client)
    assert status == 200 and pseudonyms_in(content) == set()
