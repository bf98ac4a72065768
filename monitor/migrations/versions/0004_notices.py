"""Notices of issue 11: each notice's cue, the operators a notice names without a site, and its kinds.

A notice stored as ``suspension`` or ``force_majeure`` (kinds of earlier releases) becomes a ``halt``, what
it always meant for a site's status, and keeps the old word as its cue (docs/notices.md). Each part is
applied only where the store lacks it (``monitor.migrations.additive``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.migrations import additive

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: The kinds of earlier releases that are a halt (as ``monitor.domain.LEGACY_HALT_KINDS`` at this revision).
LEGACY_HALT_KINDS = ("force_majeure", "suspension")


def _columns() -> dict[str, list[sa.Column[object]]]:
    """The columns added to existing tables (new objects on each call: a column belongs to one table)."""
    return {"notice": [sa.Column("cue", sa.String(), nullable=False, server_default="")]}


def upgrade() -> None:
    additive.add_missing_columns(_columns())
    additive.create_missing_table(
        "noticeoperator",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"]),
        sa.PrimaryKeyConstraint("notice_id", "operator"),
    )
    marks = ", ".join(f"'{k}'" for k in LEGACY_HALT_KINDS)
    op.execute(
        "UPDATE notice SET cue = CASE WHEN cue = '' OR cue IS NULL"
        " THEN 'stored as ' || kind || ' by an earlier release' ELSE cue END, kind = 'halt'"
        f" WHERE kind IN ({marks})"
    )


def downgrade() -> None:
    op.drop_table("noticeoperator")
    for table, columns in _columns().items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)
