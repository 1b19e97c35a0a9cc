"""The demo's data files: the territory's communes exist, and every reference between the files holds."""

from __future__ import annotations

from jalon.demo.datafiles import demo_data
from jalon.demo.directory import territory_communes
from jalon.demo.referrals import demo_sites
from jalon.demo.scheduling import demo_resources
from jalon.directory.communes_data import iter_communes


def test_the_territory_communes_exist_in_department_67():
    """The CPTS territory (Strasbourg first) is made of communes of the bundled file, all in the Bas-Rhin."""
    communes = {row.code: row for row in iter_communes()}
    codes = territory_communes()
    assert codes[0] == "67482" and len(codes) == len(set(codes))
    for code in codes:
        assert communes[code].department == "67", code
        assert communes[code].postal_codes, code


def test_every_reference_between_the_files_holds():
    """Professionals, entry points and resources name organisations and services that the directory declares."""
    directory = demo_data("directory")
    services = {(row["key"], name) for row in directory["organizations"] for name in row.get("services", ())}
    organizations = {row["key"] for row in directory["organizations"]}
    for row in directory["professionals"]:
        assert row["organization"] in organizations
        assert not row.get("service") or (row["organization"], row["service"]) in services, row["key"]
    assert {row["organization"] for row in directory["entry_points"]} <= organizations
    for spec in demo_resources():
        assert not spec.service or (spec.site, spec.service) in services, spec.key
    story = demo_data("referrals")
    assert {group_site for group in story["site_pool"] for group_site in group["sites"]} <= set(demo_sites())
    assert sum(len(group["sites"]) * group["times"] for group in story["site_pool"]) == len(story["plan"]) == 50
