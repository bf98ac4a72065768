"""Stored conflict events, and their exposures (an event within reach of a site or of its export route).

The store keeps each event's nearest site (``nearest_site``), for the events panel and list; every other
exposure is matched when read, from the events read, to the sites of a ``monitor.matching.Reach``. Reads
that put events in time take a ``Known`` (``monitor.reads.known``): which events were public, and stored,
by then.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from monitor import dialect
from monitor.geo import Box
from monitor.matching import Reach
from monitor.reads import sql
from monitor.reads.arrow import ArrowReader
from monitor.reads.known import Known
from monitor.store import Store

__all__ = [
    "PANEL_REFS",
    "EventFilter",
    "arrived_takeovers",
    "arrow_panel",
    "by_url",
    "count",
    "count_listed",
    "date_span",
    "details",
    "front_line_exposures",
    "listed",
    "near_site",
    "near_sites",
    "nearest_to",
    "recent_matched",
    "refs",
    "scored_events",
    "seen_since",
    "sources",
    "takeovers",
    "touched_sites",
]

#: What ``takeovers`` reads of each event.
_TAKEOVER = (
    "event_id",
    "source",
    "sub_type",
    "num_sources",
    "actor1",
    "lat",
    "lon",
    "event_date",
    "known_at",
)
#: Event ids looked up per query (SQLite caps the parameters of one statement).
_IDS_PER_QUERY = 900
_PANEL = (
    "SELECT e.event_date AS event_date, e.source AS source, e.source_id AS source_id,"
    " e.published_at AS published_at, e.first_seen_at AS first_seen_at, e.known_at AS known_at,"
    " e.type AS type, e.sub_type AS sub_type, e.actor1 AS actor1, e.actor2 AS actor2,"
    " e.fatalities AS fatalities, e.lat AS lat, e.lon AS lon, e.geo_precision AS geo_precision,"
    " e.location AS location, e.country AS country, e.admin1 AS admin1, x.site_id AS nearest_site_id,"
    " x.distance_km AS nearest_site_km, x.via AS via, e.notes AS notes, e.url AS url,"
    " COALESCE(f.source || ':' || f.source_id, '') AS incident_id, e.num_sources AS num_sources,"
    " e.num_articles AS num_articles, '' AS verdict, e.id AS event_ref, i.incident_id AS incident_ref"
    " FROM event e LEFT JOIN nearest_site x ON x.event_id = e.id"
    " LEFT JOIN incident_member i ON i.event_id = e.id LEFT JOIN event f ON f.id = i.incident_id"
    " WHERE e.event_date >= :first AND e.event_date <= :last"
)
#: Columns ``arrow_panel`` adds to the panel's: the event's and its incident's internal ids.
PANEL_REFS = pa.schema([("event_ref", pa.int64()), ("incident_ref", pa.int64())])


@dataclass(frozen=True)
class EventFilter:
    """Which events to list: every field narrows the list; empty tuples mean 'any'. ``known_by``: only
    events public before that instant."""

    start: date
    end: date
    sources: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    max_site_km: float | None = None
    matched_only: bool = False
    known_by: datetime | None = None


# ---- matching and scoring----
def seen_since(store: Store, since: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events first stored at or after ``since``: their ids, latitudes and longitudes. Read a chunk at a
    time (``sql.large_frame``): a first match of 4M events read as Python tuples held 656 MB, the
    ingest's peak."""
    seen = sql.large_frame(
        store, "SELECT id, lat, lon FROM event WHERE first_seen_at >= :since", {"since": since}
    )
    return seen["id"].to_numpy(np.int64), seen["lat"].to_numpy(float), seen["lon"].to_numpy(float)


def scored_events(
    store: Store,
    first: date,
    last: date,
    known: Known,
    *,
    near: Box | None = None,
    arrived: tuple[datetime, datetime] | None = None,
) -> pd.DataFrame:
    """The events dated from ``first`` to ``last`` that ``known`` sees (only those placed in the box
    ``near``, when given: the reach of the sites, ``Reach.box``; only those stored at or after
    ``arrived[0]`` or moved to another incident after ``arrived[1]``, when given, as ``touched_sites`` finds
    them), with what scoring weighs of each: ``event_id``, source, type, sub-type, fatalities, precision,
    date, ``known_at``, place, report counts, and the incident (empty when not fused yet). Scoring matches
    them to the sites (``Reach.exposures``): the store keeps no exposures, and matching a 300k import's 16
    months (2.7M exposures) took 1.4 s where reading them, when they were stored, took 5.1 s."""
    params: dict[str, Any] = {"start": first, "last": last, **known.params(), **_box_params(near)}
    where = " WHERE e.event_date >= :start AND e.event_date <= :last" + known.where("e") + _within(near)
    if arrived is not None:
        where += f" AND {_ARRIVED}"
        params.update(since=arrived[0], fused=arrived[1])
    return sql.large_frame(store, _SCORED_EVENTS + where, params)


#: Up to this many sites, a read bounds its events by the box the sites reach (``Reach.box``): a few sites'
#: box is a small part of the world, and finding it costs a pass over each site's route.
FEW_SITES = 20
#: What ``scored_events`` gives of each event (besides its id and incident).
_EXPOSED_EVENT = (
    "source", "type", "sub_type", "fatalities", "geo_precision", "event_date", "known_at", "lat", "lon",
    "num_sources", "num_articles",
)  # fmt: skip
#: The events scoring weighs, each with its incident: the select of ``scored_events``.
_SCORED_EVENTS = (
    f"SELECT e.id AS event_id, {', '.join(f'e.{c}' for c in _EXPOSED_EVENT)}, i.incident_id FROM event e"
    " LEFT JOIN incident_member i ON i.event_id = e.id"
)


def _takeover_condition(
    sub_types: Collection[str], cameo_codes: Collection[str]
) -> tuple[str, dict[str, Any]]:
    """The SQL condition (on ``e``) of an event that may be a territorial takeover, and its parameters;
    '' when nothing can be."""
    conditions, params = [], {}
    if sub_types:
        marks, more = sql.in_list("sub", sorted(s.strip().lower() for s in sub_types))
        conditions.append(f"lower(e.sub_type) IN ({marks})")
        params.update(more)
    for i, code in enumerate(sorted(cameo_codes)):
        conditions.append(f"e.sub_type LIKE :cameo{i}")
        params[f"cameo{i}"] = f"CAMEO {code}%"
    return " OR ".join(conditions), params


def takeovers(
    store: Store,
    first: date,
    last: date,
    known: Known,
    sub_types: Collection[str],
    cameo_codes: Collection[str],
    near: Box | None = None,
) -> pd.DataFrame:
    """The events dated from ``first`` to ``last`` that ``known`` sees and may be territorial takeovers: a
    listed sub-type (lower-case), or a GDELT sub-type of a listed CAMEO code; placed in the box ``near``,
    when given. Actor, place, days, source, report counts and incident, for ``monitor.front``."""
    condition, params = _takeover_condition(sub_types, cameo_codes)
    if not condition:
        return pd.DataFrame(columns=[*_TAKEOVER, "incident_id"])
    return sql.frame(
        store,
        f"SELECT {', '.join(f'e.{c}' for c in _TAKEOVER if c != 'event_id')}, e.id AS event_id, i.incident_id"
        " FROM event e LEFT JOIN incident_member i ON i.event_id = e.id"
        f" WHERE e.event_date >= :first AND e.event_date <= :last{known.where('e')}{_within(near)}"
        f" AND ({condition})",
        {"first": first, "last": last, **known.params(), **params, **_box_params(near)},
        types={"event_date": sa.Date(), "known_at": sa.DateTime()},
    )


def _within(near: Box | None) -> str:
    """The condition (on ``e``) of an event placed in the box ``near`` ('' when None), for the index on
    the events' date, type and place (``ix_event_date_type_place``); its parameters are ``_box_params``'."""
    if near is None:
        return ""
    return " AND e.lat BETWEEN :south AND :north AND e.lon BETWEEN :west AND :east"


def _box_params(near: Box | None) -> dict[str, float]:
    return {} if near is None else dict(zip(("south", "north", "west", "east"), near, strict=True))


def front_line_exposures(
    store: Store,
    reach: Reach,
    first: date,
    last: date,
    known: Known,
    *,
    min_fatalities: int,
    sub_types: Collection[str],
) -> pd.DataFrame:
    """Exposures to ``reach``'s sites of the events dated from ``first`` to ``last`` that may mean a front
    line moving: battles with at least ``min_fatalities`` deaths, or a listed sub-type (lower-case). Dates
    and times typed."""
    battles = "(e.type = 'battles' AND e.fatalities >= :min_fatalities)"
    params: dict[str, Any] = {
        "first": first,
        "last": last,
        "min_fatalities": min_fatalities,
        **known.params(),
    }
    qualifies = battles
    if sub_types:
        marks, more = sql.in_list("sub", sorted(sub_types))
        qualifies = f"({battles} OR lower(e.sub_type) IN ({marks}))"
        params.update(more)
    events = sql.frame(
        store,
        "SELECT e.id AS event_id, e.source, e.source_id, e.event_date, e.known_at, e.first_seen_at, e.type,"
        " e.sub_type, e.fatalities, e.lat, e.lon, e.location, e.url FROM event e"
        f" WHERE e.event_date >= :first AND e.event_date <= :last{known.where('e')} AND {qualifies}",
        params,
        types={"event_date": sa.Date(), "known_at": sa.DateTime(), "first_seen_at": sa.DateTime()},
    )
    return reach.exposures(events)


def by_url(store: Store, source: str, urls: Sequence[str]) -> pd.DataFrame:
    """The stored events of ``source`` whose url is one of ``urls``: url, source_id."""
    wanted = sorted({u for u in urls if u})
    found = [pd.DataFrame(columns=["url", "source_id"])]
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        marks, params = sql.in_list("u", wanted[start : start + _IDS_PER_QUERY])
        found.append(
            sql.frame(
                store,
                f"SELECT url, source_id FROM event WHERE source = :source AND url IN ({marks})",
                {"source": source, **params},
            )
        )
    return pd.concat(found, ignore_index=True)


def refs(store: Store, ids: Sequence[Any]) -> dict[int, str]:
    """Internal event ids -> their stable references, ``source:source_id`` (missing ids left out)."""
    wanted = sorted({int(i) for i in pd.Series(ids, dtype=object).dropna()})
    found: dict[int, str] = {}
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        marks, params = sql.in_list("i", wanted[start : start + _IDS_PER_QUERY])
        frame = sql.frame(store, f"SELECT id, source, source_id FROM event WHERE id IN ({marks})", params)
        found.update({int(r.id): f"{r.source}:{r.source_id}" for r in frame.itertuples()})
    return found


def details(store: Store, ids: Sequence[int]) -> pd.DataFrame:
    """Date, source, type, sub-type, fatalities, place and point of the events ``ids`` (``event_id`` ...)."""
    marks, params = sql.in_list("ev", list(ids))
    return sql.frame(
        store,
        "select id as event_id, event_date, source, type, sub_type, fatalities, location, lat, lon "
        f"from event where id in ({marks or 'NULL'})",
        params,
    )


# ---- the events panel (exports)----
def arrow_panel(
    reader: ArrowReader,
    first: date,
    last: date,
    schema: pa.Schema,
    known: Known,
    countries: Sequence[str] = (),
    reach: Reach | None = None,
) -> pa.Table:
    """The events dated from ``first`` to ``last`` that ``known`` sees, each with its nearest exposed site
    (``nearest_site_id``, ``nearest_site_km``, ``via``) and its incident, as ``schema`` (the events panel's
    columns, plus any of ``PANEL_REFS``). ``countries`` keeps events in those countries; ``reach`` those
    exposed to one of its sites (matched here)."""
    query, params = _PANEL + known.where("e"), {"first": first, "last": last, **known.params()}
    wider = pa.unify_schemas([schema, PANEL_REFS])
    if countries:
        marks, more = sql.in_list("country", list(countries))
        query, params = query + f" AND e.country IN ({marks})", {**params, **more}
    if reach is None:
        return reader.read(query, params, wider).select(schema.names)
    if reach.sites.empty:
        return wider.empty_table().select(schema.names)
    box = reach.box if len(reach.sites) <= FEW_SITES else None
    table = reader.read(query + _within(box), {**params, **_box_params(box)}, wider)
    points = table.select(["event_ref", "lat", "lon"]).to_pandas().rename(columns={"event_ref": "event_id"})
    exposed = reach.exposures(points)["event_id"].unique()
    keep = np.isin(points["event_id"].to_numpy(), exposed)
    return table.filter(pa.array(keep)).select(schema.names)


# ---- the dashboard----
def recent_matched(store: Store, after: date, through: date, known: Known, limit: int) -> pd.DataFrame:
    """Events exposed to some site or route, dated after ``after`` up to ``through``, newest (then deadliest)
    first, at most ``limit``."""
    return sql.frame(
        store,
        f"""
        select e.id as event_id, e.source, e.event_date, e.type, e.sub_type, e.fatalities, e.lat, e.lon,
               e.location, e.country
        from event e
        where e.event_date > :start and e.event_date <= :end{known.where("e")}
          and exists (select 1 from nearest_site x where x.event_id = e.id)
        order by e.event_date desc, e.fatalities desc
        limit {int(limit)}
        """,
        {"start": after, "end": through, **known.params()},
    )


def near_site(
    store: Store, reach: Reach, after: date, through: date, known: Known, limit: int
) -> pd.DataFrame:
    """Exposures to ``reach``'s one site or its route of the events dated after ``after`` up to
    ``through``, nearest first, at most ``limit``; the events read within the site's reach
    (``Reach.box``), through the index on the events' date and place (on the dashboard's 1M-event store:
    0.40 s without, a few ms with)."""
    rows = near_sites(store, reach, after, through, known)
    ordered = rows.sort_values(["distance_km", "event_id"], kind="stable").head(int(limit))
    return ordered.drop(columns=["site_id"]).reset_index(drop=True)


def near_sites(store: Store, reach: Reach, after: date, through: date, known: Known) -> pd.DataFrame:
    """Every exposure to ``reach``'s sites (to a site or its route) of the events dated after ``after`` up
    to ``through`` that ``known`` sees: the evidence an alert lists (what, where, who, when, how near). Up
    to ``FEW_SITES`` sites, the events are read within the box the sites reach."""
    if reach.sites.empty:
        return pd.DataFrame(columns=_NEAR_SITES)
    box = reach.box if len(reach.sites) <= FEW_SITES else None
    events = sql.frame(
        store,
        "SELECT e.id AS event_id, e.event_date, e.source, e.type, e.sub_type, e.fatalities, e.actor1,"
        " e.location, e.lat, e.lon FROM event e"
        f" WHERE e.event_date > :start AND e.event_date <= :end{known.where('e')}{_within(box)}",
        {"start": after, "end": through, **known.params(), **_box_params(box)},
        types={"event_date": sa.Date()},
    )
    return reach.exposures(events)[list(_NEAR_SITES)]


_NEAR_SITES = (
    "site_id", "via", "distance_km", "event_id", "event_date", "source", "type", "sub_type", "fatalities",
    "actor1", "location", "lat", "lon",
)  # fmt: skip


def nearest_to(store: Store, site_ids: Collection[str]) -> set[int]:
    """The events whose stored nearest site is one of ``site_ids``."""
    wanted = sorted({str(s) for s in site_ids})
    found: set[int] = set()
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        marks, params = sql.in_list("site", wanted[start : start + _IDS_PER_QUERY])
        ids = sql.frame(store, f"SELECT event_id FROM nearest_site WHERE site_id IN ({marks})", params)
        found.update(int(i) for i in ids["event_id"])
    return found


def _filtered(flt: EventFilter) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of an ``EventFilter`` on ``event e``, and its parameters."""
    known = Known(before=flt.known_by)
    params: dict[str, Any] = {"start": flt.start, "end": flt.end, **known.params()}
    clauses = ["e.event_date >= :start", "e.event_date <= :end"]
    for column, values in (("source", flt.sources), ("type", flt.types), ("country", flt.countries)):
        if values:
            marks, more = sql.in_list(f"{column}_", list(values))
            clauses.append(f"e.{column} in ({marks})")
            params.update(more)
    if flt.max_site_km is not None:
        clauses.append(
            "exists (select 1 from nearest_site x where x.event_id = e.id and x.distance_km <= :max_km)"
        )
        params["max_km"] = float(flt.max_site_km)
    elif flt.matched_only:
        clauses.append("exists (select 1 from nearest_site x where x.event_id = e.id)")
    return " and ".join(clauses) + known.where("e"), params


def listed(store: Store, flt: EventFilter, limit: int) -> pd.DataFrame:
    """Events passing the filter, newest first, with their nearest exposed site, their incident and how many
    stored reports it has; at most ``limit``."""
    where, params = _filtered(flt)
    return sql.frame(
        store,
        f"""
        select e.id as event_id, e.source, e.event_date, e.type, e.sub_type, e.fatalities, e.lat, e.lon,
               e.location, e.country, e.actor1, e.actor2, e.admin1, e.geo_precision,
               x.site_id as nearest_site_id, x.distance_km as nearest_site_km, i.incident_id,
               (select count(*) from incident_member m where m.incident_id = i.incident_id)
                 as incident_reports
        from event e left join incident_member i on i.event_id = e.id
             left join nearest_site x on x.event_id = e.id
        where {where}
        order by e.event_date desc, e.id desc
        limit {int(limit)}
        """,
        params,
    )


def count_listed(store: Store, flt: EventFilter) -> int:
    """How many events pass the filter."""
    where, params = _filtered(flt)
    return int(sql.scalar(store, f"select count(*) from event e where {where}", params) or 0)


def sources(store: Store) -> list[str]:
    """The sources of the stored events, each once (from the index on source and source id)."""
    return [str(s) for s in sql.frame(store, "SELECT DISTINCT source FROM event")["source"]]


def count(store: Store) -> int:
    """How many events are stored."""
    return int(sql.scalar(store, "SELECT count(*) FROM event") or 0)


def date_span(store: Store) -> tuple[date | None, date | None]:
    """The first and the last event dates (both from the event_date index)."""
    first = sql.scalar(store, "select min(event_date) from event")
    last = sql.scalar(store, "select max(event_date) from event")
    return dialect.as_date(first), dialect.as_date(last)


def per_day(store: Store, first: date, last: date) -> dict[date, int]:
    """How many events are dated each day from ``first`` to ``last`` (days without any left out), stored
    or not yet public alike: what a read of those days can hold at most (from the event_date index)."""
    rows = sql.frame(
        store,
        "SELECT event_date, count(*) AS n FROM event WHERE event_date >= :first AND event_date <= :last"
        " GROUP BY event_date",
        {"first": first, "last": last},
    )
    days = [dialect.as_date(d) for d in rows["event_date"]]
    return {d: int(n) for d, n in zip(days, rows["n"], strict=True) if d is not None}


def day_runs(store: Store, first: date, last: date, most: int) -> list[tuple[date, date]]:
    """``first`` to ``last`` as runs of days (first, last of each) holding at most ``most`` events each
    (``per_day``); a day holding more is a run of its own."""
    counts = per_day(store, first, last)
    runs: list[tuple[date, date]] = []
    start, held = first, 0
    for day in (first + timedelta(days=i) for i in range((last - first).days + 1)):
        if held and held + counts.get(day, 0) > most:
            runs.append((start, day - timedelta(days=1)))
            start, held = day, 0
        held += counts.get(day, 0)
    return [*runs, (start, last)]


# ---- what a rescore must look at ----
#: Events stored at or after ``:since``, or moved to another incident by fusion after ``:fused``: one list of
#: ids from the first_seen_at index and the changed members, so the events are looked up by id. Written as
#: ``first_seen_at >= :since OR id IN (...)`` SQLite scanned every exposure of the store instead (a tick on
#: 125,000 events: 8.5 s against 0.03 s for this query; its cost grew with the history stored).
_ARRIVED = (
    "e.id IN (SELECT id FROM event WHERE first_seen_at >= :since"
    " UNION SELECT event_id FROM incident_member WHERE changed_at > :fused)"
)


def touched_sites(store: Store, reach: Reach, since: datetime, fused: datetime) -> pd.DataFrame:
    """Per site of ``reach`` exposed to an event stored at or after ``since`` or moved to another incident
    after ``fused``: the first and last ``event_date`` of those events (``site_id``, ``first_day``,
    ``last_day``, as dates)."""
    events = sql.frame(
        store,
        f"SELECT e.id AS event_id, e.lat, e.lon, e.event_date FROM event e WHERE {_ARRIVED}",
        {"since": since, "fused": fused},
        types={"event_date": sa.Date()},
    )
    exposed = reach.exposures(events)
    if exposed.empty:
        return pd.DataFrame(columns=["site_id", "first_day", "last_day"])
    # As datetimes: grouped as date objects, each group was reduced in Python (0.15 s of a tick).
    day = pd.to_datetime(exposed["event_date"]).groupby(exposed["site_id"].to_numpy(object), sort=True)
    spans = day.agg(["min", "max"])
    return pd.DataFrame(
        {"site_id": spans.index.to_numpy(object), "first_day": spans["min"].dt.date.to_numpy(object),
         "last_day": spans["max"].dt.date.to_numpy(object)}
    )  # fmt: skip


def arrived_takeovers(
    store: Store, since: datetime, fused: datetime, sub_types: Collection[str], cameo_codes: Collection[str]
) -> pd.DataFrame:
    """Where and when (``lat``, ``lon``, ``event_date``) the events stored at or after ``since`` (or moved to
    another incident after ``fused``) that may be territorial takeovers happened: the front lines they can
    move."""
    condition, params = _takeover_condition(sub_types, cameo_codes)
    if not condition:
        return pd.DataFrame(columns=["lat", "lon", "event_date"])
    return sql.frame(
        store,
        f"SELECT e.lat, e.lon, e.event_date FROM event e WHERE {_ARRIVED} AND ({condition})",
        {"since": since, "fused": fused, **params},
        types={"event_date": sa.Date()},
    )
