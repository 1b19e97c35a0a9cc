"""Dependencies: runtime and development pinned apart, and no runtime module needing a development one."""

import ast
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

BASE_DIR = Path(settings.BASE_DIR)
# Import names of the development-only packages (requirements-dev.in) and of the test helpers.
DEVELOPMENT_IMPORTS = {
    "factory",
    "faker",
    "pytest",
    "pytest_django",
    "aiosmtpd",
    "playwright",
    "pandas",
    "conftest",
    "jalon.testing",
}


def pinned(path: Path) -> dict[str, str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in lines if "==" in line}


def named(path: Path) -> set[str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {canonicalize_name(Requirement(line).name) for line in lines if line and not line.startswith("-")}


def runtime_modules() -> list[Path]:
    """Every Python file that runs in production: jalon/ and config/, tests and test helpers aside."""
    files = [*sorted((BASE_DIR / "jalon").rglob("*.py")), *sorted((BASE_DIR / "config").rglob("*.py"))]
    return [
        path
        for path in files
        if "tests" not in path.relative_to(BASE_DIR).parts
        and "testing" not in path.relative_to(BASE_DIR).parts
        and path.name not in {"conftest.py", "test_settings.py"}
    ]


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_runtime_module_imports_a_development_package():
    """Production code (the demo loader included) imports no test tool, factory, browser driver or benchmark library."""
    modules = runtime_modules()
    assert any(path.name == "load_demo.py" for path in modules)
    found = [
        f"{path.relative_to(BASE_DIR)}: {name}"
        for path in modules
        for name in imported(path)
        if any(name == forbidden or name.startswith(forbidden + ".") for forbidden in DEVELOPMENT_IMPORTS)
    ]
    assert not found, "\n".join(found)


def test_the_locks_pin_runtime_and_development_apart():
    """requirements.lock pins every runtime requirement; requirements-dev.lock adds the development ones on top of
    it."""
    runtime, development = pinned(BASE_DIR / "requirements.lock"), pinned(BASE_DIR / "requirements-dev.lock")
    assert (BASE_DIR / "requirements-dev.lock").read_text().splitlines()[0] == "-r requirements.lock"
    assert named(BASE_DIR / "requirements.in") <= set(runtime)
    assert named(BASE_DIR / "requirements-dev.in") <= set(runtime) | set(development)
    assert not set(runtime) & set(development), "a package pinned twice"
    assert not {"pytest", "factory-boy", "faker", "playwright", "aiosmtpd", "ruff"} & set(runtime)
    assert "filetype" not in set(runtime) | set(development)  # unmaintained since 2022: puremagic reads the types


def test_each_lock_is_sorted():
    for name in ("requirements.lock", "requirements-dev.lock"):
        packages = [
            canonicalize_name(line.split("==")[0])
            for line in (BASE_DIR / name).read_text().splitlines()
            if "==" in line
        ]
        assert packages == sorted(packages), name
