"""The space-time join: exactly the pairs within the radius and the days, wherever on the globe."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.geo import haversine_km
from monitor.spacetime import pairs_within_days


def brute_force(
    lat: np.ndarray, lon: np.ndarray, day: np.ndarray, km: float, days: int
) -> set[tuple[int, int]]:
    distance = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    near = (distance <= km) & (np.abs(day[:, None] - day[None, :]) <= days)
    return set(zip(*(a.tolist() for a in np.nonzero(near)), strict=True))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("km", "days"), [(5.0, 0), (25.0, 1), (400.0, 2), (3000.0, 1)])
def test_the_join_finds_exactly_the_pairs_a_brute_force_finds(seed: int, km: float, days: int) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    # Anywhere, near a pole, in one crowded district, and astride the antimeridian.
    lat = np.concatenate([rng.uniform(-90, 90, n), rng.uniform(88, 90, n), rng.normal(-1.4, 0.2, n),
                          rng.uniform(-10, 10, n)])  # fmt: skip
    lon = np.concatenate([rng.uniform(-180, 180, n), rng.uniform(-180, 180, n), rng.normal(28.3, 0.2, n),
                          rng.choice([-179.95, 179.95], n) + rng.normal(0, 0.05, n)])  # fmt: skip
    day = rng.integers(20_000, 20_006, lat.size)
    q, p, d = pairs_within_days(lat, lon, day, lat, lon, day, km, days)
    assert set(zip(q.tolist(), p.tolist(), strict=True)) == brute_force(lat, lon, day, km, days)
    assert np.allclose(d, haversine_km(lat[q], lon[q], lat[p], lon[p]))
    assert list(zip(q.tolist(), p.tolist(), strict=True)) == sorted(zip(q.tolist(), p.tolist(), strict=True))


def test_points_without_coordinates_match_nothing_and_empty_inputs_give_no_pairs() -> None:
    lat, lon, day = np.array([1.0, np.nan, 1.0]), np.array([2.0, 2.0, 2.0]), np.array([5, 5, 5])
    q, p, _ = pairs_within_days(lat, lon, day, lat, lon, day, 10.0, 0)
    assert set(zip(q.tolist(), p.tolist(), strict=True)) == {(0, 0), (0, 2), (2, 0), (2, 2)}
    empty = np.empty(0)
    assert pairs_within_days(empty, empty, empty.astype(int), lat, lon, day, 10.0, 1)[0].size == 0


def test_days_apart_beyond_the_window_never_pair_however_close() -> None:
    lat, lon = np.array([-1.418, -1.418]), np.array([28.05, 28.05])
    q, _, _ = pairs_within_days(lat[:1], lon[:1], np.array([100]), lat, lon, np.array([100, 102]), 25.0, 1)
    assert q.tolist() == [0]
