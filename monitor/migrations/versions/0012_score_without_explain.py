"""The scores without their explanations: a reader asks for one cell's (``Pipeline.explanation_of``), which
is computed when asked. Building and writing an explanation for every loud site-day was a fifth of a first
import and half of the store (docs/benchmarks.md, "Explanations computed when asked").

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_column("score", "explain")
        return
    # Rebuilt, not altered in place: SQLite's DROP COLUMN rewrites each row where it lies, leaving every page
    # of the table more than half empty (a 2 GB store stayed 2 GB) and keys only ever appended never refill
    # them. The copy is written in key order, and the old table's pages go to the free list for later writes.
    with op.batch_alter_table("score", recreate="always", table_kwargs={"sqlite_with_rowid": False}) as batch:
        batch.drop_column("explain")


def downgrade() -> None:
    # The explanations dropped are not kept anywhere: an older release reads the rows with an empty one.
    op.add_column("score", sa.Column("explain", sa.JSON(), nullable=False, server_default="{}"))
