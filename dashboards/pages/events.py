"""Events (/events): conflict events filtered by source, type, dates, country and distance to a site."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import data, figures, ids
from dashboards.cache import data_version
from dashboards.components import (
    Context,
    command,
    context,
    csv_download,
    download_button,
    empty_state,
    graph,
    grid,
    mark_links,
    page_header,
    parse_date,
    plain_json,
    records,
    shown_rows,
)
from dashboards.pages.site import distance_columns

CSV_COLUMNS: tuple[str, ...] = (
    "event_id", "event_date", "source", "type", "sub_type", "fatalities", "location", "admin1", "country",
    "lat", "lon", "geo_precision", "actor1", "actor2", "nearest_site_id", "nearest_site_km", "incident_id",
    "incident_reports",
)  # fmt: skip


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on ``app``."""
    dash.register_page(
        __name__, path="/events", name="Events", title="minewatch: events", order=2, layout=layout
    )

    @app.callback(
        Output(ids.EVENTS_GRID, "rowData"),
        Output(ids.EVENTS_MAP, "figure"),
        Output(ids.EVENTS_COUNT, "children"),
        Output(ids.EVENTS_VERSION, "data"),
        Input(ids.EVENTS_SOURCE, "value"),
        Input(ids.EVENTS_TYPE, "value"),
        Input(ids.EVENTS_DATES, "start_date"),
        Input(ids.EVENTS_DATES, "end_date"),
        Input(ids.EVENTS_COUNTRY, "value"),
        Input(ids.EVENTS_MAX_KM, "value"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.AS_OF, "date"),
        State(ids.EVENTS_VERSION, "data"),
        prevent_initial_call=True,
    )
    def refresh(
        sources: list[str] | None,
        types: list[str] | None,
        start: str | None,
        end: str | None,
        countries: list[str] | None,
        max_km: float | None,
        _tick: int,
        as_of: str | None,
        shown_version: str | None,
    ) -> Any:
        ctx = context()
        version = data_version(ctx.store)
        if dash.ctx.triggered_id == ids.REFRESH and version == shown_version:
            raise PreventUpdate  # an auto-refresh with nothing new written
        flt = make_filter(
            ctx, parse_date(as_of), sources, types, parse_date(start), parse_date(end), countries, max_km
        )
        frame, total = query(ctx, flt)
        return records(frame), plain_json(_map(ctx, frame)), count_text(len(frame), total), version

    @app.callback(
        Output(ids.EVENTS_DOWNLOAD, "data"),
        Input(ids.EVENTS_DOWNLOAD_BUTTON, "n_clicks"),
        State(ids.EVENTS_GRID, "virtualRowData"),
        State(ids.EVENTS_GRID, "rowData"),
        prevent_initial_call=True,
    )
    def download(_clicks: int, shown: list[dict[str, Any]] | None, rows: list[dict[str, Any]] | None) -> Any:
        return csv_download(events_csv(shown if shown is not None else rows or []), "minewatch-events.csv")


def events_csv(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The events shown, with stable columns."""
    return shown_rows(rows, CSV_COLUMNS)


def make_filter(
    ctx: Context,
    as_of: date | None,
    sources: list[str] | None,
    types: list[str] | None,
    start: date | None,
    end: date | None,
    countries: list[str] | None,
    max_km: float | None,
) -> data.EventFilter:
    """The filter from the controls; a missing date range means the recent window up to 'as of'."""
    last = as_of or data.event_date_range(ctx.store)[1] or date.today()
    end = end or last
    start = start or end - timedelta(days=ctx.settings.dashboard.recent_days)
    known_by = datetime.combine(as_of + timedelta(days=1), time()) if as_of else None
    return data.EventFilter(
        start=min(start, end),
        end=max(start, end),
        sources=tuple(sources or ()),
        types=tuple(types or ()),
        countries=tuple(countries or ()),
        max_site_km=float(max_km) if max_km not in (None, "") else None,
        known_by=known_by,
    )


def query(ctx: Context, flt: data.EventFilter) -> tuple[pd.DataFrame, int]:
    """The events to show (at most max_map_events) and how many match in all."""
    frame = data.events(ctx.store, flt, ctx.settings.dashboard.max_map_events)
    total = len(frame)
    if total >= ctx.settings.dashboard.max_map_events:
        total = data.count_events(ctx.store, flt)
    return (
        frame.assign(
            type_label=frame["type"].map(figures.label),
            mark=mark_links("event", frame["event_id"], frame["nearest_site_id"]),
        ),
        total,
    )


def count_text(shown: int, total: int) -> str:
    if total > shown:
        return (
            f"Showing the newest {shown:,} of {total:,} matching events: narrow the filters to see the rest."
        )
    return f"{total:,} matching events."


def _map(ctx: Context, frame: pd.DataFrame) -> Any:
    return figures.events_map(frame, base=ctx.map_base)


def _columns() -> list[dict[str, Any]]:
    return [
        {"field": "mark", "headerName": "", "cellRenderer": "markdown", "maxWidth": 80, "filter": False},
        {"field": "event_date", "headerName": "Date", "minWidth": 125, "maxWidth": 140},
        {"field": "source", "headerName": "Source", "maxWidth": 110},
        {"field": "type_label", "headerName": "Type"},
        {"field": "sub_type", "headerName": "Sub-type", "tooltipField": "sub_type"},
        {
            "field": "fatalities",
            "headerName": "Fatalities",
            "maxWidth": 120,
            "filter": "agNumberColumnFilter",
        },
        {"field": "location", "headerName": "Location"},
        {"field": "admin1", "headerName": "Admin 1"},
        {"field": "country", "headerName": "Country", "maxWidth": 110},
        {"field": "nearest_site_id", "headerName": "Nearest site"},
        *distance_columns(),
        {"field": "actor1", "headerName": "Actor 1", "tooltipField": "actor1"},
        {"field": "incident_id", "headerName": "Incident", "maxWidth": 120},
        {
            "field": "incident_reports",
            "headerName": "Reports",
            "maxWidth": 110,
            "headerTooltip": "Stored reports of the same incident (counted once in the scores)",
        },
        {"field": "event_id", "headerName": "Event id", "maxWidth": 110},
    ]


def layout(as_of: str | None = None, **_: Any) -> html.Div:
    """The events page, read fresh on each load (newest events in the recent window)."""
    ctx = context()
    header = page_header(
        "Events",
        "Conflict events from every source, with the distance to the nearest site and the incident each "
        "reports (reports of one incident count once). 'mark' sets one aside.",
    )
    first, last = data.event_date_range(ctx.store)
    if last is None:
        return html.Div(
            [
                header,
                empty_state(
                    "No events yet.",
                    "Run ",
                    command("minewatch collect"),
                    " or ",
                    command("minewatch import acled FILE.csv"),
                    ".",
                ),
            ]
        )
    version = data_version(ctx.store)
    day = parse_date(as_of)
    flt = make_filter(ctx, day, None, None, None, None, None, None)
    frame, total = query(ctx, flt)
    options = data.event_options(ctx.store, frame)

    def dropdown(
        component_id: str, values: list[str], placeholder: str, labels: bool = False
    ) -> dcc.Dropdown:
        return dcc.Dropdown(
            id=component_id,
            multi=True,
            placeholder=placeholder,
            className="filter",
            options=[{"label": figures.label(v) if labels else v, "value": v} for v in values],
        )

    return html.Div(
        [
            header,
            html.Div(
                [
                    dropdown(ids.EVENTS_SOURCE, options["sources"], "All sources"),
                    dropdown(ids.EVENTS_TYPE, options["types"], "All types", labels=True),
                    dropdown(ids.EVENTS_COUNTRY, options["countries"], "All countries"),
                    dcc.DatePickerRange(
                        id=ids.EVENTS_DATES,
                        start_date=flt.start.isoformat(),
                        end_date=flt.end.isoformat(),
                        min_date_allowed=first.isoformat() if first else None,
                        max_date_allowed=(day or last).isoformat(),
                        display_format="YYYY-MM-DD",
                    ),
                    dcc.Input(
                        id=ids.EVENTS_MAX_KM,
                        type="number",
                        min=0,
                        placeholder="Max km to a site",
                        debounce=True,
                        className="number-input",
                    ),
                    download_button(ids.EVENTS_DOWNLOAD_BUTTON, ids.EVENTS_DOWNLOAD, "Download CSV"),
                ],
                className="toolbar",
            ),
            dcc.Store(id=ids.EVENTS_VERSION, data=version),
            html.P(count_text(len(frame), total), id=ids.EVENTS_COUNT, className="note"),
            graph(ids.EVENTS_MAP, _map(ctx, frame)),
            grid(ids.EVENTS_GRID, frame, _columns(), ctx.settings.dashboard.page_size),
        ]
    )
