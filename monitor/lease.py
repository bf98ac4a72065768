"""Feed leases: at most one process (on any node) runs a given feed at a time.

Two implementations of one small protocol, ``hold(name) -> context manager yielding True when held``:

- ``AdvisoryLocks`` (PostgreSQL): ``pg_try_advisory_lock`` on a connection kept open for the whole run. The
  lock lives as long as that session, so a process killed with ``kill -9`` frees its feeds the moment the
  server notices the closed connection. The key is a stable 64-bit hash of the store's schema and the
  feed name (Python's ``hash`` is salted per process, so it would not do).
- ``LeaseTable`` (SQLite, and any other store): a ``lease`` row (name, holder, expires_at) taken by one
  atomic ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expires_at <= now``, renewed by a heartbeat thread
  while held and deleted on release. A killed process's lease runs out after ``scheduler.lease_seconds``;
  sooner when the holder was a process of this host that no longer exists (a restart after a crash
  takes its predecessor's leases over at once).

Neither waits: a job that cannot take its feed's lease skips that run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from monitor import dialect, models
from monitor.dialect import naive_utc
from monitor.store import Store

log = logging.getLogger(__name__)


class Leases(Protocol):
    """Something that can hold a named lease for the duration of a ``with`` block."""

    def hold(self, name: str) -> AbstractContextManager[bool]: ...


def advisory_key(namespace: str, name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory lock key for ``name`` within ``namespace`` (the schema)."""
    digest = hashlib.sha256(f"minewatch\0{namespace}\0{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def process_holder() -> str:
    """Who this process is, as shown in the lease table: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_on_this_host(holder: str) -> bool:
    """Whether ``holder`` (host:pid:token) names a process of this host that no longer exists."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid = parts[0], int(parts[1])
    if host != socket.gethostname() or pid == os.getpid() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but is someone else's (EPERM): alive
        return False
    return False


class AdvisoryLocks:
    """PostgreSQL session advisory locks, one dedicated connection per held lock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        """Try to take the lock for ``name``; yield whether it is held; release it afterwards."""
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar() or ""
            key = advisory_key(str(schema), name)
            held = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            try:
                yield held
            finally:
                if held:
                    _unlock(conn, key)
        finally:
            conn.close()


def _unlock(conn: sa.Connection, key: int) -> None:
    try:
        conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    except SQLAlchemyError as exc:
        # The session is gone (and its locks with it) or unusable: never hand it back to the pool.
        log.warning("could not release advisory lock %s: %s", key, exc)
        conn.invalidate()


class LeaseTable:
    """Leases as rows of the ``lease`` table, with an expiry renewed while held."""

    def __init__(
        self,
        engine: Engine,
        seconds: float,
        now: Callable[[], datetime],
        holder: str | None = None,
    ) -> None:
        self.engine = engine
        self.seconds = seconds
        self.now = now
        self.holder = holder or process_holder()
        self._table = models.Lease.__table__  # type: ignore[attr-defined]

    def try_acquire(self, name: str) -> str | None:
        """Take the lease when it is free or expired; return this holding's token, or None."""
        token = f"{self.holder}:{uuid.uuid4().hex[:8]}"
        now = naive_utc(self.now())
        expires = now + timedelta(seconds=self.seconds)
        tbl = self._table
        stmt = dialect.insert(self.engine.dialect.name)(tbl).values(
            name=name, holder=token, acquired_at=now, expires_at=expires
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": token, "acquired_at": now, "expires_at": expires},
            where=tbl.c.expires_at <= now,
        ).returning(tbl.c.holder)
        with self.engine.begin() as conn:
            taken = conn.execute(stmt).scalar_one_or_none() == token
        if taken:
            return token
        return token if self._take_from_dead_holder(name, token, now, expires) else None

    def _take_from_dead_holder(self, name: str, token: str, now: datetime, expires: datetime) -> bool:
        """Take over a lease whose holder was a process on this host that is gone (killed, crashed).

        Without this a restarted `minewatch run` would wait for its own dead predecessor's leases to run out.
        """
        tbl = self._table
        with self.engine.begin() as conn:
            holder = conn.execute(sa.select(tbl.c.holder).where(tbl.c.name == name)).scalar_one_or_none()
            if holder is None or not _dead_on_this_host(holder):
                return False
            result = conn.execute(
                sa.update(tbl)
                .where(tbl.c.name == name, tbl.c.holder == holder)
                .values(holder=token, acquired_at=now, expires_at=expires)
            )
        if result.rowcount == 1:
            log.info("lease %s: its holder %s is no longer running; taken over", name, holder)
            return True
        return False

    def renew(self, name: str, token: str) -> bool:
        """Push the expiry of a held lease forward; False when it is no longer ours."""
        expires = naive_utc(self.now()) + timedelta(seconds=self.seconds)
        tbl = self._table
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(tbl).where(tbl.c.name == name, tbl.c.holder == token).values(expires_at=expires)
            )
        return result.rowcount == 1

    def release(self, name: str, token: str) -> None:
        """Give the lease back (only if still ours: an expired one may belong to someone else now)."""
        tbl = self._table
        with self.engine.begin() as conn:
            conn.execute(sa.delete(tbl).where(tbl.c.name == name, tbl.c.holder == token))

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        """Try to take the lease; while held, renew it every third of its length; release it afterwards."""
        token = self.try_acquire(name)
        if token is None:
            yield False
            return
        stop = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(name, token, stop), name=f"lease-{name}", daemon=True
        )
        beat.start()
        try:
            yield True
        finally:
            stop.set()
            beat.join()
            self.release(name, token)

    def _heartbeat(self, name: str, token: str, stop: threading.Event) -> None:
        while not stop.wait(self.seconds / 3):
            try:
                if not self.renew(name, token):
                    log.warning("lease %s expired while held and was taken by another process", name)
                    return
            except SQLAlchemyError as exc:  # a transient store error: try again on the next beat
                log.warning("could not renew lease %s: %s", name, exc)


def leases_for(store: Store, lease_seconds: float, now: Callable[[], datetime]) -> Leases:
    """Advisory locks on PostgreSQL, the lease table elsewhere."""
    if store.dialect == "postgresql":
        return AdvisoryLocks(store.engine)
    return LeaseTable(store.engine, lease_seconds, now)
