"""The alerts page: the alert log with each channel's delivery status, and its empty state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from plotly.io.json import to_json_plotly

from dashboards import data, ids
from dashboards.pages import alerts
from monitor.alerting import outbox
from monitor.alerting.channels import DeliveryError, Message
from monitor.alerting.decide import Candidate, Policy, State, decide
from monitor.config import AlertRetrySettings
from monitor.store import Store
from tests.dashboards.tree import find

AT = datetime(2025, 3, 14, 12, 0)


class Channel:
    def __init__(self, name: str, error: str | None = None) -> None:
        self.name = name
        self.error = error

    def send(self, message: Message) -> None:
        if self.error:
            raise DeliveryError(self.error)


def _record_alerts(store: Store) -> None:
    source = {"source": "alphamin_news", "title": "Alphamin suspends Bisie", "url": "https://a.example/1"}
    halt = Candidate("halt", "bisie", "2025-03-14", "Bisie halted", "Bisie halted since 2025-03-14.", AT,
                     site={"id": "bisie", "name": "Bisie"}, sources=(source,))  # fmt: skip
    level = Candidate("level", "rubaya", "2025-03-13:high", "Rubaya risk high", "s", AT, details={"rank": 2})
    again = Candidate("level", "rubaya", "2025-03-14:high", "Rubaya risk high", "s", AT, details={"rank": 2})
    decision = decide([halt, level, again], State(), Policy(), AT)
    outbox.record(store, decision, ["email", "slack"], AT)
    channels = {"email": Channel("email"), "slack": Channel("slack", "slack: HTTP 500 oops")}
    outbox.deliver(store, channels, AT, AlertRetrySettings(), None)


def test_the_alert_log_shows_each_channels_delivery_status(
    seeded_store: Store, render: Callable[..., Any]
) -> None:
    _record_alerts(seeded_store)
    page = render(seeded_store, alerts.layout)
    rows = {r["title"] + "/" + r["status"][:4]: r for r in find(page, ids.ALERTS_GRID).rowData}
    halt = rows["Bisie halted/sent"]
    assert halt["email"] == "delivered 2025-03-14 12:00"
    next_try = (AT + timedelta(seconds=60)).strftime("%Y-%m-%d %H:%M")
    assert halt["slack"] == f"pending: 1 failed attempt(s), next {next_try}: slack: HTTP 500 oops"
    assert halt["webhook"] == "-"
    assert halt["sources"] == "alphamin_news: Alphamin suspends Bisie"
    held = rows["Rubaya risk high/held"]
    assert held["status"].startswith("held back (repeat within")
    assert (held["email"], held["slack"]) == ("not sent", "not sent")
    assert "Markdown" not in to_json_plotly(page)


def test_the_alerts_query_lists_newest_first_with_fixed_columns(seeded_store: Store) -> None:
    _record_alerts(seeded_store)
    frame = data.alerts(seeded_store)
    assert list(frame.columns) == list(data.ALERT_COLUMNS)
    # All three were stored at the same instant: the last stored (the held-back repeat) comes first.
    assert [(t, s[:4]) for t, s in zip(frame["title"], frame["status"], strict=True)] == [
        ("Rubaya risk high", "held"), ("Rubaya risk high", "sent"), ("Bisie halted", "sent")]  # fmt: skip


def test_the_alerts_page_keeps_its_empty_state_when_there_are_none(
    seeded_store: Store, render: Callable[..., Any]
) -> None:
    text = to_json_plotly(render(seeded_store, alerts.layout))
    assert "No alerts yet." in text
    assert "minewatch alerts" in text


def test_an_alert_raised_with_no_channel_configured_reads_not_sent_never_sent(
    seeded_store: Store, render: Callable[..., Any]
) -> None:
    halt = Candidate("halt", "bisie", "2025-03-14", "Bisie halted", "s", AT, site={"id": "bisie"})
    outbox.record(seeded_store, decide([halt], State(), Policy(), AT), [], AT)
    (row,) = find(render(seeded_store, alerts.layout), ids.ALERTS_GRID).rowData
    assert row["status"] == "not sent: no channel configured"
    assert (row["email"], row["slack"], row["webhook"]) == ("-", "-", "-")


def test_the_log_stops_at_the_as_of_day_and_counts_the_alerts_raised_since(
    seeded_store: Store, render: Callable[..., Any]
) -> None:
    halt = Candidate("halt", "bisie", "2025-03-14", "Bisie halted", "s", AT, site={"id": "bisie"})
    outbox.record(seeded_store, decide([halt], State(), Policy(), AT), [], AT)
    later = AT + timedelta(days=2)
    rise = Candidate(
        "level", "rubaya", "2025-03-16:high", "Rubaya risk high", "s", later, details={"rank": 1}
    )
    outbox.record(seeded_store, decide([rise], State(), Policy(), later), [], later)

    def shown(as_of: str | None) -> list[str]:
        page = render(seeded_store, alerts.layout, as_of=as_of)
        return [r["title"] for r in find(page, ids.ALERTS_GRID).rowData]

    assert shown(None) == shown("2025-03-16") == ["Rubaya risk high", "Bisie halted"]
    assert shown("2025-03-15") == ["Bisie halted"]
    text = to_json_plotly(render(seeded_store, alerts.layout, as_of="2025-03-15"))
    assert "Shown up to 2025-03-15, the 'Scores as of' day (not shown: 1 raised after it)." in text
    text = to_json_plotly(render(seeded_store, alerts.layout, as_of="2025-03-13"))
    assert "No alerts raised up to 2025-03-13." in text
