"""Fast generation of a realistic intake population for bench/intake_bench.py (bulk_create in batches).

`IntakePopulation.setup()` creates the fixed part (communes, the two organisations and their entry
points, ~300 professionals, the benchmark users); `grow_to()` then tops the database up to a number
of patients and of open and closed referrals, so the same database can be measured at several
sizes. Each generated referral gets what `referral_submit` writes for it: its care-team rows
(referrer, GP when there is one, the entry point's organisation as coordinator), the
`referral.submitted` event (plus the status event when it has moved on), an exam, and a message
when a complement was requested. Referrals the benchmark submits through the web form count
towards the open total.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jalon.accounts.models import Role, User
from jalon.core.identifiers import ins_with_valid_key
from jalon.core.vocabulary import CancerSite, PathwayKind, Priority, Urgency
from jalon.directory.models import (
    Commune,
    Membership,
    Organization,
    OrganizationKind,
    Profession,
    Professional,
    Territory,
)
from jalon.events.models import Event
from jalon.patients.models import CareTeamMember, CareTeamRole, IdentityStatus, Patient, Sex
from jalon.referrals.models import (
    OPEN_STATUSES,
    Channel,
    CompletenessRuleSet,
    EntryPoint,
    ExamDone,
    ExamKind,
    Question,
    ReferenceCounter,
    Referral,
    ReferralMessage,
    Status,
)
from jalon.testing.factories import make_finess, make_rpps

BATCH = 2000

# code, name, department, postal codes; the first five are the CPTS territory.
COMMUNES = [
    ("67482", "Strasbourg", "67", "67000 67100 67200"),
    ("67447", "Schiltigheim", "67", "67300"),
    ("67043", "Bischheim", "67", "67800"),
    ("67204", "Hoenheim", "67", "67800"),
    ("67218", "Illkirch-Graffenstaden", "67", "67400"),
    ("67180", "Haguenau", "67", "67500"),
    ("68224", "Mulhouse", "68", "68100 68200"),
    ("75056", "Paris", "75", "75001"),
]
TERRITORY_CODES = [c[0] for c in COMMUNES[:5]]

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
    "Müller",
    "Lefebvre",
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
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
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
    "Martinez",
    "Gérard",
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
    "Philippe",
    "Bourgeois",
    "Pierre",
    "Benoît",
    "Rey",
    "Leclerc",
    "Payet",
    "Rolland",
    "Leclercq",
    "Guillaume",
    "Lecomte",
    "López",
    "Jean",
    "Dupuy",
    "Guillot",
    "Hubert",
    "Berger",
    "Carpentier",
    "Sánchez",
    "Dupuis",
    "Moulin",
    "Louis",
    "Deschamps",
    "Huet",
    "Vasseur",
    "Perez",
    "Boucher",
    "Fleury",
    "Royer",
    "Klein",
    "Jacquet",
    "Adam",
    "Paris",
    "Poirier",
    "Marty",
    "Aubry",
    "Guyot",
    "Carré",
    "Charles",
    "Renault",
    "Charpentier",
    "Ménard",
    "Maillard",
    "Baron",
    "Bertin",
    "Bailly",
    "Hervé",
    "Schneider",
    "Fernandez",
    "Le",
    "Gall",
    "Collet",
    "Léger",
    "Bouvier",
    "Julien",
    "Prévost",
    "Millet",
    "Perrot",
    "Daniel",
    "Le",
    "Roux",
    "Cousin",
    "Germain",
    "Breton",
    "Besson",
    "Langlois",
    "Rémy",
    "Le",
    "Goff",
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
    "Rodriguez",
    "Guichard",
    "Gillet",
    "Étienne",
    "Grondin",
    "Poulain",
    "Tessier",
    "Chevallier",
    "Collin",
    "Chauvin",
    "Da",
    "Silva",
    "Bouchet",
    "Gay",
    "Lemaître",
    "Bénard",
    "Maréchal",
    "Humbert",
    "Reynaud",
    "Antoine",
    "Hoarau",
    "Perret",
    "Barthélemy",
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
    "Hertz",
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
SECOND_FIRST = ["", "", "", "Marie", "Anne", "Louise", "Paul", "Jean", "Joseph", "Élise", "Pierre"]


def bench_ins(sex: str, birth_date: date, seq: int) -> str:
    """A valid INS (key included) unique per `seq` (< 998,001): the commune and order digits encode it."""
    commune, order = divmod(seq, 999)
    sex_digit = "1" if sex == Sex.MALE else "2"
    return ins_with_valid_key(f"{sex_digit}{birth_date:%y%m}67{commune + 1:03d}{order + 1:03d}")


@dataclass
class IntakePopulation:
    seed: int = 20260101
    rng: random.Random = field(init=False)
    # filled by setup()
    org_ids: list[int] = field(default_factory=list)
    entry_points: list[EntryPoint] = field(default_factory=list)
    physician_ids: list[int] = field(default_factory=list)
    coordinator: User | None = None
    coordinator_elsewhere: User | None = None
    gp: User | None = None
    rule_set_id: int | None = None
    # patients generated and not yet given a referral, in creation order: (pk, commune code, GP id)
    free_patients: deque = field(default_factory=deque)
    patient_seq: int = 0
    last_referral_patient: int | None = None

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    # --- fixed part -------------------------------------------------------------------------
    @transaction.atomic
    def setup(self) -> None:
        rng = self.rng
        Commune.objects.bulk_create(
            [Commune(code=c, name=n, department=d, postal_codes=p) for c, n, d, p in COMMUNES], ignore_conflicts=True
        )
        cpts = Organization.objects.create(name="CPTS Strasbourg Nord", kind=OrganizationKind.CPTS, commune_id="67482")
        hospital = Organization.objects.create(
            name="Hôpital de Hautepierre", kind=OrganizationKind.HOSPITAL, finess=make_finess(1), commune_id="67482"
        )
        territory = Territory.objects.create(organization=cpts, name="Strasbourg Nord")
        territory.communes.add(*TERRITORY_CODES)
        self.org_ids = [cpts.pk, hospital.pk]
        self.entry_points = [
            EntryPoint.objects.create(
                organization=cpts,
                name="Numéro unique cancer CPTS",
                slug="cpts-cancer",
                territory=territory,
                email="cpts@exemple.fr",
            ),
            EntryPoint.objects.create(organization=hospital, name="Diagnostic rapide Hautepierre", slug="hup-diag"),
        ]
        professionals = []
        for n in range(300):
            if n < 240:
                profession, specialty = Profession.PHYSICIAN, "Médecine générale"
            elif n < 270:
                profession, specialty = (
                    Profession.PHYSICIAN,
                    rng.choice(["Pneumologie", "Gastro-entérologie", "Oncologie", "Radiologie"]),
                )
            elif n < 290:
                profession, specialty = Profession.NURSE, ""
            else:
                profession, specialty = Profession.PSYCHOLOGIST, ""
            last, first = rng.choice(LAST_NAMES), rng.choice(FEMALE_FIRST + MALE_FIRST)
            professionals.append(
                Professional(
                    rpps=make_rpps(n + 1),
                    last_name=last,
                    first_name=first,
                    profession=profession,
                    specialty=specialty,
                    email=f"pro{n}@exemple.fr",
                    commune_id=rng.choice(TERRITORY_CODES),
                )
            )
        Professional.objects.bulk_create(professionals)
        professionals = list(Professional.objects.order_by("pk"))
        self.physician_ids = [p.pk for p in professionals if p.profession == Profession.PHYSICIAN]
        nurses = [p for p in professionals if p.profession == Profession.NURSE]
        Membership.objects.bulk_create(
            [Membership(professional=p, organization=cpts) for p in nurses[:10]]
            + [Membership(professional=p, organization=hospital) for p in nurses[10:]]
            + [Membership(professional=p, organization=hospital) for p in professionals[240:270]]
        )
        self.coordinator = User.objects.create(
            username="bench.coordination", role=Role.COORDINATOR, professional=nurses[0]
        )
        self.coordinator_elsewhere = User.objects.create(
            username="bench.coordination.hopital", role=Role.COORDINATOR, professional=nurses[10]
        )
        self.gp = User.objects.create(username="bench.medecin", role=Role.REFERRER, professional=professionals[0])
        for user in (self.coordinator, self.coordinator_elsewhere, self.gp):
            user.set_unusable_password()
            user.save(update_fields=["password"])
        self.rule_set_id = (
            CompletenessRuleSet.objects.filter(published_at__isnull=False)
            .order_by("-version")
            .values_list("pk", flat=True)
            .first()
        )

    # --- patients ---------------------------------------------------------------------------
    def _patient(self) -> Patient:
        rng = self.rng
        sex = rng.choice([Sex.FEMALE, Sex.MALE])
        birth_date = date(1935, 1, 1) + timedelta(days=rng.randrange(55 * 365))
        first = rng.choice(FEMALE_FIRST if sex == Sex.FEMALE else MALE_FIRST)
        second = rng.choice(SECOND_FIRST)
        first_names = f"{first} {second}".strip()
        birth_name = rng.choice(LAST_NAMES)
        used_name = rng.choice(LAST_NAMES) if sex == Sex.FEMALE and rng.random() < 0.3 else ""
        commune = rng.choice(TERRITORY_CODES) if rng.random() < 0.9 else rng.choice([c[0] for c in COMMUNES[5:]])
        patient = Patient(
            ins=bench_ins(sex, birth_date, self.patient_seq),
            birth_name=birth_name,
            used_name=used_name,
            first_names=first_names,
            sex=sex,
            birth_date=birth_date,
            identity_status=rng.choice(
                [IdentityStatus.PROVISIONAL, IdentityStatus.QUALIFIED, IdentityStatus.QUALIFIED]
            ),
            commune_id=commune,
            phone=f"+336{rng.randrange(10**8):08d}",
            gp_id=rng.choice(self.physician_ids) if rng.random() < 0.6 else None,
            sharing_opposition=rng.random() < 0.02,
            identity_key=Patient.make_identity_key(birth_name, first_names, birth_date),
        )
        self.patient_seq += 1
        return patient

    def _add_patients(self, count: int) -> None:
        last_pk = Patient.objects.aggregate(m=Max("pk"))["m"] or 0
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            with transaction.atomic():
                Patient.objects.bulk_create([self._patient() for _ in range(size)])
            done += size
        self.free_patients.extend(
            Patient.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "commune_id", "gp_id")
        )

    # --- referrals --------------------------------------------------------------------------
    def _next_references(self, count: int) -> list[str]:
        year = timezone.localdate().year
        counter, _ = ReferenceCounter.objects.get_or_create(year=year)
        first = counter.last + 1
        ReferenceCounter.objects.filter(year=year).update(last=counter.last + count)
        return [f"JAL-{year}-{n:06d}" for n in range(first, first + count)]

    def _add_referrals(self, count: int, statuses: list[tuple[str, float]]) -> None:
        now = timezone.now()
        names, weights = zip(*statuses, strict=True)
        done = 0
        while done < count:
            size = min(BATCH // 2, count - done)
            with transaction.atomic():
                self._add_referral_batch(size, names, weights, now)
            done += size

    def _add_referral_batch(self, size, names, weights, now) -> None:
        rng = self.rng
        patients = {}
        referrals = []
        previous = None
        linked = []  # (new referral index, index of the earlier referral of the same patient)
        for i, reference in enumerate(self._next_references(size)):
            # About one patient in fifty is referred twice (a duplicate the intake links).
            if i > 0 and rng.random() < 0.02:
                patient = previous
                linked.append((i, i - 1))
            else:
                if not self.free_patients:
                    raise RuntimeError("not enough patients for the referrals asked")
                patient = self.free_patients.popleft()
            previous = patient
            patient_id, commune_code, patient_gp_id = patient
            patients[patient_id] = None
            status = rng.choices(names, weights)[0]
            entry_point = self.entry_points[i % 2]
            is_open = status in OPEN_STATUSES
            received_at = now - timedelta(minutes=rng.randrange(60, (30 if is_open else 120) * 24 * 60))
            incomplete = rng.random() < 0.3
            channel = rng.choices([Channel.WEB, Channel.PHONE, Channel.API], [0.7, 0.2, 0.1])[0]
            referrals.append(
                Referral(
                    reference=reference,
                    entry_point=entry_point,
                    channel=channel,
                    patient_id=patient_id,
                    # the benchmark GP is a busy referrer: one referral in twenty
                    referrer_id=self.gp.professional_id if i % 20 == 0 else rng.choice(self.physician_ids[:240]),
                    caller_name="Secrétariat du cabinet" if channel == Channel.PHONE else "",
                    gp_id=patient_gp_id or (rng.choice(self.physician_ids[:240]) if rng.random() < 0.5 else None),
                    suspected_site=rng.choice(CancerSite.values),
                    clinical_reason="Altération de l'état général, amaigrissement de 6 kg en deux mois.",
                    first_symptoms_date=(received_at - timedelta(days=rng.randrange(10, 120))).date(),
                    declared_urgency=rng.choices(Urgency.values, [0.6, 0.3, 0.1])[0],
                    question=rng.choice(Question.values),
                    patient_informed=rng.choice([True, True, False, None]),
                    status=status,
                    received_at=received_at,
                    answer_deadline=received_at + timedelta(hours=rng.choice([48, 72, 96])),
                    answered_at=None
                    if status == Status.RECEIVED
                    else received_at + timedelta(hours=rng.randrange(2, 48)),
                    missing_items=["document", "first_symptoms_date"] if incomplete else [],
                    completeness_rule_set_id=self.rule_set_id,
                    is_complete=not incomplete,
                    outside_territory=entry_point.territory_id is not None and commune_code not in TERRITORY_CODES,
                    pathway_kind=rng.choice(PathwayKind.values) if status in (Status.ACCEPTED, Status.CLOSED) else "",
                    priority=rng.choice(Priority.values) if status in (Status.ACCEPTED, Status.CLOSED) else "",
                    redirected_to="Centre Paul Strauss" if status == Status.REDIRECTED else "",
                    created_by_id=self.gp.pk,
                )
            )
        Referral.objects.bulk_create(referrals)
        if referrals[0].pk is None:  # backends that do not return ids from a bulk insert
            by_reference = dict(
                Referral.objects.filter(reference__in=[r.reference for r in referrals]).values_list("reference", "pk")
            )
            for referral in referrals:
                referral.pk = referral.id = by_reference[referral.reference]
        through = Referral.related_referrals.through
        through.objects.bulk_create(
            [through(from_referral_id=referrals[a].pk, to_referral_id=referrals[b].pk) for a, b in linked]
            + [through(from_referral_id=referrals[b].pk, to_referral_id=referrals[a].pk) for a, b in linked]
        )
        # care team exactly as referral_submit builds it (idempotent per active member and role)
        seen = set(
            CareTeamMember.objects.filter(patient_id__in=list(patients), until__isnull=True).values_list(
                "patient_id", "professional_id", "organization_id", "role"
            )
        )
        members = []
        for referral in referrals:
            wanted = [(referral.referrer_id, None, CareTeamRole.REFERRER)]
            if referral.gp_id:
                wanted.append((referral.gp_id, None, CareTeamRole.GP))
            wanted.append((None, referral.entry_point.organization_id, CareTeamRole.COORDINATOR))
            for professional_id, organization_id, role in wanted:
                key = (referral.patient_id, professional_id, organization_id, role)
                if key in seen:
                    continue
                seen.add(key)
                members.append(
                    CareTeamMember(
                        patient_id=referral.patient_id,
                        professional_id=professional_id,
                        organization_id=organization_id,
                        role=role,
                        since=referral.received_at,
                        reason=referral.reference,
                    )
                )
        CareTeamMember.objects.bulk_create(members)
        events, exams, messages = [], [], []
        status_event = {
            Status.AWAITING_COMPLEMENT: "referral.complement_requested",
            Status.ACCEPTED: "referral.accepted",
            Status.DECLINED: "referral.declined",
            Status.REDIRECTED: "referral.redirected",
            Status.CLOSED: "referral.closed",
        }
        for referral in referrals:
            events.append(
                Event(
                    kind="referral.submitted",
                    actor_id=self.gp.pk,
                    patient_id=referral.patient_id,
                    referral_id=referral.pk,
                    payload={
                        "channel": referral.channel,
                        "missing_items": referral.missing_items,
                        "outside_territory": referral.outside_territory,
                    },
                    occurred_at=referral.received_at,
                    recorded_at=referral.received_at,
                )
            )
            if referral.status in status_event:
                events.append(
                    Event(
                        kind=status_event[referral.status],
                        actor_id=self.coordinator.pk,
                        patient_id=referral.patient_id,
                        referral_id=referral.pk,
                        payload={
                            "from": Status.RECEIVED,
                            "to": referral.status,
                            "reason": "Vu en réunion de coordination.",
                        },
                        occurred_at=referral.answered_at,
                        recorded_at=referral.answered_at,
                    )
                )
            if rng.random() < 0.7:
                exams.append(
                    ExamDone(
                        referral_id=referral.pk,
                        kind=rng.choice([ExamKind.CT, ExamKind.XRAY, ExamKind.BLOOD_TEST, ExamKind.ULTRASOUND]),
                        done_on=referral.first_symptoms_date,
                        place="Imagerie Nord",
                        summary="Lésion suspecte de 25 mm.",
                    )
                )
            if referral.status == Status.AWAITING_COMPLEMENT:
                messages.append(
                    ReferralMessage(
                        referral_id=referral.pk,
                        author_id=self.coordinator.pk,
                        body="Merci de joindre le compte rendu du scanner.",
                    )
                )
        Event.objects.bulk_create(events)
        ExamDone.objects.bulk_create(exams)
        ReferralMessage.objects.bulk_create(messages)

    # --- public -----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {
            "patients": Patient.objects.count(),
            "open_referrals": Referral.objects.filter(status__in=OPEN_STATUSES).count(),
            "closed_referrals": Referral.objects.exclude(status__in=OPEN_STATUSES).count(),
            "care_team_rows": CareTeamMember.objects.count(),
            "events": Event.objects.count(),
        }

    def grow_to(self, *, patients: int, open_referrals: int, closed_referrals: int) -> dict[str, int]:
        """Add what is missing to reach these totals (never removes anything); returns the new counts."""
        now = self.counts()
        if patients > now["patients"]:
            self._add_patients(patients - now["patients"])
        if open_referrals > now["open_referrals"]:
            self._add_referrals(
                open_referrals - now["open_referrals"],
                [(Status.RECEIVED, 0.6), (Status.AWAITING_COMPLEMENT, 0.15), (Status.ACCEPTED, 0.25)],
            )
        if closed_referrals > now["closed_referrals"]:
            self._add_referrals(
                closed_referrals - now["closed_referrals"],
                [(Status.DECLINED, 0.2), (Status.REDIRECTED, 0.2), (Status.CLOSED, 0.6)],
            )
        return self.counts()
