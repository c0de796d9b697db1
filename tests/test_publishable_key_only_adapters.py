"""Each adapter, configured with the publishable key and nothing secret, verifies sessions with
the Frontend API JWKS (docs/publishable-key-only.md).

The apps are configured the way an app reads its settings (option fields, ``app.config``,
``settings.CLERK``) with no ``CLERK_*`` variable in the environment, so the adapter builds its
own engine. The keys come from the local instance's loopback server through an absolute
``proxy_url``; the test asserts that no request carried a credential or reached the Backend API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clerk_core import ClerkConfigurationError
from clerk_core.testing import LocalClerkInstance
from clerk_core.testing.server import LocalBackendServer

Get = Callable[..., Any]
"""``get(path, headers) -> (status, json_or_none, headers)``."""
CLOSE: list[Callable[[], None]] = []
"""Closes the engines the adapters built (their pooled connections to the loopback server)."""


@pytest.fixture(autouse=True)
def close_engines() -> Iterator[None]:
    yield
    while CLOSE:
        CLOSE.pop()()


@pytest.fixture(autouse=True)
def no_clerk_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("CLERK_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def instance() -> LocalClerkInstance:
    # A production instance: the strictest case (an https-or-loopback key source).
    return LocalClerkInstance(
        instance_type="production", frontend_api="clerk.pkadapters.test", authorized_parties=()
    )


@pytest.fixture(scope="module")
def server(instance: LocalClerkInstance) -> Iterator[LocalBackendServer]:
    with instance.serve() as running:
        yield running


@pytest.fixture
def fields(instance: LocalClerkInstance, server: LocalBackendServer) -> dict[str, Any]:
    instance.requests.clear()
    return {"publishable_key": instance.publishable_key, "proxy_url": f"{server.url}/__clerk"}


def starlette_app(fields: dict[str, Any]) -> Get:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from clerk_starlette import ClerkMiddleware, current_user, get_auth

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    async def profile(request: Request) -> JSONResponse:
        user = await current_user(request)
        return JSONResponse({"user": None if user is None else user.id})

    app = Starlette(routes=[Route("/whoami", whoami), Route("/profile", profile)])
    middleware = ClerkMiddleware(app, **fields)  # the adapter builds its engine from the fields
    CLOSE.append(middleware.clerk.close)
    client = TestClient(middleware, follow_redirects=False)

    def get(path: str, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        response = client.get(path, headers=headers)
        body = (
            response.json() if response.headers.get("content-type") == "application/json" else None
        )
        return response.status_code, body, dict(response.headers)

    return get


def flask_app(fields: dict[str, Any]) -> Get:
    from flask import Flask, jsonify

    from clerk_flask import Clerk, current_user, get_auth

    app = Flask(__name__)
    app.testing = True
    for name, value in fields.items():
        app.config[f"CLERK_{name.upper()}"] = value
    Clerk(app)
    CLOSE.append(app.extensions["clerk"].engine.close)

    @app.get("/whoami")
    def whoami() -> Any:
        return jsonify(user_id=get_auth().user_id)

    @app.get("/profile")
    def profile() -> Any:
        user = current_user()
        return jsonify(user=None if user is None else user.id)

    client = app.test_client(use_cookies=False)

    def get(path: str, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        response = client.get(path, headers=headers)
        return response.status_code, response.get_json(silent=True), dict(response.headers)

    return get


def django_app(fields: dict[str, Any], *, asynchronous: bool = False) -> Get:
    from django.test import AsyncClient, Client, override_settings

    from clerk_django.conf import get_clerk

    def get(path: str, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        target = {"/whoami": "/async-open" if asynchronous else "/", "/profile": "/profile"}[path]
        with override_settings(CLERK=dict(fields), ROOT_URLCONF=__name__):
            try:
                if asynchronous:
                    import asyncio

                    response = asyncio.run(
                        AsyncClient(raise_request_exception=True).get(target, headers=headers)
                    )
                else:
                    response = Client(raise_request_exception=True).get(target, headers=headers)
            finally:
                get_clerk().close()  # the engine settings.CLERK built
        headers = {name.lower(): value for name, value in response.items()}
        body = response.json() if headers["content-type"].startswith("application/json") else None
        return response.status_code, body, headers

    return get


def _django_profile(request: Any) -> Any:
    from django.http import JsonResponse

    from clerk_django import current_user

    user = current_user(request)
    return JsonResponse({"user": None if user is None else user.id})


def _django_urls() -> list[Any]:
    try:
        from django.urls import path
    except ImportError:  # pragma: no cover - Django is a test dependency
        return []
    from tests.django import views

    return [
        path("", views.open_view),
        path("async-open", views.async_open_view),
        path("profile", _django_profile),
    ]


urlpatterns = _django_urls()

ADAPTERS: dict[str, Callable[[dict[str, Any]], Get]] = {
    "starlette": starlette_app,
    "flask": flask_app,
    "django": django_app,
    "django-async": lambda fields: django_app(fields, asynchronous=True),
}


def assert_no_secret_sent(instance: LocalClerkInstance) -> None:
    assert instance.requests, "no key was loaded"
    for request in instance.requests:
        assert request.url.path == "/__clerk/.well-known/jwks.json", request.url
        assert "authorization" not in request.headers


@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_a_bearer_session_verifies_with_only_the_publishable_key(
    adapter: str, instance: LocalClerkInstance, fields: dict[str, Any]
) -> None:
    get = ADAPTERS[adapter](fields)
    token = instance.session_token("user_pk")
    status, body, _ = get("/whoami", {"authorization": f"Bearer {token}"})
    assert (status, body["user_id"]) == (200, "user_pk")
    status, body, _ = get("/whoami", {"authorization": f"Bearer {instance.other_key_token()}"})
    assert (status, body["user_id"]) == (200, None)
    assert_no_secret_sent(instance)


@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_a_session_cookie_verifies_with_only_the_publishable_key(
    adapter: str, instance: LocalClerkInstance, fields: dict[str, Any]
) -> None:
    get = ADAPTERS[adapter](fields)
    token = instance.session_token("user_cookie", iat=int(time.time()) - 1, lifetime=600)
    cookie = f"__session={token}; __client_uat={int(time.time()) - 100}"
    status, body, _ = get("/whoami", {"cookie": cookie})
    assert (status, body["user_id"]) == (200, "user_cookie")
    assert_no_secret_sent(instance)


@pytest.mark.parametrize("adapter", ["starlette", "flask", "django"])
def test_an_expired_page_session_goes_to_the_handshake_token(
    adapter: str, instance: LocalClerkInstance, fields: dict[str, Any]
) -> None:
    get = ADAPTERS[adapter](fields)
    expired = instance.session_token("user_old", iat=int(time.time()) - 200, lifetime=60)
    headers = {
        "cookie": f"__session={expired}; __client_uat={int(time.time()) - 300}",
        "sec-fetch-dest": "document",
        "accept": "text/html",
    }
    status, _, response_headers = get("/whoami", headers)
    location = {k.lower(): v for k, v in response_headers.items()}["location"]
    assert status == 307
    assert location.startswith(f"{fields['proxy_url']}/v1/client/handshake?")
    query = parse_qs(urlsplit(location).query)
    assert "format" not in query  # the signed handshake token, not a nonce
    assert query["__clerk_hs_reason"] == [
        "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    ]


@pytest.mark.parametrize("adapter", ["starlette", "flask", "django"])
def test_current_user_names_the_missing_secret_key(
    adapter: str, instance: LocalClerkInstance, fields: dict[str, Any]
) -> None:
    get = ADAPTERS[adapter](fields)
    token = instance.session_token("user_profile")
    with pytest.raises(ClerkConfigurationError, match=r"secret_key \(CLERK_SECRET_KEY\)"):
        get("/profile", {"authorization": f"Bearer {token}"})


def test_django_system_checks_accept_a_publishable_key_alone(instance: LocalClerkInstance) -> None:
    from django.core.checks import run_checks
    from django.test import override_settings

    def errors(config: dict[str, Any]) -> set[str]:
        with override_settings(CLERK=config, DEBUG=False):
            return {m.id for m in run_checks() if m.id and m.id.startswith("clerk.E")}

    assert errors({"publishable_key": instance.publishable_key}) == set()
    assert "clerk.E003" in errors({})
