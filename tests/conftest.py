"""Shared fixtures: a fresh store (SQLite, or PostgreSQL when MINEWATCH_TEST_DATABASE_URL is set),
a loopback HTTP server, a fixed clock, and paths to our wire-format fixtures and ../shared data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.store import Store
from tests.loopback import LoopbackServer

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"
PG_ENV = "MINEWATCH_TEST_DATABASE_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-size",
        action="store_true",
        help="also run the fault suite's full-size cases (marked full_size: minutes each; their figures are "
        "in docs/reliability.md)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _pg_url() is not None:
        _keep_database_tests(config, items)
    if config.getoption("--full-size"):
        return
    skip = pytest.mark.skip(reason="full size: run with --full-size (figures in docs/reliability.md)")
    for item in items:
        if "full_size" in item.keywords:
            item.add_marker(skip)


def _keep_database_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With PostgreSQL, run only the tests that get their database from ``database_url``.

    The others never reach PostgreSQL: they would run exactly as in the SQLite pass, so the PostgreSQL pass
    leaves them out (deselected and counted, not skipped one by one).
    """
    keep = [item for item in items if "database_url" in getattr(item, "fixturenames", ())]
    dropped = [item for item in items if "database_url" not in getattr(item, "fixturenames", ())]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _pg_url() -> str | None:
    import os

    return os.environ.get(PG_ENV) or None


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a temp SQLite file, or a fresh schema on the PostgreSQL test server."""
    pg = _pg_url()
    if pg is None:
        yield f"sqlite:///{tmp_path / 'minewatch.db'}"
        return
    schema = f"mw_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in pg else "?"
    try:
        yield f"{pg}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def execute(store: Store, sql: str, params: dict[str, Any] | None = None) -> None:
    """Run one statement on ``store`` in its own transaction (tests that break or bend a store on purpose)."""
    with store.engine.begin() as conn:
        conn.execute(sa.text(sql), params or {})


@pytest.fixture
def fresh_store(database_url: str) -> Iterator[Store]:
    """An initialised, empty store."""
    store = Store.from_url(database_url)
    store.create_schema()
    yield store
    store.engine.dispose()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 with no routes yet."""
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def other() -> Iterator[LoopbackServer]:
    """A second server: another origin (another port)."""
    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture
def now() -> datetime:
    return datetime(2025, 4, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not present beside the checkout ({SHARED})")
    return SHARED
