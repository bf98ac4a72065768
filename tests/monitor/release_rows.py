"""A store as an earlier release made it: its exact DDL (``tests/fixtures/schema``, written by
``scripts/schema_ddl.py`` from that release's models) and rows in every table, for the upgrade tests."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "schema"

#: The releases whose stores the upgrade is tested from: minewatch 0.1, and the last commit before schema
#: versions (its ``init`` was ``create_all`` over the tables of the day).
RELEASES = ("b270f5f", "11cacd5")

T0 = datetime(2025, 4, 20, 12, 0, 0, 250000)
T1 = datetime(2025, 4, 21, 6, 30)

#: One or two rows per table, with a value in every column a release may have (a column the release's
#: table lacks is left out when the rows are written). Values differ from the column defaults, so a kept
#: value cannot pass for a default.
ROWS: dict[str, list[dict[str, Any]]] = {
    "site": [
        {
            "id": "upgrade-test-mine", "name": "Upgrade Test Mine", "operator": "Test Mining SA",
            "country": "CD", "commodity": "tin", "commodities": "tin;tantalum", "lat": -1.43, "lon": 27.95,
            "coord_precision_km": 2.5, "coord_source": "operator map", "annual_output_t": 12000.0,
            "output_year": 2024, "world_share": 0.041, "aliases": ["UTM", "Mine d'essai"],
            "places": [{"name": "Nyabiondo", "lat": -1.2, "lon": 28.1}],
            "route": [[-1.43, 27.95], [-1.6, 29.2]],
            "route_name": "N2 to Goma", "status": "halted", "status_since": date(2025, 3, 12),
            "source": "test registry", "notes": "kept by the upgrade", "origin": "user", "updated_at": T0,
        }
    ],
    "event": [
        {
            "id": 7, "source": "acled", "source_id": "COD4242", "event_date": date(2025, 4, 18),
            "published_at": T0, "first_seen_at": T0, "known_at": T1, "type": "battles",
            "sub_type": "Armed clash", "actor1": "M23", "actor2": "FARDC", "fatalities": 4, "lat": -1.41,
            "lon": 28.02, "geo_precision": 2, "location": "Walikale", "country": "CD", "admin1": "Nord-Kivu",
            "notes": "Clash on the N2.", "url": "https://example.org/e/4242", "num_sources": 3,
            "num_articles": 9,
        },
        {
            "id": 8, "source": "gdelt", "source_id": "1200345", "event_date": date(2025, 4, 19),
            "published_at": None, "first_seen_at": T1, "known_at": T1, "type": "violence_against_civilians",
            "sub_type": "", "actor1": "", "actor2": "", "fatalities": 0, "lat": -1.5, "lon": 28.3,
            "geo_precision": 1, "location": "", "country": "CD", "admin1": "", "notes": "", "url": "",
            "num_sources": 1, "num_articles": 2,
        },
    ],
    "notice": [
        {
            "id": 3, "source": "notices:testco", "source_id": "https://testco.example/news/halt",
            "url": "https://testco.example/news/halt", "published_at": T0, "first_seen_at": T1,
            "known_at": T0,
            "title": "Operations suspended", "summary": "Staff evacuated as a precaution.", "language": "en",
            "kind": "halt", "confidence": 0.92,
        }
    ],
    "noticesite": [{"notice_id": 3, "site_id": "upgrade-test-mine", "matched_on": "operator: Test Mining"}],
    "exposure": [
        {"event_id": 7, "site_id": "upgrade-test-mine", "via": "site", "distance_km": 12.5},
        {"event_id": 8, "site_id": "upgrade-test-mine", "via": "route", "distance_km": 3.25},
    ],
    "score": [
        {
            "site_id": "upgrade-test-mine", "date": date(2025, 4, 19), "risk": 0.81, "level": "critical",
            "status": "halted", "conflict": 0.6, "route": 0.4, "notice": 1.0, "events_30d": 2,
            "fatalities_30d": 4, "nearest_event_km": 12.5, "top_event_id": 7, "supply_at_risk_t": 12000.0,
            "front_km": 18.0, "front_km_change_7d": -4.5, "front_days_to_radius": 6.0, "front_actor": "M23",
            "explain": {"conflict": [{"event_id": 7, "weight": 0.6}], "notice": "halt"}, "computed_at": T1,
        }
    ],
    "supply_day": [{"date": date(2025, 4, 19), "commodity": "tin", "supply_at_risk_t": 12000.0, "sites": 1}],
    "feedrun": [
        {
            "id": 11, "feed": "acled", "started_at": T0, "finished_at": T1, "status": "ok", "fetched": 10,
            "stored": 8, "duplicates": 1, "rejected": 1, "dropped": {"outside_area": 2}, "error": "",
            "watermark": "2025-04-20",
        }
    ],
    "watermark": [{"name": "acled", "value": "2025-04-20T00:00:00", "updated_at": T0}],
    "lease": [{"name": "gdelt", "holder": "host:123:abc", "acquired_at": T0, "expires_at": T1}],
    "rejected": [
        {
            "id": 5, "feed": "acled", "fingerprint": "f" * 64, "ref": "line 12",
            "reason": "latitude 'abc' is not a number", "raw": "COD1,abc,28.0", "run_id": 11,
            "created_at": T0,
        }
    ],
    "alert": [
        {
            "id": 2, "fingerprint": "a" * 64, "kind": "halt", "site_id": "upgrade-test-mine",
            "episode": "2025-03-12", "title": "Upgrade Test Mine halted", "status": "notified", "reason": "",
            "created_at": T0, "updated_at": T1, "payload": {"risk": 0.81, "sources": ["notices:testco"]},
        }
    ],
    "delivery": [
        {
            "id": 4, "alert_id": 2, "channel": "slack", "group_key": "2025-04-20", "attempts": 2,
            "last_error": "HTTP 503", "next_attempt_at": T1, "delivered_at": None, "created_at": T0,
        }
    ],
    "incident_member": [{"event_id": 7, "incident_id": 7}, {"event_id": 8, "incident_id": 7}],
    "feedback": [
        {
            "id": 1, "target": "event", "target_id": 8, "verdict": "wrong_place", "site_id": "",
            "note": "geocoded to the province centre", "created_by": "analyst", "created_at": T1,
            "revoked_by": "", "revoked_at": None,
        }
    ],
}  # fmt: skip

#: What the columns added since 0.1 hold on rows stored before them.
ADDED_DEFAULTS: dict[tuple[str, str], Any] = {
    ("event", "num_sources"): 1,
    ("event", "num_articles"): 1,
    ("score", "front_km"): None,
    ("score", "front_km_change_7d"): None,
    ("score", "front_days_to_radius"): None,
    ("score", "front_actor"): "",
    ("feedrun", "dropped"): {},
    ("incident_member", "changed_at"): None,
}
#: Columns a later revision drops, with it what they held (0012 and 0014: the scores and scored days keep no
#: explanation).
DROPPED: frozenset[tuple[str, str]] = frozenset({("score", "explain"), ("score_day", "explain")})
#: Tables a later revision replaces, each with the table that holds what is kept of it (0015: each event's
#: nearest site of its exposures; here each event has one, so every row).
REPLACED: dict[str, str] = {"exposure": "nearest_site"}


def build(engine: sa.Engine, release: str) -> dict[str, list[dict[str, Any]]]:
    """Create ``release``'s schema on the empty database at ``engine`` and write ``ROWS`` into every one of
    its tables; return the rows as written (only the columns the release has)."""
    ddl = (SCHEMAS / f"{release}.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    lines = [line for line in ddl.splitlines() if not line.startswith("--")]
    statements = [s for s in "\n".join(lines).split(";\n") if s.strip()]
    metadata = sa.MetaData()
    written: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        metadata.reflect(conn)
        for table in metadata.sorted_tables:
            rows = [{k: v for k, v in row.items() if k in table.c} for row in ROWS[table.name]]
            conn.execute(table.insert(), rows)
            written[table.name] = rows
    return written


def read(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ordered by primary key."""
    metadata = sa.MetaData()
    with engine.connect() as conn:
        metadata.reflect(conn)
        return {
            table.name: [
                dict(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key)).mappings()
            ]
            for table in metadata.sorted_tables
        }
