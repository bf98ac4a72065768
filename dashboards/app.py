"""The analyst dashboard: ``create_app(store, settings)`` builds a Dash app with one page per module of
``dashboards.pages``.

Pages are registered explicitly (``pages_folder=""``) rather than found by Dash's folder scan, which
re-executes page files under guessed module names and breaks once minewatch is installed as a package.
The store lives on the app's Flask config, so several apps (tests, benchmarks) can share one process.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dash
from dash import Input, dcc, html

import monitor
from dashboards import basemap, data, figures, ids, pages
from dashboards.components import CONTEXT_KEY, Context, context
from dashboards.server import serve_metrics
from monitor.config import Settings
from monitor.exports.api import api_blueprint
from monitor.observability.metrics import Metrics
from monitor.store import Store

ASSETS = Path(__file__).parent / "assets"
WORLD_PRODUCTION = Path(monitor.__file__).parent / "data" / "commodities.csv"
BASEMAP_ASSET = "countries.geojson"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def _warm_up() -> None:
    """Build one small figure of each kind once per process, so Plotly's lazy imports and template loading
    happen at start-up rather than in the first analyst's page load."""
    import plotly.graph_objects as go

    figures.empty_figure("")
    go.Figure([go.Scattermap(lat=[0.0], lon=[0.0]), go.Scatter(x=[0], y=[0]), go.Bar(x=[0], y=[0])])


def page_modules() -> list[Any]:
    """Every module in dashboards.pages that has a ``register(app)`` (one file per page)."""
    modules = [
        importlib.import_module(f"{pages.__name__}.{m.name}") for m in pkgutil.iter_modules(pages.__path__)
    ]
    return [m for m in modules if callable(getattr(m, "register", None))]


def create_app(
    store: Store,
    settings: Settings,
    *,
    world_production: Path | None = WORLD_PRODUCTION,
    now: Callable[[], datetime] = _utc_now,
    initial_as_of: date | None = None,
    env: Mapping[str, str] | None = None,
) -> dash.Dash:
    """A Dash app reading ``store``; ``world_production`` is a commodities.csv (read when present).

    ``initial_as_of`` opens the pages on that day instead of the latest (the demo opens on the halt).
    ``env`` holds MINEWATCH_API_TOKENS for the export API under /api/v1 (none: the API answers 503)."""
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        title="minewatch",
        update_title=None,  # type: ignore[arg-type]  # None keeps the tab title (Dash's documented use)
        suppress_callback_exceptions=True,  # pages come and go; their callbacks are registered up front
        routing_callback_inputs={"as_of": Input(ids.AS_OF, "date")},
    )
    app.server.config[CONTEXT_KEY] = Context(
        store=store,
        settings=settings,
        world_production=world_production,
        now=now,
        map_base=basemap.MapBase.served(
            settings.dashboard.map_style,
            app.config.requests_pathname_prefix,
            app.get_asset_url(BASEMAP_ASSET),
        ),
        initial_as_of=initial_as_of,
    )
    for module in page_modules():
        module.register(app)
    app.layout = shell
    app.server.register_blueprint(api_blueprint(store, settings, env or {}, now))
    app.server.register_blueprint(basemap.blueprint(app.config.routes_pathname_prefix))
    serve_metrics(app.server, Metrics(store, settings, now))
    _warm_up()
    return app


def _nav() -> list[Any]:
    """Links to the pages of this package (the registry is process-wide), in their order."""
    own = [
        p
        for p in dash.page_registry.values()
        if p["module"].startswith(pages.__name__) and not p["path_template"]
    ]
    return [
        dcc.Link(p["name"], href=p["relative_path"], className="nav-link", id=f"nav-{p['name'].lower()}")
        for p in sorted(own, key=lambda p: p["order"] if p["order"] is not None else 99)
    ]


def shell() -> html.Div:
    """The frame around every page: navigation, the 'as of' date, auto-refresh, and the page itself."""
    ctx = context()
    first, last = data.score_date_range(ctx.store)
    refresh = ctx.settings.dashboard.refresh_seconds
    latest = f"Latest ({last:%Y-%m-%d})" if last else "Latest"
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.Span("minewatch", className="brand"),
                            html.Span("critical-minerals disruption monitor", className="tagline"),
                        ],
                        className="brand-box",
                    ),
                    html.Nav(_nav(), className="nav"),
                    html.Div(
                        [
                            html.Label("Scores as of", htmlFor=ids.AS_OF),
                            dcc.DatePickerSingle(
                                id=ids.AS_OF,
                                date=ctx.initial_as_of.isoformat() if ctx.initial_as_of else None,
                                min_date_allowed=first.isoformat() if first else None,
                                max_date_allowed=last.isoformat() if last else None,
                                placeholder=latest,
                                clearable=True,
                                display_format="YYYY-MM-DD",
                                persistence=True,
                                persistence_type="session",
                            ),
                        ],
                        className="as-of",
                        id=ids.DATA_AS_OF,
                    ),
                ],
                className="topbar",
            ),
            dcc.Interval(id=ids.REFRESH, interval=max(refresh, 1) * 1000, disabled=refresh == 0),
            html.Main(dash.page_container, className="content"),
            html.Footer(
                "Conflict data: ACLED, UCDP, GDELT. Map outlines: Natural Earth; place names: GeoNames "
                "(CC BY 4.0). "
                "Risk is a model, not a forecast.",
                className="footer",
            ),
        ]
    )
