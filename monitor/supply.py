"""Commodity supply at risk: each site's output of each of its commodities x its risk, rolled up per day
and commodity, in tonnes and % of world.

Defined here once: a site's tonnes at risk of a commodity are its annual output of that commodity times
its risk / 100 (a halted site is at 100, so all of it), to 0.1 t. Every commodity of a site with an output
figure counts with its own output, so a halted copper-cobalt mine puts its copper and its cobalt at risk.
A site whose output of its main commodity is unknown adds no tonnes: it is counted in
``sites_output_unknown`` instead, and a commodity whose only sites at risk have no output figure has its
tonnes "unknown", not 0 t (``tonnes_unknown``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from monitor.domain import HIGH_OR_WORSE

__all__ = [
    "OUTPUT_COLUMNS",
    "SUPPLY_COLUMNS",
    "share_of_world_pct",
    "site_outputs",
    "site_tonnes",
    "supply_at_risk",
    "supply_totals",
    "tonnes_at_risk",
    "tonnes_unknown",
]

#: Columns of the frame ``supply_at_risk`` returns.
SUPPLY_COLUMNS: tuple[str, ...] = (
    "date", "commodity", "supply_at_risk_t", "world_production_t", "share_of_world_pct", "sites",
    "sites_halted", "sites_high_or_worse", "sites_output_unknown", "top_site_ids",
)  # fmt: skip
#: Columns of ``site_outputs``: one row per site and commodity, ``output_t`` NaN where unknown.
OUTPUT_COLUMNS: tuple[str, ...] = ("site_id", "commodity", "output_t", "output_year")


def tonnes_at_risk(output_t: ArrayLike, risk: ArrayLike) -> np.ndarray:
    """Annual output x risk / 100, to 0.1 t (NaN where the output is unknown)."""
    return np.round(np.asarray(output_t, dtype=float) * np.asarray(risk, dtype=float) / 100.0, 1)


def share_of_world_pct(tonnes: ArrayLike, world_production_t: ArrayLike) -> np.ndarray:
    """Tonnes as a percentage of world production (NaN where the production is unknown or not positive)."""
    production = np.asarray(world_production_t, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(production > 0, 100.0 * np.asarray(tonnes, dtype=float) / production, np.nan)


def tonnes_unknown(supply_at_risk_t: ArrayLike, sites_output_unknown: ArrayLike) -> np.ndarray:
    """Where a commodity's tonnes at risk are unknown rather than 0: no site with an output figure adds
    any, and some site at risk has no figure."""
    tonnes = np.nan_to_num(np.asarray(supply_at_risk_t, dtype=float), nan=0.0)
    unknown = np.nan_to_num(np.asarray(sites_output_unknown, dtype=float), nan=0.0)
    return (tonnes <= 0) & (unknown > 0)


def _items(value: Any) -> list[dict[str, Any]]:
    """A site's ``outputs`` cell as a list of {commodity, tonnes, year} (Parquet gives arrays)."""
    if value is None or isinstance(value, (str, bytes, float, int)):
        return []
    return [dict(item) for item in value if isinstance(item, dict)]


def site_outputs(sites: pd.DataFrame) -> pd.DataFrame:
    """The (site, commodity) pairs that supply counts, with their annual output (``OUTPUT_COLUMNS``): each
    site's main commodity (``output_t`` NaN when its output is unknown) and every other commodity it has an
    output figure for. A by-product listed in ``commodities`` without a figure is not counted.

    ``sites`` has id and commodity, and optionally annual_output_t and output_year (the main commodity's
    figure) and outputs (``[{commodity, tonnes, year}]``).
    """
    if sites is None or sites.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTPUT_COLUMNS})
    rows: list[tuple[str, str, float, Any]] = []
    for record in sites.drop_duplicates("id").to_dict("records"):
        main = str(record.get("commodity") or "")
        figures = {
            str(item.get("commodity")): (item.get("tonnes"), item.get("year"))
            for item in _items(record.get("outputs"))
        }
        main_output = record.get("annual_output_t")
        if main_output is not None and main_output == main_output:
            figures[main] = (main_output, record.get("output_year"))
        for commodity in dict.fromkeys([main, *figures]):
            tonnes, year = figures.get(commodity, (None, None))
            rows.append((str(record["id"]), commodity, np.nan if tonnes is None else float(tonnes), year))
    frame = pd.DataFrame.from_records(rows, columns=list(OUTPUT_COLUMNS))
    frame["output_t"] = frame["output_t"].astype(float)
    frame["output_year"] = pd.to_numeric(frame["output_year"], errors="coerce").astype("Int64")
    return frame


def site_tonnes(
    scores: pd.DataFrame, sites: pd.DataFrame, outputs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each score's tonnes at risk per commodity of its site: date, site_id, commodity, output_t, tonnes,
    halted, high (whether the site is halted or high-or-worse) and unknown (at risk, output unknown).

    ``scores`` has date, site_id, level and risk. A scored site missing from ``sites`` gets commodity ''.
    ``outputs``: ``site_outputs(sites)``, when the caller has it already.
    """
    outputs = (site_outputs(sites) if outputs is None else outputs)[["site_id", "commodity", "output_t"]]
    base = pd.DataFrame(
        {
            "date": scores["date"].to_numpy(),
            "site_id": scores["site_id"].astype(str).to_numpy(),
            "risk": pd.to_numeric(scores["risk"], errors="coerce").fillna(0.0).to_numpy(float),
            "halted": (scores["level"] == "halted").to_numpy(),
            "high": scores["level"].isin(HIGH_OR_WORSE).to_numpy(),
        }
    )
    frame = base.merge(outputs, on="site_id", how="left", sort=False)
    frame["commodity"] = frame["commodity"].fillna("").astype(str)
    frame["tonnes"] = tonnes_at_risk(frame["output_t"], frame["risk"])
    frame["unknown"] = frame["output_t"].isna().to_numpy() & (frame["risk"].to_numpy(float) > 0)
    return frame


def supply_at_risk(
    scores: pd.DataFrame, sites: pd.DataFrame, commodities: pd.DataFrame | None, top_n: int = 3
) -> pd.DataFrame:
    """``supply_totals`` as the supply panel gives them: tonnes to 0.1 t, shares to 0.001 %, and both
    empty where the tonnes are unknown (``tonnes_unknown``)."""
    rolled = supply_totals(scores, sites, commodities, top_n)
    if rolled.empty:
        return rolled
    unknown = tonnes_unknown(rolled["supply_at_risk_t"], rolled["sites_output_unknown"])
    share = np.round(rolled["share_of_world_pct"].to_numpy(float), 3)
    rolled["share_of_world_pct"] = np.where(unknown, np.nan, share)
    rolled["supply_at_risk_t"] = np.where(unknown, np.nan, rolled["supply_at_risk_t"].round(1))
    return rolled


def supply_totals(
    scores: pd.DataFrame,
    sites: pd.DataFrame,
    commodities: pd.DataFrame | None,
    top_n: int = 3,
    outputs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sum each day's supply at risk over the sites of each commodity; name the sites that weigh most.

    ``scores`` has date, site_id, level and risk; ``sites`` what ``site_outputs`` reads; ``commodities``
    commodity and world_production_t. A site counts under every commodity it produces (``sites`` counts
    them). Sites with no known output of a commodity add 0 t to it but still count as halted or high and,
    when at risk, in ``sites_output_unknown``. ``top_site_ids`` lists up to ``top_n`` sites with tonnes at
    risk, largest first, ``;``-separated (none when ``top_n`` is 0). Columns: ``SUPPLY_COLUMNS``, unrounded.
    ``outputs``: ``site_outputs(sites)``, when the caller has it already.
    """
    no_sites = (sites is None or sites.empty) if outputs is None else outputs.empty
    if scores is None or scores.empty or no_sites:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUPPLY_COLUMNS})
    frame = site_tonnes(scores, sites, outputs)
    frame["tonnes"] = frame["tonnes"].fillna(0.0)
    keys = ["date", "commodity"]
    rolled = frame.groupby(keys, sort=True).agg(
        supply_at_risk_t=("tonnes", "sum"),
        sites=("site_id", "size"),
        sites_halted=("halted", "sum"),
        sites_high_or_worse=("high", "sum"),
        sites_output_unknown=("unknown", "sum"),
    )
    leaders = frame[(frame["tonnes"] > 0) & (top_n > 0)].sort_values(
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
    for column in ("sites", "sites_halted", "sites_high_or_worse", "sites_output_unknown"):
        rolled[column] = rolled[column].astype(np.int64)
    return rolled[list(SUPPLY_COLUMNS)]
