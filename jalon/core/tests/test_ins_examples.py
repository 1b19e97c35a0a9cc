"""Every INS shown as an example (templates, forms' help texts, the API's description, docs/) has a valid
key: a GP who copies the example's shape must not learn a wrong one (issue 14, item 6)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from jalon.core.identifiers import normalize_ins, validate_ins

ROOT = Path(settings.BASE_DIR)
# 13 digits and a 2-digit key, grouped or not by single spaces, starting as a NIR does (sex 1/2, or 3/4/7/8).
INS_SHAPE = re.compile(r"(?<!\d)(?<!\d )[123478](?: ?\d){14}(?![\d])")


def _shown_files() -> list[Path]:
    sources = [
        *ROOT.glob("jalon/**/templates/**/*.html"),
        *ROOT.glob("templates/**/*.html"),
        *ROOT.glob("docs/**/*.md"),
    ]
    sources += [
        path
        for path in ROOT.glob("jalon/**/*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and "testing" not in path.parts
    ]
    return sorted(sources)


def _examples(text: str) -> list[str]:
    return [match.group(0) for match in INS_SHAPE.finditer(text)]


def test_the_example_of_the_referral_form_is_found_and_valid():
    """The scan sees the help text's example at all (otherwise the test below would pass on nothing)."""
    text = (ROOT / "jalon/referrals/forms.py").read_text()
    assert _examples(text) == ["2 56 03 67 482 123 18"]


@pytest.mark.parametrize("path", _shown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_ins_example_in_the_pages_has_a_valid_key(path):
    wrong = []
    for example in _examples(path.read_text(encoding="utf-8", errors="replace")):
        try:
            validate_ins(normalize_ins(example))
        except ValidationError:
            wrong.append(example)
    assert not wrong, f"INS d'exemple à clé fausse dans {path.relative_to(ROOT)} : {wrong}"


def test_every_ins_example_of_the_api_description_has_a_valid_key(client, gp):
    client.force_login(gp)
    schema = json.dumps(client.get("/api/v1/openapi.json").json(), ensure_ascii=False)
    for example in _examples(schema):
        validate_ins(normalize_ins(example))
