"""Great-circle geometry on numpy arrays: distances, a grid spatial join, point-to-route distance.

The join sorts the larger of its two point sets by grid cell (latitude rows an eighth of the search radius
tall, cut into cells as many degrees wide) and queries it with the smaller one. For each query and each row
its circle crosses, the circle's exact longitude extent over that row's latitudes gives a run of cells, that
is one slice of the sorted points found by two binary searches (two when the window wraps across the
antimeridian; the whole row when the circle holds a pole). Only the points in those slices get an exact
haversine distance, so the cost follows the number of nearby pairs, never queries x points, and the
candidates are the circle's area plus a rim of cells. Candidates are expanded and tested a chunk at a time,
which bounds memory.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), in km."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = npt.ArrayLike
#: Latitudes and longitudes in degrees, (south, north, west, east) with west <= east: not across the
#: antimeridian.
Box = tuple[float, float, float, float]

_KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0
_MIN_ROW_DEG = 1e-5  # keeps the row count finite for a zero radius
_ROWS_PER_RADIUS = 8  # finer rows and cells: fewer wasted candidates, more (cheap) slices per query
_MAX_KEY = 1 << 40  # rows x cells stay below this (cells then get coarser, still correct)
_CHUNK_CANDIDATES = 1 << 16  # candidates tested at a time: their temporaries stay in the CPU's cache
_MARGIN_RAD = 1e-9  # widens every window a little: rounding never drops a point on the edge


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Great-circle distance in km between points given in degrees; the arguments broadcast."""
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def box_around(lat: float, lon: float, km: float) -> Box | None:
    """A box holding every point within ``km`` (great-circle) of (lat, lon), a little wider for rounding;
    None when no box without a wrap holds them (the circle reaches a pole or the antimeridian) or the
    point is not finite. The circle's longitudes reach ``asin(sin(radius) / cos(lat))`` either side of the
    centre's (at a latitude a little poleward of it)."""
    if not (math.isfinite(lat) and math.isfinite(lon) and math.isfinite(km)) or km < 0:
        return None
    radius = km / EARTH_RADIUS_KM + _MARGIN_RAD
    dlat = math.degrees(radius)
    south, north = lat - dlat, lat + dlat
    if south <= -90.0 or north >= 90.0:
        return None
    reach = math.sin(radius) / math.cos(math.radians(lat))
    if reach >= 1.0:
        return None
    dlon = math.degrees(math.asin(reach)) + math.degrees(_MARGIN_RAD)
    west, east = lon - dlon, lon + dlon
    if west < -180.0 or east > 180.0:
        return None
    return south, north, west, east


def box_union(boxes: Iterable[Box | None]) -> Box | None:
    """The smallest box holding every one of ``boxes``; None when one of them is None or there are none."""
    listed = list(boxes)
    if not listed or any(b is None for b in listed):
        return None
    south, north, west, east = zip(*(b for b in listed if b is not None), strict=True)
    return min(south), max(north), min(west), max(east)


def _as_points(lat: ArrayLike, lon: ArrayLike) -> tuple[FloatArray, FloatArray]:
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64)).ravel()
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64)).ravel()
    if la.shape != lo.shape:
        raise ValueError(f"lat and lon differ in length: {la.size} != {lo.size}")
    return la, lo


def _wrap_lon(lon: FloatArray) -> FloatArray:
    """Longitudes into [-180, 180)."""
    if lon.size and lon.min() >= -180.0 and lon.max() < 180.0:
        return lon  # the usual case; the modulo costs as much as the rest of a look-up
    return (lon + 180.0) % 360.0 - 180.0


class _Grid:
    """Points sorted by cell: latitude rows ``row_deg`` tall, each cut into cells ``row_deg`` of longitude
    wide. ``keys`` (row * n_cells + cell) are sorted, so the points of any run of cells in a row are one
    slice; ``ids`` gives each sorted point's index in the input, ``xyz`` its unit vector. NaN points are
    left out."""

    def __init__(
        self, lat: FloatArray, lon: FloatArray, radius_km: float, rows_per_radius: int = _ROWS_PER_RADIUS
    ) -> None:
        row_deg = max(radius_km / _KM_PER_DEG / rows_per_radius, _MIN_ROW_DEG)
        while np.ceil(180.0 / row_deg) * np.ceil(360.0 / row_deg) > _MAX_KEY:
            row_deg *= 2.0
        self.row_deg = row_deg
        self.n_rows = int(np.ceil(180.0 / row_deg))
        self.n_cells = int(np.ceil(360.0 / row_deg))
        ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
        keys = self._row(lat[ok]) * self.n_cells + self._cell(_wrap_lon(lon[ok]) + 180.0)
        order = argsort_keys(keys, self.n_rows * self.n_cells)
        self.ids = ok[order]
        self.keys = keys[order]
        self.xyz = _unit(lat[self.ids], lon[self.ids])

    def _row(self, lat: FloatArray) -> IntArray:
        return np.clip(np.floor((lat + 90.0) / self.row_deg), 0, self.n_rows - 1).astype(np.int64)

    def _cell(self, lon360: FloatArray) -> IntArray:
        """Cell of longitudes in [0, 360] (360 itself joins the last cell)."""
        return np.clip(np.floor(lon360 / self.row_deg), 0, self.n_cells - 1).astype(np.int64)

    def slices(
        self, lat: FloatArray, lon: FloatArray, delta: float | FloatArray
    ) -> tuple[IntArray, IntArray, IntArray]:
        """(query index, start, stop): slices of the sorted points holding every point within the angle
        ``delta`` (radians; one for all, or one per query) of each query. NaN queries get none."""
        ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
        # Queries in cell order, and the slices laid out row offset by row offset: the binary searches then
        # look up runs of ascending keys, several times faster than keys in no order.
        ok = ok[argsort_keys(self._row(lat[ok]) * self.n_cells + self._cell(lon[ok] + 180.0), _MAX_KEY)]
        qlat = lat[ok]
        each = delta if isinstance(delta, np.ndarray) else None
        reach = np.degrees(delta if each is None else each[ok]) * (1 + 1e-9) + 1e-9
        first, last = self._row(qlat - reach), self._row(qlat + reach)
        rows = first + np.arange(int((last - first).max(initial=0)) + 1)[:, None]  # (row offset, query)
        valid = rows <= last
        query, rows = np.broadcast_to(ok, rows.shape)[valid], rows[valid]
        qlat = lat[query]
        if each is not None:
            delta = each[query]
            reach = np.degrees(delta) * (1 + 1e-9) + 1e-9
        # The circle's latitudes within each row, then its longitude half-width over them.
        lo_lat = np.maximum(rows * self.row_deg - 90.0, qlat - reach)
        hi_lat = np.minimum((rows + 1) * self.row_deg - 90.0, qlat + reach)
        half = np.degrees(_half_width(np.radians(qlat), np.radians(lo_lat), np.radians(hi_lat), delta))
        half *= 1 + 1e-9
        half += 1e-9
        lon360 = _wrap_lon(lon[query]) + 180.0
        lo, hi = lon360 - half, lon360 + half
        full = half >= 180.0
        base = rows * self.n_cells
        starts = [base + self._cell(np.where(full, 0.0, lo))]  # _cell clips the window to [0, 360]
        stops = [base + self._cell(np.where(full, 360.0, hi))]
        # The part of a window that wraps round the antimeridian, as a second slice.
        wraps = np.flatnonzero(~full & ((lo < 0.0) | (hi > 360.0)))
        if wraps.size:
            under = lo[wraps] < 0.0
            starts.append(base[wraps] + self._cell(np.where(under, lo[wraps] + 360.0, 0.0)))
            stops.append(base[wraps] + self._cell(np.where(under, 360.0, hi[wraps] - 360.0)))
            query = np.concatenate([query, query[wraps]])
        start = np.searchsorted(self.keys, np.concatenate(starts), side="left")
        stop = np.searchsorted(self.keys, np.concatenate(stops), side="right")
        keep = stop > start
        return query[keep], start[keep], stop[keep]


def _half_width(phi0: FloatArray, lo: FloatArray, hi: FloatArray, delta: float | FloatArray) -> FloatArray:
    """Half the longitude extent (radians) of the circle of angular radius ``delta`` (one, or one per
    circle) about latitude ``phi0`` over the latitudes [lo, hi] (within its reach); pi where it spans every
    longitude (it holds a pole, or its radius is a quarter of the globe or more).

    Along a parallel phi the circle spans cos(dlon) = (cos d - sin phi0 sin phi) / (cos phi0 cos phi); the
    extent grows to its widest at sin phi = sin phi0 / cos d and shrinks after, so over [lo, hi] it is
    widest at that latitude clipped into the range.
    """
    if np.ndim(delta) == 0 and delta >= np.pi / 2:
        return np.full(np.broadcast(phi0, lo).shape, np.pi)
    cos_d = np.cos(delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        widest = np.arcsin(np.clip(np.sin(phi0) / cos_d, -1.0, 1.0))
        phi = np.clip(widest, lo, hi)
        cos_dlon = (cos_d - np.sin(phi0) * np.sin(phi)) / (np.cos(phi0) * np.cos(phi))
    half = np.arccos(np.clip(np.nan_to_num(cos_dlon, nan=-1.0), -1.0, 1.0)) + _MARGIN_RAD
    pole = np.pi / 2 - np.abs(phi0) <= delta + _MARGIN_RAD
    if np.ndim(delta):
        pole |= np.asarray(delta) >= np.pi / 2
    return np.where(pole, np.pi, half)


def argsort_keys(keys: IntArray, limit: int) -> IntArray:
    """A stable argsort of non-negative integer ``keys`` below ``limit``: a sort of the keys packed with
    their positions when both fit in 63 bits (numpy sorts values 3-10x faster than it argsorts)."""
    n = keys.size
    shift = max(int(n - 1).bit_length(), 1)
    if int(limit - 1).bit_length() + shift > 63:
        return np.argsort(keys, kind="stable")
    packed = np.sort((keys << shift) | np.arange(n, dtype=np.int64))
    return packed & ((1 << shift) - 1)


class _Join:
    """Pairs of two point sets within a radius: the larger set is indexed and the smaller queries it.

    The radius is one for all pairs, or one per reference point (the second set): a pair is within it when
    its distance is at most its reference point's radius (never for a NaN or negative one). Per-point radii
    on the querying side widen each query's own window; on the indexed side every window takes the largest.

    ``rows_per_radius``: how many grid rows the radius spans (``_Grid``).

    ``chunks`` yields, a bounded chunk of candidates at a time, each candidate's query (an index into the
    smaller set), its position among the indexed points sorted by cell (``grid.ids`` maps it to the larger
    set), its exact distance and whether that is within the radius. ``candidates`` is their total, an upper
    bound on the pairs.
    """

    def __init__(
        self,
        qla: FloatArray,
        qlo: FloatArray,
        pla: FloatArray,
        plo: FloatArray,
        radius_km: float | ArrayLike,
        rows_per_radius: int = _ROWS_PER_RADIUS,
    ):
        radius = np.asarray(radius_km, dtype=np.float64)
        self.q_radius: FloatArray | None = None
        self.p_radius: FloatArray | None = None
        if radius.ndim:
            radius = radius.ravel()
            if radius.size != pla.size:
                raise ValueError(f"{radius.size} radii for {pla.size} points")
            usable = radius[np.isfinite(radius)]
            self.radius_km = float(usable.max()) if usable.size else -1.0
            self.p_radius = radius
        else:
            self.radius_km = float(radius)
        self.swapped = qla.size > pla.size
        if self.swapped:
            qla, qlo, pla, plo = pla, plo, qla, qlo
            self.q_radius, self.p_radius = self.p_radius, None
        reach_km = max(self.radius_km, 0.0)
        self.grid = _Grid(pla, plo, reach_km, rows_per_radius)
        delta: float | FloatArray = min(reach_km / EARTH_RADIUS_KM, np.pi)
        if self.q_radius is not None:
            own = np.where(np.isfinite(self.q_radius), np.maximum(self.q_radius, 0.0), 0.0)
            delta = np.minimum(own / EARTH_RADIUS_KM, np.pi)
        self.query, self.start, stop = self.grid.slices(qla, qlo, delta)
        self.counts = stop - self.start
        self.candidates = int(self.counts.sum()) if self.radius_km >= 0 else 0
        self.vectors = _unit(qla[self.query], qlo[self.query])

    def chunks(self) -> Iterator[tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.bool_]]]:
        if self.candidates == 0:
            return
        cum = np.cumsum(self.counts)
        # Cut the slice list where the running candidate count passes each chunk boundary.
        cuts = np.searchsorted(cum, np.arange(_CHUNK_CANDIDATES, self.candidates, _CHUNK_CANDIDATES), "right")
        bounds = np.unique(np.concatenate([[0], cuts, [self.query.size]]))
        xyz = self.grid.xyz
        for a, b in itertools.pairwise(bounds):
            n = self.counts[a:b]
            before = cum[a] - n[0]
            pos = np.arange(int(cum[b - 1] - before), dtype=np.int64)
            pos -= np.repeat(cum[a:b] - n - self.start[a:b] - before, n)
            d = _chord_km(
                _chord2(xyz.take(pos, axis=0, mode="clip"), np.repeat(self.vectors[a:b], n, axis=0))
            )
            query = np.repeat(self.query[a:b], n)
            if self.q_radius is not None:
                hit = d <= self.q_radius[query]
            elif self.p_radius is not None:
                hit = d <= self.p_radius[self.grid.ids[pos]]
            else:
                hit = d <= self.radius_km
            yield query, pos, d, hit


def _chord2(p: FloatArray, q: FloatArray) -> FloatArray:
    """Squared chord lengths between rows of unit vectors, with as few temporary arrays as can be."""
    c2 = np.subtract(p[:, 0], q[:, 0])
    c2 *= c2
    for axis in (1, 2):
        t = np.subtract(p[:, axis], q[:, axis])
        t *= t
        c2 += t
    return c2


def _chord_km(chord2: FloatArray) -> FloatArray:
    """Great-circle km from squared chords of the unit sphere: 2 R asin(c / 2), exact at every distance
    (the haversine of the angle is (c / 2) squared)."""
    half = np.sqrt(chord2)
    half *= 0.5
    np.minimum(half, 1.0, out=half)
    np.arcsin(half, out=half)
    half *= 2.0 * EARTH_RADIUS_KM
    return half


def pairs_within(
    qlat: ArrayLike,
    qlon: ArrayLike,
    plat: ArrayLike,
    plon: ArrayLike,
    radius_km: float | ArrayLike,
    *,
    rows_per_radius: int = _ROWS_PER_RADIUS,
) -> tuple[IntArray, IntArray, FloatArray]:
    """All (query index, point index, distance km) with distance <= radius, in no particular order (the
    same for the same input): callers that need an order sort, most of them by a key of their own.

    ``radius_km`` is one radius, or one per point (``plat``'s length: a site's own matching radius).
    ``rows_per_radius``: finer grid rows waste fewer candidates but cost each query more slices; coarser
    ones pay off when the queries are many and their circles small (``RoutePieces``)."""
    join = _Join(*_as_points(qlat, qlon), *_as_points(plat, plon), radius_km, rows_per_radius)
    small, large = np.empty(join.candidates, np.int64), np.empty(join.candidates, np.int64)
    dist = np.empty(join.candidates, np.float64)
    k = 0
    for query, pos, d, hit in join.chunks():
        m = k + int(np.count_nonzero(hit))
        np.compress(hit, query, out=small[k:m])
        np.compress(hit, d, out=dist[k:m])
        np.take(join.grid.ids, pos[hit], out=large[k:m])
        k = m
    small, large, dist = small[:k], large[:k], dist[:k]
    return (large, small, dist) if join.swapped else (small, large, dist)


def within_any(
    lat: ArrayLike, lon: ArrayLike, plat: ArrayLike, plon: ArrayLike, radius_km: float | ArrayLike
) -> npt.NDArray[np.bool_]:
    """For each point, whether any of the reference points lies within the radius (False for NaN);
    ``radius_km`` is one radius or one per reference point."""
    la, lo = _as_points(lat, lon)
    join = _Join(la, lo, *_as_points(plat, plon), radius_km)
    found = np.zeros(la.size, dtype=bool)
    for query, pos, _, hit in join.chunks():
        found[join.grid.ids[pos[hit]] if join.swapped else query[hit]] = True
    return found


def _unit(lat: ArrayLike, lon: ArrayLike) -> FloatArray:
    """Unit vectors (..., 3) of points given in degrees."""
    p, lam = np.radians(np.asarray(lat, dtype=np.float64)), np.radians(np.asarray(lon, dtype=np.float64))
    out = np.empty((*p.shape, 3))
    cos_p = np.cos(p)
    np.multiply(cos_p, np.cos(lam), out=out[..., 0])
    np.multiply(cos_p, np.sin(lam), out=out[..., 1])
    np.sin(p, out=out[..., 2])
    return out


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
            g = v.take(seg, axis=0)
            return px * g[:, 0] + py * g[:, 1] + pz * g[:, 2]

        def end_angle(v: FloatArray) -> FloatArray:
            g = v.take(seg, axis=0)
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


def _pieces(
    a: FloatArray, b: FloatArray, piece_km: float
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """Each segment A-B (unit vectors) cut into equal pieces at most ``piece_km`` long: each piece's
    midpoint (lat, lon), its segment's index and its half-length in km. Every point of a piece is within
    its half-length of its midpoint, along the piece."""
    theta = _angle(a, b)
    n = np.maximum(np.ceil(theta * EARTH_RADIUS_KM / piece_km), 1).astype(np.int64)
    seg = np.repeat(np.arange(len(a), dtype=np.int64), n)
    first = np.cumsum(n) - n
    t = (np.arange(n.sum()) - np.repeat(first, n) + 0.5) / n[seg]  # the middle of each piece
    th = theta[seg]
    sin_th = np.sin(th)
    small = sin_th < 1e-12
    wa = np.where(small, 1.0 - t, np.sin((1.0 - t) * th) / np.where(small, 1.0, sin_th))
    wb = np.where(small, t, np.sin(t * th) / np.where(small, 1.0, sin_th))
    v = wa[:, None] * a[seg] + wb[:, None] * b[seg]
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    lat = np.degrees(np.arcsin(np.clip(v[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    return lat, lon, seg, th * EARTH_RADIUS_KM / (2.0 * n[seg])


def route_pairs_within(
    lat: ArrayLike, lon: ArrayLike, routes: Sequence[ArrayLike], radius_km: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """(point index, route index, distance km) for points within the radius of a route, sorted.

    A route is an ordered sequence of [lat, lon] waypoints. Candidates come from a grid join against the
    midpoints of the segments' pieces; each candidate (point, segment) then gets its exact distance, and the
    nearest segment of each route is kept. ``RoutePieces`` keeps the routes' part for batch after batch.
    """
    return RoutePieces(routes, radius_km).pairs(lat, lon)


class RoutePieces:
    """Routes made ready for ``route_pairs_within``: their segments, cut into pieces, for one radius. Built
    once and queried with batch after batch of points.

    A point within the radius r of a segment is within r + h of the midpoint of one of its pieces, h being
    the piece's half-length (the triangle inequality), so one join of the points with the midpoints, each
    with its own reach r + h, finds every candidate (point, segment), each segment's exact distance then
    decides. Pieces are at most ``PIECE_RADII`` radii long: longer ones reach too far (the area a piece's
    circle wastes grows as its square), shorter ones are more queries. Against points sampled along the
    routes a radius apart, each a circle of r + r/2 (a point then found by several samples of one
    segment), this halved the matching along the bench's 10,000 routes (0.57 to 0.27-0.29 s for 100,000
    events; ``docs/benchmarks.md``)."""

    #: A piece's length at most, in radii (at least ``PIECE_RADII`` km for a radius under 1 km).
    PIECE_RADII = 4.0

    def __init__(self, routes: Sequence[ArrayLike], radius_km: float) -> None:
        a, b, self.seg_route = _route_segments(routes)
        self.radius_km = radius_km
        self.n_segments = len(a)
        self.segments = _Segments(a, b)
        piece_km = self.PIECE_RADII * max(radius_km, 1.0)
        self.lat, self.lon, self.seg, half = _pieces(self.segments.a, self.segments.b, piece_km)
        self.reach_km = radius_km + half
        self.multi = bool(np.any(self.seg[1:] == self.seg[:-1]))  # some segment has several pieces

    def pairs(self, lat: ArrayLike, lon: ArrayLike) -> tuple[IntArray, IntArray, FloatArray]:
        """(point index, route index, distance km) for the points within the radius of a route, sorted."""
        la, lo = _as_points(lat, lon)
        empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
        n_seg, radius_km = self.n_segments, self.radius_km
        if n_seg == 0 or la.size == 0 or radius_km < 0:
            return empty
        # Many small circles: grid rows half their radius tall (not an eighth) spare most of the slices.
        qi, si, _ = pairs_within(la, lo, self.lat, self.lon, self.reach_km, rows_per_radius=2)
        if qi.size == 0:
            return empty
        # Sorted by point then segment; each (point, segment) once when a segment has several pieces. Not
        # np.unique: numpy 2.4's takes 4.6 s for 4M distinct int64 keys, where sorting them takes 0.1 s.
        keys = np.sort(qi * n_seg + self.seg[si])
        if self.multi:
            keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        pt, sg = keys // n_seg, keys % n_seg
        d = np.empty(pt.size)
        for i in range(0, pt.size, _CHUNK_CANDIDATES):  # in chunks: the temporaries stay in the CPU's cache
            part = slice(i, i + _CHUNK_CANDIDATES)
            d[part] = self.segments.distance_km(_unit(la[pt[part]], lo[pt[part]]), sg[part])
        hit = d <= radius_km
        pt, rt, d = pt[hit], self.seg_route[sg[hit]], d[hit]
        if pt.size == 0:
            return empty
        # Segments are numbered route by route, so each (point, route) is one run: keep its nearest segment.
        start = np.flatnonzero(np.concatenate([[True], (pt[1:] != pt[:-1]) | (rt[1:] != rt[:-1])]))
        return pt[start], rt[start], np.minimum.reduceat(d, start)
