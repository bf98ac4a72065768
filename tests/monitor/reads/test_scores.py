"""Score reads answer alike on SQLite and PostgreSQL: days as dates, JSON decoded, the roll-up per commodity
equal to the scores it sums."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from monitor import dialect, reads, sites, supply
from monitor.domain import UNSCORED
from monitor.reads import sql
from monitor.reads.arrow import DRIVER_MIN_ROWS, ArrowReader, open_reader
from monitor.store import QuietScores, Store
from tests.conftest import execute
from tests.monitor.reads.conftest import COMPUTED, DAY, SITES_CSV, STORED, Seeded

FIRST, LAST = DAY - timedelta(days=1), DAY + timedelta(days=1)


def test_the_latest_scored_day_is_a_date_and_can_be_capped(seeded: Seeded) -> None:
    assert reads.scores.latest_day(seeded.store) == LAST
    assert reads.scores.latest_day(seeded.store, on_or_before=DAY) == DAY
    assert reads.scores.latest_day(seeded.store, on_or_before=date(2020, 1, 1)) is None
    assert reads.scores.day_span(seeded.store) == (FIRST, LAST)


def test_an_empty_store_has_no_scored_day(fresh_store: Store) -> None:
    assert reads.scores.latest_day(fresh_store) is None
    assert reads.scores.day_span(fresh_store) == (None, None)


def test_coverage_gives_each_scored_day_its_sites_and_when_it_was_scored_in_full(seeded: Seeded) -> None:
    execute(seeded.store, "DELETE FROM score_day WHERE date = :d", {"d": str(LAST)})
    covered = reads.scores.coverage(seeded.store, FIRST, LAST).set_index("date")
    assert covered["sites"].to_dict() == {FIRST: 3, DAY: 3}
    assert covered.loc[DAY, "computed_at"] == pd.Timestamp(COMPUTED)


def test_a_site_without_a_row_on_a_scored_day_reads_as_quiet_everywhere(seeded: Seeded) -> None:
    store = seeded.store
    quiet = QuietScores(3, "low")
    day = pd.DataFrame([r for r in _rows(seeded) if r["site_id"] != "gamma"])
    store.replace_scores(day, [LAST], COMPUTED + timedelta(hours=1), quiet)
    gamma = reads.scores.sites_on_day(store, LAST).set_index("site_id").loc["gamma"]
    quiet_row = (gamma["risk"], gamma["level"], gamma["status"], gamma["events_30d"])
    assert quiet_row == (0.0, "low", "operating", 0)
    assert pd.isna(gamma["nearest_event_km"]) and pd.isna(gamma["top_event_id"])
    assert pd.isna(gamma["supply_at_risk_t"])  # gamma has no annual output: no tonnes, not 0 t
    history = reads.scores.of_site(store, "gamma", FIRST, LAST, ["date", "risk", "level"])
    history["date"] = history["date"].map(dialect.as_date)
    assert history.values.tolist() == [[DAY, 1.5, "low"], [LAST, 0.0, "low"]]
    days = reads.scores.of_days(store, LAST, LAST).set_index("site_id")
    assert days.loc["gamma", ["status", "risk", "conflict"]].tolist() == ["operating", 0.0, 0.0]
    assert reads.scores.latest(store).set_index("site_id").loc["gamma", "level"] == "low"
    table = reads.scores.arrow(ArrowReader(store), LAST, LAST).to_pandas().set_index("site_id")
    assert table.loc["gamma", "front_actor"] == "" and table.loc["gamma", "risk"] == 0.0
    # LAST was scored in full then: every site, not a list of them.
    assert reads.scores.recomputed_since(store, COMPUTED + timedelta(minutes=1), LAST, LAST) is None
    supply = reads.scores.supply_days(store, DAY, LAST).set_index("commodity")
    assert supply["sites"].sum() == 3  # every registry site counts on a scored day


def test_the_scores_of_listed_sites_are_those_of_every_site_less_the_others(seeded: Seeded) -> None:
    every = reads.scores.of_days(seeded.store, FIRST, LAST)
    assert set(every["site_id"]) == {"alpha", "beta", "gamma"}
    listed = reads.scores.of_days(seeded.store, FIRST, LAST, {"alpha", "gamma"})
    key = ["site_id", "date"]
    expected = every[every["site_id"].isin({"alpha", "gamma"})].sort_values(key).reset_index(drop=True)
    assert listed.sort_values(key).reset_index(drop=True).equals(expected)
    assert reads.scores.of_days(seeded.store, FIRST, LAST, set()).empty


def test_the_scores_of_days_are_each_day_s_scores_of_every_site_quiet_ones_filled_in(seeded: Seeded) -> None:
    """``of_days`` fills the quiet rows in Arrow; ``sites_on_day`` joins every site with its day in SQL."""
    store = seeded.store
    day = pd.DataFrame([r for r in _rows(seeded) if r["site_id"] != "gamma"])
    store.replace_scores(day, [LAST], COMPUTED + timedelta(hours=1), QuietScores(3, "low"))
    columns = ["site_id", "date", "status", "level", "risk", "conflict", "route", "notice"]
    joined = pd.concat([reads.scores.sites_on_day(store, d) for d in (FIRST, DAY, LAST)])
    joined["date"] = joined["date"].map(dialect.as_date)
    key = ["site_id", "date"]
    expected = joined[columns].sort_values(key).reset_index(drop=True)
    got = reads.scores.of_days(store, FIRST, LAST)[columns].sort_values(key).reset_index(drop=True)
    assert len(got) == 9 and got.loc[got["site_id"] == "gamma", "level"].tolist()[-1] == "low"
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_a_rescore_of_some_sites_replaces_only_their_cells(seeded: Seeded) -> None:
    store = seeded.store
    alpha = pd.DataFrame([r for r in _rows(seeded) if r["site_id"] == "alpha"]).assign(risk=61.0)
    cells = pd.DataFrame({"site_id": ["alpha", "gamma"], "date": [LAST, LAST]})
    later = COMPUTED + timedelta(hours=2)
    store.replace_site_scores(alpha, cells, later)
    frame = reads.scores.of_days(store, LAST, LAST).set_index("site_id")
    assert frame["risk"].to_dict() == {"alpha": 61.0, "beta": 100.0, "gamma": 0.0}  # gamma now quiet
    assert reads.scores.recomputed_since(store, later, FIRST, LAST) == {"alpha"}
    assert reads.scores.coverage(store, LAST, LAST)["computed_at"].tolist() == [pd.Timestamp(COMPUTED)]


def _rows(seeded: Seeded) -> list[dict[str, object]]:
    """The seeded scores of LAST, as stored."""
    frame = sql.frame(seeded.store, "SELECT * FROM score WHERE date = :d", {"d": str(LAST)})
    frame["date"] = LAST
    return frame.drop(columns="computed_at").to_dict("records")


def test_held_days_read_as_the_store_and_read_again_only_the_days_a_write_moved(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, held = seeded.store, reads.scores.HeldDays()
    spans: list[tuple[date, date]] = []
    read = ArrowReader.read

    def spy(self: ArrowReader, query: str, params: Mapping[str, Any], schema: pa.Schema) -> pa.Table:
        if " FROM score s " in query:
            spans.append((params["first"], params["last"]))
        return read(self, query, params, schema)

    monkeypatch.setattr(ArrowReader, "read", spy)

    def rows_read(first: date = FIRST, last: date = LAST) -> list[tuple[date, date]]:
        """The spans of stored rows a read through ``held`` read, after checking it reads as the store."""
        key = ["site_id", "date"]
        direct = reads.scores.of_days(store, first, last).sort_values(key).reset_index(drop=True)
        before = len(spans)
        got = reads.scores.of_days(store, first, last, {"alpha", "beta", "gamma"}, held)
        new = spans[before:]
        pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True), direct)
        return new

    assert rows_read() == [(FIRST, LAST)]
    assert rows_read() == []  # nothing written since
    # Some sites of one day rescored (gamma turns quiet), then a whole day: only that day is read again.
    alpha = pd.DataFrame([{**r, "date": DAY, "risk": 77.0} for r in _rows(seeded) if r["site_id"] == "alpha"])
    cells = pd.DataFrame({"site_id": ["alpha", "gamma"], "date": [DAY, DAY]})
    store.replace_site_scores(alpha, cells, COMPUTED + timedelta(hours=1))
    assert rows_read() == [(DAY, DAY)]
    store.replace_scores(pd.DataFrame(_rows(seeded)[:1]), [LAST], COMPUTED + timedelta(hours=2))
    assert rows_read() == [(LAST, LAST)]
    # Days no longer asked for are let go; the days still held are not read again.
    assert rows_read(FIRST, DAY) == []
    assert rows_read() == [(LAST, LAST)]


def test_held_days_name_the_sites_recomputed_since_a_moment_as_the_store_does(seeded: Seeded) -> None:
    store, held = seeded.store, reads.scores.HeldDays()
    alpha = pd.DataFrame([{**r, "date": DAY} for r in _rows(seeded) if r["site_id"] == "alpha"])
    rescored = COMPUTED + timedelta(hours=1, microseconds=400_000)
    store.replace_site_scores(alpha, pd.DataFrame({"site_id": ["alpha"], "date": [DAY]}), rescored)
    moments = [
        COMPUTED + timedelta(seconds=1),  # before the rescore: alpha
        rescored - timedelta(microseconds=300_000),  # the rescore's second, before it: alpha
        rescored + timedelta(seconds=1),  # after: none
    ]
    for since in moments:
        direct = reads.scores.recomputed_since(store, since, DAY, LAST)
        assert reads.scores.recomputed_since(store, since, DAY, LAST, held, held_from=FIRST) == direct
    assert [reads.scores.recomputed_since(store, m, DAY, LAST, held) for m in moments] == [
        {"alpha"}, {"alpha"}, set()
    ]  # fmt: skip
    # Only the days from ``first`` count, whatever days are held.
    assert reads.scores.recomputed_since(store, moments[0], LAST, LAST, held, held_from=FIRST) == set()
    assert reads.scores.recomputed_since(store, COMPUTED, FIRST, LAST, held) is None  # scored in full


def test_scores_of_days_come_typed_and_only_from_the_days_asked(seeded: Seeded) -> None:
    frame = reads.scores.of_days(seeded.store, DAY, LAST)
    assert sorted(set(frame["date"])) == [DAY, LAST]
    assert all(type(d) is date for d in frame["date"])
    assert set(frame.columns) == {"site_id", "date", "status", "level", "risk", "conflict", "route", "notice"}


def test_a_halt_under_way_is_traced_back_to_the_last_operating_day(seeded: Seeded) -> None:
    earlier = reads.scores.last_operating_before(seeded.store, ["alpha", "beta"], LAST)
    assert earlier["alpha"] == (FIRST, FIRST)  # operating on FIRST, halted on DAY
    assert earlier["beta"] == (DAY, FIRST)  # care and maintenance is not the "halted" status


def test_sites_recomputed_since_a_moment(seeded: Seeded) -> None:
    assert reads.scores.recomputed_since(seeded.store, COMPUTED, FIRST, LAST) is None  # scored in full
    later = COMPUTED + timedelta(seconds=1)
    assert reads.scores.recomputed_since(seeded.store, later, FIRST, LAST) == set()


def test_every_site_shows_on_a_day_scored_or_not(seeded: Seeded) -> None:
    frame = reads.scores.sites_on_day(seeded.store, DAY).set_index("site_id")
    assert set(frame.index) == {"alpha", "beta", "gamma"}
    assert frame.loc["beta", "registry_status"] == "care_and_maintenance"
    unscored = reads.scores.sites_on_day(seeded.store, LAST + timedelta(days=5))
    assert unscored["level"].isna().all()
    later = reads.scores.sites_on_day(seeded.store, LAST + timedelta(days=5), levels=[UNSCORED])
    assert set(later["site_id"]) == {"alpha", "beta", "gamma"}
    only_tin_halted = reads.scores.sites_on_day(seeded.store, DAY, commodities=["tin"], levels=["halted"])
    assert sorted(only_tin_halted["site_id"]) == ["alpha", "beta"]


def test_the_sites_at_risk_on_a_day_are_those_above_zero_riskiest_first(seeded: Seeded) -> None:
    at_risk = reads.scores.at_risk_on(seeded.store, DAY)
    assert at_risk["site_id"].tolist() == ["alpha", "beta", "gamma"]  # gamma at 1.5, its output unknown
    assert list(at_risk.columns) == ["site_id", "site_name", "country", "level", "risk"]
    assert reads.scores.at_risk_on(seeded.store, LAST + timedelta(days=5)).empty


def test_one_site_s_scores_are_read_oldest_first_in_the_columns_asked(seeded: Seeded) -> None:
    frame = reads.scores.of_site(seeded.store, "alpha", FIRST, LAST, ("date", "risk", "level"))
    assert list(frame.columns) == ["date", "risk", "level"]
    assert frame["risk"].tolist() == [100.0, 100.0]  # the days after FIRST


def test_the_stored_scores_read_as_arrow_match_the_rows(seeded: Seeded) -> None:
    table = reads.scores.arrow(ArrowReader(seeded.store), FIRST, LAST, ["beta"])
    assert table.schema == reads.scores.STORED_ARROW
    assert table.num_rows == 3 and set(table.column("site_id").to_pylist()) == {"beta"}
    assert sorted(table.column("date").to_pylist()) == [FIRST, DAY, LAST]
    everyone = reads.scores.arrow(ArrowReader(seeded.store, fast=False), DAY, DAY)
    assert everyone.num_rows == 3


def test_the_stored_scores_read_as_arrow_fill_quiet_rows_as_the_sql_reads_do(seeded: Seeded) -> None:
    store = seeded.store
    quiet = QuietScores(3, "low")
    day = pd.DataFrame([r for r in _rows(seeded) if r["site_id"] != "gamma"])
    store.replace_scores(day, [LAST], COMPUTED + timedelta(hours=1), quiet)  # gamma quiet on LAST
    execute(store, "DELETE FROM score_day WHERE date = :d", {"d": str(FIRST)})  # rows of a day not scored
    columns = [
        "risk", "level", "status", "conflict", "route", "notice", "events_30d", "fatalities_30d",
        "nearest_event_km", "top_event_id", "supply_at_risk_t",
    ]  # fmt: skip
    for fast, expected in ((True, DRIVER_MIN_ROWS), (True, 0), (False, 0)):  # SQLite: driver, cursor, pandas
        with open_reader(store, fast=fast) as reader:
            reader.expect_rows(expected)
            table = reads.scores.arrow(reader, FIRST, LAST).to_pandas()
        assert FIRST not in set(table["date"])
        for scored in (DAY, LAST):
            got = table[table["date"] == scored].set_index("site_id").sort_index()[columns]
            want = reads.scores.sites_on_day(store, scored).set_index("site_id").sort_index()[columns]
            assert _plain(got) == _plain(want), (fast, expected, scored)
    with open_reader(store) as reader:
        gamma = reads.scores.arrow(reader, LAST, LAST, ["gamma"]).to_pylist()
    assert [(r["site_id"], r["risk"], r["supply_at_risk_t"], r["front_actor"]) for r in gamma] == [
        ("gamma", 0.0, None, "")
    ]


def _plain(frame: pd.DataFrame) -> list[list[object]]:
    """A frame's values as Python values, missing ones as None, whole numbers as floats."""
    return [
        [None if pd.isna(v) else float(v) if isinstance(v, (int, float)) else v for v in row]
        for row in frame.astype(object).values.tolist()
    ]


@pytest.mark.parametrize("day", [FIRST, DAY, LAST])
def test_the_supply_roll_up_sums_the_scores_as_supply_totals_does(seeded: Seeded, day: date) -> None:
    rolled = reads.scores.supply_days(seeded.store, day - timedelta(days=1), day).set_index("commodity")
    scores = reads.scores.arrow(ArrowReader(seeded.store), day, day).to_pandas()
    expected = supply.supply_totals(scores, sites.sites_frame(seeded.store), None).set_index("commodity")
    assert sorted(rolled.index) == sorted(expected.index) == ["copper", "tin"]
    for commodity in expected.index:
        for column in ("supply_at_risk_t", "sites", "sites_output_unknown"):
            assert rolled.loc[commodity, column] == pytest.approx(expected.loc[commodity, column])
    # Gamma, the copper site, is at risk with no output figure: counted apart, its tonnes not 0 but unknown.
    copper = rolled.loc["copper"]
    assert (copper["supply_at_risk_t"], copper["sites_output_unknown"]) == (0.0, 1)
    assert supply.tonnes_unknown(rolled["supply_at_risk_t"], rolled["sites_output_unknown"]).tolist() == [
        c == "copper" for c in rolled.index
    ]


def test_the_latest_scores_are_every_site_s_on_the_newest_day(seeded: Seeded) -> None:
    latest = reads.scores.latest(seeded.store).set_index("site_id")
    assert sorted(latest.index) == ["alpha", "beta", "gamma"]
    assert latest.loc["alpha", "status"] == "halted" and latest.loc["gamma", "risk"] == 1.5


def test_a_registry_change_reaches_the_next_roll_up_of_some_days_with_the_same_stamp(seeded: Seeded) -> None:
    store = seeded.store

    def tin_at_risk() -> float:
        rolled = reads.scores.supply_days(store, DAY, LAST).set_index("commodity")
        return float(rolled.loc["tin", "supply_at_risk_t"])

    store.rollup_supply([LAST])
    before = tin_at_risk()  # alpha (1,000 t) and beta (500 t), both halted: every tonne at risk
    # Beta's output doubled, written with the stamp the registry already has (a clock that stood still).
    changed = sites.SitesParse(
        [{**row, "annual_output_t": 1000.0} if row["id"] == "beta" else row for row in _site_rows()], [], []
    )
    sites.sync_sites(store, changed, STORED)
    store.rollup_supply([LAST])
    assert tin_at_risk() == before + 500.0


def _site_rows() -> list[dict[str, object]]:
    return sites.parse_sites_csv(SITES_CSV, origin="user", now=STORED).rows
