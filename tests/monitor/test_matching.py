"""Events -> sites and routes by distance; notices -> sites by mine, alias, operator and place names."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from monitor import sites as registry
from monitor.geo import haversine_km
from monitor.matching import (
    EXPOSURE_COLUMNS,
    NoticeLinks,
    Reach,
    SiteTextIndex,
    match_events,
    nearest,
    operator_labels,
    reach_box,
    route_pieces,
    site_radii,
)

BISIE = (-1.0333, 27.7333)
WALIKALE = (-1.418, 28.050)
SAKE = (-1.573, 29.045)


def _sites() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # Route: Bisie -> Walikale -> Sake (a coarse version of the road to Goma).
            {
                "id": "bisie",
                "lat": BISIE[0],
                "lon": BISIE[1],
                "route": [list(BISIE), list(WALIKALE), list(SAKE)],
            },
            {"id": "rubaya", "lat": -1.558, "lon": 28.884, "route": []},
            {"id": "ghost", "lat": np.nan, "lon": np.nan, "route": []},
            {"id": "routeonly", "lat": np.nan, "lon": np.nan, "route": [[-1.0, 30.0], [-1.0, 31.0]]},
            {"id": "noroute", "lat": -10.7, "lon": 25.4, "route": None},
        ]
    )


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [30, 10, 20, 40, 50],
            "lat": [WALIKALE[0], BISIE[0], -1.2, -1.05, np.nan],
            "lon": [WALIKALE[1], BISIE[1], 29.5, 30.5, 28.0],
        }
    )


def test_match_events_small_frame():
    got = match_events(_events(), _sites(), site_radius_km=100.0, route_corridor_km=25.0)
    assert list(got.columns) == EXPOSURE_COLUMNS
    rows = [(r.event_id, r.site_id, r.via) for r in got.itertuples()]
    assert rows == [
        (10, "bisie", "route"),
        (10, "bisie", "site"),
        (20, "rubaya", "site"),
        (30, "bisie", "route"),
        (30, "bisie", "site"),
        (30, "rubaya", "site"),
        (40, "routeonly", "route"),
    ]
    walikale_site = got[(got.event_id == 30) & (got.via == "site")].distance_km.iloc[0]
    assert walikale_site == pytest.approx(haversine_km(*BISIE, *WALIKALE))
    assert got[(got.event_id == 30) & (got.via == "route")].distance_km.iloc[0] == pytest.approx(
        0.0, abs=1e-6
    )
    # The great circle between two points on a parallel bows poleward, so the road is a bit nearer than -1.0.
    assert got[got.event_id == 40].distance_km.iloc[0] == pytest.approx(
        haversine_km(-1.05, 30.5, -1.0, 30.5), abs=0.01
    )


def test_event_between_route_waypoints_matches_the_route_only():
    # Halfway between Walikale and Sake, about 5 km off the straight road, far from the mine itself.
    mid_lat, mid_lon = (WALIKALE[0] + SAKE[0]) / 2 + 0.045, (WALIKALE[1] + SAKE[1]) / 2
    events = pd.DataFrame({"id": ["e1"], "lat": [mid_lat], "lon": [mid_lon]})
    got = match_events(events, _sites(), site_radius_km=30.0, route_corridor_km=25.0)
    assert got[["site_id", "via"]].to_numpy().tolist() == [["bisie", "route"]]
    assert 4.0 < got.distance_km.iloc[0] < 6.0


def test_sites_without_coordinates_never_match():
    events = pd.DataFrame({"id": [1, 2], "lat": [0.0, np.nan], "lon": [0.0, np.nan]})
    sites = pd.DataFrame({"id": ["ghost"], "lat": [np.nan], "lon": [np.nan], "route": [[]]})
    got = match_events(events, sites, site_radius_km=20000.0, route_corridor_km=20000.0)
    assert got.empty
    assert list(got.columns) == EXPOSURE_COLUMNS


def test_routes_read_from_parquet_style_arrays():
    sites = _sites()
    waypoints = sites.at[0, "route"]
    as_read = np.empty(len(waypoints), dtype=object)  # one array per waypoint, as pyarrow returns them
    for i, waypoint in enumerate(waypoints):
        as_read[i] = np.array(waypoint)
    sites.at[0, "route"] = as_read
    assert match_events(_events(), sites, 100.0, 25.0).equals(match_events(_events(), _sites(), 100.0, 25.0))


def test_zero_corridor_turns_route_matching_off():
    got = match_events(_events(), _sites(), site_radius_km=100.0, route_corridor_km=0.0)
    assert set(got.via) == {"site"}


def test_sites_without_route_column_match_by_radius_only():
    sites = _sites().drop(columns=["route"])
    got = match_events(_events(), sites, site_radius_km=100.0, route_corridor_km=25.0)
    assert set(got.via) == {"site"}
    assert len(got) == 4


def test_a_site_reaches_its_radius_plus_its_coordinate_precision():
    # Two sites 100.1 km (0.9 degrees of latitude) from the event: the district centroid, whose true mine may
    # lie 25 km from its point, reaches it with an 80 km radius; the pit surveyed to 0.1 km does not.
    sites = pd.DataFrame(
        {"id": ["district", "pit"], "lat": [0.9, -0.9], "lon": [0.0, 0.0], "coord_precision_km": [25.0, 0.1]}
    )
    events = pd.DataFrame({"id": [1], "lat": [0.0], "lon": [0.0]})
    assert site_radii(sites, 80.0).tolist() == [105.0, 80.1]
    exposures = match_events(events, sites, site_radius_km=80.0, route_corridor_km=0.0)
    assert exposures["site_id"].tolist() == ["district"]
    unknown = sites.assign(coord_precision_km=[np.nan, -1.0])  # unknown or nonsense: the radius alone
    assert site_radii(unknown, 80.0).tolist() == [80.0, 80.0]
    assert site_radii(sites.drop(columns="coord_precision_km"), 80.0).tolist() == [80.0, 80.0]


def test_each_events_nearest_exposure_is_the_least_distance_then_site_then_route_first() -> None:
    exposures = pd.DataFrame(
        {"event_id": [7, 7, 7, 7, 8], "site_id": ["b", "a", "a", "c", "c"],
         "via": ["site", "site", "route", "route", "site"], "distance_km": [4.0, 4.0, 4.0, 9.0, 30.0]}
    )  # fmt: skip
    picked = nearest(exposures)
    assert list(picked.itertuples(index=False, name=None)) == [(7, "a", "route", 4.0), (8, "c", "site", 30.0)]
    assert nearest(exposures.iloc[:0]).empty
    # In any order; a missing distance comes after every known one, and an event with none known still
    # gets its least site.
    unknown = pd.DataFrame(
        {"event_id": [9, 3, 9, 3, 3], "site_id": ["b", "z", "a", "y", "x"], "via": ["site"] * 5,
         "distance_km": [np.nan, np.nan, np.nan, 12.0, 12.5]}
    )  # fmt: skip
    picked = nearest(unknown)
    assert picked["event_id"].tolist() == [3, 9]
    assert picked["site_id"].tolist() == ["y", "a"]


@pytest.mark.parametrize("corridor", [25.0, 0.0])
def test_a_reachs_nearest_is_the_nearest_of_all_its_exposures(corridor: float) -> None:
    # Sites on a few shared points (ties broken by site id) with routes from them, and events in any order.
    rng = np.random.default_rng(11)
    hubs = rng.uniform([-3.0, 25.0], [1.0, 30.0], (40, 2))[rng.integers(0, 40, 300)]
    routes = [[list(h), list(h + rng.normal(0, 0.5, 2)), list(h + rng.normal(0, 0.8, 2))] for h in hubs]
    sites = pd.DataFrame({"id": [f"s{i:03d}" for i in rng.permutation(300)], "lat": hubs[:, 0],
                          "lon": hubs[:, 1], "route": routes})  # fmt: skip
    sites.loc[::7, "route"] = None
    events = pd.DataFrame(
        {"event_id": rng.permutation(5_000) * 3 + 1, "lat": rng.uniform(-6, 4, 5_000),
         "lon": rng.uniform(22, 33, 5_000)}
    )  # fmt: skip
    events.loc[events.index[::50], "lat"] = np.nan  # unlocated: matched to nothing
    reach = Reach(sites, 60.0, corridor)
    want = nearest(reach.exposures(events)[EXPOSURE_COLUMNS])
    got = reach.nearest(events)
    assert 500 < len(got) < len(events) - 100
    assert (want["via"] == "route").any() == (corridor > 0)
    pd.testing.assert_frame_equal(got, want)
    assert reach.nearest(events.iloc[:0]).empty


def test_a_reach_matches_events_as_match_events_does_and_keeps_their_columns() -> None:
    events = _events().rename(columns={"id": "event_id"}).assign(location=list("vwxyz"))
    reach = Reach(_sites(), 150.0, 25.0)
    got = reach.exposures(events)
    expected = match_events(_events(), _sites(), 150.0, 25.0)
    pd.testing.assert_frame_equal(got[EXPOSURE_COLUMNS], expected)
    assert dict(zip(got["event_id"], got["location"], strict=True))[30] == "v"  # Walikale's row
    assert list(reach.exposures(events.iloc[:0]).columns) == [*EXPOSURE_COLUMNS, "lat", "lon", "location"]
    # The reach of some sites is those sites' rows alone; of none, nothing.
    only = reach.of(["rubaya"]).exposures(events)
    pd.testing.assert_frame_equal(
        only[EXPOSURE_COLUMNS], expected[expected["site_id"] == "rubaya"].reset_index(drop=True)
    )
    assert reach.of([]).exposures(events).empty and reach.of([]).box is None


def test_a_reachs_box_holds_every_event_it_matches() -> None:
    reach = Reach(_sites(), 150.0, 25.0).of(["bisie", "rubaya"])
    assert reach.box is not None
    south, north, west, east = reach.box
    rng = np.random.default_rng(11)
    events = pd.DataFrame(
        {"event_id": np.arange(4000), "lat": rng.uniform(-6, 4, 4000), "lon": rng.uniform(23, 34, 4000)}
    )
    matched = reach.exposures(events)
    assert len(matched) > 100
    assert matched["lat"].between(south, north).all() and matched["lon"].between(west, east).all()
    outside = ~events["lat"].between(south, north) | ~events["lon"].between(west, east)
    assert outside.any()  # the box leaves some of the events out


def test_match_events_output_does_not_depend_on_input_order():
    events, sites = _events(), _sites()
    a = match_events(events, sites, 100.0, 25.0)
    b = match_events(events.sample(frac=1, random_state=1), sites.sample(frac=1, random_state=2), 100.0, 25.0)
    pd.testing.assert_frame_equal(a, b)


def test_routes_cut_once_match_batch_after_batch_as_routes_cut_for_each():
    events, sites = _events(), _sites()
    pieces = route_pieces(sites, 25.0)
    parts = [match_events(events.iloc[i::2], sites, 100.0, 25.0, pieces) for i in (0, 1)]
    key = ["event_id", "site_id", "via"]
    batched = pd.concat(parts).sort_values(key).reset_index(drop=True)
    assert "route" in set(batched["via"])
    pd.testing.assert_frame_equal(batched, match_events(events, sites, 100.0, 25.0))


def test_match_events_equals_brute_force_on_random_data():
    rng = np.random.default_rng(2)
    events = pd.DataFrame(
        {"id": np.arange(3000), "lat": rng.uniform(-5, 5, 3000), "lon": rng.uniform(20, 30, 3000)}
    )
    sites = pd.DataFrame(
        {
            "id": [f"s{i:03d}" for i in range(40)],
            "lat": rng.uniform(-5, 5, 40),
            "lon": rng.uniform(20, 30, 40),
        }
    )
    got = match_events(events, sites, 75.0, 10.0)
    d = haversine_km(
        events.lat.to_numpy()[:, None],
        events.lon.to_numpy()[:, None],
        sites.lat.to_numpy(),
        sites.lon.to_numpy(),
    )
    e, s = np.nonzero(d <= 75.0)
    want = sorted(zip(events.id.to_numpy()[e].tolist(), sites.id.to_numpy()[s].tolist(), strict=True))
    assert list(zip(got.event_id.tolist(), got.site_id.tolist(), strict=True)) == want


# --- text ---------------------------------------------------------------------------------------------

ALPHAMIN = (
    "Alphamin Bisie Mining SA (Alphamin Resources Corp. 80.75% per 2017 listing doc; current stake n/a)"
)


def _text_sites() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": "bisie",
                "name": "Bisie (Mpama North + Mpama South)",
                "operator": ALPHAMIN,
                "aliases": ["Mpama South", "Mpama North"],
                "places": [{"name": "Walikale", "lat": -1.418, "lon": 28.05}],
            },
            {
                "id": "rubaya",
                "name": "Rubaya mines (Bibatama concession)",
                "operator": "Société Minière de Bisunzu (SMB)",
                "aliases": [],
                "places": [{"name": "Masisi", "lat": -1.4, "lon": 28.81}],
            },
            {
                "id": "kamoto",
                "name": "Kamoto",
                "operator": "Kamoto Copper Company (Glencore 75%, Gecamines 25%)",
                "aliases": ["KCC", "Mining", "Copper"],
                "places": [
                    {"name": "Kolwezi", "lat": -10.71, "lon": 25.47},
                    {"name": "Congo", "lat": 0, "lon": 0},
                ],
            },
            {
                "id": "mutanda",
                "name": "Mutanda",
                "operator": "Mutanda Mining SARL (Glencore)",
                "aliases": [],
                "places": [{"name": "Kolwezi", "lat": -10.71, "lon": 25.47}],
            },
            {
                "id": "tfm",
                "name": "Tenke Fungurume (TFM)",
                "operator": "Tenke Fungurume Mining (CMOC 80%, Gecamines 20%)",
                "aliases": ["Tenke"],
                "places": [{"name": "Fungurume", "lat": -10.62, "lon": 26.32}],
            },
            {
                "id": "kfm",
                "name": "Kisanfu (KFM)",
                "operator": "KFM (CMOC 71.25%, CATL/Brunp 23.75%, DRC 5%)",
                "aliases": [],
                "places": [{"name": "Kolwezi", "lat": -10.71, "lon": 25.47}],
            },
        ]
    )


@pytest.fixture(scope="module")
def index() -> SiteTextIndex:
    return SiteTextIndex.build(_text_sites())


def test_operator_labels_from_a_long_operator_field():
    assert operator_labels(ALPHAMIN) == ["Alphamin Bisie", "Alphamin"]
    assert operator_labels("Kamoto Copper Company (Glencore 75%, Gecamines 25%)") == [
        "Kamoto Copper",
        "Glencore",
    ]
    assert operator_labels("Twigg Exploration & Mining (Syrah Resources 100%)") == ["Twigg", "Syrah"]
    assert operator_labels("PT Freeport Indonesia (Freeport-McMoRan operator; MIND ID 51%)") == [
        "Freeport Indonesia",
        "Freeport-McMoRan",
        "MIND ID",
    ]
    assert "see Pangwa" not in operator_labels("see Pangwa")


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        ("Alphamin Resources Corp. announces temporary suspension", "", [("bisie", "operator: Alphamin")]),
        ("Communiqué d'Alphamin Bisie Mining SA", "", [("bisie", "name: Bisie")]),
        ("Update on Mpama South", "", [("bisie", "part: Mpama South")]),
        ("Rebels enter Walikale", "", [("bisie", "place: Walikale")]),
        ("Les rebelles sont entrés à WALIKALE", "", [("bisie", "place: Walikale")]),
        (
            "SOCIETE MINIERE DE BISUNZU suspend ses activités",
            "",
            [("rubaya", "operator: Société Minière de Bisunzu")],
        ),
        ("La Société minière de Bisunzu", "", [("rubaya", "operator: Société Minière de Bisunzu")]),
        ("Glencore cuts cobalt guidance", "", []),  # two Glencore sites, neither named: a mention only
        ("Glencore halts Mutanda", "", [("mutanda", "name: Mutanda")]),
        (
            "M23 seizes Rubaya",
            "Alphamin evacuates staff",
            [("rubaya", "name: Rubaya"), ("bisie", "operator: Alphamin")],
        ),
        (
            "Unrest near Kolwezi",
            "",
            [("kamoto", "place: Kolwezi"), ("kfm", "place: Kolwezi"), ("mutanda", "place: Kolwezi")],
        ),
        ("Mutanda halts after unrest near Kolwezi", "", [("mutanda", "name: Mutanda")]),
        (
            "Glencore: unrest near Kolwezi",
            "",
            [
                ("kamoto", "operator: Glencore + place: Kolwezi"),
                ("mutanda", "operator: Glencore + place: Kolwezi"),
            ],
        ),
        ("CMOC update", "Production at Tenke-Fungurume", [("tfm", "name: Tenke Fungurume")]),
        ("CMOC quarterly update", "", []),
        (
            "CMOC quarterly update",
            "Trucks blocked at Fungurume",
            [("tfm", "operator: CMOC + place: Fungurume")],
        ),
        ("Tenke's output", "", [("tfm", "alias: Tenke")]),
        ("Kisanfu and Kamoto", "", [("kamoto", "name: Kamoto"), ("kfm", "name: Kisanfu")]),
    ],
)
def test_notice_matches_sites(index, title, summary, expected):
    assert index.match(title, summary) == expected


@pytest.mark.parametrize(
    "title",
    [
        "Congo mining company reports record copper output",
        "Mining and copper: the Company's view on the Democratic Republic of the Congo",
        "Retenke rally in Kinshasa",  # 'Tenke' inside another word
        "Mutandas and Kamotos",  # plural forms are other words
        "Gecamines annual report",  # a 25% partner is not the operator
        "Bisiestan",
    ],
)
def test_generic_words_and_partial_words_do_not_match(index, title):
    assert index.match(title, "") == []


def test_match_order_is_deterministic(index):
    a = index.match("Kolwezi, Walikale and Masisi", "")
    b = index.match("Masisi, Walikale and Kolwezi", "")
    assert a == b
    assert [s for s, _ in a] == ["bisie", "kamoto", "kfm", "mutanda", "rubaya"]


def test_index_accepts_semicolon_lists_and_missing_columns():
    sites = pd.DataFrame([{"id": "x", "name": "Greenbushes", "aliases": "Talison;Greenbushes Lithium"}])
    index = SiteTextIndex.build(sites)
    assert index.match("Talison update", "") == [("x", "alias: Talison")]
    assert index.match("Greenbushes", "") == [("x", "name: Greenbushes")]


def test_research_registry_sites_are_found_by_their_own_names(shared_dir):
    research = pd.read_csv(shared_dir / "data" / "mine_sites_research.csv", keep_default_na=False)
    sites = pd.DataFrame({"id": [f"s{i:02d}" for i in range(len(research))], "name": research["name"]})
    sites["operator"] = research["operator"]
    index = SiteTextIndex.build(sites)
    for site_id, name in zip(sites["id"], sites["name"], strict=True):
        found = dict(index.match(f"News from {name.split('(')[0].strip()} today"))
        assert found.get(site_id, "").startswith("name: "), (name, found)
    assert index.match("Congo mining company reports record copper and cobalt output") == []
    bisie = sites.loc[research["name"].str.startswith("Bisie"), "id"].item()
    assert index.match("Alphamin Resources update") == [(bisie, "operator: Alphamin")]


# --- operator stop-list and case rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        # Remarks: a slash does not split a name out of "... control since" or "formerly under ...".
        ("Chinese-backed operators formerly under NDA-K/BGF; KIA/KIO control since Oct 2024", []),
        ("Various operators; KIA/KIO control since 30 Sep 2024", []),
        # Stop words alone go; a longer name that contains them stays.
        ("KIA", []),
        ("Kachin Independence Army (KIA)", ["Kachin Independence Army"]),
        ("Artisanal miners (EGC holds the state buying monopoly)", []),
        ("International Metals Holdings Group", []),
        ("Government of the Democratic Republic of the Congo", []),
        ("Pilbara Minerals (PLS) 100%", ["PLS"]),
        ("Alphamin Resources", ["Alphamin"]),
        # A country or province, alone or with stop words only, is not a company.
        (
            "Beralt Tin & Wolfram (Portugal) SA (Almonty Industries 100%)",
            ["Beralt Tin & Wolfram", "Almonty Industries"],
        ),
        ("Lithium du Mali SA (Ganfeng Lithium 65%, Mali state)", ["Ganfeng Lithium"]),
        ("Minera Panamá SA (First Quantum 90%, KORES 10%)", ["First Quantum"]),
        ("Haut-Katanga Resources SARL", []),
        ("Nord-Kivu Mining SARL", []),
        (
            "Prospect Lithium Zimbabwe (Zhejiang Huayou Cobalt)",
            ["Prospect Lithium Zimbabwe", "Zhejiang Huayou Cobalt"],
        ),
    ],
)
def test_operator_labels_leave_out_stop_words_places_and_remarks(operator, expected):
    assert operator_labels(operator) == expected


@pytest.fixture(scope="module")
def bundled_index() -> SiteTextIndex:
    return SiteTextIndex.build(pd.DataFrame(registry.load_bundled(datetime(2025, 1, 1)).rows))


def test_bundled_kachin_sites_have_no_kia_operator_label():
    rows = {r["id"]: r for r in registry.load_bundled(datetime(2025, 1, 1)).rows}
    # Both fields read "... KIA/KIO control since ...": the armed group controls the area, it runs no mine.
    assert "KIA/KIO control" in rows["pangwa"]["operator"]
    assert "KIA/KIO control" in rows["chipwi"]["operator"]
    assert operator_labels(rows["pangwa"]["operator"]) == []
    assert operator_labels(rows["chipwi"]["operator"]) == []


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # Goma is a real place on the Bisie road and near Rubaya; the Kachin sites must not come along.
        ("Two soldiers KIA near Goma", [("bisie", "place: Goma"), ("rubaya", "place: Goma")]),
        ("TWO SOLDIERS KIA NEAR GOMA", [("bisie", "place: Goma"), ("rubaya", "place: Goma")]),
        ("KIA fighters seize Chipwi", [("chipwi", "name: Chipwi")]),
        ("Alphamin Resources Corp. announces temporary suspension", [("bisie", "alias: Alphamin")]),
        ("Glencore cuts cobalt guidance", []),
        ("BHP cuts copper guidance", []),
        (
            "BHP halts work at its Chilean operations in Chile",
            [("escondida", "operator: BHP + country: chile"), ("spence", "operator: BHP + country: chile")],
        ),
        (
            "Glencore suspend ses opérations en RDC",
            [
                ("kamoto", "operator: Glencore + country: rdc"),
                ("mutanda", "operator: Glencore + country: rdc"),
            ],
        ),
        ("Orano halts Niger uranium exports", [("somair", "operator: Orano")]),
        ("PLS cuts spodumene guidance", [("pilgangoora", "alias: PLS")]),
        ("Sake falls to M23 rebels", [("bisie", "place: Sake"), ("rubaya", "place: Sake")]),
        (
            "Société Minière de Bisunzu suspend ses activités",
            [("rubaya", "alias: Societe Miniere de Bisunzu")],
        ),
        # Eramet runs Moanda and is a partner in Weda Bay; Halmahera names Weda Bay, so the company adds
        # nothing more (a company is read as one whatever column lists it).
        ("Eramet suspends ore shipments from Halmahera", [("weda_bay", "alias: Halmahera")]),
        # Antam runs Pakal and Buli; in Weda Bay it is a 10% partner, so Weda Bay is not named.
        ("Antam reports record ferronickel sales from Pomalaa", [("pakal_buli", "alias: Antam")]),
    ],
)
def test_bundled_registry_matches_real_names(bundled_index, title, expected):
    assert bundled_index.match(title) == expected


@pytest.mark.parametrize(
    "title",
    [
        "Kia recalls 100,000 cars over airbag fault",
        "Artisanal miners killed in landslide in South Kivu",
        "Cyclone shuts Pilbara iron ore ports",
        "Government of Portugal approves new mining law",
        "International Metals and Minerals Group reports record copper, cobalt, gold and tin output",
        "State-owned Gécamines and the government of the DRC sign new mining code",
        "Engine rated at 300 bhp",  # BHP, the operator, is written in capitals
        "For the sake of peace, talks resume in Doha",  # Sake, the town, is capitalised
        "Los precios del cobre se mantienen a la altura de 2021",  # Altura, a Pilgangoora alias
    ],
)
def test_bundled_registry_ignores_unrelated_news(bundled_index, title):
    assert bundled_index.match(title) == []


def test_short_acronym_matches_only_in_capitals(index):
    assert index.match("KCC halts exports", "") == [("kamoto", "alias: KCC")]
    assert index.match("KCC HALTS EXPORTS", "") == [("kamoto", "alias: KCC")]
    assert index.match("Kcc halts exports", "") == []
    assert index.match("kcc halts exports", "") == []


def test_longer_acronym_matches_in_any_case(index):
    # Some style guides write four-letter acronyms as words ("Cmoc"), so only three letters need capitals.
    assert index.match("Cmoc quarterly update from Fungurume", "") == [
        ("tfm", "operator: CMOC + place: Fungurume")
    ]


def test_one_word_name_matches_only_capitalised(index):
    assert index.match("unrest near kolwezi", "") == []
    assert index.match("", "Fighting spread to kolwezi and then to Walikale") == [
        ("bisie", "place: Walikale")
    ]
    assert index.match("Mutanda's output", "") == [("mutanda", "name: Mutanda")]


# ---- links: operators, places, countries (texts written for these tests) ----
def _atacama_sites() -> pd.DataFrame:
    """Two operators' sites at one salt flat, and a second Albemarle site in another country."""
    atacama = [{"name": "Salar de Atacama", "lat": -23.5, "lon": -68.25}]
    return pd.DataFrame(
        [
            {"id": "sqm_atacama", "name": "SQM brine operations", "operator": "SQM (Sociedad Quimica)",
             "country": "CL", "aliases": [], "places": atacama},
            {"id": "alb_atacama", "name": "La Negra lithium plant", "operator": "Albemarle",
             "country": "CL", "aliases": [], "places": atacama},
            {"id": "alb_kings", "name": "Kings Mountain", "operator": "Albemarle", "country": "US",
             "aliases": [], "places": [{"name": "Kings Mountain", "lat": 35.2, "lon": -81.3}]},
            {"id": "minsur_sr", "name": "San Rafael", "operator": "Minsur (Grupo Breca)", "country": "PE",
             "aliases": [], "places": [{"name": "Antauta", "lat": -14.3, "lon": -70.3}]},
        ]
    )  # fmt: skip


@pytest.fixture(scope="module")
def atacama() -> SiteTextIndex:
    return SiteTextIndex.build(_atacama_sites())


def test_a_place_two_operators_share_goes_to_the_one_whose_operator_is_named(atacama):
    links = atacama.links("Albemarle reports road blockade near the Salar de Atacama", "")
    assert links.sites == [("alb_atacama", "operator: Albemarle + place: Salar de Atacama")]
    assert links.operators == []


def test_a_shared_place_with_no_operator_named_goes_to_every_site_there(atacama):
    assert atacama.match("Community roadblock cuts access to the Salar de Atacama", "") == [
        ("alb_atacama", "place: Salar de Atacama"),
        ("sqm_atacama", "place: Salar de Atacama"),
    ]


def test_an_operator_with_several_sites_and_no_place_is_kept_as_a_mention(atacama):
    links = atacama.links("Albemarle lowers its lithium volume outlook for the year", "")
    assert links == NoticeLinks(sites=[], operators=["Albemarle"])


def test_an_operator_with_several_sites_goes_to_the_one_in_the_country_named(atacama):
    links = atacama.links("Albemarle pauses hiring at its United States sites", "")
    assert links.sites == [("alb_kings", "operator: Albemarle + country: united states")]
    spanish = atacama.links("Albemarle suspende faenas en Chile por paro de contratistas", "")
    assert spanish.sites == [("alb_atacama", "operator: Albemarle + country: chile")]


def test_an_operator_with_one_site_names_it(atacama):
    assert atacama.match("Minsur informa paralización temporal de operaciones", "") == [
        ("minsur_sr", "operator: Minsur")
    ]


def test_two_operators_in_one_text_go_to_their_own_sites(atacama):
    links = atacama.links(
        "SQM halts brine pumping while Albemarle keeps Kings Mountain running",
        "The Chilean producer cited a water permit dispute.",
    )
    assert links.sites == [("alb_kings", "name: Kings Mountain"), ("sqm_atacama", "operator: SQM")]
    assert links.operators == []


def test_a_named_mine_settles_its_operator_and_the_other_operator_stays_a_mention(atacama):
    links = atacama.links("SQM and Albemarle: SQM brine operations paused", "")
    assert links.sites == [("sqm_atacama", "name: SQM brine operations")]
    assert links.operators == ["Albemarle"]


def test_a_lower_case_country_word_is_no_country(atacama):
    # "chile" the pepper, not Chile the country: no Albemarle site from it.
    assert atacama.links("Albemarle canteen adds chile to the menu", "").sites == []


@pytest.mark.parametrize(
    ("title", "summary", "sites", "operators"),
    [
        # A company listed as an alias is read as the company: Vale runs more than the registry's Voisey's
        # Bay, and the text names a Brazilian mine the registry does not hold.
        ("Vale halts the Fazenda Nova mine after a slope failure", "", [], ["Vale"]),
        ("Vale pauses Voisey's Bay underground work", "", [("voiseys_bay", "name: Voisey's Bay")], []),
        # A one-site operator beside a mine the registry does not hold: that mine's news, not the site's.
        ("Newmont suspends work at its Ahafo Gold Mine in Ghana", "", [], ["Newmont"]),
        ("La Alphamin suspende la mina de Kalima por lluvias", "", [], ["Alphamin"]),
        # ...or beside a country that is not its site's.
        ("Lundin idles a concentrator in Brazil", "", [], ["Lundin"]),
        ("Lundin idles a concentrator in Chile", "", [("candelaria", "operator: Lundin")], []),
        # A town around several sites is a place even where a site's name is made of it.
        ("Kolwezi: taxi drivers strike for a day", "", [("deziwa", "place: Kolwezi")], None),
        # A place beside a named site says where that site is, and ties nothing more.
        (
            "Kipushi restarts its concentrator",
            "Trucks left for Lubumbashi on Monday.",
            [("kipushi", "alias: Kipushi")],
            [],
        ),
        # A name one site holds as its name and another lists as an alias is the first one's.
        ("HAMC halts Marropino", "", [("marropino", "alias: HAMC")], []),
        # A country or province inside a site's name is where it lies, not a name of it.
        ("Heavy rain floods roads in Minas Gerais", "", [], []),
        # A shorter label inside a longer one does not count on its own ("Vale" in "Vale do Jequitinhonha").
        (
            "Drought in the Vale do Jequitinhonha",
            "",
            [("grota_do_cirilo", "alias: Vale do Jequitinhonha")],
            [],
        ),
        # A mine the site's name lists among several parts ties the site as that part: its halt is partial.
        ("Bimha mine closed after a fall of ground", "", [("zimplats_ngezi", "part: Bimha")], []),
        # A parenthesised acronym, or a single name, is the site itself, not a part.
        ("KNS restarts its furnace", "", [("koniambo", "alias: KNS")], []),
        # A mine named beside an operator with several sites picks the one whose name holds it.
        (
            "Implats resumes work at its Rustenburg mine",
            "",
            [("impala_rustenburg", "operator: Implats + mine: Rustenburg")],
            [],
        ),
        # A mine the registry does not hold, named by a town the registry knows: neither the town's sites
        # nor anything else are tied.
        ("Sibanye shuts a shaft at its Rustenburg platinum mine", "", [], []),
        # A dateline says where the story was filed, not where the mine is.
        ("Iron ore exports fall 20% after rains", "Rio de Janeiro - Shipments fell in January.", [], []),
        # A country inside a company's name names no country; "Minmetals" is a company.
        (
            "Las Bambas gives most of MMG's earnings",
            "The mine, owned by China Minmetals, ships copper from Peru.",
            [("las_bambas", "name: Las Bambas")],
            ["China Minmetals"],
        ),
        # An amount in dollars is no mine's name ("su mina de cobre de US$ 10.000 millones").
        (
            "Panamá ordena cerrar la mina de First Quantum",
            "El Gobierno ordenó cerrar su mina de cobre de US$ 10.000 millones en el país.",
            [("cobre_panama", "operator: First Quantum + country: panama")],
            [],
        ),
        # A company listed only as a site's alias, beside another operation the text names: not that site.
        ("Lithium miner Allkem lowers annual forecast from Mt Cattlin ops", "", [], []),
        # An acronym the text spells out as another company's is not the registry's ("MRM" of McArthur River).
        (
            "Ataque perto de mina de rubis",
            "A Gemfields detém 75% da Montepuez Ruby Mining Limitada (MRM).",
            [("balama", "place: Montepuez")],
            [],
        ),
        # A province names its country: Lundin's only registry site is in Chile, not in Goiás.
        (
            "Falta de energia interrompe operações",
            "A Lundin Mining parou a usina no estado de Goiás.",
            [],
            ["Lundin"],
        ),
        # A region is no mine, and a name does not run on past a sentence's end.
        (
            "Mina deixou de operar",
            "A maior mina de cobre da América Central parou. A First Quantum confirmou, no Panamá.",
            [("cobre_panama", "operator: First Quantum + country: panama")],
            [],
        ),
    ],
)
def test_bundled_registry_reads_companies_towns_and_other_mines(
    bundled_index, title, summary, sites, operators
):
    links = bundled_index.links(title, summary)
    if operators is None:  # only the first site (by id) is checked, the town has many
        assert links.sites[0] == sites[0]
        assert "kolwezi_artisanal" in {s for s, _ in links.sites}
        assert all(matched.startswith("place: ") for _, matched in links.sites)
        return
    assert links.sites == sites
    assert links.operators == operators


def test_every_exposure_of_a_site_lies_in_its_reach_box() -> None:
    rng = np.random.default_rng(11)
    n_sites = 40
    lat, lon = rng.uniform(-50, 50, n_sites), rng.uniform(-150, 150, n_sites)
    sites = pd.DataFrame(
        {
            "id": [f"s{i}" for i in range(n_sites)],
            "lat": lat,
            "lon": lon,
            "coord_precision_km": rng.choice([0.1, 5.0, 50.0], n_sites),
            # Long legs, some of them east-west at high latitudes, where a great circle bulges poleward.
            "route": [
                [[a, b], [a + rng.uniform(-3, 3), b + rng.uniform(2, 12)], [a + 1, b + rng.uniform(12, 20)]]
                for a, b in zip(lat, lon, strict=True)
            ],
        }
    )
    events = pd.DataFrame(
        {
            "id": np.arange(200_000),
            "lat": rng.uniform(-65, 65, 200_000),
            "lon": rng.uniform(-170, 175, 200_000),
        }
    )
    exposures = match_events(events, sites, 150.0, 25.0)
    assert len(exposures) > 1_000 and set(exposures["via"]) == {"site", "route"}
    located = exposures.merge(events, left_on="event_id", right_on="id")
    for site_id, rows in located.groupby("site_id"):
        box = reach_box(sites.set_index("id").loc[site_id].rename(site_id), 150.0, 25.0)
        assert box is not None
        south, north, west, east = box
        inside = rows["lat"].between(south, north) & rows["lon"].between(west, east)
        assert inside.all(), site_id
