from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import basemap, data, figures, regions
from dashboards.basemap import MapBase
from monitor.config import ScoringSettings
from monitor.domain import LEVELS, UNSCORED
from monitor.store import Store
from tests.dashboards import seed

LEVEL_BOUNDS = ScoringSettings().levels

BASEMAP = "/assets/countries.geojson"
#: The offline base as a dashboard at the root path serves it.
SERVED = MapBase.served("white-bg", "/", BASEMAP)


def _annotations(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def _is_empty_state(fig: go.Figure, words: str) -> bool:
    return not fig.data and any(words in text for text in _annotations(fig))


def test_plain_escapes_tags_so_plotly_shows_them_as_text() -> None:
    assert figures.plain("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert figures.plain(None) == ""
    assert figures.plain(float("nan")) == ""


def test_label_turns_keys_into_words() -> None:
    assert figures.label("violence_against_civilians") == "Violence against civilians"


def test_map_view_frames_the_points() -> None:
    center, zoom = figures.map_view([-1.0, -11.0], [25.0, 29.0])
    assert center["lat"] == pytest.approx(-6.0, abs=0.1) and center["lon"] == 27.0
    assert 3.0 < zoom < 6.0
    _, close = figures.map_view([-1.0], [27.0])
    assert close > zoom
    _, world_zoom = figures.map_view([], [])
    assert world_zoom == regions.MIN_ZOOM  # the whole world, once


def test_offline_style_gets_local_country_outlines_places_and_glyphs_and_tile_styles_do_not() -> None:
    style = basemap.map_style(SERVED)
    assert isinstance(style, dict) and style["glyphs"] == "/_map/glyphs/{fontstack}/{range}.pbf"
    assert style["sources"] == {"countries": {"type": "geojson", "data": BASEMAP},
                                "places": {"type": "geojson", "data": "/_map/places.geojson"}}  # fmt: skip
    layers = {layer["id"]: layer for layer in style["layers"]}
    assert [layers[k]["type"] for k in ("background", "land", "borders")] == ["background", "fill", "line"]
    names = [layers[f"places-{t.name}"] for t in basemap.PLACE_TIERS]
    assert [layer["filter"][2] for layer in names] == ["cities", "towns", "places"]
    assert [layer["minzoom"] for layer in names] == sorted(layer["minzoom"] for layer in names)  # big first
    assert all(layer["layout"]["text-field"] == ["get", "name"] for layer in names)
    assert basemap.base_layers(SERVED) == []  # all in the style
    outlines = basemap.base_layers(MapBase(outlines_url=BASEMAP))  # only outlines served: no text
    assert [(layer["source"], layer["type"]) for layer in outlines] == [(BASEMAP, "fill"), (BASEMAP, "line")]
    assert (
        basemap.base_layers(MapBase("carto-positron")) == []
        and basemap.map_style(MapBase("carto-positron")) == "carto-positron"
    )
    # Built without a dashboard (no files served), the offline map is bare and draws no text.
    assert basemap.base_layers(basemap.TILELESS) == [] and basemap.map_style(basemap.TILELESS) == "white-bg"
    assert not basemap.has_text(basemap.TILELESS) and basemap.has_text(SERVED)


def test_overview_map_colours_sites_by_level_with_halted_distinct(seeded_store: Store) -> None:
    risk = data.risk_table(seeded_store)
    events = data.recent_events(seeded_store, seed.AS_OF, 30, 100)
    fig = figures.overview_map(risk, events, data.routes(seeded_store), base=SERVED)
    by_name = {t.name: t for t in fig.data}
    assert by_name["Site: halted"].marker.color == figures.LEVEL_COLOURS["halted"]
    assert by_name["Site: halted"].lat == (-1.033,)
    assert by_name["Site: elevated"].marker.color == figures.LEVEL_COLOURS["elevated"]
    assert list(by_name["Site: not scored"].lat) == []  # Manono has no coordinates: drawn nowhere
    assert "Export routes" in by_name
    assert {"Battles", "Protests"} <= set(by_name)
    assert all(isinstance(t, go.Scattermap) for t in fig.data)
    assert fig.layout.map.style["glyphs"] == SERVED.glyphs_url  # the offline style, with text
    assert fig.layout.map.style["sources"]["countries"]["data"] == BASEMAP
    # The most severe level is drawn last (on top of the others).
    assert fig.data[-1].name == "Site: halted"


def test_overview_map_sizes_sites_by_annual_output(seeded_store: Store) -> None:
    risk = data.risk_table(seeded_store)
    fig = figures.overview_map(
        risk, data.recent_events(seeded_store, seed.AS_OF, 30, 0), data.routes(seeded_store)
    )
    low = next(t for t in fig.data if t.name == "Site: low")
    sizes = dict(zip(low.customdata, low.marker.size, strict=True))
    assert sizes["tenke"] > sizes["kamoto"]
    assert "Tenke Fungurume" in low.hovertext[list(low.customdata).index("tenke")]


def test_overview_map_with_a_tile_style_has_no_local_layers(seeded_store: Store) -> None:
    fig = figures.overview_map(
        data.risk_table(seeded_store), data.recent_events(seeded_store, seed.AS_OF, 30, 0),
        data.routes(seeded_store), base=MapBase("carto-positron", BASEMAP),
    )  # fmt: skip
    assert fig.layout.map.style == "carto-positron"
    assert not fig.layout.map.layers


def test_overview_map_without_located_sites_says_what_to_run() -> None:
    empty = data.empty_frame(data.RISK_COLUMNS)
    fig = figures.overview_map(empty, data.empty_frame(data.EVENT_MAP_COLUMNS), data.empty_frame(("route",)))
    assert _is_empty_state(fig, "minewatch sites")


def test_event_hover_text_from_feeds_is_escaped(seeded_store: Store) -> None:
    events = data.recent_events(seeded_store, seed.AS_OF, 30, 100)
    events.loc[events.index[0], "location"] = "<img src=x onerror=alert(1)>"
    fig = figures.events_map(events)
    text = str([list(t.hovertext) for t in fig.data])
    assert "<img" not in text
    assert "&lt;img" in text


def test_site_hover_text_from_a_user_registry_is_escaped(seeded_store: Store) -> None:
    risk = data.risk_table(seeded_store)
    risk.loc[risk.index[0], "site_name"] = "<b onmouseover=alert(1)>Mine</b> & Co"
    fig = figures.overview_map(risk, data.empty_frame(data.EVENT_MAP_COLUMNS), data.empty_frame(("route",)))
    text = str([list(t.hovertext) for t in fig.data if t.hovertext is not None])
    assert "<b onmouseover" not in text
    assert "&lt;b onmouseover=alert(1)&gt;Mine&lt;/b&gt; &amp; Co" in text


def test_routes_are_drawn_as_one_line_trace_broken_between_routes() -> None:
    routes = pd.DataFrame({"route": [[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0, 99.0], [6.0, 7.0], [8.0, 9.0]]]})
    (trace,) = figures._route_trace(routes)
    lat, lon = list(trace.lat), list(trace.lon)
    assert [x for x in lat if x == x] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert [x for x in lon if x == x] == [1.0, 3.0, 5.0, 7.0, 9.0]
    assert [i for i, x in enumerate(lat) if x != x] == [2, 6]  # a gap after each route


def test_site_map_shows_site_route_and_exposed_events(seeded_store: Store) -> None:
    facts = data.site(seeded_store, "bisie")
    assert facts is not None
    events = seed.site_events(seeded_store, "bisie")
    fig = figures.site_map(facts, "halted", events, data.routes(seeded_store, ["bisie"]), base=SERVED)
    names = [t.name for t in fig.data]
    assert names[0] == "Route: Walikale - Goma road"
    assert names[-1] == "Site (halted)"
    assert fig.data[-1].marker.color == figures.LEVEL_COLOURS["halted"]
    assert "Nearby places" in names
    hover = next(t for t in fig.data if t.name == "Battles").hovertext[0]
    battle = events[events["type"] == "battles"].iloc[0]  # the nearest battle is drawn first
    assert f"<b>{battle['location']}</b>" in hover
    assert (
        f"To the mine: {battle['to_mine_km']:.1f} km<br>To the road: {battle['to_road_km']:.1f} km" in hover
    )
    assert (fig.data[-1].mode, fig.data[-1].text) == ("markers+text", ("Bisie",))  # named on the map
    bare = figures.site_map(facts, "halted", events, data.routes(seeded_store, ["bisie"]))
    assert all("text" not in (t.mode or "") for t in bare.data)  # without served glyphs, no map text


def test_site_map_of_a_site_without_coordinates_explains_why_it_is_empty(seeded_store: Store) -> None:
    facts = data.site(seeded_store, "manono")
    assert facts is not None
    fig = figures.site_map(
        facts, "unscored", data.empty_frame(data.SITE_EVENT_COLUMNS), data.routes(seeded_store)
    )
    assert _is_empty_state(fig, "no coordinates")


def test_events_map_has_one_trace_per_type() -> None:
    events = pd.DataFrame(
        {"event_id": [1, 2, 3], "source": ["acled"] * 3, "event_date": pd.to_datetime(["2025-03-01"] * 3),
         "type": ["battles", "battles", "riots"], "sub_type": ["Armed clash", "Armed clash", "Mob violence"],
         "fatalities": [0, 10, 1], "lat": [-1.0, -1.1, -1.2], "lon": [28.0, 28.1, 28.2],
         "location": ["A", "B", "C"], "country": ["CD"] * 3}
    )  # fmt: skip
    fig = figures.events_map(events)
    assert [t.name for t in fig.data] == ["Battles", "Riots"]
    battles = fig.data[0]
    assert battles.marker.size[1] > battles.marker.size[0]  # more fatalities, bigger marker
    assert _is_empty_state(figures.events_map(events.iloc[0:0]), "No events match")


def test_risk_history_stacks_components_and_shades_halted_periods(seeded_store: Store) -> None:
    scores = data.site_scores(seeded_store, "bisie")
    fig = figures.risk_history(scores, data.halted_periods(scores), LEVEL_BOUNDS)
    stacked = [t for t in fig.data if t.stackgroup == "components"]
    assert [t.name for t in stacked] == ["Conflict component", "Route component", "Notice component"]
    assert any(t.name == "Risk (0-100)" for t in fig.data)
    shaded = [s for s in fig.layout.shapes if s.fillcolor == figures.LEVEL_COLOURS["halted"]]
    assert len(shaded) == 1
    assert pd.Timestamp(shaded[0].x0) < pd.Timestamp(seed.HALT_START) < pd.Timestamp(shaded[0].x1)
    assert "Halted" in _annotations(fig)
    assert {"Elevated", "High", "Critical"} <= set(_annotations(fig))
    assert fig.layout.yaxis.title.text == "Risk score (0-100)"


def test_risk_history_without_halts_has_no_shading(seeded_store: Store) -> None:
    scores = data.site_scores(seeded_store, "rubaya")
    fig = figures.risk_history(scores, data.halted_periods(scores), LEVEL_BOUNDS)
    assert not [s for s in fig.layout.shapes if s.fillcolor == figures.LEVEL_COLOURS["halted"]]
    assert _is_empty_state(
        figures.risk_history(scores.iloc[0:0], data.halted_periods(scores.iloc[0:0]), LEVEL_BOUNDS), "score"
    )


def test_contributions_bar_shows_each_event_share_in_percent(seeded_store: Store) -> None:
    explain = seed.site_explain(seeded_store, "bisie")
    fig = figures.contributions_bar(explain)
    bar = fig.data[0]
    assert len(bar.y) == len(explain)
    assert max(bar.x) == pytest.approx(100 * explain["share"].max())
    assert "Kashebere" in bar.y[-1]  # the largest share is drawn at the top
    assert _is_empty_state(figures.contributions_bar(explain.iloc[0:0]), "No event")


def test_notices_timeline_has_a_row_per_kind_and_escapes_titles(seeded_store: Store) -> None:
    notices = data.site_notices(seeded_store, "bisie")
    notices.loc[notices.index[0], "title"] = "<script>x</script>"
    fig = figures.notices_timeline(notices)
    assert {t.name for t in fig.data} == {"Halt", "Evacuation", "No halt signal"}
    assert "<script>" not in str([t.customdata.tolist() for t in fig.data])
    assert _is_empty_state(figures.notices_timeline(notices.iloc[0:0]), "No notices")


def test_supply_history_figure_in_tonnes_and_percent(seeded_store: Store, world_csv: Path) -> None:
    history = data.with_world_share(data.supply_history(seeded_store), data.load_world_production(world_csv))
    tonnes = figures.supply_history_figure(history)
    # Lithium's only site, Manono, is quiet every day: no line at 0 t crowding the ones that matter.
    assert {t.name for t in tonnes.data} == {"Tin", "Tantalum", "Cobalt", "Copper"}
    assert tonnes.layout.yaxis.title.text == "Tonnes a year at risk"
    assert tonnes.layout.legend.y < 0  # below the plot, clear of the title
    quiet = history.assign(supply_at_risk_t=0.0)
    assert _is_empty_state(figures.supply_history_figure(quiet), "Nothing at risk")
    pct = figures.supply_history_figure(history, "pct_world")
    tin = next(t for t in pct.data if t.name == "Tin")
    assert max(tin.y) == pytest.approx(100 * 17_300 / 300_000)
    no_world = data.with_world_share(data.supply_history(seeded_store), data.empty_frame(data.WORLD_COLUMNS))
    assert _is_empty_state(figures.supply_history_figure(no_world, "pct_world"), "world production")


def test_drivers_bar_colours_sites_by_level(seeded_store: Store) -> None:
    drivers = data.supply_drivers(seeded_store)
    fig = figures.drivers_bar(drivers)
    colours = dict(zip(fig.data[0].y, fig.data[0].marker.color, strict=True))
    assert colours["Bisie (Mpama North + South) (Tin)"] == figures.LEVEL_COLOURS["halted"]
    assert fig.data[0].y[-1].startswith("Tenke")  # largest at the top
    assert _is_empty_state(figures.drivers_bar(drivers.iloc[0:0]), "No site")


@pytest.mark.parametrize(
    "build",
    [
        lambda: figures.empty_figure("nothing <here>"),
        lambda: figures.events_map(data.empty_frame(data.EVENT_MAP_COLUMNS)),
        lambda: figures.supply_history_figure(data.empty_frame(data.SUPPLY_COLUMNS)),
    ],
)
def test_empty_figures_say_why_and_hide_their_axes(build: Any) -> None:
    fig = build()
    assert _is_empty_state(fig, "")
    assert fig.layout.xaxis.visible is False
    assert all("<" not in text for text in _annotations(fig))


def test_every_level_has_its_own_colour_and_every_stored_level_one() -> None:
    assert len(set(figures.LEVEL_COLOURS.values())) == len(figures.LEVEL_COLOURS)
    assert set(LEVELS) | {UNSCORED} == set(figures.LEVEL_ORDER) == set(figures.LEVEL_COLOURS)


def test_the_offline_basemap_has_no_ring_jumping_across_the_antimeridian() -> None:
    import itertools
    import json

    from dashboards.app import ASSETS, BASEMAP_ASSET

    shapes = json.loads((ASSETS / BASEMAP_ASSET).read_text(encoding="utf-8"))["features"]
    jumping = set()
    for feature in shapes:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for ring in (ring for polygon in polygons for ring in polygon):
            if any(abs(a[0] - b[0]) > 180 for a, b in itertools.pairwise(ring)):
                jumping.add(feature["properties"]["name"])
    assert jumping <= {"Antarctica"}  # its ring circles the pole; the map never shows that far south


def test_the_front_line_chart_plots_km_with_the_site_radius_and_says_when_there_is_none() -> None:
    scores = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-03-08", "2025-03-15", "2025-03-22"]),
            "front_km": [127.3, 110.1, 55.4],
            "front_km_change_7d": [0.0, -17.2, -54.7],
            "front_days_to_radius": [None, 34.7, 3.9],
            "front_actor": ["M23: March 23 Movement", "M23: March 23 Movement", "<b>M23</b>"],
        }
    )
    fig = figures.front_history(scores, 25.0)
    assert list(fig.data[0].y) == [127.3, 110.1, 55.4]
    assert [s.y0 for s in fig.layout.shapes] == [25.0]
    assert fig.data[0].customdata[2][0] == "&lt;b&gt;M23&lt;/b&gt;"  # feed text shown, never rendered
    assert "radius in 4 days" in fig.data[0].customdata[2][1]
    empty = figures.front_history(scores.assign(front_km=None), 25.0)
    assert _is_empty_state(empty, "No territorial takeover")


def _located(*rows: tuple[str, str, float]) -> pd.DataFrame:
    """Sites at one place each, with a level and an output."""
    return pd.DataFrame(
        [
            {"site_id": sid, "site_name": sid, "country": "CD", "commodity": "tin", "lat": -1.0 - i,
             "lon": 27.0 + i, "level": level, "annual_output_t": output, "risk": 50.0}
            for i, (sid, level, output) in enumerate(rows)
        ]
    )  # fmt: skip


def test_a_critical_site_is_drawn_over_a_halted_one_and_both_over_quiet_ones() -> None:
    sites = _located(
        ("big-halted", "halted", 400_000.0), ("critical", "critical", 300.0), ("low", "low", 1.0),
        ("high", "high", 10.0), ("elevated", "elevated", 10.0),
    )  # fmt: skip
    fig = figures.overview_map(sites, data.empty_frame(data.EVENT_MAP_COLUMNS), data.empty_frame(("route",)))
    order = [t.name for t in fig.data]
    assert order == ["Site: low", "Site: elevated", "Site: high", "Site: halted", "Site: critical"]
    # The legend still lists the levels from the most severe down.
    ranks = {t.name: t.legendrank for t in fig.data}
    assert ranks["Site: halted"] < ranks["Site: critical"] < ranks["Site: high"] < ranks["Site: low"]


def test_a_site_with_unknown_output_says_so_rather_than_zero_tonnes() -> None:
    sites = _located(("unknown", "low", float("nan")), ("known", "low", 12_568.0))
    fig = figures.overview_map(sites, data.empty_frame(data.EVENT_MAP_COLUMNS), data.empty_frame(("route",)))
    hover = list(fig.data[0].hovertext)
    assert "Tin, output unknown" in hover[0] and "Tin, 12,568 t/yr" in hover[1]
    assert not any(" 0 t/yr" in h for h in hover)


def test_a_registry_stop_is_drawn_as_a_status_component_not_a_notice() -> None:
    days = pd.date_range("2025-03-01", periods=3)
    scores = pd.DataFrame(
        {"date": days, "risk": [100.0] * 3, "level": ["halted"] * 3, "status": ["halted"] * 3,
         "conflict": [10.0, 20.0, 0.0], "route": [5.0, 0.0, 0.0], "notice": [85.0, 80.0, 100.0]}
    )  # fmt: skip
    stop = "status: halted (registry, since 2024-10-01)"
    fig = figures.risk_history(scores, data.halted_periods(scores), {}, registry_stop=stop)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name[f"Status ({stop})"].y) == [85.0, 80.0, 100.0]
    assert list(by_name["Notice component"].y) == [0.0, 0.0, 0.0]
    plain = figures.risk_history(scores, data.halted_periods(scores), {})
    assert not any(str(t.name).startswith("Status") for t in plain.data)


def test_why_this_score_names_both_the_road_and_the_mine_distance() -> None:
    explain = pd.DataFrame(
        {"event_date": pd.to_datetime(["2025-03-16"]), "type": ["battles"], "location": ["Kibua"],
         "via": ["route"], "distance_km": [8.9], "to_mine_km": [79.1], "to_road_km": [8.9], "share": [0.3]}
    )  # fmt: skip
    label = figures.contributions_bar(explain).data[0].y[0]
    assert label == "2025-03-16 Battles @ Kibua (8.9 km from its road, 79 km from the mine)"
