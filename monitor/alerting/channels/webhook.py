"""Generic webhook: a documented JSON body, signed with HMAC-SHA256 in ``X-Minewatch-Signature``.

Body (schema ``minewatch.alerts/1``)::

    {"schema": "minewatch.alerts/1", "delivery_id": "...", "sent_at": "2025-03-14T12:00:00Z",
     "digest": false, "alerts": [{"fingerprint", "kind", "subject", "episode", "title", "summary",
     "occurred_at", "site", "risk", "level", "sources", "details", "url"}, ...]}

Since 2026-12, each alert's ``site`` also carries ``supply``: ``[{"commodity", "output_t", "world_pct"}]``,
the site's commodities (main first) with their annual output and share of world production (null when
unknown); the schema name is unchanged, as the field is only added. Likewise halt and level alerts'
``details`` carry their evidence: ``events`` (count, nearest to the mine, nearest to the road) and the front
line's ``front_km``, ``front_km_change_7d``, ``front_days_to_radius``, ``front_actor``
(``monitor.alerting.evidence``).

Signature: ``sha256=<hex HMAC-SHA256 of the raw body bytes, keyed with MINEWATCH_WEBHOOK_SECRET>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from monitor.alerting.channels import Message, post
from monitor.alerting.channels.render import site_url
from monitor.net.http import Limits

__all__ = ["SCHEMA", "SIGNATURE_HEADER", "WebhookChannel", "sign", "verify", "webhook_body"]

SCHEMA = "minewatch.alerts/1"
SIGNATURE_HEADER = "X-Minewatch-Signature"
DELIVERY_HEADER = "X-Minewatch-Delivery"
ALERT_FIELDS = (
    "fingerprint", "kind", "subject", "episode", "title", "summary", "occurred_at", "site", "risk", "level",
    "sources", "details",
)  # fmt: skip


def sign(body: bytes, secret: str) -> str:
    """The signature header value of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant-time; for receivers and tests)."""
    return header is not None and hmac.compare_digest(sign(body, secret), header.strip())


def _alert(alert: Mapping[str, Any], base_url: str | None) -> dict[str, Any]:
    out = {k: alert.get(k) for k in ALERT_FIELDS}
    out["sources"] = list(out["sources"] or [])
    out["details"] = dict(out["details"] or {})
    out["url"] = site_url(base_url, (alert.get("site") or {}).get("id"))
    return out


def webhook_body(message: Message) -> bytes:
    """The raw JSON body (UTF-8, compact, keys sorted): exactly the bytes that are signed."""
    document = {
        "schema": SCHEMA,
        "delivery_id": message.key,
        "sent_at": message.sent_at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
        "digest": message.is_digest,
        "alerts": [_alert(a, message.base_url) for a in message.alerts],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class WebhookChannel:
    """POST each message as signed JSON (unsigned when no secret is set)."""

    name = "webhook"

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        secret: str | None,
        sleep: Callable[[float], None],
        max_wait: float,
        limits: Limits | None = None,
    ) -> None:
        self.client = client
        self.url = url
        self.secret = secret
        self.sleep = sleep
        self.max_wait = max_wait
        self.limits = limits

    def send(self, message: Message) -> None:
        body = webhook_body(message)
        headers = {"Content-Type": "application/json; charset=utf-8", DELIVERY_HEADER: message.key}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(body, self.secret)
        host = httpx.URL(self.url).host
        post(
            self.client, self.url, content=body, headers=headers, sleep=self.sleep, max_wait=self.max_wait,
            label=f"webhook {host}", now=message.sent_at,
            limits=self.limits,
        )  # fmt: skip
