"""The fault suite: hostile peers, crashes and bad input against real servers, processes and stores.

Each case asserts exact counts (rows stored, rejected, alerts sent per channel) and records two figures with
``record_property``: ``rows_lost`` and ``duplicate_alerts``. ``scripts/reliability.py`` runs the suite with
``--junitxml`` and turns those properties into the table in docs/reliability.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from monitor.config import HttpSettings, Settings
from monitor.net.http import RetryingRequester, make_client
from monitor.pipeline import Pipeline
from monitor.store import Store
from tests.monitor.test_run_process import mailbox, runs, store  # noqa: F401  (fixtures, shared)

NOW = datetime(2025, 3, 14, 12, 0)
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    """The figures a case reports for the reliability table (0 unless the case says otherwise)."""

    record: Callable[[str, object], None]

    def __call__(self, *, rows_lost: int = 0, duplicate_alerts: int = 0) -> None:
        self.record("rows_lost", rows_lost)
        self.record("duplicate_alerts", duplicate_alerts)


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a ``python -m monitor`` child: this one without any MINEWATCH_ setting, then the
    store's URL, the checkout on the path, and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_")}
    env.update({"MINEWATCH_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), **extra})
    return env


@pytest.fixture
def outcome(record_property: Callable[[str, object], None]) -> Outcome:
    return Outcome(record_property)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@dataclass
class Net:
    """A requester under test settings (its sleeps recorded, never slept) and its client."""

    requester: RetryingRequester
    client: httpx.Client


@pytest.fixture
def net(sleeps: list[float]) -> Iterator[Net]:
    http = HttpSettings(timeout_s=2, deadline_s=3, retries=3, backoff_s=1, max_response_mb=4)
    with make_client(http) as client:
        yield Net(RetryingRequester(client, http, sleep=sleeps.append), client)


@pytest.fixture
def pipeline(fresh_store: Store) -> Pipeline:
    return Pipeline(fresh_store, Settings(), lambda: NOW)
