from __future__ import annotations

from collections.abc import Callable, Iterator

import dash
import httpx
import pytest

from dashboards.server import RunningServer, credentials, serve_in_thread
from monitor.errors import ConfigError
from monitor.store import Store

AUTH_ENV = {"MINEWATCH_DASH_USER": "analyst", "MINEWATCH_DASH_PASSWORD": "s3cret word"}


@pytest.fixture
def running(
    request: pytest.FixtureRequest, seeded_store: Store, make_app: Callable[[Store], dash.Dash]
) -> Iterator[RunningServer]:
    server = serve_in_thread(make_app(seeded_store), "127.0.0.1", 0, request.param)
    yield server
    server.stop()


@pytest.mark.parametrize("running", [AUTH_ENV], indirect=True)
def test_with_credentials_set_requests_without_them_get_401(running: RunningServer) -> None:
    with httpx.Client(base_url=running.url, timeout=10) as client:
        for path in ("/", "/_dash-layout", "/assets/countries.geojson", "/site/bisie"):
            response = client.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"].startswith('Basic realm="minewatch"')
        assert client.get("/", auth=("analyst", "wrong")).status_code == 401
        assert client.get("/", auth=("someone", "s3cret word")).status_code == 401


@pytest.mark.parametrize("running", [AUTH_ENV], indirect=True)
def test_with_credentials_the_right_user_gets_the_dashboard(running: RunningServer) -> None:
    with httpx.Client(base_url=running.url, timeout=10, auth=("analyst", "s3cret word")) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert "minewatch" in page.text
        layout = client.get("/_dash-layout")
        assert layout.status_code == 200
        assert "Scores as of" in layout.text


@pytest.mark.parametrize("running", [{}], indirect=True)
def test_without_credentials_in_the_environment_the_dashboard_is_open(running: RunningServer) -> None:
    with httpx.Client(base_url=running.url, timeout=10) as client:
        assert client.get("/").status_code == 200
        assert client.get("/_dash-dependencies").status_code == 200


def test_credentials_need_both_user_and_password() -> None:
    assert credentials({}) is None
    assert credentials(AUTH_ENV) == ("analyst", "s3cret word")
    with pytest.raises(ConfigError, match="MINEWATCH_DASH_PASSWORD"):
        credentials({"MINEWATCH_DASH_USER": "analyst"})
    with pytest.raises(ConfigError, match="MINEWATCH_DASH_USER"):
        credentials({"MINEWATCH_DASH_PASSWORD": "x"})


def test_a_stopped_server_no_longer_answers(
    seeded_store: Store, make_app: Callable[[Store], dash.Dash]
) -> None:
    server = serve_in_thread(make_app(seeded_store), "127.0.0.1", 0, {})
    url = server.url
    assert httpx.get(url + "/", timeout=10).status_code == 200
    server.stop()
    assert not server.thread.is_alive()
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/", timeout=2)
