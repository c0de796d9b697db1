"""A production satellite through Starlette's middleware, configured by option fields: tokens with
the satellite's issuer sign in, and ``satellite_auto_sync`` starts the sync handshake."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from clerk_starlette import ClerkMiddleware, get_auth
from tests.satellite_app import (
    HOST,
    PAGE,
    assert_satellite_sync,
    satellite,
    satellite_fields,
    session_cookie_header,
)


async def whoami(request: Request) -> JSONResponse:
    return JSONResponse({"user_id": get_auth(request).user_id})


def test_production_satellite_through_starlette() -> None:
    sat = satellite()
    app = Starlette(
        routes=[Route("/whoami", whoami)],
        middleware=[Middleware(ClerkMiddleware, **satellite_fields(sat))],
    )
    client = TestClient(app, base_url=f"http://{HOST}", follow_redirects=False)
    response = client.get("/whoami", headers=PAGE)
    assert_satellite_sync(response.status_code, response.headers.get("location"))
    token = sat.session_token("user_sat")
    cookie = session_cookie_header(sat, token)
    response = client.get("/whoami", headers={**PAGE, "cookie": cookie})
    assert (response.status_code, response.json()) == (200, {"user_id": "user_sat"})
    response = client.get("/whoami", headers={"authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (200, {"user_id": "user_sat"})
