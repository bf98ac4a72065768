"""The bundled demo scenario: eastern DR Congo, February-April 2025 (see monitor/data/demo/README.md).

``build`` makes a fresh SQLite store from the bundled files through the same parsers and pipeline as real
feeds, and scores every day of the scenario point-in-time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pandas as pd

from feeds import acled, gdelt, notices
from monitor import sites
from monitor.config import Settings
from monitor.domain import DEMO_FEED_PREFIX, notice_feed
from monitor.exports.panels import risk_frame
from monitor.exports.query import day_range
from monitor.pipeline import Pipeline
from monitor.store import Store

START, END = date(2025, 2, 1), date(2025, 4, 30)
PEAK_DAY = date(2025, 3, 20)
FOCUS_SITE = "bisie"
#: Days printed in the Bisie timeline: weekly, plus the scenario's turning points.
KEY_DAYS = (date(2025, 3, 12), date(2025, 3, 13), date(2025, 3, 14), date(2025, 4, 9), date(2025, 4, 17))


@dataclass
class DemoResult:
    store: Store
    panel: pd.DataFrame  # the risk export for every site and day of the scenario
    timeline: pd.DataFrame  # Bisie's rows on weekly and key days


def demo_dir() -> Path:
    """Folder of the bundled scenario files."""
    return Path(str(resources.files("monitor") / "data" / "demo"))


def build(settings: Settings, now: Callable[[], datetime]) -> DemoResult:
    """Rebuild the store at ``settings.database.url`` from the scenario and score it."""
    store = Store.from_url(settings.database.url)
    store.drop_schema()
    store.create_schema()
    pipeline = Pipeline(store, settings, now)
    pipeline.load_sites(sites.load_bundled(now()))
    folder = demo_dir()
    # The scenario's feeds are named as the real ones with a ``demo:`` in front: pages read them as the real
    # ones (``monitor.labels.feed_label``), while the stale-feed rule, which watches the configured feeds,
    # leaves them alone.
    pipeline.ingest(
        DEMO_FEED_PREFIX + "acled", "events", [acled.parse_file(folder / "acled_events.csv")],
        use_watermark=False,
    )  # fmt: skip
    keep = pipeline.site_filter()
    pipeline.ingest(
        DEMO_FEED_PREFIX + "gdelt",
        "events",
        [gdelt.parse_file(folder / "gdelt_events.export.CSV", keep=keep)],
        use_watermark=False,
    )
    for xml in sorted(folder.glob("*.xml")):
        feed = DEMO_FEED_PREFIX + notice_feed(xml.stem)
        pipeline.ingest(feed, "notices", [notices.parse_file(xml)], use_watermark=False)
    pipeline.match()
    panel = risk_frame(pipeline, day_range(START, END))
    focus = panel[panel["site_id"] == FOCUS_SITE]
    weekly = {START + pd.Timedelta(days=7 * i) for i in range(((END - START).days // 7) + 1)}
    timeline = focus[focus["date"].isin(weekly | set(KEY_DAYS) | {END})].sort_values("date")
    return DemoResult(store, panel, timeline.reset_index(drop=True))
