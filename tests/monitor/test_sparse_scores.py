"""Sparse scores give the answers dense ones gave: a quiet site (nothing exposed or noticed, operating) has no
stored row, the read side fills it in, and a rescore after new rows computes and writes only the cells those
rows can touch. Checked against the dense computation (``Pipeline.score(..., persist=False)``, every site and
day in memory, the path vintages take) on the bundled demo and on a small generated set imported in batches.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bench import data
from feeds import acled
from feeds.base import Batch
from monitor import demo, geo, reads, scoring, sites
from monitor import pipeline as pipeline_module
from monitor.config import Settings
from monitor.exports.files import write_file
from monitor.exports.query import parse_query
from monitor.pipeline import Pipeline
from monitor.reads import sql
from monitor.store import Store
from tests.monitor.generated import (
    Clock,
    WindowReads,
    assert_stored_equal_dense,
    batches,
    matched,
    pipeline_with_sites,
)


def _day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_the_demo_reads_back_from_sparse_rows_as_the_dense_scores_and_exports_alike(tmp_path: Path) -> None:
    settings = Settings.model_validate({"database": {"url": f"sqlite:///{tmp_path / 'demo.db'}"}})
    clock = Clock(datetime(2025, 4, 30, 12, 0, tzinfo=UTC))
    built = demo.build(settings, clock)
    pipeline = Pipeline(built.store, settings, clock)
    days = _day_range(demo.START, demo.END)
    stored_rows = int(sql.scalar(built.store, "SELECT COUNT(*) FROM score"))
    assert 0 < stored_rows < len(days) * len(sites.sites_frame(built.store))  # quiet sites have no row
    assert_stored_equal_dense(pipeline, days)
    # The risk export of stored days is byte for byte the one computed in memory as known at a later moment.
    for first, last in ((demo.START, demo.END), (date(2025, 3, 13), date(2025, 3, 14)), (demo.END, demo.END)):
        span = {"start": first.isoformat(), "end": last.isoformat()}
        live = parse_query("risk", built.store, clock.now, **span)  # type: ignore[arg-type]
        later = parse_query("risk", built.store, clock.now, as_known_at=clock.now.isoformat(), **span)  # type: ignore[arg-type]
        write_file(pipeline, live, tmp_path / "live.csv", "csv")
        write_file(pipeline, later, tmp_path / "later.csv", "csv")
        assert (tmp_path / "live.csv").read_bytes() == (tmp_path / "later.csv").read_bytes()


def test_batches_rescore_only_what_they_touch_and_end_as_the_dense_scores(
    fresh_store: Store, generated: tuple[Path, Path]
) -> None:
    sites_path, events_path = generated
    pipeline, clock = pipeline_with_sites(fresh_store, sites_path)
    dealt = batches(events_path, [0.7, 0.27, 0.03])
    for batch in dealt:
        clock.now += timedelta(hours=1)
        report = pipeline.ingest("import:acled", "events", [Batch(records=batch)], use_watermark=False)
        clock.now += timedelta(minutes=30)  # past the overlap matching and rescoring look back over
        pipeline.match()
        pipeline.rescore_since(report.earliest_known)
    first, last = reads.scores.day_span(fresh_store)
    assert first is not None and last is not None
    assert_stored_equal_dense(pipeline, _day_range(first, last))

    # The last batch rewrote the cells it could touch, of the sites it reached, and nothing else.
    rewritten = sql.frame(
        fresh_store,
        "SELECT DISTINCT site_id FROM score WHERE computed_at >= :t",
        {"t": clock.now - timedelta(minutes=1)},
    )
    frame = sites.sites_frame(fresh_store)
    events = dealt[-1]
    reach = 500.0 + 400.0  # the front line's reach, plus a route's length and the corridor
    near, _, _ = geo.pairs_within(
        frame["lat"].to_numpy(float), frame["lon"].to_numpy(float),
        events["lat"].to_numpy(float), events["lon"].to_numpy(float), reach,
    )  # fmt: skip
    far = set(frame["id"]) - set(frame["id"].to_numpy()[np.unique(near)])
    assert far, "the generated set should have sites out of the last batch's reach"
    assert not far & set(rewritten["site_id"])
    assert set(rewritten["site_id"]), "the last batch should have rescored the sites it reached"


def test_scores_read_and_computed_in_runs_of_days_are_those_computed_at_once(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = matched(fresh_store, generated)
    days = _day_range(data.NOW.date() - timedelta(days=45), data.NOW.date())
    at_once = pipeline.score(days, persist=False)
    monkeypatch.setattr(pipeline_module, "SCORE_INPUT_EVENTS", 40)
    assert len(list(pipeline._input_spans(days))) > 5
    pd.testing.assert_frame_equal(pipeline.score(days, persist=False), at_once)
    n_sites = len(pipeline._registry())
    monkeypatch.setattr(pipeline_module, "SCORE_ROWS_PER_BLOCK", 2 * n_sites)  # blocks of two days, too
    pd.testing.assert_frame_equal(pipeline.score(days, persist=False), at_once)
    monkeypatch.setattr(scoring, "ROWS_AT_ONCE", 50)  # and each block's sites in parts of about 50 rows
    pd.testing.assert_frame_equal(pipeline.score(days, persist=False), at_once)
    gaps = days[::3]  # days with gaps between them (the stale ones of a store, say)
    monkeypatch.setattr(pipeline_module, "SCORE_INPUT_EVENTS", 10**9)
    whole = pipeline.score(gaps, persist=False)
    monkeypatch.setattr(pipeline_module, "SCORE_ROWS_PER_BLOCK", 10**9)
    pd.testing.assert_frame_equal(whole, pipeline.score(gaps, persist=False))


def test_a_window_denser_than_a_run_may_hold_is_read_in_parts_and_its_runs_still_take_days(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = matched(fresh_store, generated)
    days = _day_range(data.NOW.date() - timedelta(days=30), data.NOW.date())
    at_once = pipeline.score(days, persist=False)
    window = timedelta(days=pipeline.settings.scoring.window_days)
    counts = reads.events.per_day(fresh_store, days[0] - window, days[-1])

    def held(first: date, last: date) -> int:
        return sum(n for d, n in counts.items() if first - window <= d <= last)

    bound = held(days[0], days[0]) // 2  # the window before any day alone holds more
    monkeypatch.setattr(pipeline_module, "SCORE_INPUT_EVENTS", bound)
    monkeypatch.setattr(reads.window, "READ_EVENTS", bound)
    spans = list(pipeline._input_spans(days))
    assert [d for span in spans for d in span] == days
    assert max(len(span) for span in spans) > 1, "runs should take days past the bound, up to a share"
    for span in spans:
        limit = held(span[0], span[0]) * (1 + pipeline_module.SCORE_SPAN_OVER_WINDOW)
        assert len(span) == 1 or held(span[0], span[-1]) <= limit
    reads_of: list[tuple[date, date]] = []
    matched_rows = pipeline._matched

    def spied(first: date, last: date, *args: Any) -> pd.DataFrame:
        reads_of.append((first, last))
        return matched_rows(first, last, *args)

    monkeypatch.setattr(pipeline, "_matched", spied)
    pd.testing.assert_frame_equal(pipeline.score(days, persist=False), at_once)
    assert len(reads_of) > len(spans)  # the first run's window was read a part at a time
    assert all(held(first + window, last) <= bound or first == last for first, last in reads_of)


def test_only_a_run_of_a_few_days_fills_the_window_held_for_the_ticks(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = matched(fresh_store, generated)
    today = data.NOW.date()
    extra = pipeline_module.HELD_EXTRA_DAYS
    longer = _day_range(today - timedelta(days=extra + 1), today)
    monkeypatch.setattr(pipeline_module, "SCORE_INPUT_EVENTS", 1)  # runs of a day or a few, the first short
    monkeypatch.setattr(pipeline_module, "SCORE_SPAN_OVER_WINDOW", 0.0)
    assert len(list(pipeline._input_spans(longer))) > 1
    pipeline._window = reads.window.ExposureWindow()  # nothing held yet
    pipeline.score(longer, persist=False)
    assert pipeline._window._held is None  # a longer run's later runs read their own: none held for ticks
    pipeline.score(_day_range(today - timedelta(days=extra), today), persist=False)
    assert pipeline._window._held is not None


def _scored_before(
    store: Store, generated: tuple[Path, Path], day: date, now: datetime | None = None
) -> tuple[Pipeline, Clock, pd.DataFrame, pd.Series]:
    """A pipeline on ``store`` with the generated registry and the events dated before ``day`` stored,
    matched and scored (at ``now``, else the set's clock); with every generated event and its date."""
    sites_path, events_path = generated
    pipeline, clock = pipeline_with_sites(store, sites_path)
    clock.now = now or clock.now
    records = acled.parse_file(events_path).records
    dated = pd.to_datetime(records["event_date"]).dt.date
    report = pipeline.ingest(
        "import:acled", "events", [Batch(records=records[dated < day])], use_watermark=False
    )
    pipeline.match()
    pipeline.rescore_since(report.earliest_known)
    return pipeline, clock, records, dated


def test_ticks_rescored_through_the_held_window_end_as_the_dense_scores(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    today = data.NOW.date()
    pipeline, clock, records, dated = _scored_before(fresh_store, generated, today - timedelta(days=8))
    window_reads = WindowReads(monkeypatch)
    for back in range(8, -1, -1):  # a tick for each of the last days' events, the window held between them
        clock.now += timedelta(hours=1)
        day = today - timedelta(days=back)
        batch = Batch(records=records[dated == day].reset_index(drop=True))
        report = pipeline.ingest("import:acled", "events", [batch], use_watermark=False)
        clock.now += timedelta(minutes=30)
        pipeline.match()
        pipeline.rescore_since(report.earliest_known)
    assert clock.now.date() == today
    window = Settings().scoring.window_days
    # The first tick read the window whole; each tick after read only the rows of what had arrived.
    (first_read,) = window_reads.spans
    assert first_read[1] - first_read[0] >= timedelta(days=window)
    assert len(window_reads.arrivals) >= 3 and all(window_reads.arrivals)
    first, last = reads.scores.day_span(fresh_store)
    assert first is not None and last == today
    assert_stored_equal_dense(pipeline, _day_range(first, last))


def test_ticks_across_midnight_read_the_held_window_whole_once_and_end_as_the_dense_scores(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    today = data.NOW.date()
    eve = datetime.combine(today - timedelta(days=1), time(22, 0), tzinfo=UTC)
    pipeline, clock, records, dated = _scored_before(fresh_store, generated, today - timedelta(days=9), eve)
    window_reads = WindowReads(monkeypatch)
    # Two ticks before midnight, two after: the first after scores the new day in full and yesterday's
    # cells. The second tick's events are published two hours after they are stored, after midnight: they
    # count from the new day, not from the day they were stored.
    ticks = ((20, (9, 5), 0), (70, (4, 2), 2), (150, (1, 1), 0), (195, (0, 0), 0))
    for minutes, (oldest, newest), published_after in ticks:
        clock.now = eve + timedelta(minutes=minutes)
        days = (dated >= today - timedelta(days=oldest)) & (dated <= today - timedelta(days=newest))
        batch = records[days].reset_index(drop=True)
        published = clock.now.replace(tzinfo=None) + timedelta(hours=published_after)
        batch["published_at"] = pd.Timestamp(published)
        report = pipeline.ingest("import:acled", "events", [Batch(records=batch)], use_watermark=False)
        clock.now += timedelta(minutes=20)
        pipeline.match()
        pipeline.rescore_since(report.earliest_known)
    assert clock.now.date() == today
    # The window was read whole once, at the first tick; after midnight only the new day was read whole
    # (a day not held), and the rows of what had arrived. (The second tick rescored nothing: its events,
    # public only from the new day, change no day before it.)
    window = Settings().scoring.window_days
    assert window_reads.spans[0][1] - window_reads.spans[0][0] >= timedelta(days=window)
    assert window_reads.spans[1:] == [(today, today)]
    assert len(window_reads.arrivals) == 2 and window_reads.arrivals[0] > 0
    first, last = reads.scores.day_span(fresh_store)
    assert first is not None and last == today
    assert_stored_equal_dense(pipeline, _day_range(first, last))
