"""Keep `PathwayFacts` true: refreshed by every pathway write, rebuildable from the milestones.

One pure function (`facts_for`) turns a pathway's referral, milestones and prior exams into its row;
`pathway_facts_refresh` applies it to one pathway inside the caller's transaction, and
`pathway_facts_rebuild` to all of them in batches (`manage.py indicators_rebuild`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from django.db import transaction
from django.utils import timezone

from jalon.core.workcalendar import PARIS
from jalon.indicators import figures_cache
from jalon.indicators.definitions import DELAY_ENDS, DELAY_IDS, FIRST_CARE_CODES, IMAGING_EXAM_KINDS, MILESTONE_FACTS
from jalon.indicators.models import CohortColumns, MilestoneTiming, PathwayDelay, PathwayFacts
from jalon.pathways.models import Milestone, MilestoneStatus, Pathway
from jalon.referrals.models import ExamDone

DONE = MilestoneStatus.DONE
SECONDS_PER_DAY = 86400.0


def _days(start: datetime | None, end: datetime | None) -> float | None:
    """Elapsed days; both ends in UTC first (Python subtracts two datetimes of one zone as wall-clock times,
    which would gain or lose the summer-time hour)."""
    if start is None or end is None or end < start:
        return None
    return round((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / SECONDS_PER_DAY, 4)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=PARIS)


def facts_for(
    *,
    pathway_id: int,
    received_at: datetime,
    template_kind: str,
    site_id: int,
    referrer_profession: str,
    priority: str,
    status: str,
    outcome: str,
    milestones: Iterable[tuple[str, str, datetime | None, datetime | None]],
    imaging_days: Iterable[date | None],
    now: datetime,
) -> PathwayFacts:
    """The facts row of one pathway. `milestones` are (code, status, done_at, due_at) tuples;
    `imaging_days` the dates of the imaging exams declared with the referral."""
    local_received = timezone.localtime(received_at, PARIS)
    row = PathwayFacts(
        pathway_id=pathway_id,
        received_at=received_at,
        received_month=local_received.date().replace(day=1),
        template_kind=template_kind,
        site_id=site_id,
        referrer_profession=referrer_profession,
        priority=priority or "",
        status=status,
        outcome=outcome or "",
        refreshed_at=now,
    )
    first_care = None
    with_target = within_target = 0
    for code, milestone_status, done_at, due_at in milestones:
        if milestone_status != DONE or done_at is None:
            continue
        field = MILESTONE_FACTS.get(code)
        if field:
            setattr(row, field, done_at)
        if code in FIRST_CARE_CODES and (first_care is None or done_at < first_care):
            first_care = done_at
        if due_at is not None:
            with_target += 1
            within_target += done_at <= due_at
    row.first_care_at = first_care
    row.milestones_with_target, row.milestones_within_target = with_target, within_target
    before = [day for day in imaging_days if day is not None and day <= local_received.date()]
    row.imaging_before_at = _local_midnight(max(before)) if before else None
    for code, (start_field, end_field) in DELAY_ENDS.items():
        setattr(row, code, _days(getattr(row, start_field), getattr(row, end_field)))
    return row


def _rows_for(pathway_ids: list[int], now: datetime) -> tuple[list[PathwayFacts], dict[int, list]]:
    """Facts rows for these pathways, and their milestones (code, status, done_at, due_at) by pathway,
    in three queries whatever their number."""
    pathways = Pathway.objects.filter(pk__in=pathway_ids).values_list(
        "pk",
        "referral_id",
        "referral__received_at",
        "template_version__template__kind",
        "referral__entry_point__organization_id",
        "referral__referrer__profession",
        "priority",
        "status",
        "outcome",
    )
    milestones = defaultdict(list)
    for pathway_id, *values in Milestone.objects.filter(pathway_id__in=pathway_ids).values_list(
        "pathway_id", "code", "status", "done_at", "due_at"
    ):
        milestones[pathway_id].append(values)
    pathways = list(pathways)
    imaging = defaultdict(list)
    for referral_id, day in ExamDone.objects.filter(
        referral_id__in=[row[1] for row in pathways], kind__in=IMAGING_EXAM_KINDS
    ).values_list("referral_id", "done_on"):
        imaging[referral_id].append(day)
    rows = [
        facts_for(
            pathway_id=pk,
            received_at=received_at,
            template_kind=kind,
            site_id=site_id,
            referrer_profession=profession,
            priority=priority,
            status=status,
            outcome=outcome,
            milestones=milestones[pk],
            imaging_days=imaging[referral_id],
            now=now,
        )
        for pk, referral_id, received_at, kind, site_id, profession, priority, status, outcome in pathways
    ]
    return rows, milestones


def delays_of(row: PathwayFacts) -> list[PathwayDelay]:
    """The PathwayDelay rows of a facts row: one per delay that has a value."""
    return [
        PathwayDelay(
            pathway_id=row.pathway_id,
            delay=number,
            value=getattr(row, code),
            received_month=row.received_month,
            **CohortColumns.of(row),
        )
        for code, number in DELAY_IDS.items()
        if getattr(row, code) is not None
    ]


def timings_of(row: PathwayFacts, milestones) -> list[MilestoneTiming]:
    """The MilestoneTiming rows of a pathway: one per milestone done that had a due date."""
    return [
        MilestoneTiming(pathway_id=row.pathway_id, code=code, within_target=done_at <= due_at, **CohortColumns.of(row))
        for code, status, done_at, due_at in milestones
        if status == DONE and done_at is not None and due_at is not None
    ]


def _replace(pathway_ids: list[int], rows: list[PathwayFacts], milestones: dict[int, list]) -> None:
    for model in (PathwayDelay, MilestoneTiming, PathwayFacts):
        model.objects.filter(pathway_id__in=pathway_ids).delete()
    PathwayFacts.objects.bulk_create(rows, batch_size=1000)
    PathwayDelay.objects.bulk_create([delay for row in rows for delay in delays_of(row)], batch_size=2000)
    MilestoneTiming.objects.bulk_create(
        [timing for row in rows for timing in timings_of(row, milestones.get(row.pathway_id, ()))], batch_size=2000
    )


def pathway_facts_refresh(*, pathway_id: int) -> PathwayFacts | None:
    """Rewrite one pathway's facts row and delay values; called by the pathway services inside their transaction.
    Returns the row (None for a pathway that does not exist)."""
    rows, milestones = _rows_for([pathway_id], timezone.now())
    _replace([pathway_id], rows, milestones)
    return rows[0] if rows else None


def pathway_facts_rebuild(*, batch_size: int = 5000, pathway_ids: Iterable[int] | None = None) -> int:
    """Rebuild the facts of every pathway (or of `pathway_ids`) from the milestones; returns the row count."""
    ids = (
        list(pathway_ids)
        if pathway_ids is not None
        else list(Pathway.objects.order_by("pk").values_list("pk", flat=True))
    )
    now = timezone.now()
    total = 0
    for offset in range(0, len(ids), batch_size):
        batch = ids[offset : offset + batch_size]
        with transaction.atomic():
            # The services lock the pathway they write: locking the batch first means no write slips
            # between reading its milestones here and replacing its row.
            list(Pathway.objects.select_for_update().filter(pk__in=batch).values_list("pk", flat=True))
            rows, milestones = _rows_for(batch, now)
            _replace(batch, rows, milestones)
        total += len(rows)
    figures_cache.all_changed()
    return total
