"""Indicators computed by the database, never rows loaded into Python. Definitions (formulas,
exclusions) are in `definitions.py`; every function here takes a `Period` and `Filters` and returns
small dataclasses.

Delays, per group (all, month, template, site, referrer profession), in two statements: one pass of
conditional aggregates over the cohort's `PathwayFacts` rows (n, mean, min, max, the distribution),
then the median and the 90th percentile read at their ranks from `PathwayDelay`'s indexes, which keep
each delay's values in order within each group: `ORDER BY value LIMIT 1 OFFSET rank - 1` from the
nearer end, many such scalar subqueries in one SELECT. A window function (ROW_NUMBER over each group)
gives the same figures but sorts every value of the period per query: about a second per breakdown
for a regional year on SQLite (docs/benchmarks.md). Months are cut in Paris time by a CASE over the
period's month boundaries, the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Case, Count, DateField, Exists, F, Max, Min, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.crypto import salted_hmac

from jalon.core.formatting import date_numeric
from jalon.core.workcalendar import PARIS
from jalon.indicators import definitions
from jalon.indicators.definitions import DELAY_ENDS, DELAY_IDS, DELAYS, DISTRIBUTION_BUCKETS
from jalon.indicators.models import MilestoneTiming, PathwayDelay, PathwayFacts

GENERAL_PRACTICE = "médecine générale"
"""The specialty that makes a physician a GP in the directory (the directory's spelling, compared
case-insensitively; SQLite folds ASCII letters only, so « MÉDECINE » would not match there)."""


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, in Paris time."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def months(cls, first: date, last: date) -> Period:
        """From the first day of `first`'s month to the last day of `last`'s month."""
        return cls(first.replace(day=1), last.replace(day=calendar.monthrange(last.year, last.month)[1]))

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """Aware datetimes: the start included, the end excluded (midnight after the last day)."""
        return (
            datetime.combine(self.start, time(0, 0), tzinfo=PARIS),
            datetime.combine(self.end + timedelta(days=1), time(0, 0), tzinfo=PARIS),
        )

    def month_starts(self) -> list[date]:
        months, current = [], self.start.replace(day=1)
        while current <= self.end:
            months.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        return months

    def __str__(self) -> str:
        return f"{date_numeric(self.start)} – {date_numeric(self.end)}"


@dataclass(frozen=True)
class Filters:
    """Narrow every indicator to one pathway template, one site (the entry point's organisation) or one
    referrer profession; empty means all."""

    template_kind: str = ""
    site_id: int | None = None
    referrer_profession: str = ""

    def lookups(
        self, template: str = "template_kind", site: str = "site_id", profession: str = "referrer_profession"
    ) -> dict:
        """The filters set, as lookups on a table whose columns for them are named as given."""
        wanted = {template: self.template_kind, site: self.site_id, profession: self.referrer_profession}
        return {lookup: value for lookup, value in wanted.items() if value}


def _within(
    queryset: QuerySet, period: Period, filters: Filters, *, at: str = "received_at", **columns: str
) -> QuerySet:
    """`queryset` narrowed to the period (on the date column `at`) and to the filters (on `columns`)."""
    start, end = period.bounds
    return queryset.filter(**{f"{at}__gte": start, f"{at}__lt": end}, **filters.lookups(**columns))


@dataclass
class DelayStats:
    n: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    pending: int = 0
    buckets: list[int] | None = None  # counts per DISTRIBUTION_BUCKETS entry


@dataclass
class DelayReport:
    """One delay over a period: its figures, their distribution, and the breakdowns asked for."""

    code: str
    stats: DelayStats
    distribution: list[tuple[str, int]]
    breakdowns: dict[str, list[tuple[object, DelayStats]]] = field(default_factory=dict)

    @property
    def definition(self):
        return definitions.ALL[self.code]


# --- The cohort ----------------------------------------------------------------------------------


def facts_in(period: Period, filters: Filters = Filters()) -> QuerySet[PathwayFacts]:
    """The pathways whose referral was received in the period, narrowed by the filters."""
    return _within(PathwayFacts.objects.all(), period, filters)


BREAKDOWN_COLUMNS = {
    "month": "received_month",
    "template": "template_kind",
    "site": "site_id",
    "profession": "referrer_profession",
}


def delays_in(period: Period, filters: Filters = Filters()) -> QuerySet[PathwayDelay]:
    """The delay values of the pathways `facts_in` selects (same period, same filters)."""
    return _within(PathwayDelay.objects.all(), period, filters)


def _bucket_filters(code: str) -> list[Q]:
    """One condition per distribution bucket (DISTRIBUTION_BUCKETS) on the delay's column."""
    conditions, lower = [], None
    for upper, _label in DISTRIBUTION_BUCKETS:
        condition = Q(**{f"{code}__isnull": False})
        if lower is not None:
            condition &= Q(**{f"{code}__gte": lower})
        if upper is not None:
            condition &= Q(**{f"{code}__lt": upper})
        conditions.append(condition)
        lower = upper
    return conditions


def _aggregates(
    facts: QuerySet[PathwayFacts], codes: list[str], by: str | None, distributed: frozenset[str] = frozenset()
) -> dict[tuple[str, str], DelayStats]:
    """n, mean, min, max of every delay per group, and for the whole cohort the distribution of the
    `distributed` ones: one pass."""
    expressions = {}
    for index, code in enumerate(codes):
        expressions |= {
            f"n{index}": Count(code),
            f"mean{index}": Avg(code),
            f"min{index}": Min(code),
            f"max{index}": Max(code),
        }
        if code in distributed and not by:  # the distribution is drawn for the whole cohort only
            expressions |= {
                f"b{index}_{bucket}": Count("pk", filter=condition)
                for bucket, condition in enumerate(_bucket_filters(code))
            }
    if by:
        column = BREAKDOWN_COLUMNS[by]
        rows = facts.values(column).annotate(**expressions).order_by()
        keyed = [(str(row[column]), row) for row in rows]
    else:
        keyed = [("", facts.aggregate(**expressions))]
    stats = {}
    for key, row in keyed:
        for index, code in enumerate(codes):
            if row[f"n{index}"]:
                stats[(code, key)] = DelayStats(
                    n=row[f"n{index}"],
                    mean=_f(row[f"mean{index}"]),
                    minimum=_f(row[f"min{index}"]),
                    maximum=_f(row[f"max{index}"]),
                    buckets=[row[f"b{index}_{bucket}"] for bucket in range(len(DISTRIBUTION_BUCKETS))]
                    if code in distributed and not by
                    else None,
                )
    return stats


def _ranks(n: int) -> tuple[int, ...]:
    """The 1-based ranks the median (one or two middle values) and the nearest-rank p90 need."""
    middle = (n + 1) // 2, n // 2 + 1
    return tuple(sorted({*middle, (9 * n + 9) // 10}))


MAX_SUBQUERIES = 400  # per statement: SQLite allows 2,000 result columns


def _values_at_ranks(
    values: QuerySet[PathwayDelay], wanted: list[tuple[str, str, int, int]], by: str | None
) -> dict[tuple[str, str, int], float]:
    """{(code, key, rank): the rank-th smallest value of that delay in that group of n values}, for
    `wanted` (code, key, rank, n). Each value is one
    scalar subquery `ORDER BY value LIMIT 1 OFFSET rank-1` that an index of PathwayDelay answers in
    value order without sorting; many of them go in one SELECT."""
    column = BREAKDOWN_COLUMNS[by] if by else None
    found = {}
    for offset in range(0, len(wanted), MAX_SUBQUERIES):
        chunk = wanted[offset : offset + MAX_SUBQUERIES]
        parts, params = [], []
        for code, key, rank, n in chunk:
            group = values.filter(delay=DELAY_IDS[code], **({column: key} if column else {}))
            # From whichever end is nearer: the index is read in either direction.
            ordered, position = (
                (group.order_by("value"), rank) if rank <= (n + 1) // 2 else (group.order_by("-value"), n - rank + 1)
            )
            sql, part_params = ordered.values_list("value")[position - 1 : position].query.sql_with_params()
            parts.append(f"({sql})")
            params.extend(part_params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        found.update(zip([(code, key, rank) for code, key, rank, _n in chunk], row, strict=True))
    return found


def _delay_stats(
    period: Period, filters: Filters, codes: list[str], by: str | None, distributed: frozenset[str] = frozenset()
) -> dict[tuple[str, str], DelayStats]:
    """{(delay code, group key): stats}: counts and means in one aggregate query over the cohort, then the
    median and p90 of every group read at their ranks from the ordered indexes (one more statement)."""
    stats = _aggregates(facts_in(period, filters), codes, by, distributed)
    values = delays_in(period, filters)
    wanted = [(code, key, rank, group.n) for (code, key), group in stats.items() for rank in _ranks(group.n)]
    at = _values_at_ranks(values, wanted, by) if wanted else {}
    for (code, key), group in stats.items():
        lower, upper = at.get((code, key, (group.n + 1) // 2)), at.get((code, key, group.n // 2 + 1))
        # None only if the value rows lag behind the facts (a rebuild interrupted): no figure, not a crash.
        group.median = _f((lower + upper) / 2) if lower is not None and upper is not None else None
        group.p90 = _f(at.get((code, key, (9 * group.n + 9) // 10)))
    return stats


def _f(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _pending(facts: QuerySet[PathwayFacts], codes: list[str]) -> dict[str, int]:
    """Pathways still open whose delay has started and not ended."""
    counts = facts.aggregate(
        **{
            code: Count(
                "pk",
                filter=Q(
                    status="active", **{f"{DELAY_ENDS[code][0]}__isnull": False, f"{DELAY_ENDS[code][1]}__isnull": True}
                ),
            )
            for code in codes
        }
    )
    return {code: counts[code] or 0 for code in codes}


def delay_reports(
    period: Period,
    filters: Filters = Filters(),
    *,
    codes: list[str] | None = None,
    breakdowns: tuple[str, ...] = (),
    detailed: list[str] | tuple[str, ...] | None = None,
) -> dict[str, DelayReport]:
    """Every delay (or those in `codes`) over the period: n, mean, median, p90 and pending; and for the
    `detailed` ones (all of them unless said; `()` for a summary table) their distribution and the
    breakdowns asked for (`month`, `template`, `site`, `profession`). The dashboard's summary of all
    delays and its one detailed delay are thus one call, each figure computed once."""
    codes = codes or [delay.code for delay in DELAYS]
    distributed = frozenset(codes if detailed is None else detailed) & set(codes)
    broken_down = [code for code in codes if code in distributed]
    facts = facts_in(period, filters)
    overall = _delay_stats(period, filters, codes, None, distributed)
    pending = _pending(facts, codes)
    labels = [str(label) for _bound, label in DISTRIBUTION_BUCKETS]
    reports = {}
    for code in codes:
        stats = overall.get((code, ""), DelayStats())
        stats.pending = pending[code]
        counts = stats.buckets or [0] * len(labels)
        reports[code] = DelayReport(
            code=code, stats=stats, distribution=list(zip(labels, counts, strict=True)) if code in distributed else []
        )
    for by in breakdowns if broken_down else ():
        grouped = defaultdict(list)
        for (code, key), stats in _delay_stats(period, filters, broken_down, by).items():
            grouped[code].append((_breakdown_key(by, key), stats))
        for code in broken_down:
            reports[code].breakdowns[by] = sorted(grouped.get(code, []), key=lambda pair: pair[0])
    return reports


def _breakdown_key(by: str, key: str):
    if by == "month":
        return date.fromisoformat(str(key)[:10])
    if by == "site":
        return int(key)
    return key


# --- Shares and volumes ---------------------------------------------------------------------------


@dataclass
class Share:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


def milestones_within_target(period: Period, filters: Filters = Filters()) -> tuple[Share, list[tuple[str, Share]]]:
    """Overall (from the facts) and per milestone code (MilestoneTiming, counted in its index's order)."""
    facts = facts_in(period, filters)
    totals = facts.aggregate(total=Sum("milestones_with_target"), within=Sum("milestones_within_target"))
    overall = Share(totals["within"] or 0, totals["total"] or 0)
    timings = _within(MilestoneTiming.objects.all(), period, filters)
    per_code = (
        timings.values("code")
        .annotate(total=Count("pk"), within=Count("pk", filter=Q(within_target=True)))
        .order_by("code")
    )
    return overall, [(row["code"], Share(row["within"], row["total"])) for row in per_code]


def _referrals_in(period: Period, filters: Filters):
    from jalon.referrals.models import Referral

    return _within(
        Referral.objects.all(),
        period,
        filters,
        template="pathway_kind",
        site="entry_point__organization_id",
        profession="referrer__profession",
    )


def _per_month(rows, value_key: str = "n") -> dict[date, dict[str, int]]:
    table: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        table[month.replace(day=1)][row["profession"] or ""] = row[value_key]
    return table


def _month_of(field: str, period: Period) -> Case:
    """The first day of the Paris-time month `field` falls in, as a CASE over the period's month
    boundaries: portable, and no per-row function call (SQLite would call Python for TruncMonth)."""
    months = period.month_starts()
    whens = []
    for month in months:
        following = (month + timedelta(days=32)).replace(day=1)
        whens.append(When(**{f"{field}__lt": datetime.combine(following, time(0, 0), tzinfo=PARIS)}, then=Value(month)))
    return Case(*whens, output_field=DateField())


def referrals_per_month(period: Period, filters: Filters = Filters()) -> dict[date, dict[str, int]]:
    """{first day of month: {referrer profession: referrals received}}."""
    rows = (
        _referrals_in(period, filters)
        .annotate(month=_month_of("received_at", period), profession=F("referrer__profession"))
        .values("month", "profession")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _per_month(rows)


def appointments_per_month(period: Period, filters: Filters = Filters()) -> dict[date, dict[str, int]]:
    """{first day of month: {referrer profession: appointments booked that month, not cancelled}}."""
    from jalon.scheduling.models import Appointment, AppointmentStatus

    appointments = _within(
        Appointment.objects.filter(status=AppointmentStatus.BOOKED),
        period,
        filters,
        at="booked_at",
        template="pathway__facts__template_kind",
        site="pathway__facts__site_id",
        profession="pathway__facts__referrer_profession",
    )
    rows = (
        appointments.annotate(month=_month_of("booked_at", period), profession=F("pathway__facts__referrer_profession"))
        .values("month", "profession")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _per_month(rows)


def _gp_referrals(period: Period, filters: Filters):
    from jalon.directory.models import Profession

    return _referrals_in(period, filters).filter(
        referrer__profession=Profession.PHYSICIAN,
        referrer__specialty__iexact=GENERAL_PRACTICE,
        referrer__commune__territories=F("entry_point__territory"),
    )


def distinct_gps(period: Period, filters: Filters = Filters()) -> tuple[int, dict[date, int]]:
    """GPs of the entry point's territory who referred at least once: over the period, and per month."""
    referrals = _gp_referrals(period, filters)
    total = referrals.aggregate(n=Count("referrer", distinct=True))["n"]
    per_month = (
        referrals.annotate(month=_month_of("received_at", period))
        .values("month")
        .annotate(n=Count("referrer", distinct=True))
        .order_by()
    )
    return total, {
        (row["month"].date() if isinstance(row["month"], datetime) else row["month"]): row["n"] for row in per_month
    }


@dataclass
class ContactedAccompanied:
    contacted: int
    accompanied: int


def patients_contacted_accompanied(period: Period, filters: Filters = Filters()) -> ContactedAccompanied:
    counts = _referrals_in(period, filters).aggregate(
        contacted=Count("patient", distinct=True),
        accompanied=Count("patient", distinct=True, filter=Q(pathway__isnull=False)),
    )
    return ContactedAccompanied(contacted=counts["contacted"], accompanied=counts["accompanied"])


@dataclass
class SlotUse:
    used: int
    released: int

    @property
    def share(self) -> Share:
        return Share(self.used, self.used + self.released)


def reserved_slots(period: Period, filters: Filters = Filters()) -> SlotUse:
    """Reserved or urgent slots booked before their release (by slot date) vs released unused (by release date).

    The used ones are counted from the slots of the period (`Slot.start`'s index), each asking whether
    its booked appointment used the reservation (`appointment_used_reserved`, read alone): SQLite
    would otherwise walk every booked appointment of every year to read its slot's date."""
    from jalon.scheduling.models import Appointment, AppointmentStatus, Slot, SlotRelease

    start, end = period.bounds
    reservation_used = Appointment.objects.filter(
        slot=OuterRef("pk"), used_reserved=True, status=AppointmentStatus.BOOKED
    )
    if filters.template_kind:
        reservation_used = reservation_used.filter(pathway__template_version__template__kind=filters.template_kind)
    used = Slot.objects.filter(Exists(reservation_used), start__gte=start, start__lt=end)
    released = SlotRelease.objects.filter(released_at__gte=start, released_at__lt=end)
    if filters.site_id:
        used = used.filter(resource__organization_id=filters.site_id)
        released = released.filter(slot__resource__organization_id=filters.site_id)
    return SlotUse(used=used.count(), released=released.count())


def supportive_care_assessed(period: Period, filters: Filters = Filters()) -> Share:
    """Confirmed cancers of the cohort with a supportive-care assessment (none is recorded yet: reads 0)."""
    counts = (
        facts_in(period, filters)
        .filter(outcome="malignant")
        .aggregate(total=Count("pk"), assessed=Count("pk", filter=Q(supportive_care_assessed=True)))
    )
    return Share(counts["assessed"], counts["total"])


@dataclass
class PathologyOutcomes:
    """Pathology requests of the cohort: with a result, non-contributive, non-contributive found after 10 days,
    and the days from each non-contributive result to its re-biopsy (`time_to_rebiopsy`)."""

    with_result: int
    non_contributive: int
    late_notices: int
    waiting_rebiopsy: int
    rebiopsy_days: list[float]

    @property
    def share(self) -> Share:
        return Share(self.non_contributive, self.with_result)

    @property
    def rebiopsy_median(self) -> float | None:
        return round(statistics.median(self.rebiopsy_days), 1) if self.rebiopsy_days else None


LATE_NON_CONTRIBUTIVE_DAYS = 10
"""Seed 001, fiche 5: a non-contributive specimen found « > 10 jours après envoi du prélèvement » is late."""


def pathology_outcomes(period: Period, filters: Filters = Filters()) -> PathologyOutcomes:
    """From the pathology requests themselves (jalon.diagnostics): the share of non-contributive specimens and the
    time to re-biopsy, for the pathways whose referral was received in the period."""
    from jalon.diagnostics.models import PathologyRequest, PathologyStatus

    requests = _within(
        PathologyRequest.objects.all(),
        period,
        filters,
        at="pathway__referral__received_at",
        template="pathway__template_version__template__kind",
        site="pathway__referral__entry_point__organization_id",
        profession="pathway__referral__referrer__profession",
    )
    # One query: a re-biopsy is a request of the same pathway, so of the same cohort.
    rows = list(
        requests.values_list(
            "pk", "status", "contributive", "specimen_taken_at", "non_contributive_at", "rebiopsy_of_id"
        )
    )
    first_rebiopsy: dict[int, datetime] = {}
    for _pk, _status, _contributive, taken_at, _found_at, repeats in rows:
        if repeats is not None and (repeats not in first_rebiopsy or taken_at < first_rebiopsy[repeats]):
            first_rebiopsy[repeats] = taken_at
    with_result = non_contributive = late = waiting = 0
    days = []
    for pk, status, contributive, taken_at, found_at, _repeats in rows:
        with_result += contributive is not None
        if status != PathologyStatus.NON_CONTRIBUTIVE:
            continue
        non_contributive += 1
        if found_at and (found_at - taken_at).total_seconds() > LATE_NON_CONTRIBUTIVE_DAYS * 86400:
            late += 1
        if pk in first_rebiopsy and found_at:
            days.append(max(0.0, round((first_rebiopsy[pk] - found_at).total_seconds() / 86400, 4)))
        else:
            waiting += 1
    return PathologyOutcomes(
        with_result=with_result,
        non_contributive=non_contributive,
        late_notices=late,
        waiting_rebiopsy=waiting,
        rebiopsy_days=sorted(days),
    )


@dataclass
class DaysSummary:
    """A small set of delay values in days (sorted), with those still waiting: median and nearest-rank p90."""

    days: list[float]
    pending: int = 0

    @property
    def n(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.days), 1) if self.days else None

    @property
    def p90(self) -> float | None:
        return round(self.days[(9 * len(self.days) + 9) // 10 - 1], 1) if self.days else None


@dataclass
class BoardOutcomes:
    """The tumour boards of the cohort (jalon.boards): final pathology result → case listed, decision → PPS handed,
    the chair's sorting of the decided cases, and the record completeness (`definitions`)."""

    ready_to_board: DaysSummary
    board_to_care_plan: DaysSummary
    listed_only: int
    discussed: int
    record: object  # boards.selectors.RecordCompletenessCounts

    @property
    def listed_only_share(self) -> Share:
        return Share(self.listed_only, self.listed_only + self.discussed)

    @property
    def record_share(self) -> Share:
        return Share(self.record.complete, self.record.concerned)


def board_outcomes(period: Period, filters: Filters = Filters()) -> BoardOutcomes:
    """From the board cases, decisions and care plans of the pathways `facts_in` selects: two queries (the cases
    with their decision and PPS; the record completeness counted by boards' one rule)."""
    from jalon.boards.models import BoardCase, CaseStatus, Sorting
    from jalon.boards.selectors import record_completeness_counts
    from jalon.pathways.models import Pathway

    cohort = facts_in(period, filters).values("pathway_id")
    rows = BoardCase.objects.filter(pathway_id__in=cohort).values_list(
        "pathway_id",
        "status",
        "listed_at",
        "confirmed_sorting",
        "pathway__facts__pathology_final_at",
        "decision__decided_at",
        "decision__care_plan__handed_on",
    )
    first_listed: dict[int, datetime | None] = {}
    final_result: dict[int, datetime | None] = {}
    to_care_plan, care_plan_waiting, listed_only, discussed = [], 0, 0, 0
    for pathway_id, status, listed_at, sorting, final_at, decided_at, handed_on in rows:
        final_result[pathway_id] = final_at
        earlier = first_listed.get(pathway_id)
        first_listed[pathway_id] = min(filter(None, (earlier, listed_at)), default=None)
        if status == CaseStatus.DECIDED:
            listed_only += sorting == Sorting.LISTED_ONLY
            discussed += sorting == Sorting.DISCUSSION
        if decided_at is not None:
            if handed_on is None:
                care_plan_waiting += 1
            elif (days := (handed_on - timezone.localtime(decided_at, PARIS).date()).days) >= 0:
                to_care_plan.append(float(days))
    to_board, board_waiting = [], 0
    for pathway_id, final_at in final_result.items():
        listed_at = first_listed[pathway_id]
        if final_at is None:
            continue
        if listed_at is None:
            board_waiting += 1
        elif listed_at >= final_at:
            to_board.append(round((listed_at - final_at).total_seconds() / 86400, 4))
    return BoardOutcomes(
        ready_to_board=DaysSummary(sorted(to_board), board_waiting),
        board_to_care_plan=DaysSummary(sorted(to_care_plan), care_plan_waiting),
        listed_only=listed_only,
        discussed=discussed,
        record=record_completeness_counts(Pathway.objects.filter(pk__in=cohort)),
    )


# --- Everything for a period ---------------------------------------------------------------------


@dataclass
class IndicatorSet:
    period: Period
    filters: Filters
    cohort: int
    delays: dict[str, DelayReport]
    within_target: Share
    within_target_by_code: list[tuple[str, Share]]
    referrals_per_month: dict[date, dict[str, int]]
    appointments_per_month: dict[date, dict[str, int]]
    distinct_gps: int
    distinct_gps_per_month: dict[date, int]
    contacted_accompanied: ContactedAccompanied
    reserved_slots: SlotUse
    supportive_care: Share
    pathology: PathologyOutcomes | None = None
    boards: BoardOutcomes | None = None


def indicator_set(
    period: Period, filters: Filters = Filters(), *, breakdowns: tuple[str, ...] = tuple(BREAKDOWN_COLUMNS)
) -> IndicatorSet:
    """The full set for a period: what the yearly report, the exports and the benchmark compute."""
    within, within_by_code = milestones_within_target(period, filters)
    gps, gps_per_month = distinct_gps(period, filters)
    return IndicatorSet(
        period=period,
        filters=filters,
        cohort=facts_in(period, filters).count(),
        delays=delay_reports(period, filters, breakdowns=breakdowns),
        within_target=within,
        within_target_by_code=within_by_code,
        referrals_per_month=referrals_per_month(period, filters),
        appointments_per_month=appointments_per_month(period, filters),
        distinct_gps=gps,
        distinct_gps_per_month=gps_per_month,
        contacted_accompanied=patients_contacted_accompanied(period, filters),
        reserved_slots=reserved_slots(period, filters),
        supportive_care=supportive_care_assessed(period, filters),
        pathology=pathology_outcomes(period, filters),
        boards=board_outcomes(period, filters),
    )


# --- The rows behind a figure ---------------------------------------------------------------------


def pseudonym(pathway_id: int) -> str:
    """A keyed hash standing for the pathway in exports and drill-downs: stable, not reversible
    without the key (settings.INDICATORS_PSEUDONYM_KEY, else the SECRET_KEY)."""
    secret = getattr(settings, "INDICATORS_PSEUDONYM_KEY", "") or None
    return salted_hmac("jalon.indicators.pseudonym", str(pathway_id), secret=secret, algorithm="sha256").hexdigest()[
        :16
    ]


DRILLABLE = {delay.code for delay in DELAYS} | {
    "milestones_within_target",
    "supportive_care_assessed",
    "patients_contacted_accompanied",
}


def rows_behind(
    code: str, period: Period, filters: Filters = Filters(), *, by: str = "", key: str = "", bucket: int | None = None
) -> QuerySet[PathwayFacts]:
    """The pathways a figure counts: a delay's values (optionally one breakdown group or one bucket of its
    distribution), the pathways whose milestones had a target, the confirmed cancers, the accompanied."""
    facts = facts_in(period, filters)
    if code in DELAY_ENDS:
        facts = facts.filter(**{f"{code}__isnull": False})
        if bucket is not None and 0 <= bucket < len(DISTRIBUTION_BUCKETS):
            lower = DISTRIBUTION_BUCKETS[bucket - 1][0] if bucket > 0 else None
            upper = DISTRIBUTION_BUCKETS[bucket][0]
            if lower is not None:
                facts = facts.filter(**{f"{code}__gte": lower})
            if upper is not None:
                facts = facts.filter(**{f"{code}__lt": upper})
    elif code == "milestones_within_target":
        facts = facts.filter(milestones_with_target__gt=0)
    elif code == "supportive_care_assessed":
        facts = facts.filter(outcome="malignant")
    elif code != "patients_contacted_accompanied":
        return PathwayFacts.objects.none()
    if by in BREAKDOWN_COLUMNS and key:
        facts = facts.filter(**{BREAKDOWN_COLUMNS[by]: key})
    return facts.order_by("received_at", "pk")
