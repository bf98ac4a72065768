"""The scoring model: each factor, the saturation, levels, notice status, point-in-time, explain, supply."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor import models, scoring
from monitor.config import ScoringSettings
from monitor.front import FRONT_COLUMNS
from monitor.reads import sql
from monitor.scoring import (
    QUIET,
    SCORE_COLUMNS,
    WEIGHT_ONLY_COLUMNS,
    event_weights,
    explained,
    quiet_explain,
    quiet_level,
    score_days,
)
from monitor.sites import parse_sites_csv, sync_sites
from monitor.store import QuietScores, Store
from monitor.supply import SUPPLY_COLUMNS, supply_at_risk

DAY = date(2025, 3, 10)
PARAMS = ScoringSettings()
LN4 = math.log(4.0)


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """A naive UTC datetime on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute, second)


def site(**overrides: Any) -> dict[str, Any]:
    row = {
        "id": "bisie",
        "name": "Bisie",
        "operator": "Alphamin",
        "country": "CD",
        "commodity": "tin",
        "annual_output_t": 12_000.0,
        "world_share": 0.04,
        "status": "operating",
        "lat": -1.033,
        "lon": 27.733,
    }
    return {**row, **overrides}


def exposure(**overrides: Any) -> dict[str, Any]:
    row = {
        "event_id": 1,
        "site_id": "bisie",
        "via": "site",
        "distance_km": 0.0,
        "source": "acled",
        "type": "battles",
        "sub_type": "",
        "fatalities": 0,
        "geo_precision": 1,
        "event_date": DAY,
        "known_at": at(DAY),
    }
    return {**row, **overrides}


def notice(**overrides: Any) -> dict[str, Any]:
    row = {
        "notice_id": 100,
        "site_id": "bisie",
        "kind": "halt",
        "confidence": 0.9,
        "known_at": at(DAY),
        "title": "Operations suspended",
        "url": "https://example.org/n/100",
        "source": "alphamin",
    }
    return {**row, **overrides}


def days_from(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def score(
    exposures: Sequence[dict[str, Any]] = (),
    notices: Sequence[dict[str, Any]] = (),
    sites: Sequence[dict[str, Any]] | None = None,
    days: Sequence[date] = (DAY,),
    params: ScoringSettings = PARAMS,
    *,
    stored_form: bool = False,
) -> pd.DataFrame:
    """Scores with their explanations as the dicts a reader gets (in their stored form with
    ``stored_form``, as ``score_days`` gives them)."""
    frame = score_days(
        pd.DataFrame(list(sites) if sites is not None else [site()]),
        pd.DataFrame(list(exposures)),
        pd.DataFrame(list(notices)),
        list(days),
        params,
    )
    return frame if stored_form else explained(frame, params)


def weight(**overrides: Any) -> float:
    """The age-0 contribution of one exposure row."""
    return float(event_weights(pd.DataFrame([exposure(**overrides)]), PARAMS)[0])


def contribution_sum(row: pd.Series) -> float:
    return row["explain"]["sum_site"] + row["explain"]["sum_route"]


# ---- the contribution of one event: one factor at a time ----


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({}, 1.0, id="battle-at-the-site"),
        pytest.param({"type": "violence_against_civilians"}, 0.7, id="type-weight"),
        pytest.param(
            {"type": "protests", "distance_km": 30.0}, 0.1 * math.exp(-30 / 40), id="distant-protest"
        ),
        pytest.param({"type": "unknown_type"}, 0.0, id="unconfigured-type-counts-zero"),
        pytest.param({"sub_type": "Non-state actor overtakes territory"}, 3.0, id="takeover-subtype"),
        pytest.param({"sub_type": "  NON-STATE ACTOR Overtakes Territory "}, 3.0, id="subtype-any-case"),
        pytest.param(
            {"type": "strategic_developments", "sub_type": "Headquarters or base established"},
            1.0,
            id="subtype-overrides-type",
        ),
        pytest.param({"distance_km": 40.0}, math.exp(-1.0), id="distance-decay-site"),
        pytest.param({"via": "route", "distance_km": 0.0}, 0.8, id="route-weight"),
        pytest.param(
            {"via": "route", "distance_km": PARAMS.lambda_route_km},
            0.8 * math.exp(-1.0),
            id="distance-decay-route",
        ),
        pytest.param({"fatalities": 3}, 1 + LN4, id="fatalities"),
        pytest.param({"fatalities": None}, 1.0, id="missing-fatalities-as-zero"),
        pytest.param({"geo_precision": 2}, 0.7, id="precision-near"),
        pytest.param({"geo_precision": 3}, 0.4, id="precision-region"),
        pytest.param({"geo_precision": 9}, 0.4, id="unknown-precision-least-trusted"),
        pytest.param({"source": "gdelt", "num_sources": 5, "num_articles": 10}, 0.4, id="source-gdelt"),
        pytest.param(
            {"source": "gdelt", "num_sources": 1, "num_articles": 40}, 0.0, id="gdelt-single-source"
        ),
        pytest.param(
            {"source": "gdelt", "num_sources": 2, "num_articles": 5}, 0.4 * (2 / 5) * (5 / 10), id="gdelt-few"
        ),
        pytest.param({"source": "acled", "num_sources": 1, "num_articles": 1}, 1.0, id="curated-any-count"),
        pytest.param({"source": "UCDP"}, 1.0, id="source-any-case"),
        pytest.param({"source": "rumour-mill"}, 0.4, id="unknown-source-least-trusted"),
        pytest.param(
            {"type": "protests", "sub_type": "Peaceful protest", "distance_km": 3.0},
            1.0 * math.exp(-3 / 40),
            id="protest-at-the-mine-is-a-blockade",
        ),
        pytest.param(
            {"type": "riots", "distance_km": 5.0}, math.exp(-5 / 40), id="riot-at-the-edge-of-the-mine"
        ),
        pytest.param(
            {"type": "riots", "distance_km": 6.0}, 0.3 * math.exp(-6 / 40), id="riot-beyond-the-mine"
        ),
        pytest.param(
            {"type": "protests", "via": "route", "distance_km": 1.0},
            0.1 * 0.8 * math.exp(-1 / PARAMS.lambda_route_km),
            id="protest-on-the-route-is-no-blockade",
        ),
    ],
)
def test_each_factor_scales_the_contribution(overrides: dict[str, Any], expected: float) -> None:
    assert weight(**overrides) == pytest.approx(expected, rel=1e-12)


def test_a_territorial_takeover_weighs_more_than_any_other_event() -> None:
    takeover = weight(sub_type="Non-state actor overtakes territory")
    others = [weight(type=t) for t in PARAMS.type_weights]
    others += [weight(sub_type=s) for s in PARAMS.sub_type_weights if "overtakes" not in s]
    assert takeover > max(others)


def test_the_contribution_halves_every_half_life() -> None:
    days = [DAY, DAY + timedelta(days=10), DAY + timedelta(days=20)]
    rows = score([exposure(fatalities=3)], days=days)
    sums = [contribution_sum(r) for _, r in rows.iterrows()]
    assert sums[0] == pytest.approx(1 + LN4, abs=1e-4)
    assert sums[1] == pytest.approx(sums[0] / 2, abs=1e-4)
    assert sums[2] == pytest.approx(sums[0] / 4, abs=1e-4)


def test_all_factors_multiply() -> None:
    row = score(
        [
            exposure(
                fatalities=3,
                distance_km=20.0,
                geo_precision=2,
                source="gdelt",
                num_sources=3,
                num_articles=5,
                event_date=DAY - timedelta(days=4),
            )
        ]
    ).iloc[0]
    expected = (1 + LN4) * math.exp(-0.5) * 2 ** (-0.4) * 0.7 * 0.4 * (3 / 5) * (5 / 10)
    assert row["explain"]["sum_site"] == pytest.approx(expected, abs=1e-4)
    assert row["conflict"] == pytest.approx(100 * (1 - math.exp(-expected / PARAMS.p0)), abs=0.05)


def test_a_weight_the_caller_worked_out_is_the_one_scoring_uses() -> None:
    rows = [
        exposure(event_id=1, fatalities=3, distance_km=20.0),
        exposure(event_id=2, via="route", distance_km=5.0, site_km=70.0, source="gdelt"),
    ]
    frame = pd.DataFrame(rows)
    weights = scoring.event_weights(frame, PARAMS)
    as_given = score([{**r, scoring.WEIGHT: w} for r, w in zip(rows, weights, strict=True)])
    pd.testing.assert_frame_equal(as_given, score(rows))
    doubled = score([{**r, scoring.WEIGHT: 2 * w} for r, w in zip(rows, weights, strict=True)]).iloc[0]
    assert contribution_sum(doubled) == pytest.approx(2 * contribution_sum(score(rows).iloc[0]), rel=1e-3)


def test_rows_carrying_their_weight_need_none_of_the_columns_only_weighing_reads() -> None:
    rows = [
        exposure(event_id=1, fatalities=3, distance_km=20.0),
        exposure(event_id=2, via="route", distance_km=5.0, site_km=70.0, source="gdelt", num_sources=3),
    ]
    weights = scoring.event_weights(pd.DataFrame(rows), PARAMS)
    bare = [
        {k: v for k, v in r.items() if k not in scoring.WEIGHT_ONLY_COLUMNS} | {scoring.WEIGHT: w}
        for r, w in zip(rows, weights, strict=True)
    ]
    assert not set(scoring.WEIGHT_ONLY_COLUMNS) & set(bare[0])
    pd.testing.assert_frame_equal(score(bare), score(rows))
    with pytest.raises(ValueError, match="missing columns"):  # without its weight, a row needs them all
        score([{k: v for k, v in r.items() if k != scoring.WEIGHT} for r in bare])


@pytest.mark.parametrize(("age", "counts"), [(59, True), (60, True), (61, False)])
def test_events_older_than_the_window_count_zero(age: int, counts: bool) -> None:
    event_day = DAY - timedelta(days=age)
    row = score([exposure(event_date=event_day, known_at=at(event_day), type="battles", fatalities=50)]).iloc[
        0
    ]
    assert (contribution_sum(row) > 0) is counts


# ---- site vs route ----


@pytest.mark.parametrize(
    ("site_km", "route_km", "via"),
    [
        pytest.param(60.0, 2.0, "route", id="road-cut-close-to-the-route"),
        pytest.param(1.0, 10.0, "site", id="fighting-at-the-mine"),
    ],
)
def test_an_event_near_both_site_and_route_counts_once_with_the_larger(
    site_km: float, route_km: float, via: str
) -> None:
    rows = [exposure(via="site", distance_km=site_km), exposure(via="route", distance_km=route_km)]
    row = score(rows).iloc[0]
    site_c, route_c = math.exp(-site_km / 40), 0.8 * math.exp(-route_km / PARAMS.lambda_route_km)
    assert contribution_sum(row) == pytest.approx(max(site_c, route_c), abs=1e-4)
    assert row["explain"]["events"][0]["via"] == via
    assert len(row["explain"]["events"]) == 1
    assert row["events_30d"] == 1
    assert row["nearest_event_km"] == min(site_km, route_km)
    assert bool(row["route"] > 0) is (via == "route")
    assert bool(row["conflict"] > 0) is (via == "site")


def test_rows_sort_as_numpy_lexsort_sorts_them_ties_in_row_order() -> None:
    rng = np.random.default_rng(7)
    n = 5_000
    keys = (
        rng.integers(0, 40, n),  # many ties
        np.where(rng.random(n) < 0.1, np.inf, rng.normal(size=n).round(1)),
        rng.integers(-(2**20), 2**20, n),  # wider than a radix sort's 16 bits
        rng.integers(0, 300, n).astype(np.int32),
    )
    for width in range(1, len(keys) + 1):
        assert np.array_equal(scoring._lexsort(keys[:width]), np.lexsort(keys[:width]))


def test_each_group_keeps_its_largest_value_the_first_of_equals() -> None:
    values = np.array([1.0, 3.0, 3.0, 2.0, 0.0, 0.0, 5.0, 4.0, 5.0])
    starts = np.array([0, 4, 6])
    assert scoring._first_largest(values, starts).tolist() == [1, 4, 6]
    assert scoring._first_largest(values, np.array([], dtype=np.int64)).size == 0


# ---- saturation, components, levels ----


def test_conflict_risk_saturates_and_splits_into_components_by_share() -> None:
    rows = [
        exposure(event_id=1, fatalities=10),
        exposure(event_id=2, sub_type="Non-state actor overtakes territory", distance_km=10.0),
        exposure(event_id=3, via="route", distance_km=3.0, fatalities=2),
    ]
    row = score(rows).iloc[0]
    s_site, s_route = row["explain"]["sum_site"], row["explain"]["sum_route"]
    total = 100 * (1 - math.exp(-(s_site + s_route) / PARAMS.p0))
    assert row["conflict"] + row["route"] == pytest.approx(total, abs=0.1)
    assert row["conflict"] == pytest.approx(total * s_site / (s_site + s_route), abs=0.1)
    assert row["route"] == pytest.approx(total * s_route / (s_site + s_route), abs=0.1)
    assert row["risk"] < 100


def test_many_events_approach_but_never_pass_100() -> None:
    rows = [
        exposure(event_id=i, fatalities=100, sub_type="Non-state actor overtakes territory")
        for i in range(50)
    ]
    row = score(rows).iloc[0]
    assert row["risk"] == 100.0
    assert row["level"] == "critical"
    assert row["status"] == "operating"


@pytest.mark.parametrize(
    ("points", "level"),
    [
        (0.0, "low"),
        (24.9, "low"),
        (25.0, "elevated"),
        (49.9, "elevated"),
        (50.0, "high"),
        (74.9, "high"),
        (75.0, "critical"),
        (100.0, "critical"),
    ],
)
def test_levels_follow_the_configured_thresholds(points: float, level: str) -> None:
    params = ScoringSettings(notice_points={"evacuation": points})
    row = score(notices=[notice(kind="evacuation", known_at=at(DAY, 0))], params=params).iloc[0]
    assert row["risk"] == points
    assert row["level"] == level


def test_components_always_add_up_to_the_risk() -> None:
    rng = np.random.default_rng(3)
    sites = [site(id=f"s{i}") for i in range(30)]
    exposures = [
        exposure(
            event_id=int(i),
            site_id=f"s{rng.integers(30)}",
            via=str(rng.choice(["site", "route"])),
            distance_km=float(rng.uniform(0, 80)),
            type=str(rng.choice(list(PARAMS.type_weights))),
            fatalities=int(rng.poisson(3)),
            event_date=DAY - timedelta(days=int(rng.integers(0, 20))),
            known_at=at(DAY - timedelta(days=int(rng.integers(0, 20)))),
        )
        for i in range(400)
    ]
    notices = [
        notice(notice_id=i, site_id=f"s{i}", kind=kind)
        for i, kind in enumerate(["evacuation", "guidance_cut", "halt", "evacuation"])
    ]
    frame = score(exposures, notices, sites=sites, days=days_from(DAY - timedelta(days=5), 10))
    total = frame["conflict"] + frame["route"] + frame["notice"]
    assert np.allclose(total, frame["risk"], atol=1e-9)
    assert frame["risk"].between(0, 100).all()
    assert (frame[["conflict", "route", "notice"]] >= 0).all().all()
    assert set(frame["level"]) >= {"halted", "low"}


# ---- notices ----


def test_a_halt_halts_the_site_from_the_day_it_is_known_until_a_resumption() -> None:
    notices = [
        notice(notice_id=1, kind="halt", known_at=at(DAY + timedelta(days=1), 10)),
        notice(notice_id=2, kind="resumption", known_at=at(DAY + timedelta(days=4), 8)),
    ]
    rows = score(notices=notices, days=days_from(DAY, 6)).set_index("date")
    halted_days = {DAY + timedelta(days=i) for i in (1, 2, 3)}
    for day, row in rows.iterrows():
        if day in halted_days:
            assert (row["risk"], row["level"], row["status"]) == (100.0, "halted", "halted")
            assert row["explain"]["status_notice"]["notice_id"] == 1
        else:
            assert (row["risk"], row["level"], row["status"]) == (0.0, "low", "operating")
    assert rows.loc[DAY, "explain"]["status_notice"] is None
    assert rows.loc[DAY + timedelta(days=5), "explain"]["status_notice"]["kind"] == "resumption"


def test_a_halt_notice_halts_the_site() -> None:
    row = score(notices=[notice(kind="halt")]).iloc[0]
    assert (row["risk"], row["level"], row["status"]) == (100.0, "halted", "halted")
    assert row["supply_at_risk_t"] == 12_000.0


@pytest.mark.parametrize(("kind", "points"), [("partial_halt", 30.0), ("export_halt", 40.0)])
def test_a_partial_or_export_halt_adds_its_points_and_leaves_the_site_operating(
    kind: str, points: float
) -> None:
    row = score(notices=[notice(notice_id=1, kind=kind, known_at=at(DAY))]).iloc[0]
    assert (row["status"], row["notice"], row["risk"]) == ("operating", points, points)
    assert row["explain"]["status_notice"] is None
    assert row["explain"]["notice_points"] == [{"notice_id": 1, "kind": kind, "points": points}]


def test_a_resumption_before_any_halt_changes_nothing() -> None:
    notices = [notice(notice_id=1, kind="resumption", known_at=at(DAY - timedelta(days=3)))]
    rows = score([exposure(fatalities=3)], notices=notices)
    baseline = score([exposure(fatalities=3)])
    assert rows.iloc[0]["risk"] == baseline.iloc[0]["risk"] > 0
    assert rows.iloc[0]["status"] == "operating"


def test_a_later_halt_wins_over_an_earlier_resumption() -> None:
    notices = [
        notice(notice_id=1, kind="halt", known_at=at(DAY - timedelta(days=9))),
        notice(notice_id=2, kind="resumption", known_at=at(DAY - timedelta(days=5))),
        notice(notice_id=3, kind="halt", known_at=at(DAY - timedelta(days=1))),
    ]
    row = score(notices=notices).iloc[0]
    assert row["status"] == "halted"
    assert row["explain"]["status_notice"]["notice_id"] == 3


def test_a_halt_tied_to_the_site_only_by_a_place_near_it_counts_as_a_partial_halt() -> None:
    by_place = notice(notice_id=1, kind="halt", known_at=at(DAY), matched_on="place: Walikale")
    row = score(notices=[by_place]).iloc[0]
    assert (row["status"], row["level"], row["notice"]) == ("operating", "elevated", 30.0)
    assert row["explain"]["notice_points"] == [{"notice_id": 1, "kind": "partial_halt", "points": 30.0}]
    by_name = notice(notice_id=1, kind="halt", known_at=at(DAY), matched_on="name: Bisie")
    assert score(notices=[by_name]).iloc[0]["status"] == "halted"


def test_a_halt_tied_by_the_name_of_one_part_of_the_site_counts_as_a_partial_halt() -> None:
    by_part = notice(notice_id=1, kind="halt", known_at=at(DAY), matched_on="part: Mpama South")
    row = score(notices=[by_part]).iloc[0]
    assert (row["status"], row["notice"]) == ("operating", 30.0)
    assert row["explain"]["notice_points"] == [{"notice_id": 1, "kind": "partial_halt", "points": 30.0}]


# ---- halt evidence over time ----
SHORT = ScoringSettings(halt_confirm_days=10)


def test_a_halt_no_later_notice_reconfirms_becomes_unconfirmed_after_the_configured_days() -> None:
    rows = score(notices=[notice(notice_id=1, kind="halt", known_at=at(DAY, 8))], days=days_from(DAY, 12),
                 params=SHORT).set_index("date")  # fmt: skip
    last_halted, first_unconfirmed = DAY + timedelta(days=9), DAY + timedelta(days=10)
    assert (rows.loc[last_halted, "status"], rows.loc[last_halted, "risk"]) == ("halted", 100.0)
    assert rows.loc[last_halted, "explain"]["halt_unconfirmed_since"] is None
    row = rows.loc[first_unconfirmed]
    assert (row["status"], row["level"], row["risk"], row["notice"]) == (
        "halt_unconfirmed",
        "critical",
        75.0,
        75.0,
    )
    assert row["explain"]["halt_unconfirmed_since"] == first_unconfirmed.isoformat()
    assert row["explain"]["status_notice"]["notice_id"] == 1  # the halt it comes from
    assert row["supply_at_risk_t"] == 9_000.0


def test_a_later_halting_notice_reconfirms_the_halt_and_restarts_the_count() -> None:
    notices = [
        notice(notice_id=1, kind="halt", known_at=at(DAY)),
        notice(notice_id=2, kind="halt", known_at=at(DAY + timedelta(days=6))),
        notice(notice_id=3, kind="halt", known_at=at(DAY + timedelta(days=20))),
    ]
    rows = score(notices=notices, days=days_from(DAY, 25), params=SHORT).set_index("date")
    statuses = "".join("H" if s == "halted" else "U" for s in rows["status"])
    assert statuses == "H" * 16 + "U" * 4 + "H" * 5
    assert rows.loc[DAY + timedelta(days=19), "explain"]["halt_unconfirmed_since"] == "2025-03-26"


def test_a_resumption_ends_an_unconfirmed_halt() -> None:
    notices = [
        notice(notice_id=1, kind="halt", known_at=at(DAY)),
        notice(notice_id=2, kind="resumption", known_at=at(DAY + timedelta(days=14))),
    ]
    rows = score(notices=notices, days=days_from(DAY, 16), params=SHORT).set_index("date")
    assert rows.loc[DAY + timedelta(days=13), "status"] == "halt_unconfirmed"
    assert (rows.loc[DAY + timedelta(days=14), ["status", "risk"]] == ["operating", 0.0]).all()


def test_an_unconfirmed_halt_keeps_a_higher_conflict_risk_and_the_components_still_add_up() -> None:
    heavy = [exposure(event_id=i, fatalities=20, sub_type="Non-state actor overtakes territory",
                      event_date=DAY + timedelta(days=10), known_at=at(DAY + timedelta(days=10)))
             for i in range(6)]  # fmt: skip
    row = score(heavy, [notice(kind="halt", known_at=at(DAY))], days=[DAY + timedelta(days=10)],
                params=SHORT).iloc[0]  # fmt: skip
    assert row["status"] == "halt_unconfirmed" and row["risk"] > 75.0
    assert row["risk"] == pytest.approx(row["conflict"] + row["route"] + row["notice"])
    assert row["notice"] == 0.0


def test_a_registry_halt_never_ages() -> None:
    halted = site(status="halted", status_since=DAY - timedelta(days=400))
    row = score(sites=[halted], days=[DAY], params=SHORT).iloc[0]
    assert (row["status"], row["level"], row["risk"]) == ("halted", "halted", 100.0)


def test_the_day_a_halt_ages_uses_only_notices_public_by_that_day() -> None:
    first = [notice(notice_id=1, kind="halt", known_at=at(DAY))]
    late = [*first, notice(notice_id=2, kind="halt", known_at=at(DAY + timedelta(days=12), 9))]
    days = days_from(DAY, 14)
    without, with_late = (score(notices=n, days=days, params=SHORT).set_index("date") for n in (first, late))
    before = [d for d in days if d < DAY + timedelta(days=12)]
    assert without.loc[before, "status"].tolist() == with_late.loc[before, "status"].tolist()
    assert with_late.loc[DAY + timedelta(days=11), "status"] == "halt_unconfirmed"
    assert with_late.loc[DAY + timedelta(days=12), "status"] == "halted"


def test_a_low_confidence_notice_neither_halts_nor_resumes() -> None:
    low = score(notices=[notice(confidence=0.3)]).iloc[0]
    assert (low["status"], low["level"], low["risk"]) == ("operating", "low", 0.0)
    notices = [
        notice(notice_id=1, kind="halt", known_at=at(DAY - timedelta(days=2))),
        notice(notice_id=2, kind="resumption", confidence=0.2, known_at=at(DAY - timedelta(days=1))),
    ]
    assert score(notices=notices).iloc[0]["status"] == "halted"


def test_a_notice_for_another_site_does_not_touch_this_one() -> None:
    row = score(notices=[notice(site_id="elsewhere")]).iloc[0]
    assert row["status"] == "operating"


def test_an_evacuation_adds_decaying_notice_points() -> None:
    rows = score(
        notices=[notice(kind="evacuation")], days=[DAY - timedelta(days=1), DAY, DAY + timedelta(days=10)]
    )
    assert rows["notice"].tolist() == [0.0, 40.0, 20.0]
    assert rows["status"].tolist() == ["operating"] * 3
    assert rows.iloc[1]["explain"]["notice_points"] == [
        {"notice_id": 100, "kind": "evacuation", "points": 40.0}
    ]


def test_a_guidance_cut_adds_its_points_to_the_conflict_risk() -> None:
    row = score([exposure(fatalities=3)], [notice(kind="guidance_cut")]).iloc[0]
    assert row["notice"] == 25.0
    assert row["risk"] == pytest.approx(row["conflict"] + 25.0)


def test_notice_points_never_push_the_risk_past_100() -> None:
    exposures = [exposure(event_id=i, fatalities=20) for i in range(6)]
    row = score(exposures, [notice(kind="evacuation")]).iloc[0]
    assert row["conflict"] > 80
    assert row["notice"] == pytest.approx(100 - row["conflict"], abs=1e-9)
    assert row["risk"] == 100.0


@pytest.mark.parametrize("status", ["halted", "care_and_maintenance"])
def test_a_registry_stopped_site_is_at_100(status: str) -> None:
    row = score([exposure()], [notice(kind="resumption")], sites=[site(status=status)]).iloc[0]
    assert (row["risk"], row["level"], row["status"]) == (100.0, "halted", status)
    assert row["conflict"] + row["route"] + row["notice"] == pytest.approx(100.0)
    assert row["explain"]["registry_status"] == status


def test_a_registry_stop_counts_only_from_its_start_day() -> None:
    start = DAY + timedelta(days=2)
    rows = score([], [], sites=[site(status="halted", status_since=start)], days=days_from(DAY, 4))
    assert rows["status"].tolist() == ["operating", "operating", "halted", "halted"]
    assert rows["risk"].tolist()[:2] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("mine_km", "factor"), [(0.0, 1.0), (100.0, math.exp(-1.0)), (200.0, math.exp(-2.0))]
)
def test_a_route_event_weighs_less_the_farther_it_is_from_the_mine(mine_km: float, factor: float) -> None:
    near = weight(via="route", distance_km=1.0)
    assert weight(via="route", distance_km=1.0, site_km=mine_km) == pytest.approx(near * factor)
    assert weight(via="site", distance_km=1.0, site_km=mine_km) == pytest.approx(
        weight(via="site", distance_km=1.0)
    )


# ---- point in time ----


def test_a_late_published_event_moves_only_the_days_after_its_publication() -> None:
    late = exposure(event_date=DAY - timedelta(days=5), known_at=at(DAY + timedelta(days=2), 9), fatalities=3)
    rows = score([late], days=days_from(DAY, 3)).set_index("date")
    for day in (DAY, DAY + timedelta(days=1)):
        assert rows.loc[day, "risk"] == 0.0
        assert rows.loc[day, "events_30d"] == 0
        assert rows.loc[day, "top_event_id"] is None
        assert rows.loc[day, "explain"]["events"] == []
    moved = rows.loc[DAY + timedelta(days=2)]
    assert moved["risk"] > 0
    assert moved["top_event_id"] == 1
    # Age still runs from the event's own date (7 days), not from its publication.
    assert contribution_sum(moved) == pytest.approx((1 + LN4) * 2 ** (-0.7), abs=1e-4)


@pytest.mark.parametrize(
    ("known_at", "counts"),
    [
        pytest.param(at(DAY, 23, 59, 59), True, id="last-second-of-the-day"),
        pytest.param(at(DAY + timedelta(days=1), 0), False, id="midnight-after"),
    ],
)
def test_a_row_counts_only_when_public_by_the_end_of_the_day(known_at: datetime, counts: bool) -> None:
    row = score([exposure(known_at=known_at)], [notice(known_at=known_at)]).iloc[0]
    assert bool(row["conflict"] > 0) is counts
    assert bool(row["status"] == "halted") is counts


def test_an_event_dated_after_the_day_never_counts_even_if_known() -> None:
    future = exposure(event_date=DAY + timedelta(days=1), known_at=at(DAY - timedelta(days=1)))
    assert score([future]).iloc[0]["risk"] == 0.0


def test_a_halt_published_later_does_not_halt_earlier_days() -> None:
    rows = score(notices=[notice(known_at=at(DAY + timedelta(days=2)))], days=days_from(DAY, 3))
    assert rows["status"].tolist() == ["operating", "operating", "halted"]


# ---- statistics and explain ----


def test_30_day_statistics_count_known_events_of_the_last_30_days() -> None:
    exposures = [
        exposure(event_id=1, event_date=DAY - timedelta(days=29), fatalities=4, distance_km=70.0),
        exposure(event_id=2, event_date=DAY - timedelta(days=30), fatalities=100, distance_km=1.0),
        exposure(event_id=3, event_date=DAY - timedelta(days=2), fatalities=2, via="route", distance_km=12.0),
        exposure(
            event_id=4, event_date=DAY - timedelta(days=2), fatalities=9, known_at=at(DAY + timedelta(days=1))
        ),
    ]
    row = score(exposures).iloc[0]
    assert row["events_30d"] == 2
    assert row["fatalities_30d"] == 6
    assert row["nearest_event_km"] == 12.0


def test_explain_lists_the_top_events_with_their_shares() -> None:
    exposures = [
        exposure(event_id=7, distance_km=50.0),
        exposure(event_id=8, sub_type="Non-state actor overtakes territory", fatalities=3, distance_km=5.0),
        exposure(event_id=9, via="route", type="riots", distance_km=4.0),
    ]
    row = score(exposures).iloc[0]
    events = row["explain"]["events"]
    assert [e["event_id"] for e in events] == [8, 7, 9]
    assert row["top_event_id"] == 8
    top = events[0]
    assert top["via"] == "site"
    assert top["distance_km"] == 5.0
    assert top["contribution"] == pytest.approx(3.0 * (1 + LN4) * math.exp(-5 / 40), abs=1e-4)
    assert top["share"] == pytest.approx(top["contribution"] / contribution_sum(row), abs=1e-4)
    assert sum(e["share"] for e in events) == pytest.approx(1.0, abs=1e-3)
    assert row["explain"]["params"]["p0"] == PARAMS.p0
    json.dumps(row["explain"])


def test_explain_keeps_only_the_configured_number_of_events() -> None:
    exposures = [exposure(event_id=i, distance_km=float(i)) for i in range(1, 9)]
    row = score(exposures, params=ScoringSettings(explain_top_events=3)).iloc[0]
    assert [e["event_id"] for e in row["explain"]["events"]] == [1, 2, 3]
    assert row["events_30d"] == 8


def test_the_top_event_changes_as_older_events_fade() -> None:
    old = exposure(event_id=1, event_date=DAY - timedelta(days=30), known_at=at(DAY - timedelta(days=30)))
    old["fatalities"] = 10
    new = exposure(event_id=2, fatalities=1)
    rows = score([old, new], days=[DAY - timedelta(days=1), DAY]).set_index("date")
    assert rows.loc[DAY - timedelta(days=1), "top_event_id"] == 1
    assert rows.loc[DAY, "top_event_id"] == 2


# ---- supply at risk ----


def test_supply_at_risk_is_output_times_risk_and_unknown_output_stays_unknown() -> None:
    sites = [site(id="a", annual_output_t=10_000.0), site(id="b", annual_output_t=None)]
    params = ScoringSettings(notice_points={"evacuation": 30.0})
    frame = score(
        notices=[notice(site_id=s, kind="evacuation") for s in ("a", "b")], sites=sites, params=params
    )
    by_site = frame.set_index("site_id")
    assert by_site.loc["a", "supply_at_risk_t"] == 3_000.0
    assert math.isnan(by_site.loc["b", "supply_at_risk_t"])


def test_supply_rolls_up_per_commodity_in_tonnes_and_percent_of_world() -> None:
    sites = [
        site(id="bisie", commodity="tin", annual_output_t=10_000.0),
        site(id="rubaya", commodity="tin", annual_output_t=2_000.0),
        site(id="manono", commodity="tin", annual_output_t=None),
        site(id="kamoto", commodity="cobalt", annual_output_t=30_000.0),
    ]
    params = ScoringSettings(notice_points={"evacuation": 50.0})
    notices = [
        notice(notice_id=1, site_id="bisie", kind="evacuation"),
        notice(notice_id=2, site_id="rubaya", kind="halt"),
        notice(notice_id=3, site_id="manono", kind="halt"),
    ]
    scores = score(notices=notices, sites=sites, params=params, days=[DAY - timedelta(days=1), DAY])
    commodities = pd.DataFrame({"commodity": ["tin", "cobalt"], "world_production_t": [300_000.0, 290_000.0]})
    supply = supply_at_risk(scores, pd.DataFrame(sites), commodities)
    assert list(supply.columns) == list(SUPPLY_COLUMNS)
    tin = supply[(supply["commodity"] == "tin") & (supply["date"] == DAY)].iloc[0]
    assert tin["supply_at_risk_t"] == 7_000.0
    assert tin["world_production_t"] == 300_000.0
    assert tin["share_of_world_pct"] == pytest.approx(100 * 7_000 / 300_000, abs=1e-3)
    assert tin["sites_halted"] == 2
    assert tin["sites_high_or_worse"] == 3
    assert tin["top_site_ids"] == "bisie;rubaya"
    cobalt = supply[(supply["commodity"] == "cobalt") & (supply["date"] == DAY)].iloc[0]
    assert (cobalt["supply_at_risk_t"], cobalt["sites_halted"], cobalt["top_site_ids"]) == (0.0, 0, "")
    before = supply[(supply["commodity"] == "tin") & (supply["date"] == DAY - timedelta(days=1))].iloc[0]
    assert before["supply_at_risk_t"] == 0.0


def test_supply_without_world_production_has_no_share() -> None:
    scores = score(notices=[notice(kind="halt")])
    supply = supply_at_risk(scores, pd.DataFrame([site()]), pd.DataFrame())
    row = supply.iloc[0]
    assert row["supply_at_risk_t"] == 12_000.0
    assert math.isnan(row["world_production_t"])
    assert math.isnan(row["share_of_world_pct"])


# ---- empty and bad inputs, output contract ----


@pytest.mark.parametrize("empty", [None, pd.DataFrame()])
def test_empty_inputs_give_operating_low_rows(empty: pd.DataFrame | None) -> None:
    frame = score_days(pd.DataFrame([site(), site(id="kamoto")]), empty, empty, days_from(DAY, 3), PARAMS)
    assert len(frame) == 6
    assert (frame["risk"] == 0).all()
    assert set(frame["level"]) == {"low"}
    assert set(frame["status"]) == {"operating"}
    assert (frame["events_30d"] == 0).all()
    assert frame["nearest_event_km"].isna().all()
    assert frame["top_event_id"].isna().all()
    assert explained(frame, PARAMS)["explain"].map(lambda e: e["events"] == []).all()


def test_no_days_or_no_sites_give_an_empty_frame_with_every_column() -> None:
    for frame in (
        score(days=[]),
        score_days(pd.DataFrame(), None, None, [DAY], PARAMS),
        supply_at_risk(score(days=[]), pd.DataFrame([site()]), None),
    ):
        assert frame.empty
    assert list(score(days=[]).columns) == [*SCORE_COLUMNS, QUIET]


def test_rows_come_per_day_then_site_and_match_the_score_table() -> None:
    frame = score(sites=[site(id="b"), site(id="a")], days=[DAY, DAY - timedelta(days=1)])
    assert list(zip(frame["date"], frame["site_id"], strict=True)) == [
        (DAY - timedelta(days=1), "a"),
        (DAY - timedelta(days=1), "b"),
        (DAY, "a"),
        (DAY, "b"),
    ]
    table = {c.name for c in models.Score.__table__.columns} - {"computed_at"}  # type: ignore[attr-defined]
    front = set(FRONT_COLUMNS) - {"site_id", "date"}  # the pipeline adds the front line
    assert (set(SCORE_COLUMNS) - {"explain"}) | front == table  # the store keeps no explanation


def test_sites_scored_in_parts_of_their_rows_score_as_all_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sites = [site(id=name, annual_output_t=1_000.0 * (k + 1)) for k, name in enumerate("edcba")]
    rows = [
        exposure(event_id=1, site_id="a", fatalities=4),
        exposure(event_id=1, site_id="b", via="route", distance_km=3.0, site_km=40.0),
        exposure(
            event_id=2, site_id="b", event_date=DAY - timedelta(days=3), known_at=at(DAY - timedelta(days=2))
        ),
        exposure(event_id=3, site_id="b", source="gdelt", incident_id=2),  # a second report of incident 2
        exposure(event_id=4, site_id="d", type="riots", event_date=DAY - timedelta(days=20)),
        exposure(event_id=4, site_id="d", via="route", distance_km=1.0, site_km=9.0),  # one event, both vias
        exposure(event_id=5, site_id="nowhere"),
        exposure(event_id=6, site_id="e", known_at=at(DAY + timedelta(days=1))),  # public only the next day
    ]
    halted = [notice(site_id="c", known_at=at(DAY - timedelta(days=1)))]
    days = days_from(DAY - timedelta(days=4), 6)
    at_once = score(rows, halted, sites, days)
    parts: list[list[str]] = []
    scores = scoring._scores

    def spied(part_sites: pd.DataFrame, *args: Any) -> pd.DataFrame:
        parts.append(part_sites["id"].tolist())
        return scores(part_sites, *args)

    monkeypatch.setattr(scoring, "_scores", spied)
    monkeypatch.setattr(scoring, "ROWS_AT_ONCE", 2)
    pd.testing.assert_frame_equal(score(rows, halted, sites, days), at_once)
    assert parts == [["a", "b"], ["c", "d"], ["e"]]  # runs of whole sites, about two rows each


@pytest.mark.parametrize("rows_at_once", [scoring.ROWS_AT_ONCE, 2])
def test_rows_with_coded_site_via_and_source_score_as_their_text(
    monkeypatch: pytest.MonkeyPatch, rows_at_once: int
) -> None:
    monkeypatch.setattr(scoring, "ROWS_AT_ONCE", rows_at_once)
    sites = pd.DataFrame([site(id=name) for name in "abc"])
    rows = pd.DataFrame(
        [
            exposure(event_id=1, site_id="c", fatalities=3),
            exposure(event_id=1, site_id="a", via="route", distance_km=2.0, site_km=30.0),
            exposure(event_id=2, site_id="a", source="gdelt", num_sources=3, num_articles=4),
            exposure(event_id=3, site_id="b", source="ucdp", event_date=DAY - timedelta(days=2)),
        ]
    )
    weighed = rows.assign(weight=event_weights(rows, PARAMS)).drop(columns=list(WEIGHT_ONLY_COLUMNS))
    coded = scoring.coded_columns(weighed.copy(), sites["id"])
    assert all(isinstance(coded[c].dtype, pd.CategoricalDtype) for c in ("site_id", "via", "source"))
    days = days_from(DAY - timedelta(days=2), 4)
    as_text = score_days(sites, weighed, None, days, PARAMS)
    pd.testing.assert_frame_equal(score_days(sites, coded, None, days, PARAMS), as_text)


def test_coded_rows_of_two_reads_stay_coded_and_a_value_outside_the_categories_stays_text() -> None:
    ids = ["a", "b"]
    first = scoring.coded_columns(pd.DataFrame([exposure(site_id="a")]), ids)
    second = scoring.coded_columns(pd.DataFrame([exposure(site_id="b", via="route", source="gdelt")]), ids)
    both = pd.concat([first, second], ignore_index=True)
    assert isinstance(both["site_id"].dtype, pd.CategoricalDtype)
    assert both["site_id"].tolist() == ["a", "b"] and both["source"].tolist() == ["acled", "gdelt"]
    outside = scoring.coded_columns(pd.DataFrame([exposure(site_id="elsewhere")]), ids)
    assert not isinstance(outside["site_id"].dtype, pd.CategoricalDtype)
    assert outside["site_id"].tolist() == ["elsewhere"]
    assert isinstance(outside["via"].dtype, pd.CategoricalDtype)
    missing = scoring.coded_columns(pd.DataFrame([exposure(source=None), exposure(source="ucdp")]), ids)
    assert missing["source"].isna().tolist() == [True, False] and missing["source"].iloc[1] == "ucdp"
    none_there = scoring.coded_columns(pd.DataFrame([exposure(source=None)]), ids)
    assert none_there["source"].isna().all()


def test_exposures_of_unknown_sites_are_ignored() -> None:
    assert score([exposure(site_id="nowhere")]).iloc[0]["risk"] == 0.0


def test_bad_input_frames_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="unknown via"):
        score([exposure(via="river")])
    with pytest.raises(ValueError, match="missing columns known_at"):
        score_days(
            pd.DataFrame([site()]), pd.DataFrame([exposure()]).drop(columns="known_at"), None, [DAY], PARAMS
        )


def test_scores_are_stored_without_their_explanations_which_decode_as_computed(fresh_store: Store) -> None:
    days = days_from(DAY, 2)
    bisie = "id,name,operator,country,commodity,lat,lon,coord_precision_km\n"
    bisie += "bisie,Bisie,Alphamin,CD,tin,-1.0,27.7,0\n"
    sync_sites(fresh_store, parse_sites_csv(bisie, origin="user"), at(DAY))
    scores = score([exposure(fatalities=2)], [notice(kind="evacuation")], days=days, stored_form=True)
    quiet = QuietScores(1, quiet_level(PARAMS))
    fresh_store.replace_scores(scores, days, computed_at=at(DAY + timedelta(days=2)), quiet=quiet)
    stored = sql.frame(fresh_store, "SELECT * FROM score ORDER BY date")
    assert stored["risk"].tolist() == scores["risk"].tolist()
    assert stored["top_event_id"].tolist() == [1, 1]
    assert "explain" not in stored.columns
    explain = explained(scores, PARAMS)["explain"].iloc[-1]
    assert explain["events"][0]["event_id"] == 1
    assert explain["notice_points"][0]["kind"] == "evacuation"
    assert explain["params"]["p0"] == PARAMS.p0


def test_scores_without_explanations_are_the_same_scores() -> None:
    exposures, notices = [exposure(fatalities=2)], [notice(kind="evacuation")]
    days = days_from(DAY, 3)
    frames = [
        score_days(
            pd.DataFrame([site()]), pd.DataFrame(exposures), pd.DataFrame(notices), days, PARAMS, explain=e
        )
        for e in (True, False)
    ]
    assert frames[1]["explain"].isna().all() and frames[0]["explain"].notna().all()
    pd.testing.assert_frame_equal(frames[0].drop(columns="explain"), frames[1].drop(columns="explain"))


def test_nearest_event_km_is_measured_to_the_mine_even_for_route_events() -> None:
    row = score([exposure(via="route", distance_km=0.5, site_km=98.9)]).iloc[0]
    assert row["nearest_event_km"] == pytest.approx(98.9)


# ---- incidents: one incident counts once, and GDELT alone stays at elevated ----


def gdelt_report(event_id: int, **overrides: Any) -> dict[str, Any]:
    """A well-sourced GDELT report of fighting at Walikale on the route, 55 km from the mine."""
    row = {"source": "gdelt", "num_sources": 6, "num_articles": 20, "via": "route", "distance_km": 0.5}
    return exposure(event_id=event_id, **{**row, "site_km": 55.0, **overrides})


def test_reports_of_one_incident_count_once_with_their_strongest() -> None:
    acled = exposure(event_id=1, incident_id=1, sub_type="Non-state actor overtakes territory", fatalities=4)
    reports = [gdelt_report(i, incident_id=1, fatalities=9) for i in (2, 3, 4)]
    alone = score([acled]).iloc[0]
    fused = score([acled, *reports]).iloc[0]
    assert fused["events_30d"] == alone["events_30d"] == 1
    assert fused["risk"] == alone["risk"]
    assert fused["fatalities_30d"] == 9  # the incident's largest reported toll, not 4 + 9 + 9 + 9
    top = fused["explain"]["events"][0]
    assert (top["event_id"], top["incident_id"], top["reports"], top["sources"]) == (1, 1, 4, "acled+gdelt")


def test_rows_of_a_site_not_scored_change_nothing_of_the_sites_scored() -> None:
    acled = exposure(event_id=1, incident_id=1, fatalities=4)
    reports = [gdelt_report(2, incident_id=1)]
    elsewhere = [  # another site's rows, from sources and of an incident this site never saw
        exposure(event_id=7, incident_id=1, site_id="other", source="ucdp", fatalities=50),
        exposure(event_id=8, site_id="other", source="aaa-first-by-name", known_at=None),
    ]
    alone = score([acled, *reports]).iloc[0]
    mixed = score([*elsewhere[:1], acled, *elsewhere[1:], *reports]).iloc[0]
    assert mixed["explain"] == alone["explain"]
    assert (mixed["risk"], mixed["fatalities_30d"]) == (alone["risk"], alone["fatalities_30d"])
    assert mixed["explain"]["events"][0]["sources"] == "acled+gdelt"


def test_a_genuinely_new_incident_adds_one() -> None:
    known = [exposure(event_id=1, incident_id=1), gdelt_report(2, incident_id=1)]
    new = exposure(event_id=5, incident_id=5, distance_km=30.0)
    assert score(known).iloc[0]["events_30d"] == 1
    assert score([*known, new]).iloc[0]["events_30d"] == 2
    assert score([*known, new]).iloc[0]["risk"] > score(known).iloc[0]["risk"]


def test_a_report_joining_an_incident_later_changes_only_the_days_after_it_is_known() -> None:
    days = days_from(DAY, 6)
    gdelt = gdelt_report(2, incident_id=2, known_at=at(DAY))
    acled = exposure(event_id=9, incident_id=2, known_at=at(DAY + timedelta(days=3)), fatalities=12)
    before = score([gdelt], days=days)
    after = score([gdelt, acled], days=days)
    pd.testing.assert_frame_equal(before.iloc[:3], after.iloc[:3])
    assert (after.iloc[3:]["risk"] > before.iloc[3:]["risk"]).all()
    assert after["events_30d"].tolist() == [1] * 6


def test_single_source_gdelt_reports_never_raise_a_site() -> None:
    reports = [gdelt_report(i, num_sources=1, num_articles=1, event_date=DAY - timedelta(days=i // 4))
               for i in range(40)]  # fmt: skip
    row = score(reports).iloc[0]
    assert (row["risk"], row["level"]) == (0.0, "low")


def test_gdelt_alone_never_raises_a_site_above_elevated() -> None:
    # Forty well-sourced GDELT-only incidents of takeovers at the mine: without the cap, critical.
    reports = [
        gdelt_report(
            i, incident_id=i, via="site", distance_km=2.0, sub_type="Non-state actor overtakes territory"
        )
        for i in range(40)
    ]
    row = score(reports).iloc[0]
    assert row["level"] == "elevated" and row["risk"] == 49.9
    assert row["explain"]["uncorroborated_capped"] is True
    uncapped = score(reports, params=ScoringSettings(uncorroborated_max_level="critical")).iloc[0]
    assert uncapped["level"] == "critical"


def test_gdelt_adds_nothing_above_what_corroborated_incidents_already_give() -> None:
    acled = [exposure(event_id=100 + i, incident_id=100 + i, via="site", distance_km=1.0) for i in range(6)]
    gdelt = [gdelt_report(i, incident_id=i, via="site", distance_km=1.0) for i in range(30)]
    trusted = score(acled).iloc[0]
    assert trusted["level"] in ("high", "critical")
    both = score([*acled, *gdelt]).iloc[0]
    assert both["risk"] == trusted["risk"]


def test_a_gdelt_incident_corroborated_by_acled_counts_in_full() -> None:
    gdelt = [gdelt_report(i, incident_id=i, via="site", distance_km=1.0) for i in range(30)]
    # Each GDELT incident is also an ACLED row: no longer uncorroborated.
    acled = [exposure(event_id=100 + i, incident_id=i, via="site", distance_km=40.0) for i in range(30)]
    row = score([*gdelt, *acled]).iloc[0]
    assert row["level"] == "critical"
    assert row["explain"]["sum_uncorroborated"] == 0


def test_only_a_site_with_nothing_to_tell_of_is_quiet_and_its_explanation_is_the_quiet_one() -> None:
    sites = [site(id="calm"), site(id="shot"), site(id="told"), site(id="closed", status="halted")]
    frame = score(
        [exposure(site_id="shot")], [notice(site_id="told")], sites=sites, days=[DAY - timedelta(days=1), DAY]
    ).set_index(["site_id", "date"])
    assert frame[QUIET].to_dict() == {
        ("calm", DAY - timedelta(days=1)): True,
        ("calm", DAY): True,
        ("closed", DAY - timedelta(days=1)): False,
        ("closed", DAY): False,
        ("shot", DAY - timedelta(days=1)): True,  # the event happened on DAY
        ("shot", DAY): False,
        ("told", DAY - timedelta(days=1)): True,
        ("told", DAY): False,
    }
    calm = frame.loc[("calm", DAY)]
    assert calm["explain"] == quiet_explain(PARAMS)
    assert (calm["risk"], calm["level"], calm["status"]) == (0.0, quiet_level(PARAMS), "operating")


def test_an_event_that_weighs_nothing_still_keeps_its_site_from_being_quiet() -> None:
    params = PARAMS.model_copy(update={"type_weights": {"battles": 0.0}})
    row = score([exposure()], params=params).iloc[0]
    assert row["risk"] == 0.0 and row["events_30d"] == 1
    assert not row[QUIET]


def test_explanations_built_a_slice_of_cells_at_a_time_are_those_built_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sites = [site(id=f"s{i}", lat=-1.0 + i * 0.05) for i in range(7)]
    exposures = [
        exposure(event_id=10 * i + k, site_id=f"s{i}", event_date=DAY - timedelta(days=k), distance_km=k)
        for i in range(0, 7, 2)
        for k in range(3)
    ]
    notices = [notice(site_id="s3"), notice(notice_id=101, site_id="s5", kind="partial_halt")]
    args = (exposures, notices, sites, days_from(DAY - timedelta(days=2), 4))
    at_once = score(*args, stored_form=True)
    monkeypatch.setattr(scoring, "EXPLAIN_CELLS", 2)
    sliced = score(*args, stored_form=True)
    assert (~at_once[QUIET]).sum() > 4  # more loud cells than one slice holds
    pd.testing.assert_frame_equal(sliced, at_once)
