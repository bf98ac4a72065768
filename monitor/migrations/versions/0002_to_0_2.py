"""To 0.2: report counts on events, incidents, analyst feedback, the front line on scores, dropped rows.

What changed between minewatch 0.1 and the first release with schema versions, grouped; each is added only
where the store lacks it (``monitor.migrations.additive``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.migrations import additive

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _columns() -> dict[str, list[sa.Column[object]]]:
    """The columns added to existing tables (new objects on each call: a column belongs to one table)."""
    return {
        "event": [
            sa.Column("num_sources", sa.Integer(), nullable=False, server_default="1"),
            sa.Column("num_articles", sa.Integer(), nullable=False, server_default="1"),
        ],
        "score": [
            sa.Column("front_km", sa.Float(), nullable=True),
            sa.Column("front_km_change_7d", sa.Float(), nullable=True),
            sa.Column("front_days_to_radius", sa.Float(), nullable=True),
            sa.Column("front_actor", sa.String(), nullable=False, server_default=""),
        ],
        "feedrun": [
            sa.Column("dropped", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        ],
    }


def upgrade() -> None:
    additive.add_missing_columns(_columns())
    additive.create_missing_table(
        "incident_member",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("event_id"),
        indexes={"ix_incident_member_incident_id": ["incident_id"]},
    )
    additive.create_missing_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("site_id", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_by", sa.String(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexes={"ix_feedback_target": ["target", "target_id"]},
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("incident_member")
    for table, columns in _columns().items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)
