"""Benchmark: the import and the 15-minute tick on PostgreSQL, at the scale of ``bench/run.py``'s import step
(10,000 sites, 300,000 ACLED-format events over three years); print the times.

    python bench/bench_pg_tick.py [--admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--ticks 5]

Makes (drops first) the database ``minewatch_bench_tick`` on the server, loads the generated sites, runs
``minewatch import acled`` on the generated file as ``bench.ingest`` does on SQLite, scores the history it
left to later (``Pipeline.score_history``, timed apart), moves the watermarks
past the import as ``bench.tick`` does, runs ``VACUUM ANALYZE`` and a ``CHECKPOINT``, then times ticks as
``bench.tick`` does (one untimed first).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data, tick
from monitor import cli, sites
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.store import Store

DATABASE = "minewatch_bench_tick"


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def build(admin_url: str, url: str) -> None:
    """A fresh database with the generated sites, then ``minewatch import acled`` of the generated file."""
    scale = data.IMPORT
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        con.execute(f"CREATE DATABASE {DATABASE}")
    store = Store.from_url(url)
    store.create_schema()
    pipeline = Pipeline(store, Settings(), lambda: data.NOW)
    text = data.sites_csv(scale).read_text(encoding="utf-8")
    pipeline.load_sites(sites.parse_sites_csv(text, origin="user", now=data.NOW))
    store.engine.dispose()
    cli.out = cli.err = Console(file=io.StringIO())
    os.environ["MINEWATCH_DATABASE_URL"] = url
    cli._utcnow = lambda: data.NOW  # the benchmark's clock: its data ends at data.NOW
    started = time.perf_counter()
    try:
        cli.main(["import", "acled", str(data.acled_csv(scale))])
    except SystemExit as exc:
        if exc.code:
            raise
    print(f"import: {time.perf_counter() - started:.1f} s, peak RSS {_peak_mb():,} MB")
    # The history the import left to later, stored as ``minewatch run`` stores it over its first feed runs:
    # the ticks timed below are a running service's, not its first ones.
    started = time.perf_counter()
    store = Store.from_url(url)
    days = Pipeline(store, Settings(), lambda: data.NOW).score_history()
    store.engine.dispose()
    print(f"history: {len(days)} days in {time.perf_counter() - started:.1f} s, peak RSS {_peak_mb():,} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--ticks", type=int, default=5)
    args = parser.parse_args()
    url = psycopg.conninfo.make_conninfo(args.admin_url, dbname=DATABASE)
    sqlalchemy_url = (
        sa.make_url(args.admin_url)
        .set(drivername="postgresql+psycopg", database=DATABASE)
        .render_as_string(hide_password=False)
    )
    build(args.admin_url, sqlalchemy_url)
    store = Store.from_url(sqlalchemy_url)
    tick.settle(store)
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("VACUUM ANALYZE")
        # Written to disk now, not by the server's checkpointer during the timed ticks: the import leaves
        # gigabytes of dirty buffers (as ``bench.tick`` syncs its copied SQLite store).
        con.execute("CHECKPOINT")
        size = con.execute("SELECT pg_database_size(current_database())").fetchone()
        row = con.execute("SELECT count(*) FROM event").fetchone()
    print(f"database: {int(size[0]) // 2**20 if size else 0:,} MB")
    fresh, call, note = tick.ticking(store, data.IMPORT)
    times = []
    for _ in range(args.ticks):
        fresh()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
        print(f"tick: {times[-1]:.2f} s ({note()})")
    events = int(row[0]) if row else 0
    print(
        f"tick on PostgreSQL, {events:,} events stored: median {statistics.median(times):.2f} s over"
        f" {len(times)}, peak RSS {_peak_mb():,} MB"
    )


if __name__ == "__main__":
    main()
