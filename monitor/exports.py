"""CSV / Parquet exports with stable, documented columns (see the README's "Exports" section).

Risk and supply panels are computed point-in-time for every requested day, so an export is always complete;
events and notices are the stored rows, filtered by date. CSV: UTF-8, ISO dates (UTC), '.' decimals, no index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import pandas as pd

from monitor import sites, supply
from monitor.errors import InputError
from monitor.pipeline import Pipeline
from monitor.store import Store

Format = Literal["csv", "parquet"]

RISK_COLUMNS: tuple[str, ...] = (
    "date", "site_id", "site_name", "operator", "country", "commodity", "risk", "level", "status", "conflict",
    "route", "notice", "events_30d", "fatalities_30d", "nearest_event_km", "top_event_id", "supply_at_risk_t",
)  # fmt: skip
EVENT_COLUMNS: tuple[str, ...] = (
    "event_date", "source", "source_id", "published_at", "first_seen_at", "type", "sub_type", "actor1",
    "actor2", "fatalities", "lat", "lon", "geo_precision", "location", "country", "admin1", "nearest_site_id",
    "nearest_site_km", "via", "notes", "url",
)  # fmt: skip
NOTICE_COLUMNS: tuple[str, ...] = (
    "published_at", "source", "source_id", "url", "title", "language", "kind", "confidence", "site_ids",
    "matched_on", "first_seen_at", "summary",
)  # fmt: skip
SUPPLY_COLUMNS: tuple[str, ...] = (
    "date", "commodity", "supply_at_risk_t", "world_production_t", "share_of_world_pct", "sites_halted",
    "sites_high_or_worse", "top_site_ids",
)  # fmt: skip


def day_range(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end`` inclusive; InputError when reversed."""
    if end < start:
        raise InputError(f"--from {start} is after --to {end}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def risk_panel(pipeline: Pipeline, days: Sequence[date]) -> pd.DataFrame:
    """One row per site per day (RISK_COLUMNS), scored point-in-time and stored as a side effect."""
    scores = pipeline.score(days)
    site_frame = sites.sites_frame(pipeline.store)
    if scores.empty:
        return pd.DataFrame(columns=list(RISK_COLUMNS))
    refs = _event_refs(pipeline.store, scores["top_event_id"])
    merged = scores.merge(
        site_frame[["id", "name", "operator", "country", "commodity"]].rename(
            columns={"id": "site_id", "name": "site_name"}
        ),
        on="site_id",
        how="left",
    )
    merged["top_event_id"] = merged["top_event_id"].map(refs)
    return merged.sort_values(["date", "site_id"])[list(RISK_COLUMNS)].reset_index(drop=True)


def supply_panel(pipeline: Pipeline, days: Sequence[date]) -> pd.DataFrame:
    """One row per commodity per day (SUPPLY_COLUMNS)."""
    scores = pipeline.score(days)
    if scores.empty:
        return pd.DataFrame(columns=list(SUPPLY_COLUMNS))
    panel = supply.supply_at_risk(scores, sites.sites_frame(pipeline.store), sites.commodities_frame())
    panel["top_site_ids"] = panel["top_site_ids"].map(_joined)
    return panel.sort_values(["date", "commodity"])[list(SUPPLY_COLUMNS)].reset_index(drop=True)


def events_panel(store: Store, start: date, end: date) -> pd.DataFrame:
    """Stored events dated in [start, end] with their nearest matched site (EVENT_COLUMNS)."""
    frame = store.frame(
        "SELECT e.*, x.site_id AS nearest_site_id, x.distance_km AS nearest_site_km, x.via FROM event e"
        " LEFT JOIN (SELECT event_id, site_id, distance_km, via, ROW_NUMBER() OVER"
        " (PARTITION BY event_id ORDER BY distance_km, site_id) AS rn FROM exposure) x"
        " ON x.event_id = e.id AND x.rn = 1"
        " WHERE e.event_date >= :start AND e.event_date <= :end ORDER BY e.event_date, e.source, e.source_id",
        {"start": start, "end": end},
    )
    return _iso(frame, dates=("event_date",), times=("published_at", "first_seen_at"))[list(EVENT_COLUMNS)]


def notices_panel(store: Store, start: date, end: date) -> pd.DataFrame:
    """Stored notices known in [start, end] with the sites they were tied to (NOTICE_COLUMNS)."""
    frame = store.frame(
        "SELECT n.id, n.published_at, n.known_at, n.source, n.source_id, n.url, n.title, n.language, n.kind,"
        " n.confidence, n.first_seen_at, n.summary, s.site_id, s.matched_on FROM notice n"
        " LEFT JOIN noticesite s ON s.notice_id = n.id"
        " WHERE n.known_at >= :start AND n.known_at < :end"
        " ORDER BY n.known_at, n.source, n.source_id, s.site_id",
        {"start": start, "end": end + timedelta(days=1)},
    )
    if frame.empty:
        return pd.DataFrame(columns=list(NOTICE_COLUMNS))
    grouped = frame.groupby("id", sort=False).agg(
        site_ids=("site_id", lambda s: ";".join(v for v in s if isinstance(v, str))),
        matched_on=("matched_on", lambda s: ";".join(v for v in s if isinstance(v, str))),
    )
    first = frame.drop_duplicates("id").set_index("id").drop(columns=["site_id", "matched_on"])
    joined = first.join(grouped).reset_index(drop=True)
    return _iso(joined, dates=(), times=("published_at", "first_seen_at"))[list(NOTICE_COLUMNS)]


def write(frame: pd.DataFrame, path: Path, fmt: Format) -> None:
    """Write a panel as CSV (UTF-8, ISO dates, no index) or Parquet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(
            path, index=False, encoding="utf-8", date_format="%Y-%m-%dT%H:%M:%SZ", lineterminator="\n"
        )


def _iso(frame: pd.DataFrame, dates: Sequence[str], times: Sequence[str]) -> pd.DataFrame:
    """Dates as YYYY-MM-DD and times as YYYY-MM-DDTHH:MM:SSZ text, the same whatever the database returned."""
    out = frame.copy()
    for col in dates:
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    for col in times:
        out[col] = pd.to_datetime(out[col], format="mixed").dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")
    return out


def _event_refs(store: Store, ids: pd.Series) -> dict[int, str]:
    """Internal event ids -> stable 'source:source_id' references."""
    wanted = sorted({int(i) for i in ids.dropna()})
    if not wanted:
        return {}
    refs: dict[int, str] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        frame = store.frame(
            f"SELECT id, source, source_id FROM event WHERE id IN ({marks})",
            {f"i{n}": v for n, v in enumerate(chunk)},
        )
        refs.update({int(r.id): f"{r.source}:{r.source_id}" for r in frame.itertuples()})
    return refs


def _joined(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return "" if value is None else str(value)
