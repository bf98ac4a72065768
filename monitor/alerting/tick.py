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

from monitor import geo, reads, sites
from monitor.alerting import evidence, outbox
from monitor.alerting import rules as alert_rules
from monitor.alerting.channels import Channel
from monitor.alerting.channels.email import EmailChannel
from monitor.alerting.channels.render import subject_line, text_body
from monitor.alerting.channels.slack import SlackChannel
from monitor.alerting.channels.webhook import WebhookChannel
from monitor.alerting.decide import Candidate, Decision, Policy, decide
from monitor.config import AlertTargets, Settings, alert_targets_from_env
from monitor.dialect import naive_utc
from monitor.distances import with_distances
from monitor.domain import (
    CHANNELS,
    EVACUATION_KIND,
    EXPORT_HALT_KIND,
    HALT_EPISODE_STATUSES,
    HALTING_KINDS,
    RESUMING_KIND,
    weighed_kind,
)
from monitor.net.http import Limits
from monitor.reads.known import Known
from monitor.store import Store

__all__ = ["WATERMARK", "AlertReport", "Preview", "alert_tick", "build_channels", "evaluate", "report_lines"]

log = logging.getLogger(__name__)

WATERMARK = "alerts:evaluated_at"
#: Re-read this much before the watermark: a score written by another process just before our last
#: tick may have committed just after it; the fingerprint makes reading it twice harmless.
OVERLAP = timedelta(minutes=15)
#: Notice kinds that may raise or explain an alert.
_ALERT_KINDS_OF_NOTICES = frozenset({*HALTING_KINDS, RESUMING_KIND, EVACUATION_KIND})


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
def _touched(
    store: Store,
    since: datetime | None,
    start: date,
    today: date,
    held: reads.scores.HeldDays | None,
    first: date,
) -> set[str] | None:
    """Sites with scores recomputed or notices stored since ``since`` (None: every site); ``held`` and
    ``first``: the lookback's scores as ``_scores`` reads them, from ``first``."""
    if since is None:
        return None
    recomputed = reads.scores.recomputed_since(store, since, start, today, held, held_from=first)
    return None if recomputed is None else recomputed | reads.notices.sites_noticed_since(store, since)


def _scores(
    store: Store, first: date, today: date, only: set[str] | None, held: reads.scores.HeldDays | None
) -> pd.DataFrame:
    frame = reads.scores.of_days(store, first, today, only, held)
    return frame.sort_values(["site_id", "date"]).reset_index(drop=True)


def _halted_since(store: Store, scores: pd.DataFrame) -> dict[str, date]:
    """For sites already halted on their first row: the day that halt began (searched further back)."""
    if scores.empty:
        return {}
    first = scores.groupby("site_id").head(1)
    halted = first[first["status"].isin(HALT_EPISODE_STATUSES)]
    if halted.empty:
        return {}
    site_ids = [str(s) for s in halted["site_id"]]
    earlier = reads.scores.last_operating_before(store, site_ids, halted["date"].min())
    registry = reads.sites.stopped_since(store, site_ids)
    out = {}
    for site_id, first_day in zip(site_ids, halted["date"], strict=True):
        last_ok, oldest = earlier.get(site_id, (None, None))
        since = last_ok + timedelta(days=1) if last_ok else (oldest or first_day)
        # A stop the registry dates (e.g. a mine closed in 2024) began then, not on the first scored day.
        stopped = registry.get(site_id)
        out[site_id] = stopped if last_ok is None and stopped and stopped < since else since
    return out


def _exposures(
    store: Store, settings: Settings, site_frame: pd.DataFrame, allowed: Collection[str], start: date,
    today: date, now: datetime,
) -> pd.DataFrame:  # fmt: skip
    """Exposures to the ``allowed`` sites of events that may count as front-line (filtered again by the pure
    rule), with the distance from each event to its mine."""
    rule = settings.alerts.rules.front_line
    frame = reads.events.front_line_exposures(
        store, sites.reach(store, settings.matching), start, today, Known(by=now),
        min_fatalities=rule.min_fatalities, sub_types={s.strip().lower() for s in rule.sub_types},
    )  # fmt: skip
    frame = frame[frame["site_id"].isin(set(allowed))].reset_index(drop=True)
    where = site_frame.set_index("id")[["lat", "lon"]]
    site_lat = frame["site_id"].map(where["lat"]).to_numpy(float)
    site_lon = frame["site_id"].map(where["lon"]).to_numpy(float)
    frame["site_km"] = geo.haversine_km(
        frame["lat"].to_numpy(float), frame["lon"].to_numpy(float), site_lat, site_lon
    )
    frame["site_km"] = np.where(np.isnan(frame["site_km"]), frame["distance_km"], frame["site_km"])
    return frame


def _export_notices(store: Store, settings: Settings, window_start: date, now: datetime) -> pd.DataFrame:
    """Export-halt and resumption notices, all of them, of the sites with an export-halt notice public in
    the window: an episode is found from its first notice, however old."""
    confidence = settings.scoring.min_notice_confidence
    start = datetime.combine(window_start, datetime.min.time())
    fresh = reads.notices.of_kinds(store, {EXPORT_HALT_KIND}, confidence, start, Known(by=now))
    if fresh.empty:
        return fresh
    kinds = {EXPORT_HALT_KIND, RESUMING_KIND}
    every = reads.notices.of_kinds(store, kinds, confidence, datetime(1970, 1, 1), Known(by=now))
    return every[every["site_id"].isin(set(fresh["site_id"]))]


def _feed_runs(store: Store, feeds: list[str]) -> pd.DataFrame:
    """Per enabled feed that ran: first run, last ok finish, and the newest run's status and error."""
    runs = reads.feedruns.summary(store)
    runs = runs[runs["feed"].isin(feeds)].reset_index(drop=True)
    runs["last_ok"] = pd.to_datetime(runs["last_ok"])
    runs["first_run"] = pd.to_datetime(runs["first_run"])
    return runs


def _with_evidence(
    store: Store, settings: Settings, candidates: list[Candidate], now: datetime
) -> list[Candidate]:
    """Halt and level candidates with their evidence (``monitor.alerting.evidence``): the events of the
    scoring window before each alert's day, as known now, and the front line as scored that day."""
    wanted = [c for c in candidates if c.kind in evidence.EVIDENCE_KINDS and c.site]
    if not wanted:
        return candidates
    window = settings.scoring.window_days
    days = sorted({c.occurred_at.date() for c in wanted})
    site_ids = sorted({c.site_id for c in wanted})
    reach = sites.reach(store, settings.matching).of(site_ids)
    near = reads.events.near_sites(store, reach, days[0] - timedelta(days=window), days[-1], Known(by=now))
    near = with_distances(near, reads.sites.geometry(store, site_ids))
    fronts = {}
    for day in days:
        on_day = sorted({c.site_id for c in wanted if c.occurred_at.date() == day})
        for row in reads.scores.fronts(store, on_day, day).to_dict("records"):
            fronts[(str(row["site_id"]), day)] = row
    return evidence.with_evidence(candidates, near, fronts, window)


def evaluate(
    store: Store,
    settings: Settings,
    now: datetime,
    since: datetime | None,
    held: reads.scores.HeldDays | None = None,
) -> list[Candidate]:
    """Run every enabled rule over what is new since ``since`` (None: the whole lookback window); the
    lookback's scores read through ``held``, when given."""
    cfg = settings.alerts
    rules = cfg.rules
    today = now.date()
    window_start = today - timedelta(days=cfg.lookback_days)
    site_frame = sites.sites_frame(store)
    info = alert_rules.site_info(site_frame, sites.commodities_frame())

    covered: dict[str, set[str]] = {}  # the rules share two scopes: each worked out once

    def scope(rule: Any) -> set[str]:
        if not rule.enabled:
            return set()
        if rule.scope not in covered:
            covered[rule.scope] = alert_rules.in_scope(site_frame, rule.scope, cfg.watchlist)
        return covered[rule.scope]

    out: list[Candidate] = []
    halts, resumes, levels = scope(rules.halt), scope(rules.resume), scope(rules.level)
    if halts or resumes or levels:
        first = window_start - timedelta(days=1)
        only = _touched(store, since, window_start, today, held, first)
        scores = _scores(store, first, today, only, held)
        halted_since = _halted_since(store, scores)
        earliest = min([window_start, *halted_since.values()])
        notices = reads.notices.of_kinds(
            store, _ALERT_KINDS_OF_NOTICES, settings.scoring.min_notice_confidence,
            datetime.combine(earliest, datetime.min.time()), Known(by=now),
        )  # fmt: skip
        if only is not None:
            notices = notices[notices["site_id"].isin(only)]
        # A halt tied by a place only counts as a partial halt: no halt, no halt alert.
        weighed = [weighed_kind(k, m) for k, m in zip(notices["kind"], notices["matched_on"], strict=True)]
        notices = notices.assign(kind=weighed)
        notices = notices[notices["kind"].isin(_ALERT_KINDS_OF_NOTICES)]
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
        out = _with_evidence(store, settings, out, now)
    exports = scope(rules.export_halt)
    if exports:
        out += alert_rules.export_halt_candidates(
            _export_notices(store, settings, window_start, now), info, allowed=exports,
            gap_days=settings.scoring.halt_confirm_days, window_start=window_start, today=today,
        )  # fmt: skip
    front = scope(rules.front_line)
    if front:
        history_start = today - timedelta(days=max(rules.front_line.history_days, cfg.lookback_days))
        exposures = _exposures(store, settings, site_frame, front, history_start, today, now)
        new_ids = None
        if since is not None:
            new_ids = set(exposures.loc[pd.to_datetime(exposures["first_seen_at"]) >= since, "event_id"])
        fronts = reads.scores.fronts(store, sorted(set(exposures["site_id"].astype(str))), today)
        out += alert_rules.front_line_candidates(
            exposures, info, rule=rules.front_line, allowed=front, new_event_ids=new_ids,
            window_start=window_start, fronts=fronts,
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
    limits = Limits.of(settings.http)
    out: dict[str, Channel] = {}
    if cfg.email.enabled and targets.smtp is not None and targets.email_to:
        if targets.smtp.insecure_login:
            log.warning(
                "MINEWATCH_SMTP_URL logs in to %s without TLS (insecure_login=true): the password crosses "
                "the network in clear; use ?starttls=true or smtps:// instead",
                targets.smtp.host,
            )
        out["email"] = EmailChannel(
            targets.smtp, targets.email_from, targets.email_to, cfg.email.subject_prefix, cfg.email.timeout_s
        )
    if cfg.slack.enabled and targets.slack_url is not None:
        out["slack"] = SlackChannel(http, targets.slack_url.get_secret_value(), sleep, wait, limits)
    if cfg.webhook.enabled and targets.webhook_url:
        secret = targets.webhook_secret.get_secret_value() if targets.webhook_secret else None
        out["webhook"] = WebhookChannel(http, targets.webhook_url, secret, sleep, wait, limits)
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
    held: reads.scores.HeldDays | None = None,
) -> AlertReport:
    """Evaluate the rules over what is new, decide, store the alerts, then send every due delivery.

    A dry run reads only: it reports what would be stored and sent, and writes and sends nothing.
    ``now`` is a clock (or one instant); ``held`` keeps the lookback's scores between the ticks of one
    process. Raises ConfigError when an alert environment variable is malformed.
    """
    targets = alert_targets_from_env(env)
    at = naive_utc(now() if callable(now) else now)
    report = AlertReport(evaluated_at=at, dry_run=dry_run)
    channels = build_channels(settings, targets, http, sleep)
    decision = Decision()
    if settings.alerts.enabled:
        since = _since(store)
        candidates = evaluate(store, settings, at, since, held)
        policy = Policy.from_settings(settings.alerts)
        recent = max(policy.repeat, timedelta(hours=24))
        state = outbox.load_state(store, {c.fingerprint for c in candidates}, at, recent)
        decision = decide(candidates, state, policy, at)
    report.alerts = [c.payload() for c in decision.notified]
    report.suppressed = [(c.payload(), why) for c, why in decision.suppressed]
    report.silenced = [c.payload() for c in decision.silenced]
    report.updated = len(decision.updated)
    if dry_run:
        pending = outbox.due(store, channels, at)
        report.previews = _previews(decision, pending, list(channels), targets.base_url)
        return report
    outbox.record(store, decision, list(channels), at)
    if settings.alerts.enabled:
        store.set_watermark(WATERMARK, at.isoformat(), at)
    report.channels = outbox.deliver(store, channels, at, settings.alerts.retry, targets.base_url)
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
