"""Tests for jalon.core.identifiers (INS/NIR, RPPS, FINESS, phone numbers)."""

import random

import pytest
from django.core.exceptions import ValidationError

from jalon.core.identifiers import (
    format_phone_national,
    ins_with_valid_key,
    luhn_check_digit,
    luhn_is_valid,
    nir_key,
    normalize_french_phone,
    normalize_ins,
    validate_finess,
    validate_ins,
    validate_rpps,
)

# Mainland NIR 1 85 05 78 006 084:
#   1850578006084 = 97 x 19078123774 + 6  ->  key = 97 - 6 = 91
MAINLAND_INS = "185057800608491"
# Corsica, 2A read as 19: 2 69 05 2A 004 123 -> 2690519004123
#   2690519004123 = 97 x 27737309320 + 83  ->  key = 97 - 83 = 14
CORSICA_2A_INS = "269052A00412314"
# Corsica, 2B read as 18: 1 78 12 2B 033 045 -> 1781218033045
#   1781218033045 = 97 x 18363072505 + 60  ->  key = 97 - 60 = 37
CORSICA_2B_INS = "178122B03304537"

# RPPS 1010123456 + key 4. Luhn from the right, doubling every second digit:
#   4 + (6*2=12 -> 3) + 5 + (4*2=8) + 3 + (2*2=4) + 1 + 0 + 1 + 0 + 1 = 30 -> valid
RPPS = "10101234564"
# Real FINESS (legal entities): AP-HP 750712184 and Hospices civils de Lyon 690781810.
#   750712184: 4 + (8*2=16 -> 7) + 1 + (2*2=4) + 1 + (7*2=14 -> 5) + 0 + (5*2=10 -> 1) + 7 = 30
FINESS_APHP = "750712184"
FINESS_HCL = "690781810"
# Synthetic Corsican FINESS (2A/2B read as 20 for the key): 200000016 and 200000024
#   200000016: 6 + (1*2=2) + 0 + 0 + 0 + 0 + 0 + 0 + 2 = 10 -> valid
FINESS_2A = "2A0000016"
FINESS_2B = "2B0000024"


def _code(validator, value):
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.code


# --- NIR / INS ---------------------------------------------------------------


def test_nir_key_mainland():
    """The key is 97 minus the NIR modulo 97."""
    assert nir_key("1850578006084") == 91


def test_nir_key_corsica_reads_2a_as_19_and_2b_as_18():
    """Corsican departments 2A/2B are read as 19/18 for the key."""
    assert nir_key("269052A004123") == 14
    assert nir_key("178122B033045") == 37
    # Same result as the INSEE formulation: read 2A/2B as 20, subtract 1,000,000/2,000,000.
    assert nir_key("269052A004123") == 97 - (2690520004123 - 1_000_000) % 97
    assert nir_key("178122B033045") == 97 - (1781220033045 - 2_000_000) % 97


def test_nir_key_accepts_lowercase():
    """Lowercase 2a/2b give the same key."""
    assert nir_key("269052a004123") == 14


def test_nir_key_rejects_malformed_input():
    """A NIR of the wrong length or with letters elsewhere raises ValueError."""
    with pytest.raises(ValueError):
        nir_key("18505780060")
    with pytest.raises(ValueError):
        nir_key("18505780X6084")


def test_normalize_ins_strips_separators_and_uppercases():
    """Spaces, dots and hyphens are removed and letters uppercased."""
    assert normalize_ins(" 2 69 05 2a-004.123 14 ") == CORSICA_2A_INS


@pytest.mark.parametrize("value", [MAINLAND_INS, CORSICA_2A_INS, CORSICA_2B_INS])
def test_it_accepts_valid_ins(value):
    """Valid mainland and Corsican INS pass."""
    validate_ins(value)


def test_it_accepts_formatted_and_lowercase_ins():
    """Formatted input and lowercase 2a/2b are accepted."""
    validate_ins("1 85 05 78 006 084 91")
    validate_ins("2 69 05 2a 004 123 14")
    validate_ins("1-78-12-2b-033-045-37")


@pytest.mark.parametrize("sex", "123478")
def test_it_accepts_all_sex_digits(sex):
    """Sex digits 1, 2 and provisional/foreign 3, 4, 7, 8 are accepted."""
    validate_ins(ins_with_valid_key(sex + "850578006084"))


@pytest.mark.parametrize("month", ["01", "12", "20", "42", "50", "99"])
def test_it_accepts_nir_month_ranges(month):
    """Months 01-12, 20-42 and 50-99 are accepted."""
    validate_ins(ins_with_valid_key(f"185{month}78006084"))


def test_it_rejects_wrong_ins_key():
    """A wrong key gives code ins_key."""
    assert _code(validate_ins, "185057800608492") == "ins_key"
    assert _code(validate_ins, "269052A00412315") == "ins_key"


@pytest.mark.parametrize("value", ["", "18505780060849", "1850578006084911", "1850578006084"])
def test_it_rejects_wrong_ins_length(value):
    """Anything but 15 characters gives code ins_length."""
    assert _code(validate_ins, value) == "ins_length"


@pytest.mark.parametrize(
    "nir13",
    [
        "5850578006084",  # sex digit 5
        "1851378006084",  # month 13
        "1850078006084",  # month 00
        "1854378006084",  # month 43
        "185052C006084",  # department 2C
        "18505780060X4",  # letter in the order number
    ],
)
def test_it_rejects_malformed_ins(nir13):
    """Structure errors give code ins_format."""
    assert _code(validate_ins, nir13 + "00") == "ins_format"


def test_ins_with_valid_key_builds_a_valid_ins():
    """The factory helper appends the 2-digit key (zero-padded)."""
    assert ins_with_valid_key("1850578006084") == MAINLAND_INS
    assert ins_with_valid_key("269052a004123") == CORSICA_2A_INS
    rng = random.Random(0)
    for _ in range(50):
        nir13 = f"{rng.choice('12')}{rng.randrange(100):02d}{rng.randrange(1, 13):02d}" + "".join(
            str(rng.randrange(10)) for _ in range(8)
        )
        ins = ins_with_valid_key(nir13)
        assert len(ins) == 15
        validate_ins(ins)


# --- Luhn, RPPS, FINESS -------------------------------------------------------


def test_luhn_is_valid():
    """Standard Luhn check, digits only."""
    assert luhn_is_valid("79927398713")
    assert not luhn_is_valid("79927398710")
    assert not luhn_is_valid("")
    assert not luhn_is_valid("7992 7398 713")


def test_luhn_check_digit_fixes_any_number():
    """Appending the computed check digit always yields a Luhn-valid number."""
    rng = random.Random(1)
    for _ in range(100):
        partial = "".join(str(rng.randrange(10)) for _ in range(10))
        assert luhn_is_valid(partial + luhn_check_digit(partial))


def test_it_accepts_valid_rpps():
    """Known and generated RPPS numbers pass."""
    validate_rpps(RPPS)
    validate_rpps("1010 1234 564")
    rng = random.Random(2)
    for _ in range(20):
        partial = "10" + "".join(str(rng.randrange(10)) for _ in range(8))
        validate_rpps(partial + luhn_check_digit(partial))


def test_it_rejects_wrong_rpps_key():
    """A wrong check digit gives code rpps_key."""
    assert _code(validate_rpps, "10101234565") == "rpps_key"


@pytest.mark.parametrize("value", ["", "1010123456", "101012345640", "1010123456A"])
def test_it_rejects_malformed_rpps(value):
    """Anything but 11 digits gives code rpps_format."""
    assert _code(validate_rpps, value) == "rpps_format"


@pytest.mark.parametrize("value", [FINESS_APHP, FINESS_HCL, "75 071 218 4", FINESS_2A, FINESS_2B, "2a0000016"])
def test_it_accepts_valid_finess(value):
    """Real mainland FINESS and Corsican (2A/2B read as 20) numbers pass."""
    validate_finess(value)


def test_it_rejects_wrong_finess_key():
    """A wrong check digit gives code finess_key, Corsica included."""
    assert _code(validate_finess, "750712185") == "finess_key"
    assert _code(validate_finess, "2A0000017") == "finess_key"


@pytest.mark.parametrize("value", ["", "75071218", "7507121840", "2C0000016", "7A0712184", "75071218A"])
def test_it_rejects_malformed_finess(value):
    """Wrong length or letters outside a 2A/2B prefix give code finess_format."""
    assert _code(validate_finess, value) == "finess_format"


# --- Phone numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("03 88 12 34 56", "+33388123456"),
        ("0612345678", "+33612345678"),
        ("+33 1 44 55 66 77", "+33144556677"),
        ("0033 1 44 55 66 77", "+33144556677"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_it_normalizes_phone_numbers_to_e164(value, e164):
    """French and international numbers are returned in E.164."""
    assert normalize_french_phone(value) == e164


@pytest.mark.parametrize("value", ["", "12345", "+33 1 23", "not a number", "06 12 34 56 78 90"])
def test_it_rejects_invalid_phone_numbers(value):
    """Unparsable or invalid numbers give code phone_invalid."""
    assert _code(normalize_french_phone, value) == "phone_invalid"


def test_format_phone_national():
    """French numbers display in national format, others internationally."""
    assert format_phone_national("+33388123456") == "03 88 12 34 56"
    assert format_phone_national("+33612345678") == "06 12 34 56 78"
    assert format_phone_national("+442079460958") == "+44 20 7946 0958"
