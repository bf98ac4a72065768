"""``minewatch explain``: a site's stored score on a day and why, as a user runs it on the demo's store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from monitor import reads
from monitor.config import Settings
from monitor.exports.explanations import explained_score
from monitor.exports.query import SiteDay
from monitor.reads import sql
from monitor.store import Store
from tests.monitor.test_cli import Cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, Path]:
    """The demo's SQLite store, built once, and a ``minewatch`` pointed at it."""
    folder = tmp_path_factory.mktemp("explain")
    db = folder / "demo.db"
    cli = Cli(folder, f"sqlite:///{db}")
    cli("demo", "--no-serve", "--db", str(db))
    return cli, db


def test_explain_prints_the_score_the_notice_in_force_and_the_incidents_behind_it(
    demo: tuple[Cli, Path],
) -> None:
    cli, _ = demo

    shown = cli("explain", "bisie", "--day", "2025-03-14").stdout
    answer = json.loads(cli("explain", "bisie", "--day", "2025-03-14", "--json").stdout)

    score = answer["score"]
    assert f"bisie on 2025-03-14: risk {score['risk']:.1f}, halted (status halted)" in shown
    assert "status notice: halt" in shown and answer["explanation"]["status_notice"]["title"] in shown
    rows = [line for line in shown.splitlines() if line.strip().startswith("acled:")]
    cited = [e["event_ref"] for e in answer["explanation"]["events"]]
    assert cited and [row.split()[0] for row in rows] == cited  # in order of contribution
    assert all(" route " in row or " site " in row for row in rows)


def test_explain_json_is_the_answer_the_api_gives(demo: tuple[Cli, Path]) -> None:
    cli, db = demo
    store = Store.from_url(f"sqlite:///{db}")

    printed = json.loads(cli("explain", "bisie", "--day", "2025-03-14", "--json").stdout)
    given = explained_score(store, Settings(), SiteDay("bisie", date(2025, 3, 14)), lambda: datetime.now(UTC))

    assert printed == json.loads(json.dumps(given, default=str))


def test_explain_as_known_at_a_moment_is_the_apis_vintage_answer_and_says_so(demo: tuple[Cli, Path]) -> None:
    cli, db = demo
    store = Store.from_url(f"sqlite:///{db}")
    # The demo's rows were all stored when it was built: a run at that moment knew what the store holds.
    stored = "SELECT MAX(first_seen_at) AS at FROM event UNION ALL SELECT MAX(first_seen_at) FROM notice"
    built = pd.Timestamp(max(sql.frame(store, stored)["at"])).ceil("s")
    moment = f"{built:%Y-%m-%dT%H:%M:%S}Z"
    args = ("explain", "bisie", "--day", "2025-03-14", "--as-known-at", moment)

    shown = cli(*args).stdout
    printed = json.loads(cli(*args, "--json").stdout)
    wanted = SiteDay("bisie", date(2025, 3, 14), datetime.fromisoformat(moment[:-1]))
    given = explained_score(store, Settings(), wanted, lambda: datetime.now(UTC))

    assert printed == json.loads(json.dumps(given, default=str))
    assert printed["score"]["computed_at"] is None and printed["score"]["status"] == "halted"
    assert f"as known at {printed['as_known_at']}: computed from the rows stored and public by then" in shown
    # As stored now, the same score: the vintage of the moment the store was built is today's.
    now = json.loads(cli("explain", "bisie", "--day", "2025-03-14", "--json").stdout)
    assert printed["explanation"] == now["explanation"]
    assert {k: v for k, v in printed["score"].items() if k != "computed_at"} == {
        k: v for k, v in now["score"].items() if k != "computed_at"
    }


def test_explain_of_a_day_not_scored_uses_the_newest_scored_day_before_it(demo: tuple[Cli, Path]) -> None:
    cli, db = demo
    newest = reads.scores.latest_day(Store.from_url(f"sqlite:///{db}"))
    assert newest is not None and newest < date(2026, 1, 1)

    answer = json.loads(cli("explain", "kamoto", "--day", "2026-01-01", "--json").stdout)

    assert answer["day"] == newest.isoformat()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("atlantis",), "error: unknown site 'atlantis' (see `minewatch sites`)"),
        (("bisie", "--day", "14/03/2025"), "error: day '14/03/2025': expected a date like 2025-03-14"),
        (
            ("bisie", "--day", "2024-01-01"),
            "error: no day is scored on or before 2024-01-01: `minewatch score --as-of DAY` scores one"
            " (`import` and `collect` score the days they touch)",
        ),
    ],
)
def test_explain_with_a_bad_site_or_day_is_one_clear_line(
    demo: tuple[Cli, Path], args: tuple[str, ...], message: str
) -> None:
    cli, _ = demo

    result = cli("explain", *args, ok=False)

    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert "Traceback" not in result.stderr
