"""Each event's nearest site instead of every exposure: readers match the events they read to the sites
they need (``monitor.matching.Reach``), and only what the events panel and list give of each event, its
nearest site, stays stored (docs/benchmarks.md, "Only each event's nearest site stored").

The upgrade keeps each event's nearest exposure (least distance, then site id, then 'route' before 'site',
as ``monitor.matching.nearest`` picks it) and drops the rest. The downgrade gives an earlier release an
empty exposure table and forgets where its event matching stopped, so its next match matches every event
again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: The watermark of event matching (``monitor.pipeline.EVENTS_MATCHED``) as releases up to 0014 name it.
EVENTS_MATCHED = "match:events_seen"


def upgrade() -> None:
    op.create_table("nearest_site", *_columns(key=("event_id",)), sqlite_with_rowid=False)
    op.execute(
        "INSERT INTO nearest_site (event_id, site_id, via, distance_km)"
        " SELECT event_id, site_id, via, distance_km FROM (SELECT event_id, site_id, via, distance_km,"
        " ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY distance_km, site_id, via) AS rn"
        " FROM exposure) ranked WHERE rn = 1 ORDER BY event_id"
    )
    op.drop_table("exposure")


def downgrade() -> None:
    op.create_table("exposure", *_columns(key=("event_id", "site_id", "via")), sqlite_with_rowid=False)
    op.drop_table("nearest_site")
    op.execute(sa.text("DELETE FROM watermark WHERE name = :name").bindparams(name=EVENTS_MATCHED))


def _columns(key: tuple[str, ...]) -> list[sa.schema.SchemaItem]:
    """The columns both tables have (an event, a site, via what, how far), keyed by ``key`` (new objects on
    each call)."""
    return [
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(), nullable=False),
        sa.Column("via", sa.String(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint(*key),
    ]
