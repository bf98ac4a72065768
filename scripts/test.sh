#!/usr/bin/env bash
# One command: install, lint, type-check and check the import contracts (docs/architecture.md), then run the
# whole test suite on SQLite and on PostgreSQL.
# PostgreSQL: MINEWATCH_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test); when no
# server answers there the PostgreSQL pass is skipped with a message, except in CI (CI=true) where it is required.
# Browser tests need Debian's chromium + chromium-driver; in CI they are required too.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy monitor feeds dashboards
.venv/bin/lint-imports --no-cache
.venv/bin/deptry .   # every import declared in pyproject.toml, every declared package used

if [ "${CI:-}" = "true" ]; then export MINEWATCH_REQUIRE_BROWSER=1; fi

echo "== tests on SQLite =="
.venv/bin/pytest -q -p no:cacheprovider -n 2 --dist loadfile "$@"

PG_URL=${MINEWATCH_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
if .venv/bin/python - "$PG_URL" <<'PY'
import sys
import sqlalchemy as sa
try:
    with sa.create_engine(sys.argv[1]).connect() as conn:
        conn.execute(sa.text("select 1"))
except Exception as exc:  # noqa: BLE001
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL ($PG_URL) =="
  MINEWATCH_TEST_DATABASE_URL="$PG_URL" .venv/bin/pytest -q -p no:cacheprovider -n 2 --dist loadfile -m "not browser" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required in CI" >&2
  exit 1
else
  echo "== PostgreSQL pass skipped (no server at $PG_URL) =="
fi
