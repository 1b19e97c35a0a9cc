"""Completeness: what a referral must contain is data (CompletenessRequirement rows), checked per site."""

import json
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

import jalon.referrals
from conftest import identity, pdf_upload
from jalon.core.actor import Actor
from jalon.core.vocabulary import CancerSite
from jalon.events.models import Event
from jalon.referrals import completeness
from jalon.referrals.completeness import ITEMS, ReferralContent, current_rule_set, item_label, missing_items
from jalon.referrals.models import CompletenessRequirement, CompletenessRuleSet, Status
from jalon.referrals.services import ExamInput, referral_complete, referral_request_complement

RULES_PATH = Path(jalon.referrals.__file__).parent / "data" / "completeness_v2.json"
RULES = json.loads(RULES_PATH.read_text(encoding="utf-8"))
# The items each site requires (the wished ones, « souhaité », never make a referral incomplete).
SITE_ITEMS: dict[str, set[str]] = {}
for _row in RULES["requirements"]:
    if _row["site"] and _row["required"]:
        SITE_ITEMS.setdefault(_row["site"], set()).add(_row["item"])
SITE_EXAMS = sorted((site, item) for site, items in SITE_ITEMS.items() for item in items if item.startswith("exam:"))
SITES_WITHOUT_RULES = sorted(set(CancerSite.values) - set(SITE_ITEMS))

# One exam kind that satisfies each exam item, and satisfies no other exam item a site asks for with it.
EXAM_FOR_ITEM = {
    "exam:any_imaging": "xray",
    "exam:ct": "ct",
    "exam:ct_or_mri": "mri",
    "exam:ct_mri_or_endoscopy": "mri",
    "exam:digestive_exploration": "endoscopy",
    "exam:breast_imaging": "mammography",
    "exam:ultrasound": "ultrasound",
    "exam:endoscopy": "endoscopy",
    "exam:blood_test": "blood_test",
}


def _exams_for(items):
    exam_items = sorted(item for item in items if item.startswith("exam:"))
    return [ExamInput(kind=EXAM_FOR_ITEM[item], done_on=date(2026, 10, 1)) for item in exam_items]


def test_it_knows_every_item_the_shipped_rules_name():
    """Every item of the shipped rules is a check completeness.py knows, and every exam item has a test exam."""
    items = {row["item"] for row in RULES["requirements"]}
    assert items <= set(ITEMS)
    assert {item for item in items if item.startswith("exam:")} <= set(EXAM_FOR_ITEM)


def test_it_ships_v2_as_the_published_rule_set(db):
    """The migrations publish the JSON rules as version 2, one row per requirement, required or wished, with its
    source."""
    rule_set = current_rule_set()
    assert rule_set.version == RULES["version"] == 2
    rows = {(row.suspected_site, row.item, row.required, row.source) for row in rule_set.requirements.all()}
    assert rows == {(row["site"], row["item"], row["required"], row["source"]) for row in RULES["requirements"]}
    assert all(row["source"].strip() for row in RULES["requirements"])


@pytest.mark.parametrize(("site", "item"), SITE_EXAMS, ids=[f"{s}-{i}" for s, i in SITE_EXAMS])
def test_it_names_the_missing_exam_of_each_site(site, item, submit):
    """A referral that has everything its site asks for but one exam is incomplete and names that exam."""
    exams = _exams_for(SITE_ITEMS[site] - {item})
    referral = submit(suspected_site=site, exams=exams, documents=[pdf_upload()]).referral

    assert not referral.is_complete
    assert referral.missing_items == [item]
    referral.refresh_from_db()
    assert referral.missing_items == [item]
    assert Event.objects.get(referral=referral, kind="referral.submitted").payload["missing_items"] == [item]


@pytest.mark.parametrize("site", sorted(SITE_ITEMS))
def test_it_finds_complete_a_referral_with_everything_its_site_asks(site, submit):
    """A referral with every exam and document its site requires is complete."""
    referral = submit(suspected_site=site, exams=_exams_for(SITE_ITEMS[site]), documents=[pdf_upload()]).referral

    assert referral.is_complete
    assert referral.missing_items == []


@pytest.mark.parametrize("site", SITES_WITHOUT_RULES)
def test_it_asks_only_common_items_of_sites_without_rules(site, submit):
    """A site with no rule of its own needs only the items common to every referral."""
    referral = submit(suspected_site=site, exams=[], documents=[]).referral

    assert referral.is_complete


def test_it_requires_a_document_for_lung(submit):
    """A lung referral with its CT but no document lacks "document"."""
    referral = submit(documents=[]).referral

    assert not referral.is_complete
    assert referral.missing_items == ["document"]


def test_it_requires_common_items_for_every_site(submit, gp):
    """Missing clinical reason, first symptoms date, phone and information of the patient are all named."""
    referral = submit(
        patient=identity(gp_id=gp.professional_id, phone=""),
        clinical_reason="   ",
        first_symptoms_date=None,
        patient_informed=None,
    ).referral

    assert referral.missing_items == ["clinical_reason", "first_symptoms_date", "patient_phone", "patient_informed"]


def test_it_returns_to_the_queue_complete_after_complement(submit, coordinator, gp):
    """Complement requested, then the CT and a PDF added: the referral is received again, complete."""
    referral = submit(exams=[], documents=[]).referral
    assert referral.missing_items == ["document", "exam:ct"]

    referral_request_complement(actor=Actor(user=coordinator), referral=referral, message="Scanner et compte rendu ?")
    referral.refresh_from_db()
    assert referral.status == Status.AWAITING_COMPLEMENT

    referral_complete(
        actor=Actor(user=gp),
        referral=referral,
        message="Voici le scanner.",
        exams=[ExamInput(kind="ct", done_on=date(2026, 10, 1), place="Imagerie Nord", summary="Nodule 25 mm")],
        documents=[pdf_upload()],
    )

    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED
    assert referral.is_complete
    assert referral.missing_items == []
    assert list(referral.exams.values_list("kind", flat=True)) == ["ct"]
    assert referral.documents.count() == 1
    event = Event.objects.get(referral=referral, kind="referral.completed")
    assert event.payload["missing_items"] == []
    assert event.actor_id == gp.pk
    assert list(referral.messages.values_list("body", flat=True)) == ["Scanner et compte rendu ?", "Voici le scanner."]


def test_it_stays_incomplete_after_partial_complement(submit, coordinator, gp):
    """A complement that brings the PDF but not the CT leaves the referral received and incomplete."""
    referral = submit(exams=[], documents=[]).referral
    referral_request_complement(actor=Actor(user=coordinator), referral=referral, message="Scanner et compte rendu ?")

    referral_complete(actor=Actor(user=gp), referral=referral, documents=[pdf_upload()])

    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED
    assert not referral.is_complete
    assert referral.missing_items == ["exam:ct"]


def test_it_counts_unknown_item_codes_as_missing():
    """An item code completeness.py does not know is reported missing, never silently satisfied."""
    content = ReferralContent(clinical_reason="Toux", document_count=1, exam_kinds=frozenset({"ct"}))

    items = ["clinical_reason", "exam:pet_scan_typo", "document", "exam:ct"]
    assert missing_items(content, items) == ["exam:pet_scan_typo"]
    assert item_label("exam:pet_scan_typo") == "exam:pet_scan_typo"


def test_it_checks_items_as_a_pure_function():
    """missing_items keeps the order it is given and needs no database."""
    empty = ReferralContent()

    assert missing_items(empty, []) == []
    assert missing_items(empty, ["exam:ct", "clinical_reason", "gp"]) == ["exam:ct", "clinical_reason", "gp"]
    pet_ct = ReferralContent(exam_kinds=frozenset({"pet_ct"}))
    assert missing_items(pet_ct, ["exam:ct", "exam:ct_or_mri", "exam:any_imaging"]) == []
    assert missing_items(ReferralContent(clinical_reason="  "), ["clinical_reason"]) == ["clinical_reason"]


def test_it_requires_an_item_added_as_a_row(submit):
    """A requirement row added to the published rule set applies to the next referral, without code change."""
    rule_set = current_rule_set()
    CompletenessRequirement.objects.create(rule_set=rule_set, suspected_site="lung", item="exam:blood_test")

    lung = submit().referral
    breast = submit(suspected_site="breast", exams=[ExamInput(kind="mammography")]).referral

    assert lung.missing_items == ["exam:blood_test"]
    assert breast.is_complete


def test_it_requires_a_common_item_added_as_a_row(submit):
    """A row with no site applies to every site: here the GP becomes required."""
    CompletenessRequirement.objects.create(rule_set=current_rule_set(), suspected_site="", item="gp")

    lung = submit(patient=identity()).referral
    skin = submit(suspected_site="skin", patient=identity(birth_name="Autre", ins="")).referral

    assert lung.missing_items == ["gp"]
    assert skin.missing_items == ["gp"]


def test_it_applies_the_newest_published_rule_set_and_keeps_a_running_referral_on_its_own(submit, coordinator, gp):
    """A new published version applies to new referrals; an unpublished one is ignored; a referral keeps its version."""
    v1 = current_rule_set()
    running = submit(documents=[]).referral
    assert running.completeness_rule_set_id == v1.pk
    referral_request_complement(actor=Actor(user=coordinator), referral=running, message="Compte rendu ?")

    v2 = CompletenessRuleSet.objects.create(version=3, published_at=timezone.now(), source="test")
    CompletenessRequirement.objects.bulk_create(
        [
            CompletenessRequirement(rule_set=v2, suspected_site=row.suspected_site, item=row.item)
            for row in v1.requirements.all()
        ]
        + [CompletenessRequirement(rule_set=v2, suspected_site="lung", item="exam:blood_test")]
    )
    v3 = CompletenessRuleSet.objects.create(version=4, published_at=None, source="draft")
    CompletenessRequirement.objects.create(rule_set=v3, suspected_site="lung", item="gp")
    assert completeness.current_rule_set() == v2

    new = submit(patient=identity(gp_id=None, birth_name="Autre", ins="")).referral
    assert new.completeness_rule_set_id == v2.pk
    assert new.missing_items == ["exam:blood_test"]

    referral_complete(actor=Actor(user=gp), referral=running, documents=[pdf_upload()])
    running.refresh_from_db()
    assert running.completeness_rule_set_id == v1.pk
    assert running.is_complete


@pytest.mark.parametrize("site", ["colorectal", "oesogastric", "pancreas_biliary"])
def test_it_counts_an_endoscopy_as_an_exploration_for_digestive_referrals(site, submit):
    """A colonoscopy, gastroscopy or endoscopic ultrasound (« endoscopie ») explores a digestive referral."""
    referral = submit(suspected_site=site, exams=[ExamInput(kind="endoscopy", done_on=date(2026, 10, 1))]).referral

    assert referral.is_complete, referral.missing_items


@pytest.mark.parametrize("site", ["pancreas_biliary", "lymphoma", "liver"])
def test_it_asks_a_blood_test_as_wished_not_required(site, submit):
    """Pancreas, lymphoma and liver: no blood test leaves the referral complete; the blood test is shown as
    wished (« souhaité »), and is no longer wished once done."""
    from jalon.referrals.services import wished_missing_items

    exams = [ExamInput(kind="ct", done_on=date(2026, 10, 1))]
    referral = submit(suspected_site=site, exams=exams).referral

    assert referral.is_complete
    assert wished_missing_items(referral) == ["exam:blood_test"]
    with_blood = submit(suspected_site=site, exams=[*exams, ExamInput(kind="blood_test")]).referral
    assert wished_missing_items(with_blood) == []


def test_it_treats_an_item_answered_not_done_as_answered():
    """missing_items: an exam answered « non réalisé » is not missing; an item that cannot be « not done »
    (the patient's phone) stays missing whatever is said."""
    empty = ReferralContent()

    assert missing_items(empty, ["exam:ct", "document", "patient_phone"], not_done=["exam:ct", "patient_phone"]) == [
        "document",
        "patient_phone",
    ]


def test_the_complement_form_shows_wished_and_not_done_choices(client, submit, coordinator, gp):
    """The referrer's complement page says « obligatoire » / « souhaité » and offers « non réalisé » for the
    missing exam only; answering it sends the referral back complete."""
    from django.urls import reverse

    referral = submit(suspected_site="pancreas_biliary", exams=[]).referral
    assert referral.missing_items == ["exam:ct_mri_or_endoscopy"]
    referral_request_complement(actor=Actor(user=coordinator), referral=referral, message="Imagerie ?")
    client.force_login(gp)

    page = client.get(reverse("referrals:complete", args=[referral.reference])).content.decode()

    assert "obligatoire" in page and "souhaité" in page
    assert 'value="exam:ct_mri_or_endoscopy"' in page
    assert 'value="exam:blood_test"' not in page
    response = client.post(
        reverse("referrals:complete", args=[referral.reference]),
        {"not_done": ["exam:ct_mri_or_endoscopy"], "exams-TOTAL_FORMS": "3", "exams-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED and referral.is_complete


def test_the_complement_form_refuses_a_not_done_item_it_did_not_offer(client, submit, coordinator, gp):
    """Bad input: a « non réalisé » choice outside the offered ones is refused with a message, nothing saved."""
    from django.urls import reverse

    referral = submit(exams=[], documents=[]).referral
    referral_request_complement(actor=Actor(user=coordinator), referral=referral, message="Scanner ?")
    client.force_login(gp)

    response = client.post(
        reverse("referrals:complete", args=[referral.reference]),
        {"not_done": ["patient_phone"], "exams-TOTAL_FORMS": "3", "exams-INITIAL_FORMS": "0"},
    )

    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.AWAITING_COMPLEMENT and referral.items_not_done == []
