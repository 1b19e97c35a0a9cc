"""No clinical detail ever travels by plain e-mail or SMS: for every notification kind and every channel,
the clinical variables are refused in the subject and the notice when a text is edited, and left out
when a message is rendered, even from a text written straight into the database (issue 12, item 6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jalon.accounts.models import Role
from jalon.core.actor import Actor
from jalon.events.services import event_record
from jalon.messaging.kinds import KINDS, VARIABLES
from jalon.messaging.models import Channel, NotificationPreference, NotificationTemplate, OutboxMessage
from jalon.messaging.notify import CHOOSABLE_CHANNELS, notify, notify_patient
from jalon.messaging.templating import check_template
from jalon.testing.factories import PatientFactory, UserFactory

PLAIN_CHANNELS = (Channel.EMAIL, Channel.SMS)
SECURE_CHANNELS = (Channel.MSSANTE, Channel.IN_APP)
KIND_CODES = sorted(KINDS)
CLINICAL_KIND_CODES = [code for code in KIND_CODES if KINDS[code].clinical_variables]


def marker(name: str) -> str:
    return f"SECRET-{name.upper()}"


def all_values(code: str) -> dict[str, str]:
    """Every variable of the kind filled with a recognisable value (clinical ones with a SECRET- marker)."""
    return {name: marker(name) if VARIABLES[name].clinical else f"v-{name}" for name in KINDS[code].all_variables}


def hostile_texts(code: str) -> dict[str, str]:
    """Texts that put every clinical variable of the kind everywhere, as no editing page would accept."""
    clinical = " ".join("{%s}" % name for name in sorted(KINDS[code].clinical_variables))
    return {"subject": f"S {clinical}", "body": f"B {clinical} {{lien}}", "notice": f"N {clinical} {{lien}}"}


@pytest.fixture
def everywhere(db):
    """A professional reachable on every channel (secure mail, e-mail, mobile, a login), all chosen."""
    user = UserFactory(
        role=Role.COORDINATOR,
        professional__mssante_address="dr.partout@mssante.fr",
        professional__email="dr.partout@exemple.fr",
        professional__phone="06 12 34 56 78",
    )
    for code in KINDS:
        NotificationPreference.objects.create(
            professional=user.professional, kind=code, channels=list(CHOOSABLE_CHANNELS)
        )
    return user.professional


def send(code: str, professional) -> dict[str, OutboxMessage]:
    """The messages of one event of `code`: to the professional on every channel, or, for a kind addressed to the
    patient, to the patient (by SMS, `notify_patient`)."""
    patient = PatientFactory(phone="06 98 76 54 32")
    event = event_record(actor=Actor.system(), kind="referral.submitted", patient_id=patient.pk)
    if KINDS[code].patient:
        notify_patient(kind=code, event=event, patient=patient, values=all_values(code))
    else:
        notify(kind=code, event=event, recipients=[professional], values=all_values(code))
    return {message.channel: message for message in OutboxMessage.objects.filter(event=event)}


def expected_channels(code: str) -> set[str]:
    return {Channel.SMS} if KINDS[code].patient else set(PLAIN_CHANNELS) | set(SECURE_CHANNELS)


def test_every_kind_marks_the_patient_clinical():
    """A kind that names the patient marks it clinical; every kind has at least the common, non-clinical variables."""
    assert VARIABLES["patient"].clinical
    for kind in KINDS.values():
        assert {"reference", "lien"} <= set(kind.all_variables) - kind.clinical_variables


@pytest.mark.parametrize("code", CLINICAL_KIND_CODES)
@pytest.mark.parametrize("field", ["subject", "notice"])
def test_every_clinical_variable_is_refused_in_the_plain_texts_of_every_kind(code, field):
    """Each clinical variable of each kind is refused in the subject and the notice (they travel in clear)."""
    kind = KINDS[code]
    base = {"subject": "Jalon {reference}", "body": "Bonjour {lien}", "notice": "Jalon : {reference} {lien}"}
    for name in kind.clinical_variables:
        with pytest.raises(ValidationError, match="ne peut figurer que dans le texte sécurisé"):
            check_template(kind=kind, **{**base, field: base[field] + " {%s}" % name})


@pytest.mark.parametrize("code", CLINICAL_KIND_CODES)
def test_every_clinical_variable_is_accepted_in_the_secure_body_of_every_kind(code):
    """The secure body (MSSanté, in Jalon) may carry them."""
    kind = KINDS[code]
    body = "Bonjour " + " ".join("{%s}" % name for name in kind.clinical_variables) + " {lien}"
    check_template(kind=kind, subject="Jalon {reference}", body=body, notice="Jalon : {reference} {lien}")


@pytest.mark.parametrize("code", KIND_CODES)
def test_the_shipped_text_of_every_kind_sends_no_clinical_value_in_clear(code, everywhere):
    """With the text in force, e-mail and SMS carry no clinical value, on every channel the subject neither."""
    messages = send(code, everywhere)
    assert set(messages) == expected_channels(code)
    for channel, message in messages.items():
        assert "SECRET-" not in message.subject, (code, channel)
    for channel in set(PLAIN_CHANNELS) & set(messages):
        assert "SECRET-" not in messages[channel].body, (code, channel)
        assert "v-reference" in messages[channel].body, (code, channel)


@pytest.mark.parametrize("code", CLINICAL_KIND_CODES)
def test_a_text_written_past_the_checks_still_sends_no_clinical_value_in_clear(code, everywhere):
    """A row inserted by hand with every clinical variable in its subject and notice: the plain channels
    and every subject get them blank; the secure body keeps them."""
    NotificationTemplate.objects.create(kind=code, version=999, published_at=timezone.now(), **hostile_texts(code))
    messages = send(code, everywhere)
    for channel, message in messages.items():
        assert "SECRET-" not in message.subject, (code, channel)
    for channel in PLAIN_CHANNELS:
        assert "SECRET-" not in messages[channel].body, (code, channel)
    for channel in SECURE_CHANNELS:
        for name in KINDS[code].clinical_variables:
            assert marker(name) in messages[channel].body, (code, channel, name)


def test_an_organisations_text_written_past_the_checks_is_held_to_the_same_rule(everywhere, submit, cpts):
    """The rule holds for an organisation's own text too (the rendering, not the page, enforces it)."""
    code = "referral.accepted"
    NotificationTemplate.objects.create(
        kind=code, organization=cpts, version=1, published_at=timezone.now(), **hostile_texts(code)
    )
    referral = submit().referral
    event = event_record(actor=Actor.system(), kind=code, patient_id=referral.patient_id, referral_id=referral.pk)
    notify(kind=code, event=event, recipients=[everywhere], values=all_values(code))
    email = OutboxMessage.objects.get(event=event, channel=Channel.EMAIL)
    assert email.subject == "S " and email.body.startswith("N ")
    assert marker("patient") in OutboxMessage.objects.get(event=event, channel=Channel.MSSANTE).body
