"""Export steps: the daily-risk panel of every site out of the store an import left, against the floor.

The store is the one ``minewatch import acled`` makes of the step's generated data (sites loaded, events
imported, scores stored sparse as the pipeline writes them), built once and cached beside the data
(``bench/out/data/<scale>-<seed>/store-<schema revision>.db``: a store another revision laid out is
never measured; delete it to rebuild). minewatch's side is ``write_file`` as
``minewatch export risk`` runs it: one day as CSV (with its metadata sidecar), one year as Parquet. The
floor is what a user with sqlite3 and pyarrow would write: the stored score rows of those days joined with
the sites' names, read by one SELECT and written by pyarrow, with no quiet rows filled in, no metadata.
The second floor runs the same SELECT through ADBC's SQLite driver (what minewatch reads with), which fills
Arrow columns in native code instead of making a Python object per value.
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
    from monitor import schema

    path = data.path_for(scale, f"store-{schema.head()}.db")
    if not path.exists():
        # With its history stored, as ``minewatch run`` leaves it a few feed runs after the import.
        case = ingest.import_cli_case(scale, "export-store.db", history=True)
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


#: The floors' one SELECT: the stored score rows of the days, with the sites' names.
_FLOOR_SQL = (
    "SELECT s.date, s.site_id, t.name, t.country, t.commodity, s.risk, s.level, s.status,"
    " s.conflict, s.route, s.notice, s.events_30d, s.fatalities_30d, s.nearest_event_km,"
    " s.supply_at_risk_t FROM score s JOIN site t ON t.id = s.site_id"
    " WHERE s.date >= ? AND s.date <= ? ORDER BY s.date, s.site_id"
)


def _floor_case(scale: data.Scale, first: date, last: date, fmt: str, driver: str = "sqlite3") -> Case:
    source = store_path(scale)
    out = ingest.TMP / f"floor-{driver}-risk-{first}-{last}.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)

    def call() -> int:
        if driver == "adbc":
            table = _select_adbc(source, first, last)
        else:
            con = sqlite3.connect(source)
            try:
                cur = con.execute(_FLOOR_SQL, (first.isoformat(), last.isoformat()))
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


def _select_adbc(source: Path, first: date, last: date) -> pa.Table:
    """The floor's SELECT through ADBC's SQLite driver, its result one batch (the driver infers each
    column's type from the first batch: a column NULL there, then real, would fail)."""
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(str(source)) as con, con.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(1 << 30)})
        cur.execute(_FLOOR_SQL, (first.isoformat(), last.isoformat()))
        return cur.fetch_arrow_table()


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


def day_floor_adbc_case(scale: data.Scale) -> Case:
    """Second floor: the same SELECT of the day through ADBC's SQLite driver, written by pyarrow as CSV."""
    return _floor_case(scale, DAY, DAY, "csv", driver="adbc")


def year_floor_adbc_case(scale: data.Scale) -> Case:
    """Second floor: the same SELECT of the year through ADBC's SQLite driver, written by pyarrow as
    Parquet."""
    return _floor_case(scale, *YEAR, "parquet", driver="adbc")
