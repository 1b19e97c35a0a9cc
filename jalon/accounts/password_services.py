"""Writes on a user's own password."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.db import transaction

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor

AUDIT_OBJECT = "user_password"


@transaction.atomic
def user_password_change(*, actor: Actor, user, new_password: str) -> None:
    """Set `user`'s password after the validators accept it (ValidationError otherwise), with its audit record."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit(actor, action=AuditAction.UPDATE, patient_id=None, object_type=AUDIT_OBJECT, object_id=user.pk)
