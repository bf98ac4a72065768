"""Stored scores, one read per question: every reader of the ``score`` table (and of its roll-up
``supply_day``) goes through here.

A stored score of site S on day D is S's risk as known at the end of D (the pipeline computes it from the
rows public by then). Scores as known at an earlier moment (a vintage) are not stored: the pipeline computes
them (``Pipeline.score(days, known_by=T)``).

Storage is sparse: a day in ``score_day`` scored every registry site, and a site without a ``score`` row that
day is quiet (no exposure, no notice, no front line, operating: risk 0, the day's quiet level and
explanation). The quiet rows are filled in here, once (``_filled``), so every reader sees a score per site
and scored day as the dense table held.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from monitor import dialect
from monitor.domain import HALT_EPISODE_STATUSES, OPERATING, UNSCORED
from monitor.reads import sql
from monitor.reads.arrow import ArrowReader
from monitor.store import SCORES_OWED_FROM, Store

__all__ = [
    "STORED_ARROW",
    "HeldDays",
    "arrow",
    "at_risk_on",
    "coverage",
    "day_span",
    "fronts",
    "last_operating_before",
    "latest",
    "latest_day",
    "of_days",
    "of_site",
    "owed_from",
    "recomputed_since",
    "sites_on_day",
    "supply_days",
]

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
#: The quiet values that are not constants: the day's (from its ``score_day`` row), and a supply at risk of
#: 0 where the site's output is known (else unknown).
_DAY_LEVEL, _DAY_COMPUTED_AT, _NONE_AT_RISK = object(), object(), object()
#: A quiet score's value of each column: what scoring gives a site with nothing to tell of. Read in SQL
#: (``_filled``) and filled in Arrow (``_with_quiet``) from this one definition.
_QUIET_VALUES: dict[str, object] = {
    "risk": 0.0, "level": _DAY_LEVEL, "status": OPERATING, "conflict": 0.0, "route": 0.0, "notice": 0.0,
    "events_30d": 0, "fatalities_30d": 0, "nearest_event_km": None, "top_event_id": None,
    "supply_at_risk_t": _NONE_AT_RISK, "front_km": None, "front_km_change_7d": None,
    "front_days_to_radius": None, "front_actor": "", "computed_at": _DAY_COMPUTED_AT,
}  # fmt: skip
_QUIET_SQL = {_DAY_LEVEL: "d.level", _DAY_COMPUTED_AT: "d.computed_at",
    _NONE_AT_RISK: "CASE WHEN si.annual_output_t IS NULL THEN NULL ELSE 0.0 END"}  # fmt: skip


def _sql_literal(value: object) -> str:
    """A quiet value in SQL over ``d`` (the day's ``score_day`` row) and ``si`` (the site)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int | float):
        return repr(value)
    return _QUIET_SQL[value]


_QUIET: dict[str, str] = {column: _sql_literal(value) for column, value in _QUIET_VALUES.items()}
#: Every site on every scored day: ``d`` (score_day) x ``si`` (site), with ``s`` the stored row if any.
_SCORED_CELLS = "score_day d CROSS JOIN site si LEFT JOIN score s ON s.date = d.date AND s.site_id = si.id"


def _filled(column: str) -> str:
    """``column`` of the score of site ``si`` on day ``d`` (joined to ``s``, its stored row if any): the
    stored value, the quiet one when the day is scored and the site has no row, else NULL."""
    if column == "date":
        return "d.date AS date"
    if column == "site_id":
        return "si.id AS site_id"
    return (
        f"CASE WHEN s.date IS NOT NULL THEN s.{column} WHEN d.date IS NOT NULL THEN {_QUIET[column]} END"
        f" AS {column}"
    )


# ---- days----
def latest_day(store: Store, on_or_before: date | None = None) -> date | None:
    """The newest scored day on or before ``on_or_before`` (any day when None); None when none is scored."""
    if on_or_before is None:
        return dialect.as_date(sql.scalar(store, "SELECT MAX(date) FROM score_day"))
    return dialect.as_date(
        sql.scalar(store, "SELECT MAX(date) FROM score_day WHERE date <= :d", {"d": on_or_before})
    )


def owed_from(store: Store) -> date | None:
    """The first day of score history a rescore left to later (``SCORES_OWED_FROM``), None when none was."""
    raw = store.get_watermark(SCORES_OWED_FROM)
    return date.fromisoformat(raw) if raw else None


def day_span(store: Store) -> tuple[date | None, date | None]:
    """The first and the last scored day."""
    first, last = sql.row(store, "SELECT MIN(date), MAX(date) FROM score_day")
    return dialect.as_date(first), dialect.as_date(last)


def coverage(store: Store, first: date, last: date) -> pd.DataFrame:
    """Per scored day from ``first`` to ``last``: how many sites it scored (``sites``) and when it was
    last scored in full (``computed_at``). ``date`` as dates."""
    stored = sql.frame(
        store,
        "SELECT date, sites, computed_at FROM score_day WHERE date >= :first AND date <= :last",
        {"first": first, "last": last},
    )
    stored["date"] = stored["date"].map(dialect.as_date)
    stored["computed_at"] = pd.to_datetime(stored["computed_at"], format="mixed")
    stored["sites"] = stored["sites"].astype(int)
    return stored[["date", "sites", "computed_at"]]


# ---- one day, every site----
def latest(store: Store) -> pd.DataFrame:
    """The newest scored day's site_id, risk, level and status of every site."""
    columns = ", ".join(_filled(c) for c in ("site_id", "risk", "level", "status"))
    return sql.frame(
        store,
        f"SELECT {columns} FROM {_SCORED_CELLS} WHERE d.date = (SELECT MAX(date) FROM score_day)",
    )


def fronts(store: Store, site_ids: Sequence[str], on_or_before: date) -> pd.DataFrame:
    """Each site's front line (site_id, date, front_km, front_km_change_7d, front_days_to_radius,
    front_actor) on the newest scored day up to ``on_or_before``; sites without one are left out."""
    day = latest_day(store, on_or_before)
    if not site_ids or day is None:
        return pd.DataFrame(columns=["site_id", "date", *_FRONT])
    marks, params = sql.in_list("site", sorted(site_ids))
    return sql.frame(
        store,
        f"SELECT s.site_id, s.date, {', '.join(f's.{c}' for c in _FRONT)} FROM score s"
        f" WHERE s.date = :d AND s.site_id IN ({marks}) AND s.front_km IS NOT NULL",
        {"d": day, **params},
        types={"date": sa.Date()},
    )


def sites_on_day(
    store: Store, day: date | None, commodities: Sequence[str] = (), levels: Sequence[str] = ()
) -> pd.DataFrame:
    """Every registry site (or those of ``commodities``) with its score of ``day`` (empty score columns when
    the day is not scored), and the registry's status as ``registry_status``. ``levels`` keeps the sites at
    those levels (``UNSCORED`` for the sites without a score), in SQL, so only their scores are read."""
    params: dict[str, Any] = {"d": day}
    where = []
    if commodities:
        marks, more = sql.in_list("commodity", list(commodities))
        where.append(f"si.commodity in ({marks})")
        params.update(more)
    if levels:
        marks, more = sql.in_list("level", list(levels))
        level = _filled("level").removesuffix(" AS level")
        where.append(f"coalesce({level}, '{UNSCORED}') in ({marks})")
        params.update(more)
    scored = ", ".join(
        _filled(c)
        for c in (
            "risk", "level", "status", "conflict", "route", "notice", "events_30d", "fatalities_30d",
            "nearest_event_km", "top_event_id", "supply_at_risk_t",
        )
    )  # fmt: skip
    # Left joins from site so that every site shows; the score lookup uses its (date, site_id) key.
    return sql.frame(
        store,
        f"""
        select d.date, si.id as site_id, si.name as site_name, si.operator, si.country, si.commodity, si.lat,
               si.lon, si.annual_output_t, si.world_share, {scored},
               si.status as registry_status
        from site si left join score_day d on d.date = :d
        left join score s on s.date = :d and s.site_id = si.id
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
        f"select {', '.join(_filled(c) for c in columns)} from {_SCORED_CELLS}"
        " where si.id = :id and d.date > :start and d.date <= :end order by d.date",
        {"id": site_id, "start": after, "end": through},
    )


# ---- many days----
#: The columns ``of_days`` gives (the alert rules' timeline).
_OF_DAYS = pa.schema(
    [
        STORED_ARROW.field(c)
        for c in ("site_id", "date", "status", "level", "risk", "conflict", "route", "notice")
    ]
)
#: What ``HeldDays`` keeps of each stored row: ``of_days``' columns and when the row was computed.
_HELD = _OF_DAYS.append(pa.field("computed_at", pa.timestamp("us", tz="UTC")))


class HeldDays:
    """The stored rows ``of_days`` reads, kept by day between reads of one process (``minewatch run``'s
    alerts): a day's rows are read again only when its ``score_day.rows_version`` moved, which every write of
    any of its rows does (``Store``), so a tick reads the day or two it rescored instead of the whole
    lookback (at 10,000 sites, ten days of 9,900 rows: 0.18 s of a 1.6 s tick). Days no longer asked for are
    let go. The rows keep when they were computed, so ``recomputed_since`` answers from them too."""

    def __init__(self) -> None:
        self._held: dict[date, tuple[str, pa.Table]] = {}
        self._lock = threading.Lock()

    def stored(self, reader: ArrowReader, first: date, last: date) -> pa.Table:
        """The stored rows (``of_days``' columns and ``computed_at``) of the scored days from ``first`` to
        ``last``."""
        span = {"first": first, "last": last}
        with self._lock:
            marks = reader.read(_VERSIONS, span, _VERSIONS_ARROW).to_pydict()
            # Read before the rows: a write after this read moves a version the next read sees.
            versions = dict(zip(marks["date"], marks["rows_version"], strict=True))
            stale = sorted(d for d, v in versions.items() if d not in self._held or self._held[d][0] != v)
            if stale:
                rows = reader.read(_stored_rows(_HELD), {"first": stale[0], "last": stale[-1]}, _HELD)
                for day in (d for d in versions if stale[0] <= d <= stale[-1]):
                    on_day = rows.filter(pc.equal(rows.column("date"), pa.scalar(day, pa.date32())))
                    self._held[day] = (versions[day], on_day)
            self._held = {d: held for d, held in self._held.items() if d in versions}
            tables = [table for _, table in self._held.values()]
        return pa.concat_tables(tables) if tables else _HELD.empty_table()


def of_days(
    store: Store,
    first: date,
    last: date,
    site_ids: Collection[str] | None = None,
    held: HeldDays | None = None,
) -> pd.DataFrame:
    """Every site's scores (of ``site_ids`` only, when given) from ``first`` to ``last`` (site_id, date,
    status, level, risk and the three components), dates as dates, in no particular order; the stored rows
    through ``held``, when given.

    Read as ``arrow`` reads: the days' stored rows in key order, the quiet ones filled in, and the sites
    chosen after. A join of every site with every day, with the sites in an IN list, cost a key seek per
    site-day and the list's compilation: the alerts' lookback of 5,400 sites took 1.65 s of a 4 s tick on
    PostgreSQL, 0.2-0.35 s on SQLite.
    """
    reader = ArrowReader(store)
    stored = held.stored(reader, first, last).select(_OF_DAYS.names) if held is not None else None
    table = arrow(reader, first, last, schema=_OF_DAYS, stored=stored)
    if site_ids is not None:
        table = table.filter(
            pc.is_in(table.column("site_id"), value_set=pa.array(list(site_ids), pa.string()))
        )
    return table.to_pandas(date_as_object=True)


def recomputed_since(
    store: Store,
    since: datetime,
    first: date,
    last: date,
    held: HeldDays | None = None,
    held_from: date | None = None,
) -> set[str] | None:
    """Sites whose scores of a day from ``first`` to ``last`` were computed at or after ``since``: None
    (every site) when such a day was scored in full since, else the sites with rows computed since (a
    rescore of what new rows touch writes the rows of the sites it touched). Every site is None, not a list
    of them: a reader given 10,000 ids in an IN list takes longer than one reading every site (0.48 s
    against 0.30 s for the alerts' lookback).

    ``held``: the rows are those it holds, brought up to date over ``held_from`` (``first`` when None) to
    ``last``, the span its reader asks ``of_days`` for, so that the same days stay held. Scanning the stored
    rows of a ten-day lookback for their ``computed_at`` took 45-55 ms of a tick at 10,000 sites; the held
    rows answer in under 1 ms, and the tick's ``of_days`` then reads no stored row again."""
    span = {"since": since, "first": first, "last": last}
    full = sql.scalar(
        store,
        "SELECT 1 FROM score_day WHERE computed_at >= :since AND date >= :first AND date <= :last LIMIT 1",
        span,
    )
    if full:
        return None
    if held is None:
        rows = sql.frame(
            store,
            "SELECT DISTINCT site_id FROM score WHERE computed_at >= :since AND date >= :first"
            " AND date <= :last",
            span,
        )
        return {str(s) for s in rows["site_id"]}
    table = held.stored(ArrowReader(store), held_from or first, last)
    # Held times are whole seconds (``conform``): compared with ``since`` cut to its second, a row computed
    # in that second is counted, as in SQL, and so is one of the same second just before it (harmless: its
    # site is evaluated again).
    second = dialect.naive_utc(since).replace(microsecond=0, tzinfo=UTC)
    cut = pa.scalar(second, _HELD.field("computed_at").type)
    date_of = table.column("date")
    when = pc.and_(
        pc.and_(pc.greater_equal(date_of, pa.scalar(first, pa.date32())),
                pc.less_equal(date_of, pa.scalar(last, pa.date32()))),
        pc.greater_equal(table.column("computed_at"), cut),
    )  # fmt: skip
    return {str(s) for s in pc.unique(table.filter(when).column("site_id")).to_pylist()}


def last_operating_before(
    store: Store, site_ids: Sequence[str], day: date
) -> dict[str, tuple[date | None, date | None]]:
    """Per site, over its scores before ``day``: the last day it was not in a halt (halted or halt
    unconfirmed), and its first scored day."""
    if not site_ids:
        return {}
    marks, params = sql.in_list("site", list(site_ids))
    status = _filled("status").removesuffix(" AS status")
    halts = ", ".join(f"'{s}'" for s in sorted(HALT_EPISODE_STATUSES))
    rows = sql.frame(
        store,
        f"SELECT si.id AS site_id, MAX(CASE WHEN {status} NOT IN ({halts}) THEN d.date END) AS last_ok,"
        f" MIN(d.date) AS first_day FROM {_SCORED_CELLS}"
        f" WHERE si.id IN ({marks}) AND d.date < :d GROUP BY si.id",
        {"d": day, **params},
    )
    # An aggregate over a CASE may come back untyped (text) on SQLite.
    return {
        str(r.site_id): (dialect.as_date(r.last_ok), dialect.as_date(r.first_day)) for r in rows.itertuples()
    }


def arrow(
    reader: ArrowReader,
    first: date,
    last: date,
    site_ids: Sequence[str] | None = None,
    schema: pa.Schema = STORED_ARROW,
    stored: pa.Table | None = None,
) -> pa.Table:
    """The stored scores from ``first`` to ``last`` (of ``site_ids`` only, when given) as ``schema``
    (``STORED_ARROW`` or some of its columns, ``date`` and ``site_id`` among them), in no particular order;
    ``stored``: the stored rows of every site, already read (``HeldDays``).

    The stored rows are read as they are, in the table's key order, and the quiet ones are filled in Arrow
    (``_with_quiet``): the join of every scored day with every site that ``_filled`` reads costs a key seek
    per site-day (a year of 10,000 sites: 3.65M seeks, half the time of the whole read)."""
    span: dict[str, Any] = {"first": first, "last": last}
    rows = _stored_rows(schema)
    sites, only = _SITES, dict[str, Any]()
    if site_ids is not None:
        marks, only = sql.in_list("site", list(site_ids))
        rows, sites = rows + f" AND s.site_id IN ({marks})", sites + f" WHERE si.id IN ({marks})"
        if stored is not None:
            stored = stored.filter(
                pc.is_in(stored.column("site_id"), value_set=pa.array(site_ids, pa.string()))
            )
    if stored is None:
        stored = reader.read(rows, {**span, **only}, schema)
    days = reader.read(_DAYS, span, _DAYS_ARROW)
    registry = reader.read(sites, only, _SITES_ARROW)
    return _with_quiet(stored, days, registry, schema)


def _stored_rows(schema: pa.Schema) -> str:
    """The stored score rows' ``schema`` columns from ``:first`` to ``:last``."""
    columns = ", ".join(f"s.{f.name}" for f in schema)
    return f"SELECT {columns} FROM score s WHERE s.date >= :first AND s.date <= :last"


_DAYS = "SELECT d.date, d.level FROM score_day d WHERE d.date >= :first AND d.date <= :last"
_VERSIONS = "SELECT d.date, d.rows_version FROM score_day d WHERE d.date >= :first AND d.date <= :last"
_VERSIONS_ARROW = pa.schema([("date", pa.date32()), ("rows_version", pa.string())])
_DAYS_ARROW = pa.schema([("date", pa.date32()), ("level", pa.string())])
_SITES = "SELECT si.id AS site_id, si.annual_output_t FROM site si"
_SITES_ARROW = pa.schema([("site_id", pa.string()), ("annual_output_t", pa.float64())])


def _with_quiet(stored: pa.Table, days: pa.Table, registry: pa.Table, schema: pa.Schema) -> pa.Table:
    """The ``stored`` rows of the scored ``days`` and the ``registry``'s sites, and a quiet row
    (``_QUIET_VALUES``, column by column) for each of those site-days without one: what ``_filled`` gives in
    SQL."""
    day_of = pc.index_in(stored.column("date"), value_set=days.column("date"))
    site_of = pc.index_in(stored.column("site_id"), value_set=registry.column("site_id"))
    kept = pc.and_(day_of.is_valid(), site_of.is_valid())
    if not pc.all(kept).as_py():  # rows of days not scored in full, or of sites no longer in the registry
        stored, day_of, site_of = stored.filter(kept), day_of.filter(kept), site_of.filter(kept)
    n_sites = registry.num_rows
    loud = np.zeros(days.num_rows * n_sites, dtype=bool)
    loud[day_of.to_numpy().astype(np.int64) * n_sites + site_of.to_numpy()] = True
    quiet = np.flatnonzero(~loud)
    if quiet.size == 0:
        return stored
    day, site = pa.array(quiet // n_sites), pa.array(quiet % n_sites)
    n = quiet.size
    special = {
        _DAY_LEVEL: days.column("level").take(day),
        _NONE_AT_RISK: pc.if_else(
            registry.column("annual_output_t").is_valid().take(site), pa.repeat(pa.scalar(0.0), n),
            pa.nulls(n, pa.float64()),
        ),
    }  # fmt: skip
    values = {"date": days.column("date").take(day), "site_id": registry.column("site_id").take(site)}
    for f in schema:
        if f.name not in values:
            value = _QUIET_VALUES[f.name]
            values[f.name] = special[value] if value in special else pa.repeat(pa.scalar(value, f.type), n)
    filled = pa.Table.from_arrays([values[f.name] for f in schema], schema=schema)
    return pa.concat_tables([stored, filled])


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
