"""The exposures without their ``site_id`` index: each tick's new exposures landed in thousands of that
index's pages, all written again at the commit, and every read of a site's exposures is bounded by the
events' dates, which finds them through the events (docs/benchmarks.md, "Exposures without a site index").

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEX = "ix_exposure_site_id"


def upgrade() -> None:
    # IF EXISTS: a process killed inside a bulk match of an earlier release left the index dropped.
    op.drop_index(INDEX, table_name="exposure", if_exists=True)


def downgrade() -> None:
    op.create_index(INDEX, "exposure", ["site_id"])
