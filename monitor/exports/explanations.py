"""A site's score explained, computed when asked: the store keeps no explanation (docs/scoring.md,
"Explanations"). For readers above the pipeline that never run it (the dashboard's site page, the HTTP
API): a read, it writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from monitor import reads
from monitor.config import Settings
from monitor.exports.query import SiteDay
from monitor.pipeline import Pipeline, params_hash
from monitor.plain import plain
from monitor.store import Store

__all__ = ["NOTHING_SCORED", "SCORE_FIELDS", "explained_score", "site_explanation"]

#: What scores a day, for the CLI's error and the API's 404 when none is scored by the day asked for.
NOTHING_SCORED = "`minewatch score --as-of DAY` scores one (`import` and `collect` score the days they touch)"

#: The score fields an explained score gives beside its explanation: the stored row's, less its keys and
#: the event's internal id (the explanation names the events).
SCORE_FIELDS: tuple[str, ...] = (
    *(name for name in reads.scores.STORED_ARROW.names if name not in {"date", "site_id", "top_event_id"}),
    "computed_at",
)


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


def explained_score(
    store: Store, settings: Settings, wanted: SiteDay, now: Callable[[], datetime]
) -> dict[str, Any] | None:
    """``wanted.site``'s score on the newest scored day on or before ``wanted.day``, as stored, with its
    explanation and the hash of the scoring parameters it was computed under: what the HTTP API's
    ``explanation.json`` answers. None when no day is scored by then (``parse_site_day`` knows the site).

    With ``wanted.as_known_at`` (a vintage) the score of ``wanted.day`` itself, scored or not, is computed as
    a run at that moment computed it (only rows stored and public by then; the vintage exports' scores), with
    its explanation; ``computed_at`` is then null: nothing stored is read. So is the score of a day of score
    history an import left to later (``Pipeline.owed_days``), as it will be stored, from every row."""
    pipeline = Pipeline(store, settings, now)
    if wanted.as_known_at is not None or wanted.day in pipeline.owed_days():
        cell = pipeline.explained_cell(wanted.site, wanted.day, wanted.as_known_at)
        if cell is None:
            return None
        computed, explained = cell
        day = wanted.day
        score = {name: plain(computed[name]) for name in SCORE_FIELDS if name != "computed_at"}
        score["computed_at"] = None
    else:
        scored = reads.scores.latest_day(store, wanted.day)
        if scored is None:
            return None
        day = scored
        row = reads.scores.of_site(store, wanted.site, day - timedelta(days=1), day, SCORE_FIELDS)
        if row.empty:
            return None
        score = {name: plain(value) for name, value in row.iloc[0].items()}
        if score["computed_at"] is not None:  # text on SQLite, a datetime on PostgreSQL: naive UTC either way
            score["computed_at"] = _utc_text(score["computed_at"])
        explained = pipeline.explanation_of(wanted.site, day)
    # Internal event ids are the store's own: each event also gets the reference the exports use.
    refs = reads.events.refs(store, [e["event_id"] for e in explained.get("events", [])])
    for event in explained.get("events", []):
        event["event_ref"] = refs.get(int(event["event_id"]))
    return {
        "site_id": wanted.site,
        "day": day.isoformat(),
        "score": score,
        "explanation": explained,
        "as_known_at": None if wanted.as_known_at is None else _utc_text(wanted.as_known_at),
        "scoring_params_hash": params_hash(settings.scoring),
    }


def _utc_text(moment: object) -> str:
    """A naive-UTC moment (a datetime, or SQLite's text of one) as ISO text with a Z."""
    return pd.Timestamp(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # type: ignore[arg-type]
