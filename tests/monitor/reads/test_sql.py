"""The query runners: a large read comes in chunks and gives the frame a plain read gives."""

from __future__ import annotations

import pandas as pd
import pytest

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
