"""A real HTTP server on 127.0.0.1 for tests: routes map (method, path) to handlers; requests are recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Send the body this many bytes at a time with ``pause_s`` between writes (a trickling peer).
    chunk_bytes: int = 0
    pause_s: float = 0.0


Handler = Callable[[Request], Response]


class LoopbackServer:
    """Serve handlers on an ephemeral 127.0.0.1 port in a thread; ``url(path)`` builds addresses."""

    def __init__(self, port: int = 0) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.requests: list[Request] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                server.requests.append(req)
                handler = server.routes.get((self.command, parts.path))
                resp = handler(req) if handler else Response(404, b"not found")
                body = resp.body.encode() if isinstance(resp.body, str) else resp.body
                self.send_response(resp.status)
                for key, value in resp.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                step = resp.chunk_bytes or len(body) or 1
                try:
                    for start in range(0, len(body), step):
                        self.wfile.write(body[start : start + step])
                        self.wfile.flush()
                        if resp.pause_s and start + step < len(body):
                            time.sleep(resp.pause_s)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a deadline, a size cap): that is what the test wants

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def route(self, method: str, path: str, handler: Handler | Response) -> None:
        self.routes[(method, path)] = handler if callable(handler) else (lambda _req, r=handler: r)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
