"""``minewatch alerts --test``: one test message to each configured channel, sent now, stored nowhere.

It goes through the same channel code as real alerts (same client, signature, SMTP session), so a channel
that passes here delivers real alerts too; it bypasses the outbox, so nothing is retried or recorded and no
receiver's dedupe key is reused (each test message has its own key).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from monitor.alerting.channels import DeliveryError, Message
from monitor.alerting.tick import build_channels
from monitor.config import Settings, alert_targets_from_env
from monitor.domain import TEST_ALERT_KIND

__all__ = ["ProbeResult", "send_test_messages"]


@dataclass(frozen=True)
class ProbeResult:
    """What one channel did with its test message: ``error`` empty when the peer took it."""

    channel: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def test_alert(channel: str, now: datetime) -> dict[str, Any]:
    """The alert a test message carries: says what it is, so nobody on the desk acts on it."""
    return {
        "kind": TEST_ALERT_KIND,
        "title": f"minewatch test message ({channel})",
        "summary": f"This {channel} channel delivers minewatch alerts. Sent by `minewatch alerts --test` at "
        f"{now:%Y-%m-%d %H:%M} UTC; no action needed.",
        "created_at": now.isoformat(),
        "sources": [],
    }


def send_test_messages(
    settings: Settings,
    env: Mapping[str, str],
    now: datetime,
    http: httpx.Client,
    sleep: Callable[[float], None],
) -> list[ProbeResult]:
    """Send one test message per configured channel; empty when none is configured."""
    targets = alert_targets_from_env(env)
    results = []
    for name, channel in build_channels(settings, targets, http, sleep).items():
        message = Message(
            key=f"test-{name}-{now:%Y%m%dT%H%M%S%f}",
            alerts=(test_alert(name, now),),
            sent_at=now,
            base_url=targets.base_url,
        )
        try:
            channel.send(message)
        except DeliveryError as exc:
            results.append(ProbeResult(name, str(exc) or type(exc).__name__))
        except Exception as exc:
            results.append(ProbeResult(name, f"{type(exc).__name__}: {exc}"))
        else:
            results.append(ProbeResult(name))
    return results
