"""`minewatch doctor` and `minewatch alerts --test` as a user runs them, against real peers on loopback."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer, Response
from tests.monitor.mailbox import Mailbox
from tests.monitor.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    return Cli(tmp_path, database_url)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


def doctor_lines(output: str) -> dict[str, str]:
    """doctor's lines ('[status] check: detail') as {check: 'status detail'}."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"^\[(\w+)\]\s+(.+?): (.*)$", line)
        if match:
            found[match.group(2)] = f"{match.group(1)} {match.group(3)}"
    return found


def test_doctor_lists_every_problem_at_once_and_exits_1(cli: Cli, server: LoopbackServer) -> None:
    server.route("GET", "/lastupdate.txt", Response(503, "busy"))
    cli.config.write_text(
        "feeds:\n"
        f"  gdelt:\n    lastupdate_url: {server.url('/lastupdate.txt')}\n"
        "  acled:\n    enabled: true\n"
        "  notices:\n    catalogue: false\n"
        "sites:\n  extra_csv: [nope.csv]\n",
        encoding="utf-8",
    )
    result = cli("doctor", ok=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = doctor_lines(result.stdout)
    assert lines["schema"].startswith("fail") and "minewatch init" in lines["schema"]
    assert lines["sites nope.csv"].startswith("fail")
    assert lines["feed acled"].startswith("fail") and "MINEWATCH_ACLED_USERNAME" in lines["feed acled"]
    assert lines["feed gdelt"].startswith("fail") and "HTTP 503" in lines["feed gdelt"]
    assert lines["channels"].startswith("warn") and "none configured" in lines["channels"]
    assert result.stderr.strip().startswith("error: 4 problems")


def test_doctor_on_a_healthy_install_says_ok_and_exits_0(
    cli: Cli, server: LoopbackServer, mailbox: Mailbox
) -> None:
    server.route("GET", "/lastupdate.txt", Response(200, "1 abc http://x/1.export.CSV.zip\n"))
    cli.config.write_text(
        f"feeds:\n  gdelt:\n    lastupdate_url: {server.url('/lastupdate.txt')}\n"
        "  notices:\n    catalogue: false\n",
        encoding="utf-8",
    )
    cli.env.update({"MINEWATCH_SMTP_URL": mailbox.url(), "MINEWATCH_ALERT_EMAIL_TO": "desk@fund.example"})
    cli("init")
    result = cli("doctor")
    lines = doctor_lines(result.stdout)
    assert lines["database"].startswith("ok") and lines["schema"].startswith("ok")
    assert lines["feed gdelt"].startswith("ok") and "HTTP 200" in lines["feed gdelt"]
    assert lines["channel email"].startswith("ok")
    assert "fail" not in result.stdout


def test_doctor_with_a_broken_config_names_the_key_and_skips_what_depends_on_it(cli: Cli) -> None:
    cli.config.write_text("matching:\n  site_radius_km: -5\n", encoding="utf-8")
    result = cli("doctor", ok=False)
    assert result.returncode == 1
    lines = doctor_lines(result.stdout)
    assert lines["config"].startswith("fail") and "site_radius_km" in lines["config"]
    assert lines["database"].startswith("skipped")


def test_alerts_test_sends_one_message_per_configured_channel_and_stores_nothing(
    cli: Cli, server: LoopbackServer, mailbox: Mailbox
) -> None:
    server.route("POST", "/slack", Response(200, "ok"))
    server.route("POST", "/hook", Response(500, "down"))
    cli.env.update(
        {
            "MINEWATCH_SMTP_URL": mailbox.url(),
            "MINEWATCH_ALERT_EMAIL_TO": "desk@fund.example",
            "MINEWATCH_SLACK_WEBHOOK_URL": server.url("/slack"),
            "MINEWATCH_WEBHOOK_URL": server.url("/hook"),
        }
    )
    cli("init")
    result = cli("alerts", "--test", ok=False)
    assert result.returncode == 1  # the webhook refused it
    assert len(mailbox.messages) == 1
    assert "minewatch test message (email)" in str(mailbox.messages[0]["Subject"])
    assert len(server.hits("/slack")) == 1
    assert len(server.hits("/hook")) >= 1
    out = result.stdout
    assert "email: sent" in out and "slack: sent" in out and "webhook: failed" in out
    assert "error: 1 of 3 channels failed" in result.stderr
    assert cli("export", "alerts", "--out", "a.csv").returncode == 0
    assert (cli.cwd / "a.csv").read_text(encoding="utf-8").count("\n") == 1  # header only: nothing stored


def test_alerts_test_without_a_channel_says_how_to_configure_one(cli: Cli) -> None:
    cli("init")
    result = cli("alerts", "--test", ok=False)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: no alert channel is configured")


def _leave_free_pages(path: str, mb: int) -> None:
    """Leave ``mb`` MB of free pages in the SQLite file, as an upgrade that drops a big table does."""
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE dropped (blob BLOB)")
        con.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {mb})"
            " INSERT INTO dropped SELECT zeroblob(1048576) FROM n"
        )
        con.execute("DROP TABLE dropped")


def _sqlite_path(cli: Cli) -> str:
    url = cli.env["MINEWATCH_DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("free pages are a SQLite file's: PostgreSQL frees a dropped table's files at once")
    return url.removeprefix("sqlite:///")


def test_doctor_and_init_say_how_to_give_back_a_sqlite_file_s_free_pages_and_vacuum_does(cli: Cli) -> None:
    path = _sqlite_path(cli)
    cli("init")
    assert doctor_lines(cli("doctor", ok=False).stdout)["disk"].startswith("ok")
    sites = cli("sites", "--format", "csv").stdout
    _leave_free_pages(path, 80)
    disk = doctor_lines(cli("doctor", ok=False).stdout)["disk"]
    assert disk.startswith("warn") and "80 MB of it free pages" in disk
    assert "stop the scheduler and run `minewatch vacuum` once" in disk
    assert "free pages: `minewatch vacuum`, with the scheduler stopped, gives them back" in cli("init").stdout
    before = Path(path).stat().st_size
    said = cli("vacuum").stdout
    assert re.search(r"vacuumed .+: (\d+) MB -> (\d+) MB \((8\d) MB given back\)", said), said
    assert Path(path).stat().st_size < before - 80 * 2**20 + 2**20
    assert doctor_lines(cli("doctor", ok=False).stdout)["disk"].startswith("ok")
    assert "free pages" not in cli("init").stdout
    assert cli("sites", "--format", "csv").stdout == sites  # what was stored is all there


def test_vacuum_of_a_store_another_process_is_writing_to_says_so_and_changes_nothing(cli: Cli) -> None:
    path = _sqlite_path(cli)
    cli("init")
    _leave_free_pages(path, 70)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # as a scheduler's tick holds the write lock
        result = cli("vacuum", ok=False)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: another process kept writing to the store (is `minewatch run` running?): stop it, then vacuum"
        " again; nothing was changed"
    )
    assert "70 MB of it free pages" in doctor_lines(cli("doctor", ok=False).stdout)["disk"]


def test_vacuum_of_a_postgresql_store_says_it_is_for_sqlite(cli: Cli) -> None:
    if not cli.env["MINEWATCH_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("the PostgreSQL case needs MINEWATCH_TEST_DATABASE_URL")
    cli("init")
    result = cli("vacuum", ok=False)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: `minewatch vacuum` is for a SQLite store")
