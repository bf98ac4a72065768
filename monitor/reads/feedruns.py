"""Feed runs (one row per collection or import of a feed) and the rows feeds could not use."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from monitor import dialect
from monitor.reads import sql
from monitor.store import Store

__all__ = ["RUN_COLUMNS", "feed_names", "rejected", "summary", "totals"]

#: Columns of ``summary``: per feed, its first run, its newest run (start, status, error, counts), its last
#: successful finish, and how many runs it had.
RUN_COLUMNS: tuple[str, ...] = (
    "feed", "first_run", "last_run", "last_status", "last_error", "fetched", "stored", "duplicates",
    "rejected", "dropped", "last_ok", "runs",
)  # fmt: skip
_TIMES = {"first_run": sa.DateTime(), "last_run": sa.DateTime(), "last_ok": sa.DateTime()}


def summary(store: Store) -> pd.DataFrame:
    """One row per feed that ever ran (``RUN_COLUMNS``), by feed name. The newest run is the last one
    stored; ``dropped`` its rows dropped by reason (a dict); ``last_ok`` is the latest finish of a run that
    ended ok (empty when none did)."""
    frame = sql.frame(
        store,
        """
        with runs as (
            select feed, max(id) as last_id, min(started_at) as first_run, count(*) as runs,
                   max(case when status = 'ok' then finished_at end) as last_ok
            from feedrun group by feed
        )
        select runs.feed, runs.first_run, r.started_at as last_run, r.status as last_status,
               r.error as last_error, r.fetched, r.stored, r.duplicates, r.rejected, r.dropped, runs.last_ok,
               runs.runs
        from runs join feedrun r on r.id = runs.last_id
        order by runs.feed
        """,
        types=_TIMES,
    )
    frame["dropped"] = frame["dropped"].map(lambda v: dialect.json_value(v) or {})
    return frame


def feed_names(store: Store) -> list[str]:
    """Every feed that ever ran."""
    return [str(f) for f in sql.frame(store, "select distinct feed from feedrun")["feed"].dropna()]


def rejected(store: Store, limit: int) -> pd.DataFrame:
    """The newest rows a feed could not use (feed, created_at, ref, reason, the start of the raw text)."""
    return sql.frame(
        store,
        f"select feed, created_at, ref, reason, substr(raw, 1, 300) as raw from rejected "
        f"order by created_at desc, id desc limit {int(limit)}",
    )


def totals(store: Store) -> pd.DataFrame:
    """Per feed that ever ran: rows stored and rows rejected over all its runs (columns feed, stored,
    rejected)."""
    return sql.frame(
        store,
        "select feed, coalesce(sum(stored), 0) as stored, coalesce(sum(rejected), 0) as rejected "
        "from feedrun group by feed order by feed",
    )
