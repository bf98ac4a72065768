"""Commodity supply at risk: site scores rolled up per day and main commodity, in tonnes and % of world."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from monitor.domain import HIGH_OR_WORSE

__all__ = ["SUPPLY_COLUMNS", "share_of_world_pct", "supply_at_risk", "supply_totals"]

#: Columns of the frame ``supply_at_risk`` returns.
SUPPLY_COLUMNS: tuple[str, ...] = (
    "date", "commodity", "supply_at_risk_t", "world_production_t", "share_of_world_pct", "sites_halted",
    "sites_high_or_worse", "top_site_ids",
)  # fmt: skip


def share_of_world_pct(tonnes: ArrayLike, world_production_t: ArrayLike) -> np.ndarray:
    """Tonnes as a percentage of world production (NaN where the production is unknown or not positive)."""
    production = np.asarray(world_production_t, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(production > 0, 100.0 * np.asarray(tonnes, dtype=float) / production, np.nan)


def supply_at_risk(
    scores: pd.DataFrame, sites: pd.DataFrame, commodities: pd.DataFrame | None, top_n: int = 3
) -> pd.DataFrame:
    """``supply_totals`` as the supply panel gives them: tonnes to 0.1 t, shares to 0.001 %."""
    rolled = supply_totals(scores, sites, commodities, top_n)
    if rolled.empty:
        return rolled
    rolled["share_of_world_pct"] = np.round(rolled["share_of_world_pct"].to_numpy(float), 3)
    rolled["supply_at_risk_t"] = rolled["supply_at_risk_t"].round(1)
    return rolled


def supply_totals(
    scores: pd.DataFrame, sites: pd.DataFrame, commodities: pd.DataFrame | None, top_n: int = 3
) -> pd.DataFrame:
    """Sum each day's supply at risk over the sites of each main commodity; name the sites that weigh most.

    ``scores`` has date, site_id, level and supply_at_risk_t; ``sites`` id and commodity; ``commodities``
    commodity and world_production_t. Sites with no known output add 0 t but still count as halted or
    high. ``top_site_ids`` lists up to ``top_n`` sites with tonnes at risk, largest first, ``;``-separated.
    Columns: ``SUPPLY_COLUMNS``, unrounded.
    """
    if scores is None or scores.empty or sites is None or sites.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUPPLY_COLUMNS})
    site_commodity = sites.drop_duplicates("id").set_index(sites.drop_duplicates("id")["id"].astype(str))
    frame = pd.DataFrame(
        {
            "date": scores["date"].to_numpy(),
            "site_id": scores["site_id"].astype(str).to_numpy(),
            "commodity": scores["site_id"].astype(str).map(site_commodity["commodity"]).fillna("").to_numpy(),
            "tonnes": pd.to_numeric(scores["supply_at_risk_t"], errors="coerce").fillna(0.0).to_numpy(float),
            "halted": (scores["level"] == "halted").to_numpy(),
            "high": scores["level"].isin(HIGH_OR_WORSE).to_numpy(),
        }
    )
    keys = ["date", "commodity"]
    rolled = frame.groupby(keys, sort=True).agg(
        supply_at_risk_t=("tonnes", "sum"),
        sites_halted=("halted", "sum"),
        sites_high_or_worse=("high", "sum"),
    )
    leaders = frame[frame["tonnes"] > 0].sort_values(
        [*keys, "tonnes", "site_id"], ascending=[True, True, False, True]
    )
    leaders = leaders.groupby(keys, sort=False).head(top_n)
    rolled["top_site_ids"] = leaders.groupby(keys)["site_id"].agg(";".join)
    rolled = rolled.reset_index()
    world = pd.Series(dtype=float)
    if commodities is not None and not commodities.empty:
        world = commodities.drop_duplicates("commodity").set_index("commodity")["world_production_t"]
    production = pd.to_numeric(rolled["commodity"].map(world), errors="coerce").astype(float)
    rolled["world_production_t"] = production
    rolled["share_of_world_pct"] = share_of_world_pct(rolled["supply_at_risk_t"], production)
    rolled["top_site_ids"] = rolled["top_site_ids"].fillna("").astype(object)
    rolled["sites_halted"] = rolled["sites_halted"].astype(np.int64)
    rolled["sites_high_or_worse"] = rolled["sites_high_or_worse"].astype(np.int64)
    return rolled[list(SUPPLY_COLUMNS)]
