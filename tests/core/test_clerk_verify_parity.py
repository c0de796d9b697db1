"""Clerk's token-verification tests, translated, and Clerk's fixed message texts.

Source: ``packages/backend/src/tokens/__tests__/verify.test.ts`` of clerk/javascript, every test:
``describe('tokens.verify(token, options)')`` through ``Clerk.verify_token`` (Clerk's
``verifyToken``), and ``describe('tokens.verifyMachineAuthToken(token, options)')`` through
``authenticate_request(..., accepts_token=<type>)``, the engine's one entry for machine tokens
(``authenticateRequest`` calls ``verifyMachineAuthToken`` the same way). Each test is named after the
JS test it translates.

The second part checks the texts of issue 12, item 9: where Clerk's message for a state is fixed
text, ``state.message`` and ``x-clerk-auth-message`` are Clerk's words (``@clerk/backend`` 3.25:
``jwt/assertions.ts``, ``tokens/keys.ts``, ``tokens/request.ts``, ``errors.ts`` getFullMessage).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clerk_core import (
    AuthStatus,
    Clerk,
    MachineAuth,
    RequestState,
    RequestView,
    TokenVerificationError,
)
from clerk_core.testing import LocalClerkInstance
from clerk_core.tokens import CAT_JWT_TEMPLATE, CAT_M2M, CAT_SESSION, js_json, utc_string

Runner = Callable[..., RequestState]
ENSURE = "Make sure that this is a valid Clerk-generated JWT."


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.verify.test",
        authorized_parties=("https://accounts.inspired.puma-74.test",),
    )


def bearer(token: str) -> RequestView:
    return RequestView("GET", "https://app.example/api", {"authorization": f"Bearer {token}"})


def unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """Clerk's createJwt: any header and payload, a junk signature."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}.c2lnbmF0dXJl"


# ====================================================================== tokens.verify(token, options)
def test_verifies_the_provided_session_jwt(instance: LocalClerkInstance) -> None:
    # verify.test.ts: 'verifies the provided session JWT'
    claims = instance.session_claims("user_2GIpXOEpVyJw51rkZn9Kmnc6Sxr", lifetime=600)
    token = instance.sign(claims)
    assert dict(instance.clerk().verify_token(token)) == claims


def test_verifies_the_token_by_fetching_the_jwks_from_backend_api_when_secretkey_is_provided(
    instance: LocalClerkInstance,
) -> None:
    # verify.test.ts: 'verifies the token by fetching the JWKs from Backend API when secretKey is
    # provided' (GET {api_url}/v1/jwks with the secret key as Bearer)
    token = instance.session_token("user_1", lifetime=600)
    assert instance.clerk().verify_token(token)["sub"] == "user_1"
    jwks = [r for r in instance.requests if r.url.path == "/v1/jwks"]
    assert [str(r.url) for r in jwks] == ["https://api.clerk.test/v1/jwks"]
    assert jwks[0].headers["authorization"] == f"Bearer {instance.secret_key}"


def test_returns_signature_error_before_claims_error_when_both_are_invalid(
    instance: LocalClerkInstance,
) -> None:
    # verify.test.ts: 'returns signature error before claims error when both are invalid'
    claims = instance.session_claims("user_1", claims={"exp": int(time.time()) - 100})
    forged = instance.sign(claims, key=instance.other_private_key)
    with pytest.raises(TokenVerificationError) as caught:
        asyncio.run(instance.clerk().verify_token_async(forged))
    assert caught.value.reason == "token-invalid-signature"
    assert "signature" in caught.value.message


def test_rejects_a_jwt_tagged_with_the_m2m_category_before_key_resolution_aisec_91(
    instance: LocalClerkInstance,
) -> None:
    # verify.test.ts: 'rejects a JWT tagged with the M2M category before key resolution (AISEC-91)'
    token = instance.sign(instance.session_claims("user_1"), headers={"cat": CAT_M2M})
    with pytest.raises(TokenVerificationError) as caught:
        instance.clerk().verify_token(token)
    assert (caught.value.reason, caught.value.message) == (
        "token-invalid",
        "Invalid session token category.",
    )
    assert instance.jwks_requests == 0


def test_verify_token_refuses_a_jwt_template_by_policy(instance: LocalClerkInstance) -> None:
    """Not a JS test: Clerk's verifyToken lets a JWT-template token through (only
    authenticateRequest refuses it). Policy 2: refused as a session token everywhere."""
    with pytest.raises(TokenVerificationError) as caught:
        instance.clerk().verify_token(instance.jwt_template_token("user_1"))
    assert caught.value.reason == "token-type-mismatch"


# ======================================================= tokens.verifyMachineAuthToken(token, options)
def test_verifies_provided_api_key(instance: LocalClerkInstance, run: Runner) -> None:
    # verify.test.ts: 'verifies provided API key'
    key = instance.api_key(
        "user_2vYVtestTESTtestTESTtestTESTtest",
        name="my-api-key",
        scopes=["read:foo", "write:bar"],
        claims={"foo": "bar"},
    )
    state = run(instance.clerk(), bearer(key), accepts_token="api_key")
    auth = state.to_auth()
    assert isinstance(auth, MachineAuth)
    assert (state.token_type, auth.name, auth.subject) == (
        "api_key",
        "my-api-key",
        "user_2vYVtestTESTtestTESTtestTESTtest",
    )
    assert auth.id is not None
    assert auth.id.startswith("ak_")
    assert (auth.scopes, auth.claims) == (["read:foo", "write:bar"], {"foo": "bar"})


@pytest.mark.parametrize("machine_secret", [False, True], ids=["instance_secret", "machine_secret"])
def test_verifies_provided_machine_token_with_instance_secret_key_or_machine_secret(
    instance: LocalClerkInstance, run: Runner, machine_secret: bool
) -> None:
    # verify.test.ts: 'verifies provided Machine token with instance secret key' and
    # 'verifies provided Machine token with machine secret'
    token = instance.m2m_token("mch_2vYVtestTESTtestTESTtestTESTtest", scopes=["mch_1xxxxx"])
    options: dict[str, Any] = (
        {"machine_secret_key": instance.machine_secret_key} if machine_secret else {}
    )
    state = run(instance.clerk(**options), bearer(token), accepts_token="m2m_token")
    auth = state.to_auth()
    assert isinstance(auth, MachineAuth)
    assert (state.token_type, auth.subject, auth.scopes) == (
        "m2m_token",
        "mch_2vYVtestTESTtestTESTtestTESTtest",
        ["mch_1xxxxx"],
    )
    sent = [r.headers["authorization"] for r in instance.requests]
    expected = instance.machine_secret_key if machine_secret else instance.secret_key
    assert sent == [f"Bearer {expected}"]


def test_verifies_provided_oauth_token(instance: LocalClerkInstance, run: Runner) -> None:
    # verify.test.ts: 'verifies provided OAuth token'
    token = instance.oauth_token(
        "user_2vYVtestTESTtestTESTtestTESTtest", scopes=["read:foo", "write:bar"]
    )
    state = run(instance.clerk(), bearer(token), accepts_token="oauth_token")
    auth = state.to_auth()
    assert isinstance(auth, MachineAuth)
    assert (state.token_type, auth.subject, auth.scopes) == (
        "oauth_token",
        "user_2vYVtestTESTtestTESTtestTESTtest",
        ["read:foo", "write:bar"],
    )


NOT_FOUND = {
    "api_key": ("ak_invalid_token", "API key not found"),
    "m2m_token": ("mt_invalid_token", "Machine token not found"),
    "oauth_token": ("oat_invalid_token", "OAuth token not found"),
}


@pytest.mark.parametrize("token_type", sorted(NOT_FOUND))
def test_handles_api_errors_handles_invalid_token(
    instance: LocalClerkInstance, run: Runner, token_type: str
) -> None:
    # verify.test.ts: 'handles API errors for API keys / M2M tokens / OAuth tokens' >
    # 'handles invalid token' (404: code token-invalid, the type's "not found" message)
    token, text = NOT_FOUND[token_type]
    state = run(instance.clerk(), bearer(token), accepts_token=token_type)
    assert (state.status, state.token_type, state.reason) == (
        AuthStatus.SIGNED_OUT,
        token_type,
        "token-invalid",
    )
    assert state.message == f"{text} (code=token-invalid, status=404)"


@pytest.mark.parametrize("token_type", sorted(NOT_FOUND))
def test_handles_api_errors_handles_unexpected_error(
    instance: LocalClerkInstance, run: Runner, token_type: str
) -> None:
    # verify.test.ts: 'handles API errors for ...' > 'handles unexpected error' (500:
    # code unexpected-error, message 'Unexpected error')
    token, _ = NOT_FOUND[token_type]
    engine = instance.clerk()
    instance.backend.fail_next(500)
    state = run(engine, bearer(token), accepts_token=token_type)
    assert (state.token_type, state.reason) == (token_type, "unexpected-error")
    assert state.message == "Unexpected error (code=unexpected-error, status=500)"


def test_an_unreachable_backend_api_reads_status_n_a(instance: LocalClerkInstance) -> None:
    """errors.ts MachineTokenVerificationError.getFullMessage: ``status=${status || 'n/a'}``."""

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    transport = httpx.MockTransport(down)
    engine = Clerk(
        instance.options(),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )
    state = engine.authenticate_request(bearer("ak_unreachable"), accepts_token="api_key")
    assert (state.reason, state.message) == (
        "unexpected-error",
        "Unexpected error (code=unexpected-error, status=n/a)",
    )


def test_a_rejected_secret_key_gives_the_backend_apis_message(
    instance: LocalClerkInstance,
) -> None:
    """tokens/verify.ts handleClerkAPIError, 401: ``err.errors[0]?.message || 'Invalid secret
    key'``, code secret-key-invalid."""
    engine = instance.clerk(secret_key="sk_live_" + "x" * 40)
    state = engine.authenticate_request(bearer("ak_whatever"), accepts_token="api_key")
    assert (state.reason, state.message) == (
        "secret-key-invalid",
        "The provided Clerk Secret Key is invalid. (code=secret-key-invalid, status=401)",
    )


# ------------------------------------------------------------------ 'verifyOAuthToken with JWT'
def test_verifies_a_valid_oauth_jwt(instance: LocalClerkInstance, run: Runner) -> None:
    # verify.test.ts: verifyOAuthToken with JWT > 'verifies a valid OAuth JWT' (the timestamps the
    # JS test also checks are not exposed on this library's MachineAuth)
    token = instance.oauth_jwt(
        "user_2vYVtestTESTtestTESTtestTESTtest",
        client_id="client_2VTWUzvGC5UhdJCNx6xG1D98edc",
        scopes=["read:foo", "write:bar"],
    )
    state = run(instance.clerk(), bearer(token), accepts_token="oauth_token")
    auth = state.to_auth()
    assert isinstance(auth, MachineAuth)
    assert (auth.token_type, auth.client_id, auth.subject, auth.scopes) == (
        "oauth_token",
        "client_2VTWUzvGC5UhdJCNx6xG1D98edc",
        "user_2vYVtestTESTtestTESTtestTESTtest",
        ["read:foo", "write:bar"],
    )
    assert auth.id is not None
    assert auth.id.startswith("oat_")


def test_fails_if_jwt_type_is_not_at_jwt_or_application_at_jwt(
    instance: LocalClerkInstance, run: Runner
) -> None:
    """verify.test.ts: verifyOAuthToken with JWT > 'fails if JWT type is not at+jwt or
    application/at+jwt'. Through authenticateRequest (this engine's entry) a typ-JWT token with a
    user subject is not a machine token at all: Clerk answers token-type-mismatch before
    verifyMachineAuthToken is reached, and so does the engine."""
    claims = {"sub": "user_1", "client_id": "client_1", "exp": int(time.time()) + 60}
    token = instance.sign(claims, headers={"typ": "JWT", "cat": None})
    state = run(instance.clerk(), bearer(token), accepts_token="oauth_token")
    assert (state.status, state.reason, state.message) == (
        AuthStatus.SIGNED_OUT,
        "token-type-mismatch",
        "",
    )


def test_verifies_jwt_with_typ_application_at_jwt(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # verify.test.ts: verifyOAuthToken with JWT > 'verifies JWT with typ application/at+jwt'
    now = int(time.time())
    claims = {"sub": "user_1", "client_id": "c", "iat": now, "exp": now + 60, "jti": "oat_1"}
    token = instance.sign(claims, headers={"typ": "application/at+jwt", "cat": None})
    state = run(instance.clerk(), bearer(token), accepts_token="oauth_token")
    assert (state.status, state.token_type) == (AuthStatus.SIGNED_IN, "oauth_token")


def test_handles_invalid_jwt_format(instance: LocalClerkInstance, run: Runner) -> None:
    # verify.test.ts: verifyOAuthToken with JWT > 'handles invalid JWT format'
    state = run(instance.clerk(), bearer("invalid.jwt.token"), accepts_token="oauth_token")
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.reason == "token-type-mismatch"  # not an OAuth JWT: authenticateRequest's answer


@pytest.mark.parametrize("kind", ["oauth", "m2m"])
def test_rejects_jwt_with_alg_none(instance: LocalClerkInstance, run: Runner, kind: str) -> None:
    # verify.test.ts: 'verifyOAuthToken with JWT' > 'rejects JWT with alg: none' and
    # 'verifyM2MToken with JWT' > 'rejects M2M JWT with alg: none'
    now = int(time.time())
    if kind == "oauth":
        header = {"typ": "at+jwt", "alg": "none", "kid": instance.kid}
        payload = {"sub": "user_1", "client_id": "c", "iat": now, "exp": now + 60}
        accepted = "oauth_token"
    else:
        header = {"typ": "JWT", "alg": "none", "kid": instance.kid, "cat": CAT_M2M}
        payload = {"sub": "mch_1", "iat": now, "exp": now + 60}
        accepted = "m2m_token"
    state = run(instance.clerk(), bearer(unsigned(header, payload)), accepts_token=accepted)
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.message is not None
    assert state.message.startswith('Invalid JWT algorithm "none".')


@pytest.mark.parametrize("kind", ["oauth", "m2m"])
def test_rejects_expired_jwt(instance: LocalClerkInstance, run: Runner, kind: str) -> None:
    # verify.test.ts: 'rejects expired JWT' (OAuth) and 'rejects expired M2M JWT'
    token = (
        instance.oauth_jwt("user_1", lifetime=-100)
        if kind == "oauth"
        else instance.m2m_jwt("mch_1", lifetime=-100)
    )
    accepted = "oauth_token" if kind == "oauth" else "m2m_token"
    state = run(instance.clerk(), bearer(token), accepts_token=accepted)
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.message is not None
    assert "expired" in state.message


@pytest.mark.parametrize(
    "sub", [None, "null", 123, {}], ids=["a_missing", "a_null", "a_numeric", "an_object"]
)
def test_classifies_an_at_jwt_token_with_odd_sub_as_oauth_instead_of_throwing(
    instance: LocalClerkInstance, run: Runner, sub: Any
) -> None:
    # verify.test.ts: 'classifies an at+jwt token with %s sub as OAuth instead of throwing'
    now = int(time.time())
    claims: dict[str, Any] = {"client_id": "c", "iat": now, "exp": now + 60}
    if sub is not None:
        claims["sub"] = None if sub == "null" else sub
    token = instance.sign(claims, headers={"typ": "at+jwt", "cat": None})
    state = run(instance.clerk(), bearer(token), accepts_token="oauth_token")
    assert state.token_type == "oauth_token"
    assert state.status is AuthStatus.SIGNED_OUT  # a subject is required (assertSubClaim)


# ------------------------------------------------------------------- 'verifyM2MToken with JWT'
def test_verifies_a_valid_m2m_jwt(instance: LocalClerkInstance, run: Runner) -> None:
    # verify.test.ts: verifyM2MToken with JWT > 'verifies a valid M2M JWT'
    token = instance.m2m_jwt(
        "mch_2vYVtestTESTtestTESTtestTESTtest", scopes=["mch_1xxxxx", "mch_2xxxxx"]
    )
    state = run(instance.clerk(), bearer(token), accepts_token="m2m_token")
    auth = state.to_auth()
    assert isinstance(auth, MachineAuth)
    assert (auth.token_type, auth.subject, auth.scopes) == (
        "m2m_token",
        "mch_2vYVtestTESTtestTESTtestTESTtest",
        ["mch_1xxxxx", "mch_2xxxxx"],
    )
    assert auth.id is not None
    assert auth.id.startswith("mt_")


def test_verifies_a_valid_m2m_jwt_with_no_cat_header_rollout_window(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # verify.test.ts: 'verifies a valid M2M JWT with no cat header (rollout window)'
    now = int(time.time())
    token = instance.sign(
        {"sub": "mch_1", "iat": now, "exp": now + 60, "jti": "mt_1"}, headers={"cat": None}
    )
    state = run(instance.clerk(), bearer(token), accepts_token="m2m_token")
    assert (state.status, state.token_type) == (AuthStatus.SIGNED_IN, "m2m_token")


@pytest.mark.parametrize(
    "cat",
    [CAT_SESSION, CAT_JWT_TEMPLATE, "cl_some_future_unknown_cat"],
    ids=["session-token", "jwt-template", "unknown"],
)
def test_rejects_m2m_jwt_masquerading_with_a_non_m2m_cat_without_signature_verification(
    instance: LocalClerkInstance, run: Runner, cat: str
) -> None:
    # verify.test.ts: 'rejects M2M JWT masquerading with a non-M2M cat' > 'rejects cat=%s without
    # attempting signature verification' (code token-invalid, no JWKS fetch)
    now = int(time.time())
    token = instance.sign({"sub": "mch_1", "iat": now, "exp": now + 60}, headers={"cat": cat})
    state = run(instance.clerk(), bearer(token), accepts_token="m2m_token")
    assert (state.token_type, state.reason, state.message) == (
        "m2m_token",
        "token-invalid",
        "Invalid M2M JWT category. (code=token-invalid, status=n/a)",
    )
    assert instance.jwks_requests == 0


# ==================================================================== Clerk's fixed texts (item 9)
def message_for(engine: Clerk, token: str) -> RequestState:
    state = engine.authenticate_request(bearer(token))
    assert state.header("x-clerk-auth-message") == state.message
    return state


def test_a_wrong_azp_names_the_azp_and_the_expected_parties() -> None:
    # jwt/assertions.ts assertAuthorizedPartiesClaim
    instance = LocalClerkInstance(
        frontend_api="clerk.azp.test", authorized_parties=("https://a.example", "https://b.example")
    )
    engine = instance.clerk()
    state = message_for(engine, instance.session_token("u", azp="https://evil.example"))
    assert state.message == (
        'Invalid JWT Authorized party claim (azp) "https://evil.example". '
        'Expected "https://a.example,https://b.example". '
        "(reason=token-invalid-authorized-parties, token-carrier=header)"
    )
    state = message_for(engine, instance.session_token("u", azp=False))
    assert state.message is not None
    assert state.message.startswith("Invalid JWT Authorized party claim (azp) undefined. Expected")


@pytest.mark.parametrize(
    ("sub", "shown"), [(None, "undefined"), (123, "123"), (True, "true"), (["a"], '["a"]')]
)
def test_a_missing_or_non_string_sub(instance: LocalClerkInstance, sub: Any, shown: str) -> None:
    # jwt/assertions.ts assertSubClaim, with the EnsureClerkJWT action
    claims = instance.session_claims("u", lifetime=600, claims={"sub": sub})  # None: no sub
    state = message_for(instance.clerk(), instance.sign(claims))
    assert state.message == (
        f"Subject claim (sub) is required and must be a string. Received {shown}. {ENSURE} "
        "(reason=token-verification-failed, token-carrier=header)"
    )


def test_the_wording_for_an_empty_jwks(instance: LocalClerkInstance) -> None:
    # tokens/keys.ts loadClerkJWKFromRemote: '!keys || !keys.length', with the ContactSupport action
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"keys": []}))
    engine = Clerk(
        instance.options(),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )
    state = message_for(engine, instance.session_token("u", lifetime=600))
    assert (state.reason, state.message) == (
        "jwk-remote-failed-to-load",
        "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com. "
        "Contact support@clerk.com (reason=jwk-remote-failed-to-load, token-carrier=header)",
    )


def test_an_unknown_kid(instance: LocalClerkInstance) -> None:
    # tokens/keys.ts loadClerkJWKFromRemote: the kid and Clerk's action
    state = message_for(instance.clerk(), instance.unknown_kid_token("u"))
    assert state.message == (
        "Unable to find a signing key in JWKS that matches the kid='ins_unknown' of the provided "
        "session token. Please make sure that the __session cookie or the HTTP authorization "
        "header contain a Clerk-generated session JWT. Go to your Dashboard and validate your "
        "secret and public keys are correct. Contact support@clerk.com if the issue persists. "
        "(reason=jwk-kid-mismatch, token-carrier=header)"
    )


def test_a_jwks_http_error_and_a_rejected_secret_key(instance: LocalClerkInstance) -> None:
    # tokens/keys.ts fetchJWKSFromBAPI
    transport = httpx.MockTransport(lambda request: httpx.Response(500, json={}))
    engine = Clerk(
        instance.options(),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )
    state = message_for(engine, instance.session_token("u", lifetime=600))
    assert state.message == (
        "Error loading Clerk JWKS from https://api.clerk.test/v1/jwks with code=500 Contact "
        "support@clerk.com (reason=jwk-remote-failed-to-load, token-carrier=header)"
    )
    engine = instance.clerk(secret_key="sk_live_" + "y" * 40)
    state = message_for(engine, instance.session_token("u", lifetime=600))
    assert (state.reason, state.message) == (
        "secret-key-invalid",
        "The provided Clerk Secret Key is invalid. Contact support@clerk.com "
        "(reason=secret-key-invalid, token-carrier=header)",
    )


def test_typ_alg_and_time_claim_texts(instance: LocalClerkInstance) -> None:
    # jwt/assertions.ts assertHeaderType, assertHeaderAlgorithm, assertExpirationClaim and the
    # other time-claim assertions (a non-number; a date as toUTCString)
    engine = instance.clerk()
    claims = instance.session_claims("u", lifetime=600)
    state = message_for(engine, instance.sign(claims, headers={"typ": "foo"}))
    assert state.message == (
        f'Invalid JWT type "foo". Expected "JWT". {ENSURE} '
        "(reason=token-invalid, token-carrier=header)"
    )
    state = message_for(engine, unsigned({"alg": "HS256", "kid": instance.kid}, claims))
    # Clerk lists 'RS256,RS384,RS512'; this project verifies RS256 only (Policy 1).
    assert state.message == (
        f'Invalid JWT algorithm "HS256". Supported: RS256. {ENSURE} '
        "(reason=token-invalid-algorithm, token-carrier=header)"
    )
    state = message_for(engine, instance.sign({**claims, "exp": "soon"}))
    assert state.message == (
        f'Invalid JWT expiry date claim (exp) "soon". Expected number. {ENSURE} '
        "(reason=token-verification-failed, token-carrier=header)"
    )
    state = message_for(engine, instance.sign({**claims, "nbf": True}))
    assert state.message is not None
    assert state.message.startswith(
        "Invalid JWT not before date claim (nbf) true. Expected number."
    )


def test_expired_texts_carry_clerks_dates() -> None:
    clock_now = 1_700_000_000.0
    instance = LocalClerkInstance(frontend_api="clerk.dates.test", clock=lambda: clock_now)
    token = instance.session_token("u", iat=clock_now - 120, lifetime=60)
    state = instance.clerk().authenticate_request(bearer(token))
    assert state.message == (
        "JWT is expired. Expiry date: Tue, 14 Nov 2023 22:12:20 GMT, Current date: Tue, 14 Nov "
        "2023 22:13:20 GMT. (reason=token-expired, token-carrier=header)"
    )
    assert utc_string(1e300) == "Invalid Date"


def test_token_type_mismatch_and_unexpected_error_carry_no_message(
    instance: LocalClerkInstance,
) -> None:
    # tokens/request.ts: signedOut({reason: TokenTypeMismatch, message: ''}); an unexpected error
    # is signedOut without a message.
    engine = instance.clerk()
    state = engine.authenticate_request(bearer(instance.jwt_template_token("u")))
    assert (state.reason, state.message) == ("token-type-mismatch", "")
    assert state.header("x-clerk-auth-message") is None
    boom = instance.clerk()
    boom.keys.get_key = None  # type: ignore[method-assign,assignment]
    state = boom.authenticate_request(bearer(instance.session_token("u", lifetime=600)))
    assert (state.reason, state.message) == ("unexpected-error", "")


def test_quoted_values_are_bounded_and_never_the_token(instance: LocalClerkInstance) -> None:
    """R17 and a bounded header: a hostile azp is cut; the token itself never appears."""
    token = instance.session_token("u", azp="https://" + "a" * 5000 + ".example")
    state = message_for(instance.clerk(), token)
    assert state.message is not None
    assert len(state.message) < 400
    assert token not in state.message
    assert token[:40] not in state.message
    assert js_json("x" * 500).endswith("...")
    assert len(js_json("x" * 500)) == 200


def test_the_cross_origin_sync_handshake_carries_clerks_message(
    instance: LocalClerkInstance,
) -> None:
    # tokens/request.ts: handleMaybeHandshakeStatus(PrimaryDomainCrossOriginSync, 'Cross-origin
    # request from satellite domain requires handshake')
    cookies = instance.cookies(instance.session_token("u", lifetime=600))
    request = RequestView(
        "GET",
        "https://accounts.inspired.puma-74.test/page",
        {
            "host": "accounts.inspired.puma-74.test",
            "sec-fetch-dest": "document",
            "referer": "https://satellite.example/",
            "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    state = instance.clerk().authenticate_request(request)
    assert (state.status, state.reason) == (
        AuthStatus.HANDSHAKE,
        "primary-domain-cross-origin-sync",
    )
    assert state.message == "Cross-origin request from satellite domain requires handshake"
    assert state.header("x-clerk-auth-message") == state.message
    assert state.token is None
