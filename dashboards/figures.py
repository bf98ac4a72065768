"""Figure builders: pure functions from the frames in ``dashboards.data`` to Plotly figures.

Maps use ``scattermap`` on a ``basemap.MapBase``; with the default offline style they need no network: the
dashboard serves the country outlines, the place names and the glyphs map text is drawn with. Text from
feeds is escaped before it reaches a hover label: Plotly renders a few HTML tags there.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboards.basemap import TILELESS, MapBase, base_layers, has_text, map_style
from dashboards.palette import (
    COMPONENT_COLOURS,
    LEVEL_COLOURS,
    LEVEL_ORDER,
    commodity_colour,
    event_colour,
    kind_colour,
    level_colour,
)
from dashboards.regions import Box, site_box, view_of
from monitor.domain import EVENT_TYPES, STOPPED_STATUSES, UNSCORED
from monitor.labels import commodity_label, short_name
from monitor.labels import label as word_label

#: The parts of plotly_white our 2-D charts and maps use. The whole template (defaults for every trace type,
#: 3-D scenes, polar axes, colour scales) is copied into every figure and serialised with it, which was a
#: third of a map callback's time.
_WHITE = pio.templates["plotly_white"].layout
TEMPLATE = go.layout.Template(
    layout={
        key: _WHITE[key]
        for key in (
            "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor", "plot_bgcolor", "xaxis", "yaxis",
            "shapedefaults", "annotationdefaults", "title", "autotypenumbers",
        )
    }
)  # fmt: skip
_FONT = {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13, "color": "#1f2933"}


def label(value: Any) -> str:
    """A domain word as shown ('violence_against_civilians' -> 'Violence against civilians', 'none' ->
    'No halt signal', 'pgm' -> 'PGM'): ``monitor.labels``, the one map of them."""
    return word_label(value)


def plain(value: Any) -> str:
    """Feed text made safe for a Plotly label: tags are shown as text, never rendered."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def _figure(data: Any = None) -> go.Figure:
    """A figure on the light template (a plain ``go.Figure()`` first deep-copies the default template)."""
    return go.Figure(data, layout={"template": TEMPLATE})


def _base_layout_props(title: str, height: int) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 16}},
        "font": _FONT,
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        "hoverlabel": {"font": {"size": 12}},
    }


def _base_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    return fig.update_layout(**_base_layout_props(title, height))


def empty_figure(message: str, title: str = "", height: int = 320) -> go.Figure:
    """A figure that says why it has nothing to show (never a blank chart)."""
    fig = _figure()
    fig.add_annotation(
        text=plain(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 15}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, title, height)


# ---- maps -------------------------------------------------------------------------------------------------
def map_view(
    lats: Sequence[float | None] | np.ndarray, lons: Sequence[float | None] | np.ndarray
) -> tuple[dict[str, float], float]:
    """Centre and zoom that frame the points (``regions.view_of`` their box)."""
    frame = pd.DataFrame({"lat": np.asarray(lats, dtype=float), "lon": np.asarray(lons, dtype=float)})
    located = frame.dropna()
    if located.empty:
        return view_of(None)
    return view_of(
        Box(located["lat"].min(), located["lon"].min(), located["lat"].max(), located["lon"].max())
    )


def map_layout(view: tuple[dict[str, float], float]) -> dict[str, Any]:
    """The part of a map's layout that says where it looks (for a region picked after the map is drawn)."""
    center, zoom = view
    return {"center": center, "zoom": zoom}


def _map_figure(
    traces: list[go.Scattermap],
    title: str,
    view: tuple[dict[str, float], float],
    base: MapBase,
    revision: str = "map",
) -> go.Figure:
    """A map figure built in one go: adding traces and layout one by one copies every array each time.

    The legend sits below the map in rows, never over the data; the map stops at one world's width."""
    layout = {
        **_base_layout_props(title, 560),
        "template": TEMPLATE,
        "map": {"style": map_style(base), **map_layout(view), "layers": base_layers(base)},
        "margin": {"l": 0, "r": 0, "t": 50, "b": 0},
        "legend": {
            "orientation": "h",
            "yanchor": "top",
            "y": -0.01,
            "xanchor": "left",
            "x": 0.0,
            "font": {"size": 12},
        },
        # Keeps the reader's pan and zoom when the map is redrawn with fresh data (a new region resets it).
        "uirevision": revision,
    }
    return go.Figure(traces, layout=layout)


def _route_trace(routes: pd.DataFrame, name: str = "Export routes") -> list[go.Scattermap]:
    if routes.empty:
        return []
    # All routes in one trace, each followed by a NaN point so the lines do not join up.
    waypoints = [np.asarray([point[:2] for point in route], dtype=float) for route in routes["route"]]
    starts = np.cumsum([0, *(len(w) + 1 for w in waypoints[:-1])])
    points = np.full((int(starts[-1]) + len(waypoints[-1]) + 1, 2), np.nan)
    for start, w in zip(starts, waypoints, strict=True):
        points[start : start + len(w)] = w
    return [
        go.Scattermap(
            lat=points[:, 0], lon=points[:, 1], mode="lines", line={"width": 2.5, "color": "#546e7a"},
            name=name, hoverinfo="skip", uid="routes",
        )
    ]  # fmt: skip


def _texts(values: pd.Series) -> list[str]:
    """A column as escaped label text (see ``plain``); one vectorised test spares the common clean column."""
    text = values.fillna("").astype(str)
    if text.str.contains("[&<>]", regex=True).any():
        return [html.escape(v, quote=False) for v in text.tolist()]
    return text.tolist()  # type: ignore[no-any-return]


def _km(value: Any) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value):.1f} km"


# A clustered trace is never dropped from a map: Plotly (7.1) removes a clustered trace's source before
# its cluster layer, MapLibre refuses ("Source cannot be removed while layer ... is using it") and the page
# shows "Map error.". So a map that clusters draws every event type and clustered level each time, an
# absent one as an empty trace out of the legend, and every map trace has a fixed ``uid``: a redraw updates
# the traces in place instead of removing and adding them. (A uid becomes a CSS class: letters, digits, '-'.)
#: Events of one type closer than this many pixels are drawn as one circle with their count, up to the zoom
#: where a province fills the map (where the map can draw text: the count is text).
EVENT_CLUSTER = {"enabled": True, "maxzoom": 8, "size": [14, 20, 26], "step": [-1, 10, 50], "opacity": 0.8}


def _event_traces(
    events: pd.DataFrame, *, distance: bool = False, cluster: bool = False
) -> list[go.Scattermap]:
    """One trace per event type, sized by fatalities; with ``distance``, the hover gives the km to the mine
    and to its export road; with ``cluster``, nearby events of a type merge into a counted circle, and every
    type keeps its trace, empty when it has no event (see above ``EVENT_CLUSTER``)."""
    traces = []
    groups = dict(list(events.groupby("type", sort=True)))
    if cluster:
        groups = {kind: groups.get(kind, events.iloc[0:0]) for kind in sorted({*EVENT_TYPES, *groups})}
    for kind, group in groups.items():
        fatalities = group["fatalities"].fillna(0).to_numpy(dtype=float)
        size = 6 + 3 * np.log1p(fatalities)
        days = group["event_date"].dt.strftime("%Y-%m-%d").fillna("").tolist()
        what = plain(label(str(kind)))
        places, subs, sources = _texts(group["location"]), _texts(group["sub_type"]), _texts(group["source"])
        hover = [
            f"<b>{place}</b> {day}<br>{what}: {sub}<br>Fatalities: {int(dead)}<br>Source: {source}"
            for place, day, sub, dead, source in zip(places, days, subs, fatalities, sources, strict=True)
        ]
        if distance and "to_mine_km" in group:
            hover = [
                f"{text}<br>To the mine: {_km(mine)}<br>To the road: {_km(road)}"
                for text, mine, road in zip(
                    hover, group["to_mine_km"].tolist(), group["to_road_km"].tolist(), strict=True
                )
            ]
        traces.append(
            go.Scattermap(
                lat=group["lat"].to_numpy(dtype=float),
                lon=group["lon"].to_numpy(dtype=float),
                mode="markers",
                name=label(str(kind)),
                marker={"size": size, "color": event_colour(str(kind)), "opacity": 0.75},
                hovertext=np.asarray(hover, dtype=object),
                hovertemplate="%{hovertext}<extra></extra>",
                uid=f"events-{kind}",
                showlegend=not group.empty,
                **({"cluster": {**EVENT_CLUSTER, "color": event_colour(str(kind))}} if cluster else {}),
            )
        )
    return traces


def _site_sizes(output: pd.Series) -> np.ndarray:
    """Marker size from annual output (log scale, so a 400 kt mine does not hide a 300 t one)."""
    values = output.fillna(0).to_numpy(dtype=float)
    return np.clip(9 + 3.2 * np.log10(1 + values), 9, 30)


def _site_hover(group: pd.DataFrame, level: str) -> np.ndarray:
    output = [
        "output unknown" if pd.isna(t) or t <= 0 else f"{t:,.0f} t/yr"
        for t in group["annual_output_t"].tolist()
    ]
    risk = ["n/a" if pd.isna(r) else f"{r:.0f}" for r in group["risk"].tolist()]
    names, countries = _texts(group["site_name"]), _texts(group["country"])
    commodities = [plain(commodity_label(c)) for c in group["commodity"].tolist()]
    shown = label(level)
    return np.asarray(
        [
            f"<b>{name}</b> ({country})<br>{commodity}, {tonnes}<br>Risk {r}, {shown}"
            for name, country, commodity, tonnes, r in zip(
                names, countries, commodities, output, risk, strict=True
            )
        ],
        dtype=object,
    )


#: Levels whose sites are named on the map (where the style can draw text).
LABELLED_LEVELS: frozenset[str] = frozenset({"elevated", "high", "critical", "halted"})
#: Quiet sites close together on screen merge into one circle of their level's colour with their count,
#: up to the zoom where a province fills the map; a site at risk is always drawn on its own.
CLUSTERED_LEVELS: frozenset[str] = frozenset({UNSCORED, "low"})
SITE_CLUSTER = {"enabled": True, "maxzoom": 6, "size": [16, 22, 28], "step": [-1, 5, 20], "opacity": 0.9}
#: Sites drawn from the least to the most pressing, so nothing at risk hides under a quiet site; a critical
#: site (news of the day) is drawn over a halted one (a known stop), which is often the larger marker.
DRAW_ORDER: tuple[str, ...] = (UNSCORED, "low", "elevated", "high", "halted", "critical")


def overview_map(
    sites: pd.DataFrame,
    events: pd.DataFrame,
    routes: pd.DataFrame,
    *,
    region: Box | None = None,
    known_stops: Collection[str] = (),
    base: MapBase = TILELESS,
) -> go.Figure:
    """Located sites coloured by level and sized by output, recent matched events by type, export routes.

    Opens on ``region`` when given, else on the sites at risk (``regions.site_box``, without the
    registry's ``known_stops``)."""
    located = sites.dropna(subset=["lat", "lon"]) if not sites.empty else sites
    if located.empty:
        return empty_figure("No located sites yet: run `minewatch sites` or `minewatch import sites FILE`.")
    text = has_text(base)
    traces = [*_route_trace(routes), *(_event_traces(events, cluster=text) if not events.empty else [])]
    for level in DRAW_ORDER:
        group = located[located["level"] == level]
        if group.empty and not (text and level in CLUSTERED_LEVELS):  # kept: see above ``EVENT_CLUSTER``
            continue
        group = group.sort_values("annual_output_t", ascending=False, na_position="first")  # small on top
        traces.append(
            go.Scattermap(
                lat=group["lat"].to_numpy(dtype=float),
                lon=group["lon"].to_numpy(dtype=float),
                name=f"Site: {label(level).lower()}",
                uid=f"sites-{level}",
                showlegend=not group.empty,
                legendrank=LEVEL_ORDER.index(level),
                marker={
                    "size": _site_sizes(group["annual_output_t"]),
                    "color": level_colour(level),
                    "opacity": 0.95,
                },
                customdata=group["site_id"].to_numpy(dtype=object),
                hovertext=_site_hover(group, level),
                hovertemplate="%{hovertext}<extra></extra>",
                **(
                    {"cluster": {**SITE_CLUSTER, "color": level_colour(level)}}
                    if text and level in CLUSTERED_LEVELS
                    else {}
                ),
                # Sites at risk carry their name wherever the map can draw text.
                **(
                    {
                        "mode": "markers+text",
                        "text": _texts(group["site_name"].map(lambda n: short_name({"name": n}))),
                        "textposition": "top right",
                        "textfont": {"size": 12, "color": "#1f2933"},
                    }
                    if text and level in LABELLED_LEVELS
                    else {"mode": "markers"}
                ),
            )
        )
    return _map_figure(
        traces,
        "Sites by risk level, recent events and export routes",
        view_of(region or site_box(located, known_stops=known_stops)),
        base,
        revision=str(region or "at-risk"),
    )


def site_map(
    facts: dict[str, Any],
    level: str,
    events: pd.DataFrame,
    routes: pd.DataFrame,
    *,
    base: MapBase = TILELESS,
) -> go.Figure:
    """One site, its export route and the events exposed to it."""
    if facts.get("lat") is None or facts.get("lon") is None:
        return empty_figure("This site has no coordinates yet, so nothing can be matched to it.")
    traces = _route_trace(routes, name=f"Route: {plain(facts.get('route_name') or 'export route')}")
    traces += _event_traces(events, distance=True) if not events.empty else []
    places = facts.get("places") or []
    if places:
        traces.append(
            go.Scattermap(
                lat=[p.get("lat") for p in places],
                lon=[p.get("lon") for p in places],
                mode="markers",
                text=[plain(p.get("name")) for p in places],
                name="Nearby places",
                marker={"size": 6, "color": "#37474f"},
                hoverinfo="text",
                uid="places",
            )
        )
    name = plain(facts.get("name"))
    traces.append(
        go.Scattermap(
            lat=[facts["lat"]],
            lon=[facts["lon"]],
            mode="markers+text" if has_text(base) else "markers",
            text=[plain(short_name(facts))],
            hovertext=[name],
            textposition="top center",
            textfont={"size": 13, "color": "#1f2933"},
            name=f"Site ({label(level).lower()})",
            marker={"size": 22, "color": level_colour(level)},
            hovertemplate="<b>%{hovertext}</b><extra></extra>",
            uid="site",
        )
    )
    lats = [facts["lat"], *events.get("lat", pd.Series(dtype=float)).tolist()]
    lons = [facts["lon"], *events.get("lon", pd.Series(dtype=float)).tolist()]
    for route_points in routes.get("route", []):
        lats += [p[0] for p in route_points]
        lons += [p[1] for p in route_points]
    return _map_figure(traces, "Events near the site and its export route", map_view(lats, lons), base)


def events_map(events: pd.DataFrame, *, base: MapBase = TILELESS) -> go.Figure:
    """Events by type, sized by fatalities."""
    if events.empty:
        return empty_figure("No events match these filters.")
    return _map_figure(
        _event_traces(events, cluster=has_text(base)),
        "Events by type (size: fatalities)",
        map_view(events["lat"].to_numpy(dtype=float), events["lon"].to_numpy(dtype=float)),
        base,
    )


# ---- charts -----------------------------------------------------------------------------------------------
def risk_history(
    scores: pd.DataFrame, halted: pd.DataFrame, levels: dict[str, float], *, registry_stop: str | None = None
) -> go.Figure:
    """A site's risk over time: components stacked, the risk line on top, halted periods shaded, and the
    levels' lower bounds (``scoring.levels``) as dotted lines. With ``registry_stop`` (the registry says
    the site is stopped), what scoring books as the notice component on stopped days is shown as the status
    component it is."""
    if scores.empty:
        return empty_figure("No scores for this site yet: run `minewatch score`.", "Risk over time")
    fig = _figure()
    stopped = scores["status"].isin(STOPPED_STATUSES) if registry_stop else pd.Series(False, scores.index)
    parts = {
        "conflict": scores["conflict"].fillna(0),
        "route": scores["route"].fillna(0),
        "notice": scores["notice"].fillna(0).where(~stopped, 0.0),
    }
    if stopped.any():
        parts["status"] = scores["notice"].fillna(0).where(stopped, 0.0)
    for component, values in parts.items():
        name = f"Status ({registry_stop})" if component == "status" else f"{label(component)} component"
        fig.add_trace(
            go.Scatter(
                x=scores["date"],
                y=values,
                name=name,
                mode="lines",
                stackgroup="components",
                line={"width": 0.5, "color": COMPONENT_COLOURS[component]},
                hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}<extra>" + label(component) + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=scores["date"],
            y=scores["risk"],
            name="Risk (0-100)",
            mode="lines",
            line={"width": 3, "color": "#111111"},
            customdata=scores["level"],
            hovertemplate="%{x|%Y-%m-%d}: risk %{y:.0f} (%{customdata})<extra></extra>",
        )
    )
    for name, bound in levels.items():
        fig.add_hline(
            y=bound,
            line={"dash": "dot", "width": 1, "color": level_colour(name)},
            annotation_text=label(name),
            annotation_position="top left",
            annotation_font_size=11,
        )
    one_day = pd.Timedelta(days=1)
    for start, end in zip(halted.get("start", []), halted.get("end", []), strict=True):
        fig.add_vrect(
            x0=start - one_day / 2,
            x1=end + one_day / 2,
            fillcolor=LEVEL_COLOURS["halted"],
            opacity=0.18,
            line_width=0,
            annotation_text="Halted",
            annotation_position="top left",
            annotation_font={"color": LEVEL_COLOURS["halted"], "size": 12},
        )
    if not halted.empty:
        # A legend entry for the shading (shapes have none of their own).
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name="Halted period",
                marker={"symbol": "square", "size": 12, "color": LEVEL_COLOURS["halted"], "opacity": 0.35},
            )
        )
    _base_layout(fig, "Risk over time (components stacked; shaded: halted)", 380)
    fig.update_yaxes(title="Risk score (0-100)", rangemode="tozero")
    fig.update_xaxes(title=None)
    return fig


def front_history(scores: pd.DataFrame, radius_km: float) -> go.Figure:
    """A site's front line over time: km to the nearest territorial takeover of the last weeks (lower is
    nearer), with the site's radius as a dashed line and each day's weekly change and actor on hover."""
    known = scores.dropna(subset=["front_km"]) if "front_km" in scores else scores.iloc[0:0]
    if known.empty:
        return empty_figure("No territorial takeover within reach of this site.", "Front line", 280)
    fig = _figure()
    change = known["front_km_change_7d"].map(lambda v: "" if pd.isna(v) else f", {v:+.0f} km in 7 days")
    days = known["front_days_to_radius"].map(
        lambda v: "" if pd.isna(v) else (", at the radius" if v == 0 else f", radius in {v:.0f} days")
    )
    fig.add_trace(
        go.Scatter(
            x=known["date"],
            y=known["front_km"],
            name="Front line (km)",
            mode="lines+markers",
            line={"width": 2.5, "color": LEVEL_COLOURS["critical"], "shape": "hv"},
            marker={"size": 4},
            customdata=list(zip(_texts(known["front_actor"]), change + days, strict=True)),
            hovertemplate="%{x|%Y-%m-%d}: %{y:.0f} km (%{customdata[0]}%{customdata[1]})<extra></extra>",
        )
    )
    fig.add_hline(
        y=radius_km,
        line={"dash": "dash", "width": 1, "color": "#555555"},
        annotation_text=f"site radius ({radius_km:g} km)",
        annotation_position="bottom left",
        annotation_font_size=11,
    )
    _base_layout(fig, "Front line: km to the nearest territory taken in the last weeks", 300)
    fig.update_yaxes(title="km from the mine", rangemode="tozero")
    fig.update_xaxes(title=None)
    return fig


def _distances_text(to_mine: Any, to_road: Any, via: Any) -> str:
    """'79 km from the mine, 8.9 km from its road': the road first when the event counts through it."""
    mine = None if to_mine is None or pd.isna(to_mine) else f"{float(to_mine):.0f} km from the mine"
    road = None if to_road is None or pd.isna(to_road) else f"{float(to_road):.1f} km from its road"
    parts = [p for p in ((road, mine) if via == "route" else (mine, road)) if p]
    return ", ".join(parts) or "distance unknown"


def contributions_bar(explain: pd.DataFrame) -> go.Figure:
    """The events behind the latest score, as their share of it."""
    if explain.empty:
        return empty_figure("No event contributes to the latest score.", "Why this score", 280)
    ordered = explain.sort_values("share")
    mine = ordered["to_mine_km"] if "to_mine_km" in ordered else ordered["distance_km"]
    road = ordered["to_road_km"] if "to_road_km" in ordered else pd.Series(None, index=ordered.index)
    labels = (
        ordered["event_date"].dt.strftime("%Y-%m-%d").fillna("?")
        + " "
        + ordered["type"].map(label).map(plain)
        + " @ "
        + ordered["location"].map(plain)
        + " ("
        + [_distances_text(m, r, via) for m, r, via in zip(mine, road, ordered["via"], strict=True)]
        + ")"
    )  # fmt: skip
    fig = _figure(
        go.Bar(
            x=100 * ordered["share"].fillna(0),
            y=labels,
            orientation="h",
            marker={"color": [event_colour(t) for t in ordered["type"]]},
            hovertemplate="%{y}<br>%{x:.1f}% of the event-driven score<extra></extra>",
        )
    )
    _base_layout(fig, "Why this score: share of each contributing event", 120 + 34 * len(ordered))
    fig.update_layout(margin={"l": 20, "r": 20, "t": 50, "b": 40})
    fig.update_xaxes(title="Share of the conflict and route score (%)", rangemode="tozero")
    fig.update_yaxes(automargin=True)
    return fig


def notices_timeline(notices: pd.DataFrame) -> go.Figure:
    """Operator and news notices over time, one row per kind."""
    if notices.empty:
        return empty_figure("No notices mention this site yet.", "Notices", 240)
    when = notices["published_at"].fillna(notices["known_at"])
    fig = _figure()
    for kind, group in notices.assign(when=when).groupby("kind", sort=False):
        fig.add_trace(
            go.Scatter(
                x=group["when"],
                y=[label(str(kind))] * len(group),
                mode="markers",
                name=label(str(kind)),
                marker={"size": 14, "color": kind_colour(str(kind)), "symbol": "diamond"},
                customdata=np.column_stack([group["title"].map(plain), group["source"].map(plain)]),
                hovertemplate="%{x|%Y-%m-%d %H:%M}<br><b>%{customdata[0]}</b><br>%{customdata[1]}"
                "<extra></extra>",
            )
        )
    _base_layout(fig, "Notices by kind", 240)
    fig.update_layout(showlegend=False)
    fig.update_yaxes(title=None)
    return fig


def supply_history_figure(history: pd.DataFrame, value: str = "supply_at_risk_t") -> go.Figure:
    """Supply at risk per commodity over time, in tonnes or in % of world production. A commodity with
    nothing at risk on any day shown has no line (a row of lines at zero hides the ones that matter); the
    legend sits below the plot, clear of the title."""
    in_pct = value == "pct_world"
    title = "Supply at risk, % of world production" if in_pct else "Supply at risk, tonnes a year"
    data = history.dropna(subset=[value]) if value in history else history.iloc[0:0]
    if data.empty:
        what = "world production figures (commodities.csv)" if in_pct else "scores"
        return empty_figure(f"Nothing to show yet: no {what}.", title)
    data = data[data.groupby("commodity")[value].transform("max") > 0]
    if data.empty:
        return empty_figure("Nothing at risk on any day shown.", title)
    fig = _figure()
    for commodity, group in data.groupby("commodity", sort=True):
        fig.add_trace(
            go.Scatter(
                x=group["date"],
                y=group[value],
                name=commodity_label(commodity),
                mode="lines",
                line={"width": 2.5, "color": commodity_colour(str(commodity))},
                hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}"
                + ("%" if in_pct else " t")
                + "<extra>"
                + plain(commodity_label(commodity))
                + "</extra>",
            )
        )
    _base_layout(fig, title, 380)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.14, "xanchor": "left", "x": 0.0},
        margin={"b": 70},
    )
    fig.update_yaxes(title="% of world production" if in_pct else "Tonnes a year at risk", rangemode="tozero")
    return fig


def drivers_bar(drivers: pd.DataFrame) -> go.Figure:
    """The sites that put the most tonnes at risk, coloured by level."""
    if drivers.empty:
        return empty_figure("No site has supply at risk on this date.", "Which sites drive it")
    ordered = drivers.sort_values("supply_at_risk_t").tail(20)
    fig = _figure(
        go.Bar(
            x=ordered["supply_at_risk_t"],
            y=ordered["site_name"].map(plain)
            + " ("
            + ordered["commodity"].map(commodity_label).map(plain)
            + ")",
            orientation="h",
            marker={"color": [level_colour(v) for v in ordered["level"]]},
            customdata=ordered["level"],
            hovertemplate="%{y}: %{x:,.0f} t at risk (%{customdata})<extra></extra>",
        )
    )
    _base_layout(fig, "Which sites drive it: tonnes at risk (colour: level)", 120 + 30 * len(ordered))
    fig.update_xaxes(title="Tonnes a year at risk", rangemode="tozero")
    fig.update_yaxes(automargin=True)
    return fig
