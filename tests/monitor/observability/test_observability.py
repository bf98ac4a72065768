"""Logs, health and metrics as an operator scrapes them: real servers on loopback, a real store."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from dashboards.app import create_app
from dashboards.server import serve_in_thread
from monitor.config import Settings
from monitor.observability import logs
from monitor.observability.node import StatusServer
from monitor.pipeline import Pipeline
from monitor.store import Store
from tests.monitor.exports.test_exports import NOW, build_scenario

NAIVE = NOW.replace(tzinfo=None)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


SCORED = date(2025, 3, 18)


@pytest.fixture
def store(fresh_store: Store) -> Store:
    build_scenario(fresh_store)
    Pipeline(fresh_store, Settings(), lambda: NOW).ensure_scored([SCORED])
    ok = fresh_store.start_run("acled", NAIVE - timedelta(hours=3))
    fresh_store.finish_run(ok, NAIVE - timedelta(hours=2), status="ok", stored=120, rejected=3)
    again = fresh_store.start_run("acled", NAIVE - timedelta(hours=1))
    fresh_store.finish_run(again, NAIVE - timedelta(minutes=50), status="ok", stored=5, rejected=1)
    return fresh_store


@pytest.fixture
def status(store: Store) -> Iterator[str]:
    server = StatusServer(store, Settings(), lambda: NOW, "127.0.0.1", 0).start()
    yield server.url
    server.stop()


def test_a_scheduler_node_serves_health_200_then_503_once_a_feed_fails(store: Store, status: str) -> None:
    first = httpx.get(f"{status}/health")
    assert first.status_code == 200 and first.json()["status"] == "ok"
    failed = store.start_run("gdelt", NAIVE - timedelta(minutes=10))
    store.finish_run(failed, NAIVE - timedelta(minutes=9), status="failed", error="down")
    second = httpx.get(f"{status}/health")
    assert second.status_code == 503
    assert second.json()["status"] == "degraded"
    assert httpx.get(f"{status}/other").status_code == 404


def test_metrics_report_each_feeds_rows_lag_and_the_latest_scored_day_from_the_store(
    store: Store, status: str
) -> None:
    response = httpx.get(f"{status}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    assert samples[("minewatch_store_up", ())] == 1
    assert samples[("minewatch_feed_rows_stored_total", (("feed", "acled"),))] == 125
    assert samples[("minewatch_feed_rows_rejected_total", (("feed", "acled"),))] == 4
    assert samples[("minewatch_feed_lag_seconds", (("feed", "acled"),))] == 50 * 60
    assert samples[("minewatch_feed_failing", (("feed", "acled"),))] == 0
    latest = samples[("minewatch_latest_score_day_timestamp_seconds", ())]
    assert latest == datetime.combine(SCORED, time(), tzinfo=UTC).timestamp()


def test_the_dashboard_serves_metrics_with_the_latency_of_the_requests_it_answered(store: Store) -> None:
    server = serve_in_thread(create_app(store, Settings(), now=lambda: NOW), "127.0.0.1", 0, env={})
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert client.get("/api/v1/health").status_code == 200
            assert client.get("/api/v1/health").status_code == 200
            samples = _samples(client.get("/metrics").text)
    finally:
        server.stop()
    assert samples[("minewatch_request_duration_seconds_count", (("route", "api"), ("status", "2xx")))] == 2
    assert samples[("minewatch_feed_rows_stored_total", (("feed", "acled"),))] == 125


def test_dashboard_metrics_need_the_dashboards_basic_auth_when_it_is_on(store: Store) -> None:
    env = {"MINEWATCH_DASH_USER": "ana", "MINEWATCH_DASH_PASSWORD": "pw-9f2"}
    server = serve_in_thread(create_app(store, Settings(), now=lambda: NOW), "127.0.0.1", 0, env=env)
    try:
        assert httpx.get(f"{server.url}/metrics").status_code == 401
        assert httpx.get(f"{server.url}/metrics", auth=("ana", "pw-9f2")).status_code == 200
    finally:
        server.stop()


def test_a_store_that_cannot_be_read_is_reported_down_not_a_failed_scrape(tmp_path: object) -> None:
    broken = Store.from_url("sqlite://")  # no tables: every read fails
    server = StatusServer(broken, Settings(), lambda: NOW, "127.0.0.1", 0).start()
    try:
        response = httpx.get(f"{server.url}/metrics")
    finally:
        server.stop()
    assert response.status_code == 200
    assert _samples(response.text)[("minewatch_store_up", ())] == 0


def test_json_log_lines_carry_time_level_logger_message_and_extra_fields() -> None:
    stream = io.StringIO()
    logs.configure("info", "json", stream)
    try:
        logging.getLogger("minewatch.test").info("feed %s ran", "acled", extra={"rows": 7})
        logging.getLogger("minewatch.test").debug("not shown at info")
    finally:
        logs.configure("warning", "text")
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "minewatch.test"
    assert record["message"] == "feed acled ran" and record["rows"] == 7
    assert record["time"]


def test_text_log_lines_at_warning_hide_info() -> None:
    stream = io.StringIO()
    logs.configure("warning", "text", stream)
    logging.getLogger("minewatch.test").info("hidden")
    logging.getLogger("minewatch.test").warning("shown")
    assert stream.getvalue().strip().endswith("WARNING minewatch.test: shown")
