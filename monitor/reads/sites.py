"""Registry facts read one question at a time (the whole registry as a frame is ``monitor.sites.sites_frame``,
which the registry module owns with the rest of the registry)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from monitor import dialect
from monitor.domain import STOPPED_STATUSES
from monitor.reads import sql
from monitor.store import Store

__all__ = ["count", "countries", "facts", "geometry", "outputs", "routes", "stopped", "stopped_since"]

_JSON_COLUMNS = ("aliases", "places", "route", "outputs")


def count(store: Store) -> int:
    """How many sites the registry holds."""
    return int(sql.scalar(store, "SELECT COUNT(*) FROM site") or 0)


def countries(store: Store) -> list[str]:
    """The countries of the registry's sites."""
    return [str(c) for c in sql.frame(store, "select distinct country from site")["country"].dropna()]


def facts(store: Store, site_id: str) -> dict[str, Any] | None:
    """Every registry column of one site (lists decoded, missing numbers as None), or None: no such site."""
    frame = sql.frame(store, "select * from site where id = :id", {"id": site_id})
    if frame.empty:
        return None
    row = frame.iloc[0].to_dict()
    for key in _JSON_COLUMNS:
        row[key] = dialect.json_value(row.get(key)) or []
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}


def outputs(store: Store) -> pd.DataFrame:
    """What ``monitor.supply.site_outputs`` reads of every site: id, commodity, annual_output_t,
    output_year and outputs (decoded)."""
    frame = sql.frame(
        store, "select id, commodity, annual_output_t, output_year, outputs from site order by id"
    )
    frame["outputs"] = frame["outputs"].map(lambda v: dialect.json_value(v) or [])
    return frame


def routes(store: Store, site_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Sites with an export route (of ``site_ids`` only, when given): site_id, site_name, route_name and the
    route as a list of waypoints."""
    # One site is a key lookup; many are cheaper read whole and filtered here than as a long IN list.
    one = site_ids is not None and len(site_ids) == 1
    # Most sites have no route: they are left out in SQL rather than decoded and dropped here.
    frame = sql.frame(
        store,
        "select id as site_id, name as site_name, route_name, route from site"
        " where cast(route as text) not in ('', '[]', 'null')" + (" and id = :id" if one else ""),
        {"id": site_ids[0]} if one and site_ids else {},
    )
    if site_ids is not None and not one:
        frame = frame[frame["site_id"].isin(set(site_ids))]
    frame["route"] = frame["route"].map(dialect.json_value)
    return frame


def geometry(store: Store, site_ids: Sequence[str]) -> pd.DataFrame:
    """Where the listed sites are: site_id, lat, lon and the export route as waypoints (empty when none)."""
    marks, params = sql.in_list("site", list(site_ids))
    frame = sql.frame(
        store, f"select id as site_id, lat, lon, route from site where id in ({marks or 'NULL'})", params
    )
    frame["route"] = frame["route"].map(lambda r: dialect.json_value(r) or [])
    return frame


def stopped(store: Store) -> set[str]:
    """Sites the registry itself says do not produce (halted, care and maintenance), whatever the news."""
    marks, params = sql.in_list("status", sorted(STOPPED_STATUSES))
    return {str(i) for i in sql.frame(store, f"select id from site where status in ({marks})", params)["id"]}


def stopped_since(store: Store, site_ids: Sequence[str]) -> dict[str, date]:
    """Of the listed sites, those whose registry status is a stop with a start day: that day."""
    marks, params = sql.in_list("site", list(site_ids))
    stops, more = sql.in_list("status", sorted(STOPPED_STATUSES))
    frame = sql.frame(
        store,
        f"select id, status_since from site where id in ({marks or 'NULL'}) and status in ({stops})"
        " and status_since is not null",
        {**params, **more},
    )
    return {
        str(i): d
        for i, s in zip(frame["id"], frame["status_since"], strict=True)
        if (d := dialect.as_date(s))
    }
