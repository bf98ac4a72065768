"""Feeds (/feeds): per feed the last run, last success, lag, counts and last error; rejected rows."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, html

from dashboards import data, ids
from dashboards.components import Context, command, context, empty_state, grid, number, page_header, records


def register(app: dash.Dash) -> None:
    """Register the page and its refresh callback on ``app``."""
    dash.register_page(
        __name__, path="/feeds", name="Feeds", title="minewatch: feeds", order=4, layout=layout
    )

    @app.callback(
        Output(ids.FEEDS_GRID, "rowData"),
        Output(ids.REJECTED_GRID, "rowData"),
        Input(ids.REFRESH, "n_intervals"),
        prevent_initial_call=True,
    )
    def refresh(_tick: int) -> Any:
        status, rejected = frames(context())
        return records(status), records(rejected)


def frames(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Feed status (with lag from the injected clock) and the newest rejected rows."""
    return data.feed_status(ctx.store, ctx.now()), data.rejected_rows(ctx.store)


def _status_style() -> dict[str, Any]:
    return {
        "styleConditions": [
            {
                "condition": "params.value == 'failed'",
                "style": {"backgroundColor": "#d62828", "color": "white"},
            },
            {"condition": "params.value == 'ok'", "style": {"backgroundColor": "#2e9e4f", "color": "white"}},
        ]
    }


def _feed_columns() -> list[dict[str, Any]]:
    return [
        {"field": "feed_kind", "headerName": "Kind", "minWidth": 150, "maxWidth": 170},
        {
            "field": "feed_name",
            "headerName": "Feed",
            "minWidth": 220,
            "headerTooltip": "feed",
            "tooltipField": "feed",
        },
        {
            "field": "status",
            "headerName": "Last run status",
            "cellStyle": _status_style(),
            "minWidth": 140,
            "maxWidth": 150,
        },
        {"field": "last_run", "headerName": "Last run (UTC)", "minWidth": 160},
        {"field": "last_success", "headerName": "Last success (UTC)", "minWidth": 170},
        {"field": "lag_hours", "headerName": "Lag (hours)", "valueFormatter": number(1), "maxWidth": 130},
        {"field": "fetched", "headerName": "Fetched", "valueFormatter": number(0), "maxWidth": 120},
        {"field": "stored", "headerName": "Stored", "valueFormatter": number(0), "maxWidth": 120},
        {"field": "duplicates", "headerName": "Duplicates", "valueFormatter": number(0), "maxWidth": 130},
        {"field": "rejected", "headerName": "Rejected", "valueFormatter": number(0), "maxWidth": 120},
        {
            "field": "dropped",
            "headerName": "Dropped, by reason",
            "tooltipField": "dropped",
            "minWidth": 240,
        },
        {"field": "error", "headerName": "Last error", "tooltipField": "error", "minWidth": 220},
        {"field": "runs", "headerName": "Runs", "maxWidth": 100},
    ]


def _rejected_columns() -> list[dict[str, Any]]:
    return [
        {"field": "created_at", "headerName": "When (UTC)", "minWidth": 160, "sort": "desc"},
        {"field": "feed", "headerName": "Feed", "maxWidth": 120},
        {"field": "ref", "headerName": "Where", "maxWidth": 180},
        {"field": "reason", "headerName": "Reason", "minWidth": 260, "tooltipField": "reason"},
        {"field": "raw", "headerName": "Raw row (start)", "minWidth": 260, "tooltipField": "raw"},
    ]


def layout(**_: Any) -> html.Div:
    """Feed health, read fresh on each load."""
    ctx = context()
    status, rejected = frames(ctx)
    header = page_header(
        "Feeds",
        "Each collector's last run, its counts, the rows it chose not to keep by reason (GDELT rows that are "
        "not violence at a named place), and the rows it could not use.",
    )
    size = ctx.settings.dashboard.page_size
    # Both grids are always there (the refresh callback fills them); an empty one gets a note above it.
    body: list[Any] = [
        empty_state("No feed has run yet.", "Run ", command("minewatch collect"), ".")
        if status.empty
        else None,
        grid(ids.FEEDS_GRID, status, _feed_columns(), size),
        html.H3("Rejected rows"),
        empty_state("No rejected rows.", "Rows a feed cannot parse are kept here with the reason.")
        if rejected.empty
        else None,
        grid(ids.REJECTED_GRID, rejected, _rejected_columns(), size),
    ]
    return html.Div([header, *body])
