"""Print the DDL a past commit's ``minewatch init`` ran on an empty database, for the upgrade tests' fixtures.

    .venv/bin/python scripts/schema_ddl.py COMMIT sqlite|postgresql > tests/fixtures/schema/COMMIT.DIALECT.sql

The commit's ``monitor/models.py`` (read with ``git show``) is imported on its own and its tables' CREATE
statements are captured in the order ``create_all`` emits them; that is the whole schema a store made by
that commit's ``init`` had (before schema versions, ``init`` was ``create_all`` plus additive changes to
older stores). Run it when a release is cut, so the next release's upgrade is tested from it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa


def main(commit: str, dialect: str) -> None:
    source = subprocess.run(
        ["git", "show", f"{commit}:monitor/models.py"], check=True, capture_output=True, text=True
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "release_models.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("release_models", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["release_models"] = module
        spec.loader.exec_module(module)
    from sqlmodel import SQLModel

    statements: list[str] = []

    def capture(sql: Any, *_: Any, **__: Any) -> None:
        statements.append(str(sql.compile(dialect=engine.dialect)).strip())

    engine = sa.create_mock_engine(sa.make_url(f"{dialect}://"), capture)
    SQLModel.metadata.create_all(engine, checkfirst=False)
    print(f"-- The schema minewatch {commit} created on {dialect}: scripts/schema_ddl.py {commit} {dialect}")
    for statement in statements:
        print("\n".join(line.rstrip() for line in statement.splitlines()) + ";\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
