"""The referral form page: its empty web form's fields rendered once per language and set of entry points
(issue 15), never another user's entry points, never a bound form's typed values or errors."""

import pytest
from django.urls import reverse

from jalon.referrals import views
from jalon.referrals.models import EntryPoint


@pytest.fixture(autouse=True)
def _no_rendered_forms():
    views._FORM_BODY_HTML.clear()
    yield
    views._FORM_BODY_HTML.clear()


def _page(client) -> str:
    response = client.get(reverse("referrals:new"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_empty_form_is_the_same_page_from_the_second_time(client, gp, entry_point):
    client.force_login(gp)
    first = _page(client)
    assert len(views._FORM_BODY_HTML) == 1
    second = _page(client)

    def form_fields(page):
        return page.split('name="entry_point"')[1].split("</form>")[0]

    assert form_fields(first) == form_fields(second)
    assert entry_point.name in second and 'name="birth_name"' in second and 'name="exams-2-kind"' in second


def test_a_new_or_renamed_entry_point_shows_at_once(client, gp, entry_point, hospital):
    client.force_login(gp)
    _page(client)
    EntryPoint.objects.filter(pk=entry_point.pk).update(name="Guichet renommé")
    EntryPoint.objects.create(organization=hospital, name="Guichet tout neuf", slug="neuf")
    page = _page(client)
    assert "Guichet renommé" in page and "Guichet tout neuf" in page


def test_the_phone_intake_offers_only_the_coordinators_entry_points(
    client, gp, coordinator, entry_point, hospital_entry_point
):
    client.force_login(gp)
    assert hospital_entry_point.name in _page(client)
    client.force_login(coordinator)
    page = client.get(reverse("referrals:phone_intake")).content.decode()
    assert entry_point.name in page and hospital_entry_point.name not in page
    assert 'name="referrer"' in page


def test_a_refused_submission_shows_what_was_typed_and_why(client, gp, entry_point):
    client.force_login(gp)
    _page(client)
    response = client.post(
        reverse("referrals:new"),
        {
            "entry_point": entry_point.pk,
            "birth_name": "Lefèvre",
            "first_names": "",
            "exams-TOTAL_FORMS": "0",
            "exams-INITIAL_FORMS": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Lefèvre"' in page and "id_first_names_error" in page
    assert 'value="Lefèvre"' not in _page(client)


def test_my_referrals_lists_each_with_its_patient_status_and_what_to_do(client, gp, coordinator, submit):
    from jalon.core.actor import Actor
    from jalon.referrals.services import referral_request_complement

    waiting, received = submit().referral, submit().referral
    referral_request_complement(actor=Actor(user=coordinator), referral=waiting, message="Le scanner, merci.")
    client.force_login(gp)
    page = client.get(reverse("referrals:mine")).content.decode()
    complete = reverse("referrals:complete", args=[waiting.reference])
    for referral in (waiting, received):
        assert f'<a href="{reverse("coordination:referral", args=[referral.reference])}">' in page
        assert referral.patient.display_name in page
    assert "En attente de complément" in page and "Reçue" in page
    assert page.count("Compléter la demande") == 1 and complete in page
