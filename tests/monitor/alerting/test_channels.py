"""Channels against real peers on 127.0.0.1: SMTP (aiosmtpd), Slack and a webhook receiver (loopback)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from monitor.alerting.channels import DeliveryError, Message, render
from monitor.alerting.channels.email import EmailChannel
from monitor.alerting.channels.slack import MAX_BLOCKS, SlackChannel, slack_payload
from monitor.alerting.channels.webhook import SCHEMA, WebhookChannel, verify, webhook_body
from monitor.alerting.tick import build_channels
from monitor.config import Settings, alert_targets_from_env, parse_smtp_url
from monitor.errors import ConfigError
from tests.loopback import LoopbackServer, Request, Response
from tests.monitor.mailbox import Mailbox, body_of

SENT_AT = datetime(2025, 3, 14, 12, 0)
HALT: dict[str, Any] = {
    "fingerprint": "f" * 32, "kind": "halt", "subject": "bisie", "episode": "2025-03-14",
    "title": "Bisie halted", "summary": "Bisie (Alphamin, tin, CD) halted since 2025-03-14: suspension.",
    "occurred_at": "2025-03-14T00:00:00Z", "risk": 100.0, "level": "halted",
    "site": {"id": "bisie", "name": "Bisie", "operator": "Alphamin", "country": "CD", "commodity": "tin",
             "annual_output_t": 12568.0, "world_share": 0.04},
    "sources": [
        {"source": "alphamin_news", "title": "Alphamin suspends <b>Bisie</b>", "kind": "suspension",
         "url": "https://alphamin.example/news/1", "published_at": "2025-03-14T01:30:00Z", "language": "en"},
        {"source": "site_communique_fr", "title": "Suspension des activités", "kind": "force_majeure",
         "url": "javascript:alert(1)", "published_at": "2025-03-14T07:00:00Z", "language": "fr"},
    ],
    "details": {"since": "2025-03-14", "ongoing": True},
}  # fmt: skip


def message(*alerts: dict[str, Any], key: str = "group-1") -> Message:
    return Message(key, alerts or (HALT,), SENT_AT, "https://minewatch.example")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


# ---- e-mail -----------------------------------------------------------------------------------------------
def test_an_email_has_a_plain_text_and_an_escaped_html_part(mailbox: Mailbox) -> None:
    channel = EmailChannel(parse_smtp_url(mailbox.url()), "alerts@minewatch.example", ["desk@fund.example"],
                           "[minewatch]", 5)  # fmt: skip
    channel.send(message())
    [mail] = mailbox.messages
    assert mail["Subject"] == "[minewatch] Bisie halted"
    assert mail["To"] == "desk@fund.example"
    assert mail["Message-ID"] == "<group-1@minewatch>"
    assert mailbox.envelopes[0].rcpt_tos == ["desk@fund.example"]
    text = body_of(mail, "plain")
    html = body_of(mail, "html")
    for part in (text, html):
        assert "halted since 2025-03-14" in part
        assert "https://minewatch.example/site/bisie" in part
        assert "alphamin_news" in part and "site_communique_fr" in part
    assert "Risk: 100.0 (halted)" in text
    assert "12,568 t/yr of tin, 4.0% of world" in text
    assert "&lt;b&gt;Bisie&lt;/b&gt;" in html and "<b>Bisie</b>" not in html
    assert 'href="https://alphamin.example/news/1"' in html
    assert "javascript:" not in html


def test_email_logs_in_when_the_smtp_url_has_credentials() -> None:
    box = Mailbox(login=("alerts", "s3cret")).start()
    try:
        EmailChannel(parse_smtp_url(box.url()), "a@b.example", ["c@d.example"], "", 5).send(message())
    finally:
        box.stop()
    assert box.logins == ["alerts"]
    assert len(box.messages) == 1


def test_an_smtp_server_that_is_down_raises_a_delivery_error() -> None:
    down = Mailbox()  # never started: nothing listens on its port
    channel = EmailChannel(parse_smtp_url(down.url()), "a@b.example", ["c@d.example"], "", 2)
    with pytest.raises(DeliveryError, match=rf"smtp 127\.0\.0\.1:{down.port}: ConnectionRefusedError"):
        channel.send(message())


# ---- Slack ------------------------------------------------------------------------------------------------
def test_slack_gets_a_block_kit_message_with_escaped_text_and_links(
    server: LoopbackServer, http: httpx.Client
) -> None:
    server.route("POST", "/hooks/T1", Response(200, "ok"))
    SlackChannel(http, server.url("/hooks/T1"), sleep=lambda s: None, max_wait=30).send(message())
    [req] = server.hits("/hooks/T1")
    body = json.loads(req.body)
    assert req.headers["content-type"].startswith("application/json")
    assert body["text"] == "minewatch: Bisie halted"
    assert body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "minewatch: Bisie halted"},
    }
    section = body["blocks"][1]["text"]["text"]
    assert section.startswith("*<https://minewatch.example/site/bisie|Bisie halted>*")
    context = [e["text"] for e in body["blocks"][2]["elements"]]
    link = "<https://alphamin.example/news/1|Alphamin suspends &lt;b&gt;Bisie&lt;/b&gt;>"
    assert context[0] == f"suspension, en: {link} (alphamin_news)"  # the notice's language
    assert (
        context[1] == "force majeure, fr: Suspension des activités (site_communique_fr)"
    )  # no javascript: link


def test_slack_429_waits_out_retry_after_then_posts(server: LoopbackServer, http: httpx.Client) -> None:
    answers = iter([Response(429, "rate_limited", {"Retry-After": "3"}), Response(200, "ok")])
    server.route("POST", "/hooks/T1", lambda req: next(answers))
    waits: list[float] = []
    SlackChannel(http, server.url("/hooks/T1"), sleep=waits.append, max_wait=30).send(message())
    assert waits == [3.0]
    assert len(server.hits("/hooks/T1")) == 2


def test_a_long_slack_retry_after_is_not_slept_but_handed_to_the_outbox(
    server: LoopbackServer, http: httpx.Client
) -> None:
    server.route("POST", "/hooks/T1", Response(429, "rate_limited", {"Retry-After": "120"}))
    waits: list[float] = []
    with pytest.raises(DeliveryError) as caught:
        SlackChannel(http, server.url("/hooks/T1"), sleep=waits.append, max_wait=30).send(message())
    assert caught.value.retry_after == 120.0
    assert waits == []
    assert "/hooks/" not in str(caught.value)  # the webhook URL is a secret


def test_a_slack_message_stays_under_slacks_block_limit() -> None:
    many = tuple({**HALT, "subject": f"s{i}", "title": f"Site {i} halted"} for i in range(40))
    blocks = slack_payload(message(*many))["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    assert "more alert(s)" in blocks[-1]["elements"][0]["text"]


# ---- webhook ----------------------------------------------------------------------------------------------
def test_the_webhook_body_follows_the_schema_and_its_hmac_verifies(
    server: LoopbackServer, http: httpx.Client
) -> None:
    server.route("POST", "/in", Response(204))
    WebhookChannel(http, server.url("/in"), "topsecret", sleep=lambda s: None, max_wait=30).send(message())
    [req] = server.hits("/in")
    expected = "sha256=" + hmac.new(b"topsecret", req.body, hashlib.sha256).hexdigest()
    assert req.headers["x-minewatch-signature"] == expected
    assert verify(req.body, "topsecret", req.headers["x-minewatch-signature"])
    assert not verify(req.body, "wrong", req.headers["x-minewatch-signature"])
    assert req.headers["x-minewatch-delivery"] == "group-1"
    body = json.loads(req.body)
    assert body["schema"] == SCHEMA == "minewatch.alerts/1"
    assert (body["delivery_id"], body["sent_at"], body["digest"]) == (
        "group-1",
        "2025-03-14T12:00:00Z",
        False,
    )
    [alert] = body["alerts"]
    assert set(alert) == {
        *("fingerprint", "kind", "subject", "episode", "title", "summary", "occurred_at", "site", "risk"),
        *("level", "sources", "details", "url"),
    }
    assert alert["url"] == "https://minewatch.example/site/bisie"
    assert [s["source"] for s in alert["sources"]] == ["alphamin_news", "site_communique_fr"]


def test_the_webhook_body_is_byte_stable_and_unsigned_without_a_secret(
    server: LoopbackServer, http: httpx.Client
) -> None:
    assert webhook_body(message()) == webhook_body(message())
    server.route("POST", "/in", Response(200))
    WebhookChannel(http, server.url("/in"), None, sleep=lambda s: None, max_wait=30).send(message())
    assert "x-minewatch-signature" not in server.hits("/in")[0].headers


def test_a_webhook_error_status_raises_with_the_status(server: LoopbackServer, http: httpx.Client) -> None:
    def fail(req: Request) -> Response:
        return Response(503, "busy")

    server.route("POST", "/in", fail)
    with pytest.raises(DeliveryError, match=r"webhook 127\.0\.0\.1: HTTP 503 busy") as caught:
        WebhookChannel(http, server.url("/in"), "s", sleep=lambda s: None, max_wait=30).send(message())
    assert caught.value.retry_after is None


# ---- environment ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("mail.example", 25, None, False, False)),
        ("smtp://u%40x:p%3Aw@mail.example:2525?starttls=true", ("mail.example", 2525, "u@x", True, False)),
        ("smtp://mail.example?starttls=true", ("mail.example", 587, None, True, False)),
        ("smtps://mail.example", ("mail.example", 465, None, False, True)),
        ("smtp://mail.example?ssl=true", ("mail.example", 465, None, False, True)),
    ],
)
def test_smtp_urls_are_parsed_with_defaults_by_security(url: str, expected: tuple[Any, ...]) -> None:
    t = parse_smtp_url(url)
    assert (t.host, t.port, t.username, t.starttls, t.ssl) == expected


def test_the_smtp_password_is_decoded_and_never_shown() -> None:
    t = parse_smtp_url("smtps://u:p%3Aw@mail.example")
    assert t.password is not None and t.password.get_secret_value() == "p:w"
    assert "p:w" not in repr(t)


@pytest.mark.parametrize(
    ("env", "message_re"),
    [
        ({"MINEWATCH_SMTP_URL": "http://mail.example"}, "MINEWATCH_SMTP_URL: expected smtp://"),
        ({"MINEWATCH_SMTP_URL": "smtp://mail.example?starttls=true&ssl=true"}, "not both"),
        ({"MINEWATCH_SMTP_URL": "smtp://mail.example?starttls=maybe", "MINEWATCH_ALERT_EMAIL_TO": "a@b.c"},
         "starttls='maybe'"),
        ({"MINEWATCH_SMTP_URL": "smtp://mail.example"}, "MINEWATCH_ALERT_EMAIL_TO: required"),
        ({"MINEWATCH_ALERT_EMAIL_TO": "a@b.c, nobody"}, "not an e-mail address: 'nobody'"),
        ({"MINEWATCH_WEBHOOK_URL": "ftp://x"}, "MINEWATCH_WEBHOOK_URL: expected an http"),
    ],
)  # fmt: skip
def test_bad_alert_environment_values_name_the_variable(env: dict[str, str], message_re: str) -> None:
    with pytest.raises(ConfigError, match=message_re):
        alert_targets_from_env(env)


def test_alert_targets_come_from_the_environment() -> None:
    targets = alert_targets_from_env({
        "MINEWATCH_SMTP_URL": "smtp://mail.example:2525",
        "MINEWATCH_ALERT_EMAIL_TO": "a@b.example, c@d.example",
        "MINEWATCH_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
        "MINEWATCH_WEBHOOK_URL": "https://desk.example/hook", "MINEWATCH_WEBHOOK_SECRET": "k",
        "MINEWATCH_BASE_URL": "https://minewatch.example/",
    })  # fmt: skip
    assert targets.email_to == ("a@b.example", "c@d.example")
    assert targets.email_from == "minewatch@localhost"
    assert targets.base_url == "https://minewatch.example"
    assert "services" not in repr(targets)
    assert alert_targets_from_env({}).smtp is None


def test_a_title_with_cr_lf_and_bidi_overrides_becomes_one_plain_subject_line(mailbox: Mailbox) -> None:
    channel = EmailChannel(parse_smtp_url(mailbox.url()), "alerts@minewatch.example", ["desk@fund.example"],
                           "[minewatch]", 5)  # fmt: skip
    hostile = {**HALT, "title": "Rubaya\r\nBcc: victim@example.org\r\n\u202etxt.exe front line"}

    channel.send(message(hostile))

    [mail] = mailbox.messages
    assert mail["Subject"] == "[minewatch] Rubaya Bcc: victim@example.org txt.exe front line"
    assert mail["Bcc"] is None
    assert mailbox.envelopes[0].rcpt_tos == ["desk@fund.example"]


@pytest.mark.parametrize(
    ("smtp_url", "warned"),
    [
        ("smtp://mw:pw@mail.example:25?insecure_login=true", True),
        ("smtp://mw:pw@mail.example:587?starttls=true", False),
        ("smtps://mw:pw@mail.example", False),
        ("smtp://mail.example:25", False),
        ("smtp://mw:pw@127.0.0.1:2525", False),  # a relay on this machine: the password stays on it
        ("smtp://mw:pw@localhost:25", False),
    ],
)
def test_a_login_without_tls_is_warned_about_only_when_asked_for_knowingly(
    smtp_url: str, warned: bool, caplog: Any
) -> None:
    env = {"MINEWATCH_SMTP_URL": smtp_url, "MINEWATCH_ALERT_EMAIL_TO": "desk@fund.example"}
    with caplog.at_level("WARNING"), httpx.Client() as client:
        channels = build_channels(Settings(), alert_targets_from_env(env), client, lambda _s: None)

    assert list(channels) == ["email"]
    assert any("without TLS" in r.getMessage() for r in caplog.records) is warned
    assert all("pw" not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "smtp_url",
    ["smtp://mw:s3cret-77@mail.example:25", "smtp://mw:s3cret-77@10.0.0.5", "smtp://mw@mail.example"],
)
def test_a_login_without_tls_to_another_machine_is_refused_at_start_without_the_password(
    smtp_url: str,
) -> None:
    env = {"MINEWATCH_SMTP_URL": smtp_url, "MINEWATCH_ALERT_EMAIL_TO": "desk@fund.example"}
    with pytest.raises(
        ConfigError, match=r"login without TLS sends the password in clear to .*insecure_login"
    ) as e:
        alert_targets_from_env(env)
    assert "s3cret-77" not in str(e.value)


# ---- the desk note, the same on every channel -------------------------------------------------------------
LEVEL: dict[str, Any] = {
    **HALT, "fingerprint": "e" * 32, "kind": "level", "episode": "2025-03-11:high",
    "title": "Bisie high (59)",
    "summary": "Risk rose to high (59.0) on 2025-03-11, from elevated (41.0).", "risk": 59.0, "level": "high",
    "sources": [],
    "details": {
        "day": "2025-03-11", "front_km": 110.1, "front_km_change_7d": -17.2, "front_days_to_radius": 34.7,
        "front_actor": "M23",
        "events": {"count": 24, "window_days": 60, "through": "2025-03-11",
                   "nearest_mine": {"date": "2025-03-10", "type": "battles", "sub_type": "Armed clash",
                                    "location": "Kibua", "actor": "M23", "fatalities": 4, "source": "acled",
                                    "to_mine_km": 79.1, "to_road_km": 8.9},
                   "nearest_road": None},
    },
}  # fmt: skip


def test_a_sites_name_and_operator_are_given_once_per_message_on_every_channel(
    mailbox: Mailbox, server: LoopbackServer, http: httpx.Client
) -> None:
    EmailChannel(parse_smtp_url(mailbox.url()), "a@b.example", ["c@d.example"], "", 5).send(
        message(HALT, LEVEL)
    )
    [mail] = mailbox.messages
    for part in (body_of(mail, "plain"), body_of(mail, "html")):
        assert part.count("Alphamin · CD") == 1
        assert part.count("12,568 t/yr of tin") == 1
    blocks = slack_payload(message(HALT, LEVEL))["blocks"]
    sections = " ".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert sections.count("Alphamin · CD") == 1
    # Another site in the same message is named with its own first alert.
    site = {**HALT["site"], "id": "rubaya", "operator": "SAKIMA"}
    other = {**LEVEL, "fingerprint": "d" * 32, "subject": "rubaya", "site": site}
    text = "\n".join(f"{k}: {v}" for facts in render.message_facts([HALT, LEVEL, other]) for k, v in facts)
    assert text.count("Site: Bisie · SAKIMA · CD") == 1 and text.count("Site: Bisie · Alphamin · CD") == 1


def test_a_level_alert_lists_its_nearest_events_and_front_line_on_every_channel(
    mailbox: Mailbox, server: LoopbackServer, http: httpx.Client
) -> None:
    nearest = (
        "Nearest to the mine: 79.1 km from the mine, 8.9 km from its road: Armed clash at Kibua on 2025-03-10"
    )
    events = "Events: 24 within reach of the mine or its road in the 60 days to 2025-03-11"
    front = "Front line: 110 km away (M23), 17 km closer than a week before, at the mine's radius in 35 days"
    EmailChannel(parse_smtp_url(mailbox.url()), "a@b.example", ["c@d.example"], "", 5).send(message(LEVEL))
    [mail] = mailbox.messages
    text, html = body_of(mail, "plain"), body_of(mail, "html")
    for line in (events, nearest, front):
        assert line in text
        label, value = line.split(": ", 1)
        assert f"<th align='left'>{label}</th><td>{value}" in html.replace("&#x27;", "'")
    section = slack_payload(message(LEVEL))["blocks"][1]["text"]["text"]
    assert f"*Nearest to the mine:* {nearest.split(': ', 1)[1]}" in section
    assert "by M23, 4 dead (ACLED)" in section
    server.route("POST", "/in", Response(204))
    WebhookChannel(http, server.url("/in"), None, sleep=lambda s: None, max_wait=30).send(message(LEVEL))
    [sent] = json.loads(server.hits("/in")[0].body)["alerts"]
    assert sent["details"]["events"]["nearest_mine"]["to_road_km"] == 8.9
    assert sent["details"]["front_km"] == 110.1
