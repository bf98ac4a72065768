from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from feeds import acled, gdelt
from monitor.config import FrontSettings
from monitor.demo import demo_dir
from monitor.front import actor_key, front_line, is_takeover
from monitor.geo import haversine_km

SETTINGS = FrontSettings()
BISIE = pd.DataFrame({"id": ["bisie"], "lat": [-1.033], "lon": [27.733]})
MARCH = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(31)]


def demo_takeovers(*, with_gdelt: bool = True) -> pd.DataFrame:
    """The demo scenario's takeovers, as the store would hand them over (known_at = publication)."""
    events = acled.parse_file(demo_dir() / "acled_events.csv").records.assign(num_sources=1)
    if with_gdelt:
        events = pd.concat([events, gdelt.parse_file(demo_dir() / "gdelt_events.export.CSV").records])
    events = events.assign(known_at=pd.to_datetime(events["published_at"]))
    return events[is_takeover(events, SETTINGS, gdelt_min_sources=2)].reset_index(drop=True)


def takeover(actor: str, lat: float, lon: float, day: str, known: str | None = None) -> dict[str, object]:
    return {"actor1": actor, "lat": lat, "lon": lon, "event_date": dt.date.fromisoformat(day),
            "known_at": pd.Timestamp(known or day)}  # fmt: skip


def test_bisies_front_shrinks_through_march_2025_to_walikale_55_km_away() -> None:
    front = front_line(BISIE, demo_takeovers(), MARCH, SETTINGS).set_index("date")
    weekly = front.loc[[dt.date(2025, 3, d) for d in (1, 8, 15, 22, 29)], "front_km"].tolist()
    assert weekly == [127.3, 127.3, 110.2, 55.4, 55.4]  # Masisi, Masisi, Nyabiondo, Walikale, Walikale
    assert front["front_km"].is_monotonic_decreasing
    # GDELT's well-sourced report of the takeover (public on 20 March) moves the front that day.
    assert front.loc[dt.date(2025, 3, 19), "front_km"] == 79.1  # Kibua
    assert front.loc[dt.date(2025, 3, 20), "front_km"] == pytest.approx(55, abs=1)
    assert front.loc[dt.date(2025, 3, 20), "front_km_change_7d"] < -40
    assert front.loc[dt.date(2025, 3, 20), "front_actor"] == "M23: March 23 Movement"


def test_without_gdelt_the_front_reaches_walikale_when_acled_publishes_it() -> None:
    front = front_line(BISIE, demo_takeovers(with_gdelt=False), MARCH, SETTINGS).set_index("date")
    known = pd.Timestamp(demo_takeovers(with_gdelt=False).query("location == 'Walikale'")["known_at"].iloc[0])
    assert front.loc[(known - pd.Timedelta(days=1)).date(), "front_km"] > 70
    assert front.loc[known.date(), "front_km"] == pytest.approx(55, abs=1)


def test_each_day_uses_only_takeovers_public_by_its_end() -> None:
    takeovers = demo_takeovers()
    everything = front_line(BISIE, takeovers, MARCH, SETTINGS).set_index("date")
    for day in MARCH:
        known = takeovers[takeovers["known_at"] < pd.Timestamp(day) + pd.Timedelta(days=1)]
        alone = front_line(BISIE, known, [day], SETTINGS).set_index("date").loc[day]
        assert alone.equals(everything.loc[day]), day


def test_an_approaching_front_gives_a_negative_change_and_days_to_the_radius() -> None:
    takeovers = pd.DataFrame(
        [takeover("Rebels", -1.033, 28.633, "2025-03-01"), takeover("Rebels", -1.033, 28.363, "2025-03-08")]
    )  # 100 km east of the mine, then 70 km
    front = front_line(BISIE, takeovers, [dt.date(2025, 3, 8)], SETTINGS).iloc[0]
    assert front["front_km"] == pytest.approx(70.1, abs=0.2)
    assert front["front_km_change_7d"] == pytest.approx(-30.0, abs=0.2)
    # 45 km to go to the 25 km radius at 30 km a week: 10.5 days.
    assert front["front_days_to_radius"] == pytest.approx((70.1 - 25) / (30 / 7), abs=0.2)


def test_a_front_inside_the_radius_is_zero_days_away_and_a_still_one_has_no_countdown() -> None:
    takeovers = pd.DataFrame([takeover("Rebels", -1.033, 27.833, "2025-03-01")])  # 11 km away
    front = front_line(BISIE, takeovers, [dt.date(2025, 3, 10)], SETTINGS).iloc[0]
    assert front["front_days_to_radius"] == 0
    far = pd.DataFrame([takeover("Rebels", -1.033, 28.633, "2025-03-01")])
    still = front_line(BISIE, far, [dt.date(2025, 3, 10)], SETTINGS).iloc[0]
    assert still["front_km_change_7d"] == 0 and np.isnan(still["front_days_to_radius"])


def test_the_change_follows_the_same_actor_and_a_new_actor_has_none() -> None:
    takeovers = pd.DataFrame(
        [
            takeover("M23: March 23 Movement", -1.033, 28.633, "2025-03-01"),
            takeover("M23", -1.033, 28.363, "2025-03-08"),  # GDELT's name for the same group
            takeover("Mai-Mai Group", -1.033, 28.183, "2025-03-08"),  # nearer, but new this week
        ]
    )
    front = front_line(BISIE, takeovers, [dt.date(2025, 3, 8)], SETTINGS).iloc[0]
    assert front["front_actor"] == "Mai-Mai Group"
    assert np.isnan(front["front_km_change_7d"])
    assert actor_key(pd.Series(["M23: March 23 Movement", "M23", " m23 (DRC)"])).tolist() == ["m23"] * 3


def test_takeovers_age_out_of_the_window_and_far_ones_do_not_count() -> None:
    takeovers = pd.DataFrame([takeover("Rebels", -1.033, 28.633, "2025-03-01")])
    days = [dt.date(2025, 3, 30), dt.date(2025, 3, 31)]
    front = front_line(BISIE, takeovers, days, SETTINGS)["front_km"].tolist()
    assert front[0] == pytest.approx(100.1, abs=0.2) and np.isnan(front[1])  # 30-day window
    near_only = front_line(BISIE, takeovers, days[:1], FrontSettings(max_km=80))
    assert near_only["front_km"].isna().all()


def test_takeovers_are_acled_takeovers_and_well_sourced_gdelt_occupations() -> None:
    events = pd.DataFrame(
        {
            "source": ["acled", "acled", "gdelt", "gdelt", "gdelt", "ucdp"],
            "sub_type": [
                "Non-state actor overtakes territory",
                "Armed clash",
                "CAMEO 192: Occupy territory",
                "CAMEO 192: Occupy territory",
                "CAMEO 190: Use conventional military force",
                "UCDP state-based conflict",
            ],
            "num_sources": [1, 1, 1, 4, 9, 1],
        }
    )
    assert is_takeover(events, SETTINGS, gdelt_min_sources=2).tolist() == [
        True,
        False,
        False,
        True,
        False,
        False,
    ]


def test_every_site_and_day_gets_a_row_even_without_a_front() -> None:
    sites = pd.concat([BISIE, pd.DataFrame({"id": ["kamoto"], "lat": [-10.7], "lon": [25.4]})])
    front = front_line(sites, demo_takeovers(), MARCH[:3], SETTINGS)
    assert len(front) == 6
    assert front[front["site_id"] == "kamoto"]["front_km"].isna().all()
    assert front_line(sites, demo_takeovers().iloc[0:0], MARCH[:3], SETTINGS)["front_km"].isna().all()


def test_sites_taken_a_block_at_a_time_get_the_front_line_they_get_all_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(7)
    sites = pd.DataFrame(
        {
            "id": [f"s{i:02d}" for i in range(23)],
            "lat": rng.uniform(-3, 1, 23),
            "lon": rng.uniform(26, 30, 23),
        }
    )
    takeovers = pd.DataFrame(
        [
            takeover(actor, float(lat), float(lon), f"2025-03-{day:02d}")
            for actor, lat, lon, day in zip(
                rng.choice(["M23", "Raia Mutomboki", "Mai-Mai"], 40),
                rng.uniform(-3, 1, 40),
                rng.uniform(26, 30, 40),
                rng.integers(1, 29, 40),
                strict=True,
            )
        ]
    )
    whole = front_line(sites, takeovers, MARCH, SETTINGS)
    last_days = front_line(sites, takeovers, MARCH[-2:], SETTINGS)
    monkeypatch.setattr("monitor.front.SITES_PER_BLOCK", 4)
    blocked = front_line(sites, takeovers, MARCH, SETTINGS)
    assert whole["front_km"].notna().sum() > 100  # the sites do have fronts to compare
    pd.testing.assert_frame_equal(blocked, whole)
    # A run of two days takes 12 times the sites a block (12 here): two blocks of the 23.
    monkeypatch.setattr("monitor.front.SITES_PER_BLOCK", 1)
    assert last_days["front_km"].notna().sum() > 5
    pd.testing.assert_frame_equal(front_line(sites, takeovers, MARCH[-2:], SETTINGS), last_days)


def test_a_block_of_sites_with_no_takeover_in_reach_leaves_the_other_blocks_fronts_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Taken a site at a time over a month, Bisie's block has a front and Kalgoorlie's (Western Australia)
    # has no takeover within max_km. An untyped empty block made every block's columns objects, and the
    # month's front line failed (a division by zero on object columns) on a registry with a far block.
    far = pd.DataFrame({"id": ["kalgoorlie"], "lat": [-30.75], "lon": [121.47]})
    sites = pd.concat([BISIE, far], ignore_index=True)
    alone = front_line(BISIE, demo_takeovers(), MARCH, SETTINGS)
    monkeypatch.setattr("monitor.front.SITES_PER_BLOCK", 1)
    front = front_line(sites, demo_takeovers(), MARCH, SETTINGS)
    assert front[front["site_id"] == "kalgoorlie"][["front_km", "front_km_change_7d"]].isna().all().all()
    bisie = front[front["site_id"] == "bisie"].reset_index(drop=True)
    assert bisie["front_km"].notna().all()
    pd.testing.assert_frame_equal(bisie, alone)


def _front_by_hand(
    site: pd.Series, takeovers: pd.DataFrame, day: dt.date, settings: FrontSettings
) -> tuple[float, str | None, float]:
    """(front_km, actor key, change) of one site and day, from the module docstring's definitions, a
    takeover at a time (km not rounded; NaN where there is none)."""

    def nearest(last: dt.date) -> pd.DataFrame:
        first = last - dt.timedelta(days=settings.window_days)
        public = takeovers["known_at"] < pd.Timestamp(day) + pd.Timedelta(days=1)
        dated = (takeovers["event_date"] > first) & (takeovers["event_date"] <= last)
        live = takeovers[public & dated]
        km = haversine_km(site["lat"], site["lon"], live["lat"].to_numpy(), live["lon"].to_numpy())
        return live.assign(km=km, key=actor_key(live["actor1"]))[km <= settings.max_km]

    now = nearest(day).sort_values(["km"], kind="stable")
    if now.empty:
        return float("nan"), None, float("nan")
    lead = now.iloc[0]
    then = nearest(day - dt.timedelta(days=7))
    then = then[then["key"] == lead["key"]]
    return float(lead["km"]), str(lead["key"]), float(lead["km"] - then["km"].min()) if len(then) else np.nan


def test_each_sites_front_is_the_nearest_live_takeover_and_its_actors_pace_as_worked_out_by_hand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(11)
    sites = pd.DataFrame(
        {"id": [f"s{i}" for i in range(6)], "lat": rng.uniform(-3, 1, 6), "lon": rng.uniform(26, 30, 6)}
    )
    dated = [dt.date(2025, 2, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 45, 80)]
    takeovers = pd.DataFrame(
        {
            "actor1": rng.choice(["M23: March 23 Movement", "M23", "Raia Mutomboki", "Mai-Mai (Zaire)"], 80),
            "lat": rng.uniform(-4, 2, 80),
            "lon": rng.uniform(25, 31, 80),
            "event_date": dated,
            # Most public the day they happened, some days later.
            "known_at": [pd.Timestamp(d) + pd.Timedelta(days=int(k), hours=9) for d, k in
                         zip(dated, rng.choice([0, 0, 0, 2, 9], 80), strict=True)],
        }
    )  # fmt: skip
    settings = FrontSettings(window_days=10, max_km=120.0)
    monkeypatch.setattr("monitor.front.SITES_PER_BLOCK", 2)
    days = MARCH[:20]
    front = front_line(sites, takeovers, days, settings).set_index(["site_id", "date"])
    fronts = paced = 0
    for _, site in sites.iterrows():
        for day in days:
            km, key, change = _front_by_hand(site, takeovers, day, settings)
            row = front.loc[(site["id"], day)]
            if key is None:
                assert np.isnan(row["front_km"]) and pd.isna(row["front_actor"])
                continue
            fronts += 1
            assert row["front_km"] == np.round(km, 1)
            assert actor_key(pd.Series([row["front_actor"]]))[0] == key
            if np.isnan(change):
                assert np.isnan(row["front_km_change_7d"])
            else:
                paced += 1
                assert row["front_km_change_7d"] == np.round(change, 1)
    assert 30 < fronts < 100 and paced > 10, (fronts, paced)  # each case is met
