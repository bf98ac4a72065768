"""How far an event is from the site it is matched to: to the mine and to the mine's export road, defined
once. The dashboard's tables and maps and the alerts' evidence both show these two numbers: an event matched
through the road may be 0.2 km from the road and 40 km from the mine, and the reader needs both."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitor import geo

__all__ = ["road_km", "with_distances"]


def road_km(lat: np.ndarray, lon: np.ndarray, route: Any) -> np.ndarray:
    """Km from each point to the nearest leg of a route (NaN without a route of two waypoints or more)."""
    points = np.asarray([list(p)[:2] for p in route or []], dtype=float).reshape(-1, 2)
    if len(points) < 2 or lat.size == 0:
        return np.full(lat.shape, np.nan)
    a, b = points[:-1], points[1:]
    legs = geo.point_segment_km(lat[:, None], lon[:, None], a[None, :, 0], a[None, :, 1], b[None, :, 0],
                                b[None, :, 1])  # fmt: skip
    return legs.min(axis=1)  # type: ignore[no-any-return]


def with_distances(frame: pd.DataFrame, sites: pd.DataFrame, site_column: str = "site_id") -> pd.DataFrame:
    """``frame`` (events with lat, lon and the site each is matched to) with the km from each event to that
    mine (``to_mine_km``) and to its export road (``to_road_km``).

    ``sites`` has site_id, lat, lon and route (``reads.sites.geometry``); unknown ones give NaN."""
    out = frame.assign(to_mine_km=np.nan, to_road_km=np.nan)
    if frame.empty or sites.empty:
        return out
    by_site = {str(r["site_id"]): r for r in sites.to_dict("records")}
    for site_id, rows in out.groupby(out[site_column].astype(str), sort=False):
        site = by_site.get(site_id)
        if site is None:
            continue
        lat, lon = rows["lat"].to_numpy(dtype=float), rows["lon"].to_numpy(dtype=float)
        if site.get("lat") is not None and not pd.isna(site["lat"]):
            out.loc[rows.index, "to_mine_km"] = geo.haversine_km(lat, lon, site["lat"], site["lon"])
        out.loc[rows.index, "to_road_km"] = road_km(lat, lon, site.get("route"))
    return out
