"""The indicators' read model: one row of dates and delays per pathway.

Indicators are aggregates over the pathway's milestones (DESIGN.md §3: delays are differences between
event times). Computing them straight from the milestone table would pivot a million rows per figure;
instead each pathway write refreshes its `PathwayFacts` row (`facts.pathway_facts_refresh`, called
from the pathway services in their transaction), and `manage.py indicators_rebuild` rebuilds every
row from the milestones. Each non-null delay of that row is also a `PathwayDelay` row, indexed by
value, from which medians and 90th percentiles are read. The database then aggregates these rows
(`selectors.py`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PathwayFacts(models.Model):
    """Dates and delays of one pathway, as the indicators read them. Never edited by hand."""

    pathway = models.OneToOneField("pathways.Pathway", on_delete=models.CASCADE, primary_key=True, related_name="facts")
    # The cohort: a pathway counts in the period its referral was received in.
    received_at = models.DateTimeField()
    received_month = models.DateField(help_text="First day of the month the referral was received (Paris time).")
    template_kind = models.CharField(max_length=32)
    site = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="+")
    referrer_profession = models.CharField(max_length=32)
    priority = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=10)
    outcome = models.CharField(max_length=16, blank=True)
    # Key dates: the referral's imaging done before it, then the milestones' done_at.
    imaging_before_at = models.DateTimeField(null=True)
    first_care_at = models.DateTimeField(null=True)
    reception_at = models.DateTimeField(null=True)
    imaging_at = models.DateTimeField(null=True)
    biopsy_at = models.DateTimeField(null=True)
    pathology_preliminary_at = models.DateTimeField(null=True)
    pathology_final_at = models.DateTimeField(null=True)
    tumour_board_at = models.DateTimeField(null=True)
    treatment_start_at = models.DateTimeField(null=True)
    # Delays in days (definitions.DELAYS names their start and end); null until both ends are known,
    # and when the end precedes the start (a data error the definitions exclude).
    referral_to_first_care = models.FloatField(null=True)
    imaging_to_hospital_care = models.FloatField(null=True)
    reception_to_imaging = models.FloatField(null=True)
    reception_to_biopsy = models.FloatField(null=True)
    reception_to_tumour_board = models.FloatField(null=True)
    tumour_board_to_treatment = models.FloatField(null=True)
    biopsy_to_pathology_preliminary = models.FloatField(null=True)
    biopsy_to_pathology_final = models.FloatField(null=True)
    # Milestones done that had a target date, and those done by it.
    milestones_with_target = models.PositiveSmallIntegerField(default=0)
    milestones_within_target = models.PositiveSmallIntegerField(default=0)
    # Supportive-care assessment (INCa first-level grid): no module records it yet, so always False.
    supportive_care_assessed = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("faits d'un parcours (indicateurs)")
        indexes = [
            models.Index(fields=["received_at"], name="facts_received_at"),
            models.Index(fields=["site", "received_at"], name="facts_site_received_at"),
            models.Index(fields=["template_kind", "received_at"], name="facts_template_received_at"),
        ]


class CohortColumns(models.Model):
    """The columns of a pathway's facts row that the indicators narrow a per-value row by (the cohort's
    reception date, template, site, referrer profession), copied onto it so its index answers alone."""

    received_at = models.DateTimeField()
    template_kind = models.CharField(max_length=32)
    site_id = models.PositiveIntegerField()
    referrer_profession = models.CharField(max_length=32)

    class Meta:
        abstract = True

    @staticmethod
    def of(facts: PathwayFacts) -> dict:
        """The cohort columns' values, taken from a facts row."""
        return {name: getattr(facts, name) for name in _FILTERS}


# Dimensions a delay's values are indexed by (besides the delay itself): see PathwayDelay.
_FILTERS = ["received_at", "template_kind", "site_id", "referrer_profession"]


def _value_index(name: str, lead: list[str]) -> models.Index:
    trailing = [column for column in _FILTERS if column not in lead]
    return models.Index(fields=["delay", *lead, "value", *trailing], name=name)


class PathwayDelay(CohortColumns):
    """One delay value of one pathway (a non-null delay of its PathwayFacts row), with the columns the
    indicators filter and group by.

    Why a second table: a median or a 90th percentile is the value at a given rank. Ranking a year's
    values with a window function means sorting ~250,000 of them per query, which SQLite does at about
    a second each; here each index keeps one delay's values in order within a group (all, month,
    template, site, profession), so the value at rank r is read by `ORDER BY value LIMIT 1 OFFSET r-1`
    from the index alone. Written with the facts row (`facts.py`), never on its own.
    """

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="+")
    delay = models.PositiveSmallIntegerField(help_text="definitions.DELAY_IDS")
    value = models.FloatField()
    received_month = models.DateField()

    class Meta:
        indexes = [
            _value_index("delay_value", []),
            _value_index("delay_month_value", ["received_month"]),
            _value_index("delay_template_value", ["template_kind"]),
            _value_index("delay_site_value", ["site_id"]),
            _value_index("delay_profession_value", ["referrer_profession"]),
        ]


class MilestoneTiming(CohortColumns):
    """One milestone done that had a target date: whether it was done by it, with the columns the
    indicators filter by. Counting them per milestone code reads one index in (code, date) order
    instead of joining and grouping the milestone table. Written with the facts row (`facts.py`)."""

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=40)
    within_target = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(
                fields=["code", "received_at", "within_target", "template_kind", "site_id", "referrer_profession"],
                name="timing_code_received",
            )
        ]
