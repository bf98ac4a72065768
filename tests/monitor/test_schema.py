"""Schema versions: `minewatch init` upgrades a store of an earlier release in place keeping every row, the
revisions build exactly the schema the models define, and a store behind or ahead is told what to do.

Every test runs on SQLite, and on PostgreSQL when MINEWATCH_TEST_DATABASE_URL is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import SQLModel

from monitor import schema
from monitor.config import Settings
from monitor.errors import StoreError
from monitor.pipeline import EVENTS_MATCHED, NOTICES_MATCHED, Pipeline
from monitor.store import Store
from tests.conftest import execute
from tests.monitor import release_rows
from tests.monitor.test_cli import Cli

#: Derived rows that `init` forgets on purpose: it reloads the registry, and the next match rebuilds them.
REMATCHED = {"nearest_site", "noticesite"}

HOW_TO_ADD_A_REVISION = (
    "monitor/models.py and the revisions in monitor/migrations/versions/ define different schemas. "
    'Write the revision for your change: .venv/bin/python scripts/new_revision.py "what changed", read it, '
    'and run the tests on SQLite and PostgreSQL (docs/architecture.md, "Changing the schema").'
)


@pytest.fixture
def empty(database_url: str) -> Iterator[Store]:
    """A store on an empty database, not initialised."""
    store = Store.from_url(database_url)
    yield store
    store.engine.dispose()


def _version(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _no_differences(store: Store) -> None:
    diffs = schema.differences(store.engine)
    assert diffs == [], f"{HOW_TO_ADD_A_REVISION}\nDifferences (store at head -> models): {diffs}"


@pytest.mark.parametrize("release", release_rows.RELEASES)
def test_init_upgrades_a_store_of_an_earlier_release_in_place_keeping_every_row(
    tmp_path: Path, database_url: str, empty: Store, release: str
) -> None:
    written = release_rows.build(empty.engine, release)
    assert set(written) >= {"site", "event", "notice", "score", "alert", "delivery", "feedrun"}

    result = Cli(tmp_path, database_url)("init")

    assert f"schema upgraded from 0.1 (before schema versions) to revision {schema.head()}" in result.stdout
    after = release_rows.read(empty.engine)
    for table, rows in written.items():
        if (
            table in REMATCHED or table in release_rows.REPLACED
        ):  # matched again on the reloaded registry (below), not kept by the upgrade
            continue
        if table == "site":  # the registry reload adds the bundled sites beside ours
            after[table] = [r for r in after[table] if r["id"] == rows[0]["id"]]
        if table == "watermark":  # and restarts matching and the scores' epoch
            after[table] = [r for r in after[table] if r["name"] == rows[0]["name"]]
        kept = [k for k in rows[0] if (table, k) not in release_rows.DROPPED]
        written_kept = [{k: r[k] for k in kept} for r in rows]
        assert [{k: r[k] for k in kept} for r in after[table]] == written_kept, table
        assert not any((table, k) in release_rows.DROPPED for r in after[table] for k in r), table
        for (added_to, column), default in release_rows.ADDED_DEFAULTS.items():
            if added_to == table and column not in rows[0]:
                assert [r[column] for r in after[table]] == [default] * len(rows), f"{table}.{column}"
    score = written["score"][0]  # the days scored before score_day are its scored days
    assert after["score_day"] == [
        {
            "date": score["date"],
            "computed_at": score["computed_at"],
            "sites": 1,
            "level": "low",  # and no explanation (revision 0014)
            "rows_version": "",  # revision 0010: a day's rows not rewritten since have no version yet
        }
    ]
    assert _version(empty) == schema.head()
    _no_differences(empty)
    empty.check_schema()
    # The registry reload changed most of the registry, so init matched everything again: what it left is
    # what matching the new registry from scratch gives.
    rematched = {table: after[table] for table in REMATCHED}
    assert rematched["nearest_site"]
    empty.clear_matches([EVENTS_MATCHED, NOTICES_MATCHED])
    Pipeline(empty, Settings(), lambda: datetime.now(UTC)).match()
    assert {table: release_rows.read(empty.engine)[table] for table in REMATCHED} == rematched


@pytest.mark.parametrize("release", release_rows.RELEASES)
def test_the_upgrade_itself_keeps_the_derived_rows_init_later_rebuilds(empty: Store, release: str) -> None:
    written = release_rows.build(empty.engine, release)
    done = empty.create_schema()
    assert (done.before, done.after, done.adopted) == (None, schema.head(), True)
    after = release_rows.read(empty.engine)
    for table in REMATCHED:
        # Each event's one exposure written is its nearest site (revision 0015).
        replaced = {kept: old for old, kept in release_rows.REPLACED.items()}
        rows = written[replaced.get(table, table)]
        assert [{k: r[k] for k in rows[0]} for r in after[table]] == rows


def test_a_store_between_releases_gains_only_what_it_lacks(empty: Store) -> None:
    """Before schema versions, `init` added new defaulted columns itself: some may be there already."""
    release_rows.build(empty.engine, "b270f5f")
    execute(empty, "ALTER TABLE event ADD COLUMN num_sources INTEGER DEFAULT '1' NOT NULL")
    execute(empty, "UPDATE event SET num_sources = 5")
    assert empty.create_schema().adopted
    assert [r["num_sources"] for r in release_rows.read(empty.engine)["event"]] == [5, 5]
    _no_differences(empty)


def test_init_on_a_store_at_the_current_revision_changes_nothing(tmp_path: Path, database_url: str) -> None:
    cli = Cli(tmp_path, database_url)
    assert f"schema created (revision {schema.head()})" in cli("init").stdout
    assert f"schema up to date (revision {schema.head()})" in cli("init").stdout


def test_the_models_and_the_head_revision_define_the_same_schema(fresh_store: Store) -> None:
    assert _version(fresh_store) == schema.head()
    _no_differences(fresh_store)


def test_a_model_change_without_a_revision_shows_as_a_difference(fresh_store: Store) -> None:
    changed = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["notice"].append_column(
        sa.Column("reviewed_by", sa.String(), nullable=False, server_default="")
    )
    changed.tables["feedrun"].c.dropped.server_default = sa.DefaultClause(sa.text("'[]'"))
    diffs = schema.differences(fresh_store.engine, changed)
    added = [d[:4] for d in diffs if isinstance(d, tuple)]  # Alembic: a tuple per added or removed object
    modified = [d[0][:4] for d in diffs if isinstance(d, list)]  # and a list per changed column
    assert added == [("add_column", None, "notice", changed.tables["notice"].c.reviewed_by)]
    assert modified == [("modify_default", None, "feedrun", "dropped")]


def test_a_reordered_primary_key_shows_as_a_difference(fresh_store: Store) -> None:
    """Autogenerate does not compare primary keys' column order (nor SQLite's WITHOUT ROWID): we do."""
    score = SQLModel.metadata.tables["score"]
    key = [c.name for c in score.primary_key.columns]
    rowid = score.dialect_options["sqlite"]["with_rowid"]
    changed = sa.MetaData()
    columns = [sa.Column(c.name, c.type, nullable=c.nullable) for c in score.c]
    sa.Table("score", changed, *columns, sa.PrimaryKeyConstraint(*key[::-1]), sqlite_with_rowid=not rowid)
    diffs = schema.differences(fresh_store.engine, changed)
    found = [d for d in diffs if isinstance(d, tuple) and d[1] == "score"]
    assert ("modify_primary_key", "score", key, key[::-1]) in found
    assert (("modify_sqlite_with_rowid", "score", rowid, not rowid) in found) == (
        fresh_store.dialect == "sqlite"
    )


def test_the_baseline_revision_creates_the_schema_of_release_0_1(empty: Store) -> None:
    with empty.engine.begin() as conn:
        command.upgrade(schema.config(conn), schema.BASELINE)
    baseline = sa.MetaData()
    with empty.engine.connect() as conn:
        baseline.reflect(conn)
    baseline.remove(baseline.tables[schema.VERSION_TABLE])
    for table in baseline.sorted_tables:  # PostgreSQL: SERIAL's sequence is no default Alembic compares
        for column in table.c:
            if "nextval(" in str(getattr(column.server_default, "arg", "")):
                column.server_default = None
    empty.drop_schema()
    release_rows.build(empty.engine, "b270f5f")  # the DDL minewatch 0.1 ran
    assert schema.differences(empty.engine, baseline) == []


def test_every_revision_downgrades_and_upgrades_again(fresh_store: Store) -> None:
    with fresh_store.engine.begin() as conn:
        command.downgrade(schema.config(conn), "base")
    with fresh_store.engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {schema.VERSION_TABLE}
    fresh_store.create_schema()
    _no_differences(fresh_store)


def test_a_store_whose_site_index_an_interrupted_bulk_match_left_dropped_still_upgrades(
    fresh_store: Store,
) -> None:
    """Releases at 0010 dropped the exposures' site index during a bulk match and built it after; a process
    killed in between left it dropped, and 0011, which drops it, must not fail on its absence."""
    with fresh_store.engine.begin() as conn:
        command.downgrade(schema.config(conn), "0010")
    execute(fresh_store, "DROP INDEX ix_exposure_site_id")
    assert fresh_store.create_schema().after == schema.head()
    _no_differences(fresh_store)


def test_a_failed_upgrade_leaves_the_store_as_it_was(empty: Store) -> None:
    release_rows.build(empty.engine, "b270f5f")
    # An index already named as one a revision creates: the upgrade fails after it has altered tables.
    execute(empty, "CREATE INDEX ix_feedback_target ON lease (holder)")
    with pytest.raises(StoreError, match=r"cannot upgrade the database: .*ix_feedback_target"):
        empty.create_schema()
    with empty.engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert schema.VERSION_TABLE not in inspector.get_table_names()
        assert "num_sources" not in {c["name"] for c in inspector.get_columns("event")}
    with pytest.raises(StoreError, match=r"made by minewatch 0\.1 .*run `minewatch init`"):
        empty.check_schema()


def _stopped(store: Store) -> str:
    with pytest.raises(StoreError) as exc:
        store.check_schema()
    return str(exc.value)


def test_a_store_is_told_what_to_do_when_empty_behind_or_ahead(empty: Store) -> None:
    assert "the store is empty: run `minewatch init` first" in _stopped(empty)
    with empty.engine.begin() as conn:
        command.upgrade(schema.config(conn), schema.BASELINE)
    assert _stopped(empty) == (
        f"the store's schema is at revision {schema.BASELINE}, this release needs {schema.head()}: run "
        "`minewatch init` to upgrade it in place (it keeps what is stored)"
    )
    empty.create_schema()
    empty.check_schema()
    execute(empty, "UPDATE alembic_version SET version_num = '9999'")
    newer = "at revision 9999, which this minewatch (at {}) does not know: it was made by a newer release"
    assert newer.format(schema.head()) in _stopped(empty)
    with pytest.raises(StoreError, match=r"newer release"):
        empty.create_schema()
    assert _version(empty) == "9999"


def test_tables_of_other_applications_are_left_alone(empty: Store) -> None:
    execute(empty, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    execute(empty, "INSERT INTO invoices (id) VALUES (1)")
    assert "the store is empty" in _stopped(empty)
    done = empty.create_schema()
    assert (done.before, done.adopted) == (None, False)  # not a minewatch store: ours are created beside
    assert release_rows.read(empty.engine)["invoices"] == [{"id": 1}]
    empty.check_schema()


def test_a_store_lacking_a_table_of_release_0_1_is_refused_and_left_unchanged(empty: Store) -> None:
    release_rows.build(empty.engine, "b270f5f")
    execute(empty, "DROP TABLE lease")
    with pytest.raises(
        StoreError, match=r"holds tables but not those of a minewatch store \(it lacks lease\)"
    ):
        empty.create_schema()
    with empty.engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert schema.VERSION_TABLE not in inspector.get_table_names()
        assert "num_sources" not in {c["name"] for c in inspector.get_columns("event")}


def test_the_baseline_is_read_off_the_revision_itself() -> None:
    columns: dict[str, Any] = schema.baseline_columns()
    assert "num_sources" not in columns["event"] and "incident_member" not in columns
    assert {"fingerprint", "episode", "payload"} <= columns["alert"]


def test_a_store_at_0007_keeps_every_exposure_when_they_move_into_one_keyed_table(empty: Store) -> None:
    """Revision 0008 copies the exposures into a table without a rowid (SQLite) and drops the index on
    (event, distance, site): no row is lost or changed, and the site index is there again."""
    with empty.engine.begin() as conn:
        command.upgrade(schema.config(conn), "0007")
    events = release_rows.ROWS["event"]
    exposures = [
        {"event_id": e["id"], "site_id": f"site-{i}", "via": via, "distance_km": 0.5 + i}
        for e in events
        for i in range(3)
        for via in ("site", "route")
    ]
    metadata = sa.MetaData()
    with empty.engine.begin() as conn:
        metadata.reflect(conn, only=["event", "exposure"])
        conn.execute(metadata.tables["event"].insert(), events)
        conn.execute(metadata.tables["exposure"].insert(), exposures)

    with empty.engine.begin() as conn:
        command.upgrade(schema.config(conn), "0014")  # the last revision with stored exposures

    assert release_rows.read(empty.engine)["exposure"] == sorted(
        exposures, key=lambda r: (r["event_id"], r["site_id"], r["via"])
    )
    indexes = {i["name"] for i in sa.inspect(empty.engine).get_indexes("exposure")}
    assert "ix_exposure_event_distance" not in indexes
    assert "ix_exposure_site_id" not in indexes  # gone at 0011
    if empty.dialect == "sqlite":
        with empty.engine.connect() as conn:
            ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'exposure'").scalar()
        assert "WITHOUT ROWID" in str(ddl)


def test_a_store_with_exposures_keeps_each_event_s_nearest_site_and_a_downgrade_matches_over(
    empty: Store,
) -> None:
    """Revision 0015 keeps of each event's exposures the nearest (least distance, then site id, then
    'route' before 'site', as ``matching.nearest`` picks it) and drops the table; its downgrade gives an
    earlier release an empty exposure table and forgets where its event matching stopped."""
    with empty.engine.begin() as conn:
        command.upgrade(schema.config(conn), "0014")
    first, second = (e["id"] for e in release_rows.ROWS["event"])
    exposures = [
        {"event_id": first, "site_id": "b-mine", "via": "site", "distance_km": 4.0},
        {"event_id": first, "site_id": "a-mine", "via": "site", "distance_km": 4.0},  # a tie: a before b
        {"event_id": first, "site_id": "a-mine", "via": "route", "distance_km": 4.0},  # and route first
        {"event_id": first, "site_id": "c-mine", "via": "route", "distance_km": 9.0},
        {"event_id": second, "site_id": "c-mine", "via": "site", "distance_km": 30.0},
        {"event_id": second, "site_id": "a-mine", "via": "route", "distance_km": 2.5},
    ]
    mark = {"name": EVENTS_MATCHED, "value": "2025-04-20T00:00:00", "updated_at": datetime(2025, 4, 20)}
    metadata = sa.MetaData()
    with empty.engine.begin() as conn:
        metadata.reflect(conn, only=["event", "exposure", "watermark"])
        conn.execute(metadata.tables["event"].insert(), release_rows.ROWS["event"])
        conn.execute(metadata.tables["exposure"].insert(), exposures)
        conn.execute(metadata.tables["watermark"].insert(), [mark])

    assert empty.create_schema().before == "0014"

    after = release_rows.read(empty.engine)
    assert "exposure" not in after
    assert after["nearest_site"] == [
        {"event_id": first, "site_id": "a-mine", "via": "route", "distance_km": 4.0},
        {"event_id": second, "site_id": "a-mine", "via": "route", "distance_km": 2.5},
    ]
    _no_differences(empty)  # on SQLite: WITHOUT ROWID, as the models say
    with empty.engine.begin() as conn:
        command.downgrade(schema.config(conn), "0014")
    before = release_rows.read(empty.engine)
    assert before["exposure"] == [] and "nearest_site" not in before
    assert [w["name"] for w in before["watermark"]] == []
