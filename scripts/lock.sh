#!/usr/bin/env bash
# Refresh the two lock files, for CPython 3.11 on linux x86_64 (the Docker image's platform):
#   requirements-dev.lock  one resolution of everything: runtime, every extra (test and benchmark tools)
#                          and the build backend.
#                          scripts/setup.sh installs within it, so tests and CI are reproducible.
#   requirements.lock      what deployments install: the runtime and the build backend at the same versions,
#                          with sha256 hashes (pip install --require-hashes).
# Resolving the runtime inside the whole makes the tested versions the deployed ones (dash[testing]'s
# selenium needs urllib3 1.26, for one). Current pins are kept where they still fit; pass --upgrade (or
# --upgrade-package NAME) to move them, then run scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
target=(--python-version 3.11 --python-platform x86_64-unknown-linux-gnu --strip-extras --quiet)
build_requires=$(.venv/bin/python -c '
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["build-system"]["requires"]))')
printf '%s\n' "$build_requires" | .venv/bin/uv pip compile pyproject.toml - --all-extras "${target[@]}" \
  --custom-compile-command scripts/lock.sh --output-file requirements-dev.lock "$@"
printf '%s\n' "$build_requires" | .venv/bin/uv pip compile pyproject.toml - --constraint requirements-dev.lock \
  "${target[@]}" --generate-hashes --custom-compile-command scripts/lock.sh --output-file requirements.lock "$@"
