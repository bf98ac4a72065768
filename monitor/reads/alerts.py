"""Stored alerts and their deliveries (one per alert and channel): what ``decide`` needs to know, what is due
to be sent, and the alert log the dashboard and the alerts export show. JSON payloads come back decoded.

The writes (storing alerts, claiming and finishing deliveries) are the outbox's: ``monitor.alerting.outbox``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor import dialect, models
from monitor.reads import sql
from monitor.store import Store

__all__ = [
    "backlog",
    "count_since",
    "created_between",
    "deliveries",
    "due",
    "log",
    "open_groups",
    "pending",
    "stored",
]

ALERT = models.Alert.__table__  # type: ignore[attr-defined]
DELIVERY = models.Delivery.__table__  # type: ignore[attr-defined]
#: Fingerprints looked up per query (a long IN list is slow to plan, and SQLite caps parameters).
_FINGERPRINTS_PER_QUERY = 500


# ---- for decide and the outbox----
def stored(store: Store, fingerprints: Collection[str], created_since: datetime) -> list[sa.RowMapping]:
    """Stored alerts with one of these fingerprints, or created at or after ``created_since``."""
    recent = ALERT.c.created_at >= created_since
    fps = list(fingerprints)
    rows: list[sa.RowMapping] = []
    with store.engine.connect() as conn:
        for start in range(0, max(len(fps), 1), _FINGERPRINTS_PER_QUERY):
            chunk = fps[start : start + _FINGERPRINTS_PER_QUERY]
            where = sa.or_(recent, ALERT.c.fingerprint.in_(chunk)) if chunk else recent
            rows.extend(conn.execute(sa.select(ALERT).where(where)).mappings().all())
    return rows


def open_groups(store: Store, now: datetime) -> list[tuple[str, datetime, int]]:
    """Messages not sent yet whose send time is after ``now``: (group key, send time, how many alerts)."""
    query = (
        sa.select(
            DELIVERY.c.group_key,
            sa.func.min(DELIVERY.c.next_attempt_at),
            sa.func.count(sa.distinct(DELIVERY.c.alert_id)),
        )
        .where(DELIVERY.c.delivered_at.is_(None), DELIVERY.c.attempts == 0, DELIVERY.c.next_attempt_at > now)
        .group_by(DELIVERY.c.group_key)
    )
    with store.engine.connect() as conn:
        return [(str(r[0]), r[1], int(r[2])) for r in conn.execute(query).all()]


def due(store: Store, channels: Sequence[str], now: datetime) -> list[sa.Row[Any]]:
    """Undelivered deliveries of these channels whose time has come (id, channel, group_key, attempts and
    the alert's payload), by channel, group, then the alerts' creation."""
    query = (
        sa.select(
            DELIVERY.c.id, DELIVERY.c.channel, DELIVERY.c.group_key, DELIVERY.c.attempts, ALERT.c.payload
        )
        .join(ALERT, ALERT.c.id == DELIVERY.c.alert_id)
        .where(
            DELIVERY.c.delivered_at.is_(None),
            DELIVERY.c.failed_at.is_(None),
            DELIVERY.c.channel.in_(list(channels)),
            sa.or_(DELIVERY.c.next_attempt_at.is_(None), DELIVERY.c.next_attempt_at <= now),
        )
        .order_by(DELIVERY.c.channel, DELIVERY.c.group_key, ALERT.c.created_at, ALERT.c.id)
    )
    with store.engine.connect() as conn:
        return list(conn.execute(query))


def pending(store: Store, channels: Sequence[str]) -> dict[str, tuple[int, datetime | None]]:
    """Per channel: its undelivered deliveries not given up, and their earliest next attempt."""
    query = (
        sa.select(DELIVERY.c.channel, sa.func.count(), sa.func.min(DELIVERY.c.next_attempt_at))
        .where(
            DELIVERY.c.delivered_at.is_(None),
            DELIVERY.c.failed_at.is_(None),
            DELIVERY.c.channel.in_(list(channels)),
        )
        .group_by(DELIVERY.c.channel)
    )
    with store.engine.connect() as conn:
        return {str(r[0]): (int(r[1]), r[2]) for r in conn.execute(query).all()}


def backlog(store: Store) -> dict[str, tuple[int, int]]:
    """Per channel with undelivered deliveries: how many are waiting, and how many of those failed their
    last attempt."""
    failed = sa.case((DELIVERY.c.last_error != "", 1), else_=0)
    query = (
        sa.select(DELIVERY.c.channel, sa.func.count(), sa.func.sum(failed))
        .where(DELIVERY.c.delivered_at.is_(None))
        .group_by(DELIVERY.c.channel)
    )
    with store.engine.connect() as conn:
        return {str(r[0]): (int(r[1]), int(r[2] or 0)) for r in conn.execute(query).all()}


# ---- the alert log----
def log(store: Store, limit: int, before: datetime | None = None) -> pd.DataFrame:
    """The newest ``limit`` alerts (created before ``before`` only, when given), newest first (id,
    fingerprint, created_at, kind, site_id, title, status, reason, payload)."""
    frame = sql.frame(
        store,
        f"""
        select a.id, a.fingerprint, a.created_at, a.kind, a.site_id, a.title, a.status, a.reason, a.payload
        from alert a
        {"" if before is None else "where a.created_at < :before"}
        order by a.created_at desc, a.id desc
        limit {int(limit)}
        """,
        None if before is None else {"before": before},
    )
    frame["payload"] = frame["payload"].map(dialect.json_value)
    return frame


def count_since(store: Store, since: datetime) -> int:
    """How many alerts were created at or after ``since``."""
    return int(sql.scalar(store, "SELECT count(*) FROM alert WHERE created_at >= :since", {"since": since}))


def created_between(store: Store, first: date, stop: date, vintage: datetime | None) -> pd.DataFrame:
    """Alerts created on or after ``first`` and before ``stop`` (and, for a vintage, by then): id,
    created_at, kind, site_id, episode, status, title, payload, fingerprint."""
    cut = " AND a.created_at <= :vintage" if vintage is not None else ""
    frame = sql.frame(
        store,
        "SELECT a.id, a.created_at, a.kind, a.site_id, a.episode, a.status, a.title, a.payload,"
        " a.fingerprint FROM alert a WHERE a.created_at >= :first AND a.created_at < :stop" + cut,
        {"first": first, "stop": stop, "vintage": vintage}
        if vintage is not None
        else {"first": first, "stop": stop},
    )
    frame["payload"] = frame["payload"].map(dialect.json_value)
    return frame


def deliveries(store: Store, alert_ids: Sequence[int]) -> pd.DataFrame:
    """The deliveries of these alerts (alert_id, channel, attempts, last_error, next_attempt_at,
    delivered_at and failed_at)."""
    marks, params = sql.in_list("a", [int(i) for i in alert_ids])
    return sql.frame(
        store,
        "SELECT d.alert_id, d.channel, d.attempts, d.last_error, d.next_attempt_at, d.delivered_at,"
        " d.failed_at"
        f" FROM delivery d WHERE d.alert_id IN ({marks or 'NULL'})",
        params,
    )
