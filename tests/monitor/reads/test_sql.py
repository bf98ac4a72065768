"""The query runners: a large read comes in chunks and gives the frame a plain read gives."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.reads import sql
from monitor.store import Store

ROWS = [
    # (id, site, kind, count): rows 3 and 4 make a chunk (of two) whose count is NULL throughout.
    (1, "alpha", "battles", 2),
    (2, "alpha", "riots", 5),
    (3, "beta", None, None),
    (4, "beta", "battles", None),
    (5, "alpha", "battles", 0),
]
QUERY = "SELECT id, site, kind, n FROM t WHERE id >= :low ORDER BY id"


def _stored(store: Store) -> None:
    mark = "?" if store.dialect == "sqlite" else "%s"
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER, site TEXT, kind TEXT, n INTEGER)")
        cur.execute("DELETE FROM t")
        cur.executemany(f"INSERT INTO t VALUES ({mark}, {mark}, {mark}, {mark})", ROWS)
        raw.commit()
    finally:
        raw.close()


def test_a_large_read_in_chunks_is_the_plain_read(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stored(fresh_store)
    monkeypatch.setattr(sql, "LARGE_CHUNK_ROWS", 2)
    large = sql.large_frame(fresh_store, QUERY, {"low": 1})
    plain = sql.frame(fresh_store, QUERY, {"low": 1})
    pd.testing.assert_frame_equal(large, plain)
    assert large["n"].dtype.kind == "f"  # the all-NULL chunk did not turn the counts into objects


def test_a_large_read_of_no_rows_names_the_columns(fresh_store: Store) -> None:
    _stored(fresh_store)
    empty = sql.large_frame(fresh_store, QUERY, {"low": 99})
    assert empty.empty and list(empty.columns) == ["id", "site", "kind", "n"]


STAMPED = [
    # (id, day, at): a NULL of each, microseconds, and rows 4-5 whose stamps are all NULL
    (1, "2025-03-01", "2025-03-01 10:00:00.000000"),
    (2, None, "2025-03-01 10:00:01.500000"),
    (3, "2025-03-02", None),
    (4, "2025-03-01", None),
    (5, "2025-03-01", None),
]
TYPES = {"day": sa.Date(), "at": sa.DateTime()}


@pytest.mark.parametrize("low", [1, 4, 9], ids=["mixed", "stamps-all-null", "no-rows"])
def test_a_typed_read_decodes_as_sqlalchemy_does(fresh_store: Store, low: int) -> None:
    raw = fresh_store.engine.raw_connection()
    try:
        mark = "?" if fresh_store.dialect == "sqlite" else "%s"
        cur = raw.cursor()
        # SQLite keeps SQLAlchemy's text; PostgreSQL its own types.
        day, at = ("TEXT", "TEXT") if fresh_store.dialect == "sqlite" else ("DATE", "TIMESTAMP")
        cur.execute(f"CREATE TABLE IF NOT EXISTS s (id INTEGER, day {day}, at {at})")
        cur.execute("DELETE FROM s")
        cur.executemany(f"INSERT INTO s VALUES ({mark}, {mark}, {mark})", STAMPED)
        raw.commit()
    finally:
        raw.close()
    query = "SELECT id, day, at FROM s WHERE id >= :low ORDER BY id"
    read = sql.frame(fresh_store, query, {"low": low}, types=TYPES)
    with fresh_store.engine.connect() as conn:
        decoded = pd.read_sql_query(sa.text(query).columns(**TYPES), conn, params={"low": low})
    pd.testing.assert_frame_equal(read, decoded)
    if low == 1:
        assert read["day"].tolist() == [
            date(2025, 3, 1),
            None,
            date(2025, 3, 2),
            date(2025, 3, 1),
            date(2025, 3, 1),
        ]
        assert read["at"][1] == pd.Timestamp("2025-03-01 10:00:01.5")
