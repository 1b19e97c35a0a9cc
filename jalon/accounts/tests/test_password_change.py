"""Self-service password change: French page reachable from the header, audited, every validator applied."""

import html

from django.urls import reverse

from jalon.accounts.models import AuditAction, AuditRecord

OLD = "motdepasse-de-test"
NEW = "Girafe violette sous la pluie d'octobre"
URL = reverse("accounts:password_change")


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_it_is_linked_from_the_header(client, gp):
    """Every logged-in page links to « Mot de passe »."""
    client.force_login(gp)
    page = client.get(reverse("portal:patients")).content.decode()
    assert f'href="{URL}"' in page


def test_it_changes_the_password_keeps_the_session_and_audits_it(client, gp):
    """Right old password and a strong new one: saved, still logged in, one audit record."""
    client.force_login(gp)
    response = client.post(URL, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert response.url == reverse("accounts:password_change_done")
    assert "Mot de passe modifié" in client.get(response.url).content.decode()
    gp.refresh_from_db()
    assert gp.check_password(NEW)
    assert "_auth_user_id" in client.session
    record = AuditRecord.objects.get(object_type="user_password")
    assert (record.actor_id, record.action, record.object_id, record.patient_id) == (
        gp.pk,
        AuditAction.UPDATE,
        str(gp.pk),
        None,
    )
    client.logout()
    assert client.post(reverse("accounts:login"), {"username": gp.username, "password": NEW}).status_code == 302


def test_it_refuses_a_wrong_old_password(client, gp):
    """A wrong current password: 400 with a French message, nothing changed, nothing audited."""
    client.force_login(gp)
    response = client.post(URL, {"old_password": "mauvais", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 400
    assert "Votre ancien mot de passe est incorrect" in page_text(response)
    gp.refresh_from_db()
    assert gp.check_password(OLD) and not AuditRecord.objects.filter(object_type="user_password").exists()


def test_it_refuses_a_weak_or_mismatched_new_password(client, gp):
    """Too short, guessable, or typed differently twice: refused in French."""
    client.force_login(gp)
    short = client.post(URL, {"old_password": OLD, "new_password1": "court", "new_password2": "court"})
    assert "Ce mot de passe est trop court" in page_text(short)
    guessable = client.post(
        URL, {"old_password": OLD, "new_password1": "Jalon2026!azerty", "new_password2": "Jalon2026!azerty"}
    )
    assert "trop facile à deviner" in page_text(guessable)
    mismatch = client.post(URL, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW + "x"})
    assert "Les deux mots de passe ne correspondent pas" in page_text(mismatch)
    assert {short.status_code, guessable.status_code, mismatch.status_code} == {400}
    gp.refresh_from_db()
    assert gp.check_password(OLD)


def test_it_asks_anonymous_users_to_log_in(client):
    """No session: the login page."""
    assert client.get(URL).url.startswith(reverse("accounts:login"))
