"""Audit records and events are append-only: no update, no delete, whichever way it is tried."""

import pytest
from django.db import transaction

from jalon.accounts.audit import audit, audit_many
from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.events.models import Event
from jalon.events.services import event_record
from jalon.testing.factories import PatientFactory


@pytest.fixture
def patient(db):
    return PatientFactory()


@pytest.fixture
def audit_record(gp, patient):
    actor = Actor(user=gp, ip_address="10.0.0.1", path="/patients/1/")
    audit(actor, action="read", patient_id=patient.pk, object_type="patient", object_id=patient.pk)
    return AuditRecord.objects.get(patient=patient)


@pytest.fixture
def event(gp, patient):
    return event_record(
        actor=Actor(user=gp), kind="referral.submitted", patient_id=patient.pk, payload={"channel": "web"}
    )


def _change_and_save(row):
    if isinstance(row, AuditRecord):
        row.object_type = "changed"
    else:
        row.kind = "referral.changed"
    row.save()


ATTEMPTS = {
    "instance-save": _change_and_save,
    "instance-save-update-fields": lambda row: row.save(
        update_fields=["at" if isinstance(row, AuditRecord) else "kind"]
    ),
    "instance-delete": lambda row: row.delete(),
    "queryset-update": lambda row: type(row).objects.filter(pk=row.pk).update(patient=None),
    "queryset-delete": lambda row: type(row).objects.filter(pk=row.pk).delete(),
    "all-update": lambda row: type(row).objects.all().update(actor=None),
    "all-delete": lambda row: type(row).objects.all().delete(),
    "bulk-update": lambda row: type(row).objects.bulk_update([row], ["actor"]),
}


@pytest.mark.parametrize("attempt", ATTEMPTS.values(), ids=ATTEMPTS.keys())
@pytest.mark.parametrize("row_fixture", ["audit_record", "event"])
def test_it_refuses_to_change_or_delete(row_fixture, attempt, request):
    """Updating or deleting an audit record or an event raises PermissionError and leaves it as it was."""
    row = request.getfixturevalue(row_fixture)
    model = type(row)
    before = model.objects.filter(pk=row.pk).values().get()

    # In its own savepoint, as a request would be: bulk_update joins the caller's transaction and spoils it.
    with pytest.raises(PermissionError), transaction.atomic():
        attempt(row)

    assert model.objects.filter(pk=row.pk).values().get() == before
    assert model.objects.count() == 1


def test_it_refuses_to_change_events_through_a_related_manager(event, patient):
    """A patient's events cannot be updated or deleted through patient.events either."""
    with pytest.raises(PermissionError):
        patient.events.update(kind="referral.changed")
    with pytest.raises(PermissionError):
        patient.events.all().delete()

    assert Event.objects.get(pk=event.pk).kind == "referral.submitted"


def test_it_appends_audit_records(gp, patient):
    """audit and audit_many add rows with who, what, from where; one per patient listed."""
    other = PatientFactory()
    actor = Actor(user=gp, ip_address="10.0.0.1", path="/worklist/")

    audit(actor, action="read", patient_id=patient.pk, object_type="patient", object_id=patient.pk)
    audit_many(actor, action="read", patient_ids=[patient.pk, other.pk, patient.pk], object_type="worklist")

    records = AuditRecord.objects.filter(actor=gp)
    assert records.count() == 3
    assert set(records.filter(object_type="worklist").values_list("patient_id", flat=True)) == {patient.pk, other.pk}
    record = records.get(object_type="patient")
    assert (record.ip_address, record.path, record.channel) == ("10.0.0.1", "/worklist/", "web")
    assert record.actor_label == "dr.martin (Adresseur)"


def test_it_labels_the_system_as_actor(patient):
    """A record written by the worker names Jalon itself, with no user."""
    audit(Actor.system(), action="update", patient_id=patient.pk, object_type="patient", object_id=patient.pk)

    record = AuditRecord.objects.get(patient=patient)
    assert record.actor is None
    assert record.actor_label == "Jalon (système)"
    assert record.channel == "system"
