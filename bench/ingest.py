"""Ingest steps: a generated ACLED CSV or GDELT export into a fresh SQLite store, against the raw floor.

minewatch's side goes through its public API as ``minewatch import`` does (parse, normalise, store, match
with the sites loaded; ``import_cli_case`` runs the command itself, scoring included). The floor is the
same file parsed by pyarrow and its rows inserted as they are with sqlite3 ``executemany`` into a WAL-mode
table without indexes: what the bytes cost to land in SQLite at all.
"""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
from rich.console import Console

from bench import data
from bench.harness import Case

TMP = data.OUT / "tmp"


def _fresh_file(name: str) -> Path:
    TMP.mkdir(parents=True, exist_ok=True)
    path = TMP / name
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return path


def store_size_mb(path: Path) -> float:
    """The store's size on disk once its write-ahead log is checkpointed (as it rests between runs)."""
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 1e6


class _Store:
    """A fresh SQLite store with the generated sites loaded (rebuilt untimed before each run)."""

    def __init__(self, scale: data.Scale, name: str) -> None:
        self.scale, self.name = scale, name
        self.path = TMP / name
        self.pipeline: object = None
        self.rows_note = ""

    def fresh(self) -> None:
        from monitor import sites
        from monitor.config import Settings
        from monitor.pipeline import Pipeline
        from monitor.store import Store

        self.path = _fresh_file(self.name)
        store = Store.from_url(f"sqlite:///{self.path}")
        store.create_schema()
        now = lambda: data.NOW  # noqa: E731
        self.pipeline = Pipeline(store, Settings(), now)
        text = data.sites_csv(self.scale).read_text(encoding="utf-8")
        self.pipeline.load_sites(sites.parse_sites_csv(text, origin="user", now=data.NOW))  # type: ignore[attr-defined]

    def size_note(self) -> str:
        return f"store {store_size_mb(self.path):,.0f} MB"


def _ingest_case(scale: data.Scale, kind: str, name: str) -> Case:
    from feeds import acled, gdelt
    from feeds.base import Batch

    target = _Store(scale, name)
    path = data.acled_csv(scale) if kind == "acled" else data.gdelt_export(scale)

    def call() -> int:
        pipeline = target.pipeline
        if kind == "acled":  # a part at a time, as ``minewatch import acled`` reads it
            batches = acled.parse_file_parts(path)
        else:
            batches = iter([gdelt.parse_file(path, keep=pipeline.site_filter())])  # type: ignore[attr-defined]
        read = 0

        def counted() -> Iterator[Batch]:
            nonlocal read
            for batch in batches:
                read += batch.fetched or len(batch.records)
                yield batch

        report = pipeline.ingest(f"import:{kind}", "events", counted(), use_watermark=False)  # type: ignore[attr-defined]
        matched, _ = pipeline.match()  # type: ignore[attr-defined]
        target.rows_note = f"{report.stored:,} events stored, {matched:,} near a site"
        return read

    return Case(call=call, fresh=target.fresh, check=lambda: f"{target.rows_note}; {target.size_note()}")


def acled_case(scale: data.Scale, name: str = "ours-acled.db") -> Case:
    """minewatch: ACLED CSV -> parse, normalise, store, match (no scoring), into the store ``name``."""
    return _ingest_case(scale, "acled", name)


def gdelt_case(scale: data.Scale) -> Case:
    """minewatch: GDELT export -> parse, keep roots 14-20 near a site, store, match (no scoring)."""
    return _ingest_case(scale, "gdelt", "ours-gdelt.db")


def _raw_insert(path: Path, table: pa.Table) -> None:
    """Insert ``table``'s rows as they are, one executemany in one transaction, WAL mode."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    names = [f'"c{i}"' for i in range(table.num_columns)]
    con.execute(f"CREATE TABLE raw ({', '.join(names)})")
    rows = zip(*(c.to_pylist() for c in table.columns), strict=True)
    with con:
        con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * table.num_columns)})", rows)
    con.close()


def acled_floor_case(scale: data.Scale) -> Case:
    """Floor: pyarrow parses the ACLED CSV (31 columns), sqlite3 executemany inserts every row (WAL)."""
    source = data.acled_csv(scale)
    state = {"path": TMP / "floor-acled.db"}

    def call() -> int:
        table = pcsv.read_csv(source)
        _raw_insert(state["path"], table)
        return table.num_rows

    return Case(
        call=call,
        fresh=lambda: state.update(path=_fresh_file("floor-acled.db")),
        check=lambda: f"store {store_size_mb(state['path']):,.0f} MB",
    )


def gdelt_floor_case(scale: data.Scale) -> Case:
    """Floor: pyarrow parses the GDELT export (61 tab-separated columns) and sqlite3 executemany inserts
    every line as it is (WAL): what landing the file in SQLite costs, before any filtering."""
    source = data.gdelt_export(scale)
    state = {"path": TMP / "floor-gdelt.db"}
    names = [str(i) for i in range(data.GDELT_FIELDS)]
    read = pcsv.ReadOptions(column_names=names, block_size=1 << 24)
    parse = pcsv.ParseOptions(delimiter="\t", quote_char=False)
    convert = pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))

    def call() -> int:
        table = pcsv.read_csv(source, read_options=read, parse_options=parse, convert_options=convert)
        _raw_insert(state["path"], table)
        return table.num_rows

    return Case(call=call, fresh=lambda: state.update(path=_fresh_file("floor-gdelt.db")))


def import_cli_case(scale: data.Scale, name: str = "ours-import.db", *, history: bool = False) -> Case:
    """minewatch end to end as a user runs it: ``minewatch import acled FILE`` into a store with the sites
    loaded (parse, store, match, then score the days from the earliest new day to today that
    ``PROMPT_SITE_DAYS`` allows, the rest left owed). ``history``: then ``minewatch score --history``, which
    stores those too (what ``minewatch run`` does a block per feed run)."""
    from monitor import cli

    target = _Store(scale, name)
    source = data.acled_csv(scale)

    cli.out = cli.err = Console(file=io.StringIO())  # the table is the output

    def run(*args: str) -> None:
        try:
            cli.main(list(args))
        except SystemExit as exc:
            if exc.code:
                raise

    def call() -> int:
        os.environ["MINEWATCH_DATABASE_URL"] = f"sqlite:///{target.path}"
        cli._utcnow = _bench_now  # the benchmark's clock: its data ends at data.NOW
        run("import", "acled", str(source))
        if history:
            run("score", "--history")
        return scale.acled_events

    def check() -> str:
        from monitor.config import Settings
        from monitor.pipeline import Pipeline
        from monitor.store import Store

        store = Store.from_url(f"sqlite:///{target.path}")
        owed = len(Pipeline(store, Settings(), _bench_now).owed_days())
        store.engine.dispose()
        with sqlite3.connect(target.path) as con:
            scores = int(con.execute("SELECT count(*) FROM score").fetchone()[0])
        return f"{scores:,} score rows, {owed} days owed; {target.size_note()}"

    return Case(call=call, fresh=target.fresh, check=check)


def import_history_case(scale: data.Scale) -> Case:
    """``import_cli_case`` and then the history it left, stored: the whole cost of a first import."""
    return import_cli_case(scale, "ours-import-history.db", history=True)


def _bench_now() -> datetime:
    return data.NOW
