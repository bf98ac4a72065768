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

Neither waits: a job that cannot take its feed's lease skips that run. A lease can also be lost while held:
the PostgreSQL session holding the lock dies (a server restart, a proxy's idle cut, an administrator's
``pg_terminate_backend``), or a lease row runs out while its renewals fail and another process takes it. A
watcher notices within a third of ``scheduler.lease_seconds``: an advisory lock is taken again on a new
session when nobody took it meanwhile; otherwise the hold's ``lost`` event is set and the feed job stops
after the batch in hand (``monitor.scheduler``), so two processes do not go on running one feed.
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


class Hold:
    """A lease as ``hold`` gives it: true when it was taken; ``lost`` is set once it is no longer ours (the
    work under it should stop); ``verify`` checks now, as the watcher does every interval."""

    def __init__(self, taken: bool, verify: Callable[[], bool] | None = None) -> None:
        self.taken = taken
        self.lost = threading.Event()
        self._verify = verify

    def __bool__(self) -> bool:
        return self.taken

    def verify(self) -> bool:
        """Whether the lease is still held (taken again if need be); sets ``lost`` when it is not."""
        if not self.taken or self.lost.is_set():
            return False
        if self._verify is not None and not self._verify():
            self.lost.set()
        return not self.lost.is_set()


class Leases(Protocol):
    """Something that can hold a named lease for the duration of a ``with`` block."""

    def hold(self, name: str) -> AbstractContextManager[Hold]: ...


@contextmanager
def _watched(hold: Hold, every_s: float, name: str) -> Iterator[None]:
    """Run ``hold.verify`` every ``every_s`` seconds in a thread while the block runs; stop it after."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every_s):
            if not hold.verify():
                return

    watcher = threading.Thread(target=watch, name=f"lease-{name}", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


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
    """PostgreSQL session advisory locks, one dedicated connection per held lock, watched every
    ``check_s`` seconds."""

    def __init__(self, engine: Engine, check_s: float = 40.0) -> None:
        self.engine = engine
        self.check_s = check_s

    def _connect(self) -> sa.Connection:
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def hold(self, name: str) -> Iterator[Hold]:
        """Try to take the lock for ``name``; yield the hold; release it afterwards."""
        conn = self._connect()
        session = _Session(conn, name)
        try:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar() or ""
            session.key = advisory_key(str(schema), name)
            taken = session.try_lock()
            hold = Hold(taken, lambda: session.alive() or session.take_again(self._connect))
            if not taken:
                yield hold
                return
            with _watched(hold, self.check_s, name):
                yield hold
        finally:
            session.close()


class _Session:
    """The connection that holds one advisory lock (a new one when the first was lost)."""

    def __init__(self, conn: sa.Connection, name: str) -> None:
        self.conn: sa.Connection | None = conn
        self.name = name
        self.key = 0
        self.held = False

    def try_lock(self) -> bool:
        assert self.conn is not None
        self.held = bool(
            self.conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        )
        return self.held

    def alive(self) -> bool:
        """Whether the session still answers (a live session keeps its lock: only it could unlock it)."""
        if self.conn is None:
            return False
        try:
            self.conn.execute(sa.text("SELECT 1"))
            return True
        except SQLAlchemyError as exc:
            log.warning(
                "lease %s: the database session holding it was lost (%s)", self.name, _first_line(exc)
            )
            self.conn.invalidate()
            self.conn.close()
            self.conn, self.held = None, False
            return False

    def take_again(self, connect: Callable[[], sa.Connection]) -> bool:
        """Take the lock again on a new session; False when another process holds it or the server is out of
        reach (the run cannot know it is alone any more)."""
        try:
            self.conn = connect()
            if self.try_lock():
                log.warning("lease %s: taken again on a new database session", self.name)
                return True
            reason = "another process holds it now"
        except SQLAlchemyError as exc:
            reason = f"the database is out of reach ({_first_line(exc)})"
        log.error("lease %s lost: %s; this run stops after the batch in hand", self.name, reason)
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        return False

    def close(self) -> None:
        if self.conn is None:
            return
        if self.held:
            _unlock(self.conn, self.key)
        self.conn.close()
        self.conn = None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


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
    def hold(self, name: str) -> Iterator[Hold]:
        """Try to take the lease; while held, renew it every third of its length; release it afterwards."""
        token = self.try_acquire(name)
        if token is None:
            yield Hold(False)
            return
        hold = Hold(True, lambda: self._renewed(name, token))
        try:
            with _watched(hold, self.seconds / 3, name):
                yield hold
        finally:
            self.release(name, token)

    def _renewed(self, name: str, token: str) -> bool:
        """Renew the lease; False once another process holds it (a store error is let pass: the lease has
        two more renewals before it runs out)."""
        try:
            if self.renew(name, token):
                return True
        except SQLAlchemyError as exc:
            log.warning("could not renew lease %s: %s", name, _first_line(exc))
            return True
        log.error(
            "lease %s lost: it ran out and another process took it; this run stops after the batch in hand",
            name,
        )
        return False


def leases_for(store: Store, lease_seconds: float, now: Callable[[], datetime]) -> Leases:
    """Advisory locks on PostgreSQL, the lease table elsewhere; either is checked every third of
    ``lease_seconds`` while held."""
    if store.dialect == "postgresql":
        return AdvisoryLocks(store.engine, check_s=lease_seconds / 3)
    return LeaseTable(store.engine, lease_seconds, now)
