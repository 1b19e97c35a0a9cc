"""The demo's directory, read from data/directory.json: the CPTS and its territory, the hospital and the
clinic with their services, the two entry points, and about thirty professionals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management import call_command
from django.utils.text import slugify

from jalon.core.demo_data import make_finess, make_rpps
from jalon.demo.context import SEED, DemoContext
from jalon.demo.datafiles import demo_data
from jalon.directory.communes_data import iter_communes
from jalon.directory.models import Commune, Membership, Organization, Profession, Professional, Service, Territory
from jalon.patients.models import Sex
from jalon.referrals.models import EntryPoint

GP = "Médecine générale"


@dataclass
class DemoDirectory:
    organizations: dict[str, Organization]
    entry_points: dict[str, EntryPoint]
    professionals: dict[str, Professional]  # by demo key, the demo username for those who have a login

    @property
    def gps(self) -> list[Professional]:
        return [professional for professional in self.professionals.values() if professional.specialty == GP]


def territory_communes() -> tuple[str, ...]:
    """The INSEE codes of the CPTS territory (the north of the Strasbourg metropolitan area), Strasbourg first."""
    return tuple(demo_data("directory")["territory"]["communes"])


def communes_ensure(*, only_needed: bool, stdout) -> None:
    """All the communes (or, for the tests, only those the demo uses) exist."""
    if not only_needed and not Commune.objects.exists():
        call_command("import_communes", stdout=stdout)
    needed = set(territory_communes()) | set(demo_data("directory")["outside_communes"])
    missing = needed - set(Commune.objects.filter(code__in=needed).values_list("code", flat=True))
    Commune.objects.bulk_create(
        Commune(code=row.code, name=row.name, department=row.department, postal_codes=" ".join(row.postal_codes))
        for row in iter_communes()
        if row.code in missing
    )


def directory_create(context: DemoContext) -> DemoDirectory:
    """Create the organisations, their territory, services and entry points, then the professionals."""
    data = demo_data("directory")
    organizations = {row["key"]: _organization(row, context) for row in data["organizations"]}
    territory = _territory(data["territory"], organizations)
    services = {
        (row["key"], name): Service.objects.create(
            organization=organizations[row["key"]], name=name, specialty=name, phone=context.phone()
        )
        for row in data["organizations"]
        for name in row.get("services", ())
    }
    entry_points = {row["key"]: _entry_point(row, organizations, territory, context) for row in data["entry_points"]}
    professionals = _professionals(data["professionals"], organizations, services, context)
    return DemoDirectory(organizations=organizations, entry_points=entry_points, professionals=professionals)


def _organization(row: dict[str, Any], context: DemoContext) -> Organization:
    return Organization.objects.create(
        name=row["name"],
        kind=row["kind"],
        finess=make_finess(row["finess_seed"]) if "finess_seed" in row else None,
        commune_id=row["commune"],
        address=row.get("address", ""),
        phone=context.phone(),
        email=row.get("email", ""),
    )


def _territory(row: dict[str, Any], organizations: dict[str, Organization]) -> Territory:
    territory = Territory.objects.create(organization=organizations[row["organization"]], name=row["name"])
    territory.communes.add(*row["communes"])
    return territory


def _entry_point(row: dict[str, Any], organizations, territory: Territory, context: DemoContext) -> EntryPoint:
    return EntryPoint.objects.create(
        organization=organizations[row["organization"]],
        name=row["name"],
        slug=row["slug"],
        phone=context.phone(),
        email=row.get("email", ""),
        territory=territory,
        answer_delay_amount=row["answer_delay_amount"],
        answer_delay_unit=row["answer_delay_unit"],
    )


def _professionals(rows, organizations, services, context: DemoContext) -> dict[str, Professional]:
    """Each professional with a made-up name (never twice the same) and a membership of their organisation."""
    professionals: dict[str, Professional] = {}
    used_names: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=1):
        first_name, last_name = _unused_name(
            row.get("sex") or context.rng.choice([Sex.FEMALE, Sex.MALE]), used_names, context
        )
        local_part = f"{slugify(first_name)}.{slugify(last_name)}"
        professional = Professional.objects.create(
            rpps=make_rpps(SEED * 100 + number) if row["profession"] != Profession.OTHER else None,
            first_name=first_name,
            last_name=last_name,
            profession=row["profession"],
            specialty=row["specialty"],
            phone=context.phone(),
            email=f"{local_part}@exemple.fr",
            mssante_address=f"{local_part}@exemple.mssante.fr" if row.get("mssante") else "",
            commune_id="67482" if row["organization"] != "cpts" else context.rng.choice(territory_communes()),
        )
        Membership.objects.create(
            professional=professional,
            organization=organizations[row["organization"]],
            service=services.get((row["organization"], row.get("service", ""))),
        )
        professionals[row["key"]] = professional
    return professionals


def _unused_name(sex: str, used_names: set[tuple[str, str]], context: DemoContext) -> tuple[str, str]:
    names = context.names
    while True:
        first_name = names.first_name_female() if sex == Sex.FEMALE else names.first_name_male()
        last_name = names.last_name()
        if (first_name, last_name) not in used_names:
            used_names.add((first_name, last_name))
            return first_name, last_name
