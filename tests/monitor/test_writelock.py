"""SQLite writers wait for the write lock, then try again a bounded number of times (monitor.writelock).

Each case holds SQLite's write lock from a second, plain sqlite3 connection (another process would hold it
the same way) and writes through a real store on the same file.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from monitor.errors import StoreError
from monitor.reads import sql
from monitor.store import Store
from monitor.writelock import LockWait
from tests.monitor.test_store import _events

pytestmark = pytest.mark.skipif(
    os.environ.get("MINEWATCH_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite's own write lock: run in the SQLite pass",
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "locked.db"


def _store(path: Path, wait: LockWait) -> Store:
    store = Store.from_url(f"sqlite:///{path}", lock_wait=wait)
    store.create_schema()
    return store


@pytest.fixture
def other_writer(path: Path) -> Iterator[sqlite3.Connection]:
    """A second connection to the store's file, in autocommit mode, free to take the write lock."""
    _store(path, LockWait()).engine.dispose()  # the schema first, unlocked
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    yield conn
    if conn.in_transaction:
        conn.rollback()
    conn.close()


def test_a_bulk_insert_shut_out_past_busy_timeout_tries_again_and_stores_every_row_once(
    path: Path, other_writer: sqlite3.Connection, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    store = _store(path, LockWait(busy_timeout_ms=150, attempts=20, pause_s=0.01))
    events = _events(2000)  # built before the lock is taken: on a loaded machine it took most of the hold
    other_writer.execute("BEGIN IMMEDIATE")
    # Held eight busy timeouts long: past two tries even when the insert starts late, well short of twenty.
    release = threading.Timer(1.2, other_writer.rollback)
    release.start()
    with caplog.at_level(logging.WARNING, logger="monitor.writelock"):
        written = store.insert_events(events, now)
    release.join()
    assert (written.inserted, written.duplicates) == (2000, 0)
    assert sql.scalar(store, "SELECT COUNT(*) FROM event") == 2000
    assert sql.scalar(store, "SELECT COUNT(DISTINCT source_id) FROM event") == 2000
    tries = [r for r in caplog.records if "held by another writer" in r.getMessage()]
    assert 2 <= len(tries) < 20  # it did wait past busy_timeout, and did not use every try


def test_a_lock_held_through_every_try_is_one_clear_store_error_and_nothing_is_written(
    path: Path, other_writer: sqlite3.Connection, now: datetime
) -> None:
    pauses: list[float] = []
    store = _store(path, LockWait(busy_timeout_ms=50, attempts=3, pause_s=0.5, sleep=pauses.append))
    other_writer.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreError, match=r"locked by another writer .*3 waits of 0.05 s.*nothing of it"):
        store.set_watermark("acled", "2025-04-01", now)
    other_writer.rollback()
    assert pauses == [0.5, 0.5]  # a pause between tries, none after the last
    assert store.get_watermark("acled") is None
    store.set_watermark("acled", "2025-04-01", now)  # the lock is free again: the same write goes through
    assert store.get_watermark("acled") == "2025-04-01"


def test_writes_inside_a_transaction_that_holds_the_lock_are_never_retried(
    path: Path, other_writer: sqlite3.Connection, now: datetime
) -> None:
    pauses: list[float] = []
    store = _store(path, LockWait(busy_timeout_ms=50, attempts=3, pause_s=0.1, sleep=pauses.append))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM watermark")  # the first write takes the lock ...
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other_writer.execute("BEGIN IMMEDIATE")  # ... so the other writer is the one shut out
        conn.exec_driver_sql(
            "INSERT INTO watermark (name, value, updated_at) VALUES ('ucdp', '1', '2025-04-20')"
        )
    assert pauses == []
    assert store.get_watermark("ucdp") == "1"


def test_reads_never_wait_for_a_writer(path: Path, other_writer: sqlite3.Connection) -> None:
    pauses: list[float] = []
    store = _store(path, LockWait(busy_timeout_ms=50, attempts=3, pause_s=0.1, sleep=pauses.append))
    other_writer.execute("BEGIN IMMEDIATE")
    other_writer.execute("INSERT INTO watermark (name, value, updated_at) VALUES ('x', '1', '2025-04-20')")
    assert sql.scalar(store, "SELECT COUNT(*) FROM watermark") == 0  # WAL: the reader sees the last commit
    assert pauses == []


def test_a_store_s_sqlite_connections_wait_its_busy_timeout_for_the_lock(path: Path) -> None:
    store = Store.from_url(f"sqlite:///{path}", lock_wait=LockWait(busy_timeout_ms=1234))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
