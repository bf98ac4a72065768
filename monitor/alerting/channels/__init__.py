"""Alert channels: e-mail (SMTP), Slack (incoming webhook, Block Kit) and a signed generic webhook.

Each channel sends one ``Message`` (one or more stored alerts that go out together) and raises
``DeliveryError`` when the peer does not take it; the outbox (``monitor.alerting.outbox``) records the
error and retries later. Nothing here reads the environment or a clock: endpoints, the HTTP client,
``sleep`` and the message's ``sent_at`` are passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from monitor.config import HttpSettings
from monitor.errors import MinewatchError, OutboundError
from monitor.net.http import Limits, exchange, retry_after_seconds

__all__ = ["Channel", "DeliveryError", "Message", "post"]

#: A 429 is waited out and retried at most this many times within one send.
MAX_429_TRIES = 3


class DeliveryError(MinewatchError):
    """A channel's peer did not accept a message; ``retry_after`` is the wait it asked for, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Message:
    """Alerts going out together on one channel. ``key`` is stable across retries (receivers dedupe on it)."""

    key: str
    alerts: tuple[Mapping[str, Any], ...]
    sent_at: datetime
    base_url: str | None = None

    @property
    def is_digest(self) -> bool:
        return len(self.alerts) == 1 and self.alerts[0].get("kind") == "digest"


class Channel(Protocol):
    """Something that delivers a message or raises DeliveryError."""

    name: str

    def send(self, message: Message) -> None: ...


def post(
    client: httpx.Client,
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    sleep: Callable[[float], None],
    max_wait: float,
    label: str,
    now: datetime,
    limits: Limits | None = None,
) -> httpx.Response:
    """POST ``content`` under the HTTP policy (``monitor.net.http.exchange``: the signed body never follows
    a redirect to another origin); on HTTP 429 wait out Retry-After when it is at most ``max_wait`` and
    try again.

    Any other failure raises DeliveryError at once: the outbox retries with backoff on a later run, so a
    run never blocks long on a peer that is down. ``label`` names the peer without its (secret) URL.
    """
    limits = limits or Limits.of(HttpSettings())
    for attempt in range(MAX_429_TRIES):
        try:
            response = exchange(client, "POST", url, limits, content=content, headers=dict(headers))
        except (httpx.HTTPError, OutboundError) as exc:
            raise DeliveryError(f"{label}: {type(exc).__name__}: {_without(str(exc), url)}") from None
        if 200 <= response.status_code < 300:
            return response
        if response.status_code == 429:
            wait = retry_after_seconds(response, now if now.tzinfo else now.replace(tzinfo=UTC))
            wait = 1.0 if wait is None else wait
            if wait <= max_wait and attempt + 1 < MAX_429_TRIES:
                sleep(wait)
                continue
            raise DeliveryError(f"{label}: HTTP 429, retry after {wait:.0f} s", retry_after=wait)
        raise DeliveryError(f"{label}: HTTP {response.status_code} {response.text[:200]}".rstrip())
    raise AssertionError("unreachable")  # pragma: no cover


def _without(text: str, url: str) -> str:
    """An error text with the (secret: a Slack hook's path is its key) URL named by its host only."""
    return text.replace(url, f"<{httpx.URL(url).host}>")
