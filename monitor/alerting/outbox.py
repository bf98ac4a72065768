"""The alert outbox: alerts and their per-channel deliveries are stored before anything is sent.

1. ``record`` stores, in one transaction, every new alert and one ``Delivery`` row per enabled channel.
2. ``deliver`` sends what is due. Each delivery is first *claimed* (attempts + 1, next_attempt_at pushed
   to the backoff time) with a conditional UPDATE, so two processes never send the same row; a send
   that succeeds sets delivered_at in its own transaction; one that fails, whatever the exception, records
   last_error and keeps the backoff time, and after ``alerts.retry.max_attempts`` sets failed_at: the row
   is given up, said once as a ``delivery_failed`` alert on the other channels and in the log. A delivered
   or failed row is never selected again, and one failing message never stops the others.

A crash after ``record`` and before the claim leaves the rows due: the next run sends them, once. A
crash between the claim and the send leaves them due again after the backoff. The only window for a
duplicate is a peer accepting a message and the process dying before it records so: receivers can
dedupe on the message key (webhook ``delivery_id``, e-mail Message-ID).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor import dialect, models, reads
from monitor.alerting.channels import Channel, DeliveryError, Message
from monitor.alerting.decide import Candidate, Decision, Known, OpenGroup, State
from monitor.config import AlertRetrySettings
from monitor.redact import redact
from monitor.store import Store

__all__ = [
    "ChannelResult",
    "Due",
    "backoff",
    "deliver",
    "due",
    "load_state",
    "record",
]

ALERT = models.Alert.__table__  # type: ignore[attr-defined]
DELIVERY = models.Delivery.__table__  # type: ignore[attr-defined]
_ERROR_CHARS = 1000
DELIVERY_FAILED = "delivery_failed"
log = logging.getLogger(__name__)


def backoff(attempts: int, retry: AlertRetrySettings) -> timedelta:
    """Wait after the ``attempts``-th attempt: backoff_seconds doubled each time, capped."""
    seconds = retry.backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, retry.max_backoff_seconds))


# ---- state for decide -------------------------------------------------------------------------------------
def load_state(store: Store, fingerprints: Collection[str], now: datetime, recent: timedelta) -> State:
    """Stored alerts with these fingerprints or created within ``recent``, and the groups still open."""
    rows = reads.alerts.stored(store, fingerprints, now - recent)
    known = {
        r["fingerprint"]: Known(
            fingerprint=r["fingerprint"],
            kind=r["kind"],
            subject=str((r["payload"] or {}).get("subject", r["site_id"])),
            episode=r["episode"],
            title=r["title"],
            created_at=r["created_at"],
            notified=r["status"] == "notified",
            payload=r["payload"] or {},
        )
        for r in rows
    }
    open_groups = tuple(
        OpenGroup(key, send_at, size) for key, send_at, size in reads.alerts.open_groups(store, now)
    )
    return State(known=tuple(known.values()), open_groups=open_groups)


# ---- store ------------------------------------------------------------------------------------------------
def _insert_alert(conn: sa.Connection, dialect_name: str, values: Mapping[str, Any]) -> int | None:
    """Insert an alert unless its fingerprint is stored (maybe by another process); its id, or None."""
    stmt = (
        dialect.insert(dialect_name)(ALERT)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["fingerprint"])
    )
    result = conn.execute(stmt.returning(ALERT.c.id)).scalar_one_or_none()
    return None if result is None else int(result)


def record(store: Store, decision: Decision, channels: Sequence[str], now: datetime) -> list[int]:
    """Store new alerts with a pending delivery per channel, held-back alerts, and annotation updates, in
    one transaction; return the ids of the alerts stored to be sent."""
    new_ids: list[int] = []
    with store.engine.begin() as conn:
        for note in decision.notifications:
            for c in note.alerts:
                alert_id = _insert_alert(conn, store.dialect, _alert_values(c, "notified", "", now))
                if alert_id is None:
                    continue
                new_ids.append(alert_id)
                if channels:
                    conn.execute(
                        sa.insert(DELIVERY),
                        [
                            {"alert_id": alert_id, "channel": ch, "group_key": note.group_key, "attempts": 0,
                             "last_error": "", "next_attempt_at": note.send_at, "delivered_at": None,
                             "created_at": now}
                            for ch in channels
                        ],
                    )  # fmt: skip
        for c, reason in decision.suppressed:
            _insert_alert(conn, store.dialect, _alert_values(c, "suppressed", reason, now))
        for c, payload in decision.updated:
            conn.execute(
                sa.update(ALERT)
                .where(ALERT.c.fingerprint == c.fingerprint)
                .values(payload=payload, title=c.title, updated_at=now)
            )
    return new_ids


def _alert_values(c: Any, status: str, reason: str, now: datetime) -> dict[str, Any]:
    return {
        "fingerprint": c.fingerprint, "kind": c.kind, "site_id": c.site_id, "episode": c.episode,
        "title": c.title, "status": status, "reason": reason, "created_at": now, "updated_at": now,
        "payload": c.payload(),
    }  # fmt: skip


# ---- send -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Due:
    """Deliveries of one channel that go out as one message (same group key)."""

    channel: str
    key: str
    delivery_ids: tuple[int, ...]
    alerts: tuple[Mapping[str, Any], ...]
    attempts: int


@dataclass
class ChannelResult:
    """Per channel: deliveries sent, failed and given up in this run, still pending after it, and the
    errors."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0
    pending: int = 0
    errors: list[str] = field(default_factory=list)
    next_attempt_at: datetime | None = None


def due(store: Store, channels: Iterable[str], now: datetime) -> list[Due]:
    """Undelivered deliveries of these channels whose time has come, grouped into messages."""
    names = list(channels)
    if not names:
        return []
    grouped: dict[tuple[str, str], list[Any]] = {}
    for row in reads.alerts.due(store, names, now):
        grouped.setdefault((row.channel, row.group_key), []).append(row)
    return [
        Due(channel, key, tuple(int(r.id) for r in members), tuple(r.payload for r in members),
            max(int(r.attempts) for r in members))
        for (channel, key), members in grouped.items()
    ]  # fmt: skip


def _claim(store: Store, ids: Sequence[int], now: datetime, until: datetime) -> set[int]:
    """Take the deliveries that are still due (another process may have taken some): their ids."""
    stmt = (
        sa.update(DELIVERY)
        .where(
            DELIVERY.c.id.in_(list(ids)),
            DELIVERY.c.delivered_at.is_(None),
            sa.or_(DELIVERY.c.next_attempt_at.is_(None), DELIVERY.c.next_attempt_at <= now),
        )
        .values(attempts=DELIVERY.c.attempts + 1, next_attempt_at=until)
        .returning(DELIVERY.c.id)
    )
    with store.engine.begin() as conn:
        return {int(i) for i in conn.execute(stmt).scalars().all()}


def _finish(store: Store, ids: Collection[int], values: Mapping[str, Any]) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.update(DELIVERY).where(DELIVERY.c.id.in_(list(ids))).values(**values))


def deliver(
    store: Store,
    channels: Mapping[str, Channel],
    now: datetime,
    retry: AlertRetrySettings,
    base_url: str | None,
) -> dict[str, ChannelResult]:
    """Send every due message on the configured channels; a failing channel never stops the others."""
    results = {name: ChannelResult() for name in channels}
    for batch in due(store, channels, now):
        attempt = batch.attempts + 1
        wait = backoff(attempt, retry)
        claimed = _claim(store, batch.delivery_ids, now, now + wait)
        if not claimed:
            continue
        alerts = tuple(a for i, a in zip(batch.delivery_ids, batch.alerts, strict=True) if i in claimed)
        result = results[batch.channel]
        try:
            channels[batch.channel].send(Message(batch.key, alerts, now, base_url))
        except Exception as exc:  # any failure is this row's to record: one bad message stalls nothing
            error = redact(_describe(exc))[:_ERROR_CHARS]
            result.failed += len(claimed)
            result.errors.append(error)
            if attempt >= retry.max_attempts:
                _finish(store, claimed, {"last_error": error, "failed_at": now})
                result.given_up += len(claimed)
                _given_up(
                    store, batch, alerts, error, attempt, [c for c in channels if c != batch.channel], now
                )
                continue
            asked = exc.retry_after if isinstance(exc, DeliveryError) else None
            later = now + max(wait, timedelta(seconds=asked or 0))
            _finish(store, claimed, {"last_error": error, "next_attempt_at": later})
        else:
            _finish(store, claimed, {"delivered_at": now, "last_error": ""})
            result.sent += len(claimed)
    for name, (count, next_at) in reads.alerts.pending(store, list(channels)).items():
        results[name].pending = count
        results[name].next_attempt_at = next_at
    return results


def _describe(exc: Exception) -> str:
    # A DeliveryError names its peer already; anything else is a bug or a refusal below the channel.
    return str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"


def _given_up(
    store: Store,
    batch: Due,
    alerts: Sequence[Mapping[str, Any]],
    error: str,
    attempts: int,
    others: Sequence[str],
    now: datetime,
) -> None:
    """Say once that a message was given up: in the log, and as an alert on the other channels (not for a
    ``delivery_failed`` alert itself, so two broken channels do not feed each other)."""
    titles = "; ".join(str(a.get("title") or a.get("kind")) for a in alerts)
    log.error("%s: gave up on %s after %d attempts: %s", batch.channel, titles, attempts, error)
    if not others or all(a.get("kind") == DELIVERY_FAILED for a in alerts):
        return
    failure = Candidate(
        kind=DELIVERY_FAILED,
        subject=batch.channel,
        episode=batch.key,
        title=f"{batch.channel} could not deliver {len(alerts)} alert(s)",
        summary=f"Given up after {attempts} attempts: {titles}. Last error: {error}",
        occurred_at=now,
        details={"channel": batch.channel, "attempts": attempts, "last_error": error, "alerts": titles},
    )
    with store.engine.begin() as conn:
        alert_id = _insert_alert(conn, store.dialect, _alert_values(failure, "notified", "", now))
        if alert_id is None:
            return
        conn.execute(
            sa.insert(DELIVERY),
            [
                {"alert_id": alert_id, "channel": ch, "group_key": failure.fingerprint, "attempts": 0,
                 "last_error": "", "next_attempt_at": now, "delivered_at": None, "created_at": now}
                for ch in others
            ],
        )  # fmt: skip
