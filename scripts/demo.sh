#!/usr/bin/env bash
# One command: install, build the demo store from the bundled scenario, and serve the dashboard.
# Extra arguments go to `minewatch demo` (e.g. --no-serve, --port 8060).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/minewatch demo "$@"
