"""A scored day without its quiet explanation: since revision 0012 every explanation is computed when asked
(``Pipeline.explanation_of``), a quiet site's too, and nothing read the one each ``score_day`` row kept.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("score_day") as batch:  # a row per scored day: a copy on SQLite is instant
        batch.drop_column("explain")


def downgrade() -> None:
    # An older release reads a day without one as quiet sites with an empty explanation.
    op.add_column("score_day", sa.Column("explain", sa.JSON(), nullable=True))
