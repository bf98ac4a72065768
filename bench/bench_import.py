"""Benchmark: import a 100k-row ACLED CSV export end to end (parse, store, match) into a fresh store.

Run by hand: ``.venv/bin/python bench/bench_import.py [--rows N] [--url DATABASE_URL]``. Prints its figures.
The rows are synthetic (random points over Africa around the bundled sites), in ACLED's real CSV format.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from feeds import acled
from monitor import sites
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.store import Store

#: ACLED's CSV export header, in its order.
HEADER = [
    *[
        "event_id_cnty",
        "event_date",
        "year",
        "time_precision",
        "disorder_type",
        "event_type",
        "sub_event_type",
        "actor1",
    ],
    *[
        "assoc_actor_1",
        "inter1",
        "actor2",
        "assoc_actor_2",
        "inter2",
        "interaction",
        "civilian_targeting",
        "iso",
        "region",
    ],
    *[
        "country",
        "admin1",
        "admin2",
        "admin3",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "source",
        "source_scale",
    ],
    *["notes", "fatalities", "tags", "timestamp"],
]
TYPES = [
    ("Battles", "Armed clash"),
    ("Battles", "Non-state actor overtakes territory"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Violence against civilians", "Attack"),
    ("Protests", "Peaceful protest"),
    ("Riots", "Violent demonstration"),
    ("Strategic developments", "Looting/property destruction"),
]


def synthetic_csv(rows: int, seed: int = 7) -> bytes:
    """An ACLED-format CSV of ``rows`` random DR Congo events (half near eastern DRC mines)."""
    rng = np.random.default_rng(seed)
    lat = np.where(rng.random(rows) < 0.5, rng.normal(-1.5, 1.0, rows), rng.uniform(-12, 4, rows))
    lon = np.where(rng.random(rows) < 0.5, rng.normal(28.5, 1.0, rows), rng.uniform(12, 31, rows))
    day0 = date(2025, 1, 1)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for i in range(rows):
        day = day0 + timedelta(days=int(rng.integers(0, 120)))
        etype, sub = TYPES[int(rng.integers(0, len(TYPES)))]
        stamp = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + 5 * 86400
        writer.writerow([
            f"DRC{100000 + i}", day.strftime("%d %B %Y"), day.year, 1, "Political violence", etype, sub,
            "Rebel group A", "", "Rebel group", "State forces", "", "State forces",
            "State forces-Rebel group", "",
            180, "Middle Africa", "Democratic Republic of Congo", "Nord-Kivu", "", "", f"Place {i % 500}",
            f"{lat[i]:.4f}", f"{lon[i]:.4f}", 1 + i % 3, "Local media", "Subnational",
            "A synthetic event for the benchmark.", int(rng.integers(0, 6)), "", stamp,
        ])  # fmt: skip
    return buf.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acled.csv"
        path.write_bytes(synthetic_csv(args.rows))
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.from_url(url)
        store.drop_schema()
        store.create_schema()
        now = lambda: datetime.now(UTC)  # noqa: E731
        pipeline = Pipeline(store, Settings(), now)
        pipeline.load_sites(sites.load_bundled(now()))

        t0 = time.perf_counter()
        batch = acled.parse_file(path)
        t1 = time.perf_counter()
        report = pipeline.ingest("import:acled", "events", [batch], use_watermark=False)
        t2 = time.perf_counter()
        exposures, _ = pipeline.match()
        t3 = time.perf_counter()
        again = pipeline.ingest("import:acled", "events", [acled.parse_file(path)], use_watermark=False)
        t4 = time.perf_counter()
        store.drop_schema()

    mb = path.stat().st_size / 1e6 if path.exists() else len(synthetic_csv(10)) * args.rows / 10 / 1e6
    print(f"ACLED CSV import, {args.rows:,} rows (~{mb:.0f} MB) into {url.split(':')[0]}")
    print(f"  parse  {t1 - t0:6.2f} s   ({args.rows / (t1 - t0):,.0f} rows/s)")
    print(f"  store  {t2 - t1:6.2f} s   ({report.stored:,} stored, {report.rejected} rejected)")
    print(f"  match  {t3 - t2:6.2f} s   ({exposures:,} exposures)")
    print(f"  total  {t3 - t0:6.2f} s   (parse + store + match)")
    print(
        f"  re-import of the same file: {t4 - t3:.2f} s, {again.stored} stored,"
        f" {again.duplicates:,} duplicates"
    )


if __name__ == "__main__":
    main()
