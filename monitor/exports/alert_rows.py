"""The alerts export panel's rows: stored alerts with their payload's annotations, sites and deliveries."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from monitor import reads
from monitor.store import Store

__all__ = ["alert_rows"]


def alert_rows(
    store: Store, alerts: pd.DataFrame, registry: pd.DataFrame, known_by: datetime | None, derived_only: bool
) -> pd.DataFrame:
    """Alerts with their payload's annotations, their sites' facts and where they were delivered."""
    deliveries = reads.alerts.deliveries(store, alerts["id"].tolist())
    delivered_at = pd.to_datetime(deliveries["delivered_at"], format="mixed")
    done = delivered_at.notna()
    if known_by is not None:  # delivered after the vintage: still pending then
        done &= delivered_at <= pd.Timestamp(known_by)
    channels = deliveries.assign(done=done.to_numpy()).sort_values("channel")
    sent = channels[channels["done"]].groupby("alert_id")["channel"].agg(";".join).to_dict()
    waiting = channels[~channels["done"]].groupby("alert_id")["channel"].agg(";".join).to_dict()
    payloads = [p if isinstance(p, dict) else {} for p in alerts["payload"]]
    cites_acled = [any(str(s.get("source", "")) == "acled" for s in p.get("sources") or []) for p in payloads]
    hide = pd.Series(cites_acled, index=alerts.index) & derived_only
    site_ids = alerts["site_id"].fillna("").astype(str)

    def fact(column: str) -> pd.Series:
        # as objects first: with an empty registry the mapped column is all-NaN floats, and "" no float
        return site_ids.map(registry[column]).astype(object).fillna("").astype(str)

    def annotation(key: str) -> pd.Series:
        return pd.Series([p.get(key) for p in payloads], index=alerts.index, dtype=object)

    return pd.DataFrame(
        {
            "created_at": alerts["created_at"],
            "kind": alerts["kind"],
            "site_id": site_ids,
            "site_name": fact("name"),
            "commodity": fact("commodity"),
            "country": fact("country"),
            "episode": alerts["episode"],
            "status": alerts["status"],
            "level": annotation("level").fillna("").astype(str),
            "risk": pd.to_numeric(annotation("risk"), errors="coerce"),
            "occurred_at": annotation("occurred_at"),
            "title": alerts["title"].where(~hide, ""),
            "summary": annotation("summary").fillna("").astype(str).where(~hide, ""),
            "delivered_to": alerts["id"].map(lambda i: sent.get(i, "")),
            "pending_to": alerts["id"].map(lambda i: waiting.get(i, "")),
            "fingerprint": alerts["fingerprint"],
        }
    )
