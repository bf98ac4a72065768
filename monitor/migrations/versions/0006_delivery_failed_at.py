"""A delivery given up after ``alerts.retry.max_attempts`` (``delivery.failed_at``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("delivery", sa.Column("failed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("delivery", "failed_at")
