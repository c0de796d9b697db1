"""Through the Starlette middleware, a client that repeats its API key costs one Backend API
verify call, not one per request (the engine remembers verified machine tokens)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from clerk_core.testing import LocalClerkInstance
from clerk_starlette import ClerkMiddleware, get_auth


async def whoami(request: Request) -> JSONResponse:
    auth = get_auth(request)
    return JSONResponse({"type": auth.token_type, "subject": getattr(auth, "subject", None)})


def test_five_requests_with_one_api_key_make_one_verify_call(
    clerk_instance: LocalClerkInstance,
) -> None:
    engine = clerk_instance.clerk(accepts_token="any")
    app = Starlette(
        routes=[Route("/api/me", whoami)],
        middleware=[Middleware(ClerkMiddleware, clerk=engine)],
    )
    key = clerk_instance.api_key("user_s", scopes=["read"])
    with TestClient(app) as client:
        bodies = [
            client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).json()
            for _ in range(5)
        ]
    assert bodies == [{"type": "api_key", "subject": "user_s"}] * 5
    verify = [r for r in clerk_instance.requests if r.url.path == "/v1/api_keys/verify"]
    assert len(verify) == 1
