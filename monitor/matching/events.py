"""Events x sites and their export routes -> exposures, by great-circle distance."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitor.geo import Box, RoutePieces, argsort_keys, box_around, box_union, haversine_km, pairs_within

__all__ = [
    "EVENTS_PER_BLOCK", "EXPOSURE_COLUMNS", "Reach", "exposed", "match_events", "nearest",
    "nearest_exposures", "reach_box", "route_pieces", "site_radii",
]  # fmt: skip

EXPOSURE_COLUMNS = ["event_id", "site_id", "via", "distance_km"]
#: Events matched a block at a time (memory: an event has tens of exposures at 10,000 sites).
EVENTS_PER_BLOCK = 100_000


def _route_points(value: Any) -> np.ndarray:
    """A site's route as an (n, 2) float array of [lat, lon]; anything unusable is an empty route."""
    if value is None or isinstance(value, (str, bytes, float, int)):
        return np.empty((0, 2))
    try:
        # list() first: Parquet hands back an object array of per-waypoint arrays.
        pts = np.asarray([list(p) for p in value], dtype=np.float64)
    except (TypeError, ValueError):
        return np.empty((0, 2))
    if pts.size == 0 or pts.ndim != 2 or pts.shape[1] != 2:
        return np.empty((0, 2))
    return pts[np.isfinite(pts).all(axis=1)]


def site_radii(sites: pd.DataFrame, site_radius_km: float) -> np.ndarray:
    """Each site's matching radius: ``site_radius_km`` plus its ``coord_precision_km`` (0 when unknown).

    The true mine may lie anywhere within its precision of the registry's point, so an event within
    ``site_radius_km`` of the mine is within the sum of the two of the point: a district centroid with a
    50 km precision reaches 50 km farther than a pit surveyed to 0.1 km.
    """
    if "coord_precision_km" not in sites.columns:
        return np.full(len(sites), float(site_radius_km))
    precision = pd.to_numeric(sites["coord_precision_km"], errors="coerce").to_numpy(dtype=np.float64)
    return site_radius_km + np.where(np.isfinite(precision) & (precision > 0), precision, 0.0)


def reach_box(site: pd.Series, site_radius_km: float, route_corridor_km: float) -> Box | None:
    """A box holding every place an event exposed to ``site`` (a registry row) can be: within its radius
    of the site (``site_radii``) or within the corridor of its route. Each point of a route's segment is
    within half the segment of one of its ends, so a box around each waypoint, widened by half its longer
    segment, holds the corridor. None when no box can bound it (``geo.box_around``)."""
    boxes: list[Box | None] = []
    lat, lon = (float(pd.to_numeric(site.get(c), errors="coerce")) for c in ("lat", "lon"))
    if np.isfinite(lat) and np.isfinite(lon):  # an unlocated site has no exposures of its own
        boxes.append(box_around(lat, lon, float(site_radii(site.to_frame().T, site_radius_km)[0])))
    points = _route_points(site.get("route"))
    if len(points):
        lengths = haversine_km(points[:-1, 0], points[:-1, 1], points[1:, 0], points[1:, 1])
        half = np.maximum(np.append(lengths, 0.0), np.insert(lengths, 0, 0.0)) / 2.0
        boxes += [box_around(p[0], p[1], route_corridor_km + h) for p, h in zip(points, half, strict=True)]
    return box_union(boxes)


def route_pieces(sites: pd.DataFrame, route_corridor_km: float) -> RoutePieces:
    """The sites' routes (``sites["route"]``, in its order) cut into pieces for matching within the
    corridor: what ``match_events`` takes as ``routes`` to match batch after batch without parsing them
    again."""
    column = sites["route"] if "route" in sites.columns else [None] * len(sites)
    return RoutePieces([_route_points(r) for r in column], route_corridor_km)


def match_events(
    events: pd.DataFrame,
    sites: pd.DataFrame,
    site_radius_km: float,
    route_corridor_km: float,
    routes: RoutePieces | None = None,
) -> pd.DataFrame:
    """Exposures: events near a site (via 'site', ``site_radius_km``) or its route (``route_corridor_km``).

    ``events`` has columns id, lat, lon; ``sites`` has id, lat, lon and optionally route ([[lat, lon], ...]).
    A site without coordinates gets no 'site' rows, and no 'route' rows unless it has a route; a corridor of
    0 km turns route matching off. ``routes``: ``route_pieces`` of these ``sites`` and this corridor, kept
    by the caller (else built here). Rows are sorted by event id, site id, via.
    """
    pairs = _pairs(events, sites, site_radius_km, route_corridor_km, routes)
    return _exposure_frame(events, sites, *_ordered(events, sites, *pairs))


def _pairs(
    events: pd.DataFrame,
    sites: pd.DataFrame,
    site_radius_km: float,
    route_corridor_km: float,
    routes: RoutePieces | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``match_events``' exposures as arrays, in no order: event position, site position, km, and via (1 =
    'site', 0 = 'route': the sort order of the labels)."""
    ev_lat = pd.to_numeric(events["lat"], errors="coerce").to_numpy(dtype=np.float64)
    ev_lon = pd.to_numeric(events["lon"], errors="coerce").to_numpy(dtype=np.float64)
    site_lat = pd.to_numeric(sites["lat"], errors="coerce").to_numpy(dtype=np.float64)
    site_lon = pd.to_numeric(sites["lon"], errors="coerce").to_numpy(dtype=np.float64)
    q, p, d = pairs_within(ev_lat, ev_lon, site_lat, site_lon, site_radii(sites, site_radius_km))
    via = np.ones(q.size, dtype=np.int8)
    if route_corridor_km > 0 and "route" in sites.columns:
        pieces = route_pieces(sites, route_corridor_km) if routes is None else routes
        rq, rp, rd = pieces.pairs(ev_lat, ev_lon)
        q, p, d = np.concatenate([q, rq]), np.concatenate([p, rp]), np.concatenate([d, rd])
        via = np.concatenate([via, np.zeros(rq.size, np.int8)])
    return q, p, d, via


def nearest_exposures(
    events: pd.DataFrame,
    sites: pd.DataFrame,
    site_radius_km: float,
    route_corridor_km: float,
    routes: RoutePieces | None = None,
) -> pd.DataFrame:
    """``nearest(match_events(...))`` of the same arguments, without the frame of every exposure: only an
    event's exposures at its least distance are sorted and made rows. Matching a 300k import's blocks of
    100,000 events spent more on that frame (2M rows, the site ids as text) than on finding the pairs."""
    q, p, d, via = _pairs(events, sites, site_radius_km, route_corridor_km, routes)
    pick = _closest(_ranks(events["id"])[q], _ranks(sites["id"])[p], via, d)
    return _exposure_frame(events, sites, q[pick], p[pick], d[pick], via[pick])


def _ordered(
    events: pd.DataFrame, sites: pd.DataFrame, q: np.ndarray, p: np.ndarray, d: np.ndarray, via: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs (``_pairs``) sorted by event id, site id, via."""
    event_rank, site_rank = _ranks(events["id"]), _ranks(sites["id"])
    n_sites = max(len(sites), 1)
    order = argsort_keys((event_rank[q] * n_sites + site_rank[p]) * 2 + via, len(events) * n_sites * 2)
    return q[order], p[order], d[order], via[order]


def _closest(event: np.ndarray, site: np.ndarray, via: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Which exposure is each event's nearest: the positions, by event, of the least distance (a missing one
    after every known one), then the least site, then 'route' (via 0) before 'site'. ``event`` and ``site``
    are ranks in id order, ``via`` 0 or 1.

    Only the exposures at their event's least distance are sorted (an event's exposures are at least as
    many as the sites it is near, one or two of them that close): sorting every one by four keys, two of
    them text, took 40% of matching an import."""
    if event.size == 0:
        return np.empty(0, np.int64)
    n_events, n_sites = int(event.max()) + 1, int(site.max()) + 1
    least = np.full(n_events, np.nan)
    np.fmin.at(least, event, distance)  # NaN only for an event whose distances are all missing
    close = np.flatnonzero((distance == least[event]) | np.isnan(least[event]))
    key = (event[close] * n_sites + site[close]) * 2 + via[close]
    close = close[argsort_keys(key, n_events * n_sites * 2)]
    first = np.concatenate([[True], event[close][1:] != event[close][:-1]])
    return close[first]


def _exposure_frame(
    events: pd.DataFrame, sites: pd.DataFrame, q: np.ndarray, p: np.ndarray, d: np.ndarray, via: np.ndarray
) -> pd.DataFrame:
    """Exposure rows (``EXPOSURE_COLUMNS``) of the pairs of ``events`` and ``sites`` at positions ``q``,
    ``p``."""
    # take() on the columns' own arrays keeps their dtype and avoids re-parsing a million strings.
    return pd.DataFrame(
        {
            "event_id": events["id"].array.take(q),
            "site_id": sites["id"].array.take(p),
            "via": pd.array(["route", "site"], dtype="str").take(via),
            "distance_km": d,
        },
        columns=EXPOSURE_COLUMNS,
    )


def exposed(
    events: pd.DataFrame,
    sites: pd.DataFrame,
    site_radius_km: float,
    route_corridor_km: float,
    routes: RoutePieces | None = None,
    *,
    per_block: int = EVENTS_PER_BLOCK,
) -> pd.DataFrame:
    """Every exposure of ``events`` (``event_id``, ``lat``, ``lon`` and any other columns) to ``sites``, with
    the event's columns after ``EXPOSURE_COLUMNS``: the rows ``reads.events.exposures_in`` gives, matched here
    as ``match_events`` matched the stored ones (the same pairs and distances), ``per_block`` events at a
    time. Rows in ``match_events``' order within each block of events."""
    points = events[["event_id", "lat", "lon"]].rename(columns={"event_id": "id"})
    parts = [
        match_events(points.iloc[a : a + per_block], sites, site_radius_km, route_corridor_km, routes)
        for a in range(0, len(points), per_block)
    ]
    if not parts:  # no events: nothing to merge (an empty read's columns may not be typed as the ids)
        return pd.DataFrame(columns=[*EXPOSURE_COLUMNS, *(c for c in events.columns if c != "event_id")])
    return pd.concat(parts, ignore_index=True).merge(events, on="event_id", how="inner", sort=False)


def nearest(exposures: pd.DataFrame) -> pd.DataFrame:
    """Each event's nearest exposure of ``exposures`` (``EXPOSURE_COLUMNS``): the least distance, then the
    least site id, then 'route' before 'site'; one row per event, by event id (``_closest``)."""
    frame = exposures[list(EXPOSURE_COLUMNS)]
    event = pd.factorize(frame["event_id"], sort=True)[0].astype(np.int64)
    site = pd.factorize(frame["site_id"], sort=True)[0].astype(np.int64)
    via = (frame["via"].to_numpy() == "site").astype(np.int64)
    pick = _closest(event, site, via, frame["distance_km"].to_numpy(float))
    return frame.iloc[pick].reset_index(drop=True)


@dataclass(frozen=True)
class Reach:
    """Where an event counts for some ``sites`` (registry rows: ``id``, ``lat``, ``lon``, and optionally
    ``route`` and ``coord_precision_km``): within ``site_radius_km`` of a site or ``route_corridor_km`` of
    its route (``settings.matching``). ``routes``: the sites' ``route_pieces``, kept by the caller (else
    sampled here when first needed). A reader matches the events it reads with it: the store keeps no
    exposures, only each event's nearest site."""

    sites: pd.DataFrame
    site_radius_km: float
    route_corridor_km: float
    routes: RoutePieces | None = None

    def exposures(self, events: pd.DataFrame) -> pd.DataFrame:
        """``exposed(events, ...)``: every exposure of the ``events`` (``event_id``, ``lat``, ``lon`` and any
        other columns, kept after ``EXPOSURE_COLUMNS``) to these sites."""
        return exposed(events, self.sites, self.site_radius_km, self.route_corridor_km, self.routes)

    def nearest(self, events: pd.DataFrame) -> pd.DataFrame:
        """``nearest(self.exposures(events))``: each of the ``events``' (``event_id``, ``lat``, ``lon``)
        nearest exposure to these sites, by event id, without the frame of all of them."""
        points = events[["event_id", "lat", "lon"]].rename(columns={"event_id": "id"})
        return nearest_exposures(points, self.sites, self.site_radius_km, self.route_corridor_km, self.routes)

    def of(self, site_ids: Any) -> Reach:
        """The reach of some of these sites (``site_ids``; their routes sampled anew)."""
        chosen = self.sites[self.sites["id"].isin(list(site_ids))].reset_index(drop=True)
        return Reach(chosen, self.site_radius_km, self.route_corridor_km)

    @functools.cached_property
    def box(self) -> Box | None:
        """A box every exposed event lies in (``reach_box`` of each site); None when none bounds them (no
        site, or one reaching a pole or the antimeridian). Worth it for a few sites only: each costs a
        pass over its route."""
        if self.sites.empty:
            return None
        return box_union(
            reach_box(site, self.site_radius_km, self.route_corridor_km) for _, site in self.sites.iterrows()
        )


def _ranks(ids: pd.Series) -> np.ndarray:
    """Rank of each id in sorted order (ties by position), for a cheap integer sort key."""
    rank = np.empty(len(ids), np.int64)
    rank[ids.argsort(kind="stable").to_numpy()] = np.arange(len(ids))
    return rank
