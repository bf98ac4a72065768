"""Alert rules: frames read from the store -> ``Candidate`` alerts. Pure: no clock, no database.

Rules: a site halts (its score status turns ``halted``, or a halting notice arrives before it is scored),
a halted site resumes (a halt that aged into ``halt_unconfirmed`` and was reconfirmed is still the same
halt: one alert), a standalone evacuation notice, a site's exports stop (one alert per export-halt
episode), a site's level rises to one of the configured
levels, fighting or a takeover near a site or its export route ("front line approaching"), and a feed
without a successful run for too long. ``monitor.alerting.tick`` reads the frames; ``decide`` turns the
candidates into alerts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from monitor import supply
from monitor.alerting.decide import Candidate
from monitor.alerting.evidence import front_phrase, front_values
from monitor.config import FrontLineRule, Scope, Watchlist
from monitor.domain import (
    EVACUATION_KIND,
    EXPORT_HALT_KIND,
    HALT_EPISODE_STATUSES,
    HALTING_KINDS,
    LEVEL_RANK,
    RESUMING_KIND,
)
from monitor.labels import commodity_label, short_name
from monitor.plain import plain
from monitor.redact import redact

__all__ = [
    "SiteInfo",
    "export_halt_candidates",
    "extend_with_notices",
    "front_line_candidates",
    "halt_candidates",
    "in_scope",
    "level_candidates",
    "qualifying_events",
    "short_name",
    "site_info",
    "stale_feed_candidates",
    "supply_phrase",
]

SITE_FIELDS = ("id", "name", "operator", "country", "commodity", "annual_output_t", "world_share")


# ---- sites and scope --------------------------------------------------------------------------------------
def _outputs(record: Mapping[str, Any]) -> list[tuple[str, float | None]]:
    """(commodity, annual tonnes or None) of a site: its main commodity first, then any other it has an
    output figure for (``outputs``: [{commodity, tonnes}], when the registry has them)."""
    main = str(record.get("commodity") or "")
    listed: dict[str, float | None] = {main: plain(record.get("annual_output_t"))} if main else {}
    extra = record.get("outputs")
    for item in extra if isinstance(extra, (list, tuple)) else []:
        if isinstance(item, Mapping) and item.get("commodity") and item.get("tonnes") is not None:
            name = str(item["commodity"])
            if listed.get(name) is None:
                listed[name] = float(item["tonnes"])
    return list(listed.items())


def site_info(sites: pd.DataFrame, commodities: pd.DataFrame | None = None) -> Mapping[str, dict[str, Any]]:
    """The registry facts an alert carries, per site id, with ``supply``: each commodity of the site (main
    first) with its annual output and its share of world production (``supply.share_of_world_pct`` over
    ``commodities``' world_production_t; None where either is unknown). Each site's facts are built when
    first looked up (``SiteInfo``)."""
    world: dict[str, float] = {}
    if commodities is not None and not commodities.empty:
        world = {
            str(c): float(t)
            for c, t in zip(commodities["commodity"], commodities["world_production_t"], strict=True)
            if not pd.isna(t)
        }
    return SiteInfo(sites, world)


class SiteInfo(Mapping[str, dict[str, Any]]):
    """``site_info``'s facts by site id, each site's built the first time it is looked up: an alert tick
    looks up the few sites with candidates, and building all 10,000 took 0.7 s a tick."""

    def __init__(self, sites: pd.DataFrame, world: Mapping[str, float]) -> None:
        self._sites = sites
        self._world = world
        ids = sites["id"].astype(str).tolist() if not sites.empty else []
        self._row = {site_id: i for i, site_id in enumerate(ids)}
        self._built: dict[str, dict[str, Any]] = {}

    def __getitem__(self, site_id: str) -> dict[str, Any]:
        if site_id not in self._built:
            row = self._row[site_id]  # KeyError for a site the registry does not hold
            (record,) = self._sites.iloc[[row]].to_dict("records")
            self._built[site_id] = self._facts(record)
        return self._built[site_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def _facts(self, record: Mapping[str, Any]) -> dict[str, Any]:
        facts = {k: plain(record.get(k)) for k in SITE_FIELDS if k in record}
        outputs = _outputs(record)
        shares = supply.share_of_world_pct(
            [math.nan if t is None else t for _, t in outputs],
            [self._world.get(c, math.nan) for c, _ in outputs],
        )
        facts["supply"] = [
            {"commodity": c, "output_t": t, "world_pct": None if math.isnan(p) else round(float(p), 3)}
            for (c, t), p in zip(outputs, shares.tolist(), strict=True)
        ]
        return facts


def _pct(value: float) -> str:
    if value >= 1:
        return f"~{value:.0f}%"
    return f"~{value:.1f}%" if value >= 0.1 else "<0.1%"


def supply_phrase(site: Mapping[str, Any]) -> str:
    """What the site weighs: '~4% of world tin', '~1% of world copper, ~5% of world cobalt', or the main
    commodity with 'output unknown' when there is no output or world figure."""
    parts = []
    for item in site.get("supply") or []:
        pct = item.get("world_pct")
        if pct is not None and pct > 0:
            parts.append(f"{_pct(float(pct))} of world {commodity_label(item['commodity'], sentence=True)}")
    if parts:
        return ", ".join(parts)
    return f"{commodity_label(site.get('commodity'), sentence=True)}, output unknown"


def in_scope(sites: pd.DataFrame, scope: Scope, watchlist: Watchlist) -> set[str]:
    """Site ids a rule covers: every site, or the watchlist (ids, commodities, countries)."""
    if sites.empty:
        return set()
    ids = sites["id"].astype(str)
    if scope == "all":
        return set(ids.tolist())  # from a list: iterating an Arrow-backed column is 5x slower
    wanted_commodities = {c.strip().lower() for c in watchlist.commodities} - {""}
    wanted_countries = {c.strip().upper() for c in watchlist.countries}
    if not (wanted_commodities or wanted_countries or watchlist.sites):
        return set()  # an empty watchlist (the default) covers no site, at no cost each tick
    chosen = ids.isin(set(watchlist.sites)).to_numpy(bool, copy=True)
    if wanted_countries:
        chosen |= sites["country"].fillna("").astype(str).str.upper().isin(wanted_countries).to_numpy(bool)
    if wanted_commodities:
        listed = (
            ";"
            + sites["commodity"].fillna("").astype(str)
            + ";"
            + sites.get("commodities", pd.Series("", index=sites.index)).fillna("").astype(str)
            + ";"
        ).str.lower()
        for commodity in wanted_commodities:  # one of the ;-separated names, spaces around it aside
            chosen |= listed.str.contains(rf";\s*{re.escape(commodity)}\s*;", regex=True).to_numpy(bool)
    return set(ids[chosen].tolist())


# ---- notices and halts ------------------------------------------------------------------------------------
def _iso(value: Any) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.isoformat(timespec="seconds") + "Z"


def _sources(notices: pd.DataFrame) -> tuple[dict[str, Any], ...]:
    ordered = notices.sort_values(["known_at", "notice_id"])
    return tuple(
        {"source": r.source, "title": r.title or "", "url": r.url or "", "published_at": _iso(r.known_at),
         "kind": r.kind, "language": r.language or "", "cue": r.cue or ""}
        for r in ordered.itertuples()
    )  # fmt: skip


def _day_of(known_at: pd.Series) -> pd.Series:
    return pd.to_datetime(known_at).dt.date


def extend_with_notices(scores: pd.DataFrame, notices: pd.DataFrame) -> pd.DataFrame:
    """Score statuses per site and day, plus a row per halting or resumption notice newer than the site's
    last score (so a halt shows before the site is rescored)."""
    timeline = scores[["site_id", "date", "status", "level", "risk"]].assign(synthetic=False)
    moving = notices[notices["kind"].isin(HALTING_KINDS | {RESUMING_KIND})]
    if moving.empty:
        return timeline
    last = scores.groupby("site_id")["date"].max().to_dict()
    days = _day_of(moving["known_at"])
    newer = [last.get(s) is None or d > last[s] for s, d in zip(moving["site_id"], days, strict=True)]
    fresh = moving.assign(date=days)[newer].sort_values("known_at")
    if fresh.empty:
        return timeline
    # The last notice of a day wins (a halt and a resumption on one day: whichever came later).
    fresh = fresh.drop_duplicates(["site_id", "date"], keep="last")
    halting = fresh["kind"].isin(HALTING_KINDS)
    extra = pd.DataFrame(
        {
            "site_id": fresh["site_id"].to_numpy(),
            "date": fresh["date"].to_numpy(),
            "status": ["halted" if h else "operating" for h in halting],
            "level": ["halted" if h else None for h in halting],
            "risk": [100.0 if h else math.nan for h in halting],
            "synthetic": True,
        }
    )
    return pd.concat([timeline, extra], ignore_index=True).sort_values(["site_id", "date"], kind="stable")


def _halt_runs(
    days: Sequence[date], halted: Sequence[bool], since: date | None
) -> list[tuple[date, date | None]]:
    """(first halted day, day it resumed or None) for each run of halted rows, in order."""
    runs: list[tuple[date, date | None]] = []
    start: date | None = None
    for i, (day, is_halted) in enumerate(zip(days, halted, strict=True)):
        if is_halted and start is None:
            # A run already under way on the first row began on ``since`` (looked up further back).
            start = (since or day) if i == 0 else day
        elif not is_halted and start is not None:
            runs.append((start, day))
            start = None
    if start is not None:
        runs.append((start, None))
    return runs


def _between(notices: pd.DataFrame, kinds: Collection[str], first: date, last: date) -> pd.DataFrame:
    days = _day_of(notices["known_at"])
    return notices[notices["kind"].isin(kinds) & (days >= first) & (days <= last)]


def _kinds_text(sources: Sequence[Mapping[str, Any]]) -> str:
    kinds = list(dict.fromkeys(str(s["kind"]).replace("_", " ") for s in sources))
    return ", ".join(kinds)


def halt_candidates(
    timeline: pd.DataFrame,
    halted_since: Mapping[str, date],
    notices: pd.DataFrame,
    sites: Mapping[str, Mapping[str, Any]],
    *,
    halts: Collection[str],
    resumes: Collection[str],
    window_start: date,
    today: date,
) -> list[Candidate]:
    """Halts that began in the window, resumptions in the window, and evacuation notices outside any halt.
    ``halted_since`` gives the start of a halt already under way on a site's first row."""
    out: list[Candidate] = []
    timeline = timeline[timeline["date"] <= today]
    inside: dict[str, list[tuple[date, date]]] = {}
    halted_ids = set(timeline.loc[timeline["status"].isin(HALT_EPISODE_STATUSES), "site_id"])
    for site_id, rows in timeline[timeline["site_id"].isin(halted_ids)].groupby("site_id", sort=True):
        site = sites.get(str(site_id))
        if site is None:
            continue
        days = rows["date"].tolist()
        in_halt = rows["status"].isin(HALT_EPISODE_STATUSES).tolist()
        runs = _halt_runs(days, in_halt, halted_since.get(str(site_id)))
        mine = notices[notices["site_id"] == site_id]
        for i, (start, resumed) in enumerate(runs):
            last_day = (resumed - timedelta(days=1)) if resumed else today
            inside.setdefault(str(site_id), []).append((start, last_day))
            # A halt that began before the window is old news, even when still going on.
            if site_id in halts and start >= window_start:
                before = rows[rows["date"] < start].tail(1)
                out.append(_halt(site, start, resumed, _between(mine, HALTING_KINDS | {EVACUATION_KIND},
                                                                 start, last_day), before))  # fmt: skip
            if resumed is not None and resumed >= window_start and site_id in resumes:
                upto = runs[i + 1][0] - timedelta(days=1) if i + 1 < len(runs) else today
                row = rows[rows["date"] == resumed].tail(1)
                out.append(_resume(site, start, resumed, _between(mine, {RESUMING_KIND}, resumed, upto), row))
    out.extend(_evacuations(notices, sites, inside, halts, window_start, today))
    return out


def _halt(
    site: Mapping[str, Any], start: date, resumed: date | None, sources: pd.DataFrame, before: pd.DataFrame
) -> Candidate:
    listed = _sources(sources)
    why = _kinds_text(listed) or "registry or score status"
    summary = f"Halted since {start.isoformat()}: {why}"
    summary += f" ({len(listed)} source{'s' if len(listed) != 1 else ''})." if listed else "."
    if resumed is not None:
        summary += f" It resumed on {resumed.isoformat()}."
    details: dict[str, Any] = {"since": start.isoformat(), "ongoing": resumed is None,
                               "resumed": resumed.isoformat() if resumed else None}  # fmt: skip
    if not before.empty:
        details["risk_before"] = plain(before["risk"].iloc[0])
        details["level_before"] = plain(before["level"].iloc[0])
    return Candidate(
        kind="halt",
        subject=str(site["id"]),
        episode=start.isoformat(),
        title=f"{short_name(site)} halted: {supply_phrase(site)}",
        summary=summary,
        occurred_at=datetime.combine(start, time()),
        site=site,
        sources=listed,
        risk=100.0,
        level="halted",
        details=details,
    )


def _resume(
    site: Mapping[str, Any], start: date, resumed: date, sources: pd.DataFrame, row: pd.DataFrame
) -> Candidate:
    listed = _sources(sources)
    days = (resumed - start).days
    summary = f"Resumed on {resumed.isoformat()} after a halt since {start.isoformat()}"
    summary += f" ({days} day{'s' if days != 1 else ''})."
    risk = plain(row["risk"].iloc[0]) if not row.empty else None
    level = plain(row["level"].iloc[0]) if not row.empty else None
    return Candidate(
        kind="resume",
        subject=str(site["id"]),
        episode=start.isoformat(),  # the halt it ends: one resumption alert per halt
        title=f"{short_name(site)} resumed: {supply_phrase(site)} back",
        summary=summary,
        occurred_at=datetime.combine(resumed, time()),
        site=site,
        sources=listed,
        risk=risk,
        level=level,
        details={"since": start.isoformat(), "resumed": resumed.isoformat(), "halt_days": days},
    )


def _evacuations(
    notices: pd.DataFrame,
    sites: Mapping[str, Mapping[str, Any]],
    inside: Mapping[str, list[tuple[date, date]]],
    allowed: Collection[str],
    window_start: date,
    today: date,
) -> list[Candidate]:
    """Evacuation notices on days the site was not halted (inside a halt they are listed as its sources)."""
    evac = notices[notices["kind"] == EVACUATION_KIND]
    if evac.empty:
        return []
    evac = evac.assign(day=_day_of(evac["known_at"]))
    out = []
    for (site_id, day), group in evac.groupby(["site_id", "day"], sort=True):
        site = sites.get(str(site_id))
        if site is None or site_id not in allowed or not (window_start <= day <= today):
            continue
        if any(a <= day <= b for a, b in inside.get(str(site_id), [])):
            continue
        listed = _sources(group)
        out.append(
            Candidate(
                kind="evacuation",
                subject=str(site_id),
                episode=day.isoformat(),
                title=f"{short_name(site)} evacuated: {supply_phrase(site)}",
                summary=f"Evacuation reported on {day.isoformat()} ({len(listed)} source(s)).",
                occurred_at=datetime.combine(day, time()),
                site=site,
                sources=listed,
                details={"day": day.isoformat()},
            )
        )
    return out


def export_halt_candidates(
    notices: pd.DataFrame,
    sites: Mapping[str, Mapping[str, Any]],
    *,
    allowed: Collection[str],
    gap_days: int,
    window_start: date,
    today: date,
) -> list[Candidate]:
    """One alert per export-halt episode of a site: its export-halt notices, each less than ``gap_days``
    after the one before and with no resumption notice between them. An episode that began before the
    window is old news. ``notices`` holds a site's export-halt and resumption notices, from far enough back
    to see where its episodes began."""
    moving = notices[notices["kind"].isin({EXPORT_HALT_KIND, RESUMING_KIND})]
    moving = moving[moving["site_id"].isin(set(allowed))].sort_values(["site_id", "known_at", "notice_id"])
    out = []
    for site_id, rows in moving.groupby("site_id", sort=True):
        site = sites.get(str(site_id))
        if site is None:
            continue
        episodes: list[list[Any]] = []
        last: date | None = None
        for row in rows.itertuples():
            day = pd.Timestamp(row.known_at).date()
            if row.kind == RESUMING_KIND:
                last = None
                continue
            if last is None or (day - last).days >= gap_days:
                episodes.append([])
            episodes[-1].append(row)
            last = day
        for episode in episodes:
            start = pd.Timestamp(episode[0].known_at).date()
            if not (window_start <= start <= today):
                continue
            listed = _sources(pd.DataFrame(episode))
            out.append(
                Candidate(
                    kind="export_halt",
                    subject=str(site_id),
                    episode=start.isoformat(),
                    title=f"{short_name(site)} exports halted: {supply_phrase(site)}",
                    summary=f"Exports, shipments or deliveries stopped since {start.isoformat()} while "
                    f"mining goes on ({len(listed)} source{'s' if len(listed) != 1 else ''}).",
                    occurred_at=datetime.combine(start, time()),
                    site=site,
                    sources=listed,
                    details={"since": start.isoformat()},
                )
            )
    return out


# ---- levels -----------------------------------------------------------------------------------------------
def level_candidates(
    scores: pd.DataFrame,
    sites: Mapping[str, Mapping[str, Any]],
    *,
    allowed: Collection[str],
    levels: Collection[str],
    window_start: date,
) -> list[Candidate]:
    """A site's level rising, from one score row to the next, to one of ``levels`` (not out of a halt)."""
    frame = scores[scores["site_id"].isin(set(allowed))].sort_values(["site_id", "date"])
    if frame.empty:
        return []
    grouped = frame.groupby("site_id")
    prev_level = grouped["level"].shift()
    prev_risk = grouped["risk"].shift()
    rank = frame["level"].map(LEVEL_RANK)
    prev_rank = prev_level.map(LEVEL_RANK)
    rises = (
        frame["level"].isin(set(levels))
        & prev_rank.notna()
        & (rank > prev_rank)
        & (prev_level != "halted")
        & (frame["date"] >= window_start)
    )
    out = []
    for idx in frame.index[rises.to_numpy()]:
        row = frame.loc[idx]
        site = sites.get(str(row["site_id"]))
        if site is None:
            continue
        day, level, risk = row["date"], str(row["level"]), float(row["risk"])
        before = f"{prev_level[idx]} ({float(prev_risk[idx]):.1f})"
        out.append(
            Candidate(
                kind="level",
                subject=str(row["site_id"]),
                episode=f"{day.isoformat()}:{level}",
                title=f"{short_name(site)} {level} ({risk:.0f}): {supply_phrase(site)}",
                summary=f"Risk rose to {level} ({risk:.1f}) on {day.isoformat()}, from {before}"
                + "".join(
                    f"; {k} {float(row[k]):.0f}"
                    for k in ("conflict", "route")
                    if k in row.index and not pd.isna(row[k]) and float(row[k]) > 0
                )
                + ".",
                occurred_at=datetime.combine(day, time()),
                site=site,
                risk=risk,
                level=level,
                details={
                    "day": day.isoformat(),
                    "rank": LEVEL_RANK[level],
                    "from_level": prev_level[idx],
                    "from_risk": plain(prev_risk[idx]),
                    **{k: plain(row[k]) for k in ("conflict", "route", "notice") if k in row.index},
                },
            )
        )
    return out


# ---- front line -------------------------------------------------------------------------------------------
def qualifying_events(exposures: pd.DataFrame, rule: FrontLineRule) -> pd.Series:
    """Takeovers (by sub-type) and battles with at least ``min_fatalities`` deaths."""
    sub = exposures["sub_type"].fillna("").astype(str).str.strip().str.lower()
    heavy = (exposures["type"] == "battles") & (
        pd.to_numeric(exposures["fatalities"], errors="coerce").fillna(0) >= rule.min_fatalities
    )
    return heavy | sub.isin({s.strip().lower() for s in rule.sub_types})


def front_line_candidates(
    exposures: pd.DataFrame,
    sites: Mapping[str, Mapping[str, Any]],
    *,
    rule: FrontLineRule,
    allowed: Collection[str],
    new_event_ids: Collection[int] | None,
    window_start: date,
    fronts: pd.DataFrame | None = None,
) -> list[Candidate]:
    """One candidate per new qualifying (event, site), with the distance to the mine and its change since
    the previous qualifying event near that site. ``exposures`` carries ``site_km`` (event to mine).
    ``fronts`` (site_id, front_km, front_km_change_7d, front_days_to_radius, front_actor: each site's front
    line as last scored, ``monitor.front``) says how near the front is and how fast it comes."""
    frame = exposures[qualifying_events(exposures, rule) & exposures["site_id"].isin(set(allowed))]
    if frame.empty:
        return []
    keys = ["site_id", "event_id"]
    route_km = frame[frame["via"] == "route"].groupby(keys)["distance_km"].min().rename("route_km")
    events = (
        frame.sort_values("site_km")
        .drop_duplicates(keys)
        .join(route_km, on=keys)
        .sort_values(["site_id", "event_date", "event_id"])
    )
    grouped = events.groupby("site_id")
    events = events.assign(
        prev_km=grouped["site_km"].shift(),
        prev_location=grouped["location"].shift(),
        prev_date=grouped["event_date"].shift(),
    )
    fresh = events["event_date"] >= window_start
    if new_event_ids is not None:
        fresh &= events["event_id"].isin(set(new_event_ids))
    by_site = {} if fronts is None else {str(f["site_id"]): f for f in fronts.to_dict("records")}
    return [
        c for r in events[fresh].itertuples() if (c := _front_line(r, sites, by_site.get(str(r.site_id))))
    ]


def _front_line(
    r: Any, sites: Mapping[str, Mapping[str, Any]], front: Mapping[str, Any] | None = None
) -> Candidate | None:
    site = sites.get(str(r.site_id))
    if site is None:
        return None
    name = short_name(site)
    distance = float(r.site_km)
    where = r.location or "unknown place"
    what = r.sub_type or r.type
    summary = f"{what} at {where} on {r.event_date.isoformat()}, {distance:.0f} km from the mine"
    route_km = None if pd.isna(r.route_km) else float(r.route_km)
    if route_km is not None:
        summary += f", {route_km:.1f} km from its export road"
    change = None
    if not pd.isna(r.prev_km):
        change = distance - float(r.prev_km)
        moved = (
            "as close as"
            if abs(change) < 0.5
            else f"{abs(change):.0f} km {'closer' if change < 0 else 'farther'} than"
        )
        summary += (
            f"; {moved} the previous such event "
            f"({r.prev_location or 'unknown place'}, {float(r.prev_km):.0f} km, {r.prev_date.isoformat()})"
        )
    fatalities = int(r.fatalities or 0)
    if fatalities:
        summary += f"; {fatalities} reported dead"
    line = front_values(front)
    if front_phrase(line):
        summary += f"; the front line is {front_phrase(line)}"
    event = {
        "source": r.source, "source_id": r.source_id, "date": r.event_date.isoformat(), "type": r.type,
        "sub_type": r.sub_type or "", "fatalities": fatalities, "location": r.location or "",
        "lat": float(r.lat), "lon": float(r.lon), "url": r.url or "",
    }  # fmt: skip
    return Candidate(
        kind="front_line",
        subject=str(r.site_id),
        episode=f"{r.source}:{r.source_id}",
        title=f"{name}: fighting {distance:.0f} km away at {where} ({supply_phrase(site)})",
        summary=summary + ".",
        occurred_at=datetime.combine(r.event_date, time()),
        site=site,
        sources=(
            {
                "source": r.source,
                "title": f"{what} at {where}",
                "url": r.url or "",
                "published_at": _iso(r.known_at),
                "kind": r.type,
                "language": "",
            },
        ),
        details={
            "distance_km": round(distance, 1),
            "route_km": None if route_km is None else round(route_km, 1),
            "via": "route" if route_km is not None and route_km < distance else "site",
            "previous_km": None if pd.isna(r.prev_km) else round(float(r.prev_km), 1),
            "change_km": None if change is None else round(change, 1),
            **line,
            "event": event,
        },
    )


# ---- feeds ------------------------------------------------------------------------------------------------
def stale_feed_candidates(
    runs: pd.DataFrame, feeds: Sequence[str], hours: float, now: datetime
) -> list[Candidate]:
    """Enabled feeds with no ok run for ``hours`` (counted from their first run when none ever succeeded).

    ``runs`` has one row per feed: feed, first_run, last_ok, last_status, last_error. A feed that never
    ran is not stale: nothing has tried to run it yet.
    """
    by_feed = {str(r["feed"]): r for r in runs.to_dict("records")}
    out = []
    for feed in feeds:
        row = by_feed.get(feed)
        if row is None:
            continue
        last_ok = None if pd.isna(row.get("last_ok")) else pd.Timestamp(row["last_ok"]).to_pydatetime()
        since = last_ok or pd.Timestamp(row["first_run"]).to_pydatetime()
        age_h = (now - since).total_seconds() / 3600.0
        if age_h <= hours:
            continue
        error = redact(str(row.get("last_error") or ""))
        when = f"since {last_ok.isoformat(timespec='minutes')}Z" if last_ok else "ever"
        summary = f"Feed {feed} has had no successful run {when} ({age_h:.1f} hours)"
        summary += f"; last error: {error[:300]}." if error else "."
        out.append(
            Candidate(
                kind="feed_stale",
                subject=feed,
                episode=last_ok.isoformat(timespec="seconds") if last_ok else "never",
                title=f"Feed {feed} is stale",
                summary=summary,
                occurred_at=since + timedelta(hours=hours),
                details={
                    "feed": feed,
                    "hours": round(age_h, 1),
                    "last_ok": _iso(last_ok),
                    "last_status": row.get("last_status") or "",
                    "last_error": error[:300],
                },
            )
        )
    return out
