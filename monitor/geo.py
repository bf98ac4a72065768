"""Great-circle geometry on numpy arrays: distances, a grid spatial join, point-to-route distance.

The join buckets points into grid cells: latitude bands one search radius tall, cut into longitude cells
a quarter of that wide. A query reads its own band and both neighbours over a longitude window widened by
its latitude (``asin(sin(r/R) / cos(lat))``), wrapped across the antimeridian, and the whole band when its
circle reaches a pole. Only the points in those cells get an exact haversine distance, so the cost follows
the number of nearby pairs, never queries x points.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), in km."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = npt.ArrayLike

_KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0
_MIN_BAND_DEG = 1e-4  # keeps the band count finite for a zero radius
_CHUNK_CANDIDATES = 4_000_000  # candidate pairs held in memory at once
_CELLS_PER_BAND = 4  # longitude cells per band height: finer cells, fewer wasted candidates
_MAX_CELLS = 4_000_000  # caps the cell table for tiny radii (cells then get wider, still correct)


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Great-circle distance in km between points given in degrees; the arguments broadcast."""
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _as_points(lat: ArrayLike, lon: ArrayLike) -> tuple[FloatArray, FloatArray]:
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64)).ravel()
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64)).ravel()
    if la.shape != lo.shape:
        raise ValueError(f"lat and lon differ in length: {la.size} != {lo.size}")
    return la, lo


def wrap_lon(lon: FloatArray) -> FloatArray:
    """Longitudes into [-180, 180)."""
    if lon.size and lon.min() >= -180.0 and lon.max() < 180.0:
        return lon  # the usual case; the modulo costs as much as the rest of a look-up
    return (lon + 180.0) % 360.0 - 180.0


def lon_windows(
    lat: FloatArray, lon: FloatArray, radius_km: float
) -> tuple[tuple[FloatArray, FloatArray], tuple[IntArray, FloatArray, FloatArray]]:
    """The longitudes, shifted into [0, 360], that a circle of ``radius_km`` round each point can touch:
    ``(lo, hi)`` clipped to [0, 360] (the whole circle of longitudes where it reaches a pole), and for the
    points whose circle wraps round the antimeridian, ``(which, lo, hi)`` of the part on the other side."""
    lon360 = wrap_lon(lon) + 180.0
    delta = radius_km / EARTH_RADIUS_KM
    cos_lat = np.cos(np.radians(lat))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.degrees(np.arcsin(np.clip(np.sin(delta) / cos_lat, 0.0, 1.0)))
    full = (np.sin(delta) >= cos_lat) | (delta >= np.pi / 2)  # the circle reaches a pole
    half = np.where(full, 180.0, half * (1 + 1e-9) + 1e-9)
    lo, hi = lon360 - half, lon360 + half
    main = (np.where(full, 0.0, np.maximum(lo, 0.0)), np.where(full, 360.0, np.minimum(hi, 360.0)))
    wraps = np.flatnonzero(((lo < 0) | (hi > 360.0)) & ~full)
    wrap_lo = np.where(lo[wraps] < 0, lo[wraps] + 360.0, 0.0)
    wrap_hi = np.where(lo[wraps] < 0, 360.0, hi[wraps] - 360.0)
    return main, (wraps, wrap_lo, wrap_hi)


class _Grid:
    """Points bucketed into cells: latitude bands one radius tall, each cut into longitude cells.

    Points are ordered by cell (a counting sort), and ``starts[row * n_cells + cell]`` is where a cell's
    points begin, so any run of cells in a band is one slice found by two look-ups: no search, no sort of
    the queries. Rows are bands shifted by one, with an empty band above and below the poles so
    neighbours need no bounds checks. NaN points are left out.
    """

    def __init__(self, lat: FloatArray, lon: FloatArray, radius_km: float) -> None:
        self.band_deg = max(radius_km / _KM_PER_DEG * (1 + 1e-9), _MIN_BAND_DEG)
        self.n_bands = int(np.floor(180.0 / self.band_deg)) + 1
        per_band = np.ceil(360.0 * _CELLS_PER_BAND / self.band_deg)
        self.n_cells = int(max(1, min(per_band, _MAX_CELLS // (self.n_bands + 2))))
        self.cell_deg = 360.0 / self.n_cells
        ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
        row = self._band(lat[ok]).astype(np.int64) + 1
        cell = row * self.n_cells + self._cell(wrap_lon(lon[ok]) + 180.0)
        self.ids = ok[np.argsort(cell, kind="stable")]
        counts = np.bincount(cell, minlength=(self.n_bands + 2) * self.n_cells)
        self.starts = np.concatenate([[0], np.cumsum(counts)])

    def _band(self, lat: FloatArray) -> FloatArray:
        return np.clip(np.floor((lat + 90.0) / self.band_deg), 0, self.n_bands - 1)

    def _cell(self, lon360: FloatArray) -> IntArray:
        """Longitude cell of longitudes in [0, 360] (360 itself joins the last cell)."""
        return np.minimum(np.floor(lon360 / self.cell_deg).astype(np.int64), self.n_cells - 1)

    def _slices(self, row: IntArray, lo: FloatArray, hi: FloatArray) -> tuple[IntArray, IntArray]:
        """Slices of ``ids`` covering the cells that hold longitudes [lo, hi] (within [0, 360]) of rows."""
        base = row * self.n_cells
        return self.starts[base + self._cell(lo)], self.starts[base + self._cell(hi) + 1]

    def ranges(
        self, lat: FloatArray, lon: FloatArray, radius_km: float
    ) -> tuple[IntArray, IntArray, IntArray]:
        """(query index, start, stop) slices of ``ids`` holding every point that may lie within the radius."""
        ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
        qlat = lat[ok]
        band = self._band(qlat)
        (main_lo, main_hi), (wraps, wrap_lo, wrap_hi) = lon_windows(qlat, lon[ok], radius_km)
        row = band.astype(np.int64) + 1
        qs, starts, stops = [], [], []
        for step in (-1, 0, 1):
            for sel, w_lo, w_hi in ((ok, main_lo, main_hi), (ok[wraps], wrap_lo, wrap_hi)):
                r = (row if sel is ok else row[wraps]) + step
                start, stop = self._slices(r, w_lo, w_hi)
                qs.append(sel)
                starts.append(start)
                stops.append(stop)
        q, start, stop = np.concatenate(qs), np.concatenate(starts), np.concatenate(stops)
        keep = stop > start
        return q[keep], start[keep], stop[keep]


def expand_slices(q: IntArray, start: IntArray, stop: IntArray) -> tuple[IntArray, IntArray]:
    """Turn slices (query, start, stop) into flat (query, position) pairs without a Python loop."""
    counts = stop - start
    total = int(counts.sum())
    offsets = np.repeat(np.cumsum(counts) - counts - start, counts)
    return np.repeat(q, counts), np.arange(total, dtype=np.int64) - offsets


def _candidates(
    qlat: FloatArray, qlon: FloatArray, plat: FloatArray, plon: FloatArray, radius_km: float
) -> Iterator[tuple[IntArray, IntArray]]:
    """Yield chunks of candidate (query index, point index) pairs, a superset of the pairs within reach."""
    index = _Grid(plat, plon, radius_km)
    if index.ids.size == 0:
        return
    q, start, stop = index.ranges(qlat, qlon, radius_km)
    if q.size == 0:
        return
    cum = np.cumsum(stop - start)
    # Cut the slice list where the running candidate count passes each chunk boundary.
    cuts = np.searchsorted(cum, np.arange(_CHUNK_CANDIDATES, int(cum[-1]), _CHUNK_CANDIDATES), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [q.size]]))
    for a, b in itertools.pairwise(bounds):
        qi, pos = expand_slices(q[a:b], start[a:b], stop[a:b])
        yield qi, index.ids[pos]


class _Rad:
    """Points in radians with their latitude cosines, computed once for many distance look-ups."""

    def __init__(self, lat: FloatArray, lon: FloatArray) -> None:
        self.phi = np.radians(lat)
        self.lam = np.radians(lon)
        self.cos = np.cos(self.phi)

    def hav(self, i: IntArray, other: _Rad, j: IntArray) -> FloatArray:
        """The haversine term h of pairs (self[i], other[j]); distance = 2 R asin(sqrt(h))."""
        return (
            np.sin((other.phi[j] - self.phi[i]) / 2.0) ** 2
            + self.cos[i] * other.cos[j] * np.sin((other.lam[j] - self.lam[i]) / 2.0) ** 2
        )


def _h_limit(radius_km: float) -> float:
    """The haversine term at the radius, a touch above so the exact km test decides the boundary."""
    return float(np.sin(min(radius_km / EARTH_RADIUS_KM, np.pi) / 2.0) ** 2) * (1 + 1e-9) + 1e-15


def pairs_within(
    qlat: ArrayLike, qlon: ArrayLike, plat: ArrayLike, plon: ArrayLike, radius_km: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """All (query index, point index, distance km) with distance <= radius, sorted by query then point."""
    qla, qlo = _as_points(qlat, qlon)
    pla, plo = _as_points(plat, plon)
    qr, pr, limit = _Rad(qla, qlo), _Rad(pla, plo), _h_limit(radius_km)
    out_q, out_p, out_d = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0, np.float64)]
    for qi, pi in _candidates(qla, qlo, pla, plo, radius_km):
        h = qr.hav(qi, pr, pi)
        near = h <= limit
        qi, pi = qi[near], pi[near]
        d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h[near], 0.0, 1.0)))
        hit = d <= radius_km
        out_q.append(qi[hit])
        out_p.append(pi[hit])
        out_d.append(d[hit])
    q, p, d = np.concatenate(out_q), np.concatenate(out_p), np.concatenate(out_d)
    order = np.argsort(q * max(pla.size, 1) + p)
    return q[order], p[order], d[order]


def within_any(
    lat: ArrayLike, lon: ArrayLike, plat: ArrayLike, plon: ArrayLike, radius_km: float
) -> npt.NDArray[np.bool_]:
    """For each point, whether any of the reference points lies within the radius (False for NaN)."""
    la, lo = _as_points(lat, lon)
    pla, plo = _as_points(plat, plon)
    qr, pr, limit = _Rad(la, lo), _Rad(pla, plo), _h_limit(radius_km)
    found = np.zeros(la.size, dtype=bool)
    for qi, pi in _candidates(la, lo, pla, plo, radius_km):
        h = qr.hav(qi, pr, pi)
        near = h <= limit
        d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h[near], 0.0, 1.0)))
        found[qi[near][d <= radius_km]] = True
    return found


def _unit(lat: ArrayLike, lon: ArrayLike) -> FloatArray:
    """Unit vectors (..., 3) of points given in degrees."""
    p, lam = np.radians(np.asarray(lat, dtype=np.float64)), np.radians(np.asarray(lon, dtype=np.float64))
    return np.stack([np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)], axis=-1)


def _angle(u: FloatArray, v: FloatArray) -> FloatArray:
    """Angle between unit vectors, accurate at all sizes (atan2 of |u x v| and u . v)."""
    return np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.einsum("...i,...i->...", u, v))


class _Segments:
    """Great-circle segments A-B with what the exact distance needs, computed once per segment.

    N is the unit normal of the great circle through A and B; a point P projects between A and B exactly
    when P . (N x A) >= 0 and P . (B x N) >= 0, and its cross-track angle is asin(|P . N|).
    """

    def __init__(self, a: FloatArray, b: FloatArray) -> None:
        self.a = _unit(a[:, 0], a[:, 1])
        self.b = _unit(b[:, 0], b[:, 1])
        normal = np.cross(self.a, self.b)
        norm = np.linalg.norm(normal, axis=1, keepdims=True)
        self.degenerate = norm[:, 0] < 1e-12  # A == B: the segment is a point
        self.n = normal / np.where(norm == 0, 1.0, norm)
        self.u = np.cross(self.n, self.a)
        self.v = np.cross(self.b, self.n)

    def distance_km(self, p: FloatArray, seg: IntArray) -> FloatArray:
        """Exact distance of unit vectors ``p`` (m, 3) to segments ``seg`` (m,)."""
        px, py, pz = p[:, 0], p[:, 1], p[:, 2]

        def dot(v: FloatArray) -> FloatArray:
            g = v[seg]
            return px * g[:, 0] + py * g[:, 1] + pz * g[:, 2]

        def end_angle(v: FloatArray) -> FloatArray:
            g = v[seg]
            chord = np.sqrt((px - g[:, 0]) ** 2 + (py - g[:, 1]) ** 2 + (pz - g[:, 2]) ** 2)
            return 2.0 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))

        inside = (dot(self.u) >= 0) & (dot(self.v) >= 0) & ~self.degenerate[seg]
        cross_track = np.arcsin(np.clip(np.abs(dot(self.n)), 0.0, 1.0))
        to_ends = np.minimum(end_angle(self.a), end_angle(self.b))
        return EARTH_RADIUS_KM * np.where(inside, cross_track, to_ends)


def point_segment_km(
    lat: ArrayLike, lon: ArrayLike, alat: ArrayLike, alon: ArrayLike, blat: ArrayLike, blon: ArrayLike
) -> FloatArray:
    """Exact distance in km from points to great-circle segments A-B (element-wise, broadcasting).

    Cross-track distance when the point projects between A and B on the minor arc, else the nearer end.
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (lat, lon, alat, alon, blat, blon))
    )
    shape = arrays[0].shape
    la, lo, a_lat, a_lon, b_lat, b_lon = (x.ravel() for x in arrays)
    segments = _Segments(np.stack([a_lat, a_lon], axis=1), np.stack([b_lat, b_lon], axis=1))
    d = segments.distance_km(_unit(la, lo), np.arange(la.size))
    return d.reshape(shape)


def _route_segments(routes: Sequence[ArrayLike]) -> tuple[FloatArray, FloatArray, IntArray]:
    """Segments (A, B as (n, 2) lat/lon) and their route index; a one-waypoint route is a point."""
    arrays = [np.asarray(route, dtype=np.float64).reshape(-1, 2) for route in routes]
    if not arrays:
        empty = np.empty((0, 2))
        return empty, empty, np.empty(0, np.int64)
    pts = np.concatenate(arrays)
    rid = np.repeat(np.arange(len(arrays), dtype=np.int64), [len(a) for a in arrays])
    ok = np.isfinite(pts).all(axis=1)
    pts, rid = pts[ok], rid[ok]
    counts = np.bincount(rid, minlength=len(arrays))
    # A lone waypoint becomes a zero-length segment: its route is then a point.
    lone = np.flatnonzero(counts[rid] == 1)
    pts = np.concatenate([pts, pts[lone]])
    rid = np.concatenate([rid, rid[lone]])
    order = np.argsort(rid, kind="stable")
    pts, rid = pts[order], rid[order]
    same = rid[1:] == rid[:-1]
    return pts[:-1][same], pts[1:][same], rid[:-1][same]


def _densify(a: FloatArray, b: FloatArray, step_km: float) -> tuple[FloatArray, FloatArray, IntArray]:
    """Sample points (lat, lon, segment index) along each segment, at most ``step_km`` apart."""
    ua, ub = _unit(a[:, 0], a[:, 1]), _unit(b[:, 0], b[:, 1])
    theta = _angle(ua, ub)
    n = np.ceil(theta * EARTH_RADIUS_KM / step_km).astype(np.int64) + 1
    seg = np.repeat(np.arange(len(a), dtype=np.int64), n)
    first = np.cumsum(n) - n
    t = (np.arange(n.sum()) - np.repeat(first, n)) / np.repeat(np.maximum(n - 1, 1), n)
    th = theta[seg]
    sin_th = np.sin(th)
    small = sin_th < 1e-12
    wa = np.where(small, 1.0 - t, np.sin((1.0 - t) * th) / np.where(small, 1.0, sin_th))
    wb = np.where(small, t, np.sin(t * th) / np.where(small, 1.0, sin_th))
    v = wa[:, None] * ua[seg] + wb[:, None] * ub[seg]
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    lat = np.degrees(np.arcsin(np.clip(v[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    return lat, lon, seg


def route_pairs_within(
    lat: ArrayLike, lon: ArrayLike, routes: Sequence[ArrayLike], radius_km: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """(point index, route index, distance km) for points within the radius of a route, sorted.

    A route is an ordered sequence of [lat, lon] waypoints. Candidates come from a band join against
    points sampled along the segments; each candidate (point, segment) then gets its exact distance, and the
    nearest segment of each route is kept.
    """
    la, lo = _as_points(lat, lon)
    a, b, seg_route = _route_segments(routes)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    if len(a) == 0 or la.size == 0 or radius_km < 0:
        return empty
    step = max(radius_km, 1.0)
    slat, slon, sseg = _densify(a, b, step)
    # Any point within r of a segment is within r + step/2 of one of its samples.
    qi, si, _ = pairs_within(la, lo, slat, slon, radius_km + step / 2.0)
    if qi.size == 0:
        return empty
    # pairs_within sorts by point then sample, and samples run in segment order: repeats are adjacent.
    sg = sseg[si]
    first = np.ones(qi.size, dtype=bool)
    first[1:] = (qi[1:] != qi[:-1]) | (sg[1:] != sg[:-1])
    pt, sg = qi[first], sg[first]
    d = _Segments(a, b).distance_km(_unit(la[pt], lo[pt]), sg)
    hit = d <= radius_km
    pt, rt, d = pt[hit], seg_route[sg[hit]], d[hit]
    if pt.size == 0:
        return empty
    # Segments are numbered route by route, so each (point, route) is one run: keep its nearest segment.
    start = np.flatnonzero(np.concatenate([[True], (pt[1:] != pt[:-1]) | (rt[1:] != rt[:-1])]))
    return pt[start], rt[start], np.minimum.reduceat(d, start)
