"""A response carrying Clerk's cookies is never shared-cacheable, in every adapter.

In production the handshake's return trip (``?__clerk_handshake_nonce=...``) or a session refresh
lets the request go on, and the adapter adds Clerk's ``Set-Cookie: __session=<token>`` to the app's
own response. If the view marked it ``Cache-Control: public, max-age=300``, a shared cache would
hand the visitor's session to the next visitors: the adapter replaces it with
``private, no-store``."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import pytest

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance

NAV = {"sec-fetch-dest": "document", "accept": "text/html"}


@pytest.fixture
def prod() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.prod.test",
        authorized_parties=("http://testserver", "http://localhost"),
    )


def nonce_for(instance: LocalClerkInstance, user: str) -> str:
    directives = [
        f"__session={instance.session_token(user)}; Path=/; Secure; SameSite=Lax",
        f"__client_uat={int(time.time()) - 1}; Path=/; Secure; SameSite=Lax",
    ]
    return instance.backend.handshake_nonce(directives)


def assert_not_shared_cacheable(headers: Iterable[tuple[str, str]]) -> None:
    pairs = list(headers)
    set_cookies = [v for k, v in pairs if k.lower() == "set-cookie"]
    assert any(c.startswith("__session=") for c in set_cookies), "the return trip did not happen"
    assert [v for k, v in pairs if k.lower() == "cache-control"] == ["private, no-store"]


def test_flask_replaces_a_public_cache_control(prod: LocalClerkInstance) -> None:
    pytest.importorskip("flask")
    from flask import Flask, Response

    from clerk_flask import Clerk as FlaskClerk

    app = Flask(__name__)

    @app.get("/")
    def home() -> Response:
        return Response("hello", headers={"Cache-Control": "public, max-age=300"})

    FlaskClerk(app, clerk=prod.clerk())
    response = app.test_client().get(
        f"/?__clerk_handshake_nonce={nonce_for(prod, 'user_victim')}", headers=NAV
    )
    assert response.status_code == 200
    assert_not_shared_cacheable(response.headers.items())


def test_starlette_replaces_a_public_cache_control(prod: LocalClerkInstance) -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from clerk_starlette import ClerkMiddleware

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello", headers={"Cache-Control": "public, max-age=300"})

    engine: Clerk = prod.clerk()
    app = Starlette(routes=[Route("/", home)])
    app.add_middleware(ClerkMiddleware, clerk=engine)
    with TestClient(app, base_url="http://localhost") as client:
        response = client.get(
            f"/?__clerk_handshake_nonce={nonce_for(prod, 'user_victim')}", headers=NAV
        )
    assert response.status_code == 200
    assert_not_shared_cacheable(response.headers.multi_items())


def test_django_replaces_a_public_cache_control(prod: LocalClerkInstance, settings: Any) -> None:
    pytest.importorskip("django")
    from django.test import Client

    settings.CLERK = {"clerk": prod.clerk()}
    settings.ROOT_URLCONF = "tests.django.cacheable_urls"
    response = Client().get(
        f"/?__clerk_handshake_nonce={nonce_for(prod, 'user_victim')}",
        HTTP_SEC_FETCH_DEST="document",
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 200
    pairs = list(response.items()) + [
        ("set-cookie", morsel.OutputString()) for morsel in response.cookies.values()
    ]
    assert_not_shared_cacheable(pairs)
