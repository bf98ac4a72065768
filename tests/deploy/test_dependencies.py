"""pyproject.toml declares every dependency with both bounds; requirements-dev.lock pins all of it and
requirements.lock, hashed, the runtime part at the same versions."""

from __future__ import annotations

import importlib.metadata as md
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: The platform the lock is for (scripts/lock.sh): the Docker image's CPython 3.11 on linux x86_64.
TARGET = {
    **default_environment(),
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


@dataclass(frozen=True)
class Pin:
    version: str
    hashes: tuple[str, ...]


def read_lock(text: str) -> dict[str, Pin]:
    """``name==version \\`` lines each followed by ``--hash=`` lines, as pip-compile and uv write them."""
    pins: dict[str, Pin] = {}
    name = None
    for raw in text.splitlines():
        line = raw.strip().removesuffix("\\").strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--hash="):
            assert name is not None, f"a hash before any requirement: {raw}"
            pin = pins[name]
            pins[name] = Pin(pin.version, (*pin.hashes, line.removeprefix("--hash=")))
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==" and not req.url, f"not an exact pin: {raw}"
        name = canonicalize_name(req.name)
        pins[name] = Pin(spec.version, ())
    return pins


LOCK = read_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))
DEV_LOCK = read_lock((ROOT / "requirements-dev.lock").read_text(encoding="utf-8"))
RUNTIME = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
BUILD = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
EXTRAS = [Requirement(r) for group in PYPROJECT["project"]["optional-dependencies"].values() for r in group]


@pytest.mark.parametrize("req", [*RUNTIME, *EXTRAS], ids=str)
def test_every_dependency_has_a_lower_and_an_upper_bound(req: Requirement) -> None:
    operators = {spec.operator for spec in req.specifier}
    assert ">=" in operators and "<" in operators, f"{req}: declare >=lowest,<next-major"


@pytest.mark.parametrize("req", [*RUNTIME, *BUILD], ids=str)
def test_every_runtime_and_build_dependency_is_pinned_within_its_declared_range(req: Requirement) -> None:
    pin = LOCK.get(canonicalize_name(req.name))
    assert pin is not None, f"{req.name} is not in requirements.lock: run scripts/lock.sh"
    assert req.specifier.contains(pin.version, prereleases=True), (
        f"requirements.lock pins {req.name}=={pin.version}, outside {req.specifier}: run scripts/lock.sh"
    )


@pytest.mark.parametrize("req", [*RUNTIME, *BUILD, *EXTRAS], ids=str)
def test_every_dependency_and_test_tool_is_pinned_within_its_range_in_the_dev_lock(req: Requirement) -> None:
    pin = DEV_LOCK.get(canonicalize_name(req.name))
    assert pin is not None and req.specifier.contains(pin.version, prereleases=True), (
        f"{req}: requirements-dev.lock has {pin}: run scripts/lock.sh"
    )


def test_what_deploys_is_what_the_tests_run_on() -> None:
    assert {name: DEV_LOCK[name].version for name in LOCK if name in DEV_LOCK} == {
        name: pin.version for name, pin in LOCK.items()
    }


def test_every_pin_is_hashed_with_sha256() -> None:
    unhashed = [name for name, pin in LOCK.items() if not pin.hashes]
    assert unhashed == []
    assert all(h.startswith("sha256:") for pin in LOCK.values() for h in pin.hashes)


def _requires(name: str, extras: frozenset[str]) -> list[Requirement]:
    """What the installed distribution ``name`` needs on the lock's platform, with ``extras`` asked for."""
    needed = []
    for text in md.requires(name) or []:
        req = Requirement(text)
        markers = [{**TARGET, "extra": extra} for extra in extras or {""}]
        if req.marker is None or any(req.marker.evaluate(m) for m in markers):
            needed.append(req)
    return needed


def test_the_lock_holds_the_whole_dependency_tree() -> None:
    """Walked through the metadata of the installed distributions, which setup.sh installs at the lock's
    versions (so a pin whose dependencies changed shows as a version mismatch first)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(req.name, frozenset(req.extras)) for req in RUNTIME]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        assert key in LOCK, f"{name} is needed but not in requirements.lock: run scripts/lock.sh"
        installed, pinned = md.version(name), LOCK[key].version
        assert installed == pinned, (
            f"{name} {installed} installed, the lock pins {pinned}: run scripts/setup.sh"
        )
        todo += [(r.name, frozenset(r.extras)) for r in _requires(name, extras)]


def test_the_lock_reader_rejects_loose_pins() -> None:
    with pytest.raises(AssertionError, match="not an exact pin"):
        read_lock("pandas>=3\n")
    lock = "a-b==1.0 \\\n    --hash=sha256:00\n    # via x\n"
    assert read_lock(lock) == {"a-b": Pin("1.0", ("sha256:00",))}
