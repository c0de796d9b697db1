"""Deviations found by a differential run against Clerk's ``@clerk/backend`` 3.25.

Several thousand seeded requests (development and production instances, satellites, proxies,
header and cookie tokens, dev-browser cookies, referers, handshake nonces and tokens, loop
counters, ``accepts_token`` variants) were given both to Clerk's ``authenticateRequest`` and to the
engine. Each test below pins one class of disagreement that was fixed, with the answer Clerk gave
(status, reason, message); the comment names the ``@clerk/backend`` function that decides it.
Disagreements that are stated policies (``docs/reliability.md``, "Differences from Clerk's JS
SDKs", and ``docs/security.md``) are tested with those policies, not here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import AuthStatus, Clerk, RequestState, RequestView
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

T = 1_790_000_000.0
APP = "https://app.test"
DECODE_MESSAGE = "Invalid JWT form. The header, payload, or signature could not be decoded."
FORM_MESSAGE = "Invalid JWT form. A JWT consists of three parts separated by dots."

Runner = Callable[[Clerk, RequestView], RequestState]


@pytest.fixture(params=["sync", "async"])
def run(request: pytest.FixtureRequest) -> Runner:
    def runner(engine: Clerk, req: RequestView) -> RequestState:
        if request.param == "sync":
            return engine.authenticate_request(req)
        return asyncio.run(engine.authenticate_request_async(req))

    return runner


@pytest.fixture(params=["development", "production"])
def instance(request: pytest.FixtureRequest) -> LocalClerkInstance:
    kind: Any = request.param
    return LocalClerkInstance(
        frontend_api="clerk.app.test",
        instance_type=kind,
        authorized_parties=(APP,),
        clock=FakeClock(T),
    )


def _engine(instance: LocalClerkInstance) -> Clerk:
    return instance.clerk(networkless=True, allowed_hosts=("app.test",))


# --------------------------------------------------------------------------- malformed JWTs
# Clerk's decodeJwt (@clerk/backend src/jwt/verifyJwt.ts) splits the token on "." first: any
# number of parts other than three is "A JWT consists of three parts separated by dots.", and
# three parts whose base64url/JSON does not decode are "The header, payload, or signature could
# not be decoded." The engine gave the first text for every token outside the base64url alphabet.


@pytest.mark.parametrize("shape", ["tab after Bearer", "tab inside the header part", "empty part"])
def test_three_part_token_that_does_not_decode_gets_clerks_decoding_message(
    instance: LocalClerkInstance, run: Runner, shape: str
) -> None:
    token = instance.session_token()
    head, _, rest = token.partition(".")
    value = {
        # no space: the whole value is the token, "Bearer\teyJ..." is its first part
        "tab after Bearer": f"Bearer\t{token}",
        "tab inside the header part": f"Bearer {head[:10]}\t{head[10:]}.{rest}",
        "empty part": "Bearer a..c",
    }[shape]
    state = run(_engine(instance), RequestView("GET", APP + "/", {"authorization": value}))
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.reason == "token-invalid"
    assert state.message == f"{DECODE_MESSAGE} (reason=token-invalid, token-carrier=header)"
    assert ("x-clerk-auth-message", state.message) in state.headers


@pytest.mark.parametrize("token", ["garbage", "a.b", "a.b.c.d", "Bearer"])
def test_token_without_three_parts_keeps_clerks_form_message(
    instance: LocalClerkInstance, run: Runner, token: str
) -> None:
    headers = {"authorization": token if token == "Bearer" else f"Bearer {token}"}
    state = run(_engine(instance), RequestView("GET", APP + "/", headers))
    assert state.reason == "token-invalid"
    assert state.message == f"{FORM_MESSAGE} (reason=token-invalid, token-carrier=header)"


# --------------------------------------------------------------------------- OAuth JWT in a cookie
# Clerk's authenticateRequestWithTokenInCookie (@clerk/backend src/tokens/request.ts) refuses a
# machine JWT in the session cookie before the client_uat comparison and before verification:
# isMachineJwt(token) is isOAuthJwt(token) (typ "at+jwt" or "application/at+jwt") or isM2MJwt(token).
# Clerk answers signed-out, token-type-mismatch, message "". The engine refused only M2M JWTs
# there, so an OAuth access token in `__session` got "token-invalid" (Invalid JWT type "at+jwt")
# or, with a later __client_uat, a "session-token-iat-before-client-uat" handshake.


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt"])
@pytest.mark.parametrize("client_uat", [1, int(T) + 1000])
def test_oauth_jwt_in_the_session_cookie_is_a_token_type_mismatch(
    instance: LocalClerkInstance, run: Runner, typ: str, client_uat: int
) -> None:
    oauth = instance.oauth_jwt()
    if typ != "at+jwt":
        claims = dict(instance.session_claims())
        claims.pop("sid", None)
        oauth = instance.sign(claims, headers={"typ": typ, "cat": None})
    cookies = instance.cookies(oauth, client_uat=client_uat)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    headers = {"cookie": cookie, "sec-fetch-dest": "document", "accept": "text/html"}
    state = run(_engine(instance), RequestView("GET", APP + "/", headers))
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.reason == "token-type-mismatch"
    assert state.message == ""
    assert state.token_type == "session_token"
    assert not any(name.lower() == "location" for name, _ in state.headers)


# --------------------------------------------------------------------------- OAuth audience
# Clerk 3.25 applies the `audience` option to OAuth access tokens as well as to session tokens:
# verifyOAuthJwt (src/jwt/verifyMachineJwt.ts) for a JWT, and IdPOAuthAccessTokenApi.verify for an
# opaque `oat_` token, both through assertOAuthAudienceClaim (src/jwt/assertions.ts). A failure is
# token-verification-failed with the machine-token message format "(code=..., status=n/a)".
# The engine ignored `audience` for OAuth tokens and signed them in.

AUD_INVALID = (
    "Invalid OAuth audience claim (aud) {aud}. Expected a non-empty string or a non-empty "
    "array of non-empty strings. (code=token-verification-failed, status=n/a)"
)
AUD_MISMATCH = (
    'OAuth audience mismatch. Verification expected audience ["aud1","aud2"], but incoming '
    "token has aud {aud}. (code=token-verification-failed, status=n/a)"
)
_MISSING = object()


def _oauth_engine(instance: LocalClerkInstance) -> Clerk:
    return instance.clerk(
        networkless=True,
        allowed_hosts=("app.test",),
        accepts_token="oauth_token",
        audience=["aud1", "aud2"],
    )


def _oauth_jwt_with(instance: LocalClerkInstance, aud: object) -> str:
    payload = {
        "sub": "user_test",
        "iat": int(T),
        "exp": int(T) + 300,
        "nbf": int(T) - 10,
        "jti": "oat_jwt_1",
        "scp": ["profile"],
        "client_id": "client_test",
        "iss": instance.issuer,
    }
    if aud is not _MISSING:
        payload["aud"] = aud
    return instance.sign(payload, headers={"typ": "at+jwt", "cat": None})


def _opaque_with(instance: LocalClerkInstance, aud: object) -> str:
    token = instance.oauth_token()
    if aud is not _MISSING:
        instance._oauth_tokens[token]["aud"] = aud  # the Backend API's answer carries `aud`
    return token


AUDIENCE_CASES = [
    (_MISSING, AUD_INVALID.format(aud="undefined")),
    ("", AUD_INVALID.format(aud='""')),
    ([""], AUD_INVALID.format(aud='[""]')),
    ([], AUD_INVALID.format(aud="[]")),
    ("x", AUD_MISMATCH.format(aud='"x"')),
    (["x", "y"], AUD_MISMATCH.format(aud='["x","y"]')),
    ("aud2", None),
    (["x", "aud1"], None),
]


@pytest.mark.parametrize("form", ["jwt", "opaque"])
@pytest.mark.parametrize(("aud", "message"), AUDIENCE_CASES)
def test_oauth_token_audience_is_checked_as_in_clerk(
    instance: LocalClerkInstance, run: Runner, form: str, aud: object, message: str | None
) -> None:
    token = _oauth_jwt_with(instance, aud) if form == "jwt" else _opaque_with(instance, aud)
    state = run(
        _oauth_engine(instance),
        RequestView("GET", APP + "/api", {"authorization": f"Bearer {token}"}),
    )
    if message is None:
        assert state.status is AuthStatus.SIGNED_IN
        assert state.token_type == "oauth_token"
        return
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.reason == "token-verification-failed"
    assert state.message == message
    assert state.token_type == "oauth_token"


def test_oauth_token_without_audience_option_ignores_aud(
    instance: LocalClerkInstance, run: Runner
) -> None:
    # assertOAuthAudienceClaim returns at once when no audience is configured.
    engine = instance.clerk(
        networkless=True, allowed_hosts=("app.test",), accepts_token="oauth_token"
    )
    for token in (_oauth_jwt_with(instance, ""), _opaque_with(instance, ["x"])):
        req = RequestView("GET", APP + "/api", {"authorization": f"Bearer {token}"})
        assert run(engine, req).status is AuthStatus.SIGNED_IN


# --------------------------------------------------------------------------- header whitespace
# Clerk reads headers through the Fetch standard's Headers (ClerkRequest, src/tokens/
# clerkRequest.ts), which strips leading and trailing whitespace from every value: an
# `Accept: " text/html"` or `Sec-Fetch-Dest: "document "` is a document request, so a cookie
# without __client_uat starts a handshake (session-token-but-no-client-uat). The engine compared
# the raw value and answered signed-out without a Location.


@pytest.mark.parametrize(
    "nav_headers",
    [
        {"accept": " text/html"},
        {"accept": "text/html\t"},
        {"sec-fetch-dest": " document "},
        {"sec-fetch-dest": "\tiframe"},
    ],
)
def test_header_values_are_trimmed_as_fetch_headers_do(
    instance: LocalClerkInstance, run: Runner, nav_headers: dict[str, str]
) -> None:
    token = instance.session_token()
    cookies = {k: v for k, v in instance.cookies(token).items() if "client_uat" not in k}
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    state = run(_engine(instance), RequestView("GET", APP + "/", {"cookie": cookie, **nav_headers}))
    assert state.status is AuthStatus.HANDSHAKE
    assert state.reason == "session-token-but-no-client-uat"
    assert any(name.lower() == "location" for name, _ in state.headers)


@pytest.mark.parametrize(
    ("part", "constant"),
    [("header", "NaN"), ("header", "Infinity"), ("payload", "-Infinity"), ("payload", "NaN")],
)
def test_a_json_constant_outside_json_does_not_decode(
    instance: LocalClerkInstance, run: Runner, part: str, constant: str
) -> None:
    """Python's json reads NaN and Infinity; JSON and Clerk's JSON.parse do not, so a token whose
    header or payload carries one (validly signed) is a token that does not decode."""
    import base64
    import json

    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.hashes import SHA256

    def segment(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()

    claims = instance.session_claims("user_1")
    header = json.dumps({"alg": "RS256", "kid": instance.kid, "typ": "JWT"})
    payload = json.dumps(claims)
    if part == "header":
        header = header[:-1] + f', "x": {constant}}}'
    else:
        payload = payload[:-1] + f', "extra": {constant}}}'
    signing_input = f"{segment(header)}.{segment(payload)}"
    signature = instance.private_key.sign(signing_input.encode(), PKCS1v15(), SHA256())
    token = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    state = run(
        _engine(instance), RequestView("GET", APP + "/", {"authorization": f"Bearer {token}"})
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid")
    assert state.message == f"{DECODE_MESSAGE} (reason=token-invalid, token-carrier=header)"
