"""minewatch: critical-minerals supply-chain disruption monitor."""

from __future__ import annotations

__version__ = "0.1.0"
