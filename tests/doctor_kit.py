"""The doctor's test transport: a local instance's Backend API and a Frontend API JWKS, with a
``Date`` header on every answer (as Clerk's servers send); a loopback Frontend API proxy."""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from clerk_core.testing import LocalClerkInstance


def both_apis(
    backend: LocalClerkInstance,
    frontend: LocalClerkInstance | None = None,
    *,
    date_offset: float | None = 0.0,
    clock: Callable[[], float] = time.time,
) -> httpx.MockTransport:
    """``backend``'s Backend API, and ``frontend``'s (default: the same instance's) Frontend API
    JWKS at ``https://<frontend_api>/.well-known/jwks.json``. ``date_offset`` seconds are added to
    ``clock()`` for the ``Date`` header (``None``: no ``Date``). The secret key must never reach
    the Frontend API: a request that carries it is answered 400."""
    fapi = frontend or backend

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == fapi.frontend_api and request.url.path == "/.well-known/jwks.json":
            if "authorization" in request.headers:
                response = httpx.Response(400, json={"error": "credential sent to the FAPI"})
            else:
                response = httpx.Response(200, json=fapi.jwks())
        else:
            response = backend.backend.handle_request(request)
        if date_offset is not None:
            response.headers["Date"] = email.utils.formatdate(clock() + date_offset, usegmt=True)
        return response

    return httpx.MockTransport(handle)


def environ_for(instance: LocalClerkInstance, **extra: str) -> dict[str, str]:
    """The ``CLERK_*`` variables an app on ``instance`` reads."""
    env = {
        "CLERK_PUBLISHABLE_KEY": instance.publishable_key,
        "CLERK_SECRET_KEY": instance.secret_key,
        "CLERK_API_URL": instance.api_url,
        "CLERK_AUTHORIZED_PARTIES": ",".join(instance.authorized_parties),
        "CLERK_WEBHOOK_SIGNING_SECRET": instance.webhook_signing_secret,
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v}


class FrontendProxy:
    """A loopback stand-in for an app's Frontend API proxy (127.0.0.1, port 0): ``GET
    {prefix}/.well-known/jwks.json`` answers ``instance``'s Frontend API JWKS, as a proxy that
    forwards ``{prefix}/*`` to the Frontend API would; anything else is 404. The headers of
    every request are kept in ``seen`` (the secret key must never reach a proxy)."""

    def __init__(self, instance: LocalClerkInstance, prefix: str = "/__clerk") -> None:
        self.instance = instance
        self.prefix = prefix
        self.seen: list[dict[str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                proxy.seen.append({k.lower(): v for k, v in self.headers.items()})
                if self.path == f"{proxy.prefix}/.well-known/jwks.json":
                    status, body = 200, json.dumps(proxy.instance.jwks()).encode()
                else:
                    status, body = 404, b'{"errors": []}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The absolute ``proxy_url`` of this proxy."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{self.prefix}"

    def __enter__(self) -> FrontendProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def loopback_or(transport: httpx.MockTransport) -> httpx.BaseTransport:
    """Requests to 127.0.0.1 over real HTTP (loopback servers), the rest to ``transport``."""
    real = httpx.HTTPTransport()

    class Split(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == "127.0.0.1":
                return real.handle_request(request)
            return transport.handle_request(request)

        def close(self) -> None:
            real.close()

    return Split()
