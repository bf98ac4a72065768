"""One redaction for every text minewatch shows: known secrets, URL userinfo, query strings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

from monitor import redact
from monitor.environment import secret_values
from monitor.reads import feedruns
from monitor.store import Store


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    redact.forget()
    yield
    redact.forget()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("GET https://bob:pa55word@feeds.example/rss failed", "GET https://bob:***@feeds.example/rss failed"),
        ("GET https://tok3n@feeds.example/rss", "GET https://***@feeds.example/rss"),
        (
            "GET https://api.example/v1?key=abc123&page=2: HTTP 500",
            "GET https://api.example/v1?***: HTTP 500",
        ),
        ("bad URL postgresql+psycopg://mw:s3cret@db/mw", "bad URL postgresql+psycopg://mw:***@db/mw"),
        ("nothing secret in http://example.org/a/b#c", "nothing secret in http://example.org/a/b#c"),
    ],
)
def test_userinfo_and_query_strings_are_masked_wherever_a_url_appears(text: str, shown: str) -> None:
    assert redact.redact(text) == shown


def test_known_secret_values_are_masked_longest_first_and_short_ones_left_alone() -> None:
    redact.remember(["hunter22", "hunter22-long", "ab"])

    assert redact.redact("tried hunter22-long then hunter22 on ab") == "tried *** then *** on ab"


def test_secret_values_of_the_environment_include_url_passwords_webhook_keys_and_each_api_token() -> None:
    env = {
        "MINEWATCH_DATABASE_URL": "postgresql+psycopg://mw:p%40ss@db/mw",
        "MINEWATCH_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/XyZ123",
        "MINEWATCH_API_TOKENS": "tok-one, tok-two",
        "MINEWATCH_BASE_URL": "https://minewatch.example",
    }
    values = set(secret_values(env))

    assert {"p%40ss", "p@ss", "/services/T0/B0/XyZ123", "tok-one", "tok-two"} <= values
    assert "https://minewatch.example" not in values


def test_the_log_formatter_redacts_messages_and_tracebacks() -> None:
    redact.remember(["s3cret-token"])
    formatter = redact.RedactingFormatter(logging.Formatter("%(levelname)s %(message)s"))
    try:
        raise ValueError("refused s3cret-token")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "GET %s", ("https://u:pw@h/x",), sys.exc_info()
        )
    line = formatter.format(record)

    assert "s3cret-token" not in line and ":pw@" not in line
    assert line.startswith("ERROR GET https://u:***@h/x")
    assert "ValueError: refused ***" in line


def test_a_feed_run_error_is_stored_redacted(fresh_store: Store, now: datetime) -> None:
    redact.remember(["ucdp-tok-81"])
    run = fresh_store.start_run("notices:a", now)
    fresh_store.finish_run(
        run, now, status="failed", error="GET https://me:pw1@x.org/rss?k=1 refused ucdp-tok-81"
    )

    (row,) = feedruns.summary(fresh_store).to_dict("records")
    assert row["last_error"] == "GET https://me:***@x.org/rss?*** refused ***"
