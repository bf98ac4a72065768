"""Text that holds newlines, quotes and commas comes through the Arrow reads exactly, wherever it falls.

PostgreSQL is read as ``COPY ... TO STDOUT (FORMAT csv)`` parsed by Arrow, in pieces: left to cut the text
itself, Arrow broke on a quoted newline at a block boundary ("CSV parser got out of sync with chunker") and
read a quoted CRLF split by one back as a lone CR.
"""

from __future__ import annotations

import functools
import signal
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa

from feeds.rows import EVENT_COLUMNS
from monitor.errors import StoreError
from monitor.reads import sqlite_worker
from monitor.reads.arrow import DRIVER_MIN_ROWS, ArrowReader, open_reader, parse_copy_csv
from monitor.store import Store
from tests.conftest import execute

SCHEMA = pa.schema([("id", pa.int64()), ("text", pa.string())])
#: Multi-line text as feeds send it (an ACLED note, a notice summary), with CSV's own quote and separator.
NOTES = [
    "Clashes near the mine.\nThe road to Goma was cut.",
    'He said: "the convoy turned back",\r\nthen left.',
    "\n\nstarts and ends with newlines\n",
    "",
]


def _copy_text(n: int) -> bytes:
    """What COPY (FORMAT csv) writes for ``n`` rows of (id, note): notes quoted, quotes doubled."""
    rows = []
    for i in range(n):
        note = NOTES[i % len(NOTES)].replace('"', '""')
        rows.append(f'{i},"{note}"\n')
    return "".join(rows).encode()


def test_copy_text_with_quoted_newlines_parses_whole_wherever_the_pieces_are_cut() -> None:
    data = _copy_text(400)
    expected = [NOTES[i % len(NOTES)] for i in range(400)]
    for size in [*range(1, 200), len(data) - 1, len(data), 1 << 30]:  # every cut within and between rows
        table = parse_copy_csv(data, SCHEMA, block_size=size)
        assert table.column("id").to_pylist() == list(range(400)), size
        assert table.column("text").to_pylist() == expected, size


def test_no_copy_text_is_an_empty_table_of_the_schema() -> None:
    assert parse_copy_csv(b"", SCHEMA).equals(SCHEMA.empty_table())


def _events(n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        row = dict.fromkeys(EVENT_COLUMNS, "")
        row.update(
            source="acled", source_id=f"N{i:04d}", event_date=date(2025, 3, 1), published_at=None,
            type="battles", sub_type="Armed clash", fatalities=0, lat=-1.4, lon=28.0, geo_precision=1,
            location="Walikale", country="CD", notes=NOTES[i % len(NOTES)],
        )  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


@pytest.mark.parametrize("block_size", [29, 64, 1 << 24])
def test_stored_multi_line_notes_read_back_exactly_through_the_fast_reader(
    fresh_store: Store, now: datetime, block_size: int
) -> None:
    fresh_store.insert_events(_events(300), now)
    schema = pa.schema([("source_id", pa.string()), ("notes", pa.string())])
    query = "SELECT source_id, notes FROM event ORDER BY source_id"
    fast = ArrowReader(fresh_store, copy_block_bytes=block_size).read(query, {}, schema)
    portable = ArrowReader(fresh_store, fast=False).read(query, {}, schema)
    assert fast.column("notes").to_pylist() == [NOTES[i % len(NOTES)] for i in range(300)]
    assert fast.equals(portable)


#: A table whose values change storage class down a column, as SQLite allows: NULLs first (a driver that
#: infers a column's type from its first rows takes them as integers), then reals, integers and text.
MIXED = pa.schema([("id", pa.int64()), ("x", pa.float64()), ("n", pa.int64()), ("day", pa.date32())])


def _mixed_rows(store: Store, n: int = 3000) -> None:
    execute(store, "CREATE TABLE mixed (id INTEGER PRIMARY KEY, x REAL, n INTEGER, day TEXT)")
    rows = [
        {
            "id": i,
            "x": None if i < 2000 else i / 4,
            "n": None if i % 7 else i,
            "day": f"2025-03-{1 + i % 28:02d}",
        }
        for i in range(n)
    ]
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO mixed VALUES (:id, :x, :n, :day)"), rows)


MIXED_QUERY = (
    "SELECT id, CASE WHEN id % 3 = 0 THEN 1 ELSE x END AS x, n, day FROM mixed"
    " WHERE id >= :low AND day >= :first ORDER BY id"
)


def test_the_sqlite_driver_and_the_cursor_read_values_of_any_storage_class_alike(tmp_path: Path) -> None:
    on_file = Store.from_url(f"sqlite:///{tmp_path / 'file.db'}")
    in_memory = Store.from_url("sqlite://")  # another process cannot open it: read by the DB-API cursor
    _mixed_rows(on_file)
    _mixed_rows(in_memory)
    tables = []
    for store, fast, expected in ((on_file, True, DRIVER_MIN_ROWS), (on_file, True, 0), (in_memory, True,
        DRIVER_MIN_ROWS), (on_file, False, DRIVER_MIN_ROWS)):  # fmt: skip
        with open_reader(store, fast=fast) as reader:
            reader.expect_rows(expected)
            tables.append(reader.read(MIXED_QUERY, {"low": 1, "first": date(2025, 3, 2)}, MIXED))
    driver, cursor, in_memory_cursor, portable = tables
    ids = [i for i in range(1, 3000) if i % 28]
    assert driver.column("id").to_pylist() == ids
    assert driver.column("x").to_pylist() == [1.0 if i % 3 == 0 else None if i < 2000 else i / 4 for i in ids]
    assert driver.equals(cursor) and driver.equals(in_memory_cursor) and driver.equals(portable)


def test_a_failed_read_through_the_sqlite_driver_raises_a_store_error_and_the_reader_reads_on(
    fresh_store: Store,
) -> None:
    if fresh_store.dialect != "sqlite":
        pytest.skip("the SQLite worker process")
    schema = pa.schema([("n", pa.int64())])
    with open_reader(fresh_store) as reader:
        reader.expect_rows(DRIVER_MIN_ROWS)
        with pytest.raises(StoreError, match="no such table"):
            reader.read("SELECT n FROM no_such_table", {}, schema)
        assert reader.read("SELECT count(*) AS n FROM site", {}, schema).column("n").to_pylist() == [0]
        worker = reader._worker
    assert worker is not None and worker._process.poll() == 0  # ended with the reader


def test_the_sqlite_worker_stopped_by_a_bad_file_or_ctrl_c_says_one_line_and_no_traceback(
    tmp_path: Path,
) -> None:
    script = [sys.executable, "-I", sqlite_worker.__file__]
    bad = subprocess.run(
        [*script, str(tmp_path / "missing" / "store.db")], input=b'{"query": "SELECT 1", "params": []}\n',
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 1
    lines = bad.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minewatch: the SQLite reader process stopped:"), lines
    pipe = subprocess.PIPE
    # Ctrl-C as on a terminal: a test runner's worker may ignore SIGINT, which its children would inherit.
    default = functools.partial(signal.signal, signal.SIGINT, signal.SIG_DFL)
    started = subprocess.Popen(
        [*script, str(tmp_path / "s.db")], stdin=pipe, stdout=pipe, stderr=pipe, preexec_fn=default
    )
    with started as waiting:
        assert waiting.stdin is not None and waiting.stdout is not None and waiting.stderr is not None
        waiting.stdin.write(b'{"query": "SELECT 1 AS one", "params": []}\n')
        waiting.stdin.flush()
        assert pa.ipc.open_stream(waiting.stdout).read_all().column("one").to_pylist() == [1]
        waiting.send_signal(signal.SIGINT)  # now waiting for the next request, as during an export
        # Its stdin stays open until it has exited: closed at once (``communicate``), a worker not yet
        # scheduled could read the end of its input first and leave cleanly, before the signal was handled.
        returncode = waiting.wait(timeout=60)
        err = waiting.stderr.read()
    assert returncode == 130 and b"Traceback" not in err, err
