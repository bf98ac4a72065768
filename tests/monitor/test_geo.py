"""Great-circle distances, the band join against brute force, and exact point-to-route distance."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from monitor.geo import (
    EARTH_RADIUS_KM,
    box_around,
    box_union,
    haversine_km,
    pairs_within,
    point_segment_km,
    route_pairs_within,
    within_any,
)

BISIE = (-1.0333, 27.7333)
WALIKALE = (-1.418, 28.050)


def brute_pairs(qlat, qlon, plat, plon, radius_km):
    d = haversine_km(np.asarray(qlat)[:, None], np.asarray(qlon)[:, None], plat[None, :], plon[None, :])
    q, p = np.nonzero(d <= radius_km)
    return q, p, d[q, p]


def sorted_pairs(q, p, d):
    """Pairs in (query, point) order, as brute_pairs gives them (pairs_within promises no order)."""
    order = np.lexsort((p, q))
    return q[order], p[order], d[order]


def test_bisie_to_walikale_is_about_55_km():
    assert haversine_km(*BISIE, *WALIKALE) == pytest.approx(55.4, abs=0.5)


def test_known_distances():
    one_degree = np.pi * EARTH_RADIUS_KM / 180
    assert haversine_km(0, 0, 1, 0) == pytest.approx(one_degree)
    assert haversine_km(0, 179.5, 0, -179.5) == pytest.approx(one_degree)
    assert haversine_km(0, 0, 0, 180) == pytest.approx(np.pi * EARTH_RADIUS_KM)
    assert haversine_km(89.9, 0, 89.9, 180) == pytest.approx(0.2 * one_degree, rel=1e-6)


def test_haversine_broadcasts():
    d = haversine_km(np.array([[0.0], [10.0]]), 0.0, 0.0, np.array([0.0, 1.0, 2.0]))
    assert d.shape == (2, 3)
    assert d[0, 0] == 0.0
    assert d[1, 0] == pytest.approx(haversine_km(10, 0, 0, 0))


def _cloud(rng, n, where):
    if where == "global":
        return rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)
    if where == "antimeridian":
        return rng.uniform(-20, 20, n), rng.choice([-1.0, 1.0], n) * rng.uniform(176, 180, n)
    if where == "north_pole":
        return rng.uniform(86, 90, n), rng.uniform(-180, 180, n)
    if where == "south_pole":
        return rng.uniform(-90, -87, n), rng.uniform(-180, 180, n)
    if where == "dense":
        return rng.uniform(-3, 3, n), rng.uniform(25, 31, n)
    raise AssertionError(where)


@pytest.mark.parametrize("where", ["global", "antimeridian", "north_pole", "south_pole", "dense"])
@pytest.mark.parametrize("radius_km", [0.5, 60.0, 250.0, 3000.0])
def test_pairs_within_equals_brute_force(where, radius_km):
    rng = np.random.default_rng(7)
    qlat, qlon = _cloud(rng, 700, where)
    plat, plon = _cloud(rng, 500, where)
    # Some exact duplicates and points on the ±180 meridian.
    plat[:5], plon[:5] = qlat[:5], qlon[:5]
    plon[5:8] = 180.0
    plon[8:11] = -180.0
    got = sorted_pairs(*pairs_within(qlat, qlon, plat, plon, radius_km))
    want = brute_pairs(qlat, qlon, plat, plon, radius_km)
    assert len(want[0]) > 0
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_allclose(got[2], want[2])


@pytest.mark.parametrize("where", ["global", "antimeridian", "north_pole", "dense"])
def test_within_any_equals_brute_force(where):
    rng = np.random.default_rng(11)
    lat, lon = _cloud(rng, 2000, where)
    plat, plon = _cloud(rng, 50, where)
    want = np.zeros(lat.size, bool)
    want[brute_pairs(lat, lon, plat, plon, 100.0)[0]] = True
    got = within_any(lat, lon, plat, plon, 100.0)
    assert want.any() and not want.all()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("where", ["global", "antimeridian", "north_pole", "south_pole", "dense"])
@pytest.mark.parametrize(("n_query", "n_points"), [(700, 60), (60, 700)])
def test_pairs_within_per_point_radii_equal_brute_force_whichever_set_is_indexed(where, n_query, n_points):
    # Fewer points than queries: the radii sit on the querying side of the join; more: on the indexed side.
    rng = np.random.default_rng(5)
    qlat, qlon = _cloud(rng, n_query, where)
    plat, plon = _cloud(rng, n_points, where)
    radii = rng.uniform(0.0, 400.0, n_points)
    radii[:3] = [np.nan, -5.0, 0.0]  # a NaN or negative radius never matches
    plat[2], plon[2] = qlat[0], qlon[0]  # radius 0 still matches its own point
    d = haversine_km(qlat[:, None], qlon[:, None], plat[None, :], plon[None, :])
    want_q, want_p = np.nonzero(d <= radii[None, :])
    got = sorted_pairs(*pairs_within(qlat, qlon, plat, plon, radii))
    assert 0 < len(want_q) < n_query * n_points
    np.testing.assert_array_equal(got[0], want_q)
    np.testing.assert_array_equal(got[1], want_p)
    np.testing.assert_allclose(got[2], d[want_q, want_p])
    assert 2 in got[1] and not {0, 1} & set(got[1].tolist())
    hit = np.zeros(n_query, bool)
    hit[want_q] = True
    np.testing.assert_array_equal(within_any(qlat, qlon, plat, plon, radii), hit)


def test_a_wider_radius_reaches_only_its_own_point():
    # Two reference points 100 km from the query (one degree of latitude is 111 km): only the one whose own
    # radius covers the distance matches.
    q, p, _ = pairs_within([0.0], [0.0], [1.0, -1.0], [0.0, 0.0], [120.0, 100.0])
    assert (q.tolist(), p.tolist()) == ([0], [0])


def test_per_point_radii_must_be_one_per_point():
    with pytest.raises(ValueError, match="2 radii for 3 points"):
        pairs_within([0.0], [0.0], [0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [10.0, 10.0])


def test_antimeridian_neighbours_are_found():
    _, p, d = pairs_within([0.0], [179.9], [0.0, 0.0], [-179.9, 170.0], 50.0)
    assert p.tolist() == [0]
    assert d[0] == pytest.approx(haversine_km(0, 179.9, 0, -179.9))


def test_points_across_the_pole_are_found():
    _, p, _ = pairs_within([89.8], [0.0], [89.8, 80.0], [180.0, 0.0], 50.0)
    assert p.tolist() == [0]


def test_nan_points_never_match():
    q, p, _ = pairs_within([0.0, np.nan], [0.0, 0.0], [0.0, np.nan, 0.0], [0.0, 0.0, np.nan], 10.0)
    assert list(zip(q.tolist(), p.tolist(), strict=True)) == [(0, 0)]
    assert within_any([np.nan, 0.0], [0.0, 0.0], [0.0], [0.0], 10.0).tolist() == [False, True]


def test_empty_inputs():
    q, p, d = pairs_within([], [], [0.0], [0.0], 10.0)
    assert q.size == p.size == d.size == 0
    assert within_any([1.0], [1.0], [], [], 10.0).tolist() == [False]


def test_pairs_within_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="differ"):
        pairs_within([0.0, 1.0], [0.0], [0.0], [0.0], 10.0)


def test_point_segment_cross_track_inside_segment():
    # The equator from 0 to 10 E; a point 1 degree north of 5 E is one degree of arc away.
    assert point_segment_km(1.0, 5.0, 0.0, 0.0, 0.0, 10.0) == pytest.approx(haversine_km(1, 5, 0, 5))


def test_point_segment_clamps_to_the_ends():
    assert point_segment_km(0.0, 12.0, 0.0, 0.0, 0.0, 10.0) == pytest.approx(haversine_km(0, 12, 0, 10))
    assert point_segment_km(1.0, -3.0, 0.0, 0.0, 0.0, 10.0) == pytest.approx(haversine_km(1, -3, 0, 0))


def test_point_segment_on_the_segment_is_zero():
    assert point_segment_km(0.0, 4.0, 0.0, 0.0, 0.0, 10.0) == pytest.approx(0.0, abs=1e-6)


def test_point_segment_of_a_degenerate_segment_is_point_distance():
    assert point_segment_km(5.0, 5.0, 1.0, 1.0, 1.0, 1.0) == pytest.approx(haversine_km(5, 5, 1, 1))


def test_point_segment_across_the_antimeridian():
    assert point_segment_km(1.0, 180.0, 0.0, 179.0, 0.0, -179.0) == pytest.approx(haversine_km(1, 0, 0, 0))


def test_point_segment_matches_dense_sampling():
    rng = np.random.default_rng(3)
    n = 200
    alat, alon = rng.uniform(-60, 60, n), rng.uniform(-180, 180, n)
    blat, blon = alat + rng.uniform(-3, 3, n), alon + rng.uniform(-3, 3, n)
    lat, lon = alat + rng.uniform(-4, 4, n), alon + rng.uniform(-4, 4, n)
    exact = point_segment_km(lat, lon, alat, alon, blat, blon)
    # Normalised chords A..B trace the great-circle arc; the nearest of 4001 samples approximates it.
    t = np.linspace(0, 1, 4001)[:, None]
    a = np.stack(
        [
            np.cos(np.radians(alat)) * np.cos(np.radians(alon)),
            np.cos(np.radians(alat)) * np.sin(np.radians(alon)),
            np.sin(np.radians(alat)),
        ],
        axis=-1,
    )
    b = np.stack(
        [
            np.cos(np.radians(blat)) * np.cos(np.radians(blon)),
            np.cos(np.radians(blat)) * np.sin(np.radians(blon)),
            np.sin(np.radians(blat)),
        ],
        axis=-1,
    )
    v = (1 - t)[..., None] * a[None] + t[..., None] * b[None]
    v /= np.linalg.norm(v, axis=-1, keepdims=True)
    slat, slon = np.degrees(np.arcsin(v[..., 2])), np.degrees(np.arctan2(v[..., 1], v[..., 0]))
    sampled = haversine_km(lat[None], lon[None], slat, slon).min(axis=0)
    assert np.all(exact <= sampled + 1e-6)
    np.testing.assert_allclose(exact, sampled, atol=0.2)


def _routes():
    return [
        np.array([[0.0, 0.0], [0.0, 2.0], [1.0, 3.0]]),
        np.array([[0.5, 1.0]]),  # one waypoint: a point
        np.empty((0, 2)),  # no route
        np.array([[0.0, 179.0], [0.0, -179.0], [np.nan, np.nan]]),  # across the antimeridian, a bad waypoint
        np.array([[89.0, 0.0], [89.0, 120.0], [89.0, -120.0]]),  # near the pole
    ]


@pytest.mark.parametrize(
    ("radius", "spread", "reached"),
    [(80.0, 1.0, {0, 1, 3, 4}), (5.0, 0.1, {0, 1, 3, 4}), (0.5, 0.01, {0, 3})],
)
def test_route_pairs_within_equals_min_over_segments(radius: float, spread: float, reached: set[int]) -> None:
    # Pieces are at most four radii long: the segments here are cut into 1 to 5,000 pieces.
    rng = np.random.default_rng(5)
    routes = _routes()
    near_lat = np.repeat([0.0, 0.0, 1.0, 0.5], 600)[rng.permutation(2400)[:1500]]
    lat = np.concatenate(
        [
            np.where(rng.random(1500) < 0.5, rng.uniform(-2, 3, 1500), rng.normal(near_lat, spread)),
            rng.uniform(-2, 2, 500) * spread,
            rng.uniform(86, 90, 500),
        ]
    )
    lon = np.concatenate([rng.uniform(-2, 5, 1500), rng.uniform(176, 184, 500), rng.uniform(-180, 180, 500)])
    lon = (lon + 180) % 360 - 180
    got = route_pairs_within(lat, lon, routes, radius)
    want_p, want_r, want_d = [], [], []
    for r, route in enumerate(routes):
        pts = route[np.isfinite(route).all(axis=1)]
        if len(pts) == 0:
            continue
        if len(pts) == 1:
            pts = np.vstack([pts, pts])
        d = np.min([point_segment_km(lat, lon, *a, *b) for a, b in itertools.pairwise(pts)], axis=0)
        hit = np.flatnonzero(d <= radius)
        want_p += hit.tolist()
        want_r += [r] * hit.size
        want_d += d[hit].tolist()
    order = np.lexsort((want_r, want_p))
    assert len(order) > 20
    np.testing.assert_array_equal(got[0], np.asarray(want_p)[order])
    np.testing.assert_array_equal(got[1], np.asarray(want_r)[order])
    np.testing.assert_allclose(got[2], np.asarray(want_d)[order])
    assert set(got[1].tolist()) == reached


def test_route_distance_is_to_the_nearest_segment_not_waypoint():
    # Waypoints 400 km apart; a point beside the middle of the segment is 11 km away, far from both ends.
    _, r, d = route_pairs_within([0.1], [1.8], [[[0.0, 0.0], [0.0, 3.6]]], 20.0)
    assert r.tolist() == [0]
    assert d[0] == pytest.approx(haversine_km(0.1, 1.8, 0.0, 1.8), rel=1e-6)


def test_route_pairs_within_with_no_routes():
    p, r, d = route_pairs_within([0.0], [0.0], [np.empty((0, 2))], 50.0)
    assert p.size == r.size == d.size == 0


@pytest.mark.parametrize(
    ("lat", "lon", "km"), [(-1.03, 27.73, 150.0), (62.0, 10.0, 400.0), (-70.0, -60.0, 50.0)]
)
def test_a_box_around_a_point_holds_every_point_within_the_distance(
    lat: float, lon: float, km: float
) -> None:
    box = box_around(lat, lon, km)
    assert box is not None
    south, north, west, east = box
    rng = np.random.default_rng(5)
    # Points on and just inside the circle, all round: the box's edges are where they reach farthest.
    bearing = rng.uniform(0, 2 * np.pi, 20_000)
    angle = km / EARTH_RADIUS_KM * rng.choice([1.0, 0.999999, 0.5], 20_000)
    phi, lam = np.radians(lat), np.radians(lon)
    plat = np.arcsin(np.sin(phi) * np.cos(angle) + np.cos(phi) * np.sin(angle) * np.cos(bearing))
    plon = lam + np.arctan2(
        np.sin(bearing) * np.sin(angle) * np.cos(phi), np.cos(angle) - np.sin(phi) * np.sin(plat)
    )
    plat, plon = np.degrees(plat), np.degrees(plon)
    assert (haversine_km(lat, lon, plat, plon) <= km + 1e-6).all()
    assert ((plat >= south) & (plat <= north) & (plon >= west) & (plon <= east)).all()
    # ... and not much more than that: the box is the circle's, not the world.
    assert north - south < 2.01 * np.degrees(km / EARTH_RADIUS_KM)
    assert plat.max() > north - 0.01 and plon.max() > east - 0.01


def test_no_box_is_given_across_a_pole_or_the_antimeridian_and_a_union_of_one_without_is_none() -> None:
    assert box_around(89.0, 0.0, 200.0) is None
    assert box_around(0.0, 179.5, 100.0) is None
    assert box_around(float("nan"), 0.0, 10.0) is None
    assert box_union([box_around(0.0, 0.0, 10.0), None]) is None
    assert box_union([]) is None
    assert box_union([(0.0, 1.0, 2.0, 3.0), (-1.0, 0.5, 2.5, 4.0)]) == (-1.0, 1.0, 2.0, 4.0)
