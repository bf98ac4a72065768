#!/usr/bin/env bash
# Create .venv (if missing) and install minewatch with its test and benchmark tools. Safe to re-run.
# Every package is held to requirements-dev.lock, whose runtime part is what deploys (requirements.lock):
# the tests run on exactly those versions. scripts/lock.sh refreshes both.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --constraint requirements-dev.lock -e ".[test,bench]"
# Byte-compile our own packages (pip does it for the installed ones): with PYTHONDONTWRITEBYTECODE set, as on
# some machines, every `minewatch` command would otherwise compile them anew at start-up (about 1 s of CPU).
.venv/bin/python -m compileall -q -j 0 monitor feeds dashboards bench >/dev/null
