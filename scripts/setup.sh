#!/usr/bin/env bash
# Create .venv (if missing) and install minewatch with its test tools. Safe to re-run.
# Runtime dependencies are held to requirements.lock's pins, so the tests run on what deployments install.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# pip refuses hashes in a constraints file: the lock's pins without them.
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
sed -n 's/^\([A-Za-z0-9][A-Za-z0-9._-]*==[^ ;]*\).*/\1/p' requirements.lock > "$constraints"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --constraint "$constraints" -e ".[test]"
