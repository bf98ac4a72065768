"""``/health`` and ``/metrics`` for a node that runs the scheduler without the dashboard (``minewatch run
--no-serve``), so an orchestrator can restart it and Prometheus can scrape it like the dashboard node."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from waitress import create_server

from monitor.config import Settings
from monitor.observability.health import health, status_code
from monitor.observability.metrics import CONTENT_TYPE, Metrics
from monitor.store import Store

__all__ = ["StatusServer", "status_app", "stop_waitress"]

StartResponse = Callable[..., Any]
_REASONS = {200: "200 OK", 404: "404 Not Found", 503: "503 Service Unavailable"}


def status_app(
    store: Store, settings: Settings, now: Callable[[], datetime]
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app answering ``GET /health`` (JSON, 200 or 503) and ``GET /metrics`` (Prometheus text)."""
    metrics = Metrics(store, settings, now)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/health":
            answer = health(store, settings, now())
            code, body, kind = status_code(answer), json.dumps(answer).encode(), "application/json"
        elif path == "/metrics":
            code, body, kind = 200, metrics.exposition(), CONTENT_TYPE
        else:
            code, body, kind = 404, b"not found: /health and /metrics are served here\n", "text/plain"
        start_response(_REASONS[code], [("Content-Type", kind), ("Cache-Control", "no-store")])
        return [body]

    return app


class StatusServer:
    """The status app served by waitress from a daemon thread; ``port`` 0 picks a free one."""

    def __init__(self, store: Store, settings: Settings, now: Callable[[], datetime], host: str, port: int):
        self._server: Any = create_server(status_app(store, settings, now), host=host, port=port, threads=2)
        self.url = f"http://{host}:{self._server.effective_port}"
        self._thread = threading.Thread(target=self._server.run, name="minewatch-status", daemon=True)

    def start(self) -> StatusServer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        stop_waitress(self._server, self._thread, timeout)


def stop_waitress(server: Any, thread: threading.Thread, timeout: float = 5.0) -> None:
    """Stop a waitress server run by ``thread``: stop accepting, finish the worker threads, close open
    connections and wait for the loop. A server already stopped (or whose loop has ended) is left as is."""
    if not thread.is_alive():
        return
    server.task_dispatcher.shutdown(timeout=timeout)

    def close_all() -> None:
        for channel in list(server._map.values()):
            channel.close()

    # Closed from the loop's own thread: closing a socket while that thread polls it fails (EBADF).
    try:
        server.trigger.pull_trigger(close_all)
    except OSError:  # the loop ended meanwhile and closed its trigger: nothing is left open
        return
    thread.join(timeout)
