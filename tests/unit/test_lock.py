"""The lock files still satisfy pyproject.toml: every requirement pinned, in range, with hashes.

requirements.lock pins the runtime dependencies (and the build backend) for scripts/run and the
Docker image; requirements-dev.lock pins the same plus the dev extra for scripts/test and CI.
When this fails, pyproject.toml was changed without `scripts/lock` (see "Updating dependencies"
in the README).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})$")


@dataclass(frozen=True)
class Pin:
    name: str  # canonical
    version: Version
    marker: str  # "" when the pin applies everywhere
    hashes: tuple[str, ...]


def parse_lock(text: str) -> tuple[list[Pin], list[str]]:
    """The pins of a hashed requirements file (as uv or pip-compile write it), and its faults."""
    pins: list[Pin] = []
    problems: list[str] = []
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            logical.append(current.strip())
        current = ""
    if current.strip():
        logical.append(current.strip())

    for entry in logical:
        requirement_text, _, options = entry.partition(" --")
        requirement_text = requirement_text.strip()
        options = "--" + options if options else ""
        if requirement_text.startswith("-"):
            problems.append(f"not a pinned requirement: {entry!r}")
            continue
        try:
            requirement = Requirement(requirement_text)
        except InvalidRequirement as exc:
            problems.append(f"unreadable line {requirement_text!r}: {exc}")
            continue
        specs = list(requirement.specifier)
        exact = len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version
        if requirement.url or not exact:
            problems.append(f"{requirement.name} is not pinned to one version: {entry!r}")
            continue
        try:
            version = Version(specs[0].version)
        except InvalidVersion:
            problems.append(f"{requirement.name} has an unreadable version: {requirement_text!r}")
            continue
        hashes: list[str] = []
        for option in options.split():
            match = HASH.match(option)
            if match is None:
                problems.append(f"{requirement.name}: unexpected option {option!r}")
            else:
                hashes.append(match.group(1))
        pins.append(
            Pin(
                name=canonicalize_name(requirement.name),
                version=version,
                marker=str(requirement.marker) if requirement.marker else "",
                hashes=tuple(hashes),
            )
        )
    return pins, problems


def lock_problems(requirements: list[str], lock_text: str) -> list[str]:
    """What is wrong with a lock for these requirements (PEP 508 strings); empty when nothing."""
    pins, problems = parse_lock(lock_text)
    by_name: dict[str, list[Pin]] = {}
    for pin in pins:
        by_name.setdefault(pin.name, []).append(pin)
    for name, same in by_name.items():
        markers = [pin.marker for pin in same]
        if len(set(markers)) != len(markers):
            problems.append(f"{name} is pinned more than once for the same environments")
    for pin in pins:
        if not pin.hashes:
            problems.append(f"{pin.name}=={pin.version} has no hash")
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        if name not in by_name:
            problems.append(f"{requirement.name} (pyproject: {text!r}) is missing from the lock")
            continue
        for pin in by_name[name]:
            if not requirement.specifier.contains(pin.version, prereleases=True):
                problems.append(
                    f"{requirement.name} is locked at {pin.version}, outside pyproject's {text!r}"
                )
    return problems


def load_pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def runtime_requirements(pyproject: dict[str, Any]) -> list[str]:
    """What requirements.lock must pin: the dependencies and the build backend."""
    return [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]]


def dev_requirements(pyproject: dict[str, Any]) -> list[str]:
    return [*runtime_requirements(pyproject), *pyproject["project"]["optional-dependencies"]["dev"]]


def test_runtime_lock_satisfies_pyproject() -> None:
    problems = lock_problems(runtime_requirements(load_pyproject()), RUNTIME_LOCK.read_text())
    assert problems == [], "requirements.lock is out of date: run scripts/lock\n" + "\n".join(
        problems
    )


def test_dev_lock_satisfies_pyproject() -> None:
    problems = lock_problems(dev_requirements(load_pyproject()), DEV_LOCK.read_text())
    assert problems == [], "requirements-dev.lock is out of date: run scripts/lock\n" + "\n".join(
        problems
    )


def test_dev_lock_has_the_runtime_pins() -> None:
    """The tests run on the very versions the bot and its image install."""
    runtime, _ = parse_lock(RUNTIME_LOCK.read_text())
    dev, _ = parse_lock(DEV_LOCK.read_text())
    dev_pins = {(pin.name, pin.marker): pin.version for pin in dev}
    differing = [
        f"{pin.name}: {pin.version} in requirements.lock, "
        f"{dev_pins.get((pin.name, pin.marker), 'nothing')} in requirements-dev.lock"
        for pin in runtime
        if dev_pins.get((pin.name, pin.marker)) != pin.version
    ]
    assert differing == [], "run scripts/lock\n" + "\n".join(differing)


def test_the_locks_pin_something() -> None:
    """A parser that read nothing would find nothing wrong."""
    runtime, _ = parse_lock(RUNTIME_LOCK.read_text())
    dev, _ = parse_lock(DEV_LOCK.read_text())
    names = {pin.name for pin in runtime}
    assert {"aiogram", "httpx", "asyncpg", "setuptools"} <= names
    assert len(dev) > len(runtime)
    assert {"pytest", "mypy", "ruff", "packaging"} <= {pin.name for pin in dev}


# The checker itself, on broken copies of the real lock. Each counts only the problems that the
# breakage adds, so that these still pass (and say the checker works) when the lock is stale.


def added_problems(tmp_path: Path, edit: Any, requirements: list[str] | None = None) -> list[str]:
    """What the checker finds in an edited copy of requirements.lock and not in the original."""
    original = RUNTIME_LOCK.read_text()
    path = tmp_path / "requirements.lock"
    path.write_text(edit(original))
    reqs = requirements if requirements is not None else runtime_requirements(load_pyproject())
    before = lock_problems(runtime_requirements(load_pyproject()), original)
    return [p for p in lock_problems(reqs, path.read_text()) if p not in before]


def drop_pin(text: str, name: str) -> str:
    """The lock without NAME's entry (its line, hashes and `# via` comments)."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if not line.startswith((" ", "\t")):
            skipping = line.lower().startswith(f"{name}==")
        if not skipping:
            out.append(line)
    return "".join(out)


def test_checker_catches_a_missing_package(tmp_path: Path) -> None:
    problems = added_problems(tmp_path, lambda t: drop_pin(t, "httpx"))
    assert len(problems) == 1
    assert problems[0].startswith("httpx (pyproject: 'httpx")
    assert problems[0].endswith("is missing from the lock")


def test_checker_catches_a_version_outside_the_range(tmp_path: Path) -> None:
    problems = added_problems(tmp_path, lambda t: re.sub(r"(?m)^httpx==\S+", "httpx==1.0.0", t))
    assert len(problems) == 1
    assert problems[0].startswith("httpx is locked at 1.0.0, outside pyproject's 'httpx")


def test_checker_catches_a_range_the_lock_no_longer_meets(tmp_path: Path) -> None:
    """pyproject.toml raised past the pin without scripts/lock."""
    requirements = [
        "aiogram>=99" if r.startswith("aiogram") else r
        for r in runtime_requirements(load_pyproject())
    ]
    problems = added_problems(tmp_path, lambda t: t, requirements)
    assert len(problems) == 1
    assert problems[0].startswith("aiogram is locked at ")


def test_checker_catches_a_pin_without_hashes(tmp_path: Path) -> None:
    pins, _ = parse_lock(RUNTIME_LOCK.read_text())
    version = next(pin.version for pin in pins if pin.name == "sniffio")
    unhashed = f"sniffio=={version}\n"
    problems = added_problems(tmp_path, lambda t: drop_pin(t, "sniffio") + unhashed)
    assert problems == [f"sniffio=={version} has no hash"]


@pytest.mark.parametrize(
    "line",
    [
        "httpx>=0.27 --hash=sha256:" + "0" * 64,
        "-e .",
        "httpx @ https://example.invalid/httpx.whl --hash=sha256:" + "0" * 64,
    ],
)
def test_checker_refuses_what_is_not_an_exact_pin(line: str) -> None:
    _, problems = parse_lock(line + "\n")
    assert len(problems) == 1
