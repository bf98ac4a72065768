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
    "EXPORT_HALT_KIND",
    "FEEDBACK_TARGETS",
    "FEEDBACK_VERDICTS",
    "HALTING_KINDS",
    "HALT_EPISODE_STATUSES",
    "HALT_UNCONFIRMED",
    "HIGH_OR_WORSE",
    "LEGACY_HALT_KINDS",
    "LEVELS",
    "LEVEL_RANK",
    "MACHINE_CODED_SOURCES",
    "NOTICE_FEED_PREFIX",
    "NOTICE_KINDS",
    "OPERATING",
    "PARTIAL_HALT_KIND",
    "PART_TIE",
    "PLACE_TIE",
    "RESUMING_KIND",
    "RUN_STATUSES",
    "SCORE_STATUSES",
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
    "ScoreStatus",
    "SiteStatus",
    "Via",
    "notice_feed",
    "notice_kind",
    "weighed_kind",
]

# ---- notices ----
NoticeKind = Literal[
    "halt", "partial_halt", "export_halt", "resumption", "evacuation", "guidance_cut", "none"
]
#: What an operator or news notice says about a site (``monitor.classify`` decides which; its cue says why,
#: e.g. that a ``halt`` was a suspension or force majeure on operations).
NOTICE_KINDS: tuple[NoticeKind, ...] = get_args(NoticeKind)
#: Kinds that halt a site (when confident enough) until a resumption notice.
HALTING_KINDS: frozenset[str] = frozenset({"halt"})
#: The kind that lifts a halt.
RESUMING_KIND: NoticeKind = "resumption"
#: An evacuation: risk points while the site keeps producing, and an alert of its own.
EVACUATION_KIND: NoticeKind = "evacuation"
#: One pit, shaft, plant or line stops while the rest runs: risk points, the status stays.
PARTIAL_HALT_KIND: NoticeKind = "partial_halt"
#: Exports, shipments or deliveries stop while mining goes on: risk points and an alert of its own.
EXPORT_HALT_KIND: NoticeKind = "export_halt"
#: How a notice tied to a site only by a place near it says so in its ``matched_on`` ("place: Walikale"). A
#: place names the mine's surroundings, not the mine: such a halt counts as a partial halt (points, no
#: status, no halt alert).
PLACE_TIE = "place: "
#: How a notice tied to a site by the name of one of its parts says so ("part: Mpama South"): the site's
#: name lists it among its pits, shafts, plants or mines. A halt of one part is a partial halt of the site.
PART_TIE = "part: "
#: Kinds an earlier release stored that are now a ``halt`` (a store is mapped by ``minewatch init``).
LEGACY_HALT_KINDS: frozenset[str] = frozenset({"suspension", "force_majeure"})


def weighed_kind(kind: str, matched_on: str) -> str:
    """The kind a notice counts as for one tied site: a halt tied only by a place (``PLACE_TIE``) or by the
    name of one part of the site (``PART_TIE``) counts as a partial halt; every other kind as it is."""
    if kind in HALTING_KINDS and matched_on.startswith((PLACE_TIE, PART_TIE)):
        return PARTIAL_HALT_KIND
    return kind


def notice_kind(word: str) -> NoticeKind:
    """A stored or classified kind as a kind of this release: ``suspension`` and ``force_majeure`` (an
    earlier release's kinds) are ``halt``; an unknown word is ``none``."""
    folded = (word or "").strip().lower()
    if folded in LEGACY_HALT_KINDS:
        return "halt"
    return next((k for k in NOTICE_KINDS if k == folded), "none")


# ---- sites ----
SiteStatus = Literal["operating", "halted", "care_and_maintenance"]
#: A site's status in the registry (``sites.csv``).
SITE_STATUSES: tuple[SiteStatus, ...] = get_args(SiteStatus)
#: The status of a site that is producing (the registry's default, and every quiet score's).
OPERATING: SiteStatus = "operating"
#: Statuses under which a site is not producing, whatever the news says.
STOPPED_STATUSES: frozenset[str] = frozenset({"halted", "care_and_maintenance"})
#: A notice-set halt that no later halting notice has reconfirmed for ``scoring.halt_confirm_days``.
HALT_UNCONFIRMED = "halt_unconfirmed"
ScoreStatus = Literal["operating", "halted", "halt_unconfirmed", "care_and_maintenance"]
#: A site's status in each day's score: a registry status, or one set by notices (halted, halt unconfirmed).
SCORE_STATUSES: tuple[ScoreStatus, ...] = get_args(ScoreStatus)
#: Statuses that belong to one halt episode: a halt that ages into ``halt_unconfirmed`` and is then
#: reconfirmed is the same halt (alerted once), and it ends only when the site is operating again.
HALT_EPISODE_STATUSES: frozenset[str] = frozenset({"halted", HALT_UNCONFIRMED})

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
    "halt",
    "resume",
    "evacuation",
    "export_halt",
    "level",
    "front_line",
    "feed_stale",
    "digest",
    "delivery_failed",
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
