"""Alembic's environment: runs the revisions on the connection ``monitor.schema`` hands over (inside the
transaction it holds), with the tables of ``monitor.models`` as the target autogenerate compares against."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from monitor import schema


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run the revisions through monitor.schema (`minewatch init`), not the alembic command"
        )
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_item=schema.render_item,
        **schema.CONTEXT_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
