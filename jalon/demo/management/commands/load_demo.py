"""Load the demo data of `make run`: a CPTS, a hospital, a clinic, about thirty professionals, one login
per role and fifty referrals in every status, written through the real services; then, for the
indicators' dashboard, a synthetic region of 3,000 pathways over three years at three synthetic sites.

Deterministic (fixed seeds); dates are relative to today. Each step runs at its own moment of the last
three weeks (time-machine), so received dates, answer deadlines and events tell a consistent story.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import time_machine
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from jalon.accounts.models import Role, User
from jalon.core.actor import Actor
from jalon.core.demo_data import DemoNames, make_finess, make_ins, make_rpps
from jalon.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from jalon.demo.mailin import create_demo_mails
from jalon.demo.portal import create_demo_threads
from jalon.demo.scheduling import create_demo_schedules
from jalon.demo.synthetic_region import RegionalPopulation
from jalon.demo.teleexpertise import create_demo_teleexpertise
from jalon.directory.communes_data import STRASBOURG_NORTH_COMMUNES, iter_communes
from jalon.directory.models import (
    Commune,
    Membership,
    Organization,
    OrganizationKind,
    Profession,
    Professional,
    Service,
    Territory,
)
from jalon.pathways.alerts import alerts_scan
from jalon.pathways.errors import PathwayError
from jalon.pathways.services import milestone_record, pathway_record_outcome
from jalon.patients.models import CareTeamRole, IdentityStatus, Sex
from jalon.patients.services import PatientIdentity, care_team_add, patient_identity_status_set
from jalon.referrals.completeness import item_label
from jalon.referrals.models import EntryPoint, ExamKind, Referral
from jalon.referrals.services import (
    ExamInput,
    referral_complete,
    referral_confirm_gp,
    referral_decline,
    referral_redirect,
    referral_request_complement,
    referral_submit,
)
from jalon.triage.services import referral_accept_into_pathway, triage_propose

SEED = 2026
# The synthetic region behind the indicators' dashboard: enough pathways for monthly medians per site.
SYNTHETIC_PATHWAYS, SYNTHETIC_YEARS, SYNTHETIC_SITES = 3000, 3, 3
OUTSIDE_COMMUNES = ("67180", "75056", "68066")  # Haguenau, Paris, Colmar: outside the CPTS territory
PATIENT_COMMUNES = ("67482",) * 5 + STRASBOURG_NORTH_COMMUNES[1:]  # Strasbourg weighs more

HOSPITAL_SERVICES = (
    "Pneumologie",
    "Hépato-gastro-entérologie",
    "Oncologie médicale",
    "Radiologie",
    "Anatomie pathologique",
    "Chirurgie digestive",
)
CLINIC_SERVICES = ("Oncologie médicale", "Radiothérapie")


@dataclass(frozen=True)
class ProfessionalSpec:
    key: str  # the demo username when the professional has a login
    profession: str
    specialty: str
    organization: str  # "cpts", "hospital" or "clinic"
    service: str = ""
    sex: str = ""
    mssante: bool = False


GP = "Médecine générale"
PROFESSIONALS = (
    ProfessionalSpec("medecin", Profession.PHYSICIAN, GP, "cpts", mssante=True),
    *(ProfessionalSpec(f"gp{n}", Profession.PHYSICIAN, GP, "cpts", mssante=n % 2 == 0) for n in range(2, 11)),
    ProfessionalSpec(
        "coordination", Profession.NURSE, "Coordination de parcours", "cpts", sex=Sex.FEMALE, mssante=True
    ),
    ProfessionalSpec(
        "coordination.hopital", Profession.NURSE, "Coordination de parcours", "hospital", sex=Sex.MALE, mssante=True
    ),
    ProfessionalSpec("specialiste", Profession.PHYSICIAN, "Pneumologie", "hospital", "Pneumologie", mssante=True),
    ProfessionalSpec("pneumo2", Profession.PHYSICIAN, "Pneumologie", "hospital", "Pneumologie", mssante=True),
    ProfessionalSpec(
        "gastro1",
        Profession.PHYSICIAN,
        "Hépato-gastro-entérologie",
        "hospital",
        "Hépato-gastro-entérologie",
        mssante=True,
    ),
    ProfessionalSpec(
        "gastro2", Profession.PHYSICIAN, "Hépato-gastro-entérologie", "hospital", "Hépato-gastro-entérologie"
    ),
    ProfessionalSpec("gastro3", Profession.PHYSICIAN, "Hépato-gastro-entérologie", "cpts"),
    ProfessionalSpec(
        "onco1", Profession.PHYSICIAN, "Oncologie médicale", "hospital", "Oncologie médicale", mssante=True
    ),
    ProfessionalSpec("onco2", Profession.PHYSICIAN, "Oncologie médicale", "clinic", "Oncologie médicale", mssante=True),
    ProfessionalSpec("radiotherapist", Profession.PHYSICIAN, "Oncologie radiothérapie", "clinic", "Radiothérapie"),
    ProfessionalSpec("radio1", Profession.PHYSICIAN, "Radiologie", "hospital", "Radiologie", mssante=True),
    ProfessionalSpec("radio2", Profession.PHYSICIAN, "Radiologie", "cpts"),
    ProfessionalSpec(
        "pathologist", Profession.PHYSICIAN, "Anatomie et cytologie pathologiques", "hospital", "Anatomie pathologique"
    ),
    ProfessionalSpec(
        "surgeon", Profession.PHYSICIAN, "Chirurgie viscérale et digestive", "hospital", "Chirurgie digestive"
    ),
    ProfessionalSpec("infirmiere", Profession.NURSE, "", "cpts", sex=Sex.FEMALE),
    ProfessionalSpec("idel2", Profession.NURSE, "", "cpts"),
    ProfessionalSpec("idel3", Profession.NURSE, "", "cpts"),
    ProfessionalSpec("pharmacist", Profession.PHARMACIST, "", "cpts"),
    ProfessionalSpec("support", Profession.PSYCHOLOGIST, "", "cpts"),
    ProfessionalSpec("dietitian", Profession.DIETITIAN, "", "cpts"),
    ProfessionalSpec("responsable", Profession.OTHER, "Direction de la CPTS", "cpts"),
)


@dataclass(frozen=True)
class SiteProfile:
    pathway: str
    reasons: tuple[str, ...]
    exams: tuple[tuple[str, str, str, bool], ...]  # kind, place, summary, with a PDF report
    female_only: bool = False


IMAGING = "Imagerie médicale Strasbourg Nord"
RADIOLOGY = "Cabinet de radiologie de Schiltigheim"
LABORATORY = "Laboratoire de biologie de Bischheim"
ENDOSCOPY = "Clinique de l'Orangerie"
SENOLOGY = "Centre de sénologie de Hœnheim"

SITES = {
    "lung": SiteProfile(
        "lung",
        (
            "Toux persistante depuis six semaines chez un fumeur (40 paquets-années), amaigrissement de 4 kg.",
            "Hémoptysie isolée, opacité hilaire droite sur la radiographie de thorax.",
        ),
        (
            ("xray", RADIOLOGY, "Opacité du lobe supérieur droit.", False),
            ("ct", IMAGING, "Masse lobaire supérieure droite de 32 mm, adénopathie médiastinale.", True),
        ),
    ),
    "pancreas_biliary": SiteProfile(
        "pancreas_biliary",
        (
            "Ictère cutanéo-muqueux indolore, prurit, perte de poids.",
            "Diabète d'apparition récente, amaigrissement et douleurs épigastriques transfixiantes.",
        ),
        (
            ("ct", IMAGING, "Masse céphalique pancréatique de 25 mm, voies biliaires dilatées.", True),
            ("blood_test", LABORATORY, "Bilirubine totale 145 µmol/L, CA 19-9 élevé.", False),
        ),
    ),
    "liver": SiteProfile(
        "liver",
        ("Nodule hépatique découvert lors du suivi d'une cirrhose connue.",),
        (
            ("ultrasound", RADIOLOGY, "Nodule du foie droit de 35 mm, hétérogène.", False),
            ("blood_test", LABORATORY, "Alpha-fœtoprotéine à 420 ng/mL.", False),
        ),
    ),
    "colorectal": SiteProfile(
        "digestive",
        ("Rectorragies et modification du transit depuis deux mois, anémie ferriprive.",),
        (
            ("endoscopy", ENDOSCOPY, "Coloscopie : lésion bourgeonnante du sigmoïde, biopsies faites.", True),
            ("ct", IMAGING, "Pas de lésion secondaire visible.", False),
        ),
    ),
    "oesogastric": SiteProfile(
        "digestive",
        ("Dysphagie aux solides d'aggravation progressive, amaigrissement de 6 kg.",),
        (("endoscopy", ENDOSCOPY, "Lésion ulcéro-bourgeonnante du bas œsophage, biopsies en cours.", True),),
    ),
    "breast": SiteProfile(
        "breast",
        ("Nodule du quadrant supéro-externe du sein gauche découvert à l'autopalpation.",),
        (
            ("mammography", SENOLOGY, "ACR 5 : opacité spiculée de 18 mm.", True),
            ("ultrasound", SENOLOGY, "Lésion hypoéchogène irrégulière, ganglion axillaire suspect.", False),
        ),
        female_only=True,
    ),
    "lymphoma": SiteProfile(
        "lymphoma",
        ("Adénopathies cervicales et axillaires fermes, sueurs nocturnes, fièvre prolongée.",),
        (
            ("blood_test", LABORATORY, "LDH élevées, lymphopénie.", False),
            ("ct", IMAGING, "Adénopathies sus- et sous-diaphragmatiques.", True),
        ),
    ),
    "thyroid": SiteProfile(
        "thyroid",
        ("Nodule thyroïdien palpable augmentant de volume, dysphonie récente.",),
        (("ultrasound", RADIOLOGY, "Nodule de 28 mm classé EU-TIRADS 5.", False),),
    ),
    "brain": SiteProfile(
        "glioblastoma",
        ("Céphalées inhabituelles et crise convulsive inaugurale.",),
        (("mri", IMAGING, "Lésion frontale gauche de 4 cm prenant le contraste en cocarde.", True),),
    ),
    "gynaecological": SiteProfile(
        "generic",
        ("Métrorragies post-ménopausiques récidivantes.", "Augmentation du volume abdominal et ascite."),
        (("ultrasound", RADIOLOGY, "Endomètre épaissi à 15 mm.", False),),
        female_only=True,
    ),
    "urological": SiteProfile(
        "generic",
        ("Hématurie macroscopique totale chez un ancien fumeur.",),
        (("ct", IMAGING, "Masse rénale gauche de 5 cm.", False),),
    ),
    "head_neck": SiteProfile(
        "generic",
        ("Ulcération amygdalienne persistante et otalgie, tabagisme actif.",),
        (("ct", IMAGING, "Lésion de la loge amygdalienne gauche, adénopathie cervicale.", False),),
    ),
    "unknown_primary": SiteProfile(
        "generic",
        ("Altération de l'état général, amaigrissement de 10 kg, lésions hépatiques multiples.",),
        (("ct", IMAGING, "Lésions hépatiques et osseuses multiples, primitif non identifié.", True),),
    ),
}
# How often each suspected site comes up among the fifty referrals.
SITE_POOL = (
    ["lung"] * 11
    + ["colorectal"] * 6
    + ["pancreas_biliary"] * 5
    + ["breast"] * 5
    + ["oesogastric", "liver", "lymphoma", "urological", "head_neck"] * 3
    + ["brain", "thyroid", "gynaecological", "unknown_primary"] * 2
)


@dataclass
class Case:
    """One demo referral: when it came in and where it ends up."""

    days_ago: float
    outcome: str  # received, awaiting, completed (awaited then completed), accepted, closed, declined, redirected
    site: str = ""
    commune: str = ""
    incomplete: bool = False
    same_patient: str = ""  # cases sharing this key are two referrals for one patient


PLAN = (
    Case(20.2, "closed"),
    Case(19.7, "accepted"),
    Case(19.0, "declined"),
    Case(18.3, "closed"),
    Case(17.5, "accepted"),
    Case(16.8, "redirected", commune="75056"),
    Case(16.0, "accepted"),
    Case(15.1, "awaiting", incomplete=True),
    Case(14.6, "declined"),
    Case(13.9, "accepted", commune="67180"),
    Case(13.1, "closed"),
    Case(12.4, "accepted"),
    Case(11.8, "received"),
    Case(11.0, "redirected", site="head_neck"),
    Case(10.3, "accepted"),
    Case(9.7, "declined", incomplete=True),
    Case(9.2, "awaiting", incomplete=True, same_patient="B"),
    Case(8.6, "accepted"),
    Case(8.0, "received"),
    Case(7.4, "accepted", incomplete=True),
    Case(6.9, "awaiting", incomplete=True),
    Case(6.3, "accepted"),
    Case(5.8, "received"),
    Case(5.2, "redirected", site="breast"),
    Case(4.9, "completed", incomplete=True),
    Case(4.4, "received", incomplete=True),
    Case(4.1, "awaiting", incomplete=True),
    Case(3.8, "received", same_patient="A"),
    Case(3.5, "accepted"),
    Case(3.2, "received"),
    Case(2.9, "awaiting", incomplete=True),
    Case(2.6, "received", commune="68066"),
    *(
        Case(round(2.4 - n * 0.13, 2), "received", incomplete=n % 4 == 1, same_patient={10: "A", 14: "B"}.get(n, ""))
        for n in range(18)
    ),
)

REDIRECTIONS = {
    "75056": (
        "Dispositif d'appui à la coordination de Paris",
        "Patient domicilié à Paris : orienté vers le dispositif de son territoire.",
    ),
    "head_neck": (
        "Consultation d'ORL des Hôpitaux universitaires de Strasbourg",
        "Relève d'un avis ORL direct, sans bilan par le guichet.",
    ),
    "breast": (
        "Institut de cancérologie Strasbourg Europe – sénologie",
        "Parcours sein organisé directement par le centre de sénologie.",
    ),
}
DECLINE_REASONS = (
    "Pas d'argument pour une suspicion de cancer à ce stade : suivi par le médecin traitant.",
    "Patient déjà suivi par l'équipe d'oncologie de l'hôpital pour cette lésion.",
    "Le patient ne souhaite pas de prise en charge pour le moment (appel de l'IDEC).",
)
CLOSE_REASONS = (
    "Bilan terminé : pas de cancer retrouvé, retour au médecin traitant.",
    "Bilan terminé, traitement décidé en RCP et organisé par l'équipe d'oncologie.",
    "Le patient a choisi d'être pris en charge dans un autre établissement.",
)
PRIORITY_OF_URGENCY = {"very_urgent": "P1", "urgent": "P2", "routine": "P3"}


def demo_pdf(title: str, summary: str) -> bytes:
    """A small valid one-page PDF (Helvetica, WinAnsi) saying it is a fictitious report."""

    def text(value: str) -> bytes:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")

    lines = ((14, title), (10, summary), (10, "Document fictif : données de démonstration de Jalon."))
    content = (
        b"BT 56 780 Td "
        + b" 0 -24 Td ".join(b"/F1 %d Tf (%s) Tj" % (size, text(line)) for size, line in lines)
        + b" ET"
    )
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
         b"/Resources << /Font << /F1 4 0 R >> >> >>"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    )
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(pdf)


class Command(BaseCommand):
    help = "Charge les données de démonstration (territoire, professionnels, comptes, demandes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Ne rien faire si la base contient déjà des données."
        )
        parser.add_argument(
            "--only-territory-communes",
            action="store_true",
            help="N'importer que les communes utilisées par la démonstration (tests), pas les 35 000.",
        )
        parser.add_argument(
            "--synthetic-pathways",
            type=int,
            default=None,
            help=(
                "Parcours de la région synthétique qui nourrit le tableau de bord des indicateurs (3 ans, 3 sites "
                f"synthétiques distincts des organisations de la démonstration) ; défaut : {SYNTHETIC_PATHWAYS}, "
                "0 avec --only-territory-communes (ses sites ont leurs propres communes)."
            ),
        )

    def handle(self, *args, **options):
        synthetic = options["synthetic_pathways"]
        if synthetic is None:
            synthetic = 0 if options["only_territory_communes"] else SYNTHETIC_PATHWAYS
        if synthetic < 0:
            raise CommandError(_("Le nombre de parcours synthétiques ne peut pas être négatif."))
        if User.objects.exists() or Referral.objects.exists():
            if options["if_empty"]:
                self.stdout.write(_("Données déjà présentes : la démonstration n'est pas chargée."))
                return
            raise CommandError(_("La base contient déjà des données : la démonstration se charge sur une base vide."))
        self.now = timezone.now()
        self.rng = random.Random(SEED)
        self.fake = DemoNames(SEED)
        self.phone_numbers = itertools.count(1)
        with transaction.atomic():
            self._ensure_communes(only_needed=options["only_territory_communes"])
            self._create_directory()
            self._create_users()
            self._create_referrals()
            create_demo_schedules(hospital=self.organizations["hospital"], clinic=self.organizations["clinic"], now=self.now)
            create_demo_threads()
            create_demo_mails(self.entry_points["cpts"], now=self.now)
            create_demo_teleexpertise(
                hospital=self.organizations["hospital"], entry_point=self.entry_points["hospital"],
                gp=self.users["medecin"], specialist=self.users["specialiste"], now=self.now,
            )
            alerts_scan()  # the worklist opens with the alerts of today
        counts = {"professionals": Professional.objects.count(), "referrals": Referral.objects.count()}
        self.stdout.write(
            _("Démonstration chargée : %(professionals)d professionnels, %(referrals)d demandes.") % counts
        )
        if synthetic:
            self._create_synthetic_region(synthetic)

    def _create_synthetic_region(self, pathways: int) -> None:
        """Years of pathways for the indicators' charts, at separate synthetic sites that no demo login
        coordinates (so no worklist shows them); after the alerts scan, which only sees the demo's own.
        Written with bulk inserts, not the services (jalon/demo/synthetic_region.py)."""
        population = RegionalPopulation(
            pathways=pathways, years=SYNTHETIC_YEARS, sites=SYNTHETIC_SITES, seed=SEED, now=self.now, log=lambda line: None
        )
        counts = population.run()
        self.stdout.write(
            _("Région synthétique pour les indicateurs : %(pathways)d parcours sur %(years)d ans, %(sites)d sites (%(seconds)s s).")
            % {"pathways": counts["pathways"], "years": SYNTHETIC_YEARS, "sites": SYNTHETIC_SITES, "seconds": population.timings["total"]}
        )

    # --- Territory, organisations, professionals, logins -----------------------------------------

    def _ensure_communes(self, *, only_needed: bool) -> None:
        if not only_needed and not Commune.objects.exists():
            call_command("import_communes", stdout=self.stdout)
        needed = set(STRASBOURG_NORTH_COMMUNES) | set(OUTSIDE_COMMUNES)
        missing = needed - set(Commune.objects.filter(code__in=needed).values_list("code", flat=True))
        Commune.objects.bulk_create(
            Commune(code=row.code, name=row.name, department=row.department, postal_codes=" ".join(row.postal_codes))
            for row in iter_communes()
            if row.code in missing
        )

    def _phone(self) -> str:
        """A number of the range 03 53 01 xx xx, which ARCEP reserves for fiction: nobody real gets called."""
        return f"+3335301{next(self.phone_numbers):04d}"

    def _create_directory(self) -> None:
        cpts = Organization.objects.create(
            name="CPTS Strasbourg Nord",
            kind=OrganizationKind.CPTS,
            commune_id="67447",
            phone=self._phone(),
            email="contact@cpts-strasbourg-nord.exemple.fr",
        )
        territory = Territory.objects.create(organization=cpts, name="Strasbourg Nord")
        territory.communes.add(*STRASBOURG_NORTH_COMMUNES)
        hospital = Organization.objects.create(
            name="Hôpitaux universitaires de Strasbourg – Nouvel Hôpital Civil",
            kind=OrganizationKind.HOSPITAL,
            finess=make_finess(1),
            commune_id="67482",
            address="1 place de l'Hôpital",
            phone=self._phone(),
        )
        clinic = Organization.objects.create(
            name="Clinique Sainte-Anne – Oncologie",
            kind=OrganizationKind.CLINIC,
            finess=make_finess(2),
            commune_id="67482",
            phone=self._phone(),
        )
        self.organizations = {"cpts": cpts, "hospital": hospital, "clinic": clinic}
        services = {
            (key, name): Service.objects.create(
                organization=organization, name=name, specialty=name, phone=self._phone()
            )
            for key, organization, names in (
                ("hospital", hospital, HOSPITAL_SERVICES),
                ("clinic", clinic, CLINIC_SERVICES),
            )
            for name in names
        }
        self.entry_points = {
            "cpts": EntryPoint.objects.create(
                organization=cpts,
                name="Numéro unique cancer – CPTS Strasbourg Nord",
                slug="cpts-strasbourg-nord",
                phone=self._phone(),
                email="numero-unique@cpts-strasbourg-nord.exemple.fr",
                territory=territory,
                answer_delay_amount=48,
                answer_delay_unit="working_hours",
            ),
            "hospital": EntryPoint.objects.create(
                organization=hospital,
                name="Diagnostic rapide – Hôpital",
                slug="diagnostic-rapide-hopital",
                phone=self._phone(),
                territory=territory,
                answer_delay_amount=48,
                answer_delay_unit="working_hours",
            ),
        }
        self.professionals: dict[str, Professional] = {}
        used_names = set()
        for number, spec in enumerate(PROFESSIONALS, start=1):
            sex = spec.sex or self.rng.choice([Sex.FEMALE, Sex.MALE])
            while True:
                first_name = self.fake.first_name_female() if sex == Sex.FEMALE else self.fake.first_name_male()
                last_name = self.fake.last_name()
                if (first_name, last_name) not in used_names:
                    used_names.add((first_name, last_name))
                    break
            local_part = f"{slugify(first_name)}.{slugify(last_name)}"
            professional = Professional.objects.create(
                rpps=make_rpps(SEED * 100 + number) if spec.profession != Profession.OTHER else None,
                first_name=first_name,
                last_name=last_name,
                profession=spec.profession,
                specialty=spec.specialty,
                phone=self._phone(),
                email=f"{local_part}@exemple.fr",
                mssante_address=f"{local_part}@exemple.mssante.fr" if spec.mssante else "",
                commune_id="67482" if spec.organization != "cpts" else self.rng.choice(STRASBOURG_NORTH_COMMUNES),
            )
            Membership.objects.create(
                professional=professional,
                organization=self.organizations[spec.organization],
                service=services.get((spec.organization, spec.service)),
            )
            self.professionals[spec.key] = professional
        self.gps = [self.professionals[spec.key] for spec in PROFESSIONALS if spec.specialty == GP]

    def _create_users(self) -> None:
        self.users: dict[str, User] = {}
        password = make_password(DEMO_PASSWORD)  # hashed once: argon2 takes most of a second per hash
        for login in DEMO_LOGINS:
            professional = self.professionals.get(login.username)
            user = User(
                username=login.username,
                role=login.role,
                professional=professional,
                first_name=professional.first_name if professional else "",
                last_name=professional.last_name if professional else "",
                email=professional.email if professional else "admin@exemple.fr",
                is_staff=login.role == Role.ADMIN,
                is_superuser=login.role == Role.ADMIN,
            )
            user.password = password
            user.save()
            self.users[login.username] = user
        self.coordinators = {"cpts": self.users["coordination"], "hospital": self.users["coordination.hopital"]}

    # --- Referrals -------------------------------------------------------------------------------

    def _create_referrals(self) -> None:
        """Lay every case's steps on one time line, then play them in order, each at its own moment."""
        sites = self.rng.sample(SITE_POOL, len(SITE_POOL))
        patients: dict[str, tuple[PatientIdentity, str]] = {}
        used_ins: set[str] = set()
        self.counters = {"accepted": 0, "declined": 0, "closed": 0}
        self.to_qualify: set[str] = set()
        steps = []
        for index, (case, pooled_site) in enumerate(zip(PLAN, sites, strict=True)):
            received_at = self._received_at(case.days_ago)
            if case.same_patient in patients:
                identity, site = patients[case.same_patient]
                if case.same_patient == "B":  # typed again without the INS: found by name and birth date
                    identity = replace(identity, ins="", identity_status=IdentityStatus.PROVISIONAL)
            else:
                site = case.site or pooled_site
                identity = self._identity(index, site, case, used_ins)
                if case.same_patient:
                    patients[case.same_patient] = (identity, site)
            entry = "hospital" if index % 3 == 2 else "cpts"  # both queues get every status
            state = {"case": case, "site": site, "identity": identity, "entry": entry}
            steps.append((received_at, index, self._submit, state))
            first, second = self._decision_times(case, received_at)
            if case.outcome != "received":
                steps.append((first, index, self._decide, state))
            if case.outcome in ("closed", "completed", "accepted"):
                steps.append((second, index, self._follow_up, state))
        for moment, _index, step, state in sorted(steps, key=lambda item: (item[0], item[1])):
            with time_machine.travel(moment, tick=False):
                step(state)

    def _received_at(self, days_ago: float) -> datetime:
        local_now = timezone.localtime(self.now)
        day = (local_now - timedelta(days=days_ago)).date()
        moment = datetime.combine(day, time(self.rng.randint(8, 17), self.rng.randint(0, 59)), tzinfo=local_now.tzinfo)
        latest = self.now - timedelta(minutes=10)
        return moment if moment <= latest else latest - timedelta(minutes=self.rng.randint(0, 180))

    def _decision_times(self, case: Case, received_at: datetime) -> tuple[datetime, datetime]:
        """When the coordinator answers, then when the referral is closed or completed: in order, never ahead of now."""
        latest = self.now - timedelta(minutes=5)
        answered = received_at + timedelta(hours=self.rng.uniform(1.5, 26))
        answered = max(min(answered, latest), received_at + timedelta(minutes=1))
        delay = (
            timedelta(days=self.rng.uniform(4, 9))
            if case.outcome == "closed"
            else timedelta(hours=self.rng.uniform(18, 30))
        )
        return answered, max(min(answered + delay, latest), answered + timedelta(minutes=1))

    def _identity(self, index: int, site: str, case: Case, used_ins: set[str]) -> PatientIdentity:
        sex = Sex.FEMALE if SITES[site].female_only else self.rng.choice([Sex.FEMALE, Sex.MALE])
        first_name = self.fake.first_name_female if sex == Sex.FEMALE else self.fake.first_name_male
        first_names = " ".join(first_name() for _count in range(self.rng.choice([1, 1, 2, 3])))
        birth_name = self.fake.last_name()
        used_name = self.fake.last_name() if sex == Sex.FEMALE and self.rng.random() < 0.3 else ""
        birth_date = timezone.localdate(self.now) - timedelta(days=self.rng.randint(40 * 366, 89 * 365))
        department = self.rng.choice(["67", "67", "67", "67", "68", "57", "75"])
        seed = SEED * 1000 + index
        while (ins := make_ins(sex=sex, birth_date=birth_date, department=department, seed=seed)) in used_ins:
            seed += 1
        used_ins.add(ins)
        status = self.rng.choices(
            [IdentityStatus.QUALIFIED, IdentityStatus.VALIDATED, IdentityStatus.RECOVERED, IdentityStatus.PROVISIONAL],
            weights=[6, 2, 1, 1],
        )[0]
        if status == IdentityStatus.QUALIFIED:
            # Nobody declares « qualifiée » when sending: the coordination qualifies it once the referral is in.
            self.to_qualify.add(ins)
            status = IdentityStatus.RECOVERED
        return PatientIdentity(
            birth_name=birth_name,
            used_name=used_name,
            first_names=first_names,
            sex=sex,
            birth_date=birth_date,
            ins=ins,
            identity_status=status,
            commune_code=case.commune or self.rng.choice(PATIENT_COMMUNES),
            phone="" if case.incomplete and self.rng.random() < 0.5 else self._phone(),
        )

    def _exams(self, site: str, received_on: date) -> list[ExamInput]:
        exams = []
        for kind, place, summary, with_pdf in SITES[site].exams:
            files = ()
            if with_pdf:
                files = (
                    SimpleUploadedFile(
                        f"compte-rendu-{kind}.pdf",
                        demo_pdf(f"Compte rendu – {ExamKind(kind).label}", summary),
                        "application/pdf",
                    ),
                )
            done_on = received_on - timedelta(days=self.rng.randint(2, 15))
            exams.append(ExamInput(kind=kind, done_on=done_on, place=place, summary=summary, files=files))
        return exams

    def _submit(self, state: dict) -> None:
        case, site = state["case"], state["site"]
        entry = state["entry"]
        if case.outcome == "completed" or self.rng.random() < 0.4:
            referrer, channel = self.professionals["medecin"], self.rng.choice(["web", "web", "api"])
            actor = Actor(user=self.users["medecin"], channel="api" if channel == "api" else "web")
        else:
            digestive = SITES[site].pathway in ("digestive", "liver")
            referrer = (
                self.professionals["gastro3"]
                if digestive and self.rng.random() < 0.3
                else self.rng.choice(self.gps[1:])
            )
            channel = self.rng.choice(["phone", "phone", "mail"])
            actor = Actor(user=self.coordinators[entry])  # the coordinator types in what came by phone or mail
        gp = referrer if referrer.specialty == GP else self.rng.choice(self.gps)
        received_on = timezone.localdate()
        urgency = (
            "very_urgent"
            if case.outcome == "accepted" and case.incomplete
            else self.rng.choice(["routine", "urgent", "urgent"])
        )
        result = referral_submit(
            actor=actor,
            entry_point=self.entry_points[entry],
            channel=channel,
            patient=replace(state["identity"], gp_id=gp.pk),
            referrer=referrer,
            caller_name=f"Secrétariat du {referrer.display_name}" if channel == "phone" else "",
            suspected_site=site,
            clinical_reason=self.rng.choice(SITES[site].reasons),
            first_symptoms_date=None if case.incomplete else received_on - timedelta(days=self.rng.randint(15, 90)),
            declared_urgency=urgency,
            patient_informed=None if case.incomplete and self.rng.random() < 0.5 else True,
            exams=[] if case.incomplete else self._exams(site, received_on),
        )
        state.update(referral=result.referral, urgency=urgency)
        if result.patient_created and result.referral.patient.ins in self.to_qualify:
            patient_identity_status_set(
                actor=Actor(user=self.coordinators[entry]),
                patient_id=result.referral.patient_id,
                status=IdentityStatus.QUALIFIED,
                reason="INS vérifiée par le téléservice INSi, carte d'identité vue à l'accueil.",
            )

    def _decide(self, state: dict) -> None:
        case, referral = state["case"], state["referral"]
        actor = Actor(user=self.coordinators[state["entry"]])
        if case.outcome in ("accepted", "closed"):
            proposal = triage_propose(referral)
            pathway_kind = SITES[state["site"]].pathway
            priority = "P1" if not referral.is_complete else PRIORITY_OF_URGENCY[state["urgency"]]
            departs = (pathway_kind, priority) != (proposal.pathway_kind, proposal.priority)
            pathway = referral_accept_into_pathway(
                actor=actor,
                referral=referral,
                pathway_kind=pathway_kind,
                priority=priority,
                reason="Patient hors territoire accepté à la demande de son médecin."
                if referral.outside_territory
                else "",
                override_reason="Demande incomplète mais urgente : prise en charge sans attendre le complément."
                if departs and not referral.is_complete
                else ("Avis de la coordination après appel du médecin adresseur." if departs else ""),
                outside_territory_acknowledged=referral.outside_territory,
            )
            referral = pathway.referral
            state["pathway"] = pathway
            if referral.gp_id:
                # The coordination confirms the GP named on the referral: only then do they follow the patient.
                referral_confirm_gp(actor=actor, referral=referral)
            self._add_care_team(referral, state["site"], granted_by=actor.user)
        elif case.outcome == "declined":
            referral = referral_decline(actor=actor, referral=referral, reason=self._next("declined", DECLINE_REASONS))
        elif case.outcome == "redirected":
            redirected_to, reason = REDIRECTIONS.get(case.commune) or REDIRECTIONS[state["site"]]
            referral = referral_redirect(actor=actor, referral=referral, redirected_to=redirected_to, reason=reason)
        else:  # awaiting, completed
            missing = (
                ", ".join(item_label(item) for item in referral.missing_items) or "le compte rendu du dernier examen"
            )
            referral = referral_request_complement(
                actor=actor, referral=referral, message=f"Merci de compléter la demande : {missing}."
            )
        state["referral"] = referral

    def _follow_up(self, state: dict) -> None:
        referral = state["referral"]
        if state["case"].outcome in ("accepted", "closed"):
            self._record_first_milestones(state)
        if state["case"].outcome == "closed":
            pathway_record_outcome(
                actor=Actor(user=self.coordinators[state["entry"]]),
                pathway=state["pathway"],
                outcome="not_malignant",
                note=self._next("closed", CLOSE_REASONS),
            )
            return
        if state["case"].outcome == "accepted":
            return
        referral_complete(
            actor=Actor(user=self.users["medecin"]),
            referral=referral,
            message="Voici les examens demandés et la date des premiers symptômes.",
            first_symptoms_date=timezone.localdate() - timedelta(days=self.rng.randint(15, 60)),
            patient_informed=True,
            patient_phone=None if referral.patient.phone else self._phone(),
            exams=self._exams(state["site"], timezone.localdate()),
        )

    def _record_first_milestones(self, state: dict) -> None:
        """The coordination called the patient and saw them; some pathways go further, some are late."""
        actor = Actor(user=self.coordinators[state["entry"]])
        pathway = state["pathway"]
        steps = ["first_contact", "reception", "imaging"][: 1 + self.rng.randint(0, 2)]
        if state["case"].outcome == "closed":
            steps = ["first_contact", "reception", "imaging", "biopsy", "pathology_final"]
        for code in steps:
            milestone = pathway.milestones.filter(code=code, status="pending").first()
            if milestone is None or milestone.due_at is None:
                continue
            done_at = min(milestone.due_at, timezone.now())
            try:
                milestone_record(actor=actor, milestone=milestone, done_at=done_at, note="")
            except PathwayError:
                return  # a step it depends on is not done: stop there, as a real team would

    def _next(self, counter: str, choices: tuple[str, ...]) -> str:
        self.counters[counter] += 1
        return choices[(self.counters[counter] - 1) % len(choices)]

    def _add_care_team(self, referral: Referral, site: str, *, granted_by: User) -> None:
        """Who later services would add (the specialist on booking, the nurse and psychologist on orientation),
        granted by the coordinator who accepted the referral."""
        accepted = self.counters["accepted"] = self.counters["accepted"] + 1
        members = [("specialiste", CareTeamRole.SPECIALIST, "consultation de pneumologie")] if site == "lung" else []
        if accepted in (2, 5, 8):
            members.append(("infirmiere", CareTeamRole.HOME_NURSE, "soins infirmiers à domicile"))
        if accepted in (3, 5, 9):
            members.append(("support", CareTeamRole.SUPPORT_PROVIDER, "soutien psychologique"))
        for username, role, why in members:
            care_team_add(
                patient_id=referral.patient_id,
                role=role,
                professional_id=self.professionals[username].pk,
                reason=f"{referral.reference} : {why}",
                granted_by=granted_by,
            )
