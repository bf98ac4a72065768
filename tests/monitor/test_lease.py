"""Feed leases: one holder at a time, across connections and processes; freed on release, expiry or death."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.lease import AdvisoryLocks, LeaseTable, advisory_key, leases_for
from monitor.reads import sql
from monitor.store import Store


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 14, 6, 0, tzinfo=UTC))


@pytest.fixture
def other_engine(database_url: str, fresh_store: Store) -> Iterator[sa.Engine]:
    """A second engine on the same database: another process, as far as the database can tell."""
    engine = Store.from_url(database_url).engine
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks need PostgreSQL (set MINEWATCH_TEST_DATABASE_URL)")
    return database_url


# ---- the lease table (SQLite; works on any store) ----
def test_a_held_lease_cannot_be_taken_by_another_holder(
    fresh_store: Store, other_engine: sa.Engine, clock: Clock
) -> None:
    ours = LeaseTable(fresh_store.engine, 60, clock, holder="node-a:1")
    theirs = LeaseTable(other_engine, 60, clock, holder="node-b:2")
    token = ours.try_acquire("gdelt")
    assert token is not None and token.startswith("node-a:1:")
    assert theirs.try_acquire("gdelt") is None
    assert ours.try_acquire("gdelt") is None  # not re-entrant: a second job in the same process waits too
    assert theirs.try_acquire("notices:alphamin") is not None  # other feeds are independent


def test_a_released_lease_can_be_taken_again(
    fresh_store: Store, other_engine: sa.Engine, clock: Clock
) -> None:
    ours = LeaseTable(fresh_store.engine, 60, clock, holder="node-a:1")
    theirs = LeaseTable(other_engine, 60, clock, holder="node-b:2")
    with ours.hold("gdelt") as held:
        assert held
        with theirs.hold("gdelt") as second:
            assert not second
    with theirs.hold("gdelt") as again:
        assert again
    assert sql.scalar(fresh_store, "SELECT COUNT(*) FROM lease") == 0


def test_an_expired_lease_goes_to_the_next_holder_and_the_old_one_cannot_release_it(
    fresh_store: Store, other_engine: sa.Engine, clock: Clock
) -> None:
    dead = LeaseTable(fresh_store.engine, 60, clock, holder="killed:9")
    alive = LeaseTable(other_engine, 60, clock, holder="node-b:2")
    stale = dead.try_acquire("acled")
    assert stale is not None
    clock.advance(59)
    assert alive.try_acquire("acled") is None
    clock.advance(1)
    token = alive.try_acquire("acled")
    assert token is not None
    dead.release("acled", stale)  # a late release from the old holder must not free the new one's lease
    assert not dead.renew("acled", stale)
    assert sql.scalar(fresh_store, "SELECT holder FROM lease WHERE name = 'acled'") == token


def test_a_held_lease_is_renewed_so_a_long_run_keeps_it(fresh_store: Store, other_engine: sa.Engine) -> None:
    real = lambda: datetime.now(UTC)  # noqa: E731
    ours = LeaseTable(fresh_store.engine, 0.3, real)
    theirs = LeaseTable(other_engine, 0.3, real)
    with ours.hold("ucdp") as held:
        assert held
        time.sleep(0.5)  # longer than the lease itself: only the heartbeat keeps it
        assert theirs.try_acquire("ucdp") is None
    assert theirs.try_acquire("ucdp") is not None


def test_racing_holders_on_separate_connections_get_the_lease_exactly_once(
    database_url: str, fresh_store: Store, clock: Clock
) -> None:
    engines = [Store.from_url(database_url).engine for _ in range(6)]
    tables = [LeaseTable(e, 60, clock, holder=f"node-{i}") for i, e in enumerate(engines)]
    start = threading.Barrier(len(tables))
    tokens: list[str | None] = [None] * len(tables)

    def race(i: int) -> None:
        start.wait()
        tokens[i] = tables[i].try_acquire("gdelt")

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(tables))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert sum(t is not None for t in tokens) == 1


def test_postgres_stores_use_advisory_locks_and_others_the_lease_table(
    fresh_store: Store, clock: Clock
) -> None:
    leases = leases_for(fresh_store, 60, clock)
    expected = AdvisoryLocks if fresh_store.dialect == "postgresql" else LeaseTable
    assert isinstance(leases, expected)


def test_a_lease_that_ran_out_and_was_taken_while_held_is_marked_lost(
    fresh_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    real = lambda: datetime.now(UTC)  # noqa: E731
    ours = LeaseTable(fresh_store.engine, 0.3, real)
    with caplog.at_level(logging.ERROR, logger="monitor.lease"), ours.hold("ucdp") as held:
        assert held and not held.lost.is_set()
        with fresh_store.engine.begin() as conn:  # what another process does once the lease ran out
            conn.execute(sa.text("UPDATE lease SET holder = 'node-b:2:x' WHERE name = 'ucdp'"))
        assert held.lost.wait(5)
    assert "lease ucdp lost: it ran out and another process took it" in caplog.text
    assert sql.scalar(fresh_store, "SELECT holder FROM lease WHERE name = 'ucdp'") == "node-b:2:x"


# ---- PostgreSQL advisory locks ----
def test_advisory_keys_are_stable_64_bit_and_depend_on_schema_and_feed() -> None:
    key = advisory_key("public", "gdelt")
    assert key == advisory_key("public", "gdelt") == -5261671042441495195
    assert -(2**63) <= key < 2**63
    assert advisory_key("public", "acled") != key
    assert advisory_key("other_store", "gdelt") != key


def test_postgres_a_held_advisory_lock_cannot_be_taken_from_another_connection(
    pg_url: str, other_engine: sa.Engine, fresh_store: Store
) -> None:
    ours, theirs = AdvisoryLocks(fresh_store.engine), AdvisoryLocks(other_engine)
    with ours.hold("gdelt") as held:
        assert held
        with theirs.hold("gdelt") as second:
            assert not second
        with ours.hold("gdelt") as same_process:  # each hold has its own session: not re-entrant either
            assert not same_process
        with theirs.hold("acled") as other_feed:
            assert other_feed
    with theirs.hold("gdelt") as again:
        assert again


def test_postgres_a_dead_holders_lock_is_freed_with_its_session(
    pg_url: str, other_engine: sa.Engine, fresh_store: Store
) -> None:
    theirs = AdvisoryLocks(other_engine)
    key = None
    with fresh_store.engine.connect() as victim:
        schema = victim.execute(sa.text("SELECT current_schema()")).scalar()
        key = advisory_key(str(schema), "gdelt")
        assert victim.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        pid = victim.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        with theirs.hold("gdelt") as held:
            assert not held
        with (
            other_engine.connect() as killer
        ):  # what the server does when a kill -9'd process's socket closes
            killer.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            killer.commit()
        victim.invalidate()
    for _ in range(50):
        with theirs.hold("gdelt") as held:
            if held:
                return
        time.sleep(0.05)
    pytest.fail("the lock of a terminated session was never freed")


def test_postgres_stores_in_different_schemas_do_not_block_each_other(
    pg_url: str, fresh_store: Store
) -> None:
    base = pg_url.split("?")[0]
    other = sa.create_engine(base)  # the default schema, a different store on the same server
    try:
        with (
            AdvisoryLocks(fresh_store.engine).hold("gdelt") as ours,
            AdvisoryLocks(other).hold("gdelt") as theirs,
        ):
            assert ours and theirs
    finally:
        other.dispose()


def _finished_pid() -> int:
    """The pid of a process that has exited (as a `minewatch run` killed with kill -9 has)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_restart_takes_over_at_once_the_lease_of_its_dead_predecessor_on_this_host(
    fresh_store: Store, other_engine: sa.Engine, clock: Clock
) -> None:
    host = socket.gethostname()
    dead = LeaseTable(fresh_store.engine, 60, clock, holder=f"{host}:{_finished_pid()}")
    assert dead.try_acquire("notices:alphamin") is not None
    restarted = LeaseTable(other_engine, 60, clock)
    assert restarted.try_acquire("notices:alphamin") is not None  # no waiting for the 60 s to run out


def test_a_lease_of_a_live_process_or_of_another_host_is_not_taken_over(
    fresh_store: Store, other_engine: sa.Engine, clock: Clock
) -> None:
    host = socket.gethostname()
    alive = LeaseTable(fresh_store.engine, 60, clock, holder=f"{host}:{os.getppid()}")
    elsewhere = LeaseTable(fresh_store.engine, 60, clock, holder=f"node-b.example:{_finished_pid()}")
    assert alive.try_acquire("gdelt") is not None
    assert elsewhere.try_acquire("acled") is not None
    ours = LeaseTable(other_engine, 60, clock)
    assert ours.try_acquire("gdelt") is None
    assert ours.try_acquire("acled") is None  # its pid means nothing here: wait for the expiry


def _key(store: Store, name: str) -> int:
    with store.engine.connect() as conn:
        return advisory_key(str(conn.execute(sa.text("SELECT current_schema()")).scalar()), name)


def _lock_pid(engine: sa.Engine, store: Store, name: str) -> int | None:
    """The server process of the session holding ``name``'s advisory lock (None when none does)."""
    key = _key(store, name)
    query = sa.text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
        "AND classid::bigint = :hi AND objid::bigint = :lo"
    )
    with engine.connect() as conn:
        pid = conn.execute(query, {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF}).scalar()
    return None if pid is None else int(pid)


def _terminate(engine: sa.Engine, pid: int) -> None:
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        conn.commit()


def test_postgres_a_lock_whose_session_is_killed_is_taken_again_by_its_holder(
    pg_url: str, other_engine: sa.Engine, fresh_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    theirs = AdvisoryLocks(other_engine)
    with caplog.at_level(logging.WARNING, logger="monitor.lease"):
        with AdvisoryLocks(fresh_store.engine, check_s=0.1).hold("gdelt") as held:
            first = _lock_pid(other_engine, fresh_store, "gdelt")
            assert held and first is not None
            _terminate(other_engine, first)
            deadline = time.monotonic() + 10
            again = first
            while again in (first, None) and time.monotonic() < deadline:
                time.sleep(0.05)
                again = _lock_pid(other_engine, fresh_store, "gdelt")
            assert again not in (first, None)  # a new session of ours holds it
            with theirs.hold("gdelt") as second:
                assert not second
            assert not held.lost.is_set()
        with theirs.hold("gdelt") as after:
            assert after  # released on the new session at the end
    assert "the database session holding it was lost" in caplog.text
    assert "taken again on a new database session" in caplog.text


def test_postgres_a_lock_taken_by_another_process_after_its_session_died_is_lost_and_said_so(
    pg_url: str, other_engine: sa.Engine, fresh_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    key = _key(fresh_store, "gdelt")
    ours = AdvisoryLocks(fresh_store.engine, check_s=3600)
    with ours.hold("gdelt") as held, other_engine.connect() as taker:
        pid = _lock_pid(other_engine, fresh_store, "gdelt")
        assert held and pid is not None
        _terminate(other_engine, pid)
        deadline = time.monotonic() + 10
        taken = False
        while not taken and time.monotonic() < deadline:  # freed once the killed session has ended
            taken = bool(taker.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            time.sleep(0 if taken else 0.05)
        assert taken
        with caplog.at_level(logging.WARNING, logger="monitor.lease"):
            assert held.verify() is False  # what the watcher does every check_s
        assert held.lost.is_set()
        assert held.verify() is False  # and stays lost
        assert _lock_pid(other_engine, fresh_store, "gdelt") not in (None, pid)
    assert "lease gdelt lost: another process holds it now" in caplog.text
