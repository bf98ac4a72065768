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
    op.drop_column("score", "explain")


def downgrade() -> None:
    # The explanations dropped are not kept anywhere: an older release reads the rows with an empty one.
    op.add_column("score", sa.Column("explain", sa.JSON(), nullable=False, server_default="{}"))
