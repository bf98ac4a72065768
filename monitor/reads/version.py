"""How new the stored data is: a token that changes with every write readers care about, and the newest
moment a row was stored."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from monitor.reads import sql
from monitor.store import SCORES_VERSION, Store

__all__ = ["data_version", "high_water_mark"]

_VERSION_SQL = (
    "select (select max(id) from event), (select max(id) from notice), (select max(id) from feedrun),"
    " (select max(finished_at) from feedrun), (select max(updated_at) from site),"
    " (select value from watermark where name = :scores)"
)


def data_version(store: Store) -> str:
    """A token that changes whenever events, notices, feed runs, sites or scores are written (one cheap
    query: primary-key maxima and the scores' watermark)."""
    return "|".join(
        "" if v is None else str(v) for v in sql.row(store, _VERSION_SQL, {"scores": SCORES_VERSION})
    )


def high_water_mark(store: Store, *, alerts: bool = False) -> datetime | None:
    """The newest moment minewatch stored an event or a notice (or, with ``alerts``, an alert)."""
    queries = ["SELECT MAX(first_seen_at) FROM event", "SELECT MAX(first_seen_at) FROM notice"]
    if alerts:
        queries.append("SELECT MAX(created_at) FROM alert")
    marks = [sql.scalar(store, q) for q in queries]
    stamps = [pd.Timestamp(m).to_pydatetime() for m in marks if m is not None]
    return max(stamps) if stamps else None
