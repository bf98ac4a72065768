"""What differs between the store's two databases, written once: SQLite wants times and dates as the text
SQLAlchemy stores and gives dates and JSON back as text; its DB-API cursor takes ``:name`` placeholders
where psycopg takes ``%(name)s``; each has its own INSERT with ON CONFLICT.

The convention on both: times are naive and in UTC. Both the write side (``monitor.store``) and the read
side (``monitor.reads``) import this module; it imports nothing from minewatch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "MAX_IN_LIST",
    "SQLITE_TIME_FORMAT",
    "as_date",
    "insert",
    "json_value",
    "naive_utc",
    "numbered",
    "param",
    "params",
    "pyformat",
]

#: The most values one IN list of a statement should hold: SQLite binds at most 32,766 parameters to a
#: statement, and a query needs a few of its own.
MAX_IN_LIST = 30_000
#: How SQLAlchemy writes a datetime into SQLite (a parameter in another spelling compares wrongly as text:
#: '...12:00:00' < '...12:00:00.000000').
SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def naive_utc(value: datetime) -> datetime:
    """The database convention: naive datetimes in UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def param(dialect: str, value: Any) -> Any:
    """A query parameter as ``dialect`` compares it with stored values: times naive UTC, and on SQLite times
    and dates as the text SQLAlchemy stores; anything else unchanged."""
    if isinstance(value, datetime):
        value = naive_utc(value)
        return value.strftime(SQLITE_TIME_FORMAT) if dialect == "sqlite" else value
    if isinstance(value, date) and dialect == "sqlite":
        return value.isoformat()
    return value


def params(dialect: str, values: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every parameter of a query through ``param``."""
    return {name: param(dialect, value) for name, value in (values or {}).items()}


def pyformat(sql: str) -> str:
    """``:name`` placeholders as psycopg's ``%(name)s`` (a literal ``%`` doubled, ``::type`` casts kept)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


def numbered(sql: str, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """``:name`` placeholders as SQLite's ``?N`` (N counts the names in order of first use; a name used
    twice keeps its number) and the values in that order: for drivers that bind by position (ADBC)."""
    order: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"?{order.setdefault(match.group(1), len(order) + 1)}"

    text = _NAMED.sub(number, sql)
    return text, [int(v) if isinstance(v, bool) else v for v in (values[name] for name in order)]


def as_date(value: Any) -> date | None:
    """A date column's value as a date: SQLite gives text, PostgreSQL a date; None (and the NaN pandas puts
    for a NULL in a column of numbers or nothing) is None."""
    if isinstance(value, float) and value != value:
        return None
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def json_value(value: Any) -> Any:
    """A JSON column's value decoded: SQLite gives the text, PostgreSQL the value (text that is not JSON:
    None)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def insert(dialect: str) -> Callable[..., Any]:
    """The dialect's ``insert`` construct, the one with ``on_conflict_do_nothing/do_update``."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
