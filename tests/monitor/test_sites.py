from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor import sites
from monitor.errors import InputError
from monitor.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
WALIKALE = (-1.418, 28.050)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (kept local so these tests do not depend on geo.py)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def bundled() -> sites.SitesParse:
    return sites.load_bundled(datetime(2025, 4, 20, 12, 0))


@pytest.fixture(scope="module")
def user_parse() -> sites.SitesParse:
    text = (FIXTURES / "user_sites.csv").read_text(encoding="utf-8")
    return sites.parse_sites_csv(text, origin="user")


def _by_id(parse: sites.SitesParse) -> dict[str, dict]:
    return {row["id"]: row for row in parse.rows}


# ---- the bundled registry ----------------------------------------------------------------------------------
def test_bundled_registry_parses_cleanly_with_at_least_forty_sites(bundled: sites.SitesParse) -> None:
    assert bundled.errors == []
    assert bundled.unknown_columns == []
    assert len(bundled.rows) >= 40
    assert {row["origin"] for row in bundled.rows} == {"bundled"}
    assert {row["updated_at"] for row in bundled.rows} == {datetime(2025, 4, 20, 12, 0)}


def test_every_located_site_states_precision_and_source_and_unlocated_ones_say_so(
    bundled: sites.SitesParse,
) -> None:
    for row in bundled.rows:
        assert row["source"], row["id"]
        if row["lat"] is None:
            assert row["lon"] is None and row["coord_precision_km"] is None, row["id"]
            assert "coordinates" in row["notes"].lower(), row["id"]
        else:
            assert row["coord_precision_km"] is not None and row["coord_precision_km"] > 0, row["id"]
            assert row["coord_source"], row["id"]
    located = [row for row in bundled.rows if row["lat"] is not None]
    assert len(located) >= 30


def test_derived_and_centroid_points_are_flagged_in_their_coordinate_source(
    bundled: sites.SitesParse,
) -> None:
    rows = _by_id(bundled)
    assert rows["kisanfu"]["coord_source"].startswith("DERIVED")
    assert "centroid" in rows["kolwezi_artisanal"]["coord_source"]
    assert rows["kolwezi_artisanal"]["coord_precision_km"] >= 10


def test_bisie_carries_its_coordinates_aliases_places_and_road_to_goma(bundled: sites.SitesParse) -> None:
    bisie = _by_id(bundled)["bisie"]
    assert (bisie["country"], bisie["commodity"], bisie["status"]) == ("CD", "tin", "operating")
    assert bisie["lat"] == pytest.approx(-1.033, abs=0.01)
    assert bisie["lon"] == pytest.approx(27.733, abs=0.01)
    assert {"Mpama North", "Mpama South", "Alphamin Bisie Mining"} <= set(bisie["aliases"])
    places = {p["name"]: (p["lat"], p["lon"]) for p in bisie["places"]}
    assert {"Walikale", "Masisi", "Sake", "Goma"} <= set(places)
    assert _km(places["Walikale"], WALIKALE) < 1
    route = [tuple(point) for point in bisie["route"]]
    assert len(route) >= 3
    assert _km(route[0], (bisie["lat"], bisie["lon"])) < 1
    assert min(_km(point, WALIKALE) for point in route) < 5
    assert _km(route[-1], places["Goma"]) < 5
    assert bisie["annual_output_t"] > 0 and bisie["output_year"] >= 2020


def test_every_main_commodity_has_a_world_production_row_in_matching_units(bundled: sites.SitesParse) -> None:
    world = sites.commodities_frame().set_index("commodity")
    assert world.index.is_unique
    assert (world["world_production_t"] > 0).all()
    assert (world["unit"] != "").all() and (world["source"] != "").all()
    for row in bundled.rows:
        assert row["commodity"] in world.index, row["id"]
        # Output and world production share a unit, so no single site exceeds the world.
        if row["annual_output_t"] is not None:
            assert row["annual_output_t"] < world.loc[row["commodity"], "world_production_t"], row["id"]


def test_commodities_frame_types_its_columns() -> None:
    frame = sites.commodities_frame()
    assert list(frame.columns) == ["commodity", "world_production_t", "year", "unit", "source"]
    assert frame["world_production_t"].dtype == float
    tin = frame.set_index("commodity").loc["tin"]
    assert tin["world_production_t"] == pytest.approx(300_000)
    assert tin["year"] == 2024


# ---- user CSVs -------------------------------------------------------------------------------------------
def test_a_user_csv_keeps_its_good_rows_and_rejects_bad_ones_by_line(user_parse: sites.SitesParse) -> None:
    assert [row["id"] for row in user_parse.rows] == ["alpha_pit", "zeta_flat"]
    reasons = {bad.ref: bad.reason for bad in user_parse.errors}
    assert set(reasons) == {"line 3", "line 4", "line 5", "line 6", "line 9", "line 10", "line 11"}
    assert "lat '-95'" in reasons["line 3"] and "out of range" in reasons["line 3"]
    assert "country 'ZZ'" in reasons["line 4"]
    assert reasons["line 5"].startswith("lon is empty")
    assert "places item 'Town Two'" in reasons["line 6"]
    assert "duplicate" in reasons["line 9"] and "line 2" in reasons["line 9"]
    assert "route" in reasons["line 10"] and "one waypoint" in reasons["line 10"]
    assert "status 'closed'" in reasons["line 11"]
    assert next(b for b in user_parse.errors if b.ref == "line 3").raw.startswith("bad_lat,Bad Latitude")


def test_user_rows_are_normalised_and_typed(user_parse: sites.SitesParse) -> None:
    rows = _by_id(user_parse)
    alpha, zeta = rows["alpha_pit"], rows["zeta_flat"]
    assert (alpha["country"], alpha["commodity"], alpha["commodities"]) == ("CD", "tin", "tin")
    assert alpha["aliases"] == ["Alpha", "A-Pit"]
    assert alpha["places"] == [{"name": "Alpha Village", "lat": -1.51, "lon": 28.49}]
    assert alpha["route"] == [[-1.5, 28.5], [-1.6, 29.0]]
    assert alpha["annual_output_t"] == 1200.0 and alpha["output_year"] is None
    assert alpha["origin"] == "user" and "updated_at" not in alpha
    assert (zeta["lat"], zeta["lon"], zeta["status"], zeta["operator"]) == (None, None, "halted", "")
    assert set(alpha) == {*sites.SITE_COLUMNS, "origin"}


def test_unknown_columns_are_reported(user_parse: sites.SitesParse) -> None:
    assert user_parse.unknown_columns == ["licence_no"]


def test_missing_required_columns_raise_input_error_naming_them() -> None:
    with pytest.raises(InputError, match="operator, lon"):
        sites.parse_sites_csv("id,name,country,commodity,lat\nx,X,CD,tin,-1\n", origin="user")
    with pytest.raises(InputError, match="empty"):
        sites.parse_sites_csv("", origin="user")


def test_a_row_longer_than_the_header_is_rejected() -> None:
    text = "id,name,operator,country,commodity,lat,lon\nok,Ok,,CD,tin,-1,28\nlong,Long,,CD,tin,-1,28,extra\n"
    parse = sites.parse_sites_csv(text, origin="user")
    assert [row["id"] for row in parse.rows] == ["ok"]
    assert [(b.ref, b.reason) for b in parse.errors] == [
        ("line 3", "the row has 1 more cells than the header")
    ]


# ---- the store -------------------------------------------------------------------------------------------
def _read(name: str, now: datetime) -> sites.SitesParse:
    return sites.parse_sites_csv((FIXTURES / name).read_text(encoding="utf-8"), origin="user", now=now)


def test_importing_twice_keeps_one_row_per_id_and_updates_changed_fields(
    fresh_store: Store, now: datetime
) -> None:
    later = now + timedelta(days=1)
    assert sites.sync_sites(fresh_store, _read("user_sites.csv", now), now) == 2
    assert sites.sync_sites(fresh_store, _read("user_sites.csv", now), now) == 2
    assert sites.sync_sites(fresh_store, _read("user_sites_v2.csv", later), later) == 2
    frame = sites.sites_frame(fresh_store)
    assert sorted(frame["id"]) == ["alpha_pit", "kappa_lode", "zeta_flat"]
    alpha = frame.set_index("id").loc["alpha_pit"]
    assert alpha["name"] == "Alpha Pit (expanded)"
    assert alpha["annual_output_t"] == 2500.0
    assert alpha["status"] == "halted"
    assert alpha["aliases"] == ["Alpha", "A-Pit", "Alpha North"]
    assert alpha["route"] == [[-1.5, 28.5], [-1.6, 29.0], [-1.7, 29.2]]
    assert alpha["updated_at"].replace(tzinfo=None) == later.replace(tzinfo=None)
    zeta = frame.set_index("id").loc["zeta_flat"]
    assert math.isnan(zeta["lat"]) and zeta["aliases"] == ["Zeta", "Z Flat"] and zeta["places"] == []


def test_the_bundled_registry_round_trips_through_the_store(
    fresh_store: Store, bundled: sites.SitesParse, now: datetime
) -> None:
    assert sites.sync_sites(fresh_store, bundled, now) == len(bundled.rows)
    frame = sites.sites_frame(fresh_store).set_index("id")
    assert len(frame) == len(bundled.rows)
    assert list(frame.reset_index().columns) == list(sites.FRAME_COLUMNS)
    bisie = frame.loc["bisie"]
    assert bisie["places"][0] == {"name": "Walikale", "lat": -1.418, "lon": 28.05}
    assert bisie["output_year"] == 2023 and bisie["origin"] == "bundled"
    assert frame["name"].map(type).eq(str).all() and frame["notes"].map(type).eq(str).all()


def test_a_user_row_overrides_a_bundled_site_with_the_same_id(
    fresh_store: Store, bundled: sites.SitesParse, now: datetime
) -> None:
    override = sites.parse_sites_csv(
        "id,name,operator,country,commodity,lat,lon,annual_output_t\n"
        "bisie,Bisie (user figures),Alphamin,CD,tin,-1.03,27.73,17300\n",
        origin="user",
    )
    merged = sites.SitesParse([*bundled.rows, *override.rows], [], [])
    assert sites.sync_sites(fresh_store, merged, now) == len(bundled.rows)
    bisie = sites.sites_frame(fresh_store).set_index("id").loc["bisie"]
    assert (bisie["name"], bisie["annual_output_t"], bisie["origin"]) == (
        "Bisie (user figures)",
        17300.0,
        "user",
    )
