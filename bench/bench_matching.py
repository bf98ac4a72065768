"""Benchmark: match 100,000 events x 10,000 sites (100 km) and filter 1,000,000 points; print the times."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from monitor.geo import within_any
from monitor.matching import match_events

N_EVENTS = 100_000
N_SITES = 10_000
N_POINTS = 1_000_000
RADIUS_KM = 100.0
CORRIDOR_KM = 25.0
ROUTE_WAYPOINTS = 5


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """The fastest of a few runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def frames(
    rng: np.random.Generator, lat_range: tuple[float, float], lon_range: tuple[float, float], routes: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events and sites spread uniformly over a lat/lon box; routes wander ~300 km from each site."""
    events = pd.DataFrame(
        {
            "id": np.arange(N_EVENTS),
            "lat": rng.uniform(*lat_range, N_EVENTS),
            "lon": rng.uniform(*lon_range, N_EVENTS),
        }
    )
    slat, slon = rng.uniform(*lat_range, N_SITES), rng.uniform(*lon_range, N_SITES)
    sites = pd.DataFrame({"id": [f"site-{i:05d}" for i in range(N_SITES)], "lat": slat, "lon": slon})
    if routes:
        steps = rng.normal(0, 0.5, (N_SITES, ROUTE_WAYPOINTS - 1, 2)).cumsum(axis=1)
        pts = (
            np.concatenate([np.zeros((N_SITES, 1, 2)), steps], axis=1)
            + np.stack([slat, slon], axis=1)[:, None]
        )
        sites["route"] = list(pts)
    return events, sites


def main() -> None:
    """Print one line per case."""
    rng = np.random.default_rng(0)
    cases = [
        ("global (lat -60..70)", (-60.0, 70.0), (-180.0, 180.0), False),
        ("global (lat -60..70)", (-60.0, 70.0), (-180.0, 180.0), True),
        ("Africa box (lat -35..15, lon -20..50)", (-35.0, 15.0), (-20.0, 50.0), False),
        ("Africa box (lat -35..15, lon -20..50)", (-35.0, 15.0), (-20.0, 50.0), True),
        # Stress: every site in a 20 x 20 degree box, ~60 sites within reach of each event.
        ("stress (lat -15..5, lon 15..35)", (-15.0, 5.0), (15.0, 35.0), False),
        ("stress (lat -15..5, lon 15..35)", (-15.0, 5.0), (15.0, 35.0), True),
    ]
    for label, lat_range, lon_range, routes in cases:
        events, sites = frames(rng, lat_range, lon_range, routes)
        corridor = CORRIDOR_KM if routes else 0.0
        seconds, out = best_of(functools.partial(match_events, events, sites, RADIUS_KM, corridor))
        assert isinstance(out, pd.DataFrame)
        counts = out["via"].value_counts().to_dict()
        print(
            f"match_events {label}, {N_EVENTS:,} events x {N_SITES:,} sites, {RADIUS_KM:g} km"
            f"{f', routes ({ROUTE_WAYPOINTS} waypoints, {CORRIDOR_KM:g} km)' if routes else ''}: "
            f"{seconds:.3f} s -> {counts}"
        )
    plat, plon = rng.uniform(-60, 70, N_SITES), rng.uniform(-180, 180, N_SITES)
    lat, lon = rng.uniform(-90, 90, N_POINTS), rng.uniform(-180, 180, N_POINTS)
    seconds, mask = best_of(lambda: within_any(lat, lon, plat, plon, RADIUS_KM))
    assert isinstance(mask, np.ndarray)
    print(
        f"within_any {N_POINTS:,} points x {N_SITES:,} sites, {RADIUS_KM:g} km: "
        f"{seconds:.3f} s -> {mask.sum():,} kept"
    )


if __name__ == "__main__":
    main()
