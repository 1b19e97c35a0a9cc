"""Writes on schedules: generate slots, book (all or nothing), cancel, reschedule, release.

Double booking is impossible by construction: the `one_booking_per_slot` partial unique index
refuses a second booked appointment on a slot, whichever server or process tries; a group of
bookings runs in one transaction, so it takes all its slots or none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.audit import audit
from jalon.accounts.freshness import data_changed
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor
from jalon.core.workcalendar import PARIS, subtract_delay
from jalon.events.services import event_record
from jalon.pathways.models import Milestone, Pathway
from jalon.patients.models import CareTeamRole
from jalon.patients.services import care_team_add
from jalon.scheduling.eligibility import (
    bookable_from,
    lead_time,
    may_use,
    resource_site_key,
    resource_specialty,
    serves_specialty,
)
from jalon.scheduling.errors import SchedulingError, SchedulingErrorCode
from jalon.scheduling.models import Appointment, AppointmentStatus, Closure, Resource, Slot, SlotRelease
from jalon.scheduling.notifications import notify_booked, notify_cancelled, notify_rebooked


def slots_generate(*, resource: Resource, start: date, end: date) -> int:
    """Create the slots of `resource`'s weekly openings from `start` to `end` (inclusive), skipping its
    closures and public holidays; idempotent (existing slots are kept). Returns how many were created."""
    from jalon.core.workcalendar import public_holidays

    department = resource.organization.department
    closed = set(Closure.objects.filter(resource=resource, day__range=(start, end)).values_list("day", flat=True))
    openings = list(resource.openings.all())
    new_slots = []
    day = start
    while day <= end:
        if day not in closed and day not in public_holidays(day.year, department=department):
            for opening in openings:
                if (
                    opening.weekday != day.weekday()
                    or day < opening.valid_from
                    or (opening.valid_until and day > opening.valid_until)
                ):
                    continue
                moment = datetime.combine(day, opening.start_time, tzinfo=PARIS)
                finish = datetime.combine(day, opening.end_time, tzinfo=PARIS)
                step = timedelta(minutes=opening.slot_minutes)
                while moment + step <= finish:
                    restricted = bool(opening.reserved_for) or opening.urgent
                    release_at = (
                        subtract_delay(moment, opening.release_amount, opening.release_unit, department=department)
                        if restricted and opening.release_amount is not None and opening.release_unit
                        else None
                    )
                    new_slots.append(
                        Slot(
                            resource=resource,
                            start=moment,
                            end=moment + step,
                            reserved_for=sorted(opening.reserved_for),
                            urgent=opening.urgent,
                            release_at=release_at,
                        )
                    )
                    moment += step
        day += timedelta(days=1)
    before = Slot.objects.filter(resource=resource).count()
    Slot.objects.bulk_create(new_slots, ignore_conflicts=True, batch_size=500)
    return Slot.objects.filter(resource=resource).count() - before


@dataclass(frozen=True)
class BookingRequest:
    milestone: Milestone
    slot: Slot


def _check(request: BookingRequest, pathway: Pathway, now: datetime) -> None:
    slot, milestone = request.slot, request.milestone
    if milestone.pathway_id != pathway.pk:
        raise SchedulingError(SchedulingErrorCode.INVALID_INPUT, _("Cette étape n'appartient pas à ce parcours."))
    if slot.start <= now:
        raise SchedulingError(SchedulingErrorCode.SLOT_IN_PAST, _("Ce créneau est déjà passé."))
    if slot.start < bookable_from(now):
        raise SchedulingError(
            SchedulingErrorCode.SLOT_TOO_SOON,
            _(
                "Ce créneau commence dans moins de %(minutes)s minutes : le patient n'aurait pas le temps d'être "
                "prévenu et de venir."
            )
            % {"minutes": int(lead_time().total_seconds() // 60)},
        )
    kind = milestone.template.resource_kind
    if kind and slot.resource.kind != kind:
        raise SchedulingError(SchedulingErrorCode.WRONG_RESOURCE, _("Ce créneau ne correspond pas à l'examen demandé."))
    specialty = milestone.template.specialty
    if not serves_specialty(resource_specialty=resource_specialty(slot.resource), step_specialty=specialty):
        raise SchedulingError(
            SchedulingErrorCode.WRONG_SPECIALTY,
            _(
                "« %(resource)s » n'appartient pas à un service de %(specialty)s : l'étape « %(label)s » demande "
                "cette spécialité."
            )
            % {
                "resource": slot.resource.name,
                "specialty": milestone.template.get_specialty_display().lower(),
                "label": milestone.label,
            },
        )
    if not may_use(slot=slot, pathway_kind=pathway.template_version.template.kind, priority=pathway.priority, now=now):
        raise SchedulingError(
            SchedulingErrorCode.SLOT_NOT_ELIGIBLE,
            _("Ce créneau est réservé (parcours dédié ou urgence P1) : il n'est pas accessible à ce patient."),
        )


def _check_same_site(requests: list[BookingRequest], pathway: Pathway) -> None:
    """The steps of one same-day group (the diagnostic day), those booked now and those already booked
    and kept, are at one site: one organisation, or organisations the manager declared one campus."""
    planned = {request.milestone.pk for request in requests}
    sites: dict[str, dict[str, str]] = {}
    for request in requests:
        group = request.milestone.template.same_day_group
        if group:
            sites.setdefault(group, {})[resource_site_key(request.slot.resource)] = (
                request.slot.resource.organization.name
            )
    if not sites:
        return
    kept = (
        Appointment.objects.filter(
            pathway=pathway, status=AppointmentStatus.BOOKED, milestone__template__same_day_group__in=list(sites)
        )
        .exclude(milestone_id__in=planned)
        .exclude(slot__blocked=True)  # closed after booking: to be rebooked too
        .select_related("milestone__template", "slot__resource__organization__campus_site")
    )
    for appointment in kept:
        resource = appointment.slot.resource
        sites[appointment.milestone.template.same_day_group][resource_site_key(resource)] = resource.organization.name
    for names in sites.values():
        if len(names) > 1:
            raise SchedulingError(
                SchedulingErrorCode.SITES_APART,
                _(
                    "Les rendez-vous d'une même journée doivent avoir lieu sur un seul site (ou sur les sites d'un "
                    "même campus) : "
                    "%(sites)s ne sont pas déclarés comme un même campus."
                )
                % {"sites": " et ".join(sorted(names.values()))},
            )


def appointments_book(
    *, actor: Actor, pathway: Pathway, requests: list[BookingRequest], replace_existing: bool = False
) -> list[Appointment]:
    """Book every requested slot for the pathway's steps, or none of them (SchedulingError).

    With `replace_existing`, the steps' current appointments are cancelled in the same transaction
    (a reschedule): if a new slot is taken, the old appointments stay.
    """
    if not requests:
        raise SchedulingError(SchedulingErrorCode.INVALID_INPUT, _("Aucun créneau choisi."))
    if len({r.slot.pk for r in requests}) != len(requests):
        raise SchedulingError(SchedulingErrorCode.INVALID_INPUT, _("Le même créneau est choisi deux fois."))
    group = uuid.uuid4()
    try:
        with transaction.atomic():
            pathway = (
                Pathway.objects.select_for_update(of=("self",))
                .select_related("template_version__template")
                .get(pk=pathway.pk)
            )
            if pathway.is_closed:
                raise SchedulingError(SchedulingErrorCode.PATHWAY_CLOSED, _("Ce parcours est clôturé."))
            now = timezone.now()
            # One lock order for every booking (slot ids ascending): groups wanting the same slots in another
            # order wait for each other instead of deadlocking. No double booking is still the index's job.
            list(
                Slot.objects.select_for_update()
                .filter(pk__in=[r.slot.pk for r in requests])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            appointments, closed_reasons = [], []
            requests = [
                BookingRequest(
                    milestone=Milestone.objects.select_related("template").get(pk=request.milestone.pk),
                    slot=Slot.objects.select_related("resource__service", "resource__organization__campus_site").get(
                        pk=request.slot.pk
                    ),
                )
                for request in requests
            ]
            for request in requests:
                _check(request, pathway, now)
            _check_same_site(requests, pathway)
            for request in requests:
                slot, milestone = request.slot, request.milestone
                if replace_existing:
                    for cancelled, _event in _cancel_active(
                        actor=actor, milestone=milestone, reason=_("Reprogrammé"), now=now
                    ):
                        if cancelled.slot.blocked:  # moved off a slot a closure blocked
                            closed_reasons.append(cancelled.slot.blocked_reason)
                elif Appointment.objects.filter(milestone=milestone, status=AppointmentStatus.BOOKED).exists():
                    raise SchedulingError(
                        SchedulingErrorCode.ALREADY_BOOKED,
                        _("L'étape « %(label)s » a déjà un rendez-vous : reprogrammez-la.")
                        % {"label": milestone.label},
                    )
                appointments.append(
                    Appointment.objects.create(
                        slot=slot,
                        pathway=pathway,
                        milestone=milestone,
                        group=group,
                        booked_by=actor.user,
                        booked_at=now,
                        used_reserved=slot.is_restricted and not slot.is_released(now),
                    )
                )
                Milestone.objects.filter(pk=milestone.pk).update(
                    planned_at=slot.start, appointment_reference=slot.resource.name[:200]
                )
                data_changed()  # no signal for update(): the polled pages must see it
                if slot.resource.professional_id:
                    care_team_add(
                        patient_id=pathway.patient_id,
                        role=CareTeamRole.SPECIALIST,
                        professional_id=slot.resource.professional_id,
                        reason=pathway.referral.reference,
                        granted_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
                    )
                booked_event = event_record(
                    actor=actor,
                    kind="appointment.booked",
                    patient_id=pathway.patient_id,
                    referral_id=pathway.referral_id,
                    payload={
                        "milestone": milestone.label,
                        "resource": slot.resource.name,
                        "start": slot.start.isoformat(),
                        "group": str(group),
                    },
                )
            Pathway.objects.filter(pk=pathway.pk).update(last_activity_at=now, lost_to_follow_up=False)
            data_changed()  # no signal for update(): the polled pages must see it
            audit(
                actor,
                action=AuditAction.CREATE,
                patient_id=pathway.patient_id,
                object_type="appointment",
                object_id=str(group),
            )
            booked = list(
                Appointment.objects.filter(group=group).select_related(
                    "slot__resource__organization__commune", "milestone"
                )
            )
            if closed_reasons:
                reason = "; ".join(dict.fromkeys(reason for reason in closed_reasons if reason)) or _("fermeture")
                first = min(booked, key=lambda appointment: appointment.slot.start)
                rebooked_event = event_record(
                    actor=actor,
                    kind="appointment.rebooked",
                    patient_id=pathway.patient_id,
                    referral_id=pathway.referral_id,
                    payload={
                        "milestone": first.milestone.label,
                        "resource": first.slot.resource.name,
                        "start": first.slot.start.isoformat(),
                        "group": str(group),
                        "reason": reason,
                    },
                )
                notify_rebooked(
                    pathway=pathway, appointments=booked, event=rebooked_event, reason=reason, actor_user=actor.user
                )
            else:
                notify_booked(
                    pathway=pathway,
                    appointments=booked,
                    event=booked_event,
                    rescheduled=replace_existing,
                    actor_user=actor.user,
                )
    except IntegrityError as error:
        raise SchedulingError(
            SchedulingErrorCode.SLOT_TAKEN,
            _("Un des créneaux vient d'être réservé par quelqu'un d'autre : rien n'a été réservé."),
        ) from error
    return appointments


def _cancel_active(*, actor: Actor, milestone: Milestone, reason: str, now: datetime) -> list:
    """Cancel the step's booked appointments; returns (appointment, event) pairs."""
    cancelled = []
    for appointment in Appointment.objects.filter(milestone=milestone, status=AppointmentStatus.BOOKED).select_related(
        "slot__resource__organization__commune", "milestone", "pathway"
    ):
        Appointment.objects.filter(pk=appointment.pk).update(
            status=AppointmentStatus.CANCELLED, cancelled_at=now, cancelled_by=actor.user, cancel_reason=reason[:300]
        )
        data_changed()  # no signal for update(): the polled pages must see it
        event = event_record(
            actor=actor,
            kind="appointment.cancelled",
            patient_id=appointment.pathway.patient_id,
            referral_id=appointment.pathway.referral_id,
            payload={
                "milestone": milestone.label,
                "resource": appointment.slot.resource.name,
                "start": appointment.slot.start.isoformat(),
                "reason": reason,
            },
        )
        cancelled.append((appointment, event))
    return cancelled


@transaction.atomic
def appointment_cancel(*, actor: Actor, appointment: Appointment, reason: str) -> Appointment:
    """Cancel a booked appointment: the slot is free again, the history keeps both."""
    if not reason.strip():
        raise SchedulingError(
            SchedulingErrorCode.REASON_REQUIRED, _("Indiquez le motif de l'annulation."), field="reason"
        )
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("pathway", "milestone")
        .get(pk=appointment.pk)
    )
    if appointment.status != AppointmentStatus.BOOKED:
        raise SchedulingError(SchedulingErrorCode.NOT_BOOKED, _("Ce rendez-vous est déjà annulé."))
    now = timezone.now()
    for cancelled, event in _cancel_active(
        actor=actor, milestone=appointment.milestone, reason=reason.strip(), now=now
    ):
        notify_cancelled(
            pathway=appointment.pathway,
            appointment=cancelled,
            event=event,
            reason=reason.strip(),
            actor_user=actor.user,
        )
    Milestone.objects.filter(pk=appointment.milestone_id).update(planned_at=None, appointment_reference="")
    data_changed()  # no signal for update(): the polled pages must see it
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=appointment.pathway.patient_id,
        object_type="appointment",
        object_id=appointment.pk,
    )
    appointment.refresh_from_db()
    return appointment


def slots_release_due(*, now: datetime | None = None) -> int:
    """Record the release of every still-free reserved or urgent slot whose release time has come.

    Idempotent: a slot is released once (conditional update, and one SlotRelease row per slot).
    """
    now = now or timezone.now()
    due = (
        Slot.objects.filter(released_at__isnull=True, release_at__lte=now, start__gt=now, blocked=False)
        .exclude(appointments__status=AppointmentStatus.BOOKED)
        .values_list("pk", "reserved_for", "urgent")
    )
    released = 0
    for slot_id, reserved_for, urgent in due:
        with transaction.atomic():
            if Slot.objects.filter(pk=slot_id, released_at__isnull=True).update(released_at=now):
                SlotRelease.objects.create(slot_id=slot_id, released_at=now, reserved_for=reserved_for, urgent=urgent)
                released += 1
            data_changed()  # no signal for update(): the polled pages must see it
    return released


@transaction.atomic
def closure_add(
    *, actor: Actor, day: date, reason: str, resource: Resource | None = None, organization=None
) -> list[Appointment]:
    """Close `resource` (or every active resource of `organization`: a holiday of the site) on `day`,
    after its slots were generated: the day's slots are blocked at once (nobody can be proposed or
    book them) and the appointments already booked on them are returned, to be rebooked by the
    coordination (`appointments_to_rebook`). Idempotent: closing a closed day again changes nothing."""
    if (resource is None) == (organization is None):
        raise SchedulingError(SchedulingErrorCode.INVALID_INPUT, _("Choisissez une ressource ou un établissement."))
    reason = reason.strip()
    if not reason:
        raise SchedulingError(
            SchedulingErrorCode.REASON_REQUIRED, _("Indiquez le motif de la fermeture."), field="reason"
        )
    resources = (
        [resource] if resource is not None else list(Resource.objects.filter(organization=organization, is_active=True))
    )
    for closed in resources:
        Closure.objects.get_or_create(resource=closed, day=day, defaults={"reason": reason[:200]})
    start = datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
    slots = Slot.objects.filter(resource__in=resources, start__gte=start, start__lt=start + timedelta(days=1))
    slots.filter(blocked=False).update(blocked=True, blocked_reason=reason[:200])
    data_changed()  # no signal for update(): the polled pages must see it
    affected = list(
        Appointment.objects.filter(slot__in=slots, status=AppointmentStatus.BOOKED)
        .select_related("pathway", "milestone", "slot__resource")
        .order_by("slot__start", "pk")
    )
    for appointment in affected:
        event_record(
            actor=actor,
            kind="appointment.slot_closed",
            patient_id=appointment.pathway.patient_id,
            referral_id=appointment.pathway.referral_id,
            payload={
                "milestone": appointment.milestone.label if appointment.milestone_id else "",
                "resource": appointment.slot.resource.name,
                "start": appointment.slot.start.isoformat(),
                "reason": reason,
            },
        )
        audit(
            actor,
            action=AuditAction.UPDATE,
            patient_id=appointment.pathway.patient_id,
            object_type="appointment",
            object_id=appointment.pk,
        )
    return affected
