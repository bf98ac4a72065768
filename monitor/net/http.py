"""HTTP plumbing shared by the collectors and the alert channels: one policy for every outbound request.

``exchange`` sends one request the way minewatch allows (``monitor.net.policy``): redirects are followed
here, not by httpx, so that each hop is checked (scheme, address) and the request's own headers and body
never leave the configured origin; the whole exchange has a deadline (``http.deadline_s``) and the body a
size cap counted after decompression (``http.max_response_mb``), so a trickling or inflating peer ends with
a clear error instead of holding a run or the memory.

``RetryingRequester`` adds retries for the collectors: transport errors, 5xx and 429 are retried with
backoff; a ``Retry-After`` header (seconds or HTTP date) wins over the exponential backoff. ``sleep`` is
injected so tests never wait. This module imports only settings, errors and the redaction, so both
``feeds`` and ``monitor.alerting.channels`` may depend on it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from monitor.config import HttpSettings
from monitor.errors import FeedError, OutboundError
from monitor.net import policy
from monitor.net.connect import checked_transport
from monitor.redact import redact

__all__ = [
    "MAX_REDIRECTS",
    "RETRY_STATUSES",
    "Limits",
    "RetryingRequester",
    "exchange",
    "make_client",
    "retry_after_seconds",
    "safe_url",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
_MB = 1024 * 1024
#: Headers a response keeps once its body is read and decoded here.
_DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


@dataclass(frozen=True)
class Limits:
    """How long one exchange may take and how large its decoded body may be."""

    deadline_s: float
    max_mb: float
    timeout_s: float

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * _MB)

    @classmethod
    def of(cls, settings: HttpSettings, max_response_mb: float | None = None) -> Limits:
        """The limits of ``settings``; ``max_response_mb`` (a feed's own cap) wins when given."""
        mb = max_response_mb if max_response_mb is not None else settings.max_response_mb
        return cls(settings.deadline_s, mb, settings.timeout_s)


def make_client(settings: HttpSettings, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client with our timeout and User-Agent that never follows redirects on its own (``exchange``
    does, under the policy) and whose connections are checked as they are made (``monitor.net.connect``);
    ``transport`` lets tests inject one."""
    return httpx.Client(
        timeout=settings.timeout_s,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=False,
        transport=transport or checked_transport(),
    )


def exchange(
    client: httpx.Client,
    method: str,
    url: str | httpx.URL,
    limits: Limits,
    *,
    resolve: policy.Resolve = policy.system_resolve,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request under the policy and return its response with the body read (and decoded).

    ``kwargs`` are httpx's request arguments (``params``, ``headers``, ``data``, ``content``, ``json``).
    Raises OutboundError when the policy refuses a hop, the deadline passes or the body is too large;
    transport errors are httpx's own.
    """
    start = httpx.URL(str(url))
    params = kwargs.pop("params", None)
    if params:
        start = start.copy_merge_params(params)
    policy.check_start(start, resolve)
    local_ok = policy.is_local(start, resolve)
    has_body = any(kwargs.get(k) is not None for k in ("data", "content", "json", "files"))
    deadline = time.monotonic() + limits.deadline_s
    request = client.build_request(method, start, **kwargs)
    for hop in range(MAX_REDIRECTS + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            raise OutboundError(f"no complete response within {limits.deadline_s:g} s (http.deadline_s)")
        request.extensions["timeout"] = httpx.Timeout(min(limits.timeout_s, left)).as_dict()
        # The configured URL may be on any address but the never-contacted ones; a redirect as checked above.
        checking = policy.HOP.set(policy.Hop(private_ok=hop == 0 or local_ok))
        try:
            response = client.send(request, stream=True)
        finally:
            policy.HOP.reset(checking)
        try:
            following = response.next_request if response.is_redirect else None
            if following is None:
                return _read(response, deadline, limits)
        finally:
            response.close()
        other = policy.check_redirect(
            start, following.url, has_body=has_body, local_ok=local_ok, resolve=resolve
        )
        if other:  # the client's own headers only: the caller's (tokens, conditions) stay at home
            following = client.build_request(following.method, following.url)
        request = following
    raise OutboundError(f"more than {MAX_REDIRECTS} redirects")


def _read(response: httpx.Response, deadline: float, limits: Limits) -> httpx.Response:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limits.max_bytes:
            mb = limits.max_mb
            raise OutboundError(f"the response is larger than {mb:g} MB once decoded (http.max_response_mb)")
        if time.monotonic() > deadline:
            raise OutboundError(f"no complete response within {limits.deadline_s:g} s (http.deadline_s)")
        chunks.append(chunk)
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROPPED_HEADERS]
    return httpx.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=response.request
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
    """Sends requests with retries; raises FeedError once they are spent, on a non-retryable status, or
    at once when the policy refuses the request or cuts it short (a retry would meet the same peer)."""

    def __init__(
        self,
        client: httpx.Client,
        settings: HttpSettings,
        sleep: Callable[[float], None],
        resolve: policy.Resolve = policy.system_resolve,
    ) -> None:
        self.client = client
        self.settings = settings
        self.sleep = sleep
        self.resolve = resolve

    def request(
        self,
        method: str,
        url: str,
        *,
        ok: tuple[int, ...] = (200,),
        max_response_mb: float | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        limits = Limits.of(self.settings, max_response_mb)
        delay = self.settings.backoff_s
        last_error = ""
        for attempt in range(self.settings.retries + 1):
            try:
                response = exchange(self.client, method, url, limits, resolve=self.resolve, **kwargs)
            except OutboundError as exc:
                raise FeedError(f"{method} {safe_url(url)}: {exc}") from None
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                wait = delay
            else:
                if response.status_code in ok:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise FeedError(f"{method} {safe_url(url)}: HTTP {response.status_code}")
                last_error = f"HTTP {response.status_code}"
                asked = retry_after_seconds(response)
                wait = asked if asked is not None else delay
            if attempt < self.settings.retries:
                self.sleep(min(wait, self.settings.max_backoff_s))
                delay *= 2
        attempts = self.settings.retries + 1
        raise FeedError(f"{method} {safe_url(url)}: {redact(last_error)} after {attempts} attempts")

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)


def safe_url(url: str | httpx.URL) -> str:
    """The URL as it may be shown: redacted (``monitor.redact``)."""
    return redact(str(url))
