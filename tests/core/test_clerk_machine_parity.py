"""Clerk's 'Machine authentication' tests, translated (sync and async).

Source: ``packages/backend/src/tokens/__tests__/request.test.ts`` of clerk/javascript,
``describe('Machine authentication')``, every test of the group. Each test here is named after the
JS test it translates and cites it; the expected values are Clerk's (``@clerk/backend`` 3.25,
``authenticateRequest`` in ``tokens/request.ts``). One case differs by a stated policy and says so.

Clerk's matchers, as checked here:
* ``toBeMachineAuthenticated``: ``status == signed-in`` and ``token_type != session_token``;
* ``toBeMachineUnauthenticated``: signed out, the token type, reason and message given, no token;
* ``toBeMachineUnauthenticatedToAuth``: the auth object's token type, not authenticated, no id;
* ``toBeSignedOut``: signed out, the reason and message given (default ``''``), no token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import AuthStatus, ClerkConfigurationError, RequestState, RequestView
from clerk_core.testing import LocalClerkInstance

Runner = Callable[..., RequestState]
TOKEN_TYPES = ("api_key", "oauth_token", "m2m_token")
NOT_FOUND = {
    "api_key": "API key not found",
    "oauth_token": "OAuth token not found",
    "m2m_token": "Machine token not found",
}


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(frontend_api="clerk.machine.test", authorized_parties=())


def machine_token(instance: LocalClerkInstance, token_type: str) -> str:
    """A token of ``token_type`` the local Backend API verifies (Clerk's ``mockTokens``)."""
    if token_type == "api_key":
        return instance.api_key("user_2vYVtest", scopes=["read:foo", "write:bar"])
    if token_type == "oauth_token":
        return instance.oauth_token("user_2vYVtest", scopes=["read:foo", "write:bar"])
    return instance.m2m_token("mch_2vYVtest", scopes=["mch_1xxxxx"])


def unknown_token(token_type: str) -> str:
    """A well-formed opaque token the Backend API does not know (it answers 404)."""
    prefix = {"api_key": "ak_", "oauth_token": "oat_", "m2m_token": "mt_"}[token_type]
    return prefix + "8XOIucKvqHVr5tYP123456789abcdefghij"


def bearer(token: str) -> RequestView:
    # Clerk's mockRequest: host example.com, a browser user agent, Sec-Fetch-Dest: document.
    return RequestView(
        "GET",
        "http://clerk.com/path",
        {"host": "example.com", "sec-fetch-dest": "document", "authorization": f"Bearer {token}"},
    )


def cookies(**values: str) -> RequestView:
    return RequestView(
        "GET",
        "http://clerk.com/path",
        {
            "host": "example.com",
            "sec-fetch-dest": "document",
            "cookie": ";".join(f"{k}={v}" for k, v in values.items()),
        },
    )


def machine_unauthenticated(
    state: RequestState, *, token_type: str | None, reason: str, message: str
) -> None:
    """Clerk's ``toBeMachineUnauthenticated`` and ``toBeMachineUnauthenticatedToAuth``."""
    assert state.status is AuthStatus.SIGNED_OUT
    assert (state.token_type, state.reason, state.message) == (token_type, reason, message)
    assert not state.is_authenticated
    assert state.token is None
    auth = state.to_auth()
    assert auth.token_type == token_type
    assert not auth.is_authenticated
    assert getattr(auth, "id", None) is None
    assert getattr(auth, "name", None) is None


def machine_authenticated(state: RequestState) -> None:
    """Clerk's ``toBeMachineAuthenticated``."""
    assert state.status is AuthStatus.SIGNED_IN
    assert state.token_type != "session_token"


# --------------------------------------------------- describe.each(tokenTypes)('%s Authentication')
@pytest.mark.parametrize("token_type", TOKEN_TYPES)
def test_returns_authenticated_state_with_valid_token(
    instance: LocalClerkInstance, run: Runner, token_type: str
) -> None:
    # request.test.ts: '%s Authentication' > 'returns authenticated state with valid token'
    token = machine_token(instance, token_type)
    state = run(instance.clerk(), bearer(token), accepts_token=token_type)
    machine_authenticated(state)
    assert state.token_type == token_type
    assert state.to_auth().token_type == token_type


@pytest.mark.parametrize("token_type", TOKEN_TYPES)
def test_returns_unauthenticated_state_with_invalid_token(
    instance: LocalClerkInstance, run: Runner, token_type: str
) -> None:
    # request.test.ts: '%s Authentication' > 'returns unauthenticated state with invalid token'
    # (the Backend API answers 404: Clerk's handleClerkAPIError in tokens/verify.ts).
    state = run(instance.clerk(), bearer(unknown_token(token_type)), accepts_token=token_type)
    machine_unauthenticated(
        state,
        token_type=token_type,
        reason="token-invalid",
        message=f"{NOT_FOUND[token_type]} (code=token-invalid, status=404)",
    )
    assert state.header("x-clerk-auth-message") == state.message


def test_accepts_machine_secret_when_verifying_machine_to_machine_token(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'accepts machine secret when verifying machine-to-machine token'
    token = machine_token(instance, "m2m_token")
    engine = instance.clerk(machine_secret_key=instance.machine_secret_key)
    state = run(engine, bearer(token), accepts_token="m2m_token")
    machine_authenticated(state)
    calls = [r for r in instance.requests if r.url.path.endswith("/m2m_tokens/verify")]
    assert [r.headers["authorization"] for r in calls] == [f"Bearer {instance.machine_secret_key}"]


def test_throws_an_error_if_acceptstoken_is_m2m_token_but_no_machine_secret_or_secret_key(
    instance: LocalClerkInstance,
) -> None:
    """request.test.ts: 'throws an error if acceptsToken is m2m_token but machineSecretKey or
    secretKey is not provided'.

    Clerk JS throws from ``authenticateRequest`` (assertMachineSecretOrSecretKey); this engine
    raises the same misconfiguration earlier, when it is built with such ``accepts_token`` or when
    a call passes one (the README's promise): the same text, as a ``ClerkConfigurationError``.
    """
    message = "Machine token authentication requires either a Machine secret key or a Clerk secret"
    with pytest.raises(ClerkConfigurationError, match=message):
        instance.clerk(accepts_token="m2m_token", secret_key=None)
    with pytest.raises(ClerkConfigurationError, match=message):
        instance.clerk(accepts_token=["api_key", "m2m_token"], secret_key=None, networkless=True)
    session_only = instance.clerk(secret_key=None, networkless=True)
    request = bearer(machine_token(instance, "m2m_token"))
    with pytest.raises(ClerkConfigurationError, match=message):
        session_only.authenticate_request(request, accepts_token="m2m_token")
    with pytest.raises(ClerkConfigurationError, match=message):
        asyncio.run(session_only.authenticate_request_async(request, accepts_token="any"))
    # The machine secret key alone is enough for M2M tokens.
    engine = instance.clerk(
        accepts_token="m2m_token",
        secret_key=None,
        machine_secret_key=instance.machine_secret_key,
    )
    machine_authenticated(engine.authenticate_request(request))


# ------------------------------------------------------------------ 'Any Token Type Authentication'
@pytest.mark.parametrize("token_type", TOKEN_TYPES)
def test_accepts_machine_token_when_acceptstoken_is_any(
    instance: LocalClerkInstance, run: Runner, token_type: str
) -> None:
    # request.test.ts: 'Any Token Type Authentication' > 'accepts %s when acceptsToken is "any"'
    state = run(instance.clerk(), bearer(machine_token(instance, token_type)), accepts_token="any")
    machine_authenticated(state)
    assert state.token_type == token_type


def test_accepts_session_token_when_acceptstoken_is_any(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'Any Token Type Authentication' > 'accepts session token when acceptsToken
    # is "any"' (toBeSignedIn, toBeSignedInToAuth)
    token = instance.session_token("user_2GIpXOEpVyJw51rkZn9Kmnc6Sxr", lifetime=600)
    state = run(instance.clerk(), bearer(token), accepts_token="any")
    assert (state.status, state.token_type, state.reason) == (
        AuthStatus.SIGNED_IN,
        "session_token",
        None,
    )
    assert state.to_auth().user_id == "user_2GIpXOEpVyJw51rkZn9Kmnc6Sxr"


# ------------------------------------------------------------------------ 'Token Type Mismatch'
@pytest.mark.parametrize(
    ("given", "accepted"),
    [("api_key", "oauth_token"), ("oauth_token", "m2m_token"), ("m2m_token", "api_key")],
    ids=[
        "api_key_provided_oauth_token_expected",
        "oauth_token_provided_m2m_token_expected",
        "m2m_token_provided_api_key_expected",
    ],
)
def test_returns_unauthenticated_state_when_token_type_mismatches(
    instance: LocalClerkInstance, run: Runner, given: str, accepted: str
) -> None:
    # request.test.ts: 'Token Type Mismatch' > 'returns unauthenticated state when token type
    # mismatches (API key provided, OAuth token expected)', '(OAuth token provided, M2M token
    # expected)', '(M2M token provided, API key expected)'. checkTokenTypeMismatch: no Backend
    # API call, the accepted type as token type, an empty message.
    engine = instance.clerk()
    calls = len(instance.requests)
    state = run(engine, bearer(machine_token(instance, given)), accepts_token=accepted)
    machine_unauthenticated(state, token_type=accepted, reason="token-type-mismatch", message="")
    assert state.header("x-clerk-auth-message") is None
    assert len(instance.requests) == calls


def test_returns_unauthenticated_state_when_session_token_is_provided_but_machine_token_is_expected(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'Token Type Mismatch' > 'returns unauthenticated state when session token
    # is provided but machine token is expected'
    token = instance.session_token("user_1", lifetime=600)
    state = run(instance.clerk(), bearer(token), accepts_token="m2m_token")
    machine_unauthenticated(state, token_type="m2m_token", reason="token-type-mismatch", message="")


def test_rejects_oauth_jwt_token_when_acceptstoken_is_session_token(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'Token Type Mismatch' > 'rejects OAuth JWT token when acceptsToken is
    # session_token' (toBeSignedOut: token-type-mismatch, message '')
    state = run(
        instance.clerk(), bearer(instance.oauth_jwt("user_1")), accepts_token="session_token"
    )
    assert (state.status, state.reason, state.message) == (
        AuthStatus.SIGNED_OUT,
        "token-type-mismatch",
        "",
    )
    assert state.token is None
    assert state.to_auth().user_id is None


def test_session_token_mode_verifies_an_opaque_machine_token_as_a_jwt(
    instance: LocalClerkInstance, run: Runner
) -> None:
    """Issue 12, item 7. Clerk's session-token mode (authenticateRequestWithTokenInHeader) only
    looks for machine *JWTs*; an ``ak_``/``mt_``/``oat_`` token goes to verifyToken, whose
    decodeJwt fails: token-invalid, 'Invalid JWT form. A JWT consists of three parts separated by
    dots.' The token is never sent to the Backend API."""
    engine = instance.clerk()
    calls = len(instance.requests)
    for token_type in TOKEN_TYPES:
        state = run(engine, bearer(machine_token(instance, token_type)))
        assert (state.status, state.reason, state.token_type) == (
            AuthStatus.SIGNED_OUT,
            "token-invalid",
            "session_token",
        )
        assert state.message == (
            "Invalid JWT form. A JWT consists of three parts separated by dots. "
            "(reason=token-invalid, token-carrier=header)"
        )
    assert len(instance.requests) == calls


# --------------------------------------------------------------- 'Array of Accepted Token Types'
def test_accepts_machine_token_when_it_is_in_the_acceptstoken_array(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'Array of Accepted Token Types' > 'accepts machine token when it is in the
    # acceptsToken array'
    token = machine_token(instance, "api_key")
    state = run(instance.clerk(), bearer(token), accepts_token=["api_key", "oauth_token"])
    machine_authenticated(state)


def test_accepts_session_token_in_header_when_session_token_is_in_the_acceptstoken_array(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'accepts session token in header when session_token is in the
    # acceptsToken array'
    token = instance.session_token("user_1", lifetime=600)
    state = run(instance.clerk(), bearer(token), accepts_token=["session_token", "api_key"])
    assert (state.status, state.token_type) == (AuthStatus.SIGNED_IN, "session_token")
    assert state.to_auth().user_id == "user_1"


def test_accepts_session_token_in_cookie_when_session_token_is_in_the_acceptstoken_array(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'accepts session token in cookie when session_token is in the
    # acceptsToken array': the cookie path runs (it may lead to a handshake), never a mismatch.
    token = instance.session_token("user_1", lifetime=600)
    state = run(
        instance.clerk(),
        cookies(__session=token, __client_uat="12345"),
        accepts_token=["session_token", "api_key"],
    )
    assert state.token_type is not None
    assert state.reason != "token-type-mismatch"


def test_accepts_machine_token_when_acceptstoken_array_contains_mixed_token_types(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'accepts machine token when acceptsToken array contains mixed token types'
    token = machine_token(instance, "m2m_token")
    state = run(instance.clerk(), bearer(token), accepts_token=["session_token", "m2m_token"])
    machine_authenticated(state)
    assert state.token_type == "m2m_token"


def test_returns_unauthenticated_state_when_machine_token_type_is_not_in_the_acceptstoken_array(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'returns unauthenticated state when machine token type is not in the
    # acceptsToken array' (signedOutInvalidToken: token type null)
    token = machine_token(instance, "m2m_token")
    state = run(instance.clerk(), bearer(token), accepts_token=["api_key", "oauth_token"])
    machine_unauthenticated(state, token_type=None, reason="token-type-mismatch", message="")


def test_returns_unauthenticated_state_when_session_token_is_provided_but_not_in_the_array(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'returns unauthenticated state when session token is provided but not in
    # the acceptsToken array'
    token = instance.session_token("user_1", lifetime=600)
    state = run(instance.clerk(), bearer(token), accepts_token=["api_key", "oauth_token"])
    machine_unauthenticated(state, token_type=None, reason="token-type-mismatch", message="")


def test_returns_unauthenticated_state_when_no_token_and_array_contains_only_machine_tokens(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # request.test.ts: 'returns unauthenticated state when no token is provided and acceptsToken
    # array contains only machine tokens': the session cookie is not read at all.
    token = instance.session_token("user_1", lifetime=600)
    state = run(
        instance.clerk(),
        cookies(__session=token, __client_uat="12345"),
        accepts_token=["api_key", "m2m_token"],
    )
    machine_unauthenticated(state, token_type=None, reason="token-type-mismatch", message="")
    assert state.header("x-clerk-auth-reason") == "token-type-mismatch"
    assert state.header("x-clerk-auth-message") is None


# ------------------------------------------------------------------- 'Token Location Validation'
@pytest.mark.parametrize("token_type", TOKEN_TYPES)
def test_returns_unauthenticated_state_when_machine_token_is_in_cookie_instead_of_header(
    instance: LocalClerkInstance, run: Runner, token_type: str
) -> None:
    # request.test.ts: 'Token Location Validation' > 'returns unauthenticated state when %s is in
    # cookie instead of header': reason 'No token in header', message ''.
    engine = instance.clerk()
    calls = len(instance.requests)
    state = run(
        engine, cookies(__session=machine_token(instance, token_type)), accepts_token=token_type
    )
    machine_unauthenticated(state, token_type=token_type, reason="No token in header", message="")
    assert len(instance.requests) == calls  # the cookie's token is never verified


@pytest.mark.parametrize(
    ("mode", "token_type"),
    [
        ("any", "session_token"),
        ("m2m_token", "m2m_token"),
        ("session_token", "session_token"),
        (["session_token", "m2m_token"], "session_token"),
    ],
    ids=["any", "m2m_token", "session_token", "session_and_m2m"],
)
def test_an_m2m_category_without_a_machine_subject_is_not_a_machine_token(
    instance: LocalClerkInstance, run: Runner, mode: Any, token_type: str
) -> None:
    """Issue 12, item 7. Clerk's getMachineTokenType knows an M2M JWT by its ``mch_`` subject; an
    M2M-category JWT with a user subject is a JWT of a non-session category
    (hasNonSessionJwtCategory): token-type-mismatch in every mode, never signed in as a machine."""
    now = int(instance.clock())
    token = instance.sign(
        {"sub": "user_1", "iat": now, "exp": now + 60, "jti": "mt_1"},
        headers={"cat": "cl_B7d4PD333AAA"},
    )
    state = run(instance.clerk(), bearer(token), accepts_token=mode)
    assert (state.status, state.reason, state.message, state.token_type) == (
        AuthStatus.SIGNED_OUT,
        "token-type-mismatch",
        "",
        token_type,
    )
