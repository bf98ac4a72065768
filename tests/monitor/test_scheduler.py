"""The scheduler: feeds on their intervals, no overlap, coalesced misses, crashes recorded; and a feed job's
lease, stop-after-batch and alerts step, against a real store and a loopback feed server."""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from feeds.base import Batch, Kind
from feeds.notices import NoticeCollector
from feeds.rows import NOTICE_COLUMNS
from monitor import reads, sites
from monitor import scheduler as scheduler_module
from monitor.config import HttpSettings, NoticeFeed, Settings, settings_from_mapping
from monitor.demo import demo_dir
from monitor.lease import Hold, Leases, leases_for
from monitor.net.http import RetryingRequester, make_client
from monitor.pipeline import Pipeline
from monitor.reads import sql
from monitor.scheduler import FeedJob, build_scheduler, crash_recorder
from monitor.store import SCORES_OWED_FROM, Store
from tests.loopback import LoopbackServer, Request, Response

NOW = datetime(2025, 3, 21, 6, 0, tzinfo=UTC)
HTTP = HttpSettings(retries=0, backoff_s=0.0)


def _clock() -> datetime:
    return NOW


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the scheduler")
        time.sleep(0.01)


@pytest.fixture
def running() -> Iterator[list[BackgroundScheduler]]:
    """Schedulers a test started; shut down (waiting for their jobs) even when the test fails."""
    started: list[BackgroundScheduler] = []
    yield started
    for scheduler in started:
        if scheduler.running:
            scheduler.shutdown(wait=True)


def _start(running: list[BackgroundScheduler], scheduler: BackgroundScheduler) -> BackgroundScheduler:
    scheduler.start()
    running.append(scheduler)
    return scheduler


# ---- jobs from config ----
def test_one_job_per_enabled_feed_with_the_configured_interval_and_options(
    running: list[BackgroundScheduler],
) -> None:
    settings = settings_from_mapping(
        {
            "feeds": {
                "acled": {"enabled": False},
                "gdelt": {"enabled": True, "interval_minutes": 15},
                "ucdp": {"enabled": True, "interval_minutes": 1440},
                "notices": {
                    "interval_minutes": 30,
                    "catalogue": False,
                    "feeds": [
                        {"name": "alphamin", "url": "http://a/rss"},
                        {"name": "radio", "url": "http://b"},
                    ],
                },
            },
            "scheduler": {"misfire_grace_seconds": 90},
        },
        env={},
    )
    assert settings.feeds.enabled() == {
        "gdelt": timedelta(minutes=15),
        "ucdp": timedelta(days=1),
        "notices:alphamin": timedelta(minutes=30),
        "notices:radio": timedelta(minutes=30),
    }
    scheduler = build_scheduler(settings, lambda _feed: None)
    assert isinstance(scheduler, BackgroundScheduler)
    scheduler.start(paused=True)
    running.append(scheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"gdelt", "ucdp", "notices:alphamin", "notices:radio"}
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 90)
        assert job.args == (job.id,)
    assert jobs["gdelt"].trigger.interval == timedelta(minutes=15)
    assert jobs["notices:radio"].trigger.interval == timedelta(minutes=30)


def test_disabled_notices_schedule_none_of_the_notice_feeds() -> None:
    settings = settings_from_mapping(
        {
            "feeds": {
                "gdelt": {"enabled": False},
                "notices": {"enabled": False, "feeds": [{"name": "a", "url": "https://a.example/rss"}]},
            }
        },
        env={},
    )
    assert settings.feeds.enabled() == {}


# ---- timing ----
def test_each_feed_runs_at_start_then_on_its_interval(running: list[BackgroundScheduler]) -> None:
    runs: list[tuple[str, float]] = []
    started = time.monotonic()
    every = {"gdelt": timedelta(seconds=0.2), "notices:alphamin": timedelta(minutes=30)}
    _start(
        running,
        build_scheduler(Settings(), lambda feed: runs.append((feed, time.monotonic())), intervals=every),
    )
    _wait_for(lambda: sum(f == "gdelt" for f, _ in runs) >= 3)
    gdelt = [t for f, t in runs if f == "gdelt"]
    assert gdelt[0] - started < 0.5  # at start, not one interval later
    assert all(b - a > 0.1 for a, b in itertools.pairwise(gdelt))
    assert [f for f, _ in runs].count("notices:alphamin") == 1  # ran at start; next one in 30 minutes


def test_a_slow_run_is_never_overlapped_by_the_next_one(
    running: list[BackgroundScheduler], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.scheduler")
    release = threading.Event()
    active, most, runs = [0], [0], [0]
    lock = threading.Lock()

    def slow(_feed: str) -> None:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        release.wait(5)
        with lock:
            active[0] -= 1
            runs[0] += 1

    _start(running, build_scheduler(Settings(), slow, intervals={"acled": timedelta(seconds=0.05)}))
    time.sleep(0.4)  # eight intervals pass while the first run is still going
    assert runs[0] == 0
    release.set()
    _wait_for(lambda: runs[0] >= 3)
    assert most[0] == 1
    assert "acled: the previous run is still going; this run is skipped" in caplog.text


def test_runs_missed_while_the_process_was_busy_are_coalesced_into_one(
    running: list[BackgroundScheduler],
) -> None:
    runs: list[float] = []
    scheduler = _start(
        running,
        build_scheduler(
            Settings(), lambda _f: runs.append(time.monotonic()), intervals={"gdelt": timedelta(seconds=0.1)}
        ),
    )
    _wait_for(lambda: len(runs) >= 1)
    scheduler.pause()  # as if the process were suspended for eight intervals
    time.sleep(0.05)
    before = len(runs)
    time.sleep(0.8)
    assert len(runs) == before
    resumed = time.monotonic()
    scheduler.resume()
    time.sleep(0.09)
    caught_up = [t for t in runs if t >= resumed]
    assert 1 <= len(caught_up) <= 2  # one catch-up run (plus at most the next tick), not eight


def test_a_crashing_job_is_logged_and_recorded_as_a_failed_run_while_the_others_go_on(
    running: list[BackgroundScheduler], fresh_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.scheduler")
    runs: list[str] = []

    def run_feed(feed: str) -> None:
        runs.append(feed)
        if feed == "acled":
            raise RuntimeError("ACLED moved its token endpoint")

    every = {"acled": timedelta(minutes=5), "gdelt": timedelta(seconds=0.1)}
    scheduler = _start(
        running,
        build_scheduler(Settings(), run_feed, intervals=every, on_crash=crash_recorder(fresh_store, _clock)),
    )
    _wait_for(lambda: runs.count("gdelt") >= 3)
    scheduler.shutdown(wait=True)
    failed = sql.frame(
        fresh_store, "SELECT feed, status, error, finished_at IS NOT NULL AS finished FROM feedrun"
    )
    assert failed.to_dict("records") == [
        {
            "feed": "acled",
            "status": "failed",
            "error": "RuntimeError: ACLED moved its token endpoint",
            "finished": True,
        }
    ]
    assert "acled: the run crashed: RuntimeError: ACLED moved its token endpoint" in caplog.text


# ---- the feed job ----
@pytest.fixture
def pipeline(fresh_store: Store) -> Pipeline:
    pipe = Pipeline(fresh_store, Settings(), _clock)
    pipe.load_sites(sites.load_bundled(NOW))
    return pipe


@pytest.fixture
def requester() -> Iterator[RetryingRequester]:
    with make_client(HTTP) as client:
        yield RetryingRequester(client, HTTP, lambda _s: None)


@pytest.fixture
def other_process(database_url: str, fresh_store: Store) -> Iterator[Leases]:
    """The leases as another `minewatch run` process on the same store sees them (its own engine)."""
    store = Store.from_url(database_url)
    yield leases_for(store, 60, _clock)
    store.engine.dispose()


def _alphamin(server: LoopbackServer, during: Callable[[], None] = lambda: None) -> NoticeCollector:
    rss = (demo_dir() / "alphamin_news.xml").read_bytes()

    def handler(_req: Request) -> Response:
        during()
        return Response(200, rss, {"Content-Type": "application/rss+xml"})

    server.route("GET", "/alphamin.xml", handler)
    return NoticeCollector(NoticeFeed(name="alphamin", url=server.url("/alphamin.xml"), language="en"))


def _job(
    pipeline: Pipeline,
    requester: RetryingRequester,
    collectors: dict[str, object],
    stopping: threading.Event | None = None,
    alerts: Callable[[], object] | None = None,
) -> FeedJob:
    def build(feed: str) -> list:
        made = collectors[feed]
        if isinstance(made, Exception):
            raise made
        return [made]

    leases = leases_for(pipeline.store, 60, _clock)
    return FeedJob(
        pipeline, build, requester, leases, stopping or threading.Event(), alerts=alerts, alerts_wait_s=2
    )


def test_a_feed_job_collects_matches_and_scores_while_holding_the_feeds_lease(
    pipeline: Pipeline, requester: RetryingRequester, server: LoopbackServer, other_process: Leases
) -> None:
    seen: list[bool] = []

    def while_fetching() -> None:
        with other_process.hold("notices:alphamin") as held:
            seen.append(bool(held))

    job = _job(pipeline, requester, {"notices:alphamin": _alphamin(server, while_fetching)})
    job("notices:alphamin")
    store = pipeline.store
    assert seen == [False]  # another process could not take the feed while it ran
    assert sql.scalar(store, "SELECT COUNT(*) FROM notice WHERE source = 'alphamin'") == 5
    assert sql.scalar(store, "SELECT COUNT(*) FROM noticesite WHERE site_id = 'bisie'") == 5
    assert sql.frame(store, "SELECT feed, status, stored FROM feedrun").to_dict("records") == [
        {"feed": "notices:alphamin", "status": "ok", "stored": 5}
    ]
    assert (
        sql.scalar(store, "SELECT status FROM score WHERE site_id = 'bisie' AND date = '2025-03-21'")
        == "halted"
    )
    with other_process.hold("notices:alphamin") as after:
        assert after  # released once the run ended


def test_a_feed_job_scores_a_block_of_owed_score_history_once_its_alerts_are_out(
    pipeline: Pipeline, requester: RetryingRequester, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler_module, "HISTORY_SITE_DAYS_PER_TICK", 3 * reads.sites.count(pipeline.store))
    pipeline.store.set_watermark(SCORES_OWED_FROM, (NOW.date() - timedelta(days=120)).isoformat(), NOW)
    at_alerts: list[list[date]] = []
    job = _job(
        pipeline,
        requester,
        {"notices:alphamin": _alphamin(server)},
        alerts=lambda: at_alerts.append(pipeline.owed_days()),
    )
    job("notices:alphamin")
    (owed,) = at_alerts
    assert len(owed) > 3 and owed[0] == NOW.date() - timedelta(days=120)
    assert pipeline.owed_days() == owed[:-3]  # the newest three, after the alerts
    first, _ = reads.scores.day_span(pipeline.store)
    assert first == owed[-3]


def test_a_feed_job_on_a_store_that_defers_checkpoints_checkpoints_it_when_the_run_ends(
    tmp_path: Path, requester: RetryingRequester, server: LoopbackServer
) -> None:
    path = tmp_path / "run.db"
    store = Store.from_url(f"sqlite:///{path}", deferred_checkpoints=True)  # as `minewatch run` opens it
    store.create_schema()
    pipe = Pipeline(store, Settings(), _clock)
    pipe.load_sites(sites.load_bundled(NOW))
    _job(pipe, requester, {"notices:alphamin": _alphamin(server)}, alerts=lambda: None)("notices:alphamin")
    alone = tmp_path / "file-alone.db"  # the database file without its write-ahead log
    alone.write_bytes(path.read_bytes())
    assert sqlite3.connect(alone).execute("SELECT COUNT(*) FROM notice").fetchone() == (5,)
    store.engine.dispose()


def test_a_feed_job_skips_its_run_when_another_process_holds_the_lease(
    pipeline: Pipeline,
    requester: RetryingRequester,
    server: LoopbackServer,
    other_process: Leases,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.scheduler")
    job = _job(pipeline, requester, {"notices:alphamin": _alphamin(server)})
    with other_process.hold("notices:alphamin") as held:
        assert held
        job("notices:alphamin")
    assert server.hits("/alphamin.xml") == []
    assert sql.scalar(pipeline.store, "SELECT COUNT(*) FROM feedrun") == 0
    assert "notices:alphamin: another process is running this feed; this run is skipped" in caplog.text


class PagedNotices:
    """A notice feed of three pages; each page is one batch whose watermark is the page number."""

    name = "notices:paged"
    kind: Kind = "notices"

    def __init__(self, stop_during_page: int | None = None, stopping: threading.Event | None = None) -> None:
        self.stop_during_page = stop_during_page
        self.stopping = stopping
        self.pages_made: list[int] = []
        self.since: list[str | None] = []

    def collect(self, _requester: RetryingRequester, since: str | None) -> Iterator[Batch]:
        self.since.append(since)
        for page in range(int(since or 0) + 1, 4):
            self.pages_made.append(page)
            if page == self.stop_during_page and self.stopping is not None:
                self.stopping.set()  # SIGTERM arrives while this page is being fetched
            rows = [
                {
                    "source": "paged",
                    "source_id": f"p{page}-{i}",
                    "url": f"https://ops.example/{page}/{i}",
                    "published_at": datetime(2025, 3, page + 10, 8, i),
                    "title": f"Operations update {page}.{i}",
                    "summary": "",
                    "language": "en",
                }
                for i in range(2)
            ]
            yield Batch(pd.DataFrame(rows, columns=list(NOTICE_COLUMNS)), watermark=str(page), fetched=2)


def test_a_stop_during_a_pull_ends_it_after_the_batch_in_hand_and_the_next_run_resumes(
    pipeline: Pipeline, requester: RetryingRequester
) -> None:
    stopping = threading.Event()
    alerts: list[str] = []
    first = PagedNotices(stop_during_page=2, stopping=stopping)
    _job(pipeline, requester, {"notices:paged": first}, stopping, alerts=lambda: alerts.append("tick"))(
        "notices:paged"
    )
    store = pipeline.store
    assert first.pages_made == [1, 2]  # page 3 was never fetched
    assert (
        sql.scalar(store, "SELECT COUNT(*) FROM notice") == 4
    )  # but page 2, in hand at the stop, was stored
    assert store.get_watermark("notices:paged") == "2"
    assert sql.frame(store, "SELECT status, stored FROM feedrun").to_dict("records") == [
        {"status": "ok", "stored": 4}
    ]
    assert alerts == []  # no alerts step on the way out: the outbox sends them at the next start

    again = PagedNotices()
    _job(pipeline, requester, {"notices:paged": again}, alerts=lambda: alerts.append("tick"))("notices:paged")
    assert again.since == ["2"] and again.pages_made == [3]
    assert sql.scalar(store, "SELECT COUNT(*) FROM notice") == 6
    assert sql.scalar(store, "SELECT COUNT(DISTINCT source_id) FROM notice") == 6
    assert alerts == ["tick"]


class LosableLeases:
    """Leases always taken, each hold kept so that the test can mark it lost as monitor.lease's watcher does
    (its own tests show when: a killed session, a lease run out and taken)."""

    def __init__(self) -> None:
        self.holds: list[Hold] = []

    @contextmanager
    def hold(self, _name: str) -> Iterator[Hold]:
        self.holds.append(Hold(True))
        yield self.holds[-1]

    def set(self) -> None:
        """Lose the hold in force (PagedNotices calls this during the page it was told)."""
        self.holds[-1].lost.set()


def test_a_lease_lost_during_a_pull_ends_it_after_the_batch_in_hand_and_the_next_run_resumes(
    pipeline: Pipeline, requester: RetryingRequester
) -> None:
    leases = LosableLeases()
    first = PagedNotices(stop_during_page=2, stopping=leases)  # type: ignore[arg-type]
    job = FeedJob(pipeline, lambda _f: [first], requester, leases, threading.Event())
    job("notices:paged")
    assert first.pages_made == [1, 2]  # page 3 was not fetched under a lease that is no longer ours
    assert sql.scalar(pipeline.store, "SELECT COUNT(*) FROM notice") == 4
    assert pipeline.store.get_watermark("notices:paged") == "2"

    again = PagedNotices()
    FeedJob(pipeline, lambda _f: [again], requester, leases, threading.Event())("notices:paged")
    assert again.since == ["2"] and again.pages_made == [3]
    assert sql.scalar(pipeline.store, "SELECT COUNT(DISTINCT source_id) FROM notice") == 6


def test_a_crash_outside_ingest_is_recorded_as_a_failed_run_of_that_feed_and_the_other_feed_still_runs(
    running: list[BackgroundScheduler],
    pipeline: Pipeline,
    requester: RetryingRequester,
    server: LoopbackServer,
) -> None:
    broken = RuntimeError("sites table unreadable")
    job = _job(pipeline, requester, {"gdelt": broken, "notices:alphamin": _alphamin(server)})
    every = {"gdelt": timedelta(minutes=15), "notices:alphamin": timedelta(minutes=30)}
    scheduler = _start(
        running,
        build_scheduler(Settings(), job, intervals=every, on_crash=crash_recorder(pipeline.store, _clock)),
    )
    store = pipeline.store
    _wait_for(lambda: sql.scalar(store, "SELECT COUNT(*) FROM feedrun WHERE status <> 'running'") == 2)
    scheduler.shutdown(wait=True)  # the notices job still matches and scores after its run is recorded
    runs = sql.frame(store, "SELECT feed, status, error FROM feedrun ORDER BY feed").to_dict("records")
    assert runs == [
        {
            "feed": "gdelt",
            "status": "failed",
            "error": "RuntimeError: sites table unreadable (in building the collector)",
        },
        {"feed": "notices:alphamin", "status": "ok", "error": ""},
    ]
    with leases_for(store, 60, _clock).hold("gdelt") as held:
        assert held  # the crashed job gave its lease back


def test_alerts_from_concurrent_feed_jobs_run_one_at_a_time_and_none_is_dropped(
    pipeline: Pipeline, requester: RetryingRequester
) -> None:
    active, most, calls = [0], [0], [0]
    lock = threading.Lock()

    def alerts() -> None:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
            calls[0] += 1

    a, b = PagedNotices(), PagedNotices()
    b.name = "notices:other"
    job = _job(pipeline, requester, {"notices:paged": a, "notices:other": b}, alerts=alerts)
    threads = [threading.Thread(target=job, args=(name,)) for name in ("notices:paged", "notices:other")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls[0] == 2  # the second job waited for the first one's alerts step
    assert most[0] == 1
