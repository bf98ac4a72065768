"""compose.yaml (and its secrets-as-files override) against the Compose Specification's JSON schema, and the
references the schema cannot check: secrets declared, *_FILE paths mounted, every minewatch secret offered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.environment import FILE_SUFFIX, PLAIN, SECRETS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
SECRETS_OVERRIDE = ROOT / "deploy" / "compose.secrets.example.yaml"
#: check-jsonschema ships the compose-spec schema (vendor/compose-spec.json, with its licence).
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", *map(str, paths)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def merged() -> dict[str, Any]:
    """compose.yaml with the override merged as docker compose does for these keys (maps merge, lists add)."""
    base, extra = load(COMPOSE), load(SECRETS_OVERRIDE)
    for name, service in extra["services"].items():
        target = base["services"][name]
        target["environment"] = {**target.get("environment", {}), **service.get("environment", {})}
        target["secrets"] = [*target.get("secrets", []), *service.get("secrets", [])]
    base["secrets"] = {**base["secrets"], **extra["secrets"]}
    return base


def test_compose_files_are_valid_against_the_compose_spec_schema() -> None:
    result = validate(COMPOSE, SECRETS_OVERRIDE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_misspelt_key(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text(encoding="utf-8").replace("healthcheck:", "helthcheck:", 1))
    result = validate(broken)
    assert result.returncode == 1 and "helthcheck" in result.stdout


def test_postgres_has_a_healthcheck_a_volume_and_a_password_from_a_secret() -> None:
    pg = load(COMPOSE)["services"]["postgres"]
    assert pg["healthcheck"]["test"][0] == "CMD-SHELL" and "pg_isready" in pg["healthcheck"]["test"][1]
    assert any(v.startswith("pgdata:") for v in pg["volumes"])
    assert pg["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"


def test_one_scheduler_and_one_dashboard_start_after_init_on_a_healthy_database() -> None:
    services = load(COMPOSE)["services"]
    assert services["init"]["command"] == ["init"]
    assert services["run"]["command"] == ["run", "--no-serve"]
    assert services["serve"]["command"][0] == "serve"
    for name in ("run", "serve"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["init"]["condition"] == "service_completed_successfully"
    assert all(services[name]["init"] is True for name in ("init", "run", "serve"))  # SIGTERM reaches them
    probe = services["run"]["healthcheck"]["test"]  # its status server, where 503 (degraded) is alive
    assert "http://127.0.0.1:9108/health" in probe[-1] and "503" in probe[-1]
    assert services["run"]["environment"]["MINEWATCH_STATUS_HOST"] == "0.0.0.0"
    assert "healthcheck" not in services["serve"]  # the image's, against /api/v1/health


@pytest.mark.parametrize("compose", [load(COMPOSE), merged()], ids=["compose", "with-secret-files"])
def test_secret_files_are_declared_and_mounted_where_the_variables_point(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        mounted = set(service.get("secrets", []))
        assert mounted <= set(compose["secrets"]), name
        for variable, value in service.get("environment", {}).items():
            if variable.endswith(FILE_SUFFIX):
                assert value.startswith("/run/secrets/"), variable
                assert value.removeprefix("/run/secrets/") in mounted, f"{name}: {variable}"


@pytest.mark.parametrize("compose", [load(COMPOSE), merged()], ids=["compose", "with-secret-files"])
def test_only_variables_minewatch_reads_are_set(compose: dict[str, Any]) -> None:
    known = set(PLAIN) | set(SECRETS) | {s + FILE_SUFFIX for s in SECRETS}
    for service in compose["services"].values():
        names = {v for v in service.get("environment", {}) if v.startswith("MINEWATCH_")}
        assert names <= known, names - known


def test_every_secret_can_reach_its_service_as_a_variable_or_as_a_file() -> None:
    def variables(compose: dict[str, Any]) -> set[str]:
        return {v for name in ("run", "serve") for v in compose["services"][name]["environment"]}

    plain, with_files = variables(load(COMPOSE)), variables(merged())
    assert {s for s in SECRETS if s in plain or s + FILE_SUFFIX in plain} == set(SECRETS)
    assert {s for s in SECRETS if s + FILE_SUFFIX in with_files} == set(SECRETS)
