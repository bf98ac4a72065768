"""The outbound HTTP policy against real servers on 127.0.0.1: redirects, addresses, deadline, size cap.

Two servers on two ports are two origins. Where a test needs the configured host to look public, name
resolution is injected (``localhost`` said to be a public address); the connection is still real.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from feeds.acled import AcledCollector
from feeds.notices import NoticeCollector
from feeds.ucdp import TOKEN_HEADER, UcdpCollector
from monitor.alerting.channels import DeliveryError, Message
from monitor.alerting.channels.webhook import SIGNATURE_HEADER, WebhookChannel
from monitor.config import AcledSettings, HttpSettings, NoticeFeed, UcdpSettings
from monitor.errors import FeedError, OutboundError
from monitor.net import policy
from monitor.net.http import Limits, RetryingRequester, exchange, make_client
from tests.loopback import LoopbackServer, Response

PUBLIC = "93.184.216.34"  # what injected resolution says ``localhost`` is, so it counts as a public host


def public_localhost(host: str, port: int) -> list[str]:
    return [PUBLIC] if host == "localhost" else []


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(HttpSettings()) as c:
        yield c


def requester(client: httpx.Client, **http: object) -> RetryingRequester:
    settings = HttpSettings.model_validate({"retries": 0, **http})
    return RetryingRequester(client, settings, sleep=lambda _s: None)


LIMITS = Limits.of(HttpSettings())


# ---- secrets stay at their origin -------------------------------------------------------------------------
def test_acled_login_redirected_to_another_origin_is_refused_and_the_password_never_leaves(
    server: LoopbackServer, other: LoopbackServer, client: httpx.Client
) -> None:
    server.route("POST", "/oauth/token", Response(307, headers={"Location": other.url("/oauth/token")}))
    settings = AcledSettings(
        enabled=True, base_url=server.url(""), username=SecretStr("a@b.org"), password=SecretStr("pw-9f2k")
    )
    collector = AcledCollector(settings, now=lambda: datetime(2025, 3, 1, tzinfo=UTC))

    with pytest.raises(FeedError, match="refused a redirect to another origin"):
        list(collector.collect(requester(client), None))
    assert len(server.hits("/oauth/token")) == 1
    assert other.requests == []


def test_the_ucdp_token_is_dropped_on_a_redirect_to_another_origin_and_kept_on_the_same_one(
    server: LoopbackServer, other: LoopbackServer, client: httpx.Client
) -> None:
    empty = json.dumps({"Result": [], "NextPageUrl": ""})
    server.route("GET", "/api/gedevents/25.1", Response(302, headers={"Location": "/api/moved"}))
    server.route("GET", "/api/moved", Response(302, headers={"Location": other.url("/ged")}))
    other.route("GET", "/ged", Response(200, empty, {"Content-Type": "application/json"}))
    settings = UcdpSettings(enabled=True, base_url=server.url("/api"), token=SecretStr("tok-77aa"))

    batches = list(UcdpCollector(settings).collect(requester(client), None))

    assert [len(b.records) for b in batches] == [0]
    assert server.hits("/api/moved")[0].headers[TOKEN_HEADER.lower()] == "tok-77aa"
    (moved,) = other.hits("/ged")
    assert TOKEN_HEADER.lower() not in moved.headers
    assert "authorization" not in moved.headers


def test_a_signed_webhook_is_not_re_posted_to_another_origin(
    server: LoopbackServer, other: LoopbackServer, client: httpx.Client
) -> None:
    server.route("POST", "/in", Response(308, headers={"Location": other.url("/in")}))
    channel = WebhookChannel(client, server.url("/in"), "hook-secret", sleep=lambda _s: None, max_wait=0)
    message = Message("k1", ({"kind": "halt", "title": "t"},), datetime(2025, 3, 1, tzinfo=UTC))

    with pytest.raises(DeliveryError, match="refused a redirect to another origin"):
        channel.send(message)
    assert SIGNATURE_HEADER.lower() in server.hits("/in")[0].headers
    assert other.requests == []


def test_a_post_redirected_within_its_origin_is_sent_there_with_its_body(
    server: LoopbackServer, client: httpx.Client
) -> None:
    server.route("POST", "/old", Response(307, headers={"Location": "/new"}))
    server.route("POST", "/new", Response(204))

    response = exchange(client, "POST", server.url("/old"), LIMITS, content=b"body-1")

    assert response.status_code == 204
    assert server.hits("/new")[0].body == b"body-1"


# ---- where requests may go --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/",
        "http://metadata.google.internal/",
    ],
)
def test_a_redirect_to_a_metadata_address_is_always_refused(
    server: LoopbackServer, client: httpx.Client, location: str
) -> None:
    server.route("GET", "/feed", Response(302, headers={"Location": location}))

    with pytest.raises(OutboundError, match=r"link-local or metadata|metadata service"):
        exchange(client, "GET", server.url("/feed"), LIMITS)


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/x"]
)
def test_a_configured_metadata_url_is_refused_before_any_connection(client: httpx.Client, url: str) -> None:
    with pytest.raises(OutboundError, match="refused"):
        exchange(client, "GET", url, LIMITS)


def test_a_redirect_to_a_private_address_is_refused_when_the_configured_host_is_public(
    server: LoopbackServer, other: LoopbackServer, client: httpx.Client
) -> None:
    configured = f"http://localhost:{server.port}/feed"
    server.route("GET", "/feed", Response(302, headers={"Location": other.url("/admin")}))

    with pytest.raises(OutboundError, match="private or loopback"):
        exchange(client, "GET", configured, LIMITS, resolve=public_localhost)
    assert other.requests == []


@pytest.mark.parametrize(
    ("addresses", "refusal"),
    [
        (["93.184.216.35", "10.0.0.9"], "private or loopback"),  # one private address among public ones
        (["93.184.216.35", "::ffff:127.0.0.1"], "private or loopback"),  # loopback as a mapped IPv6 address
        (["169.254.169.254"], "link-local or metadata"),
    ],
)
def test_a_redirect_to_a_name_is_refused_when_any_address_it_resolves_to_is_not_public(
    server: LoopbackServer, other: LoopbackServer, client: httpx.Client, addresses: list[str], refusal: str
) -> None:
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return [PUBLIC] if host == "localhost" else addresses

    server.route(
        "GET", "/feed", Response(302, headers={"Location": f"http://intranet.example:{other.port}/x"})
    )

    with pytest.raises(OutboundError, match=refusal):
        exchange(client, "GET", f"http://localhost:{server.port}/feed", LIMITS, resolve=resolve)
    assert "intranet.example" in asked
    assert other.requests == []


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_as_it_is_connected(
    server: LoopbackServer, other: LoopbackServer, client: httpx.Client
) -> None:
    # The check before the redirect is sent resolves ``localhost`` to a public address (as a rebinding DNS
    # server first answers); the connection resolves it for real, to loopback, and refuses it there.
    server.route("GET", "/feed", Response(302, headers={"Location": f"http://localhost:{other.port}/admin"}))

    with pytest.raises(OutboundError, match=r"refused to connect to localhost: it resolves to .* not public"):
        exchange(client, "GET", f"http://localhost:{server.port}/feed", LIMITS, resolve=public_localhost)
    assert len(server.requests) == 1  # the configured URL itself may be on any address but metadata ones
    assert other.requests == []


@pytest.mark.parametrize(
    ("addresses", "private_ok", "refusal"),
    [
        (["93.184.216.34", "127.0.0.1"], False, "not public"),
        (["169.254.169.254"], True, "link-local or metadata"),
        (["::ffff:169.254.169.254"], True, "link-local or metadata"),
    ],
)
def test_every_address_a_connection_may_go_to_is_checked(
    addresses: list[str], private_ok: bool, refusal: str
) -> None:
    with pytest.raises(OutboundError, match=refusal):
        policy.connect_addresses("feed.example", 443, policy.Hop(private_ok), lambda _h, _p: addresses)
    assert policy.connect_addresses("feed.example", 443, policy.Hop(True), lambda _h, _p: ["10.1.2.3"]) == [
        "10.1.2.3"
    ]


def test_connections_outside_an_exchange_are_not_checked(
    server: LoopbackServer, client: httpx.Client
) -> None:
    server.route("GET", "/plain", Response(200, b"ok"))
    assert client.get(server.url("/plain")).content == b"ok"


def test_the_system_resolver_finds_localhost_on_loopback() -> None:
    assert policy.system_resolve("localhost", 80)
    assert policy.is_local(httpx.URL("http://localhost:8080/"))
    assert not policy.is_local(httpx.URL(f"http://{PUBLIC}/"))


def test_a_redirect_to_loopback_is_followed_when_the_configured_url_is_itself_on_loopback(
    server: LoopbackServer, other: LoopbackServer, client: httpx.Client
) -> None:
    server.route("GET", "/feed", Response(302, headers={"Location": other.url("/feed")}))
    other.route("GET", "/feed", Response(200, b"<rss/>"))

    assert exchange(client, "GET", server.url("/feed"), LIMITS).content == b"<rss/>"


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"])
def test_a_redirect_to_another_scheme_is_refused(
    server: LoopbackServer, client: httpx.Client, location: str
) -> None:
    server.route("GET", "/feed", Response(302, headers={"Location": location}))

    with pytest.raises(OutboundError, match="only http and https"):
        exchange(client, "GET", server.url("/feed"), LIMITS)


def test_a_redirect_loop_ends_with_an_error(server: LoopbackServer, client: httpx.Client) -> None:
    server.route("GET", "/a", Response(302, headers={"Location": "/a"}))

    with pytest.raises(OutboundError, match="more than 5 redirects"):
        exchange(client, "GET", server.url("/a"), LIMITS)
    assert len(server.hits("/a")) == 6


# ---- deadline and size ------------------------------------------------------------------------------------
def test_a_trickling_body_is_cut_off_at_the_deadline_and_not_retried(
    server: LoopbackServer, client: httpx.Client
) -> None:
    server.route("GET", "/slow", Response(200, b"x" * 200, chunk_bytes=1, pause_s=0.05))

    with pytest.raises(FeedError, match=r"no complete response within 0.5 s \(http.deadline_s\)"):
        requester(client, deadline_s=0.5, timeout_s=5, retries=2).get(server.url("/slow"))
    assert len(server.hits("/slow")) == 1


def test_a_body_over_the_cap_is_refused(server: LoopbackServer, client: httpx.Client) -> None:
    server.route("GET", "/big", Response(200, b"x" * (2 * 1024 * 1024)))

    with pytest.raises(FeedError, match=r"larger than 1 MB once decoded"):
        requester(client, max_response_mb=1).get(server.url("/big"))


def test_a_gzip_bomb_is_stopped_by_the_cap_counted_after_decompression(
    server: LoopbackServer, client: httpx.Client
) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100 * 1024
    server.route("GET", "/bomb", Response(200, bomb, {"Content-Encoding": "gzip"}))

    with pytest.raises(FeedError, match=r"larger than 1 MB once decoded"):
        requester(client, max_response_mb=1).get(server.url("/bomb"))


def test_a_feed_s_own_cap_wins_over_the_global_one(server: LoopbackServer, client: httpx.Client) -> None:
    server.route("GET", "/news.xml", Response(200, b"<rss>" + b" " * 600_000 + b"</rss>"))
    feed = NoticeFeed(name="mwanga", url=server.url("/news.xml"), max_response_mb=0.5)

    with pytest.raises(FeedError, match=r"larger than 0.5 MB"):
        list(NoticeCollector(feed).collect(requester(client, max_response_mb=100), None))


def test_a_gzip_body_under_the_cap_is_decoded_once(server: LoopbackServer, client: httpx.Client) -> None:
    server.route("GET", "/z", Response(200, gzip.compress(b"hello " * 1000), {"Content-Encoding": "gzip"}))

    response = requester(client).get(server.url("/z"))

    assert response.content == b"hello " * 1000
    assert response.text.startswith("hello hello")
