"""What each role may do, and which route needs what: the capability table of the house.

Who decides access (DESIGN.md §2, issue 12):

* What a role may do at all is one table, `CAPABILITIES` (role → capabilities): submit referrals and
  where, read which kinds of patient data, manage which settings. Views (`capability_required`), the
  API, the menu (`accounts.menu`) and the tests read it; no role list is written elsewhere.
* Which route needs what is declared once per URL name in `ROUTE_RULES`; the access-matrix test walks the
  URL resolver and fails on a route that has no rule there.
* Which object a user reaches is decided by the app that owns it, in its own `access.py`, on top of this
  table: `patients.access` (the care team, identity conflicts), `messaging.access` (undelivered messages,
  notification texts), `referrals.access` (submitting, referrals), `teleexpertise.access`, `mailin.access`,
  `portal.access` (the GP portal and the thread), `indicators.access` (indicator rows). Each rule is
  written once, at the lowest floor whose models it needs.
* Managers and admins reach no nominative data; they read aggregates and the audit.
* A patient or referral out of reach answers 404, never a hint that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from jalon.accounts.models import Role


class Capability(StrEnum):
    """What a role may do. Object-level rules (which patient, which referral) come on top, below."""

    # Submitting referrals, and where.
    SUBMIT_OWN = "referral.submit"  # as themselves, to any active entry point (web form, API, tele-expertise)
    SUBMIT_FOR_OTHERS = (
        "referral.submit_for_others"  # naming the referrer (phone, mail, API): own organisations' entry points
    )
    CONVERT_TELEEXPERTISE = (
        "referral.from_teleexpertise"  # turn an answered request into a referral to own organisation's entry point
    )
    # Reading patient data.
    READ_OWN_REFERRALS = "referral.read_own"  # the referrals they made and what grows from them
    LIST_OWN_REFERRALS = "referral.list_own"  # the « Mes demandes » page
    READ_AS_CARE_TEAM = "patient.read_as_care_team"  # the file of patients whose care team they are in
    READ_ENTRY_POINT = "referral.read_entry_point"  # the referrals of their organisations' entry points
    WORK_REFERRALS = "referral.work"  # the worklist, decisions, pathways, scheduling, alerts, failed messages
    FOLLOW_IN_PORTAL = (
        "portal.follow"  # « Mes patients »: their referrals and their confirmed GP patients, with the thread
    )
    READ_MAILIN = "mailin.read"  # mails received by their organisations' entry points
    ASK_TELEEXPERTISE = "teleexpertise.ask"
    ANSWER_TELEEXPERTISE = "teleexpertise.answer"
    READ_TELEEXPERTISE = "teleexpertise.read"
    RECEIVE_NOTIFICATIONS = "notifications.inbox"
    SIT_ON_BOARDS = "boards.sit"  # tumour boards: the cases of the meetings of boards they are a member of
    ANSWER_PATHOLOGY = "pathology.answer"  # the pathology requests addressed to them (« /anapath/ »), their results
    # Managing.
    MANAGE_CARE_TEAM = "care_team.manage"  # grant or end care-team memberships, confirm a proposed GP
    READ_INDICATORS = "indicators.read"  # aggregates region-wide; rows behind a figure: own organisations'
    READ_INDICATOR_ROWS_REGION = "indicators.rows_region"  # every pathway's row of the region, pseudonymised
    RESOLVE_IDENTITY_CONFLICTS = "identity.resolve"  # identity vigilance for their organisations' entry points
    MANAGE_TRIAGE_RULES = "triage_rules.manage"
    MANAGE_BOARDS = "boards.manage"  # their organisations' tumour boards (schedule, quorum, members), cancel meetings
    MANAGE_PATHWAY_TEMPLATES = "pathway_templates.manage"
    MANAGE_NOTIFICATION_TEXTS = "notification_texts.manage"  # their organisations' texts
    MANAGE_REGIONAL_NOTIFICATION_TEXTS = "notification_texts.manage_region"  # the region-wide texts
    READ_AUDIT = "audit.read"  # the audit trail of their organisations' people and patients
    READ_AUDIT_REGION = "audit.read_region"  # the whole region's audit trail


C = Capability
_CITY = frozenset(
    {C.SUBMIT_OWN, C.READ_OWN_REFERRALS, C.LIST_OWN_REFERRALS, C.READ_AS_CARE_TEAM, C.RECEIVE_NOTIFICATIONS}
)
_MANAGING = frozenset({C.MANAGE_TRIAGE_RULES, C.MANAGE_PATHWAY_TEMPLATES, C.MANAGE_NOTIFICATION_TEXTS, C.READ_AUDIT})

# The capability table: for each role, everything it may do. Read by views, API, menu and tests.
CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.REFERRER: _CITY | {C.FOLLOW_IN_PORTAL, C.ASK_TELEEXPERTISE, C.READ_TELEEXPERTISE},
    Role.SPECIALIST: _CITY
    | {C.FOLLOW_IN_PORTAL, C.READ_TELEEXPERTISE, C.ANSWER_TELEEXPERTISE, C.CONVERT_TELEEXPERTISE, C.SIT_ON_BOARDS},
    Role.HOME_NURSE: _CITY | {C.FOLLOW_IN_PORTAL},
    # Support providers receive orientations; they do not refer.
    Role.SUPPORT_PROVIDER: frozenset(
        {C.READ_OWN_REFERRALS, C.LIST_OWN_REFERRALS, C.READ_AS_CARE_TEAM, C.RECEIVE_NOTIFICATIONS}
    ),
    Role.COORDINATOR: frozenset(
        {
            C.SUBMIT_FOR_OTHERS,
            C.READ_OWN_REFERRALS,
            C.READ_AS_CARE_TEAM,
            C.READ_ENTRY_POINT,
            C.WORK_REFERRALS,
            C.READ_MAILIN,
            C.RECEIVE_NOTIFICATIONS,
            C.MANAGE_CARE_TEAM,
            C.READ_INDICATORS,
            C.RESOLVE_IDENTITY_CONFLICTS,
        }
    ),
    # Pathologists reach only the pathology requests addressed to them (diagnostics/access.py).
    Role.PATHOLOGIST: frozenset({C.ANSWER_PATHOLOGY, C.RECEIVE_NOTIFICATIONS}),
    # Managers set up their organisations' tumour boards (boards/access.py: boards_managed_by), no case content.
    Role.MANAGER: _MANAGING | {C.READ_INDICATORS, C.MANAGE_BOARDS},
    Role.ADMIN: _MANAGING | {C.READ_AUDIT_REGION, C.MANAGE_REGIONAL_NOTIFICATION_TEXTS},
    # ARS, DCC: region-wide aggregates and pseudonymised rows; no nominative data anywhere.
    Role.REGIONAL_ANALYST: frozenset({C.READ_INDICATORS, C.READ_INDICATOR_ROWS_REGION}),
}
# What a role holds without a professional record (nothing that reaches a patient).
_WITHOUT_PROFESSIONAL = _MANAGING | {
    C.READ_AUDIT_REGION,
    C.MANAGE_REGIONAL_NOTIFICATION_TEXTS,
    C.READ_INDICATORS,
    C.READ_INDICATOR_ROWS_REGION,
}


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


def require(condition: bool) -> None:
    """PermissionDenied unless `condition` (an object-level rule a view has just asked)."""
    if not condition:
        raise PermissionDenied


# --- Who reaches each route ---------------------------------------------------------------------------

PUBLIC = "public"  # anyone, logged in or not (login, health checks, static files)
AUTHENTICATED = "authenticated"  # any logged-in user (home, logout, own account pages)
STAFF = "staff"  # Django's admin site, which checks is_staff itself


@dataclass(frozen=True)
class RouteRule:
    """Who may reach a route: PUBLIC, AUTHENTICATED, STAFF, or the holders of `capability`. Object-level rules
    (which referral, which patient) are checked by the view through the helpers of the
    object's app (`<app>/access.py`, named in `note`)."""

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
    "referrals:physicians": rule(AUTHENTICATED, "the public directory of physicians (RPPS), for the forms"),
    "coordination:referral": rule(C.READ_OWN_REFERRALS, "referral_for_user"),
    "referrals:acknowledgment": rule(C.READ_OWN_REFERRALS, "referral_for_user"),
    "referrals:complete": rule(C.READ_OWN_REFERRALS, "referral_for_user + may_complete_referral"),
    "coordination:sharing_opposition": rule(C.WORK_REFERRALS, "referral_for_user + may_work_referral"),
    "referrals:document": rule(C.READ_OWN_REFERRALS, "referral_for_user"),
    "coordination:action": rule(C.WORK_REFERRALS, "referral_for_user + may_work_referral"),
    "coordination:confirm_gp": rule(C.MANAGE_CARE_TEAM, "referral_for_user + may_work_referral"),
    "coordination:text_sign_confirm": rule(C.WORK_REFERRALS, "referral_for_user + may_work_referral"),
    "coordination:text_sign_dismiss": rule(C.WORK_REFERRALS, "referral_for_user + may_work_referral"),
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
    # tumour boards (boards/access.py: members see their meetings' cases, the entry point's coordinators prepare)
    "boards:list": rule(C.SIT_ON_BOARDS + "|" + C.WORK_REFERRALS),
    "boards:meeting": rule(C.SIT_ON_BOARDS + "|" + C.WORK_REFERRALS, "meeting_for_user"),
    "boards:attendance": rule(C.SIT_ON_BOARDS, "meeting_for_user + may_sit_on"),
    "boards:case_new": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "boards:case": rule(C.SIT_ON_BOARDS + "|" + C.WORK_REFERRALS, "board_case_for_user"),
    "boards:case_list": rule(C.WORK_REFERRALS, "board_case_for_user + may_prepare_case"),
    "boards:case_postpone": rule(C.SIT_ON_BOARDS + "|" + C.WORK_REFERRALS, "board_case_for_user"),
    "boards:sorting_confirm": rule(C.SIT_ON_BOARDS, "board_case_for_user + is_chair"),
    "boards:decision": rule(C.SIT_ON_BOARDS, "board_case_for_user + may_sit_on"),
    "boards:care_plan": rule(C.SIT_ON_BOARDS + "|" + C.WORK_REFERRALS, "board_case_for_user"),
    "boards:care_plan_pdf": rule(C.SIT_ON_BOARDS + "|" + C.WORK_REFERRALS, "board_case_for_user"),
    "boards:care_plan_hand": rule(C.WORK_REFERRALS, "board_case_for_user + may_prepare_case"),
    "boards:care_plan_send": rule(C.WORK_REFERRALS, "board_case_for_user + may_prepare_case"),
    # managers set up their organisations' boards and cancel meetings (boards/access.py: boards_managed_by)
    "boards:manage": rule(C.MANAGE_BOARDS),
    "boards:board_new": rule(C.MANAGE_BOARDS),
    "boards:board_edit": rule(C.MANAGE_BOARDS, "board_managed_by"),
    "boards:meeting_cancel": rule(C.MANAGE_BOARDS, "meeting_managed_by"),
    # diagnostics: exams and pathology (issue 16); a pathologist reaches only the requests addressed to them
    "diagnostics:pathology_worklist": rule(C.ANSWER_PATHOLOGY),
    "diagnostics:pathology_detail": rule(
        C.ANSWER_PATHOLOGY + "|" + C.WORK_REFERRALS, "pathology_request_for_user (diagnostics/access.py)"
    ),
    "diagnostics:pathology_result": rule(
        C.ANSWER_PATHOLOGY + "|" + C.WORK_REFERRALS, "pathology_request_for_user + may_record_pathology_result"
    ),
    "diagnostics:pathology_new": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "diagnostics:exam_new": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "diagnostics:exam_detail": rule(C.WORK_REFERRALS, "pathway_for_user + may_work_referral"),
    "diagnostics:exam_report": rule(C.READ_OWN_REFERRALS, "pathway_for_user"),
    # managers' settings
    "pathway_templates:list": rule(C.MANAGE_PATHWAY_TEMPLATES),
    "pathway_templates:version": rule(C.MANAGE_PATHWAY_TEMPLATES),
    "pathway_templates:version_new": rule(C.MANAGE_PATHWAY_TEMPLATES),
    "triage_rules:text_signs_suggest": rule(
        AUTHENTICATED, "reads only the posted reason (the referral forms' suggestion), stores nothing"
    ),
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
    "api:board_meetings": rule(C.SIT_ON_BOARDS + "|" + C.WORK_REFERRALS, "boards_visible_to"),
    "api:board_meeting": rule(C.SIT_ON_BOARDS + "|" + C.WORK_REFERRALS, "meeting_for_user + board_cases_visible_to"),
    "api:pathology_requests": rule(C.ANSWER_PATHOLOGY, "the requests addressed to the token's user"),
    "api:pathology_request": rule(C.ANSWER_PATHOLOGY + "|" + C.WORK_REFERRALS, "pathology_request_for_user"),
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
    authenticated = getattr(user, "is_authenticated", False)
    return rule_admits(
        found,
        authenticated=authenticated,
        is_staff=authenticated and user.is_staff,
        capabilities=capabilities_of(user),
    )


def rule_admits(found: RouteRule, *, authenticated: bool, is_staff: bool, capabilities: frozenset) -> bool:
    """The route rule itself, on what it reads of a user (the menu works it out once per combination)."""
    if found.who == PUBLIC:
        return True
    if not authenticated:
        return False
    if found.who == AUTHENTICATED:
        return True
    if found.who == STAFF:
        return is_staff
    return bool(route_capabilities(found) & {str(c) for c in capabilities})
