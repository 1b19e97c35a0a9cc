"""The access rules as a matrix: which persona reaches which patient and referral, and may act on it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import identity
from jalon.accounts import access
from jalon.accounts.models import ApiToken, Role, User
from jalon.core.actor import Actor
from jalon.pathways.services import pathway_start
from jalon.patients.access import patient_for_user, patients_visible_to
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.patients.services import care_team_add, patient_record_sharing_opposition
from jalon.portal.access import (
    may_use_thread,
    portal_referral_for_user,
    portal_referrals_visible_to,
    thread_referral_for_user,
    thread_side_of,
)
from jalon.portal.models import ThreadSide
from jalon.referrals.access import (
    identified_pathways,
    may_complete_referral,
    may_work_referral,
    referral_for_user,
    referrals_visible_to,
)
from jalon.referrals.services import referral_confirm_gp, referral_request_complement
from jalon.testing.factories import UserFactory

# Every persona, with what they reach of a referral the GP sent to the CPTS entry point (the patient's
# own GP being another professional). Outsiders reach nothing and get a 404.
PERSONAS = [
    "gp",
    "treating_gp",
    "other_gp",
    "coordinator",
    "coordinator_elsewhere",
    "specialist",
    "home_nurse",
    "support_provider",
    "manager",
    "admin_user",
    "anonymous",
]
SEES = {"gp", "treating_gp", "coordinator"}
# The referrer reaches their referral, not the patient's file: that takes a care-team membership (the
# confirmed GP, the entry point's coordination).
SEES_PATIENT = {"treating_gp", "coordinator"}
WORKS = {"coordinator"}
COMPLETES = {"gp"}
# Personas who join the care team later, with the care-team role they join as.
JOINERS = {
    "specialist": CareTeamRole.SPECIALIST,
    "home_nurse": CareTeamRole.HOME_NURSE,
    "support_provider": CareTeamRole.SUPPORT_PROVIDER,
}


def _matrix(expected: set[str], personas=PERSONAS):
    return [
        pytest.param(name, name in expected, id=f"{name}-{'yes' if name in expected else 'no'}") for name in personas
    ]


@pytest.fixture
def treating_gp(db):
    """The patient's own GP, named on the referral: another professional than the referrer."""
    return UserFactory(username="dr.traitant", role=Role.REFERRER, professional__last_name="Traitant")


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def referral(submit, treating_gp, coordinator):
    """A referral sent by `gp` to the CPTS entry point, naming `treating_gp` as the patient's GP, whom the
    coordination confirmed."""
    submitted = submit(patient=identity(gp_id=treating_gp.professional_id)).referral
    return referral_confirm_gp(actor=Actor(user=coordinator), referral=submitted)


@pytest.fixture
def persona(request):
    return lambda name: request.getfixturevalue(name)


def _join(user, name, referral):
    """Add the persona to the patient's care team in the care-team role of their trade, granted by a coordinator
    of the referral's entry point (a membership nobody granted does not open the file)."""
    granting = User.objects.filter(
        role=Role.COORDINATOR, professional__memberships__organization_id=referral.entry_point.organization_id
    ).first()
    assert granting is not None, "the referral's entry point has a coordinator who grants"
    care_team_add(
        patient_id=referral.patient_id,
        role=JOINERS[name],
        professional_id=user.professional_id,
        reason="test",
        granted_by=granting,
    )


def _sees_patient(user, patient) -> bool:
    listed = patients_visible_to(user).filter(pk=patient.pk).exists()
    try:
        found = patient_for_user(user, patient.pk)
    except Http404:
        found = None
    assert listed == (found is not None), "the list and the detail disagree"
    if found is not None:
        assert found.pk == patient.pk
    return listed


def _sees_referral(user, referral) -> bool:
    listed = referrals_visible_to(user).filter(pk=referral.pk).exists()
    try:
        found = referral_for_user(user, referral.reference)
    except Http404:
        found = None
    assert listed == (found is not None), "the list and the detail disagree"
    if found is not None:
        assert found.pk == referral.pk
    return listed


@pytest.mark.parametrize(("name", "expected"), _matrix(SEES_PATIENT))
def test_it_shows_the_patient_only_to_the_care_team(name, expected, referral, persona):
    """The patient's confirmed GP and the entry point's coordinators see the patient's file; others, the
    referrer included, get a 404."""
    assert _sees_patient(persona(name), referral.patient) is expected


@pytest.mark.parametrize(("name", "expected"), _matrix(SEES))
def test_it_shows_the_referral_only_to_the_care_team(name, expected, referral, persona):
    """The same personas see the referral; everyone else gets a 404."""
    assert _sees_referral(persona(name), referral) is expected


@pytest.mark.parametrize(("name", "expected"), _matrix(WORKS))
def test_it_lets_only_the_entry_points_coordinators_work_the_referral(name, expected, referral, persona):
    """Only a coordinator of the entry point's organisation may accept, decline, redirect or ask a complement."""
    assert may_work_referral(persona(name), referral) is expected


@pytest.mark.parametrize(("name", "expected"), _matrix(COMPLETES))
def test_it_lets_only_the_referrer_complete_the_referral(name, expected, referral, persona, coordinator):
    """Only the referrer may answer a complement request."""
    referral_request_complement(actor=Actor(user=coordinator), referral=referral, message="Compte rendu ?")
    referral.refresh_from_db()

    assert may_complete_referral(persona(name), referral) is expected


def test_it_lets_nobody_complete_a_referral_that_waits_for_nothing(referral, gp):
    """The referrer may complete a referral only while a complement is awaited."""
    assert not may_complete_referral(gp, referral)


@pytest.mark.parametrize("name", sorted(JOINERS))
def test_it_shows_the_patient_to_a_professional_added_to_the_care_team(name, referral, persona):
    """A specialist, home nurse or support provider sees the patient once in the care team, not before."""
    user = persona(name)
    assert not _sees_patient(user, referral.patient)

    _join(user, name, referral)

    assert _sees_patient(user, referral.patient)
    assert _sees_referral(user, referral)
    assert not may_work_referral(user, referral)


@pytest.mark.parametrize("name", [*sorted(JOINERS), "treating_gp", "gp"])
def test_it_gives_nothing_through_an_ended_membership(name, referral, persona):
    """A care-team membership that ended (until in the past) gives no access."""
    user = persona(name)
    if name in JOINERS:
        _join(user, name, referral)
    now = timezone.now()
    ended = CareTeamMember.objects.filter(patient=referral.patient, professional_id=user.professional_id)
    assert ended.update(since=now - timedelta(days=30), until=now - timedelta(days=1)) == 1

    assert not _sees_patient(user, referral.patient)
    if name != "gp":
        assert not _sees_referral(user, referral)


def test_it_keeps_the_referral_visible_to_its_referrer_after_the_membership_ended(referral, gp):
    """The referrer still reads the referral they made, though no longer the patient's file."""
    now = timezone.now()
    CareTeamMember.objects.filter(patient=referral.patient, professional_id=gp.professional_id).update(
        since=now - timedelta(days=30), until=now - timedelta(days=1)
    )

    assert _sees_referral(gp, referral)


def test_it_gives_nothing_through_a_membership_not_yet_started(referral, specialist, coordinator):
    """A membership starting tomorrow gives no access today."""
    member = care_team_add(
        patient_id=referral.patient_id,
        role=CareTeamRole.SPECIALIST,
        professional_id=specialist.professional_id,
        reason="rendez-vous",
        granted_by=coordinator,
    )
    CareTeamMember.objects.filter(pk=member.pk).update(since=timezone.now() + timedelta(days=1))

    assert not _sees_patient(specialist, referral.patient)


SEES_DESPITE_OPPOSITION = {"gp", "coordinator", "specialist"}


@pytest.mark.parametrize(
    ("name", "expected"),
    _matrix(SEES_DESPITE_OPPOSITION, ["gp", "coordinator", "treating_gp", *sorted(JOINERS)]),
)
def test_it_narrows_the_team_when_the_patient_opposes_sharing(name, expected, referral, persona, coordinator):
    """Opposition to sharing keeps referrer, coordination and specialist; the GP and the others lose access."""
    user = persona(name)
    if name in JOINERS:
        _join(user, name, referral)
    assert _sees_referral(user, referral)

    patient_record_sharing_opposition(actor=Actor(user=coordinator), patient=referral.patient, opposes=True)

    assert _sees_patient(user, referral.patient) is (expected and name in SEES_PATIENT | set(JOINERS))
    assert _sees_referral(user, referral) is expected


def test_it_restores_access_when_the_opposition_is_withdrawn(referral, treating_gp, coordinator):
    """Withdrawing the opposition gives the patient's GP access again."""
    actor = Actor(user=coordinator)
    patient_record_sharing_opposition(actor=actor, patient=referral.patient, opposes=True)
    assert not _sees_patient(treating_gp, referral.patient)

    patient_record_sharing_opposition(actor=actor, patient=referral.patient, opposes=False)

    assert _sees_patient(treating_gp, referral.patient)


def test_it_keeps_each_entry_points_referrals_to_its_own_coordinators(
    referral, submit, hospital_entry_point, coordinator, coordinator_elsewhere
):
    """Two entry points for one patient: each organisation's coordinators work only their own entry point's referral."""
    hospital_referral = submit(entry_point=hospital_entry_point).referral
    assert hospital_referral.patient_id == referral.patient_id

    assert _sees_referral(coordinator, referral) and not _sees_referral(coordinator, hospital_referral)
    assert _sees_referral(coordinator_elsewhere, hospital_referral)
    assert not _sees_referral(coordinator_elsewhere, referral)
    assert may_work_referral(coordinator, referral) and not may_work_referral(coordinator, hospital_referral)
    assert may_work_referral(coordinator_elsewhere, hospital_referral)
    assert not may_work_referral(coordinator_elsewhere, referral)
    # both coordinations are now in the patient's care team
    assert _sees_patient(coordinator, referral.patient)
    assert _sees_patient(coordinator_elsewhere, referral.patient)


# --- The GP portal and the city–coordination thread -----------------------------------------------

THREAD = {"gp", "treating_gp", "coordinator"}
PORTAL = {"gp", "treating_gp"}
THREAD_SIDES = {"gp": ThreadSide.CITY, "treating_gp": ThreadSide.CITY, "coordinator": ThreadSide.COORDINATION}


def _uses_thread(user, referral) -> bool:
    allowed = may_use_thread(user, referral)
    try:
        found = thread_referral_for_user(user, referral.reference)
    except Http404:
        found = None
    assert allowed == (found is not None), "the rule and the lookup disagree"
    return allowed


def _follows_in_portal(user, referral) -> bool:
    listed = portal_referrals_visible_to(user).filter(pk=referral.pk).exists()
    try:
        found = portal_referral_for_user(user, referral.reference)
    except Http404:
        found = None
    assert listed == (found is not None), "the list and the detail disagree"
    return listed


@pytest.mark.parametrize(("name", "expected"), _matrix(THREAD))
def test_it_opens_the_thread_only_to_referrer_gp_and_the_entry_points_coordination(name, expected, referral, persona):
    """The referrer, the patient's GP and the entry point's coordinators read and write the thread; others get a 404."""
    assert _uses_thread(persona(name), referral) is expected


@pytest.mark.parametrize("name", sorted(THREAD_SIDES))
def test_it_fixes_the_side_each_participant_writes_from(name, referral, persona):
    """Referrer and GP write from the city side, the coordinators from the coordination side."""
    assert thread_side_of(persona(name), referral) == THREAD_SIDES[name]


@pytest.mark.parametrize(("name", "expected"), _matrix(PORTAL))
def test_it_lists_the_patient_in_the_portal_of_the_referrer_and_the_gp_only(name, expected, referral, persona):
    """'My patients' holds the referrer's and the GP's patients; coordinators and everyone else get a 404."""
    assert _follows_in_portal(persona(name), referral) is expected


@pytest.mark.parametrize("name", sorted(JOINERS))
def test_it_keeps_the_thread_and_portal_closed_to_other_care_team_members(name, referral, persona):
    """A specialist, home nurse or support provider in the care team reads the referral, not the thread."""
    user = persona(name)
    _join(user, name, referral)

    assert _sees_referral(user, referral)
    assert not _uses_thread(user, referral)
    assert not _follows_in_portal(user, referral)


@pytest.mark.parametrize(("name", "expected"), [("gp", True), ("treating_gp", False), ("coordinator", True)])
def test_it_removes_the_gp_from_the_thread_and_portal_when_the_patient_opposes_sharing(
    name, expected, referral, persona, coordinator
):
    """Opposition to sharing takes thread and portal from the GP; the referrer and the coordination keep the thread."""
    user = persona(name)
    patient_record_sharing_opposition(actor=Actor(user=coordinator), patient=referral.patient, opposes=True)

    assert _uses_thread(user, referral) is expected
    if name != "coordinator":
        assert _follows_in_portal(user, referral) is expected


def test_it_takes_thread_and_portal_from_a_gp_whose_membership_ended(referral, treating_gp):
    """A GP no longer in the care team (membership ended) reaches neither the thread nor the portal page."""
    now = timezone.now()
    CareTeamMember.objects.filter(patient=referral.patient, professional_id=treating_gp.professional_id).update(
        since=now - timedelta(days=30), until=now - timedelta(days=1)
    )

    assert not _uses_thread(treating_gp, referral)
    assert not _follows_in_portal(treating_gp, referral)


def test_it_keeps_the_thread_to_the_coordination_of_the_referrals_own_entry_point(
    referral, submit, hospital_entry_point, coordinator, coordinator_elsewhere
):
    """The same patient referred to the hospital too: each coordination writes only in its own entry point's thread."""
    hospital_referral = submit(entry_point=hospital_entry_point).referral

    assert _uses_thread(coordinator, referral) and not _uses_thread(coordinator, hospital_referral)
    assert _uses_thread(coordinator_elsewhere, hospital_referral) and not _uses_thread(coordinator_elsewhere, referral)


# --- Mails received by secure mail (no patient yet: only the entry point's coordinators) -------------

MAIL_READERS = {"coordinator"}


@pytest.fixture
def inbound_mail(entry_point):
    """A mail received by the CPTS entry point's secure mailbox, not yet a referral."""
    from jalon.mailin.services import inbound_mail_store

    raw = b"From: dr.martin@exemple.mssante.fr\r\nSubject: Mme Lefevre\r\n\r\nSuspicion de cancer.\r\n"
    return inbound_mail_store(raw=raw, entry_point=entry_point).mail


@pytest.mark.parametrize(("name", "expected"), _matrix(MAIL_READERS))
def test_it_shows_a_received_mail_only_to_the_entry_points_coordinators(name, expected, inbound_mail, persona):
    """Only a coordinator of the organisation owning the mail's entry point reaches it; everyone else gets a 404."""
    from jalon.mailin.access import inbound_mail_for_user, inbound_mails_visible_to

    user = persona(name)
    listed = inbound_mails_visible_to(user).filter(pk=inbound_mail.pk).exists()
    try:
        found = inbound_mail_for_user(user, inbound_mail.pk) is not None
    except Http404:
        found = False
    assert listed == found == expected


# --- Tele-expertise: the requester and the specialists of the service asked, nobody else ----------

TEX_REACHES = {"gp", "specialist"}
TEX_PERSONAS = [*PERSONAS, "specialist_other_service", "coordinator_of_the_service"]


@pytest.fixture
def tex_service(hospital, specialist):
    """The hospital's pulmonology service, which `specialist` belongs to."""
    from jalon.directory.models import Membership, Service

    service = Service.objects.create(organization=hospital, name="Pneumologie")
    Membership.objects.filter(professional_id=specialist.professional_id).update(service=service)
    return service


@pytest.fixture
def specialist_other_service(hospital):
    """A specialist of the same hospital in another service."""
    from jalon.directory.models import Membership, Service

    user = UserFactory(username="dr.gastro", role=Role.SPECIALIST, professional__organizations=[hospital])
    other = Service.objects.create(organization=hospital, name="Gastro-entérologie")
    Membership.objects.filter(professional_id=user.professional_id).update(service=other)
    return user


@pytest.fixture
def coordinator_of_the_service(coordinator_elsewhere, tex_service):
    """The hospital's coordinator, with a membership on the service asked: a coordinator, not a specialist."""
    from jalon.directory.models import Membership

    Membership.objects.filter(professional_id=coordinator_elsewhere.professional_id).update(service=tex_service)
    return coordinator_elsewhere


@pytest.fixture
def tex_request(tex_service, hospital_entry_point, gp, treating_gp):
    """A question from `gp` to the pulmonology service about a patient whose own GP is `treating_gp`."""
    from jalon.teleexpertise.models import TeleExpertiseOffer
    from jalon.teleexpertise.services import teleexpertise_request_submit

    offer = TeleExpertiseOffer.objects.create(service=tex_service, entry_point=hospital_entry_point)
    return teleexpertise_request_submit(
        actor=Actor(user=gp),
        offer=offer,
        requester=gp.professional,
        patient=identity(gp_id=treating_gp.professional_id),
        suspected_site="lung",
        question="Nodule de 25 mm : quel bilan ?",
    )


def _reaches_tex(user, tex_request) -> bool:
    from jalon.teleexpertise.access import teleexpertise_request_for_user, teleexpertise_requests_visible_to

    listed = teleexpertise_requests_visible_to(user).filter(pk=tex_request.pk).exists()
    try:
        found = teleexpertise_request_for_user(user, tex_request.reference)
    except Http404:
        found = None
    assert listed == (found is not None), "the list and the detail disagree"
    return listed


@pytest.mark.parametrize(("name", "expected"), _matrix(TEX_REACHES, TEX_PERSONAS))
def test_it_shows_a_teleexpertise_request_only_to_its_requester_and_the_services_specialists(
    name, expected, tex_request, persona
):
    """The requester and the specialists of the service asked reach the request; everyone else gets a 404."""
    assert _reaches_tex(persona(name), tex_request) is expected


@pytest.mark.parametrize(("name", "expected"), _matrix({"specialist"}, TEX_PERSONAS))
def test_it_lets_only_the_services_specialists_answer_a_teleexpertise_request(name, expected, tex_request, persona):
    """Only a specialist of the service asked may answer, while the request waits."""
    from jalon.teleexpertise.access import may_answer_teleexpertise

    assert may_answer_teleexpertise(persona(name), tex_request) is expected


@pytest.mark.parametrize(("name", "expected"), _matrix({"gp"}, TEX_PERSONAS))
def test_it_lets_only_the_requester_withdraw_a_teleexpertise_request(name, expected, tex_request, persona):
    """Only the professional who asked may withdraw, while the request waits."""
    from jalon.teleexpertise.access import may_withdraw_teleexpertise

    assert may_withdraw_teleexpertise(persona(name), tex_request) is expected


def test_it_keeps_a_teleexpertise_request_from_the_patients_care_team(tex_request, treating_gp, submit, coordinator):
    """Being in the patient's care team (their GP, the coordination of a referral) gives no access to the question."""
    submitted = submit(patient=identity(gp_id=treating_gp.professional_id)).referral
    referral_confirm_gp(actor=Actor(user=coordinator), referral=submitted)
    assert _sees_patient(treating_gp, tex_request.patient)
    assert not _reaches_tex(treating_gp, tex_request)


def test_it_gives_the_service_specialist_the_request_not_the_patients_file(tex_request, specialist):
    """The specialist reaches the request through the service; answering it records them in the care team but
    does not open the patient's file (issue 12: only a membership someone granted does)."""
    from jalon.teleexpertise.access import teleexpertise_requests_visible_to
    from jalon.teleexpertise.services import teleexpertise_answer

    assert not _sees_patient(specialist, tex_request.patient)
    teleexpertise_answer(actor=Actor(user=specialist), request=tex_request, answer="TEP-TDM.")
    assert teleexpertise_requests_visible_to(specialist).filter(pk=tex_request.pk).exists()
    assert (
        CareTeamMember.objects.active()
        .filter(patient=tex_request.patient, professional_id=specialist.professional_id)
        .exists()
    )
    assert not _sees_patient(specialist, tex_request.patient)


# Indicators: aggregates for managers and coordinators (whichever organisation); in the pathways behind a
# figure, a row is named only when its referral is reached through the rules above.
READS_INDICATORS = {"coordinator", "coordinator_elsewhere", "manager"}


@pytest.mark.parametrize(
    ("name", "expected"), _matrix(READS_INDICATORS, [name for name in PERSONAS if name != "anonymous"])
)
def test_it_opens_the_indicators_only_to_managers_and_coordinators(name, expected, persona, client):
    """Managers and every coordinator read the dashboard; every other role gets a 404."""
    client.force_login(persona(name))
    assert client.get("/indicateurs/").status_code == (200 if expected else 404)


@pytest.mark.parametrize(("name", "expected"), _matrix(SEES))
def test_it_names_a_pathway_behind_an_indicator_only_to_whom_reaches_its_referral(
    name, expected, referral, persona, coordinator
):
    """The drill-down's identified rows follow the referral's access rule; for anyone else the row stays a pseudonym."""
    referral.pathway_kind = "lung"
    referral.save(update_fields=["pathway_kind"])
    pathway = pathway_start(actor=Actor(user=coordinator), referral=referral, priority="P2")
    named = identified_pathways(persona(name), [pathway.pk])
    assert named == ({pathway.pk: referral.reference} if expected else {})


# --- Every route of the site, for every role: the declared rule (access.ROUTE_RULES) and what the route does -----
#
# The routes come from the URL resolver (pages, API, admin), never from a list kept here: a new route without a
# rule fails `test_it_declares_a_rule_for_every_route` with the line to add.

# A value for each URL argument, by name: shaped like the real ones, naming nothing that exists.
SAMPLE_ARGUMENTS = {
    "reference": "JAL-2026-999999",
    "group": "00000000-0000-0000-0000-000000000000",
    "action": "accept",
    "kind": "inconnu",
    "code": "inconnu",
    "year": "2026",
    "app_label": "accounts",
    "model_name": "user",
    "object_id": "999999",
    "content_type_id": "999999",
    "url": "inconnu",
}


def _routes(patterns=None, namespace: str = "", prefix: str = ""):
    """(url name, pattern text, argument names) of every route the resolver serves."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from _routes(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            # An unnamed route inside a namespace (the admin's redirects) falls under the namespace's rule.
            name = f"{namespace}:{entry.name or ''}" if namespace else (entry.name or "")
            arguments = list(getattr(entry.pattern, "converters", {}) or entry.pattern.regex.groupindex)
            yield name, prefix + str(entry.pattern), arguments


ROUTES = list(_routes())


def _url(name: str, arguments: list[str]) -> str | None:
    kwargs = {argument: SAMPLE_ARGUMENTS.get(argument, "999999") for argument in arguments}
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def test_it_declares_a_rule_for_every_route():
    """Every route the resolver serves has a rule in access.ROUTE_RULES (or its namespace's "ns:*")."""
    missing = [(name, pattern) for name, pattern, _ in ROUTES if not name or access.route_rule(name) is None]
    assert not missing, "Routes without a declared access rule:\n" + "\n".join(
        f"  - {name or '(unnamed: give the route a name)'}  ({pattern})  →  add to ROUTE_RULES in "
        f'jalon/accounts/access.py:  "{name or "<namespace:name>"}": rule(Capability.<WHAT_IT_NEEDS>, "<object '
        'helper>"),'
        f"  or rule(PUBLIC) / rule(AUTHENTICATED)"
        for name, pattern in missing
    )


def test_it_keeps_no_rule_for_a_route_that_is_gone():
    """A rule names a served route (or a served namespace): a stale rule would hide a typo in a new one."""
    served = {name for name, _, _ in ROUTES}
    namespaces = {name.rsplit(":", 1)[0] for name in served if ":" in name}
    stale = [
        key
        for key in access.ROUTE_RULES
        if (key.endswith(":*") and key[:-2] not in namespaces) or (not key.endswith(":*") and key not in served)
    ]
    assert not stale, f"ROUTE_RULES names routes the site no longer serves: {stale}"


def test_it_names_only_known_capabilities_in_route_rules():
    """Each rule is PUBLIC, AUTHENTICATED, STAFF or capabilities of the table."""
    known = {str(capability) for capability in access.Capability}
    for name, found in access.ROUTE_RULES.items():
        assert access.route_capabilities(found) <= known, f"{name}: unknown capability {found.who}"


def test_it_gives_every_capability_to_some_role():
    """No capability is written in the table's enum without a role holding it."""
    for capability in access.Capability:
        assert access.roles_with(capability), f"{capability} is held by no role"


ROLE_PERSONAS = {
    "anonymous": None,
    Role.REFERRER: "gp",
    Role.COORDINATOR: "coordinator",
    Role.SPECIALIST: "specialist",
    Role.HOME_NURSE: "home_nurse",
    Role.SUPPORT_PROVIDER: "support_provider",
    Role.MANAGER: "manager",
    Role.ADMIN: "admin_user",
    Role.PATHOLOGIST: "pathologist",
}
DENIED = {401, 403, 404, 405}
# Routes that answer 404 to everyone, by design.
ALWAYS_404 = {"api:api-root"}


def _denied(response, *, api: bool) -> bool:
    """Refused: 401/403/404/405, the login page (a redirect, or htmx's HX-Redirect for a poll), or for the API
    a body refused before anything is read (the token's user is checked once the body parses)."""
    if response.status_code in DENIED or (api and response.status_code in (400, 422)):
        return True
    location = (
        response.headers.get("Location", "") if response.status_code == 302 else response.headers.get("HX-Redirect", "")
    )
    return "/connexion/" in location or "/admin/login/" in location


@pytest.mark.parametrize("role", list(ROLE_PERSONAS))
def test_it_answers_every_route_as_its_rule_says_for_every_role(role, request, client, db):
    """For each role, each route: out of the role's rule it answers 401/403/404 or the login page, to GET and
    POST alike (before any work); within the rule, a page without arguments opens (no 403/404)."""
    persona = ROLE_PERSONAS[role]
    user = request.getfixturevalue(persona) if persona else AnonymousUser()
    token = ApiToken.issue(user=user, name="matrice")[1] if persona else ""
    if persona:
        client.force_login(user)
    failures = []
    for name, pattern, arguments in ROUTES:
        found = access.route_rule(name)
        if found is None or found.who == access.PUBLIC or name.endswith(":"):
            continue  # unnamed routes cannot be reversed; their namespace's rule is checked on the named ones
        url = _url(name, arguments)
        assert url is not None, (
            f"{name} ({pattern}): no sample value for its arguments {arguments}; add one to SAMPLE_ARGUMENTS"
        )
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if name.startswith("api:") and token else {}
        allowed = access.may_reach_route(user, found)
        if not allowed:
            for method in (client.get, client.post):
                response = method(url, **headers)
                if not _denied(response, api=name.startswith("api:")):
                    failures.append(f"{name} {method.__name__.upper()} {url}: {response.status_code}, rule {found.who}")
        elif not arguments and name not in ALWAYS_404 and found.who != access.STAFF:
            response = client.get(url, **headers)
            if response.status_code in (403, 404):
                failures.append(f"{name} GET {url}: {response.status_code} though the rule {found.who} lets {role} in")
    assert not failures, f"{role}:\n" + "\n".join(failures)


MENU_OF = {
    "coordinator": {
        "coordination:worklist",
        "pathways_alerts:list",
        "referrals:phone_intake",
        "mailin:list",
        "scheduling:availability",
        "boards:list",
        "indicators:dashboard",
        "notifications:inbox",
    },
    "gp": {"portal:patients", "referrals:mine", "referrals:new", "teleexpertise:list", "notifications:inbox"},
    "support_provider": {"referrals:mine", "notifications:inbox"},
    # Managers and admins have an inbox: texts published by other managers, escalations.
    "manager": {
        "boards:manage",
        "pathway_templates:list",
        "triage_rules:published",
        "accounts:audit",
        "notifications:templates",
        "indicators:dashboard",
        "notifications:inbox",
    },
    "admin_user": {
        "pathway_templates:list",
        "triage_rules:published",
        "accounts:audit",
        "notifications:templates",
        "notifications:inbox",
        "admin:index",
    },
    "regional_analyst": {"indicators:dashboard"},
    "pathologist": {"diagnostics:pathology_worklist", "notifications:inbox"},
}


@pytest.mark.parametrize("name", sorted(MENU_OF))
def test_it_shows_in_the_menu_what_the_capability_table_gives(name, persona, rf, db):
    """The menu is read from the route rules and the capability table: each role sees its entries, no other."""
    from jalon.messaging.context_processors import navigation

    http_request = rf.get("/")
    http_request.user = persona(name)
    assert {url_name for url_name, *_ in navigation(http_request)["nav_items"]} == MENU_OF[name]


# --- Pathology requests (issue 16): the pathologist addressed and the entry point's coordination, nobody else ------

PATHOLOGY_REACHES = {"pathologist", "coordinator"}
PATHOLOGY_PERSONAS = [*PERSONAS, "pathologist", "other_pathologist"]


@pytest.fixture
def other_pathologist(hospital):
    """A pathologist of the same hospital to whom the request was not addressed."""
    return UserFactory(username="dr.autre.anapath", role=Role.PATHOLOGIST, professional__organizations=[hospital])


@pytest.fixture
def pathology_request(referral, coordinator, pathologist):
    """The referral's lung pathway, its biopsy sent to `pathologist`."""
    from jalon.diagnostics.services import pathology_request_create
    from jalon.pathways.services import milestone_record

    referral.pathway_kind = "lung"
    referral.save(update_fields=["pathway_kind"])
    actor = Actor(user=coordinator)
    pathway = pathway_start(actor=actor, referral=referral, priority="P2")
    for code in ("first_contact", "reception"):
        milestone = pathway.milestones.filter(code=code).first()
        if milestone is not None:
            milestone_record(actor=actor, milestone=milestone, done_at=timezone.now() - timedelta(hours=1))
    return pathology_request_create(
        actor=actor,
        pathway=pathway,
        milestone=pathway.milestones.get(code="biopsy"),
        pathologist=pathologist.professional,
        specimen="Biopsie bronchique",
        specimen_taken_at=timezone.now() - timedelta(minutes=30),
        prescription={
            "smoker": "no",
            "metastatic": "unknown",
            "diagnosis_context": "first",
            "molecular_tests": [],
            "clinical_summary": "Nodule.",
        },
    )


@pytest.mark.parametrize(("name", "expected"), _matrix(PATHOLOGY_REACHES, PATHOLOGY_PERSONAS))
def test_it_shows_a_pathology_request_only_to_its_pathologist_and_the_entry_points_coordination(
    name, expected, pathology_request, persona, client
):
    """The pathologist it is addressed to and the coordination reach it (list, page, result); every other persona,
    another pathologist of the same hospital included, gets a 404 (or the login page)."""
    from jalon.diagnostics.access import (
        may_record_pathology_result,
        pathology_request_for_user,
        pathology_requests_visible_to,
    )

    user = persona(name)
    listed = pathology_requests_visible_to(user).filter(pk=pathology_request.pk).exists()
    try:
        found = pathology_request_for_user(user, pathology_request.pk) is not None
    except Http404:
        found = False
    assert listed == found == expected
    assert may_record_pathology_result(user, pathology_request) is expected
    if name != "anonymous":
        client.force_login(user)
        status = client.get(f"/anapath/{pathology_request.pk}/").status_code
        assert (status == 200) is expected
