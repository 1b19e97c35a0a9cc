"""The JSON API: POST /api/v1/referrals and GET /api/v1/referrals/<reference>."""

from __future__ import annotations

import base64
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from conftest import MINIMAL_PDF
from jalon.accounts.models import ApiToken, AuditRecord, Role
from jalon.core.identifiers import luhn_check_digit
from jalon.events.models import Event
from jalon.messaging.models import OutboxMessage
from jalon.patients.models import Patient, Sex
from jalon.referrals.models import Referral, ReferralDocument, Status
from jalon.testing.factories import ProfessionalFactory, UserFactory, make_ins

PARIS = ZoneInfo("Europe/Paris")
URL = "/api/v1/referrals"
PNG_HEADER = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def friday_afternoon():
    """Friday 20 November 2026, 15:00 in Paris: the answer is due Tuesday 15:00 (48 working hours)."""
    with time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=PARIS), tick=False):
        yield


def with_rpps(professional, seed: int):
    """Give a professional a valid RPPS (factories.make_rpps returns only the check digit for now)."""
    partial = f"1{seed:09d}"
    professional.rpps = partial + luhn_check_digit(partial)
    professional.save(update_fields=["rpps"])
    return professional


def key_for(user) -> str:
    return ApiToken.issue(user=user, name="Logiciel du cabinet")[1]


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def payload(**overrides) -> dict:
    """A complete lung referral to the CPTS entry point, as a referring software would send it."""
    values = {
        "entry_point": "cpts-cancer",
        "patient": {
            "ins": make_ins(sex=Sex.FEMALE, birth_date=date(1956, 3, 12), seed=1),
            "birth_name": "Lefèvre",
            "used_name": "Durand",
            "first_names": "Jeanne Marie",
            "sex": "F",
            "birth_date": "1956-03-12",
            "birth_place_code": "67482",
            "commune_code": "67482",
            "phone": "06 12 34 56 78",
        },
        "suspected_site": "lung",
        "clinical_reason": "Toux persistante, opacité sur la radiographie",
        "first_symptoms_date": "2026-09-01",
        "declared_urgency": "urgent",
        "question": "diagnosis",
        "patient_informed": True,
        "exams": [
            {
                "kind": "ct",
                "done_on": "2026-10-01",
                "place": "Imagerie Nord",
                "summary": "Nodule 25 mm",
                "documents": [{"filename": "scanner.pdf", "content_base64": b64(MINIMAL_PDF)}],
            }
        ],
        "documents": [{"filename": "courrier.pdf", "content_base64": b64(MINIMAL_PDF)}],
    }
    values.update(overrides)
    return values


def patient_data(**overrides) -> dict:
    return {**payload()["patient"], **overrides}


def post(client, body, key: str | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def get(client, reference: str, key: str | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.get(f"{URL}/{reference}", headers=headers)


def assert_nothing_saved():
    assert Patient.objects.count() == 0
    assert Referral.objects.count() == 0
    assert ReferralDocument.objects.count() == 0
    assert Event.objects.count() == 0
    assert AuditRecord.objects.count() == 0


# --- POST: success ---------------------------------------------------------------------------


def test_it_creates_the_referral_and_acknowledges_it(client, entry_point, gp, strasbourg):
    """A complete referral is saved with channel api and answered 201 with its reference and Paris-time deadline
    (declared urgent: 24 working hours, not the routine 48)."""
    response = post(client, payload(), key_for(gp))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert re.fullmatch(r"JAL-2026-\d{6}", body["reference"])
    assert body == {
        "reference": body["reference"],
        "status": "received",
        "answer_deadline": "2026-11-23T15:00:00+01:00",
        "missing_items": [],
        "complete": True,
    }
    referral = Referral.objects.get(reference=body["reference"])
    assert referral.channel == "api"
    assert referral.status == Status.RECEIVED
    assert referral.referrer_id == gp.professional_id
    assert referral.created_by_id == gp.pk
    assert referral.entry_point_id == entry_point.pk
    assert referral.declared_urgency == "urgent"
    assert referral.patient_informed is True
    patient = referral.patient
    assert patient.phone == "+33612345678"
    assert patient.ins == payload()["patient"]["ins"]
    assert patient.commune_id == "67482"
    assert patient.used_name == "Durand"
    exam = referral.exams.get()
    assert (exam.kind, exam.done_on, exam.place) == ("ct", date(2026, 10, 1), "Imagerie Nord")
    documents = {
        (document.original_name, document.exam_id, document.content_type) for document in referral.documents.all()
    }
    assert documents == {("scanner.pdf", exam.pk, "application/pdf"), ("courrier.pdf", None, "application/pdf")}


def test_it_writes_outbox_and_audit_records_with_the_api_channel(client, entry_point, gp, strasbourg):
    """The acknowledgment goes to the outbox; the audit records say api, the caller's IP and the path."""
    reference = post(client, payload(), key_for(gp)).json()["reference"]

    referral = Referral.objects.get(reference=reference)
    message = OutboxMessage.objects.get(event__referral=referral, channel="email")
    assert reference in message.subject
    records = AuditRecord.objects.filter(actor=gp)
    assert {(record.action, record.object_type) for record in records} == {
        ("create", "patient"),
        ("create", "referral"),
    }
    assert all(
        record.channel == "api" and record.path == URL and record.ip_address == "127.0.0.1" for record in records
    )


def test_it_lists_missing_items_with_their_french_labels(client, entry_point, gp, strasbourg):
    """An incomplete referral is still accepted; what is missing comes back as codes and French labels."""
    body = payload(documents=[], exams=[], patient=patient_data(phone=None))

    response = post(client, body, key_for(gp))

    assert response.status_code == 201
    assert response.json()["complete"] is False
    assert response.json()["missing_items"] == [
        {"code": "patient_phone", "label": "le téléphone du patient"},
        {"code": "document", "label": "au moins un compte rendu joint"},
        {"code": "exam:ct", "label": "un scanner (TDM) déjà réalisé"},
    ]


def test_it_accepts_a_referral_with_only_the_required_fields(client, entry_point, gp):
    """Only the entry point, the patient's identity and the suspected site are required; the rest shows as missing."""
    body = {
        "entry_point": "cpts-cancer",
        "patient": {"birth_name": "Lefèvre", "first_names": "Jeanne", "sex": "F", "birth_date": "1956-03-12"},
        "suspected_site": "breast",
    }

    response = post(client, body, key_for(gp))

    assert response.status_code == 201, response.json()
    assert response.json()["complete"] is False
    patient = Patient.objects.get()
    assert (patient.ins, patient.phone, patient.birth_place_code, patient.commune_id, patient.gp_id) == (
        None,
        "",
        "",
        None,
        None,
    )
    referral = Referral.objects.get()
    assert (referral.declared_urgency, referral.question, referral.patient_informed) == ("routine", "diagnosis", None)


def test_it_records_the_gp_named_by_rpps(client, entry_point, gp, strasbourg):
    """The patient's GP is named by RPPS and proposed on the referral; the patient's GP waits for the
    coordination's confirmation (issue 12: a named GP is a proposal)."""
    family_doctor = with_rpps(ProfessionalFactory(), seed=42)

    response = post(client, payload(patient=patient_data(gp_rpps=family_doctor.rpps)), key_for(gp))

    referral = Referral.objects.get(reference=response.json()["reference"])
    assert referral.gp_id == family_doctor.pk and referral.gp_confirmed_at is None
    assert referral.patient.gp_id is None


def test_it_lets_a_coordinator_send_for_a_referring_professional(client, entry_point, coordinator, gp, strasbourg):
    """A coordinator names the referring professional by RPPS; the referral is theirs."""
    with_rpps(gp.professional, seed=1)
    response = post(client, payload(referrer_rpps=gp.professional.rpps), key_for(coordinator))

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get(reference=response.json()["reference"])
    assert referral.referrer_id == gp.professional_id
    assert referral.created_by_id == coordinator.pk


# --- POST: authentication and roles --------------------------------------------------------------


def test_it_refuses_a_request_without_token(client, entry_point):
    """No Authorization header: 401 JSON, nothing saved."""
    response = post(client, payload())

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_nothing_saved()


def test_it_refuses_a_revoked_token(client, entry_point, gp):
    """A revoked token no longer authenticates."""
    key = key_for(gp)
    ApiToken.objects.filter(user=gp).update(revoked_at=timezone.now())

    response = post(client, payload(), key)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert_nothing_saved()


@pytest.mark.parametrize("header", ["Bearer jal_not-a-real-key", "Bearer ", "Basic dXNlcjpwYXNz", "jal_nope"])
def test_it_refuses_a_wrong_token(client, entry_point, gp, header):
    """An unknown key or another scheme answers 401."""
    key_for(gp)

    response = client.post(URL, payload(), content_type="application/json", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_it_refuses_the_token_of_a_deactivated_user(client, entry_point, gp):
    """A token stops working when its user's account is deactivated."""
    key = key_for(gp)
    gp.is_active = False
    gp.save()

    assert post(client, payload(), key).status_code == 401


@pytest.mark.parametrize("persona", ["manager", "support_provider"])
def test_it_refuses_roles_that_may_not_submit(client, entry_point, persona, request):
    """A manager or a support provider holds a valid token but may not send referrals: 403."""
    user = request.getfixturevalue(persona)

    response = post(client, payload(), key_for(user))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert_nothing_saved()


def test_it_refuses_a_referrer_without_professional_record(client, entry_point):
    """A referrer account not linked to a professional cannot be the referrer of anything."""
    user = UserFactory(role=Role.REFERRER, professional=None)

    assert post(client, payload(), key_for(user)).status_code == 403


# --- POST: bad input ---------------------------------------------------------------------------


def test_it_refuses_an_ins_with_a_wrong_key(client, entry_point, gp, strasbourg):
    """A wrong INS key answers 422 on patient.ins with the French reason; no patient nor referral is created."""
    ins = payload()["patient"]["ins"]
    wrong_key = f"{(int(ins[13:]) + 1) % 97:02d}"

    response = post(client, payload(patient=patient_data(ins=ins[:13] + wrong_key)), key_for(gp))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["message"] == "Données invalides."
    assert body["field"] == "patient.ins"
    assert body["errors"] == [
        {"field": "patient.ins", "message": "La clé du numéro INS est incorrecte : vérifiez les 15 caractères saisis."}
    ]
    assert_nothing_saved()


def test_it_accepts_an_ins_typed_with_spaces(client, entry_point, gp, strasbourg):
    """The INS is normalised before it is checked and stored."""
    ins = payload()["patient"]["ins"]
    spaced = f"{ins[0]} {ins[1:3]} {ins[3:5]} {ins[5:7]} {ins[7:10]} {ins[10:13]} {ins[13:]}"

    response = post(client, payload(patient=patient_data(ins=spaced)), key_for(gp))

    assert response.status_code == 201
    assert Patient.objects.get().ins == ins


def test_it_reports_every_schema_error_in_french(client, entry_point, gp, strasbourg):
    """Schema errors come back together, with dotted field paths and French messages."""
    body = payload(
        suspected_site="spleen",
        patient=patient_data(birth_name="", phone="12", sex="X"),
        exams=[{"kind": "ct", "done_on": "2027-01-01", "colour": "blue"}],
    )
    del body["patient"]["birth_date"]

    response = post(client, body, key_for(gp))

    assert response.status_code == 422
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors["patient.birth_name"] == "Champ obligatoire."
    assert errors["patient.birth_date"] == "Champ obligatoire."
    assert errors["patient.phone"].startswith("Numéro de téléphone invalide")
    assert errors["patient.sex"] == "Valeur non reconnue ; valeurs possibles : 'F', 'M' ou 'U'."
    assert errors["suspected_site"].startswith("Valeur non reconnue")
    assert errors["exams.0.done_on"] == "La date de l'examen ne peut pas être dans le futur."
    assert errors["exams.0.colour"] == "Champ inconnu."
    assert_nothing_saved()


def test_it_refuses_unknown_entry_point_commune_and_gp(client, entry_point, gp, strasbourg):
    """What the input names must exist: each unknown one is reported on its field."""
    body = payload(
        entry_point="nulle-part",
        patient=patient_data(commune_code="99999", gp_rpps="1000000099" + luhn_check_digit("1000000099")),
    )

    response = post(client, body, key_for(gp))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert {error["field"] for error in response.json()["errors"]} == {
        "entry_point",
        "patient.commune_code",
        "patient.gp_rpps",
    }
    assert_nothing_saved()


def test_it_refuses_a_closed_entry_point(client, entry_point, gp, strasbourg):
    """An inactive entry point answers entry_point_closed."""
    entry_point.is_active = False
    entry_point.save()

    response = post(client, payload(), key_for(gp))

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("entry_point_closed", "entry_point")
    assert_nothing_saved()


def test_it_requires_the_referrer_rpps_from_a_coordinator(client, entry_point, coordinator, strasbourg):
    """A coordinator must say who refers the patient."""
    response = post(client, payload(), key_for(coordinator))

    assert response.status_code == 422
    assert response.json()["field"] == "referrer_rpps"
    assert_nothing_saved()


def test_it_keeps_a_coordinator_to_their_own_entry_points(
    client, hospital_entry_point, cpts, coordinator, gp, strasbourg
):
    """A CPTS coordinator cannot send to the hospital's entry point, whose referrals they could not follow
    (the rule of every channel, access.submission_refusal, answered 403 not_allowed)."""
    with_rpps(gp.professional, seed=1)
    response = post(client, payload(entry_point="hup-diag", referrer_rpps=gp.professional.rpps), key_for(coordinator))

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert response.json()["field"] == "entry_point"
    assert "guichet de votre organisation" in response.json()["message"]
    assert_nothing_saved()


def test_it_refuses_another_referrer_rpps_from_a_referrer(client, entry_point, gp, other_gp, strasbourg):
    """Only coordination sends on another professional's behalf."""
    with_rpps(other_gp.professional, seed=2)
    response = post(client, payload(referrer_rpps=other_gp.professional.rpps), key_for(gp))

    assert response.status_code == 422
    assert response.json()["field"] == "referrer_rpps"
    assert_nothing_saved()


def test_it_refuses_a_document_that_is_not_base64(client, entry_point, gp, strasbourg):
    """Invalid base64 answers 400 invalid_document on that document; nothing is saved."""
    body = payload(documents=[{"filename": "courrier.pdf", "content_base64": "not base64 at all!"}])

    response = post(client, body, key_for(gp))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_document"
    assert response.json()["field"] == "documents.0.content_base64"
    assert "courrier.pdf" in response.json()["message"]
    assert_nothing_saved()


@pytest.mark.parametrize("content", [b"Ceci est un simple texte, pas un PDF.", b"MZ\x90\x00executable"])
def test_it_refuses_a_document_that_is_not_pdf_or_image(client, entry_point, gp, strasbourg, content):
    """The real content type is read from the bytes: a text or an executable named .pdf answers 400."""
    body = payload(exams=[{"kind": "ct", "documents": [{"filename": "scanner.pdf", "content_base64": b64(content)}]}])

    response = post(client, body, key_for(gp))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_document"
    assert "PDF" in response.json()["message"]
    assert_nothing_saved()


def test_it_accepts_base64_with_line_breaks_and_a_png(client, entry_point, gp, strasbourg):
    """MIME-style base64 (wrapped at 76 characters) decodes; PNG images are accepted."""
    wrapped = "\n".join(re.findall(".{1,76}", b64(PNG_HEADER)))

    response = post(client, payload(documents=[{"filename": "photo.png", "content_base64": wrapped}]), key_for(gp))

    assert response.status_code == 201, response.json()
    assert ReferralDocument.objects.filter(content_type="image/png").count() == 1


@override_settings(DOCUMENT_MAX_BYTES=1024)
def test_it_refuses_a_document_over_the_size_limit_before_decoding(client, entry_point, gp, strasbourg):
    """A document larger than DOCUMENT_MAX_BYTES answers 400 invalid_document."""
    body = payload(documents=[{"filename": "gros.pdf", "content_base64": b64(MINIMAL_PDF + b"0" * 2048)}])

    response = post(client, body, key_for(gp))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_document"
    assert "taille maximale" in response.json()["message"]
    assert_nothing_saved()


def test_it_neutralises_path_elements_in_a_filename(client, entry_point, gp, strasbourg):
    """A filename with path elements keeps only its last part (and « .. » becomes « document »)."""
    documents = [
        {"filename": "../../etc/passwd.pdf", "content_base64": b64(MINIMAL_PDF)},
        {"filename": "..", "content_base64": b64(MINIMAL_PDF)},
    ]

    response = post(client, payload(documents=documents), key_for(gp))

    assert response.status_code == 201, response.json()
    names = set(ReferralDocument.objects.filter(exam=None).values_list("original_name", flat=True))
    assert names == {"passwd.pdf", "document"}


def test_it_refuses_malformed_json(client, entry_point, gp):
    """A body that is not JSON answers 400 malformed_json."""
    response = post(client, '{"entry_point": "cpts-cancer",', key_for(gp))

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert_nothing_saved()


@pytest.mark.parametrize("body", ["", "[]", '"texte"', "null"])
def test_it_refuses_a_body_that_is_not_an_object(client, entry_point, gp, body):
    """An empty body or a JSON value other than an object answers 422, not 500."""
    response = post(client, body, key_for(gp))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert_nothing_saved()


def test_it_refuses_the_nul_character(client, entry_point, gp, strasbourg):
    """PostgreSQL would refuse a NUL character: it is reported on its field instead."""
    response = post(client, payload(clinical_reason="Toux\u0000"), key_for(gp))

    assert response.status_code == 422
    assert response.json()["field"] == "clinical_reason"
    assert_nothing_saved()


def test_it_refuses_too_many_exams(client, entry_point, gp, strasbourg):
    """At most 10 exams per referral."""
    response = post(client, payload(exams=[{"kind": "xray"}] * 11), key_for(gp))

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "exams", "message": "Trop d'éléments : 10 au plus."}]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_it_refuses_a_body_too_large(client, entry_point, gp, strasbourg):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 JSON, not Django's error page."""
    body = payload(clinical_reason="x" * 3000)

    response = post(client, body, key_for(gp))

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert_nothing_saved()


# --- GET ---------------------------------------------------------------------------------------


def test_it_shows_the_referrer_their_referral_and_audits_the_read(client, submit, gp):
    """The referrer reads the status of their referral; the read is audited with the api channel."""
    referral = submit(declared_urgency="routine").referral

    response = get(client, referral.reference, key_for(gp))

    assert response.status_code == 200
    assert response.json() == {
        "reference": referral.reference,
        "status": {"code": "received", "label": "Reçue"},
        "received_at": "2026-11-20T15:00:00+01:00",
        "answer_deadline": "2026-11-24T15:00:00+01:00",
        "answered_at": None,
        "missing_items": [],
        "complete": True,
        "pathway_kind": None,
        "priority": None,
    }
    record = AuditRecord.objects.get(action="read")
    assert (record.actor_id, record.patient_id, record.object_type, record.object_id) == (
        gp.pk,
        referral.patient_id,
        "referral",
        referral.reference,
    )
    assert (record.channel, record.path) == ("api", f"{URL}/{referral.reference}")


def test_it_shows_the_entry_point_coordinator_the_referral(client, submit, coordinator):
    """The coordinator of the entry point's organisation reads the referral too."""
    referral = submit().referral

    assert get(client, referral.reference, key_for(coordinator)).status_code == 200


@pytest.mark.parametrize("outsider", ["other_gp", "coordinator_elsewhere", "manager"])
def test_it_answers_404_to_outsiders_like_an_unknown_reference(client, submit, outsider, request):
    """Another GP, a coordinator of another organisation or a manager get the same 404 as for an unknown reference."""
    referral = submit().referral
    key = key_for(request.getfixturevalue(outsider))

    hidden = get(client, referral.reference, key)
    unknown = get(client, "JAL-2026-999999", key)

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()
    assert hidden.json()["code"] == "not_found"
    assert not AuditRecord.objects.filter(action="read").exists()


def test_it_refuses_a_status_request_without_token(client, submit):
    """Reading a status needs a token too."""
    referral = submit().referral

    response = get(client, referral.reference)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_it_publishes_its_openapi_description(client, gp):
    """The OpenAPI description builds (schemas, enums, limits) for a logged-in user, with no token."""
    client.force_login(gp)
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schemas = response.json()["components"]["schemas"]
    assert schemas["PatientIn"]["properties"]["birth_name"]["maxLength"] == 100
    assert "lung" in schemas["CancerSite"]["enum"]
