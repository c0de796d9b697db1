"""ClerkBackend with Starlette's AuthenticationMiddleware, and hostile tokens through the adapter
(R1, R15): the project's corpus always, the workspace's extra vectors when present; never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from clerk_core import AuthObject, Clerk
from clerk_core.testing import LocalClerkInstance
from clerk_starlette import ClerkBackend, ClerkMiddleware, get_auth
from tests.conftest import extra_cases
from tests.core.test_corpus import TOKEN_CASES, corpus_engine, corpus_token, expectation
from tests.core.test_vectors import CASES, HEADER_OWS_CASES, hostile_token, make_engine


async def view(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "identity": request.user.identity if request.user.is_authenticated else None,
            "clerk": get_auth(request).user_id,
        }
    )


@requires("authenticated")
async def private(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def test_backend(clerk_instance: LocalClerkInstance, clerk_engine: Clerk) -> None:
    app = Starlette(
        routes=[Route("/", view), Route("/private", private)],
        middleware=[Middleware(AuthenticationMiddleware, backend=ClerkBackend(clerk=clerk_engine))],
    )
    http = TestClient(app)
    token = clerk_instance.session_token("user_b")
    assert http.get("/", headers={"authorization": f"Bearer {token}"}).json() == {
        "identity": "user_b",
        "clerk": "user_b",
    }
    assert http.get("/").json() == {"identity": None, "clerk": None}
    assert http.get("/private").status_code == 403
    assert http.get("/private", headers={"authorization": f"Bearer {token}"}).json() == {"ok": True}
    bad = http.get("/", headers={"authorization": "Bearer garbage"})
    assert bad.status_code == 200  # a bad token is anonymous, never an error


def test_backend_from_options(clerk_instance: LocalClerkInstance) -> None:
    backend = ClerkBackend(clerk_instance.options())
    assert backend.clerk.options.frontend_api == "clerk.local.test"


def guard(auth: AuthObject, request: Any) -> None:
    if request.url.path == "/protected":
        auth.protect()


@pytest.fixture(scope="module")
def vector_clients() -> dict[str, TestClient]:
    if not CASES:
        pytest.skip("hostile_jwt_tokens.json is not present")
    out = {}
    for mode in ("jwks", "pem"):
        app = Starlette(
            routes=[Route("/open", view), Route("/protected", view)],
            middleware=[Middleware(ClerkMiddleware, clerk=make_engine(mode), guard=guard)],
        )
        out[mode] = TestClient(app, follow_redirects=False)
    return out


@pytest.mark.parametrize("mode", ["jwks", "pem"])
@pytest.mark.parametrize(
    "case", extra_cases(CASES, "hostile_jwt_tokens.json", lambda i, c: c["id"])
)
def test_hostile_tokens_never_500(
    case: dict[str, Any], mode: str, vector_clients: dict[str, TestClient]
) -> None:
    token = hostile_token(case)
    if len(token) > 100_000:
        token = token[:100_000]  # a header that large is refused by servers before any app code
    http = vector_clients[mode]
    # Raw bytes, so that non-ASCII tokens reach the app exactly as a hostile client sends them.
    headers = {b"authorization": f"Bearer {token}".encode()}
    open_response = http.get("/open", headers=headers)
    protected = http.get("/protected", headers=headers)
    assert open_response.status_code == 200
    assert protected.status_code in (200, 401)
    by_mode = case.get("expect_by_mode") or {}
    expected = str(by_mode.get(mode, case["expect"])).split(" ")[0]
    if case["id"] in HEADER_OWS_CASES:
        expected = "accept"  # SP between the scheme and the token is optional white space
    if expected == "reject":
        assert protected.status_code == 401
        assert protected.json()["error"] == "unauthenticated"


@pytest.fixture(scope="module")
def corpus_clients() -> dict[str, TestClient]:
    out = {}
    for mode in ("jwks", "pem"):
        app = Starlette(
            routes=[Route("/open", view), Route("/protected", view)],
            middleware=[Middleware(ClerkMiddleware, clerk=corpus_engine(mode), guard=guard)],
        )
        out[mode] = TestClient(app, follow_redirects=False)
    return out


@pytest.mark.parametrize("mode", ["jwks", "pem"])
@pytest.mark.parametrize("case", TOKEN_CASES, ids=[c["id"] for c in TOKEN_CASES])
def test_corpus_tokens_through_the_middleware(
    case: dict[str, Any], mode: str, corpus_clients: dict[str, TestClient]
) -> None:
    token = corpus_token(case)[:100_000]  # servers refuse larger headers before any app code
    http = corpus_clients[mode]
    headers = {b"authorization": f"Bearer {token}".encode()}
    assert http.get("/open", headers=headers).status_code == 200
    protected = http.get("/protected", headers=headers)
    outcome, _ = expectation(case, mode)
    if outcome == "accept":
        assert (protected.status_code, protected.json()["clerk"]) == (200, "user_corpus")
    elif outcome in ("reject", "pending"):
        assert protected.status_code == 401
    else:
        assert protected.status_code in (200, 401)
