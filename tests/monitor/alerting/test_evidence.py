"""The evidence of halt and level alerts (pure): the nearest events and the front line, and how they read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from monitor.alerting import evidence
from monitor.alerting.decide import Candidate

SITE = {"id": "bisie", "name": "Bisie tin mine", "operator": "Alphamin", "country": "CD", "commodity": "tin"}


def exposure(event_id: int, day: str, mine_km: float, road_km: float | None, via: str = "site",
             **kw: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "site_id": "bisie", "via": via, "event_id": event_id, "event_date": date.fromisoformat(day),
        "source": "acled", "type": "battles", "sub_type": "Armed clash", "fatalities": 0, "actor1": "M23",
        "location": f"place {event_id}", "to_mine_km": mine_km, "to_road_km": road_km, **kw,
    }  # fmt: skip


def near(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_an_event_reaching_the_mine_and_its_road_counts_once() -> None:
    found = evidence.nearest_events(
        near(exposure(1, "2025-03-10", 20.0, 3.0, via="site"),
             exposure(1, "2025-03-10", 20.0, 3.0, via="route")),
        date(2025, 3, 14), 60,
    )  # fmt: skip
    assert found["count"] == 1
    assert found["nearest_mine"]["location"] == "place 1"
    assert found["nearest_road"] is None  # the same event is nearest to both


def test_the_nearest_to_the_mine_and_to_the_road_are_given_with_both_distances() -> None:
    found = evidence.nearest_events(
        near(exposure(1, "2025-03-10", 40.0, 0.2, via="route"), exposure(2, "2025-03-12", 9.0, 6.5),
             exposure(3, "2025-03-13", 55.0, 8.0)),
        date(2025, 3, 14), 60,
    )  # fmt: skip
    assert found["count"] == 3
    assert (found["nearest_mine"]["to_mine_km"], found["nearest_mine"]["to_road_km"]) == (9.0, 6.5)
    assert (found["nearest_road"]["to_mine_km"], found["nearest_road"]["to_road_km"]) == (40.0, 0.2)
    assert found["nearest_mine"]["date"] == "2025-03-12"


def test_only_the_events_of_the_window_before_the_alert_day_count() -> None:
    rows = near(
        exposure(1, "2025-01-13", 1.0, 1.0),  # 60 days before: just out
        exposure(2, "2025-01-14", 30.0, 30.0),
        exposure(3, "2025-03-15", 2.0, 2.0),  # after the alert's day
    )
    found = evidence.nearest_events(rows, date(2025, 3, 14), 60)
    assert found["count"] == 1 and found["nearest_mine"]["location"] == "place 2"
    quiet = evidence.nearest_events(rows.iloc[0:0], date(2025, 3, 14), 60)
    assert (quiet["count"], quiet["nearest_mine"]) == (0, None)
    assert (
        evidence.events_phrase(quiet)
        == "none within reach of the mine or its road in the 60 days to 2025-03-14"
    )


def test_an_event_reads_how_near_what_where_when_who_and_the_source() -> None:
    acled = exposure(2, "2025-03-12", 9.04, 6.5, fatalities=3)
    [event] = [evidence.nearest_events(near(acled), date(2025, 3, 14), 60)["nearest_mine"]]
    assert evidence.event_phrase(event) == (
        "9.0 km from the mine, 6.5 km from its road: "
        "Armed clash at place 2 on 2025-03-12 by M23, 3 dead (ACLED)"
    )
    gdelt = {"type": "battles", "sub_type": "CAMEO 190: Use conventional military force", "location": "Kibua",
             "date": "2025-03-12", "actor": "", "fatalities": 0, "source": "gdelt", "to_mine_km": 79.1,
             "to_road_km": None}  # fmt: skip
    assert evidence.event_phrase(gdelt) == (
        "79.1 km from the mine: Use conventional military force at Kibua on 2025-03-12 (GDELT)"
    )


def test_the_front_line_reads_its_distance_actor_pace_and_arrival() -> None:
    values = evidence.front_values(
        {"front_km": 55.43, "front_km_change_7d": -43.5, "front_days_to_radius": 4.9, "front_actor": "M23"}
    )
    assert values == {"front_km": 55.4, "front_km_change_7d": -43.5, "front_days_to_radius": 4.9,
                      "front_actor": "M23"}  # fmt: skip
    assert evidence.front_phrase(values) == (
        "55 km away (M23), 44 km closer than a week before, at the mine's radius in 5 days"
    )
    receding = {**values, "front_km_change_7d": 3.0}
    assert evidence.front_phrase(receding) == "55 km away (M23)"
    assert evidence.front_phrase(evidence.front_values(None)) == ""


def test_halt_and_level_alerts_get_the_evidence_of_their_own_day_and_others_are_left_alone() -> None:
    def candidate(kind: str, day: date) -> Candidate:
        return Candidate(kind=kind, subject="bisie", episode=day.isoformat(), title="t", summary="s",
                         occurred_at=datetime.combine(day, datetime.min.time()), site=SITE,
                         details={"day": day.isoformat()})  # fmt: skip

    rows = near(exposure(1, "2025-03-01", 20.0, 2.0), exposure(2, "2025-03-20", 5.0, 5.0))
    fronts = {("bisie", date(2025, 3, 14)): {"front_km": 110.1, "front_actor": "M23"}}
    halt, level, front = evidence.with_evidence(
        [candidate("halt", date(2025, 3, 14)), candidate("level", date(2025, 3, 21)),
         candidate("front_line", date(2025, 3, 14))],
        rows, fronts, 60,
    )  # fmt: skip
    assert halt.details["events"]["count"] == 1 and halt.details["front_km"] == 110.1
    assert halt.details["day"] == "2025-03-14"  # the rule's own details are kept
    assert level.details["events"]["count"] == 2
    assert level.details["front_km"] is None  # no front line scored that day
    assert "events" not in front.details
