"""Supply at risk per commodity: each commodity of a site with its own output, unknown outputs apart."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from monitor import supply

DAY = date(2025, 3, 14)


def _scores(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"date": DAY, "site_id": s, "level": level, "risk": risk} for s, level, risk in rows]
    )


KAMOTO = {
    "id": "kamoto", "commodity": "copper", "annual_output_t": 270_000.0, "output_year": 2020,
    "outputs": [{"commodity": "copper", "tonnes": 270_000.0, "year": 2020},
                {"commodity": "cobalt", "tonnes": 27_600.0, "year": 2023}],
}  # fmt: skip
MUTANDA = {
    "id": "mutanda",
    "commodity": "cobalt",
    "annual_output_t": 11_200.0,
    "output_year": 2023,
    "outputs": [],
}
RUBAYA = {"id": "rubaya", "commodity": "tantalum", "annual_output_t": None, "outputs": []}
WORLD = pd.DataFrame(
    {"commodity": ["copper", "cobalt", "tantalum"], "world_production_t": [23e6, 290e3, 2100.0]}
)


def test_a_halted_copper_cobalt_mine_puts_its_copper_and_its_cobalt_at_risk() -> None:
    rolled = supply.supply_at_risk(
        _scores(("kamoto", "halted", 100.0), ("mutanda", "high", 50.0)),
        pd.DataFrame([KAMOTO, MUTANDA]),
        WORLD,
    ).set_index("commodity")
    assert rolled.loc["copper", "supply_at_risk_t"] == 270_000.0
    assert rolled.loc["cobalt", "supply_at_risk_t"] == 27_600.0 + 5_600.0
    assert (rolled.loc["cobalt", "sites"], rolled.loc["cobalt", "sites_halted"]) == (2, 1)
    assert rolled.loc["cobalt", "top_site_ids"] == "kamoto;mutanda"
    assert rolled.loc["cobalt", "share_of_world_pct"] == pytest.approx(100 * 33_200 / 290_000, abs=1e-3)


def test_a_commodity_whose_sites_at_risk_have_no_output_has_its_tonnes_unknown_not_zero() -> None:
    rolled = supply.supply_at_risk(
        _scores(("rubaya", "critical", 90.0), ("kamoto", "low", 0.0)), pd.DataFrame([KAMOTO, RUBAYA]), WORLD
    ).set_index("commodity")
    tantalum = rolled.loc["tantalum"]
    assert math.isnan(tantalum["supply_at_risk_t"]) and math.isnan(tantalum["share_of_world_pct"])
    assert (tantalum["sites_output_unknown"], tantalum["sites_high_or_worse"]) == (1, 1)
    # Kamoto is at no risk: 0 t of copper is a known 0, not unknown.
    assert (
        rolled.loc["copper", "supply_at_risk_t"] == 0.0 and rolled.loc["copper", "sites_output_unknown"] == 0
    )


def test_known_tonnes_stay_when_another_site_at_risk_has_no_output() -> None:
    sites = pd.DataFrame([MUTANDA, {**RUBAYA, "id": "shabara", "commodity": "cobalt"}])
    rolled = supply.supply_totals(
        _scores(("mutanda", "halted", 100.0), ("shabara", "high", 60.0)), sites, None
    )
    cobalt = rolled.set_index("commodity").loc["cobalt"]
    assert (cobalt["supply_at_risk_t"], cobalt["sites_output_unknown"]) == (11_200.0, 1)
    assert not supply.tonnes_unknown([cobalt["supply_at_risk_t"]], [cobalt["sites_output_unknown"]])[0]


def test_site_outputs_list_the_main_commodity_and_each_one_with_a_figure_only() -> None:
    by_product = {**MUTANDA, "commodities": "cobalt;copper;gold"}  # copper and gold have no figure
    outputs = supply.site_outputs(pd.DataFrame([KAMOTO, by_product, RUBAYA]))
    pairs = list(zip(outputs["site_id"], outputs["commodity"], outputs["output_t"].fillna(-1), strict=True))
    assert pairs == [
        ("kamoto", "copper", 270_000.0), ("kamoto", "cobalt", 27_600.0), ("mutanda", "cobalt", 11_200.0),
        ("rubaya", "tantalum", -1),
    ]  # fmt: skip


def test_tonnes_at_risk_are_output_times_risk_to_a_tenth_of_a_tonne() -> None:
    assert supply.tonnes_at_risk([12_568.0, 1_000.0], [33.33, 100.0]).tolist() == [4_188.9, 1_000.0]
    assert math.isnan(supply.tonnes_at_risk([float("nan")], [50.0])[0])
