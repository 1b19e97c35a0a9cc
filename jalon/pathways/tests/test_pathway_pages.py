"""The referral page's accept-with-triage section and the pathway page: proposal and why, override with a
reason, milestones recorded with due dates following, outcome and closure, access (404 / read-only).

The default templates and rules may or may not be loaded by migrations: the helpers below use what is
published and build a small lung template and a two-rule set only when nothing is.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from jalon.accounts.models import AuditAction, AuditRecord
from jalon.core.actor import Actor
from jalon.core.formatting import datetime_numeric
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.pathways.models import (
    AlertPolicy,
    Milestone,
    MilestoneStatus,
    MilestoneTemplate,
    Outcome,
    Pathway,
    PathwayStatus,
    PathwayTemplate,
    PathwayTemplateVersion,
    Task,
)
from jalon.pathways.selectors import milestone_status, pathway_page
from jalon.pathways.services import milestone_record, task_complete
from jalon.referrals.models import Status
from jalon.triage.models import TriageDecision, TriageRule, TriageRuleSet
from jalon.triage.services import published_rule_set, referral_accept_into_pathway, triage_propose

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 16, 9, 0, tzinfo=PARIS)  # no public holiday that week in Alsace

SMALL_LUNG_MILESTONES = [
    dict(
        code="reception",
        label="Accueil",
        order=1,
        responsible_role="specialist",
        target_amount=48,
        target_unit="working_hours",
        source="Seed 001 : accueil sous 48 h",
    ),
    dict(
        code="imaging",
        label="Imagerie (TEP-TDM)",
        order=2,
        responsible_role="radiologist",
        reference_code="reception",
        target_amount=3,
        target_unit="working_days",
    ),
    dict(
        code="biopsy",
        label="Biopsie",
        order=3,
        responsible_role="specialist",
        reference_code="reception",
        required=False,
        target_amount=5,
        target_unit="working_days",
    ),
    dict(
        code="tumour_board",
        label="RCP",
        order=4,
        responsible_role="tumour_board",
        reference_code="reception",
        target_amount=7,
        target_unit="days",
        source="Seed 000 : diagnostic complet en 7 jours",
    ),
    dict(
        code="treatment_start",
        label="Début du traitement",
        order=5,
        phase="treatment",
        branch="malignant",
        responsible_role="oncologist",
        reference_code="tumour_board",
        target_amount=14,
        target_unit="days",
    ),
]
SMALL_RULES = [
    dict(
        order=10,
        code="lung-imaging-lesion",
        comment="Suspicion de cancer du poumon avec une imagerie déjà faite.",
        conditions={"suspected_site_in": ["lung"], "exams_any": ["ct", "pet_ct", "biopsy"]},
        pathway_kind="lung",
        priority="P2",
        first_tasks=[
            {
                "label": "Réserver une consultation de pneumologie sous 48 h ouvrées",
                "responsible_role": "coordinator",
                "due_amount": 48,
                "due_unit": "working_hours",
            },
            {
                "label": "Programmer la TEP-TDM dans les 7 jours",
                "responsible_role": "coordinator",
                "due_amount": 7,
                "due_unit": "days",
            },
        ],
    ),
    dict(
        order=1000,
        code="default",
        comment="Toute autre demande : parcours générique.",
        conditions={},
        pathway_kind="generic",
        priority="P3",
        first_tasks=[],
    ),
]


def lung_template_version() -> PathwayTemplateVersion:
    """The published lung template: the shipped one when a migration loaded it, else a small one built here."""
    template, _ = PathwayTemplate.objects.get_or_create(kind="lung", defaults={"name": "Poumon"})
    version = template.current_version()
    if version is not None:
        return version
    version, _ = PathwayTemplateVersion.objects.get_or_create(
        template=template, version=1, defaults={"published_at": timezone.now(), "source": "Modèle de test"}
    )
    for spec in SMALL_LUNG_MILESTONES:
        MilestoneTemplate.objects.get_or_create(template_version=version, code=spec["code"], defaults=spec)
    return version


def triage_rule_set() -> TriageRuleSet:
    """The published rule set: the shipped one when a migration loaded it, else two rules built here."""
    rule_set = published_rule_set()
    if rule_set is not None:
        return rule_set
    rule_set, _ = TriageRuleSet.objects.get_or_create(version=1, defaults={"published_at": timezone.now()})
    for spec in SMALL_RULES:
        TriageRule.objects.get_or_create(rule_set=rule_set, code=spec["code"], defaults=spec)
    return rule_set


def recordable_milestone(pathway: Pathway) -> Milestone:
    """The first pending milestone with nothing to record before it."""
    return next(
        m
        for m in pathway.milestones.select_related("template").order_by("order")
        if m.status == MilestoneStatus.PENDING and not m.template.depends_on
    )


def downstream_milestone(pathway: Pathway, *, actor: Actor) -> tuple[Milestone, list[Milestone]]:
    """A pending milestone that others count their delay from, and those others; what it depends on is
    recorded first (done half an hour ago), so that it can be recorded itself."""
    milestones = list(pathway.milestones.select_related("template").order_by("order"))
    by_code = {m.code: m for m in milestones}
    for milestone in milestones:
        followers = [m for m in milestones if m.template.reference_code == milestone.code and m.due_at is not None]
        if milestone.status == MilestoneStatus.PENDING and followers:
            for code in milestone.template.depends_on:
                milestone_record(actor=actor, milestone=by_code[code], done_at=timezone.now() - timedelta(minutes=30))
            return milestone, [Milestone.objects.get(pk=m.pk) for m in followers]
    raise AssertionError("the lung template has no milestone that others count from")


def local_input(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(autouse=True)
def clock():
    """Every test runs on Monday 16 November 2026 at 10 h (Paris); a test moves it, then logs in again
    (sessions expire after 30 idle minutes)."""
    with time_machine.travel(MONDAY_9H + timedelta(hours=1), tick=False) as traveller:
        yield traveller


@pytest.fixture
def rules_and_templates(db):
    return triage_rule_set(), lung_template_version()


@pytest.fixture
def referral(rules_and_templates, submit):
    """A complete, urgent lung referral with a CT already done, received on a Monday at 9 h."""
    with time_machine.travel(MONDAY_9H, tick=False):
        return submit().referral


@pytest.fixture
def pathway(referral, coordinator):
    """The referral accepted as the rules propose (Monday 9 h)."""
    proposal = triage_propose(referral)
    with time_machine.travel(MONDAY_9H, tick=False):
        return referral_accept_into_pathway(
            actor=Actor(user=coordinator),
            referral=referral,
            pathway_kind=proposal.pathway_kind,
            priority=proposal.priority,
        )


def accept_url(referral) -> str:
    return reverse("coordination:action", args=[referral.reference, "accept"])


def pathway_url(pathway_or_referral, name: str = "detail", *args) -> str:
    reference = getattr(pathway_or_referral, "reference", None) or pathway_or_referral.referral.reference
    return reverse(f"pathways:{name}", args=[reference, *args])


def other_priority(priority: str) -> str:
    return "P1" if priority != "P1" else "P2"


# --- accepting from the referral page ----------------------------------------------------------------


def test_it_shows_the_rules_proposal_and_why(client, coordinator, referral):
    """The referral page names the rule, its clinical situation, each condition checked and the first tasks."""
    proposal = triage_propose(referral)
    client.force_login(coordinator)
    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    assert "Proposition des règles de tri" in page
    assert proposal.rule.code in page and proposal.rule.comment in page
    assert "Pourquoi ?" in page
    assert "cancer suspecté parmi</strong> : Poumon — dans la demande : Poumon" in page
    assert "condition remplie" in page
    assert "holds" not in page and "[&#x27;" not in page  # words, not the stored JSON
    for task in proposal.rule.first_tasks:
        assert task["label"].replace("'", "&#x27;") in page
    assert re.search(rf'<option value="{proposal.pathway_kind}" selected>', page)
    assert re.search(rf'<option value="{proposal.priority}" selected>', page)


def test_it_accepts_with_the_proposal_into_a_pathway(client, coordinator, referral):
    """Accepting as proposed starts the pathway with the rule's tasks, records the decision and opens the pathway
    page."""
    proposal = triage_propose(referral)
    client.force_login(coordinator)
    response = client.post(
        accept_url(referral), {"accept-pathway_kind": proposal.pathway_kind, "accept-priority": proposal.priority}
    )
    assert response.status_code == 302
    assert response["Location"] == pathway_url(referral)
    referral.refresh_from_db()
    pathway = Pathway.objects.get(referral=referral)
    assert (referral.status, pathway.priority, pathway.status) == (
        Status.ACCEPTED,
        proposal.priority,
        PathwayStatus.ACTIVE,
    )
    assert Task.objects.filter(pathway=pathway).count() == len(proposal.rule.first_tasks) > 0
    assert pathway.milestones.exclude(due_at=None).exists()
    decision = TriageDecision.objects.get(referral=referral)
    assert (decision.rule_id, decision.overridden, decision.override_reason) == (proposal.rule.pk, False, "")

    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()
    assert pathway_url(referral) in page
    assert proposal.rule.code in page and "Non : proposition suivie" in page


def test_it_requires_a_reason_to_depart_from_the_proposal(client, coordinator, referral):
    """Another priority without a reason: the French message on the field, nothing created, the choice kept."""
    proposal = triage_propose(referral)
    chosen = other_priority(proposal.priority)
    client.force_login(coordinator)
    response = client.post(
        accept_url(referral),
        {
            "accept-pathway_kind": proposal.pathway_kind,
            "accept-priority": chosen,
            "accept-reason": "Vu avec le pneumologue",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(
        r'id="id_accept-override_reason_error"[^>]*>\s*<li>Vous vous écartez de la proposition des règles', page
    )
    assert re.search(rf'<option value="{chosen}" selected>', page)
    assert "Vu avec le pneumologue" in page
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED
    assert not Pathway.objects.exists() and not TriageDecision.objects.exists()
    assert not Event.objects.filter(referral=referral, kind__in=["referral.accepted", "pathway.started"]).exists()


def test_it_records_an_override_with_its_reason(client, coordinator, referral):
    """With a reason the coordinator's choice wins; the decision says it departed from the rules, and why."""
    proposal = triage_propose(referral)
    chosen = other_priority(proposal.priority)
    client.force_login(coordinator)
    response = client.post(
        accept_url(referral),
        {
            "accept-pathway_kind": proposal.pathway_kind,
            "accept-priority": chosen,
            "accept-override_reason": "Hémoptysie signalée au téléphone",
        },
    )
    assert response.status_code == 302
    decision = TriageDecision.objects.get(referral=referral)
    assert (decision.overridden, decision.priority, decision.proposed_priority) == (True, chosen, proposal.priority)
    assert decision.override_reason == "Hémoptysie signalée au téléphone"
    assert Pathway.objects.get(referral=referral).priority == chosen
    assert Event.objects.filter(referral=referral, kind="triage.overridden").exists()
    page = client.get(pathway_url(referral)).content.decode()
    assert "Hémoptysie signalée au téléphone" in page
    assert "Proposition des règles de tri modifiée par la coordination" in page


def test_it_accepts_an_incomplete_referral_below_p1_with_its_complement_task(client, coordinator, referral):
    """Issue 14: an incomplete referral is accepted at P3 too; its missing item becomes a task of the pathway."""
    referral.is_complete = False
    referral.missing_items = ["document"]
    referral.save(update_fields=["is_complete", "missing_items"])
    client.force_login(coordinator)
    response = client.post(
        accept_url(referral),
        {"accept-pathway_kind": "lung", "accept-priority": "P3", "accept-override_reason": "Test"},
    )
    assert response.status_code == 302
    pathway = Pathway.objects.get(referral=referral)
    assert pathway.priority == "P3"
    assert list(pathway.tasks.exclude(complement_item="").values_list("complement_item", flat=True)) == ["document"]


# --- the pathway page ----------------------------------------------------------------------------------


def test_it_shows_the_pathway_with_due_dates_and_audits_the_read(client, coordinator, pathway):
    """Header, milestones in order with target and due date, tasks, timeline; the read is audited."""
    client.force_login(coordinator)
    response = client.get(pathway_url(pathway))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Parcours {pathway.referral.reference}" in page
    assert pathway.template_version.template.name in page and f"version {pathway.template_version.version}" in page
    labels = list(pathway.milestones.order_by("order").values_list("label", flat=True))
    positions = [page.index(f'<th scope="row">{label}'.replace("'", "&#x27;")) for label in labels]
    assert positions == sorted(positions)
    first_due = pathway.milestones.exclude(due_at=None).order_by("order").first()
    assert datetime_numeric(first_due.due_at) in page
    assert re.search(r"\d+ (heures ouvrées|heures|jours ouvrés|jours) après", page)
    assert "Parcours démarré" in page and "Demande acceptée" in page
    assert "Enregistrer l'étape" in page
    assert AuditRecord.objects.filter(
        actor=coordinator, patient_id=pathway.patient_id, action=AuditAction.READ, object_type="pathway"
    ).exists()


def test_it_shows_the_target_of_the_small_template_in_words(client, coordinator, pathway):
    """« 3 jours ouvrés après « Accueil » »: the delay, its unit and the reference step."""
    imaging = (
        pathway.milestones.select_related("template")
        .filter(template__reference_code__gt="")
        .exclude(template__reference_code="request")
        .first()
    )
    reference = pathway.milestones.get(code=imaging.template.reference_code)
    client.force_login(coordinator)
    page = client.get(pathway_url(pathway)).content.decode()
    assert f"après « {reference.label} »".replace("'", "&#x27;") in page


def test_it_records_a_milestone_and_moves_the_due_dates_downstream(client, coordinator, pathway, clock):
    """Recording a step earlier than its due date brings the following steps forward; the timeline shows it."""
    milestone, followers = downstream_milestone(pathway, actor=Actor(user=coordinator))
    before = {m.pk: m.due_at for m in followers}
    clock.move_to(MONDAY_9H + timedelta(hours=3))
    client.force_login(coordinator)
    response = client.post(
        pathway_url(pathway, "milestone_record", milestone.pk),
        {
            f"record-{milestone.pk}-done_at": local_input(MONDAY_9H + timedelta(hours=2)),
            f"record-{milestone.pk}-note": "Patient vu",
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.done_at, milestone.done_by_id) == (
        MilestoneStatus.DONE,
        MONDAY_9H + timedelta(hours=2),
        coordinator.pk,
    )
    after = {m.pk: m.due_at for m in Milestone.objects.filter(pk__in=before)}
    assert all(after[pk] != before[pk] for pk in before)
    page = client.get(pathway_url(pathway)).content.decode()
    timeline = page.split("Historique du parcours")[1]
    assert "Étape réalisée" in timeline and f"Étape : {milestone.label}" in timeline and "Note : Patient vu" in timeline
    assert Event.objects.filter(
        referral=pathway.referral, kind="milestone.recorded", payload__milestone=milestone.code
    ).exists()


def test_it_refuses_a_done_date_in_the_future_in_french(client, coordinator, pathway):
    """A future date: the French message on the field, nothing changed, what was typed kept."""
    milestone = recordable_milestone(pathway)
    typed = local_input(MONDAY_9H + timedelta(days=1))
    client.force_login(coordinator)
    response = client.post(
        pathway_url(pathway, "milestone_record", milestone.pk),
        {f"record-{milestone.pk}-done_at": typed, f"record-{milestone.pk}-note": "Saisie à corriger"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "La date de réalisation ne peut pas être dans le futur." in page
    assert f'value="{typed}"' in page and "Saisie à corriger" in page
    milestone.refresh_from_db()
    assert (milestone.status, milestone.done_at) == (MilestoneStatus.PENDING, None)
    assert not Event.objects.filter(kind="milestone.recorded").exists()


def test_it_refuses_a_malformed_date_in_french(client, coordinator, pathway):
    """A date that is not one: a French message and nothing recorded."""
    milestone = recordable_milestone(pathway)
    client.force_login(coordinator)
    response = client.post(
        pathway_url(pathway, "milestone_record", milestone.pk), {f"record-{milestone.pk}-done_at": "demain matin"}
    )
    assert response.status_code == 400
    assert "Saisissez une date et une heure valides." in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PENDING


def test_it_refuses_a_document_of_another_referral(client, coordinator, pathway, submit):
    """A milestone links only to a document of its own referral."""
    milestone = recordable_milestone(pathway)
    foreign = submit(patient=None).referral.documents.first()
    client.force_login(coordinator)
    response = client.post(
        pathway_url(pathway, "milestone_record", milestone.pk),
        {
            f"record-{milestone.pk}-done_at": local_input(timezone.now()),
            f"record-{milestone.pk}-document": str(foreign.pk),
        },
    )
    assert response.status_code == 400
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PENDING


def test_it_links_a_document_and_an_appointment(client, coordinator, pathway):
    """The document offered is the referral's; the appointment reference is kept."""
    milestone = recordable_milestone(pathway)
    document = pathway.referral.documents.first()
    client.force_login(coordinator)
    response = client.post(
        pathway_url(pathway, "milestone_record", milestone.pk),
        {
            f"record-{milestone.pk}-done_at": local_input(MONDAY_9H + timedelta(minutes=30)),
            f"record-{milestone.pk}-document": str(document.pk),
            f"record-{milestone.pk}-appointment_reference": "RDV-4521",
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.document_id, milestone.appointment_reference) == (document.pk, "RDV-4521")
    page = client.get(pathway_url(pathway)).content.decode()
    assert document.original_name in page and "RDV-4521" in page


def test_it_shows_overdue_and_due_soon_steps(client, coordinator, pathway, clock):
    """Past its due date a pending step is « En retard »; within the warning horizon, « Échéance proche »."""
    first = pathway.milestones.exclude(due_at=None).order_by("due_at").first()
    clock.move_to(first.due_at - timedelta(hours=2))
    client.force_login(coordinator)
    assert "Échéance proche" in client.get(pathway_url(pathway)).content.decode()
    clock.move_to(first.due_at + timedelta(hours=1))
    client.force_login(coordinator)
    assert "En retard" in client.get(pathway_url(pathway)).content.decode()


def test_it_takes_the_warning_window_from_the_newest_published_policy(pathway):
    """Default: 20 % of the step's window, 24 h at most; the newest published policy (not a draft) sets it."""
    milestone = pathway.milestones.exclude(due_at=None).order_by("due_at").first()
    now = milestone.due_at - timedelta(hours=3)
    assert milestone.counted_from is not None and milestone.due_at - milestone.counted_from >= timedelta(hours=24)
    assert milestone_status(milestone, now=now, warning_horizon=timedelta(hours=2)) == "planned"
    AlertPolicy.objects.update(published_at=None)
    assert {row.milestone.pk: row.status for row in pathway_page(pathway, now=now).milestones}[
        milestone.pk
    ] == "due_soon"
    newest = AlertPolicy.objects.aggregate(newest=Max("version"))["newest"] or 0
    AlertPolicy.objects.create(
        version=newest + 1, published_at=timezone.now(), warning_horizon_hours=48, warning_share_percent=10
    )
    AlertPolicy.objects.create(
        version=newest + 2, published_at=None, warning_horizon_hours=48, warning_share_percent=100
    )
    rows = {
        row.milestone.pk: row.status
        for row in pathway_page(Pathway.objects.select_related("referral").get(pk=pathway.pk), now=now).milestones
    }
    assert rows[milestone.pk] == "planned"
    assert (
        milestone_status(milestone, now=milestone.due_at + timedelta(minutes=1), warning_horizon=timedelta(hours=24))
        == "overdue"
    )


def test_it_skips_an_optional_step_only_with_a_reason(client, coordinator, pathway):
    """No reason: a French message and nothing changed; with one, the step is « Sans objet »."""
    optional = pathway.milestones.filter(template__required=False, status=MilestoneStatus.PENDING).first()
    assert optional is not None, "both the shipped and the fallback lung templates have an optional diagnosis step"
    client.force_login(coordinator)
    response = client.post(pathway_url(pathway, "milestone_skip", optional.pk), {f"skip-{optional.pk}-reason": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    optional.refresh_from_db()
    assert optional.status == MilestoneStatus.PENDING
    response = client.post(
        pathway_url(pathway, "milestone_skip", optional.pk),
        {f"skip-{optional.pk}-reason": "Diagnostic posé sur l'imagerie"},
    )
    assert response.status_code == 302
    optional.refresh_from_db()
    assert optional.status == MilestoneStatus.SKIPPED
    assert "Étape passée (sans objet)" in client.get(pathway_url(pathway)).content.decode()


def test_it_marks_a_task_done(client, coordinator, pathway):
    """« Fait » records who did the task and when; the timeline says so."""
    task = pathway.tasks.first()
    client.force_login(coordinator)
    assert client.post(pathway_url(pathway, "task_done", task.pk)).status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by_id == coordinator.pk
    assert "Tâche faite" in client.get(pathway_url(pathway)).content.decode()


def test_it_closes_on_a_not_malignant_outcome(client, coordinator, pathway, gp):
    """Not malignant: the pathway closes, the closing report is queued for the GP, the page is read-only."""
    client.force_login(coordinator)
    response = client.post(
        pathway_url(pathway, "outcome"), {"outcome-outcome": Outcome.NOT_MALIGNANT, "outcome-note": "Nodule bénin"}
    )
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert (pathway.status, pathway.outcome) == (PathwayStatus.CLOSED, Outcome.NOT_MALIGNANT)
    professional = gp.professional
    report = OutboxMessage.objects.get(recipient_professional=professional, kind="pathway.closed", channel="in_app")
    assert "Nodule bénin" in report.body

    page = client.get(pathway_url(pathway)).content.decode()
    assert "Parcours clôturé le" in page and "consultation seule" in page
    # Nothing may change the pathway any more; only the thread with the GP stays open (jalon.portal).
    actions = re.findall(r'<form[^>]*action="([^"]*)"', page.split('id="contenu"')[1])
    assert actions == [reverse("portal:thread_post", args=[pathway.referral.reference])]
    assert "Diagnostic : lésion non maligne" in page

    milestone = pathway.milestones.filter(status=MilestoneStatus.PENDING).first()
    response = client.post(
        pathway_url(pathway, "milestone_record", milestone.pk),
        {f"record-{milestone.pk}-done_at": local_input(timezone.now())},
    )
    assert response.status_code == 400
    assert "Ce parcours est clôturé" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PENDING


def test_it_starts_the_treatment_steps_on_a_malignant_outcome(client, coordinator, pathway):
    """Malignant: the treatment branch's steps join the table; the outcome form goes, closing stays."""
    client.force_login(coordinator)
    before = pathway.milestones.count()
    response = client.post(pathway_url(pathway, "outcome"), {"outcome-outcome": Outcome.MALIGNANT})
    assert response.status_code == 302
    assert pathway.milestones.count() > before
    page = client.get(pathway_url(pathway)).content.decode()
    assert "Cancer confirmé" in page and "Enregistrer l'issue" not in page and "Clôturer le parcours" in page


def test_it_refuses_an_unknown_outcome(client, coordinator, pathway):
    """An outcome outside the two branches is refused in French; nothing changes."""
    client.force_login(coordinator)
    response = client.post(pathway_url(pathway, "outcome"), {"outcome-outcome": "peut-être"})
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    pathway.refresh_from_db()
    assert (pathway.outcome, pathway.status) == ("", PathwayStatus.ACTIVE)


def test_it_closes_only_with_a_reason(client, coordinator, pathway):
    """Closing without a reason is refused; with one the pathway is closed and says why."""
    client.force_login(coordinator)
    assert client.post(pathway_url(pathway, "close"), {"close-reason": "  "}).status_code == 400
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.ACTIVE
    assert client.post(pathway_url(pathway, "close"), {"close-reason": "Patient suivi ailleurs"}).status_code == 302
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.CLOSED
    assert "Motif : Patient suivi ailleurs" in client.get(pathway_url(pathway)).content.decode()


# --- access --------------------------------------------------------------------------------------------


def test_it_answers_404_to_another_gp(client, other_gp, pathway):
    """A GP with no link to the patient cannot tell the pathway exists, nor change it."""
    milestone = recordable_milestone(pathway)
    client.force_login(other_gp)
    assert client.get(pathway_url(pathway)).status_code == 404
    response = client.post(
        pathway_url(pathway, "milestone_record", milestone.pk),
        {f"record-{milestone.pk}-done_at": local_input(timezone.now())},
    )
    assert response.status_code == 404
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PENDING


def test_it_answers_404_to_a_coordinator_elsewhere(client, coordinator_elsewhere, pathway):
    """A coordinator of another organisation does not reach the CPTS's pathway."""
    client.force_login(coordinator_elsewhere)
    assert client.get(pathway_url(pathway)).status_code == 404
    assert client.post(pathway_url(pathway, "close"), {"close-reason": "x"}).status_code == 404


def test_it_answers_404_before_acceptance(client, coordinator, referral):
    """A referral not (yet) accepted has no pathway page."""
    client.force_login(coordinator)
    assert client.get(pathway_url(referral)).status_code == 404


def test_it_shows_the_referrer_a_read_only_page(client, gp, pathway):
    """The referring GP follows the pathway but records nothing."""
    milestone = recordable_milestone(pathway)
    client.force_login(gp)
    response = client.get(pathway_url(pathway))
    assert response.status_code == 200
    page = response.content.decode()
    assert milestone.label.replace("'", "&#x27;") in page and "Consultation seule" in page
    main = page.split('id="contenu"')[1]
    assert "<form" not in main
    response = client.post(
        pathway_url(pathway, "milestone_record", milestone.pk),
        {f"record-{milestone.pk}-done_at": local_input(timezone.now())},
    )
    assert response.status_code == 403
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PENDING
    assert client.post(pathway_url(pathway, "task_done", pathway.tasks.first().pk)).status_code == 403


def test_it_keeps_the_number_of_queries_constant(client, coordinator, pathway, django_assert_max_num_queries):
    """More steps done, tasks done and events do not add queries to the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as captured:
        client.get(pathway_url(pathway))
    few = len(captured)
    actor = Actor(user=coordinator)
    free = [m for m in pathway.milestones.select_related("template").order_by("order") if not m.template.depends_on]
    for milestone in free[:3]:
        milestone_record(
            actor=actor,
            milestone=milestone,
            done_at=timezone.now(),
            note="fait",
            document_id=pathway.referral.documents.first().pk,
        )
    for task in pathway.tasks.all():
        task_complete(actor=actor, task=task)
    assert Event.objects.filter(referral=pathway.referral).count() > 5
    with django_assert_max_num_queries(few):
        client.get(pathway_url(pathway))


def test_it_links_to_the_patient_page_for_those_who_reach_it(client, coordinator, gp, pathway):
    """The coordination goes from the pathway to the patient's page and care team; the referrer, who reaches
    this pathway but not the patient's whole file, sees no link to a page that would answer 404."""
    patient_page = reverse("patients:detail", args=[pathway.patient_id])
    client.force_login(coordinator)
    assert patient_page in client.get(pathway_url(pathway)).content.decode()

    client.force_login(gp)
    response = client.get(pathway_url(pathway))
    assert response.status_code in (200, 404) and patient_page not in response.content.decode()
