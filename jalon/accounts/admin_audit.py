"""Changes made in the Django admin audited like a service's: who, from where, and each field before and after."""

from __future__ import annotations

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction
from jalon.core.actor import Actor

# Values never copied into the trail: only the fact that they changed.
SECRET_FIELDS = {"password", "key_hash"}
HIDDEN = "(masqué)"


def _plain(value):
    """A value as JSON can hold it (the trail's detail is JSON)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def admin_snapshot(obj) -> dict:
    """The object's columns and many-to-many links as stored now, {} when it is gone (secrets unmasked: compare
    only)."""
    model = type(obj)
    stored = model._base_manager.filter(pk=obj.pk).first() if obj.pk is not None else None
    if stored is None:
        return {}
    values = {}
    for field in model._meta.concrete_fields:
        value = getattr(stored, field.attname)
        values[field.name] = _plain(value)
    for field in model._meta.many_to_many:
        values[field.name] = sorted(str(related) for related in getattr(stored, field.name).all())
    return values


def _public(values: dict) -> dict:
    return {name: (HIDDEN if name in SECRET_FIELDS else value) for name, value in values.items()}


def admin_changes(before: dict, after: dict) -> dict:
    """{field: [before, after]} for what differs; a secret shows only that it changed."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            changes[name] = [HIDDEN, HIDDEN] if name in SECRET_FIELDS else [before.get(name), after.get(name)]
    return changes


class AuditedAdminMixin:
    """Every creation, change (role, activation, password, groups, permissions) and deletion made in the
    admin writes an audit record with what changed, who did it and from which address, like a service does."""

    def _audit(self, request, obj, *, action: AuditAction, detail: dict) -> None:
        audit(
            Actor.from_request(request, channel="admin"),
            action=action,
            patient_id=None,
            object_type=type(obj)._meta.model_name,
            object_id=obj.pk,
            detail=detail,
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            # Kept on the request: the ModelAdmin instance is shared by every request.
            request._audit_before = admin_snapshot(obj)
        return obj

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, action=AuditAction.CREATE, detail={"created": _public(admin_snapshot(obj))})
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        changes = admin_changes(getattr(request, "_audit_before", {}), admin_snapshot(obj))
        if changes:
            self._audit(request, obj, action=AuditAction.UPDATE, detail={"changed": changes})
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, obj, action=AuditAction.DELETE, detail={"deleted": _public(admin_snapshot(obj))})
        return entries
