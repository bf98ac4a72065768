"""Alert identity, ``decide`` (repeat interval, grouping, silences, digest) and the pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from monitor.alerting import rules
from monitor.alerting.decide import (
    Candidate,
    Known,
    OpenGroup,
    Policy,
    SilenceRule,
    State,
    decide,
    fingerprint,
)
from monitor.config import AlertsSettings, FrontLineRule, Watchlist

NOW = datetime(2025, 3, 14, 12, 0)
BISIE = {"id": "bisie", "name": "Bisie", "operator": "Alphamin", "country": "CD", "commodity": "tin",
         "annual_output_t": 12568.0, "world_share": 0.04}  # fmt: skip
SITES: dict[str, dict[str, Any]] = {
    "bisie": BISIE,
    "rubaya": {"id": "rubaya", "name": "Rubaya", "country": "CD", "commodity": "coltan"},
}


def cand(kind: str = "halt", subject: str = "bisie", episode: str = "2025-03-14", **kw: Any) -> Candidate:
    defaults: dict[str, Any] = {
        "title": f"{subject} {kind}", "summary": "s", "occurred_at": NOW - timedelta(hours=1),
        "site": SITES.get(subject),
    }  # fmt: skip
    return Candidate(kind=kind, subject=subject, episode=episode, **{**defaults, **kw})


def known(c: Candidate, at: datetime, notified: bool = True) -> Known:
    return Known(c.fingerprint, c.kind, c.subject, c.episode, c.title, at, notified, c.payload())


def src(source: str, title: str, url: str = "") -> dict[str, Any]:
    return {
        "source": source,
        "title": title,
        "url": url or f"https://{source}.example/{title}",
        "kind": "halt",
    }


# ---- identity ---------------------------------------------------------------------------------------------
def test_the_fingerprint_is_the_identifying_labels_only() -> None:
    a = cand(sources=(src("alphamin", "EN"),), risk=100.0)
    b = cand(sources=(src("site_fr", "FR"),), risk=55.0, title="other words")
    assert a.fingerprint == b.fingerprint == fingerprint("halt", "bisie", "2025-03-14")
    assert cand(episode="2025-04-20").fingerprint != a.fingerprint
    assert cand(kind="resume").fingerprint != a.fingerprint


def test_two_notices_of_one_halt_make_one_alert_listing_both_sources() -> None:
    en = cand(sources=(src("alphamin_news", "Alphamin suspends operations at Bisie"),))
    fr = cand(sources=(src("site_communique_fr", "Suspension des activités"),))
    decision = decide([en, fr], State(), Policy(), NOW)
    assert len(decision.notified) == 1
    assert [s["source"] for s in decision.notified[0].sources] == ["alphamin_news", "site_communique_fr"]


def test_a_stored_alert_is_not_sent_again_but_takes_new_sources() -> None:
    en = cand(sources=(src("alphamin_news", "EN"),))
    state = State(known=(known(en, NOW - timedelta(minutes=30)),))
    same = decide([en], state, Policy(), NOW)
    assert same.notified == [] and same.updated == []
    fr = cand(sources=(src("site_communique_fr", "FR"),))
    more = decide([fr], state, Policy(), NOW)
    assert more.notified == []
    [(updated, payload)] = more.updated
    assert updated.fingerprint == en.fingerprint
    assert [s["source"] for s in payload["sources"]] == ["alphamin_news", "site_communique_fr"]


# ---- repeat interval --------------------------------------------------------------------------------------
def test_the_repeat_interval_holds_back_another_level_alert_of_the_same_site() -> None:
    first = cand("level", episode="2025-03-11:high", details={"rank": 2})
    again = cand("level", episode="2025-03-13:high", details={"rank": 2})
    state = State(known=(known(first, NOW - timedelta(hours=5)),))
    decision = decide([again], state, Policy(repeat=timedelta(hours=24)), NOW)
    assert decision.notified == []
    [(held, reason)] = decision.suppressed
    assert held.fingerprint == again.fingerprint
    assert "repeat" in reason


def test_after_the_repeat_interval_the_same_rule_alerts_again() -> None:
    first = cand("level", episode="2025-03-11:high", details={"rank": 2})
    again = cand("level", episode="2025-03-13:high", details={"rank": 2})
    state = State(known=(known(first, NOW - timedelta(hours=25)),))
    assert len(decide([again], state, Policy(repeat=timedelta(hours=24)), NOW).notified) == 1


def test_a_higher_level_escalates_through_the_repeat_interval() -> None:
    high = cand("level", episode="2025-03-11:high", details={"rank": 2})
    critical = cand("level", episode="2025-03-12:critical", details={"rank": 3})
    state = State(known=(known(high, NOW - timedelta(hours=2)),))
    assert [c.episode for c in decide([critical], state, Policy(), NOW).notified] == ["2025-03-12:critical"]


def test_repeats_found_in_one_run_are_held_back_too() -> None:
    a = cand("evacuation", episode="2025-03-12", occurred_at=NOW - timedelta(days=2))
    b = cand("evacuation", episode="2025-03-13", occurred_at=NOW - timedelta(days=1))
    decision = decide([a, b], State(), Policy(), NOW)
    assert [c.episode for c in decision.notified] == ["2025-03-12"]
    assert [c.episode for c, _ in decision.suppressed] == ["2025-03-13"]


def test_halts_and_resumptions_are_always_sent() -> None:
    first = cand("halt", episode="2025-03-14")
    resumed = cand("resume", episode="2025-03-14")
    again = cand("halt", episode="2025-03-15")
    state = State(known=(known(first, NOW - timedelta(hours=3)), known(resumed, NOW - timedelta(hours=1))))
    assert len(decide([again], state, Policy(), NOW).notified) == 1


def test_a_front_line_repeat_is_sent_only_when_the_fighting_is_closer_by_the_minimum_advance() -> None:
    kashebere = cand("front_line", episode="acled:1", details={"distance_km": 98.9})
    state = State(known=(known(kashebere, NOW - timedelta(hours=6)),))
    policy = Policy(min_advance_km=5.0)
    nearly = cand("front_line", episode="acled:2", details={"distance_km": 96.0})
    kibua = cand("front_line", episode="acled:3", details={"distance_km": 79.1})
    decision = decide([nearly, kibua], state, policy, NOW)
    assert [c.episode for c in decision.notified] == ["acled:3"]
    assert decision.notified[0].details["last_sent_km"] == 98.9
    assert [c.episode for c, _ in decision.suppressed] == ["acled:2"]


def test_a_front_line_repeat_is_sent_when_the_front_itself_came_closer() -> None:
    first = cand("front_line", episode="acled:1", details={"distance_km": 60.0, "front_km": 110.1})
    state = State(known=(known(first, NOW - timedelta(hours=6)),))
    same_front = cand("front_line", episode="acled:2", details={"distance_km": 61.0, "front_km": 108.0})
    nearer = cand("front_line", episode="acled:3", details={"distance_km": 62.0, "front_km": 79.1})
    decision = decide([same_front, nearer], state, Policy(min_advance_km=5.0), NOW)
    assert [c.episode for c in decision.notified] == ["acled:3"]


# ---- grouping ---------------------------------------------------------------------------------------------
def test_alerts_found_together_go_out_as_one_message() -> None:
    halts = [cand("halt", subject=s) for s in ("bisie", "rubaya")]
    decision = decide(halts, State(), Policy(), NOW)
    [message] = decision.notifications
    assert {c.subject for c in message.alerts} == {"bisie", "rubaya"}
    assert message.send_at == NOW


def test_a_message_carries_at_most_max_per_message_alerts() -> None:
    many = [cand("halt", subject=f"site{i}") for i in range(5)]
    decision = decide(many, State(), Policy(max_per_message=2), NOW)
    assert [len(n.alerts) for n in decision.notifications] == [2, 2, 1]
    assert len({n.group_key for n in decision.notifications}) == 3


def test_the_group_window_holds_a_message_and_later_alerts_join_it() -> None:
    policy = Policy(group_window=timedelta(minutes=10))
    first = decide([cand("halt", subject="bisie")], State(), policy, NOW)
    [held] = first.notifications
    assert held.send_at == NOW + timedelta(minutes=10)
    open_group = OpenGroup(held.group_key, held.send_at, size=1)
    later = decide([cand("halt", subject="rubaya")], State(open_groups=(open_group,)), policy,
                   NOW + timedelta(minutes=4))  # fmt: skip
    [joined] = later.notifications
    assert (joined.group_key, joined.send_at) == (held.group_key, held.send_at)
    closed = decide([cand("halt", subject="rubaya")], State(open_groups=(open_group,)), policy,
                    NOW + timedelta(minutes=11))  # fmt: skip
    assert closed.notifications[0].group_key != held.group_key


# ---- silences ---------------------------------------------------------------------------------------------
def test_a_silence_mutes_matching_alerts_until_it_ends() -> None:
    policy = Policy(silences=(SilenceRule(until=NOW + timedelta(hours=2), subject="bisie"),))
    halt = cand("halt")
    muted = decide([halt, cand("halt", subject="rubaya")], State(), policy, NOW)
    assert [c.subject for c in muted.silenced] == ["bisie"]
    assert [c.subject for c in muted.notified] == ["rubaya"]
    assert [c.subject for c in decide([halt], State(), policy, NOW + timedelta(hours=3)).notified] == [
        "bisie"
    ]


def test_a_silence_by_kind_mutes_every_site_of_that_kind_only() -> None:
    policy = Policy(silences=(SilenceRule(until=NOW + timedelta(days=1), kind="feed_stale"),))
    stale = cand("feed_stale", subject="gdelt", episode="never", site=None)
    decision = decide([stale, cand("halt")], State(), policy, NOW)
    assert [c.kind for c in decision.silenced] == ["feed_stale"]
    assert [c.kind for c in decision.notified] == ["halt"]


def test_silences_from_settings_accept_aware_and_naive_times() -> None:
    settings = AlertsSettings.model_validate(
        {"silences": [{"site": "bisie", "until": "2025-03-14T14:00:00+02:00"},
                      {"kind": "level", "until": "2025-03-15T00:00:00"}]}
    )  # fmt: skip
    policy = Policy.from_settings(settings)
    assert policy.silences[0].until == datetime(2025, 3, 14, 12, 0)
    assert policy.silences[1] == SilenceRule(until=datetime(2025, 3, 15), kind="level")
    assert not policy.silences[0].mutes(cand("halt"), NOW)  # ends exactly now


# ---- digest -----------------------------------------------------------------------------------------------
def test_the_daily_digest_goes_out_once_after_its_hour_with_the_last_day_and_ongoing_halts() -> None:
    policy = Policy(digest_hour=7)
    held = cand("level", episode="2025-03-13:high", title="Bisie risk high")
    yesterday = cand("evacuation", subject="rubaya", episode="2025-03-13", title="Rubaya evacuation")
    state = State(known=(known(held, NOW - timedelta(hours=3), notified=False),
                         known(yesterday, NOW - timedelta(hours=20)),
                         known(cand("halt", episode="2025-03-01"), NOW - timedelta(days=13))))  # fmt: skip
    ongoing = cand("halt", details={"ongoing": True, "since": "2025-03-14"}, title="Bisie halted")
    decision = decide(iter([ongoing]), state, policy, NOW)  # any iterable, read once
    digest = next(c for n in decision.notifications for c in n.alerts if c.kind == "digest")
    assert digest.episode == "2025-03-14"
    titles = {a["title"]: a["status"] for a in digest.details["alerts"]}
    assert titles == {"Bisie risk high": "held", "Rubaya evacuation": "sent", "Bisie halted": "sent"}
    assert digest.details["halted"] == [{"subject": "bisie", "title": "Bisie halted", "since": "2025-03-14"}]
    done = State(known=(*state.known, known(digest, NOW)))
    assert all(c.kind != "digest" for c in decide([ongoing], done, policy, NOW + timedelta(hours=1)).notified)


def test_no_digest_before_its_hour_or_on_a_quiet_day() -> None:
    state = State(known=(known(cand("halt"), NOW - timedelta(hours=2)),))
    assert decide([], state, Policy(digest_hour=13), NOW).notifications == []
    assert decide([], State(), Policy(digest_hour=7), NOW).notifications == []
    assert decide([], state, Policy(digest_hour=None), NOW).notifications == []


# ---- rules: halts -----------------------------------------------------------------------------------------
def scores(site: str, first: date, statuses: str, risk: float = 40.0) -> pd.DataFrame:
    """One row per day from ``first``: H = halted, U = halt unconfirmed (critical, 75), o = operating
    (level elevated)."""
    days = [first + timedelta(days=i) for i in range(len(statuses))]
    status = {"H": ("halted", "halted", 100.0), "U": ("halt_unconfirmed", "critical", 75.0)}
    rows = [status.get(s, ("operating", "elevated", risk)) for s in statuses]
    return pd.DataFrame({
        "site_id": site, "date": days,
        "status": [r[0] for r in rows],
        "level": [r[1] for r in rows],
        "risk": [r[2] for r in rows],
        "conflict": 0.0, "route": 0.0, "notice": 0.0,
    })  # fmt: skip


NOTICE_COLUMNS = [
    "notice_id",
    "site_id",
    "kind",
    "confidence",
    "known_at",
    "source",
    "title",
    "url",
    "language",
    "cue",
]


def notices(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """(site, kind, known_at ISO, source) rows."""
    return pd.DataFrame(
        [{"notice_id": i, "site_id": s, "kind": k, "confidence": 0.95, "known_at": pd.Timestamp(t),
          "source": src_, "title": f"{src_} {k}", "url": f"https://{src_}.example/{i}", "language": "en",
          "cue": f'title: "{k}"'}
         for i, (s, k, t, src_) in enumerate(rows)],
        columns=NOTICE_COLUMNS,
    )  # fmt: skip


def halts(timeline: pd.DataFrame, found: pd.DataFrame, today: date, since: dict[str, date] | None = None,
          window_start: date | None = None) -> list[Candidate]:  # fmt: skip
    return rules.halt_candidates(
        rules.extend_with_notices(timeline, found), since or {}, found, SITES,
        halts={"bisie", "rubaya"}, resumes={"bisie", "rubaya"},
        window_start=window_start or today - timedelta(days=7), today=today,
    )  # fmt: skip


def test_a_halt_lists_every_notice_of_its_first_day_and_a_later_halt_is_a_new_episode() -> None:
    timeline = scores("bisie", date(2025, 3, 10), "ooooHHHooH")
    found = notices(("bisie", "halt", "2025-03-14 01:30", "alphamin_news"),
                    ("bisie", "halt", "2025-03-14 07:00", "site_communique_fr"),
                    ("bisie", "resumption", "2025-03-17 09:00", "alphamin_news"))  # fmt: skip
    found_kinds = [(c.kind, c.episode) for c in halts(timeline, found, date(2025, 3, 19))]
    assert found_kinds == [("halt", "2025-03-14"), ("resume", "2025-03-14"), ("halt", "2025-03-19")]
    first = halts(timeline, found, date(2025, 3, 19))[0]
    assert [s["source"] for s in first.sources] == ["alphamin_news", "site_communique_fr"]
    assert first.details["resumed"] == "2025-03-17"
    assert first.details["level_before"] == "elevated"
    resume = halts(timeline, found, date(2025, 3, 19))[1]
    assert [s["kind"] for s in resume.sources] == ["resumption"]


def test_a_halting_notice_raises_a_halt_before_the_site_is_rescored() -> None:
    timeline = scores("bisie", date(2025, 3, 10), "oooo")  # scored up to 13 March
    found = notices(("bisie", "halt", "2025-03-14 01:30", "alphamin_news"))
    [halt] = halts(timeline, found, date(2025, 3, 14))
    assert (halt.kind, halt.episode, halt.details["ongoing"]) == ("halt", "2025-03-14", True)


def test_a_halt_begun_before_the_window_is_old_news_but_its_resumption_names_it() -> None:
    timeline = scores("bisie", date(2025, 4, 1), "HHHHHHHHooo")
    found = notices(("bisie", "resumption", "2025-04-09 10:30", "alphamin_news"))
    result = halts(timeline, found, date(2025, 4, 11), since={"bisie": date(2025, 3, 14)},
                   window_start=date(2025, 4, 4))  # fmt: skip
    assert [(c.kind, c.episode) for c in result] == [("resume", "2025-03-14")]
    assert result[0].details["halt_days"] == 26


def test_an_evacuation_outside_a_halt_is_its_own_alert_and_inside_one_a_source() -> None:
    timeline = scores("bisie", date(2025, 3, 10), "oooHH")
    found = notices(("bisie", "evacuation", "2025-03-11 08:00", "news"),
                    ("bisie", "evacuation", "2025-03-13 20:00", "news"),
                    ("bisie", "halt", "2025-03-13 21:00", "alphamin_news"))  # fmt: skip
    result = halts(timeline, found, date(2025, 3, 14))
    assert [(c.kind, c.episode) for c in result] == [("halt", "2025-03-13"), ("evacuation", "2025-03-11")]
    assert {s["kind"] for s in result[0].sources} == {"evacuation", "halt"}


# ---- rules: levels, front line, feeds, scope --------------------------------------------------------------
def test_a_level_rise_to_high_alerts_but_staying_high_or_leaving_a_halt_does_not() -> None:
    frame = scores("bisie", date(2025, 3, 9), "ooooHo")
    frame["level"] = ["elevated", "high", "high", "critical", "halted", "high"]
    frame["risk"] = [37.1, 60.8, 59.3, 80.0, 100.0, 73.0]
    found = rules.level_candidates(frame, SITES, allowed={"bisie"}, levels=["high", "critical"],
                                         window_start=date(2025, 3, 1))  # fmt: skip
    assert [(c.episode, c.details["rank"]) for c in found] == [
        ("2025-03-10:high", 2),
        ("2025-03-12:critical", 3),
    ]
    assert "from elevated (37.1)" in found[0].summary
    assert rules.level_candidates(frame, SITES, allowed=set(), levels=["high"],
                                        window_start=date(2025, 3, 1)) == []  # fmt: skip


def exposure(event_id: int, day: str, km: float, location: str, **kw: Any) -> dict[str, Any]:
    row = {
        "event_id": event_id,
        "site_id": "bisie",
        "via": "site",
        "distance_km": km,
        "site_km": km,
        "source": "acled",
        "source_id": f"DRC{event_id}",
        "event_date": date.fromisoformat(day),
        "known_at": pd.Timestamp(day) + pd.Timedelta(days=3),
        "type": "battles",
        "sub_type": "Armed clash",
        "fatalities": 6,
        "lat": -1.3,
        "lon": 28.5,
        "location": location,
        "url": "",
    }
    return {**row, **kw}  # fmt: skip


def test_front_line_gives_the_distance_and_how_it_changed_since_the_previous_such_event() -> None:
    frame = pd.DataFrame([
        exposure(1, "2025-03-09", 110.1, "Nyabiondo", sub_type="Non-state actor overtakes territory",
                 fatalities=2),
        exposure(2, "2025-03-10", 60.0, "Elsewhere", fatalities=2),  # a small clash: not front line
        exposure(3, "2025-03-12", 98.9, "Kashebere", sub_type="Non-state actor overtakes territory"),
        exposure(3, "2025-03-12", 12.8, "Kashebere", via="route", site_km=98.9,
                 sub_type="Non-state actor overtakes territory"),
    ])  # fmt: skip
    found = rules.front_line_candidates(
        frame,
        SITES,
        rule=FrontLineRule(),
        allowed={"bisie"},
        new_event_ids={3},
        window_start=date(2025, 3, 1),
    )
    [kashebere] = found
    assert kashebere.episode == "acled:DRC3"
    assert kashebere.details["distance_km"] == 98.9
    assert kashebere.details["route_km"] == 12.8
    assert kashebere.details["previous_km"] == 110.1
    assert kashebere.details["change_km"] == pytest.approx(-11.2)
    assert "11 km closer than the previous such event (Nyabiondo, 110 km, 2025-03-09)" in kashebere.summary
    assert kashebere.details["front_km"] is None  # no front line given: none said


def test_front_line_says_how_near_the_front_is_how_fast_it_comes_and_when_it_arrives() -> None:
    frame = pd.DataFrame(
        [exposure(3, "2025-03-12", 98.9, "Kashebere", sub_type="Non-state actor overtakes territory")]
    )
    fronts = pd.DataFrame({"site_id": ["bisie"], "front_km": [55.4], "front_km_change_7d": [-43.5],
                           "front_days_to_radius": [4.9], "front_actor": ["M23"]})  # fmt: skip
    [found] = rules.front_line_candidates(
        frame, SITES, rule=FrontLineRule(), allowed={"bisie"}, new_event_ids={3},
        window_start=date(2025, 3, 1), fronts=fronts,
    )  # fmt: skip
    assert (found.details["front_km"], found.details["front_km_change_7d"]) == (55.4, -43.5)
    assert found.details["front_days_to_radius"] == 4.9
    assert (
        "the front line is 55 km away (M23), 44 km closer than a week before, at the mine's radius in 5 days"
        in found.summary
    )


def test_a_feed_is_stale_after_hours_without_an_ok_run_and_a_new_outage_is_a_new_episode() -> None:
    runs = pd.DataFrame({
        "feed": ["gdelt", "acled", "ucdp"],
        "first_run": pd.to_datetime(["2025-03-01 00:00", "2025-03-14 06:00", "2025-03-01 00:00"]),
        "last_ok": pd.to_datetime(["2025-03-13 06:00", None, "2025-03-14 11:00"]),
        "last_status": ["failed", "failed", "ok"], "last_error": ["HTTP 503", "HTTP 401", ""],
    })  # fmt: skip
    found = rules.stale_feed_candidates(runs, ["gdelt", "acled", "ucdp", "notices:x"], 24.0, NOW)
    assert [(c.subject, c.episode) for c in found] == [("gdelt", "2025-03-13T06:00:00")]
    assert "last error: HTTP 503" in found[0].summary
    later = runs.assign(last_ok=pd.to_datetime(["2025-03-21 06:00", None, "2025-03-22 00:00"]))
    again = rules.stale_feed_candidates(later, ["gdelt"], 24.0, datetime(2025, 3, 22))
    assert again == []
    again = rules.stale_feed_candidates(later, ["gdelt"], 24.0, datetime(2025, 3, 22, 7))
    assert again[0].fingerprint != found[0].fingerprint


def test_the_watchlist_matches_sites_commodities_and_countries() -> None:
    frame = pd.DataFrame({"id": ["bisie", "rubaya", "kamoto", "tenke"], "country": ["CD", "CD", "CD", "cd"],
                          "commodity": ["tin", "coltan", "copper", "copper"],
                          "commodities": ["tin", "coltan;tin", "copper;cobalt", ""]})  # fmt: skip
    assert rules.in_scope(frame, "watchlist", Watchlist()) == set()
    assert rules.in_scope(frame, "all", Watchlist()) == {"bisie", "rubaya", "kamoto", "tenke"}
    assert rules.in_scope(frame, "watchlist", Watchlist(commodities=["Tin"])) == {"bisie", "rubaya"}
    assert rules.in_scope(frame, "watchlist", Watchlist(commodities=["cobalt"], sites=["tenke"])) == {
        "kamoto", "tenke"}  # fmt: skip
    everything = {"bisie", "rubaya", "kamoto", "tenke"}
    assert rules.in_scope(frame, "watchlist", Watchlist(countries=["cd"])) == everything
    # Padded or missing lists, and a frame whose index is not its rows' positions.
    odd = frame.assign(commodities=[" Tin ", None, "copper; Cobalt", ";"]).set_index(pd.Index([7, 3, 3, 0]))
    assert rules.in_scope(odd, "watchlist", Watchlist(commodities=[" cobalt"])) == {"kamoto"}
    assert rules.in_scope(odd, "watchlist", Watchlist(commodities=["tin"])) == {"bisie"}


def test_candidate_payload_is_plain_json() -> None:
    import json

    payload = cand(sources=(src("a", "b"),), risk=100.0, details={"since": "2025-03-14"}).payload()
    assert json.loads(json.dumps(payload)) == payload
    assert payload["occurred_at"] == "2025-03-14T11:00:00Z"
    aware = cand(occurred_at=datetime(2025, 3, 14, 13, tzinfo=UTC)).payload()
    assert aware["occurred_at"] == "2025-03-14T13:00:00Z"


def test_a_halt_that_ages_unconfirmed_and_is_reconfirmed_is_one_halt_alerted_once() -> None:
    timeline = scores("bisie", date(2025, 3, 10), "ooHHUUUHHoo")
    found = notices(("bisie", "halt", "2025-03-12 08:00", "alphamin_news"),
                    ("bisie", "halt", "2025-03-17 08:00", "site_communique_fr"),
                    ("bisie", "resumption", "2025-03-19 09:00", "alphamin_news"))  # fmt: skip
    result = halts(timeline, found, date(2025, 3, 20), window_start=date(2025, 3, 10))
    assert [(c.kind, c.episode) for c in result] == [("halt", "2025-03-12"), ("resume", "2025-03-12")]
    assert result[1].details["halt_days"] == 7


def test_an_unconfirmed_halt_is_no_level_rise() -> None:
    timeline = scores("bisie", date(2025, 3, 10), "oHHUU")
    found = rules.level_candidates(timeline, SITES, allowed={"bisie"}, levels=["high", "critical"],
                                   window_start=date(2025, 3, 1))  # fmt: skip
    assert found == []


def exports(found: pd.DataFrame, today: date, window_start: date | None = None) -> list[Candidate]:
    return rules.export_halt_candidates(
        found,
        SITES,
        allowed={"bisie"},
        gap_days=30,
        window_start=window_start or date(2025, 3, 1),
        today=today,
    )


def test_an_export_halt_is_alerted_once_per_episode_with_every_notice_of_it_as_sources() -> None:
    found = notices(("bisie", "export_halt", "2025-03-14 08:00", "alphamin_news"),
                    ("bisie", "export_halt", "2025-03-20 08:00", "site_communique_fr"),
                    ("bisie", "partial_halt", "2025-03-21 08:00", "alphamin_news"),
                    ("bisie", "export_halt", "2025-04-25 08:00", "alphamin_news"))  # fmt: skip
    result = exports(found, date(2025, 4, 30))
    assert [(c.kind, c.episode) for c in result] == [
        ("export_halt", "2025-03-14"),
        ("export_halt", "2025-04-25"),
    ]
    assert [s["source"] for s in result[0].sources] == ["alphamin_news", "site_communique_fr"]
    assert "Exports, shipments or deliveries stopped since 2025-03-14" in result[0].summary
    # Seen again a day later, the same episodes: the same fingerprints, so nothing is paged twice.
    assert [c.fingerprint for c in exports(found, date(2025, 5, 1))] == [c.fingerprint for c in result]


def test_a_resumption_ends_an_export_halt_and_one_begun_before_the_window_is_old_news() -> None:
    found = notices(("bisie", "export_halt", "2025-02-10 08:00", "alphamin_news"),
                    ("bisie", "export_halt", "2025-03-02 08:00", "alphamin_news"),
                    ("bisie", "resumption", "2025-03-05 08:00", "alphamin_news"),
                    ("bisie", "export_halt", "2025-03-06 08:00", "alphamin_news"))  # fmt: skip
    result = exports(found, date(2025, 3, 10), window_start=date(2025, 3, 1))
    assert [(c.kind, c.episode) for c in result] == [("export_halt", "2025-03-06")]


def test_partial_halts_and_sites_out_of_scope_raise_no_export_alert() -> None:
    found = notices(("bisie", "partial_halt", "2025-03-14 08:00", "alphamin_news"),
                    ("rubaya", "export_halt", "2025-03-14 08:00", "news"))  # fmt: skip
    assert exports(found, date(2025, 3, 20)) == []


# ---- the desk note: who, what, how much of the world ----
WORLD = pd.DataFrame(
    {"commodity": ["tin", "copper", "cobalt"], "world_production_t": [300_000.0, 23e6, 290_000.0]}
)


def test_site_info_gives_each_commodity_its_share_of_world_production_main_first() -> None:
    sites = pd.DataFrame(
        [
            {"id": "bisie", "name": "Bisie tin mine (Mpama North and Mpama South)", "commodity": "tin",
             "annual_output_t": 12_000.0},
            {"id": "kamoto", "name": "Kamoto Copper Company (KOV)", "commodity": "copper",
             "annual_output_t": 230_000.0, "outputs": [{"commodity": "cobalt", "tonnes": 14_500.0}]},
            {"id": "chipwi", "name": "Chipwi rare-earth mining area", "commodity": "rare_earths",
             "annual_output_t": None},
        ]
    )  # fmt: skip
    info = rules.site_info(sites, WORLD)
    assert info["bisie"]["supply"] == [{"commodity": "tin", "output_t": 12_000.0, "world_pct": 4.0}]
    kamoto = info["kamoto"]["supply"]
    assert [s["commodity"] for s in kamoto] == ["copper", "cobalt"]
    assert kamoto[1]["world_pct"] == pytest.approx(100 * 14_500 / 290_000, abs=0.001)
    assert info["chipwi"]["supply"] == [{"commodity": "rare_earths", "output_t": None, "world_pct": None}]
    assert rules.supply_phrase(info["bisie"]) == "~4% of world tin"
    assert rules.supply_phrase(info["kamoto"]) == "~1% of world copper, ~5% of world cobalt"
    assert rules.supply_phrase(info["chipwi"]) == "rare earths, output unknown"


def test_a_short_name_drops_the_bracketed_detail_and_what_kind_of_mine_it_is() -> None:
    assert rules.short_name({"name": "Bisie tin mine (Mpama North and Mpama South)"}) == "Bisie"
    assert rules.short_name({"name": "Rubaya coltan mines (Bibatama concession)"}) == "Rubaya"
    assert rules.short_name({"name": "Kamoto Copper Company (KOV, Mashamba East)"}) == "Kamoto Copper Company"
    assert rules.short_name({"name": "Mine"}) == "Mine"
    assert rules.short_name({"id": "x"}) == "x"


def test_a_halt_reads_like_a_desk_note_first_line_then_the_evidence() -> None:
    site = rules.site_info(
        pd.DataFrame([{"id": "bisie", "name": "Bisie tin mine (Mpama)", "operator": "Alphamin Bisie Mining",
                       "country": "CD", "commodity": "tin", "annual_output_t": 12_000.0}]),
        WORLD,
    )  # fmt: skip
    timeline = pd.DataFrame(
        {"site_id": "bisie", "date": [date(2025, 3, 13), date(2025, 3, 14)],
         "status": ["operating", "halted"], "level": ["high", "halted"], "risk": [60.0, 100.0]}
    )  # fmt: skip
    notices = pd.DataFrame(
        [{"notice_id": 1, "site_id": "bisie", "known_at": datetime(2025, 3, 14, 7), "kind": "halt",
          "source": "alphamin_news", "title": "Alphamin suspends operations", "url": "", "language": "en",
          "cue": 'title: "suspends operations"'}]
    )  # fmt: skip
    (halt,) = rules.halt_candidates(
        timeline, {}, notices, site, halts={"bisie"}, resumes=set(), window_start=date(2025, 3, 10),
        today=date(2025, 3, 14),
    )  # fmt: skip
    assert halt.title == "Bisie halted: ~4% of world tin"
    assert halt.summary == "Halted since 2025-03-14: halt (1 source)."
    assert "Alphamin" not in halt.title + halt.summary  # the operator is said once, in the facts
