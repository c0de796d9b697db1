"""Clerk's Set-Cookie lines leave Starlette and FastAPI verbatim: each line its own header, once."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from clerk_core import AuthObject, Clerk
from clerk_core.testing import LocalClerkInstance
from clerk_starlette import ClerkMiddleware, get_auth
from clerk_starlette.fastapi import require_auth
from tests.set_cookie_lines import (
    APP_COOKIES,
    PAGE,
    handshake_set_cookies,
    nonce_path,
    production,
    signed_in_lines,
    signed_out_lines,
)


async def cookies_view(request: Request) -> JSONResponse:
    response = JSONResponse({"user_id": get_auth(request).user_id})
    for line in APP_COOKIES:
        response.headers.append("set-cookie", line)
    return response


def guard(auth: AuthObject, conn: HTTPConnection) -> None:
    if conn.url.path == "/private":
        auth.protect()


def starlette_app(engine: Clerk) -> TestClient:
    app = Starlette(
        routes=[Route("/cookies", cookies_view), Route("/private", cookies_view)],
        middleware=[Middleware(ClerkMiddleware, clerk=engine, guard=guard)],
    )
    return TestClient(app, follow_redirects=False)


def fastapi_app(engine: Clerk, *, middleware: bool) -> TestClient:
    app = FastAPI()
    if middleware:
        app.add_middleware(ClerkMiddleware, clerk=engine)
    else:
        app.state.clerk = engine

    @app.get("/private")
    async def private(auth: AuthObject = Depends(require_auth)) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    return TestClient(app, follow_redirects=False)


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.get_list("set-cookie"))


def test_the_apps_response_carries_clerks_lines_and_its_own() -> None:
    instance = production()
    lines = signed_in_lines(instance)
    response = starlette_app(instance.clerk()).get(
        nonce_path(instance, "/cookies", lines), headers=PAGE
    )
    assert response.json() == {"user_id": "user_cookie"}
    assert set_cookies(response) == APP_COOKIES + lines


def test_a_guard_refusal_carries_clerks_lines() -> None:
    instance = production()
    lines = signed_out_lines(instance)
    response = starlette_app(instance.clerk()).get(
        nonce_path(instance, "/private", lines), headers=PAGE
    )
    assert response.status_code == 307
    assert set_cookies(response) == lines


@pytest.mark.parametrize("middleware", [True, False], ids=["with-middleware", "dependencies-only"])
def test_a_fastapi_refusal_carries_each_line_once(middleware: bool) -> None:
    instance = production()
    lines = signed_out_lines(instance)
    client = fastapi_app(instance.clerk(), middleware=middleware)
    response = client.get(nonce_path(instance, "/private", lines), headers=PAGE)
    assert response.status_code == 307
    assert set_cookies(response) == lines
    assert response.headers.get_list("x-clerk-auth-status") == ["signed-out"]


@pytest.mark.parametrize("middleware", [True, False], ids=["with-middleware", "dependencies-only"])
def test_a_fastapi_response_carries_clerks_lines(middleware: bool) -> None:
    instance = production()
    lines = signed_in_lines(instance)
    client = fastapi_app(instance.clerk(), middleware=middleware)
    response = client.get(nonce_path(instance, "/private", lines), headers=PAGE)
    assert response.json() == {"user_id": "user_cookie"}
    assert set_cookies(response) == lines


def test_a_development_handshake_response_carries_clerks_lines(
    clerk_instance: LocalClerkInstance,
) -> None:
    lines = signed_in_lines(clerk_instance)
    response = starlette_app(clerk_instance.clerk()).get(
        nonce_path(clerk_instance, "/cookies", lines), headers=PAGE
    )
    assert response.status_code == 307
    assert handshake_set_cookies(set_cookies(response), lines)


# ------------------------------------------------------------------ Policy 9 at the adapter
async def meddling_view(request: Request) -> JSONResponse:
    """A view that tries to rewrite its claims, then reports who it thinks the user is."""
    auth = get_auth(request)
    claims: Any = auth.session_claims
    refused = 0
    for target, key, value in ((claims, "sub", "user_evil"), (claims["o"], "rol", "owner")):
        try:
            target[key] = value
        except TypeError:
            refused += 1
    try:
        claims["fva"][0] = 0
    except TypeError:
        refused += 1
    return JSONResponse({"refused": refused, "user_id": auth.user_id, "org_role": auth.org_role})


def test_a_view_that_mutates_its_claims_does_not_change_the_next_request() -> None:
    instance = production()
    app = Starlette(
        routes=[Route("/meddle", meddling_view)],
        middleware=[Middleware(ClerkMiddleware, clerk=instance.clerk())],
    )
    token = instance.session_token("user_m", org_id="org_1", org_role="member", fva=[1, 1])
    http = TestClient(app)
    for _ in range(3):
        body = http.get("/meddle", headers={"authorization": f"Bearer {token}"}).json()
        assert body == {"refused": 3, "user_id": "user_m", "org_role": "org:member"}
