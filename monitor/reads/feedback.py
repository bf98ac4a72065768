"""Analyst verdicts (``feedback``): those scoring applies, and the list the feedback page shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor.reads import sql
from monitor.store import Store

__all__ = ["changed_since", "given_before", "given_between", "listed", "target_exists"]

_TIMES: dict[str, sa.types.TypeEngine[Any]] = {"created_at": sa.DateTime(), "revoked_at": sa.DateTime()}
#: What a verdict is on: the event (for an incident, its first report) or the notice, and its reference.
_TARGET_JOINS = (
    "LEFT JOIN event e ON f.target IN ('event', 'incident') AND e.id = f.target_id"
    " LEFT JOIN notice n ON f.target = 'notice' AND n.id = f.target_id"
)
_TARGET_REF = "COALESCE(e.source || ':' || e.source_id, n.source || ':' || n.source_id, '')"


def given_before(store: Store, moment: datetime) -> pd.DataFrame:
    """Every verdict given before ``moment``, revoked or not (``monitor.feedback`` decides which hold)."""
    return sql.frame(
        store,
        "SELECT id, target, target_id, verdict, site_id, note, created_by, created_at, revoked_by, revoked_at"
        " FROM feedback WHERE created_at < :moment ORDER BY id",
        {"moment": moment},
        _TIMES,
    )


def given_between(store: Store, first: date, stop: date, vintage: datetime | None) -> pd.DataFrame:
    """The verdicts given on or after ``first`` and before ``stop`` (for a vintage: given by then, and a
    revocation after it not yet known), with the ``source:source_id`` of what each is on (``target_ref``)."""
    cut = " AND f.created_at <= :vintage" if vintage is not None else ""
    frame = sql.frame(
        store,
        "SELECT f.created_at, f.id AS feedback_id, f.target, "
        f"{_TARGET_REF} AS target_ref, f.verdict, f.site_id, f.note, f.created_by, f.revoked_at, f.revoked_by"
        f" FROM feedback f {_TARGET_JOINS} WHERE f.created_at >= :first AND f.created_at < :stop{cut}",
        {"first": first, "stop": stop, **({"vintage": vintage} if vintage is not None else {})},
        _TIMES,
    )
    if vintage is not None:
        late = frame["revoked_at"] > pd.Timestamp(vintage)
        frame.loc[late, ["revoked_at", "revoked_by"]] = [pd.NaT, ""]
    return frame


def listed(store: Store, limit: int) -> pd.DataFrame:
    """The newest verdicts, with what they are on: ``target_ref`` (``source:source_id`` of the event, the
    incident's first report or the notice), the notice's title, the event's place and date."""
    return sql.frame(
        store,
        f"""
        select f.id, f.target, f.target_id, f.verdict, f.site_id, f.note, f.created_by, f.created_at,
               f.revoked_by, f.revoked_at,
               {_TARGET_REF} as target_ref, coalesce(n.title, '') as title,
               coalesce(e.location, '') as location, e.event_date
        from feedback f {_TARGET_JOINS}
        order by f.id desc
        limit {int(limit)}
        """,
        types={**_TIMES, "event_date": sa.Date()},
    )


def target_exists(store: Store, target: str, target_id: int) -> bool:
    """Whether there is such an event, incident (an event that names one) or notice."""
    table, column = {"event": ("event", "id"), "incident": ("incident_member", "incident_id"),
                     "notice": ("notice", "id")}.get(target, ("", ""))  # fmt: skip
    if not table:
        return False
    found = sql.scalar(store, f"SELECT 1 FROM {table} WHERE {column} = :i LIMIT 1", {"i": int(target_id)})
    return found is not None


def changed_since(store: Store, since: datetime) -> date | None:
    """The earliest day on which a verdict was given or revoked at or after ``since`` (None: none was)."""
    first, revoked = sql.row(
        store,
        "SELECT MIN(created_at), (SELECT MIN(revoked_at) FROM feedback WHERE revoked_at >= :since)"
        " FROM feedback WHERE created_at >= :since",
        {"since": since},
    )
    moments = [pd.Timestamp(m) for m in (first, revoked) if m is not None]
    return min(moments).date() if moments else None
