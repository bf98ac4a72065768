"""What backs a halt or a level alert, after its first line: the events nearest the site and the front line.
Pure: frames in, details out; the phrases the channels print are made here from those details, so a message
rendered again from a stored alert (after a restart) reads the same.

For an alert of site *s* on day *D* (the day the halt began, the day the level rose):

- ``events``: the events matched to *s* (within reach of the mine or of its export road) dated in the
  scoring window before *D* (``scoring.window_days``: the events its risk rests on), as known at the tick:
  how many, the nearest to the mine and the nearest to the road, each with its day, kind, place, actor and
  both distances (``monitor.distances``);
- the front line as scored on *D* (``monitor.front``): its distance, actor, change over a week and the days
  until it reaches the mine's radius, in the same detail keys as a front-line alert.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pandas as pd

from monitor.alerting.decide import Candidate
from monitor.labels import feed_label, label

__all__ = [
    "EVIDENCE_KINDS",
    "FRONT_KEYS",
    "event_phrase",
    "events_phrase",
    "front_phrase",
    "front_values",
    "nearest_events",
    "with_evidence",
]

#: Alert kinds whose message lists the evidence (a front-line alert is itself about an event and the front).
EVIDENCE_KINDS: frozenset[str] = frozenset({"halt", "level"})
#: The front line's numbers, as ``monitor.front`` scores them.
FRONT_KEYS: tuple[str, ...] = ("front_km", "front_km_change_7d", "front_days_to_radius")


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return None if pd.isna(value) else round(float(value), 1)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


# ---- the front line ---------------------------------------------------------------------------------------
def front_values(front: Mapping[str, Any] | None) -> dict[str, Any]:
    """The front line of a site as alert details (None values and no actor when the site has none)."""
    values: dict[str, Any] = {k: None if front is None else _number(front.get(k)) for k in FRONT_KEYS}
    values["front_actor"] = "" if front is None else _text(front.get("front_actor"))
    return values


def front_phrase(details: Mapping[str, Any]) -> str:
    """'55 km away (M23: March 23 Movement), 44 km closer than a week before, at the mine's radius in 5
    days'; '' when the details hold no front line."""
    km = details.get("front_km")
    if km is None:
        return ""
    actor = details.get("front_actor") or "territory taken"
    text = f"{float(km):.0f} km away ({actor})"
    change, days = details.get("front_km_change_7d"), details.get("front_days_to_radius")
    if change is not None and float(change) < -0.5:
        text += f", {-float(change):.0f} km closer than a week before"
        if days is not None:
            text += (
                ", already at the mine"
                if float(days) == 0
                else f", at the mine's radius in {float(days):.0f} days"
            )
    return text


# ---- the nearest events -----------------------------------------------------------------------------------
def _event(row: Mapping[str, Any]) -> dict[str, Any]:
    day = row.get("event_date")
    return {
        "date": pd.Timestamp(day).date().isoformat() if day is not None and not pd.isna(day) else "",
        "type": _text(row.get("type")),
        "sub_type": _text(row.get("sub_type")),
        "location": _text(row.get("location")),
        "actor": _text(row.get("actor1")),
        "fatalities": int(_number(row.get("fatalities")) or 0),
        "source": _text(row.get("source")),
        "to_mine_km": _number(row.get("to_mine_km")),
        "to_road_km": _number(row.get("to_road_km")),
    }


def nearest_events(near: pd.DataFrame, through: date, window_days: int) -> dict[str, Any]:
    """The events of one site dated in ``(through - window_days, through]``: how many, the nearest to the
    mine, and the nearest to the road when that is another event (None otherwise).

    ``near`` holds the site's exposures (one row per way an event reaches it) with ``to_mine_km`` and
    ``to_road_km``; an event reaching the site both ways counts once."""
    first = through - timedelta(days=window_days)
    days = pd.to_datetime(near["event_date"]).dt.date if not near.empty else pd.Series(dtype=object)
    events = near[(days > first) & (days <= through)].drop_duplicates("event_id") if not near.empty else near
    out: dict[str, Any] = {
        "count": len(events), "window_days": window_days, "through": through.isoformat(),
        "nearest_mine": None, "nearest_road": None,
    }  # fmt: skip
    if events.empty:
        return out
    by_mine = events.sort_values(["to_mine_km", "event_date"], ascending=[True, False], na_position="last")
    mine = by_mine.iloc[0]
    out["nearest_mine"] = _event(mine.to_dict())
    roads = events.dropna(subset=["to_road_km"])
    if not roads.empty:
        road = roads.sort_values(["to_road_km", "event_date"], ascending=[True, False]).iloc[0]
        if road["event_id"] != mine["event_id"]:
            out["nearest_road"] = _event(road.to_dict())
    return out


#: A GDELT sub-type names its CAMEO code first ('CAMEO 190: Use conventional military force').
_CAMEO_PREFIX = re.compile(r"^\s*CAMEO\s+\d+:\s*", re.IGNORECASE)


def event_phrase(event: Mapping[str, Any]) -> str:
    """'98.9 km from the mine, 12.8 km from its road: Armed clash at Kibua on 2025-03-12 by M23, 2 dead
    (ACLED)': how near, what, where, when, who, the dead and the source."""
    places = (("to_mine_km", "the mine"), ("to_road_km", "its road"))
    where = [f"{float(event[k]):.1f} km from {name}" for k, name in places if event.get(k) is not None]
    what = _CAMEO_PREFIX.sub("", str(event.get("sub_type") or "")) or label(event.get("type"))
    text = f"{what} at {event.get('location') or 'an unnamed place'} on {event.get('date')}"
    if event.get("actor"):
        text += f" by {event['actor']}"
    if event.get("fatalities"):
        text += f", {event['fatalities']} dead"
    if event.get("source"):
        text += f" ({feed_label(str(event['source']))[1]})"
    return (", ".join(where) + ": " if where else "") + text


def events_phrase(events: Mapping[str, Any]) -> str:
    """'12 within reach of the mine or its road in the 60 days to 2025-03-14' (or 'none ...')."""
    count = int(events.get("count") or 0)
    return (f"{count if count else 'none'} within reach of the mine or its road in the "
            f"{events.get('window_days')} days to {events.get('through')}")  # fmt: skip


# ---- attaching it -----------------------------------------------------------------------------------------
def with_evidence(
    candidates: Iterable[Candidate],
    near: pd.DataFrame,
    fronts: Mapping[tuple[str, date], Mapping[str, Any]],
    window_days: int,
) -> list[Candidate]:
    """Halt and level candidates with ``events`` and the front line added to their details; the others as
    they are. ``near``: exposures of their sites with distances; ``fronts``: (site id, day) -> front row."""
    by_site = {str(s): rows for s, rows in near.groupby("site_id", sort=False)} if not near.empty else {}
    out = []
    for c in candidates:
        if c.kind not in EVIDENCE_KINDS or not c.site:
            out.append(c)
            continue
        day = c.occurred_at.date()
        rows = by_site.get(c.site_id, near.iloc[0:0])
        details = {
            **c.details,
            "events": nearest_events(rows, day, window_days),
            **front_values(fronts.get((c.site_id, day))),
        }
        out.append(replace(c, details=details))
    return out
