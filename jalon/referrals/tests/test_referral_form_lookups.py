"""The referral form's GP and commune: found from what the GP types, refused with the candidates when
ambiguous or unknown, the typed text kept; the suggestions behind the autocomplete."""

from datetime import date

import pytest
from django.urls import reverse

from jalon.core.demo_data import make_rpps
from jalon.directory.lookup import commune_candidates, physician_candidates
from jalon.directory.models import Profession
from jalon.referrals.models import Referral
from jalon.testing.factories import CommuneFactory, ProfessionalFactory, make_ins

# RPPS far from the factories' sequence
RPPS_1, RPPS_2, RPPS_3 = make_rpps(900000001), make_rpps(900000002), make_rpps(900000003)


@pytest.fixture
def molsheim(db):
    """A commune whose INSEE code is Schiltigheim's postal code (67300)."""
    return CommuneFactory(code="67300", name="Molsheim", department="67", postal_codes="67120")


@pytest.fixture
def homonyms(strasbourg, schiltigheim):
    """Two Dr Paul Schmitt, one in Strasbourg, one in Schiltigheim, and a nurse of the same name."""
    return (
        ProfessionalFactory(last_name="Schmitt", first_name="Paul", commune=strasbourg, rpps=RPPS_1),
        ProfessionalFactory(last_name="Schmitt", first_name="Paul", commune=schiltigheim, rpps=RPPS_2),
        ProfessionalFactory(last_name="Schmitt", first_name="Paul", commune=strasbourg, profession=Profession.NURSE),
    )


@pytest.fixture
def dr_lefevre(strasbourg):
    return ProfessionalFactory(last_name="Lefèvre-Dupré", first_name="Hélène", commune=strasbourg, rpps=RPPS_3)


def form_data(entry_point, **overrides):
    data = {
        "entry_point": entry_point.pk,
        "ins": make_ins(sex="F", birth_date=date(1956, 3, 12), seed=7),
        "birth_name": "Lefèvre",
        "first_names": "Jeanne",
        "sex": "F",
        "birth_date": "1956-03-12",
        "commune": "67482",
        "suspected_site": "lung",
        "clinical_reason": "Toux persistante",
        "declared_urgency": "urgent",
        "question": "diagnosis",
        "exams-TOTAL_FORMS": "0",
        "exams-INITIAL_FORMS": "0",
        "exams-MIN_NUM_FORMS": "0",
        "exams-MAX_NUM_FORMS": "10",
    }
    data.update(overrides)
    return data


# --- The commune --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["Schiltigheim", "schiltigheim", "SCHILTIGHEIM ", "67447", "67447 – Schiltigheim (67300)"]
)
def test_it_resolves_a_commune_by_name_or_code(schiltigheim, strasbourg, typed):
    assert commune_candidates(typed) == [schiltigheim]


def test_it_resolves_a_postal_code_shared_by_no_other_commune(schiltigheim, strasbourg):
    assert commune_candidates("67300") == [schiltigheim]
    assert commune_candidates("67100") == [strasbourg]


def test_it_reads_names_without_accents_and_abbreviations(db):
    etienne = CommuneFactory(code="42218", name="Saint-Étienne", department="42", postal_codes="42000 42100")
    assert commune_candidates("saint etienne") == [etienne]
    assert commune_candidates("St-Etienne") == [etienne]


def test_it_lists_every_commune_a_typed_code_may_be(schiltigheim, molsheim):
    """67300 is Schiltigheim's postal code and Molsheim's INSEE code: both are candidates, never a guess."""
    assert set(commune_candidates("67300")) == {schiltigheim, molsheim}


def test_it_submits_with_a_typed_commune_name(client, gp, entry_point, strasbourg, schiltigheim):
    client.force_login(gp)
    response = client.post(reverse("referrals:new"), form_data(entry_point, commune="schiltigheim"))
    assert response.status_code == 302
    assert Referral.objects.get().patient.commune == schiltigheim


def test_it_refuses_an_ambiguous_commune_listing_the_candidates(client, gp, entry_point, schiltigheim, molsheim):
    client.force_login(gp)
    response = client.post(reverse("referrals:new"), form_data(entry_point, commune="67300"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Plusieurs communes correspondent à « 67300 »" in page
    assert "67447 – Schiltigheim (67300)" in page and "67300 – Molsheim (67120)" in page
    assert 'value="67300"' in page  # what was typed stays
    assert not Referral.objects.exists()


def test_it_refuses_an_unknown_commune_keeping_what_was_typed(client, gp, entry_point, strasbourg):
    client.force_login(gp)
    response = client.post(reverse("referrals:new"), form_data(entry_point, commune="Atlantide"))
    page = response.content.decode()
    assert "Commune inconnue : « Atlantide »" in page and 'value="Atlantide"' in page
    assert not Referral.objects.exists()


def test_it_suggests_communes_without_accents(client, gp, db):
    CommuneFactory(code="42218", name="Saint-Étienne", department="42", postal_codes="42000 42100")
    client.force_login(gp)
    page = client.get(reverse("referrals:communes"), {"commune": "saint-et"}).content.decode()
    assert "42218 – Saint-Étienne (42000)" in page


# --- The GP -------------------------------------------------------------------------------------


def test_it_finds_a_physician_by_name_commune_or_rpps(homonyms, dr_lefevre):
    strasbourg_schmitt, schiltigheim_schmitt, _nurse = homonyms
    assert physician_candidates("lefevre") == [dr_lefevre]
    assert physician_candidates("Hélène Dupré") == [dr_lefevre]
    assert physician_candidates("schmitt schiltigheim") == [schiltigheim_schmitt]
    assert physician_candidates(RPPS_1) == [strasbourg_schmitt]
    assert physician_candidates(f"Dr Paul SCHMITT – Strasbourg – RPPS {RPPS_1}") == [strasbourg_schmitt]
    assert set(physician_candidates("Schmitt")) == {strasbourg_schmitt, schiltigheim_schmitt}  # never the nurse


def test_it_finds_a_physician_without_rpps_by_their_number(strasbourg):
    doctor = ProfessionalFactory(last_name="Weber", first_name="Anne", commune=strasbourg, rpps=None)
    assert physician_candidates(f"Dr Anne WEBER – Strasbourg – n° Jalon {doctor.pk}") == [doctor]


def test_it_suggests_homonyms_with_their_commune_and_rpps(client, gp, homonyms):
    client.force_login(gp)
    page = client.get(reverse("referrals:physicians"), {"gp": "schm"}).content.decode()
    assert f'<option value="Dr Paul SCHMITT – Strasbourg – RPPS {RPPS_1}">' in page
    assert f'<option value="Dr Paul SCHMITT – Schiltigheim – RPPS {RPPS_2}">' in page
    assert page.count("<option") == 2


def test_it_suggests_nothing_to_an_anonymous_visitor(client, homonyms):
    response = client.get(reverse("referrals:physicians"), {"gp": "schm"})
    assert response.status_code == 302 and "Schmitt" not in response.content.decode()


def test_it_submits_with_the_gp_picked_among_homonyms(client, gp, entry_point, strasbourg, homonyms):
    client.force_login(gp)
    picked = f"Dr Paul SCHMITT – Schiltigheim – RPPS {RPPS_2}"
    response = client.post(reverse("referrals:new"), form_data(entry_point, gp=picked))
    assert response.status_code == 302
    assert Referral.objects.get().gp == homonyms[1]


def test_it_refuses_an_ambiguous_gp_listing_the_homonyms(client, gp, entry_point, strasbourg, homonyms):
    client.force_login(gp)
    response = client.post(reverse("referrals:new"), form_data(entry_point, gp="Paul Schmitt"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Plusieurs médecins correspondent à « Paul Schmitt »" in page
    assert f"RPPS {RPPS_1}" in page and f"RPPS {RPPS_2}" in page
    assert 'value="Paul Schmitt"' in page
    assert not Referral.objects.exists()


@pytest.mark.parametrize("typed", ["Dr Inconnu", "99999999999"])
def test_it_refuses_an_unknown_gp_keeping_what_was_typed(client, gp, entry_point, strasbourg, homonyms, typed):
    client.force_login(gp)
    response = client.post(reverse("referrals:new"), form_data(entry_point, gp=typed))
    page = response.content.decode()
    assert f"Aucun médecin ne correspond à « {typed} »" in page and f'value="{typed}"' in page
    assert not Referral.objects.exists()


def test_the_gp_field_is_a_text_field_with_suggestions_not_a_list_of_every_physician(client, gp, entry_point, homonyms):
    client.force_login(gp)
    page = client.get(reverse("referrals:new")).content.decode()
    assert 'list="physicians-list"' in page and reverse("referrals:physicians") in page
    assert f"RPPS {RPPS_1}" not in page
