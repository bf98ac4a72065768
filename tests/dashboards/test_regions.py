"""Where a map opens: the sites at risk, or a region picked from one list."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards import data, figures, regions
from dashboards.basemap import MapBase
from monitor.store import Store
from tests.dashboards import seed


def _sites(*rows: tuple[str, float, float, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["site_id", "lat", "lon", "level"])


def test_the_box_holds_the_sites_at_risk_only() -> None:
    sites = _sites(
        ("bisie", -1.03, 27.73, "halted"),
        ("rubaya", -1.56, 28.88, "critical"),
        ("kolwezi", -10.7, 25.4, "elevated"),
        ("greenbushes", -33.9, 116.1, "low"),
        ("cigar", 58.0, -104.5, "low"),
    )
    assert regions.site_box(sites) == regions.Box(-10.7, 25.4, -1.03, 28.88)


def test_registry_stops_do_not_stretch_the_box_over_the_world() -> None:
    sites = _sites(
        ("bisie", -1.03, 27.73, "halted"),
        ("koniambo", -21.0, 164.8, "halted"),
        ("cobre", 8.8, -80.6, "halted"),
        ("greenbushes", -33.9, 116.1, "low"),
    )
    box = regions.site_box(sites, known_stops={"koniambo", "cobre"})
    assert box == regions.Box(-1.03, 27.73, -1.03, 27.73)


def test_with_nothing_at_risk_the_box_holds_every_located_site() -> None:
    sites = _sites(("a", -33.9, 116.1, "low"), ("b", 58.0, -104.5, "low"), ("c", float("nan"), 1.0, "low"))
    assert regions.site_box(sites) == regions.Box(-33.9, -104.5, 58.0, 116.1)
    assert regions.site_box(sites.iloc[0:0]) is None


def test_a_region_is_framed_closer_than_the_world_and_the_world_only_once() -> None:
    (africa_centre, africa_zoom) = regions.view_of(regions.REGIONS["Central Africa"])
    (_, world_zoom) = regions.view_of(regions.REGIONS[regions.WORLD])
    assert africa_zoom > world_zoom + 1.5
    assert africa_centre["lon"] == pytest.approx(21.5)
    # At this zoom a 1,400-px map is narrower than one world (512 px x 2^zoom).
    assert 512 * 2**world_zoom >= 1400
    assert regions.region_box(regions.AT_RISK) is None
    assert regions.region_box("Southeast Asia") == regions.REGIONS["Southeast Asia"]


def test_the_overview_map_opens_on_the_sites_at_risk_in_eastern_congo(seeded_store: Store) -> None:
    risk = data.risk_table(seeded_store)
    fig = figures.overview_map(risk, data.empty_frame(data.EVENT_MAP_COLUMNS), data.routes(seeded_store))
    centre, zoom = fig.layout.map.center, fig.layout.map.zoom
    assert -11 < centre.lat < -1 and 25 < centre.lon < 29
    assert zoom > 4
    picked = figures.overview_map(
        risk, data.empty_frame(data.EVENT_MAP_COLUMNS), data.routes(seeded_store),
        region=regions.REGIONS["South America"],
    )  # fmt: skip
    assert picked.layout.map.center.lon == pytest.approx(-58.0)
    assert picked.layout.uirevision != fig.layout.uirevision  # a new region resets the reader's pan


def test_the_map_legend_sits_below_the_map_not_on_it(seeded_store: Store) -> None:
    risk = data.risk_table(seeded_store)
    fig = figures.overview_map(
        risk, data.recent_events(seeded_store, seed.AS_OF, 30, 100), data.routes(seeded_store)
    )
    assert fig.layout.legend.orientation == "h"
    assert fig.layout.legend.y < 0 and fig.layout.legend.yanchor == "top"


def test_maps_that_can_draw_text_cluster_events_and_quiet_sites_and_name_the_sites_at_risk(
    seeded_store: Store,
) -> None:
    risk = data.risk_table(seeded_store)
    events = data.recent_events(seeded_store, seed.AS_OF, 30, 100)
    offline = MapBase.served("white-bg", "/", "/assets/countries.geojson")
    for base in (MapBase("carto-positron"), offline):  # a tile style, or the offline one with its glyphs
        fig = figures.overview_map(risk, events, data.routes(seeded_store), base=base)
        by_name = {t.name: t for t in fig.data}
        assert by_name["Battles"].cluster.enabled is True
        assert by_name["Site: halted"].mode == "markers+text"
        assert by_name["Site: halted"].text == ("Bisie",)
        assert by_name["Site: halted"].cluster.enabled is None  # a site at risk is always drawn alone
        assert by_name["Site: low"].mode == "markers"  # quiet sites stay unnamed...
        assert by_name["Site: low"].cluster.enabled is True  # ...and merge where they crowd
        assert by_name["Site: low"].cluster.color == figures.LEVEL_COLOURS["low"]
    bare = figures.overview_map(risk, events, data.routes(seeded_store))
    assert all("text" not in (t.mode or "") and not (t.cluster and t.cluster.enabled) for t in bare.data)


def test_a_clustering_map_keeps_every_trace_with_a_fixed_uid_so_a_redraw_removes_none(
    seeded_store: Store,
) -> None:
    """Plotly 7.1 fails to remove a clustered trace ("Map error." in the browser): none is ever removed."""
    risk = data.risk_table(seeded_store)
    events = data.recent_events(seeded_store, seed.AS_OF, 30, 100)
    base = MapBase("carto-positron")
    full = figures.overview_map(risk, events, data.routes(seeded_store), base=base)
    battles_only = events[events["type"] == "battles"]
    narrowed = figures.overview_map(
        risk[risk["level"] != "low"], battles_only, data.routes(seeded_store), base=base
    )
    assert [t.uid for t in full.data] == [t.uid for t in narrowed.data]
    riots = next(t for t in narrowed.data if t.uid == "events-riots")
    assert list(riots.lat) == [] and riots.showlegend is False and riots.cluster.enabled
    low = next(t for t in narrowed.data if t.uid == "sites-low")
    assert list(low.lat) == [] and low.showlegend is False
