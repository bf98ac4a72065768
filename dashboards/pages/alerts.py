"""Alerts (/alerts): the newest alerts, or an empty state until `minewatch alerts` creates its table."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import data, ids
from dashboards.components import command, context, empty_state, grid, page_header


def register(app: dash.Dash) -> None:
    """Register the page on ``app``."""
    dash.register_page(
        __name__, path="/alerts", name="Alerts", title="minewatch: alerts", order=3, layout=layout
    )


def layout(**_: Any) -> html.Div:
    """Alerts, read fresh on each load."""
    ctx = context()
    header = page_header("Alerts", "Alerts raised when a site changes level or a halt notice arrives.")
    frame = data.alerts(ctx.store)
    if frame is None:
        return html.Div(
            [
                header,
                empty_state(
                    "Alerts are not built yet.",
                    "Alerts arrive with ",
                    command("minewatch alerts"),
                    ": it creates them and sends them by e-mail, Slack or webhook.",
                ),
            ]
        )
    if frame.empty:
        return html.Div([header, empty_state("No alerts yet.", "Run ", command("minewatch alerts"), ".")])
    columns = [
        {"field": c, "headerName": c.replace("_", " ").capitalize(), "tooltipField": c} for c in frame.columns
    ]
    return html.Div([header, grid(ids.ALERTS_GRID, frame, columns, ctx.settings.dashboard.page_size)])
