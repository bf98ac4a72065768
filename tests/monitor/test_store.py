from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa

from feeds.rows import EVENT_COLUMNS, RejectedRow
from monitor.errors import StoreError
from monitor.reads import sql
from monitor.store import Store
from tests.conftest import execute


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


def test_create_schema_adds_indexes_a_store_from_an_earlier_release_lacks(fresh_store: Store) -> None:
    execute(fresh_store, "DROP INDEX ix_event_date_type")
    assert "ix_event_date_type" not in {
        i["name"] for i in sa.inspect(fresh_store.engine).get_indexes("event")
    }
    fresh_store.create_schema()
    fresh_store.create_schema()  # and again, harmlessly
    assert "ix_event_date_type" in {i["name"] for i in sa.inspect(fresh_store.engine).get_indexes("event")}


def test_a_row_missing_a_required_value_fails_the_write_instead_of_passing_for_a_duplicate(
    fresh_store: Store, now: datetime
) -> None:
    rows = _events(3)
    rows.loc[1, "type"] = None
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError), match=r"(?i)not.null"):
        fresh_store.insert_events(rows, now)
    assert sql.scalar(fresh_store, "select count(*) from event") == 0  # the batch is rolled back whole


def test_a_store_missing_a_newer_table_is_told_to_run_init_and_init_adds_it(fresh_store: Store) -> None:
    execute(fresh_store, "DROP TABLE supply_day")
    with pytest.raises(
        StoreError, match=r"lacks tables added since it was made \(supply_day\).*minewatch init"
    ):
        fresh_store.check_schema()
    fresh_store.create_schema()
    fresh_store.check_schema()


def test_a_store_missing_a_column_says_which_and_what_to_do(fresh_store: Store) -> None:
    execute(fresh_store, "DROP TABLE supply_day")
    execute(fresh_store, "CREATE TABLE supply_day (date DATE, commodity VARCHAR, sites INTEGER)")
    with pytest.raises(StoreError, match=r"table supply_day lacks supply_at_risk_t.*no automatic migration"):
        fresh_store.check_schema()


def test_init_adds_the_columns_a_store_from_an_earlier_release_lacks_and_keeps_its_rows(
    fresh_store: Store, now: datetime
) -> None:
    fresh_store.insert_events(_events(2), now)
    for table, column in [("event", "num_sources"), ("feedrun", "dropped"), ("score", "front_km")]:
        execute(fresh_store, f"ALTER TABLE {table} DROP COLUMN {column}")
    with pytest.raises(StoreError, match=r"table event lacks num_sources: run `minewatch init`"):
        fresh_store.check_schema()
    fresh_store.create_schema()
    fresh_store.check_schema()
    assert sql.frame(fresh_store, "select num_sources from event")["num_sources"].tolist() == [1, 1]


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
