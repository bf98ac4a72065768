"""Every documented usage mistake and environment failure is one or two lines on stderr, never a traceback.

Exit codes: 2 for a usage mistake, 1 for a failure. Runs the real command in a subprocess.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.monitor.test_cli import Cli

USAGE_MISTAKES = [
    pytest.param(["no-such-command"], "No such command 'no-such-command'", id="unknown-command"),
    pytest.param(["export", "risk"], "Missing option '--out'", id="export-without-out"),
    pytest.param(["export"], "Missing argument 'kind'", id="export-without-kind"),
    pytest.param(
        ["export", "risk", "--out", "x.csv", "--format", "xml"], "'xml' is not one of", id="bad-format"
    ),
    pytest.param(["backtest", "--from", "2025-01-01"], "Missing option '--to'", id="backtest-without-to"),
    pytest.param(["sites", "--no-such-option"], "No such option: --no-such-option", id="unknown-option"),
]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")


def _assert_short(stderr: str) -> list[str]:
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    assert 1 <= len(lines) <= 2, stderr
    return lines


@pytest.mark.parametrize(("args", "says"), USAGE_MISTAKES)
def test_a_usage_mistake_is_two_lines_naming_it_and_where_to_look_with_exit_code_2(
    cli: Cli, args: list[str], says: str
) -> None:
    result = cli(*args, ok=False)
    assert result.returncode == 2
    first, second = _assert_short(result.stderr)
    assert first.startswith("error: ") and says in first
    assert second.startswith("Try 'minewatch") and second.endswith("--help' for help.")


def test_minewatch_alone_prints_the_help_on_stdout_and_exits_2(cli: Cli) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor"],
        cwd=cli.cwd,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Usage: minewatch" in result.stdout
    assert result.stderr == ""


def test_options_without_a_command_say_the_command_is_missing(cli: Cli) -> None:
    result = cli(ok=False)
    assert result.returncode == 2
    assert _assert_short(result.stderr)[0] == "error: Missing command."


def test_version_prints_the_installed_version(cli: Cli) -> None:
    from importlib import metadata

    assert cli("--version").stdout.strip() == f"minewatch {metadata.version('minewatch')}"


def test_an_unsupported_database_url_is_one_line_without_the_password(cli: Cli) -> None:
    cli.env["MINEWATCH_DATABASE_URL"] = "oracle://scott:tiger-secret@db.example/orcl"
    result = cli("init", ok=False)
    assert result.returncode == 1
    (line,) = _assert_short(result.stderr)
    assert line.startswith("error: unsupported database 'oracle'")
    assert "tiger-secret" not in result.stderr + result.stdout


def test_a_missing_extra_sites_file_is_one_line(cli: Cli) -> None:
    cli.config.write_text("sites:\n  extra_csv: [missing-sites.csv]\n", encoding="utf-8")
    result = cli("init", ok=False)
    assert result.returncode == 1
    (line,) = _assert_short(result.stderr)
    assert "missing-sites.csv" in line


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_serving_on_a_port_in_use_is_one_line_and_never_claims_to_serve(cli: Cli, busy_port: int) -> None:
    cli("init")
    result = cli("serve", "--port", str(busy_port), ok=False)
    assert result.returncode == 1
    (line,) = _assert_short(result.stderr)
    assert line == f"error: cannot serve the dashboard on 127.0.0.1:{busy_port}: Address already in use"
    assert "dashboard on" not in result.stdout
