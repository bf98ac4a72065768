"""A small eastern-DRC store for dashboard tests: five sites (Bisie halted from 2025-03-14 and still halted
on the last score date), conflict events along the Walikale-Goma road and near Rubaya, their nearest sites,
operator notices, feed runs and 60 days of scores (2025-02-01 to 2025-04-01).

Everything goes in through the store's own write paths (upsert, insert_events, insert_notices).
The outputs and world production figures are round test numbers, not a source of facts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from dashboards import data
from feeds.rows import EVENT_COLUMNS, NOTICE_COLUMNS, RejectedRow
from monitor import models
from monitor.config import Settings
from monitor.reads import sql
from monitor.store import Store

AS_OF = date(2025, 4, 1)
FIRST_DAY = AS_OF - timedelta(days=59)
HALT_START = date(2025, 3, 14)
NOW = datetime(2025, 4, 1, 23, 0)

BISIE_ROUTE = [
    [-1.033, 27.733], [-1.418, 28.050], [-1.380, 28.390], [-1.430, 28.620], [-1.440, 28.810],
    [-1.610, 29.040], [-1.680, 29.220],
]  # fmt: skip
SITES: list[dict[str, object]] = [
    {"id": "bisie", "name": "Bisie (Mpama North + South)", "operator": "Alphamin Resources", "country": "CD",
     "commodity": "tin", "lat": -1.033, "lon": 27.733, "annual_output_t": 17_300.0, "output_year": 2024,
     "world_share": 0.06, "route": BISIE_ROUTE, "route_name": "Walikale - Goma road",
     "places": [{"name": "Walikale", "lat": -1.418, "lon": 28.050}], "aliases": ["Mpama North", "Bisie tin"],
     "source": "test seed"},
    {"id": "rubaya", "name": "Rubaya", "operator": "SAKIMA", "country": "CD", "commodity": "tantalum",
     "lat": -1.557, "lon": 28.880, "annual_output_t": 300.0, "output_year": 2023, "world_share": 0.15,
     "source": "test seed"},
    {"id": "kamoto", "name": "Kamoto", "operator": "Kamoto Copper Company", "country": "CD",
     "commodity": "cobalt", "lat": -10.716, "lon": 25.398, "annual_output_t": 25_000.0, "output_year": 2024,
     "world_share": 0.1, "source": "test seed"},
    {"id": "tenke", "name": "Tenke Fungurume", "operator": "CMOC", "country": "CD", "commodity": "copper",
     "lat": -10.570, "lon": 26.180, "annual_output_t": 450_000.0, "output_year": 2024, "world_share": 0.02,
     "source": "test seed"},
    {"id": "manono", "name": "Manono", "operator": "AVZ Minerals", "country": "CD", "commodity": "lithium",
     "lat": None, "lon": None, "annual_output_t": None, "source": "test seed (no coordinates)"},
]  # fmt: skip

WORLD_PRODUCTION = {"tin": 300_000.0, "tantalum": 2_100.0, "cobalt": 230_000.0, "copper": 22_000_000.0}

# (source_id, date, type, sub_type, fatalities, lat, lon, location, site, via, distance_km)
EVENTS: list[tuple[str, date, str, str, int, float, float, str, str, str, float]] = [
    ("COD1001", date(2025, 3, 9), "battles", "Non-state actor overtakes territory", 4, -1.430, 28.620,
     "Nyabiondo", "bisie", "route", 0.8),
    ("COD1002", date(2025, 3, 12), "battles", "Non-state actor overtakes territory", 7, -1.380, 28.390,
     "Kashebere", "bisie", "route", 0.5),
    ("COD1003", date(2025, 3, 19), "battles", "Armed clash", 12, -1.418, 28.050, "Walikale", "bisie",
     "site", 55.0),
    ("COD1004", date(2025, 3, 20), "violence_against_civilians", "Attack", 3, -1.400, 28.060, "Walikale",
     "bisie", "site", 54.0),
    ("COD1005", date(2025, 3, 22), "strategic_developments", "Non-violent transfer of territory", 0, -1.418,
     28.050, "Walikale", "bisie", "site", 55.0),
    ("COD1006", date(2025, 3, 24), "battles", "Armed clash", 2, -1.440, 28.810, "Masisi", "bisie", "route",
     1.2),
    ("COD1007", date(2025, 3, 25), "battles", "Armed clash", 5, -1.520, 28.850, "Rubaya", "rubaya", "site",
     4.6),
    ("COD1008", date(2025, 3, 27), "explosions_remote_violence", "Shelling/artillery/missile attack", 1,
     -1.600, 28.900, "Rubaya", "rubaya", "site", 4.9),
    ("COD1009", date(2025, 3, 28), "protests", "Peaceful protest", 0, -10.720, 25.400, "Kolwezi", "kamoto",
     "site", 0.5),
    ("COD1010", date(2025, 3, 31), "riots", "Mob violence", 0, -1.680, 29.220, "Goma", "bisie", "route", 0.3),
    ("COD1011", date(2025, 3, 29), "battles", "Armed clash", 9, -3.400, 28.800, "Uvira", "", "", 0.0),
]  # fmt: skip

NOTICES: list[tuple[str, datetime, str, str, float, str]] = [
    ("alphamin-2025-03-13", datetime(2025, 3, 13, 18, 0), "Alphamin suspends operations at Bisie",
     "halt", 0.9, "operator: Alphamin"),
    ("alphamin-2025-04-09", datetime(2025, 4, 9, 7, 0), "Alphamin announces phased restart at Bisie", "none",
     0.6, "operator: Alphamin"),
    ("alphamin-2025-03-20", datetime(2025, 3, 20, 9, 0), "Alphamin evacuates non-essential staff from Bisie",
     "evacuation", 0.8, "operator: Alphamin; place: Walikale"),
]  # fmt: skip


def write_world_production(path: Path) -> Path:
    """Write a commodities.csv (commodity, world_production_t) as another part of minewatch ships it."""
    rows = [{"commodity": c, "world_production_t": t} for c, t in WORLD_PRODUCTION.items()]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _site_rows(now: datetime) -> list[dict[str, object]]:
    rows = []
    for raw in SITES:
        row = {
            "operator": "",
            "commodities": "",
            "lat": None,
            "lon": None,
            "coord_precision_km": None,
            "coord_source": "",
            "annual_output_t": None,
            "output_year": None,
            "world_share": None,
            "aliases": [],
            "places": [],
            "route": [],
            "route_name": "",
            "status": "operating",
            "source": "",
            "notes": "",
            "origin": "bundled",
            **raw,
        }
        row["updated_at"] = now
        rows.append(row)
    return rows


def _event_frame() -> pd.DataFrame:
    rows = [
        {
            "source": "acled",
            "source_id": sid,
            "event_date": day,
            "published_at": datetime.combine(day, datetime.min.time()) + timedelta(days=2),
            "type": kind,
            "sub_type": sub,
            "actor1": "M23",
            "actor2": "FARDC",
            "fatalities": deaths,
            "lat": lat,
            "lon": lon,
            "geo_precision": 1,
            "location": place,
            "country": "CD",
            "admin1": "Nord-Kivu",
            "notes": "<b>not html</b> & 'quoted'",
            "url": "",
        }
        for sid, day, kind, sub, deaths, lat, lon, place, *_ in EVENTS
    ]
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def _risk_path(site_id: str, days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conflict, route and notice components of a site over the days (simple shapes, not the real model)."""
    t = np.arange(len(days), dtype=float)
    if site_id == "bisie":
        conflict = np.clip(10 + 1.2 * t, 0, 60)
        route = np.where(days >= pd.Timestamp(date(2025, 3, 9)), 30.0, 5.0)
        notice = np.where(days >= pd.Timestamp(date(2025, 3, 20)), 10.0, 0.0)
        return conflict, route, notice
    base = {"rubaya": 45.0, "kamoto": 8.0, "tenke": 20.0}.get(site_id, 0.0)
    return np.full(len(t), base), np.zeros(len(t)), np.zeros(len(t))


def _level(risk: float) -> str:
    return "critical" if risk >= 75 else "high" if risk >= 50 else "elevated" if risk >= 25 else "low"


def _score_rows(now: datetime, event_ids: dict[str, int]) -> list[dict[str, object]]:
    days = pd.date_range(FIRST_DAY, AS_OF, freq="D")
    rows: list[dict[str, object]] = []
    for raw in SITES:
        site_id = str(raw["id"])
        if raw["lat"] is None:
            continue
        output = float(raw["annual_output_t"] or 0.0)
        conflict, route, notice = _risk_path(site_id, days)
        mine = [e for e in EVENTS if e[8] == site_id]
        for i, day in enumerate(days.date):
            halted = site_id == "bisie" and day >= HALT_START
            risk = 100.0 if halted else float(min(99.0, conflict[i] + route[i] + notice[i]))
            known = [e for e in mine if e[1] + timedelta(days=2) <= day]  # published two days later
            top = [
                {
                    "event_id": event_ids[e[0]],
                    "via": e[9],
                    "distance_km": e[10],
                    "contribution": 1.0 / (1 + j),
                    "share": round((1.0 / (1 + j)) / sum(1.0 / (1 + k) for k in range(len(known))), 4),
                }
                for j, e in enumerate(sorted(known, key=lambda e: e[10]))
            ]
            rows.append(
                {
                    "site_id": site_id,
                    "date": day,
                    "risk": risk,
                    "level": "halted" if halted else _level(risk),
                    "status": "halted" if halted else "operating",
                    "conflict": float(conflict[i]),
                    "route": float(route[i]),
                    "notice": float(notice[i]),
                    "events_30d": len(known),
                    "fatalities_30d": sum(e[4] for e in known),
                    "nearest_event_km": min((e[10] for e in known), default=None),
                    "top_event_id": top[0]["event_id"] if top else None,
                    "supply_at_risk_t": output * (1.0 if halted else risk / 100.0),
                    "explain": {"events": top},
                    "computed_at": now,
                }
            )
    return rows


def seed(store: Store, now: datetime = NOW) -> None:
    """Fill an initialised store with the eastern-DRC scenario (idempotent)."""
    store.upsert(models.Site, _site_rows(now), key=("id",))
    store.insert_events(_event_frame(), now)
    ids = sql.frame(store, "select id, source_id from event")
    event_ids = dict(zip(ids["source_id"], ids["id"].astype(int), strict=True))
    nearest = [
        {"event_id": event_ids[e[0]], "site_id": e[8], "via": e[9], "distance_km": e[10]}
        for e in EVENTS
        if e[8]
    ]
    store.upsert(models.NearestSite, nearest, key=("event_id",))
    notices = pd.DataFrame(
        [
            {
                "source": "alphamin",
                "source_id": sid,
                "url": f"https://example.org/{sid}",
                "published_at": when,
                "title": title,
                "summary": "<script>alert(1)</script> plain text only",
                "language": "en",
                "kind": kind,
                "confidence": conf,
                "cue": f'title: "{title.split()[1]}"' if kind != "none" else "",
            }
            for sid, when, title, kind, conf, _ in NOTICES
        ],
        columns=[*NOTICE_COLUMNS, "kind", "confidence", "cue"],
    )
    store.insert_notices(notices, now)
    nids = sql.frame(store, "select id, source_id from notice")
    notice_ids = dict(zip(nids["source_id"], nids["id"].astype(int), strict=True))
    store.upsert(
        models.NoticeSite,
        [{"notice_id": notice_ids[sid], "site_id": "bisie", "matched_on": on} for sid, *_, on in NOTICES],
        key=("notice_id", "site_id"),
    )
    scores = pd.DataFrame(_score_rows(now, event_ids)).drop(columns="computed_at")
    store.replace_scores(scores, sorted(set(scores["date"])), now)
    _seed_feed_runs(store, now)


def _seed_feed_runs(store: Store, now: datetime) -> None:
    if sql.scalar(store, "select count(*) from feedrun"):
        return
    acled = store.start_run("acled", now - timedelta(hours=6))
    store.finish_run(
        acled, now - timedelta(hours=6), status="ok", fetched=11, stored=11, duplicates=0, rejected=1
    )
    gdelt_ok = store.start_run("gdelt", now - timedelta(hours=30))
    store.finish_run(gdelt_ok, now - timedelta(hours=30), status="ok", fetched=40, stored=38, duplicates=2)
    gdelt = store.start_run("gdelt", now - timedelta(hours=1))
    store.finish_run(gdelt, now - timedelta(hours=1), status="failed", error="HTTP 503 from lastupdate.txt")
    store.insert_rejected(
        "acled",
        [RejectedRow("line 7", "latitude 'n/a' is not a number", "COD9,<i>x</i>,n/a,28.1")],
        acled,
        now,
    )


def site_events(store: Store, site_id: str, days: int = 60, limit: int = 100) -> pd.DataFrame:
    """The site page's events of a site up to ``AS_OF`` (default settings)."""
    facts = data.site(store, site_id)
    assert facts is not None, site_id
    return data.site_events(store, data.site_reach(facts, Settings()), AS_OF, days, limit)


def site_explain(store: Store, site_id: str, as_of: date | None = None) -> pd.DataFrame:
    """The site page's table of the events behind a site's score, as it computes it (default settings)."""
    explanation = data.site_explanation(store, Settings(), site_id, as_of, lambda: NOW)
    return data.site_explain(store, site_id, explanation)
