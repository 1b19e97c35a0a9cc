"""The floors drawn in docs/ARCHITECTURE.md are the floors import-linter enforces (pyproject.toml)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def contract_floors() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return [sorted(name.strip().removeprefix("jalon.") for name in floor.split("|")) for floor in layers["layers"]]


def drawn_floors() -> list[list[str]]:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    diagram = text.split("```mermaid", 1)[1].split("```", 1)[0]
    nodes = re.findall(r'^\s*F(\d+)\["([^"]+)"\]', diagram, flags=re.M)
    floors = sorted(((int(number), label) for number, label in nodes), reverse=True)
    return [sorted(name.strip() for name in label.split("|")) for _, label in floors]


def test_the_drawing_and_the_contract_list_the_same_floors_in_the_same_order():
    assert drawn_floors() == contract_floors()


def test_every_app_of_jalon_stands_on_a_floor():
    apps = {path.parent.name for path in (ROOT / "jalon").glob("*/apps.py")}
    placed = {name for floor in contract_floors() for name in floor}
    assert apps <= placed, f"apps with no floor: {sorted(apps - placed)}"


def test_the_contract_ignores_only_the_tests():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["id"] == "layers"]
    assert sorted(layers["ignore_imports"]) == ["jalon.**.tests.** -> jalon.**", "jalon.testing.** -> jalon.**"]
