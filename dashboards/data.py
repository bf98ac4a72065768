"""Dashboard queries: each reads the store with SQL (aggregated and limited there) and returns a DataFrame.

Every query is point-in-time: given an ``as_of`` date it uses only scores up to that date and events and
notices known by the end of it. Empty stores give empty frames with the same columns, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor.domain import CHANNELS, EVENT_TYPES, LEVELS, UNSCORED
from monitor.store import Store, naive_utc

RISK_COLUMNS: tuple[str, ...] = (
    "date", "site_id", "site_name", "operator", "country", "commodity", "lat", "lon", "annual_output_t",
    "world_share", "risk", "level", "status", "conflict", "route", "notice", "events_30d", "fatalities_30d",
    "nearest_event_km", "top_event_id", "supply_at_risk_t",
)  # fmt: skip
_RISK_TEXT = frozenset(
    {"date", "site_id", "site_name", "operator", "country", "commodity", "level", "status"}
)
EVENT_MAP_COLUMNS: tuple[str, ...] = (
    "event_id", "source", "event_date", "type", "sub_type", "fatalities", "lat", "lon", "location", "country",
)  # fmt: skip
EVENT_LIST_COLUMNS: tuple[str, ...] = (
    *EVENT_MAP_COLUMNS, "actor1", "actor2", "admin1", "geo_precision", "nearest_site_id", "nearest_site_km",
)  # fmt: skip
SITE_SCORE_COLUMNS: tuple[str, ...] = (
    "date", "risk", "level", "status", "conflict", "route", "notice", "events_30d", "fatalities_30d",
    "nearest_event_km", "supply_at_risk_t",
)  # fmt: skip
EXPLAIN_COLUMNS: tuple[str, ...] = (
    "event_id", "via", "distance_km", "contribution", "share", "event_date", "source", "type", "sub_type",
    "fatalities", "location", "lat", "lon",
)  # fmt: skip
NOTICE_COLUMNS: tuple[str, ...] = (
    "notice_id", "published_at", "known_at", "source", "kind", "confidence", "title", "url", "matched_on",
)  # fmt: skip
SITE_EVENT_COLUMNS: tuple[str, ...] = (
    "event_id", "via", "distance_km", "event_date", "source", "type", "sub_type", "fatalities", "lat", "lon",
    "location",
)  # fmt: skip
SUPPLY_COLUMNS: tuple[str, ...] = ("date", "commodity", "supply_at_risk_t", "sites")
DRIVER_COLUMNS: tuple[str, ...] = (
    "site_id", "site_name", "commodity", "country", "level", "risk", "annual_output_t", "supply_at_risk_t",
)  # fmt: skip
FEED_COLUMNS: tuple[str, ...] = (
    "feed", "status", "last_run", "last_success", "lag_hours", "fetched", "stored", "duplicates", "rejected",
    "error", "runs",
)  # fmt: skip
REJECTED_COLUMNS: tuple[str, ...] = ("feed", "created_at", "ref", "reason", "raw")
ALERT_COLUMNS: tuple[str, ...] = (
    "created_at", "kind", "site_id", "title", "summary", "sources", "status", *CHANNELS, "fingerprint",
)  # fmt: skip
WORLD_COLUMNS: tuple[str, ...] = ("commodity", "world_production_t")
HEADLINE_COLUMNS: tuple[str, ...] = (
    "commodity",
    "sites",
    "supply_at_risk_t",
    "world_production_t",
    "pct_world",
)


@dataclass(frozen=True)
class EventFilter:
    """What the events page asks for: every field narrows the list; empty tuples mean 'any'."""

    start: date
    end: date
    sources: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    max_site_km: float | None = None
    matched_only: bool = False
    known_by: datetime | None = field(default=None)


# ---- helpers ----------------------------------------------------------------------------------------------
def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty frame with these columns (what every query returns on an empty store)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _param(store: Store, value: Any) -> Any:
    """Dates as the text SQLite stores (its default adapters are deprecated); PostgreSQL takes objects."""
    if store.dialect != "sqlite":
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _params(store: Store, **values: Any) -> dict[str, Any]:
    return {k: _param(store, v) for k, v in values.items()}


def _in_list(name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
    """Named placeholders for an IN list (text() does not expand lists by itself)."""
    keys = [f"{name}_{i}" for i in range(len(values))]
    params.update(dict(zip(keys, values, strict=True)))
    return ", ".join(f":{k}" for k in keys)


def _end_of(day: date) -> datetime:
    """The first instant after ``day``: things known before it were known by the end of that day."""
    return datetime.combine(day + timedelta(days=1), time())


def _as_datetime(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def _text(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].fillna("").astype(str)
    return frame


def _json(value: Any) -> Any:
    """JSON columns come back as text on SQLite and as objects on PostgreSQL."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


# ---- dates ------------------------------------------------------------------------------------------------
def latest_score_date(store: Store, as_of: date | None = None) -> date | None:
    """The newest score date on or before ``as_of`` (any date when None); None when nothing is scored."""
    sql = "select max(date) from score" + (" where date <= :d" if as_of else "")
    value = store.scalar(sql, _params(store, d=as_of) if as_of else None)
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def score_date_range(store: Store) -> tuple[date | None, date | None]:
    """The first and last score dates, for the 'as of' control."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("select min(date), max(date) from score")).one()
    return tuple(  # type: ignore[return-value]
        None if v is None else v if isinstance(v, date) else date.fromisoformat(str(v)[:10]) for v in row
    )


# ---- overview ---------------------------------------------------------------------------------------------
def risk_table(
    store: Store, as_of: date | None = None, commodities: Sequence[str] = (), levels: Sequence[str] = ()
) -> pd.DataFrame:
    """Every site (or those of ``commodities`` at ``levels``) with its score on the latest score date up to
    ``as_of``, most at risk first. Filtering here reads only those sites' scores."""
    day = latest_score_date(store, as_of)
    params = _params(store, d=day)
    where = []
    if commodities:
        where.append(f"si.commodity in ({_in_list('commodity', list(commodities), params)})")
    if levels:
        where.append(f"coalesce(s.level, '{UNSCORED}') in ({_in_list('level', list(levels), params)})")
    # Left join from site so unscored sites still show; the score lookup uses its (site_id, date) key.
    frame = store.frame(
        f"""
        select s.date, si.id as site_id, si.name as site_name, si.operator, si.country, si.commodity, si.lat,
               si.lon, si.annual_output_t, si.world_share, s.risk, s.level, s.status, s.conflict, s.route,
               s.notice, s.events_30d, s.fatalities_30d, s.nearest_event_km, s.top_event_id,
               s.supply_at_risk_t,
               si.status as registry_status
        from site si left join score s on s.site_id = si.id and s.date = :d
        {"where " + " and ".join(where) if where else ""}
        """,
        params,
    )
    if frame.empty:
        return empty_frame(RISK_COLUMNS)
    numeric = [c for c in RISK_COLUMNS if c not in _RISK_TEXT]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    frame["level"] = frame["level"].fillna(UNSCORED)
    frame["status"] = frame["status"].fillna(frame.pop("registry_status"))
    frame = _text(frame, "site_name", "operator", "country", "commodity", "level", "status")
    frame = _as_datetime(frame, "date")
    halted = (frame["level"] == "halted") | (frame["status"] == "halted")
    frame = frame.assign(_halted=halted).sort_values(
        ["_halted", "risk", "site_name"], ascending=[False, False, True], na_position="last"
    )
    return frame.drop(columns="_halted").reset_index(drop=True)[list(RISK_COLUMNS)]


def level_counts(risk: pd.DataFrame) -> dict[str, int]:
    """How many sites sit at each level (halted, critical, high, ...)."""
    counts = risk["level"].value_counts() if not risk.empty else pd.Series(dtype=int)
    return {level: int(counts.get(level, 0)) for level in (*LEVELS, UNSCORED)}


def load_world_production(path: Path | None) -> pd.DataFrame:
    """World production per commodity (commodities.csv); empty when the file is absent or unreadable."""
    if path is None or not path.is_file():
        return empty_frame(WORLD_COLUMNS)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError):
        return empty_frame(WORLD_COLUMNS)
    if not set(WORLD_COLUMNS) <= set(frame.columns):
        return empty_frame(WORLD_COLUMNS)
    frame = frame[list(WORLD_COLUMNS)].copy()
    frame["world_production_t"] = pd.to_numeric(frame["world_production_t"], errors="coerce")
    frame["commodity"] = frame["commodity"].astype(str).str.strip().str.lower()
    return frame.dropna(subset=["world_production_t"]).drop_duplicates("commodity").reset_index(drop=True)


def supply_at_risk(risk: pd.DataFrame, world: pd.DataFrame) -> pd.DataFrame:
    """Tonnes at risk per commodity (sum of the scores' supply_at_risk_t) and their % of world production."""
    scored = risk.dropna(subset=["supply_at_risk_t"]) if not risk.empty else risk
    if scored.empty:
        return empty_frame(HEADLINE_COLUMNS)
    grouped = (
        scored.groupby("commodity", as_index=False)
        .agg(sites=("site_id", "count"), supply_at_risk_t=("supply_at_risk_t", "sum"))
        .assign(commodity_key=lambda f: f["commodity"].str.lower())
    )
    merged = grouped.merge(
        world, how="left", left_on="commodity_key", right_on="commodity", suffixes=("", "_w")
    )
    merged["pct_world"] = 100.0 * merged["supply_at_risk_t"] / merged["world_production_t"]
    merged = merged.sort_values("supply_at_risk_t", ascending=False).reset_index(drop=True)
    return merged[list(HEADLINE_COLUMNS)]


def recent_events(store: Store, as_of: date, days: int, limit: int) -> pd.DataFrame:
    """Events matched to a site or route in the ``days`` up to ``as_of``, newest first, at most ``limit``."""
    params = _params(store, start=as_of - timedelta(days=days), end=as_of, known=_end_of(as_of))
    frame = store.frame(
        f"""
        select e.id as event_id, e.source, e.event_date, e.type, e.sub_type, e.fatalities, e.lat, e.lon,
               e.location, e.country
        from event e
        where e.event_date > :start and e.event_date <= :end and e.known_at < :known
          and exists (select 1 from exposure x where x.event_id = e.id)
        order by e.event_date desc, e.fatalities desc
        limit {int(limit)}
        """,
        params,
    )
    if frame.empty:
        return empty_frame(EVENT_MAP_COLUMNS)
    return _as_datetime(_text(frame, "source", "type", "sub_type", "location", "country"), "event_date")


def routes(store: Store, site_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Export routes as waypoint lists (only sites that have one), optionally for some sites."""
    columns = ("site_id", "site_name", "route_name", "route")
    if site_ids is not None and not site_ids:
        return empty_frame(columns)
    # One site is a key lookup; many are cheaper read whole and filtered here than as a long IN list.
    one = site_ids is not None and len(site_ids) == 1
    # Most sites have no route: they are left out in SQL rather than decoded and dropped here.
    frame = store.frame(
        "select id as site_id, name as site_name, route_name, route from site"
        " where cast(route as text) not in ('', '[]', 'null')" + (" and id = :id" if one else ""),
        {"id": site_ids[0]} if one and site_ids else {},
    )
    if site_ids is not None and not one:
        frame = frame[frame["site_id"].isin(set(site_ids))]
    if frame.empty:
        return empty_frame(columns)
    frame["route"] = frame["route"].map(_json)
    frame = frame[frame["route"].map(lambda r: isinstance(r, list) and len(r) >= 2)]
    return _text(frame, "site_name", "route_name").reset_index(drop=True)


# ---- one site ---------------------------------------------------------------------------------------------
def site(store: Store, site_id: str) -> dict[str, Any] | None:
    """The registry facts of one site, or None when there is no such site."""
    frame = store.frame("select * from site where id = :id", {"id": site_id})
    if frame.empty:
        return None
    row = frame.iloc[0].to_dict()
    for key in ("aliases", "places", "route"):
        row[key] = _json(row.get(key)) or []
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}


def site_scores(store: Store, site_id: str, as_of: date | None = None, days: int = 365) -> pd.DataFrame:
    """A site's daily scores for the ``days`` up to ``as_of`` (or the last score), oldest first."""
    end = latest_score_date(store, as_of)
    if end is None:
        return empty_frame(SITE_SCORE_COLUMNS)
    frame = store.frame(
        f"select {', '.join(SITE_SCORE_COLUMNS)} from score "
        "where site_id = :id and date > :start and date <= :end order by date",
        _params(store, id=site_id, start=end - timedelta(days=days), end=end),
    )
    if frame.empty:
        return empty_frame(SITE_SCORE_COLUMNS)
    return _as_datetime(_text(frame, "level", "status"), "date")


def halted_periods(scores: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive halted days in a site's scores: one row per run with its first and last day."""
    if scores.empty:
        return empty_frame(("start", "end"))
    ordered = scores.sort_values("date")
    halted = (ordered["status"] == "halted") | (ordered["level"] == "halted")
    run = (halted != halted.shift(fill_value=False)).cumsum()
    runs = ordered[halted].groupby(run[halted])["date"].agg(["min", "max"])
    return runs.rename(columns={"min": "start", "max": "end"}).reset_index(drop=True)


def site_explain(store: Store, site_id: str, as_of: date | None = None) -> pd.DataFrame:
    """The events behind a site's latest score (``explain["events"]``, as scoring writes it)."""
    day = latest_score_date(store, as_of)
    if day is None:
        return empty_frame(EXPLAIN_COLUMNS)
    raw = store.scalar(
        "select explain from score where site_id = :id and date <= :d order by date desc limit 1",
        _params(store, id=site_id, d=day),
    )
    explain = _json(raw) or {}
    top = explain.get("events") if isinstance(explain, Mapping) else None
    if not top:
        return empty_frame(EXPLAIN_COLUMNS)
    contributions = pd.DataFrame(top)
    for column in ("event_id", "via", "distance_km", "contribution", "share"):
        if column not in contributions:
            contributions[column] = None
    contributions = contributions.dropna(subset=["event_id"])
    contributions["event_id"] = contributions["event_id"].astype(int)
    params: dict[str, Any] = {}
    ids = _in_list("ev", contributions["event_id"].tolist(), params)
    events = store.frame(
        "select id as event_id, event_date, source, type, sub_type, fatalities, location, lat, lon "
        f"from event where id in ({ids})",
        params,
    )
    merged = contributions.merge(events, on="event_id", how="left")
    merged = _as_datetime(_text(merged, "via", "source", "type", "sub_type", "location"), "event_date")
    return merged.sort_values("contribution", ascending=False).reset_index(drop=True)[list(EXPLAIN_COLUMNS)]


def site_notices(store: Store, site_id: str, as_of: date | None = None, limit: int = 200) -> pd.DataFrame:
    """Notices matched to a site and known by the end of ``as_of``, newest first."""
    params = _params(store, id=site_id)
    when = ""
    if as_of is not None:
        when = "and n.known_at < :known"
        params.update(_params(store, known=_end_of(as_of)))
    frame = store.frame(
        f"""
        select n.id as notice_id, n.published_at, n.known_at, n.source, n.kind, n.confidence, n.title, n.url,
               ns.matched_on
        from noticesite ns join notice n on n.id = ns.notice_id
        where ns.site_id = :id {when}
        order by n.known_at desc
        limit {int(limit)}
        """,
        params,
    )
    if frame.empty:
        return empty_frame(NOTICE_COLUMNS)
    frame = _text(frame, "source", "kind", "title", "url", "matched_on")
    return _as_datetime(frame, "published_at", "known_at")


def site_events(store: Store, site_id: str, as_of: date, days: int, limit: int) -> pd.DataFrame:
    """Events exposed to a site or its route in the ``days`` up to ``as_of``, nearest first."""
    params = _params(store, id=site_id, start=as_of - timedelta(days=days), end=as_of, known=_end_of(as_of))
    frame = store.frame(
        f"""
        select e.id as event_id, x.via, x.distance_km, e.event_date, e.source, e.type, e.sub_type,
               e.fatalities, e.lat, e.lon, e.location
        from exposure x join event e on e.id = x.event_id
        where x.site_id = :id and e.event_date > :start and e.event_date <= :end and e.known_at < :known
        order by x.distance_km
        limit {int(limit)}
        """,
        params,
    )
    if frame.empty:
        return empty_frame(SITE_EVENT_COLUMNS)
    return _as_datetime(_text(frame, "via", "source", "type", "sub_type", "location"), "event_date")


# ---- commodities ------------------------------------------------------------------------------------------
def supply_history(store: Store, as_of: date | None = None, days: int = 365) -> pd.DataFrame:
    """Tonnes at risk per commodity per day (the ``supply_day`` roll-up), for the ``days`` up to ``as_of``."""
    end = latest_score_date(store, as_of)
    if end is None:
        return empty_frame(SUPPLY_COLUMNS)
    frame = store.frame(
        """
        select date, commodity, supply_at_risk_t, sites from supply_day
        where date > :start and date <= :end
        order by date, commodity
        """,
        _params(store, start=end - timedelta(days=days), end=end),
    )
    if frame.empty:
        return empty_frame(SUPPLY_COLUMNS)
    frame["supply_at_risk_t"] = frame["supply_at_risk_t"].fillna(0.0).astype(float)
    return _as_datetime(_text(frame, "commodity"), "date")


def with_world_share(history: pd.DataFrame, world: pd.DataFrame) -> pd.DataFrame:
    """Add pct_world (tonnes at risk as % of world production) where the commodity's production is known."""
    if history.empty:
        return history.assign(pct_world=pd.Series(dtype=float))
    keyed = history.assign(_key=history["commodity"].str.lower())
    merged = keyed.merge(world.rename(columns={"commodity": "_key"}), on="_key", how="left").drop(
        columns="_key"
    )
    merged["pct_world"] = 100.0 * merged["supply_at_risk_t"] / merged["world_production_t"]
    return merged.drop(columns="world_production_t")


def supply_drivers(store: Store, as_of: date | None = None, limit: int = 30) -> pd.DataFrame:
    """The sites with the most tonnes at risk on the latest score date up to ``as_of``."""
    day = latest_score_date(store, as_of)
    if day is None:
        return empty_frame(DRIVER_COLUMNS)
    frame = store.frame(
        f"""
        select si.id as site_id, si.name as site_name, si.commodity, si.country, s.level, s.risk,
               si.annual_output_t, s.supply_at_risk_t
        from score s join site si on si.id = s.site_id
        where s.date = :d and s.supply_at_risk_t > 0
        order by s.supply_at_risk_t desc
        limit {int(limit)}
        """,
        _params(store, d=day),
    )
    if frame.empty:
        return empty_frame(DRIVER_COLUMNS)
    return _text(frame, "site_name", "commodity", "country", "level")


# ---- events -----------------------------------------------------------------------------------------------
def _event_where(store: Store, flt: EventFilter) -> tuple[str, dict[str, Any]]:
    params = _params(store, start=flt.start, end=flt.end)
    clauses = ["e.event_date >= :start", "e.event_date <= :end"]
    if flt.known_by is not None:
        clauses.append("e.known_at < :known")
        params.update(_params(store, known=flt.known_by))
    for column, values in (("source", flt.sources), ("type", flt.types), ("country", flt.countries)):
        if values:
            clauses.append(f"e.{column} in ({_in_list(column, list(values), params)})")
    if flt.max_site_km is not None:
        clauses.append(
            "exists (select 1 from exposure x where x.event_id = e.id and x.distance_km <= :max_km)"
        )
        params["max_km"] = float(flt.max_site_km)
    elif flt.matched_only:
        clauses.append("exists (select 1 from exposure x where x.event_id = e.id)")
    return " and ".join(clauses), params


def events(store: Store, flt: EventFilter, limit: int) -> pd.DataFrame:
    """Events passing the filter, newest first, with the nearest site (from exposures); at most ``limit``."""
    where, params = _event_where(store, flt)
    frame = store.frame(
        f"""
        select e.id as event_id, e.source, e.event_date, e.type, e.sub_type, e.fatalities, e.lat, e.lon,
               e.location, e.country, e.actor1, e.actor2, e.admin1, e.geo_precision,
               (select x.site_id from exposure x where x.event_id = e.id
                order by x.distance_km limit 1) as nearest_site_id,
               (select min(x.distance_km) from exposure x where x.event_id = e.id) as nearest_site_km
        from event e
        where {where}
        order by e.event_date desc, e.id desc
        limit {int(limit)}
        """,
        params,
    )
    if frame.empty:
        return empty_frame(EVENT_LIST_COLUMNS)
    frame = _text(
        frame,
        "source",
        "type",
        "sub_type",
        "location",
        "country",
        "actor1",
        "actor2",
        "admin1",
        "nearest_site_id",
    )
    return _as_datetime(frame, "event_date")


def count_events(store: Store, flt: EventFilter) -> int:
    """How many events pass the filter (the list shows at most its limit)."""
    where, params = _event_where(store, flt)
    return int(store.scalar(f"select count(*) from event e where {where}", params) or 0)


def event_options(store: Store, shown: pd.DataFrame) -> dict[str, list[str]]:
    """Choices for the filter drop-downs: the feeds that ran, the taxonomy, the sites' countries, and whatever
    the events shown carry (a scan of every event for its distinct values would cost a second on 1M rows)."""
    feeds = store.frame("select distinct feed from feedrun")["feed"]
    countries = store.frame("select distinct country from site")["country"]
    return {
        "sources": sorted({*feeds.dropna(), *shown.get("source", [])} - {""}),
        "types": sorted({*EVENT_TYPES, *shown.get("type", [])} - {""}),
        "countries": sorted({*countries.dropna(), *shown.get("country", [])} - {""}),
    }


def event_date_range(store: Store) -> tuple[date | None, date | None]:
    """The first and last event dates (both from the event_date index)."""
    with store.engine.connect() as conn:
        first = conn.execute(sa.text("select min(event_date) from event")).scalar()
        last = conn.execute(sa.text("select max(event_date) from event")).scalar()
    return tuple(  # type: ignore[return-value]
        None if v is None else v if isinstance(v, date) else date.fromisoformat(str(v)[:10])
        for v in (first, last)
    )


# ---- feeds and alerts -------------------------------------------------------------------------------------
def feed_status(store: Store, now: datetime) -> pd.DataFrame:
    """Per feed: last run and its counts and error, last success and how long ago it was (lag)."""
    frame = store.frame(
        """
        with ranked as (
            select r.*, row_number() over (partition by feed order by started_at desc, id desc) as rn
            from feedrun r
        ), ok as (
            select feed, max(finished_at) as last_success from feedrun where status = 'ok' group by feed
        ), runs as (select feed, count(*) as runs from feedrun group by feed)
        select ranked.feed, ranked.status, ranked.started_at as last_run, ok.last_success, ranked.fetched,
               ranked.stored, ranked.duplicates, ranked.rejected, ranked.error, runs.runs
        from ranked left join ok on ok.feed = ranked.feed join runs on runs.feed = ranked.feed
        where ranked.rn = 1
        order by ranked.feed
        """
    )
    if frame.empty:
        return empty_frame(FEED_COLUMNS)
    frame = _as_datetime(_text(frame, "feed", "status", "error"), "last_run", "last_success")
    frame["lag_hours"] = (pd.Timestamp(naive_utc(now)) - frame["last_success"]).dt.total_seconds() / 3600.0
    return frame[list(FEED_COLUMNS)]


def rejected_rows(store: Store, limit: int = 500) -> pd.DataFrame:
    """The newest rows a feed could not use, with the reason and the start of the raw text."""
    frame = store.frame(
        f"select feed, created_at, ref, reason, substr(raw, 1, 300) as raw from rejected "
        f"order by created_at desc, id desc limit {int(limit)}"
    )
    if frame.empty:
        return empty_frame(REJECTED_COLUMNS)
    return _as_datetime(_text(frame, "feed", "ref", "reason", "raw"), "created_at")


def alerts(store: Store, limit: int = 500) -> pd.DataFrame:
    """The newest alerts with their delivery status per channel."""
    frame = store.frame(
        f"""
        select a.id, a.fingerprint, a.created_at, a.kind, a.site_id, a.title, a.status, a.reason, a.payload
        from alert a
        order by a.created_at desc, a.id desc
        limit {int(limit)}
        """
    )
    if frame.empty:
        return empty_frame(ALERT_COLUMNS)
    deliveries = store.frame(
        f"""
        select d.alert_id, d.channel, d.attempts, d.last_error, d.next_attempt_at, d.delivered_at
        from delivery d
        where d.alert_id in ({", ".join(str(int(i)) for i in frame["id"])})
        """
    )
    deliveries = _as_datetime(deliveries, "next_attempt_at", "delivered_at")
    status = {
        (int(r.alert_id), str(r.channel)): _delivery_text(
            r.attempts, r.last_error, r.next_attempt_at, r.delivered_at
        )
        for r in deliveries.itertuples()
    }
    payloads = frame["payload"].map(_json)
    frame["sources"] = payloads.map(_source_names)
    frame["summary"] = payloads.map(lambda p: str((p or {}).get("summary") or ""))
    frame["status"] = [
        "sent" if s == "notified" else f"held back ({reason})" if reason else "held back"
        for s, reason in zip(frame["status"], frame["reason"].fillna(""), strict=True)
    ]
    for channel in CHANNELS:
        frame[channel] = [
            status.get((int(i), channel), "not sent" if s != "sent" else "-")
            for i, s in zip(frame["id"], frame["status"], strict=True)
        ]
    frame = _as_datetime(_text(frame, "kind", "site_id", "title", "fingerprint"), "created_at")
    return frame[list(ALERT_COLUMNS)].reset_index(drop=True)


def _stamp(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _delivery_text(attempts: Any, error: Any, next_at: Any, delivered_at: Any) -> str:
    """One delivery as the alerts page shows it: delivered, waiting, or retrying with the last error."""
    if delivered_at is not None and not pd.isna(delivered_at):
        return f"delivered {_stamp(delivered_at)}"
    if not attempts:
        return f"pending (from {_stamp(next_at)})" if _stamp(next_at) else "pending"
    text = f"pending: {int(attempts)} failed attempt(s), next {_stamp(next_at)}"
    return text + (f": {error}" if error else "")


def _source_names(payload: Any) -> str:
    sources = (payload or {}).get("sources") or [] if isinstance(payload, dict) else []
    return "; ".join(f"{s.get('source', '')}: {s.get('title', '')}" for s in sources)
