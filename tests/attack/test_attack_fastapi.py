"""Attack probes on FastAPI's refusals: the exception handler installed at first use, and the
dependencies on routes they were not written for."""

# No ``from __future__ import annotations``: FastAPI must resolve the endpoints' annotations.
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi import APIRouter, Depends, FastAPI, WebSocket
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.websockets import WebSocketDisconnect

from clerk_core import AuthObject
from clerk_core.testing import LocalClerkInstance
from clerk_starlette.fastapi import ClerkHTTPException, Protect, require_auth

CORE_BODY = {"error": "unauthenticated", "reason": "session-token-and-uat-missing"}
BASE = "http://127.0.0.1:8000"


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(instance_type="production", frontend_api="clerk.fastapi-attack.test")


def app_for(instance: LocalClerkInstance, handlers: Any = None) -> FastAPI:
    app = FastAPI(exception_handlers=handlers or {})
    app.state.clerk = instance.clerk()
    router = APIRouter()

    @router.get("/private")
    async def private(auth: AuthObject = Depends(require_auth)) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    @router.get("/admin")
    async def admin(auth: AuthObject = Depends(Protect(role="org:admin"))) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    @router.get("/own-401")
    async def own() -> None:
        raise HTTPException(401, "the app's own refusal")

    app.include_router(router)
    return app


def test_the_default_handler_answers_the_core_body_and_leaves_the_apps_own_exceptions(
    instance: LocalClerkInstance,
) -> None:
    client = TestClient(app_for(instance), base_url=BASE)
    for _ in range(2):
        refused = client.get("/private", headers={"accept": "application/json"})
        assert (refused.status_code, refused.json()) == (401, CORE_BODY)
        assert refused.headers["cache-control"] == "no-store"
        assert refused.headers.get_list("x-clerk-auth-status") == ["signed-out"]
        assert client.get("/own-401").json() == {"detail": "the app's own refusal"}


@pytest.mark.parametrize("cls", [HTTPException, StarletteHTTPException, ClerkHTTPException])
def test_an_apps_own_handler_gets_the_refusal_with_clerks_headers(
    instance: LocalClerkInstance, cls: type
) -> None:
    async def handler(request: Request, exc: Any) -> JSONResponse:
        return JSONResponse(
            {"mine": True, "detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    client = TestClient(app_for(instance, {cls: handler}), base_url=BASE)
    refused = client.get("/private", headers={"accept": "application/json"})
    assert refused.status_code == 401
    assert refused.json() == {"mine": True, "detail": CORE_BODY}
    assert refused.headers["cache-control"] == "no-store"
    assert refused.headers.get_list("x-clerk-auth-status") == ["signed-out"]


def test_installing_the_handler_in_one_app_leaves_other_apps_alone(
    instance: LocalClerkInstance,
) -> None:
    first = TestClient(app_for(instance), base_url=BASE)
    assert first.get("/private").json() == CORE_BODY
    mine_called = []

    async def handler(request: Request, exc: Any) -> JSONResponse:
        mine_called.append(type(exc).__name__)
        return JSONResponse({"mine": True}, status_code=exc.status_code)

    second = TestClient(app_for(instance, {HTTPException: handler}), base_url=BASE)
    assert second.get("/private").json() == {"mine": True}
    third = TestClient(app_for(instance), base_url=BASE)
    assert third.get("/own-401").json() == {"detail": "the app's own refusal"}
    assert third.get("/private").json() == CORE_BODY
    assert mine_called == ["ClerkHTTPException"]


def test_a_mounted_sub_application_answers_the_core_body(instance: LocalClerkInstance) -> None:
    parent = FastAPI()
    seen = []

    @parent.exception_handler(HTTPException)
    async def parents(request: Request, exc: Any) -> JSONResponse:
        seen.append("parent")
        return JSONResponse({"parent": True}, status_code=exc.status_code)

    parent.mount("/sub", app_for(instance))
    client = TestClient(parent, base_url=BASE)
    refused = client.get("/sub/private", headers={"accept": "application/json"})
    assert (refused.status_code, refused.json()) == (401, CORE_BODY)
    assert seen == []


# Found by the attack review (was a strict xfail until fixed).
def test_require_auth_on_a_websocket_route_checks_the_origin(
    instance: LocalClerkInstance,
) -> None:
    app = FastAPI()
    app.state.clerk = instance.clerk()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, auth: AuthObject = Depends(require_auth)) -> None:
        await websocket.accept()
        await websocket.send_json({"user": auth.user_id})
        await websocket.close()

    client = TestClient(app, base_url=BASE)
    token = instance.session_token("user_victim", lifetime=3600)
    jar = "; ".join(f"{k}={v}" for k, v in instance.cookies(token).items())
    with client.websocket_connect("/ws", headers={"cookie": jar, "origin": BASE}) as s:
        assert s.receive_json() == {"user": "user_victim"}
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(
            "/ws", headers={"cookie": jar, "origin": "https://evil.example"}
        ) as s,
    ):
        s.receive_json()
    assert closed.value.code == 1008
