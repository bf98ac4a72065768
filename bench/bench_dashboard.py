"""Benchmark the dashboard on a big store: 10,000 sites, 1,000,000 events and their nearest sites, 60 days of
scores.

Run by hand: ``.venv/bin/python bench/bench_dashboard.py [--db PATH] [--events N] [--sites N]``. It prints
the server-side time of the overview's first render (layout function + queries + JSON), the site page, and
the callbacks (through Dash's HTTP endpoint), against the targets: overview < 1 s, site < 0.5 s, callbacks
p95 < 300 ms (the auto-refresh's background redraw after new data is a page render: < 1 s).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from plotly.io.json import to_json_plotly

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboards import ids
from dashboards.app import create_app
from dashboards.cache import data_version
from dashboards.pages import commodities, events, overview, site
from feeds.rows import EVENT_COLUMNS
from monitor import models
from monitor.config import Settings
from monitor.reads import sql
from monitor.store import SCORES_VERSION, Store

AS_OF = date(2025, 4, 1)
NOW = datetime(2025, 4, 1, 23, 0)
TYPES = np.array(
    [
        "battles",
        "explosions_remote_violence",
        "violence_against_civilians",
        "riots",
        "protests",
        "strategic_developments",
    ]
)
COMMODITIES = np.array(["tin", "tantalum", "cobalt", "copper", "lithium", "gold", "tungsten", "nickel"])


def seed_big(store: Store, n_sites: int, n_events: int, days: int = 60, seed: int = 7) -> None:
    """Fill the store in bulk through its own write paths."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(-35, 60, n_sites)
    lon = rng.uniform(-120, 150, n_sites)
    commodity = COMMODITIES[rng.integers(0, len(COMMODITIES), n_sites)]
    output = np.round(10 ** rng.uniform(2, 5.5, n_sites))
    sites = [
        {
            "id": f"s{i:05d}",
            "name": f"Site {i}",
            "operator": f"Operator {i % 500}",
            "country": "CD",
            "commodity": str(commodity[i]),
            "commodities": str(commodity[i]),
            "lat": float(lat[i]),
            "lon": float(lon[i]),
            "coord_precision_km": 1.0,
            "coord_source": "bench",
            "annual_output_t": float(output[i]),
            "output_year": 2024,
            "world_share": 0.001,
            "aliases": [],
            "places": [],
            "route": [
                [float(lat[i]), float(lon[i])],
                [float(lat[i]) + 0.5, float(lon[i]) + 0.7],
                [float(lat[i]) + 1.0, float(lon[i]) + 1.1],
            ]
            if i % 4 == 0
            else [],
            "route_name": "road" if i % 4 == 0 else "",
            "status": "operating",
            "source": "bench",
            "notes": "",
            "origin": "user",
            "updated_at": NOW,
        }
        for i in range(n_sites)
    ]
    store.upsert(models.Site, sites, key=("id",))

    owner = rng.integers(0, n_sites, n_events)
    event_day = pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(0, 730, n_events), unit="D")
    frame = pd.DataFrame(
        {
            "source": "acled",
            "source_id": [f"B{i}" for i in range(n_events)],
            "event_date": event_day.date,
            "published_at": None,
            "type": TYPES[rng.integers(0, len(TYPES), n_events)],
            "sub_type": "Armed clash",
            "actor1": "A",
            "actor2": "B",
            "fatalities": rng.poisson(1.5, n_events),
            "lat": lat[owner] + rng.normal(0, 0.5, n_events),
            "lon": lon[owner] + rng.normal(0, 0.5, n_events),
            "geo_precision": 1,
            "location": "Somewhere",
            "country": "CD",
            "admin1": "",
            "notes": "",
            "url": "",
        },
        columns=list(EVENT_COLUMNS),
    )
    store.insert_events(frame, NOW)
    event_ids = sql.frame(store, "select id from event order by id")["id"].to_numpy()
    distance = np.abs(rng.normal(0, 50, n_events)).round(2)
    nearest = pd.DataFrame(
        {
            "event_id": event_ids,
            "site_id": [f"s{int(s):05d}" for s in owner],
            "via": "site",
            "distance_km": distance,
        }
    )
    store.insert_frame(models.NearestSite, nearest, key=("event_id",))

    first = AS_OF - timedelta(days=days - 1)
    risk = rng.uniform(0, 90, (n_sites, days))
    risk[:50, -20:] = 100.0  # a few halted sites
    rows = []
    for i in range(n_sites):
        top = [
            {
                "event_id": int(event_ids[j]),
                "via": "site",
                "distance_km": 10.0,
                "contribution": 1.0,
                "share": 0.25,
            }
            for j in rng.integers(0, n_events, 4)
        ]
        for d in range(days):
            value = float(risk[i, d])
            halted = value >= 100
            level = "halted" if halted else ["low", "elevated", "high", "critical"][min(int(value // 25), 3)]
            rows.append(
                {
                    "site_id": f"s{i:05d}",
                    "date": first + timedelta(days=d),
                    "risk": value,
                    "level": level,
                    "status": "halted" if halted else "operating",
                    "conflict": value * 0.7,
                    "route": value * 0.2,
                    "notice": value * 0.1,
                    "events_30d": 3,
                    "fatalities_30d": 2,
                    "nearest_event_km": 12.0,
                    "top_event_id": top[0]["event_id"],
                    "supply_at_risk_t": float(output[i]) * min(value, 100) / 100,
                    "computed_at": NOW,
                }
            )
    scores = pd.DataFrame(rows).drop(columns="computed_at")
    store.replace_scores(scores, sorted(set(scores["date"])), NOW)


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def report(name: str, times: list[float], target: float | None = None, p95: bool = False) -> None:
    first, median = times[0], statistics.median(times)
    pct95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    checked = pct95 if p95 else first
    verdict = (
        "" if target is None else (" OK" if checked < target else f" OVER target {target * 1000:.0f} ms")
    )
    print(
        f"{name:<44} first {first * 1000:8.1f} ms  median {median * 1000:8.1f} ms  p95 {pct95 * 1000:8.1f} ms"
        f"  (n={len(times)}){verdict}"
    )


def post(
    app: Any,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, Any]],
    state: list[tuple[str, str, Any]],
) -> None:
    """One callback round trip through Dash's HTTP endpoint, as the browser makes it."""
    output = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
    output = next((k for k in app.callback_map if re.sub(r"@[0-9a-f]+", "", k) == output), output)
    client = app.server.test_client()
    body = {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:500]
    response.get_data()
    response.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, help="SQLite file to reuse (seeded when it has no events)")
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    store = Store.from_url(f"sqlite:///{path}")
    store.create_schema()
    if not sql.scalar(store, "select count(*) from event"):
        start = time.perf_counter()
        seed_big(store, args.sites, args.events)
        took = time.perf_counter() - start
        print(f"seeded {args.sites:,} sites, {args.events:,} events in {took:.1f} s ({path})")
    counts = {
        t: sql.scalar(store, f"select count(*) from {t}") for t in ("site", "event", "nearest_site", "score")
    }
    print("rows:", ", ".join(f"{t} {n:,}" for t, n in counts.items()))

    app = create_app(store, Settings(), now=lambda: NOW)
    app.server.test_client().get(
        "/"
    ).close()  # server setup (callback registration), not part of a page render
    busiest = sql.scalar(
        store, "select site_id from score where date = :d order by risk desc limit 1", {"d": str(AS_OF)}
    )

    def render(layout: Callable[..., Any], **kwargs: Any) -> Callable[[], None]:
        def run() -> None:
            with app.server.test_request_context("/"):
                to_json_plotly(layout(**kwargs))

        return run

    print()
    report("overview first render (layout+queries+JSON)", timed(render(overview.layout), 5), 1.0)

    def rescored_then(run: Callable[[], None]) -> Callable[[], None]:
        def both() -> None:
            store.set_watermark(SCORES_VERSION, f"bench {time.perf_counter_ns()}", NOW)  # as after a rescore
            run()

        return both

    report(
        "overview render after a rescore (no cache)", timed(rescored_then(render(overview.layout)), 5), 1.0
    )
    report(f"site page /site/{busiest}", timed(render(site.layout, site_id=busiest), 5), 0.5)
    report("commodities page", timed(render(commodities.layout), 3))
    report("events page", timed(render(events.layout), 3))
    table_cb = [(ids.RISK_GRID, "rowData"), (ids.RISK_COUNT, "children")]

    def commodity_filter() -> None:
        post(
            app,
            table_cb,
            [(ids.RISK_COMMODITY, "value", ["tin"]), (ids.RISK_LEVEL, "value", None)],
            [(ids.AS_OF, "date", None)],
        )

    report("callback: overview commodity filter", timed(commodity_filter, args.runs), 0.3, p95=True)
    report(
        "callback: same, first after a rescore (no cache)",
        timed(rescored_then(commodity_filter), args.runs),
        0.3,
        p95=True,
    )
    refresh_cb = [
        *table_cb,
        (ids.OVERVIEW_MAP, "figure"),
        (ids.OVERVIEW_HEADLINE, "children"),
        (ids.OVERVIEW_VERSION, "data"),
    ]

    def overview_refresh(shown_version: str | None) -> Callable[[], None]:
        state = [
            (ids.RISK_COMMODITY, "value", None),
            (ids.RISK_LEVEL, "value", None),
            (ids.AS_OF, "date", None),
        ]
        return lambda: post(
            app,
            refresh_cb,
            [(ids.REFRESH, "n_intervals", 1)],
            [*state, (ids.OVERVIEW_VERSION, "data", shown_version), (ids.OVERVIEW_REGION, "value", None)],
        )

    report(
        "callback: overview auto-refresh, nothing new",
        timed(overview_refresh(data_version(store)), args.runs),
        0.3,
        p95=True,
    )
    # Not a user action: the page redraws itself in the background once per write, so it is held to the
    # page-render target rather than the 300 ms one for callbacks a user waits on.
    report(
        "background redraw after a rescore (page render)",
        timed(rescored_then(overview_refresh(data_version(store))), args.runs),
        1.0,
        p95=True,
    )
    events_cb = [
        (ids.EVENTS_GRID, "rowData"),
        (ids.EVENTS_MAP, "figure"),
        (ids.EVENTS_COUNT, "children"),
        (ids.EVENTS_VERSION, "data"),
    ]
    report(
        "callback: events filter (type, 30 days, <= 25 km)",
        timed(
            lambda: post(
                app,
                events_cb,
                [
                    (ids.EVENTS_SOURCE, "value", None),
                    (ids.EVENTS_TYPE, "value", ["battles"]),
                    (ids.EVENTS_DATES, "start_date", "2025-03-02"),
                    (ids.EVENTS_DATES, "end_date", "2025-04-01"),
                    (ids.EVENTS_COUNTRY, "value", None),
                    (ids.EVENTS_MAX_KM, "value", 25),
                    (ids.REFRESH, "n_intervals", 0),
                ],
                [(ids.AS_OF, "date", None), (ids.EVENTS_VERSION, "data", None)],
            ),
            args.runs,
        ),
        0.3,
        p95=True,
    )
    store.engine.dispose()


if __name__ == "__main__":
    main()
