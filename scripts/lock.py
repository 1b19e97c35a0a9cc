"""Write requirements.lock and requirements-dev.lock from the packages installed in this virtualenv.

`make lock` first installs requirements.in and requirements-dev.in, then runs this script: the runtime
lock pins every package that requirements.in needs (following the installed packages' own
requirements, markers evaluated for this Python), the development lock pins what requirements-dev.in
needs beyond those and starts with `-r requirements.lock`, so installing it installs both.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def top_level(path: Path) -> list[Requirement]:
    """The requirements a .in file names (comments and pip options such as -c or -r left out)."""
    lines = (re.sub(r"\s+#.*$", "", line).strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith(("#", "-"))]


def closure(requirements: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Every installed distribution these requirements need, by canonical name."""
    found: dict[str, metadata.Distribution] = {}
    pending = [(requirement, frozenset()) for requirement in requirements]
    while pending:
        requirement, extras = pending.pop()
        environment = default_environment()
        if requirement.marker and not any(
            requirement.marker.evaluate({**environment, "extra": extra}) for extra in (extras or {""})
        ):
            continue
        name = canonicalize_name(requirement.name)
        try:
            distribution = found.get(name) or metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            sys.exit(
                f"{requirement.name} is not installed: run `pip install -r requirements.in -r requirements-dev.in` "
                "first"
            )
        if distribution.version not in requirement.specifier and requirement.specifier:
            sys.exit(f"{requirement.name} {distribution.version} does not satisfy {requirement}")
        seen_before = name in found
        found[name] = distribution
        if seen_before and not requirement.extras:
            continue
        for child in distribution.requires or []:
            pending.append((Requirement(child), frozenset(requirement.extras)))
    return found


def pins(distributions: dict[str, metadata.Distribution]) -> list[str]:
    return [f"{distributions[name].metadata['Name']}=={distributions[name].version}" for name in sorted(distributions)]


def main() -> None:
    runtime = closure(top_level(ROOT / "requirements.in"))
    development = closure(top_level(ROOT / "requirements-dev.in"))
    dev_only = {name: distribution for name, distribution in development.items() if name not in runtime}
    (ROOT / "requirements.lock").write_text("\n".join(pins(runtime)) + "\n")
    (ROOT / "requirements-dev.lock").write_text("-r requirements.lock\n" + "\n".join(pins(dev_only)) + "\n")
    print(f"requirements.lock: {len(runtime)} packages; requirements-dev.lock: {len(dev_only)} more")


if __name__ == "__main__":
    main()
