"""A small store written through the store's own write paths, with stamps chosen to sit on the boundaries the
reads must respect (public exactly at midnight, stored after a vintage, ...). Runs on SQLite, and on
PostgreSQL when MINEWATCH_TEST_DATABASE_URL is set, as every store test does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from feeds.rows import EVENT_COLUMNS, NOTICE_COLUMNS
from monitor import models, sites
from monitor.matching import Reach
from monitor.reads import sql
from monitor.scoring import SCORE_COLUMNS
from monitor.store import Store

DAY = date(2025, 3, 13)
MIDNIGHT = datetime(2025, 3, 14)  # the first instant after DAY
STORED = datetime(2025, 3, 20, 8, 0)  # when the events and notices below were first stored
COMPUTED = datetime(2025, 3, 21, 6, 0)  # when the scores below were computed

SITES_CSV = """\
id,name,operator,country,commodity,lat,lon,coord_precision_km,annual_output_t,route,status,status_since
alpha,Alpha,Alpha Mining,CD,tin,-1.0,27.7,0,1000,-1.0:27.7;-1.5:29.2,operating,
beta,Beta,Beta Metals,CD,tin,-1.0,27.4,0,500,,care_and_maintenance,2025-01-10
gamma,Gamma,Gamma Corp,ZM,copper,-12.0,27.0,0,,,operating,
"""

# source_id -> (event_date, published_at or None: known when stored)
EVENT_STAMPS: dict[str, tuple[date, datetime | None]] = {
    "E1": (date(2025, 3, 12), datetime(2025, 3, 13, 23, 59, 59, 999999)),  # public by the end of DAY
    "E2": (date(2025, 3, 13), MIDNIGHT),  # public only at the first instant after DAY
    "E3": (date(2025, 3, 10), None),  # published when first stored (STORED)
    "E4": (date(2025, 2, 1), datetime(2025, 2, 2)),  # long before
}
#: Each event's longitude, on alpha's parallel west of it (alpha at 27.7, beta at 27.4): E2 1.1 km from
#: alpha, E1 3.3 km, E3 7.8 km, E4 20 km (13 km from beta).
EVENT_LON = {"E1": 27.67, "E2": 27.69, "E3": 27.63, "E4": 27.52}
#: A reach that tells the events apart: 15 km around each site, no route corridor.
NEAR_KM = 15.0


def reach(store: Store) -> Reach:
    """Every seeded site's reach, ``NEAR_KM`` around each."""
    return Reach(sites.sites_frame(store), NEAR_KM, 0.0)


@dataclass
class Seeded:
    store: Store
    event_ids: dict[str, int]
    notice_ids: dict[str, int]


def _events() -> pd.DataFrame:
    rows = []
    for source_id, (day, published) in EVENT_STAMPS.items():
        row = dict.fromkeys(EVENT_COLUMNS, "")
        takeover = source_id == "E2"
        row.update(
            source="acled", source_id=source_id, event_date=day, published_at=published, type="battles",
            sub_type="Non-state actor overtakes territory" if takeover else "Armed clash",
            fatalities=6 if source_id == "E1" else 1, lat=-1.0, lon=EVENT_LON[source_id], geo_precision=1,
            location=source_id, country="CD",
        )  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def _notices() -> pd.DataFrame:
    rows = [
        ("N1", datetime(2025, 3, 13, 18, 0), "halt", 0.9),
        ("N2", MIDNIGHT, "resumption", 0.9),
        ("N3", datetime(2025, 3, 12, 9, 0), "evacuation", 0.3),
    ]
    frame = pd.DataFrame(
        [
            {"source": "alpha_news", "source_id": sid, "url": f"https://example.org/{sid}",
             "published_at": at, "title": f"notice {sid}", "summary": "", "language": "en", "kind": kind,
             "confidence": conf}
            for sid, at, kind, conf in rows
        ]
    )  # fmt: skip
    return frame[[*NOTICE_COLUMNS, "kind", "confidence"]]


def _scores(event_id: int) -> pd.DataFrame:
    rows = []
    alpha = [("operating", "high"), ("halted", "halted"), ("halted", "halted")]
    for offset, (status_a, level_a) in enumerate(alpha):
        day = DAY - timedelta(days=1) + timedelta(days=offset)
        for site_id, status, level, risk in (
            ("alpha", status_a, level_a, 100.0 if status_a == "halted" else 60.0),
            ("beta", "care_and_maintenance", "halted", 100.0),
            ("gamma", "operating", "low", 1.5),
        ):
            rows.append(
                {"site_id": site_id, "date": day, "risk": risk, "level": level, "status": status,
                 "conflict": 0.0, "route": min(risk, 60.0), "notice": max(risk - 60.0, 0.0), "events_30d": 2,
                 "fatalities_30d": 7, "nearest_event_km": 12.5, "top_event_id": event_id,
                 "supply_at_risk_t": None if site_id == "gamma" else risk * 10.0}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


@pytest.fixture
def seeded(fresh_store: Store) -> Seeded:
    store = fresh_store
    sites.sync_sites(store, sites.parse_sites_csv(SITES_CSV, origin="user", now=STORED), STORED)
    store.insert_events(_events(), STORED)
    store.insert_notices(_notices(), STORED)
    event_ids = dict(sql.frame(store, "SELECT source_id, id FROM event").itertuples(index=False))
    notice_ids = dict(sql.frame(store, "SELECT source_id, id FROM notice").itertuples(index=False))
    # Each event's nearest site as a match would store it (the distances rounded).
    nearest = pd.DataFrame(
        [
            {"event_id": event_ids[e], "site_id": "alpha", "via": "route", "distance_km": km}
            for e, km in (("E1", 3.0), ("E2", 1.0), ("E3", 8.0), ("E4", 20.0))
        ]
    )
    store.insert_frame(models.NearestSite, nearest, key=("event_id",))
    links = pd.DataFrame(
        [{"notice_id": i, "site_id": "alpha", "matched_on": "operator: Alpha"} for i in notice_ids.values()]
    )
    store.insert_frame(models.NoticeSite, links, key=("notice_id", "site_id"))
    days = [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    store.replace_scores(_scores(event_ids["E1"]), days, COMPUTED)
    return Seeded(store, event_ids, notice_ids)
