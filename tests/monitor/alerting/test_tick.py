"""``alert_tick`` end to end on the demo store, with real peers on 127.0.0.1: an SMTP server (aiosmtpd),
and a loopback HTTP server standing in for Slack and for a webhook receiver that checks the HMAC."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from monitor import demo
from monitor.alerting import outbox
from monitor.alerting.decide import Policy, State, decide
from monitor.alerting.tick import WATERMARK, alert_tick, evaluate, report_lines
from monitor.cli import app
from monitor.config import AlertsSettings, DatabaseSettings, Settings, Watchlist
from monitor.reads import sql
from monitor.store import Store
from tests.conftest import PG_ENV
from tests.loopback import LoopbackServer, Request, Response
from tests.monitor.mailbox import Mailbox, body_of

BUILT = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
TICK = datetime(2025, 3, 14, 12, 30, tzinfo=UTC)
SECRET = "webhook-secret"
EN_TITLE = "Alphamin Suspends Operations at Bisie"
FR_TITLE = "Communiqué : suspension de toutes les activités du site de Bisie"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The demo store built once per module (SQLite); PostgreSQL runs build it per test."""
    if os.environ.get(PG_ENV):
        return None
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    # Without the demo's own alerts: these tests raise them from a store that has none yet.
    settings = Settings(database=DatabaseSettings(url=f"sqlite:///{path}"))
    result = demo.build(settings, now=lambda: BUILT, with_alerts=False)
    result.store.engine.dispose()
    return path


@pytest.fixture
def demo_store(demo_template: Path | None, database_url: str) -> Iterator[Store]:
    """The eastern-DRC demo (Bisie halted from 14 March 2025) in this test's database."""
    if demo_template is not None:
        shutil.copy(demo_template, database_url.removeprefix("sqlite:///"))
        store = Store.from_url(database_url)
    else:
        settings = Settings(database=DatabaseSettings(url=database_url))
        store = demo.build(settings, now=lambda: BUILT, with_alerts=False).store
    yield store
    store.engine.dispose()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


class Receivers:
    """Slack and the webhook receiver on the loopback server; the receiver refuses a bad signature."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.slack_answers: list[Response] = []
        self.bad_signatures = 0
        server.route("POST", "/slack", self._slack)
        server.route("POST", "/hook", self._hook)

    def _slack(self, req: Request) -> Response:
        return self.slack_answers.pop(0) if self.slack_answers else Response(200, "ok")

    def _hook(self, req: Request) -> Response:
        expected = "sha256=" + hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, req.headers.get("x-minewatch-signature", "")):
            self.bad_signatures += 1
            return Response(401, "bad signature")
        return Response(204)

    @property
    def slack(self) -> list[Request]:
        return self.server.hits("/slack")

    @property
    def hooks(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.server.hits("/hook")]


@pytest.fixture
def receivers(server: LoopbackServer) -> Receivers:
    return Receivers(server)


def env(mailbox: Mailbox, server: LoopbackServer) -> dict[str, str]:
    return {
        "MINEWATCH_SMTP_URL": mailbox.url(),
        "MINEWATCH_ALERT_EMAIL_TO": "desk@fund.example",
        "MINEWATCH_ALERT_EMAIL_FROM": "minewatch@fund.example",
        "MINEWATCH_SLACK_WEBHOOK_URL": server.url("/slack"),
        "MINEWATCH_WEBHOOK_URL": server.url("/hook"),
        "MINEWATCH_WEBHOOK_SECRET": SECRET,
        "MINEWATCH_BASE_URL": "https://minewatch.example",
    }


def tick(store: Store, environ: dict[str, str], at: datetime, settings: Settings | None = None,
         **kw: Any) -> Any:  # fmt: skip
    with httpx.Client(timeout=5) as http:
        return alert_tick(store, settings or Settings(), environ, lambda: at, http, **kw)


def alert_rows(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(outbox.ALERT).order_by(outbox.ALERT.c.id)).mappings()]


def test_one_email_slack_post_and_webhook_call_per_halt_across_reruns(
    demo_store: Store, mailbox: Mailbox, receivers: Receivers, server: LoopbackServer
) -> None:
    environ = env(mailbox, server)
    first = tick(demo_store, environ, TICK)
    assert [(a["kind"], a["subject"], a["episode"]) for a in first.alerts] == [
        ("halt", "bisie", "2025-03-14")
    ]
    assert {name: (r.sent, r.pending) for name, r in first.channels.items()} == {
        "email": (1, 0), "slack": (1, 0), "webhook": (1, 0)}  # fmt: skip
    for later in (TICK + timedelta(minutes=15), TICK + timedelta(hours=3), TICK + timedelta(days=1)):
        again = tick(demo_store, environ, later)
        assert again.alerts == [] and again.sent == 0
    assert len(mailbox.messages) == 1
    assert len(receivers.slack) == 1
    assert len(receivers.hooks) == 1 and receivers.bad_signatures == 0
    assert [r["kind"] for r in alert_rows(demo_store)] == ["halt"]


def test_the_english_release_french_communique_and_news_make_one_alert_listing_every_source(
    demo_store: Store, mailbox: Mailbox, receivers: Receivers, server: LoopbackServer
) -> None:
    tick(demo_store, env(mailbox, server), TICK)
    [row] = alert_rows(demo_store)
    payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
    # The operator's release, its French communiqué, and a news item reporting the pause the same day.
    assert [s["source"] for s in payload["sources"]] == ["alphamin_news", "site_communique_fr", "news_search"]
    assert [s["kind"] for s in payload["sources"]] == ["halt", "halt", "halt"]
    assert all(s["cue"] for s in payload["sources"])  # each says what in its text made it a halt
    [mail] = mailbox.messages
    assert mail["Subject"].startswith("[minewatch] Bisie")
    text = body_of(mail, "plain")
    assert EN_TITLE in text and FR_TITLE in text
    assert "https://minewatch.example/site/bisie" in text
    [body] = receivers.hooks
    titles = [s["title"][:20] for s in body["alerts"][0]["sources"]]
    assert titles == [EN_TITLE[:20], FR_TITLE[:20], "Tin market watches B"]
    blocks = json.loads(receivers.slack[0].body)["blocks"]
    assert len(blocks[2]["elements"]) == 3  # every source in the context block


def test_the_halt_reads_as_a_desk_note_with_its_nearest_events_and_front_line_on_every_channel(
    demo_store: Store, mailbox: Mailbox, receivers: Receivers, server: LoopbackServer
) -> None:
    tick(demo_store, env(mailbox, server), TICK)
    [mail] = mailbox.messages
    text = body_of(mail, "plain")
    assert text.splitlines()[:2] == [
        "Bisie halted: ~4% of world tin",
        "Halted since 2025-03-14: halt (3 sources).",
    ]
    # The events of the 60 days before the halt as known at the tick: a GDELT report nearest the mine, an
    # ACLED attack on the export road at Sake, 157 km from the mine.
    assert "Events: 24 within reach of the mine or its road in the 60 days to 2025-03-14" in text
    assert ("Nearest to the mine: 98.9 km from the mine, 12.8 km from its road: "
            "Use conventional military force at Kashebere") in text  # fmt: skip
    assert ("Nearest to the road: 157.3 km from the mine, 0.2 km from its road: "
            "Attack at Sake on 2025-02-28 by M23: March 23 Movement, 1 dead (ACLED)") in text  # fmt: skip
    assert "Front line: 110 km away (M23: March 23 Movement), 17 km closer than a week before" in text
    assert "[halt, fr, cue: «suspension de toutes les activités» (title)]" in text
    assert text.count("Alphamin Bisie Mining SA") == 1  # the operator once, with the site
    assert "Nearest to the road" in body_of(mail, "html")
    section = json.loads(receivers.slack[0].body)["blocks"][1]["text"]["text"]
    assert "*Front line:* 110 km away (M23: March 23 Movement)" in section
    [body] = receivers.hooks
    details = body["alerts"][0]["details"]
    assert details["events"]["count"] == 24
    assert details["events"]["nearest_road"]["to_road_km"] == 0.2
    assert (details["front_km"], details["front_actor"]) == (110.1, "M23: March 23 Movement")


def test_smtp_down_keeps_email_pending_while_slack_is_sent_then_email_is_delivered_once(
    demo_store: Store, receivers: Receivers, server: LoopbackServer
) -> None:
    smtp = Mailbox()  # down: nothing listens yet
    environ = env(smtp, server)
    down = tick(demo_store, environ, TICK)
    assert (down.channels["email"].failed, down.channels["email"].pending) == (1, 1)
    assert "ConnectionRefusedError" in down.channels["email"].errors[0]
    assert (down.channels["slack"].sent, down.channels["webhook"].sent) == (1, 1)
    assert any("email: 0 sent, 1 failed, 1 pending (stays pending" in line for line in report_lines(down))
    smtp.start()
    try:
        back = tick(demo_store, environ, TICK + timedelta(minutes=2))
        assert (back.channels["email"].sent, back.channels["email"].pending) == (1, 0)
        assert (back.channels["slack"].sent, back.channels["webhook"].sent) == (0, 0)
        tick(demo_store, environ, TICK + timedelta(hours=2))
    finally:
        smtp.stop()
    assert len(smtp.messages) == 1
    assert len(receivers.slack) == 1 and len(receivers.hooks) == 1


def test_slack_429_retry_after_is_honoured(
    demo_store: Store, mailbox: Mailbox, receivers: Receivers, server: LoopbackServer
) -> None:
    receivers.slack_answers = [Response(429, "rate_limited", {"Retry-After": "2"})]
    waits: list[float] = []
    report = tick(demo_store, env(mailbox, server), TICK, sleep=waits.append)
    assert waits == [2.0]
    assert report.channels["slack"].sent == 1
    assert len(receivers.slack) == 2


def test_a_dry_run_sends_nothing_and_stores_nothing(
    demo_store: Store, mailbox: Mailbox, receivers: Receivers, server: LoopbackServer
) -> None:
    report = tick(demo_store, env(mailbox, server), TICK, dry_run=True)
    assert [(p.channel, p.subject) for p in report.previews] == [
        (ch, "Bisie halted: ~4% of world tin") for ch in ("email", "slack", "webhook")
    ]
    assert EN_TITLE in report.previews[0].text
    assert mailbox.messages == [] and server.requests == []
    assert alert_rows(demo_store) == []
    assert demo_store.get_watermark(WATERMARK) is None
    lines = report_lines(report)
    assert lines[0] == "dry run: nothing is sent or stored"
    assert "--- would send on webhook: Bisie halted: ~4% of world tin" in lines
    # The desk note: the headline first, the site's full name and operator said once, in the facts.
    text = report.previews[0].text
    assert text.startswith("Bisie halted: ~4% of world tin\nHalted since 2025-03-14")
    assert text.count("Alphamin Bisie Mining") == 1
    assert "12,568 t/yr tin (4.2% of world)" in text


def test_after_a_crash_between_store_and_send_the_restart_sends_each_channel_once(
    demo_store: Store, mailbox: Mailbox, receivers: Receivers, server: LoopbackServer
) -> None:
    at = TICK.replace(tzinfo=None)
    settings = Settings()
    decision = decide(evaluate(demo_store, settings, at, None), State(), Policy(), at)
    outbox.record(demo_store, decision, ["email", "slack", "webhook"], at)  # then the process dies
    for minutes in (1, 2, 30):
        tick(demo_store, env(mailbox, server), TICK + timedelta(minutes=minutes))
    assert len(mailbox.messages) == len(receivers.slack) == len(receivers.hooks) == 1
    assert len(alert_rows(demo_store)) == 1


def test_a_watched_site_gets_front_line_alerts_with_distance_and_change(
    demo_store: Store, mailbox: Mailbox, receivers: Receivers, server: LoopbackServer
) -> None:
    settings = Settings(alerts=AlertsSettings(watchlist=Watchlist(sites=["bisie"])))
    report = tick(demo_store, env(mailbox, server), datetime(2025, 3, 20, 12, tzinfo=UTC), settings)
    kinds = {a["kind"]: a for a in report.alerts}
    assert set(kinds) == {"halt", "front_line"}
    front = kinds["front_line"]
    assert front["details"]["event"]["location"] == "Kibua"
    assert (front["details"]["distance_km"], front["details"]["previous_km"]) == (79.1, 98.9)
    assert front["details"]["change_km"] == pytest.approx(-19.8)
    assert "20 km closer than the previous such event (Kashebere" in front["summary"]
    # The front line as scored that day: Walikale taken, 55 km from the mine (GDELT, 15 sources, 20 March).
    assert (front["details"]["front_km"], front["details"]["front_actor"]) == (55.4, "M23: March 23 Movement")
    assert front["details"]["front_km_change_7d"] < -40
    assert "the front line is 55 km away (M23: March 23 Movement)" in front["summary"]
    [body] = receivers.hooks  # both alerts of the run in one message
    assert sorted(a["kind"] for a in body["alerts"]) == ["front_line", "halt"]


def test_a_feed_without_a_successful_run_for_a_day_raises_one_ops_alert(
    demo_store: Store, mailbox: Mailbox, receivers: Receivers, server: LoopbackServer
) -> None:
    for hours in (30, 20, 2):
        run = demo_store.start_run("gdelt", TICK - timedelta(hours=hours))
        demo_store.finish_run(run, TICK - timedelta(hours=hours), status="failed", error="HTTP 503")
    first = tick(demo_store, env(mailbox, server), TICK)
    stale = [a for a in first.alerts if a["kind"] == "feed_stale"]
    assert [(a["subject"], a["episode"]) for a in stale] == [("gdelt", "never")]
    assert "last error: HTTP 503" in stale[0]["summary"]
    again = tick(demo_store, env(mailbox, server), TICK + timedelta(hours=1))
    assert again.alerts == []


def test_alerts_without_any_channel_are_stored_and_the_report_says_so(demo_store: Store) -> None:
    report = tick(demo_store, {}, TICK)
    assert len(report.alerts) == 1 and report.channels == {}
    assert "no alert channel configured" in report_lines(report)[-2]
    assert len(alert_rows(demo_store)) == 1


# ---- the command ------------------------------------------------------------------------------------------
def run_cli(tmp_path: Path, database_url: str, environ: dict[str, str], *args: str) -> Result:
    """``minewatch alerts`` in-process, as typer's test runner calls it (with its own environment)."""
    config = tmp_path / "config.yaml"
    # The command uses the real clock: look back far enough to reach the 2025 demo scenario.
    config.write_text("alerts:\n  lookback_days: 36500\n", encoding="utf-8")
    full = {"MINEWATCH_DATABASE_URL": database_url, "COLUMNS": "200", **environ}
    return CliRunner().invoke(
        app, ["--config", str(config), "alerts", *args], env=full, catch_exceptions=False
    )


def test_the_alerts_command_dry_run_and_a_down_channel_both_exit_0(
    demo_store: Store, database_url: str, tmp_path: Path, receivers: Receivers, server: LoopbackServer
) -> None:
    demo_store.engine.dispose()
    smtp = Mailbox()  # down
    environ = env(smtp, server)
    dry = run_cli(tmp_path, database_url, environ, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing is sent or stored" in dry.stdout
    assert "--- would send on email:" in dry.stdout and "Bisie" in dry.stdout
    assert server.requests == []
    real = run_cli(tmp_path, database_url, environ)
    assert real.exit_code == 0, real.output
    assert re.search(r"email: 0 sent, (\d+) failed, \1 pending \(stays pending, next attempt at", real.stdout)
    assert re.search(r"slack: (\d+) sent, 0 failed, 0 pending", real.stdout)
    assert len(receivers.slack) == 1


def test_a_fresh_store_does_not_page_about_registry_stops_that_began_long_ago(
    fresh_store: Store, now: datetime
) -> None:
    from monitor import sites
    from monitor.pipeline import Pipeline

    today = datetime(2026, 11, 25, 12, tzinfo=UTC)
    pipeline = Pipeline(fresh_store, Settings(), lambda: today)
    pipeline.load_sites(sites.load_bundled(today))
    pipeline.score([today.date()])  # Pangwa, Man Maw, SOMAIR... are halted in the registry since 2023-2025
    halted = sql.scalar(fresh_store, "SELECT COUNT(*) FROM score WHERE status = 'halted'")
    assert halted >= 5
    with httpx.Client() as http:
        report = alert_tick(fresh_store, Settings(), {}, lambda: today, http, dry_run=True)
    assert [a["subject"] for a in report.alerts if a["kind"] == "halt"] == []


def test_a_halt_tied_to_a_site_only_by_a_place_near_it_raises_no_halt_alert(demo_store: Store) -> None:
    """Goma lies on Bisie's road and near Rubaya: a city-wide stoppage there is no mine halt."""
    from monitor import models

    at = TICK.replace(tzinfo=None)
    notice = {"source": "radio", "source_id": "goma-1", "url": "", "published_at": at - timedelta(hours=1),
              "title": "Goma : toutes les activités suspendues après les combats", "summary": "",
              "language": "fr", "kind": "halt", "confidence": 0.9, "cue": 'title: "suspendues"'}  # fmt: skip
    demo_store.insert_notices(pd.DataFrame([notice]), at)
    notice_id = int(sql.scalar(demo_store, "SELECT id FROM notice WHERE source_id = 'goma-1'"))
    demo_store.upsert(
        models.NoticeSite, [{"notice_id": notice_id, "site_id": "rubaya", "matched_on": "place: Goma"}],
        key=("notice_id", "site_id"),
    )  # fmt: skip
    # Rubaya not rescored since: only the notice could make it look halted.
    with demo_store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM score WHERE site_id = 'rubaya' AND date >= :d"), {"d": at.date()})
    halts = [(c.kind, c.subject) for c in evaluate(demo_store, Settings(), at, None) if c.kind == "halt"]
    assert halts == [("halt", "bisie")]
