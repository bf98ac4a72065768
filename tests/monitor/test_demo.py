"""The bundled scenario tells the Bisie story: risk rises as M23 nears, halted 14 March, restart in April."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from monitor import demo
from monitor.config import Settings, settings_from_mapping
from monitor.labels import feed_label
from monitor.pipeline import Pipeline
from monitor.reads import sql
from monitor.scoring import explained

NOW = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[demo.DemoResult]:
    db = Path(tmp_path_factory.mktemp("demo")) / "demo.db"
    settings: Settings = settings_from_mapping({"database": {"url": f"sqlite:///{db}"}}, env={})
    result = demo.build(settings, now=lambda: NOW)
    yield result
    result.store.engine.dispose()


@pytest.fixture(scope="module")
def panel(built: demo.DemoResult) -> pd.DataFrame:
    return built.panel


def _bisie(panel: pd.DataFrame, day: str) -> pd.Series:
    rows = panel[(panel["site_id"] == "bisie") & (panel["date"] == date.fromisoformat(day))]
    assert len(rows) == 1
    return rows.iloc[0]


def test_bisie_exposure_rises_as_the_advance_nears(panel: pd.DataFrame) -> None:
    early, mid, eve = _bisie(panel, "2025-02-05"), _bisie(panel, "2025-02-22"), _bisie(panel, "2025-03-12")
    assert early["risk"] < mid["risk"] < eve["risk"]
    assert eve["level"] in {"high", "critical"}
    assert eve["route"] > 0
    assert _bisie(panel, "2025-02-22")["nearest_event_km"] > eve["nearest_event_km"]


def test_bisie_is_halted_from_14_march_until_the_restart(panel: pd.DataFrame) -> None:
    assert _bisie(panel, "2025-03-13")["status"] == "operating"
    for day in ("2025-03-14", "2025-03-20", "2025-04-01", "2025-04-08"):
        row = _bisie(panel, day)
        assert (row["status"], row["level"], row["risk"]) == ("halted", "halted", 100.0), day
    assert _bisie(panel, "2025-04-09")["status"] == "operating"
    assert _bisie(panel, "2025-04-30")["status"] == "operating"


def test_the_halt_takes_bisie_s_output_out_of_supply(panel: pd.DataFrame) -> None:
    halted = _bisie(panel, "2025-03-20")
    assert halted["supply_at_risk_t"] == pytest.approx(12568.0)


def test_the_top_event_on_the_eve_of_the_halt_is_on_the_road(built: demo.DemoResult) -> None:
    eve = date(2025, 3, 13)
    pipeline = Pipeline(built.store, settings_from_mapping({}, env={}), lambda: NOW)
    scores = explained(pipeline.score([eve], persist=False), pipeline.settings.scoring).set_index("site_id")
    top = scores.loc["bisie", "explain"]["events"][0]
    assert top["via"] == "route"
    assert top["event_id"] == scores.loc["bisie", "top_event_id"]
    ref = _bisie(built.panel, eve.isoformat())["top_event_id"]
    assert ref.split(":")[0] in {"acled", "gdelt"}


def test_quieter_sites_stay_below_high(panel: pd.DataFrame) -> None:
    day = panel[panel["date"] == date(2025, 3, 20)].set_index("site_id")
    assert day.loc["kamoto", "level"] in {"low", "elevated"}
    assert day.loc["greenbushes", "level"] == "low"
    # Registry stops hold only from their start: Grasberg's 2025 mud rush came in September.
    assert day.loc["grasberg", "status"] == "operating"


def test_bisie_s_front_line_shrinks_through_march_to_walikale(panel: pd.DataFrame) -> None:
    weekly = [_bisie(panel, f"2025-03-{d:02d}")["front_km"] for d in (1, 8, 15, 22, 29)]
    assert weekly == [127.3, 127.3, 110.1, 55.4, 55.4]  # Masisi, Masisi, Nyabiondo, Walikale, Walikale
    fall = _bisie(panel, "2025-03-20")  # GDELT's 15-source report of the takeover is public that morning
    assert fall["front_km"] == pytest.approx(55, abs=1)
    assert fall["front_km_change_7d"] < -40 and 0 < fall["front_days_to_radius"] < 7
    assert fall["front_actor"] == "M23: March 23 Movement"


def test_the_story_holds_after_event_quality(panel: pd.DataFrame) -> None:
    assert _bisie(panel, "2025-02-22")["level"] == "elevated"
    assert _bisie(panel, "2025-03-12")["level"] == "high"
    assert _bisie(panel, "2025-03-14")["level"] == "halted"


def test_the_demo_polls_no_network_feed() -> None:
    assert demo.offline(Settings()).feeds.enabled() == {}
    assert Settings().feeds.enabled()  # while a fresh install polls GDELT and the notice catalogue


def test_the_demo_s_feeds_are_named_as_real_ones_read_as_such_and_marked_demo(built: demo.DemoResult) -> None:
    feeds = set(sql.frame(built.store, "select distinct feed from feedrun")["feed"])
    assert {"demo:acled", "demo:gdelt", "demo:notices:alphamin_news"} <= feeds
    assert feed_label("demo:notices:alphamin_news") == ("Notices", "alphamin_news (demo)")
    assert feed_label("demo:acled") == ("Conflict events", "ACLED (demo)")


def test_the_demo_raises_its_alerts_as_of_the_scenario_s_days(built: demo.DemoResult) -> None:
    by_kind: dict[str, list[dict[str, object]]] = {}
    for alert in built.alerts:
        by_kind.setdefault(str(alert["kind"]), []).append(alert)
    (halt,) = by_kind["halt"]
    assert halt["title"] == "Bisie halted: ~4% of world tin"
    assert str(halt["occurred_at"]).startswith("2025-03-14")
    (resume,) = by_kind["resume"]
    assert str(resume["occurred_at"]).startswith("2025-04-09")
    fronts = [a for a in by_kind["front_line"] if "Walikale" in str(a["title"])]
    assert fronts and str(fronts[0]["title"]).startswith("Bisie: fighting 55 km away at Walikale")
    stored = sql.frame(built.store, "select kind, created_at from alert where kind = 'halt'")
    # Stored on the scenario's day, as a scheduler running then would have, not on the day of the build.
    assert str(stored["created_at"].iloc[0]).startswith("2025-03-14")


def test_the_demo_s_alerts_are_stored_never_sent(built: demo.DemoResult) -> None:
    assert "notified" in set(sql.frame(built.store, "select status from alert")["status"])
    assert sql.frame(built.store, "select count(*) as n from delivery")["n"].iloc[0] == 0
