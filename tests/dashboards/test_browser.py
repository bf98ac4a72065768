"""The dashboard in a real headless Chromium, against waitress on 127.0.0.1 serving a seeded SQLite store
and the bundled demo store.

Each page is saved as a screenshot in artifacts/screenshots/ (git-ignored); with
MINEWATCH_UPDATE_SCREENSHOTS=1 the demo's pages are also saved to docs/screenshots/ for the README.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboards import ids
from dashboards.app import create_app
from dashboards.pages import overview
from dashboards.server import RunningServer, serve_in_thread
from monitor import demo
from monitor.config import Settings, settings_from_mapping
from monitor.reads import sql
from monitor.store import Store
from tests.dashboards import seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
CHROME_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="needs Chromium and its driver: apt-get install -y chromium chromium-driver",
    ),
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The dashboard on a seeded SQLite store, served by waitress from a thread."""
    folder = tmp_path_factory.mktemp("live")
    store = Store.from_url(f"sqlite:///{folder / 'minewatch.db'}")
    store.create_schema()
    seed.seed(store)
    world = seed.write_world_production(folder / "commodities.csv")
    app = create_app(store, Settings(), world_production=world, now=lambda: seed.NOW)
    server = serve_in_thread(app, "127.0.0.1", 0, {})
    yield server
    server.stop()
    store.engine.dispose()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy (page scripts and maps load asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # the DOM is still being replaced
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def errors_in_console(driver: Any) -> list[str]:
    """SEVERE browser log entries (failed callbacks show up here as 500s), except the favicon."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and "favicon" not in e["message"]
    ]


def open_page(driver: Any, live: RunningServer, path: str, ready_id: str) -> None:
    # Leave the earlier page first: its timers could still call a server that a test has stopped, and
    # such a failure logged after the drain would be counted against this page.
    driver.get("about:blank")
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(live.url + path)
    wait_for(lambda: driver.find_element("id", ready_id), what=f"#{ready_id} on {path}")
    # Every chart drawn (maps included) before we look at the page.
    wait_for(
        lambda: driver.execute_script(
            "const graphs = Array.from(document.querySelectorAll('.dash-graph'));"
            "return !document.querySelector('.dash-graph--pending')"
            " && graphs.every(g => g.querySelector('.main-svg'));"
        ),
        what=f"charts on {path}",
    )


def screenshot(driver: Any, name: str, docs: bool = False) -> None:
    """Save the page to artifacts/screenshots/ and, for the README, to docs/screenshots/ when asked."""
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(height + 140, 900), 4000))  # + browser chrome
    time.sleep(1.0)  # let maps repaint at the new size
    folders = [ARTIFACTS]
    if docs and os.environ.get("MINEWATCH_UPDATE_SCREENSHOTS") == "1":
        folders.append(DOCS)
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(folder / f"{name}.png"))
    driver.set_window_size(1400, 1000)


def _rgba(css: str) -> tuple[float, float, float, float]:
    """'rgb(31, 41, 51)' or 'rgba(0, 21, 89, 0.6)' as red, green, blue (0-255) and alpha (0-1)."""
    parts = [float(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")]
    return parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else 1.0


def _contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of a CSS colour drawn over an opaque one (1 = invisible, 21 = black on
    white); a translucent foreground is blended onto the background first, as the browser paints it."""
    *fg, alpha = _rgba(foreground)
    bg = _rgba(background)[:3]

    def luminance(rgb: Sequence[float]) -> float:
        linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    painted = [alpha * f + (1 - alpha) * b for f, b in zip(fg, bg, strict=True)]
    light, dark = sorted((luminance(painted), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _as_of_box(driver: Any) -> dict[str, str]:
    """The 'as of' input and its label as the analyst sees them: the input's text, placeholder, their
    colours, the label's colour, and the colour behind each (the first ancestor with an opaque background)."""
    return driver.execute_script(  # type: ignore[no-any-return]
        "const behind = (node) => { let colour = 'rgba(0, 0, 0, 0)';"
        "  while (node && /rgba\\(.*, 0\\)$|transparent/.test(colour)) {"
        "    colour = getComputedStyle(node).backgroundColor; node = node.parentElement; }"
        "  return colour; };"
        "const input = document.getElementById(arguments[0]);"
        "const label = document.querySelector(`label[for=${arguments[0]}]`);"
        "return {value: input.value, placeholder: input.placeholder, colour: getComputedStyle(input).color,"
        " placeholder_colour: getComputedStyle(input, '::placeholder').color, background: behind(input),"
        " label_colour: getComputedStyle(label).color, label_background: behind(label)};",
        ids.AS_OF,
    )


def _assert_as_of_box_shows(driver: Any, day: str) -> None:
    """The box holds ``day``, legibly, and the page's subtitle says it shows that day."""
    wait_for(
        lambda: f"Scores as of {day}" in driver.find_element("class name", "subtitle").text,
        what=f"the page to show {day}",
    )
    box = _as_of_box(driver)
    assert box["value"] == day
    assert _contrast(box["colour"], box["background"]) >= 4.5, box
    assert _contrast(box["label_colour"], box["label_background"]) >= 4.5, box


PAGES = [
    ("overview", "/", ids.RISK_GRID),
    ("site-bisie", "/site/bisie", ids.SITE_FACTS),
    ("commodities", "/commodities", ids.SUPPLY_DRIVERS),
    ("events", "/events", ids.EVENTS_GRID),
    ("alerts", "/alerts", "_pages_content"),
    ("feeds", "/feeds", ids.REJECTED_GRID),
    ("feedback", "/feedback", ids.FEEDBACK_GRID),
]


@pytest.mark.parametrize(("name", "path", "ready_id"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_loads_without_a_callback_error(
    browser: Any, live: RunningServer, name: str, path: str, ready_id: str
) -> None:
    open_page(browser, live, path, ready_id)
    time.sleep(1.5)  # a failing callback would answer within this
    assert errors_in_console(browser) == []
    assert not browser.find_elements("css selector", ".dash-fe-error__title")
    assert "Traceback" not in browser.page_source
    screenshot(browser, name)


def _grid_rows(driver: Any, grid_id: str) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' .ag-center-cols-container [role=row]'))"
        ".map(r => r.innerText)",
        f"#{grid_id}",
    )


def test_overview_lists_bisie_as_halted_and_opens_its_page_with_the_halted_period(
    browser: Any, live: RunningServer
) -> None:
    open_page(browser, live, "/", ids.RISK_GRID)
    wait_for(lambda: _grid_rows(browser, ids.RISK_GRID), what="risk rows")
    level = browser.execute_script(
        "const row = document.querySelector('#risk-grid .ag-pinned-left-cols-container [role=row]');"
        "const index = row.getAttribute('row-index');"
        "return document.querySelector(`#risk-grid .ag-center-cols-container [row-index='${index}']"
        " [col-id=level]`).innerText;"
    )
    assert level == "halted"
    link = browser.find_element("link text", "Bisie (Mpama North + South)")
    link.click()
    wait_for(lambda: browser.current_url.endswith("/site/bisie"), what="the site page URL")
    open_page(browser, live, "/site/bisie", ids.SITE_RISK)
    shading = wait_for(
        lambda: browser.execute_script(
            "const plot = document.querySelector('#site-risk .js-plotly-plot');"
            "return plot && plot._fullLayout.shapes.filter(s => s.fillcolor == '#3b0a57')"
            ".map(s => [s.x0, s.x1]);"
        ),
        what="halted shading",
    )
    assert len(shading) == 1
    assert str(shading[0][0]) < "2025-03-14" < str(shading[0][1])
    assert "halted since 2025-03-14" in browser.find_element("class name", "subtitle").text


def test_an_open_overview_redraws_itself_after_a_rescore_and_only_then(browser: Any, tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{tmp_path / 'minewatch.db'}")
    store.create_schema()
    seed.seed(store)
    settings = settings_from_mapping({"dashboard": {"refresh_seconds": 1}}, {})
    app = create_app(store, settings, world_production=None, now=lambda: seed.NOW)
    server = serve_in_thread(app, "127.0.0.1", 0, {})
    try:
        open_page(browser, server, "/", ids.RISK_GRID)

        def halted() -> str:
            return str(browser.find_element("css selector", "#stat-halted .stat-value").text)

        def callbacks() -> dict[str, int]:
            """Callback responses so far, by HTTP status (204: the callback declined to update)."""
            return browser.execute_script(  # type: ignore[no-any-return]
                "const out = {};"
                "for (const e of performance.getEntriesByType('resource'))"
                "  if (e.name.includes('_dash-update-component'))"
                "    out[e.responseStatus] = (out[e.responseStatus] || 0) + 1;"
                "return out;"
            )

        before, seen = halted(), callbacks()
        time.sleep(3.5)  # ticks with nothing written: each is answered 204 and the page is left alone
        idle = callbacks()
        assert idle.get("204", 0) - seen.get("204", 0) >= 2
        assert idle.get("200", 0) == seen.get("200", 0)

        day = sql.frame(store, "select * from score where date = :d", {"d": str(seed.AS_OF)})
        day.loc[day["site_id"] == "tenke", ["risk", "level", "status"]] = [100.0, "halted", "halted"]
        event_ids = day["top_event_id"]
        day["top_event_id"] = pd.Series(
            [None if pd.isna(v) else int(v) for v in event_ids], index=day.index, dtype=object
        )
        store.replace_scores(day.drop(columns="computed_at"), [seed.AS_OF], seed.NOW)

        wait_for(lambda: halted() == str(int(before) + 1), timeout=15, what="the halted count to go up")
        assert errors_in_console(browser) == []
    finally:
        server.stop()
        store.engine.dispose()


def test_a_column_filter_narrows_the_table_and_the_download_is_that_csv(
    browser: Any, live: RunningServer, downloads: Path
) -> None:
    open_page(browser, live, "/", ids.RISK_GRID)
    wait_for(lambda: len(_grid_rows(browser, ids.RISK_GRID)) == 5, what="five sites")
    box = browser.find_element(
        "css selector", "#risk-grid .ag-floating-filter[aria-colindex='2'] input, "
        "#risk-grid .ag-header-row-column-filter [aria-colindex='2'] input"
    )  # fmt: skip
    box.send_keys("tin")
    wait_for(lambda: len(_grid_rows(browser, ids.RISK_GRID)) == 1, what="the filter to leave one row")
    assert "Tin" in _grid_rows(browser, ids.RISK_GRID)[0]
    for old in downloads.glob("*.csv"):
        old.unlink()
    browser.find_element("id", ids.RISK_DOWNLOAD_BUTTON).click()
    csv = wait_for(
        lambda: next(iter(downloads.glob("minewatch-risk-*.csv")), None), what="the downloaded CSV"
    )
    wait_for(lambda: not list(downloads.glob("*.crdownload")), what="the download to finish")
    frame = pd.read_csv(csv)
    assert list(frame.columns) == list(overview.CSV_COLUMNS)
    assert frame["site_id"].tolist() == ["bisie"]
    assert frame.loc[0, "level"] == "halted"
    assert errors_in_console(browser) == []


def test_the_events_type_filter_narrows_the_list(browser: Any, live: RunningServer) -> None:
    open_page(browser, live, "/events", ids.EVENTS_GRID)
    wait_for(lambda: "11 matching events" in browser.find_element("id", ids.EVENTS_COUNT).text)
    distance = browser.find_element("css selector", f"#{ids.EVENTS_MAX_KM}")
    distance.send_keys("2\n")
    wait_for(
        lambda: "5 matching events" in browser.find_element("id", ids.EVENTS_COUNT).text, what="5 events"
    )
    assert errors_in_console(browser) == []


def test_without_an_initial_day_the_as_of_box_names_the_latest_score_date(
    browser: Any, live: RunningServer
) -> None:
    open_page(browser, live, "/", ids.RISK_GRID)
    box = _as_of_box(browser)
    assert box["value"] == ""
    assert box["placeholder"] == f"Latest ({seed.AS_OF:%Y-%m-%d})"
    assert _contrast(box["placeholder_colour"], box["background"]) >= 4.5, box
    assert f"Scores as of {seed.AS_OF:%Y-%m-%d}" in browser.find_element("class name", "subtitle").text


def _choose(driver: Any, dropdown_id: str, value: str, shown: str | None = None) -> None:
    """Pick ``value`` in a Dash dropdown as a user does: open it, click the option (it then reads
    ``shown``, by default the value itself)."""
    driver.find_element("css selector", f"#{dropdown_id}").click()
    option = wait_for(
        lambda: driver.find_element("css selector", f".dash-dropdown-option input[value='{value}']"),
        what=f"the option {value}",
    )
    driver.execute_script("arguments[0].closest('label').click()", option)
    wait_for(
        lambda: driver.find_element("id", f"{dropdown_id}-value").text == (shown or value),
        what=f"{value} chosen",
    )


def test_an_analyst_marks_an_event_from_the_events_page_and_revokes_the_verdict(
    browser: Any, tmp_path: Path
) -> None:
    store = Store.from_url(f"sqlite:///{tmp_path / 'minewatch.db'}")
    store.create_schema()
    seed.seed(store)
    app = create_app(store, Settings(), world_production=None, now=lambda: seed.NOW)
    server = serve_in_thread(app, "127.0.0.1", 0, {})
    try:
        open_page(browser, server, "/events", ids.EVENTS_GRID)
        wait_for(lambda: _grid_rows(browser, ids.EVENTS_GRID), what="event rows")
        link = browser.find_element("css selector", f"#{ids.EVENTS_GRID} a[href*='/feedback?target=event']")
        wanted = int(link.get_attribute("href").split("id=")[1].split("&")[0])
        link.click()
        wait_for(lambda: "/feedback?target=event" in browser.current_url, what="the feedback page")
        wait_for(
            lambda: browser.find_element("id", ids.FEEDBACK_TARGET_ID).get_attribute("value") == str(wanted),
            what="the form filled in with the event",
        )
        wait_for(lambda: browser.find_element("id", ids.FEEDBACK_GRID), what="the verdict list")
        _choose(browser, ids.FEEDBACK_VERDICT, "wrong_place", shown="Wrong place")
        browser.find_element("id", ids.FEEDBACK_WHO).send_keys("ana")
        browser.find_element("id", ids.FEEDBACK_NOTE).send_keys("geocoded to the province capital")
        browser.find_element("id", ids.FEEDBACK_MARK).click()
        message = wait_for(
            lambda: (
                "marked wrong place" in (t := browser.find_element("id", ids.FEEDBACK_MESSAGE).text) and t
            ),
            what="the confirmation",
        )
        assert f"event {wanted} marked wrong place by ana" in message
        row = wait_for(lambda: _grid_rows(browser, ids.FEEDBACK_GRID), what="the verdict in the list")[0]
        assert "Wrong place" in row and "ana" in row
        stored = sql.frame(
            store, "select target, target_id, verdict, created_by, note, revoked_at from feedback"
        )
        assert stored[["target", "target_id", "verdict", "created_by"]].values.tolist() == [
            ["event", wanted, "wrong_place", "ana"]
        ]
        assert stored.loc[0, "note"] == "geocoded to the province capital"
        screenshot(browser, "feedback")

        browser.find_element("css selector", f"#{ids.FEEDBACK_GRID} .ag-selection-checkbox").click()
        browser.find_element("id", ids.FEEDBACK_REVOKE).click()
        wait_for(
            lambda: "Revoked" in browser.find_element("id", ids.FEEDBACK_MESSAGE).text, what="the revocation"
        )
        revoked = sql.frame(store, "select revoked_by, revoked_at from feedback")
        assert revoked.loc[0, "revoked_by"] == "ana" and revoked.loc[0, "revoked_at"] is not None
        assert errors_in_console(browser) == []
    finally:
        server.stop()
        store.engine.dispose()


# ---- the README's main job: the demo store, served as `minewatch demo` serves it ----


@pytest.fixture(scope="module")
def demo_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = Path(tmp_path_factory.mktemp("demo"))
    settings = settings_from_mapping({"database": {"url": f"sqlite:///{folder / 'demo.db'}"}}, env={})
    result = demo.build(settings, now=lambda: datetime(2026, 1, 5, tzinfo=UTC))
    app = create_app(result.store, settings, initial_as_of=demo.PEAK_DAY)
    server = serve_in_thread(app, "127.0.0.1", 0, {})
    yield server
    server.stop()
    result.store.engine.dispose()


def test_the_demo_opens_on_the_halt_with_bisie_halted(browser: Any, demo_live: RunningServer) -> None:
    open_page(browser, demo_live, "/", ids.RISK_GRID)
    rows = wait_for(lambda: _grid_rows(browser, ids.RISK_GRID), what="risk rows")
    assert len(rows) == Settings().dashboard.page_size  # the registry fills more than the first page
    bisie = browser.execute_script(
        "const grid = '#risk-grid ';"
        "const pinned = document.querySelectorAll(grid + '.ag-pinned-left-cols-container [role=row]');"
        "const row = Array.from(pinned).find(r => r.innerText.startsWith('Bisie'));"
        "const cells = grid + `.ag-center-cols-container [row-index='${row.getAttribute('row-index')}']`;"
        "return document.querySelector(cells).innerText;"
    )
    assert "halted" in bisie
    _assert_as_of_box_shows(browser, demo.PEAK_DAY.isoformat())
    time.sleep(1.0)
    assert errors_in_console(browser) == []
    screenshot(browser, "overview", docs=True)


def test_the_demo_site_page_draws_bisie_s_front_line_reaching_walikale(
    browser: Any, demo_live: RunningServer
) -> None:
    open_page(browser, demo_live, "/site/bisie?as_of=2025-03-31", ids.SITE_FRONT)
    front = wait_for(
        lambda: browser.execute_script(
            "const plot = document.querySelector('#site-front .js-plotly-plot');"
            "return plot && plot.calcdata && plot.calcdata[0].map(point => point.y);"
        ),
        what="the front-line chart",
    )
    assert max(front) > 100 and min(front) == pytest.approx(55.4, abs=0.1)
    assert errors_in_console(browser) == []


def _rendered(driver: Any, graph_id: str, layers: Sequence[str]) -> list[str]:
    """What MapLibre has drawn in ``layers`` of a map graph: the ``name`` (places) or ``text`` of each."""
    return driver.execute_script(  # type: ignore[no-any-return]
        "const plot = document.querySelector(`#${arguments[0]} .js-plotly-plot`);"
        "const map = plot && plot._fullLayout.map && plot._fullLayout.map._subplot.map;"
        "if (!map || !map.loaded()) return [];"
        "const layers = arguments[1].filter(id => map.getLayer(id));"
        "return map.queryRenderedFeatures({layers}).map(f => f.properties.name || f.properties.text || '');",
        graph_id,
        list(layers),
    )


def test_the_offline_map_draws_place_and_site_names_from_the_dashboard_alone(
    browser: Any, demo_live: RunningServer
) -> None:
    open_page(browser, demo_live, "/", ids.RISK_GRID)
    tiers = ["places-cities", "places-towns", "places-places"]
    places = wait_for(lambda: _rendered(browser, ids.OVERVIEW_MAP, tiers), what="place names on the map")
    assert {"Kinshasa", "Kampala"} <= set(places)  # cities around the sites at risk, from a region's view
    assert "Walikale" not in places  # a road town shows only from a province's zoom
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    glyphs = [url for url in fetched if "/_map/glyphs/" in url]
    assert glyphs and all(url.startswith(demo_live.url) for url in glyphs)
    assert [url for url in fetched if not url.startswith(demo_live.url)] == []  # nothing from the web
    open_page(browser, demo_live, "/site/bisie", ids.SITE_FACTS)
    near = wait_for(lambda: _rendered(browser, ids.SITE_MAP, tiers), what="place names near Bisie")
    assert {"Walikale", "Goma"} <= set(near)  # the towns on its road
    assert errors_in_console(browser) == []


@pytest.mark.parametrize(
    ("path", "ready_id"),
    [("/site/bisie", ids.SITE_FACTS), ("/commodities", ids.SUPPLY_DRIVERS), ("/events", ids.EVENTS_GRID),
     ("/feeds", ids.REJECTED_GRID), ("/alerts", "_pages_content")],
)  # fmt: skip
def test_every_demo_page_loads_without_a_callback_error(
    browser: Any, demo_live: RunningServer, path: str, ready_id: str
) -> None:
    open_page(browser, demo_live, path, ready_id)
    time.sleep(1.5)
    assert errors_in_console(browser) == []
    assert "Traceback" not in browser.page_source
    screenshot(browser, path.strip("/").replace("/", "-"), docs=True)


def test_a_day_picked_in_the_calendar_shows_in_the_box_and_the_pages_even_after_a_reload(
    browser: Any, demo_live: RunningServer
) -> None:
    open_page(browser, demo_live, "/", ids.RISK_GRID)
    try:
        browser.find_element("id", f"{ids.AS_OF}-wrapper").click()
        day = wait_for(
            lambda: next(
                d
                for d in browser.find_elements("css selector", "td.dash-datepicker-calendar-date-inside")
                if d.text == "10"
            ),
            what="the calendar",
        )
        day.click()  # the calendar opens on the month of the day shown, March 2025
        _assert_as_of_box_shows(browser, "2025-03-10")
        browser.refresh()  # the picked day is kept for the session, in the box and the pages alike
        open_page(browser, demo_live, "/", ids.RISK_GRID)
        _assert_as_of_box_shows(browser, "2025-03-10")
        assert errors_in_console(browser) == []
    finally:
        browser.execute_script("window.sessionStorage.clear()")  # later tests open on the demo's day
