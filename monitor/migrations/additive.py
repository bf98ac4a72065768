"""Changes made before schema versions, applied only where a store lacks them.

Before schema versions, ``minewatch init`` added a release's new tables and defaulted columns to an older
store by itself, so a store adopted at the baseline may already hold some of what the revisions up to
the first release with schema versions add. Those revisions use these instead of ``op.add_column`` and
``op.create_table``; revisions written since are plain Alembic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


def add_missing_columns(columns: Mapping[str, Sequence[sa.Column[Any]]]) -> None:
    """Add each of ``columns`` (by table) that its table lacks."""
    inspector = sa.inspect(op.get_bind())
    for table, added in columns.items():
        have = {c["name"] for c in inspector.get_columns(table)}
        for column in added:
            if column.name not in have:
                op.add_column(table, column)


def create_missing_table(
    name: str, *elements: sa.schema.SchemaItem, indexes: Mapping[str, Sequence[str]] | None = None
) -> None:
    """Create table ``name`` and its ``indexes`` (name -> columns) unless the store has the table."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *elements)
    for index, columns in (indexes or {}).items():
        op.create_index(index, name, list(columns))
