"""The ``minewatch`` command as a user runs it: a real process, its exit code, stdout and stderr."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitor import reads
from monitor.config import Settings
from monitor.exports.schemas import SCHEMAS
from monitor.pipeline import Pipeline
from monitor.store import Store
from tests.conftest import FIXTURES
from tests.monitor import release_rows

ROOT = Path(__file__).resolve().parents[2]


class Cli:
    """Runs ``python -m monitor`` with a config pointing at the test database."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.cwd = tmp_path
        self.config = tmp_path / "config.yaml"
        self.config.write_text(
            "feeds:\n  gdelt:\n    enabled: false\n  notices:\n    catalogue: false\n", encoding="utf-8"
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_") and k != "COLUMNS"}
        self.env.update({"MINEWATCH_DATABASE_URL": database_url, "COLUMNS": "200", "PYTHONPATH": str(ROOT)})

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(self.config), *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    return Cli(tmp_path, database_url)


@pytest.fixture
def initialised(cli: Cli) -> Cli:
    cli("init")
    return cli


def test_init_creates_the_store_and_loads_the_registry(cli: Cli) -> None:
    result = cli("init")
    assert "sites" in result.stdout
    assert "bisie" in cli("sites").stdout
    again = cli("init")  # safe to re-run: the registry as it stands writes nothing
    assert again.returncode == 0 and "(0 new or changed)" in again.stdout


def test_commands_on_an_uninitialised_store_say_to_run_init(cli: Cli) -> None:
    result = cli("sites", ok=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: the store is empty: run `minewatch init` first"


def test_a_store_from_an_earlier_release_is_told_to_run_init_which_upgrades_it(
    cli: Cli, database_url: str
) -> None:
    store = Store.from_url(database_url)
    release_rows.build(store.engine, "b270f5f")
    store.engine.dispose()
    result = cli("sites", ok=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the store was made by minewatch 0.1 (before schema versions): run `minewatch init` to "
        "upgrade it in place (it keeps what is stored)"
    )
    cli("init")
    assert "upgrade-test-mine" in cli("sites").stdout


def test_a_bad_config_file_exits_1_with_the_key_and_why(cli: Cli) -> None:
    cli.config.write_text("matching:\n  site_radius_km: far\n", encoding="utf-8")
    result = cli("init", ok=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "matching.site_radius_km: Input should be a valid number" in lines[0]


def test_importing_an_acled_export_twice_stores_it_once(initialised: Cli) -> None:
    path = FIXTURES / "acled" / "export_2025-03.csv"
    first = initialised("import", "acled", str(path))
    assert "import:acled: ok" in first.stdout
    again = initialised("import", "acled", str(path))
    assert "stored 0" in again.stdout
    out = initialised.cwd / "events.csv"
    initialised("export", "events", "--out", str(out), "--from", "2025-03-01", "--to", "2025-03-31")
    frame = pd.read_csv(out)
    assert list(frame.columns) == list(SCHEMAS["events"].names)
    assert frame["source_id"].is_unique and len(frame) > 0


def test_import_reports_each_long_step_as_one_line_with_rows_per_second_when_not_a_terminal(
    initialised: Cli,
) -> None:
    result = initialised("import", "acled", str(FIXTURES / "acled" / "export_2025-03.csv"))
    lines = result.stderr.strip().splitlines()  # stderr is a pipe here, not a terminal: no bars
    steps = [line.split(":")[0] for line in lines]
    # An ACLED export is parsed and stored a part at a time: one step, "import:acled".
    assert steps == ["import", "match events", steps[2]], lines
    assert steps[2].startswith("score ") and " days x " in steps[2]
    for line in lines:
        match = re.fullmatch(r".*: ([\d,]+) rows in [\d.]+ s \(([\d,]+|inf) rows/s\)", line)
        assert match is not None and int(match.group(1).replace(",", "")) > 0, line


def test_malformed_rows_are_reported_and_kept_not_lost(initialised: Cli) -> None:
    result = initialised("import", "acled", str(FIXTURES / "acled" / "malformed.csv"))
    rejected = int(result.stdout.split("rejected ")[1].split()[0].rstrip(","))
    assert rejected > 0


def test_a_missing_file_is_one_clear_line(initialised: Cli) -> None:
    result = initialised("import", "acled", "nope.csv", ok=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: nope.csv: no such file"


def test_a_bad_date_option_is_one_clear_line(initialised: Cli) -> None:
    result = initialised("score", "--as-of", "14/03/2025", ok=False)
    assert result.returncode == 1
    assert "--as-of '14/03/2025': expected a date like 2025-03-14" in result.stderr


def test_import_sites_reports_bad_rows_by_line_and_keeps_the_good(initialised: Cli, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "id,name,operator,country,commodity,lat,lon,coord_precision_km,colour\n"
        "ok_site,Good Mine,Good Co,CD,tin,-1.5,28.0,1,red\n"
        "bad_site,Bad Mine,Bad Co,CD,tin,-95,28.0,1,blue\n",
        encoding="utf-8",
    )
    result = initialised("import", "sites", str(path))
    assert "line 3" in result.stderr and "lat" in result.stderr
    assert "unknown columns ignored: colour" in result.stderr
    assert "ok_site" in initialised("sites").stdout


def test_importing_sites_that_change_most_of_the_registry_leaves_every_stored_day_scored(
    initialised: Cli, tmp_path: Path
) -> None:
    initialised("import", "acled", str(FIXTURES / "acled" / "export_2025-03.csv"))
    path = tmp_path / "sites.csv"
    initialised("export", "sites", "--out", str(path))
    registry = pd.read_csv(path, dtype=str, keep_default_na=False)
    registry.assign(notes="revised").to_csv(path, index=False)
    result = initialised("import", "sites", str(path))
    assert f"{len(registry)} sites added or updated" in result.stdout
    store = Store.from_url(initialised.env["MINEWATCH_DATABASE_URL"])
    try:
        first, last = reads.scores.day_span(store)
        assert first is not None and last is not None
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        assert Pipeline(store, Settings(), lambda: datetime.now(UTC)).stale_days(days) == []
    finally:
        store.engine.dispose()


def test_export_risk_writes_exactly_the_documented_columns_for_every_site_and_day(initialised: Cli) -> None:
    initialised("import", "acled", str(FIXTURES / "acled" / "export_2025-03.csv"))
    out = initialised.cwd / "risk.csv"
    initialised("export", "risk", "--out", str(out), "--from", "2025-03-10", "--to", "2025-03-16")
    with out.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == list(SCHEMAS["risk"].names)
    frame = pd.read_csv(out)
    n_sites = len(pd.read_csv(ROOT / "monitor" / "data" / "sites.csv"))
    assert len(frame) == 7 * n_sites
    assert frame["date"].min() == "2025-03-10" and frame["date"].max() == "2025-03-16"
    assert frame["risk"].between(0, 100).all()


def test_export_parquet_round_trips(initialised: Cli) -> None:
    out = initialised.cwd / "supply.parquet"
    initialised(
        "export",
        "supply",
        "--out",
        str(out),
        "--from",
        "2025-03-10",
        "--to",
        "2025-03-11",
        "--format",
        "parquet",
    )
    frame = pd.read_parquet(out)
    assert list(frame.columns) == list(SCHEMAS["supply"].names)
    assert set(frame["commodity"]) >= {"tin", "cobalt", "copper"}


def test_export_notices_lists_kinds_and_sites(initialised: Cli) -> None:
    from monitor.demo import demo_dir

    initialised("import", "notices", str(demo_dir() / "alphamin_news.xml"))
    out = initialised.cwd / "notices.csv"
    initialised("export", "notices", "--out", str(out), "--from", "2025-01-01", "--to", "2025-04-30")
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns)[:10] == [
        "published_at", "source", "source_id", "url", "title", "language", "kind", "confidence", "cue",
        "site_ids",
    ]  # fmt: skip
    halts = frame[frame["kind"] == "halt"]
    assert not halts.empty and halts["cue"].str.contains("suspen", case=False).all()
    assert (frame["cue"] != "").sum() >= len(frame[frame["kind"] != "none"])
    assert (frame["site_ids"].str.split(";").map(lambda ids: "bisie" in ids)).all()


def test_collect_of_an_unknown_feed_is_a_clear_error(initialised: Cli) -> None:
    result = initialised("collect", "reuters", ok=False)
    assert result.returncode == 1
    assert "unknown feed 'reuters'" in result.stderr


def test_a_database_error_never_shows_the_password(cli: Cli) -> None:
    cli.env["MINEWATCH_DATABASE_URL"] = "postgresql+psycopg://mw:Pw-7731x@127.0.0.1:1/mw"

    result = cli("sites", ok=False)

    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot open the database")
    assert "Pw-7731x" not in result.stderr + result.stdout
