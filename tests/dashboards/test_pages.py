from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import dash
import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from dashboards import basemap, ids, regions
from dashboards.app import page_modules
from dashboards.components import CONTEXT_KEY
from dashboards.pages import alerts, commodities, events, feeds, overview, site
from monitor import models, reads
from monitor.config import DashboardSettings, Settings
from monitor.reads import sql
from monitor.store import SCORES_OWED_FROM, SCORES_VERSION, Store
from tests.conftest import execute
from tests.dashboards import seed
from tests.dashboards.tree import find

Render = Callable[..., Any]


def _text(component: Any) -> str:
    return to_json_plotly(component)


def test_every_page_module_registers_a_page(
    make_app: Callable[[Store], dash.Dash], fresh_store: Store
) -> None:
    make_app(fresh_store)
    paths = {p["path"] for p in dash.page_registry.values() if p["module"].startswith("dashboards.pages")}
    assert paths >= {"/", "/site/none", "/commodities", "/events", "/alerts", "/feeds", "/feedback"}
    assert len(page_modules()) == 7


def test_two_apps_in_one_process_each_read_their_own_store(
    make_app: Callable[[Store], dash.Dash], seeded_store: Store, tmp_path: Path
) -> None:
    other = Store.from_url(f"sqlite:///{tmp_path / 'other.db'}")
    other.create_schema()
    first, second = make_app(seeded_store), make_app(other)
    for app, expect_sites in ((first, True), (second, False)):
        with app.server.test_request_context("/"):
            text = _text(overview.layout())
        assert ("Bisie" in text) is expect_sites
    other.engine.dispose()


def test_overview_shows_headline_numbers_map_and_ranked_table(seeded_store: Store, render: Render) -> None:
    page = render(seeded_store, overview.layout)
    text = _text(page)
    assert "Scores as of 2025-04-01" in text
    halted = find(page, "stat-halted")
    assert halted.children[0].children == "1"
    assert "17,300 t" in _text(find(page, "stat-supply-tin"))
    assert "5.77% of world" in _text(find(page, "stat-supply-tin"))
    rows = find(page, ids.RISK_GRID).rowData
    assert rows[0]["site_id"] == "bisie"
    assert rows[0]["level"] == "halted"
    assert rows[0]["site_link"] == r"[Bisie \(Mpama North \+ South\)](/site/bisie)"
    assert (
        find(page, ids.OVERVIEW_MAP).figure.layout.map.style["glyphs"]
        == "/_map/glyphs/{fontstack}/{range}.pbf"
    )


def test_overview_as_of_before_the_halt_shows_no_halted_site(seeded_store: Store, render: Render) -> None:
    page = render(seeded_store, overview.layout, as_of="2025-03-10")
    assert find(page, "stat-halted").children[0].children == "0"
    assert "Scores as of 2025-03-10" in _text(page)


def test_overview_on_an_empty_store_says_what_to_run(fresh_store: Store, render: Render) -> None:
    text = _text(render(fresh_store, overview.layout))
    assert "No sites yet." in text
    assert "minewatch sites" in text


def test_overview_with_sites_but_no_scores_or_events_says_so(fresh_store: Store, render: Render) -> None:
    fresh_store.upsert(seed.models.Site, seed._site_rows(seed.NOW), key=("id",))
    text = _text(render(fresh_store, overview.layout))
    assert "No scores yet." in text
    assert "minewatch collect" in text


def test_site_page_shows_halted_period_why_notices_map_and_facts(seeded_store: Store, render: Render) -> None:
    page = render(seeded_store, site.layout, site_id="bisie")
    text = _text(page)
    assert "halted since 2025-03-14" in text
    risk = find(page, ids.SITE_RISK).figure
    assert any(s.fillcolor == "#3b0a57" for s in risk.layout.shapes)
    assert find(page, "site-explain-grid").rowData[0]["location"] == "Kashebere"
    notices = find(page, "site-notices-grid").rowData
    assert {r["kind"] for r in notices} == {"halt", "evacuation", "none"}
    halt = next(r for r in notices if r["kind"] == "halt")
    assert (halt["kind_label"], halt["cue"], halt["language"]) == ("Halt", 'title: "suspends"', "en")
    columns = {c["field"]: c["headerName"] for c in find(page, "site-notices-grid").columnDefs}
    assert columns["cue"] == "Why (cue)" and columns["language"] == "Lang"
    assert "Alphamin Resources" in _text(find(page, ids.SITE_FACTS))
    assert "Walikale" in _text(find(page, ids.SITE_FACTS))


def test_site_page_says_since_when_a_halt_is_unconfirmed(seeded_store: Store, render: Render) -> None:
    # Bisie's last halt notice is of 2025-03-13: 30 days later (halt_confirm_days) its halt is unconfirmed.
    day = date(2025, 4, 21)
    row = {
        "site_id": "bisie", "date": day, "risk": 75.0, "level": "critical", "status": "halt_unconfirmed",
        "conflict": 0.0, "route": 0.0, "notice": 75.0, "events_30d": 0, "fatalities_30d": 0,
        "nearest_event_km": None, "top_event_id": None, "supply_at_risk_t": 9000.0,
        "computed_at": datetime(2025, 4, 21),
    }  # fmt: skip
    seeded_store.upsert(models.Score, [row], key=("site_id", "date"))
    scored = {"date": day, "computed_at": datetime(2025, 4, 21), "sites": 1, "level": "low", "explain": None}
    seeded_store.upsert(models.ScoreDay, [scored], key=("date",))
    text = _text(render(seeded_store, site.layout, site_id="bisie"))
    assert "Risk 75 (critical) on 2025-04-21; halt unconfirmed since 2025-04-12" in text
    assert "halted since" not in text


def test_site_page_of_an_unknown_site_links_back(seeded_store: Store, render: Render) -> None:
    text = _text(render(seeded_store, site.layout, site_id="atlantis"))
    assert "There is no site with id 'atlantis'" in text


def test_site_page_of_an_unscored_site_says_what_to_run(seeded_store: Store, render: Render) -> None:
    before = (seed.FIRST_DAY - timedelta(days=1)).isoformat()  # no day is scored yet
    text = _text(render(seeded_store, site.layout, site_id="manono", as_of=before))
    assert "Not scored yet" in text
    assert "no coordinates" in text


def test_commodities_page_shows_tonnes_percent_and_drivers(seeded_store: Store, render: Render) -> None:
    page = render(seeded_store, commodities.layout)
    assert find(page, ids.SUPPLY_TONNES) is not None
    assert find(page, ids.SUPPLY_SHARE) is not None
    drivers = find(page, ids.SUPPLY_DRIVERS).rowData
    assert drivers[0]["site_id"] == "tenke"
    assert drivers[1]["share_of_commodity"] == pytest.approx(100.0)


def test_commodities_page_without_world_production_shows_tonnes_only(
    seeded_store: Store, make_app: Callable[..., dash.Dash], tmp_path: Path
) -> None:
    app = make_app(seeded_store, world=tmp_path / "absent.csv")
    with app.server.test_request_context("/"):
        page = commodities.layout()
    assert find(page, ids.SUPPLY_SHARE) is None
    assert "World production figures are missing" in _text(page)


def test_events_page_lists_the_recent_window_with_filters(seeded_store: Store, render: Render) -> None:
    page = render(seeded_store, events.layout)
    rows = find(page, ids.EVENTS_GRID).rowData
    assert len(rows) == 11
    assert rows[0]["event_date"] == "2025-03-31"
    assert find(page, ids.EVENTS_COUNT).children == "11 matching events."
    assert [o["value"] for o in find(page, ids.EVENTS_SOURCE).options] == ["acled", "gdelt"]


def test_events_count_says_when_the_list_is_cut(
    seeded_store: Store, make_app: Callable[..., dash.Dash]
) -> None:
    settings = Settings(dashboard=DashboardSettings(max_map_events=3))
    app = make_app(seeded_store, settings)
    with app.server.test_request_context("/"):
        page = events.layout()
    assert len(find(page, ids.EVENTS_GRID).rowData) == 3
    assert "newest 3 of 11" in find(page, ids.EVENTS_COUNT).children


def test_feeds_page_shows_runs_and_rejected_rows(seeded_store: Store, render: Render) -> None:
    page = render(seeded_store, feeds.layout)
    feeds_rows = {r["feed"]: r for r in find(page, ids.FEEDS_GRID).rowData}
    assert feeds_rows["gdelt"]["status"] == "failed"
    assert feeds_rows["gdelt"]["lag_hours"] == pytest.approx(30.0)
    assert find(page, ids.REJECTED_GRID).rowData[0]["raw"] == "COD9,<i>x</i>,n/a,28.1"


@pytest.mark.parametrize("layout", [commodities.layout, events.layout, feeds.layout, alerts.layout])
def test_pages_on_an_empty_store_show_an_empty_state(fresh_store: Store, render: Render, layout: Any) -> None:
    text = _text(render(fresh_store, layout))
    assert "empty-state" in text
    assert "minewatch" in text


def test_no_page_renders_feed_text_as_html_or_markdown(seeded_store: Store, render: Render) -> None:
    for layout, kwargs in ((overview.layout, {}), (site.layout, {"site_id": "bisie"}), (events.layout, {}),
                           (feeds.layout, {}), (commodities.layout, {})):  # fmt: skip
        text = _text(render(seeded_store, layout, **kwargs))
        assert "dangerously_allow_html" not in text
        assert '"dangerously_allow_code":true' not in text.replace(" ", "")
        assert "Markdown" not in text
    grids = [find(render(seeded_store, site.layout, site_id="bisie"), "site-notices-grid")]
    markdown_fields = {c["field"] for g in grids for c in g.columnDefs if c.get("cellRenderer") == "markdown"}
    # Only the 'mark' links we write: numbers and a quoted site id, never feed text.
    assert markdown_fields <= {"mark"}
    marks = [row["mark"] for g in grids for row in g.rowData]
    assert marks and all(
        re.fullmatch(r"\[mark\]\(/feedback\?target=notice&id=\d+&site=bisie\)", m) for m in marks
    )


def test_overview_filter_callback_narrows_the_table(
    seeded_store: Store, make_app: Callable[..., dash.Dash], callback: Callable[..., Any]
) -> None:
    app = make_app(seeded_store)
    table = [(ids.RISK_GRID, "rowData"), (ids.RISK_COUNT, "children")]
    out = callback(
        app, table, [(ids.RISK_COMMODITY, "value", ["tin", "copper"]), (ids.RISK_LEVEL, "value", None)],
        [(ids.AS_OF, "date", None)],
    )  # fmt: skip
    assert [r["site_id"] for r in out[ids.RISK_GRID]["rowData"]] == ["bisie", "tenke"]
    assert out[ids.RISK_COUNT]["children"] == "2 sites."
    levels = callback(
        app, table, [(ids.RISK_COMMODITY, "value", []), (ids.RISK_LEVEL, "value", ["low"])],
        [(ids.AS_OF, "date", "2025-03-20")],
    )  # fmt: skip
    assert {r["level"] for r in levels[ids.RISK_GRID]["rowData"]} == {"low"}
    assert {r["date"] for r in levels[ids.RISK_GRID]["rowData"]} == {"2025-03-20"}


def test_overview_refresh_callback_rereads_map_headline_and_table(
    seeded_store: Store, make_app: Callable[..., dash.Dash], callback: Callable[..., Any]
) -> None:
    app = make_app(seeded_store)

    def refresh(shown_version: str | None) -> dict[str, dict[str, Any]]:
        return callback(
            app,
            [(ids.RISK_GRID, "rowData"), (ids.RISK_COUNT, "children"), (ids.OVERVIEW_MAP, "figure"),
             (ids.OVERVIEW_HEADLINE, "children"), (ids.OVERVIEW_VERSION, "data")],
            [(ids.REFRESH, "n_intervals", 1)],
            [(ids.RISK_COMMODITY, "value", ["tin"]), (ids.RISK_LEVEL, "value", None),
             (ids.AS_OF, "date", None), (ids.OVERVIEW_VERSION, "data", shown_version),
             (ids.OVERVIEW_REGION, "value", regions.AT_RISK)],
        )  # fmt: skip

    out = refresh(None)
    assert [r["site_id"] for r in out[ids.RISK_GRID]["rowData"]] == ["bisie"]
    assert "Site: halted" in {t["name"] for t in out[ids.OVERVIEW_MAP]["figure"]["data"]}
    assert "Sites halted" in str(out[ids.OVERVIEW_HEADLINE]["children"])
    shown = out[ids.OVERVIEW_VERSION]["data"]
    assert refresh(shown) == {}  # nothing written since: the page is left as it is

    seeded_store.finish_run(seeded_store.start_run("acled", seed.NOW), seed.NOW, status="ok")
    assert refresh(shown)[ids.OVERVIEW_VERSION]["data"] != shown


def test_the_risk_table_is_read_once_per_data_version(
    seeded_store: Store, make_app: Callable[..., dash.Dash], callback: Callable[..., Any]
) -> None:
    app = make_app(seeded_store)

    def filter_to(commodity: str) -> list[str]:
        out = callback(
            app,
            [(ids.RISK_GRID, "rowData"), (ids.RISK_COUNT, "children")],
            [(ids.RISK_COMMODITY, "value", [commodity]), (ids.RISK_LEVEL, "value", None)],
            [(ids.AS_OF, "date", None)],
        )
        return [(r["site_id"], r["level"]) for r in out[ids.RISK_GRID]["rowData"]]

    before = filter_to("tin")
    assert before and filter_to("tin") == before
    ctx = app.server.config[CONTEXT_KEY]
    assert len(ctx.cache) == 1  # both filters were served from one read
    execute(seeded_store, "UPDATE score SET level = 'low' WHERE site_id = :s", {"s": before[0][0]})
    assert filter_to("tin") == before  # a write outside the store's API is not seen until the version moves
    seeded_store.set_watermark(SCORES_VERSION, "rescored", seed.NOW)
    assert filter_to("tin")[0] == (before[0][0], "low")


def test_the_risk_table_is_capped_with_a_note(
    seeded_store: Store, make_app: Callable[..., dash.Dash]
) -> None:
    app = make_app(seeded_store, Settings(dashboard=DashboardSettings(max_table_rows=2)))
    with app.server.test_request_context("/"):
        page = overview.layout()
    assert [r["site_id"] for r in find(page, ids.RISK_GRID).rowData] == ["bisie", "rubaya"]
    assert "The 2 most at risk of 5 sites" in find(page, ids.RISK_COUNT).children


def test_risk_download_is_a_csv_of_the_rows_shown(
    seeded_store: Store, make_app: Callable[..., dash.Dash], callback: Callable[..., Any]
) -> None:
    app = make_app(seeded_store)
    with app.server.test_request_context("/"):
        rows = find(overview.layout(), ids.RISK_GRID).rowData
    out = callback(
        app,
        [(ids.RISK_DOWNLOAD, "data")],
        [(ids.RISK_DOWNLOAD_BUTTON, "n_clicks", 1)],
        [(ids.RISK_GRID, "virtualRowData", rows[:2]), (ids.RISK_GRID, "rowData", rows)],
    )
    download = out[ids.RISK_DOWNLOAD]["data"]
    assert download["filename"] == "minewatch-risk-2025-04-01.csv"
    frame = pd.read_csv(io.StringIO(download["content"]))
    assert list(frame.columns) == list(overview.CSV_COLUMNS)
    assert frame["site_id"].tolist() == ["bisie", "rubaya"]
    assert frame.loc[0, "level"] == "halted"


def test_events_filter_callback_and_download(
    seeded_store: Store, make_app: Callable[..., dash.Dash], callback: Callable[..., Any]
) -> None:
    app = make_app(seeded_store)
    out = callback(
        app,
        [(ids.EVENTS_GRID, "rowData"), (ids.EVENTS_MAP, "figure"), (ids.EVENTS_COUNT, "children"),
         (ids.EVENTS_VERSION, "data")],
        [(ids.EVENTS_SOURCE, "value", None), (ids.EVENTS_TYPE, "value", ["battles"]),
         (ids.EVENTS_DATES, "start_date", "2025-03-01"), (ids.EVENTS_DATES, "end_date", "2025-03-31"),
         (ids.EVENTS_COUNTRY, "value", ["CD"]), (ids.EVENTS_MAX_KM, "value", 10),
         (ids.REFRESH, "n_intervals", 0)],
        [(ids.AS_OF, "date", None), (ids.EVENTS_VERSION, "data", None)],
    )  # fmt: skip
    rows = out[ids.EVENTS_GRID]["rowData"]
    assert {r["location"] for r in rows} == {"Nyabiondo", "Kashebere", "Masisi", "Rubaya"}
    assert out[ids.EVENTS_COUNT]["children"] == "4 matching events."
    download = callback(
        app, [(ids.EVENTS_DOWNLOAD, "data")], [(ids.EVENTS_DOWNLOAD_BUTTON, "n_clicks", 1)],
        [(ids.EVENTS_GRID, "virtualRowData", rows), (ids.EVENTS_GRID, "rowData", rows)],
    )[ids.EVENTS_DOWNLOAD]["data"]  # fmt: skip
    frame = pd.read_csv(io.StringIO(download["content"]))
    assert list(frame.columns) == list(events.CSV_COLUMNS)
    assert len(frame) == 4


def test_events_auto_refresh_skips_when_nothing_was_written_but_filters_always_apply(
    seeded_store: Store, make_app: Callable[..., dash.Dash], callback: Callable[..., Any]
) -> None:
    app = make_app(seeded_store)

    def call(trigger: str, types: list[str] | None, shown_version: str | None) -> dict[str, dict[str, Any]]:
        return callback(
            app,
            [(ids.EVENTS_GRID, "rowData"), (ids.EVENTS_MAP, "figure"), (ids.EVENTS_COUNT, "children"),
             (ids.EVENTS_VERSION, "data")],
            [(ids.EVENTS_SOURCE, "value", None), (ids.EVENTS_TYPE, "value", types),
             (ids.EVENTS_DATES, "start_date", "2025-03-01"), (ids.EVENTS_DATES, "end_date", "2025-03-31"),
             (ids.EVENTS_COUNTRY, "value", None), (ids.EVENTS_MAX_KM, "value", None),
             (ids.REFRESH, "n_intervals", 3)],
            [(ids.AS_OF, "date", None), (ids.EVENTS_VERSION, "data", shown_version)],
            changed=[trigger],
        )  # fmt: skip

    first = call(f"{ids.EVENTS_TYPE}.value", None, None)
    shown = first[ids.EVENTS_VERSION]["data"]
    assert call(f"{ids.REFRESH}.n_intervals", None, shown) == {}
    narrowed = call(f"{ids.EVENTS_TYPE}.value", ["riots"], shown)
    assert len(narrowed[ids.EVENTS_GRID]["rowData"]) < len(first[ids.EVENTS_GRID]["rowData"])
    seeded_store.finish_run(seeded_store.start_run("gdelt", seed.NOW), seed.NOW, status="ok")
    assert call(f"{ids.REFRESH}.n_intervals", None, shown)[ids.EVENTS_VERSION]["data"] != shown


def test_feeds_refresh_callback_rereads_the_store(
    seeded_store: Store, make_app: Callable[..., dash.Dash], callback: Callable[..., Any]
) -> None:
    app = make_app(seeded_store)
    run = seeded_store.start_run("ucdp", seed.NOW)
    seeded_store.finish_run(run, seed.NOW, status="ok", fetched=5, stored=5)
    out = callback(
        app, [(ids.FEEDS_GRID, "rowData"), (ids.REJECTED_GRID, "rowData")], [(ids.REFRESH, "n_intervals", 3)]
    )
    assert {r["feed"] for r in out[ids.FEEDS_GRID]["rowData"]} == {"acled", "gdelt", "ucdp"}


def test_the_shell_has_navigation_as_of_and_a_configurable_refresh(
    seeded_store: Store, make_app: Callable[..., dash.Dash]
) -> None:
    settings = Settings(dashboard=DashboardSettings(refresh_seconds=0))
    app = make_app(seeded_store, settings)
    with app.server.test_request_context("/"):
        shell = app.layout()
    text = _text(shell)
    for name in ("Overview", "Commodities", "Events", "Alerts", "Feeds"):
        assert f'"{name}"' in text
    picker = find(shell, ids.DATA_AS_OF).children[1]
    assert str(picker.max_date_allowed) == "2025-04-01"
    assert find(shell, ids.REFRESH).disabled is True


def test_the_app_serves_its_offline_basemap(seeded_store: Store, make_app: Callable[..., dash.Dash]) -> None:
    app = make_app(seeded_store)
    response = app.server.test_client().get("/assets/countries.geojson")
    body = response.data
    response.close()
    assert response.status_code == 200
    assert b'"FeatureCollection"' in body[:200]
    assert b"Dem. Rep. Congo" in body


def test_the_app_serves_map_glyphs_for_any_font_stack_and_places_by_tier(
    seeded_store: Store, make_app: Callable[..., dash.Dash]
) -> None:
    client = make_app(seeded_store).server.test_client()
    # MapLibre asks for the stack Plotly names, URL-encoded; every stack gets the bundled font.
    for stack in ("Open%20Sans%20Regular,Arial%20Unicode%20MS%20Regular", "Open%20Sans%20Bold"):
        glyphs = client.get(f"/_map/glyphs/{stack}/0-255.pbf")
        assert glyphs.status_code == 200 and glyphs.mimetype == "application/x-protobuf"
        assert glyphs.data == (basemap.GLYPHS / "0-255.pbf").read_bytes()
        glyphs.close()
    missing = client.get("/_map/glyphs/Open%20Sans%20Regular/19968-20223.pbf")  # CJK: not bundled
    assert missing.status_code == 200 and missing.data == b""  # no glyphs, drawn as nothing
    missing.close()
    assert client.get("/_map/glyphs/x/..%2F..%2Fapp.pbf").status_code == 404  # only a range's name is read
    places = client.get("/_map/places.geojson")
    tiers = {f["properties"]["name"]: f["properties"]["tier"] for f in places.get_json()["features"]}
    places.close()
    assert (tiers["Goma"], tiers["Kinshasa"], tiers["Walikale"]) == ("towns", "cities", "places")


def test_the_feedback_form_stores_a_verdict_or_says_why_it_cannot(seeded_store: Store) -> None:
    from dashboards.pages import feedback as page

    event = int(sql.frame(seeded_store, "select min(id) as i from event")["i"][0])
    now = datetime(2025, 4, 2, 9, 0)
    assert "not an id" in page.mark(seeded_store, "event", "abc", "irrelevant", "", "ana", "", now)
    assert "needs the name" in page.mark(seeded_store, "event", event, "irrelevant", "", "", "", now)
    assert "needs the site" in page.mark(seeded_store, "event", event, "wrong_site", "", "ana", "", now)
    missing = page.mark(seeded_store, "incident", 999999, "duplicate", "", "ana", "", now)
    assert "There is no incident 999999" in missing
    assert sql.frame(seeded_store, "select * from feedback").empty  # nothing stored on a refusal
    done = page.mark(seeded_store, "event", f" {event} ", "wrong_site", "bisie", "ana", " said twice ", now)
    assert f"event {event} marked wrong site for bisie by ana" in done  # the verdict as read
    stored = sql.frame(seeded_store, "select target_id, verdict, site_id, note, created_by from feedback")
    assert stored.values.tolist() == [[event, "wrong_site", "bisie", "said twice", "ana"]]
    assert page.revoke(seeded_store, [], "ana", now) == "Select the verdicts to revoke in the list first."
    assert "Give your name" in page.revoke(seeded_store, [{"id": 1}], "", now)
    assert page.revoke(seeded_store, [{"id": 1}], "ben", now).startswith("Revoked 1 by ben")
    assert page.revoke(seeded_store, [{"id": 1}], "ben", now) == "Those verdicts were already revoked."


def test_the_events_and_site_grids_offer_a_mark_link_for_each_row(
    seeded_store: Store, render: Render
) -> None:
    rows = find(render(seeded_store, events.layout), ids.EVENTS_GRID).rowData
    assert rows and all(r["mark"].startswith("[mark](/feedback?target=event&id=") for r in rows)
    page = render(seeded_store, site.layout, site_id="bisie")
    assert find(page, ids.SITE_FRONT) is not None
    explain = find(page, ids.SITE_EXPLAIN_GRID).rowData
    assert explain and all("/feedback?target=incident&id=" in r["mark"] for r in explain)


def test_a_registry_stop_reads_as_a_status_with_its_day() -> None:
    from dashboards.pages.site import registry_stop

    assert (
        registry_stop({"status": "care_and_maintenance", "status_since": date(2024, 10, 1)})
        == "status: care and maintenance (registry, since 2024-10-01)"
    )
    assert registry_stop({"status": "halted", "status_since": None}) == "status: halted (registry)"
    assert registry_stop({"status": "operating"}) is None


def test_grid_date_filters_are_typed_iso_boxes_never_the_browser_s_mm_dd_yyyy() -> None:
    from dashboards.components import grid

    table = grid("g", pd.DataFrame({"day": pd.to_datetime(["2025-03-14"])}), [{"field": "day"}], 25)
    assert table.defaultColDef["filterParams"] == {"browserDatePicker": False}


def test_site_and_commodity_charts_say_when_the_history_before_them_is_still_being_scored(
    seeded_store: Store, render: Render
) -> None:
    first, _ = reads.scores.day_span(seeded_store)
    assert first is not None
    pages = ((site.layout, {"site_id": "bisie"}), (commodities.layout, {}))
    for layout, kwargs in pages:
        assert find(render(seeded_store, layout, **kwargs), ids.HISTORY_NOTE) is None
    seeded_store.set_watermark(SCORES_OWED_FROM, (first - timedelta(days=30)).isoformat(), datetime.now())
    for layout, kwargs in pages:
        note = _text(find(render(seeded_store, layout, **kwargs), ids.HISTORY_NOTE))
        owed, before = first - timedelta(days=30), first - timedelta(days=1)
        assert f"Scores from {owed:%d %b %Y} to {before:%d %b %Y} are still being" in note
        assert f"the history starts on {first:%d %b %Y}" in note and "minewatch score --history" in note
    # Once the first day owed is stored, nothing is said.
    seeded_store.set_watermark(SCORES_OWED_FROM, first.isoformat(), datetime.now())
    assert find(render(seeded_store, site.layout, site_id="bisie"), ids.HISTORY_NOTE) is None
