"""Tests of the bundled communes file and its loader (no database needed)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from jalon.directory.communes_data import (
    DEFAULT_COMMUNES_PATH,
    CommuneRow,
    iter_communes,
)

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def communes() -> dict[str, CommuneRow]:
    return {row.code: row for row in iter_communes()}


def test_default_file_exists_and_is_small():
    assert DEFAULT_COMMUNES_PATH.is_file()
    assert DEFAULT_COMMUNES_PATH.stat().st_size < 1_000_000


def test_file_loads_with_expected_count(communes):
    assert len(communes) > 34_000
    assert len(communes) < 36_000


def test_rows_are_sorted_and_unique():
    codes = [row.code for row in iter_communes()]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))


def test_strasbourg_row(communes):
    strasbourg = communes["67482"]
    assert strasbourg == CommuneRow(
        code="67482",
        name="Strasbourg",
        department="67",
        postal_codes=("67000", "67100", "67200"),
    )


def test_rows_are_frozen(communes):
    with pytest.raises(AttributeError):
        communes["67482"].name = "Other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("code", "name", "department"),
    [
        ("67447", "Schiltigheim", "67"),
        ("67043", "Bischheim", "67"),
        ("67204", "Hœnheim", "67"),
        ("2A004", "Ajaccio", "2A"),
        ("2B033", "Bastia", "2B"),
        ("75056", "Paris", "75"),
    ],
)
def test_known_communes_present(communes, code, name, department):
    row = communes[code]
    assert row.name == name
    assert row.department == department
    assert row.postal_codes


def test_only_current_communes(communes):
    # Paris municipal arrondissements (75101..75120) are not communes.
    assert "75101" not in communes
    assert "69381" not in communes
    assert "13201" not in communes


def _load_derive_script():
    path = REPO_ROOT / "scripts" / "derive_communes.py"
    spec = importlib.util.spec_from_file_location("derive_communes", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_derive_script_is_deterministic_and_round_trips(tmp_path):
    derive = _load_derive_script()
    source = tmp_path / "communes.json"
    source.write_text(
        json.dumps(
            [
                {
                    "code": "67482",
                    "nom": "Strasbourg",
                    "type": "commune-actuelle",
                    "departement": "67",
                    "codesPostaux": ["67200", "67000", "67100"],
                },
                {
                    "code": "2A004",
                    "nom": "Ajaccio",
                    "type": "commune-actuelle",
                    "departement": "2A",
                    "codesPostaux": ["20000"],
                },
                {
                    "code": "75101",
                    "nom": "Paris 1er Arrondissement",
                    "type": "arrondissement-municipal",
                    "departement": "75",
                    "codesPostaux": ["75001"],
                },
                {
                    "code": "98411",
                    "nom": "Îles Saint-Paul et Nouvelle-Amsterdam",
                    "type": "commune-actuelle",
                    "departement": "984",
                },
            ]
        ),
        encoding="utf-8",
    )
    first = tmp_path / "a.csv.gz"
    second = tmp_path / "b.csv.gz"
    assert derive.main(["derive", str(source), str(first)]) == 0
    assert derive.main(["derive", str(source), str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()

    rows = list(iter_communes(first))
    assert rows == [
        CommuneRow("2A004", "Ajaccio", "2A", ("20000",)),
        CommuneRow("67482", "Strasbourg", "67", ("67000", "67100", "67200")),
        CommuneRow("98411", "Îles Saint-Paul et Nouvelle-Amsterdam", "984", ()),
    ]
