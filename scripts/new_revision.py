"""Write the revision for a change to ``monitor/models.py`` (docs/architecture.md, "Changing the schema").

    .venv/bin/python scripts/new_revision.py "what changed, in a few words"

Builds a scratch SQLite store at the current head revision, lets Alembic's autogenerate compare it with the
models, and writes ``monitor/migrations/versions/NNNN_what_changed.py`` with the next number. Read it
before committing: autogenerate sees added, removed and changed tables, columns, indexes, constraints,
types and defaults, but a rename looks like a drop and an add, and data to fill in (a new NOT NULL column
on existing rows) is yours to write.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from monitor import schema


def main(message: str) -> None:
    rev_id = f"{max(int(s.revision) for s in schema.scripts().walk_revisions()) + 1:04d}"
    with tempfile.TemporaryDirectory() as folder:
        engine = sa.create_engine(f"sqlite:///{Path(folder) / 'head.db'}")
        schema.upgrade(engine)
        with engine.begin() as conn:
            written = command.revision(schema.config(conn), message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
    scripts = written if isinstance(written, list) else [written]
    for script in scripts:
        if script is not None:
            ruff = Path(sys.executable).parent / "ruff"
            subprocess.run([str(ruff), "check", "--fix", "--quiet", script.path], check=False)
            subprocess.run([str(ruff), "format", "--quiet", script.path], check=True)
            print(f"wrote {script.path}: read it, then run the tests on SQLite and PostgreSQL")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
