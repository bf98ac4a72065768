"""SQLModel tables of the store. Datetimes are naive UTC everywhere in the database.

``known_at`` on events and notices is when the row became public (ACLED ``timestamp``, GDELT ``DATEADDED``,
notice publication time) or, failing that, when we first stored it: every point-in-time query filters on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class Site(SQLModel, table=True):
    """A mine (or mining district) whose disruption matters to supply."""

    id: str = Field(primary_key=True, description="Slug, e.g. 'bisie'.")
    name: str
    operator: str = ""
    country: str = Field(description="ISO 3166-1 alpha-2.")
    commodity: str = Field(description="Main commodity key (e.g. 'tin'); supply rolls up on it.")
    commodities: str = Field("", description="All commodities, ';'-separated.")
    lat: float | None = None
    lon: float | None = None
    coord_precision_km: float | None = Field(
        None, description="How far the true point may be; None: unknown."
    )
    coord_source: str = ""
    annual_output_t: float | None = Field(
        None, description="Tonnes of contained metal (or product) of `commodity` a year."
    )
    output_year: int | None = None
    outputs: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
        description="[{commodity, tonnes, year}]: each commodity's output with a figure (the main one too)",
    )
    output_source: str = Field("", sa_column_kwargs={"server_default": ""})
    world_share: float | None = Field(None, description="Fraction of world supply of `commodity` (0-1).")
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    places: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False), description="[{name, lat, lon}]"
    )
    route: list[list[float]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="[[lat, lon], ...] waypoints",
    )
    route_name: str = ""
    route_source: str = Field("", sa_column_kwargs={"server_default": ""})
    status: str = Field(
        "operating", description="Registry status: operating | halted | care_and_maintenance."
    )
    status_since: dt.date | None = Field(
        None, description="Day the registry status began; scores before it treat the site as operating."
    )
    status_source: str = Field("", sa_column_kwargs={"server_default": ""})
    source: str = ""
    notes: str = ""
    origin: str = Field("bundled", description="bundled | user")
    updated_at: dt.datetime = Field(sa_type=DateTime(timezone=False))


#: The events whose publication time, as their source gave it, is after the moment they were stored.
KNOWN_AFTER_STORED = "known_at > first_seen_at"
#: The events' index by date, type and place: what every read of a run of days goes through.
EVENT_DATE_INDEX = "ix_event_date_type_place"


class Event(SQLModel, table=True):
    """A conflict event from any source, normalised onto the ACLED taxonomy."""

    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_event_source"),
        # Date first for every date-range read; type second so the events page filters in the index; the
        # place last so a read of a few sites within their reach (a site page) reads the box in the index,
        # and only the events in it get a seek into the exposures (8 ms against 0.26 s for 83,000 events).
        # One index for both: with a second one on (date, place), SQLite's planner took it for the events
        # page and read each event's row for its type (0.23 s against 0.05 s).
        # Built after the rows of a first load are in (``Store.loading_events``), not row by row.
        Index(EVENT_DATE_INDEX, "event_date", "type", "lat", "lon"),
        Index("ix_event_first_seen", "first_seen_at"),
        # Only the events public after they were stored (a source's clock ahead, or a store built on a clock
        # set in the past): with first_seen_at, fusion finds every event public since a time through an
        # index (reads.incidents.to_decide). Partial, so no date-range read, bounded by known_at on every
        # event, can pick it.
        Index(
            "ix_event_known_after_stored",
            "known_at",
            sqlite_where=text(KNOWN_AFTER_STORED),
            postgresql_where=text(KNOWN_AFTER_STORED),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    source_id: str
    event_date: dt.date
    published_at: dt.datetime | None = Field(None, sa_type=DateTime(timezone=False))
    first_seen_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    known_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    type: str
    sub_type: str = ""
    actor1: str = ""
    actor2: str = ""
    fatalities: int = 0
    lat: float
    lon: float
    geo_precision: int = 1
    location: str = ""
    country: str = ""
    admin1: str = ""
    notes: str = ""
    url: str = ""
    num_sources: int = Field(
        1,
        sa_column_kwargs={"server_default": "1"},
        description="Sources that reported it (GDELT NumSources); 1 when the source does not say.",
    )
    num_articles: int = Field(
        1,
        sa_column_kwargs={"server_default": "1"},
        description="Articles that reported it (GDELT NumArticles); 1 when the source does not say.",
    )


class Incident(SQLModel, table=True):
    """The incident each event reports (``monitor.fusion``): the id of the incident's first public report."""

    __tablename__ = "incident_member"

    event_id: int = Field(primary_key=True, foreign_key="event.id")
    incident_id: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    # Indexed: a rescore looks up the members fusion moved since it last ran, not every member stored.
    changed_at: dt.datetime | None = Field(
        None, sa_type=DateTime(timezone=False), index=True, description="When the event joined this incident."
    )


class Feedback(SQLModel, table=True):
    """An analyst's verdict on an event, an incident or a notice: out of scoring while it is in force
    (from ``created_at`` until ``revoked_at``)."""

    __table_args__ = (Index("ix_feedback_target", "target", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(description="event | incident | notice")
    target_id: int = Field(description="The event's, incident's or notice's id.")
    verdict: str = Field(description="irrelevant | duplicate | wrong_place | wrong_site")
    site_id: str = Field("", description="wrong_site: the site it is wrong for.")
    note: str = ""
    created_by: str
    created_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    revoked_by: str = ""
    revoked_at: dt.datetime | None = Field(None, sa_type=DateTime(timezone=False))


class Notice(SQLModel, table=True):
    """An operator press release or news item, classified by kind."""

    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_notice_source"),
        Index("ix_notice_first_seen", "first_seen_at"),
        Index("ix_notice_known_at", "known_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    source_id: str = Field(description="The entry's guid/id, or its URL.")
    url: str = ""
    published_at: dt.datetime | None = Field(None, sa_type=DateTime(timezone=False))
    first_seen_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    known_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    title: str = ""
    summary: str = ""
    language: str = ""
    kind: str = "none"
    confidence: float = 0.0
    cue: str = Field(
        "",
        sa_column_kwargs={"server_default": ""},
        description="What decided the kind: the words, where they are, and how they were read.",
    )


class NoticeSite(SQLModel, table=True):
    """A notice tied to a site, with what in the text matched."""

    notice_id: int = Field(primary_key=True, foreign_key="notice.id")
    site_id: str = Field(primary_key=True)
    matched_on: str = Field("", description="e.g. 'operator: Alphamin'")


class NoticeOperator(SQLModel, table=True):
    """An operator a notice names without a site it could be tied to (the operator has several sites and
    the text names none of them, nor a place of one): kept as a mention, no site changes."""

    notice_id: int = Field(primary_key=True, foreign_key="notice.id")
    operator: str = Field(primary_key=True, description="The operator as the registry spells it.")


class NearestSite(SQLModel, table=True):
    """An event within reach of some site (via='site') or of its export route (via='route'), with the
    nearest such site: what the events panel, the events list and their "within N km" filters give of it.
    The store keeps no other exposure: scoring, a site page and an alert's evidence match the events they
    read to the sites they need (``monitor.matching.Reach``), which costs less than reading stored pairs
    (an event has tens of them at 10,000 sites: 6M rows for a 300k import, 20M for 1M;
    docs/benchmarks.md, "Only each event's nearest site stored")."""

    __tablename__ = "nearest_site"
    # Without a rowid on SQLite: the rows live in the key's B-tree, written in key order by each match.
    __table_args__ = ({"sqlite_with_rowid": False},)

    event_id: int = Field(primary_key=True, foreign_key="event.id")
    site_id: str
    via: str
    distance_km: float


class Score(SQLModel, table=True):
    """A site's risk on one day, as known at the end of that day, when there is something to say: a day in
    ``score_day`` scores every registry site, and a site without a row that day is quiet (no exposure, no
    notice, operating: risk 0, the day's quiet level). ``monitor.reads.scores`` fills the
    quiet rows in; nothing else reads this table. A row keeps no explanation: ``Pipeline.explanation_of``
    computes a cell's when a reader asks."""

    # Keyed by date first, without a rowid on SQLite: a scoring run writes a day's rows in key order, so the
    # inserts append instead of landing at random in a second index (3.6x faster measured); one site's days
    # are one key seek per day.
    __table_args__ = ({"sqlite_with_rowid": False},)

    date: dt.date = Field(primary_key=True)
    site_id: str = Field(primary_key=True)
    risk: float
    level: str
    status: str
    conflict: float
    route: float
    notice: float
    events_30d: int
    fatalities_30d: int
    nearest_event_km: float | None = None
    top_event_id: int | None = None
    supply_at_risk_t: float | None = None
    front_km: float | None = None
    front_km_change_7d: float | None = None
    front_days_to_radius: float | None = None
    front_actor: str = Field("", sa_column_kwargs={"server_default": ""})
    computed_at: dt.datetime = Field(sa_type=DateTime(timezone=False))


class ScoreDay(SQLModel, table=True):
    """A scored day: every registry site was scored on it (at ``computed_at``, for ``sites`` sites), and
    the sites without a ``score`` row that day are quiet, with ``level`` as their level (it depends on the
    scoring parameters only)."""

    __tablename__ = "score_day"

    date: dt.date = Field(primary_key=True)
    computed_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    sites: int
    level: str
    #: New at every write of any of the day's ``score`` rows (a whole day or some of its sites): a reader
    #: that keeps a day's rows reads them again when it moved.
    rows_version: str = Field("", sa_column_kwargs={"server_default": ""})


class SupplyDay(SQLModel, table=True):
    """Tonnes at risk per commodity on one day: the scores summed when they are written, so the commodities
    page reads a year as a few hundred rows instead of summing a year of every site's scores."""

    __tablename__ = "supply_day"

    date: dt.date = Field(primary_key=True)
    commodity: str = Field(primary_key=True)
    supply_at_risk_t: float
    sites: int
    sites_output_unknown: int | None = Field(
        None, description="Sites at risk whose output of the commodity is unknown (not in the tonnes)."
    )


class FeedRun(SQLModel, table=True):
    """One collection (or import) of one feed, with its counts and error."""

    id: int | None = Field(default=None, primary_key=True)
    feed: str = Field(index=True)
    started_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    finished_at: dt.datetime | None = Field(None, sa_type=DateTime(timezone=False))
    status: str = Field("running", description="running | ok | failed")
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    dropped: dict[str, int] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False, server_default=text("'{}'")),
        description="Well-formed rows the parser chose not to keep, counted by reason.",
    )
    error: str = ""
    watermark: str | None = None


class Watermark(SQLModel, table=True):
    """How far a feed (or a pipeline step) has got, as an opaque string."""

    name: str = Field(primary_key=True)
    value: str
    updated_at: dt.datetime = Field(sa_type=DateTime(timezone=False))


class Lease(SQLModel, table=True):
    """Who runs a feed right now, until when (SQLite; PostgreSQL uses advisory locks instead)."""

    name: str = Field(primary_key=True, description="Feed name, e.g. 'gdelt' or 'notices:alphamin'.")
    holder: str = Field(description="host:pid:token of the process holding it.")
    acquired_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    expires_at: dt.datetime = Field(sa_type=DateTime(timezone=False))


class Rejected(SQLModel, table=True):
    """A row that could not be used, kept with the reason (never silently dropped)."""

    __table_args__ = (UniqueConstraint("feed", "fingerprint", name="uq_rejected"),)

    id: int | None = Field(default=None, primary_key=True)
    feed: str
    fingerprint: str = Field(description="sha256 of ref+raw: re-importing the same bad row keeps one copy.")
    ref: str = Field("", description="Where it came from, e.g. 'line 12' or 'event_id_cnty=COD123'.")
    reason: str
    raw: str
    run_id: int | None = None
    created_at: dt.datetime = Field(sa_type=DateTime(timezone=False))


class Alert(SQLModel, table=True):
    """One alert per fingerprint of its identity (kind, subject, episode); stored before any send."""

    __table_args__ = (
        UniqueConstraint("fingerprint", name="uq_alert_fingerprint"),
        Index("ix_alert_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(description="sha256 of kind, subject (site id or feed) and episode.")
    kind: str = Field(
        description="halt | resume | evacuation | level | front_line | feed_stale | digest | delivery_failed"
    )
    site_id: str = Field("", description="The site ('' for feed and digest alerts).")
    episode: str = Field(description="e.g. the halt's first day: a later halt is a new alert.")
    title: str = ""
    status: str = Field("notified", description="notified | suppressed (stored, never sent)")
    reason: str = Field("", description="Why a suppressed alert was not sent.")
    created_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    updated_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
    payload: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False),
        description="Annotations: site, sources, risk, level, details (not identity).",
    )


class Delivery(SQLModel, table=True):
    """One alert to one channel (outbox row): sent until delivered, never twice."""

    __table_args__ = (
        UniqueConstraint("alert_id", "channel", name="uq_delivery"),
        Index("ix_delivery_pending", "channel", "delivered_at", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id")
    channel: str = Field(description="email | slack | webhook")
    group_key: str = Field("", description="Deliveries with the same key go out as one message.")
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: dt.datetime | None = Field(None, sa_type=DateTime(timezone=False))
    delivered_at: dt.datetime | None = Field(None, sa_type=DateTime(timezone=False))
    failed_at: dt.datetime | None = Field(
        None,
        sa_type=DateTime(timezone=False),
        description="Given up after alerts.retry.max_attempts: never sent again.",
    )
    created_at: dt.datetime = Field(sa_type=DateTime(timezone=False))
