"""What a referral must contain. Which items a site requires is data (CompletenessRequirement rows,
shipped from data/completeness_v1.json); this module only knows how to check each item."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

from jalon.referrals.models import CompletenessRequirement, CompletenessRuleSet, ExamKind

IMAGING = {ExamKind.CT, ExamKind.MRI, ExamKind.PET_CT, ExamKind.ULTRASOUND, ExamKind.XRAY, ExamKind.MAMMOGRAPHY}


@dataclass(frozen=True)
class ReferralContent:
    """The facts completeness looks at, gathered from a referral or from a form before saving."""

    clinical_reason: str = ""
    first_symptoms_date: date | None = None
    gp_id: int | None = None
    patient_phone: str = ""
    patient_commune_code: str | None = None
    patient_informed: bool | None = None
    exam_kinds: frozenset[str] = field(default_factory=frozenset)
    document_count: int = 0


def _has_exam(*kinds: str) -> Callable[[ReferralContent], bool]:
    return lambda content: bool(content.exam_kinds & set(kinds))


# item code -> (French label of what is missing, check)
ITEMS: dict[str, tuple[str, Callable[[ReferralContent], bool]]] = {
    "clinical_reason": (_("le motif clinique"), lambda c: bool(c.clinical_reason.strip())),
    "first_symptoms_date": (_("la date des premiers symptômes"), lambda c: c.first_symptoms_date is not None),
    "gp": (_("le médecin traitant"), lambda c: c.gp_id is not None),
    "patient_phone": (_("le téléphone du patient"), lambda c: bool(c.patient_phone)),
    "patient_commune": (_("la commune de résidence du patient"), lambda c: bool(c.patient_commune_code)),
    "patient_informed": (_("si le patient est informé de la suspicion"), lambda c: c.patient_informed is not None),
    "document": (_("au moins un compte rendu joint"), lambda c: c.document_count > 0),
    "exam:any_imaging": (_("un examen d'imagerie déjà réalisé"), _has_exam(*IMAGING)),
    "exam:ct": (_("un scanner (TDM) déjà réalisé"), _has_exam(ExamKind.CT, ExamKind.PET_CT)),
    "exam:ct_or_mri": (_("un scanner ou une IRM déjà réalisés"), _has_exam(ExamKind.CT, ExamKind.MRI, ExamKind.PET_CT)),
    "exam:breast_imaging": (_("une mammographie ou une échographie mammaire"), _has_exam(ExamKind.MAMMOGRAPHY, ExamKind.ULTRASOUND)),
    "exam:ultrasound": (_("une échographie déjà réalisée"), _has_exam(ExamKind.ULTRASOUND)),
    "exam:endoscopy": (_("une endoscopie déjà réalisée"), _has_exam(ExamKind.ENDOSCOPY)),
    "exam:blood_test": (_("un bilan biologique"), _has_exam(ExamKind.BLOOD_TEST)),
}


def current_rule_set() -> CompletenessRuleSet | None:
    return CompletenessRuleSet.objects.filter(published_at__isnull=False).order_by("-version").first()


def required_items(rule_set: CompletenessRuleSet | None, suspected_site: str) -> list[str]:
    if rule_set is None:
        return []
    rows = CompletenessRequirement.objects.filter(rule_set=rule_set, suspected_site__in=["", suspected_site])
    return sorted({row.item for row in rows}, key=_item_order)


def _item_order(item: str) -> int:
    return list(ITEMS).index(item) if item in ITEMS else len(ITEMS)


def missing_items(content: ReferralContent, items: Iterable[str]) -> list[str]:
    """The required items the content lacks, in a stable order. An unknown item code counts as missing."""
    return [item for item in items if item not in ITEMS or not ITEMS[item][1](content)]


def item_label(item: str) -> str:
    return str(ITEMS[item][0]) if item in ITEMS else item
