"""Space-time join: every pair of points at most ``radius_km`` and ``max_days`` apart, vectorised.

Points are bucketed by (day, latitude band, longitude cell), bands and cells one radius wide (at the equator),
and the bucket keys sorted once. A query then reads, for each day within reach and each neighbouring band,
one contiguous run of keys: the cells its circle can touch, widened by its latitude (``asin(sin(r/R) /
cos(lat))``), split in two where it wraps round the antimeridian, the whole band where it reaches a pole.
Only the points in those runs get an exact haversine distance, so the cost follows the number of nearby
pairs in time and space, never queries x points, whatever the span of days.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from monitor.geo import (
    EARTH_RADIUS_KM,
    FloatArray,
    IntArray,
    haversine_km,
)

__all__ = ["pairs_within_days"]

_KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0
_CHUNK_CANDIDATES = 4_000_000  # candidate pairs held in memory at once


def _wrap_lon(lon: FloatArray) -> FloatArray:
    """Longitudes into [-180, 180)."""
    return (lon + 180.0) % 360.0 - 180.0


def _lon_windows(
    lat: FloatArray, lon: FloatArray, radius_km: float
) -> tuple[tuple[FloatArray, FloatArray], tuple[IntArray, FloatArray, FloatArray]]:
    """The longitudes, shifted into [0, 360], that a circle of ``radius_km`` round each point can touch:
    ``(lo, hi)`` clipped to [0, 360] (every longitude where it reaches a pole), and for the points whose
    circle wraps round the antimeridian, ``(which, lo, hi)`` of the part on the other side."""
    lon360 = _wrap_lon(lon) + 180.0
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


def _expand(q: IntArray, start: IntArray, stop: IntArray) -> tuple[IntArray, IntArray]:
    """Slices (query, start, stop) as flat (query, position) pairs, without a Python loop."""
    counts = stop - start
    offsets = np.repeat(np.cumsum(counts) - counts - start, counts)
    return np.repeat(q, counts), np.arange(int(counts.sum()), dtype=np.int64) - offsets


class _Buckets:
    """Points sorted by their (day, band, cell) key; ``keys`` is that sorted key, ``ids`` the points."""

    def __init__(self, lat: FloatArray, lon: FloatArray, day: IntArray, radius_km: float, first_day: int):
        self.deg = max(radius_km / _KM_PER_DEG * (1 + 1e-9), 1e-4)
        self.n_bands = int(np.floor(180.0 / self.deg)) + 1
        self.n_cells = int(np.ceil(360.0 / self.deg))
        self.first_day = first_day
        ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
        key = self.row(day[ok], self.band(lat[ok])) * self.n_cells + self.cell(lon[ok] + 180.0)
        order = np.argsort(key, kind="stable")
        self.ids, self.keys = ok[order], key[order]

    def band(self, lat: FloatArray) -> IntArray:
        return np.clip(np.floor((lat + 90.0) / self.deg), 0, self.n_bands - 1).astype(np.int64)

    def cell(self, lon360: FloatArray) -> IntArray:
        return np.clip(np.floor(lon360 / self.deg), 0, self.n_cells - 1).astype(np.int64)

    def row(self, day: IntArray, band: IntArray) -> IntArray:
        """Row of (day, band); bands are shifted by one so that a pole's neighbour band exists (empty)."""
        return (day - self.first_day) * (self.n_bands + 2) + band + 1

    def runs(
        self, lat: FloatArray, lon: FloatArray, day: IntArray, radius_km: float, max_days: int
    ) -> tuple[IntArray, IntArray, IntArray]:
        """(query, start, stop) runs of ``ids`` holding every point that may be within reach of a query."""
        (main_lo, main_hi), (wraps, wrap_lo, wrap_hi) = _lon_windows(lat, lon, radius_km)
        band = self.band(lat)
        qs, starts, stops = [], [], []
        windows = ((np.arange(lat.size, dtype=np.int64), main_lo, main_hi), (wraps, wrap_lo, wrap_hi))
        for dd, db in itertools.product(range(-max_days, max_days + 1), (-1, 0, 1)):
            row = self.row(day + dd, band + db)
            for sel, w_lo, w_hi in windows:
                base = row[sel] * self.n_cells
                start = np.searchsorted(self.keys, base + self.cell(w_lo), side="left")
                stop = np.searchsorted(self.keys, base + self.cell(w_hi), side="right")
                keep = stop > start
                qs.append(sel[keep])
                starts.append(start[keep])
                stops.append(stop[keep])
        return np.concatenate(qs), np.concatenate(starts), np.concatenate(stops)


def _chunks(q: IntArray, start: IntArray, stop: IntArray) -> Iterator[tuple[IntArray, IntArray]]:
    """(query, position) candidate pairs, at most about ``_CHUNK_CANDIDATES`` at a time."""
    if q.size == 0:
        return
    cum = np.cumsum(stop - start)
    cuts = np.searchsorted(cum, np.arange(_CHUNK_CANDIDATES, int(cum[-1]), _CHUNK_CANDIDATES), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [q.size]]))
    for a, b in itertools.pairwise(bounds):
        yield _expand(q[a:b], start[a:b], stop[a:b])


def pairs_within_days(
    qlat: FloatArray,
    qlon: FloatArray,
    qday: IntArray,
    plat: FloatArray,
    plon: FloatArray,
    pday: IntArray,
    radius_km: float,
    max_days: int,
) -> tuple[IntArray, IntArray, FloatArray]:
    """All (query index, point index, km) with distance <= ``radius_km`` and |day difference| <=
    ``max_days`` (days as integers), sorted by query then point. NaN coordinates match nothing."""
    qla, qlo = np.asarray(qlat, np.float64), np.asarray(qlon, np.float64)
    pla, plo = np.asarray(plat, np.float64), np.asarray(plon, np.float64)
    qd, pd_ = np.asarray(qday, np.int64), np.asarray(pday, np.int64)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    if qla.size == 0 or pla.size == 0:
        return empty
    first_day = int(min(qd.min(), pd_.min())) - max_days - 1
    buckets = _Buckets(pla, _wrap_lon(plo), pd_, radius_km, first_day)
    ok = np.flatnonzero(np.isfinite(qla) & np.isfinite(qlo))
    found_q, found_p, found_d = [empty[0]], [empty[1]], [empty[2]]
    q, start, stop = buckets.runs(qla[ok], qlo[ok], qd[ok], radius_km, max_days)
    for qi, pos in _chunks(ok[q], start, stop):
        pi = buckets.ids[pos]
        near = np.abs(qd[qi] - pd_[pi]) <= max_days
        qi, pi = qi[near], pi[near]
        d = haversine_km(qla[qi], qlo[qi], pla[pi], plo[pi])
        hit = d <= radius_km
        found_q.append(qi[hit])
        found_p.append(pi[hit])
        found_d.append(d[hit])
    qq, pp, dd = np.concatenate(found_q), np.concatenate(found_p), np.concatenate(found_d)
    order = np.lexsort((pp, qq))
    return qq[order], pp[order], dd[order]
