"""Read a French clinical text: the alarm signs and history facts it states, those it negates, its scores.

The matching and the qualifiers come from edsnlp (AP-HP's rule-based French clinical NLP, BSD-3, no
model downloaded): `eds.normalizer` (case, accents, quotes), `eds.sentences`, `eds.matcher` with the
regular expressions of terms.json, then `eds.negation`, `eds.hypothesis` and `eds.family`, which are
NegEx-style cue lists scoped to the sentence and cut at terminations (« mais », « cependant », « et »,
« sauf »...). What this module decides on top of them:

- Negation: a negated mention (« pas de fièvre », « sans hémoptysie », « absence d' », « aucun(e) »,
  « ni ... ni », « n'a pas de », « non retrouvé(e) », « éliminé », « négatif pour », « hémoptysie : non »)
  goes to `negated` and is never raised. « pas d'amélioration de la dyspnée » asserts the dyspnoea
  (edsnlp lists « pas d'amélioration » as a pseudo-negation); we add the same for « sans amélioration »,
  « pas de régression », « sans régression », « pas de disparition »... (a sign that persists is present).
- Hypothesis: a sign under a hypothesis cue (« si hémoptysie, reconsulter », « possible », « à
  rechercher ») goes to `uncertain`, not raised. Exception, per code in terms.json
  (`suspicion_is_the_sign`): for a suspicious skin lesion, a palpable mass or lymph nodes, « suspect(e) »
  speaks of malignancy, which is the very reason for referral, so the mention stays asserted.
- Family: a history fact (known cancer, cirrhosis, smoking) in a family mention (« mère décédée d'un
  cancer du sein », « antécédents familiaux de ») goes to `family` and is never raised. For a sign, the
  family cue is ignored: edsnlp's family words include « fille », « mari », « enfant », and « adressée par
  sa fille pour AEG » must still raise AEG (a missed sign is worse than one the coordinator removes).
- A code is raised when at least one of its mentions is asserted, whatever the others say.

The pipeline is built once per process, on first use (about 10 s and 200 MB: spaCy's French tokenizer and
the cue lists); importing this module does not import edsnlp. After that, a 1,000-character text takes a
few milliseconds (bench/lexicon_bench.py).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import codes
from .imaging import ImagingMention, fold, highest_values, read_imaging

TERMS_FILE = Path(__file__).with_name("terms.json")

# Cues after which a sign is still present: a persisting symptom is not a negated one.
EXTRA_PSEUDO_NEGATIONS = [
    "sans amélioration",
    "pas d'amélioration",
    "pas de régression",
    "sans régression",
    "pas de disparition",
    "sans disparition",
    "pas de résolution",
    "sans résolution",
    "pas d'amendement",
    "sans amendement",
    "non résolutive",
    "non résolutif",
]


@dataclass(frozen=True)
class Mention:
    """One sign or history fact written in the text: its code, the words as written and where they are."""

    code: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TextReading:
    """What a clinical text says, kept apart by how it says it."""

    asserted: tuple[Mention, ...] = ()
    negated: tuple[Mention, ...] = ()
    uncertain: tuple[Mention, ...] = ()  # under a hypothesis cue
    family: tuple[Mention, ...] = ()  # history facts of a relative
    imaging: tuple[ImagingMention, ...] = ()
    _codes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_codes", frozenset(mention.code for mention in self.asserted))

    @property
    def codes(self) -> frozenset[str]:
        """The codes the text states: the signs and history facts to propose as « lu dans le texte »."""
        return self._codes

    @property
    def signs(self) -> frozenset[str]:
        """The alarm signs the text states (history facts left out)."""
        return self._codes & codes.SIGNS

    @property
    def history(self) -> frozenset[str]:
        """The facts of the patient's history the text states."""
        return self._codes & codes.HISTORY_FACTS

    @property
    def negated_codes(self) -> frozenset[str]:
        """The codes the text only ever negates (a code also asserted elsewhere is not in it)."""
        return frozenset(mention.code for mention in self.negated) - self._codes

    @property
    def imaging_findings(self) -> dict[str, int | str]:
        """The most severe score of each kind and the largest lesion size, as Referral.imaging_findings holds them."""
        return highest_values(self.imaging)


@dataclass(frozen=True)
class _Label:
    code: str
    requires: re.Pattern | None
    suspicion_is_the_sign: bool
    history: bool


@functools.lru_cache(maxsize=1024)
def read_clinical_text(text: str) -> TextReading:
    """The signs, history facts and imaging scores a French clinical text states, negates or leaves open.

    Kept per process for the last 1,024 texts read: the reading depends on the text alone (the lexicon is a file
    of the code), is immutable, and a referral page reads its referral's text again on every view, the
    pipeline taking half of the triage proposal's time (issue 15)."""
    if not text or not text.strip():
        return TextReading()
    nlp, labels = pipeline()
    doc = nlp(text)
    asserted, negated, uncertain, family = [], [], [], []
    for entity in doc.ents:
        label = labels[entity.label_]
        if label.requires is not None and not label.requires.search(fold(entity.sent.text)):
            continue
        mention = Mention(code=label.code, text=entity.text, start=entity.start_char, end=entity.end_char)
        if entity._.negation:
            negated.append(mention)
        elif label.history and entity._.family:
            family.append(mention)
        elif entity._.hypothesis and not label.suspicion_is_the_sign:
            uncertain.append(mention)
        else:
            asserted.append(mention)
    return TextReading(
        asserted=tuple(asserted),
        negated=tuple(negated),
        uncertain=tuple(uncertain),
        family=tuple(family),
        imaging=read_imaging(text),
    )


@functools.cache
def pipeline():
    """The edsnlp pipeline and what each of its labels means, built once per process."""
    import edsnlp
    import edsnlp.pipes as eds
    from edsnlp.pipes.qualifiers.negation.patterns import pseudo as negation_pseudo

    labels, regex = load_terms()
    nlp = edsnlp.blank("eds")
    nlp.add_pipe(eds.normalizer(pollution=False))
    nlp.add_pipe(eds.sentences())
    nlp.add_pipe(eds.matcher(regex=regex, attr="NORM", ignore_excluded=False))
    nlp.add_pipe(eds.negation(pseudo=[*negation_pseudo, *EXTRA_PSEUDO_NEGATIONS]))
    nlp.add_pipe(eds.hypothesis())
    nlp.add_pipe(eds.family(use_sections=False))
    return nlp, labels


def load_terms() -> tuple[dict[str, _Label], dict[str, list[str]]]:
    """terms.json as labels (their code and how to qualify them) and the matcher's word-bounded regexes."""
    data = json.loads(TERMS_FILE.read_text(encoding="utf-8"))
    labels: dict[str, _Label] = {}
    regex: dict[str, list[str]] = {}
    for key, entry in data.items():
        if key.startswith("_"):
            continue
        code = entry.get("code", key)
        requires = entry.get("requires")
        labels[key] = _Label(
            code=code,
            requires=re.compile(requires) if requires else None,
            suspicion_is_the_sign=entry.get("suspicion_is_the_sign", False),
            history=entry.get("history", False),
        )
        # One alternation per label: the matcher runs each regex over the whole text, so fewer is faster.
        # An apostrophe is often typed as a space, or left out (« peau d orange », « crise depilepsie »).
        patterns = [pattern.replace("'", r"['\s]?") for pattern in entry["regex"]]
        regex[key] = [r"(?<!\w)(?:" + "|".join(f"(?:{pattern})" for pattern in patterns) + r")(?!\w)"]
    return labels, regex
