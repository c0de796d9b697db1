"""Policy 11 in Starlette and FastAPI: a request signed in by the session cookie from another origin
(an unsafe method, or any WebSocket) is refused; Bearer requests are not."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from clerk_core import AuthObject, Clerk
from clerk_core.testing import LocalClerkInstance
from clerk_starlette import ClerkBackend, ClerkMiddleware, get_auth

OWN = "http://127.0.0.1:8000"
EVIL = "https://evil.example"


async def transfer(request: Request) -> JSONResponse:
    return JSONResponse({"user_id": get_auth(request).user_id})


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user_id": get_auth(websocket).user_id})
    await websocket.close()


ROUTES = [
    Route("/transfer", transfer, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    WebSocketRoute("/ws", socket),
]


def client(engine: Clerk) -> TestClient:
    app = Starlette(routes=ROUTES, middleware=[Middleware(ClerkMiddleware, clerk=engine)])
    return TestClient(app, base_url=OWN, follow_redirects=False)


def cookies(instance: LocalClerkInstance, token: str) -> dict[str, str]:
    return {"cookie": "; ".join(f"{k}={v}" for k, v in instance.cookies(token).items())}


@pytest.fixture
def token(clerk_instance: LocalClerkInstance) -> str:
    return clerk_instance.session_token("user_victim")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_cross_site_cookie_request_is_refused(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str, method: str
) -> None:
    response = client(clerk_engine).request(
        method, "/transfer", headers={**cookies(clerk_instance, token), "origin": EVIL}
    )
    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "reason": "cross-origin-request"}
    assert response.headers["x-clerk-auth-reason"] == "cross-origin-request"


def test_what_goes_through(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str
) -> None:
    http = client(clerk_engine)
    jar = cookies(clerk_instance, token)
    same_origin = http.post("/transfer", headers={**jar, "origin": OWN})
    assert same_origin.json() == {"user_id": "user_victim"}
    by_referer = http.post("/transfer", headers={**jar, "referer": f"{OWN}/form"})
    assert by_referer.json() == {"user_id": "user_victim"}
    party = http.post("/transfer", headers={**jar, "origin": "http://localhost:8000"})
    assert party.json() == {"user_id": "user_victim"}
    bearer = http.post("/transfer", headers={"authorization": f"Bearer {token}", "origin": EVIL})
    assert bearer.json() == {"user_id": "user_victim"}
    read = http.get("/transfer", headers={**jar, "origin": EVIL})
    assert read.json() == {"user_id": "user_victim"}  # a safe method changes nothing
    anonymous = http.post("/transfer", headers={"origin": EVIL})
    assert anonymous.json() == {"user_id": None}  # no session, nothing to forge


def test_no_origin_and_no_referer_is_refused(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str
) -> None:
    response = client(clerk_engine).post("/transfer", headers=cookies(clerk_instance, token))
    assert response.status_code == 403
    assert (
        client(clerk_engine)
        .post("/transfer", headers={**cookies(clerk_instance, token), "origin": "null"})
        .status_code
        == 403
    )


def test_opt_out(clerk_instance: LocalClerkInstance, token: str) -> None:
    engine = clerk_instance.clerk(csrf_origin_check=False)
    response = client(engine).post(
        "/transfer", headers={**cookies(clerk_instance, token), "origin": EVIL}
    )
    assert response.json() == {"user_id": "user_victim"}


def test_cross_site_websocket_hijacking_is_refused(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str
) -> None:
    http = client(clerk_engine)
    jar = cookies(clerk_instance, token)
    with (
        pytest.raises(WebSocketDisconnect) as info,
        http.websocket_connect("/ws", headers={**jar, "origin": EVIL}),
    ):
        pass
    assert info.value.code == 1008
    assert info.value.reason == "cross-origin-request"
    with (
        pytest.raises(WebSocketDisconnect) as null_origin,
        http.websocket_connect("/ws", headers={**jar, "origin": "null"}),
    ):
        pass
    assert null_origin.value.code == 1008


def test_websockets_that_are_not_hijacked(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str
) -> None:
    http = client(clerk_engine)
    jar = cookies(clerk_instance, token)
    for headers in (
        {**jar, "origin": OWN},
        {**jar, "origin": "http://localhost:8000"},  # an authorized party
        jar,  # no Origin: not a browser
        {"authorization": f"Bearer {token}", "origin": EVIL},
    ):
        with http.websocket_connect("/ws", headers=headers) as ws:
            assert ws.receive_json() == {"user_id": "user_victim"}
    with http.websocket_connect("/ws", headers={"origin": EVIL}) as ws:
        assert ws.receive_json() == {"user_id": None}  # no cookie: nobody to impersonate
    opted_out = client(clerk_instance.clerk(csrf_origin_check=False))
    with opted_out.websocket_connect("/ws", headers={**jar, "origin": EVIL}) as ws:
        assert ws.receive_json() == {"user_id": "user_victim"}


def fastapi_app(engine: Clerk) -> TestClient:
    from fastapi import Depends, FastAPI

    from clerk_starlette.fastapi import get_auth as get_auth_dependency
    from clerk_starlette.fastapi import require_auth

    app = FastAPI()
    app.state.clerk = engine

    @app.post("/me")
    async def me(auth: AuthObject = Depends(get_auth_dependency)) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    @app.post("/private")
    async def private(auth: AuthObject = Depends(require_auth)) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    return TestClient(app, base_url=OWN)


def test_fastapi_dependencies_without_the_middleware(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str
) -> None:
    pytest.importorskip("fastapi")
    http = fastapi_app(clerk_engine)
    jar = cookies(clerk_instance, token)
    for path in ("/me", "/private"):
        forged = http.post(path, headers={**jar, "origin": EVIL})
        assert forged.status_code == 403
        assert forged.json() == {"error": "forbidden", "reason": "cross-origin-request"}
        assert http.post(path, headers={**jar, "origin": OWN}).json() == {"user_id": "user_victim"}
        bearer = http.post(path, headers={"authorization": f"Bearer {token}", "origin": EVIL})
        assert bearer.json() == {"user_id": "user_victim"}
    opted_out = fastapi_app(clerk_instance.clerk(csrf_origin_check=False))
    assert opted_out.post("/me", headers={**jar, "origin": EVIL}).json() == {
        "user_id": "user_victim"
    }


@requires("authenticated")
async def backend_view(request: Request) -> JSONResponse:
    return JSONResponse({"user_id": request.user.identity})


def test_clerk_backend_treats_a_forged_request_as_anonymous(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str
) -> None:
    app = Starlette(
        routes=[Route("/transfer", backend_view, methods=["POST"])],
        middleware=[Middleware(AuthenticationMiddleware, backend=ClerkBackend(clerk=clerk_engine))],
    )
    http = TestClient(app, base_url=OWN)
    jar = cookies(clerk_instance, token)
    assert http.post("/transfer", headers={**jar, "origin": EVIL}).status_code == 403
    assert http.post("/transfer", headers={**jar, "origin": OWN}).json() == {
        "user_id": "user_victim"
    }
