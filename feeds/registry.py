"""Build the enabled collectors from settings: a plain list, no global registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np

from feeds.acled import AcledCollector
from feeds.base import Collector
from feeds.gdelt import GdeltCollector
from feeds.notices import NoticeCollector
from feeds.ucdp import UcdpCollector
from monitor.config import Settings, notice_catalogue
from monitor.domain import notice_feed
from monitor.errors import ConfigError

Keep = Callable[[np.ndarray, np.ndarray], np.ndarray]


def build_collectors(
    settings: Settings, keep: Keep, now: Callable[[], datetime], only: Sequence[str] | None = None
) -> list[Collector]:
    """Collectors of the enabled feeds, or of those named in ``only`` (even if disabled in config).

    Names: 'acled', 'gdelt', 'ucdp', 'notices' (every notice feed switched on) or 'notices:<name>' (any
    catalogue or own notice feed, switched on or not).
    """
    f = settings.feeds
    available: dict[str, Collector] = {
        "acled": AcledCollector(f.acled, now=now),
        "gdelt": GdeltCollector(f.gdelt, keep=keep),
        "ucdp": UcdpCollector(f.ucdp),
    }
    for feed in (*notice_catalogue(), *f.notices.feeds):
        available[notice_feed(feed.name)] = NoticeCollector(feed)
    if not only:
        return [available[name] for name in f.enabled()]
    switched_on = {notice_feed(feed.name) for feed in f.notices.active()}
    chosen: list[Collector] = []
    for wanted in only:
        names = [n for n in available if n == wanted or (wanted == "notices" and n in switched_on)]
        if not names and wanted != "notices":
            known = ", ".join(["notices", *available])
            raise ConfigError(f"unknown feed {wanted!r} (known: {known})")
        chosen.extend(available[n] for n in names if available[n] not in chosen)
    return chosen
