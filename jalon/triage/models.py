"""Triage rules as versioned data, and the decision recorded for each accepted referral."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.vocabulary import PathwayKind, Priority


class TriageRuleSet(models.Model):
    """An ordered set of rules. A draft (published_at null) can be tried on past referrals, then published."""

    version = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("nature de la modification"), blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("jeu de règles de tri")

    def __str__(self) -> str:
        return f"v{self.version}"


class TriageRule(models.Model):
    """First matching rule (by `order`) wins. `conditions` is a JSON object read by triage/engine.py."""

    rule_set = models.ForeignKey(TriageRuleSet, on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveIntegerField(_("ordre"))
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(
        _("intitulé"),
        max_length=200,
        blank=True,
        help_text=_("Le nom de la règle en français, montré aux coordinateurs."),
    )
    comment = models.TextField(_("situation clinique"))
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    pathway_kind = models.CharField(_("parcours"), max_length=32, choices=PathwayKind.choices)
    priority = models.CharField(_("priorité"), max_length=2, choices=Priority.choices)
    first_tasks = models.JSONField(_("premières tâches"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["rule_set", "order"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "code"], name="triage_rule_code_unique")]

    def __str__(self) -> str:
        return self.code

    @property
    def display_name(self) -> str:
        """The French label, or the code for a rule written before labels existed."""
        return self.label or self.code


class TriageDecision(models.Model):
    """What the rules proposed for a referral, why, and what the coordinator decided."""

    referral = models.OneToOneField("referrals.Referral", on_delete=models.PROTECT, related_name="triage_decision")
    rule_set = models.ForeignKey(TriageRuleSet, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(TriageRule, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions")
    explanation = models.JSONField(default=list)
    proposed_pathway_kind = models.CharField(max_length=32, choices=PathwayKind.choices)
    proposed_priority = models.CharField(max_length=2, choices=Priority.choices)
    pathway_kind = models.CharField(max_length=32, choices=PathwayKind.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    overridden = models.BooleanField(default=False, db_index=True)
    override_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
