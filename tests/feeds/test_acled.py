from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import pytest
from pydantic import SecretStr

from feeds.acled import (
    AcledCollector,
    _last_record_end,
    parse_api_rows,
    parse_csv,
    parse_file,
    parse_file_parts,
)
from feeds.rows import EVENT_COLUMNS
from monitor.config import AcledSettings, HttpSettings
from monitor.errors import AuthError, FeedError, InputError
from monitor.net.http import RetryingRequester, make_client
from monitor.reads import sql
from monitor.store import Store
from tests.loopback import LoopbackServer, Request, Response

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "acled"
USERNAME, PASSWORD = "analyst@example.org", "correct horse"
SINCE = "1741600000"


def _page(n: int) -> dict:
    return json.loads((FIXTURES / f"read_page_{n}.json").read_text(encoding="utf-8"))


class AcledApi:
    """Stand-in for acleddata.com on the loopback server: the OAuth token endpoint and the read endpoint."""

    def __init__(self, server: LoopbackServer) -> None:
        self.grants: list[dict[str, str]] = []
        self.valid: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.issued = 0
        self.before: dict[int, list[Response]] = {}  # responses served before page N itself
        server.route("POST", "/oauth/token", self.token)
        server.route("GET", "/api/acled/read", self.read)

    def token(self, req: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        self.grants.append(form)
        if form.get("client_id") != "acled":
            return Response(400, '{"error": "invalid_client"}')
        if form.get("grant_type") == "password" and (form.get("username"), form.get("password")) != (
            USERNAME,
            PASSWORD,
        ):
            return Response(400, '{"error": "invalid_grant"}')
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") not in self.refresh_tokens:
            return Response(400, '{"error": "invalid_grant"}')
        self.issued += 1
        access, refresh = f"access-{self.issued}", f"refresh-{self.issued}"
        self.valid.add(access)
        self.refresh_tokens.add(refresh)
        body = {"token_type": "Bearer", "expires_in": 86400, "access_token": access, "refresh_token": refresh}
        return Response(200, json.dumps(body), {"Content-Type": "application/json"})

    def read(self, req: Request) -> Response:
        if req.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid:
            return Response(401, '{"message": "Unauthorized"}', {"Content-Type": "application/json"})
        page = int(req.arg("page") or 0)
        if self.before.get(page):
            return self.before[page].pop(0)
        body = _page(page) if page <= 3 else {"status": 200, "success": True, "count": 0, "data": []}
        return Response(200, json.dumps(body), {"Content-Type": "application/json"})


@pytest.fixture
def api(server: LoopbackServer) -> AcledApi:
    return AcledApi(server)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def requester(sleeps: list[float]) -> Iterator[RetryingRequester]:
    http = HttpSettings(retries=2, backoff_s=0.5)
    client = make_client(http)
    yield RetryingRequester(client, http, sleep=sleeps.append)
    client.close()


def _settings(server: LoopbackServer, **changes: object) -> AcledSettings:
    values: dict[str, object] = {
        "enabled": True,
        "base_url": server.url(""),
        "username": SecretStr(USERNAME),
        "password": SecretStr(PASSWORD),
        "page_limit": 3,
        "countries": ["Democratic Republic of Congo", "Rwanda"],
        **changes,
    }
    return AcledSettings.model_validate(values)


def _collector(server: LoopbackServer, now: datetime, **changes: object) -> AcledCollector:
    return AcledCollector(_settings(server, **changes), now=lambda: now)


# ---- collecting --------------------------------------------------------------------------------------------
def test_collect_pages_until_a_short_page_and_yields_one_batch_per_page(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    batches = list(_collector(server, now).collect(requester, SINCE))

    assert [len(b.records) for b in batches] == [3, 3, 1]
    assert [b.fetched for b in batches] == [3, 3, 1]
    reads = server.hits("/api/acled/read")
    assert [r.arg("page") for r in reads] == ["1", "2", "3"]
    for r in reads:
        assert r.headers["authorization"] == "Bearer access-1"
        assert (r.arg("_format"), r.arg("limit"), r.arg("timestamp"), r.arg("timestamp_where")) == (
            "json",
            "3",
            SINCE,
            ">",
        )
        assert r.arg("country") == "Democratic Republic of Congo|Rwanda"
    assert api.grants == [
        {"username": USERNAME, "password": PASSWORD, "grant_type": "password", "client_id": "acled"}
    ]
    ids = [i for b in batches for i in b.records["source_id"]]
    assert ids == [f"DRC3510{n}" for n in range(1, 8)]


def test_watermark_moves_to_the_newest_timestamp_only_with_the_last_page(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    batches = list(_collector(server, now).collect(requester, SINCE))
    # pages are not in timestamp order, so an interrupted pull must restart from the same lower bound
    assert [b.watermark for b in batches] == [SINCE, SINCE, "1742896953"]


def test_first_run_asks_for_rows_published_in_the_lookback_window(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    list(_collector(server, now, lookback_days=30).collect(requester, None))
    expected = int((now - timedelta(days=30)).timestamp())
    assert {r.arg("timestamp") for r in server.hits("/api/acled/read")} == {str(expected)}


def test_an_expired_token_is_refreshed_once_and_the_page_retried(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    pages = _collector(server, now).collect(requester, SINCE)
    first = next(pages)
    api.valid.clear()  # the server forgets the token between page 1 and page 2
    rest = list(pages)

    assert [len(b.records) for b in [first, *rest]] == [3, 3, 1]
    assert [g["grant_type"] for g in api.grants] == ["password", "refresh_token"]
    assert api.grants[1]["refresh_token"] == "refresh-1"
    reads = server.hits("/api/acled/read")
    assert [(r.arg("page"), r.headers["authorization"]) for r in reads] == [
        ("1", "Bearer access-1"),
        ("2", "Bearer access-1"),
        ("2", "Bearer access-2"),
        ("3", "Bearer access-2"),
    ]


def test_a_refused_refresh_token_falls_back_to_logging_in_again(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    pages = _collector(server, now).collect(requester, SINCE)
    next(pages)
    api.valid.clear()
    api.refresh_tokens.clear()
    assert sum(len(b.records) for b in pages) == 4
    assert [g["grant_type"] for g in api.grants] == ["password", "refresh_token", "password"]


def test_a_token_past_its_expiry_is_renewed_before_the_next_request(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    clock = [now]
    collector = AcledCollector(_settings(server), now=lambda: clock[0])
    pages = collector.collect(requester, SINCE)
    next(pages)
    clock[0] = now + timedelta(days=2)  # expires_in was one day
    list(pages)
    assert [g["grant_type"] for g in api.grants] == ["password", "refresh_token"]
    assert [r.arg("page") for r in server.hits("/api/acled/read")] == ["1", "2", "3"]


def test_a_token_refused_even_after_renewal_raises_auth_error(
    server: LoopbackServer, requester: RetryingRequester, now: datetime
) -> None:
    api = AcledApi(server)
    server.route("GET", "/api/acled/read", Response(401, '{"message": "Unauthorized"}'))
    with pytest.raises(AuthError, match="refused the access token"):
        list(_collector(server, now).collect(requester, SINCE))
    assert [g["grant_type"] for g in api.grants] == ["password", "refresh_token"]


def test_a_server_error_is_retried_after_the_backoff(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, sleeps: list[float], now: datetime
) -> None:
    api.before[1] = [Response(500, "upstream failed")]
    batches = list(_collector(server, now).collect(requester, SINCE))
    assert [len(b.records) for b in batches] == [3, 3, 1]
    assert sleeps == [0.5]
    assert [r.arg("page") for r in server.hits("/api/acled/read")] == ["1", "1", "2", "3"]


def test_429_waits_as_long_as_retry_after_asks(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, sleeps: list[float], now: datetime
) -> None:
    api.before[2] = [Response(429, "slow down", {"Retry-After": "7"})]
    batches = list(_collector(server, now).collect(requester, SINCE))
    assert sum(len(b.records) for b in batches) == 7
    assert sleeps == [7.0]


def test_missing_credentials_raise_auth_error_naming_the_env_vars(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    collector = _collector(server, now, username=None, password=None)
    with pytest.raises(AuthError, match=r"MINEWATCH_ACLED_USERNAME.*MINEWATCH_ACLED_PASSWORD"):
        list(collector.collect(requester, SINCE))
    assert server.requests == []


def test_a_refused_login_raises_auth_error(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    collector = _collector(server, now, password=SecretStr("wrong"))
    with pytest.raises(AuthError, match="HTTP 400"):
        list(collector.collect(requester, SINCE))
    assert server.hits("/api/acled/read") == []


def test_an_api_error_body_raises_feed_error(
    server: LoopbackServer, api: AcledApi, requester: RetryingRequester, now: datetime
) -> None:
    body = {"status": 400, "success": False, "error": {"message": "Invalid filter: country"}}
    api.before[1] = [Response(200, json.dumps(body), {"Content-Type": "application/json"})]
    with pytest.raises(FeedError, match="Invalid filter"):
        list(_collector(server, now).collect(requester, SINCE))


# ---- parsing -----------------------------------------------------------------------------------------------
def test_csv_export_with_dates_like_9_march_2025_parses_every_field() -> None:
    batch = parse_csv((FIXTURES / "export_2025-03.csv").read_bytes())

    assert list(batch.records.columns) == list(EVENT_COLUMNS)
    assert batch.rejected == []
    assert len(batch.records) == 7
    assert batch.records.iloc[0].to_dict() == {
        "source": "acled",
        "source_id": "DRC35101",
        "event_date": date(2025, 3, 9),
        "published_at": datetime(2025, 3, 11, 9, 14, 52),
        "type": "battles",
        "sub_type": "Non-state actor overtakes territory",
        "actor1": "M23: March 23 Movement",
        "actor2": "Military Forces of the Democratic Republic of Congo (2019-)",
        "fatalities": 6,
        "lat": -1.362,
        "lon": 28.829,
        "geo_precision": 1,
        "location": "Nyabiondo",
        "country": "CD",
        "admin1": "Nord-Kivu",
        "notes": batch.records.iloc[0]["notes"],
        "url": "",
    }
    assert batch.records.iloc[0]["notes"].startswith("On 9 March 2025, M23 fighters")
    assert set(batch.records["type"]) == {"battles", "strategic_developments", "violence_against_civilians"}
    assert batch.watermark == "1742896953"


def test_csv_with_iso_dates_parses_too() -> None:
    batch = parse_csv((FIXTURES / "api_export_iso_dates.csv").read_text(encoding="utf-8"))
    assert batch.rejected == []
    assert list(batch.records["event_date"]) == [date(2025, 3, 24), date(2025, 3, 26), date(2025, 3, 27)]
    assert list(batch.records["type"]) == ["explosions_remote_violence", "protests", "riots"]
    assert list(batch.records["sub_type"]) == ["Air/drone strike", "Peaceful protest", "Mob violence"]


def test_one_csv_mixing_both_date_formats_parses_every_row() -> None:
    long_dates = (FIXTURES / "export_2025-03.csv").read_text(encoding="utf-8")
    iso_rows = (FIXTURES / "api_export_iso_dates.csv").read_text(encoding="utf-8").split("\n", 1)[1]
    batch = parse_csv(long_dates + iso_rows)
    assert batch.rejected == []
    assert len(batch.records) == 10
    assert batch.records["event_date"].min() == date(2025, 3, 9)
    assert batch.records["event_date"].max() == date(2025, 3, 27)


def test_api_rows_parse_to_the_same_events_as_the_csv_export() -> None:
    rows = [row for n in (1, 2, 3) for row in _page(n)["data"]]
    from_api = parse_api_rows(rows)
    from_csv = parse_csv((FIXTURES / "export_2025-03.csv").read_bytes())
    assert from_api.rejected == []
    pd.testing.assert_frame_equal(from_api.records, from_csv.records, check_dtype=False)


def test_malformed_rows_are_rejected_with_line_and_reason_while_good_rows_pass() -> None:
    path = FIXTURES / "malformed.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    batch = parse_csv(path.read_bytes())

    assert list(batch.records["source_id"]) == ["DRC35201", "DRC35208"]
    assert [(r.ref, r.reason) for r in batch.rejected] == [
        ("line 3", "latitude '-1.5x' is not a number"),
        ("line 4", "longitude is missing"),
        (
            "line 5",
            "event_date '31 February 2025' is not a date (expected like '16 May 2025' or '2025-05-16')",
        ),
        ("line 6", "event_type 'Skirmish' is not an ACLED event type"),
        ("line 7", "event_id_cnty is missing"),
        ("line 8", "fatalities 'several' is not a number"),
        ("line 10", "latitude 95.1 is above 90; geo_precision '9' is not 1, 2 or 3"),
    ]
    assert [r.raw for r in batch.rejected] == [lines[int(r.ref.split()[1]) - 1] for r in batch.rejected]
    assert batch.watermark == "1744710011"


def test_short_rows_and_notes_spanning_lines_are_named_by_their_first_line() -> None:
    batch = parse_csv((FIXTURES / "ragged.csv").read_bytes())

    assert list(batch.records["source_id"]) == ["DRC35301", "DRC35303"]
    assert batch.records.iloc[0]["notes"].endswith("lasted two hours.")
    assert [(r.ref, r.reason) for r in batch.rejected] == [
        ("line 4", "row has 28 fields, the header has 31"),
        ("line 6", "latitude 'north' is not a number"),
    ]
    assert batch.rejected[0].raw.startswith("DRC35302,10 March 2025,")
    assert batch.fetched == 4


def test_a_csv_missing_required_columns_raises_input_error_naming_them() -> None:
    with pytest.raises(InputError, match="lacks required columns: latitude, longitude"):
        parse_csv((FIXTURES / "missing_columns.csv").read_bytes())


def test_an_empty_file_raises_input_error() -> None:
    with pytest.raises(InputError, match="empty"):
        parse_csv(b"")


def test_api_rows_are_rejected_by_event_id_with_the_row_as_json() -> None:
    good, bad = _page(1)["data"][:2]
    bad = {**bad, "longitude": "", "fatalities": "-1"}
    batch = parse_api_rows([good, bad])
    assert list(batch.records["source_id"]) == ["DRC35101"]
    assert [(r.ref, r.reason) for r in batch.rejected] == [
        ("event_id_cnty=DRC35102", "longitude is missing; fatalities -1 is below 0")
    ]
    assert json.loads(batch.rejected[0].raw) == bad


def test_a_revised_event_keeps_only_its_newest_version() -> None:
    row = _page(1)["data"][1]
    older = {**row, "fatalities": "0", "timestamp": "1741684492"}
    newer = {**row, "fatalities": "2", "timestamp": "1742287267"}
    batch = parse_api_rows([newer, older])
    assert batch.records[["source_id", "fatalities"]].to_dict("records") == [
        {"source_id": "DRC35102", "fatalities": 2}
    ]


def test_country_comes_from_the_iso_number_else_from_the_name() -> None:
    row = _page(1)["data"][0]
    rows = [
        {**row, "event_id_cnty": "A1"},
        {**row, "event_id_cnty": "A2", "iso": "", "country": "Rwanda"},
        {**row, "event_id_cnty": "A3", "iso": "0", "country": "Kosovo"},
        {**row, "event_id_cnty": "A4", "iso": "", "country": "Atlantis"},
    ]
    assert list(parse_api_rows(rows).records["country"]) == ["CD", "RW", "XK", ""]


def test_parse_file_reads_a_csv_export_or_a_saved_api_response(tmp_path: Path) -> None:
    saved = tmp_path / "acled.json"
    saved.write_text(json.dumps(_page(2)), encoding="utf-8")
    assert list(parse_file(saved).records["source_id"]) == ["DRC35104", "DRC35105", "DRC35106"]
    assert len(parse_file(FIXTURES / "export_2025-03.csv").records) == 7
    with pytest.raises(InputError, match="cannot read"):
        parse_file(tmp_path / "missing.csv")


def test_parsing_the_same_file_twice_then_storing_both_keeps_each_event_once(
    fresh_store: Store, now: datetime
) -> None:
    data = (FIXTURES / "export_2025-03.csv").read_bytes()
    first = fresh_store.insert_events(parse_csv(data).records, now)
    again = fresh_store.insert_events(parse_csv(data).records, now + timedelta(hours=1))

    assert (first.inserted, first.duplicates) == (7, 0)
    assert (again.inserted, again.duplicates) == (0, 7)
    stored = sql.frame(fresh_store, "select source_id, known_at, first_seen_at from event order by source_id")
    assert len(stored) == 7
    first_row = stored.iloc[0]
    assert pd.Timestamp(first_row["known_at"]) == pd.Timestamp("2025-03-11 09:14:52")
    assert pd.Timestamp(first_row["first_seen_at"]) == pd.Timestamp(now.astimezone(UTC).replace(tzinfo=None))


# ---- a large export, a part at a time ----
def _export_row(
    n: int, *, event_id: str | None = None, notes: str = "", lat: str = "-1.40", ts: int = 0
) -> str:
    fields = {
        "event_id_cnty": event_id or f"DRC{40000 + n}", "event_date": "10 March 2025", "year": "2025",
        "time_precision": "1", "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash", "actor1": "M23: March 23 Movement", "actor2": "Wazalendo",
        "iso": "180", "region": "Middle Africa", "country": "Democratic Republic of Congo",
        "admin1": "Nord-Kivu", "location": f"Hill {n}", "latitude": lat, "longitude": "28.81",
        "geo_precision": "2", "source": "Radio Okapi", "source_scale": "National",
        "notes": notes or f"Fighting reported near hill {n}.", "fatalities": str(n % 4),
        "timestamp": str(ts or 1741684492 + n),
    }  # fmt: skip
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow([fields.get(c, "") for c in HEADER])
    return text.getvalue()


HEADER = (FIXTURES / "export_2025-03.csv").read_text(encoding="utf-8").splitlines()[0].split(",")


def _large_export(path: Path) -> None:
    """400 rows with what makes cutting a file into parts hard: notes with line breaks and doubled quotes
    (so a record spans lines), a ragged row, a bad latitude, and one event revised twice far apart."""
    rows = []
    for n in range(400):
        if n % 37 == 0:
            rows.append(
                _export_row(n, notes=f'A convoy "stopped"\nat the bridge,\n\nthen "turned back" ({n}).')
            )
        elif n == 150:
            rows.append("DRC49999,10 March 2025,only,three fields\n")
        elif n == 223:
            rows.append(_export_row(n, lat="-191.0"))
        elif n in (10, 390):
            rows.append(_export_row(n, event_id="DRC48888", ts=1741700000 + n, notes=f"Revision at row {n}."))
        elif n == 200:  # a revision older than the first one above: the newest (row 390) must win
            rows.append(_export_row(n, event_id="DRC48888", ts=1741600000, notes="Oldest revision."))
        else:
            rows.append(_export_row(n))
    path.write_text(",".join(HEADER) + "\n" + "".join(rows), encoding="utf-8")


def test_a_large_export_parsed_a_part_at_a_time_gives_what_it_gives_parsed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    _large_export(path)
    whole = parse_file(path)
    parts = list(parse_file_parts(path, part_bytes=2_000))
    assert len(parts) > 10  # cut in many parts, some inside a record's quoted line breaks
    records = pd.concat([p.records for p in parts], ignore_index=True)
    by_id = records.sort_values("source_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(by_id, whole.records.sort_values("source_id").reset_index(drop=True))
    assert records.loc[records["source_id"] == "DRC48888", "notes"].tolist() == ["Revision at row 390."]
    assert "\n" in records.loc[records["source_id"] == "DRC40037", "notes"].iloc[0]
    rejected = sorted((r for p in parts for r in p.rejected), key=lambda r: int(r.ref.split()[1]))
    assert rejected == whole.rejected  # the file's line numbers, reasons and raw text, alike
    assert {r.reason.split()[0] for r in rejected} == {"row", "latitude"}
    assert sum(p.fetched for p in parts) == whole.fetched


def test_a_small_export_or_a_saved_api_response_is_one_part(tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps({"data": json.loads((FIXTURES / "read_page_1.json").read_text())["data"]}))
    assert [len(b.records) for b in parse_file_parts(saved, part_bytes=10)] == [
        len(parse_file(saved).records)
    ]
    small = FIXTURES / "export_2025-03.csv"
    assert [len(b.records) for b in parse_file_parts(small)] == [7]


def test_a_record_ends_only_at_a_line_break_outside_quotes() -> None:
    assert _last_record_end(b'a,"x\ny"\nb,"z') == len(b'a,"x\ny"\n')
    assert _last_record_end(b'a,"x\ny') == 0  # no record ends: the part reads on
    assert _last_record_end(b'a,"say ""hi""\n"\n') == len(b'a,"say ""hi""\n"\n')
    assert _last_record_end(b"a,b\nc,d\n") == 8
