"""A synthetic regional population for the indicators: many pathways over several years, fast.

`RegionalPopulation.run()` writes, in batches of plain rows (`TableWriter`: `executemany` on SQLite, COPY
on PostgreSQL), everything the indicators read:
its own hospital sites (« Site synthétique N », each with an entry point and the territory of a CPTS,
so that "GPs of the territory" is measurable), about 2,000 referring professionals, patients with a
valid INS, referrals received over `years` years with a monthly volume that grows and has seasons
(fewer in August), most of them accepted into a pathway on the current version of the shipped
templates, the others declined, redirected or still waiting; imaging done before the referral;
every milestone of the branch taken, with its due date and, once done, its `milestone.recorded`
event (and, for a few entered at a wrong date, `milestone.corrected`); appointments on the sites'
resources (some on reserved or urgent slots), with their `appointment.booked` and `.cancelled` events,
and the reserved slots released unused; and finally the indicators' facts of every generated pathway.

Delays are drawn around each step's target (log-normal, the target as a typical value, a tail of
late ones; slower in summer and at some sites, a little faster each year). Due dates follow the
pathway engine's rule (the step's delay from its reference step's done time, through the working-
time calendar), computed once from the drawn times rather than step by step as `recompute_due_dates`
would. Recent pathways are still open with pending steps; a few older ones stalled.

Synthetic data for measuring only: the patients are invented, the sites are separate organisations
nobody coordinates (so no real worklist shows them), and nothing is sent to anyone. Deterministic for
a given seed and clock; run twice, it adds a second population beside the first (references
`SYN-<seed>-<run>-NNNNNN`, entry points `synthetique-<seed>-<run>-N`).
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from jalon.accounts.models import Role, User
from jalon.core.identifiers import ins_with_valid_key, luhn_check_digit
from jalon.core.vocabulary import ResourceKind
from jalon.core.workcalendar import PARIS, add_delay
from jalon.directory.communes_data import iter_communes
from jalon.directory.models import Commune, Organization, OrganizationKind, Profession, Professional, Territory
from jalon.events.kinds import event_kind
from jalon.events.models import Event
from jalon.indicators.facts import pathway_facts_rebuild
from jalon.pathways.models import (
    Branch,
    Milestone,
    MilestoneStatus,
    MilestoneTemplate,
    Outcome,
    Pathway,
    PathwayStatus,
    PathwayTemplate,
)
from jalon.patients.models import CareTeamMember, CareTeamRole, IdentityStatus, Patient, Sex
from jalon.referrals.models import Channel, CompletenessRuleSet, EntryPoint, ExamDone, ExamKind, Referral, Status
from jalon.scheduling.models import Appointment, AppointmentStatus, Resource, Slot, SlotRelease

# --- The shape of the population ------------------------------------------------------------------

TEMPLATE_WEIGHTS = {
    "lung": 24,
    "digestive": 20,
    "breast": 18,
    "pancreas_biliary": 8,
    "generic": 8,
    "lymphoma": 7,
    "liver": 5,
    "thyroid": 5,
    "glioblastoma": 5,
}
SUSPECTED_SITE = {
    "lung": ("lung",),
    "digestive": ("colorectal", "colorectal", "oesogastric"),
    "breast": ("breast",),
    "pancreas_biliary": ("pancreas_biliary",),
    "liver": ("liver",),
    "lymphoma": ("lymphoma",),
    "thyroid": ("thyroid",),
    "glioblastoma": ("brain",),
    "generic": ("gynaecological", "urological", "head_neck", "skin", "unknown_primary"),
}
IMAGING_BEFORE = {
    "lung": (ExamKind.CT, ExamKind.XRAY),
    "digestive": (ExamKind.CT,),
    "breast": (ExamKind.MAMMOGRAPHY, ExamKind.ULTRASOUND),
    "pancreas_biliary": (ExamKind.CT, ExamKind.ULTRASOUND),
    "liver": (ExamKind.ULTRASOUND, ExamKind.CT),
    "lymphoma": (ExamKind.CT, ExamKind.ULTRASOUND),
    "thyroid": (ExamKind.ULTRASOUND,),
    "glioblastoma": (ExamKind.MRI, ExamKind.CT),
    "generic": (ExamKind.CT, ExamKind.ULTRASOUND, ExamKind.MRI),
}
MALIGNANT_SHARE = 0.6
PRIORITIES = (("P1", 0.15), ("P2", 0.5), ("P3", 0.35))
PRIORITY_PACE = {"P1": 0.75, "P2": 1.0, "P3": 1.15}
# Fate of a referral that does not open a pathway (accepted ones are counted to reach --pathways).
OTHER_FATES = ((Status.DECLINED, 0.45), (Status.REDIRECTED, 0.4), (Status.AWAITING_COMPLEMENT, 0.15))
OTHER_REFERRAL_SHARE = 0.16  # referrals without a pathway, per pathway
RECENT_UNANSWERED = timedelta(days=2)  # referrals received this recently may still be waiting
# Referrals per month: seasons (summer and Christmas dips) and a growth of the service over the years.
SEASON = {1: 1.0, 2: 1.03, 3: 1.08, 4: 1.0, 5: 0.96, 6: 0.98, 7: 0.84, 8: 0.68, 9: 1.05, 10: 1.08, 11: 1.06, 12: 0.86}
GROWTH_PER_YEAR = 0.10
# Pace of the steps (a factor on every delay): slower in summer, faster as the pathway matures.
SUMMER_PACE = {7: 1.12, 8: 1.3, 12: 1.1}
IMPROVEMENT_PER_YEAR = 0.07
# How long a step takes, as a share of its target delay: log-normal median, and the tail of late ones.
STEP_PACE = {
    "first_contact": 0.45,
    "reception": 0.8,
    "imaging": 0.35,
    "biopsy": 1.3,
    "pathology_preliminary": 0.9,
    "pathology_final": 0.95,
    "tumour_board": 0.9,
    "announcement": 0.6,
    "anaesthesia": 0.7,
    "treatment_start": 0.95,
    "return_to_gp": 1.0,
}
PACE_SIGMA = 0.5
LATE_SHARE, LATE_FACTOR = 0.1, (1.5, 4.0)
NO_TARGET_DAYS = 6.0  # typical delay of a step without target (palliative assessment), from its reference
# Optional steps: how often they are done (else « sans objet »).
OPTIONAL_DONE = {
    "pet_ct": 0.75,
    "eus_biopsy": 0.6,
    "endoscopy": 0.85,
    "pathology_preliminary": 0.9,
    "anaesthesia": 0.7,
    "biopsy_adequacy": 0.7,
    "laryngoscopy": 0.5,
    "neurosurgery": 0.6,
    "palliative_assessment": 0.6,
    "biopsy": 0.8,
    "pathology_final": 0.85,
}
RESULTS_AFTER = {"pathology_final": ("pathology_preliminary",)}  # the final report never precedes the preliminary one
STALLED_SHARE = 0.015  # pathways that stop at some step and stay open (lost to follow-up)
OUTCOME_AFTER_DAYS = 0.6  # the outcome is recorded about this long after the pathology report
CLOSE_AFTER_TREATMENT_DAYS = (0.5, 10.0)
# Scheduling: each site's resources; which share of bookings use a reserved (or, for P1, urgent) slot
# before its release; how many reserved slots go unused per used one; cancelled bookings.
SITE_RESOURCES = (
    (ResourceKind.CONSULTATION, 2),
    (ResourceKind.CT, 1),
    (ResourceKind.MRI, 1),
    (ResourceKind.PET_CT, 1),
    (ResourceKind.ENDOSCOPY, 1),
    (ResourceKind.BIOPSY, 1),
    (ResourceKind.ANAESTHESIA, 1),
)
SLOT_MINUTES = {ResourceKind.PET_CT: 60, ResourceKind.ENDOSCOPY: 60, ResourceKind.BIOPSY: 60}
RESERVED_SHARE, URGENT_SHARE_P1 = 0.35, 0.5
UNUSED_RESERVED_PER_USED = 0.45
CANCELLED_SHARE = 0.03
CORRECTED_SHARE = 0.04  # done milestones first entered at a wrong date, then corrected
RELEASE_HOURS = {False: 48, True: 24}  # reserved: 48 h before the slot; urgent: 24 h
# Referring professionals.
PROFESSIONALS = 2000
PROFESSIONAL_MIX = (  # profession, specialty, share
    (Profession.PHYSICIAN, "Médecine générale", 0.82),
    (Profession.PHYSICIAN, "", 0.09),  # specialists: the specialty is drawn from SPECIALTIES
    (Profession.NURSE, "", 0.05),
    (Profession.PHARMACIST, "", 0.02),
    (Profession.OTHER, "", 0.02),
)
SPECIALTIES = (
    "Pneumologie",
    "Hépato-gastro-entérologie",
    "Gynécologie",
    "Dermatologie",
    "ORL",
    "Radiologie",
    "Urologie",
)
GPS_INSIDE_TERRITORY = 0.75
TERRITORY_COMMUNES, OUTSIDE_COMMUNES = 12, 30
COMMUNE_DEPARTMENTS = ("68", "57", "88", "54", "55", "52", "10", "51")
CHANNELS = ((Channel.WEB, 0.55), (Channel.PHONE, 0.25), (Channel.MAIL, 0.12), (Channel.API, 0.08))
RPPS_PREFIX = "18"  # synthetic RPPS: 18 + 8 digits + Luhn key, a range the factories never reach

LAST_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Roche",
    "Renard",
    "Schmitt",
    "Roy",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
    "Picard",
    "Roger",
    "Fabre",
    "Aubert",
    "Lemoine",
    "Renaud",
    "Dumas",
    "Lacroix",
    "Olivier",
    "Bourgeois",
    "Benoît",
    "Rey",
    "Leclerc",
    "Rolland",
    "Guillaume",
    "Lecomte",
    "Dupuy",
    "Hubert",
    "Berger",
    "Carpentier",
    "Dupuis",
    "Moulin",
    "Deschamps",
    "Huet",
    "Vasseur",
    "Boucher",
    "Fleury",
    "Royer",
    "Klein",
    "Jacquet",
    "Adam",
    "Poirier",
    "Marty",
    "Aubry",
    "Guyot",
    "Carré",
    "Renault",
    "Charpentier",
    "Ménard",
    "Maillard",
    "Baron",
    "Bertin",
    "Bailly",
    "Hervé",
    "Schneider",
    "Collet",
    "Léger",
    "Bouvier",
    "Julien",
    "Prévost",
    "Millet",
    "Perrot",
    "Cousin",
    "Germain",
    "Breton",
    "Besson",
    "Langlois",
    "Rémy",
    "Pelletier",
    "Lévêque",
    "Perrier",
    "Leblanc",
    "Barré",
    "Lebrun",
    "Marchal",
    "Weber",
    "Mallet",
    "Hamon",
    "Boulanger",
    "Jacob",
    "Monnier",
    "Michaud",
    "Guichard",
    "Gillet",
    "Étienne",
    "Poulain",
    "Tessier",
    "Chauvin",
    "Bouchet",
    "Gay",
    "Humbert",
    "Reynaud",
    "Antoine",
    "Perret",
    "Cordier",
    "Pichon",
    "Lejeune",
    "Gilbert",
    "Lamy",
    "Delaunay",
    "Pasquier",
    "Carlier",
    "Laporte",
    "Wagner",
    "Hoffmann",
    "Becker",
    "Koch",
    "Zimmermann",
    "Schwartz",
    "Kieffer",
    "Huber",
    "Fischer",
    "Keller",
    "Wolff",
    "Walter",
    "Burger",
    "Ernst",
    "Bauer",
    "Koenig",
]
FEMALE_FIRST = [
    "Marie",
    "Jeanne",
    "Françoise",
    "Monique",
    "Catherine",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Anne",
    "Martine",
    "Christine",
    "Sophie",
    "Valérie",
    "Sandrine",
    "Stéphanie",
    "Céline",
    "Véronique",
    "Chantal",
    "Nicole",
    "Brigitte",
    "Hélène",
    "Odile",
    "Élisabeth",
    "Aurélie",
    "Julie",
    "Camille",
    "Claire",
    "Émilie",
    "Laure",
    "Mathilde",
    "Léa",
    "Chloé",
    "Manon",
    "Inès",
    "Louise",
    "Alice",
    "Lucie",
    "Agnès",
    "Geneviève",
    "Danielle",
]
MALE_FIRST = [
    "Jean",
    "Pierre",
    "Michel",
    "André",
    "Philippe",
    "René",
    "Louis",
    "Alain",
    "Jacques",
    "Bernard",
    "Marcel",
    "Daniel",
    "Roger",
    "Claude",
    "Paul",
    "Henri",
    "Christian",
    "Nicolas",
    "Christophe",
    "Patrick",
    "Thierry",
    "Éric",
    "Laurent",
    "Frédéric",
    "Olivier",
    "Stéphane",
    "Julien",
    "Sébastien",
    "David",
    "Antoine",
    "Thomas",
    "Hugo",
    "Lucas",
    "Mathieu",
    "François",
    "Guillaume",
    "Yves",
    "Gérard",
    "Robert",
    "Joseph",
]
DECLINE_REASONS = (
    "Suspicion non confirmée après avis du médecin coordinateur.",
    "Patient déjà suivi dans un autre établissement.",
)
REDIRECTIONS = (
    "Centre de lutte contre le cancer de la région",
    "Service d'hématologie du CHU",
    "Consultation de dermatologie de ville",
)

MINUTE, QUARTER = timedelta(minutes=1), timedelta(minutes=15)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class StepSpec:
    """A MilestoneTemplate row, read once per template version."""

    pk: int
    code: str
    label: str
    order: int
    branch: str
    required: bool
    depends_on: tuple[str, ...]
    reference_code: str
    target_amount: int | None
    target_unit: str
    resource_kind: str
    same_day_group: str


@dataclass
class Site:
    index: int
    organization: Organization
    entry_point: EntryPoint
    department: str
    territory_codes: list[str]
    resources: dict[str, list[Resource]]
    pace: float


@dataclass
class Plan:
    """What one referral becomes, drawn before anything is written."""

    received_at: datetime
    site: int
    fate: str  # "pathway" or a referral Status


def _sqlite_datetime(value: datetime | None) -> str | None:
    """What Django stores in SQLite for an aware datetime: the UTC wall time, without offset."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return str(value)[:-6]


TABLES = (Patient, Referral, Pathway, Milestone, Slot, Appointment, SlotRelease, Event, ExamDone, CareTeamMember)
"""The tables written row by row, parents first."""


class TableWriter:
    """Plain rows into one model's table (`executemany`, COPY on PostgreSQL): the big tables (milestones, events, slots,
    appointments, releases) skip model instances, which would cost most of the run. Ids are handed out
    here from the table's maximum, so nothing else may write these tables during the run; every column
    gets its field's default unless the row names it, and values are adapted as Django would."""

    def __init__(self, model):
        self.model = model
        self.fields = model._meta.concrete_fields
        self.names = [f.attname for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        sqlite = connection.vendor == "sqlite"
        self.adapters = [self._adapter(f, sqlite) for f in self.fields]
        quote = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in self.fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        self.copy_sql = (
            f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in self.fields)}) FROM STDIN"
        )
        self.last_id = model.objects.aggregate(m=Max("pk"))["m"] or 0

    @staticmethod
    def _adapter(field, sqlite: bool):
        kind = field.get_internal_type()
        if kind == "JSONField":
            return lambda value: connection.ops.adapt_json_value(value, field.encoder)
        if not sqlite:
            return None
        if kind == "DateTimeField":
            return _sqlite_datetime
        if kind == "DateField":
            return lambda value: None if value is None else value.isoformat()
        if kind == "UUIDField":
            return lambda value: None if value is None else value.hex
        return None

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def insert(self, rows: list[dict]) -> None:
        if not rows:
            return
        pairs = [(name, self.defaults[name]) for name in self.names]
        adapted = [(index, adapt) for index, adapt in enumerate(self.adapters) if adapt is not None]
        values = []
        for row in rows:
            raw = [row.get(name, default) for name, default in pairs]
            for index, adapt in adapted:
                raw[index] = adapt(raw[index])
            values.append(raw)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: one stream instead of a statement per row
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for value in values:
                        copy.write_row(value)
                return
            for offset in range(0, len(values), 5000):
                cursor.executemany(self.sql, values[offset : offset + 5000])

    def reset_sequence(self) -> None:
        """PostgreSQL hands out the next ids from its sequence: move it past the ids given here."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(sql)


class RegionalPopulation:
    """Generate the population; `run()` returns the counts of what it wrote."""

    def __init__(
        self,
        *,
        pathways: int = 100_000,
        years: int = 3,
        sites: int = 5,
        seed: int = 1,
        batch: int = 2000,
        now: datetime | None = None,
        log: Callable[[str], None] = print,
    ):
        if pathways < 1 or years < 1 or sites < 1 or batch < 1:
            raise ValueError("pathways, years, sites and batch must be positive")
        if not 0 <= seed < 100_000:
            raise ValueError("seed must be between 0 and 99,999 (it is part of the 20-character references)")
        self.pathway_count, self.years, self.site_count, self.seed, self.batch = pathways, years, sites, seed, batch
        self.now = now or timezone.now()
        self.log = log
        self.rng = random.Random(seed)
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.pathway_ids: list[int] = []

    # --- public -----------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        started = time.perf_counter()
        self._stage("setup", self._setup)
        plans = self._stage("plan", self._plan)
        self._stage("write", lambda: self._write(plans))
        self._stage(
            "facts", lambda: self.counts.__setitem__("facts", pathway_facts_rebuild(pathway_ids=self.pathway_ids))
        )
        self.timings["total"] = round(time.perf_counter() - started, 1)
        self.log(f"total: {self.timings['total']} s")
        return self.counts

    def _stage(self, name: str, work: Callable):
        started = time.perf_counter()
        result = work()
        self.timings[name] = round(time.perf_counter() - started, 1)
        self.log(f"{name}: {self.timings[name]} s")
        return result

    # --- fixed part: communes, sites, resources, professionals ----------------------------------

    def _setup(self) -> None:
        self.run_number = self._next_run_number()
        self.prefix = f"SYN-{self.seed}-{self.run_number}-"
        suffix = f" ({self.run_number})" if self.run_number > 1 else ""
        communes = self._communes()
        outside = communes[self.site_count * TERRITORY_COMMUNES :][:OUTSIDE_COMMUNES]
        self.user = User(
            username=f"synthetique.{self.seed}.{self.run_number}",
            role=Role.COORDINATOR,
            is_active=False,
            first_name="Population",
            last_name="synthétique",
        )
        self.user.set_unusable_password()
        self.user.save()
        self.rule_set_id = (
            CompletenessRuleSet.objects.filter(published_at__isnull=False)
            .order_by("-version")
            .values_list("pk", flat=True)
            .first()
        )
        self.sites: list[Site] = []
        for number in range(1, self.site_count + 1):
            territory_codes = [
                code for code, _dept in communes[(number - 1) * TERRITORY_COMMUNES : number * TERRITORY_COMMUNES]
            ]
            main_commune, department = communes[(number - 1) * TERRITORY_COMMUNES]
            cpts = Organization.objects.create(
                name=f"CPTS synthétique {number}{suffix}", kind=OrganizationKind.CPTS, commune_id=main_commune
            )
            territory = Territory.objects.create(organization=cpts, name=f"Territoire synthétique {number}{suffix}")
            territory.communes.add(*territory_codes)
            hospital = Organization.objects.create(
                name=f"Site synthétique {number}{suffix}", kind=OrganizationKind.HOSPITAL, commune_id=main_commune
            )
            entry_point = EntryPoint.objects.create(
                organization=hospital,
                name=f"Guichet cancer – Site synthétique {number}{suffix}",
                slug=f"synthetique-{self.seed}-{self.run_number}-{number}",
                territory=territory,
                is_active=False,  # measuring only: nobody coordinates it, so no referral may be filed to it
            )
            resources = {}
            for kind, count in SITE_RESOURCES:
                resources[kind] = [
                    Resource.objects.create(
                        organization=hospital, kind=kind, name=f"{ResourceKind(kind).label} {index + 1} – site {number}"
                    )
                    for index in range(count)
                ]
            self.sites.append(
                Site(
                    index=number - 1,
                    organization=hospital,
                    entry_point=entry_point,
                    department=department,
                    territory_codes=territory_codes,
                    resources=resources,
                    pace=self.rng.uniform(0.85, 1.2),
                )
            )
        self._professionals([code for code, _dept in outside] or self.sites[0].territory_codes)
        self._templates()
        self.slot_taken: set[tuple[int, int]] = set()
        self.patient_seq = 0
        self.counts.update(sites=self.site_count, professionals=len(self.professionals))

    def _next_run_number(self) -> int:
        slugs = EntryPoint.objects.filter(slug__startswith=f"synthetique-{self.seed}-").values_list("slug", flat=True)
        runs = [int(slug.split("-")[2]) for slug in slugs if slug.count("-") == 3 and slug.split("-")[2].isdigit()]
        return max(runs, default=0) + 1

    def _communes(self) -> list[tuple[str, str]]:
        """Real communes (code, department) of a few departments, created when the table lacks them."""
        wanted = self.site_count * TERRITORY_COMMUNES + OUTSIDE_COMMUNES
        rows = sorted(
            (row for row in iter_communes() if row.department in COMMUNE_DEPARTMENTS),
            key=lambda row: (COMMUNE_DEPARTMENTS.index(row.department), row.code),
        )
        if len(rows) < wanted:
            raise ValueError(f"at most {(len(rows) - OUTSIDE_COMMUNES) // TERRITORY_COMMUNES} synthetic sites")
        rows = rows[:wanted]
        Commune.objects.bulk_create(
            [
                Commune(
                    code=row.code, name=row.name, department=row.department, postal_codes=" ".join(row.postal_codes)
                )
                for row in rows
            ],
            ignore_conflicts=True,
        )
        return [(row.code, row.department) for row in rows]

    def _professionals(self, outside_codes: list[str]) -> None:
        rng = self.rng
        taken = set(Professional.objects.filter(rpps__startswith=RPPS_PREFIX).values_list("rpps", flat=True))
        number = 0
        rows, homes = [], []
        mix = [(profession, specialty) for profession, specialty, _share in PROFESSIONAL_MIX]
        shares = [share for _p, _s, share in PROFESSIONAL_MIX]
        for index in range(PROFESSIONALS):
            while True:
                number += 1
                partial = f"{RPPS_PREFIX}{number:08d}"
                rpps = partial + luhn_check_digit(partial)
                if rpps not in taken:
                    break
            profession, specialty = rng.choices(mix, shares)[0] if index >= self.site_count else mix[0]
            if profession == Profession.PHYSICIAN and not specialty:
                specialty = rng.choice(SPECIALTIES)
            gp = specialty == "Médecine générale"
            home = index % self.site_count
            inside = not gp or rng.random() < GPS_INSIDE_TERRITORY
            commune = rng.choice(self.sites[home].territory_codes) if inside else rng.choice(outside_codes)
            female = rng.random() < 0.55
            rows.append(
                Professional(
                    rpps=rpps,
                    last_name=rng.choice(LAST_NAMES),
                    first_name=rng.choice(FEMALE_FIRST if female else MALE_FIRST),
                    profession=profession,
                    specialty=specialty,
                    commune_id=commune,
                )
            )
            homes.append(home)
        Professional.objects.bulk_create(rows, batch_size=1000)
        # Each site's referrers: its own professionals, a few very active ones (Pareto-like weights).
        self.professionals = [
            (row.pk, row.profession, row.specialty == "Médecine générale", home)
            for row, home in zip(rows, homes, strict=True)
        ]
        self.referrers_by_site: list[tuple[list[int], list[float]]] = []
        for site_index in range(self.site_count):
            mine = [pk for pk, _profession, _gp, home in self.professionals if home == site_index]
            weights = [rng.paretovariate(1.6) for _pk in mine]
            self.referrers_by_site.append((mine, weights))
        self.all_referrers = [pk for pk, *_rest in self.professionals]
        self.gp_ids_by_site = [
            [pk for pk, _p, gp, home in self.professionals if gp and home == s] for s in range(self.site_count)
        ]

    def _templates(self) -> None:
        """The current published version of each shipped template, and its steps."""
        self.versions: dict[str, tuple[int, int, list[StepSpec]]] = {}
        for template in PathwayTemplate.objects.all():
            version = template.current_version()
            if version is None or template.kind not in TEMPLATE_WEIGHTS:
                continue
            steps = [
                StepSpec(
                    pk=step.pk,
                    code=step.code,
                    label=step.label,
                    order=step.order,
                    branch=step.branch,
                    required=step.required,
                    depends_on=tuple(step.depends_on or ()),
                    reference_code=step.reference_code,
                    target_amount=step.target_amount,
                    target_unit=step.target_unit,
                    resource_kind=step.resource_kind,
                    same_day_group=step.same_day_group,
                )
                for step in MilestoneTemplate.objects.filter(template_version=version).order_by("order")
            ]
            self.versions[template.kind] = (version.pk, version.version, steps)
        if not self.versions:
            raise ValueError("no published pathway template: run the migrations first")
        self.kinds = [kind for kind in TEMPLATE_WEIGHTS if kind in self.versions]
        self.kind_weights = [TEMPLATE_WEIGHTS[kind] for kind in self.kinds]

    # --- when referrals arrive and what they become ------------------------------------------------

    def _plan(self) -> list[Plan]:
        rng = self.rng
        local_now = timezone.localtime(self.now, PARIS)
        months = []
        year, month = local_now.year, local_now.month
        for _index in range(self.years * 12):
            months.append(date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.reverse()
        weights = []
        for index, first in enumerate(months):
            end = (first + timedelta(days=32)).replace(day=1)
            days = (end - first).days
            elapsed = days if end <= local_now.date() else (local_now.date() - first).days + local_now.hour / 24
            weights.append(SEASON[first.month] * (1 + GROWTH_PER_YEAR * index / 12) * max(elapsed, 0) / 30)
        others = round(self.pathway_count * OTHER_REFERRAL_SHARE)
        total = self.pathway_count + others
        site_weights = [1.0 + 0.5 * (self.site_count - index) / self.site_count for index in range(self.site_count)]
        fates = ["pathway"] * self.pathway_count + [
            rng.choices([fate for fate, _w in OTHER_FATES], [w for _f, w in OTHER_FATES])[0] for _index in range(others)
        ]
        rng.shuffle(fates)
        plans = []
        for fate, first in zip(fates, rng.choices(months, weights, k=total), strict=True):
            received = self._moment_in(first, local_now)
            if fate != "pathway" and self.now - received < RECENT_UNANSWERED and rng.random() < 0.6:
                fate = Status.RECEIVED
            plans.append(
                Plan(received_at=received, site=rng.choices(range(self.site_count), site_weights)[0], fate=fate)
            )
        plans.sort(key=lambda plan: plan.received_at)
        self.counts["referrals"] = len(plans)
        return plans

    def _moment_in(self, first: date, local_now: datetime) -> datetime:
        """A working-day moment of that month (weekends rarer), never after now."""
        rng = self.rng
        end = (first + timedelta(days=32)).replace(day=1)
        for _attempt in range(20):
            day = first + timedelta(days=rng.randrange((end - first).days))
            if day.weekday() >= 5 and rng.random() < 0.85:
                continue
            moment = datetime(
                day.year, day.month, day.day, rng.randint(8, 18), rng.randrange(60), tzinfo=PARIS
            ).astimezone(UTC)
            if moment < self.now - MINUTE:
                return moment
        return self.now - timedelta(minutes=rng.randint(5, 600))

    # --- writing, batch by batch ---------------------------------------------------------------------

    def _write(self, plans: list[Plan]) -> None:
        last_number = self._last_reference_number()
        self.tables = {model: TableWriter(model) for model in TABLES}
        totals = dict.fromkeys(
            (
                "patients",
                "pathways",
                "milestones",
                "milestones_done",
                "events",
                "milestone_events",
                "appointment_events",
                "pathway_events",
                "exams",
                "slots",
                "appointments",
                "slot_releases",
                "open_pathways",
                "referrals_without_pathway",
            ),
            0,
        )
        for offset in range(0, len(plans), self.batch):
            with transaction.atomic():
                written = self._write_batch(plans[offset : offset + self.batch], last_number + offset)
            for key, value in written.items():
                totals[key] += value
            done = min(offset + self.batch, len(plans))
            if done == len(plans) or (offset // self.batch) % 10 == 9:
                self.log(f"  {done:,} / {len(plans):,} referrals written")
        for table in self.tables.values():
            table.reset_sequence()
        self.counts.update(totals)

    def _last_reference_number(self) -> int:
        references = Referral.objects.filter(reference__startswith=self.prefix).values_list("reference", flat=True)
        return max((int(reference.rsplit("-", 1)[1]) for reference in references), default=0)

    def _write_batch(self, plans: list[Plan], first_number: int) -> dict[str, int]:
        rng, tables = self.rng, self.tables
        rows = {model: [] for model in TABLES}
        milestone_events = appointment_events = progress_events = done_count = open_count = without_pathway = 0
        previous_patient, members = None, set()
        for number, plan in enumerate(plans, start=first_number + 1):
            site = self.sites[plan.site]
            if previous_patient is not None and rng.random() < 0.03:
                patient = previous_patient  # referred again (a second suspicion, or after a decline)
            else:
                patient = self._patient(site)
                rows[Patient].append(patient)
            previous_patient = patient
            referrer_ids, weights = self.referrers_by_site[plan.site]
            referrer_id = (
                rng.choices(referrer_ids, weights)[0] if rng.random() < 0.92 else rng.choice(self.all_referrers)
            )
            kind = rng.choices(self.kinds, self.kind_weights)[0]
            referral = self._referral(number, plan, site, patient, referrer_id, kind)
            rows[Referral].append(referral)
            if (patient["id"], referrer_id) not in members:  # one active row per member and role
                members.add((patient["id"], referrer_id))
                rows[CareTeamMember].append(
                    {
                        "id": tables[CareTeamMember].new_id(),
                        "patient_id": patient["id"],
                        "professional_id": referrer_id,
                        "role": CareTeamRole.REFERRER,
                        "since": plan.received_at,
                        "reason": referral["reference"],
                    }
                )
            events = rows[Event]
            events.append(
                self._event(
                    "referral.submitted",
                    referral,
                    plan.received_at,
                    {
                        "channel": referral["channel"],
                        "missing_items": referral["missing_items"],
                        "outside_territory": referral["outside_territory"],
                    },
                )
            )
            if rng.random() < 0.85:
                days_before = min(int(rng.gammavariate(2.0, 4.0)), 60)
                rows[ExamDone].append(
                    {
                        "id": tables[ExamDone].new_id(),
                        "referral_id": referral["id"],
                        "kind": rng.choice(IMAGING_BEFORE[kind]),
                        "done_on": timezone.localtime(plan.received_at, PARIS).date() - timedelta(days=days_before),
                        "place": "Cabinet d'imagerie",
                        "summary": "Image suspecte.",
                        "added_at": plan.received_at,
                    }
                )
            if plan.fate != "pathway":
                without_pathway += 1
                if plan.fate != Status.RECEIVED:
                    kind_of_event = {
                        Status.DECLINED: "referral.declined",
                        Status.REDIRECTED: "referral.redirected",
                        Status.AWAITING_COMPLEMENT: "referral.complement_requested",
                    }[plan.fate]
                    events.append(
                        self._event(
                            kind_of_event,
                            referral,
                            referral["answered_at"],
                            {"from": Status.RECEIVED, "to": plan.fate, "reason": referral["status_reason"]},
                        )
                    )
                continue
            pathway, milestones, pathway_events, bookings = self._pathway(referral, site, kind)
            rows[Pathway].append(pathway)
            rows[Milestone].extend(milestones)
            events.extend(pathway_events)
            done_count += sum(row["status"] == MilestoneStatus.DONE for row in milestones)
            milestone_events += sum(event["kind"].startswith("milestone.") for event in pathway_events)
            appointment_events += sum(event["kind"].startswith("appointment.") for event in pathway_events)
            progress_events += sum(event["kind"].startswith(("milestone.", "pathway.")) for event in pathway_events)
            open_count += pathway["status"] == PathwayStatus.ACTIVE
            for slot, appointment, release in bookings:
                rows[Slot].append(slot)
                if appointment is not None:
                    rows[Appointment].append(appointment)
                if release is not None:
                    rows[SlotRelease].append(release)
        self._unique_ins(rows[Patient])
        for model in TABLES:  # parents first
            tables[model].insert(rows[model])
        self.pathway_ids.extend(pathway["id"] for pathway in rows[Pathway])
        return {
            "patients": len(rows[Patient]),
            "pathways": len(rows[Pathway]),
            "milestones": len(rows[Milestone]),
            "milestones_done": done_count,
            "events": len(rows[Event]),
            "milestone_events": milestone_events,
            "appointment_events": appointment_events,
            "pathway_events": progress_events,
            "exams": len(rows[ExamDone]),
            "slots": len(rows[Slot]),
            "appointments": len(rows[Appointment]),
            "slot_releases": len(rows[SlotRelease]),
            "open_pathways": open_count,
            "referrals_without_pathway": without_pathway,
        }

    # --- one patient, one referral ---------------------------------------------------------------

    def _patient(self, site: Site) -> dict:
        rng = self.rng
        sex = Sex.FEMALE if rng.random() < 0.52 else Sex.MALE
        birth_date = date(1930, 1, 1) + timedelta(days=rng.randrange(62 * 365))
        first_names = rng.choice(FEMALE_FIRST if sex == Sex.FEMALE else MALE_FIRST)
        if rng.random() < 0.3:
            first_names += " " + rng.choice(FEMALE_FIRST if sex == Sex.FEMALE else MALE_FIRST)
        birth_name = rng.choice(LAST_NAMES)
        self.patient_seq += 1
        commune = (
            rng.choice(site.territory_codes)
            if rng.random() < 0.9
            else rng.choice(self.sites[rng.randrange(self.site_count)].territory_codes)
        )
        gps = self.gp_ids_by_site[site.index]
        return {
            "id": self.tables[Patient].new_id(),
            "ins": self._ins(sex, birth_date),
            "birth_name": birth_name,
            "first_names": first_names,
            "sex": sex,
            "birth_date": birth_date,
            "identity_status": rng.choice(
                (
                    IdentityStatus.QUALIFIED,
                    IdentityStatus.QUALIFIED,
                    IdentityStatus.VALIDATED,
                    IdentityStatus.PROVISIONAL,
                )
            ),
            "commune_id": commune,
            "identity_key": Patient.make_identity_key(birth_name, first_names, birth_date),
            "gp_id": rng.choice(gps) if gps and rng.random() < 0.7 else None,
            "created_at": self.now,
        }

    def _ins(self, sex: str, birth_date: date) -> str:
        """A valid INS (key included) born abroad (department 99), unique within a run: the seed, the run and
        a sequence are spread over the country and order digits; `_unique_ins` avoids existing rows."""
        sequence = (self.seed * 7919 + self.run_number * 104_729 + self.patient_seq) % 998_001
        country, order = divmod(sequence, 999)
        return ins_with_valid_key(f"{1 if sex == Sex.MALE else 2}{birth_date:%y%m}99{country + 1:03d}{order + 1:03d}")

    def _referral(self, number: int, plan: Plan, site: Site, patient: dict, referrer_id: int, kind: str) -> dict:
        rng = self.rng
        received = plan.received_at
        answered = None
        if plan.fate != Status.RECEIVED:
            answered = min(self._daytime(received + timedelta(hours=rng.gammavariate(2.0, 6.0))), self.now - MINUTE)
            answered = max(answered, received + MINUTE)
        pathway = plan.fate == "pathway"
        return {
            "id": self.tables[Referral].new_id(),
            "reference": f"{self.prefix}{number:06d}",
            "entry_point_id": site.entry_point.pk,
            "channel": rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0],
            "patient_id": patient["id"],
            "referrer_id": referrer_id,
            "gp_id": patient["gp_id"],
            "suspected_site": rng.choice(SUSPECTED_SITE[kind]),
            "clinical_reason": "Suspicion de cancer (population synthétique).",
            "first_symptoms_date": timezone.localtime(received, PARIS).date() - timedelta(days=rng.randint(10, 120)),
            "declared_urgency": rng.choices(("routine", "urgent", "very_urgent"), (0.55, 0.35, 0.1))[0],
            "question": "diagnosis",
            "patient_informed": True,
            "status": Status.ACCEPTED if pathway else plan.fate,
            "received_at": received,
            "answer_deadline": add_delay(received, 48, "working_hours", department=site.department),
            "answered_at": answered,
            "missing_items": ["document"] if plan.fate == Status.AWAITING_COMPLEMENT else [],
            "completeness_rule_set_id": self.rule_set_id,
            "is_complete": plan.fate != Status.AWAITING_COMPLEMENT,
            "outside_territory": patient["commune_id"] not in site.territory_codes,
            "pathway_kind": kind if pathway else "",
            "priority": rng.choices([p for p, _w in PRIORITIES], [w for _p, w in PRIORITIES])[0] if pathway else "",
            "redirected_to": rng.choice(REDIRECTIONS) if plan.fate == Status.REDIRECTED else "",
            "status_reason": rng.choice(DECLINE_REASONS) if plan.fate == Status.DECLINED else "",
            "created_by_id": self.user.pk,
            "updated_at": answered or received,
        }

    def _event(self, kind: str, referral: dict, at: datetime, payload: dict) -> dict:
        event_kind(kind)  # the same refusal of an undeclared kind as event_record, for rows written in bulk
        return {
            "id": self.tables[Event].new_id(),
            "kind": kind,
            "occurred_at": at,
            "recorded_at": at,
            "actor_id": self.user.pk,
            "patient_id": referral["patient_id"],
            "referral_id": referral["id"],
            "payload": payload,
        }

    def _pace(self, referral: Referral, site: Site) -> float:
        local = timezone.localtime(referral["received_at"], PARIS)
        years_in = (self.now - referral["received_at"]).days / 365.25
        maturity = 1 - IMPROVEMENT_PER_YEAR * (self.years - years_in)
        return PRIORITY_PACE[referral["priority"]] * SUMMER_PACE.get(local.month, 1.0) * site.pace * max(maturity, 0.6)

    def _draw(self, code: str, start: datetime, due: datetime | None, pace: float) -> datetime:
        rng = self.rng
        factor = rng.lognormvariate(math.log(STEP_PACE.get(code, 0.85) * pace), PACE_SIGMA)
        if rng.random() < LATE_SHARE:
            factor *= rng.uniform(*LATE_FACTOR)
        span = (due - start) if due is not None and due > start else timedelta(days=NO_TARGET_DAYS)
        return start + span * factor

    def _daytime(self, moment: datetime) -> datetime:
        """Hospitals work Monday to Friday, 08:00 to 19:00 (Paris): a time outside moves to the next working morning."""
        local = moment.astimezone(PARIS)
        if 8 <= local.hour < 19 and local.weekday() < 5:
            return moment
        day = local.date() + (DAY if local.hour >= 19 else timedelta(0))
        while day.weekday() >= 5:
            day += DAY
        return (
            datetime(day.year, day.month, day.day, 8, tzinfo=PARIS) + timedelta(minutes=self.rng.randrange(0, 120, 5))
        ).astimezone(UTC)

    def _due(self, step: StepSpec, reference_time: datetime | None, department: str) -> datetime | None:
        if step.target_amount is None or not step.target_unit or reference_time is None:
            return None
        return add_delay(reference_time, step.target_amount, step.target_unit, department=department)

    def _pathway(self, referral: Referral, site: Site, kind: str):
        rng, now = self.rng, self.now
        version_id, version_number, steps = self.versions[kind]
        started = referral["answered_at"]
        pace = self._pace(referral, site)
        outcome = Outcome.MALIGNANT if rng.random() < MALIGNANT_SHARE else Outcome.NOT_MALIGNANT
        order = {step.code: index for index, step in enumerate(steps)}
        stall_at = rng.randrange(1, len(steps)) if rng.random() < STALLED_SHARE else len(steps)
        always = [step for step in steps if step.branch == Branch.ALWAYS]
        branch = [step for step in steps if step.branch == outcome]
        # 1. Every step's time as if all were done (a booked step at its slot); skipped optional steps
        #    get the time they were judged useless.
        drawn: dict[str, datetime] = {}
        skipped: dict[str, datetime] = {}
        resource_of: dict[str, Resource] = {}
        due: dict[str, datetime | None] = {}

        def draw_steps(selection: list[StepSpec], not_before: datetime) -> None:
            for step in selection:
                if step.reference_code == "request":  # pathways.models.REQUEST_REFERENCE: from the referral's reception
                    reference = referral["received_at"]
                else:
                    reference = (
                        started
                        if not step.reference_code
                        else drawn.get(step.reference_code) or skipped.get(step.reference_code)
                    )
                due[step.code] = self._due(step, reference, site.department)
                if not step.required and (
                    any(code in skipped for code in step.depends_on)
                    or rng.random() >= OPTIONAL_DONE.get(step.code, 0.6)
                ):
                    skipped[step.code] = max(reference or not_before, not_before) + timedelta(hours=rng.uniform(1, 48))
                    continue
                after = (*step.depends_on, *RESULTS_AFTER.get(step.code, ()))
                base = max([not_before, reference or not_before, *(drawn[code] for code in after if code in drawn)])
                moment = self._draw(step.code, reference or base, due[step.code], pace)
                moment = self._daytime(max(moment, base + timedelta(minutes=rng.randint(5, 90))))
                if step.resource_kind:
                    resource_of[step.code] = rng.choice(site.resources[step.resource_kind])
                    moment = self._free_start(resource_of[step.code], moment)
                drawn[step.code] = moment

        draw_steps(always, started)
        report = max(
            (drawn[code] for code in ("pathology_final", "biopsy", "imaging") if code in drawn), default=started
        )
        outcome_at = self._daytime(report + timedelta(days=rng.expovariate(1 / OUTCOME_AFTER_DAYS)))
        if outcome == Outcome.NOT_MALIGNANT:
            for step in branch:  # the closing report is the return to the GP, done when the outcome is recorded
                reference = drawn.get(step.reference_code) or skipped.get(step.reference_code) or started
                due[step.code] = self._due(step, reference, site.department)
                drawn[step.code] = outcome_at
            closed_at = outcome_at
        else:
            draw_steps(branch, outcome_at)
            closed_at = (
                drawn["treatment_start"] + timedelta(days=rng.uniform(*CLOSE_AFTER_TREATMENT_DAYS))
                if "treatment_start" in drawn
                else None
            )
        if closed_at is not None:
            closed_at = max([closed_at, *drawn.values(), *skipped.values()])
        # 2. What is done by now: a step whose time has come and whose dependencies are done or skipped;
        #    a stalled pathway stops at one step. The branch exists once the outcome is recorded.
        status: dict[str, str] = {}

        def settle(selection: list[StepSpec]) -> None:
            for step in selection:
                on_time = order[step.code] < stall_at
                if step.code in skipped:
                    status[step.code] = (
                        MilestoneStatus.SKIPPED if skipped[step.code] <= now and on_time else MilestoneStatus.PENDING
                    )
                    continue
                ready = all(
                    status.get(code, MilestoneStatus.DONE) != MilestoneStatus.PENDING for code in step.depends_on
                )
                done = on_time and ready and drawn[step.code] <= now
                status[step.code] = MilestoneStatus.DONE if done else MilestoneStatus.PENDING

        settle(always)
        report_in = status.get("pathology_final", MilestoneStatus.DONE) != MilestoneStatus.PENDING
        outcome_recorded = report_in and outcome_at <= now and all(order[step.code] < stall_at for step in branch)
        present = always + branch if outcome_recorded else always
        if outcome_recorded:
            settle(branch)
        closed = (
            outcome_recorded
            and closed_at is not None
            and closed_at <= now
            and all(status[step.code] != MilestoneStatus.PENDING for step in present)
        )
        # 3. Pending steps count from their reference's done time, else from its due date (recompute_due_dates).
        for step in present:
            if status[step.code] != MilestoneStatus.PENDING:
                continue
            if not step.reference_code:
                reference = started
            elif step.reference_code == "request":
                reference = referral["received_at"]
            elif status.get(step.reference_code) == MilestoneStatus.DONE:
                reference = drawn[step.reference_code]
            else:
                reference = due.get(step.reference_code)
            due[step.code] = self._due(step, reference, site.department)
        last_activity = max([started, *(drawn[s.code] for s in present if status[s.code] == MilestoneStatus.DONE)])
        pathway = {
            "id": self.tables[Pathway].new_id(),
            "referral_id": referral["id"],
            "patient_id": referral["patient_id"],
            "template_version_id": version_id,
            "priority": referral["priority"],
            "status": PathwayStatus.CLOSED if closed else PathwayStatus.ACTIVE,
            "outcome": outcome if outcome_recorded else "",
            "department": site.department,
            "started_at": started,
            "closed_at": closed_at if closed else None,
            "last_activity_at": closed_at if closed else last_activity,
            "lost_to_follow_up": False,
        }
        referral["status"] = Status.CLOSED if closed else Status.ACCEPTED
        referral["updated_at"] = closed_at if closed else started
        events = [
            self._event(
                "referral.accepted",
                referral,
                started,
                {
                    "from": Status.RECEIVED,
                    "to": Status.ACCEPTED,
                    "reason": "",
                    "pathway_kind": kind,
                    "priority": referral["priority"],
                    "outside_territory": referral["outside_territory"],
                },
            ),
            self._event(
                "pathway.started",
                referral,
                started,
                {"template": kind, "version": version_number, "priority": referral["priority"]},
            ),
        ]
        rows, bookings = [], []
        diagnostic_day = uuid.UUID(int=rng.getrandbits(128))
        for step in present:
            state = status[step.code]
            done_at = drawn[step.code] if state == MilestoneStatus.DONE else None
            milestone = {
                "id": self.tables[Milestone].new_id(),
                "pathway_id": pathway["id"],
                "template_id": step.pk,
                "code": step.code,
                "label": step.label,
                "order": step.order,
                "status": state,
                "done_at": done_at,
                "due_at": None if closed and state == MilestoneStatus.PENDING else due.get(step.code),
                "done_by_id": self.user.pk if done_at else None,
            }
            rows.append(milestone)
            if state == MilestoneStatus.DONE:
                events.extend(self._recorded(referral, step, done_at))
            elif state == MilestoneStatus.SKIPPED:
                milestone["note"] = "Sans objet pour ce patient."
                events.append(
                    self._event(
                        "milestone.skipped",
                        referral,
                        skipped[step.code],
                        {"milestone": step.code, "label": step.label, "reason": milestone["note"]},
                    )
                )
            if step.code in resource_of and (
                state == MilestoneStatus.DONE or (state == MilestoneStatus.PENDING and drawn[step.code] > now)
            ):
                group = diagnostic_day if step.same_day_group else uuid.UUID(int=rng.getrandbits(128))
                booked = self._book(
                    resource_of[step.code], step, milestone, pathway, referral, drawn[step.code], started, group
                )
                bookings.extend(booked)
                events.extend(self._appointment_events(referral, step, resource_of[step.code], booked))
        day = [step.code for step in present if step.same_day_group]
        if day and all(status[code] == MilestoneStatus.DONE for code in day):
            last = max(day, key=lambda code: drawn[code])
            events.append(self._event("pathway.first_diagnostic_day_done", referral, drawn[last], {"milestone": last}))
        if outcome_recorded:
            events.append(
                self._event(f"pathway.outcome_{outcome}", referral, outcome_at, {"outcome": outcome, "note": ""})
            )
        if closed:
            reason = (
                "Diagnostic non malin : retour au médecin traitant."
                if outcome == Outcome.NOT_MALIGNANT
                else "Traitement débuté : fin du parcours diagnostique."
            )
            events.append(self._event("pathway.closed", referral, closed_at, {"reason": reason, "conclusion": ""}))
            events.append(
                self._event(
                    "referral.closed",
                    referral,
                    closed_at,
                    {"from": Status.ACCEPTED, "to": Status.CLOSED, "reason": reason},
                )
            )
        return pathway, rows, events, bookings

    def _recorded(self, referral: dict, step: StepSpec, done_at: datetime) -> list[dict]:
        """The events of a done milestone, as `milestone_record` writes them: `milestone.recorded`, and for
        some a first entry at a wrong date then `milestone.corrected` to the right one."""
        payload = {"milestone": step.code, "label": step.label, "note": ""}
        if self.rng.random() >= CORRECTED_SHARE:
            return [self._event("milestone.recorded", referral, done_at, {**payload, "done_at": done_at.isoformat()})]
        mistaken = done_at - DAY * self.rng.choice((1, 2, 7))
        corrected = self._event("milestone.corrected", referral, done_at, {**payload, "done_at": done_at.isoformat()})
        corrected["recorded_at"] = done_at + timedelta(hours=self.rng.uniform(2, 72))
        return [
            self._event("milestone.recorded", referral, mistaken, {**payload, "done_at": mistaken.isoformat()}),
            corrected,
        ]

    def _appointment_events(
        self, referral: dict, step: StepSpec, resource: Resource, booked: list[tuple]
    ) -> list[dict]:
        """`appointment.booked` (and `appointment.cancelled` for a moved booking) for a step's bookings, as
        the scheduling services record them."""
        events = []
        for slot, appointment, _release in booked:
            if appointment is None:
                continue
            where = {"milestone": step.label, "resource": resource.name, "start": slot["start"].isoformat()}
            events.append(
                self._event(
                    "appointment.booked",
                    referral,
                    appointment["booked_at"],
                    {**where, "group": str(appointment["group"])},
                )
            )
            if appointment["status"] == AppointmentStatus.CANCELLED:
                events.append(
                    self._event(
                        "appointment.cancelled",
                        referral,
                        appointment["cancelled_at"],
                        {**where, "reason": appointment["cancel_reason"]},
                    )
                )
        return events

    # --- bookings ---------------------------------------------------------------------------------

    def _free_start(self, resource: Resource, wanted: datetime) -> datetime:
        """The first free quarter of an hour on the resource at or after `wanted`, now taken."""
        quarter = math.ceil(wanted.timestamp() / 900)
        while (resource.pk, quarter) in self.slot_taken:
            quarter += 1
        self.slot_taken.add((resource.pk, quarter))
        return datetime.fromtimestamp(quarter * 900, UTC)

    def _slot(self, resource: Resource, start: datetime, length: timedelta, **values) -> dict:
        return {
            "id": self.tables[Slot].new_id(),
            "resource_id": resource.pk,
            "start": start,
            "end": start + length,
            "reserved_for": [],
            "urgent": False,
            **values,
        }

    def _book(self, resource, step, milestone, pathway, referral, start, started, group) -> list[tuple]:
        """(slot, appointment, release) rows of a step's booking: the booked slot (reserved or urgent for
        some, booked before its release), sometimes a cancelled first booking, and for some reserved
        slots a neighbour that stayed unused and was released."""
        rng, now, user_id = self.rng, self.now, self.user.pk
        booked_at = max(started, start - timedelta(days=rng.uniform(1, 7)))
        if booked_at > now:
            return []  # not booked yet
        if milestone["done_at"] is None:
            milestone["planned_at"] = start
        length = timedelta(minutes=SLOT_MINUTES.get(step.resource_kind, 30))
        urgent = referral["priority"] == "P1" and rng.random() < URGENT_SHARE_P1
        reserved = urgent or rng.random() < RESERVED_SHARE
        release_at = start - timedelta(hours=RELEASE_HOURS[urgent])
        restricted = reserved and booked_at < release_at
        reserved_for = [referral["pathway_kind"]] if restricted and not urgent else []
        slot = self._slot(
            resource,
            start,
            length,
            reserved_for=reserved_for,
            urgent=restricted and urgent,
            release_at=release_at if restricted else None,
        )
        appointment = {
            "id": self.tables[Appointment].new_id(),
            "slot_id": slot["id"],
            "pathway_id": pathway["id"],
            "milestone_id": milestone["id"],
            "status": AppointmentStatus.BOOKED,
            "group": group,
            "booked_at": booked_at,
            "booked_by_id": user_id,
            "used_reserved": restricted,
        }
        bookings = [(slot, appointment, None)]
        if rng.random() < CANCELLED_SHARE:  # first booked at another time, then moved
            other = self._free_start(resource, start - timedelta(days=rng.uniform(1, 5)))
            cancelled = self._slot(resource, other, length)
            bookings.append(
                (
                    cancelled,
                    {
                        "id": self.tables[Appointment].new_id(),
                        "slot_id": cancelled["id"],
                        "pathway_id": pathway["id"],
                        "milestone_id": milestone["id"],
                        "status": AppointmentStatus.CANCELLED,
                        "group": uuid.UUID(int=rng.getrandbits(128)),
                        "booked_at": min(booked_at, other) - timedelta(hours=rng.uniform(2, 48)),
                        "booked_by_id": user_id,
                        "used_reserved": False,
                        "cancelled_at": booked_at,
                        "cancelled_by_id": user_id,
                        "cancel_reason": "Rendez-vous déplacé à la demande du patient.",
                    },
                    None,
                )
            )
        if restricted and rng.random() < UNUSED_RESERVED_PER_USED:
            unused_start = self._free_start(resource, start + timedelta(hours=rng.choice((1, 2, 24, 48))))
            unused_release = unused_start - timedelta(hours=RELEASE_HOURS[urgent])
            released = unused_release <= now
            unused = self._slot(
                resource,
                unused_start,
                length,
                reserved_for=reserved_for,
                urgent=slot["urgent"],
                release_at=unused_release,
                released_at=unused_release if released else None,
            )
            release = (
                {
                    "id": self.tables[SlotRelease].new_id(),
                    "slot_id": unused["id"],
                    "released_at": unused_release,
                    "reserved_for": reserved_for,
                    "urgent": slot["urgent"],
                }
                if released
                else None
            )
            bookings.append((unused, None, release))
        return bookings

    # --- INS -------------------------------------------------------------------------------------------

    def _unique_ins(self, patients: list[dict]) -> None:
        """Give a fresh INS to the batch's patients whose INS an existing row already holds (an earlier run)."""
        while True:
            clashes = set(
                Patient.objects.filter(ins__in=[patient["ins"] for patient in patients]).values_list("ins", flat=True)
            )
            if not clashes:
                return
            for patient in patients:
                if patient["ins"] in clashes:
                    self.patient_seq += 1
                    patient["ins"] = self._ins(patient["sex"], patient["birth_date"])
