"""Exports as a quant uses them: point-in-time vintages, filters, byte-identical files, schemas, safe CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from feeds.rows import EVENT_COLUMNS, NOTICE_COLUMNS
from monitor import models, sites
from monitor.config import ScoringSettings, Settings
from monitor.errors import InputError
from monitor.exports import panels
from monitor.exports.files import FORMATS, write_file
from monitor.exports.panels import risk_frame
from monitor.exports.query import Query, parse_query
from monitor.exports.schemas import SCHEMAS, markdown_table
from monitor.pipeline import Pipeline, params_hash
from monitor.reads import arrow, sql
from monitor.store import Store
from tests.conftest import execute

T1 = datetime(2025, 3, 10, 12, 0)  # first collection
T2 = datetime(2025, 3, 14, 12, 0)  # second collection
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)

SITES_CSV = """id,name,operator,country,commodity,lat,lon,coord_precision_km,annual_output_t,route,places
bisie,Bisie,Alphamin Resources,CD,tin,-1.033,27.733,0,17300,-1.033:27.733;-1.418:28.050;-1.380:28.390;-1.430:28.620,Walikale:-1.418:28.050
kamoto,Kamoto,"=HYPERLINK(""http://evil.example"")",CD,cobalt,-10.716,25.398,0,25000,,
kansanshi,Kansanshi,First Quantum,ZM,copper,-12.09,26.43,0,,,
"""  # noqa: E501

#: (stored at, source, id, event day, published, type, sub type, fatalities, lat, lon, place, actor1, notes)
EVENTS = [
    (T1, "acled", "DRC1", date(2025, 3, 9), datetime(2025, 3, 10, 8), "battles",
     "Non-state actor overtakes territory", 4, -1.430, 28.620, "=cmd|' /C calc'!A0", "+M23", "@SUM(A1)"),
    (T1, "acled", "DRC2", date(2025, 3, 5), datetime(2025, 3, 6, 9), "battles", "Armed clash", 2, -1.418,
     28.050, "Walikale", "M23", "-5 dead, says a local source"),
    (T1, "gdelt", "9001", date(2025, 3, 10), datetime(2025, 3, 11, 10), "battles", "CAMEO 190: Use force", 0,
     -1.400, 28.060, "Walikale", "REBEL", ""),
    (T1, "acled", "ZMB1", date(2025, 3, 11), datetime(2025, 3, 11, 7), "protests", "Peaceful protest", 0,
     -12.100, 26.400, "Solwezi", "Miners", "Workers protested"),
    (T2, "acled", "DRC3", date(2025, 3, 12), datetime(2025, 3, 12, 9), "battles",
     "Non-state actor overtakes territory", 7, -1.380, 28.390, "Kashebere", "M23", "Rebels took Kashebere"),
    (T2, "acled", "DRC4", date(2025, 3, 13), datetime(2025, 3, 14, 10), "battles", "Armed clash", 3, -1.418,
     28.050, "Walikale", "M23", "Clashes at Walikale"),
]  # fmt: skip
#: (stored at, id, published, title, kind, confidence)
NOTICES = [
    (T2, "alphamin-suspends", datetime(2025, 3, 13, 18), "Alphamin Resources suspends operations at Bisie",
     "halt", 0.9),
]  # fmt: skip


@dataclass
class Scenario:
    pipeline: Pipeline
    store: Store
    clock: dict[str, datetime]

    def query(self, panel: str, **options: object) -> Query:
        options.setdefault("start", "2025-03-01")
        options.setdefault("end", "2025-03-20")
        return parse_query(panel, self.store, NOW, **options)  # type: ignore[arg-type]

    def export(self, panel: str, fmt: str, path: Path, *, fast: bool = True, **options: object) -> Path:
        write_file(self.pipeline, self.query(panel, **options), path, fmt, fast=fast)  # type: ignore[arg-type]
        return path


def _event_frame(rows: list[tuple]) -> pd.DataFrame:  # type: ignore[type-arg]
    return pd.DataFrame(
        [
            {
                "source": src, "source_id": sid, "event_date": day, "published_at": pub, "type": kind,
                "sub_type": sub, "actor1": actor, "actor2": "FARDC" if src == "acled" else "",
                "fatalities": dead, "lat": lat, "lon": lon, "geo_precision": 1, "location": place,
                "country": "ZM" if lat < -5 else "CD", "admin1": "Nord-Kivu" if lat > -5 else "North-Western",
                "notes": notes,
                "url": "https://news.example/a" if src == "gdelt" else "",
            }
            for _, src, sid, day, pub, kind, sub, dead, lat, lon, place, actor, notes in rows
        ],
        columns=list(EVENT_COLUMNS),
    )  # fmt: skip


def build_scenario(store: Store, settings: Settings | None = None) -> Scenario:
    """Three sites, events and a halt notice collected in two runs (T1, T2), matched and scored."""
    clock = {"now": T1}
    pipeline = Pipeline(store, settings or Settings(), lambda: clock["now"])
    pipeline.load_sites(sites.parse_sites_csv(SITES_CSV, origin="user", now=T1))
    for stored_at in (T1, T2):
        clock["now"] = stored_at
        store.insert_events(_event_frame([e for e in EVENTS if e[0] == stored_at]), stored_at)
        notices = [
            {"source": "alphamin", "source_id": sid, "url": f"https://alphamin.example/{sid}",
             "published_at": pub, "title": title, "summary": "Operations stop while the front approaches.",
             "language": "en", "kind": kind, "confidence": conf}
            for at, sid, pub, title, kind, conf in NOTICES if at == stored_at
        ]  # fmt: skip
        if notices:
            store.insert_notices(
                pd.DataFrame(notices, columns=[*NOTICE_COLUMNS, "kind", "confidence"]), stored_at
            )
        pipeline.match()
    clock["now"] = NOW.replace(tzinfo=None)
    return Scenario(pipeline, store, clock)


@pytest.fixture
def scenario(fresh_store: Store) -> Scenario:
    return build_scenario(fresh_store)


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# ---- vintages ----
def test_a_vintage_leaves_out_rows_stored_or_published_after_it(scenario: Scenario, tmp_path: Path) -> None:
    path = scenario.export("events", "csv", tmp_path / "e.csv", as_known_at="2025-03-10T18:00:00Z")
    # DRC1 and DRC2 were stored at T1 and public before; 9001 and ZMB1 were stored at T1 but published on
    # the 11th; DRC3 was public on the 12th but only stored on the 14th.
    assert sorted(_csv(path)["source_id"]) == ["DRC1", "DRC2"]
    later = scenario.export("events", "csv", tmp_path / "l.csv", as_known_at="2025-03-14T11:00:00Z")
    assert sorted(_csv(later)["source_id"]) == ["9001", "DRC1", "DRC2", "ZMB1"]
    # DRC4 was published at 10:00 on the 14th and stored at noon: both by 12:00, so it is in.
    after = scenario.export("events", "csv", tmp_path / "a.csv", as_known_at="2025-03-14T12:00:00Z")
    assert sorted(_csv(after)["source_id"]) == ["9001", "DRC1", "DRC2", "DRC3", "DRC4", "ZMB1"]


def test_a_row_is_in_a_vintage_exactly_when_stored_and_public_by_then(
    scenario: Scenario, tmp_path: Path
) -> None:
    for moment in (
        "2025-03-10T11:59:59Z",
        "2025-03-10T12:00:00Z",
        "2025-03-12T00:00:00Z",
        "2025-03-14T12:00:00Z",
    ):
        path = scenario.export("events", "csv", tmp_path / "e.csv", as_known_at=moment)
        got = set(_csv(path)["source_id"])
        cut = datetime.fromisoformat(moment).replace(tzinfo=None)
        expected = {e[2] for e in EVENTS if e[0] <= cut and e[4] <= cut}
        assert got == expected, moment


def test_no_score_day_after_the_vintage_and_late_rows_do_not_change_earlier_days(
    scenario: Scenario, tmp_path: Path
) -> None:
    vintage = _csv(scenario.export("risk", "csv", tmp_path / "v.csv", as_known_at="2025-03-13T12:00:00Z"))
    assert vintage["date"].max() == "2025-03-13"
    live = _csv(scenario.export("risk", "csv", tmp_path / "r.csv"))
    assert live["date"].max() == "2025-03-20"
    on = lambda frame, day: frame[(frame["site_id"] == "bisie") & (frame["date"] == day)].iloc[0]  # noqa: E731
    # Kashebere (DRC3) fell on the 12th and was public that day, but minewatch only stored it on the 14th:
    # today's panel counts it on the 12th, the vintage of the 13th cannot.
    assert float(on(live, "2025-03-12")["route"]) > float(on(vintage, "2025-03-12")["route"])
    assert on(live, "2025-03-12")["top_event_id"] == "acled:DRC3"
    assert "acled:DRC3" not in set(vintage["top_event_id"])
    # The suspension was published at 18:00 on the 13th and stored on the 14th: not halted in the vintage.
    assert on(vintage, "2025-03-13")["status"] == "operating"
    assert on(live, "2025-03-14")["status"] == "halted"


def test_the_day_of_the_vintage_is_scored_with_what_was_known_at_that_moment(
    scenario: Scenario, tmp_path: Path
) -> None:
    early = _csv(scenario.export("risk", "csv", tmp_path / "a.csv", as_known_at="2025-03-14T11:00:00Z"))
    late = _csv(scenario.export("risk", "csv", tmp_path / "b.csv", as_known_at="2025-03-14T12:00:00Z"))
    bisie = lambda f: f[(f["site_id"] == "bisie") & (f["date"] == "2025-03-14")].iloc[0]  # noqa: E731
    assert bisie(early)["status"] == "operating"  # the notice was not stored yet at 11:00
    assert bisie(late)["status"] == "halted"
    assert bisie(late)["risk"] == "100"


def test_a_vintage_at_now_gives_the_live_panel_byte_for_byte(scenario: Scenario, tmp_path: Path) -> None:
    for panel in ("risk", "supply", "events", "notices"):
        live = scenario.export(panel, "csv", tmp_path / f"{panel}.csv").read_bytes()
        now = scenario.export(panel, "csv", tmp_path / f"{panel}-v.csv", as_known_at="2025-03-20T12:00:00Z")
        assert now.read_bytes() == live, panel


def test_a_vintage_never_replaces_the_stored_scores(scenario: Scenario, tmp_path: Path) -> None:
    scenario.export("risk", "csv", tmp_path / "r.csv")
    before = sql.frame(
        scenario.store, "SELECT site_id, date, risk, computed_at FROM score ORDER BY site_id, date"
    )
    scenario.export("risk", "csv", tmp_path / "v.csv", as_known_at="2025-03-11T00:00:00Z")
    after = sql.frame(
        scenario.store, "SELECT site_id, date, risk, computed_at FROM score ORDER BY site_id, date"
    )
    pd.testing.assert_frame_equal(before, after)
    with pytest.raises(ValueError, match="must not replace"):
        scenario.pipeline.score([date(2025, 3, 1)], known_by=T1)


# ---- stored scores ----
def test_stored_scores_are_reused_only_while_current(scenario: Scenario) -> None:
    days = [date(2025, 3, d) for d in range(1, 6)]
    assert scenario.pipeline.ensure_scored(days) == days  # none stored yet
    assert scenario.pipeline.ensure_scored(days) == []  # stored and current
    execute(scenario.store, "DELETE FROM score_day WHERE date = :d", {"d": days[2]})
    assert scenario.pipeline.ensure_scored(days) == [days[2]]  # a day no longer marked scored
    scenario.clock["now"] = datetime(2025, 3, 20, 13, 0)  # an hour later the registry is reloaded
    scenario.pipeline.load_sites(sites.parse_sites_csv(SITES_CSV, origin="user", now=T2))
    assert scenario.pipeline.ensure_scored(days) == []  # as it stood: nothing changed
    # One site of three changed: rescored in place at the load, so the days stay current.
    moved = SITES_CSV.replace("ZM,copper,-12.09,26.43", "ZM,copper,-12.19,26.43")
    assert scenario.pipeline.load_sites(sites.parse_sites_csv(moved, origin="user", now=T2)) == 1
    assert scenario.pipeline.ensure_scored(days) == []
    # Most of the registry changed: scored over.
    grown = SITES_CSV.replace(",0,", ",1,")
    assert scenario.pipeline.load_sites(sites.parse_sites_csv(grown, origin="user", now=T2)) == 3
    assert scenario.pipeline.ensure_scored(days) == days
    other = Settings(scoring=ScoringSettings(p0=5.0))
    assert params_hash(other.scoring) != params_hash(scenario.pipeline.settings.scoring)
    changed = Pipeline(scenario.store, other, scenario.pipeline.now)
    assert changed.ensure_scored(days) == days  # other scoring parameters
    assert changed.ensure_scored(days) == []


def test_the_risk_export_matches_the_scoring_model(scenario: Scenario, tmp_path: Path) -> None:
    path = scenario.export("risk", "csv", tmp_path / "r.csv")
    frame = pd.read_csv(path, keep_default_na=False)
    expected = risk_frame(scenario.pipeline, [date(2025, 3, 1) + pd.Timedelta(days=i) for i in range(20)])
    assert list(frame.columns) == list(SCHEMAS["risk"].names)
    assert len(frame) == len(expected) == 20 * 3
    merged = frame.merge(expected.assign(date=expected["date"].astype(str)), on=["date", "site_id"])
    for column in ("risk", "conflict", "route", "notice", "events_30d", "fatalities_30d"):
        assert (merged[f"{column}_x"].astype(float) == merged[f"{column}_y"].astype(float)).all(), column
    assert (merged["top_event_id_x"] == merged["top_event_id_y"].fillna("")).all()


# ---- reproducibility ----
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("panel", ["risk", "supply", "events", "notices"])
def test_the_same_panel_exported_twice_is_byte_identical(
    scenario: Scenario, tmp_path: Path, panel: str, fmt: str
) -> None:
    first = scenario.export(panel, fmt, tmp_path / f"a.{fmt}", as_known_at=None)
    scenario.clock["now"] = datetime(2025, 3, 20, 13, 0)  # later wall clock: nothing in the files may change
    second = scenario.export(panel, fmt, tmp_path / f"b.{fmt}")
    assert first.read_bytes() == second.read_bytes()
    if fmt == "csv":
        assert Path(f"{first}.json").read_bytes() == Path(f"{second}.json").read_bytes()
    vintage_a = scenario.export(panel, fmt, tmp_path / f"va.{fmt}", as_known_at="2025-03-14T12:00:00Z")
    vintage_b = scenario.export(panel, fmt, tmp_path / f"vb.{fmt}", as_known_at="2025-03-14T12:00:00Z")
    assert vintage_a.read_bytes() == vintage_b.read_bytes()


@pytest.mark.parametrize("panel", ["risk", "supply", "events", "notices"])
def test_the_fast_and_the_portable_readers_write_the_same_bytes(
    scenario: Scenario, tmp_path: Path, panel: str
) -> None:
    for fmt in ("csv", "parquet"):
        fast = scenario.export(panel, fmt, tmp_path / f"f.{fmt}", fast=True)
        slow = scenario.export(panel, fmt, tmp_path / f"s.{fmt}", fast=False)
        assert fast.read_bytes() == slow.read_bytes(), fmt


@pytest.mark.parametrize("panel", ["risk", "supply"])
def test_scores_read_through_the_sqlite_driver_write_the_same_bytes(
    scenario: Scenario, tmp_path: Path, panel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if scenario.store.dialect != "sqlite":
        pytest.skip("the SQLite worker process")
    scenario.pipeline.score(scenario.query(panel).days)  # stored, so that the export reads them
    cursor = {fmt: scenario.export(panel, fmt, tmp_path / f"c.{fmt}").read_bytes() for fmt in FORMATS}
    monkeypatch.setattr(arrow, "DRIVER_MIN_ROWS", 1)  # every read of scores is large enough
    queries: list[str] = []
    through_worker = arrow._SqliteWorker.read

    def read(worker: arrow._SqliteWorker, query: str, params: dict[str, object]) -> object:
        queries.append(query)
        return through_worker(worker, query, params)

    monkeypatch.setattr(arrow._SqliteWorker, "read", read)
    for fmt in FORMATS:
        assert scenario.export(panel, fmt, tmp_path / f"d.{fmt}").read_bytes() == cursor[fmt], fmt
    assert any("FROM score s" in q for q in queries)


def test_the_sidecar_names_schema_parameters_vintage_filters_and_sources(
    scenario: Scenario, tmp_path: Path
) -> None:
    path = scenario.export("risk", "csv", tmp_path / "r.csv", site=["bisie"], as_known_at="2025-03-14T12:00Z")
    meta = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
    assert meta["schema_version"] == SCHEMAS["risk"].version
    assert [c["name"] for c in meta["columns"]] == list(SCHEMAS["risk"].names)
    assert meta["scoring_params_hash"] == params_hash(scenario.pipeline.settings.scoring)
    assert meta["generated_at"] == "2025-03-14T12:00:00Z"
    assert meta["filters"] == {
        "from": "2025-03-01", "to": "2025-03-14", "site": ["bisie"], "commodity": [], "country": [],
        "as_known_at": "2025-03-14T12:00:00Z",
    }  # fmt: skip
    assert "www.acleddata.com" in meta["attribution"]["acled"]
    assert {"gdelt", "ucdp"} <= set(meta["attribution"])
    assert meta["rows"] == 14
    assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    live = json.loads(Path(f"{scenario.export('risk', 'csv', tmp_path / 'l.csv')}.json").read_text("utf-8"))
    assert live["generated_at"] == "2025-03-14T12:00:00Z"  # the newest stored row, not the wall clock
    assert live["filters"]["as_known_at"] is None


def test_parquet_files_are_typed_and_carry_the_metadata(scenario: Scenario, tmp_path: Path) -> None:
    path = scenario.export("events", "parquet", tmp_path / "e.parquet", as_known_at="2025-03-14T12:00:00Z")
    table = pq.read_table(path)
    assert table.schema.names == list(SCHEMAS["events"].names)
    types = {f.name: str(f.type) for f in table.schema}
    assert types["event_date"] == "date32[day]"
    assert types["first_seen_at"] == "timestamp[us, tz=UTC]"
    assert types["fatalities"] == "int64" and types["lat"] == "double"
    meta = json.loads(pq.read_schema(path).metadata[b"minewatch"])
    assert meta["panel"] == "events" and meta["schema_version"] == SCHEMAS["events"].version
    assert meta["generated_at"] == "2025-03-14T12:00:00Z" and meta["format"] == "parquet"
    first_seen = table.column("first_seen_at").to_pylist()
    assert all(t <= datetime(2025, 3, 14, 12, tzinfo=UTC) for t in first_seen)
    # Parquet keeps text as it is: no formula neutralisation in typed files.
    assert "=cmd|' /C calc'!A0" in table.column("location").to_pylist()


# ---- CSV safety and format ----
def test_formula_like_text_is_neutralised_in_csv_unless_raw(scenario: Scenario, tmp_path: Path) -> None:
    safe = _csv(scenario.export("events", "csv", tmp_path / "e.csv"))
    drc1 = safe[safe["source_id"] == "DRC1"].iloc[0]
    assert drc1["location"] == "'=cmd|' /C calc'!A0"
    assert drc1["actor1"] == "'+M23" and drc1["notes"] == "'@SUM(A1)"
    assert safe[safe["source_id"] == "DRC2"].iloc[0]["notes"] == "'-5 dead, says a local source"
    assert drc1["lat"] == "-1.43"  # numbers are never touched
    raw = _csv(scenario.export("events", "csv", tmp_path / "r.csv", raw=True))
    assert raw[raw["source_id"] == "DRC1"].iloc[0]["location"] == "=cmd|' /C calc'!A0"
    risk = _csv(scenario.export("risk", "csv", tmp_path / "k.csv", site=["kamoto"]))
    assert set(risk["operator"]) == {'\'=HYPERLINK("http://evil.example")'}
    meta = json.loads((tmp_path / "r.csv.json").read_text("utf-8"))
    assert meta["formula_neutralised"] is False


def test_csv_cells_are_iso_utc_and_quoted_only_when_needed(scenario: Scenario, tmp_path: Path) -> None:
    text = scenario.export("notices", "csv", tmp_path / "n.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(SCHEMAS["notices"].names)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["published_at"] == "2025-03-13T18:00:00Z"
    assert row["first_seen_at"] == "2025-03-14T12:00:00Z" and row["known_at"] == "2025-03-13T18:00:00Z"
    assert row["site_ids"] == "bisie" and row["kind"] == "halt" and row["confidence"] == "0.9"
    assert ",alphamin,alphamin-suspends," in lines[1]  # plain text is not quoted
    assert text.endswith("\n") and "\r" not in text


def test_a_notice_naming_only_an_operator_of_several_sites_exports_the_mention_and_no_site(
    scenario: Scenario, tmp_path: Path
) -> None:
    second = (
        "id,name,operator,country,commodity,lat,lon,coord_precision_km\n"
        "sentinel,Sentinel,First Quantum,ZM,copper,-12.2,25.9,2\n"
    )
    scenario.pipeline.load_sites(sites.parse_sites_csv(second, origin="user", now=T2))
    notice = {
        "source": "fqm", "source_id": "fqm-1", "url": "", "published_at": datetime(2025, 3, 15, 9),
        "title": "First Quantum lowers its copper guidance", "summary": "", "language": "en",
        "kind": "guidance_cut", "confidence": 0.9, "cue": 'title: "lowers its copper guidance"',
    }  # fmt: skip
    scenario.store.insert_notices(pd.DataFrame([notice]), scenario.clock["now"])
    scenario.pipeline.match()
    frame = _csv(scenario.export("notices", "csv", tmp_path / "n.csv"))
    row = frame[frame["source_id"] == "fqm-1"].iloc[0]
    assert (row["site_ids"], row["operators"]) == ("", "First Quantum")
    assert row["cue"] == 'title: "lowers its copper guidance"'
    halt = frame[frame["source_id"] == "alphamin-suspends"].iloc[0]
    assert (halt["site_ids"], halt["operators"]) == ("bisie", "")  # Alphamin has one site: tied to it


# ---- derived-only ----
def test_derived_only_leaves_acled_text_out_and_keeps_the_rest(scenario: Scenario, tmp_path: Path) -> None:
    frame = _csv(scenario.export("events", "csv", tmp_path / "e.csv", derived_only=True))
    acled = frame[frame["source"] == "acled"]
    for column in panels.ACLED_TEXT_COLUMNS:
        assert (acled[column] == "").all(), column
    assert set(acled["source_id"]) == {"DRC1", "DRC2", "DRC3", "DRC4", "ZMB1"}  # the rows stay, as references
    assert (acled["fatalities"] != "").all() and (acled["type"] != "").all()
    gdelt = frame[frame["source"] == "gdelt"].iloc[0]
    assert gdelt["actor1"] == "REBEL" and gdelt["location"] == "Walikale"
    meta = json.loads((tmp_path / "e.csv.json").read_text("utf-8"))
    assert meta["derived_only"] is True


# ---- filters ----
def test_filters_select_sites_commodities_and_countries(scenario: Scenario, tmp_path: Path) -> None:
    risk = _csv(scenario.export("risk", "csv", tmp_path / "a.csv", site=["bisie,kamoto"]))
    assert set(risk["site_id"]) == {"bisie", "kamoto"} and len(risk) == 40
    assert set(_csv(scenario.export("risk", "csv", tmp_path / "b.csv", commodity=["TIN"]))["site_id"]) == {
        "bisie"
    }
    assert set(_csv(scenario.export("risk", "csv", tmp_path / "c.csv", country=["zm"]))["site_id"]) == {
        "kansanshi"
    }
    supply = _csv(scenario.export("supply", "csv", tmp_path / "s.csv", country=["CD"]))
    assert set(supply["commodity"]) == {"tin", "cobalt"}
    events = _csv(scenario.export("events", "csv", tmp_path / "e.csv", site=["bisie"]))
    assert "ZMB1" not in set(events["source_id"]) and "DRC1" in set(events["source_id"])
    assert set(_csv(scenario.export("events", "csv", tmp_path / "f.csv", country=["ZM"]))["source_id"]) == {
        "ZMB1"
    }
    notices = _csv(scenario.export("notices", "csv", tmp_path / "n.csv", site=["kamoto"]))
    assert notices.empty and list(notices.columns) == list(SCHEMAS["notices"].names)
    days = _csv(scenario.export("risk", "csv", tmp_path / "d.csv", start="2025-03-05", end="2025-03-07"))
    assert sorted(set(days["date"])) == ["2025-03-05", "2025-03-06", "2025-03-07"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"start": "2025-02-30"}, "from '2025-02-30': expected a date like 2025-03-14"),
        ({"start": "2025-03-10", "end": "2025-03-01"}, "from 2025-03-10 is after to 2025-03-01"),
        ({"site": ["bisie", "atlantis"]}, "unknown site 'atlantis'"),
        ({"commodity": ["unobtainium"]}, "unknown commodity 'unobtainium'"),
        ({"country": ["COD"]}, "country 'COD': expected an ISO 3166-1 alpha-2 code"),
        ({"as_known_at": "2025-03-14"}, "give a date and time"),
        ({"as_known_at": "2025-03-14T25:00"}, "expected an ISO date and time like"),
        ({"as_known_at": "2025-03-21T00:00:00Z"}, "is in the future"),
        ({"start": "2025-03-15", "end": None, "as_known_at": "2025-03-14T12:00Z"}, "is after to 2025-03-14"),
    ],
)
def test_bad_options_are_refused_with_the_reason(
    scenario: Scenario, options: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        scenario.query("risk", **options)


def test_to_is_capped_at_today_and_defaults_to_thirty_days(scenario: Scenario) -> None:
    query = parse_query("risk", scenario.store, NOW, end="2025-12-31")
    assert (query.start, query.end) == (date(2025, 2, 19), date(2025, 3, 20))
    vintage = parse_query("events", scenario.store, NOW, as_known_at="2025-03-12T06:00:00+02:00")
    assert vintage.as_known_at == datetime(2025, 3, 12, 4, 0) and vintage.end == date(2025, 3, 12)


# ---- alerts ----
def test_alerts_export_lists_alerts_with_their_deliveries_as_known_then(
    scenario: Scenario, tmp_path: Path
) -> None:
    def alert(n: int, created: datetime, kind: str, payload: dict[str, object]) -> dict[str, object]:
        return {
            "id": n, "fingerprint": f"fp{n}", "kind": kind, "episode": "2025-03-13",
            "site_id": "" if kind == "feed_stale" else "bisie",
            "title": f"Bisie {kind}", "status": "notified", "reason": "", "created_at": created,
            "updated_at": created, "payload": payload,
        }  # fmt: skip

    acled_source = {"source": "acled", "title": "Armed clash at Walikale", "url": ""}
    scenario.store.upsert(
        models.Alert,
        [
            alert(1, datetime(2025, 3, 14, 12, 5), "halt", {"level": "halted", "risk": 100.0,
                  "summary": "Bisie halted", "occurred_at": "2025-03-13T18:00:00Z",
                  "sources": [{"source": "alphamin", "url": "u"}]}),
            alert(2, datetime(2025, 3, 15, 9, 0), "front_line", {"level": "high", "risk": 61.5,
                  "summary": "Armed clash at Walikale, 55 km", "sources": [acled_source]}),
            alert(3, datetime(2025, 3, 14, 8, 0), "feed_stale", {"summary": "gdelt has not run for 6 hours"}),
        ],
        key=("id",),
    )  # fmt: skip
    queued = datetime(2025, 3, 14, 12, 5)
    deliveries = [
        {"id": 1, "alert_id": 1, "channel": "slack", "group_key": "", "attempts": 1, "last_error": "",
         "next_attempt_at": None, "delivered_at": datetime(2025, 3, 14, 12, 6), "created_at": queued},
        {"id": 2, "alert_id": 1, "channel": "email", "group_key": "", "attempts": 1, "last_error": "",
         "next_attempt_at": None, "delivered_at": datetime(2025, 3, 16), "created_at": queued},
    ]  # fmt: skip
    scenario.store.upsert(models.Delivery, deliveries, key=("id",))
    live = _csv(scenario.export("alerts", "csv", tmp_path / "a.csv"))
    assert list(live.columns) == list(SCHEMAS["alerts"].names)
    assert list(live["kind"]) == ["feed_stale", "halt", "front_line"]
    assert live.iloc[0]["site_id"] == "" and live.iloc[0]["risk"] == "" and live.iloc[0]["level"] == ""
    live = live.iloc[1:]
    halt = live.iloc[0]
    assert halt["site_name"] == "Bisie" and halt["commodity"] == "tin" and halt["risk"] == "100"
    assert halt["delivered_to"] == "email;slack" and halt["pending_to"] == ""
    assert halt["occurred_at"] == "2025-03-13T18:00:00Z"
    then = _csv(scenario.export("alerts", "csv", tmp_path / "v.csv", as_known_at="2025-03-15T00:00:00Z"))
    assert list(then["kind"]) == ["feed_stale", "halt"]
    then = then.iloc[1:]
    assert then.iloc[0]["delivered_to"] == "slack" and then.iloc[0]["pending_to"] == "email"
    derived = _csv(scenario.export("alerts", "csv", tmp_path / "d.csv", derived_only=True))
    front = derived[derived["kind"] == "front_line"].iloc[0]
    assert front["summary"] == "" and front["title"] == "" and front["level"] == "high"
    assert derived[derived["kind"] == "halt"].iloc[0]["summary"] == "Bisie halted"
    assert _csv(scenario.export("alerts", "csv", tmp_path / "k.csv", site=["kamoto"])).empty
    bisie = _csv(scenario.export("alerts", "csv", tmp_path / "b.csv", site=["bisie"]))
    assert list(bisie["kind"]) == ["halt", "front_line"] and list(bisie["risk"]) == ["100", "61.5"]


# ---- incidents, the front line, verdicts ----
def test_the_events_export_names_each_row_s_incident_and_its_reporting(
    scenario: Scenario, tmp_path: Path
) -> None:
    # A well-sourced GDELT report of the Walikale clashes of the 13th, public before ACLED's row: one
    # incident, named by that first report.
    report = _event_frame(
        [(T2, "gdelt", "9002", date(2025, 3, 13), datetime(2025, 3, 13, 20), "battles",
          "CAMEO 193: Fight with small arms and light weapons", 0, -1.418, 28.050, "Walikale", "M23", "")]
    ).assign(num_sources=6, num_articles=14)  # fmt: skip
    scenario.store.insert_events(report, T2)
    scenario.pipeline.match()
    rows = _csv(scenario.export("events", "csv", tmp_path / "e.csv")).set_index("source_id")
    assert rows.loc["DRC4", "incident_id"] == rows.loc["9002", "incident_id"] == "gdelt:9002"
    assert rows.loc["DRC1", "incident_id"] == "acled:DRC1"  # an incident of its own
    assert (rows.loc["9002", "num_sources"], rows.loc["9002", "num_articles"]) == ("6", "14")
    assert (rows.loc["DRC4", "num_sources"], rows.loc["DRC4", "num_articles"]) == ("1", "1")


def test_the_risk_export_carries_the_front_line(scenario: Scenario, tmp_path: Path) -> None:
    rows = _csv(scenario.export("risk", "csv", tmp_path / "r.csv", site="bisie")).set_index("date")
    # DRC1 (9 March, 108 km east) is the front until DRC3 (Kashebere, 12 March, 83 km, public that day).
    assert float(rows.loc["2025-03-10", "front_km"]) == pytest.approx(108.0, abs=0.1)
    assert float(rows.loc["2025-03-12", "front_km"]) == pytest.approx(82.6, abs=0.1)
    assert rows.loc["2025-03-12", "front_actor"] == "M23"
    # M23 held nothing within reach a week before the 12th: no pace yet, so no countdown.
    assert rows.loc["2025-03-12", ["front_km_change_7d", "front_days_to_radius"]].tolist() == ["", ""]
    assert float(rows.loc["2025-03-19", "front_km_change_7d"]) == pytest.approx(0.0)  # DRC3 a week on
    assert rows.loc["2025-03-08", "front_km"] == ""  # no takeover yet


def test_verdicts_are_exported_on_their_events_and_as_their_own_panel(
    scenario: Scenario, tmp_path: Path
) -> None:
    event = int(sql.scalar(scenario.store, "SELECT id FROM event WHERE source_id = 'DRC2'"))
    given = datetime(2025, 3, 16, 9, 0)
    first = scenario.store.add_feedback(
        "event", event, "wrong_place", by="ana", at=given, note="Goma, not here"
    )
    scenario.store.add_feedback("event", event, "wrong_site", by="ben", at=given, site_id="kamoto")
    scenario.store.revoke_feedback(first, by="ana", at=datetime(2025, 3, 18, 9, 0))
    rows = _csv(scenario.export("events", "csv", tmp_path / "e.csv")).set_index("source_id")
    assert rows.loc["DRC2", "verdict"] == "wrong_site:kamoto"  # the revoked one is no longer in force
    then = scenario.export("events", "csv", tmp_path / "t.csv", as_known_at="2025-03-17T00:00:00Z")
    assert _csv(then).set_index("source_id").loc["DRC2", "verdict"] == "wrong_place;wrong_site:kamoto"
    verdicts = _csv(scenario.export("feedback", "csv", tmp_path / "f.csv"))
    assert verdicts[
        ["target", "target_ref", "verdict", "site_id", "created_by", "revoked_by"]
    ].values.tolist() == [
        ["event", "acled:DRC2", "wrong_place", "", "ana", "ana"],
        ["event", "acled:DRC2", "wrong_site", "kamoto", "ben", ""],
    ]
    assert verdicts.loc[0, "note"] == "Goma, not here"
    vintage = _csv(scenario.export("feedback", "csv", tmp_path / "v.csv", as_known_at="2025-03-17T00:00:00Z"))
    assert vintage["revoked_at"].tolist() == ["", ""]  # the revocation came later


# ---- schemas ----
#: sha256 of each panel's column spec, per schema version. Changing a panel's columns without bumping its
#: version fails here; after a bump, add the new version's hash (and keep the old ones).
PINNED_SPECS: dict[str, dict[int, str]] = {
    "risk": {
        1: "29125f4f5a581265234bce6068d1072105bc1978f2eb333534cffcdc3b45e0e3",
        2: "100b8f095628931c3197ac9e40c69a15ac0a78753ad1e623726b1d3dea4298a5",
    },
    "supply": {
        1: "ecc3d71e3c29964d94f11af53f48c12a0bca0a49eb667bb594bcd81f9ae1449b",
        2: "328b20d9a23578f409e310961ddf507a5820730e863ab5273c8015c22a26bc4c",
    },
    "events": {
        1: "7ceeb24523c462151d47bbfc6346a19fb63368f583a7d7d994a423013dcf3f88",
        2: "267f44195d33bfe1ec0970790aa467a6edc8ff6d8aa2ff74cd733a61f6ec5100",
    },
    "notices": {
        1: "4396358b0623d234db3552bfd2a9add0860f6d3410eb27d1023b95fb67572b5c",
        2: "cc11c558923f413daf2f39b1b2105806fbc7da9c087996ebee3875d0a12cd260",
    },
    "alerts": {1: "0a0de494bada9ff300bfecdebff7df3af99d02e5782df289a4f09950e743e1b0"},
    "feedback": {1: "6f683bfe201ef82ee218d0ea487aac110a5257098e2e4d9e313f5ff84d0f2cb0"},
}


@pytest.mark.parametrize("panel", sorted(SCHEMAS))
def test_a_column_change_needs_a_schema_version_bump(panel: str) -> None:
    schema = SCHEMAS[panel]
    pinned = PINNED_SPECS[panel].get(schema.version)
    assert pinned is not None, f"{panel} v{schema.version}: pin its spec hash {schema.spec_hash()}"
    assert schema.spec_hash() == pinned, (
        f"the {panel} columns changed: bump its schema version and pin {schema.spec_hash()}"
    )


@pytest.mark.parametrize("panel", sorted(SCHEMAS))
def test_the_exports_page_documents_each_panel_s_columns_and_version_as_its_schema_defines_them(
    panel: str,
) -> None:
    page = (Path(__file__).resolve().parents[3] / "docs" / "exports.md").read_text(encoding="utf-8")
    assert markdown_table(SCHEMAS[panel]) in page, f"docs/exports.md's {panel} table differs from its schema"
    heading = next(line for line in page.splitlines() if line.startswith(f"## `{panel}`: "))
    assert heading.endswith(f"(schema version {SCHEMAS[panel].version})"), heading
    assert f"| `{panel}` | {SCHEMAS[panel].version} |" in page, (
        f"docs/exports.md's panel list: {panel}'s version"
    )


def test_every_export_writes_its_schema_columns_even_when_empty(scenario: Scenario, tmp_path: Path) -> None:
    for panel in ("risk", "supply", "events", "notices"):
        empty = {"start": "2025-01-01", "end": "2025-01-02", "site": ["kansanshi"]}
        csv_path = scenario.export(panel, "csv", tmp_path / f"{panel}.csv", **empty)
        header = csv_path.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == list(SCHEMAS[panel].names)
        parquet = scenario.export(panel, "parquet", tmp_path / f"{panel}.parquet", **empty)
        assert pq.read_schema(parquet).names == list(SCHEMAS[panel].names)


# ---- the command line ----
def test_the_cli_writes_the_same_bytes_and_reports_bad_options_in_one_line(
    tmp_path: Path, database_url: str
) -> None:
    from tests.monitor.test_cli import Cli

    store = Store.from_url(database_url)
    store.create_schema()
    scenario = build_scenario(store)
    expected = scenario.export(
        "risk", "csv", tmp_path / "lib.csv", site=["bisie"], as_known_at="2025-03-14T12:00Z"
    )
    cli = Cli(tmp_path, database_url)
    out = tmp_path / "cli.csv"
    result = cli("export", "risk", "--out", str(out), "--from", "2025-03-01", "--site", "bisie",
                 "--as-known-at", "2025-03-14T12:00:00Z")  # fmt: skip
    assert "wrote 14 rows (2025-03-01 to 2025-03-14)" in result.stdout
    assert out.read_bytes() == expected.read_bytes()
    meta = json.loads(Path(f"{out}.json").read_text("utf-8"))
    assert meta["rows"] == 14 and meta["filters"]["site"] == ["bisie"]
    bad = cli("export", "events", "--out", str(tmp_path / "x.csv"), "--country", "Congo", ok=False)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "error: country 'CONGO': expected an ISO 3166-1 alpha-2 code such as CD"
    ]
    assert not (tmp_path / "x.csv").exists()
    store.engine.dispose()
