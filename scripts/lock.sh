#!/usr/bin/env bash
# Refresh requirements.lock, the exact pins (with hashes) that deployments install: minewatch's runtime
# dependencies from pyproject.toml plus its build backend, for CPython 3.11 on linux x86_64 (the Docker image).
# Keeps the current pins where they still fit; pass --upgrade (or --upgrade-package NAME) to move them.
# Then run scripts/test.sh: setup.sh installs within these pins, so the suite tests what deploys.
set -euo pipefail
cd "$(dirname "$0")/.."
build_requires=$(.venv/bin/python -c '
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["build-system"]["requires"]))')
printf '%s\n' "$build_requires" | .venv/bin/uv pip compile pyproject.toml - \
  --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
  --strip-extras --custom-compile-command scripts/lock.sh --quiet \
  --output-file requirements.lock "$@"
