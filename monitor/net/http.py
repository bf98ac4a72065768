"""HTTP plumbing shared by the collectors and the alert channels: a configured client, requests retried with
backoff, and the ``Retry-After`` header read once.

Retries cover transport errors, 5xx and 429; a ``Retry-After`` header (seconds or HTTP date) wins over
the exponential backoff. ``sleep`` is injected so tests never wait. This module imports only settings and
errors, so both ``feeds`` and ``monitor.alerting.channels`` may depend on it.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from monitor.config import HttpSettings
from monitor.errors import FeedError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def make_client(settings: HttpSettings, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client with our timeout and User-Agent (``transport`` lets tests inject one)."""
    return httpx.Client(
        timeout=settings.timeout_s,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=True,
        transport=transport,
    )


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP-date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryingRequester:
    """Sends requests with retries; raises FeedError once they are spent or on a non-retryable status."""

    def __init__(self, client: httpx.Client, settings: HttpSettings, sleep: Callable[[float], None]) -> None:
        self.client = client
        self.settings = settings
        self.sleep = sleep

    def request(
        self, method: str, url: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any
    ) -> httpx.Response:
        delay = self.settings.backoff_s
        last_error = ""
        for attempt in range(self.settings.retries + 1):
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                wait = delay
            else:
                if response.status_code in ok:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise FeedError(f"{method} {_safe(url)}: HTTP {response.status_code}")
                last_error = f"HTTP {response.status_code}"
                asked = retry_after_seconds(response)
                wait = asked if asked is not None else delay
            if attempt < self.settings.retries:
                self.sleep(min(wait, self.settings.max_backoff_s))
                delay *= 2
        raise FeedError(f"{method} {_safe(url)}: {last_error} after {self.settings.retries + 1} attempts")

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)


def _safe(url: str) -> str:
    """The URL without its query string (which may carry keys)."""
    return str(httpx.URL(url).copy_with(query=None))
