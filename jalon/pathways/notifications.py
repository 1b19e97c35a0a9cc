"""What the pathway tells the city: the first diagnostic day letter, the tumour-board decision, the
hospital stay (admission, transfer, discharge, death), and the closing report of the return to the GP.

Each function runs in the service's transaction, after its event: the letter is written, then the
messages are queued through `notify_city` (texts are the managers' templates).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jalon.core.formatting import day_month_year, when_in_words
from jalon.pathways.letters import LetterContent, attachment_name, letter_write, next_steps_lines, steps_done_lines
from jalon.pathways.models import LetterKind, Milestone, MilestoneStatus, Pathway
from jalon.patients.models import Sex
from jalon.referrals.notifications import notify_city


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines) or "-"


def diagnostic_day_codes(pathway: Pathway) -> set[str]:
    """The steps of the first diagnostic day: the reception and the steps planned the same day as it."""
    reception = pathway.milestones.select_related("template").filter(code="reception").first()
    if reception is None:
        return set()
    group = reception.template.same_day_group
    if not group:
        return {"reception"}
    return {"reception", *pathway.milestones.filter(template__same_day_group=group).values_list("code", flat=True)}


def first_diagnostic_day_is_done(pathway: Pathway, recorded: Milestone) -> bool:
    codes = diagnostic_day_codes(pathway)
    if recorded.code not in codes:
        return False
    return not pathway.milestones.filter(code__in=codes, status=MilestoneStatus.PENDING).exists()


def first_day_opening(sex: str) -> str:
    """The first diagnostic day letter's opening, agreed with the patient's sex (inclusive only when unknown)."""
    if sex == Sex.FEMALE:
        return _(
            "Votre patiente a été accueillie le %(day)s pour sa première journée de diagnostic. "
            "Voici les examens réalisés et les prochaines étapes prévues."
        )
    if sex == Sex.MALE:
        return _(
            "Votre patient a été accueilli le %(day)s pour sa première journée de diagnostic. "
            "Voici les examens réalisés et les prochaines étapes prévues."
        )
    return _(
        "Votre patient·e a été accueilli·e le %(day)s pour sa première journée de diagnostic. "
        "Voici les examens réalisés et les prochaines étapes prévues."
    )


def closing_opening(sex: str) -> str:
    if sex == Sex.FEMALE:
        return _("Le parcours de votre patiente est clôturé et son suivi vous revient. Motif : %(reason)s")
    if sex == Sex.MALE:
        return _("Le parcours de votre patient est clôturé et son suivi vous revient. Motif : %(reason)s")
    return _("Le parcours de votre patient·e est clôturé et son suivi vous revient. Motif : %(reason)s")


def notify_first_diagnostic_day(*, pathway: Pathway, event, day) -> None:
    """The letter to the GP after the first diagnostic day: exams done, next steps (PDF, by secure mail)."""
    done, upcoming = steps_done_lines(pathway), next_steps_lines(pathway)
    letter = letter_write(
        pathway=pathway,
        kind=LetterKind.FIRST_DIAGNOSTIC_DAY,
        event=event,
        content=LetterContent(
            opening=first_day_opening(pathway.patient.sex) % {"day": day_month_year(day)},
            sections=((_("Examens et étapes réalisés"), tuple(done)), (_("Prochaines étapes"), tuple(upcoming))),
        ),
    )
    notify_city(
        kind="pathway.first_diagnostic_day",
        referral=pathway.referral,
        event=event,
        values={"date": when_in_words(day), "examens_faits": _bullets(done), "prochaines_etapes": _bullets(upcoming)},
        attachment_path=letter.file.name,
        attachment_name=attachment_name(letter),
    )


def notify_tumour_board_decision(*, pathway: Pathway, event, decision: str, day, actor_user=None) -> None:
    notify_city(
        kind="tumour_board.decision",
        referral=pathway.referral,
        event=event,
        actor_user=actor_user,
        values={"date": day_month_year(day), "decision": decision or _("voir le compte rendu de RCP")},
    )


def notify_stay(*, pathway: Pathway, event, stay_kind: str, day, place: str, note: str, actor_user=None) -> None:
    notify_city(
        kind=f"stay.{stay_kind}",
        referral=pathway.referral,
        event=event,
        actor_user=actor_user,
        values={"date": when_in_words(day), "lieu": place, "motif": note},
    )


def notify_closing_report(*, pathway: Pathway, event, reason: str, conclusion: str) -> None:
    """The return to the GP: the closing report (PDF) with the steps done and the team's conclusion."""
    done = steps_done_lines(pathway)
    sections = [(_("Étapes réalisées"), tuple(done))]
    if conclusion:
        sections.append((_("Conclusion de l'équipe"), (conclusion,)))
    letter = letter_write(
        pathway=pathway,
        kind=LetterKind.CLOSING_REPORT,
        event=event,
        content=LetterContent(
            opening=closing_opening(pathway.patient.sex) % {"reason": reason},
            sections=tuple(sections),
            closing=_("N'hésitez pas à recontacter la coordination pour toute question ou en cas d'évolution."),
        ),
    )
    notify_city(
        kind="pathway.closed",
        referral=pathway.referral,
        event=event,
        values={"motif": reason, "examens_faits": _bullets(done), "decision": conclusion or "-"},
        attachment_path=letter.file.name,
        attachment_name=attachment_name(letter),
    )
