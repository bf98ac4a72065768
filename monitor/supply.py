"""Commodity supply at risk: site scores rolled up per day and main commodity, in tonnes and % of world."""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitor.domain import HIGH_OR_WORSE

__all__ = ["SUPPLY_COLUMNS", "supply_at_risk"]

#: Columns of the frame ``supply_at_risk`` returns.
SUPPLY_COLUMNS: tuple[str, ...] = (
    "date", "commodity", "supply_at_risk_t", "world_production_t", "share_of_world_pct", "sites_halted",
    "sites_high_or_worse", "top_site_ids",
)  # fmt: skip


def supply_at_risk(
    scores: pd.DataFrame, sites: pd.DataFrame, commodities: pd.DataFrame | None, top_n: int = 3
) -> pd.DataFrame:
    """Sum each day's supply at risk over the sites of each main commodity; name the sites that weigh most.

    Sites with no known output add 0 t but still count as halted or high. ``top_site_ids`` lists up to
    ``top_n`` sites with tonnes at risk, largest first, ``;``-separated.
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
    rolled["world_production_t"] = pd.to_numeric(rolled["commodity"].map(world), errors="coerce").astype(
        float
    )
    production = rolled["world_production_t"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(
            production > 0, 100.0 * rolled["supply_at_risk_t"].to_numpy(float) / production, np.nan
        )
    rolled["share_of_world_pct"] = np.round(share, 3)
    rolled["supply_at_risk_t"] = rolled["supply_at_risk_t"].round(1)
    rolled["top_site_ids"] = rolled["top_site_ids"].fillna("").astype(object)
    rolled["sites_halted"] = rolled["sites_halted"].astype(np.int64)
    rolled["sites_high_or_worse"] = rolled["sites_high_or_worse"].astype(np.int64)
    return rolled[list(SUPPLY_COLUMNS)]
