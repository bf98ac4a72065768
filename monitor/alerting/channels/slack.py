"""Slack incoming webhook: a Block Kit message (header, one section per alert, sources as context)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from monitor.alerting.channels import Message, post
from monitor.alerting.channels.render import message_facts, site_url, source_tags, subject_line, text_body
from monitor.net.http import Limits

__all__ = ["MAX_BLOCKS", "SlackChannel", "slack_payload"]

#: Slack rejects messages with more blocks than this.
MAX_BLOCKS = 50
_SECTION_LIMIT = 3000


def _escape(text: Any) -> str:
    """Slack mrkdwn control characters, escaped as Slack asks (feed text must not become links)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, text: str) -> str:
    if url.startswith(("http://", "https://")):
        return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{_escape(text)}>"
    return _escape(text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _source_text(source: Mapping[str, Any]) -> str:
    title = _link(str(source.get("url") or ""), str(source.get("title") or "source"))
    return f"{_escape(source_tags(source))}: {title} ({_escape(source.get('source') or '')})"


def _alert_blocks(
    alert: Mapping[str, Any], facts: list[tuple[str, str]], base_url: str | None
) -> list[dict[str, Any]]:
    link = site_url(base_url, (alert.get("site") or {}).get("id"))
    title = _link(link, str(alert.get("title") or "")) if link else _escape(alert.get("title") or "")
    lines = [f"*{title}*", _escape(alert.get("summary") or "")]
    lines += [f"*{_escape(k)}:* {_escape(v)}" for k, v in facts]
    if alert.get("kind") == "digest":
        lines = [f"*{_escape(alert.get('title') or '')}*", _escape(text_body([alert], base_url))]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut("\n".join(lines), _SECTION_LIMIT)}}
    ]
    sources = alert.get("sources") or []
    if sources:
        items = [_source_text(s) for s in sources[:9]]
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(t, 2000)} for t in items]}
        )
    return blocks


def slack_payload(message: Message) -> dict[str, Any]:
    """The webhook body: ``text`` (notification fallback) plus Block Kit ``blocks``."""
    header = _cut(f"minewatch: {subject_line(message.alerts)}", 150)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": header}}]
    facts = message_facts(message.alerts)
    for shown, alert in enumerate(message.alerts):
        more = _alert_blocks(alert, facts[shown], message.base_url)
        if len(blocks) + len(more) > MAX_BLOCKS - 1:
            rest = len(message.alerts) - shown
            note = f"… and {rest} more alert(s): see the minewatch dashboard."
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
            break
        blocks.extend(more)
    return {"text": _escape(header), "blocks": blocks}


class SlackChannel:
    """Post each message to a Slack incoming webhook; a 429 is waited out when Slack asks briefly."""

    name = "slack"

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        sleep: Callable[[float], None],
        max_wait: float,
        limits: Limits | None = None,
    ) -> None:
        self.client = client
        self.url = url
        self.sleep = sleep
        self.max_wait = max_wait
        self.limits = limits

    def send(self, message: Message) -> None:
        body = json.dumps(slack_payload(message), ensure_ascii=False).encode("utf-8")
        post(
            self.client, self.url, content=body, headers={"Content-Type": "application/json; charset=utf-8"},
            sleep=self.sleep, max_wait=self.max_wait, label="slack", now=message.sent_at,
            limits=self.limits,
        )  # fmt: skip
