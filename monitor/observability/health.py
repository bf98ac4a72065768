"""Is this minewatch healthy? Per feed: its last run, its last success and the lag since; overall ``ok`` or
``degraded`` (some feed's newest run failed), answered 200 or 503 so a load balancer or an orchestrator can
act on it without reading the body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import pandas as pd

from monitor import reads
from monitor.config import Settings
from monitor.dialect import naive_utc
from monitor.store import Store

__all__ = ["HealthStatus", "health", "status_code"]

HealthStatus = Literal["ok", "degraded"]


def health(store: Store, settings: Settings, now: datetime) -> dict[str, Any]:
    """Per feed: the last run (start, status), the last successful finish, and the lag since it in seconds.

    Error texts are left out: this answer is public. Configured feeds that never ran are listed with nulls.
    """
    now_naive = naive_utc(now)
    feeds: dict[str, dict[str, Any]] = {
        name: _feed(name, None, None, None, now_naive) for name in settings.feeds.enabled()
    }
    for row in reads.feedruns.summary(store).itertuples():
        finished = None if pd.isna(row.last_ok) else pd.Timestamp(row.last_ok).to_pydatetime()
        started = pd.Timestamp(row.last_run).to_pydatetime()
        feeds[row.feed] = _feed(row.feed, started, row.last_status, finished, now_naive)
    latest = reads.scores.latest_day(store)
    failing = [f for f in feeds.values() if f["last_status"] == "failed"]
    status: HealthStatus = "degraded" if failing else "ok"
    return {
        "status": status,
        "now": _iso(now_naive),
        "latest_score_date": None if latest is None else latest.isoformat(),
        "feeds": [feeds[name] for name in sorted(feeds)],
    }


def _feed(
    name: str, started: datetime | None, status: str | None, finished: datetime | None, now: datetime
) -> dict[str, Any]:
    lag = None if finished is None else max(0, int((now - finished).total_seconds()))
    return {
        "feed": name,
        "last_run_at": _iso(started),
        "last_status": status,
        "last_ok_at": _iso(finished),
        "lag_seconds": lag,
    }


def status_code(answer: dict[str, Any]) -> int:
    """200 when healthy, 503 when degraded (the body says which feed and since when)."""
    return 200 if answer["status"] == "ok" else 503


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
