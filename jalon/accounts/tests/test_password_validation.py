"""Password validators: Django's (length 12, common list, numeric, similarity) and the guessable-parts check."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from jalon.accounts.password_validation import GuessablePasswordValidator, guessable_remainder
from jalon.testing.factories import UserFactory


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaaaaa",  # one character repeated
        "abcdefgh12345678",  # sequences
        "98765432zyxwvuts",  # sequences down
        "azertyuiop123456",  # keyboard row
        "qwertyuiop!!!!!",  # keyboard row, repeats
        "Jalon2026Jalon2026",  # the site's name, a year
        "P@ssw0rd-Soleil-2024",  # substitutions, common words
        "abcabcabcabcabc",  # a short pattern repeated
        "MotDePasse-Bonjour",  # French common words
    ],
)
def test_it_refuses_guessable_passwords(password):
    """Passwords made of guessable parts are refused with the French message."""
    with pytest.raises(ValidationError) as refused:
        GuessablePasswordValidator().validate(password)
    assert refused.value.error_list[0].code == "password_guessable"
    assert "trop facile à deviner" in refused.value.messages[0]


@pytest.mark.parametrize(
    "password", ["Girafe violette sous la pluie", "correct-horse-battery-staple", "Tram 9 vers Hautepierre, vite !"]
)
def test_it_accepts_passphrases(password):
    """Unrelated words pass."""
    GuessablePasswordValidator().validate(password)


def test_it_refuses_the_users_own_names(db):
    """Built on the user's name: refused for that user, accepted for another."""
    user = UserFactory(username="c.lefebvre", first_name="Clémence", last_name="Lefebvre")
    password = "Clemence.Lefebvre67"
    with pytest.raises(ValidationError):
        GuessablePasswordValidator().validate(password, user)
    assert len(guessable_remainder(password)) >= 6


def test_it_runs_in_the_configured_validators(db):
    """The settings chain Django's checks and ours: short, common, numeric and guessable are all refused."""
    user = UserFactory(username="b.durand")
    for password, expected in [
        ("court", "trop court"),
        ("123456789012", "entièrement numérique"),
        ("azertyuiop", "trop courant"),
        ("Azerty2026Jalon!", "trop facile à deviner"),
    ]:
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user)
        assert any(expected in message for message in refused.value.messages), refused.value.messages
    validate_password("Girafe violette sous la pluie", user)


def test_it_explains_the_rule_in_french():
    """The help text shown under the new password field is in French."""
    assert "répétitions" in GuessablePasswordValidator().get_help_text()
