"""Export steps: the daily-risk panel of every site out of the store an import left, against the floor.

The store is the one ``minewatch import acled`` makes of the step's generated data (sites loaded, events
imported, scores stored sparse as the pipeline writes them), built once and cached beside the data
(``bench/out/data/<scale>-<seed>/store.db``; delete it to rebuild). minewatch's side is ``write_file`` as
``minewatch export risk`` runs it: one day as CSV (with its metadata sidecar), one year as Parquet. The
floor is what a user with sqlite3 and pyarrow would write: the stored score rows of those days joined with
the sites' names, read by one SELECT and written by pyarrow, with no quiet rows filled in, no metadata.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from bench import data, ingest
from bench.harness import Case

#: The one day exported (the last full day before the data's "today") and the year.
DAY = data.NOW.date() - timedelta(days=1)
YEAR = (date(DAY.year, 1, 1), DAY)


def store_path(scale: data.Scale) -> Path:
    """The store an import of ``scale``'s data leaves, built the first time (minutes at 10,000 sites)."""
    path = data.path_for(scale, "store.db")
    if not path.exists():
        case = ingest.import_cli_case(scale, "export-store.db")
        if case.fresh is not None:
            case.fresh()
        case.call()
        ingest.store_size_mb(ingest.TMP / "export-store.db")  # checkpointed: one file to move
        shutil.move(ingest.TMP / "export-store.db", path)
    return path


def _export_case(scale: data.Scale, first: date, last: date, fmt: str) -> Case:
    from monitor.config import Settings
    from monitor.exports.files import write_file
    from monitor.exports.query import parse_query
    from monitor.pipeline import Pipeline
    from monitor.store import Store

    store = Store.from_url(f"sqlite:///{store_path(scale)}")
    pipeline = Pipeline(store, Settings(), lambda: data.NOW)
    query = parse_query("risk", store, data.NOW, start=first.isoformat(), end=last.isoformat())
    if pipeline.stale_days(query.days):
        raise RuntimeError("the import's store should hold current scores of the exported days")
    out = ingest.TMP / f"ours-risk-{first}-{last}.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)

    def call() -> int:
        return write_file(pipeline, query, out, fmt).rows  # type: ignore[arg-type]

    return Case(call=call, check=lambda: f"{out.stat().st_size / 1e6:,.1f} MB")


def _floor_case(scale: data.Scale, first: date, last: date, fmt: str) -> Case:
    source = store_path(scale)
    out = ingest.TMP / f"floor-risk-{first}-{last}.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)

    def call() -> int:
        con = sqlite3.connect(source)
        try:
            cur = con.execute(
                "SELECT s.date, s.site_id, t.name, t.country, t.commodity, s.risk, s.level, s.status,"
                " s.conflict, s.route, s.notice, s.events_30d, s.fatalities_30d, s.nearest_event_km,"
                " s.supply_at_risk_t FROM score s JOIN site t ON t.id = s.site_id"
                " WHERE s.date >= ? AND s.date <= ? ORDER BY s.date, s.site_id",
                (first.isoformat(), last.isoformat()),
            )
            names = [d[0] for d in cur.description]
            columns = list(zip(*cur.fetchall(), strict=True)) or [()] * len(names)
            table = pa.table({name: pa.array(c) for name, c in zip(names, columns, strict=True)})
        finally:
            con.close()
        if fmt == "csv":
            pcsv.write_csv(table, out)
        else:
            pq.write_table(table, out)
        return table.num_rows

    return Case(call=call, check=lambda: f"{out.stat().st_size / 1e6:,.1f} MB; stored rows only")


def day_case(scale: data.Scale) -> Case:
    """minewatch: one day of every site's risk as CSV (``minewatch export risk --start D --end D``)."""
    return _export_case(scale, DAY, DAY, "csv")


def day_floor_case(scale: data.Scale) -> Case:
    """Floor: that day's stored score rows with the sites' names, one SELECT, written by pyarrow as CSV."""
    return _floor_case(scale, DAY, DAY, "csv")


def year_case(scale: data.Scale) -> Case:
    """minewatch: one year of every site's risk as Parquet."""
    return _export_case(scale, *YEAR, "parquet")


def year_floor_case(scale: data.Scale) -> Case:
    """Floor: that year's stored score rows with the sites' names, one SELECT, written by pyarrow as
    Parquet."""
    return _floor_case(scale, *YEAR, "parquet")
