"""The outbox on a real store (SQLite, or PostgreSQL with MINEWATCH_TEST_DATABASE_URL): store before send,
retries with backoff, never twice per channel, and the crash between store and send."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.alerting import outbox
from monitor.alerting.channels import DeliveryError, Message
from monitor.alerting.decide import Candidate, Policy, State, decide
from monitor.config import AlertRetrySettings
from monitor.store import Store

NOW = datetime(2025, 3, 14, 12, 0)
RETRY = AlertRetrySettings(backoff_seconds=60, max_backoff_seconds=600)


class Recorder:
    """A channel that keeps what it was sent, or fails while ``error`` is set."""

    def __init__(self, name: str, store: Store | None = None) -> None:
        self.name = name
        self.store = store
        self.sent: list[Message] = []
        self.error: Exception | None = None
        self.rows_at_send: list[tuple[Any, ...]] = []

    def send(self, message: Message) -> None:
        if self.store is not None:
            self.rows_at_send = rows(self.store, self.name)
        if self.error is not None:
            raise self.error
        self.sent.append(message)


def rows(store: Store, channel: str | None = None) -> list[tuple[Any, ...]]:
    """(fingerprint, channel, attempts, last_error, next_attempt_at, delivered_at) per delivery."""
    d, a = outbox.DELIVERY, outbox.ALERT
    query = (
        sa.select(
            a.c.fingerprint, d.c.channel, d.c.attempts, d.c.last_error, d.c.next_attempt_at, d.c.delivered_at
        )
        .join(a, a.c.id == d.c.alert_id)
        .order_by(a.c.id, d.c.channel)
    )
    if channel:
        query = query.where(d.c.channel == channel)
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query).all()]


def halt(site: str = "bisie", episode: str = "2025-03-14") -> Candidate:
    return Candidate("halt", site, episode, f"{site} halted", "s", NOW, site={"id": site, "name": site})


def stored(store: Store, *candidates: Candidate, channels: tuple[str, ...] = ("email", "slack")) -> list[int]:
    return outbox.record(store, decide(candidates, State(), Policy(), NOW), list(channels), NOW)


def test_the_alert_and_a_delivery_per_channel_are_committed_before_any_send(fresh_store: Store) -> None:
    stored(fresh_store, halt())
    email = Recorder("email", fresh_store)
    results = outbox.deliver(fresh_store, {"email": email}, NOW, RETRY, None)
    assert len(email.rows_at_send) == 1
    fingerprint, channel, attempts, _, _, delivered_at = email.rows_at_send[0]
    assert (fingerprint, channel, attempts, delivered_at) == (halt().fingerprint, "email", 1, None)
    assert results["email"].sent == 1 and results["email"].pending == 0


def test_a_delivered_alert_is_never_sent_again_on_that_channel(fresh_store: Store) -> None:
    stored(fresh_store, halt())
    email, slack = Recorder("email"), Recorder("slack")
    for minutes in (0, 5, 120):
        outbox.deliver(fresh_store, {"email": email, "slack": slack}, NOW + timedelta(minutes=minutes),
                       RETRY, None)  # fmt: skip
    assert len(email.sent) == len(slack.sent) == 1
    assert stored(fresh_store, halt()) == []  # the same fingerprint is not stored twice either


def test_alerts_of_one_group_go_out_as_one_message_per_channel(fresh_store: Store) -> None:
    stored(fresh_store, halt("bisie"), halt("rubaya"))
    email = Recorder("email")
    results = outbox.deliver(fresh_store, {"email": email}, NOW, RETRY, "https://mw.example")
    [message] = email.sent
    assert [a["subject"] for a in message.alerts] == ["bisie", "rubaya"]
    assert message.base_url == "https://mw.example"
    assert results["email"].sent == 2


def test_a_failure_records_the_error_and_retries_with_doubling_backoff_then_delivers_once(
    fresh_store: Store,
) -> None:
    stored(fresh_store, halt())
    email = Recorder("email")
    email.error = DeliveryError("smtp 127.0.0.1:25: ConnectionRefusedError")
    first = outbox.deliver(fresh_store, {"email": email}, NOW, RETRY, None)
    assert (first["email"].failed, first["email"].pending) == (1, 1)
    [(_, _, attempts, error, next_at, delivered)] = rows(fresh_store, "email")
    assert (attempts, delivered) == (1, None)
    assert error == "smtp 127.0.0.1:25: ConnectionRefusedError"
    assert next_at == NOW + timedelta(seconds=60)
    early = outbox.deliver(fresh_store, {"email": email}, NOW + timedelta(seconds=30), RETRY, None)
    assert (early["email"].failed, early["email"].pending) == (0, 1)  # not due yet: no attempt
    outbox.deliver(fresh_store, {"email": email}, NOW + timedelta(seconds=61), RETRY, None)
    [(_, _, attempts, _, next_at, _)] = rows(fresh_store, "email")
    assert (attempts, next_at) == (2, NOW + timedelta(seconds=61 + 120))
    email.error = None
    back = NOW + timedelta(minutes=10)
    assert outbox.deliver(fresh_store, {"email": email}, back, RETRY, None)["email"].sent == 1
    outbox.deliver(fresh_store, {"email": email}, back + timedelta(hours=1), RETRY, None)
    assert len(email.sent) == 1
    [(_, _, attempts, error, _, delivered)] = rows(fresh_store, "email")
    assert (attempts, error, delivered) == (3, "", back)


def test_a_retry_after_longer_than_the_backoff_is_respected(fresh_store: Store) -> None:
    stored(fresh_store, halt(), channels=("slack",))
    slack = Recorder("slack")
    slack.error = DeliveryError("slack: HTTP 429, retry after 900 s", retry_after=900)
    outbox.deliver(fresh_store, {"slack": slack}, NOW, RETRY, None)
    assert rows(fresh_store, "slack")[0][4] == NOW + timedelta(seconds=900)


def test_one_failing_channel_does_not_stop_the_others(fresh_store: Store) -> None:
    stored(fresh_store, halt())
    email, slack = Recorder("email"), Recorder("slack")
    email.error = DeliveryError("down")
    results = outbox.deliver(fresh_store, {"email": email, "slack": slack}, NOW, RETRY, None)
    assert (results["email"].pending, results["slack"].sent, results["slack"].pending) == (1, 1, 0)
    assert results["email"].errors == ["down"]


def test_after_a_crash_between_store_and_send_each_channel_gets_the_alert_exactly_once(
    fresh_store: Store,
) -> None:
    stored(fresh_store, halt())  # ... and the process dies here, before sending
    email, slack = Recorder("email"), Recorder("slack")
    restarted = NOW + timedelta(minutes=1)
    channels = {"email": email, "slack": slack}
    for tick in range(3):
        outbox.deliver(fresh_store, channels, restarted + timedelta(minutes=tick), RETRY, None)
    assert len(email.sent) == len(slack.sent) == 1


def test_a_delivery_claimed_by_another_process_is_not_sent_until_its_claim_lapses(fresh_store: Store) -> None:
    stored(fresh_store, halt(), channels=("email",))
    [batch] = outbox.due(fresh_store, ["email"], NOW)
    # Another process claims it (and, say, dies while sending).
    assert outbox._claim(fresh_store, batch.delivery_ids, NOW, NOW + timedelta(seconds=60)) == set(
        batch.delivery_ids
    )
    email = Recorder("email")
    assert outbox._claim(fresh_store, batch.delivery_ids, NOW, NOW + timedelta(seconds=60)) == set()
    outbox.deliver(fresh_store, {"email": email}, NOW + timedelta(seconds=10), RETRY, None)
    assert email.sent == []
    outbox.deliver(fresh_store, {"email": email}, NOW + timedelta(seconds=60), RETRY, None)
    assert len(email.sent) == 1


def test_backoff_doubles_and_is_capped() -> None:
    assert [outbox.backoff(n, RETRY).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 480, 600]


def test_the_state_holds_stored_alerts_and_open_groups(fresh_store: Store) -> None:
    policy = Policy(group_window=timedelta(minutes=10))
    decision = decide([halt()], State(), policy, NOW)
    outbox.record(fresh_store, decision, ["email"], NOW)
    state = outbox.load_state(fresh_store, [halt().fingerprint], NOW + timedelta(minutes=2),
                              timedelta(hours=24))  # fmt: skip
    [known] = state.known
    assert (known.fingerprint, known.subject, known.notified) == (halt().fingerprint, "bisie", True)
    assert known.payload["title"] == "bisie halted"
    [group] = state.open_groups
    assert (group.key, group.send_at, group.size) == (decision.notifications[0].group_key,
                                                      NOW + timedelta(minutes=10), 1)  # fmt: skip
    # Held by the group window: nothing is due before it closes.
    assert outbox.due(fresh_store, ["email"], NOW + timedelta(minutes=2)) == []
    assert len(outbox.due(fresh_store, ["email"], NOW + timedelta(minutes=10))) == 1


def test_held_back_alerts_are_stored_without_deliveries_and_updates_change_the_payload(
    fresh_store: Store,
) -> None:
    a = Candidate("level", "bisie", "2025-03-11:high", "Bisie high", "s", NOW, details={"rank": 2})
    b = Candidate("level", "bisie", "2025-03-12:high", "Bisie high", "s", NOW, details={"rank": 2})
    decision = decide([a, b], State(), Policy(), NOW)
    outbox.record(fresh_store, decision, ["email"], NOW)
    with fresh_store.engine.connect() as conn:
        statuses = conn.execute(sa.text("select episode, status from alert order by episode")).all()
    assert [tuple(s) for s in statuses] == [
        ("2025-03-11:high", "notified"),
        ("2025-03-12:high", "suppressed"),
    ]
    assert len(rows(fresh_store)) == 1
    state = outbox.load_state(fresh_store, [a.fingerprint], NOW, timedelta(hours=24))
    richer = Candidate(
        "level", "bisie", "2025-03-11:high", "Bisie high", "new summary", NOW, details={"rank": 2}
    )
    update = decide([richer], state, Policy(), NOW)
    outbox.record(fresh_store, update, ["email"], NOW + timedelta(minutes=1))
    with fresh_store.engine.connect() as conn:
        payload = conn.execute(
            sa.text("select payload from alert where episode = '2025-03-11:high'")
        ).scalar()
    assert (payload if isinstance(payload, dict) else __import__("json").loads(payload))[
        "summary"
    ] == "new summary"


def test_any_exception_in_a_send_is_recorded_on_its_row_and_the_tick_goes_on(fresh_store: Store) -> None:
    stored(fresh_store, halt("bisie"), channels=("email",))
    stored(fresh_store, halt("rubaya"), channels=("email",))

    class FailsOnBisie(Recorder):
        def send(self, message: Message) -> None:
            if message.alerts[0]["subject"] == "bisie":
                raise ValueError("Header values may not contain linefeed or carriage return characters")
            super().send(message)

    email = FailsOnBisie("email")
    results = outbox.deliver(fresh_store, {"email": email}, NOW, RETRY, None)

    assert [m.alerts[0]["subject"] for m in email.sent] == ["rubaya"]
    assert (results["email"].sent, results["email"].failed) == (1, 1)
    bisie, rubaya = rows(fresh_store, "email")
    assert bisie[2:4] == (
        1,
        "ValueError: Header values may not contain linefeed or carriage return characters",
    )
    assert bisie[4] == NOW + timedelta(seconds=60) and bisie[5] is None
    assert rubaya[3] == "" and rubaya[5] == NOW


def test_a_delivery_failing_max_attempts_times_is_given_up_and_said_once_on_the_other_channels(
    fresh_store: Store, caplog: Any
) -> None:
    retry = AlertRetrySettings(backoff_seconds=60, max_backoff_seconds=60, max_attempts=3)
    stored(fresh_store, halt())
    email, slack = Recorder("email"), Recorder("slack")
    email.error = DeliveryError("smtp mail.example:587: SMTPAuthenticationError: (535, b'bad login')")
    channels = {"email": email, "slack": slack}

    with caplog.at_level("ERROR", logger="monitor.alerting.outbox"):
        for minute in range(0, 10):
            outbox.deliver(fresh_store, channels, NOW + timedelta(minutes=minute * 2), retry, None)

    halt_email = next(r for r in rows(fresh_store, "email") if r[0] == halt().fingerprint)
    assert halt_email[2] == 3 and halt_email[5] is None
    with fresh_store.engine.connect() as conn:
        failed_at = (
            conn.execute(sa.select(outbox.DELIVERY.c.failed_at).where(outbox.DELIVERY.c.channel == "email"))
            .scalars()
            .all()
        )
    assert failed_at == [NOW + timedelta(minutes=4)]
    assert [m.alerts[0]["kind"] for m in slack.sent] == ["halt", "delivery_failed"]
    notice = slack.sent[1].alerts[0]
    assert notice["title"] == "email could not deliver 1 alert(s)"
    assert "Given up after 3 attempts: bisie halted" in notice["summary"]
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["email"]
    assert outbox.deliver(fresh_store, channels, NOW + timedelta(days=1), retry, None)["email"].pending == 0


def test_a_given_up_failure_notice_raises_no_further_notice(fresh_store: Store) -> None:
    retry = AlertRetrySettings(backoff_seconds=60, max_backoff_seconds=60, max_attempts=1)
    stored(fresh_store, halt())
    email, slack = Recorder("email"), Recorder("slack")
    email.error = DeliveryError("smtp down")
    slack.error = DeliveryError("slack down")
    for minute in range(0, 6):
        outbox.deliver(
            fresh_store, {"email": email, "slack": slack}, NOW + timedelta(minutes=minute), retry, None
        )

    kinds = [r[0] for r in rows(fresh_store)]
    assert len(kinds) == 4  # the halt on two channels, then one notice per channel about the other's failure
    with fresh_store.engine.connect() as conn:
        stored_kinds = (
            conn.execute(sa.select(outbox.ALERT.c.kind).order_by(outbox.ALERT.c.id)).scalars().all()
        )
    assert stored_kinds == ["halt", "delivery_failed", "delivery_failed"]
