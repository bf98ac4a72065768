"""Prometheus metrics: the store's state, read when scraped, and this process's request latency.

The state (feed lag, rows stored and rejected, outbox backlog, latest scored day) lives in the store, so every
node (the dashboard, a scheduler-only node) reports the same numbers, read at scrape time from the one source
of truth rather than counted in one process's memory. Request latency is per process: it is measured where
the requests are served.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor import reads
from monitor.config import Settings
from monitor.observability.health import health
from monitor.store import Store

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _StoreState(Collector):
    """Reads the store on every scrape; a store that cannot be read reports ``minewatch_store_up 0``."""

    def __init__(self, store: Store, settings: Settings, now: Callable[[], datetime]) -> None:
        self._store, self._settings, self._now = store, settings, now

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("minewatch_store_up", "1 when the store answered this scrape")
        try:
            families = list(self._families())
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterator[Metric]:
        answer = health(self._store, self._settings, self._now())
        lag = GaugeMetricFamily(
            "minewatch_feed_lag_seconds", "Seconds since the feed's last successful run", labels=["feed"]
        )
        failing = GaugeMetricFamily(
            "minewatch_feed_failing", "1 when the feed's newest run failed", labels=["feed"]
        )
        for feed in answer["feeds"]:
            if feed["lag_seconds"] is not None:
                lag.add_metric([feed["feed"]], feed["lag_seconds"])
            failing.add_metric([feed["feed"]], 1 if feed["last_status"] == "failed" else 0)
        yield lag
        yield failing
        stored = CounterMetricFamily(
            "minewatch_feed_rows_stored", "Rows stored by the feed over all its runs", labels=["feed"]
        )
        rejected = CounterMetricFamily(
            "minewatch_feed_rows_rejected", "Rows the feed could not use (quarantined)", labels=["feed"]
        )
        for row in reads.feedruns.totals(self._store).itertuples():
            stored.add_metric([row.feed], row.stored)
            rejected.add_metric([row.feed], row.rejected)
        yield stored
        yield rejected
        outbox = GaugeMetricFamily(
            "minewatch_outbox_deliveries",
            "Alert deliveries not yet sent, by channel and state (pending: not tried or due again; failing:"
            " the last attempt failed)",
            labels=["channel", "state"],
        )
        for channel, (pending, failing_count) in reads.alerts.backlog(self._store).items():
            outbox.add_metric([channel, "pending"], pending)
            outbox.add_metric([channel, "failing"], failing_count)
        yield outbox
        latest = reads.scores.latest_day(self._store)
        day = GaugeMetricFamily(
            "minewatch_latest_score_day_timestamp_seconds", "Midnight UTC of the newest scored day"
        )
        if latest is not None:
            day.add_metric([], datetime.combine(latest, time(), tzinfo=UTC).timestamp())
        yield day


class Metrics:
    """One process's metrics: the store's state and the latency of the requests this process serves."""

    def __init__(self, store: Store, settings: Settings, now: Callable[[], datetime]) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_StoreState(store, settings, now))
        self.request_seconds = Histogram(
            "minewatch_request_duration_seconds",
            "HTTP request latency by route group and status class",
            ["route", "status"],
            registry=self.registry,
        )

    def observe(self, path: str, status: int, seconds: float) -> None:
        """Count one served request; ``path`` is reduced to its group so labels stay few."""
        self.request_seconds.labels(route_group(path), f"{status // 100}xx").observe(seconds)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)


def route_group(path: str) -> str:
    """``/api/v1/risk.csv`` -> ``api``; Dash callbacks, assets and pages grouped likewise."""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/_dash-update-component"):
        return "callback"
    if path.startswith(("/_dash", "/assets/", "/_favicon")):
        return "static"
    if path in {"/metrics", "/health"}:
        return path.lstrip("/")
    return "page"
