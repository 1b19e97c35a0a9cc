"""Signs read from a referral's text (issue 14): what the lexicon finds in the reason and the exam reports that
the referrer did not tick, kept apart as « lu dans le texte ». Negated signs are never read; a sign the
coordinator dismissed for this referral is no longer counted; an imaging score written in the text fills only
a finding not given as structured data."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from jalon.core.vocabulary import AlarmSign
from jalon.triage.engine import TriageFacts, imaging_facts
from jalon.triage.lexicon import read_clinical_text

IMAGING_KEYS = ("birads", "eu_tirads", "lirads", "lung_rads", "lesion_size_mm")
# The rule condition that reads each imaging finding.
IMAGING_CONDITIONS = {
    "birads_at_least": "birads",
    "eu_tirads_at_least": "eu_tirads",
    "lirads_in": "lirads",
    "lung_rads_at_least": "lung_rads",
    "lesion_size_mm_at_least": "lesion_size_mm",
}


@dataclass(frozen=True)
class TextSigns:
    """What the text adds to the facts: signs and history facts (AlarmSign codes), imaging findings by key."""

    codes: frozenset[str] = frozenset()
    imaging: dict = field(default_factory=dict)

    def apply(self, facts: TriageFacts) -> TriageFacts:
        """The facts with the signs and findings read from the text added."""
        if not self.codes and not self.imaging:
            return facts
        return replace(
            facts,
            alarm_signs=facts.alarm_signs | self.codes,
            **{key: value for key, value in imaging_facts(self.imaging).items() if value is not None},
        )


def referral_text(referral) -> str:
    """The free text triage reads: the clinical reason, then the summary of each exam already done."""
    parts = [referral.clinical_reason or ""]
    parts += [exam.summary for exam in referral.exams.all() if exam.summary]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def text_signs(text: str, *, ticked=(), imaging_given: dict | None = None, dismissed=()) -> TextSigns:
    """The signs stated in `text` that are neither ticked nor dismissed, and the imaging findings written there
    that the structured findings do not give."""
    reading = read_clinical_text(text)
    known = set(AlarmSign.values)
    codes = frozenset(code for code in reading.codes if code in known) - set(ticked) - set(dismissed)
    given = imaging_given or {}
    imaging = {
        key: value for key, value in reading.imaging_findings.items() if key in IMAGING_KEYS and given.get(key) is None
    }
    return TextSigns(codes=codes, imaging=imaging)


def referral_text_signs(referral) -> TextSigns:
    """What triage reads in this referral's text (see text_signs)."""
    return text_signs(
        referral_text(referral),
        ticked=referral.alarm_signs or (),
        imaging_given=referral.imaging_findings,
        dismissed=referral.dismissed_text_signs or (),
    )
