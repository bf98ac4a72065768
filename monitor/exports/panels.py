"""The export panels as streams of Arrow tables, one block of days at a time, filtered and point-in-time.

Risk and supply come from the stored scores when those are current (see ``ensure_scored``) and are computed
for a vintage (``as_known_at``) from only the rows minewatch had stored, and that were public, by then.
Rows are sorted in Arrow (byte order), never by the database, so SQLite and PostgreSQL give the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from monitor import sites, supply
from monitor.alerting.panel import alert_rows
from monitor.exports.arrowsql import ArrowReader, conform
from monitor.exports.query import Query
from monitor.exports.schemas import SCHEMAS
from monitor.pipeline import Pipeline, params_hash
from monitor.store import Store

__all__ = ["ROWS_PER_BLOCK", "chunks", "day_blocks", "ensure_scored", "risk_frame", "selected_sites"]

#: About this many rows are read, computed and written at a time (memory stays flat on long ranges).
ROWS_PER_BLOCK = 250_000
#: Vintage scores are computed with their explanations: smaller blocks.
COMPUTED_ROWS_PER_BLOCK = 60_000
#: Events and notices are read a month at a time.
TEXT_BLOCK_DAYS = 31
#: A site selection up to this size goes into the SQL; a larger one is applied to what was read.
MAX_SQL_SITES = 1000
#: ACLED's text columns, left out with ``derived_only`` (ACLED restricts redistributing its raw rows).
ACLED_TEXT_COLUMNS: tuple[str, ...] = ("actor1", "actor2", "location", "admin1", "notes")

_SCORES = pa.schema(
    [
        ("date", pa.date32()), ("site_id", pa.string()), ("risk", pa.float64()), ("level", pa.string()),
        ("status", pa.string()), ("conflict", pa.float64()), ("route", pa.float64()),
        ("notice", pa.float64()), ("events_30d", pa.int64()), ("fatalities_30d", pa.int64()),
        ("nearest_event_km", pa.float64()), ("top_event_id", pa.string()), ("supply_at_risk_t", pa.float64()),
    ]
)  # fmt: skip
_STORED = pa.schema(
    [f if f.name != "top_event_id" else pa.field("top_event_id", pa.int64()) for f in _SCORES]
)
# The top event stays an id here (joining the event table per row costs more than the whole read).
_STORED_SCORES = (
    "SELECT s.date AS date, s.site_id AS site_id, s.risk AS risk, s.level AS level, s.status AS status,"
    " s.conflict AS conflict, s.route AS route, s.notice AS notice, s.events_30d AS events_30d,"
    " s.fatalities_30d AS fatalities_30d, s.nearest_event_km AS nearest_event_km,"
    " s.top_event_id AS top_event_id, s.supply_at_risk_t AS supply_at_risk_t"
    " FROM score s WHERE s.date >= :first AND s.date <= :last"
)
_EVENTS = (
    "SELECT e.event_date AS event_date, e.source AS source, e.source_id AS source_id,"
    " e.published_at AS published_at, e.first_seen_at AS first_seen_at, e.known_at AS known_at,"
    " e.type AS type, e.sub_type AS sub_type, e.actor1 AS actor1, e.actor2 AS actor2,"
    " e.fatalities AS fatalities, e.lat AS lat, e.lon AS lon, e.geo_precision AS geo_precision,"
    " e.location AS location, e.country AS country, e.admin1 AS admin1, x.site_id AS nearest_site_id,"
    " x.distance_km AS nearest_site_km, x.via AS via, e.notes AS notes, e.url AS url"
    " FROM event e LEFT JOIN (SELECT y.event_id, y.site_id, y.distance_km, y.via, ROW_NUMBER() OVER"
    " (PARTITION BY y.event_id ORDER BY y.distance_km, y.site_id) AS rn FROM exposure y"
    " JOIN event z ON z.id = y.event_id WHERE z.event_date >= :first AND z.event_date <= :last) x"
    " ON x.event_id = e.id AND x.rn = 1"
    " WHERE e.event_date >= :first AND e.event_date <= :last"
)
_NOTICES = (
    "SELECT n.id AS id, n.published_at AS published_at, n.source AS source, n.source_id AS source_id,"
    " n.url AS url, n.title AS title, n.language AS language, n.kind AS kind, n.confidence AS confidence,"
    " n.first_seen_at AS first_seen_at, n.known_at AS known_at, n.summary AS summary,"
    " s.site_id AS site_id, s.matched_on AS matched_on"
    " FROM notice n LEFT JOIN noticesite s ON s.notice_id = n.id"
    " WHERE n.known_at >= :first AND n.known_at < :stop"
)
_NOTICE_ROWS = pa.schema(
    [
        ("id", pa.int64()), ("published_at", pa.timestamp("us", tz="UTC")), ("source", pa.string()),
        ("source_id", pa.string()), ("url", pa.string()), ("title", pa.string()), ("language", pa.string()),
        ("kind", pa.string()), ("confidence", pa.float64()), ("first_seen_at", pa.timestamp("us", tz="UTC")),
        ("known_at", pa.timestamp("us", tz="UTC")), ("summary", pa.string()), ("site_id", pa.string()),
        ("matched_on", pa.string()),
    ]
)  # fmt: skip


def chunks(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    """The panel of ``query`` as Arrow tables in its schema, in order; concatenated they are the panel."""
    build = {
        "risk": _risk,
        "supply": _supply,
        "events": _events,
        "notices": _notices,
        "alerts": _alerts,
    }[query.panel]
    return build(pipeline, query, reader)


def selected_sites(frame: pd.DataFrame, query: Query, *, by_country: bool = True) -> pd.DataFrame:
    """The registry rows the filters select (every site when there are no filters)."""
    keep = pd.Series(True, index=frame.index)
    if query.sites:
        keep &= frame["id"].isin(query.sites)
    if query.commodities:
        keep &= frame["commodity"].isin(query.commodities)
    if query.countries and by_country:
        keep &= frame["country"].isin(query.countries)
    return frame[keep].sort_values("id").reset_index(drop=True)


def day_blocks(days: Sequence[date], per_day: int, rows: int = ROWS_PER_BLOCK) -> Iterator[list[date]]:
    """``days`` in runs of about ``rows // per_day`` days."""
    size = max(1, rows // max(per_day, 1))
    for start in range(0, len(days), size):
        yield list(days[start : start + size])


# ---- scores ----
def ensure_scored(pipeline: Pipeline, days: Sequence[date]) -> list[date]:
    """Score and store the days whose stored scores are missing, incomplete or stale; return those days.

    A stored day is current when it has one score per registry site, computed since the scores' epoch (the
    last registry change) under the scoring parameters in force now. The pipeline replaces a day's scores
    for every site at once, so the first site's ``computed_at`` stands for its day (two index lookups per
    day, not a scan of millions of rows).
    """
    if not days:
        return []
    store = pipeline.store
    n_sites = int(store.scalar("SELECT COUNT(*) FROM site") or 0)
    span = {"first": min(days), "last": max(days)}
    counts = store.frame(
        "SELECT date, COUNT(*) AS n FROM score WHERE date >= :first AND date <= :last GROUP BY date", span
    )
    first_site = store.scalar("SELECT MIN(id) FROM site")
    stamps = store.frame(
        "SELECT date, computed_at FROM score WHERE site_id = :site AND date >= :first AND date <= :last",
        {**span, "site": first_site},
    )
    epoch = pipeline.scores_epoch()
    fresh: set[date] = set()
    if epoch is not None and epoch[0] == params_hash(pipeline.settings.scoring) and not counts.empty:
        complete = {_as_day(d) for d, n in zip(counts["date"], counts["n"], strict=True) if int(n) == n_sites}
        computed = pd.to_datetime(stamps["computed_at"], format="mixed")
        current = {
            _as_day(d) for d, ok in zip(stamps["date"], computed >= pd.Timestamp(epoch[1]), strict=True) if ok
        }
        fresh = complete & current
    stale = [d for d in sorted(set(days)) if d not in fresh]
    for block in day_blocks(stale, n_sites, COMPUTED_ROWS_PER_BLOCK):
        pipeline.score(block)
    return stale


def _score_blocks(
    pipeline: Pipeline, query: Query, reader: ArrowReader, chosen: pd.DataFrame, n_sites: int
) -> Iterator[pa.Table]:
    """Scores of the chosen sites (``_SCORES``), a block of days at a time, sorted by date and site."""
    ids = chosen["id"].astype(str).tolist()
    if not ids:
        return
    in_sql = len(ids) < n_sites and len(ids) <= MAX_SQL_SITES
    if query.as_known_at is None:
        ensure_scored(pipeline, query.days)
        marks, params = _in_list("site", ids)
        sql = _STORED_SCORES + (f" AND s.site_id IN ({marks})" if in_sql else "")
        refs = EventRefs(pipeline.store)
        for block in day_blocks(query.days, n_sites):
            table = reader.read(sql, {"first": block[0], "last": block[-1], **params}, _STORED)
            table = _only_sites(table, ids, in_sql)
            table = table.set_column(_TOP, "top_event_id", refs.refs(table.column("top_event_id")))
            yield _sorted(table, ("date", "site_id"))
        return
    refs = EventRefs(pipeline.store)
    for block in day_blocks(query.days, n_sites, COMPUTED_ROWS_PER_BLOCK):
        scores = pipeline.score(block, persist=False, known_by=query.as_known_at)
        if scores.empty:
            continue
        scores = scores[scores["site_id"].isin(ids)].drop(columns=["explain"])
        table = conform(pa.Table.from_pandas(scores[list(_STORED.names)], preserve_index=False), _STORED)
        table = table.set_column(_TOP, "top_event_id", refs.refs(table.column("top_event_id")))
        yield _sorted(table, ("date", "site_id"))


def _risk(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    frame = sites.sites_frame(pipeline.store)
    chosen = selected_sites(frame, query)
    schema = SCHEMAS["risk"].arrow()
    index = pa.array(chosen["id"].astype(str).tolist(), pa.string())
    attributes = {
        "site_name": pa.array(chosen["name"].fillna("").astype(str).tolist(), pa.string()),
        "operator": pa.array(chosen["operator"].fillna("").astype(str).tolist(), pa.string()),
        "country": pa.array(chosen["country"].fillna("").astype(str).tolist(), pa.string()),
        "commodity": pa.array(chosen["commodity"].fillna("").astype(str).tolist(), pa.string()),
    }
    for scores in _score_blocks(pipeline, query, reader, chosen, len(frame)):
        where = pc.index_in(scores.column("site_id"), value_set=index)
        columns = {name: scores.column(name) for name in scores.column_names}
        columns.update({name: pc.take(values, where) for name, values in attributes.items()})
        yield pa.Table.from_arrays([columns[n] for n in schema.names], schema=schema)


def _supply(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    frame = sites.sites_frame(pipeline.store)
    chosen = selected_sites(frame, query)
    world = sites.commodities_frame()
    schema = SCHEMAS["supply"].arrow()
    for scores in _score_blocks(pipeline, query, reader, chosen, len(frame)):
        needed = scores.select(["date", "site_id", "level", "supply_at_risk_t"]).to_pandas()
        rolled = supply.supply_at_risk(needed, chosen, world)
        if rolled.empty:
            continue
        table = pa.Table.from_pandas(rolled[list(schema.names)], preserve_index=False)
        yield _sorted(conform(table, schema), SCHEMAS["supply"].sort_by)


# ---- events, notices, alerts ----
def _text_blocks(query: Query) -> Iterator[tuple[date, date]]:
    for block in day_blocks(query.days, 1, TEXT_BLOCK_DAYS):
        yield block[0], block[-1]


def _events(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    panel = SCHEMAS["events"]
    sql, params = _EVENTS, {}
    if query.as_known_at is not None:
        sql += " AND e.first_seen_at <= :known_by AND e.known_at <= :known_by"
        params["known_by"] = pipeline.store.time_param(query.as_known_at)
    if query.countries:
        marks, more = _in_list("country", query.countries)
        sql, params = sql + f" AND e.country IN ({marks})", {**params, **more}
    if query.sites or query.commodities:
        chosen = selected_sites(sites.sites_frame(pipeline.store), query, by_country=False)
        ids = chosen["id"].astype(str).tolist() or [""]
        marks, more = _in_list("site", ids)
        sql += f" AND EXISTS (SELECT 1 FROM exposure w WHERE w.event_id = e.id AND w.site_id IN ({marks}))"
        params.update(more)
    for first, last in _text_blocks(query):
        table = reader.read(sql, {**params, "first": first, "last": last}, panel.arrow())
        if query.derived_only:
            table = _without_acled_text(table)
        yield _sorted(table, panel.sort_by)


def _without_acled_text(table: pa.Table) -> pa.Table:
    """ACLED rows with their raw text columns emptied (derived-only exports)."""
    acled = pc.equal(table.column("source"), "acled")
    for name in ACLED_TEXT_COLUMNS:
        position = table.schema.get_field_index(name)
        emptied = pc.if_else(acled, pa.scalar("", pa.string()), table.column(name))
        table = table.set_column(position, name, emptied)
    return table


def _notices(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    panel = SCHEMAS["notices"]
    sql, params = _NOTICES, {}
    if query.as_known_at is not None:
        sql += " AND n.first_seen_at <= :known_by AND n.known_at <= :known_by"
        params["known_by"] = pipeline.store.time_param(query.as_known_at)
    wanted: set[str] | None = None
    if query.sites or query.commodities or query.countries:
        wanted = set(selected_sites(sites.sites_frame(pipeline.store), query)["id"].astype(str))
    for first, last in _text_blocks(query):
        rows = reader.read(sql, {**params, "first": first, "stop": last + timedelta(days=1)}, _NOTICE_ROWS)
        if rows.num_rows == 0:
            continue
        frame = rows.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
        frame = frame.sort_values(["id", "site_id"], kind="stable")
        linked = frame[frame["site_id"] != ""]
        joined = linked.groupby("id", sort=False).agg(
            site_ids=("site_id", ";".join), matched_on=("matched_on", ";".join)
        )
        first_rows = frame.drop_duplicates("id").set_index("id").drop(columns=["site_id", "matched_on"])
        notices = first_rows.join(joined).fillna({"site_ids": "", "matched_on": ""})
        if wanted is not None:
            tied = notices["site_ids"].map(lambda ids: bool(wanted & set(ids.split(";"))) if ids else False)
            notices = notices[tied]
        table = pa.Table.from_pandas(notices.reset_index(drop=True)[list(panel.names)], preserve_index=False)
        yield _sorted(conform(table, panel.arrow()), panel.sort_by)


def _alerts(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    store = pipeline.store
    panel = SCHEMAS["alerts"]
    known_by = query.as_known_at
    cut = " AND a.created_at <= :known_by" if known_by is not None else ""
    frame = sites.sites_frame(store)
    chosen = selected_sites(frame, query)
    filtered = bool(query.sites or query.commodities or query.countries)
    registry = frame.set_index("id")
    for first, last in _text_blocks(query):
        params: dict[str, Any] = {"first": first, "stop": last + timedelta(days=1)}
        if known_by is not None:
            params["known_by"] = store.time_param(known_by)
        alerts = store.frame(
            "SELECT a.id, a.created_at, a.kind, a.site_id, a.episode, a.status, a.title, a.payload,"
            " a.fingerprint FROM alert a WHERE a.created_at >= :first AND a.created_at < :stop" + cut,
            params,
        )
        if filtered:
            alerts = alerts[alerts["site_id"].isin(set(chosen["id"]))]
        if alerts.empty:
            continue
        rows = alert_rows(store, alerts, registry, known_by, query.derived_only)
        table = pa.Table.from_pandas(rows[list(panel.names)], preserve_index=False)
        yield _sorted(conform(table, panel.arrow()), panel.sort_by)


# ---- the risk panel as a DataFrame ----
def risk_frame(pipeline: Pipeline, days: Sequence[date]) -> pd.DataFrame:
    """The risk panel of ``days`` as a DataFrame (the CLI's ranking, the demo), scored and stored."""
    scores = pipeline.score(days)
    site_frame = sites.sites_frame(pipeline.store)
    if scores.empty:
        return pd.DataFrame(columns=list(SCHEMAS["risk"].names))
    refs = event_refs(pipeline.store, scores["top_event_id"])
    merged = scores.merge(
        site_frame[["id", "name", "operator", "country", "commodity"]].rename(
            columns={"id": "site_id", "name": "site_name"}
        ),
        on="site_id",
        how="left",
    )
    merged["top_event_id"] = merged["top_event_id"].map(refs)
    return merged.sort_values(["date", "site_id"])[list(SCHEMAS["risk"].names)].reset_index(drop=True)


# ---- helpers ----
_TOP = _SCORES.get_field_index("top_event_id")


class EventRefs:
    """Internal event ids -> 'source:source_id', looked up in bulk and remembered across blocks."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._ids: list[int] = []
        self._refs: list[str] = []
        self._known: set[int] = set()

    def refs(self, ids: pa.ChunkedArray) -> pa.ChunkedArray:
        """The references of ``ids`` ('' where there is no id or no such event)."""
        wanted = [
            i for i in pc.unique(ids.cast(pa.int64())).to_pylist() if i is not None and i not in self._known
        ]
        if wanted:
            found = event_refs(self.store, pd.Series(wanted))
            self._ids += list(found)
            self._refs += list(found.values())
            self._known.update(wanted)
        where = pc.index_in(ids.cast(pa.int64()), value_set=pa.array(self._ids, pa.int64()))
        taken = pc.take(pa.array(self._refs, pa.string()), where)
        return (taken if isinstance(taken, pa.ChunkedArray) else pa.chunked_array([taken])).fill_null("")


def _as_day(value: object) -> date:
    """A date column's value (text on SQLite, a date on PostgreSQL) as a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def event_refs(store: Store, ids: pd.Series) -> dict[int, str]:
    """Internal event ids -> stable 'source:source_id' references."""
    wanted = sorted({int(i) for i in ids.dropna()})
    refs: dict[int, str] = {}
    for start in range(0, len(wanted), 900):
        marks, params = _in_list("i", wanted[start : start + 900])
        frame = store.frame(f"SELECT id, source, source_id FROM event WHERE id IN ({marks})", params)
        refs.update({int(r.id): f"{r.source}:{r.source_id}" for r in frame.itertuples()})
    return refs


def _in_list(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``:p0, :p1, ...`` placeholders and their parameters for an IN list."""
    params = {f"{prefix}{n}": v for n, v in enumerate(values)}
    return ", ".join(f":{k}" for k in params), params


def _only_sites(table: pa.Table, ids: Sequence[str], already: bool) -> pa.Table:
    """Rows of the chosen sites (a no-op when the SQL already selected them)."""
    if already:
        return table
    return table.filter(pc.is_in(table.column("site_id"), value_set=pa.array(list(ids), pa.string())))


def _sorted(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """Rows in the panel's order (Arrow compares text byte by byte, whatever the database's collation)."""
    if table.num_rows < 2:
        return table
    return table.take(pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys]))
