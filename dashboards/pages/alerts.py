"""Alerts (/alerts): the alert log, newest first, with each channel's delivery status."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import data, ids
from dashboards.components import command, context, empty_state, grid, page_header, parse_date
from monitor.domain import CHANNELS
from monitor.labels import label


def register(app: dash.Dash) -> None:
    """Register the page on ``app``."""
    dash.register_page(
        __name__, path="/alerts", name="Alerts", title="minewatch: alerts", order=3, layout=layout
    )


def _delivery_style() -> dict[str, Any]:
    """Green when delivered, red while retrying after a failure, amber while waiting to be sent."""
    return {
        "styleConditions": [
            {
                "condition": "params.value && params.value.startsWith('delivered')",
                "style": {"backgroundColor": "#2e9e4f", "color": "white"},
            },
            {
                "condition": "params.value && params.value.includes('failed attempt')",
                "style": {"backgroundColor": "#d62828", "color": "white"},
            },
            {
                "condition": "params.value && params.value.startsWith('pending')",
                "style": {"backgroundColor": "#f4a261", "color": "#1f2933"},
            },
        ]
    }


def _columns() -> list[dict[str, Any]]:
    delivery = [
        {"field": ch, "headerName": ch.capitalize(), "tooltipField": ch, "cellStyle": _delivery_style(),
         "minWidth": 120}
        for ch in CHANNELS
    ]  # fmt: skip
    return [
        {"field": "created_at", "headerName": "When (UTC)", "minWidth": 150, "sort": "desc"},
        {"field": "kind_label", "headerName": "Kind", "minWidth": 120, "maxWidth": 150},
        {"field": "site_id", "headerName": "Site", "maxWidth": 120},
        {"field": "title", "headerName": "Alert", "tooltipField": "summary", "minWidth": 380},
        {"field": "status", "headerName": "Status", "tooltipField": "status", "minWidth": 250},
        {"field": "sources", "headerName": "Sources", "tooltipField": "sources", "minWidth": 200},
        *delivery,
    ]


def layout(as_of: str | None = None, **_: Any) -> html.Div:
    """The alert log up to the 'Scores as of' day (every alert when the box is empty), read fresh on each
    load: the pages replay a past day as it was then, so alerts raised after it are left out, and counted."""
    ctx = context()
    day = parse_date(as_of)
    later = 0 if day is None else data.alerts_after(ctx.store, day)
    subtitle = (
        "Halts, resumptions, level rises, front-line fighting and stale feeds, and whether each channel "
        "got them."
    )
    if later:
        subtitle += f" Shown up to {day}, the 'Scores as of' day (not shown: {later:,} raised after it)."
    header = page_header("Alerts", subtitle)
    frame = data.alerts(ctx.store, through=day)
    if frame.empty:
        if later:
            return html.Div([header, empty_state(f"No alerts raised up to {day}.")])
        return html.Div([header, empty_state("No alerts yet.", "Run ", command("minewatch alerts"), ".")])
    rows = frame.assign(kind_label=frame["kind"].map(label))
    return html.Div([header, grid(ids.ALERTS_GRID, rows, _columns(), ctx.settings.dashboard.page_size)])
