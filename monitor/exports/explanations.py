"""A site's score explained, computed when asked: the store keeps no explanation (docs/scoring.md,
"Explanations"). For readers above the pipeline that never run it (the dashboard's site page): a read, it
writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from monitor import reads
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.store import Store

__all__ = ["site_explanation"]


def site_explanation(
    store: Store, settings: Settings, site_id: str, on_or_before: date | None, now: Callable[[], datetime]
) -> dict[str, Any]:
    """Why ``site_id`` scored as it did on the newest scored day up to ``on_or_before`` (the last scored day
    when None): its explanation (``monitor.explanation``, as a dict); {} when no day is scored or the
    registry does not hold the site."""
    day = reads.scores.latest_day(store, on_or_before)
    if day is None:
        return {}
    return Pipeline(store, settings, now).explanation_of(site_id, day)
