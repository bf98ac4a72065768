"""Exposures in one B-tree: without a rowid on SQLite, keyed (event_id, site_id, via) with the distance as
payload, and without ``ix_exposure_event_distance``, whose readers take the key's event_id prefix instead.

On SQLite the table is copied (a key or WITHOUT ROWID changes only so), in key order, and its site index
built after the rows; on PostgreSQL only the index goes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

EVENT_DISTANCE = "ix_exposure_event_distance"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_rowid=False)
    else:
        op.drop_index(EVENT_DISTANCE, table_name="exposure")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_rowid=True)
    op.create_index(EVENT_DISTANCE, "exposure", ["event_id", "distance_km", "site_id"])


def _rebuild(*, with_rowid: bool) -> None:
    """Copy the exposures into a table with (or without) a rowid, keeping every row; only the site index
    is built again (after the rows: one sort instead of inserts at random)."""
    op.create_table("_exposure_rebuilt", *_columns(), sqlite_with_rowid=with_rowid)
    columns = "event_id, site_id, via, distance_km"
    op.execute(
        f"INSERT INTO _exposure_rebuilt ({columns}) SELECT {columns} FROM exposure"
        " ORDER BY event_id, site_id, via"
    )
    op.drop_table("exposure")  # its indexes with it
    op.rename_table("_exposure_rebuilt", "exposure")
    op.create_index("ix_exposure_site_id", "exposure", ["site_id"])


def _columns() -> list[sa.schema.SchemaItem]:
    """Exposure's columns and constraints as of 0001 (new objects on each call)."""
    return [
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(), nullable=False),
        sa.Column("via", sa.String(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("event_id", "site_id", "via"),
    ]
