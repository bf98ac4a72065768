"""Running read queries: the one place SQL text is executed for reading, with parameters converted for the
database (``monitor.dialect``). Only the modules of ``monitor.reads`` import this (an import-linter contract
holds everyone else to the named reads).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from monitor import dialect
from monitor.store import Store

__all__ = ["LARGE_CHUNK_ROWS", "frame", "in_list", "large_frame", "row", "scalar", "select"]


def frame(
    store: Store,
    sql: str,
    params: Mapping[str, Any] | None = None,
    types: Mapping[str, sa.types.TypeEngine[Any]] | None = None,
) -> pd.DataFrame:
    """A read query's rows as a DataFrame (``:name`` parameters). ``types`` names columns SQLAlchemy decodes
    (e.g. ``sa.Date()``: a date, not SQLite's text); the others come as the driver gives them.

    The query runs on the DB-API cursor: SQLAlchemy would compile the statement first (about 0.14 s for an
    IN list of a tick's 3,900 sites on SQLite) and make a row object of each row (the alerts' lookback,
    35,000 rows: 0.23-0.26 s in all that way, 0.15 s this way; on PostgreSQL that way cost a tick 85 ms
    besides the server's work). A typed column is decoded instead by SQLAlchemy's own result processor once
    per distinct value (a lookback holds a few days; psycopg's values need none), so the frame is the one
    ``pd.read_sql_query`` would give."""
    with _executed(store, sql, params) as cur:
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    return _typed(pd.DataFrame.from_records(rows, columns=names, coerce_float=True), types, store)


def _typed(
    frame: pd.DataFrame, types: Mapping[str, sa.types.TypeEngine[Any]] | None, store: Store
) -> pd.DataFrame:
    """``frame`` with the columns ``types`` names decoded (``_decoded``); as it is when it has no rows."""
    for name, type_ in (types or {}).items():
        if len(frame) and name in frame.columns:
            frame[name] = _decoded(frame[name], type_, store.engine.dialect)
    return frame


def large_frame(
    store: Store,
    sql: str,
    params: Mapping[str, Any] | None = None,
    types: Mapping[str, sa.types.TypeEngine[Any]] | None = None,
) -> pd.DataFrame:
    """``frame`` for a read of millions of rows: fetched through the DB-API cursor ``LARGE_CHUNK_ROWS`` at a
    time, each chunk's ``types`` decoded as it comes, so memory holds the frame and one chunk of rows, not
    every row as Python tuples first (a 1.3M-row read of exposures went from 2.3 to 4 GB that way; a first
    fusion's read of 4M events peaked at 3.4 GB), and no SQLAlchemy row objects (2.5M rows: 14 s instead
    of 18 s)."""
    with _executed(store, sql, params) as cur:
        names = [d[0] for d in cur.description]
        chunks = []
        while rows := cur.fetchmany(LARGE_CHUNK_ROWS):
            chunk = pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
            del rows
            chunks.append(_typed(chunk, types, store))
    if len(chunks) <= 1:  # no rows: the columns a plain read names (not read again)
        return chunks[0] if chunks else pd.DataFrame.from_records([], columns=names)
    stacked = pd.concat(chunks, ignore_index=True)
    # A chunk where a column is all NULL comes as objects, and turns the stacked column so: infer it again.
    for name in stacked.columns:
        if stacked[name].dtype == object and any(c[name].dtype != object for c in chunks):
            stacked[name] = stacked[name].infer_objects()
    return stacked


def _decoded(column: pd.Series, type_: sa.types.TypeEngine[Any], dialect_: sa.Dialect) -> pd.Series:
    """``column``'s stored values as SQLAlchemy decodes them for ``type_``: each distinct value through the
    dialect's result processor once, NULLs left None, then the dtype pandas infers from such values (as
    ``DataFrame.from_records`` does for a column of decoded rows: datetimes become datetime64, dates stay
    objects, a column of NULLs stays objects)."""
    known = column.notna().any()  # a column of NULLs stays objects, as below
    if dialect_.name == "sqlite" and isinstance(type_, sa.DateTime) and not type_.timezone and known:
        # SQLite's text times parsed by pandas at once: the same values, where one call per distinct time
        # (a first fusion reads 300k of them) took 0.4 s of a 1 s read.
        try:
            return pd.to_datetime(column, format="ISO8601").astype("datetime64[us]")
        except (TypeError, ValueError):
            pass  # not all text in ISO 8601: SQLAlchemy's own parsing below says what it makes of them
    process = type_.dialect_impl(dialect_).result_processor(dialect_, None)
    if process is None:
        return column
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    decoded = np.empty(len(distinct) + 1, dtype=object)  # the last slot, None, is what code -1 picks
    decoded[:-1] = [process(v) for v in distinct]
    return pd.Series(decoded[codes], index=column.index, name=column.name).infer_objects()


@contextmanager
def _executed(store: Store, sql: str, params: Mapping[str, Any] | None) -> Iterator[Any]:
    """A DB-API cursor that ran ``sql`` (``:name`` parameters, given to the driver in its own style): no
    SQLAlchemy statement compiled, no row objects. Its connection goes back to the pool after."""
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(
            sql if store.dialect == "sqlite" else dialect.pyformat(sql), dialect.params(store.dialect, params)
        )
        yield cur
    finally:
        raw.close()


#: Rows ``large_frame`` fetches at a time.
LARGE_CHUNK_ROWS = 100_000


def scalar(store: Store, sql: str, params: Mapping[str, Any] | None = None) -> Any:
    """The first column of a read query's first row (None when there is none)."""
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql), dialect.params(store.dialect, params)).scalar()


def row(store: Store, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """A read query's first row (a query of aggregates always has one)."""
    with store.engine.connect() as conn:
        return tuple(conn.execute(sa.text(sql), dialect.params(store.dialect, params)).one())


def select(store: Store, query: sa.Select[Any]) -> pd.DataFrame:
    """A Core query's rows as a DataFrame (column types decoded by SQLAlchemy, alike on both databases)."""
    with store.engine.connect() as conn:
        result = conn.execute(query)
        # As tuples: pandas probes each SQLAlchemy row for attributes (10,000 rows: 0.13 s, not 5 ms).
        return pd.DataFrame.from_records([tuple(r) for r in result.all()], columns=list(result.keys()))


#: The most values an IN list of ``in_list`` holds (``dialect.MAX_IN_LIST``). Readers given more read wider
#: and filter (``listable``).
MAX_IN_LIST = dialect.MAX_IN_LIST


def listable(values: Collection[Any] | None) -> bool:
    """Whether ``values`` (None: no filter) go into the SQL as an IN list; if not, the reader filters."""
    return values is not None and len(values) <= MAX_IN_LIST


def in_list(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``:p0, :p1, ...`` placeholders for an IN list, and their parameters."""
    named = {f"{prefix}{n}": v for n, v in enumerate(values)}
    return ", ".join(f":{k}" for k in named), named
