"""Every write on pathways: start from a template, record milestones, the diagnostic outcome, tasks.

Due dates: each milestone's target delay counts from its reference milestone (its done time when
done, else its own due date) or from the pathway's start, in the unit the template says, through
the one working-time calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.freshness import data_changed
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.validation import future_date_error
from jalon.core.workcalendar import add_delay, due_at_opening, next_opening
from jalon.events.services import event_record
from jalon.pathways.errors import PathwayError, PathwayErrorCode
from jalon.pathways.models import (
    REQUEST_REFERENCE,
    Branch,
    LetterKind,
    Milestone,
    MilestoneStatus,
    MilestoneTemplate,
    Outcome,
    Pathway,
    PathwayStatus,
    PathwayTemplate,
    ResponsibleRole,
    Task,
)
from jalon.pathways.signals import pathway_changed
from jalon.patients.models import Patient
from jalon.referrals.completeness import item_label
from jalon.referrals.models import Referral
from jalon.referrals.models import Status as ReferralStatus
from jalon.referrals.services import opening_calendar, referral_close


def current_template_version(pathway_kind: str):
    template = PathwayTemplate.objects.filter(kind=pathway_kind).first()
    version = template.current_version() if template else None
    if version is None:
        raise PathwayError(PathwayErrorCode.NO_TEMPLATE, _("Aucun modèle de parcours publié pour ce type de parcours."))
    return version


def _create_milestones(pathway: Pathway, branch: str) -> None:
    templates = MilestoneTemplate.objects.filter(template_version=pathway.template_version, branch=branch).order_by(
        "order"
    )
    Milestone.objects.bulk_create(
        Milestone(pathway=pathway, template=template, code=template.code, label=template.label, order=template.order)
        for template in templates
    )


def recompute_due_dates(pathway: Pathway) -> list[Milestone]:
    """Recompute every pending milestone's due date; returns the milestones changed.

    A step's target is the one for the pathway's priority (`MilestoneTemplate.target_for`), counted from
    its reference (see `_reference_time`) in the entry point's working calendar (its department and
    closures). Then two rules: a step is never due before an earlier step it follows (its reference, the
    steps it depends on and the ones it `follows`: their done time, else their due date), and never while
    the entry point is closed (moved to its next opening, `workcalendar.next_opening`)."""
    referral = (
        Referral.objects.select_related("entry_point__organization")
        .prefetch_related("entry_point__closures")
        .get(pk=pathway.referral_id)
    )
    calendar = {**opening_calendar(referral.entry_point), "department": pathway.department or None}
    milestones = list(pathway.milestones.select_related("template").order_by("order"))
    changed = _plan_due_dates(pathway, referral, milestones, calendar)
    Milestone.objects.bulk_update(changed, ["due_at", "counted_from"])
    return changed


def _plan_due_dates(pathway: Pathway, referral: Referral, milestones: list[Milestone], calendar: dict) -> list:
    """`recompute_due_dates` on milestones in memory (each with its template), in their order, in the pathway's
    `calendar` (`opening_calendar` with the pathway's department): sets their due date and returns those changed."""
    by_code = {milestone.code: milestone for milestone in milestones}
    changed = []
    for milestone in milestones:
        template = milestone.template
        if milestone.status != MilestoneStatus.PENDING:
            continue
        new_due = counted_from = None
        target = template.target_for(pathway.priority)
        if target is not None:
            counted_from = _reference_time(pathway, referral, template.reference_code, by_code)
            if counted_from is not None:
                new_due = add_delay(
                    counted_from, *target, department=calendar["department"], closures=calendar["closures"]
                )
                new_due = max([new_due, *_times_followed(template, by_code)])
                new_due = next_opening(new_due, **calendar)
        if (new_due, counted_from) != (milestone.due_at, milestone.counted_from):
            milestone.due_at, milestone.counted_from = new_due, counted_from
            changed.append(milestone)
    return changed


def _times_followed(template: MilestoneTemplate, by_code: dict[str, Milestone]) -> list[datetime]:
    """When the earlier steps this one follows are done, or due: it is never due before them."""
    codes = {*template.depends_on, *template.follows, template.reference_code} - {"", REQUEST_REFERENCE}
    times = []
    for code in codes:
        earlier = by_code.get(code)
        if earlier is None or earlier.status == MilestoneStatus.SKIPPED:
            continue
        moment = earlier.done_at if earlier.status == MilestoneStatus.DONE else earlier.due_at
        if moment is not None:
            times.append(moment)
    return times


def _reference_time(
    pathway: Pathway, referral: Referral, reference_code: str, by_code: dict[str, Milestone]
) -> datetime | None:
    """Blank: the pathway's start (acceptance); "request": the referral's reception; else the reference
    step's done time, or its due date while pending."""
    if not reference_code:
        return pathway.started_at
    if reference_code == REQUEST_REFERENCE:
        return referral.received_at
    reference = by_code.get(reference_code)
    if reference is None:
        return None  # the reference belongs to a branch not (yet) taken
    if reference.status == MilestoneStatus.DONE:
        return reference.done_at
    return reference.due_at


@transaction.atomic
def pathway_start(
    *, actor: Actor, referral, priority: str, first_tasks: list[dict] | tuple = (), task_source: str = ""
) -> Pathway:
    """Start the referral's pathway from the current version of its template, milestones planned."""
    version = current_template_version(referral.pathway_kind)
    started_at = timezone.now()
    pathway = Pathway.objects.create(
        referral=referral,
        patient_id=referral.patient_id,
        template_version=version,
        priority=priority,
        department=referral.entry_point.organization.department or "",
        started_at=started_at,
        last_activity_at=started_at,
    )
    # The steps planned before they are written (what `_create_milestones` then `recompute_due_dates` would
    # give, without reading them back), and the first tasks, in the entry point's calendar: never due while
    # it is closed.
    prefetch_related_objects([referral.entry_point], "closures")
    calendar = {**opening_calendar(referral.entry_point), "department": pathway.department or None}
    milestones = [
        Milestone(pathway=pathway, template=template, code=template.code, label=template.label, order=template.order)
        for template in MilestoneTemplate.objects.filter(template_version=version, branch=Branch.ALWAYS).order_by(
            "order"
        )
    ]
    _plan_due_dates(pathway, referral, milestones, calendar)
    Milestone.objects.bulk_create(milestones)
    Task.objects.bulk_create(
        Task(
            pathway=pathway,
            label=task["label"],
            responsible_role=task.get("responsible_role", "coordinator"),
            due_at=due_at_opening(started_at, task["due_amount"], task["due_unit"], **calendar)
            if task.get("due_amount") is not None
            else None,
            source=task_source[:200],
        )
        for task in first_tasks
    )
    event_record(
        actor=actor,
        kind="pathway.started",
        patient_id=pathway.patient_id,
        referral_id=referral.pk,
        payload={"template": version.template.kind, "version": version.version, "priority": priority},
    )
    audit(actor, action=AuditAction.CREATE, patient_id=pathway.patient_id, object_type="pathway", object_id=pathway.pk)
    pathway_changed.send(sender=Pathway, pathway_id=pathway.pk)
    return pathway


def _require_open(pathway: Pathway) -> None:
    if pathway.is_closed:
        raise PathwayError(PathwayErrorCode.CLOSED, _("Ce parcours est clôturé : il ne peut plus être modifié."))


def _touch(pathway: Pathway, at: datetime) -> None:
    """Every pathway write ends here: the activity date for the lost-to-follow-up scan, then `pathway_changed`."""
    Pathway.objects.filter(pk=pathway.pk).update(last_activity_at=at, lost_to_follow_up=False)
    data_changed()  # no signal for update(): the polled pages must see it
    pathway.last_activity_at, pathway.lost_to_follow_up = at, False
    pathway_changed.send(sender=Pathway, pathway_id=pathway.pk)


@transaction.atomic
def milestone_record(
    *,
    actor: Actor,
    milestone: Milestone,
    done_at: datetime,
    note: str = "",
    document_id: int | None = None,
    appointment_reference: str = "",
) -> Milestone:
    """Record a milestone as done (when, by whom, with what); downstream due dates follow."""
    pathway = Pathway.objects.select_for_update().get(pk=milestone.pathway_id)
    _require_open(pathway)
    milestone = Milestone.objects.select_related("template").get(pk=milestone.pk)
    now = timezone.now()
    if future_error := future_date_error(done_at, what=_("La date de réalisation"), now=now):
        raise PathwayError(PathwayErrorCode.FUTURE_DATE, future_error, field="done_at")
    if done_at < pathway.started_at - timedelta(days=365):
        raise PathwayError(PathwayErrorCode.INVALID_DATE, _("Vérifiez la date de réalisation."), field="done_at")
    missing = [
        code
        for code in milestone.template.depends_on
        if pathway.milestones.filter(code=code)
        .exclude(status__in=[MilestoneStatus.DONE, MilestoneStatus.SKIPPED])
        .exists()
    ]
    if missing:
        labels = ", ".join(pathway.milestones.filter(code__in=missing).values_list("label", flat=True))
        raise PathwayError(PathwayErrorCode.DEPENDENCY, _("À enregistrer d'abord : %(labels)s.") % {"labels": labels})
    correction = milestone.status == MilestoneStatus.DONE
    milestone.status = MilestoneStatus.DONE
    milestone.done_at = done_at
    milestone.done_by = actor.user if getattr(actor.user, "is_authenticated", False) else None
    milestone.note = note.strip()
    milestone.document_id = document_id
    milestone.appointment_reference = appointment_reference.strip()[:200]
    milestone.save(update_fields=["status", "done_at", "done_by", "note", "document", "appointment_reference"])
    recompute_due_dates(pathway)
    event = event_record(
        actor=actor,
        kind="milestone.corrected" if correction else "milestone.recorded",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        occurred_at=done_at,
        payload={
            "milestone": milestone.code,
            "label": milestone.label,
            "done_at": done_at.isoformat(),
            "note": milestone.note,
        },
    )
    audit(
        actor, action=AuditAction.UPDATE, patient_id=pathway.patient_id, object_type="milestone", object_id=milestone.pk
    )
    if not correction:
        _tell_the_city(actor=actor, pathway=pathway, milestone=milestone, event=event)
    _touch(pathway, timezone.now())
    return milestone


def _tell_the_city(*, actor: Actor, pathway: Pathway, milestone: Milestone, event) -> None:
    """A recorded step the GP must hear of: the tumour board's decision, the end of the first diagnostic day."""
    from jalon.pathways import notifications

    if milestone.code == "tumour_board":
        notifications.notify_tumour_board_decision(
            pathway=pathway, event=event, decision=milestone.note, day=milestone.done_at, actor_user=actor.user
        )
    if (
        notifications.first_diagnostic_day_is_done(pathway, milestone)
        and not pathway.letters.filter(kind=LetterKind.FIRST_DIAGNOSTIC_DAY).exists()
    ):
        day_event = event_record(
            actor=actor,
            kind="pathway.first_diagnostic_day_done",
            patient_id=pathway.patient_id,
            referral_id=pathway.referral_id,
            occurred_at=milestone.done_at,
            payload={"milestone": milestone.code},
        )
        notifications.notify_first_diagnostic_day(pathway=pathway, event=day_event, day=milestone.done_at)


@transaction.atomic
def milestone_skip(*, actor: Actor, milestone: Milestone, reason: str) -> Milestone:
    """Mark an optional milestone as not needed for this patient."""
    pathway = Pathway.objects.select_for_update().get(pk=milestone.pathway_id)
    _require_open(pathway)
    milestone = Milestone.objects.select_related("template").get(pk=milestone.pk)
    if milestone.template.required:
        raise PathwayError(PathwayErrorCode.REQUIRED, _("Ce jalon est obligatoire : il ne peut pas être passé."))
    if not reason.strip():
        raise PathwayError(PathwayErrorCode.REASON_REQUIRED, _("Indiquez un motif."), field="reason")
    milestone.status = MilestoneStatus.SKIPPED
    milestone.note = reason.strip()
    milestone.save(update_fields=["status", "note"])
    recompute_due_dates(pathway)
    event_record(
        actor=actor,
        kind="milestone.skipped",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload={"milestone": milestone.code, "label": milestone.label, "reason": reason.strip()},
    )
    audit(
        actor, action=AuditAction.UPDATE, patient_id=pathway.patient_id, object_type="milestone", object_id=milestone.pk
    )
    _touch(pathway, timezone.now())
    return milestone


@transaction.atomic
def pathway_record_outcome(*, actor: Actor, pathway: Pathway, outcome: str, note: str = "") -> Pathway:
    """The diagnosis branch: malignant starts the treatment milestones; not malignant sends the closing
    report to the GP and closes the pathway."""
    pathway = (
        Pathway.objects.select_for_update()
        .select_related("referral", "referral__entry_point", "patient")
        .get(pk=pathway.pk)
    )
    _require_open(pathway)
    if pathway.outcome:
        raise PathwayError(PathwayErrorCode.OUTCOME_ALREADY_SET, _("L'issue du diagnostic est déjà enregistrée."))
    if outcome not in (Outcome.MALIGNANT, Outcome.NOT_MALIGNANT):
        raise PathwayError(PathwayErrorCode.INVALID_INPUT, _("Issue du diagnostic inconnue."), field="outcome")
    now = timezone.now()
    pathway.outcome = outcome
    pathway.save(update_fields=["outcome"])
    _create_milestones(pathway, outcome)
    recompute_due_dates(pathway)
    event_record(
        actor=actor,
        kind=f"pathway.outcome_{outcome}",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload={"outcome": outcome, "note": note.strip()},
    )
    audit(actor, action=AuditAction.UPDATE, patient_id=pathway.patient_id, object_type="pathway", object_id=pathway.pk)
    if outcome == Outcome.NOT_MALIGNANT:
        # The closing report is the return to the GP: that milestone is done as it is queued.
        pathway.milestones.filter(code="return_to_gp", status=MilestoneStatus.PENDING).update(
            status=MilestoneStatus.DONE,
            done_at=now,
            done_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
            note=_("Compte rendu de clôture adressé au médecin traitant."),
        )
        data_changed()  # no signal for update(): the polled pages must see it
        _close(
            actor=actor,
            pathway=pathway,
            reason=_("Diagnostic non malin : retour au médecin traitant."),
            at=now,
            conclusion=note.strip(),
        )
    _touch(pathway, now)
    return pathway


def _close(
    *, actor: Actor, pathway: Pathway, reason: str, at: datetime, conclusion: str = "", closing_report: bool = True
) -> None:
    """Close the pathway and its referral; the GP gets the closing report (not after a death: its notice said it)."""
    pathway.status = PathwayStatus.CLOSED
    pathway.closed_at = at
    pathway.save(update_fields=["status", "closed_at"])
    pathway.milestones.filter(status=MilestoneStatus.PENDING).update(due_at=None)
    data_changed()  # no signal for update(): the polled pages must see it
    event = event_record(
        actor=actor,
        kind="pathway.closed",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        payload={"reason": reason, "conclusion": conclusion},
    )
    if closing_report:
        from jalon.pathways.notifications import notify_closing_report

        notify_closing_report(pathway=pathway, event=event, reason=reason, conclusion=conclusion)
    referral = Referral.objects.get(pk=pathway.referral_id)
    if referral.status == ReferralStatus.ACCEPTED:
        # The referrer sees the loop closed; the closing report already told them, so no second message.
        referral_close(actor=actor, referral=referral, reason=reason, notify=False)


@transaction.atomic
def pathway_close(*, actor: Actor, pathway: Pathway, reason: str) -> Pathway:
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    _require_open(pathway)
    if not reason.strip():
        raise PathwayError(PathwayErrorCode.REASON_REQUIRED, _("Indiquez un motif."), field="reason")
    _close(actor=actor, pathway=pathway, reason=reason.strip(), at=timezone.now())
    audit(actor, action=AuditAction.UPDATE, patient_id=pathway.patient_id, object_type="pathway", object_id=pathway.pk)
    pathway_changed.send(sender=Pathway, pathway_id=pathway.pk)
    return pathway


@transaction.atomic
def task_complete(*, actor: Actor, task: Task) -> Task:
    pathway = Pathway.objects.select_for_update().get(pk=task.pathway_id)
    _require_open(pathway)
    task = Task.objects.get(pk=task.pk)
    if task.done_at is None:
        task.done_at = timezone.now()
        task.done_by = actor.user
        task.save(update_fields=["done_at", "done_by"])
        event_record(
            actor=actor,
            kind="task.done",
            patient_id=pathway.patient_id,
            referral_id=pathway.referral_id,
            payload={"task": task.label},
        )
        audit(actor, action=AuditAction.UPDATE, patient_id=pathway.patient_id, object_type="task", object_id=task.pk)
        _touch(pathway, task.done_at)
    return task


@transaction.atomic
def task_add(
    *, actor: Actor, pathway: Pathway, label: str, due_at: datetime | None, source: str = "", responsible_role: str = ""
) -> Task:
    """A task added to an open pathway by a service of an app above (the re-biopsy after a non-contributive
    pathology result, jalon/diagnostics): audited, the pathway's activity touched."""
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    _require_open(pathway)
    task = Task.objects.create(
        pathway=pathway,
        label=label[:300],
        responsible_role=responsible_role or ResponsibleRole.COORDINATOR,
        due_at=due_at,
        source=source[:200],
    )
    audit(actor, action=AuditAction.CREATE, patient_id=pathway.patient_id, object_type="task", object_id=task.pk)
    _touch(pathway, timezone.now())
    return task


def complement_tasks_add(*, actor: Actor, pathway: Pathway, items: list[str], due_at: datetime) -> list[Task]:
    """One task for the referrer per item asked at acceptance, named in French and due at `due_at`; the
    referrer's answer (provided, or « non réalisé ») closes it (`complement_tasks_close`)."""
    tasks = Task.objects.bulk_create(
        Task(
            pathway=pathway,
            label=_("Complément à fournir par l'adresseur : %(item)s") % {"item": item_label(item)},
            responsible_role=ResponsibleRole.REFERRER,
            due_at=due_at,
            source=_("Complément demandé à l'acceptation"),
            complement_item=item,
        )
        for item in items
    )
    audit(actor, action=AuditAction.CREATE, patient_id=pathway.patient_id, object_type="task", object_id=pathway.pk)
    return tasks


def complement_tasks_close(*, actor: Actor, referral_id: int, items: list[str]) -> None:
    """Close the open complement tasks of these items on the referral's pathway (receiver of
    `referrals.signals.complement_answered`, in the referrer's transaction)."""
    if not items:
        return
    open_tasks = Task.objects.filter(
        pathway__referral_id=referral_id, complement_item__in=items, done_at__isnull=True
    ).exclude(pathway__status=PathwayStatus.CLOSED)
    for task in open_tasks.select_related("pathway"):
        task_complete(actor=actor, task=task)


STAY_KINDS = ("admission", "transfer", "discharge", "death")


@transaction.atomic
def stay_event_record(
    *, actor: Actor, pathway: Pathway, stay_kind: str, occurred_at: datetime, place: str = "", note: str = ""
) -> Pathway:
    """An admission, transfer, discharge or death, told to the GP and the referrer (seed 001, fiche 7).

    A death closes the pathway (no closing report: the notice of the death is the last message)."""
    pathway = (
        Pathway.objects.select_for_update()
        .select_related("referral", "referral__entry_point", "patient")
        .get(pk=pathway.pk)
    )
    _require_open(pathway)
    if stay_kind not in STAY_KINDS:
        raise PathwayError(PathwayErrorCode.INVALID_INPUT, _("Type d'événement inconnu."), field="stay_kind")
    if future_error := future_date_error(occurred_at, what=_("La date")):
        raise PathwayError(PathwayErrorCode.FUTURE_DATE, future_error, field="occurred_at")
    if occurred_at < pathway.started_at - timedelta(days=365):
        raise PathwayError(PathwayErrorCode.INVALID_DATE, _("Vérifiez la date."), field="occurred_at")
    if stay_kind != "death" and not place.strip():
        raise PathwayError(
            PathwayErrorCode.REASON_REQUIRED, _("Indiquez le lieu (établissement et service)."), field="place"
        )
    event = event_record(
        actor=actor,
        kind=f"stay.{stay_kind}",
        patient_id=pathway.patient_id,
        referral_id=pathway.referral_id,
        occurred_at=occurred_at,
        payload={"place": place.strip(), "note": note.strip()},
    )
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=pathway.patient_id,
        object_type="pathway.stay",
        object_id=pathway.pk,
    )
    from jalon.pathways.notifications import notify_stay

    notify_stay(
        pathway=pathway,
        event=event,
        stay_kind=stay_kind,
        day=occurred_at,
        place=place.strip(),
        note=note.strip(),
        actor_user=actor.user,
    )
    if stay_kind == "death":
        _close(actor=actor, pathway=pathway, reason=_("Décès du patient."), at=timezone.now(), closing_report=False)
    _touch(pathway, timezone.now())
    return pathway


def pathways_merge_patient(*, actor: Actor, provisional: Patient, existing: Patient) -> dict:
    """Identity merge (`patients.services.PATIENT_MERGERS`): the provisional duplicate's pathways move to the
    known patient, with their referrals."""
    Pathway.objects.filter(patient=provisional).update(patient=existing)
    data_changed()  # no signal for update(): the polled pages must see it
    return {}
