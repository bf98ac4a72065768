"""The backtest holds replayed scores against known halts: lead times, false alarms, precision and recall."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitor import backtest, demo
from monitor.backtest import RESULT_COLUMNS, evaluate, load_episodes, parse_episodes
from monitor.config import Settings, settings_from_mapping
from monitor.errors import InputError
from monitor.pipeline import Pipeline
from monitor.reads import sql

ROOT = Path(__file__).resolve().parents[2]
DAY0 = date(2025, 1, 1)
HORIZON = 5
FIRST, LAST = DAY0 + timedelta(days=HORIZON), DAY0 + timedelta(days=19)
DEMO_NOW = datetime(2026, 1, 5, tzinfo=UTC)
_RISK = {"L": 10.0, "E": 30.0, "H": 60.0, "C": 80.0, "X": 100.0, "R": 100.0}
_LEVEL = {"L": "low", "E": "elevated", "H": "high", "C": "critical", "X": "halted", "R": "halted"}
_NOTICE = {
    "notice_id": 7,
    "kind": "suspension",
    "title": "Acme suspends mining",
    "url": "https://n.example/7",
}


def d(offset: int) -> date:
    return DAY0 + timedelta(days=offset)


def scores(**codes: str) -> pd.DataFrame:
    """Scores from DAY0, a letter a day: Low Elevated High Critical, X halted by notice, R by registry."""
    rows = []
    for site, letters in codes.items():
        for i, code in enumerate(letters):
            stopped = code in "XR"
            explain = {
                "registry_status": "halted" if code == "R" else "operating",
                "status_notice": dict(_NOTICE) if code == "X" else None,
            }
            rows.append(
                {
                    "site_id": site,
                    "date": d(i),
                    "risk": _RISK[code],
                    "level": _LEVEL[code],
                    "status": "halted" if stopped else "operating",
                    "explain": explain,
                }
            )
    return pd.DataFrame(rows)


def known(*rows: tuple[str, date, date | None]) -> pd.DataFrame:
    text = "site_id,start,end,kind,description,source\n" + "".join(
        f"{site},{start},{end or ''},suspension,known halt,test\n" for site, start, end in rows
    )
    parsed = parse_episodes(text)
    assert parsed.errors == []
    return parsed.frame


def only(frame: pd.DataFrame) -> dict[str, Any]:
    assert len(frame) == 1, frame
    return frame.iloc[0].to_dict()


# ---- the pure core ----
#            day: 0123456789012345678 9
SITE_A = (
    "LLLHLLLLHCLHHLLLHCLL"  # halt known from day 12 to 14; alarms on 8, 9 (critical), 11; 16 and 17 after
)
SITE_B = "LLLLLLHLLLLLLLLLLLLL"  # one alarm, no halt


def test_first_high_and_critical_days_and_lead_times_are_measured_in_the_lookback() -> None:
    result = evaluate(scores(a=SITE_A), known(("a", d(12), d(14))), FIRST, LAST, HORIZON)
    row = only(result.episodes)
    assert (row["start"], row["end"], row["origin"]) == (d(12), d(14), "csv")
    # Day 3 is high too, but outside the 5-day lookback [7, 11].
    assert (row["first_high"], row["first_critical"]) == (d(8), d(9))
    assert (row["lead_days"], row["lead_days_critical"]) == (4, 3)
    assert row["alarm_days_before"] == 3
    assert row["peak_risk_before"] == 80.0


def test_false_alarms_precision_and_recall_follow_the_definitions() -> None:
    result = evaluate(scores(a=SITE_A, b=SITE_B), known(("a", d(12), d(14))), FIRST, LAST, HORIZON)
    s = result.summary
    # Counted: days 5-19 not stopped: a loses 12-13 (the halt, though day 12 scores high), b none.
    assert s.days == 13 + 15
    # Alarms: a on 8, 9, 11 (a halt starts within 5 days: true), 16, 17 (false); b on 6 (false).
    assert (s.alarm_days, s.true_alarm_days, s.false_alarm_days) == (6, 3, 3)
    # Positive days: a on 7-11, the five days before its halt.
    assert s.positive_days == 5
    assert s.precision == pytest.approx(3 / 6)
    assert s.recall == pytest.approx(3 / 5)
    assert only(result.episodes)["site_false_alarm_days"] == 2
    by_site = result.sites.set_index("site_id")
    assert by_site.loc["a", ["alarm_days", "true_alarm_days", "false_alarm_days"]].tolist() == [5, 3, 2]
    assert by_site.loc["a", "precision"] == pytest.approx(3 / 5)
    assert by_site.loc["b", "false_alarm_days"] == 1
    assert pd.isna(by_site.loc["b", "recall"])
    assert (s.episodes, s.warned, s.warned_critical, s.median_lead_days) == (1, 1, 1, 4.0)
    assert "precision 0.50, recall 0.60" in s.line()


def test_an_episode_without_warning_has_no_lead_time(tmp_path: Path) -> None:
    result = evaluate(scores(q="L" * 20), known(("q", d(12), None)), FIRST, LAST, HORIZON)
    row = only(result.episodes)
    assert row["first_high"] is None and row["first_critical"] is None
    assert pd.isna(row["lead_days"]) and pd.isna(row["lead_days_critical"])
    assert row["alarm_days_before"] == 0
    assert (result.summary.warned, result.summary.median_lead_days) == (0, None)
    assert result.summary.precision is None  # no alarm at all
    out = tmp_path / "bt.csv"
    backtest.write_csv(result.episodes, out)
    with out.open(encoding="utf-8", newline="") as fh:
        (written,) = list(csv.DictReader(fh))
    assert (written["start"], written["end"], written["first_high"], written["lead_days"]) == (
        "2025-01-13", "", "", "",
    )  # fmt: skip


def test_high_days_while_the_site_is_still_halted_are_not_warnings() -> None:
    # Known halt on days 6-7 (restart day 8) scores high from conflict; the next halt starts on day 10.
    codes = {"a": "LLLLLLHHLHLLLLLLLLLL"}
    result = evaluate(scores(**codes), known(("a", d(6), d(8)), ("a", d(10), None)), FIRST, LAST, HORIZON)
    second = result.episodes.set_index("start").loc[d(10)]
    assert (second["first_high"], second["lead_days"], second["alarm_days_before"]) == (d(9), 1, 1)
    assert result.summary.alarm_days == 1


def test_a_site_halted_by_a_notice_is_an_episode_and_a_registry_stop_is_not() -> None:
    codes = {"n": "LLLLLLLLHHXXXXLLLLLL", "r": "LLLLLLLLLLRRRRRRRRRR"}
    result = evaluate(scores(**codes), known(), FIRST, LAST, HORIZON)
    row = only(result.episodes)
    assert (row["site_id"], row["start"], row["origin"], row["notice_start"]) == ("n", d(10), "notice", d(10))
    assert (row["kind"], row["description"], row["source"]) == (
        "suspension",
        _NOTICE["title"],
        _NOTICE["url"],
    )
    assert (row["first_high"], row["lead_days"]) == (d(8), 2)
    # Halted days 10-13 and the registry stop from day 10 are not counted.
    assert result.summary.days == 11 + 5


def test_a_csv_episode_wins_over_the_notice_halt_it_describes() -> None:
    codes = {"n": "LLLLLLLLHHXXXXLLLLLL"}
    result = evaluate(scores(**codes), known(("n", d(11), d(15))), FIRST, LAST, HORIZON)
    row = only(result.episodes)
    assert (row["start"], row["end"], row["origin"], row["notice_start"]) == (
        d(11),
        d(15),
        "csv+notice",
        d(10),
    )
    assert (row["description"], row["first_high"], row["lead_days"]) == ("known halt", d(8), 3)


def test_a_notice_halt_far_from_the_csv_episode_is_another_episode() -> None:
    codes = {"n": "LLLLLLLLHHXXXXLLLLLL"}
    result = evaluate(scores(**codes), known(("n", d(18), None)), FIRST, LAST, HORIZON)
    assert result.episodes[["start", "origin"]].values.tolist() == [[d(10), "notice"], [d(18), "csv"]]


def test_a_csv_halt_after_the_range_still_makes_the_last_days_positive() -> None:
    result = evaluate(scores(a="L" * 18 + "HH"), known(("a", d(21), None)), FIRST, LAST, HORIZON)
    assert result.episodes.empty  # the episode itself is out of range
    assert (result.summary.true_alarm_days, result.summary.positive_days) == (2, 4)


def test_episodes_of_sites_without_scores_are_named() -> None:
    result = evaluate(scores(a="L" * 20), known(("ghost", d(10), None)), FIRST, LAST, HORIZON)
    assert result.episodes.empty
    assert result.unscored_sites == ("ghost",)


def test_a_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InputError, match="before --from"):
        evaluate(scores(a="L" * 20), known(), LAST, FIRST, HORIZON)


# ---- the known-halts CSV ----
BAD_CSV = """site_id,start,end,kind,description,source
bisie,2025-03-14,2025-04-15,suspension,ok,src
,2025-03-14,,halt,no site,src
bisie,14/03/2025,,halt,bad date,src
bisie,2025-05-01,2025-04-01,halt,ends before it starts,src
bisie,2025-06-01,,picnic,bad kind,src
kamoto,2025-02-01,,halt,"two
lines",src
bisie,2025-03-14,,halt,duplicate,src
Bisie Mine,2025-01-01,,halt,not a slug,src
bisie,2025-07-01,,halt,one cell too many,src,extra
somair,2024-10-31,,Force Majeure,spelled loosely,src
"""


def test_bad_csv_rows_are_reported_by_line_and_good_rows_kept() -> None:
    parsed = parse_episodes(BAD_CSV)
    reasons = {e.ref: e.reason for e in parsed.errors}
    assert sorted(reasons) == ["line 10", "line 11", "line 3", "line 4", "line 5", "line 6", "line 9"]
    assert reasons["line 3"] == "site_id is empty"
    assert "start '14/03/2025' is not a date" in reasons["line 4"]
    assert "not after start" in reasons["line 5"]
    assert "kind 'picnic'" in reasons["line 6"]
    assert "duplicate (first on line 2)" in reasons["line 9"]
    assert "not a site id" in reasons["line 10"]
    assert "more cells than the header" in reasons["line 11"]
    frame = parsed.frame
    assert frame[["site_id", "line", "kind"]].values.tolist() == [
        ["bisie", 2, "suspension"], ["kamoto", 7, "halt"], ["somair", 12, "force_majeure"],
    ]  # fmt: skip
    assert frame.iloc[1]["description"] == "two\nlines"


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("site,start\nbisie,2025-03-14\n", "lacks required columns: site_id")],
)
def test_a_csv_without_the_required_columns_is_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_episodes(text)


def test_a_user_csv_replaces_the_bundled_episodes(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("site_id,start\nbisie,2025-03-12\n", encoding="utf-8")
    bundled, user = load_episodes(), load_episodes(path)
    assert len(bundled.frame) > 1
    assert user.frame[["site_id", "start"]].values.tolist() == [["bisie", date(2025, 3, 12)]]
    with pytest.raises(InputError, match="cannot read"):
        load_episodes(tmp_path / "missing.csv")


def test_the_bundled_episodes_are_clean_dated_sourced_halts_of_bundled_sites() -> None:
    parsed = load_episodes()
    assert parsed.errors == [] and parsed.unknown_columns == []
    frame = parsed.frame
    site_ids = set(pd.read_csv(ROOT / "monitor" / "data" / "sites.csv")["id"])
    assert set(frame["site_id"]) <= site_ids
    assert (frame["description"].str.len() > 20).all() and (frame["source"].str.len() > 5).all()
    bisie = frame[frame["site_id"] == "bisie"].iloc[0]
    assert (bisie["start"], bisie["end"]) == (date(2025, 3, 14), date(2025, 4, 15))


# ---- on a real store: the demo scenario ----
@pytest.fixture
def demo_pipeline(database_url: str) -> Iterator[Pipeline]:
    settings: Settings = settings_from_mapping({"database": {"url": database_url}}, env={})
    result = demo.build(settings, now=lambda: DEMO_NOW, with_alerts=False)
    yield Pipeline(result.store, settings, lambda: DEMO_NOW)
    result.store.engine.dispose()


def test_on_the_demo_bisie_reached_high_days_before_its_halt(demo_pipeline: Pipeline) -> None:
    stored = sql.frame(demo_pipeline.store, "SELECT COUNT(*) AS n FROM score")["n"].iloc[0]
    result = backtest.run(
        demo_pipeline, date(2025, 2, 1), date(2025, 4, 30), load_episodes().frame, site="bisie"
    )
    row = only(result.episodes)
    assert (row["start"], row["origin"], row["notice_start"]) == (
        date(2025, 3, 14),
        "csv+notice",
        date(2025, 3, 14),
    )
    assert row["first_high"] <= date(2025, 3, 12)
    assert row["lead_days"] >= 2
    assert row["site_name"].startswith("Bisie")
    assert result.summary.sites == 1 and result.summary.true_alarm_days >= 2
    # The replay is point-in-time and leaves the stored scores alone.
    assert sql.frame(demo_pipeline.store, "SELECT COUNT(*) AS n FROM score")["n"].iloc[0] == stored


def test_on_the_demo_the_notices_alone_reveal_the_bisie_halt(demo_pipeline: Pipeline) -> None:
    result = backtest.run(demo_pipeline, date(2025, 2, 1), date(2025, 4, 30), known(), horizon_days=14)
    row = only(result.episodes)
    assert (row["site_id"], row["start"], row["origin"]) == ("bisie", date(2025, 3, 14), "notice")
    assert row["kind"] in {"halt", "suspension", "force_majeure"}
    assert row["first_high"] <= date(2025, 3, 12) and row["lead_days"] >= 2


def test_the_command_prints_the_table_and_writes_the_csv(
    demo_pipeline: Pipeline, database_url: str, tmp_path: Path
) -> None:
    episodes = tmp_path / "known.csv"
    episodes.write_text(
        "site_id,start,end,kind,description,source\n"
        "bisie,2025-03-13,2025-04-15,suspension,=HYPERLINK(1),test\n"
        "bisie,13 March,,halt,bad,test\n",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "bisie.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_") and k != "COLUMNS"}
    env.update({"MINEWATCH_DATABASE_URL": database_url, "COLUMNS": "200", "PYTHONPATH": str(ROOT)})
    args = ["--from", "2025-02-01", "--to", "2025-04-30", "--site", "bisie", "--out", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "backtest", *args, "--episodes", str(episodes)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"{episodes}: line 3: start '13 March' is not a date" in result.stderr
    assert "2025-03-13" in result.stdout and "csv+notice" in result.stdout
    assert "1 episodes, 1 warned at high" in result.stdout
    with out.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == RESULT_COLUMNS
    assert [(r["site_id"], r["start"], r["notice_start"]) for r in rows] == [
        ("bisie", "2025-03-13", "2025-03-14")
    ]
    assert int(rows[0]["lead_days"]) >= 1
    assert rows[0]["description"] == "'=HYPERLINK(1)"  # a spreadsheet must not run it
