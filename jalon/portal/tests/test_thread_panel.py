"""The thread panel on the coordination's referral and pathway pages: the thread and "Répondre au
médecin" for the entry point's coordinators, read-only with a link to the portal for the referrer and
the GP, nothing for anyone else; viewing the page marks the thread read."""

from __future__ import annotations

from django.urls import reverse

from jalon.patients.models import CareTeamRole
from jalon.patients.services import care_team_add
from jalon.portal.selectors import unread_threads_for_coordinator


def test_it_shows_the_thread_and_reply_form_on_the_referral_page(client, referral, coordinator, treating_gp, post):
    """The coordinator reads the GP's message and may answer, on the referral page."""
    post(treating_gp, referral, "Le patient est inquiet, pouvez-vous l'appeler ?")
    client.force_login(coordinator)

    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()

    assert "Échanges avec le médecin" in page and "pouvez-vous l&#x27;appeler ?" in page
    assert "Répondre au médecin" in page and reverse("portal:thread_post", args=[referral.reference]) in page


def test_it_shows_the_thread_on_the_pathway_page_and_marks_it_read(client, referral, coordinator, gp, post):
    """Opening the pathway page shows the thread and reads it for the coordinator."""
    post(gp, referral, "Question sur la biopsie")
    assert unread_threads_for_coordinator(coordinator).total_unread == 1
    client.force_login(coordinator)

    page = client.get(reverse("pathways:detail", args=[referral.reference])).content.decode()

    assert "Question sur la biopsie" in page and "Répondre au médecin" in page
    assert unread_threads_for_coordinator(coordinator).total_unread == 0


def test_it_marks_the_thread_read_on_the_referral_page(client, referral, coordinator, gp, post):
    """Opening the referral page reads the thread too."""
    post(gp, referral, "Question")
    client.force_login(coordinator)
    client.get(reverse("coordination:referral", args=[referral.reference]))
    assert unread_threads_for_coordinator(coordinator).total_unread == 0


def test_it_shows_the_gp_the_thread_read_only_with_a_link_to_the_portal(client, referral, gp, coordinator, post):
    """The referrer's referral page shows the thread, no form, and where to write."""
    post(coordinator, referral, "Rendez-vous confirmé")
    client.force_login(gp)

    page = client.get(reverse("coordination:referral", args=[referral.reference])).content.decode()

    assert "Rendez-vous confirmé" in page and "Répondre au médecin" not in page
    assert reverse("portal:patient", args=[referral.reference]) in page


def test_it_shows_nothing_to_someone_outside_the_thread(client, referral, specialist, gp, post, coordinator):
    """A specialist of the care team reads the referral page, not the thread."""
    care_team_add(
        patient_id=referral.patient_id,
        role=CareTeamRole.SPECIALIST,
        professional_id=specialist.professional_id,
        reason="RDV",
        granted_by=coordinator,
    )
    post(gp, referral, "Message confidentiel à la coordination")
    client.force_login(specialist)

    response = client.get(reverse("coordination:referral", args=[referral.reference]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Message confidentiel à la coordination" not in page and "Échanges avec" not in page


def test_it_comes_back_to_the_page_itself_after_a_refused_action(client, referral, coordinator):
    """Drawn for a refused action (400 on the action's URL), the reply still comes back to the pathway page."""
    client.force_login(coordinator)
    milestone = referral.pathway.milestones.order_by("order").first()
    response = client.post(reverse("pathways:milestone_record", args=[referral.reference, milestone.pk]), {})

    assert response.status_code == 400
    back = reverse("pathways:detail", args=[referral.reference])
    assert f'name="next" value="{back}"' in response.content.decode()
