"""The scheduler behind ``minewatch run``: each enabled feed on its interval, then match, score and alerts.

- ``build_scheduler`` makes one APScheduler job per enabled feed from the settings (no global scheduler):
  each runs at start, then every ``interval_minutes``; ``coalesce`` folds runs missed while the process was
  busy into one, ``max_instances=1`` never lets a slow feed overlap itself, and an error listener logs a
  crashed job and records it as a failed feed run while the other jobs go on.
- ``FeedJob`` is what a job does: take the feed's lease (``monitor.lease``: one process at a time per feed,
  across nodes), ``Pipeline.run_once`` with that feed's collector (collect -> match -> rescore), then the
  alerts tick (under its own lease, so two jobs or nodes never deliver at the same time), then a block of
  the score history an import left to later (``Pipeline.score_history``), then the store's checkpoint
  (``minewatch run`` opens it with ``deferred_checkpoints``). A lease lost while the feed runs ends its
  pull after the batch in hand, as a stop does.
- ``StopFlag`` turns SIGTERM/SIGINT into a clean stop: no new runs start, a running pull ends after the batch
  in hand (stored, its watermark advanced: nothing lost, nothing fetched twice), and the scheduler is shut
  down waiting for its jobs. A second signal exits at once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any, Protocol

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from feeds.base import Batch, Collector
from monitor import reads
from monitor.alerting.tick import alert_tick
from monitor.config import Settings, alert_targets_from_env
from monitor.lease import Leases
from monitor.net.http import RetryingRequester
from monitor.pipeline import HISTORY_SITE_DAYS_PER_TICK, Pipeline, TickReport
from monitor.store import Store

log = logging.getLogger(__name__)

#: Lease name of the alerts step (feed names are acled, gdelt, ucdp and notices:<name>).
ALERTS_LEASE = "alerts"

FeedRunner = Callable[[str], None]
CrashHandler = Callable[[str, BaseException], None]


def build_scheduler(
    settings: Settings,
    run_feed: FeedRunner,
    *,
    intervals: Mapping[str, timedelta] | None = None,
    on_crash: CrashHandler | None = None,
    blocking: bool = False,
) -> BackgroundScheduler | BlockingScheduler:
    """A scheduler (not started) with one job per feed: ``run_feed(name)`` at start, then every interval.

    ``intervals`` (default ``settings.feeds.enabled()``) names the feeds and their periods; tests pass
    sub-second ones. ``on_crash(feed, exception)`` is called after a job raised, once it is logged.
    """
    s = settings.scheduler
    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(s.max_parallel_feeds)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": s.misfire_grace_seconds},
    )
    start = datetime.now(UTC)
    for feed, every in (settings.feeds.enabled() if intervals is None else intervals).items():
        scheduler.add_job(
            run_feed,
            IntervalTrigger(seconds=every.total_seconds(), timezone=UTC),
            args=[feed],
            id=feed,
            name=feed,
            next_run_time=start,
        )
    scheduler.add_listener(_listener(on_crash), EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def _listener(on_crash: CrashHandler | None) -> Callable[[Any], None]:
    def listen(event: Any) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.info("%s: the previous run is still going; this run is skipped", event.job_id)
        elif event.code == EVENT_JOB_MISSED:
            log.warning(
                "%s: run due at %s skipped (later than the misfire grace)", event.job_id, event.run_time
            )
        elif isinstance(event, JobExecutionEvent) and event.exception is not None:
            log.error("%s: the run crashed: %s", event.job_id, describe(event.exception))
            if on_crash is not None:
                try:
                    on_crash(event.job_id, event.exception)
                except Exception:  # the store may be what failed; the log keeps the crash either way
                    log.exception("%s: could not record the crash", event.job_id)

    return listen


def describe(exc: BaseException) -> str:
    """One line for a feed run's error column: type, message, and the step it happened in."""
    notes = "; ".join(getattr(exc, "__notes__", []))
    return f"{type(exc).__name__}: {exc}" + (f" ({notes})" if notes else "")


def crash_recorder(store: Store, now: Callable[[], datetime]) -> CrashHandler:
    """Record a crashed job as a failed run of its feed (ingest records its own failures, this the rest)."""

    def record(feed: str, exc: BaseException) -> None:
        run_id = store.start_run(feed, now())
        store.finish_run(run_id, now(), status="failed", error=describe(exc))

    return record


@contextmanager
def _step(name: str) -> Iterator[None]:
    """Name the step an exception escaped from, for the crash record."""
    try:
        yield
    except Exception as exc:
        exc.add_note(f"in {name}")
        raise


class Stop(Protocol):
    """Whether to stop: a stop asked for (SIGTERM), or the feed's lease lost (``monitor.lease.Hold.lost``)."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class AnyOf:
    """Set as soon as one of ``stops`` is."""

    stops: tuple[Stop, ...]

    def is_set(self) -> bool:
        return any(stop.is_set() for stop in self.stops)


class UntilStopped:
    """A collector that ends its pull after the batch in hand once a stop is asked for or its lease is lost.

    The pipeline stores each batch and advances the feed's watermark before asking for the next one, so
    stopping here loses nothing, and the next run resumes from the watermark without fetching twice.
    """

    def __init__(self, inner: Collector, stopping: Stop) -> None:
        self.inner = inner
        self.name = inner.name
        self.kind = inner.kind
        self.stopping = stopping

    def collect(self, requester: RetryingRequester, since: str | None) -> Iterator[Batch]:
        batches = self.inner.collect(requester, since)
        try:
            for batch in batches:
                yield batch
                if self.stopping.is_set():
                    log.info(
                        "%s: stopping after the stored batch; the next run resumes from there", self.name
                    )
                    return
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()


class FeedJob:
    """One scheduled run of one feed: lease, collect -> match -> rescore, then alerts, then a block of owed
    score history, then a checkpoint."""

    def __init__(
        self,
        pipeline: Pipeline,
        collectors: Callable[[str], Sequence[Collector]],
        requester: RetryingRequester,
        leases: Leases,
        stopping: threading.Event,
        *,
        alerts: Callable[[], object] | None = None,
        alerts_wait_s: float = 60.0,
    ) -> None:
        self.pipeline = pipeline
        self.collectors = collectors
        self.requester = requester
        self.leases = leases
        self.stopping = stopping
        self.alerts = alerts
        self.alerts_wait_s = alerts_wait_s
        self._scoring_history = threading.Lock()

    def __call__(self, feed: str) -> None:
        """Run ``feed`` once unless another process holds its lease or a stop was asked for."""
        if self.stopping.is_set():
            return
        with self.leases.hold(feed) as held:
            if not held:
                log.info("%s: another process is running this feed; this run is skipped", feed)
                return
            stop = AnyOf((self.stopping, held.lost))
            with _step("building the collector"):
                collectors = [UntilStopped(c, stop) for c in self.collectors(feed)]
            with _step("collect, match and score"):
                report = self.pipeline.run_once(collectors, self.requester)
            _log_tick(report)
            if self.alerts is not None and not self.stopping.is_set():
                with _step("alerts"):
                    self._alerts()
            if not self.stopping.is_set():
                with _step("score history"):
                    self._history()
            with _step("checkpoint"):
                self.pipeline.store.checkpoint()  # after the alerts: the run's writes, off their path

    def _history(self) -> None:
        """Score a block of the score history an import left to later (``Pipeline.score_history``), once
        this run's alerts are out; skipped while another job of this process is at it (the same days)."""
        if not self._scoring_history.acquire(blocking=False):
            return
        try:
            days = self.pipeline.score_history(HISTORY_SITE_DAYS_PER_TICK)
            if days:
                log.info("score history: scored %d days (%s to %s)", len(days), days[0], days[-1])
        finally:
            self._scoring_history.release()

    def _alerts(self) -> None:
        """Evaluate and deliver alerts under the alerts lease, waiting a while for another job to finish."""
        assert self.alerts is not None
        deadline = time.monotonic() + self.alerts_wait_s
        while True:
            with self.leases.hold(ALERTS_LEASE) as held:
                if held:
                    self.alerts()
                    return
            if self.stopping.wait(0.5) or time.monotonic() >= deadline:
                log.info("alerts: another job is delivering; left to the next run")
                return


def _log_tick(report: TickReport) -> None:
    for f in report.feeds:
        log.info(
            "%s: %s - fetched %d, stored %d, duplicates %d, rejected %d%s",
            f.feed, f.status, f.fetched, f.stored, f.duplicates, f.rejected,
            f" - {f.error}" if f.error else "",
        )  # fmt: skip
    log.info(
        "%d events newly near a site, %d notice links; scored %d days",
        report.matched_events,
        report.notice_matches,
        len(report.scored_days),
    )


def alerts_step(
    store: Store,
    settings: Settings,
    env: Mapping[str, str],
    now: Callable[[], datetime],
    http: Any,
    sleep: Callable[[float], None],
) -> Callable[[], None]:
    """The alerts tick run after each feed run.

    A malformed alert environment variable raises ConfigError here, at start, rather than in every run.
    """
    alert_targets_from_env(env)
    held = reads.scores.HeldDays()  # the lookback's scores, kept from one run to the next

    def run_tick() -> None:
        report = alert_tick(store, settings, env, now, http, sleep=sleep, held=held)
        log.info("alerts: %d new, %d sent, %d pending", len(report.alerts), report.sent, report.pending)

    return run_tick


class StopFlag:
    """SIGTERM/SIGINT -> a clean stop (jobs see ``event``); a second signal exits at once.

    The handler only appends to a list (no locks in signal context); the main thread polls it.
    """

    def __init__(self) -> None:
        self.event = threading.Event()
        self._signals: list[int] = []

    def install(self) -> None:
        """Handle SIGTERM and SIGINT in this (the main) thread."""
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self._signals.append(signum)
        if len(self._signals) > 1:
            os.write(2, b"second signal: exiting now\n")
            os._exit(1)

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when a stop is asked for (HTTP backoff, alert retries)."""
        self.event.wait(seconds)

    def wait(self, poll_s: float = 0.2) -> None:
        """Block the main thread until a signal arrives or ``event`` is set."""
        while not self._signals and not self.event.is_set():
            time.sleep(poll_s)
        self.event.set()


def run_until_stopped(scheduler: BackgroundScheduler, stop: StopFlag) -> None:
    """Start ``scheduler`` in the background, wait for a stop, then shut it down once its jobs are done."""
    scheduler.start()
    try:
        stop.wait()
    finally:
        stop.event.set()
        log.info("stopping: no new runs; waiting for the running ones to store their current batch")
        scheduler.shutdown(wait=True)
