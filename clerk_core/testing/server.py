"""The local Backend API on a loopback HTTP server, for clients that cannot take an httpx transport."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

__all__ = ["LocalBackendServer", "serving"]

_HOP_BY_HOP = ("content-length", "transfer-encoding", "connection")


class LocalBackendServer:
    """The local instance's Backend API on ``127.0.0.1`` (``url`` is its ``api_url``)."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        serve = handler

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                content = self.rfile.read(length) if length else b""
                request = httpx.Request(
                    self.command,
                    f"http://local{self.path}",
                    headers=dict(self.headers.items()),
                    content=content,
                )
                response = serve(request)
                body = response.read()
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> LocalBackendServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving(handler: Callable[[httpx.Request], httpx.Response]) -> Iterator[LocalBackendServer]:
    """Serve ``handler`` on 127.0.0.1 for the duration of the ``with`` block."""
    server = LocalBackendServer(handler).start()
    try:
        yield server
    finally:
        server.stop()
