"""E-mail over SMTP (stdlib ``smtplib``): a plain-text part and an HTML part, STARTTLS or SSL, login."""

from __future__ import annotations

import html
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from monitor.alerting.channels import DeliveryError, Message
from monitor.alerting.channels.render import message_facts, site_url, source_tags, subject_line, text_body
from monitor.config import SmtpTarget

__all__ = ["EmailChannel", "build_email", "html_body"]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _link(url: str, text: str) -> str:
    # Only web links become anchors: a feed could carry a javascript: URL.
    if url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}">{_e(text)}</a>'
    return _e(text)


def _html_source(source: Mapping[str, Any]) -> str:
    when = str(source.get("published_at") or "")[:16].replace("T", " ")
    title = _link(str(source.get("url") or ""), str(source.get("title") or "(untitled)"))
    return f"<li>[{_e(source_tags(source))}] {title} ({_e(source.get('source') or '')}, {_e(when)})</li>"


def _html_alert(alert: Mapping[str, Any], facts: list[tuple[str, str]], base_url: str | None) -> str:
    parts = [f"<h2>{_e(alert.get('title') or '')}</h2>", f"<p>{_e(alert.get('summary') or '')}</p>"]
    details = alert.get("details") or {}
    if alert.get("kind") == "digest":
        halted = details.get("halted") or []
        if halted:
            rows = "".join(f"<li>{_e(h['title'])} (since {_e(h.get('since'))})</li>" for h in halted)
            parts.append(f"<h3>Sites halted</h3><ul>{rows}</ul>")
        items = details.get("alerts") or []
        if items:
            rows = "".join(f"<li>{_e(i['at'][:16].replace('T', ' '))} {_e(i['title'])} "
                           f"[{_e(i['status'])}]</li>" for i in items)  # fmt: skip
            parts.append(f"<h3>Alerts of the last 24 hours</h3><ul>{rows}</ul>")
        return "".join(parts)
    if facts:
        rows = "".join(f"<tr><th align='left'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
        parts.append(f"<table>{rows}</table>")
    sources = alert.get("sources") or []
    if sources:
        rows = "".join(_html_source(s) for s in sources)
        parts.append(f"<h3>Sources</h3><ul>{rows}</ul>")
    link = site_url(base_url, (alert.get("site") or {}).get("id"))
    if link:
        parts.append(f"<p>{_link(link, 'Open the site page')}</p>")
    return "".join(parts)


def html_body(alerts: Sequence[Mapping[str, Any]], base_url: str | None) -> str:
    """The HTML part: every value from a feed is escaped."""
    body = "<hr>".join(
        _html_alert(a, facts, base_url) for a, facts in zip(alerts, message_facts(alerts), strict=True)
    )
    return f"<!DOCTYPE html><html><body>{body}</body></html>"


def build_email(message: Message, sender: str, recipients: Sequence[str], prefix: str) -> EmailMessage:
    """The e-mail for a message; its Message-ID is derived from the message key, so retries keep it."""
    mail = EmailMessage()
    mail["Subject"] = f"{prefix} {subject_line(message.alerts)}".strip()
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = format_datetime(message.sent_at)
    mail["Message-ID"] = f"<{message.key}@minewatch>"
    mail.set_content(text_body(message.alerts, message.base_url))
    mail.add_alternative(html_body(message.alerts, message.base_url), subtype="html")
    return mail


class EmailChannel:
    """Send each message as one e-mail to every recipient."""

    name = "email"

    def __init__(
        self, target: SmtpTarget, sender: str, recipients: Sequence[str], prefix: str, timeout_s: float
    ) -> None:
        self.target = target
        self.sender = sender
        self.recipients = tuple(recipients)
        self.prefix = prefix
        self.timeout_s = timeout_s

    def send(self, message: Message) -> None:
        mail = build_email(message, self.sender, self.recipients, self.prefix)
        t = self.target
        try:
            smtp: smtplib.SMTP
            if t.ssl:
                smtp = smtplib.SMTP_SSL(t.host, t.port, timeout=self.timeout_s,
                                        context=ssl.create_default_context())  # fmt: skip
            else:
                smtp = smtplib.SMTP(t.host, t.port, timeout=self.timeout_s)
            with smtp:
                if t.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if t.username:
                    smtp.login(t.username, t.password.get_secret_value() if t.password else "")
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp {t.host}:{t.port}: {type(exc).__name__}: {exc}") from None
