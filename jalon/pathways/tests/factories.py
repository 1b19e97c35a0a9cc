"""Helpers for pathway tests: a published template version with given milestones, an entry point in a
given commune, and a pathway started from a referral submitted through the `submit` fixture."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from jalon.core.actor import Actor
from jalon.core.vocabulary import PathwayKind
from jalon.pathways.models import MilestoneTemplate, Pathway, PathwayTemplate, PathwayTemplateVersion
from jalon.pathways.services import pathway_start
from jalon.referrals.services import ExamInput
from jalon.testing.factories import EntryPointFactory, OrganizationFactory

MILESTONE_DEFAULTS = {
    "phase": "diagnosis",
    "branch": "",
    "responsible_role": "coordinator",
    "required": True,
    "depends_on": [],
    "reference_code": "",
    "target_amount": None,
    "target_unit": "",
    "source": "",
}


def template_version_build(
    milestones: list[dict], *, kind: str = "lung", source: str = "Modèle de test"
) -> PathwayTemplateVersion:
    """Publish a new version of `kind`'s template (numbered after any existing one, so it is the current
    one) with these milestones: dicts with at least `code`; `label` defaults to the code, `order` to
    the position in the list, the rest to MILESTONE_DEFAULTS."""
    template, _created = PathwayTemplate.objects.get_or_create(kind=kind, defaults={"name": PathwayKind(kind).label})
    number = (template.versions.aggregate(last=Max("version"))["last"] or 0) + 1
    version = PathwayTemplateVersion.objects.create(
        template=template, version=number, published_at=timezone.now(), source=source
    )
    MilestoneTemplate.objects.bulk_create(
        MilestoneTemplate(
            template_version=version,
            **{**MILESTONE_DEFAULTS, "label": row["code"], "order": index, **row},
        )
        for index, row in enumerate(milestones, start=1)
    )
    return version


def entry_point_in(commune, *, slug: str, name: str = "Diagnostic rapide"):
    """An entry point whose organisation sits in `commune`: pathways started from it follow the working
    calendar of the commune's department."""
    return EntryPointFactory(
        organization=OrganizationFactory(name=f"Hôpital de {commune.name}", commune=commune), name=name, slug=slug
    )


def referral_build(submit, *, kind: str = "lung", **overrides):
    """A referral submitted now (dates before today, so the submission is valid whatever the clock) with
    `pathway_kind` set to `kind`; `overrides` go to the `submit` fixture."""
    today = timezone.localdate()
    values = {
        "first_symptoms_date": today - timedelta(days=30),
        "exams": [
            ExamInput(kind="ct", done_on=today - timedelta(days=7), place="Imagerie Nord", summary="Lésion suspecte")
        ],
    }
    values.update(overrides)
    referral = submit(**values).referral
    referral.pathway_kind = kind
    referral.save(update_fields=["pathway_kind"])
    return referral


def pathway_build(submit, *, user, kind: str = "lung", priority: str = "P2", **overrides) -> Pathway:
    """A pathway started now by `user` (the coordinator) from a fresh referral of `kind`, with the
    current published template version of that kind."""
    referral = referral_build(submit, kind=kind, **overrides)
    return pathway_start(actor=Actor(user=user), referral=referral, priority=priority)
