"""The store: engine, schema, idempotent bulk writes, feed runs and watermarks (reads: ``monitor.reads``).

Bulk paths go below the ORM: sqlite3 ``executemany`` (INSERT OR IGNORE) on SQLite, COPY into a temporary
table then ``INSERT ... ON CONFLICT DO NOTHING`` on PostgreSQL. Rows are keyed by their natural ids, so
writing the same rows twice changes nothing. The rows a write replaces (``Clear``) are deleted first in its
transaction: one DELETE per key on SQLite, one DELETE joined with the keys on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, overload

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlmodel import SQLModel

from feeds.rows import EVENT_COLUMNS, NOTICE_COLUMNS, REPORT_COUNTS, RejectedRow
from monitor import dialect, models, schema, supply
from monitor.dialect import naive_utc
from monitor.domain import LEVELS
from monitor.errors import StoreError
from monitor.redact import redact
from monitor.writelock import LOCKED, LockWait, LockWaitingConnection


@dataclass(frozen=True)
class Clear:
    """What a bulk insert replaces, deleted first in its transaction: the rows whose ``columns`` equal one
    of the ``keys`` tuples (differ from it, for the columns in ``differ``)."""

    columns: tuple[str, ...]
    keys: Sequence[tuple[Any, ...]]
    differ: frozenset[str] = frozenset()

    def condition(self, left: str, right: Callable[[str], str]) -> str:
        """The match of a row of ``left`` with one key, each key column given as ``right(column)``."""
        return " AND ".join(
            f"{left}.{c} {'!=' if c in self.differ else '='} {right(c)}" for c in self.columns
        )


class KeyColumns(Sequence[tuple[Any, ...]]):
    """``Clear.keys`` held as columns (numpy arrays of one length) and given as tuples a slice at a time:
    the keys of a first fusion's 4M events as a list of tuples held 280 MB more than their arrays."""

    def __init__(self, *columns: np.ndarray) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @overload
    def __getitem__(self, index: int) -> tuple[Any, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[Any, ...]]: ...

    def __getitem__(self, index: int | slice) -> tuple[Any, ...] | Sequence[tuple[Any, ...]]:
        if isinstance(index, slice):
            return KeyColumns(*(c[index] for c in self.columns))
        return tuple(c[index].item() for c in self.columns)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for start in range(0, len(self), FRAME_ROWS_PER_SLICE):
            parts = [c[start : start + FRAME_ROWS_PER_SLICE].tolist() for c in self.columns]
            yield from zip(*parts, strict=True)


@dataclass(frozen=True)
class WriteResult:
    """How many rows a bulk write inserted, and how many it skipped as already stored."""

    inserted: int
    duplicates: int


#: Watermark that changes on every scores write (``replace_scores``).
SCORES_VERSION = "scores.version"
#: The first day of score history a rescore left to later (ISO date; ``monitor.pipeline.PROMPT_SITE_DAYS``).
#: Only a rescore that leaves days writes it, and only lowers it: the days owed are found again each time,
#: as those from it up to today whose stored scores are missing or stale, so two writers never lose each
#: other's; the dashboard says the history from it is still being scored while no day from it is stored.
SCORES_OWED_FROM = "score:owed_from"
#: Watermark that changes on every registry write (``upsert`` of sites), in the write's own transaction:
#: readers that keep the registry (``monitor.sites.sites_frame``) read it anew when it moved.
REGISTRY_VERSION = "registry.version"
#: How much of SQLite's write-ahead log stays on disk after a checkpoint.
SQLITE_WAL_KEEP_BYTES = 64 << 20
#: The same on a store that defers its checkpoints (``minewatch run``): a tick's writes (about 100 MB at
#: 10,000 sites) reuse the log's file. Cut back to 64 MB at each checkpoint, the next tick's first write
#: truncated it (3-40 ms) and its writes grew it again.
SQLITE_DEFERRED_WAL_KEEP_BYTES = 256 << 20
#: How much write-ahead log a SQLite writer of a store that defers checkpoints (``minewatch run``) lets grow
#: before it checkpoints in its own commit; SQLite's default is 1,000 pages (16 MB here). A tick's writes
#: (80-120 MB at 10,000 sites while the exposures had a site index, about 10 MB since) then wait in the log
#: and are checkpointed after the tick's alerts (``Store.checkpoint``), off the path to them: in the commit
#: they cost 0.2 s of a 1.9 s tick (docs/benchmarks.md). A bulk run still checkpoints on the way at this size.
SQLITE_DEFERRED_CHECKPOINT_BYTES = 1 << 30
#: How much of a SQLite file is read through mmap (more is read through the page cache as usual). Every
#: mapped page a process touches counts in its resident memory: at 1 GiB a first import of 300k events x 10k
#: sites peaked at 2.8 GB, a third of it the mapped file (docs/benchmarks.md measures both sizes).
SQLITE_MMAP_BYTES = 256 << 20
#: How long ``Store.vacuum`` waits for another writer before it gives up: a running scheduler's tick takes
#: the lock for a second or two, and a ``VACUUM`` that got it would hold every writer off while it copies
#: the file (minutes on a store of several GB), so it is run with the scheduler stopped, not queued behind it.
VACUUM_WAIT_MS = 5_000
#: Days re-summed per read of their scores by ``rollup_supply`` (bounds memory on a whole-store roll-up).
_ROLLUP_DAYS = 62


#: What the drivers say when the store cannot take a write at all (SQLite's messages, PostgreSQL's SQLSTATE).
_READ_ONLY = ("attempt to write a readonly database", "25006")
_FULL = ("database or disk is full", "53100")


def _refusal(original: BaseException) -> StoreError | None:
    """The StoreError for a driver error saying the store cannot take a write at all (read-only, full, or
    locked past every wait), or None for any other error. The transaction is rolled back: nothing of it is
    kept."""
    said = f"{original} {getattr(original, 'sqlstate', '') or ''}"
    first = str(original).splitlines()[0] if str(original) else type(original).__name__
    if any(marker in said for marker in _READ_ONLY):
        return StoreError(f"the store is read-only: {first}; nothing was written")
    if any(marker in said for marker in _FULL):
        return StoreError(f"the store's disk is full: {first}; this write was undone")
    if LOCKED in said:
        return StoreError(
            f"the store stayed locked by another writer ({first}); nothing of it was "
            "written: try again, or find the process holding it"
        )
    return None


def _unwritable(context: Any) -> None:
    """SQLAlchemy's ``handle_error`` hook: a write the store cannot take raises its StoreError."""
    refused = _refusal(context.original_exception)
    if refused is not None:
        raise refused


def _sqlite_connect(wait: LockWait, deferred_checkpoints: bool) -> Any:
    """The connect hook of a SQLite engine: the write-lock policy, then the pragmas."""

    def connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.lock_wait = wait
        _sqlite_pragmas(dbapi_conn, wait.busy_timeout_ms, deferred_checkpoints)

    return connect


def _sqlite_pragmas(dbapi_conn: Any, busy_timeout_ms: int, deferred_checkpoints: bool) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA page_size=16384")  # before the first table: fewer, larger pages for bulk writes
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    if deferred_checkpoints:
        page_bytes = int(cur.execute("PRAGMA page_size").fetchone()[0])
        cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_DEFERRED_CHECKPOINT_BYTES // page_bytes}")
    # A bulk write's transaction grows the write-ahead log to its size; cut it back after each checkpoint
    # instead of keeping the largest one's size on disk.
    keep = SQLITE_DEFERRED_WAL_KEEP_BYTES if deferred_checkpoints else SQLITE_WAL_KEEP_BYTES
    cur.execute(f"PRAGMA journal_size_limit={keep}")
    cur.execute("PRAGMA foreign_keys=ON")
    # A writer waits for another (feed threads, the API, the CLI) this long, not Python's default 5 s, before
    # "database is locked" (then monitor.writelock tries again, a bounded number of times).
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # Reads through a memory map instead of a read() per page: the dashboard's index-driven lookups over a
    # large store halve (the OS page cache backs it, so memory is shared, not copied).
    cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    # 64 MiB of page cache (the default is 2 MiB): a bulk insert keeps its indexes' pages in memory.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def _sql_dt(value: Any) -> str | None:
    """A date or time as the text SQLAlchemy stores in SQLite (so ORM reads parse it); missing as None."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, date):
        return str(dialect.param("sqlite", value))
    return str(value)


#: orjson's options for JSON documents: sorted keys, numpy values, datetimes through ``str`` (as SQLAlchemy's
#: json.dumps would write them).
_JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME


def _json_text(value: Any) -> str | None:
    """A JSON document as text (orjson: about 5x json.dumps on score explanations); None stays NULL."""
    return None if value is None else orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()


def _sql_value(value: Any) -> Any:
    """A Python value as the DB-API expects it for our bulk paths (JSON as text, dates as ISO text)."""
    if isinstance(value, (dict, list)):
        return _json_text(value)
    return _sql_dt(value)


def _timestamps(column: pd.Series, unit: str) -> list[str | None]:
    """Dates or datetimes (naive UTC, or aware) as the text SQLAlchemy writes, vectorised; missing as None."""
    stamps = pd.to_datetime(column, utc=True).dt.tz_localize(None)
    text = np.datetime_as_string(stamps.to_numpy(dtype="datetime64[us]"), unit=unit)  # type: ignore[call-overload]
    if unit != "D" and text.size:
        # "YYYY-MM-DDTHH:MM:SS.ffffff" -> "YYYY-MM-DD HH:MM:SS.ffffff", in place on the fixed-width text.
        chars = text.view("<U1").reshape(text.size, -1)
        chars[:, 10] = np.where(chars[:, 10] == "T", " ", chars[:, 10])
    values = text.tolist()
    if stamps.hasnans:
        return [None if t == "NaT" else t for t in values]
    return values


NUL = "\x00"


def _without_nul(column: pd.Series) -> pd.Series:
    """A text column without NUL characters: PostgreSQL text cannot hold one (COPY would refuse the whole
    batch for one feed row that carries it), and SQLite keeps the same text. Checked in Arrow, in C."""
    if column.dtype != object and not pd.api.types.is_string_dtype(column):
        return column
    try:
        text = pa.array(column, from_pandas=True, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return column  # not text (JSON documents, mixed values)
    if not pc.any(pc.match_substring(text, NUL)).as_py():
        return column
    return column.str.replace(NUL, "", regex=False)


def _missing_as_none(column: pd.Series) -> list[Any]:
    """A column as a list with NaN/None/NaT as None (a NaN in a text column would reach COPY as 'nan')."""
    values = column.tolist()
    if column.hasnans:  # a vectorised check, so the common all-present column costs no Python loop
        return [None if v is None or v != v else v for v in values]
    return values


def _column_values(column: pd.Series) -> list[Any]:
    """A column as DB-API values, converted column by column in C (numpy, Arrow): NaN/NaT -> None,
    datetimes and dates as the text SQLAlchemy writes, numpy scalars made plain. Only dicts and lists (JSON
    documents) are converted value by value."""
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) == "string":
        return _missing_as_none(column)  # Python strings already: no round trip through Arrow
    values = _column_array(column)
    return values.to_pylist() if isinstance(values, pa.Array) else values  # type: ignore[no-any-return]


def _column_array(column: pd.Series) -> pa.Array | list[Any]:
    """A column as an Arrow array of what both databases take as it is (numbers, booleans, text, dates and
    datetimes as text), converted in C; as DB-API values when it holds JSON documents or mixed values."""
    kind = column.dtype.kind
    if kind in "iubf":
        return pa.array(column.to_numpy(), from_pandas=True)
    if kind == "M":
        return pa.array(_timestamps(column, unit="us"), type=pa.string())
    present = column.first_valid_index()
    if present is not None and isinstance(column[present], (dict, list)):
        # JSON documents: Arrow would infer a struct type from them, for nothing.
        return [_json_text(v) for v in column.tolist()]
    try:
        arrow = pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arrow = None  # mixed values: let each convert itself
    if arrow is not None and pa.types.is_timestamp(arrow.type):
        return pa.array(_timestamps(column, unit="us"), type=pa.string())
    if arrow is not None and pa.types.is_date(arrow.type):
        return arrow.cast(pa.string())
    if arrow is not None and (
        pa.types.is_string(arrow.type)
        or pa.types.is_large_string(arrow.type)
        or pa.types.is_null(arrow.type)
        or pa.types.is_integer(arrow.type)
    ):
        return arrow
    return [_sql_value(v) for v in column.tolist()]


def _copy_in(cur: Any, table: str, cols: str, keys: str, payload: bytes, rows: int, *, direct: bool) -> int:
    """COPY ``payload`` (``rows`` rows of CSV of ``cols``) into ``table`` on PostgreSQL, skipping rows whose
    ``keys`` are stored; return how many went in. Through a temporary table and ``INSERT ... ON CONFLICT DO
    NOTHING``, or, when ``direct`` (a write that cleared its keys first, in its transaction, so nothing
    stored should collide), straight into the table: 1.9x faster for 2M score rows (5.1 against 9.5 s), as
    each row is written once. A collision after all (another process's write of the same keys, a frame
    holding a key twice) undoes the direct COPY to its savepoint and takes the temporary table."""
    if not payload:
        return 0
    if direct:
        cur.execute("SAVEPOINT copy_direct")
        try:
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(payload)
        except Exception as exc:
            if getattr(exc, "sqlstate", None) != UNIQUE_VIOLATION:
                raise
            cur.execute("ROLLBACK TO SAVEPOINT copy_direct")
        else:
            cur.execute("RELEASE SAVEPOINT copy_direct")
            return rows  # every row went in: the COPY would have failed whole otherwise
    cur.execute(f"CREATE TEMP TABLE tmp_{table} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
    with cur.copy(f"COPY tmp_{table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(payload)
    cur.execute(
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM tmp_{table} ON CONFLICT ({keys}) DO NOTHING"
    )
    return int(cur.rowcount)


#: PostgreSQL's SQLSTATE for a duplicate key.
UNIQUE_VIOLATION = "23505"
#: Tables whose rows go in sorted by their key: they have no secondary index, so the rows are appended to the
#: key's B-tree (SQLite's table itself, without a rowid; PostgreSQL's key index) instead of landing all over
#: it (the 300k import's match of 6.0M exposures, when they were stored, on SQLite: 28.9 s in the former
#: site index's order, 16.2 s in key order).
_KEY_ORDERED = frozenset({"nearest_site"})
#: Rows of a frame converted to DB-API values at a time for SQLite (memory: they are Python objects).
FRAME_ROWS_PER_SLICE = 50_000


def _event_date_index(engine: Engine, *, build: bool) -> None:
    """Build the events' date index (``models.EVENT_DATE_INDEX``) where it is missing, or drop it where it is
    there. Looked up first, so a store that has it takes no write (a command that only reads never waits
    for the write lock); then ``IF [NOT] EXISTS``, so two writers doing the same at once cannot fail."""
    there = models.EVENT_DATE_INDEX in {i["name"] for i in sa.inspect(engine).get_indexes("event")}
    if there == build:
        return
    table: sa.Table = models.Event.__table__  # type: ignore[attr-defined]
    index = next(i for i in table.indexes if i.name == models.EVENT_DATE_INDEX)
    with engine.begin() as conn:
        conn.execute(CreateIndex(index, if_not_exists=True) if build else DropIndex(index, if_exists=True))


def _frame_rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """A frame's rows as DB-API value tuples, converted column-wise ``FRAME_ROWS_PER_SLICE`` rows at a
    time: 250,000 score rows converted at once held about 230 MB of Python values (measured)."""
    for start in range(0, len(frame), FRAME_ROWS_PER_SLICE):
        part = frame.iloc[start : start + FRAME_ROWS_PER_SLICE]
        yield from zip(*(_column_values(part[c]) for c in part.columns), strict=True)


def _copy_csv(columns: Sequence[pa.Array | Sequence[Any]], names: Sequence[str]) -> bytes:
    """Columns (Arrow arrays, or DB-API values) as the CSV text COPY reads (None unquoted: NULL; ''
    quoted: empty text), encoded by Arrow column by column."""
    arrays = [c if isinstance(c, pa.Array) else pa.array(c) for c in columns]
    table = pa.table(dict(zip(names, arrays, strict=True)))
    sink = io.BytesIO()
    pcsv.write_csv(table, sink, write_options=pcsv.WriteOptions(include_header=False))
    return sink.getvalue()


#: The databases minewatch runs on (SQLAlchemy backend names).
SUPPORTED_BACKENDS = frozenset({"sqlite", "postgresql"})


@dataclass(frozen=True)
class QuietScores:
    """What a scored day says of its quiet sites (those without a row): the level of a quiet score, and how
    many sites the day scored."""

    sites: int
    level: str


def safe_url(url: str) -> str:
    """``url`` for messages: password masked; nothing of it when it does not parse (it may hold one)."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "(not a URL)"


class Store:
    """One database: SQLite file (default) or PostgreSQL, chosen by URL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._outputs: tuple[tuple[Any, ...], pd.DataFrame] | None = None  # ``_site_outputs``, kept

    @property
    def shared_across_threads(self) -> bool:
        """Whether a connection opened on another thread sees the same database (not so of an in-memory
        SQLite database: each thread's connection opens a new one)."""
        return not (self.dialect == "sqlite" and self.engine.url.database in (None, "", ":memory:"))

    @classmethod
    def from_url(
        cls, url: str, lock_wait: LockWait | None = None, *, deferred_checkpoints: bool = False
    ) -> Store:
        """Open (not create) the store at ``url``: SQLite or PostgreSQL, anything else is a clear error.
        ``lock_wait``: how SQLite writers wait for the write lock (``monitor.writelock``).
        ``deferred_checkpoints``: SQLite writes leave the write-ahead log to ``checkpoint`` (up to
        ``SQLITE_DEFERRED_CHECKPOINT_BYTES``), for a process that calls it after each run."""
        try:
            backend = sa.make_url(url).get_backend_name()
        except (SQLAlchemyError, ValueError):
            raise StoreError(f"bad database URL {safe_url(url)}") from None
        if backend not in SUPPORTED_BACKENDS:
            raise StoreError(
                f"unsupported database {backend!r} in {safe_url(url)}: use sqlite:///path.db or"
                " postgresql+psycopg://user@host/db"
            )
        sqlite = backend == "sqlite"
        try:
            engine = sa.create_engine(
                url, future=True, connect_args={"factory": LockWaitingConnection} if sqlite else {}
            )
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise StoreError(f"bad database URL {safe_url(url)}: {exc}") from None
        if sqlite:
            sa_event.listen(engine, "connect", _sqlite_connect(lock_wait or LockWait(), deferred_checkpoints))
        sa_event.listen(engine, "handle_error", _unwritable)
        return cls(engine)

    def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log into the database file as far as readers allow (PASSIVE: it neither
        waits for nor blocks them); nothing on PostgreSQL. A store opened with ``deferred_checkpoints``
        needs one after each run."""
        if self.dialect != "sqlite":
            return
        raw = self.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            raw.close()

    def vacuum(self) -> None:
        """Rebuild a SQLite store's file without its free pages (``VACUUM``), then empty its write-ahead log
        (which the rebuild wrote through). StoreError when another process kept the write lock for
        ``VACUUM_WAIT_MS``: nothing changed then. Only for SQLite (ValueError elsewhere)."""
        if self.dialect != "sqlite":
            raise ValueError("VACUUM of a store file is for SQLite only")
        raw = self.engine.raw_connection()
        cur = raw.cursor()
        waits = int(cur.execute("PRAGMA busy_timeout").fetchone()[0])
        try:
            cur.execute(f"PRAGMA busy_timeout={VACUUM_WAIT_MS}")
            try:
                cur.execute("VACUUM")
            except sqlite3.OperationalError as exc:
                if LOCKED in str(exc):
                    raise StoreError(
                        "another process kept writing to the store (is `minewatch run` running?): stop it,"
                        " then vacuum again; nothing was changed"
                    ) from None
                raise _refusal(exc) or StoreError(f"VACUUM failed: {exc}; nothing was changed") from None
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            cur.execute(f"PRAGMA busy_timeout={waits}")  # the pooled connection waits as before
            raw.close()

    # ---- schema ----
    def create_schema(self) -> schema.Upgrade:
        """Bring the store to this release's schema (``monitor.schema.upgrade``: creates an empty one,
        upgrades an older one in place keeping what is stored; safe to run again)."""
        done = schema.upgrade(self.engine)
        with self.engine.connect() as conn:
            scored = conn.execute(sa.text("SELECT 1 FROM score LIMIT 1")).scalar()
            rolled = conn.execute(sa.text("SELECT 1 FROM supply_day LIMIT 1")).scalar()
        if scored and not rolled:
            self.rollup_supply()  # a store scored before supply_day existed
        return done

    def drop_schema(self) -> None:
        """Drop every minewatch table, those of earlier revisions too, and the schema version (the demo
        starts fresh with it; tests too)."""
        with self.engine.begin() as conn:
            schema.drop_retired(conn)
        SQLModel.metadata.drop_all(self.engine)
        with self.engine.begin() as conn:
            schema.drop_version(conn)

    def check_schema(self) -> None:
        """Raise StoreError with what to do unless the store is at this release's schema (a clear message
        instead of an SQL error halfway through a run). Builds the events' date index if a first load was
        stopped before it built it (``loading_events``)."""
        schema.check(self.engine)
        _event_date_index(self.engine, build=True)

    @contextmanager
    def loading_events(self) -> Iterator[None]:
        """Around the storing of events: when none is stored yet (a first import), the events' date index is
        dropped first and built once the rows are in, even when storing fails part-way. Built row by row, it
        took 1.5-2 s of storing the bench's 300k events (3.5-5.4 s); built after, 0.9 s. A process killed
        in between leaves the store without it until a command opens it (``check_schema``)."""
        with self.engine.connect() as conn:
            first = conn.execute(sa.text("SELECT 1 FROM event LIMIT 1")).first() is None
        if not first:
            yield
            return
        _event_date_index(self.engine, build=False)
        try:
            yield
        finally:
            _event_date_index(self.engine, build=True)

    # ---- bulk inserts ----
    def insert_events(self, frame: pd.DataFrame, now: datetime) -> WriteResult:
        """Insert parsed events (EVENT_COLUMNS, and REPORT_COUNTS when the source gives them); rows whose
        (source, source_id) is stored are skipped."""
        missing = {c: v for c, v in REPORT_COUNTS.items() if c not in frame.columns}
        frame = frame.assign(**missing) if missing else frame
        return self._insert_published("event", frame, (*EVENT_COLUMNS, *REPORT_COUNTS), now)

    def insert_notices(self, frame: pd.DataFrame, now: datetime) -> WriteResult:
        """Insert classified notices (NOTICE_COLUMNS + kind, confidence, and cue when the classifier gave
        one); stored ones are skipped."""
        frame = frame if "cue" in frame.columns else frame.assign(cue="")
        return self._insert_published("notice", frame, (*NOTICE_COLUMNS, "kind", "confidence", "cue"), now)

    def _insert_published(
        self, table: str, frame: pd.DataFrame, columns: Sequence[str], now: datetime
    ) -> WriteResult:
        """Insert rows stamped first_seen_at=now, known_at=published_at (else now); skip stored keys."""
        if frame.empty:
            return WriteResult(0, 0)
        now_s = _sql_dt(now)
        data = {c: _missing_as_none(_without_nul(frame[c])) for c in columns}
        published = _timestamps(frame["published_at"], unit="us")
        data["published_at"] = published
        if "event_date" in data:
            data["event_date"] = _timestamps(frame["event_date"], unit="D")
        data["first_seen_at"] = [now_s] * len(frame)
        data["known_at"] = [p or now_s for p in published]
        names = [*columns, "first_seen_at", "known_at"]
        inserted = self._insert_ignore(table, names, [data[c] for c in names], ("source", "source_id"))
        return WriteResult(inserted, len(frame) - inserted)

    def insert_rejected(
        self, feed: str, rows: Iterable[RejectedRow], run_id: int | None, now: datetime
    ) -> int:
        """Keep rows that could not be parsed, with their reason; the same bad row is kept once."""
        now_s = _sql_dt(now)
        data = [
            (
                feed,
                hashlib.sha256(f"{r.ref}\n{r.raw}".encode()).hexdigest(),
                r.ref.replace(NUL, ""),
                r.reason.replace(NUL, ""),
                r.raw.replace(NUL, ""),
                run_id,
                now_s,
            )
            for r in rows
        ]
        if not data:
            return 0
        columns = ["feed", "fingerprint", "ref", "reason", "raw", "run_id", "created_at"]
        return self._insert_ignore(
            "rejected", columns, [list(c) for c in zip(*data, strict=True)], ("feed", "fingerprint")
        )

    def _insert_ignore(
        self,
        table: str,
        columns: Sequence[str],
        data: Sequence[Sequence[Any]],
        key: Sequence[str],
        clear: Clear | None = None,
        *,
        rows: Iterable[tuple[Any, ...]] | None = None,
    ) -> int:
        """Insert rows given column by column (``data[i]`` holds the values of ``columns[i]``), or as
        ``rows`` streamed on SQLite, skipping those that collide on ``key``; return how many were inserted.

        ``clear``'s rows are deleted first, in the same transaction, so readers never see the rows gone before
        the new ones are in.
        """
        cols, keys = ", ".join(columns), ", ".join(key)
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if clear is not None and clear.keys:
                self._delete_keys(cur, table, clear)
            if self.dialect == "sqlite":
                before = raw.total_changes  # type: ignore[attr-defined]
                marks = ", ".join("?" for _ in columns)
                # ON CONFLICT, not OR IGNORE: OR IGNORE would also drop rows that break NOT NULL, silently.
                cur.executemany(
                    f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT ({keys}) DO NOTHING",
                    # Streamed: no list of rows is built.
                    zip(*data, strict=True) if rows is None else rows,  # type: ignore[arg-type]
                )
                inserted = raw.total_changes - before  # type: ignore[attr-defined]
            else:
                rows_in = len(data[0]) if data else 0
                payload = _copy_csv(data, columns) if rows_in else b""
                # Straight in when the clear took every key written: not when it keeps rows that equal the new
                # ones (``differ``: an incident unchanged keeps its row, and its stamp).
                direct = clear is not None and not clear.differ
                inserted = _copy_in(cur, table, cols, keys, payload, rows_in, direct=direct)
            raw.commit()
            return int(inserted)
        except Exception as exc:
            raw.rollback()
            refused = _refusal(exc)  # the raw connection is past SQLAlchemy's handle_error hook
            if refused is not None:
                raise refused from None
            raise
        finally:
            raw.close()

    def _delete_keys(self, cur: Any, table: str, clear: Clear) -> None:
        """Delete ``clear``'s rows of ``table`` on the DB-API cursor ``cur``: one DELETE per key (each a seek
        on the table's key), except on PostgreSQL when each key names one row (its equal columns hold the
        primary key): one DELETE joined with the keys as arrays, a probe of the key per row. For a tick's
        10,000 score cells that took 0.04 s there, against 0.1 s a statement per cell. A key naming many rows
        (a day's scores) stays a statement of its own: joined, 25 days of 4M scores took 0.7 s, as a seq scan,
        even for days with no rows, against 1 ms (no rows) to 0.1 s a statement per day."""
        table_ = SQLModel.metadata.tables[table]
        equal = {c for c in clear.columns if c not in clear.differ}
        if self.dialect == "sqlite" or not {c.name for c in table_.primary_key.columns} <= equal:
            mark = "?" if self.dialect == "sqlite" else "%s"
            cur.executemany(
                f"DELETE FROM {table} WHERE {clear.condition(table, lambda _c: mark)}", clear.keys
            )
            return
        columns = table_.c
        arrays = ", ".join(
            f"%s::{columns[c].type.compile(dialect=postgresql.dialect())}[]" for c in clear.columns
        )
        cur.execute(
            f"DELETE FROM {table} USING unnest({arrays}) AS k({', '.join(clear.columns)})"
            f" WHERE {clear.condition(table, lambda c: f'k.{c}')}",
            [list(values) for values in zip(*clear.keys, strict=True)],
        )

    def upsert(self, table: type[SQLModel], rows: Sequence[Mapping[str, Any]], key: Sequence[str]) -> int:
        """Insert or update rows by primary ``key`` (small tables: sites, scores, notice matches)."""
        if not rows:
            return 0
        stmt = self._upsert_statement(table, key)
        with self.engine.begin() as conn:
            for start in range(0, len(rows), 5000):
                conn.execute(stmt, list(rows[start : start + 5000]))
            if table is models.Site:
                now = datetime.now(UTC).replace(tzinfo=None)
                mark = {"name": REGISTRY_VERSION, "value": uuid.uuid4().hex, "updated_at": now}
                conn.execute(self._upsert_statement(models.Watermark, ("name",)), [mark])
        return len(rows)

    def _upsert_statement(self, table: type[SQLModel], key: Sequence[str]) -> Any:
        """INSERT ... ON CONFLICT (key) DO UPDATE every other column (DO NOTHING when there is none)."""
        tbl = table.__table__  # type: ignore[attr-defined]
        stmt = dialect.insert(self.dialect)(tbl)
        updates = {c.name: stmt.excluded[c.name] for c in tbl.columns if c.name not in key}
        if updates:
            return stmt.on_conflict_do_update(index_elements=list(key), set_=updates)
        return stmt.on_conflict_do_nothing(index_elements=list(key))

    def insert_frame(
        self,
        table: type[SQLModel],
        frame: pd.DataFrame,
        key: Sequence[str],
        clear: Clear | None = None,
    ) -> int:
        """Bulk-insert a DataFrame's rows not stored yet (by ``key``), after deleting ``clear``'s; return how
        many were new."""
        if frame.empty and clear is None:
            return 0
        columns = list(frame.columns)
        name = str(table.__tablename__)
        if name in _KEY_ORDERED:
            frame = frame.sort_values(list(key), kind="stable")
        if self.dialect == "sqlite":
            # executemany binds Python values: converted a slice of rows at a time, streamed in.
            return self._insert_ignore(name, columns, [], key, clear, rows=_frame_rows(frame))
        # COPY takes the Arrow arrays as they are.
        return self._insert_ignore(name, columns, [_column_array(frame[c]) for c in columns], key, clear)

    def replace_scores(
        self,
        scores: pd.DataFrame,
        days: Sequence[date],
        computed_at: datetime,
        quiet: QuietScores | None = None,
    ) -> int:
        """Replace the stored scores of ``days`` (every site) with ``scores``, the rows of the sites that are
        not quiet those days, and mark the days scored (``score_day``) with ``quiet``'s level for the rest
        (without ``quiet``, ``scores`` holds every registry site's row). A column the frame lacks (the front
        line, when it was not computed) is stored empty."""
        clear = Clear(("date",), [(_sql_dt(day),) for day in days])
        written = self._write_scores(scores, computed_at, clear)
        if quiet is None:
            with self.engine.connect() as conn:
                n_sites = int(conn.execute(sa.text("SELECT COUNT(*) FROM site")).scalar() or 0)
            quiet = QuietScores(n_sites, LEVELS[0])
        marks = [
            {"date": day, "computed_at": naive_utc(computed_at), "sites": quiet.sites, "level": quiet.level}
            for day in sorted(set(days))
        ]
        self.upsert(models.ScoreDay, marks, key=("date",))
        self._scores_changed(days, computed_at, scores)
        return written

    def replace_site_scores(
        self, scores: pd.DataFrame, cells: pd.DataFrame, computed_at: datetime, *, roll_up: bool = True
    ) -> int:
        """Replace the stored scores of the (``site_id``, ``date``) ``cells`` of days already scored with
        ``scores`` (their rows that are not quiet): a rescore of what new rows can touch. ``roll_up=False``
        leaves the days' supply roll-up to the caller (``rollup_supply`` once after many such writes)."""
        dates = _column_values(cells["date"])
        pairs = list(zip(dates, cells["site_id"].tolist(), strict=True))
        clear = Clear(("date", "site_id"), pairs)
        written = self._write_scores(scores, computed_at, clear)
        self._scores_changed(sorted(set(cells["date"])), computed_at, roll_up=roll_up)
        return written

    def _write_scores(self, scores: pd.DataFrame, computed_at: datetime, clear: Clear) -> int:
        table = models.Score.__table__  # type: ignore[attr-defined]
        # One stamp for every row, as the text SQLAlchemy writes: converted once, not once per row.
        stamp = _timestamps(pd.Series([naive_utc(computed_at)]), unit="us")[0]
        frame = scores.assign(computed_at=stamp)
        for column in table.columns:
            if column.name not in frame.columns:
                frame[column.name] = None if column.nullable else ""
        # In key order: on SQLite the rows append to the table's b-tree.
        frame = frame.sort_values(["date", "site_id"], kind="stable")
        columns = [c.name for c in table.columns]
        return self.insert_frame(models.Score, frame[columns], key=("date", "site_id"), clear=clear)

    def _scores_changed(
        self,
        days: Sequence[date],
        computed_at: datetime,
        written: pd.DataFrame | None = None,
        *,
        roll_up: bool = True,
    ) -> None:
        if roll_up:
            self.rollup_supply(days, written)
        # A fresh token per write, so readers that cache by it (the dashboard, and by day the alerts'
        # lookback) see every rescore. After the rows: a reader that read a day's version before them
        # finds it moved at its next read.
        token = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE score_day SET rows_version = :v WHERE date = :d"),
                [{"v": token, "d": dialect.param(self.dialect, day)} for day in sorted(set(days))],
            )
        self.set_watermark(SCORES_VERSION, f"{computed_at.isoformat()} {token}", computed_at)

    def rollup_supply(self, days: Sequence[date] | None = None, written: pd.DataFrame | None = None) -> None:
        """Re-sum ``supply_day`` for the scored days (``score_day``) from ``min(days)`` to ``max(days)``
        (every scored day when None) with ``monitor.supply``: every commodity of a site with its own output,
        every registry site counted on a scored day, a quiet one (no row) adding no tonnes. ``replace_scores``
        calls it, and so must anything else that writes scores. ``written`` (date, site_id, level, risk) holds
        every stored row of ``days`` when given: those days are summed from it instead of read back."""
        score_day = models.ScoreDay.__table__  # type: ignore[attr-defined]
        query = sa.select(score_day.c.date).distinct()
        if days is not None:
            if not days:
                return
            query = query.where(score_day.c.date >= min(days), score_day.c.date <= max(days))
        with self.engine.connect() as conn:
            wanted = sorted(conn.execute(query).scalars())
        if days is None:
            with self.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM supply_day"))
        outputs = self._site_outputs(fresh=days is None)
        in_hand = set(days) if written is not None and days is not None else set()
        for start in range(0, len(wanted), _ROLLUP_DAYS):
            self._rollup_days(wanted[start : start + _ROLLUP_DAYS], outputs, written, in_hand)

    def _site_outputs(self, fresh: bool) -> pd.DataFrame:
        """``monitor.supply.site_outputs`` of the registry: kept while ``registry_version`` stays (a tick's
        roll-up read and decoded every site's outputs again: 0.3-0.8 s); ``fresh`` reads them anew (a
        roll-up of the whole store, as after a change to the registry made by hand)."""
        version = self.registry_version()
        if fresh or self._outputs is None or self._outputs[0] != version:
            self._outputs = version, supply.site_outputs(self._registry_outputs())
        return self._outputs[1]

    def _registry_outputs(self) -> pd.DataFrame:
        """What ``monitor.supply.site_outputs`` needs of every site (the write side's own read)."""
        site = models.Site.__table__  # type: ignore[attr-defined]
        columns = ("id", "commodity", "commodities", "annual_output_t", "output_year", "outputs")
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*(site.c[c] for c in columns))).all()
        # As tuples: pandas probes each SQLAlchemy row for attributes (10,000 rows: 0.13 s, not 5 ms).
        return pd.DataFrame.from_records([tuple(r) for r in rows], columns=list(columns))

    def _rollup_days(
        self,
        days: Sequence[date],
        outputs: pd.DataFrame,
        written: pd.DataFrame | None,
        in_hand: set[date],
    ) -> None:
        """Re-sum ``supply_day`` for ``days`` from their scores (``written``'s for the days ``in_hand``)
        and the registry's ``outputs`` (``monitor.supply.site_outputs``)."""
        columns = ["date", "site_id", "level", "risk"]
        parts = []
        unread = [day for day in days if day not in in_hand]
        if unread:
            parts.append(self._stored_scores(unread, columns))
        if written is not None and len(unread) < len(days):
            on = pd.to_datetime(written["date"]).dt.date
            parts.append(written.loc[on.isin(set(days) - set(unread)), columns].assign(date=on))
        scores = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        totals = supply.supply_totals(scores, pd.DataFrame(), None, top_n=0, outputs=outputs)
        totals = totals.set_index(["date", "commodity"])
        # Every registry site counts on a scored day; a quiet one (no score row) adds nothing.
        pairs = outputs.groupby("commodity").size()
        full = pd.MultiIndex.from_product([list(days), list(pairs.index)], names=["date", "commodity"])
        totals = totals.reindex(full.union(totals.index))
        totals["sites"] = totals.index.get_level_values("commodity").map(pairs).fillna(0).to_numpy()
        totals = totals.fillna({"supply_at_risk_t": 0.0, "sites_output_unknown": 0}).reset_index()
        rows = totals.astype(
            {"supply_at_risk_t": float, "sites": np.int64, "sites_output_unknown": np.int64}
        )[["date", "commodity", "supply_at_risk_t", "sites", "sites_output_unknown"]].to_dict("records")
        # Delete then upsert in one transaction: two scoring runs of the same day (two feeds' jobs at once)
        # both delete, then both insert, and the second must replace the first's rows, not fail on the key.
        with self.engine.begin() as conn:
            for day in days:
                conn.execute(
                    sa.text("DELETE FROM supply_day WHERE date = :d"), {"d": dialect.param(self.dialect, day)}
                )
            if rows:
                conn.execute(self._upsert_statement(models.SupplyDay, ("date", "commodity")), rows)

    def _stored_scores(self, days: Sequence[date], columns: Sequence[str]) -> pd.DataFrame:
        """The stored rows of ``days`` (``columns`` of ``score``, dates as dates), read on the DB-API cursor:
        SQLAlchemy's processing of each row took 20 ms of a tick's roll-up (9,900 rows)."""
        mark = "?" if self.dialect == "sqlite" else "%s"
        query = f"SELECT {', '.join(columns)} FROM score WHERE date IN ({', '.join([mark] * len(days))})"
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(query, [_sql_dt(day) for day in days])
            frame = pd.DataFrame.from_records(cur.fetchall(), columns=list(columns))
        finally:
            raw.close()
        if "date" in frame.columns:  # SQLite gives text: each distinct value converted once
            frame["date"] = frame["date"].map({v: dialect.as_date(v) for v in frame["date"].unique()})
        return frame

    # ---- feed runs and watermarks ----
    def start_run(self, feed: str, now: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.insert(models.FeedRun.__table__).values(  # type: ignore[attr-defined]
                    feed=feed, started_at=naive_utc(now), status="running"
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(
        self,
        run_id: int,
        now: datetime,
        *,
        status: str,
        error: str = "",
        dropped: Mapping[str, int] | None = None,
        **counts: Any,
    ) -> None:
        """Close a feed run with its status, counts, and the rows dropped by reason."""
        values = {"finished_at": naive_utc(now), "status": status, "error": redact(error)[:2000], **counts}
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(models.FeedRun.__table__)  # type: ignore[attr-defined]
                .where(models.FeedRun.__table__.c.id == run_id)  # type: ignore[attr-defined]
                .values(**values, dropped=dict(sorted((dropped or {}).items())))
            )

    # ---- incidents and analyst feedback ----
    def replace_incidents(self, assignment: pd.DataFrame, at: datetime, *, replacing: bool = True) -> int:
        """Store the incident of each event (columns event_id, incident_id), replacing what they had; an
        event whose incident changed (or that had none) is stamped ``changed_at`` = ``at``, the others keep
        their stamp (a rescore looks only at the events that changed). Return how many changed.
        ``replacing=False``: no event has an incident stored yet (a store's first fusion), so none is
        looked for (a DELETE per event, each finding nothing, cost a 300k import 0.3 s)."""
        frame = assignment[["event_id", "incident_id"]].astype(np.int64)
        stamped = frame.assign(changed_at=naive_utc(at))
        if not replacing:
            return self.insert_frame(models.Incident, stamped, key=("event_id",))
        keys = KeyColumns(frame["event_id"].to_numpy(), frame["incident_id"].to_numpy())
        clear = Clear(("event_id", "incident_id"), keys, differ=frozenset({"incident_id"}))
        return self.insert_frame(models.Incident, stamped, key=("event_id",), clear=clear)

    def own_incidents(self, public_from: datetime, at: datetime) -> int:
        """Make every event public at or after ``public_from`` an incident of its own, stamped ``at``, in
        one statement (``fusion.each_its_own``: no row goes through Python); events with an incident keep
        it. Return how many were stored."""
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.text(
                    "INSERT INTO incident_member (event_id, incident_id, changed_at)"
                    " SELECT id, id, :at FROM event WHERE known_at >= :t ON CONFLICT (event_id) DO NOTHING"
                ),
                dialect.params(self.dialect, {"t": naive_utc(public_from), "at": naive_utc(at)}),
            )
            return int(result.rowcount)

    def add_feedback(
        self,
        target: str,
        target_id: int,
        verdict: str,
        *,
        by: str,
        at: datetime,
        site_id: str = "",
        note: str = "",
    ) -> int:
        """Store an analyst's verdict (validated by ``monitor.feedback``); return its id."""
        values = {"target": target, "target_id": int(target_id), "verdict": verdict, "site_id": site_id,
                  "note": note, "created_by": by, "created_at": naive_utc(at)}  # fmt: skip
        with self.engine.begin() as conn:
            result = conn.execute(sa.insert(models.Feedback.__table__).values(**values))  # type: ignore[attr-defined]
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def revoke_feedback(self, feedback_id: int, *, by: str, at: datetime) -> bool:
        """Revoke a verdict still in force: it stops counting from ``at`` (earlier days keep it); return
        whether there was one to revoke."""
        table = models.Feedback.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(table)
                .where(table.c.id == int(feedback_id), table.c.revoked_at.is_(None))
                .values(revoked_by=by, revoked_at=naive_utc(at))
            )
            return bool(result.rowcount)

    def registry_version(self) -> tuple[Any, ...]:
        """What changes whenever the registry is written, in one small query: the token every upsert of
        sites renews (``REGISTRY_VERSION``), with the number of sites and their newest ``updated_at`` (for
        rows written outside ``upsert``, as long as they count or stamp). Readers that keep the registry
        (``monitor.sites.sites_frame``, the supply roll-up's outputs) read it anew when this moves."""
        site = models.Site.__table__  # type: ignore[attr-defined]
        mark = models.Watermark.__table__  # type: ignore[attr-defined]
        token = sa.select(mark.c.value).where(mark.c.name == REGISTRY_VERSION).scalar_subquery()
        query = sa.select(sa.func.count(), sa.func.max(site.c.updated_at), token).select_from(site)
        with self.engine.connect() as conn:
            return tuple(conn.execute(query).one())

    def get_watermark(self, name: str) -> str | None:
        tbl = models.Watermark.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return conn.execute(sa.select(tbl.c.value).where(tbl.c.name == name)).scalar_one_or_none()

    def set_watermark(self, name: str, value: str, now: datetime) -> None:
        self.upsert(
            models.Watermark, [{"name": name, "value": value, "updated_at": naive_utc(now)}], key=("name",)
        )

    def recount_scored_days(self, days: Sequence[date], before: int, after: int) -> None:
        """Mark ``days``, scored for every one of ``before`` sites, as scored for ``after``: the sites added
        since were scored on them."""
        if before == after or not days:
            return
        with self.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE score_day SET sites = :after WHERE date = :d AND sites = :before"),
                [{"d": dialect.param(self.dialect, d), "before": before, "after": after} for d in days],
            )

    def clear_matches(self, watermarks: Sequence[str], *, events: bool = True) -> None:
        """Forget every notice link (a notice's links depend on the whole registry), every event's nearest
        site (unless not ``events``: the caller mends those it changes) and the named matching watermarks,
        so that the next match starts over where they say (after the registry changed)."""
        with self.engine.begin() as conn:
            if events:
                conn.execute(sa.text("DELETE FROM nearest_site"))
            conn.execute(sa.text("DELETE FROM noticesite"))
            conn.execute(sa.text("DELETE FROM noticeoperator"))
            for name in watermarks:
                conn.execute(sa.text("DELETE FROM watermark WHERE name = :n"), {"n": name})
