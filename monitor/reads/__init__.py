"""The read side: every SELECT minewatch runs, named for the question it answers and typed.

- ``scores``: stored scores (a site's risk on a day as known at the end of it) and their roll-up per
  commodity (``supply_day``).
- ``events``: conflict events and their exposures to sites and routes.
- ``incidents``: the incident each event reports (``monitor.fusion``) and an incident's reports.
- ``feedback``: analysts' verdicts on events, incidents and notices.
- ``notices``: operator and news notices and the sites they are tied to.
- ``sites``: single registry facts (the whole registry: ``monitor.sites.sites_frame``).
- ``feedruns``: feed runs per feed, rejected rows.
- ``alerts``: stored alerts and deliveries.
- ``version``: the data version and high-water mark.
- ``space``: a SQLite file's free pages (worth a ``VACUUM`` after an upgrade).
- ``window``: the scoring window's exposures, kept between a running process's ticks.
- ``known``: the point-in-time predicate on published rows; ``arrow``: results as Arrow tables, fast;
  ``sql``: the query runners only these modules use.

Dialect differences (SQLite's text dates and JSON, placeholders) are ``monitor.dialect``'s. Writes are the
store's (``monitor.store``) and the alert outbox's (``monitor.alerting.outbox``).
"""

from __future__ import annotations

from monitor.reads import (
    alerts,
    events,
    feedback,
    feedruns,
    incidents,
    known,
    notices,
    scores,
    sites,
    space,
    version,
    window,
)

__all__ = [
    "alerts", "events", "feedback", "feedruns", "incidents", "known", "notices", "scores", "sites", "space",
    "version", "window",
]  # fmt: skip
