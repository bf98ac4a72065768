"""Overview (/): every site on a map by level, headline numbers, and the ranked risk table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

import dash
import pandas as pd
from dash import Input, Output, Patch, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import data, figures, ids, regions
from dashboards.cache import data_version
from dashboards.components import (
    Context,
    command,
    context,
    csv_download,
    download_button,
    empty_state,
    fmt_pct,
    fmt_tonnes,
    graph,
    grid,
    level_style,
    number,
    page_header,
    parse_date,
    plain_json,
    records,
    shown_rows,
    stat_card,
)
from dashboards.palette import LEVEL_COLOURS, LEVEL_ORDER
from monitor.domain import UNSCORED
from monitor.labels import commodity_label

#: Columns of the risk CSV download (the `export risk` contract, for the rows shown).
CSV_COLUMNS: tuple[str, ...] = (
    "date", "site_id", "site_name", "operator", "country", "commodity", "risk", "level", "status", "conflict",
    "route", "notice", "events_30d", "fatalities_30d", "nearest_event_km", "top_event_id", "supply_at_risk_t",
)  # fmt: skip

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on ``app``."""
    dash.register_page(
        __name__, path="/", name="Overview", title="minewatch: overview", order=0, layout=layout
    )

    @app.callback(
        Output(ids.RISK_GRID, "rowData", allow_duplicate=True),
        Output(ids.RISK_COUNT, "children", allow_duplicate=True),
        Input(ids.RISK_COMMODITY, "value"),
        Input(ids.RISK_LEVEL, "value"),
        State(ids.AS_OF, "date"),
        prevent_initial_call=True,
    )
    def filter_table(commodities: list[str] | None, levels: list[str] | None, as_of: str | None) -> Any:
        ctx = context()
        risk = risk_table(ctx, parse_date(as_of), commodities or [], levels or [])
        table, total = table_rows(
            risk, commodities or [], levels or [], ctx.settings.dashboard.max_table_rows
        )
        return records(table), count_text(len(table), total)

    @app.callback(
        Output(ids.RISK_GRID, "rowData"),
        Output(ids.RISK_COUNT, "children"),
        Output(ids.OVERVIEW_MAP, "figure"),
        Output(ids.OVERVIEW_HEADLINE, "children"),
        Output(ids.OVERVIEW_VERSION, "data"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.RISK_COMMODITY, "value"),
        State(ids.RISK_LEVEL, "value"),
        State(ids.AS_OF, "date"),
        State(ids.OVERVIEW_VERSION, "data"),
        State(ids.OVERVIEW_REGION, "value"),
        prevent_initial_call=True,
    )
    def refresh(
        _tick: int,
        commodities: list[str] | None,
        levels: list[str] | None,
        as_of: str | None,
        shown_version: str | None,
        region: str | None,
    ) -> Any:
        ctx = context()
        version = data_version(ctx.store)
        if version == shown_version:
            raise PreventUpdate  # nothing was written since the page was drawn
        view = build_view(ctx, parse_date(as_of), commodities or [], levels or [], version, region)
        return (
            records(view["table"]),
            count_text(len(view["table"]), view["total"]),
            plain_json(view["map"]),
            plain_json(view["headline"]),
            view["version"],
        )

    @app.callback(
        Output(ids.OVERVIEW_MAP, "figure", allow_duplicate=True),
        Input(ids.OVERVIEW_REGION, "value"),
        State(ids.AS_OF, "date"),
        prevent_initial_call=True,
    )
    def choose_region(region: str | None, as_of: str | None) -> Any:
        """Move the map to the region picked (only its view is sent, not the traces)."""
        box = regions.region_box(region)
        if box is None:  # the sites at risk on the day shown
            box = regions.site_box(risk_table(context(), parse_date(as_of)))
        patch = Patch()
        patch["layout"]["map"].update(figures.map_layout(regions.view_of(box)))
        patch["layout"]["uirevision"] = region or regions.AT_RISK
        return patch

    @app.callback(
        Output(ids.RISK_DOWNLOAD, "data"),
        Input(ids.RISK_DOWNLOAD_BUTTON, "n_clicks"),
        State(ids.RISK_GRID, "virtualRowData"),
        State(ids.RISK_GRID, "rowData"),
        prevent_initial_call=True,
    )
    def download(_clicks: int, shown: list[dict[str, Any]] | None, rows: list[dict[str, Any]] | None) -> Any:
        frame = risk_csv(shown if shown is not None else rows or [])
        day = frame["date"].dropna().max() if not frame.empty else None
        return csv_download(frame, f"minewatch-risk-{day or 'latest'}.csv")


def site_links(names: pd.Series, site_ids: pd.Series) -> pd.Series:
    """Markdown links to the site pages; names are escaped so they are shown, never interpreted."""
    prefix = dash.get_relative_path("/site/")
    text = names.where(names.fillna("") != "", site_ids).astype(str)
    text = text.str.replace(_MARKDOWN_SPECIAL, r"\\\1", regex=True)
    return "[" + text + "](" + prefix + site_ids.map(quote) + ")"


def count_text(shown: int, total: int) -> str:
    if total > shown:
        return (
            f"The {shown:,} most at risk of {total:,} sites: filter by commodity or level to see the others."
        )
    return f"{total:,} sites."


def table_rows(
    risk: pd.DataFrame, commodities: list[str], levels: list[str], limit: int
) -> tuple[pd.DataFrame, int]:
    """The risk table rows passing the commodity and level filters (at most ``limit``) and how many passed."""
    shown = risk
    if commodities:
        shown = shown[shown["commodity"].isin(commodities)]
    if levels:
        shown = shown[shown["level"].isin(levels)]
    total = len(shown)
    shown = shown.head(limit)
    columns = [*CSV_COLUMNS]
    return shown[columns].assign(
        site_link=site_links(shown["site_name"], shown["site_id"]),
        commodity_label=shown["commodity"].map(commodity_label),
        status_label=shown["status"].map(figures.label),
    ), total


def risk_csv(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows shown in the risk table, as the `export risk` columns."""
    return shown_rows(rows, CSV_COLUMNS)


def risk_table(
    ctx: Context,
    as_of: date | None,
    commodities: Sequence[str] = (),
    levels: Sequence[str] = (),
    version: str | None = None,
) -> pd.DataFrame:
    """The risk table (filtered in SQL when filters are set), cached until the data changes (read-only)."""
    key = (as_of, tuple(sorted(commodities)), tuple(sorted(levels)))
    return ctx.cache.get(
        "risk_table", key, lambda: data.risk_table(ctx.store, as_of, commodities, levels), version
    )


def build_view(
    ctx: Context,
    as_of: date | None,
    commodities: list[str],
    levels: list[str],
    version: str | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """Query and shape everything the overview shows (the layout and the refresh callback share it).

    ``version`` is the data version the caller has just read, if any."""
    settings = ctx.settings.dashboard
    # Read before the data: a write in between only costs one more refresh.
    version = version if version is not None else data_version(ctx.store)
    risk = risk_table(ctx, as_of, version=version)
    score_day = risk["date"].dropna().max() if not risk.empty else None
    day = score_day.date() if score_day is not None and not pd.isna(score_day) else as_of
    events = (
        data.recent_events(ctx.store, day, settings.recent_days, settings.max_map_events)
        if day is not None
        else data.empty_frame(data.EVENT_MAP_COLUMNS)
    )
    table, total = table_rows(risk, commodities, levels, settings.max_table_rows)
    world = data.load_world_production(ctx.world_production)
    return {
        "version": version,
        "risk": risk,
        "day": day,
        "events": events,
        "table": table,
        "total": total,
        "map": figures.overview_map(
            risk,
            events,
            data.routes(ctx.store),
            region=regions.region_box(region),
            known_stops=data.known_stops(ctx.store),
            base=ctx.map_base,
        ),
        "headline": headline(risk, data.supply_at_risk(risk, data.site_outputs(ctx.store), world), world),
    }


def headline(risk: pd.DataFrame, supply: pd.DataFrame, world: pd.DataFrame) -> list[Any]:
    """Headline cards: sites halted, critical, high; supply at risk per commodity (t and % of world)."""
    counts = data.level_counts(risk)
    scored = len(risk) - counts[UNSCORED]
    cards = [
        stat_card(str(counts["halted"]), "Sites halted", LEVEL_COLOURS["halted"], "stat-halted"),
        stat_card(str(counts["critical"]), "Critical", LEVEL_COLOURS["critical"], "stat-critical"),
        stat_card(str(counts["high"]), "High", LEVEL_COLOURS["high"], "stat-high"),
        stat_card(f"{scored} / {len(risk)}", "Sites scored", None, "stat-scored"),
    ]
    shown = supply[(supply["supply_at_risk_t"] > 0) | supply["output_unknown"]].head(6)
    supply_cards = [
        stat_card(
            "output unknown" if row.output_unknown else fmt_tonnes(row.supply_at_risk_t),
            f"{commodity_label(row.commodity)} at risk"
            + (
                f" · {fmt_pct(row.pct_world, 2)} of world"
                if not pd.isna(row.pct_world) and not row.output_unknown
                else ""
            )
            + (f" · {_sites(row.sites_output_unknown)} output unknown" if row.sites_output_unknown else ""),
            "#455a64",
            f"stat-supply-{row.commodity}",
        )
        for row in shown.itertuples()
    ]
    note = None
    if supply_cards and world.empty:
        note = html.P(
            "World production figures are missing (commodities.csv): tonnes only.", className="note"
        )
    return [
        html.Div(cards, className="stat-row"),
        html.Div(supply_cards, className="stat-row") if supply_cards else None,
        note,
    ]


def _sites(count: int) -> str:
    return f"{count} site" if count == 1 else f"{count} sites"


def _columns() -> list[dict[str, Any]]:
    return [
        {
            "field": "site_link",
            "headerName": "Site",
            "cellRenderer": "markdown",
            "minWidth": 250,
            "filter": "agTextColumnFilter",
            "pinned": "left",
        },
        {"field": "commodity_label", "headerName": "Commodity"},
        {"field": "country", "headerName": "Country", "maxWidth": 110},
        {"field": "level", "headerName": "Level", "cellStyle": level_style(), "maxWidth": 130},
        {
            "field": "risk",
            "headerName": "Risk",
            "headerTooltip": "Risk score, 0-100",
            "valueFormatter": number(0),
            "filter": "agNumberColumnFilter",
            "maxWidth": 140,
        },
        {"field": "status_label", "headerName": "Status", "minWidth": 130, "tooltipField": "status_label"},
        {
            "field": "conflict",
            "headerName": "Conflict",
            "valueFormatter": number(0),
            "filter": "agNumberColumnFilter",
            "maxWidth": 120,
        },
        {
            "field": "route",
            "headerName": "Route",
            "valueFormatter": number(0),
            "filter": "agNumberColumnFilter",
            "maxWidth": 110,
        },
        {
            "field": "notice",
            "headerName": "Notice",
            "valueFormatter": number(0),
            "filter": "agNumberColumnFilter",
            "maxWidth": 110,
        },
        {
            "field": "nearest_event_km",
            "headerName": "Nearest event (km)",
            "valueFormatter": number(1),
            "filter": "agNumberColumnFilter",
        },
        {
            "field": "supply_at_risk_t",
            "headerName": "Supply at risk (t/yr)",
            "valueFormatter": number(0),
            "filter": "agNumberColumnFilter",
        },
    ]


def layout(as_of: str | None = None, **_: Any) -> html.Div:
    """The overview, read fresh from the store on each load."""
    ctx = context()
    view = build_view(ctx, parse_date(as_of), [], [])  # the map shows every site; filters narrow the table
    risk: pd.DataFrame = view["risk"]
    if risk.empty:
        return html.Div(
            [
                page_header("Overview"),
                empty_state(
                    "No sites yet.",
                    "Load the bundled registry with ",
                    command("minewatch sites"),
                    " or your own with ",
                    command("minewatch import sites FILE.csv"),
                    ", then ",
                    command("minewatch collect"),
                    " and ",
                    command("minewatch score"),
                    ".",
                ),
            ]
        )
    day = view["day"]
    notes = []
    if risk["date"].isna().all():
        notes.append(
            empty_state("No scores yet.", "Run ", command("minewatch score"), " to score the sites.")
        )
    if view["events"].empty:
        notes.append(
            empty_state(
                "No matched events in the recent window.",
                "No events yet? Run ",
                command("minewatch collect"),
                " (or ",
                command("minewatch demo"),
                ").",
            )
        )
    subtitle = (
        f"Scores as of {day:%Y-%m-%d}; events of the {ctx.settings.dashboard.recent_days} days up to it."
        if day
        else "Not scored yet."
    )
    commodity_options = sorted(risk["commodity"].unique())
    return html.Div(
        [
            page_header("Overview", subtitle),
            dcc.Store(id=ids.OVERVIEW_VERSION, data=view["version"]),
            html.Div(view["headline"], id=ids.OVERVIEW_HEADLINE),
            *notes,
            html.Div(
                [
                    html.Label("Map region", htmlFor=ids.OVERVIEW_REGION, className="control-label"),
                    dcc.Dropdown(
                        id=ids.OVERVIEW_REGION,
                        options=[regions.AT_RISK, *regions.REGIONS],
                        value=regions.AT_RISK,
                        clearable=False,
                        className="filter",
                    ),
                ],
                className="toolbar",
            ),
            graph(ids.OVERVIEW_MAP, view["map"]),
            html.H3("Sites ranked by risk"),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.RISK_COMMODITY,
                        options=[{"label": commodity_label(c), "value": c} for c in commodity_options],
                        multi=True,
                        placeholder="All commodities",
                        className="filter",
                    ),
                    dcc.Dropdown(
                        id=ids.RISK_LEVEL,
                        options=[{"label": figures.label(v), "value": v} for v in LEVEL_ORDER],
                        multi=True,
                        placeholder="All levels",
                        className="filter",
                    ),
                    download_button(ids.RISK_DOWNLOAD_BUTTON, ids.RISK_DOWNLOAD, "Download CSV"),
                ],
                className="toolbar",
            ),
            html.P(count_text(len(view["table"]), view["total"]), id=ids.RISK_COUNT, className="note"),
            grid(ids.RISK_GRID, view["table"], _columns(), ctx.settings.dashboard.page_size),
            html.P(
                "Risk 0-100 from conflict near the site and its export route, and operator notices; "
                "halted sites count fully toward supply at risk. Click a site for why it scores as it does.",
                className="note",
            ),
        ]
    )
