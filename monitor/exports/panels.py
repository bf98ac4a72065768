"""The export panels as streams of Arrow tables, one block of days at a time, filtered and point-in-time.

Risk and supply come from the stored scores when those are current (``Pipeline.stale_days``); the days
without current scores, up to ``MAX_COMPUTED_SITE_DAYS``, are computed in memory, and so is a vintage
(``as_known_at``), from only the rows minewatch had stored, and that were public, by then. A panel is a
read: it never writes scores or incidents (the scheduler and ``minewatch score`` store them). Rows are
sorted in Arrow (byte order), never by the database, so SQLite and PostgreSQL give the same order.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from monitor import feedback, reads, sites, supply
from monitor.dialect import naive_utc
from monitor.errors import InputError
from monitor.exports.alert_rows import alert_rows
from monitor.exports.query import Query
from monitor.exports.schemas import SCHEMAS
from monitor.pipeline import OWED_HISTORY_HINT, SCORE_ROWS_PER_BLOCK, Pipeline, day_blocks
from monitor.reads.arrow import ArrowReader, conform
from monitor.reads.known import Known
from monitor.store import Store

__all__ = [
    "MAX_COMPUTED_SITE_DAYS",
    "ROWS_PER_BLOCK",
    "chunks",
    "computed_days",
    "risk_frame",
    "selected_sites",
]

#: About this many rows are read, computed and written at a time (memory stays flat on long ranges).
ROWS_PER_BLOCK = 250_000
#: A read computes at most this many site-days without current stored scores (or of a vintage; about two
#: seconds of scoring per 100,000 on two cores); more is refused before anything is sent (score them first
#: with ``minewatch score --history``, or ask a shorter range or fewer sites).
MAX_COMPUTED_SITE_DAYS = 2_000_000
#: Events and notices are read a month at a time.
TEXT_BLOCK_DAYS = 31
#: A site selection up to this size goes into the SQL; a larger one is applied to what was read.
MAX_SQL_SITES = 1000
#: ACLED's text columns, left out with ``derived_only`` (ACLED restricts redistributing its raw rows).
ACLED_TEXT_COLUMNS: tuple[str, ...] = ("actor1", "actor2", "location", "admin1", "notes")

_T = TypeVar("_T")
#: The risk and supply panels' scores: the stored ones with the top event as its reference.
_SCORES = pa.schema(
    [
        f if f.name != "top_event_id" else pa.field("top_event_id", pa.string())
        for f in reads.scores.STORED_ARROW
    ]
)


def chunks(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    """The panel of ``query`` as Arrow tables in its schema, in order; concatenated they are the panel."""
    build = {
        "risk": _risk,
        "supply": _supply,
        "events": _events,
        "notices": _notices,
        "alerts": _alerts,
        "feedback": _feedback,
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


# ---- scores ----
def computed_days(pipeline: Pipeline, query: Query) -> set[date]:
    """The days of a risk or supply query computed in memory (those without current stored scores, or
    all of a vintage); InputError when they are more than ``MAX_COMPUTED_SITE_DAYS`` site-days. Other
    panels: none."""
    if query.panel not in ("risk", "supply"):
        return set()
    vintage = query.as_known_at
    computed = set(query.days if vintage is not None else pipeline.stale_days(query.days))
    site_days = len(computed) * reads.sites.count(pipeline.store)
    if site_days > MAX_COMPUTED_SITE_DAYS:
        what = "of the vintage" if vintage is not None else "without current stored scores"
        raise InputError(
            f"{len(computed)} days {what} in {query.start}..{query.end} ({site_days:,} site-days): a read "
            f"computes at most {MAX_COMPUTED_SITE_DAYS:,}; ask a shorter range"
            + ("" if vintage is not None else f" or store them first ({OWED_HISTORY_HINT})")
        )
    return computed


def _score_blocks(
    pipeline: Pipeline, query: Query, reader: ArrowReader, chosen: pd.DataFrame, n_sites: int
) -> Iterator[pa.Table]:
    """Scores of the chosen sites (``_SCORES``), a block of days at a time, sorted by date and site."""
    ids = chosen["id"].astype(str).tolist()
    if not ids:
        return
    in_sql = len(ids) < n_sites and len(ids) <= MAX_SQL_SITES
    vintage = query.as_known_at
    computed = computed_days(pipeline, query)
    refs = EventRefs(pipeline.store)
    reader.expect_rows((len(query.days) - len(computed)) * len(ids))
    loads: list[tuple[bool, Callable[[], pa.Table | None]]] = []
    for compute, run in itertools.groupby(query.days, key=lambda d: d in computed):
        days = list(run)
        for block in day_blocks(days, n_sites, SCORE_ROWS_PER_BLOCK if compute else ROWS_PER_BLOCK):
            if compute:
                loads.append((False, functools.partial(_computed, pipeline, block, ids, vintage)))
            else:
                read = functools.partial(_stored, reader, block, ids, in_sql)
                loads.append((reader.reads_in_any_thread, read))
    for table in _read_ahead(loads):
        if table is None:
            continue
        table = table.set_column(_TOP, "top_event_id", refs.refs(table.column("top_event_id")))
        yield _sorted(table, ("date", "site_id"))


def _stored(reader: ArrowReader, days: list[date], ids: list[str], in_sql: bool) -> pa.Table:
    """Stored scores of ``days`` and the chosen sites (``STORED_ARROW``)."""
    table = reads.scores.arrow(reader, days[0], days[-1], ids if in_sql else None)
    return _only_sites(table, ids, in_sql)


def _read_ahead(loads: Sequence[tuple[bool, Callable[[], _T]]]) -> Iterator[_T]:
    """The result of each load, in order. A load marked to read ahead starts in a thread when the one before
    it is handed out, so reading the next block of stored scores (which waits on the SQLite worker process
    or the database server) overlaps the caller's work on this one (sorting, encoding, writing): on two
    cores a year of Parquet takes the longer of the two instead of their sum."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        pending: Future[_T] | None = None
        for i, (_, load) in enumerate(loads):
            result = pending.result() if pending is not None else load()
            pending = None
            if i + 1 < len(loads) and loads[i + 1][0]:
                pending = pool.submit(loads[i + 1][1])
            yield result


def _computed(
    pipeline: Pipeline, days: list[date], ids: list[str], vintage: datetime | None
) -> pa.Table | None:
    """Scores of ``days`` computed in memory (``STORED_ARROW``), or None when there are none."""
    scores = pipeline.score(days, persist=False, known_by=vintage, fuse=False, explain=False)
    if scores.empty:
        return None
    scores = scores[scores["site_id"].isin(ids)].drop(columns=["explain"])
    stored = reads.scores.STORED_ARROW
    return conform(pa.Table.from_pandas(scores[list(stored.names)], preserve_index=False), stored)


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
        needed = scores.select(["date", "site_id", "level", "risk"]).to_pandas()
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
    known = Known(vintage=query.as_known_at)
    reach = None
    if query.sites or query.commodities:
        whole = sites.reach(pipeline.store, pipeline.settings.matching)
        reach = whole.of(selected_sites(whole.sites, query, by_country=False)["id"])
    pipeline.fuse()
    moment = naive_utc(query.as_known_at or pipeline.now())
    in_force = feedback.in_force(reads.feedback.given_before(pipeline.store, moment), moment)
    schema = pa.unify_schemas([panel.arrow(), reads.events.PANEL_REFS])
    for first, last in _text_blocks(query):
        table = reads.events.arrow_panel(reader, first, last, schema, known, query.countries, reach)
        refs = table.select(reads.events.PANEL_REFS.names).to_pandas()
        verdicts = feedback.labels(refs["event_ref"], refs["incident_ref"], in_force)
        table = table.set_column(
            panel.names.index("verdict"), "verdict", pa.array(verdicts.tolist(), pa.string())
        ).select(list(panel.names))
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
    known = Known(vintage=query.as_known_at)
    wanted: set[str] | None = None
    if query.sites or query.commodities or query.countries:
        wanted = set(selected_sites(sites.sites_frame(pipeline.store), query)["id"].astype(str))
    for first, last in _text_blocks(query):
        rows = reads.notices.arrow_panel(reader, first, last, known)
        if rows.num_rows == 0:
            continue
        frame = rows.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
        frame = frame.sort_values(["id", "site_id"], kind="stable")
        linked = frame[frame["site_id"] != ""]
        joined = linked.groupby("id", sort=False).agg(
            site_ids=("site_id", ";".join), matched_on=("matched_on", ";".join)
        )
        mentions = reads.notices.operator_mentions(pipeline.store, first, last, known)
        operators = mentions.groupby("notice_id", sort=False)["operator"].agg(";".join).rename("operators")
        first_rows = frame.drop_duplicates("id").set_index("id").drop(columns=["site_id", "matched_on"])
        notices = (
            first_rows.join(joined)
            .join(operators)
            .fillna({"site_ids": "", "matched_on": "", "operators": ""})
        )
        if wanted is not None:
            tied = notices["site_ids"].map(lambda ids: bool(wanted & set(ids.split(";"))) if ids else False)
            notices = notices[tied]
        table = pa.Table.from_pandas(notices.reset_index(drop=True)[list(panel.names)], preserve_index=False)
        yield _sorted(conform(table, panel.arrow()), panel.sort_by)


def _alerts(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    store = pipeline.store
    panel = SCHEMAS["alerts"]
    known_by = query.as_known_at
    frame = sites.sites_frame(store)
    chosen = selected_sites(frame, query)
    filtered = bool(query.sites or query.commodities or query.countries)
    registry = frame.set_index("id")
    for first, last in _text_blocks(query):
        alerts = reads.alerts.created_between(store, first, last + timedelta(days=1), known_by)
        if filtered:
            alerts = alerts[alerts["site_id"].isin(set(chosen["id"]))]
        if alerts.empty:
            continue
        rows = alert_rows(store, alerts, registry, known_by, query.derived_only)
        table = pa.Table.from_pandas(rows[list(panel.names)], preserve_index=False)
        yield _sorted(conform(table, panel.arrow()), panel.sort_by)


def _feedback(pipeline: Pipeline, query: Query, reader: ArrowReader) -> Iterator[pa.Table]:
    panel = SCHEMAS["feedback"]
    for first, last in _text_blocks(query):
        rows = reads.feedback.given_between(
            pipeline.store, first, last + timedelta(days=1), query.as_known_at
        )
        if rows.empty:
            continue
        table = pa.Table.from_pandas(rows[list(panel.names)], preserve_index=False)
        yield _sorted(conform(table, panel.arrow()), panel.sort_by)


# ---- the risk panel as a DataFrame ----
def risk_frame(pipeline: Pipeline, days: Sequence[date]) -> pd.DataFrame:
    """The risk panel of ``days`` as a DataFrame (the CLI's ranking, the demo), scored and stored."""
    scores = pipeline.score(days)
    site_frame = sites.sites_frame(pipeline.store)
    if scores.empty:
        return pd.DataFrame(columns=list(SCHEMAS["risk"].names))
    refs = reads.events.refs(pipeline.store, scores["top_event_id"].tolist())
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
            found = reads.events.refs(self.store, wanted)
            self._ids += list(found)
            self._refs += list(found.values())
            self._known.update(wanted)
        where = pc.index_in(ids.cast(pa.int64()), value_set=pa.array(self._ids, pa.int64()))
        taken = pc.take(pa.array(self._refs, pa.string()), where)
        return (taken if isinstance(taken, pa.ChunkedArray) else pa.chunked_array([taken])).fill_null("")


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
