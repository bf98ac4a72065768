"""``python -m monitor`` runs the minewatch CLI."""

from __future__ import annotations

from monitor.cli import main

main()
