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

    ``sites`` has site_id, lat, lon and route (``reads.sites.geometry``); unknown ones give NaN. Vectorised
    over the rows; only the roads are measured site by site (each its own waypoints)."""
    if frame.empty or sites.empty:
        return frame.assign(to_mine_km=np.nan, to_road_km=np.nan)
    geometry = (
        sites.assign(site_id=sites["site_id"].astype(str)).drop_duplicates("site_id").set_index("site_id")
    )
    keys = frame[site_column].astype(str)
    lat, lon = frame["lat"].to_numpy(dtype=float), frame["lon"].to_numpy(dtype=float)
    site_lat = keys.map(pd.to_numeric(geometry["lat"], errors="coerce")).to_numpy(dtype=float)
    site_lon = keys.map(pd.to_numeric(geometry["lon"], errors="coerce")).to_numpy(dtype=float)
    road = np.full(len(frame), np.nan)
    with_road = {k for k, r in geometry["route"].items() if r is not None and len(r) >= 2}
    for key, rows in keys.groupby(keys.to_numpy(), sort=False).indices.items():
        if key in with_road:
            road[rows] = road_km(lat[rows], lon[rows], geometry.at[key, "route"])
    return frame.assign(to_mine_km=geo.haversine_km(lat, lon, site_lat, site_lon), to_road_km=road)
