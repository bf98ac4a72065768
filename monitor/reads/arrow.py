"""Read query results straight into Arrow tables of a given schema, fast on both of the store's databases.

Exports move millions of rows, so the usual road (SQLAlchemy rows, then pandas) costs more than the query.
A SQLite file is read through the engine's own DB-API connection, column by column into Arrow; once a
reader is told to expect ``DRIVER_MIN_ROWS`` or more (``expect_rows``), through ADBC's SQLite driver
instead, which fills Arrow columns in native code (a year of scores, 3.6M rows of 17 columns, 2.5-3x
faster), run in a child process of its own (``monitor.reads.sqlite_worker`` says why: the driver's own copy
of SQLite must not share this process's locks) that lives as long as the reader. A SQLite database in
memory cannot be opened by another process: it is always read through the DB-API connection. PostgreSQL is
read with ``COPY (query) TO STDOUT`` parsed by Arrow's CSV reader. ``fast=False`` takes SQLAlchemy + pandas
instead. Every path ends in ``conform``, so the same rows give the same table whichever path read them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from monitor import dialect
from monitor.errors import StoreError
from monitor.reads import sql, sqlite_worker
from monitor.store import Store

__all__ = ["COPY_BLOCK_BYTES", "DRIVER_MIN_ROWS", "ArrowReader", "conform", "open_reader", "parse_copy_csv"]

#: Rows fetched from SQLite at a time.
_FETCH_ROWS = 100_000
#: Reads expected to give this many rows or more are worth starting the SQLite worker (about 0.4 s; the
#: driver then saves about 4 us a row of scores over the DB-API cursor).
DRIVER_MIN_ROWS = 200_000
#: COPY's CSV is parsed in pieces of about this size, each cut at a row's end (Arrow's limit is 2 GiB).
COPY_BLOCK_BYTES = 1 << 30


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table``'s columns named in ``schema``, cast to its types: text dates and times parsed, times
    truncated to whole seconds in UTC, missing text as '' (never null), -0.0 as 0.0."""
    columns = [_conform_column(table.column(f.name), f.type, table.num_rows) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def _conform_column(col: pa.ChunkedArray, target: pa.DataType, n: int) -> pa.ChunkedArray:
    source = col.type
    if pa.types.is_null(source) or col.null_count == n:
        col = pa.chunked_array([pa.nulls(n, target)])
    elif pa.types.is_timestamp(target):
        if pa.types.is_string(source) or pa.types.is_large_string(source):
            text = pc.replace_substring_regex(col, r"(Z|[+-]00:?00)$", "")  # stated as UTC: drop the offset
            col = pc.replace_substring(text, "T", " ").cast(pa.timestamp("us"))
        if getattr(col.type, "tz", None) is None:
            col = col.cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
        col = pc.floor_temporal(col.cast(target), unit="second")
    elif pa.types.is_date32(target) and (pa.types.is_string(source) or pa.types.is_large_string(source)):
        col = pc.utf8_slice_codeunits(col, 0, 10).cast(pa.date32())
    elif pa.types.is_date32(target) and pa.types.is_timestamp(source):
        col = col.cast(pa.date32())
    elif pa.types.is_string(target) and not (pa.types.is_string(source) or pa.types.is_large_string(source)):
        col = col.cast(pa.string())
    elif pa.types.is_floating(target):
        col = pc.add(col.cast(pa.float64()), 0.0)  # -0.0 + 0.0 is +0.0: one spelling of zero
        col = pc.if_else(pc.is_nan(col), pa.scalar(None, pa.float64()), col)
    col = col.cast(target)
    if pa.types.is_string(target):
        col = col.fill_null("")
    return col


class ArrowReader:
    """Runs read queries (SQLAlchemy-style ``:name`` parameters) and returns conformed Arrow tables; close it
    (``open_reader`` does) to end its SQLite worker, else that happens when it is collected."""

    def __init__(self, store: Store, fast: bool = True, copy_block_bytes: int = COPY_BLOCK_BYTES) -> None:
        self.store = store
        self.fast = fast
        self.copy_block_bytes = copy_block_bytes
        self._worker: _SqliteWorker | None = None

    def read(self, query: str, params: Mapping[str, Any], schema: pa.Schema) -> pa.Table:
        """The query's rows as a table with ``schema`` (the query names its columns as the schema does)."""
        if self.fast and self.store.dialect == "sqlite":
            if self._worker is not None:
                return conform(self._worker.read(query, params), schema)
            return conform(self._read_sqlite(query, params, schema), schema)
        if self.fast and self.store.dialect == "postgresql":
            return conform(self._read_copy(query, params, schema), schema)
        return conform(self._read_generic(query, params), schema)

    def expect_rows(self, rows: int) -> None:
        """Say about how many rows the reads to come give in all: from ``DRIVER_MIN_ROWS`` on, a SQLite
        file is read through the SQLite worker from now on (started here)."""
        wanted = self.fast and self.store.dialect == "sqlite" and rows >= DRIVER_MIN_ROWS
        if wanted and self._worker is None and not self._in_memory():
            self._worker = _SqliteWorker(str(self.store.engine.url.database))

    @property
    def reads_in_any_thread(self) -> bool:
        """Whether any thread may read (one at a time): not a SQLite database in memory read through the
        engine, which SQLAlchemy gives each thread its own (empty) copy of."""
        return not (self.store.dialect == "sqlite" and self._in_memory())

    def _in_memory(self) -> bool:
        database = self.store.engine.url.database
        return not database or not Path(database).is_file()

    def close(self) -> None:
        """End the SQLite worker, if one was started."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def _read_sqlite(self, query: str, params: Mapping[str, Any], schema: pa.Schema) -> pa.Table:
        raw = self.store.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(query, dialect.params("sqlite", params))
            names = [d[0] for d in cur.description]
            row_type = pa.struct([pa.field(n, _sqlite_type(schema.field(n).type)) for n in names])
            parts: list[list[pa.Array]] = []
            while rows := cur.fetchmany(_FETCH_ROWS):
                parts.append(_columns(rows, row_type))
        finally:
            raw.close()
        if not parts:
            return pa.table({f.name: pa.array([], f.type) for f in row_type})
        chunked = [pa.chunked_array([p[i] for p in parts]) for i in range(len(names))]
        return pa.Table.from_arrays(chunked, names=names)

    def _read_copy(self, query: str, params: Mapping[str, Any], schema: pa.Schema) -> pa.Table:
        raw = self.store.engine.raw_connection()
        try:
            cur = raw.cursor()
            buffer = bytearray()
            with cur.copy(
                f"COPY ({dialect.pyformat(query)}) TO STDOUT WITH (FORMAT csv)",
                dialect.params("postgresql", params),
            ) as copy:  # type: ignore[attr-defined]
                for block in copy:
                    buffer += block
            raw.commit()
        finally:
            raw.close()
        return parse_copy_csv(buffer, schema, self.copy_block_bytes)

    def _read_generic(self, query: str, params: Mapping[str, Any]) -> pa.Table:
        frame = sql.frame(self.store, query, params)
        return pa.Table.from_pandas(frame, preserve_index=False)


@contextmanager
def open_reader(store: Store, fast: bool = True) -> Iterator[ArrowReader]:
    """An ArrowReader on ``store`` (``fast=False``: the portable SQLAlchemy + pandas road), closed after."""
    reader = ArrowReader(store, fast)
    try:
        yield reader
    finally:
        reader.close()


class _SqliteWorker:
    """A ``monitor.reads.sqlite_worker`` process reading one SQLite file: a query in, a table out."""

    def __init__(self, database: str) -> None:
        script = Path(sqlite_worker.__file__).resolve()
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(script), database], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._close = weakref.finalize(self, _end, self._process)

    def read(self, query: str, params: Mapping[str, Any]) -> pa.Table:
        """The rows of ``query`` with ``params`` (``:name`` placeholders), as the driver types them."""
        numbered, values = dialect.numbered(query, dialect.params("sqlite", params))
        request = json.dumps({"query": numbered, "params": values}).encode() + b"\n"
        stdin, stdout = _pipes(self._process)
        try:
            stdin.write(request)
            stdin.flush()
            table = pa.ipc.open_stream(stdout).read_all()
        except (OSError, pa.ArrowInvalid) as exc:
            raise StoreError(f"the SQLite reader process ended: {exc}") from exc
        error = (table.schema.metadata or {}).get(sqlite_worker.ERROR_KEY)
        if error is not None:
            raise StoreError(f"reading the store failed: {error.decode()}")
        return table

    def close(self) -> None:
        """Close its input (it ends there) and wait for it."""
        self._close()


def _pipes(process: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    assert process.stdin is not None and process.stdout is not None  # both opened as pipes
    return process.stdin, process.stdout


def _end(process: subprocess.Popen[bytes]) -> None:
    """End a worker: its input closed, it returns; killed if it has not within a few seconds."""
    stdin, stdout = _pipes(process)
    try:
        stdin.close()
        process.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()
    finally:
        stdout.close()


def parse_copy_csv(
    data: bytes | bytearray, schema: pa.Schema, block_size: int = COPY_BLOCK_BYTES
) -> pa.Table:
    """The rows of ``COPY ... TO STDOUT (FORMAT csv)`` as a table of ``schema``'s columns (times naive:
    ``conform`` makes them UTC): NULL unquoted, '' quoted.

    Each piece (``_row_pieces``) goes to Arrow as one block: Arrow's own cutting of the text into blocks
    broke on feed text with a quoted newline on a block boundary (an error, or a CRLF read back as CR), and
    one block parses no slower.
    """
    if not data:
        return schema.empty_table()
    view = memoryview(data)
    types = {f.name: _csv_type(f.type) for f in schema}
    tables = [
        pcsv.read_csv(
            pa.BufferReader(pa.py_buffer(view[start:end])),
            read_options=pcsv.ReadOptions(column_names=schema.names, block_size=end - start + 1),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
        for start, end in _row_pieces(data, block_size)
    ]
    return pa.concat_tables(tables)


def _row_pieces(data: bytes | bytearray, size: int) -> list[tuple[int, int]]:
    """``data`` cut into (start, end) pieces of at least ``size`` bytes (the last one less), each ending at
    a row's end: a newline with an even number of quotes before it (a quote opens or closes a quoted value;
    an escaped one inside it is doubled, so it counts twice)."""
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(data) - start > size:
        end = data.find(b"\n", start + size - 1)
        quotes = data.count(b'"', start, end)
        while end != -1 and quotes % 2:
            after = data.find(b"\n", end + 1)
            quotes += data.count(b'"', end, after if after != -1 else len(data))
            end = after
        if end == -1:
            break
        pieces.append((start, end + 1))
        start = end + 1
    if start < len(data):
        pieces.append((start, len(data)))
    return pieces


def _columns(rows: Sequence[Any], row_type: pa.StructType) -> list[pa.Array]:
    """Fetched rows as Arrow columns: converted in one pass as structs (no per-column Python tuples); when
    a value does not fit its column's type (SQLite types values, not columns), column by column, inferred."""
    try:
        return pa.array(rows, type=row_type).flatten()  # type: ignore[no-any-return]
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        columns = list(zip(*rows, strict=True))
        return [_array(values, field.type) for values, field in zip(columns, row_type, strict=True)]


def _array(values: tuple[Any, ...], fetch_type: pa.DataType) -> pa.Array:
    """One fetched column as Arrow: typed when its values allow, else inferred (``conform`` casts it)."""
    try:
        return pa.array(values, fetch_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(values)


def _sqlite_type(target: pa.DataType) -> pa.DataType:
    """What SQLite gives for a column: dates and times as text (``conform`` parses them)."""
    return pa.string() if pa.types.is_timestamp(target) or pa.types.is_date32(target) else target


def _csv_type(target: pa.DataType) -> pa.DataType:
    """What Arrow's CSV reader parses a COPY column as: times naive (``conform`` makes them UTC)."""
    return pa.timestamp("us") if pa.types.is_timestamp(target) else target
