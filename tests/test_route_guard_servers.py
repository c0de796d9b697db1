"""The route guards behind real servers on loopback: uvicorn (Starlette, Django ASGI) and werkzeug's
WSGI server (Flask, Django). The fuzz tests emulate each server's decoding; this checks the
emulation against the servers themselves, with the attacks that first showed the bypass."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from clerk_core import Clerk
from tests import route_fuzz

PATHS = route_fuzz.KNOWN_ATTACKS + route_fuzz.fuzz_paths(count=90, seed=21)[-50:]


def fetch(port: int, raw: str) -> tuple[int, bytes]:
    """One raw HTTP/1.1 GET: the request target goes on the wire exactly as written."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"GET {raw} HTTP/1.1\r\nHost: app.test\r\nAccept: application/json\r\n"
            "Connection: close\r\n\r\n".encode("ascii")
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@contextmanager
def uvicorn_server(app: Any) -> Iterator[int]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def werkzeug_server(app: Callable[..., Any]) -> Iterator[int]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def run(
    serve: Any, bare: Any, guarded: Any, configure: Callable[[bool], None] = lambda _: None
) -> None:
    configure(False)
    with serve(bare) as port:
        unguarded = {path: fetch(port, path) for path in PATHS}
    configure(True)
    with serve(guarded) as port:
        judged = {path: fetch(port, path) for path in PATHS}
    assert route_fuzz.check(PATHS, unguarded, judged) >= 5


def test_starlette_behind_uvicorn(clerk_engine: Clerk) -> None:
    pytest.importorskip("starlette")
    from tests.starlette.test_route_fuzz import make_app

    run(
        uvicorn_server,
        make_app(clerk_engine, None),
        make_app(clerk_engine, route_fuzz.guard_for("allow-list")),
    )


def test_flask_behind_werkzeug(clerk_engine: Clerk) -> None:
    pytest.importorskip("flask")
    from tests.flask.test_route_fuzz import make_app

    run(
        werkzeug_server,
        make_app(clerk_engine, None),
        make_app(clerk_engine, route_fuzz.guard_for("deny-list")),
    )


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_django_behind_werkzeug_and_uvicorn(
    settings: Any, clerk_engine: Clerk, interface: str
) -> None:
    pytest.importorskip("django")
    from django.core.handlers.asgi import ASGIHandler
    from django.core.handlers.wsgi import WSGIHandler

    from tests.django.test_route_fuzz import configure, without_connection_cleanup

    serve = werkzeug_server if interface == "wsgi" else uvicorn_server
    handler = WSGIHandler if interface == "wsgi" else ASGIHandler
    configure(settings, clerk_engine, None)  # the middleware chain loads with the settings

    def guard(on: bool) -> None:  # the middleware reads its guard per request
        configure(settings, clerk_engine, "deny-list" if on else None)

    with without_connection_cleanup():
        run(serve, handler(), handler(), guard)
