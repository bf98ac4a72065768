"""Commodities (/commodities): supply at risk over time per commodity, and the sites that drive it."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import html

from dashboards import data, figures, ids
from dashboards.components import (
    command,
    context,
    empty_state,
    graph,
    grid,
    history_note,
    level_style,
    number,
    page_header,
)
from dashboards.components import parse_date as _parse_date
from dashboards.pages.overview import site_links
from monitor.labels import commodity_label


def register(app: dash.Dash) -> None:
    """Register the page on ``app``."""
    dash.register_page(
        __name__,
        path="/commodities",
        name="Commodities",
        title="minewatch: commodities",
        order=1,
        layout=layout,
    )


def _columns() -> list[dict[str, Any]]:
    return [
        {"field": "site_link", "headerName": "Site", "cellRenderer": "markdown", "minWidth": 200},
        {"field": "commodity_label", "headerName": "Commodity"},
        {"field": "country", "headerName": "Country", "maxWidth": 110},
        {"field": "level", "headerName": "Level", "cellStyle": level_style(), "maxWidth": 130},
        {
            "field": "risk",
            "headerName": "Risk",
            "headerTooltip": "Risk score, 0-100",
            "valueFormatter": number(0),
            "maxWidth": 140,
        },
        {"field": "annual_output_t", "headerName": "Annual output (t)", "valueFormatter": number(0)},
        {
            "field": "supply_at_risk_t",
            "headerName": "At risk (t/yr)",
            "valueFormatter": number(0),
            "sort": "desc",
        },
        {
            "field": "share_of_commodity",
            "headerName": "Share of commodity at risk (%)",
            "valueFormatter": number(1),
        },
    ]


def drivers_table(drivers: pd.DataFrame) -> pd.DataFrame:
    """Drivers with a link, a readable commodity and each site's share of its commodity's tonnes at risk."""
    totals = drivers.groupby("commodity")["supply_at_risk_t"].transform("sum")
    return drivers.assign(
        site_link=site_links(drivers["site_name"], drivers["site_id"]),
        commodity_label=drivers["commodity"].map(commodity_label),
        share_of_commodity=100 * drivers["supply_at_risk_t"] / totals,
    )


def layout(as_of: str | None = None, **_: Any) -> html.Div:
    """Supply at risk per commodity, read fresh on each load."""
    ctx = context()
    day = _parse_date(as_of)
    world = data.load_world_production(ctx.world_production)
    history = data.with_world_share(data.supply_history(ctx.store, day), world)
    header = page_header(
        "Commodities",
        "Supply at risk = annual output x risk/100 per site (a halted site counts in full), "
        "summed per commodity.",
    )
    if history.empty:
        return html.Div(
            [
                header,
                empty_state(
                    "No scores yet.", "Run ", command("minewatch score"), " to compute supply at risk."
                ),
            ]
        )
    drivers = data.supply_drivers(ctx.store, day)
    unknown = drivers[drivers["supply_at_risk_t"].isna()]
    drivers = drivers.dropna(subset=["supply_at_risk_t"])
    world_note = (
        None
        if not world.empty
        else empty_state(
            "World production figures are missing, so supply at risk is shown in tonnes only.",
            "They come from monitor/data/commodities.csv (commodity, world_production_t).",
        )
    )
    return html.Div(
        [
            header,
            history_note(data.owed_history(ctx.store)),
            graph(ids.SUPPLY_TONNES, figures.supply_history_figure(history, "supply_at_risk_t")),
            world_note or graph(ids.SUPPLY_SHARE, figures.supply_history_figure(history, "pct_world")),
            html.H3("Which sites drive it"),
            graph("supply-drivers-bar", figures.drivers_bar(drivers)),
            grid(ids.SUPPLY_DRIVERS, drivers_table(drivers), _columns(), ctx.settings.dashboard.page_size)
            if not drivers.empty
            else empty_state("No site has supply at risk on this date."),
            unknown_output(unknown),
        ]
    )


def unknown_output(unknown: pd.DataFrame) -> html.Div | None:
    """The sites at risk whose output is unknown, counted apart: their tonnes are in no total above."""
    if unknown.empty:
        return None
    counts = unknown.groupby("commodity").size()
    summary = "; ".join(f"{commodity_label(c)}: {n}" for c, n in counts.items())
    return html.Div(
        [
            html.H3("At risk, output unknown"),
            html.P(
                f"{len(unknown)} site(s) at risk have no output figure, so their tonnes are not in the "
                f"totals above ({summary}).",
                className="note",
            ),
            html.Ul(
                [
                    html.Li(f"{r.site_name} ({commodity_label(r.commodity)}, {r.level}, risk {r.risk:.0f})")
                    for r in unknown.itertuples()
                ]
            ),
        ],
        id="supply-output-unknown",
    )
