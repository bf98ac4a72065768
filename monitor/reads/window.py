"""The scoring window's exposures of every site, kept between ticks of one running process.

A tick rescores the few thousand sites its new events touch, and each of their scores weighs the 60 days
before it: read from the store, that window is about 300,000 exposure rows and a second of a 3.5 s tick
(1M events stored), though all but the last day or two of it were read by the tick before. An
``ExposureWindow`` keeps the window's rows of every site and, on each read, asks the store for a digest of
each day instead (counts and sums over the day's exposures and incident memberships: two grouped queries
over the window, 0.05-0.25 s), then reads again only the days whose digest moved.

What a digest can see is what can change a day's rows: events and exposures are only ever added (or every
exposure cleared and matched again when the registry changes, which changes ``Store.registry_version``,
and then nothing held is used), and an event moved to another incident is a membership deleted and
inserted with a later ``changed_at``. Rows are held for one ``Known`` (a tick's: public by the end of its
day) and one registry version; another of either starts over. The rows given are those
``reads.events.exposures_in`` gives (``typed``), days ascending (sorted, where the store did not give that
order: PostgreSQL promises none) and each day's in the order the store gave them; scoring takes rows in any
order. Held in day order, the rows of a window are slices of those held, not filters of every row.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from monitor import dialect
from monitor.reads import events, sql
from monitor.reads.known import Known
from monitor.store import Store

__all__ = ["ExposureWindow", "digest", "typed"]


def typed(exposures: pd.DataFrame) -> pd.DataFrame:
    """``exposures_in``'s rows with the types scoring takes whatever rows were read together: ``event_date``
    and ``known_at`` as datetimes (each block of days picks its rows with one vectorised comparison), and
    ``incident_id`` as floats (NaN: not fused yet; read as integers only where no row lacks one)."""
    return exposures.assign(
        event_date=pd.to_datetime(exposures["event_date"]),
        known_at=pd.to_datetime(exposures["known_at"]),
        incident_id=pd.to_numeric(exposures["incident_id"]).astype(float),
    )


def digest(store: Store, first: date, last: date, known: Known) -> dict[date, tuple[Any, ...]]:
    """Per event day from ``first`` to ``last`` with events ``known`` sees: what changes whenever the rows
    ``exposures_in`` reads of that day change (the count, event ids and distances of its exposures; the count
    of its events, and the count, incident ids and newest change of their incident memberships)."""
    params = {"start": first, "last": last, **known.params()}
    where = " WHERE e.event_date >= :start AND e.event_date <= :last" + known.where("e")
    exposed = sql.frame(
        store,
        "SELECT e.event_date AS day, COUNT(*) AS n, SUM(x.event_id) AS ids,"
        # Whole metres, summed exactly: a sum of floats depends on the order PostgreSQL's plan adds them in.
        " SUM(CAST(x.distance_km * 1000 AS BIGINT)) AS metres"
        " FROM exposure x JOIN event e ON e.id = x.event_id" + where + " GROUP BY e.event_date",
        params,
    )
    members = sql.frame(
        store,
        "SELECT e.event_date AS day, COUNT(*) AS n, COUNT(i.incident_id) AS members,"
        " SUM(i.incident_id) AS incidents, MAX(i.changed_at) AS changed"
        " FROM event e LEFT JOIN incident_member i ON i.event_id = e.id" + where + " GROUP BY e.event_date",
        params,
    )
    out: dict[date, tuple[Any, ...]] = {}
    for frame in (exposed, members):
        for row in frame.itertuples(index=False):
            day = dialect.as_date(row[0])
            assert day is not None  # grouped by a NOT NULL column
            out[day] = (*out.get(day, ()), *(_plain(v) for v in row[1:]))
    return out


def _plain(value: Any) -> Any:
    """A digest's value whatever its column's dtype (a NULL elsewhere in a column makes its counts floats)."""
    if pd.isna(value):
        return None
    return float(value) if isinstance(value, (int, float)) else str(value)


@dataclass(frozen=True)
class _Held:
    """Every site's exposure rows of the event days from ``first`` to ``last``, as read under ``key``
    (the ``Known`` and the registry version), with each day's digest when read."""

    key: tuple[Any, ...]
    first: date
    last: date
    digests: dict[date, tuple[Any, ...]]
    rows: pd.DataFrame


class ExposureWindow:
    """The rows ``exposures_in`` gives for a window of days, kept to be read again cheaply (see the module's
    docstring); one per pipeline, shared by the feeds a scheduler runs in parallel threads."""

    def __init__(self) -> None:
        self._held: _Held | None = None
        self._lock = threading.Lock()

    def read(self, store: Store, first: date, last: date, known: Known) -> pd.DataFrame:
        """``typed(exposures_in(store, first, last, known))`` (every site's rows), from the rows held where
        their day's digest has not moved. Holds the rows of ``first`` to ``last`` after (and only those)."""
        with self._lock:
            rows = self._rows(store, first, last, known)
        return rows.reset_index(drop=True)  # the caller's own frame: columns it adds are not held

    def _rows(self, store: Store, first: date, last: date, known: Known) -> pd.DataFrame:
        key = (known, store.registry_version())
        now = digest(store, first, last, known)
        held = self._held if self._held is not None and self._held.key == key else None
        if held is None:
            rows = _read(store, first, last, known)
        else:
            # Days that moved or were not held, and days held with rows they no longer have (cleared).
            gone = {d for d in held.digests if first <= d <= last and d not in now}
            moved = {
                d for d, v in now.items() if not held.first <= d <= held.last or held.digests.get(d) != v
            }
            rows = _merged(held.rows, first, last, sorted(moved | gone), store, known)
        self._held = _Held(key, first, last, now, rows)
        return rows


def _merged(
    held: pd.DataFrame, first: date, last: date, stale: list[date], store: Store, known: Known
) -> pd.DataFrame:
    """``held``'s rows of ``first`` to ``last``, those of the ``stale`` days' span read again in their place
    (days stay in order: the rows before the span, the span, the rows after)."""
    # Held rows are in day order: each part is a slice of them, not a filter of every row (60 -> 1 ms).
    day = held["event_date"].to_numpy()

    def at(when: date, side: Literal["left", "right"]) -> int:
        return int(np.searchsorted(day, np.datetime64(when), side=side))

    start, end = at(first, "left"), at(last, "right")
    if not stale:
        return held.iloc[start:end].reset_index(drop=True)
    fresh = _read(store, stale[0], stale[-1], known)
    before = held.iloc[start : max(start, min(end, at(stale[0], "left")))]
    after = held.iloc[max(start, at(stale[-1], "right")) : end]
    return pd.concat([p for p in (before, fresh, after) if len(p)] or [fresh], ignore_index=True)


def _read(store: Store, first: date, last: date, known: Known) -> pd.DataFrame:
    """``typed(exposures_in(...))`` in day order (a stable sort, where the store did not give that order)."""
    rows = typed(events.exposures_in(store, first, last, known))
    day = rows["event_date"].to_numpy()
    if day.size > 1 and not bool((day[1:] >= day[:-1]).all()):
        rows = rows.iloc[np.argsort(day, kind="stable")].reset_index(drop=True)
    return rows
