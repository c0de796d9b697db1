"""Starlette and FastAPI specifics of issue 15: the OpenAPI scheme of ``Protect(token=...)``, a
``ClerkMiddleware`` guard that narrows the token types or asks for reverification, and
``redirect_to_sign_in`` in a plain Starlette app."""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations as objects.
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clerk_core import AuthObject, ClerkConfigurationError
from clerk_core.testing import LocalClerkInstance

pytest.importorskip("fastapi")

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clerk_starlette import ClerkMiddleware, get_auth, redirect_to_sign_in
from clerk_starlette.fastapi import Protect


def test_openapi_names_the_token_types_a_route_takes(clerk_instance: LocalClerkInstance) -> None:
    app = FastAPI()
    app.state.clerk = clerk_instance.clerk()

    @app.get("/machines")
    async def machines(
        auth: AuthObject = Depends(Protect(token=["api_key", "m2m_token"])),
    ) -> dict[str, Any]:
        return {"id": auth.id}

    @app.get("/anyone")
    async def anyone(auth: AuthObject = Depends(Protect())) -> dict[str, Any]:
        return {}

    schema = TestClient(app).get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["Clerk-api_key-m2m_token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Accepts a Clerk API key (ak_...), or a Clerk M2M token (mt_... or a JWT).",
    }
    assert schema["paths"]["/machines"]["get"]["security"] == [{"Clerk-api_key-m2m_token": []}]
    assert schema["paths"]["/anyone"]["get"]["security"] == [{"Clerk": []}]


def test_a_wrong_argument_fails_when_the_dependency_is_built() -> None:
    with pytest.raises(ClerkConfigurationError, match="token"):
        Protect(token="apikey")


def _guarded(instance: LocalClerkInstance) -> TestClient:
    def guard(auth: AuthObject, conn: HTTPConnection) -> None:
        if conn.url.path == "/sessions":
            auth.protect(token="session_token")
        elif conn.url.path == "/settings":
            auth.protect(reverification={"level": "first_factor", "after_minutes": 5})

    async def view(request: Request) -> JSONResponse:
        return JSONResponse({"type": get_auth(request).token_type})

    async def login(request: Request) -> Response:
        return await redirect_to_sign_in(request, return_back_url="/settings")

    app = Starlette(
        routes=[Route("/sessions", view), Route("/settings", view), Route("/login", login)],
        middleware=[
            Middleware(
                ClerkMiddleware,
                clerk=instance.clerk(accepts_token="any", sign_in_url="/sign-in"),
                guard=guard,
            )
        ],
    )
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def test_a_guard_narrows_the_token_types_and_asks_for_reverification() -> None:
    instance = LocalClerkInstance(authorized_parties=("http://testserver",))
    client = _guarded(instance)
    refused = client.get("/sessions", headers={"authorization": f"Bearer {instance.api_key()}"})
    assert refused.status_code == 401
    assert refused.json() == {"error": "unauthenticated", "reason": "token-type-mismatch"}
    stale = instance.session_token(fva=[30, -1])
    hint = client.get("/settings", headers={"authorization": f"Bearer {stale}"})
    assert hint.status_code == 403
    assert hint.json()["clerk_error"]["metadata"] == {
        "reverification": {"level": "first_factor", "afterMinutes": 5}
    }
    fresh = instance.session_token(fva=[1, -1])
    assert client.get("/settings", headers={"authorization": f"Bearer {fresh}"}).json() == {
        "type": "session_token"
    }


def test_redirect_to_sign_in_in_a_starlette_route() -> None:
    instance = LocalClerkInstance(authorized_parties=("http://testserver",))
    response = _guarded(instance).get("/login")
    assert response.status_code == 307
    location = urlsplit(response.headers["location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query) == {"redirect_url": ["http://testserver/settings"]}


def test_redirect_to_sign_in_without_clerk_says_how_to_fix_it() -> None:
    async def login(request: Request) -> Response:
        return await redirect_to_sign_in(request)

    client = TestClient(Starlette(routes=[Route("/login", login)]))
    with pytest.raises(RuntimeError, match="ClerkMiddleware"):
        client.get("/login")
