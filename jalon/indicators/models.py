"""The indicators' read model: one row of dates and delays per pathway.

Indicators are aggregates over the pathway's milestones (DESIGN.md §3: delays are differences between
event times). Computing them straight from the milestone table would pivot a million rows per figure;
instead each pathway write refreshes its `PathwayFacts` row (`facts.pathway_facts_refresh`, called
from the pathway services in their transaction), and `manage.py indicators_rebuild` rebuilds every
row from the milestones. The database then aggregates these rows (`selectors.py`): counts, means,
and medians and 90th percentiles with window functions.
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
