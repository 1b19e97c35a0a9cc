"""Role and account changes made in the Django admin are audited like any service's write."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from jalon.accounts.models import ApiToken, AuditAction, AuditRecord, Role, User
from jalon.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _change_form(user: User, **overrides) -> dict:
    """The admin's change form as the page posts it, unchanged unless `overrides` say otherwise."""
    # The form's date has no microseconds: store it that way so that it is no change.
    user.date_joined = user.date_joined.replace(microsecond=0)
    User.objects.filter(pk=user.pk).update(date_joined=user.date_joined)
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "role": user.role,
        "professional": user.professional_id or "",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "groups": [],
        "user_permissions": [],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def _admin_records() -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(channel="admin").order_by("id"))


def test_a_role_change_is_audited_with_before_and_after(admin_client, admin_user, gp):
    """Making a GP a coordinator writes who did it, from where, and the role before and after."""
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[gp.pk]),
        _change_form(gp, role=Role.COORDINATOR),
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    (record,) = _admin_records()
    assert (record.actor_id, record.action, record.object_type, record.object_id) == (
        admin_user.pk,
        AuditAction.UPDATE,
        "user",
        str(gp.pk),
    )
    assert record.ip_address == "203.0.113.9"
    assert record.detail == {"changed": {"role": [Role.REFERRER, Role.COORDINATOR]}}


def test_deactivation_groups_and_permissions_are_audited(admin_client, gp):
    """Deactivating an account and giving it a group and a permission are one record with the three changes."""
    group = Group.objects.create(name="Régulation")
    permission = Permission.objects.get(codename="view_user")
    admin_client.post(
        reverse("admin:accounts_user_change", args=[gp.pk]),
        _change_form(gp, is_active="", groups=[group.pk], user_permissions=[permission.pk]),
    )
    (record,) = _admin_records()
    changed = record.detail["changed"]
    assert changed["is_active"] == [True, False]
    assert changed["groups"] == [[], ["Régulation"]]
    assert changed["user_permissions"] == [[], [str(permission)]]


def test_a_password_reset_is_audited_without_the_hash(admin_client, gp):
    """A password set in the admin is recorded as changed, its hash never copied into the trail."""
    old_hash = gp.password
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[gp.pk]),
        {"password1": "Une-phrase-de-passe-2026", "password2": "Une-phrase-de-passe-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    (record,) = _admin_records()
    assert record.detail == {"changed": {"password": ["(masqué)", "(masqué)"]}}
    gp.refresh_from_db()
    assert gp.password != old_hash
    assert gp.password not in str(record.detail)


def test_an_account_creation_is_audited(admin_client):
    """Creating an account in the admin is audited with its values, the password masked."""
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nouvelle",
            "password1": "Une-phrase-de-passe-2026",
            "password2": "Une-phrase-de-passe-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="nouvelle")
    (record,) = _admin_records()
    assert (record.action, record.object_id) == (AuditAction.CREATE, str(created.pk))
    assert record.detail["created"]["username"] == "nouvelle"
    assert record.detail["created"]["password"] == "(masqué)"


def test_a_form_saved_without_change_writes_nothing(admin_client, gp):
    """Saving the form unchanged is no account change."""
    admin_client.post(reverse("admin:accounts_user_change", args=[gp.pk]), _change_form(gp))
    assert _admin_records() == []


def test_a_refused_form_changes_nothing_and_writes_nothing(admin_client, gp):
    """A bad role is refused by the form: no change, no record."""
    response = admin_client.post(reverse("admin:accounts_user_change", args=[gp.pk]), _change_form(gp, role="pirate"))
    assert response.status_code == 200
    gp.refresh_from_db()
    assert gp.role == Role.REFERRER
    assert _admin_records() == []


def test_a_group_permission_change_is_audited(admin_client):
    """Changing a group's permissions changes its members' rights: audited."""
    group = Group.objects.create(name="Régulation")
    permission = Permission.objects.get(codename="view_user")
    admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "Régulation", "permissions": [permission.pk]}
    )
    (record,) = _admin_records()
    assert (record.object_type, record.detail) == ("group", {"changed": {"permissions": [[], [str(permission)]]}})


def test_an_api_token_revocation_is_audited_without_its_hash(admin_client, gp):
    """Revoking a token in the admin is audited; its key hash never appears."""
    token, _key = ApiToken.issue(user=gp, name="Logiciel du cabinet")
    admin_client.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    records = list(AuditRecord.objects.filter(object_type__in=["apitoken", "api_token"]))
    assert records, "the revocation is audited"
    assert all(token.key_hash not in str(record.detail) for record in records)


def test_a_deletion_is_audited(admin_client):
    """Deleting an account (one that never acted) is audited with what it was."""
    doomed = UserFactory(username="ephemere", professional=None)
    admin_client.post(reverse("admin:accounts_user_delete", args=[doomed.pk]), {"post": "yes"})
    assert not User.objects.filter(pk=doomed.pk).exists()
    (record,) = _admin_records()
    assert (record.action, record.detail["deleted"]["username"]) == (AuditAction.DELETE, "ephemere")


def test_an_outsider_cannot_reach_the_user_admin(client, gp):
    """A GP is not staff: the admin sends them to its login, changes nothing and writes nothing."""
    client.force_login(gp)
    response = client.post(reverse("admin:accounts_user_change", args=[gp.pk]), _change_form(gp, role=Role.ADMIN))
    assert response.status_code == 302
    gp.refresh_from_db()
    assert gp.role == Role.REFERRER
    assert _admin_records() == []


def test_a_membership_added_to_a_professional_is_audited(admin_client, coordinator, hospital):
    """A coordinator given a second organisation reaches its patients: the change is audited."""
    professional = coordinator.professional
    # Faker's addresses are not all valid for Django's form: a plain one, so that it is no change.
    type(professional).objects.filter(pk=professional.pk).update(email="coordination@exemple.fr")
    professional.refresh_from_db()
    before = sorted(str(organization) for organization in professional.organizations.all())
    membership = professional.memberships.get()
    data = {
        "rpps": professional.rpps or "",
        "last_name": professional.last_name,
        "first_name": professional.first_name,
        "profession": professional.profession,
        "specialty": professional.specialty,
        "phone": professional.phone,
        "email": professional.email,
        "mssante_address": professional.mssante_address,
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": membership.pk,
        "memberships-0-professional": professional.pk,
        "memberships-0-organization": membership.organization_id,
        "memberships-1-professional": professional.pk,
        "memberships-1-organization": hospital.pk,
    }
    response = admin_client.post(reverse("admin:directory_professional_change", args=[professional.pk]), data)
    assert response.status_code == 302
    (record,) = _admin_records()
    assert record.object_type == "professional"
    assert record.detail == {"changed": {"organizations": [before, sorted([*before, str(hospital)])]}}
