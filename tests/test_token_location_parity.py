"""Issue 12, item 8: the ``Authorization`` and ``Cookie`` headers are read as ``@clerk/backend``
3.25 reads them (``tokens/authenticateContext.ts`` ``parseAuthorizationHeader``,
``tokens/clerkRequest.ts`` ``parseCookies`` with the npm ``cookie`` package), in the engine and in
the Starlette, Django and Flask adapters alike, except for the two policies of docs/security.md
("Token location"), which are tested here as policies with both behaviours named."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_core import AuthStatus, Clerk, RequestView
from clerk_core.testing import LocalClerkInstance
from tests.test_token_location_adapters import ADAPTERS

# (Authorization, Cookie, expected status, expected reason, user) with "T" standing for a valid
# session token of the instance and "C" for a valid session cookie pair (__session=T and a
# __client_uat). Expected values are what Clerk's authenticateRequest answers for the same headers.
CASES: list[tuple[str, str | None, str | None, AuthStatus, str | None, str | None]] = [
    # JS: split(' ', 2) keeps the second word; the words after it are ignored.
    ("trailing-word", "Bearer T extra", None, AuthStatus.SIGNED_IN, None, "user_T"),
    ("comma-joined", "Bearer T, Bearer X", "C", AuthStatus.SIGNED_OUT, "token-invalid", None),
    # JS: no second word, so the whole value is the token; it fails, and the header token never
    # falls back to the cookie (request.ts authenticateRequestWithTokenInHeader).
    ("bearer-alone", "Bearer", "C", AuthStatus.SIGNED_OUT, "token-invalid", None),
    ("bearer-space", "Bearer ", "C", AuthStatus.SIGNED_OUT, "token-invalid", None),
    ("tab", "Bearer\tT", "C", AuthStatus.SIGNED_OUT, "token-invalid", None),
    ("bare-token", "T", None, AuthStatus.SIGNED_IN, None, "user_T"),
    # JS: another scheme carries no token, so the cookie is read.
    ("basic", "Basic dXNlcjpwYXNz", "C", AuthStatus.SIGNED_IN, None, "user_T"),
    ("scheme-like-word", "T extra", "C", AuthStatus.SIGNED_IN, None, "user_T"),
    # npm cookie 1.x keeps double quotes: a quoted token is not a token.
    ("quoted-cookie", None, '__session="T"', AuthStatus.SIGNED_OUT, "token-invalid", None),
    ("spaced-cookie", None, "__session= T ", AuthStatus.SIGNED_IN, None, "user_T"),
    ("tabbed-cookie", None, "__session=\tT\t", AuthStatus.SIGNED_IN, None, "user_T"),
    # POLICY 4 (scheme case-insensitive, RFC 9110). Clerk JS: "bearer" is another scheme, the header
    # is skipped and, with no cookie, the answer is signed-out session-token-and-uat-missing.
    ("policy-lowercase-scheme", "bearer T", None, AuthStatus.SIGNED_IN, None, "user_T"),
    ("policy-uppercase-scheme", "BEARER T", None, AuthStatus.SIGNED_IN, None, "user_T"),
    # POLICY (several spaces after Bearer are one; the R15 vector "Bearer  T"). Clerk JS: the word
    # "Bearer" is the token, so signed-out token-invalid even with a valid cookie.
    ("policy-two-spaces", "Bearer  T", "C", AuthStatus.SIGNED_IN, None, "user_T"),
]
IDS = [case[0] for case in CASES]


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.parsing.test")
    engine = instance.clerk(clock=instance.clock)
    return {
        "instance": instance,
        "engine": engine,
        "token": instance.session_token("user_T"),
        "adapters": {name: make(engine) for name, make in ADAPTERS.items()},
    }


def headers_for(
    authorization: str | None, cookie: str | None, world: dict[str, Any]
) -> dict[str, str]:
    instance: LocalClerkInstance = world["instance"]
    token: str = world["token"]
    headers: dict[str, str] = {}
    if authorization is not None:
        headers["authorization"] = " ".join(
            token if word == "T" else word.replace("T,", token + ",").replace("\tT", "\t" + token)
            for word in authorization.split(" ")
        )
    if cookie is not None:
        uat = f"__client_uat={int(instance.clock()) - 100}"
        pair = f"__session={token}; {uat}" if cookie == "C" else cookie.replace("T", token)
        headers["cookie"] = pair if cookie == "C" else f"{pair}; {uat}"
    return headers


@pytest.mark.parametrize(
    ("name", "authorization", "cookie", "status", "reason", "user"), CASES, ids=IDS
)
def test_engine_reads_headers_like_clerk(
    name: str,
    authorization: str | None,
    cookie: str | None,
    status: AuthStatus,
    reason: str | None,
    user: str | None,
    world: dict[str, Any],
) -> None:
    engine: Clerk = world["engine"]
    headers = {"host": "testserver", **headers_for(authorization, cookie, world)}
    state = engine.authenticate_request(RequestView("GET", "http://testserver/api", headers))
    assert (state.status, state.reason) == (status, reason), state.message
    assert state.to_auth().user_id == user
    if authorization is not None and status is AuthStatus.SIGNED_OUT:
        assert state.token_source == "header"  # judged by the header, the cookie never read


@pytest.mark.parametrize("adapter", list(ADAPTERS))
@pytest.mark.parametrize(
    ("name", "authorization", "cookie", "status", "reason", "user"), CASES, ids=IDS
)
def test_adapters_read_headers_like_clerk(
    adapter: str,
    name: str,
    authorization: str | None,
    cookie: str | None,
    status: AuthStatus,
    reason: str | None,
    user: str | None,
    world: dict[str, Any],
) -> None:
    """The raw header strings reach the engine unchanged through every framework."""
    assert world["adapters"][adapter](headers_for(authorization, cookie, world)) == user
