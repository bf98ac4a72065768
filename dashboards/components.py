"""Building blocks shared by the pages: the app's context, empty states, grids, headline cards, formatting."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dash
import dash_ag_grid as dag
import flask
import pandas as pd
from dash import dcc, html
from plotly.io.json import to_json_plotly

from dashboards import ids
from dashboards.basemap import MapBase
from dashboards.cache import QueryCache
from dashboards.palette import DARK_LEVELS, LEVEL_COLOURS
from monitor.config import Settings
from monitor.spreadsheet import neutral_frame
from monitor.store import Store

CONTEXT_KEY = "MINEWATCH_DASHBOARD"


@dataclass(frozen=True)
class Context:
    """What a page needs, kept on the app's Flask config (no module globals)."""

    store: Store
    settings: Settings
    world_production: Path | None
    now: Callable[[], datetime]
    map_base: MapBase
    initial_as_of: date | None = None
    cache: QueryCache = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cache", QueryCache(self.store))


def context() -> Context:
    """The context of the app serving the current request."""
    return flask.current_app.config[CONTEXT_KEY]  # type: ignore[no-any-return]


def parse_date(value: Any) -> date | None:
    """A date from the date picker ('2025-04-01' or '2025-04-01T00:00:00'), or None."""
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def empty_state(title: str, *hint: Any) -> html.Div:
    """A notice saying what is missing and what to run to fill it (never a blank chart)."""
    return html.Div([html.Strong(title), html.P(list(hint)) if hint else None], className="empty-state")


def command(text: str) -> html.Code:
    return html.Code(text, className="command")


def history_note(owed: tuple[date, date] | None) -> html.P | None:
    """Why a chart starts later than the data: the history from ``owed[0]`` to the day before the first
    stored one (``owed[1]``) is still being scored (``dashboards.data.owed_history``)."""
    if owed is None:
        return None
    return html.P(
        [
            f"Scores from {owed[0]:%d %b %Y} to {owed[1] - timedelta(days=1):%d %b %Y} are still being "
            "computed, so the history starts on "
            f"{owed[1]:%d %b %Y}: ",
            command("minewatch run"),
            " scores them a block per feed run, ",
            command("minewatch score --history"),
            " at once.",
        ],
        className="note",
        id=ids.HISTORY_NOTE,
    )


def page_header(title: str, subtitle: str | Sequence[Any] = "") -> html.Div:
    return html.Div([html.H2(title), html.P(subtitle, className="subtitle") if subtitle else None])


def stat_card(value: str, caption: str, colour: str | None = None, card_id: str | None = None) -> html.Div:
    """One headline number with its caption."""
    style = {"borderTopColor": colour} if colour else None
    return html.Div(
        [html.Div(value, className="stat-value"), html.Div(caption, className="stat-caption")],
        className="stat-card",
        style=style,
        id=card_id or f"stat-{caption.lower().replace(' ', '-')}",
    )


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a grid or a CSV: dates as ISO text, missing values as None (JSON null)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            has_time = (out[column].dropna().dt.normalize() != out[column].dropna()).any()
            fmt = "%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d"
            out[column] = out[column].dt.strftime(fmt)
    # pandas' C JSON writer turns NaN into null far faster than a per-cell conversion.
    return json.loads(out.to_json(orient="records", force_ascii=False))  # type: ignore[no-any-return]


def shown_rows(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Grid rows (as the browser holds them) as a frame with exactly ``columns``, for a CSV download."""
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame:
            frame[column] = None
    return frame[list(columns)]


def plain_json(value: Any) -> Any:
    """A figure or components as plain JSON data, for a callback output: when every output is plain, Dash's
    serialiser takes orjson's fast path instead of walking every grid row in Python (a third of a call)."""
    return json.loads(to_json_plotly(value))


def mark_links(target: str, target_ids: pd.Series, site_ids: pd.Series | None = None) -> pd.Series:
    """Markdown links to the feedback page with the form filled in for each row's event, incident or notice
    (and site, for a wrong-site verdict); rows without an id get none."""
    prefix = dash.get_relative_path("/feedback")
    query = f"?target={target}&id=" + target_ids.astype("Int64").astype(str)
    if site_ids is not None:
        query = query + "&site=" + site_ids.fillna("").astype(str).map(quote)
    return ("[mark](" + prefix + query + ")").where(target_ids.notna(), "")


def number(decimals: int = 0) -> dict[str, str]:
    """An AG Grid value formatter: thousands separators, blanks for missing."""
    return {"function": f"params.value == null ? '' : d3.format(',.{decimals}f')(params.value)"}


def level_style() -> dict[str, Any]:
    """Cell colours for a level column (white text on the darker levels)."""
    return {
        "styleConditions": [
            {
                "condition": f"params.value == '{level}'",
                "style": {
                    "backgroundColor": colour,
                    "color": "white" if level in DARK_LEVELS else "#1f2933",
                    "fontWeight": "600",
                },
            }
            for level, colour in LEVEL_COLOURS.items()
        ]
    }


def grid(
    grid_id: str, frame: pd.DataFrame, columns: list[dict[str, Any]], page_size: int, **options: Any
) -> Any:
    """A sortable, filterable, paginated grid; cells are plain text unless a column says markdown."""
    sizes = sorted({page_size, 25, 50, 100, 500})
    return dag.AgGrid(
        id=grid_id,
        rowData=records(frame),
        columnDefs=columns,
        defaultColDef={
            "sortable": True,
            "filter": True,
            "floatingFilter": True,
            "resizable": True,
            "minWidth": 90,
            # A typed ISO date box, never the browser's own picker (mm/dd/yyyy in a US locale).
            "filterParams": {"browserDatePicker": False},
        },
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": page_size,
            "paginationPageSizeSelector": sizes,
            "animateRows": False,
            "enableCellTextSelection": True,
            "tooltipShowDelay": 300,
            "domLayout": "autoHeight",  # as tall as its rows (up to a page), no empty band below
            **options.pop("grid_options", {}),
        },
        columnSize="responsiveSizeToFit",
        style={"width": "100%"},
        **options,
    )


def csv_download(frame: pd.DataFrame, filename: str) -> dict[str, Any]:
    """A table as a CSV download, formula cells neutralised as in every CSV minewatch writes."""
    return dcc.send_data_frame(neutral_frame(frame).to_csv, filename, index=False)


def download_button(button_id: str, download_id: str, text: str) -> html.Div:
    return html.Div(
        [html.Button(text, id=button_id, className="button", n_clicks=0), dcc.Download(id=download_id)],
        className="download",
    )


def graph(graph_id: str, figure: Any) -> dcc.Graph:
    """A chart with its height reserved up front (so the page does not jump while a map loads)."""
    height = getattr(getattr(figure, "layout", None), "height", None)
    return dcc.Graph(
        id=graph_id,
        figure=figure,
        config={"displaylogo": False, "scrollZoom": True},
        style={"height": f"{height}px"} if height else None,
    )


def fmt_tonnes(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"{value:,.0f} t"


def fmt_pct(value: float | None, decimals: int = 1) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:.{decimals}f}%"
