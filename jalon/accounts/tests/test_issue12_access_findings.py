"""The access findings of the security review (issue 12), reproduced as they were found, and refused.

1. A referrer whose referral matches an existing patient (same INS, or same birth name, first name and birth
   date), naming themselves as the patient's GP, reached that patient's other referral, its documents,
   pathway, letters, calendar file, portal page, thread and API status.
2. A GP named on a referral reached all that without anyone confirming them.
3. The web phone intake let a coordinator of any organisation file into any entry point and name any
   professional as referrer; the same rule now holds for every channel (web, phone, mail-in, tele-expertise,
   API), in `referral_submit`.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from conftest import identity, pdf_upload
from jalon.accounts.models import ApiToken, Role
from jalon.core.actor import Actor
from jalon.patients.models import CareTeamMember, CareTeamRole
from jalon.patients.services import patient_record_sharing_opposition
from jalon.portal.models import ThreadMessage
from jalon.portal.services import thread_message_post
from jalon.portal.tests.test_letter_download import make_letter
from jalon.referrals.errors import ReferralError, ReferralErrorCode
from jalon.referrals.models import Referral
from jalon.referrals.services import referral_confirm_gp
from jalon.scheduling.tests.test_documents import diagnostic_day, uncompressed_pdf  # noqa: F401 (fixtures)
from jalon.testing.factories import UserFactory


@pytest.fixture
def treating_gp(db):
    """The patient's own GP, named on the victim's referral by its referrer."""
    return UserFactory(username="dr.traitant", role=Role.REFERRER, professional__last_name="Traitant")


@pytest.fixture
def victims_file(diagnostic_day, coordinator):  # noqa: F811 (the imported fixture)
    """A patient's lung pathway (referred by `gp`), with a document, a letter, a booked diagnostic day and a
    message in the thread: everything the attacker tried to open. Returns the referral and its URLs."""
    pathway, appointments = diagnostic_day
    referral = pathway.referral
    letter = make_letter(pathway)
    thread_message_post(actor=Actor(user=coordinator), referral=referral, body="Scanner mardi à 14 h.")
    document = referral.documents.first()
    reference = referral.reference
    urls = {
        "referral": reverse("coordination:referral", args=[reference]),
        "acknowledgment": reverse("referrals:acknowledgment", args=[reference]),
        "document": reverse("referrals:document", args=[reference, document.pk]),
        "pathway": reverse("pathways:detail", args=[reference]),
        "pathway letter": reverse("pathways:letter", args=[reference, letter.pk]),
        "appointment letter": reverse("scheduling:letter", args=[reference, appointments[0].group]),
        "calendar file": reverse("scheduling:calendar", args=[reference]),
        "portal page": reverse("portal:patient", args=[reference]),
        "portal live": reverse("portal:patient_live", args=[reference]),
        "portal letter": reverse("portal:letter", args=[reference, letter.pk]),
        "patient page": reverse("patients:detail", args=[referral.patient_id]),
    }
    return referral, urls


def _reached(client, user, referral, urls) -> dict[str, int]:
    """The status of each URL of the victim's file for `user`, the thread post and the API status included."""
    client.force_login(user)
    statuses = {name: client.get(url).status_code for name, url in urls.items()}
    before = ThreadMessage.objects.count()
    statuses["thread post"] = client.post(
        reverse("portal:thread_post", args=[referral.reference]), {"body": "Bonjour"}
    ).status_code
    assert ThreadMessage.objects.count() == before or statuses["thread post"] < 400
    key = ApiToken.issue(user=user, name="Logiciel du cabinet")[1]
    client.logout()
    statuses["API status"] = client.get(
        f"/api/v1/referrals/{referral.reference}", HTTP_AUTHORIZATION=f"Bearer {key}"
    ).status_code
    return statuses


def test_it_keeps_a_matching_referrer_out_of_the_patients_other_referral(client, victims_file, other_gp, submit):
    """A referrer whose referral matches the patient, naming themselves as GP, gets 404 on everything of the
    patient's other referral (referral, documents, pathway, letters, calendar file, portal page, thread, API)."""
    referral, urls = victims_file
    own = submit(user=other_gp, patient=identity(gp_id=other_gp.professional_id)).referral
    assert own.patient_id == referral.patient_id, "the attack needs the identity to match"

    statuses = _reached(client, other_gp, referral, urls)

    assert statuses == dict.fromkeys(statuses, 404)
    assert not ThreadMessage.objects.filter(author=other_gp).exists()
    client.force_login(other_gp)
    assert client.get(reverse("coordination:referral", args=[own.reference])).status_code == 200  # their own referral


def test_it_keeps_the_matching_referrer_out_after_the_patient_opposes_sharing(
    client, victims_file, other_gp, submit, coordinator
):
    """The opposition to sharing changes nothing for the matching referrer: still 404 everywhere."""
    referral, urls = victims_file
    submit(user=other_gp, patient=identity(gp_id=other_gp.professional_id))
    patient_record_sharing_opposition(actor=Actor(user=coordinator), patient=referral.patient, opposes=True)

    statuses = _reached(client, other_gp, referral, urls)

    assert statuses == dict.fromkeys(statuses, 404)


def test_it_gives_a_gp_named_on_a_referral_nothing_until_the_coordination_confirms(
    client, victims_file, treating_gp, submit, coordinator
):
    """A GP named on a referral is a proposal: 404 everywhere, no care-team row; once the coordination confirms
    them, the file, the portal page and the thread open (the coordination's pages stay closed)."""
    referral, urls = victims_file
    named = submit(patient=identity(gp_id=treating_gp.professional_id)).referral
    assert named.patient_id == referral.patient_id and named.gp_id == treating_gp.professional_id
    assert not CareTeamMember.objects.filter(professional_id=treating_gp.professional_id).exists()

    statuses = _reached(client, treating_gp, referral, urls)
    assert statuses == dict.fromkeys(statuses, 404)

    referral_confirm_gp(actor=Actor(user=coordinator), referral=named)
    member = CareTeamMember.objects.get(professional_id=treating_gp.professional_id, role=CareTeamRole.GP)
    assert member.granted_by_id == coordinator.pk and named.reference in member.reason

    statuses = _reached(client, treating_gp, referral, urls)
    assert {name for name, status in statuses.items() if status == 200} >= {
        "referral",
        "document",
        "pathway",
        "pathway letter",
        "portal page",
        "portal letter",
        "patient page",
        "API status",
    }


# --- 3. Filing into another organisation's entry point, by every channel ------------------------------------


def test_it_refuses_a_phone_intake_to_another_organisations_entry_point(client, coordinator_elsewhere, entry_point, gp):
    """A coordinator of the hospital cannot phone in to the CPTS entry point: the form says why, nothing is created."""
    client.force_login(coordinator_elsewhere)
    data = {
        "entry_point": entry_point.pk,
        "referrer": gp.professional_id,
        "caller_name": "Secrétariat du Dr Martin",
        "identity_status": "prov",
        "birth_name": "Lefèvre",
        "first_names": "Jeanne",
        "sex": "F",
        "birth_date": "1956-03-12",
        "suspected_site": "lung",
        "clinical_reason": "Toux",
        "declared_urgency": "routine",
        "question": "diagnosis",
        "exams-TOTAL_FORMS": "0",
        "exams-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("referrals:phone_intake"), data)

    assert response.status_code == 200
    assert "ne vous est pas ouvert" in response.content.decode()
    assert not Referral.objects.exists()


def _phone_in(*, user, entry_point, referrer, channel="phone"):
    from jalon.referrals.services import referral_submit

    return referral_submit(
        actor=Actor(user=user),
        entry_point=entry_point,
        channel=channel,
        patient=identity(),
        referrer=referrer,
        suspected_site="lung",
        caller_name="Secrétariat",
    )


@pytest.mark.parametrize("channel", ["phone", "mail", "api", "web"])
def test_it_refuses_another_organisations_entry_point_in_the_service_for_every_channel(
    channel, coordinator_elsewhere, entry_point, gp
):
    """The rule is in referral_submit: whatever the channel, a hospital coordinator filing to the CPTS entry
    point gets not_allowed with a French reason, and nothing is created."""
    with pytest.raises(ReferralError) as refused:
        _phone_in(user=coordinator_elsewhere, entry_point=entry_point, referrer=gp.professional, channel=channel)

    assert refused.value.code == ReferralErrorCode.NOT_ALLOWED
    assert refused.value.message
    assert not Referral.objects.exists()


@pytest.mark.parametrize("channel", ["web", "api", "phone"])
def test_it_refuses_a_referrer_filing_in_someone_elses_name(channel, gp, other_gp, entry_point):
    """Only the coordination names another professional as referrer; a referrer doing it is refused."""
    with pytest.raises(ReferralError) as refused:
        _phone_in(user=gp, entry_point=entry_point, referrer=other_gp.professional, channel=channel)

    assert refused.value.code == ReferralErrorCode.NOT_ALLOWED and refused.value.field in ("referrer", None)
    assert not Referral.objects.exists()


def test_it_lets_the_entry_points_own_coordinator_phone_in(coordinator, entry_point, gp):
    """The CPTS coordinator phones in to the CPTS entry point, naming the GP who called as referrer."""
    referral = _phone_in(user=coordinator, entry_point=entry_point, referrer=gp.professional).referral
    assert referral.referrer_id == gp.professional_id and referral.channel == "phone"


def test_it_refuses_a_mail_in_conversion_by_another_organisations_coordinator(coordinator_elsewhere, entry_point, gp):
    """Converting a mail of the CPTS entry point is refused to a hospital coordinator, in the service too."""
    from jalon.mailin.services import inbound_mail_convert, inbound_mail_store

    raw = b"From: dr.martin@exemple.mssante.fr\r\nSubject: Mme Lefevre\r\n\r\nSuspicion de cancer.\r\n"
    mail = inbound_mail_store(raw=raw, entry_point=entry_point).mail

    with pytest.raises(ReferralError) as refused:
        inbound_mail_convert(
            actor=Actor(user=coordinator_elsewhere),
            mail=mail,
            patient=identity(),
            referrer=gp.professional,
            suspected_site="lung",
        )

    assert refused.value.code == ReferralErrorCode.NOT_ALLOWED
    assert not Referral.objects.exists()


def test_it_answers_the_api_with_the_services_french_reason(client, coordinator_elsewhere, entry_point, gp):
    """The API turns the service's refusal into its JSON error (403 not_allowed, the French reason)."""
    from jalon.referrals.tests.test_api import payload, with_rpps

    with_rpps(gp.professional, seed=7)
    key = ApiToken.issue(user=coordinator_elsewhere, name="Logiciel")[1]

    response = client.post(
        "/api/v1/referrals",
        data=json.dumps(payload(referrer_rpps=gp.professional.rpps)),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert "guichet de votre organisation" in response.json()["message"]
    assert not Referral.objects.exists()


def test_it_refuses_a_teleexpertise_conversion_to_another_organisations_entry_point(hospital, entry_point, gp):
    """A specialist turns an answered tele-expertise into a referral only to their organisation's entry points."""
    specialist = UserFactory(username="dr.ailleurs", role=Role.SPECIALIST, professional__organizations=[hospital])

    with pytest.raises(ReferralError) as refused:
        _phone_in(user=specialist, entry_point=entry_point, referrer=gp.professional, channel="teleexpertise")

    assert refused.value.code == ReferralErrorCode.NOT_ALLOWED
    assert not Referral.objects.exists()


def test_it_keeps_the_documents_of_a_refused_submission_out(coordinator_elsewhere, entry_point, gp):
    """A refused submission stores nothing, documents included (the check comes first)."""
    from jalon.referrals.models import ReferralDocument
    from jalon.referrals.services import referral_submit

    with pytest.raises(ReferralError):
        referral_submit(
            actor=Actor(user=coordinator_elsewhere),
            entry_point=entry_point,
            channel="phone",
            patient=identity(),
            referrer=gp.professional,
            suspected_site="lung",
            documents=[pdf_upload()],
        )
    assert not ReferralDocument.objects.exists()


def test_a_matching_referrer_does_not_learn_the_patients_confirmed_gp(
    client, victims_file, treating_gp, other_gp, submit, coordinator
):
    """A referral that names no GP and matches a known patient proposes no GP: the known patient's confirmed GP
    (and so who treats them) is not shown on the submitter's own referral page; a new patient has no GP until
    the coordination confirms one."""
    referral, _urls = victims_file
    named = submit(patient=identity(gp_id=treating_gp.professional_id)).referral
    referral_confirm_gp(actor=Actor(user=coordinator), referral=named)

    own = submit(user=other_gp, patient=identity()).referral

    assert own.patient_id == referral.patient_id and own.gp_id is None
    client.force_login(other_gp)
    assert "Traitant" not in client.get(reverse("coordination:referral", args=[own.reference])).content.decode()
