"""Serving the dashboard with waitress (a production WSGI server), behind optional HTTP basic auth.

Basic auth is on when both MINEWATCH_DASH_USER and MINEWATCH_DASH_PASSWORD are set in the environment mapping
passed in; one without the other is a configuration error rather than an open dashboard.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dash
import flask
from waitress import create_server

from monitor.errors import ConfigError
from monitor.exports.api import BLUEPRINT as API_BLUEPRINT
from monitor.observability.metrics import CONTENT_TYPE, Metrics
from monitor.observability.node import stop_waitress

USER_ENV = "MINEWATCH_DASH_USER"
PASSWORD_ENV = "MINEWATCH_DASH_PASSWORD"


def credentials(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The basic-auth user and password from ``env``, or None when auth is off."""
    user, password = env.get(USER_ENV) or "", env.get(PASSWORD_ENV) or ""
    if not user and not password:
        return None
    if not user or not password:
        missing = USER_ENV if not user else PASSWORD_ENV
        raise ConfigError(f"dashboard basic auth needs both {USER_ENV} and {PASSWORD_ENV}: set {missing}")
    return user, password


def _same(given: str | None, expected: str) -> bool:
    return hmac.compare_digest((given or "").encode(), expected.encode())


def require_basic_auth(server: flask.Flask, user: str, password: str, realm: str = "minewatch") -> None:
    """Answer 401 to every request (pages, callbacks, assets) without the right credentials."""

    def check() -> flask.Response | None:
        if flask.request.blueprint == API_BLUEPRINT:
            return None  # routed to the export API, which checks its own bearer tokens (any other path,
            # /api/... included, is the dashboard's and needs the password)
        auth = flask.request.authorization
        if (
            auth is not None
            and auth.type == "basic"
            and _same(auth.username, user)
            and _same(auth.password, password)
        ):
            return None
        return flask.Response(
            "Authentication required.\n", 401, {"WWW-Authenticate": f'Basic realm="{realm}", charset="UTF-8"'}
        )

    server.before_request(check)


def serve_metrics(server: flask.Flask, metrics: Metrics) -> None:
    """``GET /metrics`` (Prometheus text, behind the same basic auth as the pages) and the latency of every
    request this server answers."""

    @server.before_request
    def started() -> None:
        flask.g.minewatch_started = time.perf_counter()

    @server.after_request
    def timed(response: flask.Response) -> flask.Response:
        began = flask.g.get("minewatch_started")
        if began is not None:
            metrics.observe(flask.request.path, response.status_code, time.perf_counter() - began)
        return response

    @server.get("/metrics")
    def exposition() -> flask.Response:
        return flask.Response(
            metrics.exposition(), 200, {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"}
        )


def protect(app: dash.Dash, env: Mapping[str, str]) -> flask.Flask:
    """``app``'s WSGI application, behind basic auth when ``env`` sets the dashboard credentials."""
    creds = credentials(env)
    if creds is not None:
        require_basic_auth(app.server, *creds)
    return app.server


def make_server(app: dash.Dash, host: str, port: int, env: Mapping[str, str], threads: int = 8) -> Any:
    """A waitress server for ``app`` (port 0 picks a free port: see ``.effective_port``), not yet running."""
    return create_server(protect(app, env), host=host, port=port, threads=threads, ident="minewatch")


@dataclass
class RunningServer:
    """A dashboard served from a background thread (for `minewatch run`, tests and benchmarks)."""

    server: Any
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.server.effective_port}"

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, finish the worker threads, close open connections and wait for the loop."""
        stop_waitress(self.server, self.thread, timeout)


def serve_in_thread(app: dash.Dash, host: str, port: int, env: Mapping[str, str]) -> RunningServer:
    """Start serving ``app`` in a daemon thread and return at once."""
    server = make_server(app, host, port, env)
    thread = threading.Thread(target=server.run, name="minewatch-dashboard", daemon=True)
    thread.start()
    return RunningServer(server, thread)
