from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from feeds.rows import EVENT_COLUMNS
from feeds.ucdp import UcdpCollector, parse_api_rows, parse_file
from monitor.config import HttpSettings, UcdpSettings
from monitor.errors import AuthError, FeedError, InputError
from monitor.net.http import RetryingRequester, make_client
from monitor.reads import sql
from monitor.store import Store
from tests.loopback import LoopbackServer, Request, Response

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ucdp"
TOKEN = "ucdp-test-token"
VERSION = "25.0.3"
PATH = f"/api/gedevents/{VERSION}"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _serve_pages(req: Request) -> Response:
    if req.headers.get("x-ucdp-access-token") != TOKEN:
        return Response(401, '{"message": "A valid access token is required"}')
    page = int(req.arg("page") or 0)
    name = f"gedevents_page_{page}.json"
    if not (FIXTURES / name).exists():
        empty = {"TotalCount": 5, "TotalPages": 3, "PreviousPageUrl": "", "NextPageUrl": "", "Result": []}
        return Response(200, json.dumps(empty), {"Content-Type": "application/json"})
    return Response(200, (FIXTURES / name).read_bytes(), {"Content-Type": "application/json"})


@pytest.fixture
def requester() -> Iterator[RetryingRequester]:
    http = HttpSettings(retries=1, backoff_s=0)
    client = make_client(http)
    yield RetryingRequester(client, http, sleep=lambda _s: None)
    client.close()


def _collector(server: LoopbackServer, token: str | None = TOKEN) -> UcdpCollector:
    settings = UcdpSettings(
        enabled=True,
        base_url=server.url("/api"),
        version=VERSION,
        token=SecretStr(token) if token else None,
        page_size=2,
    )
    return UcdpCollector(settings)


def test_collect_follows_next_page_url_sending_the_token_each_time(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    server.route("GET", PATH, _serve_pages)
    batches = list(_collector(server).collect(requester, None))

    assert [len(b.records) for b in batches] == [2, 2, 1]
    hits = server.hits(PATH)
    # NextPageUrl names ucdpapi.pcr.uu.se: it is followed by path and query on the configured host
    assert [(r.arg("pagesize"), r.arg("page")) for r in hits] == [("2", "0"), ("2", "1"), ("2", "2")]
    assert {r.headers.get("x-ucdp-access-token") for r in hits} == {TOKEN}
    assert [b.watermark for b in batches] == [f"{VERSION}:2", f"{VERSION}:4", f"{VERSION}:5"]
    ids = [i for b in batches for i in b.records["source_id"]]
    assert ids == ["552101", "552102", "552103", "552104", "552105"]


def test_collect_resumes_at_the_page_holding_the_watermark_row(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    server.route("GET", PATH, _serve_pages)
    batches = list(_collector(server).collect(requester, f"{VERSION}:4"))
    assert [r.arg("page") for r in server.hits(PATH)] == ["2"]
    assert [b.watermark for b in batches] == [f"{VERSION}:5"]


def test_a_watermark_of_another_version_starts_from_the_first_page(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    server.route("GET", PATH, _serve_pages)
    list(_collector(server).collect(requester, "24.1:4000"))
    assert [r.arg("page") for r in server.hits(PATH)] == ["0", "1", "2"]


def test_a_missing_token_raises_auth_error_naming_the_env_var(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    with pytest.raises(AuthError, match="MINEWATCH_UCDP_TOKEN"):
        list(_collector(server, token=None).collect(requester, None))
    assert server.requests == []


def test_a_refused_token_raises_auth_error(server: LoopbackServer, requester: RetryingRequester) -> None:
    server.route("GET", PATH, _serve_pages)
    with pytest.raises(AuthError, match=r"refused the token.*HTTP 401"):
        list(_collector(server, token="expired-token").collect(requester, None))


def test_a_next_page_url_that_does_not_advance_raises_feed_error(
    server: LoopbackServer, requester: RetryingRequester
) -> None:
    body = _fixture("gedevents_page_0.json")
    body["NextPageUrl"] = f"https://ucdpapi.pcr.uu.se{PATH}?pagesize=2&page=0"
    server.route("GET", PATH, Response(200, json.dumps(body), {"Content-Type": "application/json"}))
    with pytest.raises(FeedError, match="points back to page 0"):
        list(_collector(server).collect(requester, None))


def test_rows_map_onto_the_acled_taxonomy() -> None:
    rows = [r for n in range(3) for r in _fixture(f"gedevents_page_{n}.json")["Result"]]
    batch = parse_api_rows(rows)
    events = batch.records.set_index("source_id")

    assert list(batch.records.columns) == list(EVENT_COLUMNS)
    assert batch.rejected == []
    assert batch.watermark is None
    assert events.loc["552101"].to_dict() == {
        "source": "ucdp",
        "event_date": date(2025, 3, 9),
        "published_at": None,
        "type": "battles",
        "sub_type": "UCDP state-based conflict",
        "actor1": "Government of DR Congo (Zaire)",
        "actor2": "M23",
        "fatalities": 6,
        "lat": -1.362,
        "lon": 28.829,
        "geo_precision": 1,
        "location": "Nyabiondo village",
        "country": "CD",
        "admin1": "Nord Kivu province",
        "notes": "Government of DR Congo (Zaire) - M23: Nyabiondo, Masisi territory",
        "url": "",
    }
    assert events.loc["552104", ["type", "sub_type", "geo_precision"]].tolist() == [
        "violence_against_civilians",
        "UCDP one-sided violence",
        2,
    ]
    assert events.loc["552105", ["type", "sub_type", "geo_precision"]].tolist() == [
        "battles",
        "UCDP non-state conflict",
        2,
    ]


def test_malformed_rows_are_rejected_by_id_while_good_rows_pass() -> None:
    rows = _fixture("gedevents_malformed.json")["Result"]
    batch = parse_api_rows(rows)

    assert list(batch.records["source_id"]) == ["552201", "552208"]
    assert [(r.ref, r.reason) for r in batch.rejected] == [
        ("id=552202", "latitude is missing"),
        ("id=552203", "date_start 'not a date' is not a date (expected 2025-03-09)"),
        ("id=552204", "type_of_violence 4 is not 1, 2 or 3"),
        ("id=552205", "best -3 is below 0"),
        ("row 6", "id is missing"),
        ("id=552207", "where_prec 9 is not 1 to 7; longitude 'east' is not a number"),
    ]
    assert json.loads(batch.rejected[0].raw) == rows[1]


def test_rows_lacking_a_required_field_everywhere_raise_input_error() -> None:
    rows = [{k: v for k, v in r.items() if k != "best"} for r in _fixture("gedevents_page_0.json")["Result"]]
    with pytest.raises(InputError, match="lack required fields: best"):
        parse_api_rows(rows)


def test_parse_file_accepts_a_saved_response_or_a_list_of_rows(tmp_path: Path) -> None:
    assert list(parse_file(FIXTURES / "gedevents_page_1.json").records["source_id"]) == ["552103", "552104"]
    listing = tmp_path / "rows.json"
    listing.write_text(json.dumps(_fixture("gedevents_page_2.json")["Result"]), encoding="utf-8")
    assert list(parse_file(listing).records["source_id"]) == ["552105"]
    broken = tmp_path / "broken.json"
    broken.write_text('{"Result": 3}', encoding="utf-8")
    with pytest.raises(InputError, match="'Result' list"):
        parse_file(broken)


def test_storing_the_same_page_twice_keeps_each_event_once(fresh_store: Store, now: datetime) -> None:
    rows = _fixture("gedevents_page_0.json")["Result"]
    first = fresh_store.insert_events(parse_api_rows(rows).records, now)
    again = fresh_store.insert_events(parse_api_rows(rows).records, now)
    assert (first.inserted, again.inserted, again.duplicates) == (2, 0, 2)
    assert sql.scalar(fresh_store, "select count(*) from event where source = 'ucdp'") == 2
