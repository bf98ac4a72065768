"""Hostile feed text (markup, script URLs, control characters, bidi overrides, a megabyte string) stays inert
in the e-mail, the Slack message and the dashboard's data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pandas as pd
import pytest

from dashboards import ids
from dashboards.app import create_app
from feeds.rows import EVENT_COLUMNS
from monitor import sites
from monitor.alerting.channels import Message
from monitor.alerting.channels.email import EmailChannel
from monitor.alerting.channels.slack import SlackChannel
from monitor.config import Settings, parse_smtp_url
from monitor.pipeline import Pipeline
from monitor.store import Store
from tests.dashboards.conftest import call_callback
from tests.faults.conftest import Outcome
from tests.loopback import LoopbackServer, Response
from tests.monitor.mailbox import Mailbox, body_of

MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"
CONTROL = "\x07\x1b[31mred\x1b[0m\x00"
BIDI = "\u202egpj.exe"
HOSTILE = f"{MARKUP} javascript:alert(3) {CONTROL} {BIDI}"
MEGABYTE = "M" * 1_000_000
SENT_AT = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
ALERT: dict[str, Any] = {
    "kind": "front_line", "subject": "bisie", "episode": "e1",
    "title": f"Fighting near Bisie {HOSTILE}\r\nBcc: victim@example.org",
    "summary": f"{HOSTILE} {MEGABYTE}", "occurred_at": "2025-03-14T10:00:00Z",
    "site": {"id": "bisie", "name": f"Bisie {MARKUP}", "commodity": "tin", "country": "CD"},
    "sources": [
        {"kind": "event", "title": HOSTILE, "url": "javascript:alert(4)", "source": "acled"},
        {"kind": "notice", "title": MARKUP, "url": "https://news.example/a?x=<b>", "source": f"ops {BIDI}"},
    ],
    "risk": 80.0, "level": "critical", "details": {"distance_km": 3.0, "change_km": -2.0},
}  # fmt: skip


@pytest.fixture
def box() -> Iterator[Mailbox]:
    mailbox = Mailbox().start()
    yield mailbox
    mailbox.stop()


def test_hostile_text_is_inert_in_the_email(box: Mailbox, outcome: Outcome) -> None:
    channel = EmailChannel(parse_smtp_url(box.url()), "minewatch@fund.example", ["desk@fund.example"],
                           "[minewatch]", 120)  # fmt: skip
    channel.send(Message("k-hostile", (ALERT,), SENT_AT, "https://minewatch.example"))

    (mail,) = box.messages
    html = body_of(mail, "html")
    assert "<script" not in html and "<img" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\r" not in str(mail["Subject"]) and "\u202e" not in str(mail["Subject"])
    assert mail["Bcc"] is None and box.envelopes[0].rcpt_tos == ["desk@fund.example"]
    outcome()


def _texts(node: Any) -> Iterator[dict[str, str]]:
    """Every Block Kit text object (type and text) in ``node``."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node  # type: ignore[misc]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def test_hostile_text_is_inert_in_slack(server: LoopbackServer, outcome: Outcome) -> None:
    server.route("POST", "/hooks/T1", Response(200, "ok"))
    with httpx.Client() as client:
        SlackChannel(client, server.url("/hooks/T1"), lambda _s: None, 0).send(
            Message("k-hostile", (ALERT,), SENT_AT, "https://minewatch.example")
        )

    (request,) = server.hits("/hooks/T1")
    payload = json.loads(request.body)
    mrkdwn = [t["text"] for t in _texts(payload["blocks"]) if t["type"] == "mrkdwn"]
    plain = [t["text"] for t in _texts(payload["blocks"]) if t["type"] == "plain_text"]
    assert not any("<script" in t or "<javascript:" in t or "<img" in t for t in mrkdwn)
    assert any("&lt;script&gt;" in t for t in mrkdwn)
    assert "&lt;script&gt;" in payload["text"]  # the notification fallback is escaped too
    assert not any(c in t for t in plain for c in "\u202e\x1b\x07\r\n")  # plain text: shown as is, one line
    assert len(request.body) < 20_000  # the megabyte summary is cut to Slack's section limit
    outcome()


def test_hostile_event_text_reaches_the_dashboard_only_as_plain_cell_text(
    fresh_store: Store, outcome: Outcome
) -> None:
    now = datetime(2025, 3, 14, 12, 0)
    pipeline = Pipeline(fresh_store, Settings(), lambda: now)
    pipeline.load_sites(sites.load_bundled(now))
    bisie = sites.sites_frame(fresh_store).set_index("id").loc["bisie"]
    event = {"source": "acled", "source_id": "HOSTILE1", "event_date": now.date(), "published_at": now,
             "type": "battles", "sub_type": "Armed clash", "actor1": HOSTILE, "actor2": MEGABYTE,
             "fatalities": 3, "lat": float(bisie["lat"]) + 0.01, "lon": float(bisie["lon"]),
             "geo_precision": 1, "location": f"[click](javascript:alert(5)) {MARKUP}", "country": "CD",
             "admin1": CONTROL,
             "notes": HOSTILE, "url": "javascript:alert(6)"}  # fmt: skip
    fresh_store.insert_events(pd.DataFrame([event], columns=list(EVENT_COLUMNS)), now)
    pipeline.match()
    app = create_app(fresh_store, Settings(), now=lambda: now, env={})

    out = call_callback(
        app,
        [(ids.EVENTS_GRID, "rowData"), (ids.EVENTS_MAP, "figure"), (ids.EVENTS_COUNT, "children"),
         (ids.EVENTS_VERSION, "data")],
        [(ids.EVENTS_SOURCE, "value", None), (ids.EVENTS_TYPE, "value", None),
         (ids.EVENTS_DATES, "start_date", "2025-03-01"), (ids.EVENTS_DATES, "end_date", "2025-03-31"),
         (ids.EVENTS_COUNTRY, "value", None), (ids.EVENTS_MAX_KM, "value", None),
         (ids.REFRESH, "n_intervals", 0)],
        [(ids.AS_OF, "date", None), (ids.EVENTS_VERSION, "data", None)],
    )  # fmt: skip

    rows = out[ids.EVENTS_GRID]["rowData"]
    assert [r["actor1"] for r in rows] == [HOSTILE.replace("\x00", "")]  # NUL is dropped when stored
    markdown = [str(r.get("mark", "")) for r in rows]
    assert all("javascript" not in m and "<" not in m for m in markdown)
    outcome()
