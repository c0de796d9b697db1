"""Every adapter refuses a request the same way: one status, one body, one set of Clerk headers.

The same refused requests go to Starlette's ``ClerkMiddleware`` (a guard), FastAPI's dependencies
(behind the middleware and alone), Django's view decorators, Django REST framework's permissions
and Flask's decorators; each must answer what ``clerk_core.responses.auth_response`` renders:
401 ``{"error": "unauthenticated", "reason": ...}`` with ``WWW-Authenticate``, 403
``{"error": "forbidden"}``, 404 ``{"error": "not_found"}`` when the options hide the route, each
Clerk header exactly once. A signed-in request gets Clerk's headers once too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import AuthObject, Clerk
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

# What an adapter answered: status, JSON body, and every value of each header that matters.
Answer = tuple[int, Any, dict[str, list[str]]]
Get = Callable[[str, dict[str, str]], Answer]
Build = Callable[[Clerk], Get]
COMPARED = (
    "cache-control",
    "content-type",
    "www-authenticate",
    "x-clerk-auth-message",
    "x-clerk-auth-reason",
    "x-clerk-auth-status",
)


def _answer(status: int, body: bytes, pairs: list[tuple[str, str]]) -> Answer:
    import json

    headers: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.lower() in COMPARED:
            headers.setdefault(name.lower(), []).append(value)
    return status, json.loads(body) if body else None, headers


def starlette(engine: Clerk) -> Get:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from clerk_starlette import ClerkMiddleware, get_auth

    def guard(auth: AuthObject, conn: HTTPConnection) -> None:
        if conn.url.path == "/admin":
            auth.protect(role="org:admin")
        elif conn.url.path == "/signed-in":
            auth.protect()

    async def view(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    app = Starlette(
        routes=[Route("/signed-in", view), Route("/admin", view)],
        middleware=[Middleware(ClerkMiddleware, clerk=engine, guard=guard)],
    )
    return _starlette_client(app)


def _starlette_client(app: Any) -> Get:
    from starlette.testclient import TestClient

    client = TestClient(app, base_url="http://testserver", follow_redirects=False)

    def get(path: str, headers: dict[str, str]) -> Answer:
        r = client.get(path, headers=headers)
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in r.headers.raw]
        return _answer(r.status_code, r.content, pairs)

    return get


def _fastapi(engine: Clerk, *, middleware: bool) -> Get:
    from fastapi import Depends, FastAPI

    from clerk_starlette import ClerkMiddleware
    from clerk_starlette.fastapi import Protect, require_auth

    app = FastAPI()
    if middleware:
        app.add_middleware(ClerkMiddleware, clerk=engine)
    else:
        app.state.clerk = engine

    @app.get("/signed-in")
    async def signed_in(auth: AuthObject = Depends(require_auth)) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    @app.get("/admin")
    async def admin(auth: AuthObject = Depends(Protect(role="org:admin"))) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    return _starlette_client(app)


def fastapi_behind_middleware(engine: Clerk) -> Get:
    return _fastapi(engine, middleware=True)


def fastapi_alone(engine: Clerk) -> Get:
    return _fastapi(engine, middleware=False)


def _django(engine: Clerk, prefix: str) -> Get:
    from django.test import Client, override_settings

    def get(path: str, headers: dict[str, str]) -> Answer:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        with override_settings(CLERK={"clerk": engine}, ROOT_URLCONF="tests.django.refusal_urls"):
            r = Client().get(prefix + path, **meta)
        pairs = list(r.items())
        pairs += [("set-cookie", m.OutputString()) for m in r.cookies.values()]
        return _answer(r.status_code, r.content, pairs)

    return get


def django_decorators(engine: Clerk) -> Get:
    return _django(engine, "")


def django_rest_framework(engine: Clerk) -> Get:
    pytest.importorskip("rest_framework")
    return _django(engine, "/drf")


def flask(engine: Clerk) -> Get:
    from flask import Flask, jsonify

    from clerk_flask import Clerk as ClerkExtension
    from clerk_flask import current_auth, protect, require_auth

    app = Flask(__name__)
    ClerkExtension(app, clerk=engine)

    @app.get("/signed-in")
    @require_auth
    def signed_in() -> Any:
        return jsonify(user_id=current_auth.user_id)

    @app.get("/admin")
    @protect(role="org:admin")
    def admin() -> Any:
        return jsonify(user_id=current_auth.user_id)

    client = app.test_client(use_cookies=False)

    def get(path: str, headers: dict[str, str]) -> Answer:
        r = client.get(path, headers=headers, base_url="http://testserver")
        return _answer(r.status_code, r.get_data(), list(r.headers.items()))

    return get


ADAPTERS: dict[str, tuple[str, Build]] = {
    "starlette": ("starlette", starlette),
    "fastapi-behind-middleware": ("fastapi", fastapi_behind_middleware),
    "fastapi-alone": ("fastapi", fastapi_alone),
    "django-decorators": ("django", django_decorators),
    "django-rest-framework": ("django", django_rest_framework),
    "flask": ("flask", flask),
}


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> Build:
    module, build = ADAPTERS[request.param]
    pytest.importorskip(module)
    return build


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept": "application/json"}


def expected(
    instance: LocalClerkInstance, engine: Clerk, path: str, headers: dict[str, str]
) -> Answer:
    """What the core renders for the request: the reference every adapter must match."""
    from clerk_core import Unauthenticated, Unauthorized, auth_response

    request = instance.request(path, headers=headers)
    state = engine.authenticate_request(request)
    auth = state.to_auth()
    error = Unauthenticated("x") if not auth.is_authenticated else Unauthorized("x")
    rendered = auth_response(error, request, engine.options, state=state)
    return _answer(rendered.status, rendered.body, list(rendered.headers))


@pytest.fixture
def prod() -> LocalClerkInstance:
    # A stopped clock: the expired token's message quotes the current second, and the adapter's
    # answer and the reference must not straddle a second boundary.
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.prod.test",
        authorized_parties=("http://testserver",),
        clock=FakeClock(),
    )


def refused_requests(instance: LocalClerkInstance) -> dict[str, tuple[str, dict[str, str]]]:
    member = instance.session_token("user_m", org_id="org_1", org_role="org:member")
    return {
        "no token": ("/signed-in", {"accept": "application/json"}),
        "bad signature": ("/signed-in", bearer(instance.bad_signature_token())),
        "expired": ("/signed-in", bearer(instance.expired_token("user_x"))),
        "no token, admin route": ("/admin", {"accept": "application/json"}),
        "member on the admin route": ("/admin", bearer(member)),
    }


def assert_each_header_once(answer: Answer) -> None:
    for name, values in answer[2].items():
        assert len(values) == 1, (name, values)


@pytest.mark.parametrize(
    "case",
    ["no token", "bad signature", "expired", "no token, admin route", "member on the admin route"],
)
def test_every_adapter_refuses_with_the_core_response(
    prod: LocalClerkInstance, adapter: Build, case: str
) -> None:
    engine = prod.clerk()
    path, headers = refused_requests(prod)[case]
    answer = adapter(engine)(path, headers)
    reference = expected(prod, engine, path, headers)
    assert answer == reference
    assert_each_header_once(answer)
    assert answer[0] in (401, 403)
    assert answer[1]["error"] in ("unauthenticated", "forbidden")


def test_the_bodies_are_the_documented_ones(prod: LocalClerkInstance, adapter: Build) -> None:
    get = adapter(prod.clerk())
    status, body, headers = get("/signed-in", bearer(prod.bad_signature_token()))
    assert (status, body) == (
        401,
        {"error": "unauthenticated", "reason": "token-invalid-signature"},
    )
    assert headers["www-authenticate"] == ['Bearer error="invalid_token"']
    assert headers["x-clerk-auth-reason"] == ["token-invalid-signature"]
    assert headers["cache-control"] == ["no-store"]
    member = prod.session_token("user_m", org_id="org_1", org_role="org:member")
    status, body, headers = get("/admin", bearer(member))
    assert (status, body) == (403, {"error": "forbidden"})
    assert headers["cache-control"] == ["no-store"]


@pytest.mark.parametrize("field", ["unauthenticated_status", "unauthorized_status"])
def test_hidden_routes_are_404_in_every_adapter(
    prod: LocalClerkInstance, adapter: Build, field: str
) -> None:
    overrides: dict[str, Any] = {field: 404}
    engine = prod.clerk(**overrides)
    member = prod.session_token("user_m", org_id="org_1", org_role="org:member")
    path, headers = (
        ("/signed-in", {"accept": "application/json"})
        if field == "unauthenticated_status"
        else ("/admin", bearer(member))
    )
    answer = adapter(engine)(path, headers)
    assert answer[:2] == (404, {"error": "not_found"})
    assert answer == expected(prod, engine, path, headers)


def test_a_signed_in_request_carries_each_clerk_header_once(
    prod: LocalClerkInstance, adapter: Build
) -> None:
    admin = prod.session_token("user_a", org_id="org_1", org_role="org:admin")
    status, body, headers = adapter(prod.clerk())("/admin", bearer(admin))
    assert (status, body) == (200, {"user_id": "user_a"})
    assert_each_header_once((status, body, headers))
    assert "www-authenticate" not in headers


# ------------------------------------------------------------------ guards, sync and async
def _guard_rules(auth: AuthObject, path: str) -> None:
    from clerk_core import MalformedURLError

    if path.startswith("/malformed"):
        raise MalformedURLError("a malformed escape")
    if path.startswith("/admin"):
        auth.protect(role="org:admin")


def sync_guard(auth: AuthObject, request: Any) -> None:
    _guard_rules(auth, request.path if hasattr(request, "path") else request.url.path)


async def async_guard(auth: AuthObject, request: Any) -> None:
    _guard_rules(auth, request.path if hasattr(request, "path") else request.url.path)


def guarded_starlette(engine: Clerk, guard: Any) -> Get:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from clerk_starlette import ClerkMiddleware, get_auth

    async def view(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    app = Starlette(
        routes=[Route("/{path:path}", view)],
        middleware=[Middleware(ClerkMiddleware, clerk=engine, guard=guard)],
    )
    return _starlette_client(app)


def guarded_django(engine: Clerk, guard: Any) -> Get:
    from django.test import Client, override_settings

    def get(path: str, headers: dict[str, str]) -> Answer:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        clerk = {"clerk": engine, "guard": guard}
        with override_settings(CLERK=clerk, ROOT_URLCONF="tests.django.page_urls"):
            r = Client().get(path, **meta)
        return _answer(r.status_code, r.content if r.status_code != 200 else b"", list(r.items()))

    return get


def guarded_django_async(engine: Clerk, guard: Any) -> Get:
    import asyncio

    from django.test import AsyncClient, override_settings

    def get(path: str, headers: dict[str, str]) -> Answer:
        async def run() -> Any:
            return await AsyncClient().get(path, headers=headers)

        clerk = {"clerk": engine, "guard": guard}
        with override_settings(CLERK=clerk, ROOT_URLCONF="tests.django.page_urls"):
            r = asyncio.run(run())
        return _answer(r.status_code, r.content if r.status_code != 200 else b"", list(r.items()))

    return get


def guarded_flask(engine: Clerk, guard: Any) -> Get:
    from flask import Flask

    from clerk_flask import Clerk as ClerkExtension

    app = Flask(__name__)
    ClerkExtension(app, clerk=engine, guard=guard)

    @app.get("/<path:path>")
    def view(path: str) -> Any:
        return ""

    client = app.test_client(use_cookies=False)

    def get(path: str, headers: dict[str, str]) -> Answer:
        r = client.get(path, headers=headers, base_url="http://testserver")
        return _answer(r.status_code, r.get_data(), list(r.headers.items()))

    return get


GUARDED: dict[str, tuple[str, Callable[[Clerk, Any], Get]]] = {
    "starlette": ("starlette", guarded_starlette),
    "django-sync": ("django", guarded_django),
    "django-async": ("django", guarded_django_async),
    "flask": ("flask", guarded_flask),
}


@pytest.mark.parametrize("guard", [sync_guard, async_guard], ids=["sync", "async"])
@pytest.mark.parametrize("name", sorted(GUARDED))
def test_a_guard_refuses_the_same_way_everywhere(
    prod: LocalClerkInstance, name: str, guard: Any
) -> None:
    module, build = GUARDED[name]
    pytest.importorskip(module)
    if name == "flask" and guard is async_guard:
        pytest.importorskip("asgiref")  # flask[async]
    engine = prod.clerk()
    get = build(engine, guard)
    member = prod.session_token("user_m", org_id="org_1", org_role="org:member")
    forbidden = get("/admin/page", bearer(member))
    assert forbidden == expected(prod, engine, "/admin/page", bearer(member))
    assert forbidden[:2] == (403, {"error": "forbidden"})
    assert get("/malformed/x", bearer(member))[:2] == (
        400,
        {"error": "bad_request", "reason": "malformed-url"},
    )
    assert get("/page", bearer(member))[0] == 200


@pytest.mark.parametrize("path", ["/signed-in", "/admin"])
def test_a_repeated_token_gets_the_answer_of_its_first_request(
    prod: LocalClerkInstance, adapter: Build, path: str
) -> None:
    """The middlewares answer a remembered Bearer token before building a view of the request;
    a guard that refuses it, or a view that reads it, sees what the first request saw."""
    engine = prod.clerk()
    get = adapter(engine)
    member = bearer(prod.session_token("user_m", org_id="org_1", org_role="org:member"))
    first = get(path, member)
    assert get(path, member) == first == get(path, member)
    if path == "/admin":
        assert first == expected(prod, engine, path, member)
        assert first[0] == 403
    else:
        assert (first[0], first[1]) == (200, {"user_id": "user_m"})
