"""Imaging scores sent with a referral (issue 14): one cleaning function for the form, the API and the service."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import pdf_upload
from jalon.coordination.tests.test_referral_pages import form_data
from jalon.referrals.imaging import clean_imaging_findings, imaging_findings_display
from jalon.referrals.models import Referral
from jalon.referrals.tests.test_api import key_for, payload, post


def test_it_keeps_known_scores_normalised_and_drops_empty_ones():
    """Strings from a form become the stored values; empty values are dropped."""
    assert clean_imaging_findings(
        {"birads": "4", "eu_tirads": 5, "lirads": "lr-5", "lung_rads": "4a", "lesion_size_mm": "18"}
    ) == {
        "birads": 4,
        "eu_tirads": 5,
        "lirads": "LR-5",
        "lung_rads": "4A",
        "lesion_size_mm": 18,
    }
    assert clean_imaging_findings({"birads": None, "lirads": ""}) == {}
    assert clean_imaging_findings(None) == {}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"birads": 7}, "BI-RADS"),
        ({"eu_tirads": 0}, "EU-TIRADS"),
        ({"lirads": "LR-6"}, "LI-RADS"),
        ({"lung_rads": "5"}, "Lung-RADS"),
        ({"lesion_size_mm": 0}, "millimètres"),
        ({"lesion_size_mm": True}, "nombre entier"),
        ({"tirads": 5}, "inconnu"),
        ([4], "objet JSON"),
    ],
)
def test_it_refuses_a_bad_score_with_a_french_message(raw, message):
    with pytest.raises(ValidationError, match=message):
        clean_imaging_findings(raw)


def test_it_shows_the_scores_in_words():
    assert imaging_findings_display({"lesion_size_mm": 12, "birads": 4}) == [
        ("BI-RADS / ACR (sein)", "4"),
        ("Taille de la lésion ou du ganglion (mm)", "12 mm"),
    ]


def test_it_stores_the_scores_sent_through_the_api(client, gp, entry_point):
    """The API takes the scores and the referral keeps them as sent."""
    answer = post(client, payload(imaging_findings={"lung_rads": "4B", "lesion_size_mm": 17}), key_for(gp))
    assert answer.status_code == 201, answer.json()
    assert Referral.objects.get().imaging_findings == {"lung_rads": "4B", "lesion_size_mm": 17}


def test_it_refuses_a_score_out_of_range_through_the_api_and_saves_nothing(client, gp, entry_point):
    """A BI-RADS 9 is a 422 naming the field; nothing is saved."""
    answer = post(client, payload(imaging_findings={"birads": 9}), key_for(gp))
    assert answer.status_code in (400, 422)
    assert "imaging_findings" in str(answer.json())
    assert Referral.objects.count() == 0


def test_it_takes_history_facts_and_scores_from_the_web_form(client, gp, entry_point, strasbourg):
    """The form shows « Antécédents » and « Résultats d'imagerie »; ticked facts are stored with the signs, the
    scores as imaging findings."""
    client.force_login(gp)
    page = client.get(reverse("referrals:new")).content.decode()
    assert "Antécédents" in page and "Résultats d&#x27;imagerie" in page or "Résultats d'imagerie" in page
    data = {
        **form_data(entry_point),
        "alarm_signs": ["haemoptysis"],
        "history": ["smoker"],
        "lung_rads": "4A",
        "lesion_size_mm": "14",
        "exams-0-files": pdf_upload(),
    }
    assert client.post(reverse("referrals:new"), data).status_code == 302
    referral = Referral.objects.get()
    assert referral.alarm_signs == ["haemoptysis", "smoker"]
    assert referral.imaging_findings == {"lung_rads": "4A", "lesion_size_mm": 14}


def test_it_refuses_a_bad_size_on_the_web_form_and_saves_nothing(client, gp, entry_point, strasbourg):
    client.force_login(gp)
    response = client.post(reverse("referrals:new"), {**form_data(entry_point), "lesion_size_mm": "900"})
    assert response.status_code == 200
    assert Referral.objects.count() == 0
