"""Names accept the characters of French civil status only: in the validator, the model, the forms and the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from jalon.coordination.tests.test_referral_pages import form_data
from jalon.core.text import validate_civil_name
from jalon.patients.models import IdentityStatus, Patient
from jalon.referrals.models import Referral
from jalon.referrals.tests.test_api import key_for, patient_data, payload, post
from jalon.teleexpertise.forms import TeleExpertiseRequestForm
from jalon.testing.factories import PatientFactory


@pytest.mark.parametrize(
    "name",
    ["Lefèvre-Dupré", "d'Ornano", "O’Neil", "Lœuillet", "Jeanne Marie", "ÉLODIE", "Zoë", "Müller", "Ñúñez", "Çelik"],
)
def test_it_accepts_civil_status_names(name):
    """Letters with accents and ligatures, spaces, hyphens and apostrophes."""
    validate_civil_name(name)


@pytest.mark.parametrize(
    ("name", "character"),
    [
        ("Martin2", "2"),
        ("<script>", "<"),
        ("Dupont;DROP", ";"),
        ("Jean_Paul", "_"),
        ("Anne.", "."),
        ("Léa@", "@"),
        ("Paul,Jean", ","),
    ],
)
def test_it_refuses_other_characters_naming_the_first_one(name, character):
    """A digit or a symbol is refused with a French message that names it."""
    with pytest.raises(ValidationError) as error:
        validate_civil_name(name)
    assert f"« {character} »" in error.value.messages[0]
    assert "lettres" in error.value.messages[0]


@pytest.mark.parametrize("name", ["-Jean", "Jean-", "'Ornano", "Anne  -"])
def test_it_refuses_a_name_not_starting_and_ending_with_a_letter(name):
    """Separators only between letters."""
    with pytest.raises(ValidationError):
        validate_civil_name(name)


def test_the_model_refuses_a_digit_in_a_name(db):
    """Patient.full_clean runs the same validator on birth name, used name and first names."""
    patient = PatientFactory.build(birth_name="Martin", first_names="Paul3", used_name="")
    with pytest.raises(ValidationError) as error:
        patient.full_clean(exclude=["commune", "gp", "merged_into", "identity_key"])
    assert set(error.value.message_dict) == {"first_names"}


@pytest.mark.parametrize("field", ["birth_name", "used_name", "first_names"])
def test_the_web_form_refuses_it_and_saves_nothing(client, gp, entry_point, strasbourg, field):
    """The referral form answers with the French message on the field, nothing saved."""
    client.force_login(gp)

    response = client.post(reverse("referrals:new"), form_data(entry_point, **{field: "Dupont<b>"}))

    assert response.status_code == 200
    assert "Caractère refusé : « &lt; »" in response.content.decode()
    assert not Referral.objects.exists() and not Patient.objects.exists()


def test_the_phone_intake_refuses_a_declared_qualified_identity(client, coordinator, gp, entry_point, strasbourg):
    """The coordination cannot declare « qualifiée » when typing a call, nor « récupérée » without INS."""
    client.force_login(coordinator)
    data = form_data(
        entry_point, referrer=gp.professional_id, caller_name="Secrétariat", identity_status=IdentityStatus.QUALIFIED
    )

    response = client.post(reverse("referrals:phone_intake"), data)
    assert response.status_code == 200 and "qualifiée" in response.content.decode()

    response = client.post(
        reverse("referrals:phone_intake"), {**data, "identity_status": IdentityStatus.RECOVERED, "ins": ""}
    )
    assert response.status_code == 200 and "téléservice INSi" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_teleexpertise_form_refuses_a_digit_and_a_qualified_status(db):
    """The tele-expertise request form shares the fields and their rules."""
    form = TeleExpertiseRequestForm(
        {"birth_name": "Dupont1", "first_names": "Paul", "identity_status": IdentityStatus.QUALIFIED}
    )
    form.is_valid()
    assert "birth_name" in form.errors and "identity_status" in form.errors
    assert IdentityStatus.QUALIFIED not in dict(form.fields["identity_status"].choices)


@pytest.mark.parametrize("field", ["birth_name", "used_name", "first_names"])
def test_the_api_refuses_it_with_422(client, entry_point, gp, strasbourg, field):
    """The API answers 422 on patient.<field> with the same French message; nothing saved."""
    with time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        response = post(client, payload(patient=patient_data(**{field: "Dupont;"})), key_for(gp))

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == f"patient.{field}"
    assert "Caractère refusé : « ; »" in body["errors"][0]["message"]
    assert not Patient.objects.exists()
