"""The example systemd units, checked by ``systemd-analyze verify`` (offline: systemd need not be running)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.environment import FILE_SUFFIX, SECRETS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = [DEPLOY / "minewatch-run.service", DEPLOY / "minewatch-serve.service"]
INSTALLED = "/opt/minewatch/bin/minewatch"  # where docs/operations.md installs it


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is required in CI (Debian package systemd)")
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    return found


def verify(systemd_analyze: str, tmp_path: Path, name: str, text: str) -> str:
    """What ``systemd-analyze verify`` says about a unit; minewatch's path is pointed at the one installed
    here, since verify checks that the executable exists."""
    unit = tmp_path / name
    unit.write_text(text.replace(INSTALLED, str(Path(sys.executable).parent / "minewatch")), encoding="utf-8")
    result = subprocess.run(
        [systemd_analyze, "verify", "--man=no", str(unit)],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    return f"{result.returncode}: {result.stdout}{result.stderr}".strip()


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_the_unit_verifies_cleanly(systemd_analyze: str, tmp_path: Path, unit: Path) -> None:
    assert verify(systemd_analyze, tmp_path, unit.name, unit.read_text(encoding="utf-8")) == "0:"


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_the_unit_with_the_credentials_drop_in_verifies_cleanly(
    systemd_analyze: str, tmp_path: Path, unit: Path
) -> None:
    drop_in = (DEPLOY / "minewatch-credentials.conf").read_text(encoding="utf-8")
    service_lines = drop_in.split("[Service]\n", 1)[1]
    text = unit.read_text(encoding="utf-8").replace("[Service]\n", "[Service]\n" + service_lines, 1)
    assert verify(systemd_analyze, tmp_path, unit.name, text) == "0:"


def test_verify_reports_a_misspelt_directive(systemd_analyze: str, tmp_path: Path) -> None:
    text = UNITS[0].read_text(encoding="utf-8").replace("WorkingDirectory=", "WorkingDirectroy=")
    assert "Unknown key 'WorkingDirectroy'" in verify(systemd_analyze, tmp_path, "x.service", text)


def _service(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Service"]


def test_the_scheduler_and_the_dashboard_run_unprivileged_with_config_and_secrets_from_etc() -> None:
    run, serve = (_service(unit) for unit in UNITS)
    assert run["ExecStart"] == f"{INSTALLED} run --no-serve"
    assert serve["ExecStart"].startswith(f"{INSTALLED} serve ")
    for service in (run, serve):
        assert service["User"] == "minewatch"
        assert service["Environment"] == "MINEWATCH_CONFIG=/etc/minewatch/config.yaml"
        assert service["EnvironmentFile"] == "-/etc/minewatch/minewatch.env"


def test_the_credentials_drop_in_feeds_secrets_through_their_file_variables() -> None:
    lines = (DEPLOY / "minewatch-credentials.conf").read_text(encoding="utf-8").splitlines()
    loaded = {line.split("=", 1)[1].split(":", 1)[0] for line in lines if line.startswith("LoadCredential=")}
    pointed = dict(
        line.removeprefix("Environment=").split("=", 1) for line in lines if line.startswith("Environment=")
    )
    assert loaded and {path.removeprefix("%d/") for path in pointed.values()} == loaded
    assert all(v.endswith(FILE_SUFFIX) and v.removesuffix(FILE_SUFFIX) in SECRETS for v in pointed)
