"""Benchmark: export one year of daily risk for 10,000 sites (3.65M rows) to Parquet and CSV; print the times.

The scores are seeded straight into the store (SQL, in bulk) as the pipeline would have stored them, so this
measures the export path: read the stored scores, add the sites' facts, encode, write. Targets: Parquet
< 20 s, CSV < 40 s. ``--database-url postgresql+psycopg://...`` runs it on PostgreSQL (an empty database).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from monitor.config import Settings
from monitor.exports.files import write_file
from monitor.exports.query import parse_query
from monitor.pipeline import SCORES_EPOCH, Pipeline, params_hash
from monitor.reads import sql
from monitor.store import Store

N_SITES = 10_000
FIRST, LAST = date(2025, 1, 1), date(2025, 12, 31)
N_EVENTS = 50_000
COMPUTED_AT = datetime(2026, 1, 1, 6, 0)
COMMODITIES = ("tin", "cobalt", "copper", "lithium", "tantalum", "nickel")
COUNTRIES = ("CD", "ZM", "AU", "CL", "ID", "ZW")


def _execute(store: Store, statement: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(statement))


def seed(store: Store, settings: Settings) -> None:
    """Sites, events and a year of scores, written by SQL in bulk (the values are random but plausible)."""
    stamp = "2026-01-01 06:00:00.000000" if store.dialect == "sqlite" else "2026-01-01 06:00:00"
    rand = "abs(random()) % 1000" if store.dialect == "sqlite" else "floor(random() * 1000)::int"
    day = "date('2025-01-01', '+' || n || ' days')" if store.dialect == "sqlite" else "date '2025-01-01' + n"
    series = (
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {last}) "
        if store.dialect == "sqlite"
        else "WITH seq(n) AS (SELECT generate_series(0, {last})) "
    )
    commodity = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(COMMODITIES))
    country = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(COUNTRIES))
    _execute(
        store,
        series.format(last=N_SITES - 1)
        + "INSERT INTO site (id, name, operator, country, commodity, commodities, lat, lon, coord_source,"
        " annual_output_t, aliases, places, route, route_name, status, source, notes, origin, updated_at)"
        " SELECT 'site-' || lpad_n, 'Site ' || n, 'Operator ' || (n % 400), CASE n % 6 " + country + " END,"
        " CASE n % 7 % 6 " + commodity + " END, '', -10.0 + n % 20, 25.0 + n % 30, '',"
        " CASE WHEN n % 10 = 0 THEN NULL ELSE 100.0 + n % 5000 END, '[]', '[]', '[]', '', 'operating',"
        f" 'bench', '', 'user', '{stamp}' FROM (SELECT n, "
        + ("substr('00000' || n, -5, 5)" if store.dialect == "sqlite" else "lpad(n::text, 5, '0')")
        + " AS lpad_n FROM seq) s",
    )
    _execute(
        store,
        series.format(last=N_EVENTS - 1)
        + "INSERT INTO event (source, source_id, event_date, first_seen_at, known_at, type, sub_type, actor1,"
        " actor2, fatalities, lat, lon, geo_precision, location, country, admin1, notes, url)"
        f" SELECT 'acled', 'EV' || n, {day.replace('n', '(n % 365)')}, '{stamp}', '{stamp}', 'battles',"
        " 'Armed clash', '', '', n % 5, -10.0, 25.0, 1, '', 'CD', '', '', '' FROM seq",
    )
    levels = "CASE WHEN r >= 75 THEN 'critical' WHEN r >= 50 THEN 'high' WHEN r >= 25 THEN 'elevated'"
    levels += " ELSE 'low' END"
    days = (LAST - FIRST).days
    _execute(
        store,
        series.format(last=days)
        + "INSERT INTO score (site_id, date, risk, level, status, conflict, route, notice, events_30d,"
        " fatalities_30d, nearest_event_km, top_event_id, supply_at_risk_t, computed_at)"
        f" SELECT site_id, d, r, {levels}, 'operating', round(r * 0.6, 1), round(r - round(r * 0.6, 1), 1),"
        " 0.0,"
        " (k % 40), (k % 90), CASE WHEN r < 10 THEN NULL ELSE round(5 + k % 1450 / 10.0, 1) END,"
        f" CASE WHEN r < 20 THEN NULL ELSE 1 + k % {N_EVENTS} END,"
        " CASE WHEN o IS NULL THEN NULL ELSE round(CAST(o * r / 100.0 AS NUMERIC), 1) END,"
        f" '{stamp}' FROM ("
        f" SELECT t.id AS site_id, {day} AS d, ({rand}) / 10.0 AS r, {rand} AS k, t.annual_output_t AS o"
        " FROM seq CROSS JOIN site t) x",  # day-major, as the pipeline writes a day at a time
    )
    # Every site has a row every day: the days are scored, with nothing quiet to fill in.
    _execute(
        store,
        "INSERT INTO score_day (date, computed_at, sites, level)"
        " SELECT date, MIN(computed_at), COUNT(*), 'low' FROM score GROUP BY date",
    )
    epoch = {"params": params_hash(settings.scoring), "since": COMPUTED_AT.isoformat()}
    store.set_watermark(SCORES_EPOCH, json.dumps(epoch, sort_keys=True), COMPUTED_AT)


def main() -> None:
    """Seed, then time each export (and check a re-export is byte-identical)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store.from_url(args.database_url or f"sqlite:///{folder / 'bench.db'}")
        store.drop_schema()
        store.create_schema()
        settings = Settings()
        started = time.perf_counter()
        seed(store, settings)
        rows = int(sql.scalar(store, "SELECT COUNT(*) FROM score"))
        took = time.perf_counter() - started
        print(f"seeded {rows:,} scores for {N_SITES:,} sites in {took:.1f} s ({store.dialect})")
        pipeline = Pipeline(store, settings, lambda: datetime(2026, 1, 2, tzinfo=UTC))
        query = parse_query("risk", store, pipeline.now(), start=FIRST.isoformat(), end=LAST.isoformat())
        assert pipeline.ensure_scored(query.days) == [], "the seeded scores should be current"
        targets = {"parquet": 20.0, "csv": 40.0}
        for fmt in ("parquet", "csv"):
            path = folder / f"risk.{fmt}"
            started = time.perf_counter()
            result = write_file(pipeline, query, path, fmt)  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
            size = path.stat().st_size / 1e6
            verdict = "ok" if seconds < targets[fmt] else "SLOWER THAN TARGET"
            print(
                f"risk -> {fmt:8s} {result.rows:,} rows in {seconds:5.1f} s"
                f" ({result.rows / seconds:,.0f} rows/s, {size:,.0f} MB;"
                f" target < {targets[fmt]:.0f} s: {verdict})"
            )
            first = path.read_bytes()
            write_file(pipeline, query, path, fmt)  # type: ignore[arg-type]
            print(f"  re-export byte-identical: {path.read_bytes() == first}")
        store.drop_schema()
        store.engine.dispose()


if __name__ == "__main__":
    main()
