"""Sparse scores keyed by day (the scored days in ``score_day``), and when each event joined its incident.

Landed before schema versions, after 0002; each part is applied only where the store lacks it
(``monitor.migrations.additive``): a store made by a commit between may hold it already.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.migrations import additive

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: The lowest risk level: what a day scored before ``score_day`` existed says of its quiet sites.
LOWEST_LEVEL = "low"


def _columns() -> dict[str, list[sa.Column[object]]]:
    """The columns added to existing tables (new objects on each call: a column belongs to one table)."""
    return {"incident_member": [sa.Column("changed_at", sa.DateTime(), nullable=True)]}


def upgrade() -> None:
    additive.add_missing_columns(_columns())
    if not sa.inspect(op.get_bind()).has_table("score_day"):
        op.create_table(
            "score_day",
            sa.Column("date", sa.Date(), nullable=False),
            sa.Column("computed_at", sa.DateTime(), nullable=False),
            sa.Column("sites", sa.Integer(), nullable=False),
            sa.Column("level", sa.String(), nullable=False),
            sa.Column("explain", sa.JSON(), nullable=True),
            sa.PrimaryKeyConstraint("date"),
        )
        # Scores stored before hold a row per site and day: each of their days is a scored day.
        op.execute(
            sa.text(
                "INSERT INTO score_day (date, computed_at, sites, level)"
                " SELECT date, MIN(computed_at), COUNT(*), :low FROM score GROUP BY date"
            ).bindparams(low=LOWEST_LEVEL)
        )
    _key_scores_by_day()


def _key_scores_by_day() -> None:
    """Score's primary key (date, site_id), without a rowid on SQLite; its date index goes (the key is it)."""
    if sa.inspect(op.get_bind()).get_pk_constraint("score")["constrained_columns"] != ["date", "site_id"]:
        _rekey_scores(["date", "site_id"], by_day=True)


def _rekey_scores(key: list[str], *, by_day: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if by_day:
            op.drop_index("ix_score_date", "score", if_exists=True)
        name = sa.inspect(bind).get_pk_constraint("score")["name"] or "score_pkey"
        op.drop_constraint(name, "score", type_="primary")
        op.create_primary_key(name, "score", key)
    else:  # SQLite changes a key only by copying the table
        columns = ", ".join(c["name"] for c in sa.inspect(bind).get_columns("score"))
        op.create_table(
            "_score_rekeyed", *_score_columns(), sa.PrimaryKeyConstraint(*key), sqlite_with_rowid=not by_day
        )
        op.execute(
            f"INSERT INTO _score_rekeyed ({columns}) SELECT {columns} FROM score ORDER BY {', '.join(key)}"
        )
        op.drop_table("score")
        op.rename_table("_score_rekeyed", "score")
    if not by_day:
        op.create_index("ix_score_date", "score", ["date"])


def downgrade() -> None:
    _rekey_scores(["site_id", "date"], by_day=False)
    op.drop_table("score_day")
    for table, columns in _columns().items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)


def _score_columns() -> list[sa.Column[object]]:
    """Score's columns as of 0002, day first."""
    return [
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("site_id", sa.String(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("conflict", sa.Float(), nullable=False),
        sa.Column("route", sa.Float(), nullable=False),
        sa.Column("notice", sa.Float(), nullable=False),
        sa.Column("events_30d", sa.Integer(), nullable=False),
        sa.Column("fatalities_30d", sa.Integer(), nullable=False),
        sa.Column("nearest_event_km", sa.Float(), nullable=True),
        sa.Column("top_event_id", sa.Integer(), nullable=True),
        sa.Column("supply_at_risk_t", sa.Float(), nullable=True),
        sa.Column("front_km", sa.Float(), nullable=True),
        sa.Column("front_km_change_7d", sa.Float(), nullable=True),
        sa.Column("front_days_to_radius", sa.Float(), nullable=True),
        sa.Column("front_actor", sa.String(), nullable=False, server_default=""),
        sa.Column("explain", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
    ]
