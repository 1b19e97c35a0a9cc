"""What a referral must contain. Which items a site asks for is data (CompletenessRequirement rows, shipped
from jalon/referrals/data/completeness_v*.json, each with its source and whether it is required or only
wished); this module only knows how to check each item.

An item the referrer answers « non réalisé » (an exam not done) counts as answered: it is no longer missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jalon.core.published import PublishedMemo
from jalon.referrals.models import CompletenessRequirement, CompletenessRuleSet, ExamKind

IMAGING = {ExamKind.CT, ExamKind.MRI, ExamKind.PET_CT, ExamKind.ULTRASOUND, ExamKind.XRAY, ExamKind.MAMMOGRAPHY}
CROSS_SECTIONAL = {ExamKind.CT, ExamKind.MRI, ExamKind.PET_CT}


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


@dataclass(frozen=True)
class Item:
    """One thing a referral may be asked for: its French label, its check, and whether the referrer may
    answer it « non réalisé » (an exam or its report: the answer closes the item)."""

    label: Promise
    check: Callable[[ReferralContent], bool]
    may_be_not_done: bool = False


def _has_exam(*kinds: str) -> Callable[[ReferralContent], bool]:
    return lambda content: bool(content.exam_kinds & set(kinds))


def _exam(label: Promise, *kinds: str) -> Item:
    return Item(label, _has_exam(*kinds), may_be_not_done=True)


ITEMS: dict[str, Item] = {
    "clinical_reason": Item(_("le motif clinique"), lambda c: bool(c.clinical_reason.strip())),
    "first_symptoms_date": Item(_("la date des premiers symptômes"), lambda c: c.first_symptoms_date is not None),
    "gp": Item(_("le médecin traitant"), lambda c: c.gp_id is not None),
    "patient_phone": Item(_("le téléphone du patient"), lambda c: bool(c.patient_phone)),
    "patient_commune": Item(_("la commune de résidence du patient"), lambda c: bool(c.patient_commune_code)),
    "patient_informed": Item(_("si le patient est informé de la suspicion"), lambda c: c.patient_informed is not None),
    "document": Item(_("au moins un compte rendu joint"), lambda c: c.document_count > 0, may_be_not_done=True),
    "exam:any_imaging": _exam(_("un examen d'imagerie déjà réalisé"), *IMAGING),
    # Digestive referrals: an endoscopy (colonoscopy, gastroscopy, endoscopic ultrasound) explores as well as imaging.
    "exam:digestive_exploration": _exam(
        _("une imagerie ou une endoscopie (coloscopie, gastroscopie, écho-endoscopie) déjà réalisée"),
        *IMAGING,
        ExamKind.ENDOSCOPY,
    ),
    "exam:ct": _exam(_("un scanner (TDM) déjà réalisé"), ExamKind.CT, ExamKind.PET_CT),
    "exam:ct_or_mri": _exam(_("un scanner ou une IRM déjà réalisés"), *CROSS_SECTIONAL),
    "exam:ct_mri_or_endoscopy": _exam(
        _("un scanner, une IRM ou une écho-endoscopie déjà réalisés"), *CROSS_SECTIONAL, ExamKind.ENDOSCOPY
    ),
    "exam:breast_imaging": _exam(
        _("une mammographie ou une échographie mammaire"), ExamKind.MAMMOGRAPHY, ExamKind.ULTRASOUND
    ),
    "exam:ultrasound": _exam(_("une échographie déjà réalisée"), ExamKind.ULTRASOUND),
    "exam:endoscopy": _exam(_("une endoscopie déjà réalisée"), ExamKind.ENDOSCOPY),
    "exam:blood_test": _exam(_("un bilan biologique"), ExamKind.BLOOD_TEST),
}


def current_rule_set() -> CompletenessRuleSet | None:
    return CompletenessRuleSet.objects.filter(published_at__isnull=False).order_by("-version").first()


def requirements(rule_set: CompletenessRuleSet | None, suspected_site: str) -> dict[str, bool]:
    """Item -> required (True) or only wished (False), for this site under this rule set, in a stable order.
    When an item is listed both for all sites and for this one, required wins."""
    if rule_set is None:
        return {}
    return dict(_REQUIREMENTS.get(rule_set, suspected_site, lambda: _read_requirements(rule_set, suspected_site)))


# A published set's requirements per site, read once per process (core.published).
_REQUIREMENTS = PublishedMemo(
    "completeness-requirements", watches=("referrals.CompletenessRuleSet", "referrals.CompletenessRequirement")
)


def _read_requirements(rule_set: CompletenessRuleSet, suspected_site: str) -> tuple[tuple[str, bool], ...]:
    rows = CompletenessRequirement.objects.filter(rule_set=rule_set, suspected_site__in=["", suspected_site])
    found: dict[str, bool] = {}
    for item, required in rows.values_list("item", "required"):
        found[item] = found.get(item, False) or required
    return tuple((item, found[item]) for item in sorted(found, key=_item_order))


def required_items(rule_set: CompletenessRuleSet | None, suspected_site: str) -> list[str]:
    """The items without which the referral is incomplete."""
    return [item for item, required in requirements(rule_set, suspected_site).items() if required]


def wished_items(rule_set: CompletenessRuleSet | None, suspected_site: str) -> list[str]:
    """The items asked for but not required (« souhaité »): their absence leaves the referral complete."""
    return [item for item, required in requirements(rule_set, suspected_site).items() if not required]


def _item_order(item: str) -> int:
    return list(ITEMS).index(item) if item in ITEMS else len(ITEMS)


def missing_items(content: ReferralContent, items: Iterable[str], not_done: Iterable[str] = ()) -> list[str]:
    """The items the content lacks, in a stable order. An item answered « non réalisé » is answered, not
    missing (only for items that may be); an unknown item code counts as missing."""
    answered_not_done = {item for item in not_done if may_be_not_done(item)}
    return [
        item
        for item in items
        if item not in answered_not_done and (item not in ITEMS or not ITEMS[item].check(content))
    ]


def may_be_not_done(item: str) -> bool:
    return item in ITEMS and ITEMS[item].may_be_not_done


def item_label(item: str) -> str:
    return str(ITEMS[item].label) if item in ITEMS else item
