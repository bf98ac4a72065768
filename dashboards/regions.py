"""The regions a map can open on, once, and the view (centre and zoom) that frames a box of the world.

A map opens on the sites that matter: the box around the sites at risk (elevated or worse), else around
every located site; the region selector offers the fixed regions below. Boxes are (south, west, north, east)
in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from monitor.domain import LEVEL_RANK

__all__ = ["AT_RISK", "REGIONS", "WORLD", "Box", "region_box", "site_box", "view_of"]


class Box(NamedTuple):
    south: float
    west: float
    north: float
    east: float


#: The selector's choice that follows the data: the box of the sites at risk.
AT_RISK = "Sites at risk"
WORLD = "World"
REGIONS: dict[str, Box] = {
    WORLD: Box(-50.0, -170.0, 70.0, 180.0),
    "Central Africa": Box(-14.0, 8.0, 10.0, 35.0),
    "East Africa": Box(-12.0, 28.0, 16.0, 52.0),
    "Southern Africa": Box(-35.0, 10.0, -8.0, 41.0),
    "West Africa": Box(3.0, -18.0, 24.0, 16.0),
    "North America": Box(15.0, -170.0, 72.0, -50.0),
    "Central America and the Caribbean": Box(5.0, -95.0, 25.0, -58.0),
    "South America": Box(-56.0, -82.0, 13.0, -34.0),
    "Europe": Box(35.0, -11.0, 71.0, 40.0),
    "Central Asia": Box(35.0, 46.0, 56.0, 88.0),
    "East Asia": Box(18.0, 73.0, 54.0, 146.0),
    "Southeast Asia": Box(-11.0, 92.0, 28.0, 141.0),
    "Australia and Oceania": Box(-47.0, 110.0, -5.0, 180.0),
}

#: The plotted area a view is fitted to, in pixels (a page-wide map less its margins and legend).
MAP_WIDTH_PX = 1100.0
MAP_HEIGHT_PX = 430.0
#: Below this zoom a page-wide map (1,400 px) would show the world, and a site, more than once.
MIN_ZOOM = 1.47
#: MapLibre's tile size: at zoom z the world is 512 * 2**z pixels wide.
_TILE_PX = 512.0
#: A box is padded by this share of its size on each side, so markers on its edge are not cut.
_PAD = 0.15
#: The smallest span framed (degrees): one site alone is shown with its surroundings.
_MIN_SPAN = 1.5


def region_box(name: str | None) -> Box | None:
    """The fixed box of a named region (None for the data-driven choice or an unknown name)."""
    return REGIONS.get(name or "")


def site_box(
    sites: pd.DataFrame, min_level: str = "elevated", known_stops: Collection[str] = ()
) -> Box | None:
    """The box around the located sites at ``min_level`` or worse, else around every located site.

    Sites in ``known_stops`` (the registry's own long-standing stops: a mine in care and maintenance for
    years) are left out of the box, though still drawn: they would stretch it over the world every day."""
    located = sites.dropna(subset=["lat", "lon"]) if not sites.empty else sites
    if located.empty:
        return None
    if known_stops:
        located = located[~located["site_id"].isin(set(known_stops))]
        if located.empty:
            return None
    ranks = located["level"].map(LEVEL_RANK) if "level" in located else pd.Series(dtype=float)
    at_risk = located[ranks.fillna(-1) >= LEVEL_RANK[min_level]] if not ranks.empty else located.iloc[0:0]
    chosen = at_risk if not at_risk.empty else located
    return _box_of(chosen["lat"], chosen["lon"])


def _box_of(lats: Iterable[float], lons: Iterable[float]) -> Box | None:
    lat = np.asarray(list(lats), dtype=float)
    lon = np.asarray(list(lons), dtype=float)
    keep = ~(np.isnan(lat) | np.isnan(lon))
    if not keep.any():
        return None
    lat, lon = lat[keep], lon[keep]
    return Box(float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max()))


def _mercator_y(lat: float) -> float:
    """Web-Mercator y of a latitude, in units where the world is 1 wide."""
    clipped = math.radians(max(min(lat, 85.0), -85.0))
    return math.log(math.tan(math.pi / 4 + clipped / 2)) / (2 * math.pi)


def view_of(box: Box | None) -> tuple[dict[str, float], float]:
    """Centre and zoom that frame ``box`` (padded) in a page-wide map; the world when there is no box."""
    if box is None:
        box = REGIONS[WORLD]
    lat_span = max(box.north - box.south, _MIN_SPAN)
    lon_span = max(box.east - box.west, _MIN_SPAN)
    centre_lat = (box.north + box.south) / 2
    centre_lon = (box.east + box.west) / 2
    south = max(centre_lat - lat_span * (0.5 + _PAD), -85.0)
    north = min(centre_lat + lat_span * (0.5 + _PAD), 85.0)
    width = lon_span * (1 + 2 * _PAD) / 360.0
    height = _mercator_y(north) - _mercator_y(south)
    fit = min(math.log2(MAP_WIDTH_PX / (_TILE_PX * width)), math.log2(MAP_HEIGHT_PX / (_TILE_PX * height)))
    zoom = float(np.clip(fit, MIN_ZOOM, 9.0))
    centre_y = (_mercator_y(north) + _mercator_y(south)) / 2
    lat_mid = math.degrees(2 * math.atan(math.exp(centre_y * 2 * math.pi)) - math.pi / 2)
    return {"lat": round(lat_mid, 4), "lon": round(centre_lon, 4)}, round(zoom, 3)
