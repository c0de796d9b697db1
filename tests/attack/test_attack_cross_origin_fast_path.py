"""Attack probe: the cross-origin refusal holds for a session cookie answered by the fast path.

A production primary answers a repeated session cookie from the token memory (the remembered-cookie
fast path). The same browser cookie, sent by another site's form or WebSocket, must still be
refused in every adapter, as it is the first time (full cookie flow)."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_core import AuthObject, Clerk
from clerk_core.testing import LocalClerkInstance

EVIL = "https://evil.example"


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=("http://testserver", "http://127.0.0.1:8000"),
    )


def cookie_header(instance: LocalClerkInstance, token: str) -> str:
    return "; ".join(f"{k}={v}" for k, v in instance.cookies(token).items())


def starlette_app(engine: Clerk, *, middleware: bool) -> Any:
    from fastapi import Depends, FastAPI

    from clerk_starlette import ClerkMiddleware
    from clerk_starlette.fastapi import get_auth, require_auth

    app = FastAPI()
    if middleware:
        app.add_middleware(ClerkMiddleware, clerk=engine)
    else:
        app.state.clerk = engine

    @app.post("/transfer")
    async def transfer(auth: AuthObject = Depends(require_auth)) -> dict[str, Any]:
        return {"moved_money_for": auth.user_id}

    @app.post("/transfer-get-auth")
    async def transfer_get_auth(auth: AuthObject = Depends(get_auth)) -> dict[str, Any]:
        return {"moved_money_for": auth.user_id}

    return app


@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "dependencies-only"])
@pytest.mark.parametrize("path", ["/transfer", "/transfer-get-auth"])
def test_fastapi_refuses_a_cross_site_post_with_a_remembered_cookie(
    instance: LocalClerkInstance, middleware: bool, path: str
) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    engine = instance.clerk()
    client = TestClient(
        starlette_app(engine, middleware=middleware), base_url="http://127.0.0.1:8000"
    )
    token = instance.session_token("user_victim", lifetime=3600)
    jar = cookie_header(instance, token)
    own = client.post(path, headers={"cookie": jar, "origin": "http://127.0.0.1:8000"})
    assert own.json() == {"moved_money_for": "user_victim"}  # now remembered
    for _ in range(2):
        forged = client.post(path, headers={"cookie": jar, "origin": EVIL})
        assert forged.status_code in (401, 403), forged.text
        assert "user_victim" not in forged.text
        assert forged.headers.get("cache-control") == "no-store"


def test_starlette_refuses_a_cross_site_websocket_with_a_remembered_cookie(
    instance: LocalClerkInstance,
) -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import WebSocketRoute
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocket, WebSocketDisconnect

    from clerk_starlette import ClerkMiddleware, get_auth

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"user": get_auth(websocket).user_id})
        await websocket.close()

    app = Starlette(
        routes=[WebSocketRoute("/ws", ws)],
        middleware=[Middleware(ClerkMiddleware, clerk=instance.clerk())],
    )
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    token = instance.session_token("user_victim", lifetime=3600)
    jar = cookie_header(instance, token)
    with client.websocket_connect(
        "/ws", headers={"cookie": jar, "origin": "http://127.0.0.1:8000"}
    ) as s:
        assert s.receive_json() == {"user": "user_victim"}
    for _ in range(2):
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect("/ws", headers={"cookie": jar, "origin": EVIL}) as s,
        ):
            s.receive_json()
        assert closed.value.code == 1008


def test_flask_refuses_a_cross_site_post_with_a_remembered_cookie(
    instance: LocalClerkInstance,
) -> None:
    pytest.importorskip("flask")
    from flask import Flask, jsonify

    from clerk_flask import Clerk as ClerkExtension
    from clerk_flask import current_auth

    app = Flask(__name__)
    ClerkExtension(app, clerk=instance.clerk())

    @app.post("/transfer")
    def transfer() -> Any:
        return jsonify(moved_money_for=current_auth.user_id)

    client = app.test_client(use_cookies=False)
    jar = cookie_header(instance, instance.session_token("user_victim", lifetime=3600))
    base = "http://127.0.0.1:8000"
    own = client.post("/transfer", headers={"cookie": jar, "origin": base}, base_url=base)
    assert own.get_json() == {"moved_money_for": "user_victim"}
    for _ in range(2):
        forged = client.post("/transfer", headers={"cookie": jar, "origin": EVIL}, base_url=base)
        assert forged.status_code == 403
        assert forged.headers.get("cache-control") == "no-store"


@pytest.mark.parametrize("path", ["/api/transfer", "/api/cbv-transfer"])
def test_drf_without_clerk_authentication_refuses_a_remembered_cookie_cross_site(
    instance: LocalClerkInstance, path: str
) -> None:
    pytest.importorskip("rest_framework")
    from django.test import Client, override_settings

    engine = instance.clerk()
    jar = cookie_header(instance, instance.session_token("user_victim", lifetime=3600))
    with override_settings(CLERK={"clerk": engine}, ROOT_URLCONF="tests.attack.drf_urls"):
        client = Client(enforce_csrf_checks=True)
        own = client.post(path, HTTP_COOKIE=jar, HTTP_ORIGIN="http://testserver")
        assert own.json() == {"moved_money_for": "user_victim"}
        for _ in range(2):
            forged = client.post(path, HTTP_COOKIE=jar, HTTP_ORIGIN=EVIL)
            assert forged.status_code == 403
