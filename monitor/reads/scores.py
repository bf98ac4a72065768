"""Stored scores, one read per question: every reader of the ``score`` table (and of its roll-up
``supply_day``) goes through here.

A stored score of site S on day D is S's risk as known at the end of D (the pipeline computes it from the
rows public by then). Scores as known at an earlier moment (a vintage) are not stored: the pipeline computes
them (``Pipeline.score(days, known_by=T)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from monitor import dialect, models
from monitor.domain import UNSCORED
from monitor.reads import sql
from monitor.reads.arrow import ArrowReader
from monitor.store import Store

__all__ = [
    "STORED_ARROW",
    "arrow",
    "at_risk_on",
    "coverage",
    "day_span",
    "explain_of",
    "fronts",
    "last_operating_before",
    "latest",
    "latest_day",
    "of_days",
    "of_site",
    "recomputed_since",
    "sites_on_day",
    "supply_days",
]

SCORE = models.Score.__table__  # type: ignore[attr-defined]
#: The stored scores as ``arrow`` returns them (``top_event_id`` is the event's internal id).
STORED_ARROW = pa.schema(
    [
        ("date", pa.date32()), ("site_id", pa.string()), ("risk", pa.float64()), ("level", pa.string()),
        ("status", pa.string()), ("conflict", pa.float64()), ("route", pa.float64()),
        ("notice", pa.float64()), ("events_30d", pa.int64()), ("fatalities_30d", pa.int64()),
        ("nearest_event_km", pa.float64()), ("top_event_id", pa.int64()), ("supply_at_risk_t", pa.float64()),
        ("front_km", pa.float64()), ("front_km_change_7d", pa.float64()),
        ("front_days_to_radius", pa.float64()), ("front_actor", pa.string()),
    ]
)  # fmt: skip
_FRONT = ("front_km", "front_km_change_7d", "front_days_to_radius", "front_actor")
_STORED = (
    "SELECT s.date AS date, s.site_id AS site_id, s.risk AS risk, s.level AS level, s.status AS status,"
    " s.conflict AS conflict, s.route AS route, s.notice AS notice, s.events_30d AS events_30d,"
    " s.fatalities_30d AS fatalities_30d, s.nearest_event_km AS nearest_event_km,"
    " s.top_event_id AS top_event_id, s.supply_at_risk_t AS supply_at_risk_t, s.front_km AS front_km,"
    " s.front_km_change_7d AS front_km_change_7d, s.front_days_to_radius AS front_days_to_radius,"
    " s.front_actor AS front_actor"
    " FROM score s WHERE s.date >= :first AND s.date <= :last"
)


# ---- days----
def latest_day(store: Store, on_or_before: date | None = None) -> date | None:
    """The newest scored day on or before ``on_or_before`` (any day when None); None when none is scored."""
    if on_or_before is None:
        return dialect.as_date(sql.scalar(store, "SELECT MAX(date) FROM score"))
    return dialect.as_date(
        sql.scalar(store, "SELECT MAX(date) FROM score WHERE date <= :d", {"d": on_or_before})
    )


def day_span(store: Store) -> tuple[date | None, date | None]:
    """The first and the last scored day."""
    first, last = sql.row(store, "SELECT MIN(date), MAX(date) FROM score")
    return dialect.as_date(first), dialect.as_date(last)


def coverage(store: Store, first: date, last: date) -> pd.DataFrame:
    """Per stored day from ``first`` to ``last``: how many sites it scores (``sites``) and when it was
    computed (``computed_at``, that of the registry's first site: the pipeline writes a day's scores for
    every site at once). ``date`` as dates; ``computed_at`` NaT when the first site has no score that day."""
    span = {"first": first, "last": last}
    counts = sql.frame(
        store,
        "SELECT date, COUNT(*) AS sites FROM score WHERE date >= :first AND date <= :last GROUP BY date",
        span,
    )  # fmt: skip
    stamps = sql.frame(
        store,
        "SELECT date, computed_at FROM score WHERE site_id = (SELECT MIN(id) FROM site)"
        " AND date >= :first AND date <= :last",
        span,
    )
    counts["date"] = counts["date"].map(dialect.as_date)
    stamps["date"] = stamps["date"].map(dialect.as_date)
    stamps["computed_at"] = pd.to_datetime(stamps["computed_at"], format="mixed")
    merged = counts.merge(stamps, on="date", how="left")
    merged["sites"] = merged["sites"].astype(int)
    return merged[["date", "sites", "computed_at"]]


# ---- one day, every site----
def latest(store: Store) -> pd.DataFrame:
    """The newest scored day's site_id, risk, level and status of every site scored that day."""
    return sql.frame(
        store, "SELECT site_id, risk, level, status FROM score WHERE date = (SELECT MAX(date) FROM score)"
    )


def fronts(store: Store, site_ids: Sequence[str], on_or_before: date) -> pd.DataFrame:
    """Each site's front line (site_id, date, front_km, front_km_change_7d, front_days_to_radius,
    front_actor) on its newest scored day up to ``on_or_before``; sites without one are left out."""
    if not site_ids:
        return pd.DataFrame(columns=["site_id", "date", *_FRONT])
    marks, params = sql.in_list("site", sorted(site_ids))
    return sql.frame(
        store,
        f"SELECT s.site_id, s.date, {', '.join(f's.{c}' for c in _FRONT)} FROM score s"
        " JOIN (SELECT site_id, MAX(date) AS day FROM score"
        f" WHERE date <= :d AND site_id IN ({marks}) GROUP BY site_id) m"
        " ON m.site_id = s.site_id AND m.day = s.date WHERE s.front_km IS NOT NULL",
        {"d": on_or_before, **params},
        types={"date": sa.Date()},
    )


def sites_on_day(
    store: Store, day: date | None, commodities: Sequence[str] = (), levels: Sequence[str] = ()
) -> pd.DataFrame:
    """Every registry site (or those of ``commodities``) with its score of ``day`` (empty score columns when
    it has none), and the registry's status as ``registry_status``. ``levels`` keeps the sites at those
    levels (``UNSCORED`` for the sites without a score), in SQL, so only their scores are read."""
    params: dict[str, Any] = {"d": day}
    where = []
    if commodities:
        marks, more = sql.in_list("commodity", list(commodities))
        where.append(f"si.commodity in ({marks})")
        params.update(more)
    if levels:
        marks, more = sql.in_list("level", list(levels))
        where.append(f"coalesce(s.level, '{UNSCORED}') in ({marks})")
        params.update(more)
    # Left join from site so unscored sites still show; the score lookup uses its (site_id, date) key.
    return sql.frame(
        store,
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


def at_risk_on(store: Store, day: date) -> pd.DataFrame:
    """The sites with a risk above 0 on ``day`` (site_id, site_name, country, level, risk), riskiest first:
    what puts tonnes at risk, before they are counted per commodity (``monitor.supply``)."""
    return sql.frame(
        store,
        """
        select si.id as site_id, si.name as site_name, si.country, s.level, s.risk
        from score s join site si on si.id = s.site_id
        where s.date = :d and s.risk > 0
        order by s.risk desc, si.id
        """,
        {"d": day},
    )


# ---- one site----
def of_site(store: Store, site_id: str, after: date, through: date, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of a site's scores of the days after ``after`` up to ``through``, oldest first."""
    return sql.frame(
        store,
        f"select {', '.join(columns)} from score where site_id = :id and date > :start and date <= :end"
        " order by date",
        {"id": site_id, "start": after, "end": through},
    )


def explain_of(store: Store, site_id: str, on_or_before: date) -> dict[str, Any]:
    """Why a site scored as it did: the ``explain`` of its newest score on or before a day ({} if none)."""
    raw = sql.scalar(
        store,
        "select explain from score where site_id = :id and date <= :d order by date desc limit 1",
        {"id": site_id, "d": on_or_before},
    )
    explain = dialect.json_value(raw)
    return explain if isinstance(explain, dict) else {}


# ---- many days----
def of_days(store: Store, first: date, last: date) -> pd.DataFrame:
    """Every site's scores from ``first`` to ``last`` (site_id, date, status, level, risk and the three
    components), dates as dates, in the database's order."""
    query = sa.select(
        SCORE.c.site_id, SCORE.c.date, SCORE.c.status, SCORE.c.level, SCORE.c.risk, SCORE.c.conflict,
        SCORE.c.route, SCORE.c.notice,
    ).where(SCORE.c.date >= first, SCORE.c.date <= last)  # fmt: skip
    return sql.select(store, query)


def recomputed_since(store: Store, since: datetime, first: date, last: date) -> set[str]:
    """Sites whose scores of a day from ``first`` to ``last`` were computed at or after ``since``."""
    query = (
        sa.select(SCORE.c.site_id)
        .distinct()
        .where(SCORE.c.computed_at >= since, SCORE.c.date >= first, SCORE.c.date <= last)
    )
    with store.engine.connect() as conn:
        return {str(s) for s in conn.execute(query).scalars()}


def last_operating_before(
    store: Store, site_ids: Sequence[str], day: date
) -> dict[str, tuple[date | None, date | None]]:
    """Per site, over its scores before ``day``: the last day it was not halted, and its first scored day."""
    not_halted = sa.case((SCORE.c.status != "halted", SCORE.c.date))
    query = (
        sa.select(SCORE.c.site_id, sa.func.max(not_halted), sa.func.min(SCORE.c.date))
        .where(SCORE.c.site_id.in_(list(site_ids)), SCORE.c.date < day)
        .group_by(SCORE.c.site_id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    # An aggregate over a CASE may come back untyped (text) on SQLite.
    return {str(r[0]): (dialect.as_date(r[1]), dialect.as_date(r[2])) for r in rows}


def arrow(reader: ArrowReader, first: date, last: date, site_ids: Sequence[str] | None = None) -> pa.Table:
    """The stored scores from ``first`` to ``last`` (of ``site_ids`` only, when given) as ``STORED_ARROW``."""
    query, params = _STORED, {"first": first, "last": last}
    if site_ids is not None:
        marks, more = sql.in_list("site", list(site_ids))
        query, params = query + f" AND s.site_id IN ({marks})", {**params, **more}
    return reader.read(query, params, STORED_ARROW)


# ---- supply----
def supply_days(store: Store, after: date, through: date) -> pd.DataFrame:
    """Tonnes at risk per commodity per day (``supply_day``, summed from the scores as they are written) for
    the days after ``after`` up to ``through``, by day then commodity."""
    return sql.frame(
        store,
        """
        select date, commodity, supply_at_risk_t, sites, sites_output_unknown from supply_day
        where date > :start and date <= :end
        order by date, commodity
        """,
        {"start": after, "end": through},
    )
