"""protect(token=...), Clerk's reverification hint, and the refusals they render (issue 15).

The reference is Clerk's ``auth.protect({token})`` (packages/nextjs/src/server/protect.ts): a token
of another type is refused with a 401, never a sign-in redirect; a route that takes no session
tokens answers a signed-out request with a 401 too. A failed reverification answers
``reverificationError`` of ``@clerk/shared`` with a 403.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from clerk_core import (
    ClerkConfigurationError,
    MachineUnauthenticated,
    ReverificationRequired,
    TokenTypeMismatch,
    Unauthenticated,
    Unauthorized,
    auth_response,
    check_protect,
)
from clerk_core.auth import MachineAuth, SessionAuth, SignedOutAuth
from clerk_core.protect import route_accepts_token, validate_protect_params
from clerk_core.testing import LocalClerkInstance


def api_key_auth() -> MachineAuth:
    return MachineAuth(
        "api_key",
        id="ak_1",
        subject="user_1",
        scopes=["read"],
        claims={"tier": "gold"},
        token="ak_secret",
        name="ci key",
    )


def session_auth(**claims: Any) -> SessionAuth:
    return SessionAuth({"sub": "user_1", "sid": "sess_1", "sts": "active", **claims}, "tok")


# ------------------------------------------------------------------ token types
@pytest.mark.parametrize(
    ("token", "allowed"),
    [
        ("session_token", False),
        ("api_key", True),
        (["m2m_token", "api_key"], True),
        (["oauth_token"], False),
        ("any", True),
    ],
)
def test_a_machine_token_passes_only_routes_that_take_its_type(token: Any, allowed: bool) -> None:
    auth = api_key_auth()
    if allowed:
        assert auth.protect(token=token) is auth
    else:
        with pytest.raises(TokenTypeMismatch) as caught:
            auth.protect(token=token)
        assert caught.value.reason == "token-type-mismatch"


def test_a_session_on_a_machine_only_route_is_a_mismatch() -> None:
    with pytest.raises(TokenTypeMismatch):
        session_auth().protect(token=["api_key", "m2m_token"])
    assert session_auth().protect(token=["session_token", "api_key"]).user_id == "user_1"


def test_signed_out_on_a_machine_only_route_is_a_401_never_a_redirect(
    clerk_instance: LocalClerkInstance,
) -> None:
    options = clerk_instance.options()
    out = SignedOutAuth(token_type="api_key", reason="token-invalid")
    with pytest.raises(MachineUnauthenticated) as caught:
        out.protect(token="api_key", unauthenticated_url="/elsewhere")
    page = clerk_instance.request("/api", document=True)
    rendered = auth_response(caught.value, page, options)
    assert rendered.status == 401
    assert rendered.location is None
    assert rendered.json() == {"error": "unauthenticated", "reason": "token-invalid"}


def test_a_mismatch_is_a_401_with_clerks_reason_for_pages_and_apis(
    clerk_instance: LocalClerkInstance,
) -> None:
    options = clerk_instance.options(unauthenticated_status=404)
    for document in (False, True):
        request = clerk_instance.request("/x", document=document)
        rendered = auth_response(TokenTypeMismatch(), request, options)
        assert rendered.status == 401
        assert rendered.json() == {"error": "unauthenticated", "reason": "token-type-mismatch"}
        assert rendered.header("x-clerk-auth-reason") == "token-type-mismatch"
        assert rendered.header("www-authenticate") == "Bearer"


def test_without_token_protect_keeps_the_app_wide_rule() -> None:
    auth = api_key_auth()
    assert auth.protect() is auth
    with pytest.raises(Unauthorized):
        auth.protect(role="org:admin")


def test_an_opaque_machine_token_read_as_a_bad_session_is_still_a_mismatch(
    clerk_instance: LocalClerkInstance,
) -> None:
    """App-wide ``session_token``: the engine reads ``ak_...`` as a malformed session token
    (Clerk's rule, signed out). A route that names its types says what it is instead."""
    engine = clerk_instance.clerk()
    request = clerk_instance.request("/api", bearer=clerk_instance.api_key())
    state = engine.authenticate_request(request)
    auth = state.to_auth()
    assert not auth.is_authenticated
    outcome = check_protect(state, auth, {"token": "session_token"}, request=request)
    assert isinstance(outcome, TokenTypeMismatch)
    # Without the route's types (or without the request), the engine's answer stands.
    assert not isinstance(check_protect(state, auth, {}, request=request), TokenTypeMismatch)


def test_the_machine_fields_are_exposed() -> None:
    auth = api_key_auth()
    assert (auth.id, auth.subject, auth.scopes, auth.claims, auth.name) == (
        "ak_1",
        "user_1",
        ["read"],
        {"tier": "gold"},
        "ci key",
    )
    assert "ak_secret" not in repr(auth)


# ------------------------------------------------------------------ wider routes
def test_a_route_wider_than_the_app_asks_for_a_second_authentication(
    clerk_instance: LocalClerkInstance,
) -> None:
    engine = clerk_instance.clerk()  # app-wide: session_token
    key = clerk_instance.api_key("user_9", name="deploy")
    request = clerk_instance.request("/api", bearer=key)
    state = engine.authenticate_request(request)
    params = {"token": ["session_token", "api_key"]}
    wider = route_accepts_token(state, state.to_auth(), params, engine.options, request)
    assert wider == ("session_token", "api_key")
    again = engine.authenticate_request(request, accepts_token=wider)
    auth = again.to_auth()
    assert (auth.token_type, auth.subject, auth.name) == ("api_key", "user_9", "deploy")
    assert check_protect(again, auth, params, request=request) is None


def test_no_second_authentication_when_the_app_already_takes_the_types(
    clerk_instance: LocalClerkInstance,
) -> None:
    engine = clerk_instance.clerk(accepts_token="any")
    request = clerk_instance.request("/api", bearer=clerk_instance.api_key())
    state = engine.authenticate_request(request)
    assert (
        route_accepts_token(state, state.to_auth(), {"token": "api_key"}, engine.options, request)
        is None
    )
    # Nor without an Authorization token (machine tokens come in that header only).
    narrow = clerk_instance.clerk()
    bare = clerk_instance.request("/api")
    state = narrow.authenticate_request(bare)
    assert (
        route_accepts_token(state, state.to_auth(), {"token": "api_key"}, narrow.options, bare)
        is None
    )


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"token": "api-key"}, "token"),
        ({"token": []}, "token"),
        ({"reverification": "very_strict"}, "reverification"),
        ({"reverification": {"level": "second_factor", "after_minutes": 0}}, "reverification"),
        ({"rol": "org:admin"}, "rol"),
    ],
)
def test_impossible_protect_arguments_fail_at_start_up(params: dict[str, Any], named: str) -> None:
    with pytest.raises(ClerkConfigurationError, match=named):
        validate_protect_params(params)


# ------------------------------------------------------------------ reverification
def _reverification(response_body: bytes) -> Any:
    return json.loads(response_body)


@pytest.mark.parametrize(
    ("requirement", "level", "minutes"),
    [
        ("strict", "second_factor", 10),
        ("strict_mfa", "multi_factor", 10),
        ("lax", "second_factor", 1440),
        ({"level": "first_factor", "after_minutes": 5}, "first_factor", 5),
        ({"level": "second_factor", "afterMinutes": 30}, "second_factor", 30),
    ],
)
def test_a_stale_session_gets_clerks_reverification_hint(
    clerk_instance: LocalClerkInstance, requirement: Any, level: str, minutes: int
) -> None:
    stale = session_auth(fva=[2000, 2000])
    with pytest.raises(ReverificationRequired) as caught:
        stale.protect(reverification=requirement)
    for document in (False, True):
        request = clerk_instance.request("/settings", document=document)
        rendered = auth_response(caught.value, request, clerk_instance.options())
        assert rendered.status == 403
        assert rendered.content_type == "application/json"
        assert rendered.json() == {
            "clerk_error": {
                "type": "forbidden",
                "reason": "reverification-error",
                "metadata": {"reverification": {"level": level, "afterMinutes": minutes}},
            }
        }


def test_a_fresh_session_passes_reverification() -> None:
    fresh = session_auth(fva=[1, 1])
    assert fresh.protect(reverification="strict") is fresh


def test_a_missing_role_is_a_plain_refusal_before_reverification() -> None:
    with pytest.raises(Unauthorized) as caught:
        session_auth(fva=[2000, 2000]).protect(role="org:admin", reverification="strict")
    assert not isinstance(caught.value, ReverificationRequired)


def test_the_hint_survives_unauthorized_status_404_and_unauthorized_url_wins(
    clerk_instance: LocalClerkInstance,
) -> None:
    stale = session_auth(fva=[2000, 2000])
    request = clerk_instance.request("/settings", document=True)
    with pytest.raises(ReverificationRequired) as caught:
        stale.protect(reverification="strict")
    hidden = clerk_instance.options(unauthorized_status=404)
    assert auth_response(caught.value, request, hidden).status == 403
    with pytest.raises(ReverificationRequired) as redirected:
        stale.protect(reverification="strict", unauthorized_url="/verify-again")
    rendered = auth_response(redirected.value, request, clerk_instance.options())
    assert (rendered.status, rendered.location) == (307, "http://127.0.0.1:8000/verify-again")


def test_a_signed_out_request_on_a_reverification_route_goes_to_sign_in(
    clerk_instance: LocalClerkInstance,
) -> None:
    with pytest.raises(Unauthenticated):
        SignedOutAuth().protect(reverification="strict")
