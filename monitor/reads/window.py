"""The scoring window's exposures of every site, kept between ticks of one running process.

A tick rescores the few thousand sites its new events touch, and each of their scores weighs the 60 days
before it: that window is about 300,000 exposure rows (1M events stored), matched from its events
(``reads.events.scored_events``, then ``Reach.exposures``), though all of it but what the tick brought was
matched by the tick before. An ``ExposureWindow`` keeps the window's rows of every site and, on each read,
reads and matches only the events that arrived since (``scored_events(..., arrived=...)``: found through
the indexes on ``first_seen_at`` and ``changed_at``; of those, the events it holds as they are, in the same
incident, are left out: the last read's, which each read looks back to), putting their rows in place of
those events' held rows, and the days it did not hold.

What can change the rows is what arrives: events are only ever added, an event's exposures follow from its
place and the registry (a registry change changes ``Store.registry_version``, and then nothing held is
used), and an event moved to another incident is a membership deleted and inserted with a later
``changed_at``; an event's rows are all its exposures, so the rows matched of an arrived event replace all
it had. Each read is given ``Since``, lower bounds on the stamps of whatever is written from then on
(the pipeline's: ``Pipeline.window_since``); the next read looks back to them.

Earlier versions asked the store for a digest of each day (counts and sums over the day's exposures and
incident memberships), which read the whole window's rows (0.1 s of a 1.1 s tick on SQLite, 0.5 s of
2.3 s on PostgreSQL), then read the days whose digest moved again whole: today's rows, which grow all day
as every tick adds to them.

Rows are held for one ``Known`` (the pipeline's: every stored row, ``Known()``, so one serves every day)
and one registry version; another of either starts over. The rows given are those ``Reach.exposures`` gives
of ``scored_events``' events (``typed``), days ascending (sorted, where the store did not give that
order: PostgreSQL promises none); within a day, in the order they were read (scoring takes rows in any
order). Held in day order, the rows of a window are slices of those held, not filters of every row.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from monitor.matching import Reach
from monitor.reads import events
from monitor.reads.known import Known
from monitor.store import Store

__all__ = ["READ_EVENTS", "Derive", "ExposureWindow", "Since", "in_runs", "typed"]

#: Columns worked out of each row alone, added to the rows as read (None: none); it may drop or recode
#: columns, never rows, and a row's values depend on that row only, so the rows may be put in order after it.
Derive = Callable[[pd.DataFrame], pd.DataFrame] | None
#: Events a read of whole days matches and derives at a time (``in_runs``): as matched, a row also holds its
#: event's place and what weighing reads, twice its memory once weighed (a 4M-event store's 60-day window,
#: read at once, peaked at 2.4 GB).
READ_EVENTS = 100_000


class _Reader(Protocol):
    """``_read`` given its store, reach and derive: the rows of some days (of the events arrived since,
    less those held as they are, when given)."""

    def __call__(
        self,
        first: date,
        last: date,
        known: Known,
        since: Since | None = None,
        held: pd.DataFrame | None = None,
    ) -> pd.DataFrame: ...


def typed(exposures: pd.DataFrame) -> pd.DataFrame:
    """Exposures with their events' columns (``Reach.exposures`` of ``scored_events``' events) with the
    types scoring takes whatever rows were read together: ``event_date`` and ``known_at`` as datetimes
    (each block of days picks its rows with one vectorised comparison), and ``incident_id`` as floats (NaN:
    not fused yet; read as integers only where no row lacks one)."""
    return exposures.assign(
        event_date=pd.to_datetime(exposures["event_date"]),
        known_at=pd.to_datetime(exposures["known_at"]),
        incident_id=pd.to_numeric(exposures["incident_id"]).astype(float),
    )


@dataclass(frozen=True)
class Since:
    """Lower bounds on the stamps of what is written from some moment on: every event stored from then has
    ``first_seen_at`` at or after ``stored``, and every incident membership made from then has
    ``changed_at`` after ``fused``. So the rows of every other event are as they were at that moment."""

    stored: datetime
    fused: datetime


@dataclass(frozen=True)
class _Held:
    """Every site's exposure rows of the event days from ``first`` to ``last``, as read under ``key``
    (the ``Known`` and the registry version), and what could arrive ``since`` then."""

    key: tuple[Any, ...]
    first: date
    last: date
    since: Since
    rows: pd.DataFrame


class ExposureWindow:
    """The exposures of a window of days, kept to be read again cheaply (see the module's
    docstring); one per pipeline, shared by the feeds a scheduler runs in parallel threads."""

    def __init__(self) -> None:
        self._held: _Held | None = None
        self._lock = threading.Lock()

    def read(
        self,
        store: Store,
        first: date,
        last: date,
        known: Known,
        since: Since,
        reach: Reach,
        derive: Derive = None,
    ) -> pd.DataFrame:
        """``derive(typed(reach.exposures(scored_events(store, first, last, known))))`` (``reach``: every
        site of the registry), from the rows held: only the events that arrived since they were read, and
        those of days not held, are read and matched.
        ``since`` bounds what is written from now on (taken before this read). ``derive`` adds columns
        worked out of each row alone, once per row read: held rows keep what it gave then, so it must give
        the same for a row under one registry version. Holds the rows of ``first`` to ``last`` after (and
        only those)."""
        with self._lock:
            rows = self._rows(
                store, first, last, known, since, functools.partial(_read, store, reach, derive)
            )
        return rows.reset_index(drop=True)  # the caller's own frame: columns it adds are not held

    def _rows(
        self, store: Store, first: date, last: date, known: Known, since: Since, read: _Reader
    ) -> pd.DataFrame:
        key = (known, store.registry_version())
        held = self._held if self._held is not None and self._held.key == key else None
        if held is None or last < held.first or first > held.last:  # no day held
            rows = read(first, last, known)
        else:
            lo, hi = max(first, held.first), min(last, held.last)
            arrived = read(lo, hi, known, since=held.since, held=held.rows)
            parts = [_refreshed(held.rows, lo, hi, arrived)]
            if first < lo:
                parts.insert(0, read(first, lo - timedelta(days=1), known))
            if hi < last:
                parts.append(read(hi + timedelta(days=1), last, known))
            rows = _joined(parts)
        self._held = _Held(key, first, last, since, rows)
        return rows


def _refreshed(held: pd.DataFrame, lo: date, hi: date, arrived: pd.DataFrame) -> pd.DataFrame:
    """``held``'s rows of ``lo`` to ``hi`` (in day order) with those of the events in ``arrived`` (the rows
    of the events that arrived since they were read) replaced by ``arrived``'s, in day order."""
    # Held rows are in day order: each part is a slice of them, not a filter of every row (60 -> 1 ms).
    day = held["event_date"].to_numpy()

    def at(when: Any, side: Literal["left", "right"]) -> int:
        return int(np.searchsorted(day, np.datetime64(when), side=side))

    start, end = at(lo, "left"), at(hi, "right")
    if arrived.empty:
        return held.iloc[start:end]
    # Only the days the arrived events fall on are looked at (a tick: a day or two).
    dates = arrived["event_date"].to_numpy()
    span_start = max(start, at(dates.min(), "left"))
    span_end = max(span_start, min(end, at(dates.max(), "right")))
    replaced = np.zeros(end - start, dtype=bool)
    replaced[span_start - start : span_end - start] = np.isin(
        held["event_id"].to_numpy(np.int64)[span_start:span_end], arrived["event_id"].to_numpy(np.int64)
    )
    return _joined(_merged(held, start, end, replaced, arrived, dates))


def _merged(
    held: pd.DataFrame, start: int, end: int, replaced: np.ndarray, arrived: pd.DataFrame, dates: np.ndarray
) -> list[pd.DataFrame]:
    """Slices of ``held.iloc[start:end]`` without its ``replaced`` rows (a mask over them), with each day's
    rows of ``arrived`` (in day order, ``dates`` their days) after that day's held rows: the order a stable
    sort by day of the two gives. Held rows are only copied once, into the result: late in a dense day,
    filtering, joining and sorting again the day's held rows took 0.14 s a tick."""
    day = held["event_date"].to_numpy()[start:end]
    groups = [0, *(np.flatnonzero(dates[1:] != dates[:-1]) + 1).tolist(), len(arrived)]
    inserted: dict[int, list[pd.DataFrame]] = {}
    for lo, hi in itertools.pairwise(groups):
        at = int(np.searchsorted(day, dates[lo], side="right"))
        inserted.setdefault(at, []).append(arrived.iloc[lo:hi])
    # Cut where a day's arrived rows go in and where the replaced rows start or stop: each piece between two
    # cuts is kept or dropped whole.
    changes = np.flatnonzero(replaced[1:] != replaced[:-1]) + 1
    cuts = sorted({0, len(day), *changes.tolist(), *inserted})
    parts: list[pd.DataFrame] = []
    for a, b in itertools.pairwise(cuts):
        parts += inserted.get(a, [])
        if not replaced[a]:
            parts.append(held.iloc[start + a : start + b])
    return parts + inserted.get(len(day), [])


def _joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """``parts`` one after the other (the first when all are empty: its columns)."""
    full = [p for p in parts if len(p)]
    if len(full) == 1:
        return full[0]
    return pd.concat(full or parts[:1], ignore_index=True)


def in_runs(
    store: Store, first: date, last: date, read: Callable[[date, date], pd.DataFrame]
) -> pd.DataFrame:
    """``read`` of the days ``first`` to ``last``, a run of days holding at most ``READ_EVENTS`` events at a
    time (``events.day_runs``), the runs' rows one after the other."""
    return _joined([read(a, b) for a, b in events.day_runs(store, first, last, READ_EVENTS)])


def _read(
    store: Store,
    reach: Reach,
    derive: Derive,
    first: date,
    last: date,
    known: Known,
    since: Since | None = None,
    held: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``derive(typed(reach.exposures(scored_events(...))))`` (of the events that arrived ``since``, when
    given, less those whose rows ``held`` holds as they are) in day order (a stable sort, where the store
    did not give that order); whole days (without ``since``) ``in_runs``."""
    arrived = None if since is None else (since.stored, since.fused)

    def at_once(first: date, last: date) -> pd.DataFrame:
        read = events.scored_events(store, first, last, known, arrived=arrived)
        if held is not None and len(read):
            read = read[_changed(held, read[["event_id", "incident_id"]])]
        rows = typed(reach.exposures(read))
        # Derived first (row by row), then put in order: the sort copies the narrower rows.
        rows = rows if derive is None else derive(rows)
        day = rows["event_date"].to_numpy()
        if day.size > 1 and not bool((day[1:] >= day[:-1]).all()):
            rows = rows.iloc[np.argsort(day, kind="stable")].reset_index(drop=True)
        return rows

    return at_once(first, last) if since is not None else in_runs(store, first, last, at_once)


def _changed(held: pd.DataFrame, arrived: pd.DataFrame) -> np.ndarray:
    """Which ``arrived`` events (``event_id``, ``incident_id``) are new to the ``held`` rows or in another
    incident than held: the others' rows are held as they are (an event's exposures follow from its place
    and the registry, and a registry change starts the window over), so they are not matched again.
    Every read looks back to the last tick's events (``Since``: commits that land late), about half of
    what a tick reads."""
    ids = arrived["event_id"].to_numpy(np.int64)
    held_ids = held["event_id"].to_numpy(np.int64)
    at = np.flatnonzero(np.isin(held_ids, ids))
    incident = pd.Series(held["incident_id"].to_numpy(float)[at], index=held_ids[at])
    incident = incident[~incident.index.duplicated()]
    was = incident.reindex(ids).to_numpy(float)
    now = pd.to_numeric(arrived["incident_id"]).to_numpy(float)
    same = np.isin(ids, incident.index.to_numpy()) & ((was == now) | (np.isnan(was) & np.isnan(now)))
    return ~same
