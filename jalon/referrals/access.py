"""Who may submit a referral and where, and who reaches a referral (DESIGN.md §2, issue 12).

Access follows the referral, then the care team (`patients.access`). Whoever submits a referral reaches
that referral and what grows from it (pathway, documents, letters, appointments, thread), nothing else of
the patient; the coordinators of its entry point's organisation work it. The referrer of a referral keeps
it when the patient opposes sharing. A referral out of reach answers 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from jalon.accounts.access import C, capabilities_of, has_capability
from jalon.core.lookups import by_unique_key
from jalon.directory.models import Professional
from jalon.patients.access import patient_reachable, reaches_patient_file
from jalon.referrals.models import Channel, EntryPoint, Referral
from jalon.referrals.status import awaits_complement

# Channels a professional submits through as themselves; those a coordinator types in for someone else.
OWN_CHANNELS = frozenset({Channel.WEB, Channel.API, Channel.TELEEXPERTISE})
FOR_OTHERS_CHANNELS = frozenset({Channel.PHONE, Channel.MAIL, Channel.API})


# --- Submitting: who may file a referral to which entry point, through which channel -----------------


def submission_refusal(
    user, entry_point: EntryPoint, *, channel: str, referrer: Professional
) -> tuple[str, str] | None:
    """None when `user` may file a referral from `referrer` to `entry_point` through `channel`; otherwise the
    field at fault and a French message. Every channel (web form, phone intake, mail-in and tele-expertise
    conversions, API) goes through this one rule, called by `referral_submit`."""
    granted = capabilities_of(user)
    if not user.professional_id or not granted & {C.SUBMIT_OWN, C.SUBMIT_FOR_OTHERS, C.CONVERT_TELEEXPERTISE}:
        return None, _("Votre compte ne permet pas d'envoyer une demande de prise en soins.")
    own_organisation = entry_point.organization_id in user.organization_ids()
    as_themselves = referrer.pk == user.professional_id
    if C.SUBMIT_OWN in granted and as_themselves and channel in OWN_CHANNELS:
        return None
    if C.SUBMIT_FOR_OTHERS in granted and channel in FOR_OTHERS_CHANNELS:
        if own_organisation:
            return None
        return "entry_point", _("Vous ne pouvez saisir une demande que pour un guichet de votre organisation.")
    if C.CONVERT_TELEEXPERTISE in granted and channel == Channel.TELEEXPERTISE:
        if own_organisation:
            return None
        return "entry_point", _("Une téléexpertise ne devient une demande que vers un guichet de votre organisation.")
    if not as_themselves:
        return "referrer", _(
            "Seule la coordination du guichet peut saisir une demande au nom d'un autre professionnel."
        )
    return None, _("Votre compte ne permet pas d'envoyer une demande par ce canal.")


def may_submit_to(user, entry_point: EntryPoint, *, channel: str, referrer: Professional) -> bool:
    return submission_refusal(user, entry_point, channel=channel, referrer=referrer) is None


def entry_points_open_to(user) -> QuerySet[EntryPoint]:
    """The active entry points the user may file to: any for those who submit as themselves, their
    organisations' for the coordination (phone intake, mail-in)."""
    granted = capabilities_of(user)
    active = EntryPoint.objects.filter(is_active=True)
    if C.SUBMIT_OWN in granted:
        return active
    if granted & {C.SUBMIT_FOR_OTHERS, C.CONVERT_TELEEXPERTISE}:
        return active.filter(organization_id__in=user.organization_ids())
    return EntryPoint.objects.none()


# --- Reaching a referral ----------------------------------------------------------------------------


def referrals_visible_to(user, referrals: QuerySet[Referral] | None = None) -> QuerySet[Referral]:
    """Coordinators: their organisations' entry points. Other clinicians: the referrals they made, and those
    of patients whose file they reach through a care-team membership (never through a match on identity).

    `referrals`: the queryset to narrow (all referrals by default), e.g. one already annotated and ordered
    that a page keeps from one request to the next (`selectors.worklist`)."""
    referrals = Referral.objects.all() if referrals is None else referrals
    granted = capabilities_of(user)
    if C.READ_ENTRY_POINT in granted:
        return referrals.filter(entry_point__organization_id__in=user.organization_ids())
    if C.READ_OWN_REFERRALS not in granted:
        return referrals.none()
    # Whoever submits a referral reaches it: its referrer, and whoever filed it for them (a specialist turning a
    # tele-expertise into a referral); the rest of the patient's file only through the care team.
    return referrals.filter(
        Q(referrer_id=user.professional_id) | Q(created_by_id=user.pk) | patient_reachable(user, "patient_id")
    )


def referral_for_user(user, reference: str, queryset: QuerySet[Referral] | None = None) -> Referral:
    referral = by_unique_key(
        (queryset if queryset is not None else referrals_visible_to(user)).filter(reference=reference)
    )
    if referral is None:
        raise Http404
    return referral


def may_work_referral(user, referral: Referral) -> bool:
    """Accept, decline, redirect, request a complement: the coordinators of the referral's entry point."""
    return has_capability(user, C.WORK_REFERRALS) and referral.entry_point.organization_id in user.organization_ids()


# Events of a referral that speak of the patient's record rather than of the referral: that the patient has
# another open referral, that the INS sent is a known patient's, how the identity was checked or corrected.
# Shown only to those who see the record (`sees_patient_record`): to a submitter who matched a known patient
# they would tell that someone else suspects a cancer in this person.
RECORD_EVENT_KINDS = frozenset(
    {
        "referral.duplicate_linked",
        "patient.identity_conflict_raised",
        "patient.identity_conflict_resolved",
        "patient.identity_corrected",
        "patient.identity_status_changed",
    }
)


def sees_patient_record(user, referral: Referral) -> bool:
    """Whether a referral's page shows the patient as Jalon holds them (INS, contact, used name, commune):
    the coordinators of its entry point and whoever reaches the patient's whole file. A submitter who
    reaches the referral only sees the identity they sent: a match on traits teaches them nothing."""
    return may_work_referral(user, referral) or reaches_patient_file(user, referral.patient_id)


def may_complete_referral(user, referral: Referral) -> bool:
    """Answer a complement request: the professional who made the referral, while it awaits one
    (`status.awaits_complement`: asked before acceptance, or with it)."""
    return (
        has_capability(user, C.READ_OWN_REFERRALS)
        and referral.referrer_id == user.professional_id
        and awaits_complement(referral)
    )


# --- Indicators -----------------------------------------------------------------------------------


def identified_pathways(user, pathway_ids) -> dict[int, str]:
    """Among these pathways, those whose referral the user reaches, with its reference (one query).
    The indicators' drill-down names only these; every other row stays a pseudonym (managers and the
    regional analyst: all)."""
    ids = list(pathway_ids)
    if not ids:
        return {}
    return dict(referrals_visible_to(user).filter(pathway__id__in=ids).values_list("pathway__id", "reference"))
