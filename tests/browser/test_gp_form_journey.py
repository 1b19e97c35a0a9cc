"""The GP's form in a real browser: the GP found by typing among homonyms, the commune typed by its name."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from jalon.core.demo_data import make_rpps
from jalon.referrals.models import Referral
from jalon.testing.factories import ProfessionalFactory, make_ins
from tests.browser.conftest import login, screenshot
from tests.browser.test_referral_journey import fill_referral_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_gp_picks_the_patients_gp_among_homonyms_and_types_the_commune(
    new_page, gp, entry_point, strasbourg, schiltigheim
):
    """Typing « schmitt » offers both Dr Schmitt with their commune and RPPS; the plain name is refused as
    ambiguous with the typed text kept; the one of Schiltigheim picked, the referral holds him; the commune
    typed as « schiltigheim » is resolved."""
    ProfessionalFactory(last_name="Schmitt", first_name="Paul", commune=strasbourg, rpps=make_rpps(900000001))
    wanted = ProfessionalFactory(
        last_name="Schmitt", first_name="Paul", commune=schiltigheim, rpps=make_rpps(900000002)
    )
    page = new_page()
    login(page, gp.username)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Nouvelle demande").click()
    fill_referral_form(page, ins=make_ins(sex="F", birth_date=date(1956, 3, 12), seed=7))
    page.get_by_label("Commune de résidence").fill("schiltigheim")

    gp_field = page.get_by_label("Médecin traitant")
    gp_field.press_sequentially("schmitt", delay=30)
    options = page.locator("#physicians-list option")
    expect(options).to_have_count(2)
    expect(
        page.locator(f'#physicians-list option[value="Dr Paul SCHMITT – Schiltigheim – RPPS {wanted.rpps}"]')
    ).to_have_count(1)
    screenshot(page, "referral-form-gp-suggestions")

    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text(re.compile("Plusieurs médecins correspondent à « schmitt »"))).to_be_visible()
    expect(page.get_by_label("Médecin traitant")).to_have_value("schmitt")
    expect(page.get_by_label("Commune de résidence")).to_have_value("schiltigheim")
    assert not Referral.objects.exists()

    page.get_by_label("Médecin traitant").fill(f"Dr Paul SCHMITT – Schiltigheim – RPPS {wanted.rpps}")
    page.get_by_role("button", name="Envoyer la demande").click()

    expect(page.get_by_role("heading", name="Demande reçue")).to_be_visible()
    referral = Referral.objects.get()
    assert referral.gp_id == wanted.pk
    assert referral.patient.commune_id == schiltigheim.code
