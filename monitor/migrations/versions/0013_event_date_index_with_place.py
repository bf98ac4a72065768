"""The events' date index holds their place too, ``(event_date, type, lat, lon)`` in place of
``(event_date, type)``: a read of one site's exposures within its reach (a site page's explanation, computed
when asked since revision 0012, and its events) finds the events in a box from the index alone, and seeks
into the exposures only for those (docs/benchmarks.md, "Explanations computed when asked"). One index, not
a second: SQLite's planner took a second one on (date, place) for the events page's filter by type.

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

BEFORE, AFTER = "ix_event_date_type", "ix_event_date_type_place"


def upgrade() -> None:
    op.create_index(AFTER, "event", ["event_date", "type", "lat", "lon"])
    op.drop_index(BEFORE, table_name="event")


def downgrade() -> None:
    op.create_index(BEFORE, "event", ["event_date", "type"])
    op.drop_index(AFTER, table_name="event")
