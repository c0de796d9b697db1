"""Clerk's own token-verification tests, translated: clerk/javascript
``packages/backend/src/jwt/__tests__/verifyJwt.test.ts`` (``hasValidSignature``, ``decodeJwt``,
``verifyJwt``), ``packages/backend/src/jwt/__tests__/assertions.test.ts`` (the claim and header
assertions) and ``packages/backend/src/tokens/__tests__/request_azp.test.ts`` (the missing-``azp``
warning). Each test keeps the JS title in its docstring.

Clerk's fixtures are replaced by a local instance's tokens (same shapes, this instance's key).
Expected answers are Clerk's (``@clerk/backend`` 3.25, checked with its ``verifyToken`` and
``authenticateRequest``) except where a test is marked POLICY: then it tests the stated policy
(docs/reliability.md, "Differences from Clerk's JS SDKs") and names both behaviours. Messages are
not asserted beyond Clerk's fixed text: their wording belongs to the messages work of the same
issue.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, cast

import pytest

from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkConfigurationError,
    RequestView,
    TokenVerificationError,
)
from clerk_core.testing import LocalClerkInstance
from clerk_core.tokens import (
    check_algorithm,
    check_common_header,
    check_session_claims,
    decode_jwt,
)

NOW = 1_700_000_000
FORM_MESSAGE = "Invalid JWT form. A JWT consists of three parts separated by dots."


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(instance_type="production", clock=lambda: NOW)


def engine_at(instance: LocalClerkInstance, now: float, **overrides: Any) -> Clerk:
    return instance.clerk(networkless=True, clock=lambda: now, **overrides)


def reason_of(engine: Clerk, token: str) -> str:
    with pytest.raises(TokenVerificationError) as info:
        engine.verify_token(token)
    return info.value.reason


def bearer_state(engine: Clerk, token: str, accepts_token: str) -> tuple[AuthStatus, str | None]:
    request = RequestView(
        "GET",
        "http://127.0.0.1:8000/api",
        {"host": "127.0.0.1:8000", "authorization": f"Bearer {token}"},
    )
    state = engine.authenticate_request(request, accepts_token=accepts_token)
    return state.status, state.reason


# =============================================================== verifyJwt.test.ts
# ------------------------------------------------------------ hasValidSignature(jwt, key)
def test_verifies_the_signature_with_a_jwk_formatted_key(instance: LocalClerkInstance) -> None:
    """hasValidSignature: verifies the signature with a JWK formatted key."""
    engine = instance.clerk(clock=lambda: NOW)  # keys from the instance's JWKS
    assert engine.verify_token(instance.session_token("user_jwk"))["sub"] == "user_jwk"
    assert instance.jwks_requests == 1


def test_verifies_the_signature_with_a_pem_formatted_key(instance: LocalClerkInstance) -> None:
    """hasValidSignature: verifies the signature with a PEM formatted key."""
    engine = engine_at(instance, NOW)
    assert engine.verify_token(instance.session_token("user_pem"))["sub"] == "user_pem"
    assert instance.jwks_requests == 0


def test_returns_false_if_the_key_is_not_correct(instance: LocalClerkInstance) -> None:
    """hasValidSignature: returns false if the key is not correct."""
    assert reason_of(engine_at(instance, NOW), instance.other_key_token()) == (
        "token-invalid-signature"
    )


# --------------------------------------------------------------------------- decodeJwt(jwt)
def test_decodes_a_valid_jwt(instance: LocalClerkInstance) -> None:
    """decodeJwt: decodes a valid JWT."""
    claims = instance.session_claims("user_dec")
    decoded = decode_jwt(instance.sign(claims))
    assert decoded.header == {"alg": "RS256", "typ": "JWT", "kid": instance.kid, "cat": ANY_CAT}
    assert decoded.payload == claims


class _AnyString:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str)

    def __hash__(self) -> int:
        return 0


ANY_CAT: Any = _AnyString()


@pytest.mark.parametrize(
    ("title", "token"),
    [
        ("returns an error if null is given as jwt", "null"),
        ("returns an error if undefined is given as jwt", "undefined"),
        ("returns an error if empty string is given as jwt", ""),
        ("throws an error if invalid string is given as jwt", "whatever"),
        ("throws an error if number is given as jwt", "42"),
    ],
)
def test_decodejwt_returns_an_error_for_non_jwts(title: str, token: str) -> None:
    """decodeJwt: the five "returns/throws an error if ... is given as jwt" cases."""
    with pytest.raises(TokenVerificationError) as info:
        decode_jwt(token)
    assert (info.value.reason, str(info.value.message)) == ("token-invalid", FORM_MESSAGE)


@pytest.mark.parametrize(
    "token",
    [
        "aaa.bbb.ccc",  # returns an error if the token segments are not valid base64url
        "YWJj.YWJj.YWJj",  # returns an error if the token segments do not decode to JSON
    ],
)
def test_returns_an_error_if_the_token_segments_do_not_decode(token: str) -> None:
    """decodeJwt: returns an error if the token segments are not valid base64url / do not decode
    to JSON."""
    with pytest.raises(TokenVerificationError) as info:
        decode_jwt(token)
    assert info.value.reason == "token-invalid"


# ---------------------------------------------------------------------- verifyJwt(jwt, options)
def test_returns_the_valid_jwt_payload_if_valid_key_issuer_azp_is_given(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: returns the valid JWT payload if valid key & issuer & azp is given (also:
    verifies JWT with default headerType (JWT), and with explicit headerType as string)."""
    claims = instance.session_claims("user_ok")
    assert dict(engine_at(instance, NOW).verify_token(instance.sign(claims))) == claims


def test_policy_issuer_is_the_instance_frontend_api_not_a_predicate(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: returns the valid JWT payload if valid key & issuer method & azp is given.

    POLICY 3. Clerk accepts an ``issuer`` callback (``iss.startsWith('https://clerk')``), under
    which another ``https://clerk...`` issuer passes; here ``iss`` must be one of the instance's
    Frontend API identities, so that token is refused (``token-verification-failed``).
    """
    engine = engine_at(instance, NOW)
    assert engine.verify_token(instance.session_token())["iss"] == instance.issuer
    other = instance.session_token(claims={"iss": "https://clerk.other.test"})
    assert reason_of(engine, other) == "token-verification-failed"


def test_policy_authorized_parties_with_an_empty_string_is_a_configuration_error(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: returns the valid JWT payload if valid key & issuer & list of azp (with empty
    string) is given.

    POLICY (options are validated at start-up). Clerk ignores the empty entry; here an entry that
    is not an origin fails at construction, and the list without it verifies the token.
    """
    party = instance.authorized_parties[0]
    with pytest.raises(ClerkConfigurationError, match="authorized_parties"):
        instance.options(authorized_parties=["", party])
    engine = engine_at(instance, NOW, authorized_parties=[party])
    assert engine.verify_token(instance.session_token("user_azp"))["sub"] == "user_azp"


def test_returns_the_reason_of_the_failure_when_verifications_fail(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: returns the reason of the failure when verifications fail."""
    with pytest.raises(TokenVerificationError) as info:
        engine_at(instance, NOW).verify_token("invalid-jwt")
    assert (info.value.reason, str(info.value.message)) == ("token-invalid", FORM_MESSAGE)


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt"])
def test_verifies_oauth_jwt_with_headertype_as_array(
    instance: LocalClerkInstance, typ: str
) -> None:
    """verifyJwt: verifies OAuth JWT with headerType as array including at+jwt /
    application/at+jwt (``authenticateRequest`` with ``acceptsToken: 'oauth_token'``)."""
    claims = decode_jwt(instance.oauth_jwt("user_oauth")).payload
    token = instance.sign(claims, headers={"typ": typ, "cat": None})
    engine = engine_at(instance, NOW)
    status, _ = bearer_state(engine, token, "oauth_token")
    assert status is AuthStatus.SIGNED_IN
    state = engine.authenticate_request(
        RequestView("GET", "http://127.0.0.1:8000/", {"authorization": f"Bearer {token}"}),
        accepts_token="oauth_token",
    )
    assert (state.token_type, state.to_auth().user_id) == ("oauth_token", "user_oauth")


@pytest.mark.parametrize(
    ("title", "headers"),
    [
        ("rejects JWT when headerType does not match", {}),
        ("rejects JWT with missing type when headerType is configured", {"typ": None}),
        (
            "rejects JWT when headerType array does not include the token type",
            {"typ": "custom-type"},
        ),
    ],
)
def test_rejects_jwt_when_headertype_does_not_match(
    instance: LocalClerkInstance, title: str, headers: dict[str, Any]
) -> None:
    """verifyJwt: a JWT whose typ is not at+jwt / application/at+jwt, where an OAuth token is
    expected. In a request (Clerk's ``authenticateRequest``), that is ``token-type-mismatch``."""
    token = instance.sign(instance.session_claims(), headers=headers)
    status, reason = bearer_state(engine_at(instance, NOW), token, "oauth_token")
    assert (status, reason) == (AuthStatus.SIGNED_OUT, "token-type-mismatch")


def test_rejects_oauth_jwt_when_headertype_does_not_match(instance: LocalClerkInstance) -> None:
    """verifyJwt: rejects OAuth JWT when headerType does not match (``JWT``): verified as a
    session token, ``token-invalid``; sent where a session is expected, ``token-type-mismatch``."""
    engine = engine_at(instance, NOW)
    token = instance.oauth_jwt()
    assert reason_of(engine, token) == "token-invalid"
    assert bearer_state(engine, token, "session_token") == (
        AuthStatus.SIGNED_OUT,
        "token-type-mismatch",
    )
    custom = instance.sign(instance.session_claims(), headers={"typ": "custom-type"})
    assert reason_of(engine, custom) == "token-invalid"


def test_verifies_jwt_when_array_aud_includes_the_configured_audience(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: verifies JWT when array aud includes the configured audience."""
    audience = "https://my-resource.example.com"
    aud = ["https://other-resource.example.com", audience]
    engine = engine_at(instance, NOW, audience=audience)
    assert engine.verify_token(instance.session_token(claims={"aud": aud}))["aud"] == aud


def test_rejects_jwt_when_array_aud_does_not_include_the_configured_audience(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: rejects JWT when array aud does not include the configured audience."""
    engine = engine_at(instance, NOW, audience="https://my-resource.example.com")
    token = instance.session_token(claims={"aud": ["https://attacker.example.com"]})
    assert reason_of(engine, token) == "token-verification-failed"


def test_rejects_an_expired_jwt_when_clockskewinms_is_explicitly_0(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: rejects an expired JWT when clockSkewInMs is explicitly 0."""
    token = instance.session_token(lifetime=60)
    assert reason_of(engine_at(instance, NOW + 61, clock_skew=0), token) == "token-expired"


def test_accepts_a_recently_expired_jwt_within_the_default_clock_skew(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: accepts a recently expired JWT within the default clock skew when clockSkewInMs
    is undefined."""
    token = instance.session_token("user_skew", lifetime=60)
    assert engine_at(instance, NOW + 61).verify_token(token)["sub"] == "user_skew"


def test_falls_back_to_the_default_clock_skew_when_clockskewinms_is_nan(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: falls back to the default clock skew when clockSkewInMs is NaN."""
    token = instance.session_token("user_nan", lifetime=60)
    assert engine_at(instance, NOW + 61, clock_skew=math.nan).verify_token(token)["sub"]
    assert reason_of(engine_at(instance, NOW + 120, clock_skew=math.nan), token) == (
        "token-expired"
    )


def test_falls_back_to_the_default_clock_skew_when_clockskewinms_is_infinity(
    instance: LocalClerkInstance,
) -> None:
    """verifyJwt: falls back to the default clock skew when clockSkewInMs is Infinity."""
    token = instance.session_token(lifetime=60)
    engine = engine_at(instance, NOW + 60 + 3600, clock_skew=math.inf)
    assert reason_of(engine, token) == "token-expired"


# ============================================================== assertions.test.ts
def claims(**changes: Any) -> dict[str, Any]:
    """A valid session payload at NOW; ``None`` removes a claim."""
    payload: dict[str, Any] = {"sub": "user_1", "sid": "sess_1", "iat": NOW - 1, "exp": NOW + 60}
    for name, value in changes.items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return payload


def check(
    payload: dict[str, Any],
    *,
    skew: float = 0,
    authorized_parties: Sequence[str] = (),
    audience: Any = None,
) -> str | None:
    """The reason ``check_session_claims`` refuses ``payload`` for, or ``None``."""
    if isinstance(audience, str):
        audience = [audience]
    try:
        check_session_claims(
            payload,
            now=NOW,
            skew=skew,
            issuer=None,
            authorized_parties=authorized_parties,
            audience=cast("Sequence[str] | None", audience),
        )
    except TokenVerificationError as exc:
        return exc.reason
    return None


MISSING = object()
AUDIENCE = "http://audience.example"
OTHER_AUDIENCE = "http://audience-other.example"
INVALID_AUDIENCE = "http://invalid-audience.example"
SHORT = AUDIENCE[:-2]


def aud_claims(aud: Any) -> dict[str, Any]:
    return claims() if aud is MISSING else claims(aud=aud) if aud is not None else claims()


# ---------------------------------------------------------- assertAudienceClaim(audience?, aud?)
# In Clerk's tests the first argument is the token's ``aud`` and the second the configured list.
@pytest.mark.parametrize(
    ("title", "aud", "audience"),
    [
        ("does not throw error if aud is missing", MISSING, None),
        ("does not throw error if aud is missing", MISSING, AUDIENCE),
        ("does not throw error if aud is missing", MISSING, [AUDIENCE]),
        ("does not throw error if aud is missing", "", None),
        ("does not throw error if aud is missing", "", AUDIENCE),
        ("does not throw error if aud is missing", "", [AUDIENCE]),
        ("does not throw error if aud is missing", "", [AUDIENCE, OTHER_AUDIENCE]),
        ("does not throw error if audience is missing", MISSING, ""),
        ("does not throw error if audience is missing", AUDIENCE, None),
        ("does not throw error if audience is missing", [AUDIENCE], None),
        ("does not throw error if audience is missing", AUDIENCE, ""),
        ("does not throw error if audience is missing", [AUDIENCE], ""),
        ("does not throw error if audience is missing", [AUDIENCE, OTHER_AUDIENCE], ""),
        ("does not throw error if aud contains empty values", [], AUDIENCE),
        ("does not throw error if aud contains empty values", [None, None], AUDIENCE),
        ("does not throw error if aud contains empty values", [False, False], AUDIENCE),
        ("does not throw error if aud contains empty values", ["", ""], [AUDIENCE]),
        (
            "does not throw error if aud contains empty values",
            ["", ""],
            [AUDIENCE, OTHER_AUDIENCE],
        ),
        ("does not throw error if audience is empty or contains empty values", AUDIENCE, []),
        (
            "does not throw error if audience is empty or contains empty values",
            AUDIENCE,
            [None, None],
        ),
        (
            "does not throw error if audience is empty or contains empty values",
            AUDIENCE,
            [False, False],
        ),
        (
            "does not throw error if audience is empty or contains empty values",
            AUDIENCE,
            ["", ""],
        ),
        (
            "does not throw error if audience is empty or contains empty values",
            [AUDIENCE],
            ["", ""],
        ),
        (
            "does not throw error if audience is empty or contains empty values",
            [AUDIENCE, OTHER_AUDIENCE],
            ["", ""],
        ),
        ("does not throw error when audience matches aud", AUDIENCE, AUDIENCE),
        (
            "does not throw error when audience list contains aud",
            AUDIENCE,
            [AUDIENCE, OTHER_AUDIENCE],
        ),
        (
            "does not throw error when audience string[] has intersection with aud string[]",
            [AUDIENCE],
            [AUDIENCE, OTHER_AUDIENCE],
        ),
        (
            "does not throw error when audience string[] has intersection with aud string[]",
            [AUDIENCE, OTHER_AUDIENCE],
            [AUDIENCE],
        ),
    ],
)
def test_assertaudienceclaim_passes(title: str, aud: Any, audience: Any) -> None:
    """assertAudienceClaim: the "does not throw" cases (title in the parameter)."""
    assert check(aud_claims(aud), audience=audience) is None


@pytest.mark.parametrize(
    ("title", "aud", "audience"),
    [
        ("throws error when audience does not match aud", AUDIENCE, INVALID_AUDIENCE),
        ("throws error when audience is substring of aud", AUDIENCE, SHORT),
        (
            "throws error when audience is substring of an aud when aud is a string[]",
            [AUDIENCE, OTHER_AUDIENCE],
            SHORT,
        ),
        (
            "throws error when audience string[] has no intersection with aud string[]",
            [AUDIENCE],
            [INVALID_AUDIENCE],
        ),
        ("throws error when aud is a substring of audience", SHORT, AUDIENCE),
        (
            "throws error when aud is substring of an audience when audience is a string[]",
            SHORT,
            [AUDIENCE, OTHER_AUDIENCE],
        ),
    ],
)
def test_assertaudienceclaim_throws(title: str, aud: Any, audience: Any) -> None:
    """assertAudienceClaim: the "throws error" cases (title in the parameter)."""
    assert check(aud_claims(aud), audience=audience) == "token-verification-failed"


@pytest.mark.parametrize("aud", [123, {"a": 1}, [AUDIENCE + "x", 1], [[AUDIENCE]]])
def test_policy_a_malformed_aud_fails_closed(aud: Any) -> None:
    """POLICY (fail closed). Clerk's assertAudienceClaim checks only a string or an all-string
    list and lets any other non-empty ``aud`` through when an audience is configured; here such a
    claim is refused (``token-verification-failed``). Only the instance can sign one."""
    assert check(claims(aud=aud), audience=AUDIENCE) == "token-verification-failed"


# --------------------------------------------------------- assertHeaderType(typ?, allowedTypes?)
def test_does_not_throw_error_if_type_is_missing_and_allowed_types_are_not_configured() -> None:
    """assertHeaderType: does not throw error if type is missing and allowed types are not
    configured."""
    check_common_header({}, allow_typ=("JWT",))


def test_policy_a_missing_type_is_accepted_whatever_types_are_allowed() -> None:
    """assertHeaderType: throws error if type is missing and allowed types are configured.

    POLICY 1 (``typ`` absent or ``JWT``). Clerk throws ``Invalid JWT type undefined`` when a list
    is configured (it is, for OAuth JWTs); here a missing ``typ`` is always allowed: a JWT without
    one is never read as an OAuth JWT (that needs ``at+jwt``), so it is judged as a session token.
    """
    check_common_header({}, allow_typ=("JWT", "at+jwt"))
    check_common_header({}, allow_typ=("at+jwt",))


def test_does_not_throw_error_if_type_matches_default_allowed_type_jwt() -> None:
    """assertHeaderType: does not throw error if type matches default allowed type (JWT)."""
    check_common_header({"typ": "JWT"}, allow_typ=("JWT",))


@pytest.mark.parametrize(
    ("typ", "allowed"),
    [
        ("", ("JWT",)),  # throws error if type is not JWT (default)
        ("Aloha", ("JWT",)),
        ("JWT", ("at+jwt",)),  # throws error if type does not match single custom allowed type
        ("at+jwt", ("JWT",)),
        # throws error if type does not match any in array of allowed types
        ("JWT", ("at+jwt", "application/at+jwt")),
        ("invalid", ("at+jwt", "application/at+jwt")),
    ],
)
def test_assertheadertype_throws(typ: str, allowed: tuple[str, ...]) -> None:
    """assertHeaderType: the "throws error if type ..." cases."""
    with pytest.raises(TokenVerificationError) as info:
        check_common_header({"typ": typ}, allow_typ=allowed)
    assert info.value.reason == "token-invalid"


@pytest.mark.parametrize(
    ("typ", "allowed"),
    [
        ("at+jwt", ("at+jwt",)),  # does not throw error if type matches single custom allowed type
        ("application/at+jwt", ("application/at+jwt",)),
        ("JWT", ("JWT", "at+jwt")),  # does not throw error if type matches array of allowed types
        ("at+jwt", ("JWT", "at+jwt")),
        ("at+jwt", ("at+jwt", "application/at+jwt")),
        ("application/at+jwt", ("at+jwt", "application/at+jwt")),
    ],
)
def test_assertheadertype_passes(typ: str, allowed: tuple[str, ...]) -> None:
    """assertHeaderType: the "does not throw error if type matches ..." cases."""
    check_common_header({"typ": typ}, allow_typ=allowed)


# ------------------------------------------------------------------- assertHeaderAlgorithm(alg)
def test_does_not_throw_if_algorithm_is_supported() -> None:
    """assertHeaderAlgorithm: does not throw if algorithm is supported (RS256)."""
    check_algorithm({"alg": "RS256"})


@pytest.mark.parametrize("alg", ["RS384", "RS512"])
def test_policy_rs384_and_rs512_are_refused(instance: LocalClerkInstance, alg: str) -> None:
    """assertHeaderAlgorithm: does not throw if algorithm is supported (RS384, RS512).

    POLICY 1 (RS256 only). Clerk's assertion lists RS384 and RS512, then its crypto layer fails
    the token against Clerk's RS256 key (``token-verification-failed``); here the header check
    refuses them with that same reason, before any key is used.
    """
    with pytest.raises(TokenVerificationError) as info:
        check_algorithm({"alg": alg})
    assert info.value.reason == "token-verification-failed"
    token = instance.sign(instance.session_claims(), algorithm=alg)
    assert reason_of(engine_at(instance, NOW), token) == "token-verification-failed"


@pytest.mark.parametrize("alg", ["", "ES256", "ES384", "ES512", "PS512", "Aloha"])
def test_throws_error_if_algorithm_is_missing_or_not_supported(alg: str) -> None:
    """assertHeaderAlgorithm: throws error if algorithm is missing / is not supported."""
    with pytest.raises(TokenVerificationError) as info:
        check_algorithm({"alg": alg})
    assert info.value.reason == "token-invalid-algorithm"


# ------------------------------------------------------------------------- assertSubClaim(sub?)
def test_does_not_throw_if_sub_exists() -> None:
    """assertSubClaim: does not throw if sub exists (even empty)."""
    assert check(claims(sub="")) is None


def test_throws_error_if_sub_is_missing() -> None:
    """assertSubClaim: throws error if sub is missing."""
    assert check(claims(sub=None)) == "token-verification-failed"


# ---------------------------------------------- assertAuthorizedPartiesClaim(azp?, authorizedParties?)
@pytest.mark.parametrize(
    ("title", "azp", "parties", "reason"),
    [
        ("does not throw if azp missing or empty and no parties", MISSING, (), None),
        ("does not throw if azp missing or empty and no parties", "", (), None),
        ("throws error if azp is missing or empty but parties are configured", "", ("azp-1",),
         "token-invalid-authorized-parties"),
        ("throws error if azp is missing or empty but parties are configured", MISSING,
         ("azp-1",), "token-invalid-authorized-parties"),
        ("does not throw if authorizedParties missing or empty", "azp", (), None),
        ("throws error if azp is not included in authorizedParties", "azp", ("",),
         "token-invalid-authorized-parties"),
        ("throws error if azp is not included in authorizedParties", "azp", ("azp-1",),
         "token-invalid-authorized-parties"),
        ("does not throw if azp is included in authorizedParties", "azp", ("azp",), None),
    ],
)  # fmt: skip
def test_assertauthorizedpartiesclaim(
    title: str, azp: Any, parties: tuple[str, ...], reason: str | None
) -> None:
    """assertAuthorizedPartiesClaim: each case (title in the parameter)."""
    payload = claims() if azp is MISSING else claims(azp=azp)
    assert check(payload, authorized_parties=parties) == reason


# ------------------------------------------------------- assertExpirationClaim(exp, clockSkewInMs)
# Clerk's skews are milliseconds (6000 = 6 s); the engine's are seconds.
@pytest.mark.parametrize(
    ("title", "exp", "skew", "reason"),
    [
        ("throws err if exp is in the past", NOW - 5, 0, "token-expired"),
        ("does not throw error if exp is in the past but less than clock skew", NOW - 5, 6, None),
        ("throws err if exp is in now", NOW, 0, "token-expired"),
        ("does not throw error if exp is now but there is clock skew", NOW, 1, None),
        ("does not throw error if exp is in the future", NOW + 5, 0, None),
        ("does not throw error if exp is in the future", NOW + 5, 6, None),
    ],
)
def test_assertexpirationclaim(title: str, exp: int, skew: float, reason: str | None) -> None:
    """assertExpirationClaim: each case (title in the parameter)."""
    assert check(claims(exp=exp), skew=skew) == reason


# ------------------------------------------------------- assertActivationClaim(nbf, clockSkewInMs)
@pytest.mark.parametrize(
    ("title", "nbf", "skew", "reason"),
    [
        ("does not throw error if nbf is undefined", None, 0, None),
        ("does not throw error if nbf is in the past", NOW - 5, 0, None),
        ("does not throw err if nbf is in the past but less than clock skew", NOW - 5, 6, None),
        ("does not throw error if nbf is now", NOW, 0, None),
        ("does not throw error if nbf is now and there is clock skew", NOW, 0.001, None),
        ("throws error if nbf is in the future", NOW + 5, 0, "token-not-active-yet"),
        ("does not throw error if nbf is in the future but less than clock skew", NOW + 5, 6, None),
    ],
)
def test_assertactivationclaim(
    title: str, nbf: int | None, skew: float, reason: str | None
) -> None:
    """assertActivationClaim: each case (title in the parameter)."""
    assert check(claims(nbf=nbf), skew=skew) == reason


# ------------------------------------------------------- assertIssuedAtClaim(iat, clockSkewInMs)
@pytest.mark.parametrize(
    ("title", "iat", "skew", "reason"),
    [
        ("does not throw error if iat is in the past", NOW - 5, 0, None),
        ("does not throw err if iat is in the past but less than clock skew", NOW - 5, 6, None),
        ("does not throw error if iat is now", NOW, 0, None),
        ("does not throw error if iat is now and there is clock skew", NOW, 0.001, None),
        ("throws error if iat is in the future", NOW + 5, 0, "token-iat-in-the-future"),
        ("does not throw error if iat is in the future but less than clock skew", NOW + 5, 6, None),
    ],
)
def test_assertissuedatclaim(title: str, iat: int, skew: float, reason: str | None) -> None:
    """assertIssuedAtClaim: each case (title in the parameter)."""
    assert check(claims(iat=iat), skew=skew) == reason


def test_policy_iat_is_required() -> None:
    """assertIssuedAtClaim: does not throw error if iat is undefined.

    POLICY 3 (``exp`` and ``iat`` required). Clerk skips a missing ``iat``; here a session token
    without one is refused (``token-verification-failed``).
    """
    assert check(claims(iat=None)) == "token-verification-failed"


# ============================================================== request_azp.test.ts
def azp_world(caplog: pytest.LogCaptureFixture) -> tuple[LocalClerkInstance, Clerk]:
    caplog.set_level(logging.WARNING, logger="clerk_core")
    instance = LocalClerkInstance(
        instance_type="production", authorized_parties=(), clock=lambda: NOW
    )
    return instance, instance.clerk(networkless=True, clock=lambda: NOW)


def cookie_request(token: str) -> RequestView:
    return RequestView(
        "GET",
        "http://localhost:3000/",
        {"host": "localhost:3000", "cookie": f"__session={token}; __client_uat={NOW - 100}"},
    )


def azp_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "azp" in r.getMessage()]


def test_warns_once_across_repeated_requests_when_azp_claim_is_missing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """authenticateRequest with cookie token: warns once across repeated requests when azp claim
    is missing but still returns signed-in."""
    instance, engine = azp_world(caplog)
    token = instance.session_token(azp=False)
    first = engine.authenticate_request(cookie_request(token))
    second = engine.authenticate_request(cookie_request(token))
    assert first.status is second.status is AuthStatus.SIGNED_IN
    assert len(azp_warnings(caplog)) == 1


def test_does_not_warn_when_azp_claim_is_present(caplog: pytest.LogCaptureFixture) -> None:
    """authenticateRequest with cookie token: does not warn when azp claim is present."""
    instance, engine = azp_world(caplog)
    token = instance.session_token(azp="http://localhost:3000")
    assert engine.authenticate_request(cookie_request(token)).status is AuthStatus.SIGNED_IN
    assert azp_warnings(caplog) == []


def test_header_token_succeeds_without_warning_when_azp_claim_is_missing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """authenticateRequest with header token: succeeds without warning when azp claim is
    missing."""
    instance, engine = azp_world(caplog)
    token = instance.session_token(azp=False)
    request = RequestView("GET", "http://localhost:3000/", {"authorization": f"Bearer {token}"})
    assert engine.authenticate_request(request).status is AuthStatus.SIGNED_IN
    assert azp_warnings(caplog) == []
