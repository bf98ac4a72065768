"""``minewatch run`` as an operator runs it: a real process against feeds and alert receivers on 127.0.0.1,
stopped with SIGTERM / SIGINT (clean, exit 0), then started again (kill -9 is in tests/faults/)."""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from monitor import sites
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.reads import sql
from monitor.store import Store
from tests.conftest import FIXTURES
from tests.loopback import LoopbackServer, Request, Response
from tests.monitor.mailbox import Mailbox

ROOT = Path(__file__).resolve().parents[2]
SECRET = "receiver-shared-secret"
TOKEN = "acled-access-token"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An initialised store whose registry is Bisie alone (the bundled registry also lists sites halted
    for years, which a first alert run would announce too)."""
    now = datetime.now(UTC)
    store = Store.from_url(database_url)
    store.create_schema()
    bisie = [row for row in sites.load_bundled(now).rows if row["id"] == "bisie"]
    Pipeline(store, Settings(), lambda: now).load_sites(sites.SitesParse(bisie))
    yield store
    store.engine.dispose()


class Run:
    """Starts ``python -m monitor run`` with a config file and environment; output goes to files."""

    def __init__(
        self, tmp_path: Path, database_url: str, config: dict[str, Any], env: dict[str, str]
    ) -> None:
        self.dir = tmp_path
        self.config = tmp_path / "config.yaml"
        # /health and /metrics on any free port: tests run side by side
        config = {**config, "scheduler": {"status_port": 0, **config.get("scheduler", {})}}
        self.config.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MINEWATCH_") and k != "COLUMNS"}
        self.env.update({"MINEWATCH_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), "COLUMNS": "200"})
        self.env.update(env)
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        n = len(self.procs)
        with (self.dir / f"run{n}.out").open("wb") as out, (self.dir / f"run{n}.err").open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(self.config), "run", *args],
                cwd=self.dir, env=self.env, stdout=out, stderr=err,
            )  # fmt: skip
        self.procs.append(proc)
        return proc

    def output(self, proc: subprocess.Popen[bytes]) -> tuple[str, str]:
        n = self.procs.index(proc)
        read = lambda name: (self.dir / name).read_text(encoding="utf-8", errors="replace")  # noqa: E731
        return read(f"run{n}.out"), read(f"run{n}.err")

    def wait_for(
        self, proc: subprocess.Popen[bytes], condition: Callable[[], bool], timeout: float = 60
    ) -> None:
        """Poll ``condition`` while the process runs; fail with its output if it exits or time runs out."""
        deadline = time.monotonic() + timeout
        while not condition():
            if proc.poll() is not None or time.monotonic() > deadline:
                out, err = self.output(proc)
                state = f"exited with {proc.returncode}" if proc.returncode is not None else "timed out"
                pytest.fail(f"minewatch run {state} before the condition held\n{out}\n{err}")
            time.sleep(0.05)

    def stop(self, proc: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> int:
        proc.send_signal(signum)
        return proc.wait(timeout=60)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def runs(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Run]]:
    made: list[Run] = []

    def make(config: dict[str, Any], env: dict[str, str] | None = None) -> Run:
        run = Run(tmp_path, database_url, config, env or {})
        made.append(run)
        return run

    yield make
    for run in made:
        run.close()


def _count(store: Store, query: str) -> int:
    return int(sql.scalar(store, query) or 0)


# ---- SIGTERM mid-pull, restart, dashboard, SIGINT ----
class AcledStandIn:
    """acleddata.com on the loopback server: the OAuth token endpoint and the paged read API (3 rows a page).

    The first request for page 2 is held until the test releases it, so a stop can arrive mid-pull.
    """

    def __init__(self, server: LoopbackServer) -> None:
        self.pages: list[int] = []
        self.hold_page: int | None = 2
        self.holding = threading.Event()
        self.release = threading.Event()
        server.route("POST", "/oauth/token", self._token)
        server.route("GET", "/api/acled/read", self._read)

    def _token(self, _req: Request) -> Response:
        body = {"token_type": "Bearer", "expires_in": 86400, "access_token": TOKEN, "refresh_token": "r"}
        return Response(200, json.dumps(body), {"Content-Type": "application/json"})

    def _read(self, req: Request) -> Response:
        if req.headers.get("authorization") != f"Bearer {TOKEN}":
            return Response(401, '{"message": "Unauthorized"}', {"Content-Type": "application/json"})
        page = int(req.arg("page") or 1)
        self.pages.append(page)
        if page == self.hold_page:
            self.hold_page = None
            self.holding.set()
            self.release.wait(30)
        path = FIXTURES / "acled" / f"read_page_{page}.json"
        body = (
            path.read_bytes()
            if path.exists()
            else b'{"status": 200, "success": true, "count": 0, "data": []}'
        )
        return Response(200, body, {"Content-Type": "application/json"})


def test_sigterm_mid_pull_stores_the_page_in_hand_exits_0_and_a_restart_finishes_without_duplicates(
    store: Store, server: LoopbackServer, runs: Callable[..., Run]
) -> None:
    acled = AcledStandIn(server)
    config = {
        "feeds": {
            "acled": {"enabled": True, "base_url": server.url(""), "page_limit": 3, "interval_minutes": 60},
            "gdelt": {"enabled": False},
            "notices": {"enabled": False},
        },
        "http": {"retries": 0},
    }
    run = runs(config, {"MINEWATCH_ACLED_USERNAME": "analyst@fund.example", "MINEWATCH_ACLED_PASSWORD": "pw"})

    first = run.start("--no-serve")
    run.wait_for(first, acled.holding.is_set)
    run.wait_for(first, lambda: "health and metrics on http" in run.output(first)[0])
    status = re.search(r"health and metrics on (http://\S+?)/health", run.output(first)[0])
    assert status is not None  # a scheduler-only node answers its orchestrator and Prometheus
    assert httpx.get(status.group(1) + "/health", timeout=30).json()["feeds"][0]["feed"] == "acled"
    assert "minewatch_store_up 1.0" in httpx.get(status.group(1) + "/metrics", timeout=30).text
    first.send_signal(signal.SIGTERM)  # while page 2 of 3 is being fetched
    time.sleep(0.5)
    acled.release.set()
    assert first.wait(timeout=60) == 0, run.output(first)
    assert acled.pages == [1, 2]  # the page in hand was finished, page 3 never asked for
    assert _count(store, "SELECT COUNT(*) FROM event") == 6
    feedruns = "SELECT feed, status, fetched, stored, duplicates FROM feedrun ORDER BY id"
    assert sql.frame(store, feedruns).to_dict("records") == [
        {"feed": "acled", "status": "ok", "fetched": 6, "stored": 6, "duplicates": 0}
    ]
    assert run.output(first)[0].rstrip().endswith("stopped")

    second = run.start("--port", "0")  # this time serving the dashboard from the same process
    run.wait_for(second, lambda: _count(store, "SELECT COUNT(*) FROM feedrun WHERE status = 'ok'") == 2)
    run.wait_for(second, lambda: "dashboard on http" in run.output(second)[0])
    url = re.search(r"dashboard on (http://\S+?)/?\s", run.output(second)[0])
    assert url is not None
    assert httpx.get(url.group(1) + "/", timeout=30).status_code == 200
    assert run.stop(second, signal.SIGINT) == 0, run.output(second)
    assert acled.pages == [1, 2, 1, 2, 3]  # resumed from the watermark, which stays put until a pull ends
    assert _count(store, "SELECT COUNT(*) FROM event") == 7
    assert _count(store, "SELECT COUNT(DISTINCT source_id) FROM event") == 7
    assert sql.frame(store, feedruns).to_dict("records")[1] == {
        "feed": "acled", "status": "ok", "fetched": 7, "stored": 1, "duplicates": 6,
    }  # fmt: skip


# ---- kill -9 between storing an alert and sending it ----
class StallingMailbox(Mailbox):
    """An SMTP server whose first DATA hangs until released and is then refused (never accepted)."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._first = True

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._first:
            self._first = False
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 the sender went away before the end of the transaction"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mailbox() -> Iterator[StallingMailbox]:
    box = StallingMailbox()
    box.start()
    yield box
    box.release.set()
    box.stop()


def _halt_rss(published: datetime) -> str:
    """An operator feed with one fresh suspension notice for Bisie (text written for this test)."""
    stamp = published.strftime("%Y%m%d%H%M")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Alphamin Resources - operations news</title>
    <link>https://alphamin.example/news/</link>
    <description>Operations updates from the operator of the Bisie tin mine.</description>
    <language>en</language>
    <item>
      <title>Alphamin suspends mining at Bisie as armed groups close in on Walikale</title>
      <link>https://alphamin.example/news/{stamp}-bisie</link>
      <guid isPermaLink="false">alphamin-ops-{stamp}</guid>
      <pubDate>{email.utils.format_datetime(published)}</pubDate>
      <description>Alphamin Resources Corp. has stopped all mining and processing at its Bisie tin mine
      in North Kivu while fighting moves towards Walikale town.</description>
    </item>
  </channel>
</rss>
"""
