"""A partial index on ``event.known_at`` for the events public after they were stored: fusion then finds
every event public since a moment through an index (``reads.incidents.to_decide``) instead of reading every
event stored, whose number grows with history.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "ix_event_known_after_stored"
#: As ``models.KNOWN_AFTER_STORED`` was when this revision was written.
WHERE = "known_at > first_seen_at"


def upgrade() -> None:
    op.create_index(
        INDEX, "event", ["known_at"], sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE)
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="event")
