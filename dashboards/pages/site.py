"""Site (/site/<id>): risk over time with halted periods, the front line, why this score (incidents and every
report of them), notices, events map and facts."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from dashboards import data, figures, ids
from dashboards.components import (
    command,
    context,
    empty_state,
    fmt_pct,
    fmt_tonnes,
    graph,
    grid,
    history_note,
    mark_links,
    number,
    page_header,
    parse_date,
)
from dashboards.palette import level_colour
from monitor.domain import HALT_UNCONFIRMED, STOPPED_STATUSES, UNSCORED
from monitor.labels import commodity_label


def register(app: dash.Dash) -> None:
    """Register the page on ``app`` (it has no callbacks: the 'as of' control re-renders it)."""
    dash.register_page(
        __name__, path_template="/site/<site_id>", name="Site", title=_title, order=10, layout=layout
    )


def _title(site_id: str | None = None, **_: Any) -> str:
    return f"minewatch: {site_id or 'site'}"


def _explain_columns() -> list[dict[str, Any]]:
    return [
        {"field": "mark", "headerName": "", "cellRenderer": "markdown", "maxWidth": 80, "filter": False},
        {"field": "event_date", "headerName": "Date", "minWidth": 125, "maxWidth": 140},
        {"field": "type_label", "headerName": "Type"},
        {"field": "sub_type", "headerName": "Sub-type"},
        {"field": "location", "headerName": "Location"},
        {"field": "via", "headerName": "Via", "maxWidth": 100},
        *distance_columns(),
        {"field": "fatalities", "headerName": "Fatalities", "maxWidth": 120},
        {
            "field": "share_pct",
            "headerName": "Share (%)",
            "valueFormatter": number(1),
            "maxWidth": 120,
            "sort": "desc",
        },
        {"field": "sources", "headerName": "Sources", "maxWidth": 140, "tooltipField": "sources"},
        {"field": "reports", "headerName": "Reports", "maxWidth": 110},
        {"field": "incident_id", "headerName": "Incident", "maxWidth": 120},
        {"field": "event_id", "headerName": "Event id", "maxWidth": 110},
    ]


def distance_columns() -> list[dict[str, Any]]:
    """The km from an event to the mine and to its export road (an event matched through the road is near
    the road and may be far from the mine: both are shown)."""
    return [
        {"field": column, "headerName": header, "valueFormatter": number(1), "minWidth": 130,
         "filter": "agNumberColumnFilter", "headerTooltip": tip}
        for column, header, tip in (
            ("to_mine_km", "To mine (km)", "Great-circle km from the event to the mine"),
            ("to_road_km", "To road (km)", "Km from the event to the nearest leg of the mine's export road"),
        )
    ]  # fmt: skip


def registry_stop(facts: dict[str, Any]) -> str | None:
    """'status: halted (registry, since 2024-10-01)' when the registry says the site does not produce."""
    status = facts.get("status")
    if status not in STOPPED_STATUSES:
        return None
    since = facts.get("status_since")
    when = f", since {pd.Timestamp(since):%Y-%m-%d}" if since is not None and not pd.isna(since) else ""
    return f"status: {figures.label(status).lower()} (registry{when})"


def _report_columns() -> list[dict[str, Any]]:
    return [
        {"field": "mark", "headerName": "", "cellRenderer": "markdown", "maxWidth": 80, "filter": False},
        {"field": "incident_id", "headerName": "Incident", "maxWidth": 120},
        {"field": "known_at", "headerName": "Public (UTC)", "minWidth": 150},
        {"field": "source", "headerName": "Source", "maxWidth": 110},
        {"field": "source_id", "headerName": "Source id", "maxWidth": 140},
        {"field": "event_date", "headerName": "Date", "maxWidth": 130},
        {"field": "sub_type", "headerName": "Sub-type", "tooltipField": "sub_type"},
        {"field": "location", "headerName": "Location"},
        {"field": "fatalities", "headerName": "Fatalities", "maxWidth": 120},
        {"field": "num_sources", "headerName": "Sources", "maxWidth": 110},
        {"field": "num_articles", "headerName": "Articles", "maxWidth": 110},
        {"field": "url", "headerName": "URL", "tooltipField": "url"},
    ]


def _notice_columns() -> list[dict[str, Any]]:
    return [
        {"field": "mark", "headerName": "", "cellRenderer": "markdown", "maxWidth": 80, "filter": False},
        {"field": "published_at", "headerName": "Published (UTC)", "minWidth": 160, "sort": "desc"},
        {"field": "kind_label", "headerName": "Kind", "maxWidth": 150},
        {"field": "confidence", "headerName": "Confidence", "valueFormatter": number(2), "maxWidth": 130},
        {"field": "title", "headerName": "Title", "minWidth": 300, "tooltipField": "title"},
        {"field": "cue", "headerName": "Why (cue)", "minWidth": 220, "tooltipField": "cue"},
        {"field": "language", "headerName": "Lang", "maxWidth": 90},
        {"field": "source", "headerName": "Source", "maxWidth": 140},
        {"field": "matched_on", "headerName": "Matched on"},
        {"field": "url", "headerName": "URL", "tooltipField": "url"},
    ]


def outputs_text(facts: dict[str, Any]) -> str:
    """Each commodity's annual output with its year ("copper 270,000 t (2020); cobalt 27,600 t (2023)"),
    the main commodity first; '' when none is known."""
    items = [o for o in facts.get("outputs") or [] if isinstance(o, dict) and o.get("tonnes") is not None]
    if not items and facts.get("annual_output_t") is not None:
        items = [{"commodity": facts.get("commodity"), "tonnes": facts["annual_output_t"],
                  "year": facts.get("output_year")}]  # fmt: skip
    return "; ".join(
        f"{o['commodity']} {fmt_tonnes(o['tonnes'])}" + (f" ({o['year']})" if o.get("year") else "")
        for o in items
    )


def facts_list(facts: dict[str, Any]) -> html.Dl:
    """The registry facts of a site as a definition list (plain text only)."""

    def item(term: str, value: Any) -> list[Any]:
        return [html.Dt(term), html.Dd(str(value) if value not in (None, "", []) else "unknown")]

    output = outputs_text(facts) or "output unknown"
    share = facts.get("world_share")
    coords = (
        f"{facts['lat']:.3f}, {facts['lon']:.3f}"
        + (f" (±{facts['coord_precision_km']:g} km)" if facts.get("coord_precision_km") else "")
        if facts.get("lat") is not None and facts.get("lon") is not None
        else None
    )
    places = ", ".join(str(p.get("name", "")) for p in facts.get("places") or [] if isinstance(p, dict))
    status = facts.get("status")
    if status and facts.get("status_since"):
        status = f"{status} since {facts['status_since']}"
    rows = [
        item("Operator", facts.get("operator")),
        item("Country", facts.get("country")),
        item("Commodity", facts.get("commodity")),
        item("All commodities", (facts.get("commodities") or "").replace(";", ", ")),
        item("Annual output (contained)", output),
        item("Output source", facts.get("output_source")),
        item("World share", fmt_pct(100 * share, 1) if share is not None else None),
        item("Coordinates", coords),
        item("Coordinate source", facts.get("coord_source")),
        item("Export route", facts.get("route_name")),
        item("Route source", facts.get("route_source")),
        item("Registry status", status),
        item("Status source", facts.get("status_source")),
        item("Aliases", ", ".join(str(a) for a in facts.get("aliases") or [])),
        item("Nearby places", places),
        item("Sources", facts.get("source")),
        item("Notes", facts.get("notes")),
    ]
    return html.Dl([part for row in rows for part in row], className="facts", id=ids.SITE_FACTS)


def _status_line(
    scores: pd.DataFrame, halted: pd.DataFrame, stop: str | None, unconfirmed_since: str | None
) -> list[Any]:
    if scores.empty:
        return ["Not scored yet: run ", command("minewatch score"), "."]
    last = scores.iloc[-1]
    text = f"Risk {last['risk']:.0f} ({last['level']}) on {last['date']:%Y-%m-%d}"
    if stop and last["status"] in STOPPED_STATUSES:
        text += f"; {stop}"
    elif last["status"] == "halted" and not halted.empty:
        text += f"; halted since {halted.iloc[-1]['start']:%Y-%m-%d}"
    if last["status"] == HALT_UNCONFIRMED and unconfirmed_since:
        text += f"; halt unconfirmed since {unconfirmed_since} (no later notice reconfirmed the halt)"
    return [text + "."]


def _why_status(stop: str | None, scores: pd.DataFrame) -> html.P | None:
    """The status component of a registry stop, said in words (the chart's remainder is not a notice)."""
    if not stop or scores.empty or scores["status"].iloc[-1] not in STOPPED_STATUSES:
        return None
    return html.P(
        [html.Strong(stop[:1].upper() + stop[1:]), ": the registry says the site does not produce, so it "
         "scores 100 whatever the news; conflict and route take their share and the status the rest."],
        className="status-component",
        id=ids.SITE_STATUS,
    )  # fmt: skip


def layout(site_id: str | None = None, as_of: str | None = None, **_: Any) -> html.Div:
    """One site's page, read fresh on each load."""
    ctx = context()
    facts = data.site(ctx.store, site_id or "")
    if facts is None:
        return html.Div(
            [
                page_header("Site not found"),
                empty_state(
                    f"There is no site with id '{site_id}'.",
                    "Pick one from the ",
                    dcc.Link("overview", href=dash.get_relative_path("/")),
                    ".",
                ),
            ]
        )
    day = parse_date(as_of)
    settings = ctx.settings
    scores = data.site_scores(ctx.store, facts["id"], day)
    halted = data.halted_periods(scores)
    last_day = scores["date"].iloc[-1].date() if not scores.empty else day
    level = str(scores["level"].iloc[-1]) if not scores.empty else UNSCORED
    explanation = data.site_explanation(ctx.store, settings, facts["id"], day, ctx.now)
    explain = data.site_explain(ctx.store, facts["id"], explanation)
    unconfirmed = data.halt_unconfirmed_since(explanation)
    notices = data.site_notices(ctx.store, facts["id"], day)
    events = (
        data.site_events(
            ctx.store,
            data.site_reach(facts, settings),
            last_day,
            settings.scoring.window_days,
            settings.dashboard.max_map_events,
        )
        if last_day
        else data.empty_frame(data.SITE_EVENT_COLUMNS)
    )
    route = data.routes(ctx.store, [facts["id"]])
    badge = html.Span(figures.label(level), className="badge", style={"backgroundColor": level_colour(level)})
    stop = registry_stop(facts)
    site_ids = pd.Series(facts["id"], index=explain.index, dtype=object)
    explain_rows = explain.assign(
        type_label=explain["type"].map(figures.label),
        share_pct=100 * pd.to_numeric(explain["share"]),
        mark=mark_links("incident", explain["incident_id"], site_ids),
    )
    reports = data.incident_reports(ctx.store, explain["incident_id"].dropna().tolist(), day)
    report_rows = reports.assign(
        mark=mark_links(
            "event", reports["event_id"], pd.Series(facts["id"], index=reports.index, dtype=object)
        )
    )
    notice_rows = notices.assign(
        kind_label=notices["kind"].map(figures.label),
        mark=mark_links(
            "notice", notices["notice_id"], pd.Series(facts["id"], index=notices.index, dtype=object)
        ),
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H2([facts["name"], " ", badge], id=ids.SITE_TITLE),
                    html.P(_status_line(scores, halted, stop, unconfirmed), className="subtitle"),
                    html.P(
                        [
                            f"{facts.get('operator') or 'Unknown operator'} · {facts.get('country')} · "
                            f"{commodity_label(facts.get('commodity'))}"
                        ],
                        className="subtitle",
                    ),
                ]
            ),
            history_note(data.owed_history(ctx.store)),
            graph(
                ids.SITE_RISK,
                figures.risk_history(scores, halted, settings.scoring.levels, registry_stop=stop),
            ),
            html.H3("Front line"),
            html.P(
                "How far the nearest territory taken by an armed group in the last "
                f"{settings.scoring.front.window_days} days is from the mine, day by day as known then; the "
                "hover gives its change over a week and, at that pace, the days until it reaches the site's "
                "radius.",
                className="note",
            ),
            graph(ids.SITE_FRONT, figures.front_history(scores, settings.scoring.front.radius_km)),
            html.H3("Why this score"),
            html.P(
                "The incidents that contribute most to the latest score, each through its strongest report, "
                "with their distance to the site (via the site itself or its export route), their share of "
                "the event-driven part, and which sources reported them. 'mark' sets an incident aside.",
                className="note",
            ),
            _why_status(stop, scores),
            graph(ids.SITE_EXPLAIN, figures.contributions_bar(explain)),
            grid(
                ids.SITE_EXPLAIN_GRID,
                explain_rows,
                _explain_columns(),
                settings.dashboard.page_size,
            )
            if not explain.empty
            else empty_state(
                "No event contributes to the latest score.",
                "Run ",
                command("minewatch collect"),
                " and ",
                command("minewatch score"),
                " to bring in new events.",
            ),
            html.H4("Every report of these incidents"),
            grid(ids.SITE_REPORTS_GRID, report_rows, _report_columns(), settings.dashboard.page_size)
            if not reports.empty
            else None,
            html.H3("Notices"),
            graph(ids.SITE_NOTICES, figures.notices_timeline(notices)),
            grid(
                ids.SITE_NOTICES_GRID,
                notice_rows,
                _notice_columns(),
                settings.dashboard.page_size,
            )
            if not notices.empty
            else empty_state(
                "No notices mention this site yet.",
                "Notices arrive with ",
                command("minewatch collect notices"),
                ".",
            ),
            html.H3("Events near the site and its route"),
            graph(
                ids.SITE_MAP,
                figures.site_map(
                    facts,
                    level,
                    events,
                    route,
                    base=ctx.map_base,
                ),
            ),
            html.H3("Facts"),
            facts_list(facts),
        ]
    )
