"""Tick step: one 15-minute GDELT export through collect -> store -> match -> fuse -> score -> alerts, on
stores that differ only in how much history they hold.

Each store starts from the one ``minewatch import acled`` made of the import data (``bench.exports``):
its events older than what scoring can reach (``MAX_RESCORE_DAYS`` plus the windows) are dropped, leaving
the recent events (about 125,000 of the 300,000), and copies of those recent events, their nearest sites and
incidents, shifted back in time, are added until the store holds ``events`` (built once and cached
beside the data; each run's store is a fresh copy of it). So every store has the same recent events and
scores, and only the length of its history differs: a tick's cost should not follow it.

A tick serves a new export (1,500 violent rows over Africa and near sites, dated that day or the one
before) from a loopback HTTP server, as GDELT's lastupdate.txt and zip, and runs what ``minewatch run``
runs each interval: ``Pipeline.run_once`` with the GDELT collector, then the alerts tick (no channels:
alerts are decided and stored), on a store opened as ``minewatch run`` opens it (``deferred_checkpoints``).
Runs are successive ticks, 15 minutes apart; the checkpoint ``minewatch run`` makes after each tick's alerts
is made before the next tick, untimed, and its median is reported beside the tick.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import statistics
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench import data, exports, ingest
from bench.harness import Case

#: Days before the data's "today" whose events a tick can read (rescore reach, scoring and front windows).
RECENT_DAYS = 400 + 60
#: Event ids of the n-th history copy start at n x this (the import's ids are far below it).
ID_STEP = 10_000_000
#: Rows of each served export.
TICK_ROWS = 1_500


def history_store(scale: data.Scale, events: int) -> Path:
    """The import's store with its recent events and ``events`` in all (built the first time; named by the
    schema's revision as the import's store is)."""
    from monitor import schema

    path = data.path_for(scale, f"history-{events}-{schema.head()}.db")
    if path.exists():
        return path
    work = path.with_name(path.name + ".part")
    shutil.copyfile(exports.store_path(scale), work)
    con = sqlite3.connect(work, isolation_level=None)
    try:
        _build_history(con, events)
    finally:
        con.close()
    work.rename(path)
    return path


def _build_history(con: sqlite3.Connection, events: int) -> None:
    cut = (data.NOW.date() - timedelta(days=RECENT_DAYS)).isoformat()
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA cache_size=-262144")
    con.execute("BEGIN")
    old = "SELECT id FROM event WHERE event_date < ?"
    for table in ("nearest_site", "incident_member"):
        con.execute(f"DELETE FROM {table} WHERE event_id IN ({old})", (cut,))
    con.execute("DELETE FROM event WHERE event_date < ?", (cut,))
    recent = int(con.execute("SELECT count(*) FROM event").fetchone()[0])
    columns = [r[1] for r in con.execute("PRAGMA table_info(event)")]
    stored, copy = recent, 1
    while stored < events:
        take = min(recent, events - stored)
        first = f"SELECT id FROM event WHERE id < {ID_STEP} ORDER BY id LIMIT {take}"
        last_id = int(con.execute(f"SELECT max(id) FROM ({first})").fetchone()[0])
        offset, shift = copy * ID_STEP, f"'-{copy * RECENT_DAYS} days'"
        moved = {
            "id": f"id + {offset}",
            "source_id": f"source_id || '-h{copy}'",
            "event_date": f"date(event_date, {shift})",
            **{c: _shifted(c, shift) for c in ("published_at", "first_seen_at", "known_at")},
        }
        picked = ", ".join(moved.get(c, c) for c in columns)
        con.execute(
            f"INSERT INTO event ({', '.join(columns)}) SELECT {picked} FROM event WHERE id <= {last_id}"
        )
        con.execute(
            f"INSERT INTO nearest_site SELECT event_id + {offset}, site_id, via, distance_km"
            f" FROM nearest_site WHERE event_id <= {last_id} ORDER BY event_id"
        )
        con.execute(
            f"INSERT INTO incident_member SELECT event_id + {offset}, incident_id + {offset}, changed_at"
            f" FROM incident_member WHERE event_id <= {last_id}"
        )
        stored, copy = stored + take, copy + 1
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _shifted(column: str, shift: str) -> str:
    """A stored datetime (SQLAlchemy's text, microseconds included) moved by ``shift`` days."""
    moved = f"strftime('%Y-%m-%d %H:%M:%S', {column}, {shift}) || substr({column}, 20)"
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE {moved} END"


def settle(store: Any) -> None:
    """Move the store's watermarks (matching, fusion, scores seen) past the import by the overlap they
    look back over, as the first tick after an import leaves them. The import's clock stood still at
    ``data.NOW``, so every row it stored is within the 10 minutes matching and rescoring look back over: the
    first tick would match and rescore the whole import again (on the quick data, 7-11 s against 1-2 s)."""
    import sqlalchemy as sa

    from monitor.pipeline import SCORES_EPOCH

    stamp = data.NOW.replace(tzinfo=None)
    later = stamp + timedelta(minutes=11)
    with store.engine.begin() as conn:
        for name, value in conn.execute(sa.text("SELECT name, value FROM watermark")).all():
            if name == SCORES_EPOCH:
                continue  # the scores' epoch is when they went stale, not a mark of what was seen
            moved = value.replace(stamp.isoformat(), later.isoformat())
            conn.execute(sa.text("UPDATE watermark SET value = :v WHERE name = :n"), {"v": moved, "n": name})


class _Exports:
    """A loopback GDELT: lastupdate.txt names the current export, served as a zip beside it."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.listing = b""
        exports_ = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    exports_.listing
                    if self.path.endswith("lastupdate.txt")
                    else exports_.files.get(self.path)
                )
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def publish(self, stamp: str, tsv: bytes) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{stamp}.export.CSV", tsv)
        path = f"/gdeltv2/{stamp}.export.CSV.zip"
        self.files[path] = buf.getvalue()
        digest = hashlib.md5(self.files[path], usedforsecurity=False).hexdigest()
        self.listing = f"{len(self.files[path])} {digest} {self.url(path)}\n".encode()


def ticking(store: Any, scale: data.Scale) -> tuple[Callable[[], None], Callable[[], int], Callable[[], str]]:
    """Ticks of ``minewatch run`` on ``store``, 15 minutes apart from ``data.NOW``, as (fresh, call, note):
    ``fresh`` publishes the next export on a loopback GDELT, ``call`` runs ``Pipeline.run_once`` with the
    GDELT collector, then the alerts tick (no channels: alerts are decided and stored), and ``note`` says
    what the last tick stored. One tick is run untimed first."""
    from feeds.gdelt import GdeltCollector
    from monitor.alerting.tick import alert_tick
    from monitor.config import GdeltSettings, HttpSettings, Settings
    from monitor.net.http import RetryingRequester, make_client
    from monitor.pipeline import Pipeline
    from monitor.reads.scores import HeldDays

    clock = {"now": data.NOW}
    settings = Settings()
    pipeline = Pipeline(store, settings, lambda: clock["now"])
    server = _Exports()
    collector = GdeltCollector(
        GdeltSettings(lastupdate_url=server.url("/gdeltv2/lastupdate.txt")), pipeline.site_filter()
    )
    http = HttpSettings(retries=1, backoff_s=0.0)
    client = make_client(http)
    requester = RetryingRequester(client, http, lambda _s: None)
    notes: list[str] = []
    checkpoints: list[float] = []
    held = HeldDays()  # as ``minewatch run``'s alerts step keeps the lookback's scores

    def fresh() -> None:
        # The last tick's checkpoint, as ``minewatch run`` makes it after the tick's alerts: not timed as
        # part of the tick, reported beside it.
        started = time.perf_counter()
        store.checkpoint()
        checkpoints.append(time.perf_counter() - started)
        clock["now"] += timedelta(minutes=15)
        stamp = clock["now"] - timedelta(minutes=1)
        server.publish(stamp.strftime("%Y%m%d%H%M%S"), data.gdelt_tick(scale, stamp, TICK_ROWS))

    def call() -> int:
        report = pipeline.run_once([collector], requester)
        alerts = alert_tick(store, settings, {}, clock["now"], client, held=held)
        feed = report.feeds[0]
        if feed.status != "ok":
            raise RuntimeError(f"the tick's GDELT run failed: {feed.error}")
        notes.append(
            f"{feed.stored} stored, {report.matched_events} near a site, {len(alerts.alerts)} alerts"
        )
        return TICK_ROWS

    fresh()
    call()  # one tick untimed: what a running ``minewatch run`` has imported and warmed before
    return fresh, call, lambda: f"{notes[-1]}; checkpoint after a tick {statistics.median(checkpoints):.2f} s"


def _tick_case(scale: data.Scale, events: int) -> Case:
    from monitor import schema
    from monitor.store import Store

    events = events if scale != data.QUICK else events // 100  # quick: 10,000 and 40,000
    path = ingest.TMP / f"tick-{events}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)  # an earlier run's log would be replayed onto the fresh copy
    shutil.copyfile(history_store(scale, events), path)
    # Written back now, not by the kernel during the timed ticks: the copy leaves gigabytes of dirty pages,
    # whose writeback showed as a third of the CPU time waiting on I/O while the first ticks ran.
    os.sync()
    store = Store.from_url(f"sqlite:///{path}", deferred_checkpoints=True)  # as `minewatch run` opens it
    schema.upgrade(store.engine)  # as `minewatch init` brings a cached store made by an earlier revision
    settle(store)
    stored = int(sqlite3.connect(path).execute("SELECT count(*) FROM event").fetchone()[0])
    fresh, call, note = ticking(store, scale)
    return Case(call=call, fresh=fresh, check=lambda: f"{stored:,} events stored before; {note()}")


def tick_100k_case(scale: data.Scale) -> Case:
    """A tick on the store with only its recent events (about 125,000)."""
    return _tick_case(scale, 0)


def tick_1m_case(scale: data.Scale) -> Case:
    """A tick on the store holding 1,000,000 events."""
    return _tick_case(scale, 1_000_000)


def tick_4m_case(scale: data.Scale) -> Case:
    """A tick on the store holding 4,000,000 events."""
    return _tick_case(scale, 4_000_000)
