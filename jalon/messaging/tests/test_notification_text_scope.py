"""Who edits which notification texts (an organisation's managers its own, admins the region's), the
organisation's text used for its own messages only, links refused but to Jalon, and each publication
audited and announced to the other managers concerned (issue 12, item 6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from jalon.accounts.models import AuditAction, AuditRecord, Role
from jalon.core.actor import Actor
from jalon.events.services import event_record
from jalon.messaging.kinds import KINDS
from jalon.messaging.models import Channel, NotificationTemplate, OutboxMessage
from jalon.messaging.notify import current_template, notify
from jalon.messaging.services import notification_template_publish
from jalon.messaging.templating import check_template, foreign_links
from jalon.testing.factories import UserFactory

KIND = "referral.accepted"
SITE = "https://jalon.example.org"


def org_url(organization_id, kind: str = KIND) -> str:
    return reverse("notifications:template_edit_organization", args=[organization_id, kind])


def texts(**overrides) -> dict:
    values = {
        "subject": "CPTS : demande {reference} acceptée",
        "body": "Bonjour {destinataire},\nLa demande de {patient} est acceptée par la CPTS.\n{lien}",
        "notice": "CPTS : demande {reference} acceptée. {lien}",
        "change_note": "Texte de la CPTS",
    }
    values.update(overrides)
    return values


@pytest.fixture
def other_manager(cpts):
    """A second manager of the CPTS, who should hear of their colleague's publications."""
    return UserFactory(username="manager2", role=Role.MANAGER, professional__organizations=[cpts])


@pytest.fixture
def hospital_manager(hospital):
    """The hospital's manager: another organisation, whose texts the CPTS's managers never touch."""
    return UserFactory(username="manager.hopital", role=Role.MANAGER, professional__organizations=[hospital])


def accepted_message(referral) -> OutboxMessage:
    event = event_record(actor=Actor.system(), kind=KIND, patient_id=referral.patient_id, referral_id=referral.pk)
    notify(
        kind=KIND, event=event, recipients=[referral.referrer], values={"reference": referral.reference, "guichet": "G"}
    )
    return OutboxMessage.objects.get(event=event, channel=Channel.EMAIL)


# --- The organisation's text, for its own messages only ----------------------------------------------


def test_it_uses_the_organisations_text_for_its_referrals_only(client, manager, cpts, submit, hospital_entry_point):
    """The CPTS's own text goes with the CPTS's referrals; the hospital's referrals keep the region's text."""
    client.force_login(manager)
    response = client.post(org_url(cpts.pk), {**texts(), "action": "publish"})
    assert response.status_code == 302
    ours = submit().referral
    theirs = submit(entry_point=hospital_entry_point).referral
    assert accepted_message(ours).subject == f"CPTS : demande {ours.reference} acceptée"
    assert accepted_message(theirs).subject == f"Demande {theirs.reference} acceptée"
    assert current_template(KIND).organization_id is None and current_template(KIND, cpts.pk).organization_id == cpts.pk


def test_it_numbers_an_organisations_versions_apart_from_the_regions(manager, cpts):
    """The organisation's first text is its version 1; the region's version stays as it was."""
    template = notification_template_publish(actor=Actor(user=manager), kind=KIND, organization_id=cpts.pk, **texts())
    assert (template.version, template.organization_id) == (1, cpts.pk)
    assert current_template(KIND).version == 1 and current_template(KIND).organization_id is None


def test_it_offers_the_regions_text_as_a_start_on_the_organisations_page(client, manager, cpts):
    """Before the organisation publishes, its page shows the region's text and says so."""
    client.force_login(manager)
    response = client.get(org_url(cpts.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "le texte de la région s'applique" in page and "Demande {reference} acceptée" in page


# --- Who may edit ------------------------------------------------------------------------------------


def test_it_refuses_the_region_wide_texts_to_a_manager(client, manager):
    """A manager gets 403 on the region's texts, reading or publishing, and nothing is published."""
    client.force_login(manager)
    url = reverse("notifications:template_edit", args=[KIND])
    assert client.get(url).status_code == 403
    assert client.post(url, {**texts(), "action": "publish"}).status_code == 403
    assert NotificationTemplate.objects.filter(kind=KIND).count() == 1


def test_the_service_refuses_a_region_wide_publication_by_a_manager(manager):
    """Whatever the page, the service itself refuses: a manager cannot publish for the region."""
    with pytest.raises(PermissionDenied):
        notification_template_publish(actor=Actor(user=manager), kind=KIND, **texts())
    with pytest.raises(PermissionDenied):
        notification_template_publish(actor=Actor.system(), kind=KIND, **texts())
    assert NotificationTemplate.objects.filter(kind=KIND).count() == 1


def test_it_lets_the_admin_publish_for_the_region(client, admin_user):
    """The admin publishes the region's version 2."""
    client.force_login(admin_user)
    response = client.post(reverse("notifications:template_edit", args=[KIND]), {**texts(), "action": "publish"})
    assert response.status_code == 302
    assert current_template(KIND).version == 2


def test_it_answers_404_on_another_organisations_texts(client, manager, hospital):
    """The CPTS's manager gets 404 on the hospital's page (reading or publishing), nothing published."""
    client.force_login(manager)
    assert client.get(org_url(hospital.pk)).status_code == 404
    assert client.post(org_url(hospital.pk), {**texts(), "action": "publish"}).status_code == 404
    assert not NotificationTemplate.objects.filter(organization=hospital).exists()


@pytest.mark.parametrize("organization_id", ["999999", "99999999999999999999999"])
def test_it_answers_404_on_an_organisation_that_does_not_exist(client, manager, organization_id):
    """An unknown organisation, or an id beyond any row, answers 404 (no 500)."""
    client.force_login(manager)
    assert client.get(f"/notifications/modeles/organisation/{organization_id}/{KIND}/").status_code == 404


def test_it_answers_404_on_an_unknown_kind_of_the_organisation(client, manager, cpts):
    """An unknown kind on the organisation's page: 404."""
    client.force_login(manager)
    assert client.get(org_url(cpts.pk, "nope")).status_code == 404


@pytest.mark.parametrize("persona", ["coordinator", "gp", "regional_analyst"])
def test_it_refuses_the_organisations_texts_to_other_roles(client, cpts, persona, request):
    """Coordinators, GPs and the regional analyst do not edit an organisation's texts (403)."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(org_url(cpts.pk)).status_code == 403


def test_an_admin_edits_the_region_wide_texts_not_an_organisations(client, cpts, admin_user):
    """An admin manages texts (region-wide ones) but belongs to no organisation: an organisation's page is 404."""
    client.force_login(admin_user)
    assert client.get(org_url(cpts.pk)).status_code == 404


def test_it_refuses_bad_input_on_the_organisations_page(client, manager, cpts):
    """Empty texts: 400 with the French message, nothing published."""
    client.force_login(manager)
    response = client.post(org_url(cpts.pk), {"subject": "", "body": "", "notice": "", "action": "publish"})
    assert response.status_code == 400
    assert "Rien n&#x27;a été publié" in response.content.decode()
    assert not NotificationTemplate.objects.filter(organization=cpts).exists()


# --- Links ------------------------------------------------------------------------------------------


@override_settings(SITE_URL=SITE)
@pytest.mark.parametrize("field", ["subject", "body", "notice"])
@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example.com/login",
        "exemple.fr/x",
        "www.exemple.fr",
        "contact@cpts-nord.fr",
        "http://jalon.example.org/aide/",
        "https://jalon.example.org.evil.fr/",
        "https://jalon.example.org@evil.fr/",
        "javascript:alert(1)",
        "10.0.0.1/x",
    ],
)
def test_it_refuses_a_link_to_another_site_in_any_text(client, manager, cpts, field, link):
    """A link elsewhere than Jalon (even a bare domain, or Jalon's name over plain http) is refused in
    French on publishing, and nothing is published."""
    client.force_login(manager)
    value = texts()[field] + f" {link}"
    response = client.post(org_url(cpts.pk), {**texts(**{field: value}), "action": "publish"})
    page = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert response.status_code == 400
    assert "renvoie ailleurs que vers Jalon" in page
    assert not NotificationTemplate.objects.filter(organization=cpts).exists()


@override_settings(SITE_URL=SITE)
def test_it_refuses_a_link_at_preview_too(client, manager, cpts):
    """« Aperçu » refuses the link as well: the manager learns it while editing."""
    client.force_login(manager)
    response = client.post(org_url(cpts.pk), {**texts(notice="Voir exemple.fr/x {lien}"), "action": "preview"})
    assert response.status_code == 400
    assert "« exemple.fr/x » renvoie ailleurs que vers Jalon" in response.content.decode().replace("&#x27;", "'")


@override_settings(SITE_URL=SITE)
def test_it_accepts_jalons_own_address(client, manager, cpts):
    """SITE_URL written out, with or without its scheme, and {lien} are accepted."""
    client.force_login(manager)
    body = "Bonjour {destinataire},\nAide : https://jalon.example.org/aide/ et jalon.example.org/faq\n{lien}"
    response = client.post(org_url(cpts.pk), {**texts(body=body), "action": "publish"})
    assert response.status_code == 302
    assert "https://jalon.example.org/aide/" in current_template(KIND, cpts.pk).body


@override_settings(SITE_URL=SITE)
def test_the_service_refuses_a_link_whatever_the_page(admin_user):
    """The publishing service runs the same check (no page can skip it)."""
    with pytest.raises(ValidationError) as error:
        notification_template_publish(
            actor=Actor(user=admin_user), kind=KIND, **texts(notice="Jalon : voir bit.ly/abc")
        )
    assert "bit.ly/abc" in str(error.value)


@override_settings(SITE_URL=SITE)
def test_it_names_a_variable_glued_to_a_domain():
    """« {reference}.fr » would become a domain once filled: refused, shown as written."""
    assert foreign_links("Voir {reference}.fr ou {lien}") == ["{reference}.fr"]
    assert foreign_links("Suivi : {lien}. Merci, 3.5 jours, le 12.03.2026.") == []


@override_settings(SITE_URL=SITE)
@pytest.mark.parametrize("code", sorted(KINDS))
def test_every_shipped_text_passes_the_link_check(db, code):
    """The texts Jalon ships carry no link but {lien}."""
    template = current_template(code)
    check_template(kind=KINDS[code], subject=template.subject, body=template.body, notice=template.notice)


# --- Publication audited and announced ---------------------------------------------------------------


def test_it_audits_a_publication_and_tells_the_other_managers_of_the_organisation(
    client, manager, other_manager, hospital_manager, cpts
):
    """One audit record by the author; an in-app message to the CPTS's other manager, none to the author
    nor to the hospital's manager."""
    client.force_login(manager)
    client.post(org_url(cpts.pk), {**texts(), "action": "publish"})
    template = NotificationTemplate.objects.get(organization=cpts, kind=KIND)
    record = AuditRecord.objects.get(object_type="notification_template.published")
    assert (record.actor_id, record.action, record.object_id, record.patient_id) == (
        manager.pk,
        AuditAction.CREATE,
        str(template.pk),
        None,
    )
    told = OutboxMessage.objects.filter(kind="notification_template.published", channel=Channel.IN_APP)
    assert list(told.values_list("recipient_user_id", flat=True)) == [other_manager.pk]
    assert "Demande acceptée" in told.get().subject and "Texte de la CPTS" in told.get().body


def test_the_other_manager_sees_it_in_the_latest_publications_and_the_inbox(client, manager, other_manager, cpts):
    """The colleague finds the publication in « Dernières publications » and in their notifications."""
    notification_template_publish(actor=Actor(user=manager), kind=KIND, organization_id=cpts.pk, **texts())
    client.force_login(other_manager)
    page = client.get(reverse("notifications:templates")).content.decode()
    recent = page.split("Dernières publications")[1]
    assert "Demande acceptée, v1" in recent and cpts.name in recent and "par manager" in recent
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert "Texte publié : « Demande acceptée »" in inbox.replace("&#x27;", "'")


def test_the_hospitals_manager_does_not_see_the_cpts_publication(client, manager, hospital_manager, cpts):
    """Another organisation's manager sees neither the CPTS's publication nor its edit link."""
    notification_template_publish(actor=Actor(user=manager), kind=KIND, organization_id=cpts.pk, **texts())
    client.force_login(hospital_manager)
    page = client.get(reverse("notifications:templates")).content.decode()
    assert "Texte de la CPTS" not in page and org_url(cpts.pk) not in page


def test_a_region_wide_publication_is_told_to_every_manager(admin_user, manager, hospital_manager):
    """The admin's region-wide text is announced to the managers of every organisation."""
    notification_template_publish(actor=Actor(user=admin_user), kind=KIND, **texts())
    told = set(
        OutboxMessage.objects.filter(kind="notification_template.published").values_list("recipient_user_id", flat=True)
    )
    assert {manager.pk, hospital_manager.pk} <= told and admin_user.pk not in told


def test_the_list_page_links_a_manager_to_their_organisations_texts_only(client, manager, cpts):
    """The manager's list links each kind to the CPTS's page, and never to the region's edit page."""
    client.force_login(manager)
    page = client.get(reverse("notifications:templates")).content.decode()
    assert org_url(cpts.pk) in page
    assert f'href="{reverse("notifications:template_edit", args=[KIND])}"' not in page
