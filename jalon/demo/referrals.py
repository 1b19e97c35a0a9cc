"""The demo's fifty referrals, told over the last three weeks through the real services: submitted by
phone, mail, web or API, answered, completed, accepted into pathways with their first milestones, declined,
redirected or closed. The story (suspected sites, plan of cases, reasons) is data/referrals.json.

Each step runs at its own moment (time-machine), so received dates, answer deadlines and events tell a
consistent story; every draw comes from the demo's seeded generator, in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jalon.accounts.models import User
from jalon.core.actor import Actor
from jalon.core.demo_data import make_ins
from jalon.demo.context import SEED, DemoContext
from jalon.demo.datafiles import demo_data
from jalon.demo.directory import GP, DemoDirectory, territory_communes
from jalon.demo.pdf import demo_pdf
from jalon.pathways.errors import PathwayError
from jalon.pathways.services import milestone_record, pathway_record_outcome
from jalon.patients.models import CareTeamRole, IdentityStatus, Sex
from jalon.patients.services import PatientIdentity, care_team_add, patient_identity_status_set
from jalon.referrals.completeness import item_label
from jalon.referrals.models import ExamKind, Referral
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

PRIORITY_OF_URGENCY = {"very_urgent": "P1", "urgent": "P2", "routine": "P3"}


@dataclass(frozen=True)
class SiteProfile:
    pathway: str
    reasons: tuple[str, ...]
    exams: tuple[tuple[str, str, str, bool], ...]  # kind, place, summary, with a PDF report
    female_only: bool = False


@dataclass
class Case:
    """One demo referral: when it came in and where it ends up."""

    days_ago: float
    outcome: str  # received, awaiting, completed (awaited then completed), accepted, closed, declined, redirected
    site: str = ""
    commune: str = ""
    incomplete: bool = False
    same_patient: str = ""  # cases sharing this key are two referrals for one patient


def _story() -> dict:
    return demo_data("referrals")


@cache
def demo_sites() -> dict[str, SiteProfile]:
    """What each suspected site's referrals say: the pathway it leads to, the reasons, the exams done before."""
    return {
        key: SiteProfile(
            pathway=row["pathway"],
            reasons=tuple(row["reasons"]),
            exams=tuple((exam["kind"], exam["place"], exam["summary"], exam["with_report"]) for exam in row["exams"]),
            female_only=row.get("female_only", False),
        )
        for key, row in _story()["sites"].items()
    }


def _site_pool() -> list[str]:
    """How often each suspected site comes up among the fifty referrals, in the order they are drawn from."""
    return [site for group in _story()["site_pool"] for site in group["sites"] * group["times"]]


def _plan() -> list[Case]:
    return [Case(**row) for row in _story()["plan"]]


def _patient_communes() -> tuple[str, ...]:
    """Where the patients live: the communes of the territory, Strasbourg weighing more."""
    communes = territory_communes()
    return (communes[0],) * 5 + communes[1:]


def _redirection(commune: str, site: str) -> tuple[str, str]:
    """Where a referral is redirected, and why: by the patient's commune, else by the suspected site."""
    redirections = _story()["redirections"]
    row = redirections.get(commune) or redirections[site]
    return row["to"], row["reason"]


class ReferralStory:
    """Plays the plan of data/referrals.json at the demo's entry points."""

    def __init__(self, context: DemoContext, directory: DemoDirectory, users: dict[str, User]):
        self.now, self.rng, self.fake = context.now, context.rng, context.names
        self._phone = context.phone
        self.professionals, self.entry_points = directory.professionals, directory.entry_points
        self.gps = directory.gps
        self.users = users
        self.coordinators = {"cpts": users["coordination"], "hospital": users["coordination.hopital"]}

    def play(self) -> None:
        """Lay every case's steps on one time line, then play them in order, each at its own moment."""
        for moment, _index, step, state in sorted(self._timeline(), key=lambda item: (item[0], item[1])):
            with time_machine.travel(moment, tick=False):
                step(state)

    def _timeline(self) -> list[tuple]:
        """(moment, case index, step, state) of every case: submitted, then answered, then followed up."""
        site_pool, plan = _site_pool(), _plan()
        sites = self.rng.sample(site_pool, len(site_pool))
        patients: dict[str, tuple[PatientIdentity, str]] = {}
        used_ins: set[str] = set()
        self.counters = {"accepted": 0, "declined": 0, "closed": 0}
        self.to_qualify: set[str] = set()
        steps = []
        for index, (case, pooled_site) in enumerate(zip(plan, sites, strict=True)):
            received_at = self._received_at(case.days_ago)
            site, identity = self._patient(index, case, pooled_site, patients, used_ins)
            entry = "hospital" if index % 3 == 2 else "cpts"  # both queues get every status
            state = {"case": case, "site": site, "identity": identity, "entry": entry}
            steps.append((received_at, index, self._submit, state))
            first, second = self._decision_times(case, received_at)
            if case.outcome != "received":
                steps.append((first, index, self._decide, state))
            if case.outcome in ("closed", "completed", "accepted"):
                steps.append((second, index, self._follow_up, state))
        return steps

    def _patient(self, index: int, case: Case, pooled_site: str, patients: dict, used_ins: set[str]):
        """The suspected site and the identity typed for a case; a second referral for one patient reuses them."""
        if case.same_patient in patients:
            identity, site = patients[case.same_patient]
            if case.same_patient == "B":  # typed again without the INS: found by name and birth date
                identity = replace(identity, ins="", identity_status=IdentityStatus.PROVISIONAL)
            return site, identity
        site = case.site or pooled_site
        identity = self._identity(index, site, case, used_ins)
        if case.same_patient:
            patients[case.same_patient] = (identity, site)
        return site, identity

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
        sex = Sex.FEMALE if demo_sites()[site].female_only else self.rng.choice([Sex.FEMALE, Sex.MALE])
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
            commune_code=case.commune or self.rng.choice(_patient_communes()),
            phone="" if case.incomplete and self.rng.random() < 0.5 else self._phone(),
        )

    def _exams(self, site: str, received_on: date) -> list[ExamInput]:
        exams = []
        for kind, place, summary, with_pdf in demo_sites()[site].exams:
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
            digestive = demo_sites()[site].pathway in ("digestive", "liver")
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
            clinical_reason=self.rng.choice(demo_sites()[site].reasons),
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
            pathway_kind = demo_sites()[state["site"]].pathway
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
            referral = referral_decline(
                actor=actor, referral=referral, reason=self._next("declined", tuple(_story()["decline_reasons"]))
            )
        elif case.outcome == "redirected":
            redirected_to, reason = _redirection(case.commune, state["site"])
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
                note=self._next("closed", tuple(_story()["close_reasons"])),
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
