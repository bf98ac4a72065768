"""Analyst verdicts (``feedback``): those scoring applies, and the list the feedback page shows."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from monitor.reads import sql
from monitor.store import Store

__all__ = ["given_before", "listed"]

_TIMES = {"created_at": sa.DateTime(), "revoked_at": sa.DateTime()}


def given_before(store: Store, moment: datetime) -> pd.DataFrame:
    """Every verdict given before ``moment``, revoked or not (``monitor.feedback`` decides which hold)."""
    return sql.frame(
        store,
        "SELECT id, target, target_id, verdict, site_id, note, created_by, created_at, revoked_by, revoked_at"
        " FROM feedback WHERE created_at < :moment ORDER BY id",
        {"moment": moment},
        _TIMES,
    )


def listed(store: Store, limit: int) -> pd.DataFrame:
    """The newest verdicts, with what they name: the event's or incident's first report (source:id, date,
    place) or the notice's title."""
    return sql.frame(
        store,
        f"""
        select f.id, f.target, f.target_id, f.verdict, f.site_id, f.note, f.created_by, f.created_at,
               f.revoked_by, f.revoked_at,
               coalesce(e.source || ':' || e.source_id, n.source || ': ' || n.title, '') as subject,
               coalesce(e.location, '') as location, e.event_date
        from feedback f
        left join event e on f.target in ('event', 'incident') and e.id = f.target_id
        left join notice n on f.target = 'notice' and n.id = f.target_id
        order by f.id desc
        limit {int(limit)}
        """,
        types={**_TIMES, "event_date": sa.Date()},
    )
