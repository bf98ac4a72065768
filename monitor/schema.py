"""The store's schema version: bring any store to this release's tables, and tell when one is behind.

The schema changes through Alembic revisions, one per change, in ``monitor/migrations/versions/`` (shipped
inside the package and run programmatically: no ``alembic.ini``). ``upgrade`` is what ``minewatch init``
runs: an empty database is built from the first revision up, a store made before schema versions existed
(no ``alembic_version`` table, the tables of minewatch 0.1 or later) is checked against the baseline and
stamped with it, and every revision the store lacks is applied, all in one transaction so a failure leaves
the store as it was. ``check`` is what every other command runs first: one read of the version table.
``differences`` compares a store with what ``monitor.models`` defines (Alembic's autogenerate); the test
suite uses it to fail a model change that comes without a revision.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from monitor import models  # noqa: F401  (the tables register themselves on SQLModel.metadata)
from monitor.errors import StoreError

#: The revision that creates the schema of minewatch 0.1, the last release before schema versions.
BASELINE = "0001"
#: Alembic's bookkeeping table: the revision a store is at.
VERSION_TABLE = "alembic_version"

_CAST = re.compile(r"::[\w ]+$")


def _default_value(text: str | None) -> str | None:
    """A server default as the value it gives, whatever the dialect reflects around it: SQLite ``('')``,
    PostgreSQL ``''::character varying``, the models' ``'{}'`` and ``1`` are ``''``, ``{}`` and ``1``."""
    if text is None:
        return None
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = _CAST.sub("", text)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    return text


def _defaults_differ(
    _context: MigrationContext,
    _inspected_column: sa.Column[Any],
    _metadata_column: sa.Column[Any],
    inspected_default: str | None,
    _metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool:
    return _default_value(inspected_default) != _default_value(rendered_metadata_default)


#: How a store is compared with the models, for autogenerate and for the guard test alike: column types and
#: server defaults (by the value they give) too, and (SQLite) ALTERs written as batch operations, which
#: copy the table where SQLite cannot alter it.
CONTEXT_OPTIONS: Mapping[str, Any] = {
    "compare_type": True,
    "compare_server_default": _defaults_differ,
    "render_as_batch": True,
}


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate renders SQLModel's text type as plain ``sa.String()``, so revisions need no sqlmodel."""
    if type_ == "type" and isinstance(obj, AutoString):
        return "sa.String()"
    return False


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` did: the revision the store was at (None: empty, or made before schema versions)
    and the one it is at now; ``adopted`` when it had tables but no version yet."""

    before: str | None
    after: str
    adopted: bool

    def describe(self) -> str:
        """One phrase for ``minewatch init``."""
        if self.before == self.after:
            return f"schema up to date (revision {self.after})"
        if self.before is None and not self.adopted:
            return f"schema created (revision {self.after})"
        start = f"revision {self.before}" if self.before is not None else "0.1 (before schema versions)"
        return f"schema upgraded from {start} to revision {self.after}"


def _location() -> str:
    return str(resources.files("monitor") / "migrations")


@cache
def scripts() -> ScriptDirectory:
    """The revisions shipped with this release (read once per process)."""
    return ScriptDirectory(_location())


def head() -> str:
    """The revision this release's models are at."""
    revision = scripts().get_current_head()
    assert revision is not None, "monitor/migrations/versions holds no revision"
    return revision


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the bundled revisions, running them on ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", _location())
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _tables(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names()) - {VERSION_TABLE}


def _columns(connection: Connection) -> dict[str, set[str]]:
    inspector = sa.inspect(connection)
    return {t: {c["name"] for c in inspector.get_columns(t)} for t in _tables(connection)}


@cache
def baseline_columns() -> dict[str, set[str]]:
    """The tables and columns the baseline revision creates, read off a scratch in-memory SQLite database
    built by that revision itself (so the shape is never written down twice)."""
    engine = sa.create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            command.upgrade(config(conn), BASELINE)
            return _columns(conn)
    finally:
        engine.dispose()


def _adopt(connection: Connection) -> None:
    """Stamp a store made before schema versions with the baseline, after checking it has the baseline's
    every table and column (else it is not a minewatch store, or was damaged, and nothing is changed)."""
    have = _columns(connection)
    missing = [
        f"{table}.{column}" if table in have else table
        for table, columns in sorted(baseline_columns().items())
        for column in (sorted(columns - have[table]) if table in have else [""])
    ]
    if missing:
        raise StoreError(
            "the database holds tables but not those of a minewatch store (it lacks "
            f"{', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}): nothing was changed; "
            "point database.url at a minewatch store or an empty database"
        )
    command.stamp(config(connection), BASELINE)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One connection holding the schema for the whole upgrade, committed at the end or rolled back whole.

    SQLite: foreign keys off while tables are copied by batch operations (the pragma is a no-op inside a
    transaction, so it goes first), checked before the commit; ``BEGIN IMMEDIATE`` takes the write lock up
    front and puts the DDL in the transaction (the driver would otherwise run it outside one). PostgreSQL:
    DDL is transactional; an advisory lock per schema makes a second ``init`` wait for the first.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtext('minewatch schema ' || current_schema()))")
            )
        try:
            yield conn
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(
                        f"the upgrade would break {len(broken)} foreign keys: nothing was changed"
                    )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine) -> Upgrade:
    """Bring the store at ``engine`` to this release's schema (see the module's docstring); safe to re-run."""
    try:
        with _migrating(engine) as conn:
            before = _current(conn)
            adopted = before is None and bool(_tables(conn) & set(baseline_columns()))
            if adopted:
                _adopt(conn)
            current = _current(conn)
            if current is not None and current not in {s.revision for s in scripts().walk_revisions()}:
                raise StoreError(_newer(current))
            command.upgrade(config(conn), "head")
            return Upgrade(before, head(), adopted)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot upgrade the database: {getattr(exc, 'orig', None) or exc}") from None


def _newer(revision: str) -> str:
    return (
        f"the store's schema is at revision {revision}, which this minewatch (at {head()}) does not know: "
        "it was made by a newer release; install that release or point database.url at another store"
    )


def check(engine: Engine) -> None:
    """Raise StoreError saying what to do unless the store is at this release's revision."""
    try:
        with engine.connect() as conn:
            current = _current(conn)
            ours = _tables(conn) & set(baseline_columns()) if current is None else set()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database: {getattr(exc, 'orig', None) or exc}") from None
    if current == head():
        return
    if current is None and not ours:
        raise StoreError("the store is empty: run `minewatch init` first")
    if current is None:
        raise StoreError(
            "the store was made by minewatch 0.1 (before schema versions): run `minewatch init` to upgrade "
            "it in place (it keeps what is stored)"
        )
    if current not in {s.revision for s in scripts().walk_revisions()}:
        raise StoreError(_newer(current))
    raise StoreError(
        f"the store's schema is at revision {current}, this release needs {head()}: run `minewatch init` "
        "to upgrade it in place (it keeps what is stored)"
    )


def differences(engine: Engine, metadata: sa.MetaData = SQLModel.metadata) -> list[Any]:
    """How the store's tables differ from ``metadata``, by default the tables of ``monitor.models``
    (Alembic autogenerate diffs, as ``scripts/new_revision.py`` would write them, and the primary keys'
    column order and SQLite's WITHOUT ROWID, which autogenerate does not compare; empty: none)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=dict(CONTEXT_OPTIONS))
        diffs: list[Any] = compare_metadata(context, metadata)
        return diffs + _key_differences(conn, metadata)


def _key_differences(conn: Connection, metadata: sa.MetaData) -> list[tuple[str, str, Any, Any]]:
    """("modify_primary_key" | "modify_sqlite_with_rowid", table, the store's, the models') per change."""
    inspector = sa.inspect(conn)
    found: list[tuple[str, str, Any, Any]] = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue  # compare_metadata reports it
        want = [c.name for c in table.primary_key.columns]
        have = inspector.get_pk_constraint(table.name)["constrained_columns"]
        if have != want:
            found.append(("modify_primary_key", table.name, have, want))
        if conn.dialect.name == "sqlite":
            rowid = table.dialect_options["sqlite"]["with_rowid"]
            had = inspector.get_table_options(table.name).get("sqlite_with_rowid", True)
            if had != rowid:
                found.append(("modify_sqlite_with_rowid", table.name, had, rowid))
    return found


#: Tables an earlier revision had and a later one dropped: a store not upgraded yet may still hold them.
RETIRED_TABLES = ("exposure",)


def drop_retired(connection: Connection) -> None:
    """Drop the tables of earlier revisions a store not upgraded may hold (before the models' tables: they
    may refer to them)."""
    for table in RETIRED_TABLES:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))


def drop_version(connection: Connection) -> None:
    """Forget the store's revision (with its tables dropped, the store is empty again)."""
    connection.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
