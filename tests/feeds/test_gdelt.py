from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feeds import gdelt
from feeds.cameo import event_type, sub_type
from feeds.fips import fips_to_iso
from feeds.rows import EVENT_COLUMNS
from monitor.config import GdeltSettings, HttpSettings, Settings
from monitor.errors import FeedError, InputError
from monitor.net.http import RetryingRequester, make_client
from monitor.pipeline import Pipeline
from monitor.reads import sql
from monitor.store import Store
from tests.conftest import FIXTURES
from tests.loopback import LoopbackServer, Request, Response

EXPORT = FIXTURES / "gdelt" / "20250313091500.export.CSV"
STAMP = "20250313091500"
BISIE = (-1.033, 27.733)


def _sample(shared_dir: Path) -> Path:
    path = shared_dir / "data" / "gdelt" / "20250807220000.export.CSV"
    if not path.is_file():
        pytest.skip(f"the real GDELT sample is not present ({path})")
    return path


def within_km(radius_km: float, lat0: float, lon0: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A keep filter: haversine distance to one point below ``radius_km``."""

    def keep(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        p1, p2 = np.radians(lat0), np.radians(lat)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon - lon0) / 2) ** 2
        return 2 * 6371.0 * np.arcsin(np.sqrt(a)) < radius_km

    return keep


def zipped(data: bytes, name: str = f"{STAMP}.export.CSV") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def serve_export(
    server: LoopbackServer, payload: bytes, *, md5: str | None = None, stamp: str = STAMP
) -> str:
    """Route lastupdate.txt (export, mentions, gkg lines) and the export zip; return the zip's path."""
    zip_path = f"/gdeltv2/{stamp}.export.CSV.zip"
    digest = md5 or hashlib.md5(payload).hexdigest()
    listing = (
        f"{len(payload)} {digest} {server.url(zip_path)}\n"
        f"9120 0f6c52b8e1a3d7f4a9b2c5e8d1f40a7b {server.url(f'/gdeltv2/{stamp}.mentions.CSV.zip')}\n"
        f"88012 5a9e3c7b1d2f4e6a8c0b9d7e5f3a1c2b {server.url(f'/gdeltv2/{stamp}.gkg.csv.zip')}\n"
    )
    server.route("GET", "/gdeltv2/lastupdate.txt", Response(200, listing, {"Content-Type": "text/plain"}))
    server.route("GET", zip_path, Response(200, payload, {"Content-Type": "application/zip"}))
    return zip_path


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def requester(sleeps: list[float]) -> RetryingRequester:
    settings = HttpSettings(retries=2, backoff_s=0.5, timeout_s=5)
    return RetryingRequester(make_client(settings), settings, sleep=sleeps.append)


def collector(
    server: LoopbackServer, keep: gdelt.KeepFilter | None = None, *, catch_up_max_files: int = 96
) -> gdelt.GdeltCollector:
    settings = GdeltSettings(
        lastupdate_url=server.url("/gdeltv2/lastupdate.txt"), catch_up_max_files=catch_up_max_files
    )
    return gdelt.GdeltCollector(settings, keep)


# ---- the real sample export ------------------------------------------------------------------------------


def test_the_real_export_keeps_only_placed_lead_events_of_violence_and_counts_every_drop(
    shared_dir: Path,
) -> None:
    table = gdelt.read_export(_sample(shared_dir).read_bytes())
    roots = table.columns[gdelt.ROOT_CODE].value_counts()
    counts = [int(roots.get(root, 0)) for root in ("14", "15", "16", "17", "18", "19", "20")]
    assert counts == [3, 2, 9, 46, 28, 37, 0]

    batch = gdelt.parse_file(_sample(shared_dir))
    assert (batch.fetched, batch.malformed, batch.rejected) == (909, 0, [])
    assert batch.dropped == {
        "not_conflict": 784,  # roots 01-13
        "not_violence": 60,  # 14x marches, 15x, 16x, 17x (visa policy, arrests): 3 + 2 + 9 + 46
        "not_root_event": 17,
        "unplaced": 1,
        "region_centroid": 31,  # country and ADM1 centroids
        "duplicate_url": 4,  # one article read as several events
    }
    assert len(batch.records) == 12
    assert batch.fetched == len(batch.records) + sum(batch.dropped.values())
    assert batch.watermark == "20250807220000"
    assert list(batch.records.columns) == [*EVENT_COLUMNS, *gdelt.REPORT_COLUMNS]
    violent = {"battles", "violence_against_civilians", "explosions_remote_violence"}
    assert set(batch.records["type"]) <= violent
    assert not batch.records["sub_type"].str.startswith("CAMEO 17").any()  # no coercion, no visa policy
    assert set(batch.records["geo_precision"]) == {1}
    # Every one of them is a single-source story: scoring gives such a row no weight of its own.
    assert set(batch.records["num_sources"]) == {1}
    assert set(batch.records["published_at"]) == {pd.Timestamp("2025-08-07 22:00:00")}


def test_one_article_read_as_two_events_is_kept_once(shared_dir: Path) -> None:
    table = gdelt.read_export(_sample(shared_dir).read_bytes())
    assert int((table.columns[gdelt.GEO_COUNTRY] == "CG").sum()) == 6

    records = gdelt.parse_file(_sample(shared_dir)).records
    congo = records[records["location"].str.contains("Democratic Republic Of The Congo")]
    # 1256322803 and 1256323011: the same mpox article, both coded 190 at Kinshasa; the lower id stays.
    assert congo["source_id"].tolist() == ["1256322803"]
    assert (congo["country"].iloc[0], congo["sub_type"].iloc[0]) == (
        "CD",
        "CAMEO 190: Use conventional military force",
    )


def test_codes_stay_strings_with_their_zeros_and_case(shared_dir: Path) -> None:
    table = gdelt.read_export(_sample(shared_dir).read_bytes())
    first = table.columns.iloc[0]
    assert (first[gdelt.EVENT_CODE], first[gdelt.ROOT_CODE]) == ("080", "08")
    assert {"bre", "sco", "dak"} <= set(table.columns[5]) | set(table.columns[15])  # Actor1Code, Actor2Code

    records = gdelt.parse_file(_sample(shared_dir)).records.set_index("source_id")
    assert "1256323678" not in records.index  # Actor1Code "sco", event 163: sanctions are not violence
    assert records.loc["1256323244", "sub_type"] == "CAMEO 193: Fight with small arms and light weapons"


def test_non_ascii_place_names_survive(shared_dir: Path) -> None:
    table = gdelt.read_export(_sample(shared_dir).read_bytes())
    assert (table.columns[gdelt.GEO_NAME] == "Hornstrandir, VestfirðIC, Iceland").sum() == 1

    records = gdelt.parse_file(_sample(shared_dir)).records.set_index("source_id")
    athens = records.loc["1256323244"]
    assert athens["location"] == "Athens, AttikíR, Greece"
    assert (athens["country"], athens["type"]) == ("GR", "battles")


# ---- our fixture export ----------------------------------------------------------------------------------


def test_the_fixture_export_is_typed_and_placed() -> None:
    batch = gdelt.parse_export(EXPORT.read_bytes())
    records = batch.records.set_index("source_id")
    assert sorted(records.index) == ["1300000001", "1300000002", "1300000003", "1300000008"]
    assert records["type"].to_dict() == {
        "1300000001": "battles",
        "1300000002": "explosions_remote_violence",
        "1300000003": "riots",
        "1300000008": "violence_against_civilians",
    }
    walikale = records.loc["1300000001"]
    assert walikale["sub_type"] == "CAMEO 193: Fight with small arms and light weapons"
    assert (walikale["actor1"], walikale["actor2"]) == ("REBEL", "CONGOLESE ARMY")
    assert (walikale["lat"], walikale["lon"], walikale["geo_precision"]) == (-1.418, 28.05, 1)
    assert (walikale["country"], walikale["admin1"]) == ("CD", "Nord-Kivu")  # named, as ACLED does
    assert walikale["event_date"] == date(2025, 3, 12)
    assert walikale["published_at"] == datetime(2025, 3, 13, 9, 15)
    assert (walikale["fatalities"], walikale["notes"]) == (0, "")
    assert walikale["url"] == "https://news.example.org/walikale-clashes"
    assert (walikale["num_sources"], walikale["num_articles"]) == (1, 4)
    assert batch.watermark == STAMP


def test_the_fixture_export_counts_each_line_it_drops_under_its_first_reason() -> None:
    batch = gdelt.parse_export(EXPORT.read_bytes())
    assert batch.dropped == {
        "not_conflict": 2,  # 1300000005 (042) and line 15 (010, its bad date never examined)
        "not_violence": 3,  # 1300000004 march (141), 1300000007 arrests (173), 1300000010 sanctions (163)
        "unplaced": 1,  # 1300000006: ActionGeo_Type 0
        "region_centroid": 1,  # 1300000009: the Nord-Kivu centroid (ActionGeo_Type 5)
    }
    assert batch.fetched == 15 == len(batch.records) + len(batch.rejected) + sum(batch.dropped.values())


def test_malformed_lines_are_rejected_with_their_reasons() -> None:
    batch = gdelt.parse_export(EXPORT.read_bytes())
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    assert [(r.ref, r.reason) for r in batch.rejected] == [
        ("line 11", "expected 61 tab-separated fields, found 60"),
        ("line 12", "expected 61 tab-separated fields, found 62"),
        ("line 13", "SQLDATE '2025031' is not a date (YYYYMMDD)"),
        ("line 14", "ActionGeo_Lat 'abc' is not a number"),
    ]
    assert [r.raw for r in batch.rejected] == [lines[10], lines[11], lines[12], lines[13]]
    assert batch.malformed == 2


def test_rows_without_coordinates_are_counted_not_rejected() -> None:
    batch = gdelt.parse_export(EXPORT.read_bytes())
    assert batch.dropped["unplaced"] == 1  # 1300000006: ActionGeo_Type 0
    assert "1300000006" not in set(batch.records["source_id"])
    assert not any("1300000006" in r.raw for r in batch.rejected)


def test_rows_outside_roots_14_to_20_are_not_examined() -> None:
    batch = gdelt.parse_export(EXPORT.read_bytes())
    assert "1300000005" not in set(batch.records["source_id"])  # root 04, well-formed
    assert not any(r.ref == "line 15" for r in batch.rejected)  # root 01 with a bad SQLDATE


def test_the_keep_filter_drops_far_events_after_the_other_filters() -> None:
    seen: list[int] = []

    def keep(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        seen.append(len(lat))
        return within_km(250, *BISIE)(lat, lon)

    batch = gdelt.parse_export(EXPORT.read_bytes(), keep)
    assert sorted(batch.records["source_id"]) == ["1300000001", "1300000002"]
    assert batch.dropped["far_from_sites"] == 2  # Kinshasa, Bunia
    assert seen == [4]  # called once, on the placed violent lead events only


def test_a_keep_mask_of_the_wrong_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="shape"):
        gdelt.parse_export(EXPORT.read_bytes(), lambda lat, lon: np.ones(2, dtype=bool))


def test_an_empty_export_parses_to_no_events() -> None:
    batch = gdelt.parse_export(b"")
    assert (batch.fetched, len(batch.records), batch.rejected, batch.watermark) == (0, 0, [], None)
    assert list(batch.records.columns) == [*EVENT_COLUMNS, *gdelt.REPORT_COLUMNS]


def test_parsed_events_are_stored_once(fresh_store: Store, now: datetime) -> None:
    records = gdelt.parse_export(EXPORT.read_bytes()).records
    first = fresh_store.insert_events(records, now)
    again = fresh_store.insert_events(records, now)
    assert (first.inserted, again.inserted, again.duplicates) == (4, 0, 4)
    stored = sql.frame(
        fresh_store, "select source_id, event_date, country, sub_type from event where source='gdelt'"
    )
    row = stored.set_index("source_id").loc["1300000002"]
    assert (row["country"], row["sub_type"]) == ("CD", "CAMEO 1833: Carry out roadside bombing")
    assert str(row["event_date"])[:10] == "2025-03-12"


# ---- files for `minewatch import gdelt` ------------------------------------------------------------------


def test_parse_file_reads_the_csv_or_the_zip_gdelt_serves(tmp_path: Path) -> None:
    archive = tmp_path / f"{STAMP}.export.CSV.zip"
    archive.write_bytes(zipped(EXPORT.read_bytes()))
    from_zip = gdelt.parse_file(archive)
    from_csv = gdelt.parse_file(EXPORT)
    pd.testing.assert_frame_equal(from_zip.records, from_csv.records)
    assert from_zip.rejected == from_csv.rejected


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("events.csv", b"event_id_cnty,event_date\nCOD1,2025-03-01\n", "not a GDELT 2.0 event export"),
        ("broken.zip", b"PK\x03\x04 not really a zip", "not a zip file"),
        ("missing.CSV", None, "cannot read"),
    ],
)
def test_parse_file_refuses_files_it_cannot_use(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        gdelt.parse_file(path)


# ---- lastupdate.txt and the collector --------------------------------------------------------------------


def test_lastupdate_names_the_export_zip_among_three_files() -> None:
    text = (
        "150383 297a16b493de7cf6ca809a7cc31d0b93 http://data.gdeltproject.org/gdeltv2/20250313091500.export.CSV.zip\n"
        "318084 bb27f78ba45f69a17ea6ed7755e9f8ff http://data.gdeltproject.org/gdeltv2/20250313091500.mentions.CSV.zip\n"
        "10768507 ea8dde0beb0ba98810a92db068c0ce99 http://data.gdeltproject.org/gdeltv2/20250313091500.gkg.csv.zip\n"
    )
    export = gdelt.parse_lastupdate(text)
    assert export == gdelt.ExportFile(
        150383,
        "297a16b493de7cf6ca809a7cc31d0b93",
        "http://data.gdeltproject.org/gdeltv2/20250313091500.export.CSV.zip",
        "20250313091500",
    )


def test_lastupdate_without_an_export_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="export"):
        gdelt.parse_lastupdate("<html>maintenance</html>\n")


def test_the_newest_export_is_fetched_verified_and_parsed(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    zip_path = serve_export(server, zipped(EXPORT.read_bytes()))
    batches = list(collector(server).collect(requester, since="20250313090000"))
    assert len(batches) == 1
    batch = batches[0]
    assert batch.watermark == STAMP
    assert len(batch.records) == 4
    assert [r.ref for r in batch.rejected] == ["line 11", "line 12", "line 13", "line 14"]
    assert len(server.hits(zip_path)) == 1
    assert [r.path for r in server.requests] == ["/gdeltv2/lastupdate.txt", zip_path]


def test_an_export_already_collected_is_not_fetched_again(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    zip_path = serve_export(server, zipped(EXPORT.read_bytes()))
    assert list(collector(server).collect(requester, since=STAMP)) == []
    assert list(collector(server).collect(requester, since="20250313093000")) == []
    assert server.hits(zip_path) == []
    assert len(server.hits("/gdeltv2/lastupdate.txt")) == 2


def test_an_md5_mismatch_is_a_feed_error(server: LoopbackServer, requester: RetryingRequester) -> None:
    serve_export(server, zipped(EXPORT.read_bytes()), md5="0" * 32)
    with pytest.raises(FeedError, match="md5"):
        list(collector(server).collect(requester, since=None))


def test_a_server_error_is_retried_then_the_export_is_collected(
    server: LoopbackServer, requester: RetryingRequester, sleeps: list[float]
) -> None:
    zip_path = serve_export(server, zipped(EXPORT.read_bytes()))
    served = server.routes[("GET", zip_path)]
    calls: list[str] = []

    def flaky(request: Request) -> Response:
        calls.append(request.path)
        return Response(500, b"busy") if len(calls) == 1 else served(request)

    server.route("GET", zip_path, flaky)
    batches = list(collector(server).collect(requester, since=None))
    assert len(calls) == 2
    assert sleeps == [0.5]
    assert len(batches[0].records) == 4


def test_a_zip_that_is_not_an_export_is_a_feed_error(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    serve_export(server, b"<html>not a zip</html>")
    with pytest.raises(FeedError, match="not a zip file"):
        list(collector(server).collect(requester, since=None))


def test_the_collector_applies_the_keep_filter(server: LoopbackServer, requester: RetryingRequester) -> None:
    serve_export(server, zipped(EXPORT.read_bytes()))
    (batch,) = collector(server, within_km(250, *BISIE)).collect(requester, since=None)
    assert sorted(batch.records["source_id"]) == ["1300000001", "1300000002"]


# ---- catching up on missed exports ------------------------------------------------------------------------

NEWEST = "20250314121500"
HOUR_AGO = "20250314111500"  # the watermark after a scheduler down for an hour: three exports missed
MISSED = ["20250314113000", "20250314114500", "20250314120000"]
#: Two placed conflict rows of the fixture (Walikale 193, Goma 1833) to stamp into each export.
TEMPLATE = EXPORT.read_text(encoding="utf-8").splitlines()[:2]


def export_at(stamp: str) -> bytes:
    """The text of an export added at ``stamp``: the two template rows with ids and articles unique to that
    stamp (the same article under a new id would be one report, dropped as ``duplicate_url``)."""
    lines = []
    for i, line in enumerate(TEMPLATE):
        fields = line.split("\t")
        fields[gdelt.EVENT_ID] = f"{stamp[4:12]}{i}"  # MMDDHHMM + row
        fields[gdelt.DATEADDED] = stamp
        fields[gdelt.SOURCEURL] += f"/{stamp}"
        lines.append("\t".join(fields))
    return ("\n".join(lines) + "\n").encode()


def ids_at(stamp: str) -> list[str]:
    return [f"{stamp[4:12]}{i}" for i in range(len(TEMPLATE))]


def zip_path_of(stamp: str) -> str:
    return f"/gdeltv2/{stamp}.export.CSV.zip"


def serve_exports(server: LoopbackServer, older: list[str], newest: str = NEWEST) -> None:
    """Serve lastupdate.txt naming ``newest``, and the zips of ``newest`` and of every ``older`` stamp."""
    for stamp in older:
        payload = zipped(export_at(stamp), name=f"{stamp}.export.CSV")
        server.route("GET", zip_path_of(stamp), Response(200, payload, {"Content-Type": "application/zip"}))
    serve_export(server, zipped(export_at(newest), name=f"{newest}.export.CSV"), stamp=newest)


def zips_requested(server: LoopbackServer) -> list[str]:
    return [r.path for r in server.requests if r.path.endswith(".zip")]


def quarter_hours(first: str, count: int) -> list[str]:
    start = datetime.strptime(first, "%Y%m%d%H%M%S")
    return [(start + gdelt.EXPORT_INTERVAL * i).strftime("%Y%m%d%H%M%S") for i in range(count)]


@pytest.fixture
def pipeline(fresh_store: Store, now: datetime) -> Pipeline:
    return Pipeline(fresh_store, Settings(), lambda: now)


def test_missed_exports_are_fetched_oldest_first_then_the_newest(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    serve_exports(server, MISSED)
    batches = list(collector(server).collect(requester, since=HOUR_AGO))
    assert [b.watermark for b in batches] == [*MISSED, NEWEST]
    assert [sorted(b.records["source_id"]) for b in batches] == [ids_at(s) for s in [*MISSED, NEWEST]]
    assert [str(b.records["published_at"].iloc[0]) for b in batches] == [
        "2025-03-14 11:30:00",
        "2025-03-14 11:45:00",
        "2025-03-14 12:00:00",
        "2025-03-14 12:15:00",
    ]
    assert [r.path for r in server.requests] == [
        "/gdeltv2/lastupdate.txt",
        *(zip_path_of(s) for s in [*MISSED, NEWEST]),
    ]


def test_a_watermark_off_the_quarter_hour_catches_up_from_the_next_export(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    serve_exports(server, MISSED)
    batches = list(collector(server).collect(requester, since="20250314114000"))
    assert [b.watermark for b in batches] == ["20250314114500", "20250314120000", NEWEST]


def test_the_first_run_takes_only_the_newest_export(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    serve_exports(server, MISSED)
    batches = list(collector(server).collect(requester, since=None))
    assert [b.watermark for b in batches] == [NEWEST]
    assert zips_requested(server) == [zip_path_of(NEWEST)]


def test_caught_up_events_are_stored_once_and_a_rerun_stores_nothing_new(
    pipeline: Pipeline, server: LoopbackServer, requester: RetryingRequester, now: datetime
) -> None:
    store = pipeline.store
    store.set_watermark("gdelt", HOUR_AGO, now)
    serve_exports(server, MISSED)

    (first,) = pipeline.collect([collector(server)], requester)
    assert (first.status, first.stored, first.duplicates) == ("ok", 8, 0)
    assert store.get_watermark("gdelt") == NEWEST
    stored = sql.frame(store, "SELECT source_id FROM event WHERE source = 'gdelt'")
    assert sorted(stored["source_id"]) == sorted(i for s in [*MISSED, NEWEST] for i in ids_at(s))

    (again,) = pipeline.collect([collector(server)], requester)
    assert (again.status, again.stored, again.fetched) == ("ok", 0, 0)
    assert len(zips_requested(server)) == 4  # the second run read lastupdate.txt only

    store.set_watermark("gdelt", HOUR_AGO, now)  # e.g. a watermark restored from a backup
    (replayed,) = pipeline.collect([collector(server)], requester)
    assert (replayed.status, replayed.stored, replayed.duplicates) == ("ok", 0, 8)
    assert int(sql.scalar(store, "SELECT COUNT(*) FROM event")) == 8


def test_a_missed_export_gdelt_does_not_have_is_passed_over(
    pipeline: Pipeline,
    server: LoopbackServer,
    requester: RetryingRequester,
    now: datetime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gap = MISSED[1]
    pipeline.store.set_watermark("gdelt", HOUR_AGO, now)
    serve_exports(server, [MISSED[0], MISSED[2]])  # the loopback server answers 404 for the gap

    with caplog.at_level(logging.WARNING, logger="feeds.gdelt"):
        (report,) = pipeline.collect([collector(server)], requester)
    assert (report.status, report.stored) == ("ok", 6)
    assert pipeline.store.get_watermark("gdelt") == NEWEST
    assert zips_requested(server) == [zip_path_of(s) for s in [*MISSED, NEWEST]]
    assert len(server.hits(zip_path_of(gap))) == 1  # a 404 is not retried
    assert any(gap in r.getMessage() and "404" in r.getMessage() for r in caplog.records)


def test_a_server_error_midway_keeps_the_exports_stored_before_it(
    pipeline: Pipeline,
    server: LoopbackServer,
    requester: RetryingRequester,
    now: datetime,
    sleeps: list[float],
) -> None:
    store = pipeline.store
    store.set_watermark("gdelt", HOUR_AGO, now)
    serve_exports(server, MISSED)
    down = zip_path_of(MISSED[1])
    served = server.routes[("GET", down)]
    server.route("GET", down, Response(500, b"busy"))

    (failed,) = pipeline.collect([collector(server)], requester)
    assert failed.status == "failed"
    assert "HTTP 500" in failed.error
    assert failed.stored == 2
    assert store.get_watermark("gdelt") == MISSED[0]
    assert sleeps == [0.5, 1.0]  # retried twice, then the run stopped
    assert zips_requested(server) == [zip_path_of(MISSED[0]), down, down, down]
    runs = sql.frame(store, "SELECT status, stored FROM feedrun WHERE feed = 'gdelt'")
    assert runs.to_dict("records") == [{"status": "failed", "stored": 2}]

    server.route("GET", down, served)
    server.requests.clear()
    (resumed,) = pipeline.collect([collector(server)], requester)
    assert (resumed.status, resumed.stored, resumed.duplicates) == ("ok", 6, 0)
    assert zips_requested(server) == [zip_path_of(s) for s in [*MISSED[1:], NEWEST]]
    assert store.get_watermark("gdelt") == NEWEST


def test_a_missed_export_that_is_not_a_zip_is_quarantined_and_the_run_goes_on(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    serve_exports(server, MISSED)
    damaged = zip_path_of(MISSED[1])
    server.route("GET", damaged, Response(200, b"<html>maintenance</html>"))
    batches = list(collector(server).collect(requester, since=HOUR_AGO))
    assert [b.watermark for b in batches] == [*MISSED, NEWEST]
    (rejected,) = batches[1].rejected
    assert rejected.ref.endswith(damaged)
    assert "not a zip file" in rejected.reason
    assert rejected.raw == "<html>maintenance</html>"
    assert batches[1].records.empty
    assert all(not b.records.empty for b in batches if b is not batches[1])


def test_a_gap_longer_than_the_cap_fetches_the_newest_and_names_the_skipped_range(
    server: LoopbackServer, requester: RetryingRequester, caplog: pytest.LogCaptureFixture
) -> None:
    missed = quarter_hours("20250314103000", 7)  # 10:30 .. 12:00, watermark 10:15
    assert missed[-1] == "20250314120000"
    serve_exports(server, missed)

    with caplog.at_level(logging.WARNING, logger="feeds.gdelt"):
        batches = list(collector(server, catch_up_max_files=3).collect(requester, since="20250314101500"))
    assert [b.watermark for b in batches] == ["20250314114500", "20250314120000", NEWEST]
    assert zips_requested(server) == [zip_path_of(s) for s in ["20250314114500", "20250314120000", NEWEST]]
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "5 missed exports from 20250314103000 to 20250314113000" in warning
    assert "minewatch import gdelt" in warning


def test_a_cap_of_zero_disables_catch_up(
    server: LoopbackServer, requester: RetryingRequester, caplog: pytest.LogCaptureFixture
) -> None:
    serve_exports(server, MISSED)
    with caplog.at_level(logging.WARNING, logger="feeds.gdelt"):
        batches = list(collector(server, catch_up_max_files=0).collect(requester, since=HOUR_AGO))
    assert [b.watermark for b in batches] == [NEWEST]
    assert zips_requested(server) == [zip_path_of(NEWEST)]
    assert any(f"3 missed exports from {MISSED[0]} to {MISSED[-1]}" in r.getMessage() for r in caplog.records)


def test_a_gap_exactly_at_the_cap_is_fetched_whole_without_a_warning(
    server: LoopbackServer, requester: RetryingRequester, caplog: pytest.LogCaptureFixture
) -> None:
    serve_exports(server, MISSED)
    with caplog.at_level(logging.WARNING, logger="feeds.gdelt"):
        batches = list(collector(server, catch_up_max_files=4).collect(requester, since=HOUR_AGO))
    assert [b.watermark for b in batches] == [*MISSED, NEWEST]
    assert caplog.records == []


@pytest.mark.parametrize(
    ("since", "max_files", "fetch", "skipped"),
    [
        (None, 96, [], None),
        ("20250314120000", 96, [], None),  # the newest follows the watermark
        ("not-a-stamp", 96, [], None),
        ("20250314111500", 96, MISSED, None),
        ("20250314111500", 2, [MISSED[-1]], (MISSED[0], MISSED[1])),
        ("20250314111500", 1, [], (MISSED[0], MISSED[-1])),
        ("20250313121500", 96, quarter_hours("20250313123000", 95), None),  # 24 h: 95 missed + the newest
        ("20250313120000", 96, quarter_hours("20250313123000", 95), ("20250313121500", "20250313121500")),
    ],
)
def test_the_catch_up_plan_counts_quarter_hours_back_from_the_newest(
    since: str | None, max_files: int, fetch: list[str], skipped: tuple[str, str] | None
) -> None:
    plan = gdelt.plan_catch_up(since, NEWEST, max_files)
    assert (plan.fetch, plan.skipped) == (fetch, skipped)


def test_missed_export_urls_sit_beside_the_newest() -> None:
    newest = "http://data.gdeltproject.org/gdeltv2/20250314121500.export.CSV.zip"
    assert gdelt.export_url(newest, "20250314120000") == (
        "http://data.gdeltproject.org/gdeltv2/20250314120000.export.CSV.zip"
    )


# ---- CAMEO and FIPS tables -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("140", "protests"),
        ("1441", "protests"),
        ("145", "riots"),
        ("1453", "riots"),
        ("154", "strategic_developments"),
        ("163", "strategic_developments"),
        ("173", "strategic_developments"),
        ("175", "violence_against_civilians"),
        ("181", "violence_against_civilians"),
        ("183", "explosions_remote_violence"),
        ("1834", "explosions_remote_violence"),
        ("190", "battles"),
        ("192", "battles"),
        ("194", "explosions_remote_violence"),
        ("1952", "explosions_remote_violence"),
        ("202", "violence_against_civilians"),
        ("042", None),
        ("138", None),
    ],
)
def test_cameo_codes_map_onto_the_acled_taxonomy(code: str, expected: str | None) -> None:
    assert event_type(code) == expected


def test_cameo_sub_types_name_the_code_and_fall_back_to_the_base_code() -> None:
    assert sub_type("1823") == "CAMEO 1823: Kill by physical assault"
    assert sub_type("1959") == "CAMEO 1959: Employ aerial weapons"


def test_fips_codes_translate_to_iso_and_unknown_codes_to_empty() -> None:
    codes = pd.Series(["CG", "CF", "RW", "UG", "BU", "AU", "AS", "", "XX", "OS"])
    assert fips_to_iso(codes).tolist() == ["CD", "CG", "RW", "UG", "BG", "AT", "AU", "", "", ""]


def test_admin1_is_named_from_the_full_name_and_falls_back_to_the_fips_code() -> None:
    full = pd.Series(
        [
            "Walikale, Nord-Kivu, Democratic Republic Of The Congo",  # world city
            "Sud-Kivu, Sud-Kivu, Democratic Republic Of The Congo",  # world state
            "Minnesota, United States",  # US state
            "Sibley County, Minnesota, United States",  # US city
            "Rwanda",  # country
            "Somewhere",  # a city GDELT named without its unit
        ]
    )
    types = pd.Series(["4", "5", "2", "3", "1", "4"])
    codes = pd.Series(["CG11", "CG12", "USMN", "USMN", "RW", "CG11"])
    assert gdelt.admin1_names(full, types, codes).tolist() == [
        "Nord-Kivu", "Sud-Kivu", "Minnesota", "Minnesota", "", "CG11",
    ]  # fmt: skip


def test_admin1_falls_back_to_the_code_when_no_name_in_the_batch_has_a_unit() -> None:
    full = pd.Series(["Somewhere", "Elsewhere"])  # no name with two commas: the split's [-2] is all missing
    assert gdelt.admin1_names(full, pd.Series(["4", "4"]), pd.Series(["CG11", "RW"])).tolist() == [
        "CG11",
        "RW",
    ]


def test_an_export_named_on_another_host_is_not_fetched(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    listing = f"1000 {'a' * 32} http://evil.example/gdeltv2/{STAMP}.export.CSV.zip\n"
    server.route("GET", "/gdeltv2/lastupdate.txt", Response(200, listing, {"Content-Type": "text/plain"}))

    with pytest.raises(
        FeedError, match=r"names an export on evil\.example, not on 127\.0\.0\.1: not fetched"
    ):
        list(collector(server).collect(requester, None))
    assert [r.path for r in server.requests] == ["/gdeltv2/lastupdate.txt"]


@pytest.mark.parametrize(
    ("listing", "named", "fetched"),
    [
        (  # never from https down to http: the export comes the way the listing came
            "https://data.gdeltproject.org/gdeltv2/lastupdate.txt",
            f"http://data.gdeltproject.org/gdeltv2/{STAMP}.export.CSV.zip",
            f"https://data.gdeltproject.org/gdeltv2/{STAMP}.export.CSV.zip",
        ),
        (  # nor to another port of the host
            "http://data.gdeltproject.org/gdeltv2/lastupdate.txt",
            f"http://data.gdeltproject.org:8080/gdeltv2/{STAMP}.export.CSV.zip",
            f"http://data.gdeltproject.org/gdeltv2/{STAMP}.export.CSV.zip",
        ),
    ],
)
def test_an_export_is_fetched_from_the_listing_s_own_origin(listing: str, named: str, fetched: str) -> None:
    assert gdelt.export_location(listing, named) == fetched


def test_an_export_named_on_another_port_is_fetched_from_the_listing_s_server(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    payload = zipped(EXPORT.read_bytes())
    zip_path = serve_export(server, payload)
    elsewhere = f"{len(payload)} {hashlib.md5(payload).hexdigest()} http://127.0.0.1:1{zip_path}\n"
    server.route("GET", "/gdeltv2/lastupdate.txt", Response(200, elsewhere, {"Content-Type": "text/plain"}))

    batches = list(collector(server).collect(requester, since="20250313090000"))

    assert [r.path for r in server.requests] == ["/gdeltv2/lastupdate.txt", zip_path]
    assert [b.watermark for b in batches] == [STAMP]
