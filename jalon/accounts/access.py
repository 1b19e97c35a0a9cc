"""Who may see or change what. Every view and API route reaches patient data through here.

The rules (DESIGN.md §2, issue 12):

* What a role may do at all is one table, `CAPABILITIES` (role → capabilities): submit referrals and
  where, read which kinds of patient data, manage which settings. Views (`capability_required`), the
  API, the menu (`context_processors.navigation`) and the tests read it; no role list is written elsewhere.
* Which route needs what is declared once per URL name in `ROUTE_RULES`; the access-matrix test walks the
  URL resolver and fails on a route that has no rule there.
* Access to patient data follows the referral, then the care team. Whoever submits a referral reaches that
  referral and what grows from it (pathway, documents, letters, appointments, thread), nothing else of the
  patient. The patient's other referrals are reached through an active care-team membership that gives the
  whole file: the coordination of an entry point the patient came through, and any member granted by
  someone who already had it (`granted_by`, see `care_team_grant`). The referrer's own care-team row only
  records who referred. A GP named on a referral is a proposal until the coordination confirms them.
* A patient's opposition to sharing narrows the care team to those acting directly on their care
  (referrer, coordination, specialists): the GP, the home nurse and the support provider lose access.
  The referrer of a referral keeps that referral.
* Managers and admins reach no nominative data here; they read aggregates and the audit.
* A patient or referral out of reach answers 404, never a hint that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jalon.accounts.models import Role
from jalon.directory.models import Membership, Professional
from jalon.mailin.models import InboundMail
from jalon.patients.models import CareTeamMember, CareTeamRole, IdentityConflict, Patient
from jalon.portal.models import ThreadSide
from jalon.referrals.models import Channel, EntryPoint, Referral, Status
from jalon.teleexpertise.models import RequestStatus, TeleExpertiseRequest


class Capability(StrEnum):
    """What a role may do. Object-level rules (which patient, which referral) come on top, below."""

    # Submitting referrals, and where.
    SUBMIT_OWN = "referral.submit"  # as themselves, to any active entry point (web form, API, tele-expertise)
    SUBMIT_FOR_OTHERS = "referral.submit_for_others"  # naming the referrer (phone, mail, API): own organisations' entry points
    CONVERT_TELEEXPERTISE = "referral.from_teleexpertise"  # turn an answered request into a referral to own organisation's entry point
    # Reading patient data.
    READ_OWN_REFERRALS = "referral.read_own"  # the referrals they made and what grows from them
    LIST_OWN_REFERRALS = "referral.list_own"  # the « Mes demandes » page
    READ_AS_CARE_TEAM = "patient.read_as_care_team"  # the file of patients whose care team they are in
    READ_ENTRY_POINT = "referral.read_entry_point"  # the referrals of their organisations' entry points
    WORK_REFERRALS = "referral.work"  # the worklist, decisions, pathways, scheduling, alerts, failed messages
    FOLLOW_IN_PORTAL = "portal.follow"  # « Mes patients »: their referrals and their confirmed GP patients, with the thread
    READ_MAILIN = "mailin.read"  # mails received by their organisations' entry points
    ASK_TELEEXPERTISE = "teleexpertise.ask"
    ANSWER_TELEEXPERTISE = "teleexpertise.answer"
    READ_TELEEXPERTISE = "teleexpertise.read"
    RECEIVE_NOTIFICATIONS = "notifications.inbox"
    # Managing.
    MANAGE_CARE_TEAM = "care_team.manage"  # grant or end care-team memberships, confirm a proposed GP
    READ_INDICATORS = "indicators.read"  # aggregates region-wide; rows behind a figure: own organisations'
    READ_INDICATOR_ROWS_REGION = "indicators.rows_region"  # every pathway's row of the region, pseudonymised
    RESOLVE_IDENTITY_CONFLICTS = "identity.resolve"  # identity vigilance for their organisations' entry points
    MANAGE_TRIAGE_RULES = "triage_rules.manage"
    MANAGE_PATHWAY_TEMPLATES = "pathway_templates.manage"
    MANAGE_NOTIFICATION_TEXTS = "notification_texts.manage"  # their organisations' texts
    MANAGE_REGIONAL_NOTIFICATION_TEXTS = "notification_texts.manage_region"  # the region-wide texts
    READ_AUDIT = "audit.read"  # the audit trail of their organisations' people and patients
    READ_AUDIT_REGION = "audit.read_region"  # the whole region's audit trail


C = Capability
_CITY = frozenset({C.SUBMIT_OWN, C.READ_OWN_REFERRALS, C.LIST_OWN_REFERRALS, C.READ_AS_CARE_TEAM, C.RECEIVE_NOTIFICATIONS})
_MANAGING = frozenset({C.MANAGE_TRIAGE_RULES, C.MANAGE_PATHWAY_TEMPLATES, C.MANAGE_NOTIFICATION_TEXTS, C.READ_AUDIT})

# The capability table: for each role, everything it may do. Read by views, API, menu and tests.
CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.REFERRER: _CITY | {C.FOLLOW_IN_PORTAL, C.ASK_TELEEXPERTISE, C.READ_TELEEXPERTISE},
    Role.SPECIALIST: _CITY | {C.FOLLOW_IN_PORTAL, C.READ_TELEEXPERTISE, C.ANSWER_TELEEXPERTISE, C.CONVERT_TELEEXPERTISE},
    Role.HOME_NURSE: _CITY | {C.FOLLOW_IN_PORTAL},
    # Support providers receive orientations; they do not refer.
    Role.SUPPORT_PROVIDER: frozenset({C.READ_OWN_REFERRALS, C.LIST_OWN_REFERRALS, C.READ_AS_CARE_TEAM, C.RECEIVE_NOTIFICATIONS}),
    Role.COORDINATOR: frozenset({
        C.SUBMIT_FOR_OTHERS, C.READ_OWN_REFERRALS, C.READ_AS_CARE_TEAM, C.READ_ENTRY_POINT, C.WORK_REFERRALS,
        C.READ_MAILIN, C.RECEIVE_NOTIFICATIONS, C.MANAGE_CARE_TEAM, C.READ_INDICATORS, C.RESOLVE_IDENTITY_CONFLICTS,
    }),
    Role.MANAGER: _MANAGING | {C.READ_INDICATORS},
    Role.ADMIN: _MANAGING | {C.READ_AUDIT_REGION, C.MANAGE_REGIONAL_NOTIFICATION_TEXTS},
    # ARS, DCC: region-wide aggregates and pseudonymised rows; no nominative data anywhere.
    Role.REGIONAL_ANALYST: frozenset({C.READ_INDICATORS, C.READ_INDICATOR_ROWS_REGION}),
}
# What a role holds without a professional record (nothing that reaches a patient).
_WITHOUT_PROFESSIONAL = _MANAGING | {
    C.READ_AUDIT_REGION, C.MANAGE_REGIONAL_NOTIFICATION_TEXTS, C.READ_INDICATORS, C.READ_INDICATOR_ROWS_REGION,
}

# Channels a professional submits through as themselves; those a coordinator types in for someone else.
OWN_CHANNELS = frozenset({Channel.WEB, Channel.API, Channel.TELEEXPERTISE})
FOR_OTHERS_CHANNELS = frozenset({Channel.PHONE, Channel.MAIL, Channel.API})


def capabilities_of(user) -> frozenset[Capability]:
    """The capabilities of the user's role; none for anonymous or inactive users and unknown roles.
    Roles that work on patient data also need a professional record."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    granted = CAPABILITIES.get(user.role, frozenset())
    if not user.professional_id:
        granted = granted & _WITHOUT_PROFESSIONAL
    return granted


def has_capability(user, capability: Capability) -> bool:
    return capability in capabilities_of(user)


def roles_with(capability: Capability) -> tuple[str, ...]:
    """The roles the table gives `capability` (for forms listing roles, and tests)."""
    return tuple(role for role, granted in CAPABILITIES.items() if capability in granted)


# Derived, for the code that still needs role tuples (never write a role list by hand).
CLINICAL_ROLES = roles_with(C.READ_OWN_REFERRALS)
PORTAL_ROLES = roles_with(C.FOLLOW_IN_PORTAL)
TELEEXPERTISE_ROLES = roles_with(C.READ_TELEEXPERTISE)
INDICATOR_ROLES = roles_with(C.READ_INDICATORS)
# Care-team roles that keep access when the patient opposes sharing.
DIRECT_CARE_ROLES = (CareTeamRole.REFERRER, CareTeamRole.COORDINATOR, CareTeamRole.SPECIALIST)


def capability_required(capability: Capability, *, or_404: bool = False):
    """View decorator: the user's role must have `capability` (403, or 404 with `or_404` for pages whose
    existence is itself not for everyone). Put it under `login_required`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise Http404 if or_404 else PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability
        return wrapper

    return decorator


def reads_in_app_messages(user) -> bool:
    """Who has an in-app inbox in the menu: professionals who receive notifications, and the managers and
    admins told of texts published by others and of escalations."""
    return bool(
        capabilities_of(user)
        & {C.RECEIVE_NOTIFICATIONS, C.MANAGE_NOTIFICATION_TEXTS, C.MANAGE_REGIONAL_NOTIFICATION_TEXTS}
    )


def require_capability(user, capability: Capability, message: str = "") -> None:
    """For the API and services: PermissionDenied (with a French message) unless the user has `capability`."""
    if not has_capability(user, capability):
        raise PermissionDenied(message or _("Votre compte ne permet pas cette action."))


# --- Who reaches each route ---------------------------------------------------------------------------

PUBLIC = "public"  # anyone, logged in or not (login, health checks, static files)
AUTHENTICATED = "authenticated"  # any logged-in user (home, logout, own account pages)
STAFF = "staff"  # Django's admin site, which checks is_staff itself


@dataclass(frozen=True)
class RouteRule:
    """Who may reach a route: PUBLIC, AUTHENTICATED, STAFF, or the holders of `capability`. Object-level rules
    (which referral, which patient) are checked by the view through the helpers of this module."""

    who: str
    note: str = ""


def rule(capability: Capability | str, note: str = "") -> RouteRule:
    return RouteRule(str(capability), note)


# Every URL name of the site (namespace:name), with who may reach it. The access-matrix test
# (jalon/accounts/tests/test_access_matrix.py) walks the URL resolver and fails on any route missing here.
# To declare a new route: add `"namespace:name": rule(Capability.X)` (or PUBLIC / AUTHENTICATED), and
# protect the view with `@capability_required(Capability.X)` (or the object helper the note names).
# A namespace whose every route has one rule may be declared as "namespace:*".
ROUTE_RULES: dict[str, RouteRule] = {
    # accounts
    "accounts:home": rule(AUTHENTICATED),
    "accounts:login": rule(PUBLIC),
    "accounts:logout": rule(PUBLIC, "logging out answers anyone"),
    "accounts:audit": rule(C.READ_AUDIT),
    "accounts:reauth": rule(AUTHENTICATED, "confirm one's own password"),
    "accounts:password_change": rule(AUTHENTICATED, "one's own password"),
    "accounts:password_change_done": rule(AUTHENTICATED, "one's own password"),
    # the second factor (accounts/two_factor.py; SecondFactorMiddleware holds a session at these until done)
    "accounts:two_factor_verify": rule(AUTHENTICATED, "the code after the password"),
    "accounts:two_factor": rule(AUTHENTICATED, "one's own second factor"),
    "accounts:two_factor_enrol": rule(AUTHENTICATED, "one's own second factor"),
    "accounts:two_factor_recovery_codes": rule(AUTHENTICATED, "one's own codes, right after enrolment"),
    "accounts:two_factor_remove": rule(AUTHENTICATED, "one's own device, roles not requiring it"),
    "accounts:two_factor_renew_recovery_codes": rule(AUTHENTICATED, "one's own codes"),
    # Pro Santé Connect (404 unless configured); the callback maps the RPPS to an active account
    "accounts:psc_login": rule(PUBLIC, "starts the OpenID Connect flow"),
    "accounts:psc_callback": rule(PUBLIC, "state, nonce, PKCE and the ID token checked"),
    # referrals
    "referrals:new": rule(C.SUBMIT_OWN),
    "referrals:phone_intake": rule(C.SUBMIT_FOR_OTHERS),
    "referrals:mine": rule(C.LIST_OWN_REFERRALS),
    "coordination:worklist": rule(C.WORK_REFERRALS),
    "referrals:communes": rule(AUTHENTICATED, "public reference data for the forms"),
    "coordination:referral": rule(C.READ_OWN_REFERRALS, "referral_for_user"),
    "referrals:acknowledgment": rule(C.READ_OWN_REFERRALS, "referral_for_user"),
    "referrals:complete": rule(C.READ_OWN_REFERRALS, "referral_for_user + may_complete_referral"),
    "coordination:sharing_opposition": rule(C.WORK_REFERRALS, "referral_for_user + may_work_referral"),
    "referrals:document": rule(C.READ_OWN_REFERRALS, "referral_for_user"),
    "coordination:action": rule(C.WORK_REFERRALS, "referral_for_user + may_work_referral"),
    "coordination:confirm_gp": rule(C.MANAGE_CARE_TEAM, "referral_for_user + may_work_referral"),
    # the patient's page and care team
    "patients:detail": rule(C.READ_AS_CARE_TEAM, "patient_for_user"),
    "patients:care_team_grant": rule(C.MANAGE_CARE_TEAM, "patient_for_user + may_manage_care_team"),
    "patients:care_team_end": rule(C.MANAGE_CARE_TEAM, "patient_for_user + may_manage_care_team"),
    "patients:identity_conflicts": rule(C.RESOLVE_IDENTITY_CONFLICTS),
    "patients:identity_conflict": rule(C.RESOLVE_IDENTITY_CONFLICTS, "identity_conflict_for_user"),
    # pathways (the pathway of a referral the user reaches; work for the entry point's coordinators)
    "pathways:detail": rule(C.READ_OWN_REFERRALS, "pathway_for_user"),
    "pathways:milestone_record": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "pathways:milestone_skip": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "pathways:outcome": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "pathways:close": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "pathways:task_done": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "pathways:stay": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "pathways:document_add": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "pathways:letter": rule(C.READ_OWN_REFERRALS, "pathway_for_user"),
    "pathways_alerts:list": rule(C.WORK_REFERRALS),
    "pathways_alerts:acknowledge": rule(C.WORK_REFERRALS),
    "messaging:failed_action": rule(C.WORK_REFERRALS),
    # scheduling (letters and calendar files follow the referral)
    "scheduling:availability": rule(C.WORK_REFERRALS),
    "scheduling:closures": rule(C.WORK_REFERRALS, "appointments of the user's organisations' entry points"),
    "scheduling:planner": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "scheduling:book": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "scheduling:cancel": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "scheduling:letter": rule(C.READ_OWN_REFERRALS, "referrals_visible_to"),
    "scheduling:calendar": rule(C.READ_OWN_REFERRALS, "referrals_visible_to"),
    # managers' settings
    "pathway_templates:list": rule(C.MANAGE_PATHWAY_TEMPLATES),
    "pathway_templates:version": rule(C.MANAGE_PATHWAY_TEMPLATES),
    "pathway_templates:version_new": rule(C.MANAGE_PATHWAY_TEMPLATES),
    "triage_rules:*": rule(C.MANAGE_TRIAGE_RULES),
    "notifications:inbox": rule(AUTHENTICATED, "the user's own messages"),
    "notifications:preferences": rule(C.RECEIVE_NOTIFICATIONS, "the professional's own channels"),
    "notifications:templates": rule(C.MANAGE_NOTIFICATION_TEXTS),
    "notifications:template_edit": rule(C.MANAGE_REGIONAL_NOTIFICATION_TEXTS),
    "notifications:template_edit_organization": rule(C.MANAGE_NOTIFICATION_TEXTS, "may_edit_notification_texts"),
    # GP portal and thread
    "portal:patients": rule(C.FOLLOW_IN_PORTAL),
    "portal:patient": rule(C.FOLLOW_IN_PORTAL, "portal_referral_for_user"),
    "portal:patient_live": rule(C.FOLLOW_IN_PORTAL, "portal_referral_for_user"),
    "portal:letter": rule(C.FOLLOW_IN_PORTAL, "portal_referral_for_user"),
    "portal:thread_post": rule(C.FOLLOW_IN_PORTAL, "thread_referral_for_user"),
    # tele-expertise
    "teleexpertise:list": rule(C.READ_TELEEXPERTISE),
    "teleexpertise:new": rule(C.ASK_TELEEXPERTISE),
    "teleexpertise:detail": rule(C.READ_TELEEXPERTISE, "teleexpertise_request_for_user"),
    "teleexpertise:answer": rule(C.ANSWER_TELEEXPERTISE, "teleexpertise_request_for_user + may_answer_teleexpertise"),
    "teleexpertise:withdraw": rule(C.ASK_TELEEXPERTISE, "teleexpertise_request_for_user + may_withdraw_teleexpertise"),
    "teleexpertise:convert": rule(C.READ_TELEEXPERTISE, "teleexpertise_request_for_user + may_convert_teleexpertise"),
    "teleexpertise:document": rule(C.READ_TELEEXPERTISE, "teleexpertise_request_for_user"),
    # mails received by secure mail
    "mailin:*": rule(C.READ_MAILIN, "inbound_mail_for_user"),
    # indicators
    "indicators:*": rule(C.READ_INDICATORS),
    # the API (bearer token; the token's user must have the capability)
    "api:submit_referral": rule(C.SUBMIT_OWN + "|" + C.SUBMIT_FOR_OTHERS, "may_submit_to"),
    "api:referral_status": rule(C.READ_OWN_REFERRALS, "referral_for_user"),
    # The API's description and documentation: logged-in users only (issue 12, item 8).
    "api:openapi-json": rule(AUTHENTICATED, "the API's description"),
    "api:openapi-view": rule(AUTHENTICATED, "the API's documentation page"),
    "api:api-root": rule(PUBLIC, "answers 404"),
    # Django's admin site (is_staff, checked by the admin itself), its login and logout pages public
    "admin:*": rule(STAFF),
    "admin:login": rule(PUBLIC),
    "admin:logout": rule(PUBLIC),
}


def route_rule(url_name: str) -> RouteRule | None:
    """The declared rule of a URL name ("namespace:name"), or of its whole namespace ("namespace:*")."""
    if url_name in ROUTE_RULES:
        return ROUTE_RULES[url_name]
    namespace = url_name.rsplit(":", 1)[0] if ":" in url_name else ""
    return ROUTE_RULES.get(f"{namespace}:*") if namespace else None


def route_capabilities(found: RouteRule) -> frozenset[str]:
    """The capabilities a rule names (any of them gives the route); empty for PUBLIC/AUTHENTICATED/STAFF."""
    if found.who in (PUBLIC, AUTHENTICATED, STAFF):
        return frozenset()
    return frozenset(found.who.split("|"))


def may_reach_route(user, found: RouteRule) -> bool:
    """Whether the role of `user` passes the route's rule (before any object-level check)."""
    if found.who == PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if found.who == AUTHENTICATED:
        return True
    if found.who == STAFF:
        return user.is_staff
    return bool(route_capabilities(found) & {str(c) for c in capabilities_of(user)})


# --- Submitting: who may file a referral to which entry point, through which channel -----------------


def submission_refusal(user, entry_point: EntryPoint, *, channel: str, referrer: Professional) -> tuple[str, str] | None:
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
        return "referrer", _("Seule la coordination du guichet peut saisir une demande au nom d'un autre professionnel.")
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


# A membership that opens the patient's whole file: the coordination of an entry point the patient came
# through (its organisation's row, written by `referral_submit`), and any member granted by someone who
# already had it (`granted_by`: the coordination granting, confirming a GP or booking a specialist).
# Rows nobody granted only record a role: the referrer of a referral (who reaches that referral) and the
# specialist who answered a tele-expertise (who reaches that request) do not open the rest of the file.
FILE_WIDE = Q(role=CareTeamRole.COORDINATOR, organization__isnull=False) | Q(granted_by__isnull=False)


def _care_team_of(user) -> QuerySet[CareTeamMember]:
    """The active memberships that open a patient's file to `user` (by name, or through their organisation
    for the coordination)."""
    if not has_capability(user, C.READ_AS_CARE_TEAM):
        return CareTeamMember.objects.none()
    reach = Q(professional_id=user.professional_id)
    if has_capability(user, C.READ_ENTRY_POINT):
        reach |= Q(organization_id__in=user.organization_ids(), role=CareTeamRole.COORDINATOR)
    return CareTeamMember.objects.active().filter(reach).filter(FILE_WIDE)


def _patient_reachable(user, patient_ref: str = "pk") -> Exists:
    members = _care_team_of(user).filter(patient_id=OuterRef(patient_ref))
    return Exists(members.filter(Q(role__in=DIRECT_CARE_ROLES) | Q(patient__sharing_opposition=False)))


def patients_visible_to(user) -> QuerySet[Patient]:
    """The patients whose whole file the user reaches through the care team (the patient page)."""
    if not has_capability(user, C.READ_AS_CARE_TEAM):
        return Patient.objects.none()
    return Patient.objects.filter(_patient_reachable(user))


def referrals_visible_to(user) -> QuerySet[Referral]:
    """Coordinators: their organisations' entry points. Other clinicians: the referrals they made, and those
    of patients whose file they reach through a care-team membership (never through a match on identity)."""
    granted = capabilities_of(user)
    if C.READ_ENTRY_POINT in granted:
        return Referral.objects.filter(entry_point__organization_id__in=user.organization_ids())
    if C.READ_OWN_REFERRALS not in granted:
        return Referral.objects.none()
    # Whoever submits a referral reaches it: its referrer, and whoever filed it for them (a specialist turning a
    # tele-expertise into a referral); the rest of the patient's file only through the care team.
    return Referral.objects.filter(
        Q(referrer_id=user.professional_id) | Q(created_by_id=user.pk) | _patient_reachable(user, "patient_id")
    )


def patient_for_user(user, pk) -> Patient:
    """The patient if the user reaches their whole file; 404 otherwise (a bad id too)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    patient = patients_visible_to(user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if patient is None:
        raise Http404
    return patient


def referral_for_user(user, reference: str, queryset: QuerySet[Referral] | None = None) -> Referral:
    referral = (queryset if queryset is not None else referrals_visible_to(user)).filter(reference=reference).first()
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
RECORD_EVENT_KINDS = frozenset({
    "referral.duplicate_linked",
    "patient.identity_conflict_raised",
    "patient.identity_conflict_resolved",
    "patient.identity_corrected",
    "patient.identity_status_changed",
})


def reaches_patient_file(user, patient_id: int) -> bool:
    """Whether the user reaches the patient's whole file (and so the record's INS, contact, commune, GP)."""
    return patients_visible_to(user).filter(pk=patient_id).exists()


def sees_patient_record(user, referral: Referral) -> bool:
    """Whether a referral's page shows the patient as Jalon holds them (INS, contact, used name, commune):
    the coordinators of its entry point and whoever reaches the patient's whole file. A submitter who
    reaches the referral only sees the identity they sent: a match on traits teaches them nothing."""
    return may_work_referral(user, referral) or reaches_patient_file(user, referral.patient_id)


def may_complete_referral(user, referral: Referral) -> bool:
    """Answer a complement request: the professional who made the referral."""
    return (
        has_capability(user, C.READ_OWN_REFERRALS)
        and referral.referrer_id == user.professional_id
        and referral.status == Status.AWAITING_COMPLEMENT
    )


# --- The care team: who grants, and the confirmed GP -------------------------------------------------


def may_manage_care_team(user, patient: Patient) -> bool:
    """Grant or end memberships of a patient's care team, confirm a proposed GP: the coordination of an entry
    point the patient came through (their organisation is an active coordinator member)."""
    if not has_capability(user, C.MANAGE_CARE_TEAM):
        return False
    return (
        CareTeamMember.objects.active()
        .filter(patient_id=patient.pk, role=CareTeamRole.COORDINATOR, organization_id__in=user.organization_ids())
        .exists()
    )


def confirmed_gp_ids(patient_id: int) -> list[int]:
    """The professionals confirmed as the patient's GP (an active GP membership), none while the patient
    opposes sharing. Messages "to the GP" go to these only, never to a GP merely named on a referral."""
    return list(
        CareTeamMember.objects.active()
        .filter(patient_id=patient_id, role=CareTeamRole.GP, professional__isnull=False, patient__sharing_opposition=False)
        .values_list("professional_id", flat=True)
    )


def undelivered_messages_reach(user) -> Q:
    """Which undelivered messages (messaging.OutboxMessage) the coordination sees, retries or marks handled:
    those about a referral of their organisations' entry points; a message tied to no referral, when its
    patient has a referral there. Never another organisation's referral's message, even for a shared patient."""
    organization_ids = user.organization_ids() if has_capability(user, C.WORK_REFERRALS) else []
    of_their_patients = Referral.objects.filter(patient_id=OuterRef("patient_id"), entry_point__organization_id__in=organization_ids)
    return Q(event__referral__entry_point__organization_id__in=organization_ids) | Q(
        Exists(of_their_patients), event__referral__isnull=True
    )


def inbound_mails_visible_to(user) -> QuerySet[InboundMail]:
    """Mails received by secure mail: only the coordinators of the organisation owning the entry point."""
    if not has_capability(user, C.READ_MAILIN):
        return InboundMail.objects.none()
    return InboundMail.objects.filter(entry_point__organization_id__in=user.organization_ids())


def inbound_mail_for_user(user, pk: int, queryset: QuerySet[InboundMail] | None = None) -> InboundMail:
    """The mail if the user is one of its entry point's coordinators; 404 otherwise (it holds patient data)."""
    mails = queryset if queryset is not None else inbound_mails_visible_to(user)
    mail = mails.filter(pk=pk).first()
    if mail is None:
        raise Http404
    return mail


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


# --- The GP portal and the city–coordination thread ---------------------------------------------

def portal_referrals_visible_to(user) -> QuerySet[Referral]:
    """The referrals of the user's patients in the portal: those they made, and those of patients whose
    confirmed GP they are (a patient's opposition to sharing removes the GP, not the referrer). A GP merely
    named on a referral has no care-team row until the coordination confirms them, so no page here.

    Each arm is a join (the referrer index; the GP's care-team rows joined to the referrals), merged by a
    UNION of ids, not the per-row EXISTS of `referrals_visible_to` (docs/benchmarks.md: an OR with an
    EXISTS scans every referral)."""
    if not has_capability(user, C.FOLLOW_IN_PORTAL):
        return Referral.objects.none()
    now = timezone.now()
    referred = Referral.objects.filter(referrer_id=user.professional_id)
    as_gp = Referral.objects.filter(
        Q(patient__care_team__until__isnull=True) | Q(patient__care_team__until__gt=now),
        patient__care_team__professional_id=user.professional_id,
        patient__care_team__role=CareTeamRole.GP,
        patient__care_team__since__lte=now,
        patient__sharing_opposition=False,
    )
    ids = referred.values("pk").order_by().union(as_gp.values("pk").order_by())
    return Referral.objects.filter(pk__in=ids)


def portal_referral_for_user(user, reference: str, queryset: QuerySet[Referral] | None = None) -> Referral:
    """A referral of the user's patients (portal), by reference; 404 for any other."""
    base = portal_referrals_visible_to(user)
    return referral_for_user(user, reference, base if queryset is None else queryset.filter(pk__in=base.values("pk")))


def thread_side_of(user, referral: Referral) -> str | None:
    """The side `user` writes from in the referral's thread: coordination for the coordinators of its entry
    point's organisation, city for its referrer and the patient's confirmed GP (unless the patient opposes
    sharing); None for anyone else, who may neither read nor write it."""
    granted = capabilities_of(user)
    if C.WORK_REFERRALS in granted:
        return ThreadSide.COORDINATION if may_work_referral(user, referral) else None
    if C.FOLLOW_IN_PORTAL not in granted:
        return None
    if referral.referrer_id == user.professional_id:
        return ThreadSide.CITY
    is_gp = (
        CareTeamMember.objects.active()
        .filter(patient_id=referral.patient_id, professional_id=user.professional_id, role=CareTeamRole.GP)
        .filter(patient__sharing_opposition=False)
        .exists()
    )
    return ThreadSide.CITY if is_gp else None


def may_use_thread(user, referral: Referral) -> bool:
    """Read and write the referral's thread (referrer, the patient's GP, the entry point's coordinators)."""
    return thread_side_of(user, referral) is not None


def thread_referral_for_user(user, reference: str) -> Referral:
    """The referral whose thread the user may read and write; 404 for any other (nothing leaks)."""
    referral = Referral.objects.select_related("entry_point").filter(reference=reference).first()
    if referral is None or not may_use_thread(user, referral):
        raise Http404
    return referral


# --- Tele-expertise --------------------------------------------------------------------------------

# A request is reached by the professional who asked it and by the specialists of the service asked
# (role specialist, with a membership on that service); nobody else, whatever their other links.
def _service_ids_of(user) -> QuerySet:
    return Membership.objects.filter(professional_id=user.professional_id, service__isnull=False).values("service_id")


def teleexpertise_specialists_of(service_id: int) -> QuerySet[Professional]:
    """The professionals who answer the service's tele-expertise: an active login as specialist and a
    membership on the service (they receive its requests and may answer them)."""
    return Professional.objects.filter(
        memberships__service_id=service_id, user__role__in=roles_with(C.ANSWER_TELEEXPERTISE), user__is_active=True
    ).distinct()


def teleexpertise_requests_visible_to(user) -> QuerySet[TeleExpertiseRequest]:
    """The requests the user asked, and for a specialist those sent to their services."""
    granted = capabilities_of(user)
    if C.READ_TELEEXPERTISE not in granted:
        return TeleExpertiseRequest.objects.none()
    reach = Q(requester_id=user.professional_id)
    if C.ANSWER_TELEEXPERTISE in granted:
        reach |= Q(service_id__in=_service_ids_of(user))
    return TeleExpertiseRequest.objects.filter(reach)


def teleexpertise_request_for_user(user, reference: str, queryset: QuerySet[TeleExpertiseRequest] | None = None) -> TeleExpertiseRequest:
    """The request by reference if the user may reach it; 404 for any other (nothing leaks)."""
    base = teleexpertise_requests_visible_to(user)
    found = (base if queryset is None else queryset.filter(pk__in=base.values("pk"))).filter(reference=reference).first()
    if found is None:
        raise Http404
    return found


def is_teleexpertise_requester(user, request: TeleExpertiseRequest) -> bool:
    return has_capability(user, C.READ_TELEEXPERTISE) and request.requester_id == user.professional_id


def is_teleexpertise_answerer(user, request: TeleExpertiseRequest) -> bool:
    """A specialist of the service the request was sent to."""
    return has_capability(user, C.ANSWER_TELEEXPERTISE) and _service_ids_of(user).filter(service_id=request.service_id).exists()


def may_answer_teleexpertise(user, request: TeleExpertiseRequest) -> bool:
    """Answer: a specialist of the service, while the request waits for its answer."""
    return request.status == RequestStatus.SUBMITTED and is_teleexpertise_answerer(user, request)


def may_withdraw_teleexpertise(user, request: TeleExpertiseRequest) -> bool:
    """Withdraw: the requester, while the request waits for its answer."""
    return request.status == RequestStatus.SUBMITTED and is_teleexpertise_requester(user, request)


def may_convert_teleexpertise(user, request: TeleExpertiseRequest) -> bool:
    """Turn an answered request into a referral: its requester or a specialist of the service."""
    return request.status == RequestStatus.ANSWERED and (is_teleexpertise_requester(user, request) or is_teleexpertise_answerer(user, request))


# --- Indicators -----------------------------------------------------------------------------------

def identified_pathways(user, pathway_ids) -> dict[int, str]:
    """Among these pathways, those whose referral the user reaches, with its reference (one query).
    The indicators' drill-down names only these; every other row stays a pseudonym (managers and the
    regional analyst: all)."""
    ids = list(pathway_ids)
    if not ids:
        return {}
    return dict(referrals_visible_to(user).filter(pathway__id__in=ids).values_list("pathway__id", "reference"))


# --- Indicator rows (issue 12, item 11) -------------------------------------------------------------
# Aggregates stay region-wide for every indicator role; the rows behind a figure (page and exports) are
# scoped: coordinators and managers see only pathways of their organisations' entry points, the regional
# analyst sees every pathway of the region, pseudonymised (they reach no nominative data anywhere).

def may_read_regional_indicator_rows(user) -> bool:
    """Region-wide rows (pseudonymised) are for the role made for it, nobody else."""
    return has_capability(user, C.READ_INDICATOR_ROWS_REGION)


def indicator_row_organization_ids(user) -> list[int] | None:
    """The organisations whose entry points' pathways the user may list or export as rows:
    None for every organisation (regional analyst), else the user's own ([] for other roles)."""
    if may_read_regional_indicator_rows(user):
        return None
    if not has_capability(user, C.READ_INDICATORS):
        return []
    return user.organization_ids()


def indicator_rows_for_user(user, facts: QuerySet) -> QuerySet:
    """`facts` (indicators.PathwayFacts) narrowed to the pathways whose rows the user may list or export."""
    organization_ids = indicator_row_organization_ids(user)
    return facts if organization_ids is None else facts.filter(site_id__in=organization_ids)


# --- Notification texts (issue 12, item 6) ----------------------------------------------------------
# Region-wide texts: admins only. An organisation's texts (used for messages about its entry points'
# referrals): the managers of that organisation. Nobody else edits a text.


def may_edit_regional_notification_texts(user) -> bool:
    return has_capability(user, C.MANAGE_REGIONAL_NOTIFICATION_TEXTS)


def notification_text_organization_ids(user) -> list[int]:
    """The organisations whose texts the user may edit (a manager's own organisations; nobody else's)."""
    if not has_capability(user, C.MANAGE_NOTIFICATION_TEXTS):
        return []
    return user.organization_ids()


def may_edit_notification_texts(user, organization_id: int | None) -> bool:
    """Edit and publish the texts of `organization_id` (None: the region-wide texts)."""
    if organization_id is None:
        return may_edit_regional_notification_texts(user)
    return organization_id in notification_text_organization_ids(user)


# --- Identity vigilance ---------------------------------------------------------------------------


def identity_conflicts_visible_to(user) -> QuerySet:
    """Identity conflicts: only the coordinators of the organisation owning the entry point the submission
    came to (they see both identities to decide); nobody else, whatever their care-team links."""
    if not has_capability(user, C.RESOLVE_IDENTITY_CONFLICTS):
        return IdentityConflict.objects.none()
    return IdentityConflict.objects.filter(entry_point__organization_id__in=user.organization_ids())


def identity_conflict_for_user(user, pk: int, queryset: QuerySet | None = None):
    """The conflict if the user is one of its entry point's coordinators; 404 otherwise (it holds two identities)."""
    from jalon.core.forms import beyond_any_row_id

    if beyond_any_row_id(pk):
        raise Http404
    base = identity_conflicts_visible_to(user)
    conflicts = base if queryset is None else queryset.filter(pk__in=base.values("pk"))
    conflict = conflicts.filter(pk=pk).first()
    if conflict is None:
        raise Http404
    return conflict


def may_resolve_identity_conflict(user, conflict) -> bool:
    """Resolve a conflict: the coordinators of its entry point's organisation (the service checks it too)."""
    return identity_conflicts_visible_to(user).filter(pk=conflict.pk).exists()


def may_set_identity_status(user, patient) -> bool:
    """Record the identity status checked (RNIV): a coordinator whose organisation is in the patient's team."""
    return has_capability(user, C.RESOLVE_IDENTITY_CONFLICTS) and patients_visible_to(user).filter(pk=patient.pk).exists()
