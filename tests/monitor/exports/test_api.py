"""The HTTP export API over real HTTP on 127.0.0.1: tokens, parameters, the same bytes as the CLI, health."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from dashboards.app import create_app
from dashboards.server import RunningServer, serve_in_thread
from monitor import explanation, reads, scoring
from monitor.config import Settings
from monitor.exports import files, panels
from monitor.exports.query import day_range
from monitor.exports.schemas import SCHEMAS
from monitor.observability.health import health
from monitor.plain import plain
from monitor.store import Store
from tests.monitor.exports.test_exports import NOW, Scenario, build_scenario

TOKENS = {"MINEWATCH_API_TOKENS": " first-token , second-token ,"}
FIRST = {"Authorization": "Bearer first-token"}
SECOND = {"Authorization": "Bearer second-token"}
EXPLAIN = "/explanation.json"

Serve = Callable[..., RunningServer]


@pytest.fixture
def scenario(fresh_store: Store) -> Scenario:
    return build_scenario(fresh_store)


@pytest.fixture
def serve(scenario: Scenario) -> Iterator[Serve]:
    """Serve the dashboard (with the API) over the scenario's store; env for the app and for the server."""
    running: list[RunningServer] = []

    def start(
        app_env: dict[str, str] | None = None, server_env: dict[str, str] | None = None
    ) -> RunningServer:
        app = create_app(
            scenario.store, Settings(), now=lambda: NOW, env=TOKENS if app_env is None else app_env
        )
        server = serve_in_thread(app, "127.0.0.1", 0, env=server_env or {})
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def api(serve: Serve) -> Iterator[httpx.Client]:
    server = serve()
    with httpx.Client(base_url=f"{server.url}/api/v1", timeout=30) as client:
        yield client


def test_data_paths_need_an_accepted_bearer_token(api: httpx.Client) -> None:
    missing = api.get("/risk.csv")
    assert missing.status_code == 401
    assert missing.json()["error"].startswith("missing bearer token")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = api.get("/risk.csv", headers={"Authorization": "Bearer first-token-not"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid bearer token"
    basic = api.get("/risk.csv", headers={"Authorization": "Basic Zmlyc3QtdG9rZW4="})
    assert basic.status_code == 401
    assert api.get("/risk.csv", headers=FIRST).status_code == 200
    assert api.get("/events.parquet", headers=SECOND).status_code == 200  # every listed token works


def test_without_configured_tokens_the_data_paths_are_off_and_say_why(serve: Serve) -> None:
    server = serve(app_env={})
    with httpx.Client(base_url=f"{server.url}/api/v1") as client:
        off = client.get("/risk.csv", headers=FIRST)
        assert off.status_code == 503
        assert "MINEWATCH_API_TOKENS" in off.json()["error"]
        assert client.get("/health").status_code == 200  # health stays open


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/risk.csv", {"from": "2025-13-01"}, "from '2025-13-01': expected a date like 2025-03-14"),
        ("/risk.csv", {"site": "atlantis"}, "unknown site 'atlantis'"),
        ("/risk.csv", {"as_known_at": "2025-03-14"}, "give a date and time"),
        ("/risk.csv", {"derived_only": "maybe"}, "derived_only 'maybe': expected true or false"),
        ("/risk.csv", {"form": "2025-03-01"}, "unknown parameter 'form'"),
        (EXPLAIN, {}, "site: give one site id"),
        (EXPLAIN, {"site": "bisie,kamoto"}, "site: give one site id"),
        (EXPLAIN, {"site": "atlantis"}, "unknown site 'atlantis'"),
        (EXPLAIN, {"site": "bisie", "day": "14/03/2025"},
         "day '14/03/2025': expected a date like 2025-03-14"),
        (EXPLAIN, {"site": "bisie", "day": "2025-03-21"}, "day 2025-03-21 is after today (2025-03-20, UTC)"),
        (EXPLAIN, {"site": "bisie", "from": "2025-03-01"},
         "unknown parameter 'from' (known: site, day, as_known_at)"),
        (EXPLAIN, {"site": "bisie", "as_known_at": "2025-03-14"}, "give a date and time"),
        (EXPLAIN, {"site": "bisie", "as_known_at": "2025-03-21T00:00:00Z"}, "is in the future"),
        (EXPLAIN, {"site": "bisie", "day": "2025-03-15", "as_known_at": "2025-03-14T12:00:00Z"},
         "day 2025-03-15 is after the vintage's day (2025-03-14)"),
    ],
)  # fmt: skip
def test_a_bad_parameter_is_a_400_with_the_reason(
    api: httpx.Client, path: str, query: dict[str, str], message: str
) -> None:
    response = api.get(path, params=query, headers=FIRST)
    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.parametrize("panel", ["risk", "supply", "events", "notices"])
def test_csv_is_byte_for_byte_what_the_cli_writes(
    api: httpx.Client, scenario: Scenario, tmp_path: Path, panel: str
) -> None:
    options = {"start": "2025-03-01", "end": "2025-03-20", "as_known_at": "2025-03-14T12:00:00Z"}
    expected = scenario.export(panel, "csv", tmp_path / f"{panel}.csv", **options)
    params = {"from": "2025-03-01", "to": "2025-03-20", "as_known_at": "2025-03-14T12:00:00Z"}
    response = api.get(f"/{panel}.csv", params=params, headers=FIRST)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content == expected.read_bytes()
    sidecar = api.get(f"/{panel}.csv.json", params=params, headers=FIRST)
    assert sidecar.content == Path(f"{expected}.json").read_bytes()
    assert response.headers["x-minewatch-schema-version"] == str(
        json.loads(sidecar.content)["schema_version"]
    )
    assert response.headers["x-minewatch-generated-at"] == "2025-03-14T12:00:00Z"


def test_filters_and_flags_work_as_query_parameters(
    api: httpx.Client, scenario: Scenario, tmp_path: Path
) -> None:
    expected = scenario.export(
        "events", "csv", tmp_path / "e.csv", site=["bisie"], country=["CD"], derived_only=True, raw=True
    )
    response = api.get(
        "/events.csv",
        params=[("from", "2025-03-01"), ("to", "2025-03-20"), ("site", "bisie"), ("country", "cd"),
                ("derived_only", "true"), ("raw", "1")],
        headers=FIRST,
    )  # fmt: skip
    assert response.status_code == 200
    assert response.content == expected.read_bytes()
    assert b"=cmd" not in response.content  # derived-only: ACLED's place names are out


def test_parquet_is_readable_and_the_same_as_the_cli_file(
    api: httpx.Client, scenario: Scenario, tmp_path: Path
) -> None:
    expected = scenario.export("risk", "parquet", tmp_path / "r.parquet", site=["bisie"])
    response = api.get(
        "/risk.parquet", params={"from": "2025-03-01", "to": "2025-03-20", "site": "bisie"}, headers=FIRST
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert 'filename="risk_2025-03-01_2025-03-20.parquet"' in response.headers["content-disposition"]
    table = pq.read_table(io.BytesIO(response.content))
    assert table.schema.names == list(SCHEMAS["risk"].names) and table.num_rows == 20
    assert set(table.column("site_id").to_pylist()) == {"bisie"}
    assert response.content == expected.read_bytes()


def test_large_ranges_are_streamed_in_chunks(api: httpx.Client) -> None:
    with api.stream(
        "GET", "/risk.csv", params={"from": "2024-01-01", "to": "2025-03-20"}, headers=FIRST
    ) as r:
        assert r.status_code == 200
        assert r.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in r.headers
        lines = b"".join(r.iter_bytes()).decode().splitlines()
    assert len(lines) == 1 + 3 * ((datetime(2025, 3, 20) - datetime(2024, 1, 1)).days + 1)


def test_health_is_open_gives_each_feeds_lag_and_answers_503_when_a_feed_failed(
    api: httpx.Client, scenario: Scenario
) -> None:
    store = scenario.store
    naive = NOW.replace(tzinfo=None)
    ok = store.start_run("gdelt", naive - timedelta(hours=2))
    store.finish_run(ok, naive - timedelta(hours=1, minutes=59), status="ok")
    assert api.get("/health").status_code == 200
    failed = store.start_run("gdelt", naive - timedelta(minutes=30))
    store.finish_run(failed, naive - timedelta(minutes=29), status="failed", error="secret host down")
    response = api.get("/health")
    assert response.status_code == 503
    body = response.json()
    gdelt = next(f for f in body["feeds"] if f["feed"] == "gdelt")
    assert gdelt["last_status"] == "failed" and gdelt["last_run_at"] == "2025-03-20T11:30:00Z"
    assert gdelt["last_ok_at"] == "2025-03-20T10:01:00Z"
    assert gdelt["lag_seconds"] == 119 * 60
    assert body["status"] == "degraded"
    assert "secret" not in response.text  # error texts stay private
    enabled = Settings.model_validate({"feeds": {"ucdp": {"enabled": True}}})
    never = next(f for f in health(store, enabled, NOW)["feeds"] if f["feed"] == "ucdp")
    assert never == {"feed": "ucdp", "last_run_at": None, "last_status": None, "last_ok_at": None,
                     "lag_seconds": None}  # fmt: skip


def test_openapi_is_valid_and_lists_every_path(api: httpx.Client, serve: Serve) -> None:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    app = create_app(Store.from_url("sqlite://"), Settings(), env=TOKENS)
    served = {r.rule for r in app.server.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert served == set(document["paths"])
    assert {"/api/v1/risk.csv", "/api/v1/alerts.parquet", "/api/v1/health", "/api/v1/openapi.json"} <= served
    risk = document["components"]["schemas"]["RiskRow"]
    assert risk["x-column-order"] == list(SCHEMAS["risk"].names)


def test_the_api_keeps_its_bearer_tokens_when_the_dashboard_uses_basic_auth(serve: Serve) -> None:
    server = serve(server_env={"MINEWATCH_DASH_USER": "analyst", "MINEWATCH_DASH_PASSWORD": "pw"})
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/").status_code == 401  # the dashboard wants basic auth
        assert client.get("/api/v1/notices.csv", headers=FIRST).status_code == 200
        assert client.get("/api/v1/notices.csv").status_code == 401


def test_a_path_under_api_that_is_not_the_api_needs_the_dashboard_password(serve: Serve) -> None:
    server = serve(server_env={"MINEWATCH_DASH_USER": "analyst", "MINEWATCH_DASH_PASSWORD": "pw"})
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for path in ("/api/x", "/api/v1/nothing-here", "/api/_dash-layout"):
            response = client.get(path)
            assert response.status_code == 401, path
            assert "dash" not in response.text.lower()
        assert client.get("/api/x", auth=("analyst", "pw")).status_code == 200  # the dashboard's own 404 page


def _score_rows(store: Store) -> tuple[int, object]:
    with store.engine.connect() as conn:
        return tuple(conn.execute(sa.text("SELECT count(*), max(date) FROM score")).one())  # type: ignore[return-value]


def test_a_read_of_unscored_days_computes_them_in_memory_and_writes_nothing(
    api: httpx.Client, scenario: Scenario
) -> None:
    before = _score_rows(scenario.store)

    response = api.get("/risk.csv", params={"from": "1990-01-01", "to": "1990-12-31"}, headers=FIRST)

    assert response.status_code == 200
    assert len(response.text.splitlines()) == 1 + 365 * 3  # header, then three sites a day
    assert _score_rows(scenario.store) == before


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "0001-01-01", "to": "0001-12-31"}, "from 0001-01-01 is before 1989-01-01"),
        (
            {"from": "1989-01-01", "to": "2025-03-01"},
            "days without current stored scores in 1989-01-01..2025-03-01",
        ),
    ],
)
def test_a_read_out_of_bounds_is_a_400_before_any_byte_of_data(
    api: httpx.Client,
    scenario: Scenario,
    params: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(panels, "MAX_COMPUTED_SITE_DAYS", 3 * 366)  # a year of the scenario's three sites
    response = api.get("/supply.csv", params=params, headers=FIRST)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert _score_rows(scenario.store) == (0, None)


def _scored(scenario: Scenario, first: date, last: date) -> None:
    scenario.pipeline.score(day_range(first, last))


def test_explanation_gives_the_stored_score_and_why_it_is_what_it_is(
    api: httpx.Client, scenario: Scenario
) -> None:
    _scored(scenario, date(2025, 3, 1), date(2025, 3, 14))

    response = api.get("/explanation.json", params={"site": "bisie", "day": "2025-03-14"}, headers=FIRST)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    answer = json.loads(response.content, parse_constant=_no_constant)  # strict JSON: no NaN
    assert (answer["site_id"], answer["day"]) == ("bisie", "2025-03-14")
    stored = reads.scores.of_site(
        scenario.store, "bisie", date(2025, 3, 13), date(2025, 3, 14), ["risk", "level", "status"]
    ).iloc[0]
    assert answer["score"]["risk"] == pytest.approx(float(stored["risk"])) and answer["score"]["risk"] > 0
    assert (answer["score"]["level"], answer["score"]["status"]) == (stored["level"], stored["status"])
    assert answer["score"]["computed_at"].endswith("Z")
    events = answer["explanation"].pop("events")
    computed = scenario.pipeline.explanation_of("bisie", date(2025, 3, 14))
    assert [{k: v for k, v in e.items() if k != "event_ref"} for e in events] == computed.pop("events")
    assert answer["explanation"] == json.loads(json.dumps(computed, default=str))
    # Each cited event by the reference the exports use: the scenario's ACLED events near Bisie's road.
    assert {e["event_ref"] for e in events} == {"acled:DRC1", "acled:DRC2", "acled:DRC3", "acled:DRC4"}
    assert answer["scoring_params_hash"] == panels_metadata_hash(scenario)


def test_explanation_of_a_day_not_scored_is_the_newest_scored_day_before_it(
    api: httpx.Client, scenario: Scenario
) -> None:
    _scored(scenario, date(2025, 3, 1), date(2025, 3, 12))

    latest = api.get("/explanation.json", params={"site": "kamoto"}, headers=FIRST)
    before = api.get("/explanation.json", params={"site": "kamoto", "day": "2025-02-27"}, headers=FIRST)

    assert latest.status_code == 200 and latest.json()["day"] == "2025-03-12"
    assert latest.json()["score"]["risk"] == 0.0 and latest.json()["explanation"]["events"] == []
    assert before.status_code == 404
    assert "no day is scored on or before 2025-02-27" in before.json()["error"]


@pytest.mark.parametrize(
    ("day", "moment"),
    [
        ("2025-03-14", "2025-03-14T11:00:00Z"),  # the halt notice not stored yet
        ("2025-03-14", "2025-03-14T12:00:00Z"),  # and stored
        ("2025-03-12", "2025-03-13T12:00:00Z"),  # Kashebere (public on the 12th) stored on the 14th only
        ("2025-03-12", "2025-03-20T12:00:00Z"),
    ],
)
def test_an_explanation_as_known_at_a_moment_is_the_score_and_explanation_a_run_then_computed(
    api: httpx.Client, scenario: Scenario, day: str, moment: str
) -> None:
    _scored(scenario, date(2025, 3, 1), date(2025, 3, 20))
    before = _score_rows(scenario.store)
    params = {"site": "bisie", "day": day, "as_known_at": moment}

    response = api.get(EXPLAIN, params=params, headers=FIRST)

    assert response.status_code == 200
    answer = json.loads(response.content, parse_constant=_no_constant)
    known_by = datetime.fromisoformat(moment.replace("Z", ""))
    dense = scenario.pipeline.score([date.fromisoformat(day)], persist=False, known_by=known_by)
    row = dense[dense["site_id"] == "bisie"].iloc[0]
    assert (answer["day"], answer["as_known_at"]) == (day, f"{moment[:-1]}.000000Z")
    assert answer["score"]["computed_at"] is None  # computed when asked: nothing stored is read
    for name in ("risk", "level", "status", "conflict", "route", "notice", "events_30d", "front_km"):
        assert answer["score"][name] == pytest.approx(plain(row[name])), name
    events = answer["explanation"].pop("events")
    vintage = explanation.decode(row["explain"], scoring.explained_params(Settings().scoring))
    assert [{k: v for k, v in e.items() if k != "event_ref"} for e in events] == vintage.pop("events")
    assert answer["explanation"] == json.loads(json.dumps(vintage, default=str))
    assert _score_rows(scenario.store) == before


def test_a_vintage_explanation_shows_what_was_not_known_yet(api: httpx.Client, scenario: Scenario) -> None:
    _scored(scenario, date(2025, 3, 1), date(2025, 3, 20))

    def bisie(day: str, moment: str | None = None) -> dict[str, Any]:
        params = {"site": "bisie", "day": day} | ({"as_known_at": moment} if moment else {})
        return dict(api.get(EXPLAIN, params=params, headers=FIRST).json())

    # The suspension was stored at 12:00 on the 14th: a run at 11:00 did not know of it.
    assert bisie("2025-03-14", "2025-03-14T11:00:00Z")["score"]["status"] == "operating"
    assert bisie("2025-03-14", "2025-03-14T12:00:00Z")["score"]["status"] == "halted"
    assert bisie("2025-03-14")["score"]["status"] == "halted"
    # Kashebere fell on the 12th, stored on the 14th: today's explanation of the 12th cites it, the
    # vintage of the 13th cannot.
    cited = lambda answer: {e["event_ref"] for e in answer["explanation"]["events"]}  # noqa: E731
    assert "acled:DRC3" in cited(bisie("2025-03-12"))
    assert "acled:DRC3" not in cited(bisie("2025-03-12", "2025-03-13T12:00:00Z"))
    assert bisie("2025-03-12")["as_known_at"] is None


def test_explanation_needs_a_token_and_writes_nothing(api: httpx.Client, scenario: Scenario) -> None:
    _scored(scenario, date(2025, 3, 1), date(2025, 3, 14))
    before = _score_rows(scenario.store)

    assert api.get("/explanation.json", params={"site": "bisie"}).status_code == 401
    assert api.get("/explanation.json", params={"site": "bisie"}, headers=FIRST).status_code == 200
    assert _score_rows(scenario.store) == before


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def panels_metadata_hash(scenario: Scenario) -> str:
    return str(files.metadata(scenario.pipeline, scenario.query("risk"), "csv")["scoring_params_hash"])
