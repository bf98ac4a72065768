"""One alert tick: read what changed -> rules -> ``decide`` -> outbox -> channels. The scheduler and
``minewatch alerts`` both call ``alert_tick``.

What is "new" is measured from the ``alerts:evaluated_at`` watermark (minus an overlap, since the
fingerprint makes re-evaluating harmless): sites whose scores were recomputed or that got notices since,
and events first seen since. Only what happened in the last ``alerts.lookback_days`` raises alerts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pandas as pd
import sqlalchemy as sa

from monitor import geo, models, sites
from monitor.alerting import outbox
from monitor.alerting import rules as alert_rules
from monitor.alerting.channels import Channel
from monitor.alerting.channels.email import EmailChannel
from monitor.alerting.channels.render import subject_line, text_body
from monitor.alerting.channels.slack import SlackChannel
from monitor.alerting.channels.webhook import WebhookChannel
from monitor.alerting.decide import Candidate, Decision, Policy, decide
from monitor.config import AlertTargets, Settings, alert_targets_from_env
from monitor.domain import CHANNELS, EVACUATION_KIND, HALTING_KINDS, RESUMING_KIND, STOPPED_STATUSES
from monitor.store import Store, naive_utc

__all__ = ["WATERMARK", "AlertReport", "Preview", "alert_tick", "build_channels", "evaluate", "report_lines"]

log = logging.getLogger(__name__)

WATERMARK = "alerts:evaluated_at"
#: Re-read this much before the watermark: a score written by another process just before our last
#: tick may have committed just after it; the fingerprint makes reading it twice harmless.
OVERLAP = timedelta(minutes=15)
SCORE = models.Score.__table__  # type: ignore[attr-defined]
NOTICE = models.Notice.__table__  # type: ignore[attr-defined]
NOTICE_SITE = models.NoticeSite.__table__  # type: ignore[attr-defined]
EVENT = models.Event.__table__  # type: ignore[attr-defined]
EXPOSURE = models.Exposure.__table__  # type: ignore[attr-defined]
FEEDRUN = models.FeedRun.__table__  # type: ignore[attr-defined]
_ALERT_KINDS_OF_NOTICES = (*HALTING_KINDS, RESUMING_KIND, EVACUATION_KIND)


@dataclass(frozen=True)
class Preview:
    """A message a dry run would send."""

    channel: str
    subject: str
    text: str


@dataclass
class AlertReport:
    """What one tick did: the alerts it raised or held back, and per channel sent / failed / pending."""

    evaluated_at: datetime
    dry_run: bool = False
    alerts: list[dict[str, Any]] = field(default_factory=list)
    suppressed: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    silenced: list[dict[str, Any]] = field(default_factory=list)
    updated: int = 0
    channels: dict[str, outbox.ChannelResult] = field(default_factory=dict)
    previews: list[Preview] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(r.sent for r in self.channels.values())

    @property
    def pending(self) -> int:
        return sum(r.pending for r in self.channels.values())


# ---- reading the store ------------------------------------------------------------------------------------
def _frame(store: Store, query: sa.Select[Any]) -> pd.DataFrame:
    """A Core query as a DataFrame (column types decoded by SQLAlchemy, the same on SQLite and PostgreSQL)."""
    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _touched(store: Store, since: datetime | None, start: date, today: date) -> set[str] | None:
    """Sites with scores recomputed or notices stored since ``since`` (None: every site)."""
    if since is None:
        return None
    scored = sa.select(SCORE.c.site_id).where(
        SCORE.c.computed_at >= since, SCORE.c.date >= start, SCORE.c.date <= today
    )
    noticed = (
        sa.select(NOTICE_SITE.c.site_id)
        .join(NOTICE, NOTICE.c.id == NOTICE_SITE.c.notice_id)
        .where(NOTICE.c.first_seen_at >= since)
    )
    with store.engine.connect() as conn:
        return {str(s) for s in conn.execute(sa.union(scored, noticed)).scalars()}


def _scores(store: Store, first: date, today: date, only: set[str] | None) -> pd.DataFrame:
    query = sa.select(
        SCORE.c.site_id, SCORE.c.date, SCORE.c.status, SCORE.c.level, SCORE.c.risk, SCORE.c.conflict,
        SCORE.c.route, SCORE.c.notice,
    ).where(SCORE.c.date >= first, SCORE.c.date <= today)  # fmt: skip
    frame = _frame(store, query)
    if only is not None:
        frame = frame[frame["site_id"].isin(only)]
    return frame.sort_values(["site_id", "date"]).reset_index(drop=True)


def _halted_since(store: Store, scores: pd.DataFrame) -> dict[str, date]:
    """For sites already halted on their first row: the day that halt began (searched further back)."""
    if scores.empty:
        return {}
    first = scores.groupby("site_id").head(1)
    halted = first[first["status"] == "halted"]
    if halted.empty:
        return {}
    day = halted["date"].min()
    not_halted = sa.case((SCORE.c.status != "halted", SCORE.c.date))
    query = (
        sa.select(SCORE.c.site_id, sa.func.max(not_halted).label("last_ok"), sa.func.min(SCORE.c.date))
        .where(SCORE.c.site_id.in_(list(halted["site_id"])), SCORE.c.date < day)
        .group_by(SCORE.c.site_id)
    )
    with store.engine.connect() as conn:
        earlier = {r[0]: (r[1], r[2]) for r in conn.execute(query).all()}
    registry = _registry_stops(store, list(halted["site_id"]))
    out = {}
    for site_id, first_day in zip(halted["site_id"], halted["date"], strict=True):
        last_ok, oldest = earlier.get(site_id, (None, None))
        if isinstance(last_ok, str):  # an aggregate over a CASE may come back untyped on SQLite
            last_ok = date.fromisoformat(last_ok[:10])
        since = last_ok + timedelta(days=1) if last_ok else (oldest or first_day)
        # A stop the registry dates (e.g. a mine closed in 2024) began then, not on the first scored day.
        stopped = registry.get(str(site_id))
        out[str(site_id)] = stopped if last_ok is None and stopped and stopped < since else since
    return out


def _registry_stops(store: Store, site_ids: list[str]) -> dict[str, date]:
    """The registry's ``status_since`` of the listed sites whose registry status is a stop."""
    site = models.Site.__table__  # type: ignore[attr-defined]
    query = sa.select(site.c.id, site.c.status_since).where(
        site.c.id.in_(site_ids),
        site.c.status.in_(sorted(STOPPED_STATUSES)),
        site.c.status_since.is_not(None),
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return {str(r[0]): r[1] if isinstance(r[1], date) else date.fromisoformat(str(r[1])[:10]) for r in rows}


def _notices(store: Store, start: datetime, now: datetime, min_confidence: float) -> pd.DataFrame:
    query = (
        sa.select(
            NOTICE.c.id.label("notice_id"), NOTICE_SITE.c.site_id, NOTICE.c.kind, NOTICE.c.confidence,
            NOTICE.c.known_at, NOTICE.c.source, NOTICE.c.title, NOTICE.c.url, NOTICE.c.language,
        )
        .join(NOTICE, NOTICE.c.id == NOTICE_SITE.c.notice_id)
        .where(
            NOTICE.c.kind.in_(_ALERT_KINDS_OF_NOTICES), NOTICE.c.confidence >= min_confidence,
            NOTICE.c.known_at >= start, NOTICE.c.known_at <= now,
        )
    )  # fmt: skip
    frame = _frame(store, query)
    frame["known_at"] = pd.to_datetime(frame["known_at"])
    return frame


def _exposures(
    store: Store, settings: Settings, site_frame: pd.DataFrame, allowed: Collection[str], start: date,
    today: date, now: datetime,
) -> pd.DataFrame:  # fmt: skip
    """Exposures of events that may count as front-line (filtered again by the pure rule), with the
    distance from each event to its mine."""
    rule = settings.alerts.rules.front_line
    sub_types = [s.strip().lower() for s in rule.sub_types]
    query = (
        sa.select(
            EXPOSURE.c.event_id, EXPOSURE.c.site_id, EXPOSURE.c.via, EXPOSURE.c.distance_km, EVENT.c.source,
            EVENT.c.source_id, EVENT.c.event_date, EVENT.c.known_at, EVENT.c.first_seen_at, EVENT.c.type,
            EVENT.c.sub_type, EVENT.c.fatalities, EVENT.c.lat, EVENT.c.lon, EVENT.c.location, EVENT.c.url,
        )
        .join(EVENT, EVENT.c.id == EXPOSURE.c.event_id)
        .where(
            EVENT.c.event_date >= start, EVENT.c.event_date <= today, EVENT.c.known_at <= now,
            sa.or_(
                sa.and_(EVENT.c.type == "battles", EVENT.c.fatalities >= rule.min_fatalities),
                sa.func.lower(EVENT.c.sub_type).in_(sub_types),
            ),
        )
    )  # fmt: skip
    if len(allowed) <= 500:
        query = query.where(EXPOSURE.c.site_id.in_(sorted(allowed)))
    frame = _frame(store, query)
    where = site_frame.set_index("id")[["lat", "lon"]]
    site_lat = frame["site_id"].map(where["lat"]).to_numpy(float)
    site_lon = frame["site_id"].map(where["lon"]).to_numpy(float)
    frame["site_km"] = geo.haversine_km(
        frame["lat"].to_numpy(float), frame["lon"].to_numpy(float), site_lat, site_lon
    )
    frame["site_km"] = np.where(np.isnan(frame["site_km"]), frame["distance_km"], frame["site_km"])
    return frame


def _feed_runs(store: Store, feeds: list[str]) -> pd.DataFrame:
    """Per feed: first run, last ok run, and the newest run's status and error."""
    ok_end = sa.case((FEEDRUN.c.status == "ok", FEEDRUN.c.finished_at))
    summary = _frame(
        store,
        sa.select(
            FEEDRUN.c.feed, sa.func.min(FEEDRUN.c.started_at).label("first_run"),
            sa.func.max(ok_end).label("last_ok"), sa.func.max(FEEDRUN.c.id).label("last_id"),
        ).where(FEEDRUN.c.feed.in_(feeds)).group_by(FEEDRUN.c.feed),
    )  # fmt: skip
    if summary.empty:
        return summary
    latest = _frame(
        store,
        sa.select(FEEDRUN.c.id, FEEDRUN.c.status, FEEDRUN.c.error).where(
            FEEDRUN.c.id.in_([int(i) for i in summary["last_id"]])
        ),
    )
    merged = summary.merge(latest, left_on="last_id", right_on="id", how="left")
    merged["last_ok"] = pd.to_datetime(merged["last_ok"])
    merged["first_run"] = pd.to_datetime(merged["first_run"])
    return merged.rename(columns={"status": "last_status", "error": "last_error"})


def evaluate(store: Store, settings: Settings, now: datetime, since: datetime | None) -> list[Candidate]:
    """Run every enabled rule over what is new since ``since`` (None: the whole lookback window)."""
    cfg = settings.alerts
    rules = cfg.rules
    today = now.date()
    window_start = today - timedelta(days=cfg.lookback_days)
    site_frame = sites.sites_frame(store)
    info = alert_rules.site_info(site_frame)

    def scope(rule: Any) -> set[str]:
        return alert_rules.in_scope(site_frame, rule.scope, cfg.watchlist) if rule.enabled else set()

    out: list[Candidate] = []
    halts, resumes, levels = scope(rules.halt), scope(rules.resume), scope(rules.level)
    if halts or resumes or levels:
        only = _touched(store, since, window_start, today)
        scores = _scores(store, window_start - timedelta(days=1), today, only)
        halted_since = _halted_since(store, scores)
        earliest = min([window_start, *halted_since.values()])
        notices = _notices(store, datetime.combine(earliest, datetime.min.time()), now,
                           settings.scoring.min_notice_confidence)  # fmt: skip
        if only is not None:
            notices = notices[notices["site_id"].isin(only)]
        if halts or resumes:
            timeline = alert_rules.extend_with_notices(scores, notices)
            out += alert_rules.halt_candidates(
                timeline, halted_since, notices, info, halts=halts, resumes=resumes,
                window_start=window_start, today=today,
            )  # fmt: skip
        if levels:
            out += alert_rules.level_candidates(
                scores, info, allowed=levels, levels=rules.level.levels, window_start=window_start
            )
    front = scope(rules.front_line)
    if front:
        history_start = today - timedelta(days=max(rules.front_line.history_days, cfg.lookback_days))
        exposures = _exposures(store, settings, site_frame, front, history_start, today, now)
        new_ids = None
        if since is not None:
            new_ids = set(exposures.loc[pd.to_datetime(exposures["first_seen_at"]) >= since, "event_id"])
        out += alert_rules.front_line_candidates(
            exposures, info, rule=rules.front_line, allowed=front, new_event_ids=new_ids,
            window_start=window_start,
        )  # fmt: skip
    if rules.feed_stale.enabled:
        feeds = list(settings.feeds.enabled())
        if feeds:
            out += alert_rules.stale_feed_candidates(
                _feed_runs(store, feeds), feeds, rules.feed_stale.hours, now
            )
    return out


# ---- channels ---------------------------------------------------------------------------------------------
def build_channels(
    settings: Settings, targets: AlertTargets, http: httpx.Client, sleep: Callable[[float], None]
) -> dict[str, Channel]:
    """The channels that are both enabled in config and configured in the environment."""
    cfg = settings.alerts
    wait = cfg.retry.max_wait_seconds
    out: dict[str, Channel] = {}
    if cfg.email.enabled and targets.smtp is not None and targets.email_to:
        out["email"] = EmailChannel(
            targets.smtp, targets.email_from, targets.email_to, cfg.email.subject_prefix, cfg.email.timeout_s
        )
    if cfg.slack.enabled and targets.slack_url is not None:
        out["slack"] = SlackChannel(http, targets.slack_url.get_secret_value(), sleep, wait)
    if cfg.webhook.enabled and targets.webhook_url:
        secret = targets.webhook_secret.get_secret_value() if targets.webhook_secret else None
        out["webhook"] = WebhookChannel(http, targets.webhook_url, secret, sleep, wait)
    return {name: out[name] for name in CHANNELS if name in out}


# ---- the tick ---------------------------------------------------------------------------------------------
def _since(store: Store) -> datetime | None:
    value = store.get_watermark(WATERMARK)
    return datetime.fromisoformat(value) - OVERLAP if value else None


def _previews(
    decision: Decision, pending: list[outbox.Due], channels: Collection[str], base: str | None
) -> list[Preview]:
    """What a dry run would send: each new message on each channel, and each due retry."""
    payloads = [tuple(c.payload() for c in n.alerts) for n in decision.notifications]
    out = [
        Preview(ch, subject_line(p), text_body(p, base))
        for p in payloads
        for ch in (channels or ["(no channel configured)"])
    ]
    out += [
        Preview(d.channel, "retry: " + subject_line(d.alerts), text_body(d.alerts, base)) for d in pending
    ]
    return out


def alert_tick(
    store: Store,
    settings: Settings,
    env: Mapping[str, str],
    now: Callable[[], datetime] | datetime,
    http: httpx.Client,
    *,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> AlertReport:
    """Evaluate the rules over what is new, decide, store the alerts, then send every due delivery.

    A dry run reads only: it reports what would be stored and sent, and writes and sends nothing.
    ``now`` is a clock (or one instant). Raises ConfigError when an alert environment variable is malformed.
    """
    targets = alert_targets_from_env(env)
    at = naive_utc(now() if callable(now) else now)
    report = AlertReport(evaluated_at=at, dry_run=dry_run)
    channels = build_channels(settings, targets, http, sleep)
    decision = Decision()
    if settings.alerts.enabled:
        since = _since(store)
        candidates = evaluate(store, settings, at, since)
        policy = Policy.from_settings(settings.alerts)
        recent = max(policy.repeat, timedelta(hours=24))
        state = outbox.load_state(store.engine, {c.fingerprint for c in candidates}, at, recent)
        decision = decide(candidates, state, policy, at)
    report.alerts = [c.payload() for c in decision.notified]
    report.suppressed = [(c.payload(), why) for c, why in decision.suppressed]
    report.silenced = [c.payload() for c in decision.silenced]
    report.updated = len(decision.updated)
    if dry_run:
        pending = outbox.due(store.engine, channels, at)
        report.previews = _previews(decision, pending, list(channels), targets.base_url)
        return report
    outbox.record(store.engine, decision, list(channels), at)
    if settings.alerts.enabled:
        store.set_watermark(WATERMARK, at.isoformat(), at)
    report.channels = outbox.deliver(store.engine, channels, at, settings.alerts.retry, targets.base_url)
    for name, result in report.channels.items():
        for error in result.errors:
            log.warning("alert delivery on %s failed (stays pending): %s", name, error)
    return report


def report_lines(report: AlertReport) -> list[str]:
    """The report as the CLI prints it: alerts, held-back ones, per-channel outcome, what stays pending."""
    lines = ["dry run: nothing is sent or stored"] if report.dry_run else []
    lines += [f"alert {a['kind']} {a['subject'] or '-'}: {a['title']}" for a in report.alerts]
    lines += [
        f"held back {a['kind']} {a['subject'] or '-'}: {a['title']} ({why})" for a, why in report.suppressed
    ]
    lines += [f"silenced {a['kind']} {a['subject'] or '-'}: {a['title']}" for a in report.silenced]
    if report.dry_run:
        for p in report.previews:
            lines += [f"--- would send on {p.channel}: {p.subject}", p.text.rstrip()]
    for name, r in report.channels.items():
        line = f"{name}: {r.sent} sent, {r.failed} failed, {r.pending} pending"
        if r.pending and r.next_attempt_at is not None:
            line += f" (stays pending, next attempt at {r.next_attempt_at.isoformat(timespec='seconds')}Z)"
        lines.append(line)
        lines += [f"{name}: delivery failed: {e}" for e in r.errors]
    if not report.dry_run and not report.channels:
        lines.append(
            "no alert channel configured (MINEWATCH_SMTP_URL + MINEWATCH_ALERT_EMAIL_TO, "
            "MINEWATCH_SLACK_WEBHOOK_URL, MINEWATCH_WEBHOOK_URL): alerts are stored, not sent"
        )
    new, held = len(report.alerts), len(report.suppressed)
    lines.append(f"{new} new alert(s), {held} held back, {report.updated} updated")
    return lines
