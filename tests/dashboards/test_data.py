from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboards import data
from monitor import models
from monitor.config import Settings
from monitor.reads import sql
from monitor.store import Store
from tests.conftest import execute
from tests.dashboards import seed


def test_latest_score_date_is_the_newest_on_or_before_as_of(seeded_store: Store) -> None:
    assert data.latest_score_date(seeded_store) == seed.AS_OF
    assert data.latest_score_date(seeded_store, date(2025, 3, 1)) == date(2025, 3, 1)
    assert data.latest_score_date(seeded_store, date(2030, 1, 1)) == seed.AS_OF
    assert data.latest_score_date(seeded_store, date(2020, 1, 1)) is None
    assert data.score_date_range(seeded_store) == (seed.FIRST_DAY, seed.AS_OF)


def test_risk_table_ranks_halted_sites_first_and_keeps_unscored_ones(seeded_store: Store) -> None:
    before = data.risk_table(seeded_store, seed.FIRST_DAY - timedelta(days=1))  # no day scored yet
    assert set(before["level"]) == {"unscored"} and len(before) == 5
    risk = data.risk_table(seeded_store)
    assert list(risk.columns) == list(data.RISK_COLUMNS)
    assert risk["site_id"].tolist() == ["bisie", "rubaya", "tenke", "kamoto", "manono"]
    bisie = risk.iloc[0]
    assert (bisie["level"], bisie["status"], bisie["risk"]) == ("halted", "halted", 100.0)
    assert bisie["supply_at_risk_t"] == pytest.approx(17_300.0)
    # Manono, unlocated, has no score row: on a scored day that is a quiet score, not a missing one.
    assert risk.set_index("site_id").loc["manono", ["level", "risk"]].tolist() == ["low", 0.0]
    assert data.level_counts(risk) == {
        "low": 3, "elevated": 1, "high": 0, "critical": 0, "halted": 1, "unscored": 0
    }  # fmt: skip


def test_risk_table_as_of_a_date_before_the_halt_shows_bisie_operating(seeded_store: Store) -> None:
    risk = data.risk_table(seeded_store, date(2025, 3, 10)).set_index("site_id")
    assert risk.loc["bisie", "status"] == "operating"
    assert risk.loc["bisie", "level"] != "halted"
    assert set(risk["date"].dropna()) == {pd.Timestamp(2025, 3, 10)}


def test_supply_at_risk_sums_tonnes_per_commodity_with_share_of_world(
    seeded_store: Store, world_csv: Path
) -> None:
    world = data.load_world_production(world_csv)
    outputs = data.site_outputs(seeded_store)
    supply = data.supply_at_risk(data.risk_table(seeded_store), outputs, world).set_index("commodity")
    assert supply.loc["tin", "supply_at_risk_t"] == pytest.approx(17_300.0)
    assert supply.loc["tin", "pct_world"] == pytest.approx(100 * 17_300 / 300_000)
    assert supply.loc["copper", "supply_at_risk_t"] == pytest.approx(450_000 * 0.20)
    # Manono (lithium, no output figure) is quiet: nothing at risk, so 0 t rather than "output unknown".
    assert supply.loc["lithium", "supply_at_risk_t"] == 0.0 and not supply.loc["lithium", "output_unknown"]


def test_supply_at_risk_without_world_production_gives_tonnes_only(
    seeded_store: Store, tmp_path: Path
) -> None:
    world = data.load_world_production(tmp_path / "missing.csv")
    assert world.empty
    supply = data.supply_at_risk(data.risk_table(seeded_store), data.site_outputs(seeded_store), world)
    assert supply["pct_world"].isna().all()
    assert supply["supply_at_risk_t"].sum() > 0


def _set_outputs(store: Store, site_id: str, **values: Any) -> None:
    site = models.Site.__table__  # type: ignore[attr-defined]
    with store.engine.begin() as conn:
        conn.execute(sa.update(site).where(site.c.id == site_id).values(**values))
    store.rollup_supply()


def test_a_site_puts_each_of_its_commodities_at_risk_with_its_own_output(
    seeded_store: Store, world_csv: Path
) -> None:
    # Tenke is a copper mine; give it a cobalt figure too: its cobalt counts under cobalt, with that output.
    outputs = [
        {"commodity": "copper", "tonnes": 450_000.0, "year": 2024},
        {"commodity": "cobalt", "tonnes": 30_000.0, "year": 2024},
    ]
    _set_outputs(seeded_store, "tenke", outputs=outputs)
    risk = data.risk_table(seeded_store)
    tenke_risk = float(risk.set_index("site_id").loc["tenke", "risk"])
    world = data.load_world_production(world_csv)
    supply = data.supply_at_risk(risk, data.site_outputs(seeded_store), world).set_index("commodity")
    tenke_cobalt = round(30_000.0 * tenke_risk / 100, 1)
    kamoto_cobalt = float(risk.set_index("site_id").loc["kamoto", "supply_at_risk_t"])
    assert supply.loc["cobalt", "supply_at_risk_t"] == pytest.approx(kamoto_cobalt + tenke_cobalt)
    assert supply.loc["copper", "supply_at_risk_t"] == pytest.approx(450_000 * tenke_risk / 100)
    history = data.supply_history(seeded_store).set_index(["date", "commodity"])
    assert history.loc[(pd.Timestamp(seed.AS_OF), "cobalt"), "supply_at_risk_t"] == pytest.approx(
        kamoto_cobalt + tenke_cobalt
    )
    drivers = data.supply_drivers(seeded_store).set_index(["site_id", "commodity"])
    assert drivers.loc[("tenke", "cobalt"), "supply_at_risk_t"] == pytest.approx(tenke_cobalt)
    assert drivers.loc[("tenke", "cobalt"), "annual_output_t"] == 30_000.0
    assert drivers.index[0] == ("tenke", "copper")


def test_a_commodity_whose_sites_at_risk_have_no_output_says_output_unknown(
    seeded_store: Store, world_csv: Path
) -> None:
    from dashboards.pages.overview import headline

    _set_outputs(seeded_store, "rubaya", annual_output_t=None, outputs=[])
    risk = data.risk_table(seeded_store)
    world = data.load_world_production(world_csv)
    supply = data.supply_at_risk(risk, data.site_outputs(seeded_store), world).set_index("commodity")
    tantalum = supply.loc["tantalum"]
    assert (tantalum["supply_at_risk_t"], tantalum["sites_output_unknown"], tantalum["output_unknown"]) == (
        0.0,
        1,
        True,
    )
    assert not supply.loc["tin", "output_unknown"]
    cards = headline(risk, supply.reset_index(), world)[1]
    card = next(c for c in cards.children if c.id == "stat-supply-tantalum")
    value, caption = (part.children for part in card.children)
    assert value == "output unknown" and "1 site output unknown" in caption and "of world" not in caption
    history = data.supply_history(seeded_store).set_index(["date", "commodity"])
    assert history.loc[(pd.Timestamp(seed.AS_OF), "tantalum"), "sites_output_unknown"] == 1
    drivers = data.supply_drivers(seeded_store)
    unknown = drivers[drivers["supply_at_risk_t"].isna()]
    assert unknown["site_id"].tolist() == ["rubaya"]


def test_world_production_with_wrong_columns_is_ignored(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("metal,tonnes\ntin,1\n")
    assert data.load_world_production(bad).empty


def test_recent_events_are_matched_known_by_as_of_and_newest_first(seeded_store: Store) -> None:
    events = data.recent_events(seeded_store, seed.AS_OF, days=30, limit=100)
    # Uvira is matched to no site; Goma (31 March) was published on 2 April, after the as-of date.
    assert "Uvira" not in set(events["location"])
    assert "Goma" not in set(events["location"])
    assert events["event_date"].is_monotonic_decreasing
    assert events["event_date"].min() > pd.Timestamp(seed.AS_OF - timedelta(days=30))
    assert len(data.recent_events(seeded_store, seed.AS_OF, days=30, limit=2)) == 2


def test_routes_are_waypoint_lists_of_sites_that_have_one(seeded_store: Store) -> None:
    routes = data.routes(seeded_store)
    assert routes["site_id"].tolist() == ["bisie"]
    assert routes.iloc[0]["route"][0] == [-1.033, 27.733]
    assert data.routes(seeded_store, []).empty
    assert data.routes(seeded_store, ["rubaya"]).empty


def test_site_returns_facts_with_json_fields_decoded(seeded_store: Store) -> None:
    facts = data.site(seeded_store, "bisie")
    assert facts is not None
    assert facts["operator"] == "Alphamin Resources"
    assert facts["places"][0]["name"] == "Walikale"
    assert facts["aliases"] == ["Mpama North", "Bisie tin"]
    assert data.site(seeded_store, "nowhere") is None


def test_halted_periods_are_runs_of_halted_days(seeded_store: Store) -> None:
    scores = data.site_scores(seeded_store, "bisie")
    assert len(scores) == 60
    periods = data.halted_periods(scores)
    assert periods.to_dict("records") == [
        {"start": pd.Timestamp(seed.HALT_START), "end": pd.Timestamp(seed.AS_OF)}
    ]


def test_halted_periods_split_separate_runs() -> None:
    days = pd.date_range("2025-01-01", periods=6, freq="D")
    scores = pd.DataFrame(
        {"date": days, "status": ["operating", "halted", "halted", "operating", "halted", "operating"],
         "level": ["low", "halted", "halted", "high", "halted", "low"]}
    )  # fmt: skip
    periods = data.halted_periods(scores)
    assert periods["start"].tolist() == [days[1], days[4]]
    assert periods["end"].tolist() == [days[2], days[4]]
    assert data.halted_periods(scores.iloc[0:0]).empty


def test_site_explain_joins_top_events_to_their_event_rows(seeded_store: Store) -> None:
    explain = seed.site_explain(seeded_store, "bisie")
    assert list(explain.columns) == list(data.EXPLAIN_COLUMNS)
    assert explain["contribution"].is_monotonic_decreasing
    assert set(explain["location"]) >= {"Kashebere", "Nyabiondo", "Walikale"}
    assert 0.5 < explain["share"].sum() <= 1.0 + 1e-6  # the top incidents: most of the sum, not all of it
    first = explain.iloc[0]
    assert (first["type"], first["via"], first["fatalities"]) == ("battles", "route", 7)


def test_site_explain_is_point_in_time(seeded_store: Store) -> None:
    before = seed.site_explain(seeded_store, "bisie", date(2025, 3, 12))
    assert set(before["location"]) == {"Nyabiondo"}


def test_site_notices_respect_as_of_and_carry_kind(seeded_store: Store) -> None:
    notices = data.site_notices(seeded_store, "bisie", seed.AS_OF)
    assert notices["kind"].tolist() == ["evacuation", "halt"]
    assert notices["cue"].tolist() == ['title: "evacuates"', 'title: "suspends"']
    assert data.site_notices(seeded_store, "bisie", date(2025, 3, 1)).empty
    assert len(data.site_notices(seeded_store, "bisie")) == 3
    assert data.site_notices(seeded_store, "rubaya").empty


def test_site_events_are_nearest_first_within_the_window(seeded_store: Store) -> None:
    events = seed.site_events(seeded_store, "bisie")
    assert events["distance_km"].is_monotonic_increasing
    assert "route" in set(events["via"]) and set(events["via"]) <= {"site", "route"}
    assert "Goma" not in set(events["location"])  # not known yet on the as-of date


def test_site_events_are_every_known_event_within_the_sites_radius_or_its_roads_corridor(
    seeded_store: Store,
) -> None:
    matching = Settings().matching
    events = seed.site_events(seeded_store, "bisie")
    near = (events["to_mine_km"] <= matching.site_radius_km) | (
        events["to_road_km"] <= matching.route_corridor_km
    )
    assert near.all()
    # Every seeded event dated in the window and known by then, with its distances worked out here.
    dated = [e for e in seed.EVENTS if seed.AS_OF - timedelta(days=60) < e[1] <= seed.AS_OF]
    candidates = data.with_distances(
        pd.DataFrame({"site_id": "bisie", "location": [e[7] for e in dated], "lat": [e[5] for e in dated],
                      "lon": [e[6] for e in dated], "event_date": [e[1] for e in dated]}),
        data.site_geometry(seeded_store, ["bisie"]),
    )  # fmt: skip
    within = (candidates["to_mine_km"] <= matching.site_radius_km) | (
        candidates["to_road_km"] <= matching.route_corridor_km
    )
    assert set(events["location"]) == set(candidates.loc[within, "location"]) - {"Goma"}
    assert "Kolwezi" not in set(events["location"]) and "Rubaya" in set(events["location"])


def test_supply_history_sums_per_commodity_per_day(seeded_store: Store, world_csv: Path) -> None:
    history = data.with_world_share(data.supply_history(seeded_store), data.load_world_production(world_csv))
    assert set(history["commodity"]) == {"tin", "tantalum", "cobalt", "copper", "lithium"}
    assert (history.loc[history["commodity"] == "lithium", "supply_at_risk_t"] == 0).all()  # Manono, quiet
    tin = history[history["commodity"] == "tin"].set_index("date")
    assert tin.loc[pd.Timestamp(seed.AS_OF), "supply_at_risk_t"] == pytest.approx(17_300.0)
    assert tin.loc[pd.Timestamp(seed.AS_OF), "pct_world"] == pytest.approx(100 * 17_300 / 300_000)
    assert len(tin) == 60


def test_supply_drivers_rank_sites_by_tonnes_at_risk(seeded_store: Store) -> None:
    drivers = data.supply_drivers(seeded_store)
    assert drivers["site_id"].tolist() == ["tenke", "bisie", "kamoto", "rubaya"]
    assert data.supply_drivers(seeded_store, limit=1)["site_id"].tolist() == ["tenke"]


def test_event_filter_narrows_by_type_country_and_distance(seeded_store: Store) -> None:
    everything = data.EventFilter(start=date(2025, 3, 1), end=date(2025, 4, 30))
    assert data.count_events(seeded_store, everything) == 11
    battles = data.events(seeded_store, data.EventFilter(start=date(2025, 3, 1), end=date(2025, 4, 30),
                                                         types=("battles",)), limit=100)  # fmt: skip
    assert set(battles["type"]) == {"battles"}
    near = data.events(seeded_store, data.EventFilter(start=date(2025, 3, 1), end=date(2025, 4, 30),
                                                      max_site_km=2.0), limit=100)  # fmt: skip
    assert (near["nearest_site_km"] <= 2.0).all()
    assert set(near["location"]) == {"Nyabiondo", "Kashebere", "Masisi", "Kolwezi", "Goma"}
    assert data.count_events(seeded_store, data.EventFilter(start=date(2025, 3, 1), end=date(2025, 4, 30),
                                                            countries=("RW",))) == 0  # fmt: skip


def test_events_carry_the_nearest_site_and_respect_known_by(seeded_store: Store) -> None:
    flt = data.EventFilter(start=date(2025, 3, 1), end=date(2025, 4, 30), known_by=datetime(2025, 4, 2))
    events = data.events(seeded_store, flt, limit=100).set_index("location")
    assert "Goma" not in events.index
    assert events.loc["Kolwezi", "nearest_site_id"] == "kamoto"
    assert events.loc["Uvira", "nearest_site_id"] == ""
    assert pd.isna(events.loc["Uvira", "nearest_site_km"])
    assert len(data.events(seeded_store, flt, limit=3)) == 3


def test_event_options_list_what_is_stored(seeded_store: Store) -> None:
    shown = data.events(seeded_store, data.EventFilter(start=date(2025, 3, 1), end=date(2025, 4, 30)), 100)
    options = data.event_options(seeded_store, shown)
    assert options["sources"] == ["acled", "gdelt"]  # gdelt ran (and failed) but stored nothing
    assert options["countries"] == ["CD"]
    assert "battles" in options["types"]
    assert data.event_date_range(seeded_store) == (date(2025, 3, 9), date(2025, 3, 31))


def test_feed_status_shows_last_run_last_success_and_lag(seeded_store: Store) -> None:
    feeds = data.feed_status(seeded_store, seed.NOW).set_index("feed")
    gdelt = feeds.loc["gdelt"]
    assert (gdelt["status"], gdelt["error"], gdelt["runs"]) == ("failed", "HTTP 503 from lastupdate.txt", 2)
    assert gdelt["lag_hours"] == pytest.approx(30.0)
    assert feeds.loc["acled", "lag_hours"] == pytest.approx(6.0)
    assert feeds.loc["acled", "rejected"] == 1


def test_rejected_rows_keep_the_reason_and_raw_text(seeded_store: Store) -> None:
    rows = data.rejected_rows(seeded_store)
    assert rows.iloc[0][["feed", "ref", "reason"]].tolist() == [
        "acled",
        "line 7",
        "latitude 'n/a' is not a number",
    ]
    assert rows.iloc[0]["raw"] == "COD9,<i>x</i>,n/a,28.1"


@pytest.mark.parametrize(
    "query",
    [
        lambda s: data.risk_table(s),
        lambda s: data.recent_events(s, seed.AS_OF, 30, 10),
        lambda s: data.routes(s),
        lambda s: data.site_scores(s, "bisie"),
        lambda s: seed.site_explain(s, "bisie"),
        lambda s: data.site_notices(s, "bisie"),
        lambda s: data.site_events(
            s, data.site_reach({"id": "bisie", "lat": -1.0, "lon": 27.7}, Settings()), seed.AS_OF, 30, 10
        ),
        lambda s: data.supply_history(s),
        lambda s: data.supply_drivers(s),
        lambda s: data.events(s, data.EventFilter(start=date(2025, 1, 1), end=date(2025, 12, 31)), 10),
        lambda s: data.feed_status(s, seed.NOW),
        lambda s: data.rejected_rows(s),
    ],
    ids=[
        "risk",
        "recent",
        "routes",
        "scores",
        "explain",
        "notices",
        "site_events",
        "supply",
        "drivers",
        "events",
        "feeds",
        "rejected",
    ],
)
def test_queries_on_an_empty_store_return_empty_frames(fresh_store: Store, query: object) -> None:
    frame = query(fresh_store)  # type: ignore[operator]
    assert isinstance(frame, pd.DataFrame)
    assert frame.empty
    assert len(frame.columns) > 0


def test_empty_store_has_no_dates(fresh_store: Store) -> None:
    assert data.latest_score_date(fresh_store) is None
    assert data.score_date_range(fresh_store) == (None, None)
    assert data.event_date_range(fresh_store) == (None, None)
    assert data.site(fresh_store, "bisie") is None


def test_a_score_with_no_event_in_reach_gives_no_contributions(seeded_store: Store) -> None:
    seeded_store.upsert(
        models.Score,
        [{"site_id": "manono", "date": seed.AS_OF, "risk": 20.0, "level": "low", "status": "operating",
          "conflict": 20.0, "route": 0.0, "notice": 0.0, "events_30d": 0, "fatalities_30d": 0,
          "nearest_event_km": None, "top_event_id": None, "supply_at_risk_t": 1.0, "explain": {},
          "computed_at": seed.NOW}],
        key=("site_id", "date"),
    )  # fmt: skip
    assert seed.site_explain(seeded_store, "manono").empty  # unlocated, and without a road


def test_site_explain_reads_the_explanation_scoring_writes(tmp_path: Path) -> None:
    from monitor import demo
    from monitor.config import settings_from_mapping

    settings = settings_from_mapping({"database": {"url": f"sqlite:///{tmp_path / 'demo.db'}"}}, env={})
    result = demo.build(settings, now=lambda: datetime(2026, 1, 5), with_alerts=False)
    explained = seed.site_explain(result.store, "bisie", date(2025, 3, 13))
    result.store.engine.dispose()
    assert len(explained) > 0
    assert explained["share"].between(0.0, 1.0).all() and explained["share"].sum() <= 1.0 + 1e-6
    assert set(explained["via"]) <= {"site", "route"}


def test_rescoring_a_day_re_sums_its_supply_and_leaves_the_other_days(seeded_store: Store) -> None:
    before = data.supply_history(seeded_store).set_index(["date", "commodity"])["supply_at_risk_t"]
    day = sql.frame(seeded_store, "select * from score where date = :d", {"d": str(seed.AS_OF)})
    day["risk"] = day["risk"] + 1.0  # each site's tonnes at risk grow by 1% of its output
    ids_read = day["top_event_id"]  # read back as float (NaN for none): COPY wants integers
    day["top_event_id"] = pd.Series(
        [None if pd.isna(v) else int(v) for v in ids_read], index=day.index, dtype=object
    )
    seeded_store.replace_scores(day.drop(columns="computed_at"), [seed.AS_OF], seed.NOW)
    after = data.supply_history(seeded_store).set_index(["date", "commodity"])["supply_at_risk_t"]
    registry = sql.frame(seeded_store, "select id as site_id, commodity, annual_output_t from site")
    one_pct = day.merge(registry).groupby("commodity")["annual_output_t"].sum() / 100
    bumped = after - before
    on_day = bumped.xs(pd.Timestamp(seed.AS_OF), level="date")
    on_day = on_day[on_day != 0]  # Manono (lithium) has no row that day: nothing to bump
    assert on_day.to_dict() == pytest.approx(one_pct.to_dict(), abs=0.2)  # each site's to 0.1 t
    assert (bumped.drop(pd.Timestamp(seed.AS_OF), level="date") == 0).all()


def test_a_store_scored_before_the_supply_roll_up_existed_gets_it_filled(seeded_store: Store) -> None:
    expected = data.supply_history(seeded_store)
    execute(seeded_store, "DELETE FROM supply_day")
    assert data.supply_history(seeded_store).empty
    seeded_store.create_schema()
    pd.testing.assert_frame_equal(data.supply_history(seeded_store), expected)


@pytest.mark.parametrize(
    ("commodities", "levels"),
    [(["tin"], []), ([], ["halted", "unscored"]), (["cobalt", "copper"], ["low", "high"]), (["gold"], [])],
)
def test_the_risk_table_filtered_in_sql_is_the_full_table_filtered(
    seeded_store: Store, commodities: list[str], levels: list[str]
) -> None:
    full = data.risk_table(seeded_store)
    expected = full[
        (full["commodity"].isin(commodities) if commodities else True)
        & (full["level"].isin(levels) if levels else True)
    ].reset_index(drop=True)
    got = data.risk_table(seeded_store, None, commodities, levels)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_a_supply_roll_up_racing_another_writer_of_the_same_day_replaces_its_rows(
    seeded_store: Store,
) -> None:
    # Another scoring run has written (date, tin) but not committed yet: this roll-up waits for it, then must
    # replace that row rather than fail on the key (two feeds' jobs can score the same day at once).
    day = seed.AS_OF
    expected = data.supply_history(seeded_store)
    other = seeded_store.engine.connect()
    other.begin()
    other.execute(sa.text("DELETE FROM supply_day WHERE date = :d"), {"d": str(day)})
    other.execute(
        sa.text(
            "INSERT INTO supply_day (date, commodity, supply_at_risk_t, sites) VALUES (:d, 'tin', -1, 0)"
        ),
        {"d": day if seeded_store.dialect != "sqlite" else str(day)},
    )
    done: list[BaseException | None] = []
    worker = threading.Thread(target=lambda: done.append(_run(seeded_store.rollup_supply, [day])))
    worker.start()
    worker.join(0.5)  # it is blocked on the other writer's row (PostgreSQL) or lock (SQLite)
    other.commit()
    other.close()
    worker.join(30)
    assert done == [None]
    pd.testing.assert_frame_equal(data.supply_history(seeded_store), expected)


def _run(fn: Any, *args: Any) -> BaseException | None:
    try:
        fn(*args)
    except BaseException as exc:  # handed back to the test thread
        return exc
    return None


def test_drops_read_as_reasons_most_first() -> None:
    assert data.dropped_text({"region_centroid": 31, "not_conflict": 784, "not_violence": 60}) == (
        "not_conflict 784, not_violence 60, region_centroid 31"
    )
    assert data.dropped_text({}) == data.dropped_text(None) == ""


def test_verdicts_list_what_they_are_on_and_whether_they_hold(seeded_store: Store) -> None:
    event = int(sql.scalar(seeded_store, "select min(id) from event"))
    first = seeded_store.add_feedback("event", event, "duplicate", by="ana", at=seed.NOW - timedelta(days=2))
    seeded_store.add_feedback("event", event, "wrong_site", by="ben", at=seed.NOW, site_id="bisie")
    seeded_store.revoke_feedback(first, by="ana", at=seed.NOW - timedelta(days=1))
    frame = data.verdicts(seeded_store, seed.NOW)
    assert list(frame.columns) == list(data.VERDICT_COLUMNS)
    assert frame[["verdict", "created_by", "in_force"]].values.tolist() == [
        ["wrong_site", "ben", True],
        ["duplicate", "ana", False],
    ]
    assert set(frame["target_ref"]) == {
        str(
            sql.scalar(
                seeded_store, "select source || ':' || source_id from event where id = :i", {"i": event}
            )
        )
    }


def test_an_event_near_the_road_carries_its_distance_to_the_road_and_to_the_mine() -> None:
    sites = pd.DataFrame({"site_id": ["m"], "lat": [0.0], "lon": [0.0], "route": [[[0.0, 0.0], [0.0, 1.0]]]})
    events = pd.DataFrame({"site_id": ["m", "m", "x"], "lat": [0.1, 0.0, 0.0], "lon": [0.5, 0.0, 0.0]})
    out = data.with_distances(events, sites)
    # 0.1 degree of latitude off a road along the equator; half a degree along it from the mine.
    assert out["to_road_km"].iloc[0] == pytest.approx(11.12, abs=0.05)
    assert out["to_mine_km"].iloc[0] == pytest.approx(56.7, abs=0.2)
    assert out["to_mine_km"].iloc[1] == pytest.approx(0.0) and out["to_road_km"].iloc[1] == pytest.approx(0.0)
    assert out[["to_mine_km", "to_road_km"]].iloc[2].isna().all()  # a site not in the registry


def test_the_site_s_events_come_once_each_with_both_distances(seeded_store: Store) -> None:
    events = seed.site_events(seeded_store, "bisie")
    assert events["event_id"].is_unique
    assert events[["to_mine_km", "to_road_km"]].notna().all().all()
    listed = data.events(seeded_store, data.EventFilter(start=date(2025, 1, 1), end=seed.AS_OF), 100)
    near_bisie = listed[listed["nearest_site_id"] == "bisie"]
    assert (near_bisie["to_mine_km"] > near_bisie["to_road_km"]).any()  # matched through the road


def test_feed_status_names_each_feed_by_kind(seeded_store: Store) -> None:
    feeds = data.feed_status(seeded_store, seed.NOW).set_index("feed")
    assert feeds.loc["acled", ["feed_kind", "feed_name"]].tolist() == ["Conflict events", "ACLED"]
