"""Clerk's Set-Cookie lines leave Django verbatim, through Django's real WSGI and ASGI handlers."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.test import Client, RequestFactory

from clerk_core.testing import LocalClerkInstance
from clerk_django._http import VerbatimCookie, add_headers
from tests.set_cookie_lines import (
    APP_COOKIES,
    PAGE,
    handshake_set_cookies,
    nonce_path,
    production,
    set_cookies,
    signed_in_lines,
    signed_out_lines,
)

Served = tuple[int, list[tuple[str, str]], bytes]

# Django's handlers open and close database connections around each request.
pytestmark = pytest.mark.django_db


def via_wsgi(path: str, headers: dict[str, str]) -> Served:
    """A GET through ``WSGIHandler``: what a WSGI server would send (sync middleware path)."""
    meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    environ = RequestFactory().get(path, **meta).environ
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> Any:
        started.update(status=int(status.split()[0]), headers=response_headers)
        return lambda data: None

    chunks = WSGIHandler()(environ, start_response)
    body = b"".join(chunks)
    chunks.close()
    return started["status"], started["headers"], body


def via_asgi(path: str, headers: dict[str, str]) -> Served:
    """A GET through ``ASGIHandler``: what an ASGI server would send (async middleware path)."""
    only, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": only,
        "raw_path": only.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect: cancelled when the response is done
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(ASGIHandler()(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers_out = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
    return start["status"], headers_out, body


HANDLERS: dict[str, Callable[[str, dict[str, str]], Served]] = {
    "wsgi-sync": via_wsgi,
    "asgi-async": via_asgi,
}


@pytest.fixture(params=list(HANDLERS))
def serve(request: pytest.FixtureRequest) -> Callable[[str, dict[str, str]], Served]:
    return HANDLERS[request.param]


def use(settings: Any, instance: LocalClerkInstance) -> None:
    settings.CLERK = {"clerk": instance.clerk()}


def test_the_apps_response_carries_clerks_lines_and_its_own(
    settings: Any, serve: Callable[[str, dict[str, str]], Served]
) -> None:
    instance = production()
    use(settings, instance)
    lines = signed_in_lines(instance)
    status, headers, body = serve(nonce_path(instance, "/cookies", lines), PAGE)
    assert (status, body) == (200, b'{"user_id": "user_cookie"}')
    assert set_cookies(headers) == APP_COOKIES + lines


def test_a_refusal_carries_clerks_lines(
    settings: Any, serve: Callable[[str, dict[str, str]], Served]
) -> None:
    instance = production()
    use(settings, instance)
    lines = signed_out_lines(instance)
    status, headers, _ = serve(nonce_path(instance, "/private", lines), PAGE)
    assert status == 307  # to sign in: the handshake cleared the session
    assert set_cookies(headers) == lines


def test_a_development_handshake_response_carries_clerks_lines(
    settings: Any,
    clerk_instance: LocalClerkInstance,
    serve: Callable[[str, dict[str, str]], Served],
) -> None:
    use(settings, clerk_instance)
    lines = signed_in_lines(clerk_instance)
    status, headers, _ = serve(nonce_path(clerk_instance, "/cookies", lines), PAGE)
    assert status == 307  # development: back to the clean URL, setting the cookies
    assert handshake_set_cookies(set_cookies(headers), lines)


def test_the_test_client_sends_the_cookies_back(settings: Any) -> None:
    instance = production()
    use(settings, instance)
    client = Client()
    first = client.get(
        nonce_path(instance, "/cookies", signed_in_lines(instance)),
        HTTP_SEC_FETCH_DEST="document",
        HTTP_ACCEPT="text/html",
    )
    assert first.json() == {"user_id": "user_cookie"}
    assert client.get("/cookies").json() == {"user_id": "user_cookie"}


def emitted(response: HttpResponse) -> list[str]:
    """What Django's handlers send: one Set-Cookie per ``response.cookies`` entry."""
    return [m.output(header="").strip() for m in response.cookies.values()]


def test_verbatim_cookies_coexist_with_the_apps_and_survive_pickling() -> None:
    response = HttpResponse()
    response.set_cookie("__session", "app-owned")
    lines = ["__session=a; Partitioned", "__session=b; Partitioned", "x=1; SameSite=None; Secure"]
    add_headers(response, [("set-cookie", line) for line in lines])
    # A second call (the middleware after a decorator's refusal) adds only what is new.
    add_headers(response, [("set-cookie", lines[0]), ("set-cookie", "__session=c")])
    lines.append("__session=c")
    # The app's own cookie keeps its name; Clerk's lines take the free names or "<name> (Clerk)".
    assert response.cookies["__session"].value == "app-owned"
    assert response.cookies["x"].value == "1"
    assert emitted(response) == ["__session=app-owned; Path=/", *lines]
    # A later set_cookie of the app's name replaces the app's cookie only.
    response.set_cookie("__session", "later")
    assert emitted(response) == ["__session=later; Path=/", *lines]
    restored = pickle.loads(pickle.dumps(response.cookies))  # noqa: S301 - our own bytes
    assert [m.output(header="").strip() for m in restored.values()] == emitted(response)
    morsel = VerbatimCookie("__session=secret-token; Partitioned")
    assert (morsel.key, morsel.value) == ("__session", "secret-token")
    assert "secret-token" not in repr(morsel)
    assert morsel.copy().output(header="").strip() == "__session=secret-token; Partitioned"


def test_a_later_set_cookie_of_a_clerk_name_wins_as_in_django() -> None:
    response = HttpResponse()
    add_headers(response, [("set-cookie", "__session=tok; Path=/; Partitioned")])
    assert emitted(response) == ["__session=tok; Path=/; Partitioned"]
    response.delete_cookie("__session")  # e.g. a sign-out view's outer middleware
    assert emitted(response) == [
        '__session=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
    ]
    restored = pickle.loads(pickle.dumps(response.cookies))  # noqa: S301 - our own bytes
    assert [m.output(header="").strip() for m in restored.values()] == emitted(response)
