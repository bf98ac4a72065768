"""The two databases' differences, each handled in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from monitor import dialect, models


def test_sqlite_parameters_are_the_text_sqlalchemy_stores() -> None:
    moment = datetime(2025, 3, 14, 12, 0)
    assert dialect.param("sqlite", moment) == "2025-03-14 12:00:00.000000"
    assert dialect.param("sqlite", date(2025, 3, 14)) == "2025-03-14"
    assert dialect.param("sqlite", 3) == 3


def test_times_are_naive_utc_on_both_databases() -> None:
    kinshasa = datetime(2025, 3, 14, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert dialect.param("postgresql", kinshasa) == datetime(2025, 3, 14, 12, 0)
    assert dialect.param("sqlite", kinshasa) == "2025-03-14 12:00:00.000000"
    assert dialect.param("postgresql", date(2025, 3, 14)) == date(2025, 3, 14)
    assert dialect.naive_utc(datetime(2025, 3, 14, 12, tzinfo=UTC)) == datetime(2025, 3, 14, 12)


def test_positional_placeholders_number_each_name_once_in_order_of_first_use() -> None:
    sql = "SELECT x::text FROM t WHERE a = :a AND b = :b_2 AND c > :a"
    text, values = dialect.numbered(sql, {"b_2": True, "a": "2025-03-14", "unused": 1})
    assert text == "SELECT x::text FROM t WHERE a = ?1 AND b = ?2 AND c > ?1"
    assert values == ["2025-03-14", 1]  # booleans as SQLite stores them


def test_psycopg_placeholders_keep_casts_and_percent_signs() -> None:
    sql = "SELECT x::text FROM t WHERE a = :a AND b LIKE '5%' AND c = :c_2"
    assert dialect.pyformat(sql) == "SELECT x::text FROM t WHERE a = %(a)s AND b LIKE '5%%' AND c = %(c_2)s"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025-03-14", date(2025, 3, 14)), ("2025-03-14 00:00:00.000000", date(2025, 3, 14)),
     (date(2025, 3, 14), date(2025, 3, 14)), (datetime(2025, 3, 14, 9), date(2025, 3, 14)), (None, None),
     (float("nan"), None)],
)  # fmt: skip
def test_dates_read_back_as_dates(value: object, expected: date | None) -> None:
    assert dialect.as_date(value) == expected


def test_json_read_back_decoded() -> None:
    assert dialect.json_value('{"a": [1, 2]}') == {"a": [1, 2]}
    assert dialect.json_value({"a": 1}) == {"a": 1}
    assert dialect.json_value("not json") is None


def test_each_dialect_has_its_insert_with_on_conflict() -> None:
    table = models.Watermark.__table__  # type: ignore[attr-defined]
    for name in ("sqlite", "postgresql"):
        stmt = dialect.insert(name)(table).on_conflict_do_nothing(index_elements=["name"])
        assert f"dialects.{name}" in type(stmt).__module__
