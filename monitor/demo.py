"""The bundled demo scenario: eastern DR Congo, February-April 2025 (see monitor/data/demo/README.md).

``build`` makes a fresh SQLite store from the bundled files through the same parsers and pipeline as real
feeds, and scores every day of the scenario point-in-time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from feeds import acled, gdelt, notices
from monitor import sites
from monitor.alerting.tick import alert_tick
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
    alerts: list[dict[str, Any]] = field(default_factory=list)  # raised as of the scenario's days


def demo_dir() -> Path:
    """Folder of the bundled scenario files."""
    return Path(str(resources.files("monitor") / "data" / "demo"))


def offline(settings: Settings) -> Settings:
    """``settings`` with every network feed off: the demo's data is bundled, and its dashboard should not
    list feeds (GDELT, the notice catalogue) that nothing will ever poll."""
    f = settings.feeds
    feeds = f.model_copy(
        update={
            "acled": f.acled.model_copy(update={"enabled": False}),
            "gdelt": f.gdelt.model_copy(update={"enabled": False}),
            "ucdp": f.ucdp.model_copy(update={"enabled": False}),
            "notices": f.notices.model_copy(update={"enabled": False}),
        }
    )
    return settings.model_copy(update={"feeds": feeds})


def build(settings: Settings, now: Callable[[], datetime], *, with_alerts: bool = True) -> DemoResult:
    """Rebuild the store at ``settings.database.url`` from the scenario, score it and (``with_alerts``)
    raise its alerts as of each of its days."""
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
    alerts = raise_alerts(store, settings) if with_alerts else []
    return DemoResult(store, panel, timeline.reset_index(drop=True), alerts)


def demo_alert_settings(settings: Settings) -> Settings:
    """The configured alert settings, watching the scenario's focus site too (the level and front-line
    rules cover the watchlist only, by default)."""
    alerts = settings.alerts
    watched = [*alerts.watchlist.sites, *([] if FOCUS_SITE in alerts.watchlist.sites else [FOCUS_SITE])]
    watchlist = alerts.watchlist.model_copy(update={"sites": watched})
    return settings.model_copy(update={"alerts": alerts.model_copy(update={"watchlist": watchlist})})


def raise_alerts(store: Store, settings: Settings) -> list[dict[str, Any]]:
    """Run the alert rules at the end of each day of the scenario, as a scheduler would have, so the store
    holds the alerts of the Bisie halt, its resumption and the front line with the days they came.

    No channel is built (an empty environment): a demo never sends anything to a real desk, and its alerts
    show as not sent."""
    chosen = demo_alert_settings(settings)
    raised: list[dict[str, Any]] = []
    with httpx.Client() as http:  # unused: no channel is configured
        day = START
        while day <= END:
            at = datetime.combine(day, time(23, 59), tzinfo=UTC)
            raised += alert_tick(store, chosen, {}, at, http).alerts
            day += timedelta(days=1)
    return raised
