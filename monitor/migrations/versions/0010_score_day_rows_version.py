"""A version of each scored day's stored rows (``score_day.rows_version``), new at every write of any of its
rows: a reader that keeps a day's rows (the alerts' lookback, ``reads.scores.HeldDays``) reads them again only
when it moved.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("score_day", sa.Column("rows_version", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("score_day", "rows_version")
