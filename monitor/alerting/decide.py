"""Alert identity and the decision what to send: ``decide(candidates, state, policy, now)``, a pure function.

Identity follows Alertmanager: an alert is the fingerprint of its identifying labels (kind, subject,
episode); annotations (sources, risk, details) are not identity, so the English press release and the
French site communique of one halt make one alert whose sources list both. The rules that produce
candidates are in ``monitor.alerting.rules``; storing and sending is ``monitor.alerting.outbox``.

``decide`` never reads a clock or a database: the caller passes what is already stored (``State``) and
``now``, and gets back what to store and what to send, grouped into messages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from monitor.config import AlertsSettings

__all__ = [
    "ALWAYS_SENT",
    "Candidate",
    "Decision",
    "Known",
    "Notification",
    "OpenGroup",
    "Policy",
    "SilenceRule",
    "State",
    "decide",
    "fingerprint",
    "source_key",
]

#: Kinds sent for every episode: the repeat interval never holds them back.
ALWAYS_SENT: frozenset[str] = frozenset({"halt", "resume", "export_halt", "digest"})
_DIGEST_SPAN = timedelta(hours=24)


def fingerprint(kind: str, subject: str, episode: str) -> str:
    """The identity of an alert: a hash of its identifying labels only."""
    return hashlib.sha256(f"{kind}\x1f{subject}\x1f{episode}".encode()).hexdigest()[:32]


def source_key(source: Mapping[str, Any]) -> str:
    """What makes two listed sources the same one (a notice's feed and its URL or title)."""
    return f"{source.get('source', '')}|{source.get('url') or source.get('title', '')}"


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@dataclass(frozen=True)
class Candidate:
    """Something a rule found that may deserve an alert: identifying labels plus annotations."""

    kind: str
    subject: str  # the site id, or the feed name of a stale-feed alert
    episode: str
    title: str
    summary: str
    occurred_at: datetime
    site: Mapping[str, Any] | None = None
    sources: tuple[Mapping[str, Any], ...] = ()
    risk: float | None = None
    level: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.kind, self.subject, self.episode)

    @property
    def site_id(self) -> str:
        return str(self.site["id"]) if self.site else ""

    def payload(self) -> dict[str, Any]:
        """The JSON stored with the alert; messages are rendered from it (also after a restart)."""
        return {
            "fingerprint": self.fingerprint,
            "kind": self.kind,
            "subject": self.subject,
            "episode": self.episode,
            "title": self.title,
            "summary": self.summary,
            "occurred_at": _naive(self.occurred_at).isoformat(timespec="seconds") + "Z",
            "site": dict(self.site) if self.site else None,
            "sources": [dict(s) for s in self.sources],
            "risk": self.risk,
            "level": self.level,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Known:
    """An alert already stored: enough of it to deduplicate, repeat-limit and digest."""

    fingerprint: str
    kind: str
    subject: str
    episode: str
    title: str
    created_at: datetime
    notified: bool
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenGroup:
    """A message not sent yet that new alerts may still join (inside the group window)."""

    key: str
    send_at: datetime
    size: int


@dataclass(frozen=True)
class State:
    """What the store already holds, as far as ``decide`` needs it."""

    known: tuple[Known, ...] = ()
    open_groups: tuple[OpenGroup, ...] = ()


@dataclass(frozen=True)
class SilenceRule:
    """Mute alerts of a subject and/or kind until a time (naive UTC)."""

    until: datetime
    subject: str | None = None
    kind: str | None = None

    def mutes(self, candidate: Candidate, now: datetime) -> bool:
        return (
            now < self.until
            and (self.subject is None or self.subject == candidate.subject)
            and (self.kind is None or self.kind == candidate.kind)
        )


@dataclass(frozen=True)
class Policy:
    """How ``decide`` treats candidates: repeat interval, group window, silences, digest."""

    repeat: timedelta = timedelta(hours=24)
    group_window: timedelta = timedelta(0)
    max_per_message: int = 20
    silences: tuple[SilenceRule, ...] = ()
    digest_hour: int | None = None
    min_advance_km: float = 5.0

    @classmethod
    def from_settings(cls, settings: AlertsSettings) -> Policy:
        return cls(
            repeat=timedelta(hours=settings.repeat_hours),
            group_window=timedelta(minutes=settings.group_window_minutes),
            max_per_message=settings.max_per_message,
            silences=tuple(
                SilenceRule(until=_naive(s.until), subject=s.site or None, kind=s.kind)
                for s in settings.silences
            ),
            digest_hour=settings.digest.hour if settings.digest.enabled else None,
            min_advance_km=settings.rules.front_line.min_advance_km,
        )


@dataclass(frozen=True)
class Notification:
    """One message per channel: the alerts it carries and when it may go out."""

    group_key: str
    send_at: datetime
    alerts: tuple[Candidate, ...]


@dataclass
class Decision:
    """What to store and send: new alerts (grouped), suppressed ones, and stored ones to update."""

    notifications: list[Notification] = field(default_factory=list)
    suppressed: list[tuple[Candidate, str]] = field(default_factory=list)
    silenced: list[Candidate] = field(default_factory=list)
    updated: list[tuple[Candidate, dict[str, Any]]] = field(default_factory=list)

    @property
    def notified(self) -> list[Candidate]:
        return [c for n in self.notifications for c in n.alerts]


def _merge(candidates: Iterable[Candidate]) -> list[Candidate]:
    """One candidate per fingerprint, listing every source any of them had."""
    merged: dict[str, Candidate] = {}
    for c in candidates:
        seen = merged.get(c.fingerprint)
        if seen is None:
            merged[c.fingerprint] = c
            continue
        keys = {source_key(s) for s in seen.sources}
        extra = tuple(s for s in c.sources if source_key(s) not in keys)
        merged[c.fingerprint] = replace(seen, sources=seen.sources + extra)
    return sorted(merged.values(), key=lambda c: (c.occurred_at, c.kind, c.subject, c.episode))


def _updated_payload(candidate: Candidate, known: Known) -> dict[str, Any] | None:
    """The stored payload with the candidate's annotations and every source of both; None if unchanged."""
    old = dict(known.payload)
    sources = list(old.get("sources") or [])
    keys = {source_key(s) for s in sources}
    sources += [dict(s) for s in candidate.sources if source_key(s) not in keys]
    new = {**candidate.payload(), "sources": sources}
    return None if new == old else new


def _escalates(candidate: Candidate, last: Known | Candidate, policy: Policy) -> bool:
    """Whether a repeat is worse than what was last sent (a higher level, a nearer front line)."""
    last_details = last.payload.get("details", {}) if isinstance(last, Known) else last.details
    if candidate.kind == "level":
        return int(candidate.details.get("rank", 0)) > int(last_details.get("rank", 0))
    if candidate.kind == "front_line":
        # Closer fighting, or a front line that has come closer, by at least the minimum advance.
        for key in ("distance_km", "front_km"):
            now_km, then_km = candidate.details.get(key), last_details.get(key)
            if (
                now_km is not None
                and then_km is not None
                and float(now_km) <= float(then_km) - policy.min_advance_km
            ):
                return True
        return False
    return False


def _group_key(now: datetime, members: Sequence[Candidate]) -> str:
    text = now.isoformat() + "".join(c.fingerprint for c in members)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _groups(to_send: list[Candidate], state: State, policy: Policy, now: datetime) -> list[Notification]:
    """Chunk new alerts into messages, first filling a still-open group of the group window."""
    out: list[Notification] = []
    rest = list(to_send)
    if policy.group_window > timedelta(0):
        open_groups = sorted((g for g in state.open_groups if g.send_at > now), key=lambda g: g.send_at)
        for group in open_groups:
            room = policy.max_per_message - group.size
            if room > 0 and rest:
                out.append(Notification(group.key, group.send_at, tuple(rest[:room])))
                rest = rest[room:]
    for start in range(0, len(rest), policy.max_per_message):
        members = rest[start : start + policy.max_per_message]
        out.append(Notification(_group_key(now, members), now + policy.group_window, tuple(members)))
    return out


def _digest(
    day: date, state: State, sent: Sequence[Candidate], suppressed: Sequence[Candidate],
    ongoing: Sequence[Candidate], now: datetime,
) -> Candidate | None:  # fmt: skip
    """The day's digest: the last 24 hours' alerts and the halts still going on; None on a quiet day."""
    items = [
        {"kind": k.kind, "subject": k.subject, "title": k.title, "status": "sent" if k.notified else "held",
         "at": k.created_at.isoformat(timespec="minutes") + "Z"}
        for k in state.known
        if k.kind != "digest" and k.created_at > now - _DIGEST_SPAN
    ] + [
        {"kind": c.kind, "subject": c.subject, "title": c.title, "status": status,
         "at": now.isoformat(timespec="minutes") + "Z"}
        for group, status in ((sent, "sent"), (suppressed, "held"))
        for c in group
    ]  # fmt: skip
    halted = [{"subject": c.subject, "title": c.title, "since": c.details.get("since")} for c in ongoing]
    if not items and not halted:
        return None
    summary = f"{len(items)} alert(s) in the last 24 hours; {len(halted)} site(s) halted."
    return Candidate(
        kind="digest",
        subject="",
        episode=day.isoformat(),
        title=f"Daily digest {day.isoformat()}",
        summary=summary,
        occurred_at=now,
        details={"alerts": items, "halted": halted},
    )


def decide(candidates: Iterable[Candidate], state: State, policy: Policy, now: datetime) -> Decision:
    """Decide which candidates become alerts, which are held back or muted, and group those to send."""
    now = _naive(now)
    candidates = _merge(candidates)
    known = {k.fingerprint: k for k in state.known}
    # The last alert sent per (kind, subject) inside the repeat window, including those decided just now.
    last_sent: dict[tuple[str, str], Known | Candidate] = {}
    for k in sorted(state.known, key=lambda k: k.created_at):
        if k.notified and k.created_at > now - policy.repeat:
            last_sent[(k.kind, k.subject)] = k
    decision = Decision()
    to_send: list[Candidate] = []
    for c in candidates:
        if c.kind == "digest":
            continue
        stored = known.get(c.fingerprint)
        if stored is not None:
            payload = _updated_payload(c, stored)
            if payload is not None:
                decision.updated.append((c, payload))
            continue
        if any(s.mutes(c, now) for s in policy.silences):
            decision.silenced.append(c)
            continue
        last = last_sent.get((c.kind, c.subject))
        if c.kind not in ALWAYS_SENT and last is not None and not _escalates(c, last, policy):
            hours = policy.repeat.total_seconds() / 3600
            decision.suppressed.append((c, f"repeat within {hours:g} h of alert {last.fingerprint[:12]}"))
            continue
        if c.kind == "front_line" and last is not None:
            last_details = last.payload.get("details", {}) if isinstance(last, Known) else last.details
            c = replace(c, details={**c.details, "last_sent_km": last_details.get("distance_km")})
        last_sent[(c.kind, c.subject)] = c
        to_send.append(c)
    decision.notifications = _groups(to_send, state, policy, now)
    if policy.digest_hour is not None and now.hour >= policy.digest_hour:
        day = now.date()
        done = any(k.kind == "digest" and k.episode == day.isoformat() for k in state.known)
        ongoing = [c for c in candidates if c.kind == "halt" and c.details.get("ongoing")]
        held = [c for c, _ in decision.suppressed]
        digest = None if done else _digest(day, state, to_send, held, ongoing, now)
        if digest is not None and not any(s.mutes(digest, now) for s in policy.silences):
            decision.notifications.append(Notification(_group_key(now, [digest]), now, (digest,)))
    return decision
