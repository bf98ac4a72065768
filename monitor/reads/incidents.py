"""Incidents (``incident_member``: the incident each event reports, ``monitor.fusion``): what fusion reads to
decide new events, and an incident's reports for the pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor.models import KNOWN_AFTER_STORED
from monitor.reads import sql
from monitor.store import Store

__all__ = ["REPORTS_COLUMNS", "any_stored", "context", "earliest_new", "reports", "to_decide"]

_FUSED = "e.id, e.source, e.type, e.event_date, e.known_at, e.lat, e.lon"
_TYPES: dict[str, sa.types.TypeEngine[Any]] = {"event_date": sa.Date(), "known_at": sa.DateTime()}
#: Columns of ``reports``.
REPORTS_COLUMNS: tuple[str, ...] = (
    "incident_id", "event_id", "source", "source_id", "event_date", "known_at", "type", "sub_type",
    "fatalities", "location", "num_sources", "num_articles", "url",
)  # fmt: skip


def earliest_new(store: Store, since: datetime, unfused_only: bool = False) -> datetime | None:
    """When the earliest of the events first stored at or after ``since`` (and, with ``unfused_only``, not
    given an incident yet) became public (None: none)."""
    unfused = " AND NOT EXISTS (SELECT 1 FROM incident_member i WHERE i.event_id = e.id)"
    value = sql.scalar(
        store,
        "SELECT min(e.known_at) FROM event e WHERE e.first_seen_at >= :since"
        + (unfused if unfused_only else ""),
        {"since": since},
    )
    return None if value is None else pd.Timestamp(value).to_pydatetime()


def any_stored(store: Store) -> bool:
    """Whether any event has its incident stored (none before a store's first fusion)."""
    return sql.scalar(store, "SELECT 1 FROM incident_member LIMIT 1") is not None


def to_decide(store: Store, public_from: datetime) -> pd.DataFrame:
    """The events public at or after ``public_from``: what fusion reads (``fusion.REPORT_COLUMNS``).

    Found through indexes, so the read follows what arrived, not the history: an event public since then
    was stored since then too (``ix_event_first_seen``), unless it was public only after it was stored
    (``ix_event_known_after_stored``, partial: normally empty). A plain index on ``known_at`` would serve
    this read, but SQLite then picks it for ``Known``'s ``known_at <`` bound on every date-range read,
    which every event meets (the 4M-event tick went from 3-4 s to 13-15 s). When every event is to be
    decided (a first fusion), the indexes cost little over reading the table: 1.5-1.8 s against 1.3-1.6 s
    for 1M events, of about 3.4 s with the frame built.
    """
    query = (
        f"SELECT {_FUSED} FROM event e WHERE e.first_seen_at >= :t AND e.known_at >= :t"
        f" AND NOT ({KNOWN_AFTER_STORED})"
        f" UNION ALL SELECT {_FUSED} FROM event e WHERE {KNOWN_AFTER_STORED} AND e.known_at >= :t"
    )
    return sql.large_frame(store, query, {"t": public_from}, _TYPES)


def context(store: Store, public_before: datetime, first: date, last: date) -> pd.DataFrame:
    """The events public before ``public_before``, dated from ``first`` to ``last``, with their incident."""
    return sql.large_frame(
        store,
        f"SELECT {_FUSED}, i.incident_id FROM event e JOIN incident_member i ON i.event_id = e.id"
        " WHERE e.known_at < :t AND e.event_date >= :lo AND e.event_date <= :hi",
        {"t": public_before, "lo": first, "hi": last},
        _TYPES,
    )


def reports(store: Store, incident_ids: Sequence[int]) -> pd.DataFrame:
    """Every stored report of the incidents ``incident_ids`` (``REPORTS_COLUMNS``), first public first."""
    wanted = sorted({int(i) for i in incident_ids})
    if not wanted:
        return pd.DataFrame(columns=list(REPORTS_COLUMNS))
    marks, params = sql.in_list("inc", wanted)
    return sql.frame(
        store,
        "SELECT i.incident_id, e.id AS event_id, e.source, e.source_id, e.event_date, e.known_at, e.type,"
        " e.sub_type, e.fatalities, e.location, e.num_sources, e.num_articles, e.url"
        f" FROM incident_member i JOIN event e ON e.id = i.event_id WHERE i.incident_id IN ({marks})"
        " ORDER BY i.incident_id, e.known_at, e.id",
        params,
        _TYPES,
    )
