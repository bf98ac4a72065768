"""The bundled registry's invariants (monitor/data/sites.csv, commodities.csv, registry.yaml): every site
located with its precision and sources, enough sites, outputs, routes and statuses, and each commodity's
coverage of world production at its target."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from monitor import sites

MIN_SITES = 120
MIN_ROUTES = 30
MIN_OUTPUT_SHARE = 0.90


@pytest.fixture(scope="module")
def registry() -> pd.DataFrame:
    parse = sites.load_bundled(datetime(2026, 12, 5))
    assert parse.errors == [], [f"{e.ref}: {e.reason}" for e in parse.errors]
    return pd.DataFrame(parse.rows)


def test_the_registry_holds_enough_sites_with_unique_ids(registry: pd.DataFrame) -> None:
    assert len(registry) >= MIN_SITES
    assert registry["id"].is_unique


def test_every_site_is_located_with_a_precision_and_its_source(registry: pd.DataFrame) -> None:
    assert registry["lat"].notna().all() and registry["lon"].notna().all()
    assert (registry["coord_precision_km"] > 0).all()
    assert registry.loc[registry["coord_source"].str.strip() == "", "id"].tolist() == []


def test_every_site_cites_its_sources(registry: pd.DataFrame) -> None:
    assert registry.loc[registry["source"].str.strip() == "", "id"].tolist() == []


def test_most_sites_have_an_output_with_its_year_and_source(registry: pd.DataFrame) -> None:
    complete = (
        registry["annual_output_t"].notna()
        & registry["output_year"].notna()
        & (registry["output_source"].str.strip() != "")
    )
    assert complete.mean() >= MIN_OUTPUT_SHARE, registry.loc[~complete, "id"].tolist()
    # Every figure of another commodity has its year too.
    undated = [(r.id, o["commodity"]) for r in registry.itertuples() for o in r.outputs if o["year"] is None]
    assert undated == []


def test_enough_sites_have_their_export_route_with_its_name_and_source(registry: pd.DataFrame) -> None:
    routed = registry[registry["route"].map(len) >= 2]
    assert len(routed) >= MIN_ROUTES
    assert routed.loc[routed["route_name"].str.strip() == "", "id"].tolist() == []
    assert routed.loc[routed["route_source"].str.strip() == "", "id"].tolist() == []


def test_every_stopped_site_says_since_when_and_its_source(registry: pd.DataFrame) -> None:
    stopped = registry[registry["status"] != "operating"]
    assert stopped.loc[stopped["status_since"].isna(), "id"].tolist() == []
    assert stopped.loc[stopped["status_source"].str.strip() == "", "id"].tolist() == []


def test_no_site_produces_more_than_the_world(registry: pd.DataFrame) -> None:
    world = sites.commodities_frame().set_index("commodity")["world_production_t"]
    too_big = [
        (r.id, o["commodity"]) for r in registry.itertuples() for o in r.outputs
        if o["tonnes"] >= world[o["commodity"]]
    ]  # fmt: skip
    assert too_big == []


def test_every_commodity_has_its_world_production_with_unit_and_source() -> None:
    world = sites.commodities_frame().set_index("commodity")
    assert world.index.is_unique
    assert (world["world_production_t"] > 0).all() and world["year"].notna().all()
    assert (world["unit"] != "").all() and (world["source"] != "").all()


def test_the_metadata_gives_the_research_date_and_sources_policy() -> None:
    meta = sites.registry_meta()
    assert meta.research_date.isoformat() == "2026-12-05"
    assert "coord_precision_km" in meta.sources_policy and "output_source" in meta.sources_policy


@pytest.mark.parametrize("commodity", sorted(sites.registry_meta().coverage_targets_pct))
def test_each_commodity_covers_its_target_share_of_world_production(
    registry: pd.DataFrame, commodity: str
) -> None:
    meta = sites.registry_meta()
    table = sites.coverage(registry, sites.commodities_frame(), meta.coverage_targets_pct)
    row = table.set_index("commodity").loc[commodity]
    assert row["coverage_pct"] >= row["target_pct"], (commodity, row["coverage_pct"], row["target_pct"])
