"""The dashboard's frames: each asks ``monitor.reads`` one question (aggregated and limited in SQL there) and
shapes the answer for a page: fixed columns, text without gaps, dates as timestamps, the page's order.

Every frame is point-in-time: given an ``as_of`` date it uses only scores up to that date and events and
notices known by the end of it. Empty stores give empty frames with the same columns, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from monitor import matching, reads, supply
from monitor.config import Settings
from monitor.dialect import naive_utc
from monitor.distances import with_distances
from monitor.domain import CHANNELS, EVENT_TYPES, LEVELS, UNSCORED
from monitor.exports import explanations
from monitor.labels import feed_label
from monitor.reads.events import EventFilter
from monitor.reads.known import Known, end_of
from monitor.redact import redact
from monitor.store import Store

RISK_COLUMNS: tuple[str, ...] = (
    "date", "site_id", "site_name", "operator", "country", "commodity", "lat", "lon", "annual_output_t",
    "world_share", "risk", "level", "status", "conflict", "route", "notice", "events_30d", "fatalities_30d",
    "nearest_event_km", "top_event_id", "supply_at_risk_t",
)  # fmt: skip
_RISK_TEXT = frozenset(
    {"date", "site_id", "site_name", "operator", "country", "commodity", "level", "status"}
)
EVENT_MAP_COLUMNS: tuple[str, ...] = (
    "event_id", "source", "event_date", "type", "sub_type", "fatalities", "lat", "lon", "location", "country",
)  # fmt: skip
EVENT_LIST_COLUMNS: tuple[str, ...] = (
    *EVENT_MAP_COLUMNS, "actor1", "actor2", "admin1", "geo_precision", "nearest_site_id", "nearest_site_km",
    "incident_id", "incident_reports", "to_mine_km", "to_road_km",
)  # fmt: skip
SITE_SCORE_COLUMNS: tuple[str, ...] = (
    "date", "risk", "level", "status", "conflict", "route", "notice", "events_30d", "fatalities_30d",
    "nearest_event_km", "supply_at_risk_t", "front_km", "front_km_change_7d", "front_days_to_radius",
    "front_actor",
)  # fmt: skip
EXPLAIN_COLUMNS: tuple[str, ...] = (
    "event_id", "incident_id", "reports", "sources", "via", "distance_km", "contribution", "share",
    "event_date", "source", "type", "sub_type", "fatalities", "location", "lat", "lon", "to_mine_km",
    "to_road_km",
)  # fmt: skip
#: The reports of the incidents behind a score (``incident_reports``).
REPORT_COLUMNS: tuple[str, ...] = tuple(reads.incidents.REPORTS_COLUMNS)
#: Analysts' verdicts as the feedback page lists them (``verdicts``).
VERDICT_COLUMNS: tuple[str, ...] = (
    "id", "target", "target_id", "target_ref", "title", "location", "event_date", "verdict", "site_id",
    "note", "created_by", "created_at", "revoked_by", "revoked_at", "in_force",
)  # fmt: skip
NOTICE_COLUMNS: tuple[str, ...] = (
    "notice_id", "published_at", "known_at", "source", "kind", "confidence", "title", "url", "matched_on",
    "cue", "language",
)  # fmt: skip
SITE_EVENT_COLUMNS: tuple[str, ...] = (
    "event_id", "via", "distance_km", "event_date", "source", "type", "sub_type", "fatalities", "lat", "lon",
    "location", "to_mine_km", "to_road_km",
)  # fmt: skip
#: The two distances shown beside an event matched to a site: to the mine itself and to its export road.
DISTANCE_COLUMNS: tuple[str, ...] = ("to_mine_km", "to_road_km")
SUPPLY_COLUMNS: tuple[str, ...] = ("date", "commodity", "supply_at_risk_t", "sites", "sites_output_unknown")
DRIVER_COLUMNS: tuple[str, ...] = (
    "site_id", "site_name", "commodity", "country", "level", "risk", "annual_output_t", "supply_at_risk_t",
)  # fmt: skip
FEED_COLUMNS: tuple[str, ...] = (
    "feed", "feed_kind", "feed_name", "status", "last_run", "last_success", "lag_hours", "fetched", "stored",
    "duplicates", "rejected", "dropped", "error", "runs",
)  # fmt: skip
REJECTED_COLUMNS: tuple[str, ...] = ("feed", "created_at", "ref", "reason", "raw")
ALERT_COLUMNS: tuple[str, ...] = (
    "created_at", "kind", "site_id", "title", "summary", "sources", "status", *CHANNELS, "fingerprint",
)  # fmt: skip
WORLD_COLUMNS: tuple[str, ...] = ("commodity", "world_production_t")
HEADLINE_COLUMNS: tuple[str, ...] = (
    "commodity", "supply_at_risk_t", "world_production_t", "pct_world", "sites_output_unknown",
    "output_unknown",
)  # fmt: skip


# ---- helpers ----------------------------------------------------------------------------------------------
def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty frame with these columns (what every query returns on an empty store)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _as_datetime(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def _text(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].fillna("").astype(str)
    return frame


# ---- dates ------------------------------------------------------------------------------------------------
def site_geometry(store: Store, site_ids: Sequence[str]) -> pd.DataFrame:
    """Where the sites are and their roads (for ``with_distances``)."""
    wanted = sorted({str(s) for s in site_ids if s is not None and not pd.isna(s) and s != ""})
    if not wanted:
        return empty_frame(("site_id", "lat", "lon", "route"))
    return reads.sites.geometry(store, wanted)


def latest_score_date(store: Store, as_of: date | None = None) -> date | None:
    """The newest score date on or before ``as_of`` (any date when None); None when nothing is scored."""
    return reads.scores.latest_day(store, as_of)


def owed_history(store: Store) -> tuple[date, date] | None:
    """(first day owed, first day stored) while score history an import left to later is not stored yet
    (``reads.scores.owed_from``): the charts start at the first stored day; None when nothing is owed."""
    owed = reads.scores.owed_from(store)
    first, _ = reads.scores.day_span(store)
    if owed is None or first is None or first <= owed:
        return None
    return owed, first


def score_date_range(store: Store) -> tuple[date | None, date | None]:
    """The first and last score dates, for the 'as of' control."""
    return reads.scores.day_span(store)


# ---- overview ---------------------------------------------------------------------------------------------
def risk_table(
    store: Store, as_of: date | None = None, commodities: Sequence[str] = (), levels: Sequence[str] = ()
) -> pd.DataFrame:
    """Every site (or those of ``commodities`` at ``levels``) with its score on the latest score date up to
    ``as_of``, most at risk first. Filtering here reads only those sites' scores."""
    frame = reads.scores.sites_on_day(store, latest_score_date(store, as_of), commodities, levels)
    if frame.empty:
        return empty_frame(RISK_COLUMNS)
    numeric = [c for c in RISK_COLUMNS if c not in _RISK_TEXT]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    frame["level"] = frame["level"].fillna(UNSCORED)
    frame["status"] = frame["status"].fillna(frame.pop("registry_status"))
    frame = _text(frame, "site_name", "operator", "country", "commodity", "level", "status")
    frame = _as_datetime(frame, "date")
    halted = (frame["level"] == "halted") | (frame["status"] == "halted")
    frame = frame.assign(_halted=halted).sort_values(
        ["_halted", "risk", "site_name"], ascending=[False, False, True], na_position="last"
    )
    return frame.drop(columns="_halted").reset_index(drop=True)[list(RISK_COLUMNS)]


def level_counts(risk: pd.DataFrame) -> dict[str, int]:
    """How many sites sit at each level (halted, critical, high, ...)."""
    counts = risk["level"].value_counts() if not risk.empty else pd.Series(dtype=int)
    return {level: int(counts.get(level, 0)) for level in (*LEVELS, UNSCORED)}


def load_world_production(path: Path | None) -> pd.DataFrame:
    """World production per commodity (commodities.csv); empty when the file is absent or unreadable."""
    if path is None or not path.is_file():
        return empty_frame(WORLD_COLUMNS)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError):
        return empty_frame(WORLD_COLUMNS)
    if not set(WORLD_COLUMNS) <= set(frame.columns):
        return empty_frame(WORLD_COLUMNS)
    frame = frame[list(WORLD_COLUMNS)].copy()
    frame["world_production_t"] = pd.to_numeric(frame["world_production_t"], errors="coerce")
    frame["commodity"] = frame["commodity"].astype(str).str.strip().str.lower()
    return frame.dropna(subset=["world_production_t"]).drop_duplicates("commodity").reset_index(drop=True)


def supply_at_risk(risk: pd.DataFrame, outputs: pd.DataFrame, world: pd.DataFrame) -> pd.DataFrame:
    """Tonnes at risk per commodity on the risk table's day and their % of world production, most first
    (``monitor.supply``'s roll-up: every commodity of a site with its own output, ``outputs`` as
    ``site_outputs`` reads them); ``output_unknown`` where the tonnes are unknown rather than 0."""
    scored = risk.dropna(subset=["risk"]) if not risk.empty else risk
    if scored.empty:
        return empty_frame(HEADLINE_COLUMNS)
    totals = supply.supply_totals(scored, outputs, world).rename(columns={"share_of_world_pct": "pct_world"})
    totals["output_unknown"] = supply.tonnes_unknown(
        totals["supply_at_risk_t"], totals["sites_output_unknown"]
    )
    totals = totals.sort_values(["supply_at_risk_t", "sites_output_unknown"], ascending=False)
    return totals.reset_index(drop=True)[list(HEADLINE_COLUMNS)]


def site_outputs(store: Store) -> pd.DataFrame:
    """Every site's outputs, as ``supply_at_risk`` takes them."""
    return reads.sites.outputs(store)


def recent_events(store: Store, as_of: date, days: int, limit: int) -> pd.DataFrame:
    """Events matched to a site or route in the ``days`` up to ``as_of``, newest first, at most ``limit``."""
    after = as_of - timedelta(days=days)
    frame = reads.events.recent_matched(store, after, as_of, Known.end_of(as_of), limit)
    if frame.empty:
        return empty_frame(EVENT_MAP_COLUMNS)
    return _as_datetime(_text(frame, "source", "type", "sub_type", "location", "country"), "event_date")


def known_stops(store: Store) -> set[str]:
    """Sites the registry itself marks as not producing (``reads.sites.stopped``)."""
    return reads.sites.stopped(store)


def routes(store: Store, site_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Export routes as waypoint lists (only sites that have one), optionally for some sites."""
    columns = ("site_id", "site_name", "route_name", "route")
    if site_ids is not None and not site_ids:
        return empty_frame(columns)
    frame = reads.sites.routes(store, site_ids)
    if frame.empty:
        return empty_frame(columns)
    frame = frame[frame["route"].map(lambda r: isinstance(r, list) and len(r) >= 2)]
    return _text(frame, "site_name", "route_name").reset_index(drop=True)


# ---- one site ---------------------------------------------------------------------------------------------
def site(store: Store, site_id: str) -> dict[str, Any] | None:
    """The registry facts of one site, or None when there is no such site."""
    return reads.sites.facts(store, site_id)


def site_reach(facts: Mapping[str, Any], settings: Settings) -> matching.Reach:
    """Where an event counts for a site (its ``facts``: id, place, precision and route), as
    ``settings.matching`` says (``monitor.matching.Reach``)."""
    radius, corridor = settings.matching.site_radius_km, settings.matching.route_corridor_km
    return matching.Reach(pd.DataFrame([dict(facts)]), radius, corridor)


def site_scores(store: Store, site_id: str, as_of: date | None = None, days: int = 365) -> pd.DataFrame:
    """A site's daily scores for the ``days`` up to ``as_of`` (or the last score), oldest first."""
    end = latest_score_date(store, as_of)
    if end is None:
        return empty_frame(SITE_SCORE_COLUMNS)
    frame = reads.scores.of_site(store, site_id, end - timedelta(days=days), end, SITE_SCORE_COLUMNS)
    if frame.empty:
        return empty_frame(SITE_SCORE_COLUMNS)
    return _as_datetime(_text(frame, "level", "status", "front_actor"), "date")


def halted_periods(scores: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive halted days in a site's scores: one row per run with its first and last day."""
    if scores.empty:
        return empty_frame(("start", "end"))
    ordered = scores.sort_values("date")
    halted = (ordered["status"] == "halted") | (ordered["level"] == "halted")
    run = (halted != halted.shift(fill_value=False)).cumsum()
    runs = ordered[halted].groupby(run[halted])["date"].agg(["min", "max"])
    return runs.rename(columns={"min": "start", "max": "end"}).reset_index(drop=True)


def site_explanation(
    store: Store, settings: Settings, site_id: str, as_of: date | None, now: Callable[[], datetime]
) -> dict[str, Any]:
    """Why a site scored as it did on the latest score date up to ``as_of``: its explanation, computed when
    asked (``monitor.exports.explanations``: the store keeps none); {} when nothing is scored."""
    return explanations.site_explanation(store, settings, site_id, as_of, now)


def site_explain(store: Store, site_id: str, explanation: Mapping[str, Any]) -> pd.DataFrame:
    """The events behind a site's score (``explanation["events"]``, as ``site_explanation`` gives it)."""
    top = explanation.get("events")
    if not top:
        return empty_frame(EXPLAIN_COLUMNS)
    contributions = pd.DataFrame(top)
    for column in ("event_id", "via", "distance_km", "contribution", "share"):
        if column not in contributions:
            contributions[column] = None
    contributions = contributions.dropna(subset=["event_id"])
    contributions["event_id"] = contributions["event_id"].astype(int)
    # Scores written before incidents: each event its own incident, one report, its own source.
    if "incident_id" not in contributions:
        contributions["incident_id"] = contributions["event_id"]
    contributions["incident_id"] = contributions["incident_id"].fillna(contributions["event_id"]).astype(int)
    contributions["reports"] = contributions.get("reports", pd.Series(1, index=contributions.index)).fillna(1)
    contributions["sources"] = contributions.get("sources", pd.Series("", index=contributions.index)).fillna(
        ""
    )
    events = reads.events.details(store, contributions["event_id"].tolist())
    merged = contributions.merge(events, on="event_id", how="left")
    merged = _as_datetime(_text(merged, "via", "source", "type", "sub_type", "location"), "event_date")
    merged = with_distances(merged.assign(site_id=site_id), site_geometry(store, [site_id]))
    return merged.sort_values("contribution", ascending=False).reset_index(drop=True)[list(EXPLAIN_COLUMNS)]


def halt_unconfirmed_since(explanation: Mapping[str, Any]) -> str | None:
    """The day a site's notice halt became unconfirmed, as its score's explanation gives it (None when
    that score is no unconfirmed halt)."""
    since = explanation.get("halt_unconfirmed_since")
    return str(since) if since else None


def site_notices(store: Store, site_id: str, as_of: date | None = None, limit: int = 200) -> pd.DataFrame:
    """Notices matched to a site and known by the end of ``as_of``, newest first."""
    known = Known() if as_of is None else Known.end_of(as_of)
    frame = reads.notices.of_site(store, site_id, known, limit)
    if frame.empty:
        return empty_frame(NOTICE_COLUMNS)
    frame = _text(frame, "source", "kind", "title", "url", "matched_on", "cue", "language")
    return _as_datetime(frame, "published_at", "known_at")[list(NOTICE_COLUMNS)]


def site_events(store: Store, reach: matching.Reach, as_of: date, days: int, limit: int) -> pd.DataFrame:
    """Events exposed to a site or its route (``reach``: ``site_reach``) in the ``days`` up to ``as_of``,
    nearest first; read within the box the site reaches, a few ms instead of a pass over the days."""
    after = as_of - timedelta(days=days)
    site_id = str(reach.sites["id"].iloc[0])
    frame = reads.events.near_site(store, reach, after, as_of, Known.end_of(as_of), limit)
    if frame.empty:
        return empty_frame(SITE_EVENT_COLUMNS)
    # An event near both the mine and its road comes back twice: drawn once, by its nearer match.
    frame = frame.sort_values("distance_km", kind="stable").drop_duplicates("event_id")
    frame = with_distances(frame.assign(site_id=site_id), site_geometry(store, [site_id]))
    frame = _as_datetime(_text(frame, "via", "source", "type", "sub_type", "location"), "event_date")
    return frame[list(SITE_EVENT_COLUMNS)].reset_index(drop=True)


def incident_reports(store: Store, incident_ids: Sequence[int], as_of: date | None = None) -> pd.DataFrame:
    """Every report of these incidents known by the end of ``as_of`` (every stored one when None)."""
    frame = reads.incidents.reports(store, [int(i) for i in incident_ids])
    if frame.empty:
        return empty_frame(REPORT_COLUMNS)
    frame = _as_datetime(frame, "event_date", "known_at")
    if as_of is not None:
        frame = frame[frame["known_at"] < pd.Timestamp(as_of) + pd.Timedelta(days=1)]
    return _text(frame, "source", "source_id", "type", "sub_type", "location", "url").reset_index(drop=True)


# ---- feedback ---------------------------------------------------------------------------------------------
def verdicts(store: Store, now: datetime, limit: int = 500) -> pd.DataFrame:
    """The newest verdicts, with what they are on and whether each is in force now."""
    frame = reads.feedback.listed(store, limit)
    if frame.empty:
        return empty_frame(VERDICT_COLUMNS)
    frame = _as_datetime(frame, "created_at", "revoked_at", "event_date")
    frame["in_force"] = frame["revoked_at"].isna() | (frame["revoked_at"] > pd.Timestamp(naive_utc(now)))
    text = (
        "target",
        "target_ref",
        "title",
        "location",
        "verdict",
        "site_id",
        "note",
        "created_by",
        "revoked_by",
    )
    return _text(frame, *text)[list(VERDICT_COLUMNS)]


# ---- commodities ------------------------------------------------------------------------------------------
def supply_history(store: Store, as_of: date | None = None, days: int = 365) -> pd.DataFrame:
    """Tonnes at risk per commodity per day (the ``supply_day`` roll-up), for the ``days`` up to ``as_of``;
    ``sites_output_unknown``: the commodity's sites at risk with no output figure (0 for days rolled up
    before it was counted)."""
    end = latest_score_date(store, as_of)
    if end is None:
        return empty_frame(SUPPLY_COLUMNS)
    frame = reads.scores.supply_days(store, end - timedelta(days=days), end)
    if frame.empty:
        return empty_frame(SUPPLY_COLUMNS)
    frame["supply_at_risk_t"] = frame["supply_at_risk_t"].fillna(0.0).astype(float)
    frame["sites_output_unknown"] = pd.to_numeric(frame["sites_output_unknown"]).fillna(0).astype("int64")
    return _as_datetime(_text(frame, "commodity"), "date")


def with_world_share(history: pd.DataFrame, world: pd.DataFrame) -> pd.DataFrame:
    """Add pct_world (tonnes at risk as % of world production) where the commodity's production is known."""
    if history.empty:
        return history.assign(pct_world=pd.Series(dtype=float))
    keyed = history.assign(_key=history["commodity"].str.lower())
    merged = keyed.merge(world.rename(columns={"commodity": "_key"}), on="_key", how="left").drop(
        columns="_key"
    )
    merged["pct_world"] = supply.share_of_world_pct(merged["supply_at_risk_t"], merged["world_production_t"])
    return merged.drop(columns="world_production_t")


def supply_drivers(store: Store, as_of: date | None = None, limit: int = 30) -> pd.DataFrame:
    """The (site, commodity) pairs with the most tonnes at risk on the latest score date up to ``as_of``,
    most first; then every site at risk whose output of its commodity is unknown (``supply_at_risk_t``
    NaN), riskiest first. A site appears once per commodity it has an output for."""
    day = latest_score_date(store, as_of)
    if day is None:
        return empty_frame(DRIVER_COLUMNS)
    at_risk = reads.scores.at_risk_on(store, day)
    if at_risk.empty:
        return empty_frame(DRIVER_COLUMNS)
    pairs = supply.site_tonnes(at_risk.assign(date=day), reads.sites.outputs(store))
    pairs = pairs.merge(at_risk[["site_id", "site_name", "country"]], on="site_id", how="left")
    pairs = pairs.rename(columns={"output_t": "annual_output_t", "tonnes": "supply_at_risk_t"})
    pairs["level"] = pairs["site_id"].map(at_risk.set_index("site_id")["level"])
    known = pairs[pairs["supply_at_risk_t"] > 0].sort_values(
        ["supply_at_risk_t", "site_id"], ascending=[False, True]
    )
    unknown = pairs[pairs["unknown"]].sort_values(["risk", "site_id"], ascending=[False, True])
    frame = pd.concat([known.head(limit), unknown], ignore_index=True)[list(DRIVER_COLUMNS)]
    return _text(frame, "site_name", "commodity", "country", "level")


# ---- events ---------------------------------------------------------------------------------------------
def events(store: Store, flt: EventFilter, limit: int) -> pd.DataFrame:
    """Events passing the filter, newest first, with the nearest site (from exposures); at most ``limit``."""
    frame = reads.events.listed(store, flt, limit)
    if frame.empty:
        return empty_frame(EVENT_LIST_COLUMNS)
    frame = _text(
        frame,
        "source",
        "type",
        "sub_type",
        "location",
        "country",
        "actor1",
        "actor2",
        "admin1",
        "nearest_site_id",
    )
    frame = with_distances(frame, site_geometry(store, frame["nearest_site_id"].tolist()), "nearest_site_id")
    return _as_datetime(frame, "event_date")[list(EVENT_LIST_COLUMNS)]


def count_events(store: Store, flt: EventFilter) -> int:
    """How many events pass the filter (the list shows at most its limit)."""
    return reads.events.count_listed(store, flt)


def event_options(store: Store, shown: pd.DataFrame) -> dict[str, list[str]]:
    """Choices for the filter drop-downs: the feeds that ran, the taxonomy, the sites' countries, and whatever
    the events shown carry (a scan of every event for its distinct values would cost a second on 1M rows)."""
    feeds = reads.feedruns.feed_names(store)
    countries = reads.sites.countries(store)
    return {
        "sources": sorted({*feeds, *shown.get("source", [])} - {""}),
        "types": sorted({*EVENT_TYPES, *shown.get("type", [])} - {""}),
        "countries": sorted({*countries, *shown.get("country", [])} - {""}),
    }


def event_date_range(store: Store) -> tuple[date | None, date | None]:
    """The first and last event dates."""
    return reads.events.date_span(store)


# ---- feeds and alerts -------------------------------------------------------------------------------------
def feed_status(store: Store, now: datetime) -> pd.DataFrame:
    """Per feed: last run and its counts and error, last success and how long ago it was (lag)."""
    frame = reads.feedruns.summary(store).rename(
        columns={"last_status": "status", "last_error": "error", "last_ok": "last_success"}
    )
    if frame.empty:
        return empty_frame(FEED_COLUMNS)
    frame = _as_datetime(_text(frame, "feed", "status", "error"), "last_run", "last_success")
    frame["error"] = frame["error"].map(redact)  # runs stored before redaction, and secrets added since
    frame["dropped"] = frame["dropped"].map(dropped_text)
    named = frame["feed"].map(feed_label)
    frame["feed_kind"], frame["feed_name"] = named.str[0], named.str[1]
    frame["lag_hours"] = (pd.Timestamp(naive_utc(now)) - frame["last_success"]).dt.total_seconds() / 3600.0
    return frame[list(FEED_COLUMNS)]


def dropped_text(counts: Any) -> str:
    """Rows a run dropped, by reason, most first: 'not_conflict 784, not_violence 60' ('' when none)."""
    if not isinstance(counts, dict) or not counts:
        return ""
    ranked = sorted(counts.items(), key=lambda kv: (-int(kv[1]), kv[0]))
    return ", ".join(f"{reason} {int(n):,}" for reason, n in ranked)


def alerts_after(store: Store, day: date) -> int:
    """How many alerts were raised after the end of ``day``."""
    return reads.alerts.count_since(store, end_of(day))


def rejected_rows(store: Store, limit: int = 500) -> pd.DataFrame:
    """The newest rows a feed could not use, with the reason and the start of the raw text."""
    frame = reads.feedruns.rejected(store, limit)
    if frame.empty:
        return empty_frame(REJECTED_COLUMNS)
    return _as_datetime(_text(frame, "feed", "ref", "reason", "raw"), "created_at")


def alerts(store: Store, limit: int = 500, through: date | None = None) -> pd.DataFrame:
    """The newest alerts (raised by the end of ``through`` only, when given) with their delivery status per
    channel."""
    frame = reads.alerts.log(store, limit, None if through is None else end_of(through))
    if frame.empty:
        return empty_frame(ALERT_COLUMNS)
    deliveries = reads.alerts.deliveries(store, frame["id"].tolist())
    deliveries = _as_datetime(deliveries, "next_attempt_at", "delivered_at", "failed_at")
    status = {
        (int(r.alert_id), str(r.channel)): _delivery_text(
            r.attempts, redact(str(r.last_error or "")), r.next_attempt_at, r.delivered_at, r.failed_at
        )
        for r in deliveries.itertuples()
    }
    frame["sources"] = frame["payload"].map(_source_names)
    frame["summary"] = frame["payload"].map(lambda p: str((p or {}).get("summary") or ""))
    queued = {alert_id for alert_id, _ in status}
    frame["status"] = [
        ("sent" if int(i) in queued else NOT_SENT)
        if s == "notified"
        else f"held back ({reason})"
        if reason
        else "held back"
        for i, s, reason in zip(frame["id"], frame["status"], frame["reason"].fillna(""), strict=True)
    ]
    for channel in CHANNELS:
        frame[channel] = [
            status.get((int(i), channel), "-" if s in ("sent", NOT_SENT) else "not sent")
            for i, s in zip(frame["id"], frame["status"], strict=True)
        ]
    frame = _as_datetime(_text(frame, "kind", "site_id", "title", "fingerprint"), "created_at")
    return frame[list(ALERT_COLUMNS)].reset_index(drop=True)


#: An alert raised while no channel was configured: stored, never sent (and never "sent").
NOT_SENT = "not sent: no channel configured"


def _stamp(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _delivery_text(attempts: Any, error: Any, next_at: Any, delivered_at: Any, failed_at: Any = None) -> str:
    """One delivery as the alerts page shows it: delivered, waiting, retrying or given up, with the last
    error."""
    if delivered_at is not None and not pd.isna(delivered_at):
        return f"delivered {_stamp(delivered_at)}"
    if failed_at is not None and not pd.isna(failed_at):
        return f"failed after {int(attempts)} attempt(s), {_stamp(failed_at)}" + (
            f": {error}" if error else ""
        )
    if not attempts:
        return f"pending (from {_stamp(next_at)})" if _stamp(next_at) else "pending"
    text = f"pending: {int(attempts)} failed attempt(s), next {_stamp(next_at)}"
    return text + (f": {error}" if error else "")


def _source_names(payload: Any) -> str:
    sources = (payload or {}).get("sources") or [] if isinstance(payload, dict) else []
    return "; ".join(f"{s.get('source', '')}: {s.get('title', '')}" for s in sources)
