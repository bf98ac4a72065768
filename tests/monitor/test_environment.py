"""Secrets as NAME or NAME_FILE, resolved in one place; every variable the code reads is classified."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.environment import PLAIN, SECRETS, resolve_environment
from monitor.errors import ConfigError
from monitor.store import Store

ROOT = Path(__file__).resolve().parents[2]
#: MINEWATCH_ names in the code that are not environment variables.
NOT_ENVIRONMENT = {"MINEWATCH_DASHBOARD"}  # the Flask config key of the dashboard's context


def _files(contents: dict[str, str]):
    """A file reader over a mapping, as the resolver is given one."""

    def read(path: Path) -> str:
        try:
            return contents[str(path)]
        except KeyError:
            raise FileNotFoundError(2, "No such file or directory") from None

    return read


def test_a_secret_file_is_read_into_its_variable_without_the_trailing_newline() -> None:
    env = {"MINEWATCH_UCDP_TOKEN_FILE": "/run/secrets/ucdp", "PATH": "/usr/bin"}
    resolved = resolve_environment(env, _files({"/run/secrets/ucdp": "tok3n\n"}))
    assert resolved == {"MINEWATCH_UCDP_TOKEN": "tok3n", "PATH": "/usr/bin"}
    assert env == {"MINEWATCH_UCDP_TOKEN_FILE": "/run/secrets/ucdp", "PATH": "/usr/bin"}  # not changed


def test_every_secret_can_come_from_a_file(tmp_path: Path) -> None:
    env = {}
    for name in SECRETS:
        path = tmp_path / name.lower()
        path.write_text(f"value of {name}\r\n", encoding="utf-8")
        env[f"{name}_FILE"] = str(path)
    assert resolve_environment(env) == {name: f"value of {name}" for name in SECRETS}


def test_plain_variables_pass_through_and_other_files_are_left_alone() -> None:
    env = {"MINEWATCH_API_TOKENS": "a,b", "MINEWATCH_CONFIG": "/etc/minewatch/config.yaml", "HISTFILE": "x"}
    assert resolve_environment(env, _files({})) == env


def test_a_secret_set_both_ways_is_refused_without_showing_either_value() -> None:
    env = {"MINEWATCH_DASH_PASSWORD": "hunter2", "MINEWATCH_DASH_PASSWORD_FILE": "/run/secrets/dash"}
    with pytest.raises(ConfigError, match="MINEWATCH_DASH_PASSWORD and MINEWATCH_DASH_PASSWORD_FILE") as exc:
        resolve_environment(env, _files({"/run/secrets/dash": "s3cret"}))
    assert "hunter2" not in str(exc.value) and "s3cret" not in str(exc.value)


def test_an_empty_value_beside_a_file_counts_as_unset() -> None:
    env = {"MINEWATCH_SMTP_URL": "", "MINEWATCH_SMTP_URL_FILE": "/s"}
    resolved = resolve_environment(env, _files({"/s": "smtp://u:p@mail:587"}))
    assert resolved["MINEWATCH_SMTP_URL"] == "smtp://u:p@mail:587"


def test_a_missing_file_names_the_variable_and_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ConfigError, match=rf"MINEWATCH_API_TOKENS_FILE: cannot read {missing}: No such file"):
        resolve_environment({"MINEWATCH_API_TOKENS_FILE": str(missing)})


@pytest.mark.parametrize(("content", "reason"), [("\n", "is empty"), (b"\xff\xfe", "is not UTF-8 text")])
def test_an_empty_or_binary_file_is_refused(tmp_path: Path, content: str | bytes, reason: str) -> None:
    path = tmp_path / "secret"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"MINEWATCH_WEBHOOK_SECRET_FILE: {path} {reason}"):
        resolve_environment({"MINEWATCH_WEBHOOK_SECRET_FILE": str(path)})


def test_a_misspelt_secret_file_variable_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ConfigError, match="MINEWATCH_API_TOKEN_FILE: MINEWATCH_API_TOKEN is not a secret"):
        resolve_environment({"MINEWATCH_API_TOKEN_FILE": "/run/secrets/api"}, _files({}))


def test_every_environment_variable_the_code_reads_is_a_secret_or_a_setting() -> None:
    """A new variable must be classified here, so a new secret gets its NAME_FILE form too."""
    used: set[str] = set()
    for package in ("monitor", "feeds", "dashboards"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "environment.py":
                continue  # the lists themselves
            used |= set(re.findall(r"\bMINEWATCH_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    used -= NOT_ENVIRONMENT
    assert used == set(SECRETS) | set(PLAIN)
    assert not set(SECRETS) & set(PLAIN)


def test_the_secrets_and_their_file_form_are_documented() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert [name for name in SECRETS if f"`{name}`" not in operations] == []


def _minewatch(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=tmp_path, env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_cli_takes_the_database_url_from_its_file(tmp_path: Path, database_url: str) -> None:
    secret = tmp_path / "database_url"
    secret.write_text(database_url + "\n", encoding="utf-8")
    result = _minewatch(tmp_path, {"MINEWATCH_DATABASE_URL_FILE": str(secret)}, "init")
    assert result.returncode == 0, result.stderr
    store = Store.from_url(database_url)
    store.check_schema()  # the tables are where the file said
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM site")).scalar_one() > 0
    store.engine.dispose()


def test_the_cli_reports_a_secret_set_twice_in_one_line_without_its_value(tmp_path: Path) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("postgresql+psycopg://minewatch:from-the-file@db/minewatch\n", encoding="utf-8")
    env = {
        "MINEWATCH_DATABASE_URL": "postgresql+psycopg://minewatch:from-the-env@db/minewatch",
        "MINEWATCH_DATABASE_URL_FILE": str(secret),
    }
    result = _minewatch(tmp_path, env, "sites")
    assert result.returncode == 1
    assert result.stderr == (
        "error: MINEWATCH_DATABASE_URL and MINEWATCH_DATABASE_URL_FILE are both set: keep one\n"
    )
    assert "from-the" not in result.stdout + result.stderr
