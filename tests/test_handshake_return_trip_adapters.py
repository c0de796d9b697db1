"""The development handshake's return trip is a 307 in every adapter (Starlette, Django, Flask).

Clerk's ``HandshakeService.resolveHandshake`` reports it as ``signed-in`` (or ``signed-out``) plus a
``Location`` without the handshake parameters; Clerk's framework SDKs redirect on that header, not
on the status. Every adapter answers it through ``clerk_core.early_response``: a 307 to the clean
URL carrying the payload's ``Set-Cookie`` lines, and the view does not run. Past the redirect-loop
limit the request goes on to the view, signed in, as in production.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import AuthStatus, Clerk, RequestView, early_response
from clerk_core.testing import LocalClerkInstance

NAV = {"sec-fetch-dest": "document", "accept": "text/html"}
# What an adapter answered: status, Location, Set-Cookie lines, Cache-Control, body.
Answer = tuple[int, "str | None", list[str], "str | None", str]
Get = Callable[[str, dict[str, str]], Answer]


@pytest.fixture
def dev() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="development",
        frontend_api="clerk.dev.test",
        authorized_parties=("http://testserver", "http://localhost"),
    )


def signed_in_lines(instance: LocalClerkInstance, user: str) -> list[str]:
    return [
        f"__session={instance.session_token(user, lifetime=600)}; Path=/; SameSite=Lax",
        f"__client_uat={int(time.time()) - 1}; Path=/; SameSite=Lax",
    ]


def starlette_get(engine: Clerk) -> Get:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from clerk_starlette import ClerkMiddleware, get_auth

    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"view:{get_auth(request).user_id}")

    app = Starlette(
        routes=[Route("/page", page)], middleware=[Middleware(ClerkMiddleware, clerk=engine)]
    )
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)

    def get(url: str, headers: dict[str, str]) -> Answer:
        r = client.get(url, headers=headers)
        return (
            r.status_code,
            r.headers.get("location"),
            r.headers.get_list("set-cookie"),
            r.headers.get("cache-control"),
            r.text,
        )

    return get


def django_get(engine: Clerk) -> Get:
    from django.test import Client, override_settings

    def get(url: str, headers: dict[str, str]) -> Answer:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        with override_settings(CLERK={"clerk": engine}, ROOT_URLCONF="tests.django.page_urls"):
            r = Client(raise_request_exception=True).get(url, **meta)
        lines = [m.OutputString() for m in r.cookies.values()]
        return (r.status_code, r.get("location"), lines, r.get("cache-control"), r.content.decode())

    return get


def flask_get(engine: Clerk) -> Get:
    from flask import Flask

    from clerk_flask import Clerk as ClerkExtension
    from clerk_flask import get_auth

    app = Flask(__name__)
    ClerkExtension(app, clerk=engine)

    @app.get("/page")
    def page() -> Any:
        return f"view:{get_auth().user_id}"

    client = app.test_client(use_cookies=False)

    def get(url: str, headers: dict[str, str]) -> Answer:
        r = client.get(url, headers=headers, base_url="http://testserver")
        return (
            r.status_code,
            r.headers.get("location"),
            r.headers.getlist("set-cookie"),
            r.headers.get("cache-control"),
            r.get_data(as_text=True),
        )

    return get


ADAPTERS = {"starlette": starlette_get, "django": django_get, "flask": flask_get}


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> Callable[[Clerk], Get]:
    pytest.importorskip(request.param)
    return ADAPTERS[request.param]


def test_a_signed_in_return_trip_is_a_307_to_the_clean_url(
    dev: LocalClerkInstance, adapter: Callable[[Clerk], Get]
) -> None:
    lines = signed_in_lines(dev, "user_back")
    nonce = dev.backend.handshake_nonce(lines)
    get = adapter(dev.clerk())
    status, location, cookies, cache_control, body = get(
        f"/page?a=1&__clerk_handshake_nonce={nonce}&__clerk_help=1", NAV
    )
    assert status == 307
    assert location == "http://testserver/page?a=1"
    assert cache_control is not None
    assert "no-store" in cache_control
    for line in lines:
        assert line in cookies
    assert "__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2" in cookies
    assert "view:" not in body  # the app did not run


def test_a_signed_out_return_trip_is_a_307_too(
    dev: LocalClerkInstance, adapter: Callable[[Clerk], Get]
) -> None:
    # A payload without a session cookie (Clerk: signed-out, session-token-missing, with Location).
    nonce = dev.backend.handshake_nonce(["__client_uat=0; Path=/; SameSite=Lax"])
    get = adapter(dev.clerk())
    status, location, cookies, _, body = get(f"/page?__clerk_handshake_nonce={nonce}", NAV)
    assert (status, location) == (307, "http://testserver/page")
    assert "__client_uat=0; Path=/; SameSite=Lax" in cookies
    assert "view:" not in body


def test_past_the_loop_limit_the_view_runs_signed_in(
    dev: LocalClerkInstance, adapter: Callable[[Clerk], Get]
) -> None:
    lines = signed_in_lines(dev, "user_looped")
    nonce = dev.backend.handshake_nonce(lines)
    get = adapter(dev.clerk())
    headers = {**NAV, "cookie": "__clerk_redirect_count=3"}
    status, location, cookies, _, body = get(f"/page?__clerk_handshake_nonce={nonce}", headers)
    assert (status, location, body) == (200, None, "view:user_looped")
    assert lines[0] in cookies


def test_early_response_answers_every_state_with_a_location(dev: LocalClerkInstance) -> None:
    """The rule the adapters share: a Location means a 307, whatever the status."""
    engine = dev.clerk()
    options = engine.options
    nonce = dev.backend.handshake_nonce(signed_in_lines(dev, "user_core"))
    view = RequestView("GET", f"http://testserver/page?__clerk_handshake_nonce={nonce}", {**NAV})
    state = engine.authenticate_request(view)
    assert state.status is AuthStatus.SIGNED_IN
    assert state.token is not None
    answer = early_response(state, view, options)
    assert answer is not None
    assert answer.status == 307
    assert answer.location == "http://testserver/page"
    # A plain signed-in request (no Location) goes on to the app.
    plain = engine.authenticate_request(
        RequestView("GET", "http://testserver/api", {"authorization": f"Bearer {state.token}"})
    )
    assert plain.status is AuthStatus.SIGNED_IN
    assert early_response(plain, view, options) is None


@pytest.mark.parametrize("dependency", ["get_auth", "require_auth"])
def test_fastapi_dependencies_alone_finish_the_return_trip(
    dev: LocalClerkInstance, dependency: str
) -> None:
    """Without the middleware, a FastAPI dependency answers the return trip with the same 307
    (it used to run the view: signed in, the nonce left in the address bar)."""
    pytest.importorskip("fastapi")
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    from clerk_core import AuthObject
    from clerk_starlette import fastapi as clerk_fastapi

    app = FastAPI()
    app.state.clerk = dev.clerk()
    dep = getattr(clerk_fastapi, dependency)

    @app.get("/page")
    async def page(auth: AuthObject = Depends(dep)) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    lines = signed_in_lines(dev, "user_fast")
    nonce = dev.backend.handshake_nonce(lines)
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    response = client.get(f"/page?__clerk_handshake_nonce={nonce}&a=1", headers=NAV)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/page?a=1"
    assert lines[0] in response.headers.get_list("set-cookie")
