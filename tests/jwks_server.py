"""A loopback JWKS server (127.0.0.1, port 0) that plays the scenarios of
tests/corpus/jwks_scenarios.json, with counters for GETs and in-flight requests."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAILURE_SCENARIOS = (
    "empty-keys",
    "keys-not-list",
    "json-array",
    "invalid-json",
    "html-200",
    "rsa-missing-n",
    "huge-body",
    "http-500",
    "http-503-retry-after",
    "http-429",
    "http-404",
    "redirect-302",
    "hang",
    "slow-drip",
    "reset-mid-body",
    "http-401-invalid-secret",
    "oct-key-same-kid",
    "ec-key-same-kid",
    "use-enc",
    "rsa-1024",
)


class JWKSServer:
    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.new_keys: list[dict[str, Any]] = []
        self.scenario = "ok"
        self.gate: threading.Event | None = None
        self.stop = threading.Event()
        self.gets = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.paths: list[str] = []
        self.extra: dict[str, list[dict[str, Any]]] = {}
        self.path = "/v1/jwks"
        """The JWKS path: the Backend API's, or a Frontend API's (``/.well-known/jwks.json``)."""
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                with server._lock:
                    server.gets += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server.paths.append(self.path)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                try:
                    server._respond(self)
                finally:
                    with server._lock:
                        server.in_flight -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # Clients abort on purpose (body cap, deadline): that is not a server error worth printing.
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.stop.set()
        if self.gate is not None:
            self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------------ behaviours
    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        h.send_response(status)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Connection", "close")  # no keep-alive: a closed server really refuses
        h.close_connection = True
        h.end_headers()
        h.wfile.write(body)

    def _json(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        doc: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._send(h, status, json.dumps(doc).encode(), headers)

    def _respond(self, h: BaseHTTPRequestHandler) -> None:
        if self.gate is not None:
            self.gate.wait(10)
        s = self.scenario
        first = self.keys[0]
        if h.path != self.path:
            self._json(h, 404, {"errors": [{"code": "resource_not_found"}]})
        elif s == "ok":
            self._json(h, 200, {"keys": self.keys})
        elif s == "rotation-add":
            self._json(h, 200, {"keys": [*self.new_keys, *self.keys]})
        elif s == "rotation-remove":
            self._json(h, 200, {"keys": self.new_keys})
        elif s == "empty-keys":
            self._json(h, 200, {"keys": []})
        elif s == "keys-not-list":
            self._json(h, 200, {"keys": "x"})
        elif s == "json-array":
            self._json(h, 200, [])
        elif s == "invalid-json":
            self._send(h, 200, b'{"keys": [')
        elif s == "html-200":
            self._send(h, 200, b"<html>captive portal</html>", {"Content-Type": "text/html"})
        elif s == "rsa-missing-n":
            self._json(h, 200, {"keys": [{"kty": "RSA", "kid": first["kid"], "e": "AQAB"}]})
        elif s == "oct-key-same-kid":
            self._json(h, 200, {"keys": [{"kty": "oct", "kid": first["kid"], "k": "c2VjcmV0"}]})
        elif s in ("ec-key-same-kid", "rsa-1024", "duplicate-kid"):
            self._json(h, 200, {"keys": self.extra[s]})
        elif s == "use-enc":
            self._json(h, 200, {"keys": [{**first, "use": "enc"}]})
        elif s == "huge-body":
            padding = "x" * 10_000_000
            self._json(h, 200, {"keys": self.keys, "padding": padding})
        elif s == "http-500":
            self._send(h, 500, b"{}")
        elif s == "http-503-retry-after":
            self._send(h, 503, b"", {"Retry-After": "120"})
        elif s == "http-429":
            self._send(h, 429, b"", {"Retry-After": "30"})
        elif s == "http-401-invalid-secret":
            self._json(
                h,
                401,
                {
                    "errors": [
                        {
                            "code": "clerk_key_invalid",
                            "message": "The provided Clerk Secret Key is invalid.",
                        }
                    ]
                },
            )
        elif s == "http-404":
            self._send(h, 404, b"")
        elif s == "redirect-302":
            self._send(h, 302, b"", {"Location": "http://127.0.0.1:9/other"})
        elif s == "hang":
            self.stop.wait(30)
        elif s == "slow-drip":
            body = json.dumps({"keys": self.keys}).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            for byte in body:
                if self.stop.is_set():
                    return
                try:
                    h.wfile.write(bytes([byte]))
                    h.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
        elif s == "reset-mid-body":
            body = json.dumps({"keys": self.keys}).encode()
            h.send_response(200)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
        else:
            raise AssertionError(f"unknown scenario {s}")
