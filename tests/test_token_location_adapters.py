"""R15: the token-location cases give the same answer in the Starlette, Django and Flask adapters
as in the core engine, from the same raw ``Cookie`` and ``Authorization`` strings: the project's
corpus (``tests/corpus/token_location.json``) always, and the workspace's extra vectors
(``clerk_cookie_and_keys.json``) when they are present."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import Clerk, RequestView
from clerk_core.testing import LocalClerkInstance
from tests.conftest import extra_cases
from tests.core.test_corpus import LOCATION_CASES as CORPUS_LOCATION_CASES
from tests.core.test_corpus import (
    corpus_location_headers,
    corpus_world,  # noqa: F401 (a fixture)
)
from tests.core.test_vectors import (
    LOCATION_CASES,
    location_expectation,
    location_headers,
    location_world,  # noqa: F401 (a fixture)
)

WhoAmI = Callable[[dict[str, str]], "str | None"]


def starlette_whoami(engine: Clerk) -> WhoAmI:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from clerk_starlette import ClerkMiddleware, get_auth

    async def view(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    app = Starlette(
        routes=[Route("/api", view)], middleware=[Middleware(ClerkMiddleware, clerk=engine)]
    )
    client = TestClient(app, follow_redirects=False)

    def whoami(headers: dict[str, str]) -> str | None:
        response = client.get("/api", headers=headers)
        assert response.status_code == 200, response.text
        user: str | None = response.json()["user_id"]
        return user

    return whoami


def django_whoami(engine: Clerk) -> WhoAmI:
    from django.test import Client, override_settings

    def whoami(headers: dict[str, str]) -> str | None:
        meta = {"HTTP_" + name.upper(): value for name, value in headers.items()}
        with override_settings(CLERK={"clerk": engine}):
            response = Client(raise_request_exception=True).get("/", **meta)
        assert response.status_code == 200, response.content
        user: str | None = response.json()["user_id"]
        return user

    return whoami


def flask_whoami(engine: Clerk) -> WhoAmI:
    from flask import Flask, jsonify

    from clerk_flask import Clerk as ClerkExtension
    from clerk_flask import get_auth

    app = Flask(__name__)
    ClerkExtension(app, clerk=engine)

    @app.get("/api")
    def view() -> Any:
        return jsonify(user_id=get_auth().user_id)

    # Werkzeug's client replaces a Cookie header with its own jar unless told not to keep one.
    client = app.test_client(use_cookies=False)

    def whoami(headers: dict[str, str]) -> str | None:
        response = client.get("/api", headers=headers)
        assert response.status_code == 200, response.data
        user: str | None = response.get_json()["user_id"]
        return user

    return whoami


ADAPTERS = {"starlette": starlette_whoami, "django": django_whoami, "flask": flask_whoami}


@pytest.fixture(scope="module")
def adapters(location_world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    this: LocalClerkInstance = location_world["this"]
    engine = this.clerk(clock=this.clock)
    return {"engine": engine, **{name: make(engine) for name, make in ADAPTERS.items()}}


@pytest.mark.parametrize("adapter", list(ADAPTERS))
@pytest.mark.parametrize(
    "case",
    extra_cases(
        LOCATION_CASES,
        "clerk_cookie_and_keys.json",
        lambda i, c: f"{i}:{c['authorization']}|{str(c['cookie'])[:30]}",
    ),
)
def test_adapters_locate_tokens_like_the_core(
    case: dict[str, Any],
    adapter: str,
    adapters: dict[str, Any],
    location_world: dict[str, Any],  # noqa: F811
) -> None:
    headers = location_headers(case, location_world)
    engine: Clerk = adapters["engine"]
    core = engine.authenticate_request(
        RequestView("GET", "http://testserver/api", {"host": "testserver", **headers})
    ).to_auth()
    answer = adapters[adapter](headers)
    assert answer == core.user_id
    user, may_be_signed_out = location_expectation(case)
    assert answer in ((user, None) if may_be_signed_out else (user,))


@pytest.fixture(scope="module")
def corpus_adapters(corpus_world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    this: LocalClerkInstance = corpus_world["this"]
    engine = this.clerk(clock=this.clock)
    return {"engine": engine, **{name: make(engine) for name, make in ADAPTERS.items()}}


@pytest.mark.parametrize("adapter", list(ADAPTERS))
@pytest.mark.parametrize(
    "case", CORPUS_LOCATION_CASES, ids=[c["id"] for c in CORPUS_LOCATION_CASES]
)
def test_adapters_locate_corpus_tokens_like_the_core(
    case: dict[str, Any],
    adapter: str,
    corpus_adapters: dict[str, Any],
    corpus_world: dict[str, Any],  # noqa: F811
) -> None:
    headers = corpus_location_headers(case, corpus_world)
    engine: Clerk = corpus_adapters["engine"]
    core = engine.authenticate_request(
        RequestView("GET", "http://testserver/api", {"host": "testserver", **headers})
    ).to_auth()
    assert core.user_id == case["user"]
    assert corpus_adapters[adapter](headers) == case["user"]
