"""An index on ``incident_member.changed_at``: a rescore looks up the members fusion moved since it last ran
(``reads.events.touched_sites``) instead of reading every member stored, whose number grows with history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incident_member_changed_at", "incident_member", ["changed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_incident_member_changed_at", table_name="incident_member")
