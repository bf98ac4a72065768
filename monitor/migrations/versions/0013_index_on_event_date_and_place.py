"""An index on the events' date and place: a read of one site's exposures within its reach (a site page's
explanation, computed when asked since revision 0012) finds the events in a box from the index alone, and
seeks into the exposures only for those (docs/benchmarks.md, "Explanations computed when asked").

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEX = "ix_event_date_place"


def upgrade() -> None:
    op.create_index(INDEX, "event", ["event_date", "lat", "lon"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="event")
