"""The exposure window held between ticks gives what matching the store's events from scratch gives,
whatever was written between two reads, and reads and matches again only the events that arrived since."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench import data
from feeds import acled
from feeds.base import Batch
from monitor import sites
from monitor.config import Settings
from monitor.matching import Reach
from monitor.reads import events, window
from monitor.reads.known import Known
from monitor.store import Store
from tests.monitor.generated import WindowReads, exposures_of, matched, pipeline_with_sites

TODAY = data.NOW.date()
FIRST = TODAY - timedelta(days=60)
#: The events of the last days arrive after the others.
LATE_DAYS = 12


def _ordered(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` in one order whatever the store's (PostgreSQL promises none)."""
    return rows.sort_values(["event_date", "event_id", "site_id", "via"]).reset_index(drop=True)


def _direct(store: Store, known: Known) -> pd.DataFrame:
    return exposures_of(store, FIRST, TODAY, known)


def _reach(store: Store) -> Reach:
    return sites.reach(store, Settings().matching)


def test_the_held_window_reads_as_the_store_through_new_events_incidents_and_a_rematch(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sites_path, events_path = generated
    pipeline, clock = pipeline_with_sites(fresh_store, sites_path)
    records = acled.parse_file(events_path).records
    # The last days' events arrive late, and a few of every day's: they land among rows held of their days.
    late = (pd.to_datetime(records["event_date"]).dt.date >= TODAY - timedelta(days=LATE_DAYS)) | (
        np.random.default_rng(3).random(len(records)) < 0.1
    )
    pipeline.ingest("import:acled", "events", [Batch(records=records[~late])], use_watermark=False)
    pipeline.match()
    pipeline.fuse()
    clock.now += timedelta(minutes=11)
    pipeline.match()  # a tick with nothing new: what was stored is now past the overlap matching looks back
    known = Known.end_of(TODAY)
    held, spy = window.ExposureWindow(), WindowReads(monkeypatch)

    def read_as_the_store() -> pd.DataFrame:
        expected = _direct(fresh_store, known)
        assert len(expected) > 0
        got = held.read(fresh_store, FIRST, TODAY, known, pipeline.window_since(), _reach(fresh_store))
        assert got["event_date"].is_monotonic_increasing  # held in day order, whatever the store's
        pd.testing.assert_frame_equal(_ordered(got), _ordered(expected))
        return got

    read_as_the_store()
    assert spy.spans == [(FIRST, TODAY)]
    before = len(read_as_the_store())  # nothing arrived since: no row read again
    assert spy.spans == [(FIRST, TODAY)] and spy.arrivals == [0]

    # The late events arrive and are read 20 minutes later (past the overlap): only the events that
    # arrived are read and matched. Their match to the store's nearest sites, later, changes nothing held.
    clock.now += timedelta(hours=1)
    pipeline.ingest("import:acled", "events", [Batch(records=records[late])], use_watermark=False)
    clock.now += timedelta(minutes=20)
    grown = read_as_the_store()
    clock.now += timedelta(minutes=30)
    pipeline.match()
    assert len(read_as_the_store()) == len(grown)
    assert len(grown) > before and len(spy.spans) == 1
    assert spy.arrivals[1:] == [len(grown) - before, 0]

    # An event of an older day moves to another incident: its rows, and only those, are read again.
    exposed = _direct(fresh_store, known)
    row = exposed.iloc[len(exposed) // 3]
    event_id, day = int(row["event_id"]), row["event_date"].date()
    assert day < TODAY - timedelta(days=LATE_DAYS)
    fresh_store.replace_incidents(
        pd.DataFrame({"event_id": [event_id], "incident_id": [event_id + 10_000_000]}), clock.now
    )
    moved = read_as_the_store()
    assert event_id + 10_000_000 in set(moved["incident_id"])
    assert spy.arrivals[-1] == int((moved["event_id"] == event_id).sum()) and len(spy.spans) == 1

    # The registry changes (a site moves): every day is read and matched again.
    frame = pd.read_csv(sites_path, dtype=str, keep_default_na=False)
    frame.loc[0, "lat"] = str(float(frame.loc[0, "lat"]) + 0.05)
    registry = sites.parse_sites_csv(frame.to_csv(index=False), origin="user", now=clock.now)
    clock.now += timedelta(minutes=1)
    pipeline.load_sites(registry)
    pipeline.match()
    read_as_the_store()
    assert spy.spans[-1] == (FIRST, TODAY)

    # Another point in time is another window.
    known = Known.end_of(TODAY - timedelta(days=1))
    read_as_the_store()
    assert spy.spans[-1] == (FIRST, TODAY) and len(spy.spans) == 3


def test_a_window_over_other_days_keeps_the_days_it_shares_and_what_was_derived_of_them(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    matched(fresh_store, generated)
    known = Known.end_of(TODAY)
    after = data.NOW.replace(tzinfo=None) + timedelta(hours=1)
    since = window.Since(stored=after, fused=after)  # nothing stored after the matched events
    derived: list[int] = []  # the rows given to ``derive`` at each call

    def derive(rows: pd.DataFrame) -> pd.DataFrame:
        derived.append(len(rows))
        return rows.assign(km=rows["distance_km"] * 1000)

    held, spy = window.ExposureWindow(), WindowReads(monkeypatch)
    reach = _reach(fresh_store)
    first = held.read(
        fresh_store, FIRST - timedelta(days=5), TODAY - timedelta(days=5), known, since, reach, derive
    )
    later = held.read(fresh_store, FIRST, TODAY, known, since, reach, derive)
    assert later["event_date"].is_monotonic_increasing
    expected = _direct(fresh_store, known)
    pd.testing.assert_frame_equal(
        _ordered(later), _ordered(expected.assign(km=expected["distance_km"] * 1000))
    )
    # The days after the first window were read and derived; the ones it shared were neither.
    assert spy.spans[1][0] > TODAY - timedelta(days=5) and spy.spans[1][1] <= TODAY
    shared = int((first["event_date"] >= pd.Timestamp(FIRST)).sum())
    assert [n for n in derived if n] == [len(first), len(later) - shared]
    later["site_km"] = 1.0  # as the pipeline adds to what it is given: not to what is held
    assert "site_km" not in held.read(fresh_store, FIRST, TODAY, known, since, reach, derive).columns


def test_a_read_soon_after_another_reads_again_only_the_events_that_changed_since(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every read looks back over the overlap (``Since``) to the events the last one read: those it holds as
    they are, in the same incident, are not read again; one moved to another incident is."""
    sites_path, events_path = generated
    pipeline, clock = pipeline_with_sites(fresh_store, sites_path)
    records = acled.parse_file(events_path).records
    recent = pd.to_datetime(records["event_date"]).dt.date >= TODAY - timedelta(days=5)
    pipeline.ingest("import:acled", "events", [Batch(records=records[~recent])], use_watermark=False)
    pipeline.match()
    pipeline.fuse()
    clock.now += timedelta(minutes=11)
    pipeline.match()
    known = Known.end_of(TODAY)
    held, spy = window.ExposureWindow(), WindowReads(monkeypatch)

    def read_as_the_store() -> pd.DataFrame:
        clock.now += timedelta(minutes=1)  # each read within the overlap of the one before
        got = held.read(fresh_store, FIRST, TODAY, known, pipeline.window_since(), _reach(fresh_store))
        pd.testing.assert_frame_equal(_ordered(got), _ordered(_direct(fresh_store, known)))
        return got

    before = len(read_as_the_store())
    pipeline.ingest("import:acled", "events", [Batch(records=records[recent])], use_watermark=False)
    grown = read_as_the_store()
    assert spy.arrivals[-1] == len(grown) - before > 0  # the new events' rows
    read_as_the_store()
    assert spy.arrivals[-1] == 0  # the same events, looked back to, held as they are
    event_id = int(grown.loc[len(grown) - 1, "event_id"])
    fresh_store.replace_incidents(
        pd.DataFrame({"event_id": [event_id], "incident_id": [event_id + 10_000_000]}), clock.now
    )
    moved = read_as_the_store()
    assert spy.arrivals[-1] == int((moved["event_id"] == event_id).sum()) > 0
    assert set(moved.loc[moved["event_id"] == event_id, "incident_id"]) == {event_id + 10_000_000}


def test_a_read_of_whole_days_comes_a_run_of_days_at_a_time_as_one_read_gives_it(
    fresh_store: Store, generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    matched(fresh_store, generated)
    known = Known.end_of(TODAY)
    since = window.Since(stored=data.NOW.replace(tzinfo=None), fused=data.NOW.replace(tzinfo=None))
    derived: list[int] = []

    def derive(rows: pd.DataFrame) -> pd.DataFrame:
        derived.append(len(rows))
        return rows.assign(km=rows["distance_km"] * 1000)

    reach = _reach(fresh_store)
    at_once = window.ExposureWindow().read(fresh_store, FIRST, TODAY, known, since, reach, derive)
    assert len(derived) == 1
    per_day = events.per_day(fresh_store, FIRST, TODAY)
    monkeypatch.setattr(window, "READ_EVENTS", max(per_day.values()) * 3)
    derived.clear()
    in_runs = window.ExposureWindow().read(fresh_store, FIRST, TODAY, known, since, reach, derive)
    assert len(derived) > 3 and sum(derived) == len(at_once)  # each run's rows derived as it was read
    assert in_runs["event_date"].is_monotonic_increasing
    pd.testing.assert_frame_equal(_ordered(in_runs), _ordered(at_once))
    runs = events.day_runs(fresh_store, FIRST, TODAY, window.READ_EVENTS)
    assert runs[0][0] == FIRST and runs[-1][1] == TODAY
    assert all(b + timedelta(days=1) == c for (_, b), (c, _) in itertools.pairwise(runs))
    assert all(sum(n for d, n in per_day.items() if a <= d <= b) <= window.READ_EVENTS for a, b in runs)
