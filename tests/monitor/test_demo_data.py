"""The bundled demo scenario files are well-formed in their sources' wire formats and carry the key facts.

Parsed with the standard library, pandas, defusedxml and feedparser only, never with our own collectors, so
the files stand as an independent reference for them.
"""

from __future__ import annotations

import csv
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import feedparser
import numpy as np
import pandas as pd
import pytest

DEMO = Path(__file__).resolve().parents[2] / "monitor" / "data" / "demo"
ACLED = DEMO / "acled_events.csv"
GDELT = DEMO / "gdelt_events.export.CSV"
OPERATOR_RSS = DEMO / "alphamin_news.xml"
COMMUNIQUE_ATOM = DEMO / "site_communique_fr.xml"
NEWS_RSS = DEMO / "news_search.xml"

ACLED_HEADER = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
ACLED_SUB_TYPES = {
    "Battles": {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"},
    "Explosions/Remote violence": {
        "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade",
    },
    "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
    "Protests": {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"},
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {
        "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other",
    },
}  # fmt: skip
ACTOR_TYPES = [
    "State forces", "Rebel group", "Political militia", "Identity militia", "Rioters", "Protesters",
    "Civilians", "External/Other forces",
]  # fmt: skip
SCENARIO_START, SCENARIO_END = date(2025, 2, 1), date(2025, 4, 30)
BISIE = (-1.033, 27.733)
EXPORT_ROAD = [  # Bisie - Walikale - Kibua - Kashebere - Nyabiondo - Masisi - Sake - Goma
    (-1.033, 27.733), (-1.418, 28.050), (-1.330, 28.380), (-1.290, 28.585), (-1.250, 28.700),
    (-1.400, 28.818), (-1.574, 29.041), (-1.679, 29.234),
]  # fmt: skip
ATOM_NS = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _km(lat: Any, lon: Any, lat0: Any, lon0: Any) -> np.ndarray:
    """Great-circle distance in km (haversine), broadcasting over arrays."""
    p1, p2 = np.radians(lat), np.radians(lat0)
    dp, dl = p2 - p1, np.radians(np.asarray(lon0) - np.asarray(lon))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def _km_to_road(lat: pd.Series, lon: pd.Series) -> np.ndarray:
    """Distance from each point to the export road, sampled every few hundred metres along it."""
    t = np.linspace(0.0, 1.0, 200)[:, None]
    road = np.vstack(
        [np.asarray(a) + t * (np.asarray(b) - np.asarray(a)) for a, b in itertools.pairwise(EXPORT_ROAD)]
    )
    dist = _km(lat.to_numpy()[:, None], lon.to_numpy()[:, None], road[None, :, 0], road[None, :, 1])
    return dist.min(axis=1)


@pytest.fixture(scope="module")
def acled() -> pd.DataFrame:
    """The ACLED demo export with parsed day, coordinates and distances to Bisie and its export road."""
    frame = pd.read_csv(ACLED, dtype=str, keep_default_na=False)
    frame["day"] = pd.to_datetime(frame["event_date"], format="%d %B %Y").dt.date
    frame["lat"] = frame["latitude"].astype(float)
    frame["lon"] = frame["longitude"].astype(float)
    frame["km_bisie"] = _km(frame["lat"], frame["lon"], *BISIE)
    frame["km_road"] = _km_to_road(frame["lat"], frame["lon"])
    return frame


@pytest.fixture(scope="module")
def gdelt() -> pd.DataFrame:
    """The GDELT demo export as strings, columns numbered 0-60 as in the GDELT codebook."""
    return pd.read_csv(GDELT, sep="\t", header=None, dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)


def _feed(path: Path) -> Any:
    """A feed parsed by feedparser, which must not flag it as malformed."""
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _utc(struct: Any) -> datetime:
    """feedparser's UTC time tuple as an aware datetime."""
    return datetime(*struct[:6], tzinfo=UTC)


# --- ACLED CSV export ---------------------------------------------------------------------------------


def test_acled_csv_has_the_export_header_and_31_fields_on_every_row() -> None:
    with ACLED.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ACLED_HEADER
    assert {len(row) for row in rows[1:]} == {31}
    assert 60 <= len(rows) - 1 <= 120


def test_acled_ids_are_unique_drc_ids(acled: pd.DataFrame) -> None:
    assert acled["event_id_cnty"].str.fullmatch(r"DRC\d+").all()
    assert acled["event_id_cnty"].is_unique


def test_acled_dates_are_export_style_and_inside_the_scenario(acled: pd.DataFrame) -> None:
    assert acled["event_date"].str.fullmatch(r"\d{1,2} [A-Z][a-z]+ 2025").all()
    assert acled["day"].between(SCENARIO_START, SCENARIO_END).all()
    assert (acled["year"] == "2025").all()
    assert acled["time_precision"].isin({"1", "2", "3"}).all()


def test_acled_country_fields_are_dr_congo(acled: pd.DataFrame) -> None:
    assert (acled["iso"] == "180").all()
    assert (acled["country"] == "Democratic Republic of Congo").all()
    assert (acled["region"] == "Middle Africa").all()
    assert acled["admin1"].ne("").all()


def test_acled_coordinates_lie_inside_dr_congo(acled: pd.DataFrame) -> None:
    assert acled["latitude"].str.fullmatch(r"-?\d+\.\d{4}").all()
    assert acled["lat"].between(-13.5, 5.4).all()
    assert acled["lon"].between(12.2, 31.3).all()
    assert acled["geo_precision"].isin({"1", "2", "3"}).all()


def test_acled_timestamps_are_publication_times_after_the_event(acled: pd.DataFrame) -> None:
    published = pd.to_datetime(acled["timestamp"].astype(int), unit="s")
    day_end = pd.to_datetime(acled["day"]) + pd.Timedelta(days=1)
    delay = published - day_end
    assert (delay > pd.Timedelta(0)).all()
    assert (delay < pd.Timedelta(days=10)).all()


def test_acled_taxonomy_and_actor_types_are_consistent(acled: pd.DataFrame) -> None:
    for event_type, sub_type in zip(acled["event_type"], acled["sub_event_type"], strict=True):
        assert sub_type in ACLED_SUB_TYPES[event_type], (event_type, sub_type)
    assert acled["inter1"].isin(ACTOR_TYPES).all()
    assert acled["inter2"].isin([*ACTOR_TYPES, ""]).all()
    assert (acled["inter2"].eq("") == acled["actor2"].eq("")).all()
    for i1, i2, interaction in zip(acled["inter1"], acled["inter2"], acled["interaction"], strict=True):
        expected = f"{i1} only" if not i2 else "-".join(sorted([i1, i2], key=ACTOR_TYPES.index))
        assert interaction == expected
    assert acled["civilian_targeting"].isin({"", "Civilian targeting"}).all()
    assert acled["fatalities"].str.fullmatch(r"\d+").all()


def test_acled_notes_are_written_for_each_event(acled: pd.DataFrame) -> None:
    assert acled["notes"].str.len().gt(40).all()
    assert acled["notes"].is_unique
    starts = acled.apply(lambda r: r["notes"].startswith(f"On {r['event_date']},"), axis=1)
    assert starts.all()


def _takeovers(acled: pd.DataFrame, place: str) -> pd.DataFrame:
    """ACLED rows coding a non-state takeover of the named place."""
    return acled[
        (acled["location"] == place) & (acled["sub_event_type"] == "Non-state actor overtakes territory")
    ]


@pytest.mark.parametrize(
    ("place", "days"),
    [
        ("Nyabiondo", {date(2025, 3, 9)}),
        ("Kashebere", {date(2025, 3, 12)}),
        ("Walikale", {date(2025, 3, 19), date(2025, 3, 20)}),
        ("Bukavu", {date(2025, 2, 16)}),
    ],
)
def test_acled_dates_the_rebel_takeovers_as_reported(
    acled: pd.DataFrame, place: str, days: set[date]
) -> None:
    taken = _takeovers(acled, place)
    assert len(taken) == 1
    assert taken["day"].iloc[0] in days
    assert taken["actor1"].iloc[0] == "M23: March 23 Movement"


def test_acled_records_the_walikale_withdrawal_after_the_takeover(acled: pd.DataFrame) -> None:
    walikale = acled[acled["location"] == "Walikale"]
    pullback = walikale[walikale["sub_event_type"] == "Non-violent transfer of territory"]
    assert not pullback.empty
    assert pullback["day"].min() >= date(2025, 3, 22)
    assert pullback["day"].min() > _takeovers(acled, "Walikale")["day"].iloc[0]


def test_acled_conflict_nears_the_road_before_it_nears_the_mine(acled: pd.DataFrame) -> None:
    before_suspension = acled[acled["day"] < date(2025, 3, 14)]
    assert before_suspension["km_bisie"].min() > 60
    on_road = before_suspension[
        (before_suspension["km_road"] < 25) & (before_suspension["event_type"] == "Battles")
    ]
    assert on_road["day"].min() < date(2025, 2, 15)
    assert acled.loc[acled["km_bisie"] < 60, "day"].min() >= date(2025, 3, 14)


def test_acled_front_moves_towards_the_mine_week_by_week_until_walikale(acled: pd.DataFrame) -> None:
    advance = acled[
        (acled["event_type"] == "Battles")
        & (acled["km_road"] < 25)
        & acled["day"].between(date(2025, 2, 1), date(2025, 3, 19))
    ]
    nearest_by_week = advance.groupby(pd.to_datetime(advance["day"]).dt.to_period("W"))["km_bisie"].min()
    assert nearest_by_week.is_monotonic_decreasing
    assert nearest_by_week.iloc[0] > 120
    assert nearest_by_week.iloc[-1] < 60


def test_acled_has_quieter_events_away_from_the_kivus(acled: pd.DataFrame) -> None:
    elsewhere = set(acled.loc[~acled["admin1"].isin({"Nord-Kivu", "Sud-Kivu"}), "location"])
    assert {"Kolwezi", "Lubumbashi", "Manono"} <= elsewhere
    copper_belt = acled[acled["location"].isin({"Kolwezi", "Likasi", "Lubumbashi"})]
    assert set(copper_belt["event_type"]) <= {"Protests", "Riots"}


def test_acled_locations_are_documented_in_the_readme(acled: pd.DataFrame) -> None:
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    for place, lat, lon in acled[["location", "lat", "lon"]].drop_duplicates().itertuples(index=False):
        assert re.search(rf"\| {place} \| {lat:.3f} \| {lon:.3f} \|", readme), place


# --- Operator press releases (RSS 2.0) ------------------------------------------------------------------


def test_operator_feed_is_well_formed_rss_2() -> None:
    root = SafeET.parse(OPERATOR_RSS).getroot()
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    feed = _feed(OPERATOR_RSS)
    assert feed.version == "rss20"
    assert len(feed.entries) == 5
    assert len({entry.id for entry in feed.entries}) == 5


def test_operator_suspension_is_published_on_14_march_utc() -> None:
    feed = _feed(OPERATOR_RSS)
    (notice,) = [e for e in feed.entries if "Suspends Operations" in e.title]
    assert notice.published == "Thu, 13 Mar 2025 21:30:00 -0400"
    assert _utc(notice.published_parsed) == datetime(2025, 3, 14, 1, 30, tzinfo=UTC)
    assert "evacuated" in notice.summary


def test_operator_announces_the_restart_and_resumption_in_april() -> None:
    feed = _feed(OPERATOR_RSS)
    april = {_utc(e.published_parsed).date(): e.title for e in feed.entries if e.published_parsed.tm_mon == 4}
    assert set(april) == {date(2025, 4, 9), date(2025, 4, 17)}
    assert "Restart" in april[date(2025, 4, 9)]
    assert "Resumes" in april[date(2025, 4, 17)]


def test_operator_earlier_items_are_routine_updates() -> None:
    feed = _feed(OPERATOR_RSS)
    earlier = [e for e in feed.entries if _utc(e.published_parsed) < datetime(2025, 3, 1, tzinfo=UTC)]
    assert sorted(_utc(e.published_parsed).month for e in earlier) == [1, 2]
    for entry in earlier:
        text = f"{entry.title} {entry.summary}".lower()
        assert not re.search(r"suspen|halt|force majeure|evacuat|stopp", text), entry.title


# --- Site communique (Atom, French) -------------------------------------------------------------------


def test_communique_feed_is_french_atom() -> None:
    root = SafeET.parse(COMMUNIQUE_ATOM).getroot()
    assert root.tag == f"{ATOM_NS}feed"
    assert root.get(XML_LANG) == "fr"
    feed = _feed(COMMUNIQUE_ATOM)
    assert feed.version == "atom10"
    assert len(feed.entries) == 2


def test_communique_suspends_all_activities_on_14_march_for_force_majeure() -> None:
    feed = _feed(COMMUNIQUE_ATOM)
    (communique,) = [e for e in feed.entries if e.title.startswith("Communiqué")]
    assert _utc(communique.published_parsed).date() == date(2025, 3, 14)
    assert communique.title_detail.language == "fr"
    text = communique.content[0].value
    assert "force majeure" in text
    assert "suspendues à compter de ce vendredi 14 mars 2025" in text


def test_communique_feed_also_carries_the_walikale_news_without_an_operator_decision() -> None:
    feed = _feed(COMMUNIQUE_ATOM)
    (news,) = [e for e in feed.entries if "Walikale" in e.title]
    assert _utc(news.published_parsed).date() == date(2025, 3, 20)
    assert not re.search(r"suspen|force majeure|reprise|arrêt", news.content[0].value)


# --- News search (RSS 2.0) ----------------------------------------------------------------------------


def test_news_search_feed_has_dated_sourced_items() -> None:
    root = SafeET.parse(NEWS_RSS).getroot()
    assert root.get("version") == "2.0"
    feed = _feed(NEWS_RSS)
    assert 5 <= len(feed.entries) <= 8
    for entry in feed.entries:
        assert entry.published_parsed is not None
        assert entry.link.startswith("https://")
        assert entry.source.title
    assert len({entry.id for entry in feed.entries}) == len(feed.entries)


def test_news_search_covers_walikale_the_road_the_pullback_and_the_copper_belt() -> None:
    feed = _feed(NEWS_RSS)
    by_day = {_utc(e.published_parsed).date(): [] for e in feed.entries}
    for entry in feed.entries:
        by_day[_utc(entry.published_parsed).date()].append(f"{entry.title} {entry.summary}")
    walikale = " ".join(by_day[date(2025, 3, 20)])
    assert "Walikale" in walikale
    assert all(p in walikale for p in ("Nord-Kivu", "Sud-Kivu", "Tshopo", "Maniema"))
    assert "pull" in " ".join(by_day[date(2025, 3, 22)])
    assert any("Kamoto" in text and "unaffected" in text for text in by_day[date(2025, 4, 8)])


# --- GDELT 2.0 event export ---------------------------------------------------------------------------


def test_gdelt_export_has_61_tab_separated_fields_per_line_and_no_header() -> None:
    raw = GDELT.read_bytes()
    assert raw.endswith(b"\n")
    assert b"\r" not in raw
    lines = raw.decode("utf-8").splitlines()
    assert 10 <= len(lines) <= 20
    assert {len(line.split("\t")) for line in lines} == {61}
    assert lines[0].split("\t")[0].isdigit()


def test_gdelt_fields_are_consistent(gdelt: pd.DataFrame) -> None:
    assert gdelt.shape[1] == 61
    assert gdelt[0].str.fullmatch(r"\d+").all() and gdelt[0].is_unique
    days = pd.to_datetime(gdelt[1], format="%Y%m%d")
    assert (gdelt[2] == gdelt[1].str[:6]).all() and (gdelt[3] == gdelt[1].str[:4]).all()
    fraction = days.dt.year + ((days.dt.month - 1) * 30 + days.dt.day) / 365
    assert np.allclose(gdelt[4].astype(float), fraction, atol=1e-4)
    assert all(
        code.startswith(base) and base.startswith(root)
        for code, base, root in zip(gdelt[26], gdelt[27], gdelt[28], strict=True)
    )
    roots = gdelt[28].astype(int)
    quad = np.select([roots <= 5, roots <= 9, roots <= 14], [1, 2, 3], 4)
    assert (gdelt[29].astype(int) == quad).all()
    added = pd.to_datetime(gdelt[59], format="%Y%m%d%H%M%S")
    assert (added >= days).all()
    assert (added - days < pd.Timedelta(days=2)).all()
    assert (added.dt.minute % 15 == 0).all()
    assert gdelt[60].str.startswith("https://").all()


def test_gdelt_conflict_rows_are_in_dr_congo_and_two_rows_are_not_conflict(gdelt: pd.DataFrame) -> None:
    roots = gdelt[28].astype(int)
    conflict = gdelt[roots.between(14, 20)]
    assert len(conflict) >= 10
    assert len(gdelt) - len(conflict) == 2
    assert (conflict[53] == "CG").all()
    assert conflict[54].str.fullmatch(r"CG\d\d").all()
    lat, lon = conflict[56].astype(float), conflict[57].astype(float)
    assert lat.between(-13.5, 5.4).all() and lon.between(12.2, 31.3).all()


def test_gdelt_has_the_walikale_takeover_on_19_march(gdelt: pd.DataFrame) -> None:
    walikale = gdelt[gdelt[52].str.startswith("Walikale") & (gdelt[26] == "192")]
    assert list(walikale[1]) == ["20250319"]
    assert (walikale[54] == "CG11").all()


# --- Cross-file facts ---------------------------------------------------------------------------------


def test_the_operator_suspends_after_kashebere_falls_and_resumes_after_the_withdrawal(
    acled: pd.DataFrame,
) -> None:
    operator = _feed(OPERATOR_RSS).entries
    suspended = min(_utc(e.published_parsed) for e in operator if "Suspend" in e.title)
    resumed = min(_utc(e.published_parsed) for e in operator if "Resume" in e.title or "Restart" in e.title)
    kashebere = _takeovers(acled, "Kashebere")["day"].iloc[0]
    pullback = acled.loc[
        (acled["location"] == "Walikale") & (acled["sub_event_type"] == "Non-violent transfer of territory"),
        "day",
    ].min()
    assert kashebere < suspended.date() <= kashebere + timedelta(days=2)
    assert pullback < resumed.date()
