"""The sorting the preparation page proposes for a case: « standard of care, registered without discussion » or
« full discussion ». The coordinator may change it; the chair confirms (services.board_case_sorting_confirm).

`propose_sorting(case)` is the one rule. It is cautious: a case is proposed for registration only when the
one preparing it says the situation matches a standard of the board's referential and no criterion calling for a
discussion is found in the data. Each criterion cites where it comes from; those no published text read here
states are marked « proposition Jalon, à valider ».

Sources read (public copies, December 2026):
- Charter of the tumour boards of the Nord-Pas-de-Calais 3C (update of 1 April 2014), quoting HAS, « Évaluation
  et amélioration des pratiques », June 2006: « Tous les nouveaux cas doivent être présentés avant mise en route du
  primo-traitement. Les dossiers des patients nécessitant une modification substantielle du traitement (reprise
  évolutive, toxicité…) sont également présentés. » and « Les médecins participants s'appuient sur des
  recommandations nationales (INCA/HAS, sociétés savantes), internationales ou des référentiels régionaux … En cas
  de décision hors référentiel, celle-ci est tracée lors de la RCP. »
- INCa, référentiel « Réunion de concertation pluridisciplinaire en cancérologie », updated December 2023 (summary by
  infirmiers.com; onco-aura.fr): the board is seized for any initial treatment proposal, any significant change of
  therapeutic direction, any stop of the cancer's specific treatments; four types of board, among them the
  interregional paediatric board.
- Circulaire DHOS/SDO/2005/101 of 22 February 2005, annex II « Principes généraux et modalités de fonctionnement
  des RCP » (its title read; the annex's text was not available here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jalon.boards.models import BoardCase, CaseStatus, Sorting
from jalon.diagnostics.models import PathologyRequest

SORTING_RULES_VERSION = 1
HAS_2006 = (
    "HAS, juin 2006, cité par la charte des RCP du 3C Nord-Pas-de-Calais (2014) : « Les dossiers des patients "
    "nécessitant une modification substantielle du traitement (reprise évolutive, toxicité…) sont également présentés »"
)
REFERENTIAL = (
    "Charte des RCP du 3C Nord-Pas-de-Calais (2014) : les propositions s'appuient sur les recommandations nationales "
    "ou les référentiels régionaux, une décision hors référentiel est tracée ; circulaire DHOS/SDO/2005/101, annexe II"
)
INCA_2023 = (
    "INCa, référentiel « Réunion de concertation pluridisciplinaire en cancérologie », décembre 2023 : RCP saisie pour "
    "tout changement significatif d'orientation thérapeutique ; RCP pédiatrique interrégionale"
)
TO_VALIDATE = "proposition Jalon, à valider"


@dataclass(frozen=True)
class SortingQuestion:
    code: str
    label: str
    choices: tuple[tuple[str, str], ...]


# Asked on the case next to the checklist (stored in BoardCase.answers); they never block the listing.
QUESTIONS = (
    SortingQuestion(
        code="referential_standard",
        label=gettext_lazy("La situation relève d'un standard du référentiel de la RCP"),
        choices=(
            ("yes", gettext_lazy("Oui")),
            ("no", gettext_lazy("Non")),
            ("unknown", gettext_lazy("Je ne sais pas")),
        ),
    ),
    SortingQuestion(
        code="trial_candidate",
        label=gettext_lazy("Patient susceptible d'entrer dans un essai clinique"),
        choices=(("yes", gettext_lazy("Oui")), ("no", gettext_lazy("Non"))),
    ),
)


@dataclass(frozen=True)
class SortingReason:
    text: str  # in French, shown on the page
    source: str


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def propose_sorting(case: BoardCase) -> tuple[str, list[SortingReason]]:
    """(Sorting value, the reasons in French). Full discussion when any criterion below holds, or when the
    situation is not said to match a standard of the referential; registration without discussion otherwise."""
    answers = case.answers or {}
    pathway = case.pathway
    reasons = []
    prescription = (
        PathologyRequest.objects.filter(pathway_id=pathway.pk)
        .order_by("-requested_at", "-id")
        .values_list("prescription", flat=True)
        .first()
    ) or {}
    if prescription.get("diagnosis_context") == "recurrence":
        reasons.append(SortingReason(_("Récidive (bon d'anatomopathologie) : reprise évolutive."), HAS_2006))
    if prescription.get("metastatic") == "yes":
        reasons.append(SortingReason(_("Maladie métastatique (bon d'anatomopathologie)."), TO_VALIDATE))
    earlier = BoardCase.objects.filter(pathway_id=pathway.pk, status=CaseStatus.DECIDED).exclude(pk=case.pk)
    if earlier.exists():
        reasons.append(
            SortingReason(
                _("Le parcours a déjà reçu une décision de RCP : nouvelle orientation thérapeutique."), INCA_2023
            )
        )
    if _age(pathway.patient.birth_date, timezone.localdate()) < 18:
        reasons.append(SortingReason(_("Patient de moins de 18 ans."), INCA_2023))
    if answers.get("performance_status") in ("2", "3", "4"):
        reasons.append(
            SortingReason(
                _("État général altéré (ECOG %(ps)s) : les standards supposent le plus souvent ECOG 0 ou 1.")
                % {"ps": answers["performance_status"]},
                TO_VALIDATE,
            )
        )
    if answers.get("trial_candidate") == "yes":
        reasons.append(SortingReason(_("Patient susceptible d'entrer dans un essai clinique."), TO_VALIDATE))
    standard = answers.get("referential_standard", "")
    if standard == "no":
        reasons.append(SortingReason(_("Pas de standard du référentiel pour cette situation."), REFERENTIAL))
    elif standard != "yes":
        reasons.append(
            SortingReason(
                _("Le dossier ne dit pas encore que la situation relève d'un standard du référentiel."), REFERENTIAL
            )
        )
    if reasons:
        return Sorting.DISCUSSION, reasons
    return Sorting.LISTED_ONLY, [
        SortingReason(
            _("La situation relève d'un standard du référentiel et aucun critère de discussion n'est relevé."),
            REFERENTIAL,
        )
    ]
