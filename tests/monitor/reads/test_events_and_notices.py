"""Event and notice reads see exactly what was known when: public before the end of a day, public by a
moment, or stored and public by a vintage, with the boundaries where they fall."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from feeds.rows import EVENT_COLUMNS
from monitor import reads
from monitor.exports.schemas import SCHEMAS
from monitor.matching import Reach
from monitor.reads import sql
from monitor.reads.arrow import ArrowReader
from monitor.reads.events import EventFilter
from monitor.reads.known import Known, end_of
from monitor.store import Store
from tests.monitor.reads.conftest import DAY, MIDNIGHT, STORED, Seeded, reach

EVENTS_PANEL = SCHEMAS["events"].arrow()


def _ids(seeded: Seeded, internal: object) -> set[str]:
    names = {v: k for k, v in seeded.event_ids.items()}
    return {names[int(i)] for i in internal}  # type: ignore[attr-defined]


def test_the_end_of_a_day_is_the_first_instant_after_it() -> None:
    assert end_of(DAY) == MIDNIGHT
    assert Known.end_of(DAY) == Known(before=MIDNIGHT)


def test_a_day_sees_the_events_public_before_its_end_and_not_at_midnight(seeded: Seeded) -> None:
    seen = reads.events.scored_events(seeded.store, date(2025, 3, 1), DAY, Known.end_of(DAY))
    assert _ids(seeded, seen["event_id"]) == {"E1"}  # E2 public at midnight, E3 only when stored
    later = reads.events.scored_events(seeded.store, date(2025, 3, 1), DAY, Known.end_of(STORED.date()))
    assert _ids(seeded, later["event_id"]) == {"E1", "E2", "E3"}
    everything = reads.events.scored_events(seeded.store, date(2025, 1, 1), DAY, Known())
    assert _ids(seeded, everything["event_id"]) == {"E1", "E2", "E3", "E4"}


def test_the_events_read_for_scoring_are_those_placed_in_a_box_or_arrived_when_asked(seeded: Seeded) -> None:
    west_of_e2 = (-1.1, -0.9, 27.6, 27.68)  # E1 and E3
    boxed = reads.events.scored_events(seeded.store, date(2025, 1, 1), DAY, Known(), near=west_of_e2)
    assert _ids(seeded, boxed["event_id"]) == {"E1", "E3"}
    now = STORED + timedelta(seconds=1)
    assert reads.events.scored_events(seeded.store, date(2025, 1, 1), DAY, Known(), arrived=(now, now)).empty
    seeded.store.replace_incidents(
        pd.DataFrame({"event_id": [seeded.event_ids["E3"]], "incident_id": [seeded.event_ids["E1"]]}),
        now + timedelta(seconds=1),
    )
    moved = reads.events.scored_events(seeded.store, date(2025, 1, 1), DAY, Known(), arrived=(now, now))
    assert _ids(seeded, moved["event_id"]) == {"E3"} and moved["incident_id"].tolist() == [
        seeded.event_ids["E1"]
    ]
    stored = reads.events.scored_events(seeded.store, date(2025, 1, 1), DAY, Known(), arrived=(STORED, now))
    assert _ids(seeded, stored["event_id"]) == {"E1", "E2", "E3", "E4"}


def test_a_vintage_sees_only_what_was_stored_and_public_by_then(seeded: Seeded) -> None:
    before_stored = Known(vintage=STORED - timedelta(microseconds=1))
    assert reads.events.scored_events(seeded.store, date(2025, 1, 1), DAY, before_stored).empty
    at_stored = reads.events.scored_events(seeded.store, date(2025, 1, 1), DAY, Known(vintage=STORED))
    assert _ids(seeded, at_stored["event_id"]) == {"E1", "E2", "E3", "E4"}  # both bounds inclusive


def test_public_by_a_moment_includes_that_moment(seeded: Seeded) -> None:
    front = reads.events.front_line_exposures(
        seeded.store, reach(seeded.store), date(2025, 3, 1), DAY, Known(by=MIDNIGHT), min_fatalities=5,
        sub_types={"non-state actor overtakes territory"},
    )  # fmt: skip
    assert _ids(seeded, front["event_id"]) == {"E1", "E2"}  # E1: 6 deaths; E2: a takeover, public at MIDNIGHT
    assert set(front["site_id"]) == {"alpha"}
    assert all(type(d) is date for d in front["event_date"])
    assert all(isinstance(t, datetime) for t in front["known_at"])
    wider = Reach(reach(seeded.store).sites, 35.0, 0.0)  # beta is 30 and 32 km from E1 and E2
    both = reads.events.front_line_exposures(
        seeded.store, wider, date(2025, 3, 1), DAY, Known(by=MIDNIGHT), min_fatalities=5,
        sub_types={"non-state actor overtakes territory"},
    )  # fmt: skip
    assert sorted(both["site_id"]) == ["alpha", "alpha", "beta", "beta"]


def test_events_first_stored_since_a_moment(seeded: Seeded) -> None:
    ids, lat, _lon = reads.events.seen_since(seeded.store, STORED)
    assert _ids(seeded, ids) == {"E1", "E2", "E3", "E4"} and lat.size == 4
    ids, _lat, _lon = reads.events.seen_since(seeded.store, STORED + timedelta(seconds=1))
    assert ids.size == 0


def test_event_references_are_source_and_id(seeded: Seeded) -> None:
    refs = reads.events.refs(seeded.store, [seeded.event_ids["E1"], None, 10**9])
    assert refs == {seeded.event_ids["E1"]: "acled:E1"}


def test_the_events_panel_names_each_event_s_nearest_site(seeded: Seeded) -> None:
    table = reads.events.arrow_panel(ArrowReader(seeded.store), date(2025, 3, 1), DAY, EVENTS_PANEL, Known())
    rows = {r["source_id"]: r for r in table.to_pylist()}
    assert set(rows) == {"E1", "E2", "E3"}
    assert (rows["E1"]["nearest_site_id"], rows["E1"]["nearest_site_km"]) == ("alpha", 3.0)
    near_beta = reach(seeded.store).of(["beta"])
    assert reads.events.arrow_panel(
        ArrowReader(seeded.store), date(2025, 1, 1), DAY, EVENTS_PANEL, Known(), reach=near_beta
    ).column("source_id").to_pylist() == ["E4"]  # 13 km from beta; the others are 26-32 km
    none_near = reach(seeded.store).of([])
    assert (
        reads.events.arrow_panel(
            ArrowReader(seeded.store), date(2025, 1, 1), DAY, EVENTS_PANEL, Known(), reach=none_near
        ).num_rows
        == 0
    )
    assert (
        reads.events.arrow_panel(
            ArrowReader(seeded.store), date(2025, 3, 1), DAY, EVENTS_PANEL, Known(), countries=["ZM"]
        ).num_rows
        == 0
    )


def test_the_events_list_filters_counts_and_orders_newest_first(seeded: Seeded) -> None:
    flt = EventFilter(start=date(2025, 1, 1), end=DAY, known_by=MIDNIGHT)
    listed = reads.events.listed(seeded.store, flt, limit=10)
    assert listed["location"].tolist() == ["E1", "E4"]  # E2 public at MIDNIGHT, E3 when stored
    assert reads.events.count_listed(seeded.store, flt) == 2
    near = EventFilter(start=date(2025, 1, 1), end=DAY, max_site_km=5.0)
    assert set(reads.events.listed(seeded.store, near, limit=10)["location"]) == {"E1", "E2"}
    assert reads.events.date_span(seeded.store) == (date(2025, 2, 1), DAY)


def test_a_site_s_events_are_nearest_first(seeded: Seeded) -> None:
    alpha = reach(seeded.store).of(["alpha"])
    near = reads.events.near_site(seeded.store, alpha, date(2025, 3, 1), DAY, Known(), limit=10)
    assert near["location"].tolist() == ["E2", "E1", "E3"]
    assert near["distance_km"].round(1).tolist() == [1.1, 3.3, 7.8]
    assert reads.events.near_site(seeded.store, alpha, date(2025, 1, 1), DAY, Known(), limit=2)[
        "location"
    ].tolist() == ["E2", "E1"]
    evidence = reads.events.near_sites(seeded.store, reach(seeded.store), date(2025, 1, 1), DAY, Known())
    assert sorted(zip(evidence["site_id"], evidence["location"], strict=True)) == [
        ("alpha", "E1"), ("alpha", "E2"), ("alpha", "E3"), ("beta", "E4"),
    ]  # fmt: skip


def test_the_events_whose_nearest_site_is_one_of_some_sites(seeded: Seeded) -> None:
    assert reads.events.nearest_to(seeded.store, ["alpha", "gamma"]) == set(seeded.event_ids.values())
    assert reads.events.nearest_to(seeded.store, ["beta"]) == set()


def test_a_day_sees_the_notices_public_before_its_end(seeded: Seeded) -> None:
    linked = reads.notices.linked(seeded.store, Known.end_of(DAY))
    names = {v: k for k, v in seeded.notice_ids.items()}
    assert {names[int(i)] for i in linked["notice_id"]} == {"N1", "N3"}  # N2 public at MIDNIGHT
    shown = reads.notices.of_site(seeded.store, "alpha", Known.end_of(DAY), limit=10)
    assert shown["title"].tolist() == ["notice N1", "notice N3"]  # newest first


def test_notices_of_kinds_are_public_by_a_moment_and_sure_enough(seeded: Seeded) -> None:
    found = reads.notices.of_kinds(seeded.store, {"halt", "resumption", "evacuation"}, 0.5,
                                   datetime(2025, 3, 1), Known(by=MIDNIGHT))  # fmt: skip
    assert sorted(found["kind"]) == ["halt", "resumption"]  # the evacuation is not sure enough
    assert str(found["known_at"].dtype).startswith("datetime64")


def test_notices_stored_since_a_moment_and_the_sites_they_touch(seeded: Seeded) -> None:
    assert len(reads.notices.seen_since(seeded.store, STORED)) == 3
    assert reads.notices.sites_noticed_since(seeded.store, STORED) == {"alpha"}
    assert reads.notices.sites_noticed_since(seeded.store, STORED + timedelta(seconds=1)) == set()


def test_the_notices_panel_reads_one_row_per_tie(seeded: Seeded) -> None:
    table = reads.notices.arrow_panel(ArrowReader(seeded.store), date(2025, 3, 12), DAY, Known())
    assert sorted(table.column("source_id").to_pylist()) == ["N1", "N3"]
    assert set(table.column("site_id").to_pylist()) == {"alpha"}


def test_recent_matched_events_are_newest_first_and_public_by_the_day_s_end(seeded: Seeded) -> None:
    recent = reads.events.recent_matched(seeded.store, date(2025, 3, 1), DAY, Known.end_of(DAY), limit=10)
    assert recent["location"].tolist() == ["E1"]  # E2 public at midnight, E3 when stored
    later = reads.events.recent_matched(seeded.store, date(2025, 3, 1), DAY, Known(), limit=2)
    assert later["location"].tolist() == ["E2", "E1"]


def test_event_details_by_id(seeded: Seeded) -> None:
    details = reads.events.details(seeded.store, [seeded.event_ids["E3"]])
    assert details[["source", "location", "fatalities"]].to_dict("records") == [
        {"source": "acled", "location": "E3", "fatalities": 1}
    ]
    assert reads.events.details(seeded.store, []).empty


def test_fusion_reads_the_events_public_since_a_moment_among_those_stored_since(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events stored in two runs, some published long before they were stored, one only after (its
    source's clock ahead): for every moment, fusion reads exactly the events public since then, and on
    SQLite through indexes only (a full scan grows with the history, not with what arrived)."""
    runs = {
        STORED: {"A": datetime(2025, 3, 1), "B": STORED - timedelta(hours=1), "C": None},
        STORED + timedelta(days=2): {"D": datetime(2025, 2, 1), "E": STORED + timedelta(days=3)},
    }
    for now, published in runs.items():
        rows = [
            {**dict.fromkeys(EVENT_COLUMNS, ""), "source": "acled", "source_id": sid, "published_at": at,
             "event_date": date(2025, 2, 1), "type": "battles", "fatalities": 0, "lat": -1.4, "lon": 28.0,
             "geo_precision": 1}
            for sid, at in published.items()
        ]  # fmt: skip
        fresh_store.insert_events(pd.DataFrame(rows, columns=list(EVENT_COLUMNS)), now)
    stored = sql.frame(fresh_store, "SELECT id, source_id, known_at FROM event")
    known = dict(zip(stored["source_id"], pd.to_datetime(stored["known_at"]), strict=True))
    queries: list[str] = []
    frame = sql.large_frame

    def spy(store: Store, query: str, *args: Any, **kwargs: Any) -> pd.DataFrame:
        queries.append(query)
        return frame(store, query, *args, **kwargs)

    monkeypatch.setattr(sql, "large_frame", spy)
    for moment in sorted({*known.values(), datetime(2025, 1, 1), STORED + timedelta(days=9)}):
        read = reads.incidents.to_decide(fresh_store, moment)
        names = dict(zip(stored["id"], stored["source_id"], strict=True))
        assert {names[i] for i in read["id"]} == {s for s, k in known.items() if k >= moment}, moment
    assert known["E"] == STORED + timedelta(days=3)  # public only after it was stored
    if fresh_store.dialect == "sqlite":
        with fresh_store.engine.connect() as conn:
            plan = conn.execute(sa.text("EXPLAIN QUERY PLAN " + queries[-1]), {"t": STORED}).fetchall()
        used = " ".join(str(step) for step in plan)
        assert "ix_event_first_seen" in used and "ix_event_known_after_stored" in used, plan
