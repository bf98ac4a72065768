from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
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


# ---- the bundled registry (its size and coverage: test_registry.py) ----------------------------------------
def test_bundled_registry_parses_cleanly(bundled: sites.SitesParse) -> None:
    assert bundled.errors == []
    assert bundled.unknown_columns == []
    assert {row["origin"] for row in bundled.rows} == {"bundled"}
    assert {row["updated_at"] for row in bundled.rows} == {datetime(2025, 4, 20, 12, 0)}


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
    assert set(reasons) == {f"line {n}" for n in (3, 4, 5, 6, 9, 10, 11, 12, 13)}
    assert "lat '-95'" in reasons["line 3"] and "out of range" in reasons["line 3"]
    assert "country 'ZZ'" in reasons["line 4"]
    assert reasons["line 5"].startswith("lon is empty")
    assert "places item 'Town Two'" in reasons["line 6"]
    assert "duplicate" in reasons["line 9"] and "line 2" in reasons["line 9"]
    assert "route" in reasons["line 10"] and "one waypoint" in reasons["line 10"]
    assert "status 'closed'" in reasons["line 11"]
    assert reasons["line 13"].startswith("coord_precision_km is empty")
    assert next(b for b in user_parse.errors if b.ref == "line 3").raw.startswith("bad_lat,Bad Latitude")


def test_a_bad_row_is_rejected_with_every_problem_it_has(user_parse: sites.SitesParse) -> None:
    reason = next(b.reason for b in user_parse.errors if b.ref == "line 12")
    problems = reason.split("; ")
    assert problems[0].startswith("no coordinates: lat and lon are empty")
    assert any(p.startswith("unknown commodity gold") and "tin" in p for p in problems)
    assert any(p.startswith("annual_output_t '-5' is out of range") for p in problems)
    assert len(problems) == 3


def test_user_rows_are_normalised_and_typed(user_parse: sites.SitesParse) -> None:
    rows = _by_id(user_parse)
    alpha, zeta = rows["alpha_pit"], rows["zeta_flat"]
    assert (alpha["country"], alpha["commodity"], alpha["commodities"]) == ("CD", "tin", "tin")
    assert alpha["aliases"] == ["Alpha", "A-Pit"]
    assert alpha["places"] == [{"name": "Alpha Village", "lat": -1.51, "lon": 28.49}]
    assert alpha["route"] == [[-1.5, 28.5], [-1.6, 29.0]]
    assert alpha["annual_output_t"] == 1200.0 and alpha["output_year"] is None
    assert alpha["outputs"] == [{"commodity": "tin", "tonnes": 1200.0, "year": None}]
    assert alpha["coord_precision_km"] == 0.5
    assert alpha["origin"] == "user" and "updated_at" not in alpha
    assert (zeta["lat"], zeta["lon"], zeta["status"], zeta["operator"]) == (-13.0, 28.0, "halted", "")
    assert set(alpha) == {*sites.SITE_COLUMNS, "origin"}


def _one(extra_header: str, extra_cells: str, commodity: str = "copper") -> sites.SitesParse:
    text = (
        f"id,name,operator,country,commodity,lat,lon,coord_precision_km,{extra_header}\n"
        f"kcc,Kamoto,KCC,CD,{commodity},-10.7,25.4,2,{extra_cells}\n"
    )
    return sites.parse_sites_csv(text, origin="user")


def test_outputs_give_each_commodity_its_figure_and_fill_the_main_one() -> None:
    parse = _one("commodities,outputs", "copper;cobalt,copper:270000:2020;cobalt:27600:2023")
    (row,) = parse.rows
    assert (row["annual_output_t"], row["output_year"]) == (270_000.0, 2020)
    assert row["outputs"] == [
        {"commodity": "copper", "tonnes": 270_000.0, "year": 2020},
        {"commodity": "cobalt", "tonnes": 27_600.0, "year": 2023},
    ]


@pytest.mark.parametrize(
    ("header", "cells", "problem"),
    [
        (
            "commodities,outputs",
            "copper,cobalt:100:2023",
            "outputs names cobalt, not among the site's commodities",
        ),
        ("outputs", "copper:lots:2023", "outputs item 'copper:lots:2023': tonnes 'lots' is not a number"),
        ("outputs", "copper:100", "outputs item 'copper:100' is not commodity:tonnes:year"),
        ("outputs", "copper::2023", "has no tonnes (leave an unknown output out)"),
        ("outputs", "copper:1:2023;copper:2:2024", "outputs names copper more than once"),
        ("annual_output_t,output_year,outputs", "5,2023,copper:6:2023", "disagree with outputs' copper 6 t"),
        ("commodities,outputs", "copper;gold,gold:30:2024", "unknown commodity gold"),
    ],
)
def test_bad_outputs_are_rejected_saying_why(header: str, cells: str, problem: str) -> None:
    parse = _one(header, cells)
    assert parse.rows == []
    assert problem in parse.errors[0].reason


def test_a_by_product_without_a_figure_may_be_any_commodity_key() -> None:
    (row,) = _one("commodities", "copper;gold;silver").rows
    assert row["commodities"] == "copper;gold;silver"
    assert "unknown commodity" in _one("commodities", "", commodity="gold").errors[0].reason


def test_the_new_source_columns_are_kept() -> None:
    (row,) = _one(
        "output_source,route_source,status_source", "Glencore 2024 report,AFP 2022,ARECOMS 2025"
    ).rows
    assert (row["output_source"], row["route_source"], row["status_source"]) == (
        "Glencore 2024 report",
        "AFP 2022",
        "ARECOMS 2025",
    )


def test_unknown_columns_are_reported(user_parse: sites.SitesParse) -> None:
    assert user_parse.unknown_columns == ["licence_no"]


def test_missing_required_columns_raise_input_error_naming_them() -> None:
    with pytest.raises(InputError, match="operator, lon"):
        sites.parse_sites_csv("id,name,country,commodity,lat\nx,X,CD,tin,-1\n", origin="user")
    with pytest.raises(InputError, match="empty"):
        sites.parse_sites_csv("", origin="user")


def test_a_row_longer_than_the_header_is_rejected() -> None:
    text = (
        "id,name,operator,country,commodity,lat,lon,coord_precision_km\n"
        "ok,Ok,,CD,tin,-1,28,1\nlong,Long,,CD,tin,-1,28,1,extra\n"
    )
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
    assert sites.sync_sites(fresh_store, _read("user_sites.csv", now), now) == ["alpha_pit", "zeta_flat"]
    assert sites.sync_sites(fresh_store, _read("user_sites.csv", now), now) == []
    assert sites.sync_sites(fresh_store, _read("user_sites_v2.csv", later), later) == [
        "alpha_pit",
        "kappa_lode",
    ]
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
    assert zeta["lat"] == -13.0 and zeta["aliases"] == ["Zeta", "Z Flat"] and zeta["places"] == []


def test_the_bundled_registry_round_trips_through_the_store(
    fresh_store: Store, bundled: sites.SitesParse, now: datetime
) -> None:
    assert len(sites.sync_sites(fresh_store, bundled, now)) == len(bundled.rows)
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
        "id,name,operator,country,commodity,lat,lon,coord_precision_km,annual_output_t\n"
        "bisie,Bisie (user figures),Alphamin,CD,tin,-1.03,27.73,2,17300\n",
        origin="user",
    )
    merged = sites.SitesParse([*bundled.rows, *override.rows], [], [])
    assert len(sites.sync_sites(fresh_store, merged, now)) == len(bundled.rows)
    bisie = sites.sites_frame(fresh_store).set_index("id").loc["bisie"]
    assert (bisie["name"], bisie["annual_output_t"], bisie["origin"]) == (
        "Bisie (user figures)",
        17300.0,
        "user",
    )


def test_the_registry_is_read_anew_when_another_handle_writes_it_with_the_same_stamp(
    fresh_store: Store, database_url: str, now: datetime
) -> None:
    sites.sync_sites(fresh_store, _read("user_sites.csv", now), now)
    assert sites.sites_frame(fresh_store).set_index("id").loc["alpha_pit", "name"] == "Alpha Pit"
    other = Store.from_url(database_url)
    try:
        # Same stamp, same number of sites: only the write's own version token tells the change.
        changed = _read("user_sites.csv", now)
        rows = [{**r, "name": "Alpha Pit (renamed)"} if r["id"] == "alpha_pit" else r for r in changed.rows]
        sites.sync_sites(other, sites.SitesParse(rows, [], []), now)
    finally:
        other.engine.dispose()
    assert sites.sites_frame(fresh_store).set_index("id").loc["alpha_pit", "name"] == "Alpha Pit (renamed)"


def test_a_caller_changing_its_registry_frame_leaves_the_next_read_as_stored(
    fresh_store: Store, now: datetime
) -> None:
    sites.sync_sites(fresh_store, _read("user_sites.csv", now), now)
    mine = sites.sites_frame(fresh_store)
    mine.loc[:, "name"] = "changed"
    mine["extra"] = 1
    again = sites.sites_frame(fresh_store)
    assert "changed" not in set(again["name"]) and list(again.columns) == list(sites.FRAME_COLUMNS)


def test_one_site_reads_as_its_row_of_the_whole_registry(fresh_store: Store, now: datetime) -> None:
    sites.sync_sites(fresh_store, _read("user_sites.csv", now), now)
    every = sites.sites_frame(fresh_store)
    site_id = str(every["id"].iloc[-1])
    one = sites.site_frame(fresh_store, site_id)
    expected = every[every["id"] == site_id].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, expected)
    assert sites.site_frame(fresh_store, "no such site").empty
