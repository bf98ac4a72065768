#!/usr/bin/env bash
# Check pyproject.toml's lower bounds: install the oldest release each declared dependency allows into
# .venv-lowest (their own dependencies as new as they allow) and run the test suite there on SQLite.
# Needs the package index; not part of scripts/test.sh. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/uv ] || scripts/setup.sh
lowest=$(mktemp)
trap 'rm -f "$lowest"' EXIT
.venv/bin/uv pip compile pyproject.toml --all-extras --resolution lowest-direct \
  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --strip-extras --quiet --output-file "$lowest"
[ -x .venv-lowest/bin/python ] || "${PYTHON:-python3}" -m venv .venv-lowest
.venv/bin/uv pip sync --python .venv-lowest/bin/python --quiet "$lowest"
.venv/bin/uv pip install --python .venv-lowest/bin/python --no-deps --quiet -e .
grep -E '^[A-Za-z0-9._-]+==' "$lowest" | sed 's/ .*//' | paste -sd ' ' | fold -s -w 110
# The one test that compares the environment with requirements.lock cannot pass here, by design.
.venv-lowest/bin/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile -m "not browser" \
  --deselect tests/deploy/test_dependencies.py::test_the_lock_holds_the_whole_dependency_tree "$@"
