"""``minewatch doctor``: every problem with this installation, listed at once, each with what to do.

Checks, in order: the environment (secret files), the config file, the database (reachable), the schema
(initialised, current), the score history an import left to later, a SQLite file's free pages (worth a
``VACUUM`` after an upgrade), the site registry (bundled and the user's CSVs), each enabled feed
(credentials, and an HTTP request to its endpoint) and the alert channels (configured or not). A check
that depends on an earlier one that failed is reported as skipped rather than failing twice for one cause.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import httpx
import sqlalchemy as sa

from monitor import sites
from monitor.config import HttpSettings, Settings, alert_targets_from_env, config_path, load_settings
from monitor.domain import CHANNELS, notice_feed
from monitor.environment import resolve_environment
from monitor.errors import MinewatchError
from monitor.pipeline import OWED_HISTORY_HINT, Pipeline
from monitor.reads import space
from monitor.store import Store, safe_url

__all__ = ["Finding", "diagnose"]

Status = Literal["ok", "warn", "fail", "skipped"]

#: Where each channel's endpoint comes from, for the hint when it is missing.
_CHANNEL_ENV = {
    "email": "MINEWATCH_SMTP_URL and MINEWATCH_ALERT_EMAIL_TO",
    "slack": "MINEWATCH_SLACK_WEBHOOK_URL",
    "webhook": "MINEWATCH_WEBHOOK_URL",
}


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ``detail`` says what was found and, when not ok, what to do."""

    check: str
    status: Status
    detail: str


def diagnose(
    config: Path | None,
    environ: Mapping[str, str],
    now: Callable[[], datetime],
    client_for: Callable[[HttpSettings], httpx.Client],
) -> list[Finding]:
    """Run every check; never raises for a problem it can name."""
    findings: list[Finding] = []
    try:
        env = resolve_environment(environ)
        findings.append(Finding("environment", "ok", "secrets readable (NAME or NAME_FILE)"))
    except MinewatchError as exc:
        findings.append(Finding("environment", "fail", str(exc)))
        env = dict(environ)
    try:
        settings = load_settings(config, env)
        findings.append(Finding("config", "ok", str(config_path(config, env) or "defaults")))
    except MinewatchError as exc:
        findings.append(Finding("config", "fail", str(exc)))
        return [*findings, *(Finding(c, "skipped", "the config is invalid") for c in _AFTER_CONFIG)]
    findings += _store_checks(settings, now)
    findings += _sites_check(settings, now)
    with client_for(settings.http) as client:
        findings += _feed_checks(settings, client)
    findings += _channel_checks(settings, env)
    return findings


_AFTER_CONFIG = ("database", "schema", "sites", "feeds", "channels")


def _store_checks(settings: Settings, now: Callable[[], datetime]) -> list[Finding]:
    url = settings.database.url
    try:
        store = Store.from_url(url)
        with store.engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except (MinewatchError, sa.exc.SQLAlchemyError) as exc:
        why = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return [Finding("database", "fail", why), Finding("schema", "skipped", "no database")]
    try:
        findings = [Finding("database", "ok", safe_url(url))]
        try:
            store.check_schema()
            findings.append(Finding("schema", "ok", "initialised and current"))
        except MinewatchError as exc:
            findings.append(Finding("schema", "fail", str(exc)))
            return findings
        findings.append(_history_finding(Pipeline(store, settings, now).owed_days()))
        files = space.file_space(store)
        if files is not None:
            findings.append(_space_finding(files))
        return findings
    finally:
        store.engine.dispose()


def _history_finding(owed: list[date]) -> Finding:
    """The days of score history an import left to later (``Pipeline.owed_days``), and what scores them."""
    if not owed:
        return Finding("score history", "ok", "every day an import touched is scored")
    return Finding(
        "score history", "warn", f"{len(owed)} days owed ({owed[0]} to {owed[-1]}): {OWED_HISTORY_HINT}"
    )


def _space_finding(files: space.FileSpace) -> Finding:
    """The SQLite file's size, and how to give its free pages back when they are worth it."""
    mb = f"{files.file_mb:,.0f} MB, {files.free_mb:,.0f} MB of it free pages"
    if not files.worth_vacuum:
        return Finding("disk", "ok", mb)
    how = "to give them back, stop the scheduler and run `minewatch vacuum` once"
    return Finding("disk", "warn", f"{mb} (left by an upgrade or deleted rows); {how}")


def _sites_check(settings: Settings, now: Callable[[], datetime]) -> list[Finding]:
    findings = []
    if settings.sites.bundled:
        bundled = sites.load_bundled(now())
        findings.append(Finding("sites (bundled)", "ok", f"{len(bundled.rows)} sites"))
    for path in settings.sites.extra_csv:
        try:
            parsed = sites.parse_sites_csv(path.read_text(encoding="utf-8-sig"), origin="user", now=now())
        except OSError as exc:
            findings.append(Finding(f"sites {path}", "fail", exc.strerror or str(exc)))
            continue
        except MinewatchError as exc:
            findings.append(Finding(f"sites {path}", "fail", str(exc)))
            continue
        if parsed.errors:
            first = parsed.errors[0]
            bad = f"{len(parsed.errors)} bad rows (first: {first.ref}: {first.reason})"
            findings.append(Finding(f"sites {path}", "warn", f"{len(parsed.rows)} sites, {bad}"))
        else:
            findings.append(Finding(f"sites {path}", "ok", f"{len(parsed.rows)} sites"))
    return findings


def _feed_endpoints(settings: Settings) -> dict[str, str]:
    """Per enabled feed, the URL a collector first asks (the probe asks it too)."""
    feeds = settings.feeds
    urls: dict[str, str] = {}
    if feeds.acled.enabled:
        urls["acled"] = feeds.acled.base_url
    if feeds.gdelt.enabled:
        urls["gdelt"] = feeds.gdelt.lastupdate_url
    if feeds.ucdp.enabled:
        urls["ucdp"] = feeds.ucdp.base_url
    for feed in feeds.notices.active():  # the catalogue's switched-on feeds and your own
        urls[notice_feed(feed.name)] = feed.url
    return urls


def _missing_credentials(settings: Settings, feed: str) -> str:
    if feed == "acled" and not (settings.feeds.acled.username and settings.feeds.acled.password):
        return "set MINEWATCH_ACLED_USERNAME and MINEWATCH_ACLED_PASSWORD (or their _FILE variants)"
    if feed == "ucdp" and not settings.feeds.ucdp.token:
        return "set MINEWATCH_UCDP_TOKEN (or its _FILE variant)"
    return ""


def _feed_checks(settings: Settings, client: httpx.Client) -> list[Finding]:
    endpoints = _feed_endpoints(settings)
    if not endpoints:
        return [Finding("feeds", "warn", "no feed is enabled: `minewatch run` would have nothing to collect")]
    findings = []
    for feed, url in endpoints.items():
        missing = _missing_credentials(settings, feed)
        if missing:
            findings.append(Finding(f"feed {feed}", "fail", f"no credentials: {missing}"))
            continue
        shown = safe_url(url) if "@" in url else url.split("?")[0]
        try:
            response = client.get(url)
        except httpx.HTTPError as exc:
            findings.append(Finding(f"feed {feed}", "fail", f"{shown}: {type(exc).__name__}: {exc}"))
            continue
        status: Status = "ok" if response.status_code < 500 else "fail"
        findings.append(Finding(f"feed {feed}", status, f"{shown}: HTTP {response.status_code}"))
    return findings


def _channel_checks(settings: Settings, env: Mapping[str, str]) -> list[Finding]:
    try:
        targets = alert_targets_from_env(env)
    except MinewatchError as exc:
        return [Finding("channels", "fail", str(exc))]
    configured = {
        "email": targets.smtp is not None and bool(targets.email_to),
        "slack": targets.slack_url is not None,
        "webhook": bool(targets.webhook_url),
    }
    enabled = {name: getattr(settings.alerts, name).enabled for name in CHANNELS}
    findings = []
    for name in CHANNELS:
        if configured[name] and enabled[name]:
            findings.append(
                Finding(f"channel {name}", "ok", "configured (`minewatch alerts --test` sends one)")
            )
        elif configured[name]:
            findings.append(
                Finding(f"channel {name}", "warn", f"configured but alerts.{name}.enabled is false")
            )
    if not any(f.status == "ok" for f in findings):
        hint = "; ".join(f"{name}: {_CHANNEL_ENV[name]}" for name in CHANNELS)
        findings.append(Finding("channels", "warn", f"none configured: alerts are stored, not sent ({hint})"))
    return findings
