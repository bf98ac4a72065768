"""SQLite's write lock: a writer waits for it (``busy_timeout``), then tries again a bounded number of times.

SQLite lets one writer in at a time, and feed threads, the scheduler's alerts, the API and the CLI all write
to one file. ``busy_timeout`` makes a writer wait for the lock instead of failing at once; a writer still
shut out after that ("database is locked": another one held the lock through a long import or rescore) is
given ``LockWait.attempts`` tries in all, a pause apart, before the error goes up as a clear StoreError.

Only a statement that has done nothing may be tried again. So, in the one place every SQLite statement
passes (the DB-API cursor), the first write of a transaction first takes the lock with ``BEGIN IMMEDIATE``
where pysqlite would have begun the transaction itself; that BEGIN is what waits and is retried. Once it
succeeds the transaction holds the lock, and none of its writes can be refused for it (so a bulk insert
streaming its rows is never replayed from halfway).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LOCKED", "LockWait", "LockWaitingConnection", "LockWaitingCursor"]

log = logging.getLogger(__name__)

#: What SQLite says when a writer gives up on the lock (the marker ``monitor.store`` turns into a StoreError).
LOCKED = "database is locked"
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class LockWait:
    """How long a writer waits for the write lock (``busy_timeout_ms``), how many times in all it tries,
    and how long it pauses between tries; ``sleep`` is injected so tests need not wait."""

    busy_timeout_ms: int = 60_000
    attempts: int = 3
    pause_s: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


class LockWaitingCursor(sqlite3.Cursor):
    """A cursor whose writes take the write lock first, retrying as ``LockWait`` says."""

    def execute(self, sql: str, parameters: Any = (), /) -> LockWaitingCursor:
        self._take_lock(sql)
        super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> LockWaitingCursor:
        self._take_lock(sql)
        super().executemany(sql, seq_of_parameters)
        return self

    def _take_lock(self, sql: str) -> None:
        conn = self.connection
        # Only where pysqlite would open a transaction itself: in autocommit mode (isolation_level None)
        # a BEGIN of ours would never be committed; inside a transaction the lock is held or not needed yet.
        if conn.isolation_level is None or conn.in_transaction or not _WRITE.match(sql):
            return
        wait: LockWait = getattr(conn, "lock_wait", None) or LockWait()
        for attempt in range(1, wait.attempts + 1):
            try:
                super().execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if LOCKED not in str(exc):
                    raise
                if attempt == wait.attempts:
                    raise sqlite3.OperationalError(
                        f"{LOCKED}: another writer held the store's write lock through {wait.attempts} "
                        f"waits of {wait.busy_timeout_ms / 1000:g} s"
                    ) from None
                log.warning(
                    "the store's write lock is held by another writer; waiting again (try %d of %d)",
                    attempt + 1,
                    wait.attempts,
                )
                wait.sleep(wait.pause_s)


class LockWaitingConnection(sqlite3.Connection):
    """A sqlite3 connection whose cursors are ``LockWaitingCursor`` (``sqlite3.connect(factory=...)``);
    its ``lock_wait`` is set when the store opens it."""

    lock_wait: LockWait | None = None

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or LockWaitingCursor)

    # The shortcuts make their cursor in C, past ``cursor()``: route them through it.
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Any:
        return self.cursor().executemany(sql, seq_of_parameters)
