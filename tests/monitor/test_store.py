from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from alembic import command

from feeds.rows import EVENT_COLUMNS, RejectedRow
from monitor import models, schema
from monitor import store as store_module
from monitor.errors import StoreError
from monitor.reads import sql
from monitor.store import Clear, KeyColumns, Store


def _events(n: int, published: datetime | None = None) -> pd.DataFrame:
    rows = [
        {
            "source": "acled", "source_id": f"COD{i}", "event_date": date(2025, 3, 1),
            "published_at": published, "type": "battles", "sub_type": "Armed clash", "actor1": "M23",
            "actor2": "FARDC", "fatalities": i % 3, "lat": -1.4, "lon": 28.0, "geo_precision": 1,
            "location": "Walikale", "country": "CD",
            "admin1": "Nord-Kivu", "notes": "", "url": "",
        }
        for i in range(n)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def test_inserting_the_same_events_twice_stores_them_once(fresh_store: Store, now: datetime) -> None:
    first = fresh_store.insert_events(_events(5), now)
    again = fresh_store.insert_events(_events(5), now)
    assert (first.inserted, first.duplicates) == (5, 0)
    assert (again.inserted, again.duplicates) == (0, 5)
    assert sql.scalar(fresh_store, "select count(*) from event") == 5


def test_a_frame_is_inserted_a_slice_of_rows_at_a_time_as_it_would_be_at_once(
    fresh_store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_store.insert_events(_events(5), now)
    monkeypatch.setattr(store_module, "FRAME_ROWS_PER_SLICE", 2)
    # The events' own ids: a PostgreSQL sequence does not restart with each test's store.
    ids = sql.frame(fresh_store, "SELECT id FROM event ORDER BY id")["id"].tolist()
    nearest = pd.DataFrame({
        "event_id": [*ids, ids[-1]], "site_id": ["a", "a", "b", "b", "c", "d"],
        "via": ["site", "site", "route", "site", "site", "site"], "distance_km": [0.5, 1, 2.25, 3, 4, 4],
    })  # fmt: skip
    assert fresh_store.insert_frame(models.NearestSite, nearest, key=("event_id",)) == 5
    stored = sql.frame(fresh_store, "SELECT * FROM nearest_site ORDER BY event_id")
    expected = nearest.drop_duplicates("event_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)


def _nearest_of(ids: list[int], site: str = "a") -> pd.DataFrame:
    return pd.DataFrame({
        "event_id": ids, "site_id": [site] * len(ids), "via": ["site"] * len(ids),
        "distance_km": [float(i % 5) for i in ids],
    })  # fmt: skip


def test_nearest_sites_given_out_of_key_order_are_stored_once_each_overlapping_rows_skipped(
    fresh_store: Store, now: datetime
) -> None:
    fresh_store.insert_events(_events(6), now)
    ids = sql.frame(fresh_store, "SELECT id FROM event ORDER BY id")["id"].tolist()
    key = ("event_id",)
    assert fresh_store.insert_frame(models.NearestSite, _nearest_of(ids[:4][::-1]), key=key) == 4
    assert fresh_store.insert_frame(models.NearestSite, _nearest_of(ids[2:][::-1], "b"), key=key) == 2
    stored = sql.frame(fresh_store, "SELECT * FROM nearest_site ORDER BY event_id")
    expected = pd.concat([_nearest_of(ids[:4]), _nearest_of(ids[4:], "b")], ignore_index=True)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    assert {i["name"] for i in sa.inspect(fresh_store.engine).get_indexes("nearest_site")} == set()


def test_some_events_nearest_sites_are_replaced_and_clearing_the_matches_drops_them_all(
    fresh_store: Store, now: datetime
) -> None:
    fresh_store.insert_events(_events(3), now)
    a, b, c = sql.frame(fresh_store, "SELECT id FROM event ORDER BY id")["id"].tolist()
    fresh_store.insert_frame(models.NearestSite, _nearest_of([a, b, c]), key=("event_id",))
    # b's nearest is another site now, and c is near none any more: a stays as it was.
    clear = Clear(("event_id",), [(b,), (c,)])
    assert fresh_store.insert_frame(models.NearestSite, _nearest_of([b], "z"), ("event_id",), clear) == 1
    stored = sql.frame(fresh_store, "SELECT event_id, site_id FROM nearest_site ORDER BY event_id")
    assert list(stored.itertuples(index=False, name=None)) == [(a, "a"), (b, "z")]
    fresh_store.clear_matches([], events=False)
    assert sql.scalar(fresh_store, "SELECT count(*) FROM nearest_site") == 2
    fresh_store.clear_matches([])
    assert sql.scalar(fresh_store, "SELECT count(*) FROM nearest_site") == 0


def test_replacing_incidents_restamps_the_events_that_moved_alone(fresh_store: Store, now: datetime) -> None:
    fresh_store.insert_events(_events(4), now)
    a, b, c, d = sql.frame(fresh_store, "SELECT id FROM event ORDER BY id")["id"].tolist()
    first, later = datetime(2025, 3, 2, 8), datetime(2025, 3, 2, 9)
    assert (
        fresh_store.replace_incidents(pd.DataFrame({"event_id": [a, b, c], "incident_id": [a, a, c]}), first)
        == 3
    )
    # b leaves a's incident, c stays where it was, d joins c's; a is not given and keeps its row.
    moved = pd.DataFrame({"event_id": [b, c, d], "incident_id": [b, c, c]})
    assert fresh_store.replace_incidents(moved, later) == 2
    stored = sql.frame(
        fresh_store, "SELECT event_id, incident_id, changed_at FROM incident_member ORDER BY event_id"
    )
    assert [(int(e), int(i), pd.Timestamp(t)) for e, i, t in stored.itertuples(index=False)] == [
        (a, a, pd.Timestamp(first)),
        (b, b, pd.Timestamp(later)),
        (c, c, pd.Timestamp(first)),
        (d, c, pd.Timestamp(later)),
    ]


def _has_date_index(store: Store) -> bool:
    return models.EVENT_DATE_INDEX in {i["name"] for i in sa.inspect(store.engine).get_indexes("event")}


def test_a_first_load_of_events_builds_the_date_index_after_its_rows_and_a_later_one_keeps_it(
    fresh_store: Store, now: datetime
) -> None:
    seen: list[bool] = []
    with fresh_store.loading_events():
        seen.append(_has_date_index(fresh_store))
        fresh_store.insert_events(_events(3), now)
    assert seen == [False] and _has_date_index(fresh_store)
    with fresh_store.loading_events():  # events are stored: the index stays, rows go in through it
        seen.append(_has_date_index(fresh_store))
        fresh_store.insert_events(_events(5), now)
    assert seen == [False, True] and _has_date_index(fresh_store)
    assert schema.differences(fresh_store.engine) == []


def test_a_first_load_that_fails_or_is_killed_still_ends_with_the_date_index(
    fresh_store: Store, now: datetime
) -> None:
    with pytest.raises(RuntimeError), fresh_store.loading_events():
        fresh_store.insert_events(_events(2), now)
        raise RuntimeError("the feed broke off")
    assert _has_date_index(fresh_store)
    # Killed between the drop and the build: the next command's schema check builds it.
    with fresh_store.engine.begin() as conn:
        conn.execute(sa.text(f"DROP INDEX {models.EVENT_DATE_INDEX}"))
    fresh_store.check_schema()
    assert _has_date_index(fresh_store)
    assert schema.differences(fresh_store.engine) == []


def test_known_at_is_the_publication_time_or_else_first_seen(fresh_store: Store, now: datetime) -> None:
    published = datetime(2025, 3, 2, 8, 30)
    fresh_store.insert_events(_events(1, published), now)
    fresh_store.insert_events(_events(2).iloc[1:], now)
    frame = sql.frame(fresh_store, "select source_id, known_at from event order by source_id")
    known = dict(zip(frame.source_id, pd.to_datetime(frame.known_at), strict=True))
    assert known["COD0"] == pd.Timestamp(published)
    assert known["COD1"] == pd.Timestamp(now.replace(tzinfo=None))


def test_rejected_rows_are_kept_once_with_their_reason(fresh_store: Store, now: datetime) -> None:
    bad = [RejectedRow("line 3", "latitude 'abc' is not a number", "a,b,c")]
    assert fresh_store.insert_rejected("acled", bad, None, now) == 1
    assert fresh_store.insert_rejected("acled", bad, None, now) == 0
    assert sql.frame(fresh_store, "select ref, reason from rejected").to_dict("records") == [
        {"ref": "line 3", "reason": "latitude 'abc' is not a number"}
    ]


def test_watermarks_round_trip_and_move_forward(fresh_store: Store, now: datetime) -> None:
    assert fresh_store.get_watermark("acled") is None
    fresh_store.set_watermark("acled", "100", now)
    fresh_store.set_watermark("acled", "200", now)
    assert fresh_store.get_watermark("acled") == "200"


def test_a_row_missing_a_required_value_fails_the_write_instead_of_passing_for_a_duplicate(
    fresh_store: Store, now: datetime
) -> None:
    rows = _events(3)
    rows.loc[1, "type"] = None
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError), match=r"(?i)not.null"):
        fresh_store.insert_events(rows, now)
    assert sql.scalar(fresh_store, "select count(*) from event") == 0  # the batch is rolled back whole


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgres://minewatch:hunter2@db/minewatch",
            "unsupported database 'postgres' in postgres://minewatch:***@db/minewatch",
        ),
        ("not a url hunter2", "bad database URL (not a URL)"),
    ],
)
def test_a_bad_database_url_is_reported_without_its_password(url: str, shown: str) -> None:
    with pytest.raises(StoreError, match=re.escape(shown)) as exc:
        Store.from_url(url)
    assert "hunter2" not in str(exc.value)


def test_sqlite_writers_wait_a_minute_for_the_write_lock(tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{tmp_path / 'b.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60_000


def _in_the_file_alone(path: Path, tmp_path: Path) -> Store:
    """The store as its database file holds it without the write-ahead log (what was checkpointed)."""
    copy = tmp_path / "file-alone.db"
    copy.write_bytes(path.read_bytes())
    return Store.from_url(f"sqlite:///{copy}")


@pytest.mark.parametrize("deferred", [False, True], ids=["default", "deferred"])
def test_a_store_that_defers_checkpoints_leaves_a_large_write_in_the_log_until_its_checkpoint(
    tmp_path: Path, now: datetime, deferred: bool
) -> None:
    path = tmp_path / "store.db"
    store = Store.from_url(f"sqlite:///{path}", deferred_checkpoints=deferred)
    store.create_schema()
    store.checkpoint()
    big = "x" * (24 << 20)  # 1,500 pages of 16 KB: past SQLite's own threshold of 1,000
    store.set_watermark("big", big, now)
    assert (_in_the_file_alone(path, tmp_path).get_watermark("big") == big) is not deferred
    store.checkpoint()
    assert _in_the_file_alone(path, tmp_path).get_watermark("big") == big
    store.engine.dispose()


@pytest.mark.parametrize("deferred", [False, True])
def test_a_store_that_defers_checkpoints_keeps_its_log_s_file_for_the_next_writes(
    tmp_path: Path, now: datetime, deferred: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "SQLITE_WAL_KEEP_BYTES", 1 << 20)
    path = tmp_path / "store.db"
    store = Store.from_url(f"sqlite:///{path}", deferred_checkpoints=deferred)
    store.create_schema()
    store.set_watermark("big", "x" * (8 << 20), now)
    store.checkpoint()
    store.set_watermark("small", "x", now)  # the first write after a checkpoint starts the log over
    log = path.with_name(path.name + "-wal").stat().st_size
    assert (log > 4 << 20) is deferred
    store.engine.dispose()


def test_init_turns_an_earlier_release_s_suspension_and_force_majeure_into_halts_keeping_the_old_word(
    fresh_store: Store, now: datetime
) -> None:
    rows = [
        {"source": "alphamin", "source_id": f"n{i}", "url": "", "published_at": None, "title": title,
         "summary": "", "language": "en", "kind": kind, "confidence": 0.9}
        for i, (title, kind) in enumerate([("Operations suspended", "suspension"),
                                           ("Force majeure declared", "force_majeure"),
                                           ("Phased restart", "resumption")])
    ]  # fmt: skip
    fresh_store.insert_notices(pd.DataFrame(rows), now)
    with fresh_store.engine.begin() as conn:  # back to the schema before the cue (revision 0003)
        command.downgrade(schema.config(conn), "0003")
    with pytest.raises(StoreError, match="minewatch init"):
        fresh_store.check_schema()
    fresh_store.create_schema()
    fresh_store.create_schema()  # twice changes nothing more
    stored = sql.frame(fresh_store, "select source_id, kind, cue from notice order by source_id")
    assert stored.to_dict("records") == [
        {"source_id": "n0", "kind": "halt", "cue": "stored as suspension by an earlier release"},
        {"source_id": "n1", "kind": "halt", "cue": "stored as force_majeure by an earlier release"},
        {"source_id": "n2", "kind": "resumption", "cue": ""},
    ]


def _score_rows(cells: list[tuple[date, str, float]]) -> pd.DataFrame:
    fixed = {"level": "elevated", "status": "operating", "route": 0.0, "notice": 0.0, "events_30d": 1,
             "fatalities_30d": 0, "front_actor": "", "computed_at": datetime(2025, 3, 20, 12)}  # fmt: skip
    return pd.DataFrame(
        [{"date": day, "site_id": site, "risk": risk, "conflict": risk, **fixed} for day, site, risk in cells]
    )


def _stored_scores(store: Store) -> list[tuple[str, str, float]]:
    rows = sql.frame(store, "SELECT date, site_id, risk FROM score ORDER BY date, site_id")
    return [(str(r.date)[:10], r.site_id, float(r.risk)) for r in rows.itertuples()]


def test_a_write_that_clears_its_keys_replaces_them_and_keeps_a_stored_row_it_collides_with(
    fresh_store: Store,
) -> None:
    d1, d2 = date(2025, 3, 1), date(2025, 3, 2)
    key, day2 = ("date", "site_id"), Clear(("date",), [(d2,)])
    fresh_store.insert_frame(models.Score, _score_rows([(d1, "a", 10.0), (d2, "a", 20.0)]), key=key)

    # Day 2 cleared and written again (on PostgreSQL straight into the table): every row goes in.
    replaced = fresh_store.insert_frame(
        models.Score, _score_rows([(d2, "a", 21.0), (d2, "b", 22.0)]), key=key, clear=day2
    )
    assert replaced == 2
    assert _stored_scores(fresh_store) == [
        ("2025-03-01", "a", 10.0), ("2025-03-02", "a", 21.0), ("2025-03-02", "b", 22.0),
    ]  # fmt: skip

    # A row of a day not cleared collides (as another writer's would): kept as stored, the rest go in.
    collided = fresh_store.insert_frame(
        models.Score, _score_rows([(d1, "a", 99.0), (d2, "c", 23.0)]), key=key, clear=day2
    )
    assert collided == 1
    assert _stored_scores(fresh_store) == [("2025-03-01", "a", 10.0), ("2025-03-02", "c", 23.0)]


def test_key_columns_give_the_keys_as_tuples_of_python_values_a_slice_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_module, "FRAME_ROWS_PER_SLICE", 3)  # slices end inside the keys
    events, incidents = np.arange(10, 17, dtype=np.int64), np.arange(20, 27, dtype=np.int64)
    keys = KeyColumns(events, incidents)

    listed = list(keys)

    assert listed == [(int(e), int(i)) for e, i in zip(events, incidents, strict=True)]
    assert all(type(v) is int for key in listed for v in key)
    assert len(keys) == 7 and keys[4] == (14, 24) and list(keys[2:5]) == listed[2:5]
    assert not KeyColumns(np.empty(0, np.int64), np.empty(0, np.int64))


def test_incidents_replaced_from_key_columns_delete_only_the_changed_rows(fresh_store: Store) -> None:
    events = pd.DataFrame([{**dict.fromkeys(EVENT_COLUMNS, ""), "source": "acled", "source_id": f"K{n}",
                            "event_date": date(2025, 3, 1), "type": "battles", "fatalities": 0,
                            "lat": -1.0, "lon": 28.0, "geo_precision": 1} for n in range(4)])  # fmt: skip
    fresh_store.insert_events(events, datetime(2025, 3, 2))
    ids = sql.frame(fresh_store, "SELECT id FROM event ORDER BY id")["id"].tolist()
    first = datetime(2025, 3, 2, 1)
    fresh_store.replace_incidents(pd.DataFrame({"event_id": ids, "incident_id": ids}), first)
    moved = [ids[0], ids[1], ids[0], ids[3]]  # the third joins the first; the others stay

    changed = fresh_store.replace_incidents(
        pd.DataFrame({"event_id": ids, "incident_id": moved}), datetime(2025, 3, 2, 2)
    )

    rows = sql.frame(
        fresh_store, "SELECT event_id, incident_id, changed_at FROM incident_member ORDER BY event_id"
    )
    assert changed == 1
    assert rows["incident_id"].tolist() == moved
    stamps = pd.to_datetime(rows["changed_at"]).tolist()
    assert stamps == [first, first, datetime(2025, 3, 2, 2), first]
