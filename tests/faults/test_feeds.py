"""Bad peers and bad data on the collecting side: each case runs a real collector against a real server
on 127.0.0.1 through the pipeline, then counts what the store holds and what the feed run says."""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from feeds.acled import AcledCollector
from feeds.base import Collector
from feeds.gdelt import GdeltCollector
from feeds.notices import NoticeCollector
from feeds.ucdp import TOKEN_HEADER, UcdpCollector
from monitor.config import GdeltSettings, HttpSettings, NoticeFeed, UcdpSettings
from monitor.net.http import RetryingRequester, make_client
from monitor.pipeline import FeedReport, Pipeline
from monitor.store import Store
from tests.faults.conftest import Net, Outcome
from tests.faults.wire import gdelt_zip, ged_page, ged_row, rss, serve_gdelt
from tests.feeds.test_acled import PASSWORD, USERNAME, AcledApi
from tests.loopback import LoopbackServer, Request, Response


def count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def run(pipeline: Pipeline, collector: Collector, requester: RetryingRequester) -> FeedReport:
    (report,) = pipeline.collect([collector], requester)
    return report


def sequence(*responses: Response) -> Callable[[Request], Response]:
    """Serve ``responses`` in turn, repeating the last."""
    left = list(responses)

    def serve(_req: Request) -> Response:
        return left.pop(0) if len(left) > 1 else left[0]

    return serve


def notices(server: LoopbackServer, path: str = "/news.xml", **feed: object) -> NoticeCollector:
    return NoticeCollector(NoticeFeed.model_validate({"name": "faults", "url": server.url(path), **feed}))


def ucdp(server: LoopbackServer, token: str = "ucdp-fault-token") -> UcdpCollector:
    settings = UcdpSettings(enabled=True, base_url=server.url("/api"), version="25.1", token=SecretStr(token))
    return UcdpCollector(settings)


def requester_with(**http: object) -> RetryingRequester:
    settings = HttpSettings.model_validate({"backoff_s": 0, **http})
    return RetryingRequester(make_client(settings), settings, sleep=lambda _s: None)


RSS_OK = Response(200, rss(25), {"Content-Type": "application/rss+xml"})


# ---- server errors, rate limits, dead and slow peers ------------------------------------------------------
def test_500_502_503_then_ok_stores_every_item_once(
    server: LoopbackServer, net: Net, pipeline: Pipeline, sleeps: list[float], outcome: Outcome
) -> None:
    server.route("GET", "/news.xml", sequence(Response(500), Response(502), Response(503), RSS_OK))

    report = run(pipeline, notices(server), net.requester)

    assert (report.status, report.stored, report.rejected, report.duplicates) == ("ok", 25, 0, 0)
    assert sleeps == [1, 2, 4]
    assert count(pipeline.store, "notice") == 25
    outcome(rows_lost=0)


def test_retries_spent_fail_the_run_and_the_next_run_recovers_every_item(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    server.route("GET", "/news.xml", sequence(*[Response(503)] * 4, RSS_OK))

    failed = run(pipeline, notices(server), net.requester)
    assert (failed.status, failed.stored) == ("failed", 0)
    assert failed.error.endswith("HTTP 503 after 4 attempts")
    assert pipeline.store.get_watermark("notices:faults") is None

    recovered = run(pipeline, notices(server), net.requester)
    assert (recovered.status, recovered.stored) == ("ok", 25)
    assert count(pipeline.store, "notice") == 25
    outcome(rows_lost=0)


def test_429_retry_after_is_waited_out_then_every_item_stored(
    server: LoopbackServer, net: Net, pipeline: Pipeline, sleeps: list[float], outcome: Outcome
) -> None:
    server.route("GET", "/news.xml", sequence(Response(429, headers={"Retry-After": "7"}), RSS_OK))

    report = run(pipeline, notices(server), net.requester)

    assert (report.status, report.stored) == ("ok", 25)
    assert sleeps == [7]
    outcome(rows_lost=0)


def test_connection_refused_is_a_failed_run_with_the_reason(
    net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    collector = NoticeCollector(NoticeFeed(name="faults", url=f"http://127.0.0.1:{port}/news.xml"))

    report = run(pipeline, collector, net.requester)

    assert (report.status, report.stored) == ("failed", 0)
    assert "ConnectError" in report.error and report.error.endswith("after 4 attempts")
    assert count(pipeline.store, "notice") == 0
    outcome(rows_lost=0)


def test_a_read_timeout_is_retried_then_a_failed_run(
    server: LoopbackServer, pipeline: Pipeline, outcome: Outcome
) -> None:
    def slow(_req: Request) -> Response:
        time.sleep(0.6)
        return RSS_OK

    server.route("GET", "/news.xml", slow)

    report = run(pipeline, notices(server), requester_with(timeout_s=0.2, retries=1))

    assert (report.status, report.stored) == ("failed", 0)
    assert "ReadTimeout" in report.error and report.error.endswith("after 2 attempts")
    assert len(server.hits("/news.xml")) == 2
    outcome(rows_lost=0)


def test_a_trickling_body_ends_at_the_deadline_with_a_failed_run(
    server: LoopbackServer, pipeline: Pipeline, outcome: Outcome
) -> None:
    server.route("GET", "/news.xml", Response(200, rss(25), chunk_bytes=16, pause_s=0.05))
    started = time.monotonic()

    report = run(pipeline, notices(server), requester_with(timeout_s=5, deadline_s=1, retries=3))

    assert time.monotonic() - started < 3
    assert (report.status, report.stored) == ("failed", 0)
    assert report.error.endswith("no complete response within 1 s (http.deadline_s)")
    assert len(server.hits("/news.xml")) == 1
    outcome(rows_lost=0)


def test_an_oversize_body_over_the_feed_s_own_cap_is_a_failed_run(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    server.route("GET", "/news.xml", Response(200, rss(200)))

    report = run(pipeline, notices(server, max_response_mb=0.01), net.requester)

    assert (report.status, report.stored) == ("failed", 0)
    assert report.error.endswith("larger than 0.01 MB once decoded (http.max_response_mb)")
    outcome(rows_lost=0)


def test_a_gzip_bomb_is_cut_off_after_decompression(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
    server.route("GET", "/news.xml", Response(200, bomb, {"Content-Encoding": "gzip"}))

    report = run(pipeline, notices(server), net.requester)

    assert len(bomb) < 100_000
    assert (report.status, report.stored) == ("failed", 0)
    assert report.error.endswith("larger than 4 MB once decoded (http.max_response_mb)")
    outcome(rows_lost=0)


# ---- data that is not what it claims ----------------------------------------------------------------------
def test_a_truncated_zip_fails_the_run_and_leaves_the_watermark(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    whole = gdelt_zip(b"\t".join([b"1"] * 61) + b"\n", "20250314120000.export.CSV")
    serve_gdelt(server, "20250314120000", whole[: len(whole) // 2])
    collector = GdeltCollector(GdeltSettings(lastupdate_url=server.url("/gdeltv2/lastupdate.txt")))

    report = run(pipeline, collector, net.requester)

    assert (report.status, report.stored) == ("failed", 0)
    assert "not a zip file" in report.error or "damaged" in report.error
    assert pipeline.store.get_watermark("gdelt") is None
    outcome(rows_lost=0)


def test_lastupdate_naming_a_missing_export_fails_and_is_retried_next_run(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    serve_gdelt(server, "20250314120000", gdelt_zip(b"x\n", "a.CSV"), serve_zip=False)
    collector = GdeltCollector(GdeltSettings(lastupdate_url=server.url("/gdeltv2/lastupdate.txt")))

    report = run(pipeline, collector, net.requester)

    assert (report.status, report.stored) == ("failed", 0)
    assert report.error.endswith("HTTP 404")
    assert pipeline.store.get_watermark("gdelt") is None
    outcome(rows_lost=0)


@pytest.mark.parametrize("source", ["notices", "ucdp"])
def test_an_html_error_page_instead_of_data_is_a_failed_run(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome, source: str
) -> None:
    page = Response(200, "<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>",
                    {"Content-Type": "text/html"})  # fmt: skip
    server.route("GET", "/news.xml", page)
    server.route("GET", "/api/gedevents/25.1", page)
    collector = notices(server) if source == "notices" else ucdp(server)

    report = run(pipeline, collector, net.requester)

    assert (report.status, report.stored) == ("failed", 0)
    assert count(pipeline.store, "notice") + count(pipeline.store, "event") == 0
    outcome(rows_lost=0)


def test_invalid_utf8_in_json_is_a_failed_run(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    body = json.dumps({"Result": [ged_row(1, where_description="Walikale \udcff")]},
                      ensure_ascii=False).encode("utf-8", "surrogateescape")  # fmt: skip
    server.route("GET", "/api/gedevents/25.1", Response(200, body, {"Content-Type": "application/json"}))

    report = run(pipeline, ucdp(server), net.requester)

    assert (report.status, report.stored) == ("failed", 0)
    assert report.error == "UCDP API: the response is not JSON"
    outcome(rows_lost=0)


def test_rows_with_missing_fields_or_wrong_types_are_rejected_one_by_one_and_the_rest_stored(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    rows = [ged_row(n) for n in range(6)]
    rows += [ged_row(6, latitude=None), ged_row(7, best="many"), ged_row(8, type_of_violence=9),
             ged_row(9, date_start="soon")]  # fmt: skip
    del rows[0]["where_prec"]
    server.route("GET", "/api/gedevents/25.1", ged_page(rows))

    report = run(pipeline, ucdp(server), net.requester)

    assert (report.status, report.fetched, report.stored, report.rejected) == ("ok", 10, 5, 5)
    assert count(pipeline.store, "event") == 5
    assert count(pipeline.store, "rejected") == 5
    outcome(rows_lost=0)


def test_duplicates_within_and_across_pages_are_stored_once(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    first = [ged_row(n) for n in (0, 1, 2, 3, 2)]
    second = [ged_row(n) for n in (3, 4, 5)]

    def pages(req: Request) -> Response:
        if req.arg("page") == "0":
            return ged_page(first, next_url=server.url("/api/gedevents/25.1?pagesize=1000&page=1"))
        return ged_page(second)

    server.route("GET", "/api/gedevents/25.1", pages)

    report = run(pipeline, ucdp(server), net.requester)

    assert (report.status, report.fetched, report.stored, report.duplicates) == ("ok", 8, 6, 1)
    assert count(pipeline.store, "event") == 6
    outcome(rows_lost=0)


def test_an_acled_token_revoked_mid_paging_is_renewed_and_no_page_is_lost(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome, now: object
) -> None:
    from datetime import UTC, datetime

    from tests.feeds.test_acled import _settings

    api = AcledApi(server)
    served: list[str] = []
    original = api.read

    def read(req: Request) -> Response:
        if req.arg("page") == "2" and "2" not in served:
            served.append("2")
            api.valid.clear()  # the token dies between page 1 and page 2
        return original(req)

    server.route("GET", "/api/acled/read", read)
    collector = AcledCollector(_settings(server), now=lambda: datetime(2025, 4, 20, 12, tzinfo=UTC))

    report = run(pipeline, collector, net.requester)

    assert (report.status, report.fetched) == ("ok", 7)
    assert report.stored + report.rejected == 7
    assert [g["grant_type"] for g in api.grants] == ["password", "refresh_token"]
    assert [r.arg("page") for r in server.hits("/api/acled/read")] == ["1", "2", "2", "3"]
    assert {g.get("password") for g in api.grants} == {PASSWORD, None} and USERNAME
    outcome(rows_lost=0)


# ---- redirects --------------------------------------------------------------------------------------------
def test_a_cross_origin_redirect_keeps_the_token_home_and_the_rows_come_through(
    server: LoopbackServer, other: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    server.route("GET", "/api/gedevents/25.1", Response(302, headers={"Location": other.url("/mirror")}))
    other.route("GET", "/mirror", ged_page([ged_row(n) for n in range(3)]))

    report = run(pipeline, ucdp(server), net.requester)

    assert (report.status, report.stored) == ("ok", 3)
    assert [TOKEN_HEADER in r.headers for r in other.requests] == [False]
    outcome(rows_lost=0)


@pytest.mark.parametrize(
    "location", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/admin", "file:///etc/passwd"]
)
def test_a_redirect_to_a_private_or_metadata_address_fails_the_run_without_going_there(
    server: LoopbackServer, pipeline: Pipeline, outcome: Outcome, location: str
) -> None:
    server.route("GET", "/news.xml", Response(302, headers={"Location": location}))
    settings = HttpSettings(retries=0)
    public = RetryingRequester(
        make_client(settings), settings, sleep=lambda _s: None,
        resolve=lambda host, _port: ["93.184.216.34"] if host == "localhost" else [],
    )  # fmt: skip
    collector = NoticeCollector(NoticeFeed(name="faults", url=f"http://localhost:{server.port}/news.xml"))

    report = run(pipeline, collector, public)

    assert (report.status, report.stored) == ("failed", 0)
    assert "refused" in report.error or "only http and https" in report.error
    outcome(rows_lost=0)


# ---- volume ------------------------------------------------------------------------------------------------
def test_an_rss_feed_of_10000_items_is_stored_whole_and_once(
    server: LoopbackServer, net: Net, pipeline: Pipeline, outcome: Outcome
) -> None:
    server.route("GET", "/news.xml", Response(200, rss(10_000), {"Content-Type": "application/rss+xml"}))

    first = run(pipeline, notices(server), net.requester)
    again = run(pipeline, notices(server), net.requester)

    assert (first.status, first.fetched, first.stored) == ("ok", 10_000, 10_000)
    assert (again.status, again.stored, again.duplicates) == ("ok", 0, 10_000)
    assert count(pipeline.store, "notice") == 10_000
    outcome(rows_lost=0)
