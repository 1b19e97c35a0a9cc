"""Issue 14, item 2: the proposal counts the signs read in the referral's text, kept apart « lu dans le texte »;
negated signs are never added; imaging scores written in the text fill only the findings not given."""

import pytest

from jalon.pathways.selectors import proposal_summary
from jalon.referrals.services import ExamInput
from jalon.triage.services import triage_propose

pytestmark = pytest.mark.django_db


def test_it_counts_a_sign_read_in_the_reason_and_marks_it_read_from_text(submit):
    """« hémoptysie » written, not ticked: the proposal reads it, reaches the P1 rule and says « lu dans le texte »."""
    referral = submit(
        clinical_reason="Toux depuis 2 mois, hémoptysie ce matin.", declared_urgency="routine", alarm_signs=[]
    ).referral
    proposal = triage_propose(referral)
    assert "haemoptysis" in proposal.read_from_text
    assert proposal.priority == "P1" and proposal.pathway_kind == "lung"
    marked = [check for check in proposal.explanation if check.get("read_from_text")]
    assert any("haemoptysis" in check["read_from_text"] for check in marked)
    summary = proposal_summary(proposal)
    assert any("(lu dans le texte)" in row["actual"] for row in summary["checks"])
    assert {"code": "haemoptysis", "label": "Hémoptysie"} in summary["read_from_text"]


def test_it_never_adds_a_negated_sign(submit):
    """« pas d'hémoptysie » is not counted."""
    referral = submit(clinical_reason="Toux persistante, pas d'hémoptysie, sans dyspnée.", alarm_signs=[]).referral
    proposal = triage_propose(referral)
    assert not proposal.read_from_text & {"haemoptysis", "dyspnoea"}


def test_a_ticked_sign_is_not_read_from_text(submit):
    """A sign both ticked and written is the referrer's, not « lu dans le texte »."""
    referral = submit(clinical_reason="Hémoptysie depuis une semaine.", alarm_signs=["haemoptysis"]).referral
    assert "haemoptysis" not in triage_propose(referral).read_from_text


def test_imaging_scores_in_the_text_fill_only_the_findings_not_given(submit):
    """A score in an exam report counts when the structured findings lack it; a given one is kept."""
    exams = [ExamInput(kind="mammography", summary="Masse de 22 mm classée ACR 5.")]
    referral = submit(
        suspected_site="breast",
        clinical_reason="Masse du sein gauche.",
        exams=exams,
        imaging_findings={"lesion_size_mm": 30},
    ).referral
    proposal = triage_propose(referral)
    assert proposal.text.imaging == {"birads": 5}
    assert proposal.priority in ("P1", "P2")
