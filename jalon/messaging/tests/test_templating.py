"""Message texts are checked when a manager edits them: unknown variables, clinical ones outside the
secure body, malformed braces and a notice too long for an SMS are refused then, never at sending time."""

import pytest
from django.core.exceptions import ValidationError

from jalon.messaging.kinds import KINDS, VARIABLES
from jalon.messaging.templating import check_template, check_text, placeholders, render, sample_values

ACCEPTED = KINDS["referral.accepted"]


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_it_lists_the_variables_of_a_text():
    """Placeholders are bare names between braces; doubled braces are literal."""
    assert placeholders("Demande {reference} pour {destinataire} {{pas une variable}}") == ["reference", "destinataire"]


def test_it_refuses_an_unknown_variable_with_the_possible_ones():
    """A misspelt variable is refused at editing time, naming it and listing what the kind offers."""
    with pytest.raises(ValidationError) as error:
        check_text("Demande {referance} acceptée", ACCEPTED, secure=True, label="Texte sécurisé")
    text = messages_of(error.value)
    assert "{referance} n'existe pas" in text and "{reference}" in text and "{patient}" in text


def test_it_refuses_a_variable_of_another_kind():
    """{motif} exists, but not for « Demande acceptée »: refused there."""
    with pytest.raises(ValidationError, match="motif"):
        check_text("Motif : {motif}", ACCEPTED, secure=True, label="Texte sécurisé")


@pytest.mark.parametrize(
    "text", ["Demande {reference", "Demande reference}", "{reference.upper}", "{reference!r}", "{reference:>20}", "{}"]
)
def test_it_refuses_malformed_placeholders_in_french(text):
    """Unclosed braces, attribute access, conversions and format specs are not variables."""
    with pytest.raises(ValidationError) as error:
        check_text(text, ACCEPTED, secure=True, label="Objet")
    assert "accolade" in messages_of(error.value).lower() or "n'est pas une variable" in messages_of(error.value)


def test_it_keeps_clinical_variables_out_of_the_subject_and_the_notice():
    """{patient} names the patient: allowed in the secure body, refused in the subject and the notice."""
    check_text("Pour {patient}", ACCEPTED, secure=True, label="Texte sécurisé")
    for secure_label in ("Objet", "Avis court"):
        with pytest.raises(ValidationError) as error:
            check_text("Pour {patient}", ACCEPTED, secure=False, label=secure_label)
        assert "ne peut figurer que dans le texte sécurisé" in messages_of(error.value)


def test_it_refuses_a_notice_too_long_for_an_sms():
    """The notice, filled with example values, must fit in 320 characters."""
    long_notice = "Jalon : " + "x" * 330 + " {lien}"
    with pytest.raises(ValidationError) as error:
        check_template(kind=ACCEPTED, subject="Demande {reference}", body="Bonjour {destinataire}", notice=long_notice)
    assert "notice" in error.value.message_dict
    assert "320" in " ".join(error.value.message_dict["notice"])


def test_it_reports_every_field_at_once():
    """An empty subject and a bad body are both reported, each under its own field."""
    with pytest.raises(ValidationError) as error:
        check_template(kind=ACCEPTED, subject="  ", body="{inconnue}", notice="Jalon {lien}")
    assert set(error.value.message_dict) == {"subject", "body"}


def test_it_renders_values_and_leaves_nothing_of_a_missing_one():
    """Rendering replaces each variable; a value the caller did not give renders empty (texts are checked on edit)."""
    assert render("Demande {reference} – {guichet}", {"reference": "JAL-2026-000001"}) == "Demande JAL-2026-000001 – "
    assert render("{{accolades}} {reference}", {"reference": "X"}) == "{accolades} X"


def test_every_kind_has_examples_for_all_its_variables():
    """The preview fills every variable of every kind, and every variable a kind names exists."""
    for kind in KINDS.values():
        assert set(kind.all_variables) <= set(VARIABLES)
        assert all(sample_values(kind)[name] for name in kind.all_variables)
