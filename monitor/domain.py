"""The domain's words, each defined once: notice kinds, site statuses, risk levels, alert kinds and statuses,
alert channels, event sources and types, feed-run statuses and feed names.

Each vocabulary is a ``Literal`` (what settings and type hints check against) with its tuple of values taken
from it, so a word is spelled here and nowhere else. Subsets with a meaning of their own (the kinds that halt
a site, the statuses under which it does not produce) sit beside their vocabulary. Nothing here imports from
minewatch: every layer may import it.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATUSES",
    "CHANNELS",
    "DEMO_FEED_PREFIX",
    "EVACUATION_KIND",
    "EVENT_SOURCES",
    "EVENT_TYPES",
    "FEEDBACK_TARGETS",
    "FEEDBACK_VERDICTS",
    "HALTING_KINDS",
    "HIGH_OR_WORSE",
    "LEVELS",
    "LEVEL_RANK",
    "MACHINE_CODED_SOURCES",
    "NOTICE_FEED_PREFIX",
    "NOTICE_KINDS",
    "OPERATING",
    "RESUMING_KIND",
    "RUN_STATUSES",
    "SITE_STATUSES",
    "SITE_VERDICT",
    "STOPPED_STATUSES",
    "UNSCORED",
    "VIAS",
    "AlertKind",
    "AlertLevel",
    "AlertStatus",
    "ChannelName",
    "EventSource",
    "EventType",
    "FeedbackTarget",
    "FeedbackVerdict",
    "Level",
    "NoticeKind",
    "RunStatus",
    "SiteStatus",
    "Via",
    "notice_feed",
]

# ---- notices ----
NoticeKind = Literal[
    "halt", "suspension", "force_majeure", "evacuation", "resumption", "guidance_cut", "none"
]
#: What an operator or news notice says about a site (``monitor.classify`` decides which).
NOTICE_KINDS: tuple[NoticeKind, ...] = get_args(NoticeKind)
#: Kinds that halt a site (when confident enough) until a resumption notice.
HALTING_KINDS: frozenset[str] = frozenset({"halt", "suspension", "force_majeure"})
#: The kind that lifts a halt.
RESUMING_KIND: NoticeKind = "resumption"
#: An evacuation: risk points while the site keeps producing, and an alert of its own.
EVACUATION_KIND: NoticeKind = "evacuation"

# ---- sites ----
SiteStatus = Literal["operating", "halted", "care_and_maintenance"]
#: A site's status, in the registry and in each day's score.
SITE_STATUSES: tuple[SiteStatus, ...] = get_args(SiteStatus)
#: The status of a site that is producing (the registry's default, and every quiet score's).
OPERATING: SiteStatus = "operating"
#: Statuses under which a site is not producing, whatever the news says.
STOPPED_STATUSES: frozenset[str] = frozenset({"halted", "care_and_maintenance"})

# ---- risk levels ----
Level = Literal["low", "elevated", "high", "critical", "halted"]
#: Risk levels from the mildest to the most severe (a halted site is worse than critical).
LEVELS: tuple[Level, ...] = get_args(Level)
#: Each level's place in that order (0 = low).
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
#: Levels counted as "high or worse".
HIGH_OR_WORSE: frozenset[str] = frozenset(LEVELS[LEVEL_RANK["high"] :])
#: What readers show instead of a level for a site without a score on the day asked for.
UNSCORED = "unscored"
#: Levels whose reaching may raise an alert (nothing rises to low; a halt has its own rule).
AlertLevel = Literal["elevated", "high", "critical"]

# ---- alerts ----
AlertKind = Literal[
    "halt", "resume", "evacuation", "level", "front_line", "feed_stale", "digest", "delivery_failed"
]
#: Alert kinds, as stored in the alert table and named in silences. ``delivery_failed``: a channel gave up
#: on a message after ``alerts.retry.max_attempts``; said once on the other channels and in the log.
ALERT_KINDS: tuple[AlertKind, ...] = get_args(AlertKind)
#: The kind of the message `minewatch alerts --test` sends to each channel: never stored, never silenced.
TEST_ALERT_KIND = "test"
AlertStatus = Literal["notified", "suppressed"]
#: A stored alert was sent (``notified``) or held back and never sent (``suppressed``).
ALERT_STATUSES: tuple[AlertStatus, ...] = get_args(AlertStatus)
ChannelName = Literal["email", "slack", "webhook"]
#: Alert channels, in the order reports and pages list them.
CHANNELS: tuple[ChannelName, ...] = get_args(ChannelName)

# ---- events ----
EventSource = Literal["acled", "gdelt", "ucdp"]
#: Conflict-event sources (each is also a feed of that name).
EVENT_SOURCES: tuple[EventSource, ...] = get_args(EventSource)
#: Sources coded by machine from the news: one of their rows is a report, not a vetted incident, so it
#: counts only with sources of its own and, above ``scoring.uncorroborated_max_level``, another dataset's.
MACHINE_CODED_SOURCES: frozenset[str] = frozenset({"gdelt"})
EventType = Literal[
    "battles",
    "explosions_remote_violence",
    "violence_against_civilians",
    "riots",
    "protests",
    "strategic_developments",
]
#: ACLED's event types: every source's events are mapped onto them.
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
Via = Literal["site", "route"]
#: How an event reaches a site: near the mine, or near its export route.
VIAS: tuple[Via, ...] = get_args(Via)

# ---- analyst feedback ----
FeedbackTarget = Literal["event", "incident", "notice"]
#: What an analyst can mark: one report, a whole incident (all its reports), or a notice.
FEEDBACK_TARGETS: tuple[FeedbackTarget, ...] = get_args(FeedbackTarget)
FeedbackVerdict = Literal["irrelevant", "duplicate", "wrong_place", "wrong_site"]
#: An analyst's verdict: each keeps the target out of scoring from when it is given until it is revoked.
FEEDBACK_VERDICTS: tuple[FeedbackVerdict, ...] = get_args(FeedbackVerdict)
#: The verdict that applies to one site only (the target stays in every other site's score).
SITE_VERDICT: FeedbackVerdict = "wrong_site"

# ---- feeds ----
RunStatus = Literal["running", "ok", "failed"]
#: A feed run is running until it finishes ok or failed.
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
#: Notice feeds are named ``notices:<name>`` (their runs, watermarks and leases).
NOTICE_FEED_PREFIX = "notices:"
#: The bundled demo's feeds are named as real ones after this (``demo:acled``, ``demo:notices:<name>``).
DEMO_FEED_PREFIX = "demo:"


def notice_feed(name: str) -> str:
    """The feed name of the configured notice feed ``name`` (e.g. ``notices:alphamin``)."""
    return f"{NOTICE_FEED_PREFIX}{name}"
