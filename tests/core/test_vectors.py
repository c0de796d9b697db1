"""An extra cross-check (R1, R2, R13, R15, R17): the hostile-input vectors of the workspace beside
a checkout (``../shared/security-vectors``, or ``CLERK_EXTRA_VECTORS``), read in place and skipped
when absent. The project's own corpus covers the same ground and always runs
(``tests/core/test_corpus.py``)."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

import clerk_core.tokens as tokens_module
from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkOptions,
    RequestView,
    SignedOutAuth,
    TokenVerificationError,
)
from clerk_core.testing import LocalClerkInstance
from tests.conftest import extra_absent, extra_cases, load_vectors, vectors_or_empty

HOSTILE = vectors_or_empty("hostile_jwt_tokens.json")
CASES = HOSTILE.get("cases", [])
SECRET = "sk_test_vectorsvectorsvectors0123456789"


def hostile_token(case: dict[str, Any]) -> str:
    if case.get("token") is not None:
        return str(case["token"])
    recipe = case.get("token_recipe")
    if recipe:
        prefix = recipe["prefix"]
        return str(prefix + recipe["fill_char"] * (recipe["total_length"] - len(prefix)))
    return ""


def make_engine(mode: str, *, counter: list[httpx.Request] | None = None) -> Clerk:
    config = HOSTILE["verifier_config"]
    fixtures = load_vectors("clerk_jwt_fixtures.json")
    common: dict[str, Any] = {
        "publishable_key": config["publishable_key"],
        "authorized_parties": config["authorized_parties"],
        "clock_skew": config["clock_skew_seconds"],
        "max_token_bytes": config["max_token_bytes"],
    }
    if mode == "pem":
        return Clerk(
            ClerkOptions(jwt_key=fixtures["pem_public_key"], **common),
            clock=lambda: float(config["valid_at"]),
        )
    jwks = fixtures["jwks"]

    def handler(request: httpx.Request) -> httpx.Response:
        if counter is not None:
            counter.append(request)
        return httpx.Response(200, json=jwks)

    transport = httpx.MockTransport(handler)
    return Clerk(
        ClerkOptions(secret_key=SECRET, **common),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        clock=lambda: float(config["valid_at"]),
    )


def expected(case: dict[str, Any], mode: str) -> str:
    by_mode = case.get("expect_by_mode")
    if by_mode and mode in by_mode:
        return str(by_mode[mode]).split(" ")[0]
    return str(case["expect"])


# These two vectors concern the token value itself (checked through verify_token below); inside an
# Authorization header, white space between the scheme and the token is optional white space (E1).
HEADER_OWS_CASES = {"enc-leading-space"}


def api_request(token: str) -> RequestView:
    # An API call (not a document request), so time-based failures are signed-out, not handshakes.
    return RequestView("GET", "https://app.example/api", {"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("mode", ["jwks", "pem"])
@pytest.mark.parametrize(
    "case", extra_cases(CASES, "hostile_jwt_tokens.json", lambda i, c: c["id"])
)
def test_hostile_token_through_authenticate_request(
    case: dict[str, Any], mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = hostile_token(case)
    requests: list[httpx.Request] = []
    engine = make_engine(mode, counter=requests)
    state = engine.authenticate_request(api_request(token))
    want = "accept" if case["id"] in HEADER_OWS_CASES else expected(case, mode)
    if want == "accept":
        assert state.status is AuthStatus.SIGNED_IN, (state.reason, state.message)
        assert state.to_auth().is_authenticated
    elif want == "reject":
        assert state.status is AuthStatus.SIGNED_OUT
        assert state.reason, "a rejection always carries a reason"
        assert not state.to_auth().is_authenticated
    elif want == "signed-out":
        assert state.status is AuthStatus.SIGNED_IN
        auth = state.to_auth()
        assert isinstance(auth, SignedOutAuth)
        assert auth.session_status == "pending"
    else:  # accept-or-reject: either, never an error; if accepted, the safe reading
        assert state.status in (AuthStatus.SIGNED_IN, AuthStatus.SIGNED_OUT)
        if state.status is AuthStatus.SIGNED_IN and case["id"] == "payload-dup-sub":
            assert state.to_auth().user_id == "user_B"
    assert state.reason != "unexpected-error"
    # R17: no fragment of the token in messages, headers or logs.
    if len(token) >= 16:
        fragments = {token[i : i + 16] for i in range(0, min(len(token), 4096) - 16, 97)}
        texts = [state.message or "", *(v for _, v in state.headers), caplog.text]
        for fragment in fragments:
            assert all(fragment not in text for text in texts)
    # A13: jku/x5u are never fetched; only the configured JWKS endpoint is ever contacted.
    assert all(r.url.path == "/v1/jwks" for r in requests)
    assert len(requests) <= 1


@pytest.mark.parametrize(
    "case", extra_cases(CASES, "hostile_jwt_tokens.json", lambda i, c: c["id"])
)
def test_hostile_token_through_verify_token(case: dict[str, Any]) -> None:
    engine = make_engine("jwks")
    want = expected(case, "jwks")
    token = hostile_token(case)
    if want == "accept":
        claims = engine.verify_token(token)
        assert isinstance(claims["sub"], str)
    elif want in ("reject",):
        with pytest.raises(TokenVerificationError):
            engine.verify_token(token)


def test_oversized_token_is_rejected_before_any_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """R2: the 10 MB token costs no base64, JSON or RSA work."""
    if not CASES:
        pytest.skip(extra_absent("hostile_jwt_tokens.json"))
    case = next(c for c in CASES if c["id"] == "enc-10mb")
    calls: list[str] = []
    real = tokens_module._b64decode

    def spy(value: Any) -> bytes:
        calls.append("b64")
        return real(value)

    engine = make_engine("pem")
    monkeypatch.setattr(tokens_module, "_b64decode", spy)
    monkeypatch.setattr(tokens_module, "_json_loads", lambda *a, **k: calls.append("json"))
    state = engine.authenticate_request(api_request(hostile_token(case)))
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.reason == "token-invalid"
    assert calls == []


def test_clerk_js_fixture_tokens_and_time_window() -> None:
    fixtures = load_vectors("clerk_jwt_fixtures.json")
    valid = fixtures["tokens"]["valid"]
    pk = fixtures["publishable_keys"]["pk_test"]
    now = [float(valid["valid_at"])]
    engine = Clerk(
        ClerkOptions(publishable_key=pk, jwt_key=fixtures["pem_public_key"], token_cache_size=0),
        clock=lambda: now[0],
    )
    claims = engine.verify_token(valid["token"])
    assert claims == valid["expected_claims"]

    def reason_at(t: float, token: str = valid["token"]) -> str | None:
        now[0] = t
        try:
            engine.verify_token(token)
        except TokenVerificationError as exc:
            return exc.reason
        return None

    exp, iat = valid["expected_claims"]["exp"], valid["expected_claims"]["iat"]
    assert reason_at(exp + 5 - 0.001) is None
    assert reason_at(exp + 5) == "token-expired"  # expired iff exp <= now - skew
    assert reason_at(iat - 5) is None
    # The fixture's window starts at nbf - skew, but iat - skew is later: Clerk's iat rule applies.
    assert reason_at(iat - 5 - 0.001) == "token-iat-in-the-future"
    assert (
        reason_at(float(valid["valid_at"]), fixtures["tokens"]["expired"]["token"])
        == "token-expired"
    )
    assert reason_at(
        float(valid["valid_at"]), fixtures["tokens"]["invalid_signature"]["token"]
    ) == ("token-invalid-signature")
    assert reason_at(float(valid["valid_at"]), fixtures["tokens"]["malformed"]["token"]) is not None


def test_fixture_tokens_fail_against_an_unrelated_key() -> None:
    fixtures = load_vectors("clerk_jwt_fixtures.json")
    valid = fixtures["tokens"]["valid"]
    engine = Clerk(
        ClerkOptions(
            publishable_key=fixtures["publishable_keys"]["pk_test"],
            jwt_key=fixtures["other_public_key_pem"],
        ),
        clock=lambda: float(valid["valid_at"]),
    )
    with pytest.raises(TokenVerificationError) as info:
        engine.verify_token(valid["token"])
    assert info.value.reason == "token-invalid-signature"


def test_pem_and_jwk_fixture_pair_are_the_same_key() -> None:
    from clerk_core.keys import parse_jwks

    fixtures = load_vectors("clerk_jwt_fixtures.json")
    pair = fixtures["pem_to_jwk_pair"]
    pem_key = ClerkOptions(jwt_key=pair["pem"]).public_key
    jwk_key = parse_jwks({"keys": [pair["jwk"]]})[pair["jwk"]["kid"]]
    assert pem_key is not None
    assert pem_key.public_numbers() == jwk_key.public_numbers()  # type: ignore[union-attr]


# --------------------------------------------------------------------------- token location (R15)
LOCATION = vectors_or_empty("clerk_cookie_and_keys.json").get("token_location_cases", {})
LOCATION_CASES = LOCATION.get("cases", [])


@pytest.fixture(scope="module")
def location_world() -> dict[str, Any]:
    """T and S: valid tokens of this (production) instance; O: another instance's; X: alg none."""
    hostile = load_vectors("hostile_jwt_tokens.json")
    this = LocalClerkInstance(instance_type="production", frontend_api="clerk.location.test")
    other = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.other.test", kid="ins_other"
    )
    x = next(c["token"] for c in hostile["cases"] if c["id"] == "alg-none")
    return {
        "this": this,
        "T": this.session_token("user_T"),
        "S": this.session_token("user_S"),
        "O": other.sign(other.session_claims("user_O"), key=other.other_private_key),
        "X": x,
    }


def _substitute(text: str, world: dict[str, Any]) -> str:
    suffix = world["this"].cookie_suffix
    vector_suffix = str(LOCATION.get("suffix_in_cases", "")).split(" ")[0]
    text = text.replace(f"__session_{vector_suffix}", f"__session_{suffix}")
    out = []
    for part in text.split(";"):
        name, eq, value = part.partition("=")
        stripped = value.strip().strip('"')
        if eq and stripped[:1] in "TSOX" and stripped.rstrip("%3D") in ("T", "S", "O", "X"):
            value = value.replace(stripped.rstrip("%3D"), world[stripped.rstrip("%3D")], 1)
        out.append(name + eq + value)
    return ";".join(out)


def location_headers(case: dict[str, Any], world: dict[str, Any]) -> dict[str, str]:
    """The raw ``Authorization`` and ``Cookie`` headers of a location case, with real tokens."""
    this: LocalClerkInstance = world["this"]
    headers: dict[str, str] = {}
    auth = case["authorization"]
    if auth is not None:
        for symbol in ("T", "X"):
            auth = (
                auth.replace(f" {symbol}", f" {world[symbol]}")
                if " " in auth
                else (world[symbol] if auth == symbol else auth)
            )
        headers["authorization"] = auth
    cookie = case["cookie"]
    if cookie is not None:
        cookie = _substitute(cookie, world)
        uat = str(int(this.clock()) - 100)
        cookie += f"; __client_uat={uat}; __client_uat_{this.cookie_suffix}={uat}"
        headers["cookie"] = cookie
    return headers


def location_expectation(case: dict[str, Any]) -> tuple[str | None, bool]:
    """``(user id or None, whether signed-out is also acceptable)`` for a location case."""
    expect = case["expect"]
    if expect.startswith(("verify T", "ignore header, verify T")):
        return "user_T", "or reject" in expect
    if expect.startswith("verify S"):
        return "user_S", False
    return None, False


@pytest.mark.parametrize(
    "case",
    extra_cases(
        LOCATION_CASES,
        "clerk_cookie_and_keys.json",
        lambda i, c: f"{i}:{c['authorization']}|{str(c['cookie'])[:30]}",
    ),
)
def test_token_location_cases(case: dict[str, Any], location_world: dict[str, Any]) -> None:
    this: LocalClerkInstance = location_world["this"]
    engine = this.clerk(clock=this.clock)
    headers = {"host": "app.example", **location_headers(case, location_world)}
    state = engine.authenticate_request(RequestView("GET", "https://app.example/api", headers))
    assert state.reason != "unexpected-error"
    user, may_be_signed_out = location_expectation(case)
    if user is not None:
        if may_be_signed_out and state.status is AuthStatus.SIGNED_OUT:
            return
        assert state.status is AuthStatus.SIGNED_IN, (state.reason, state.message)
        assert state.to_auth().user_id == user
    else:
        assert state.status is AuthStatus.SIGNED_OUT
        assert state.to_auth().user_id is None
    if case["expect"].startswith("signed-out, reason"):
        # The vector's wording; Clerk's own reason for "no cookies at all" is this one.
        assert state.reason == "session-token-and-uat-missing"


def test_location_vectors_cover_all_cases() -> None:
    data = load_vectors("clerk_cookie_and_keys.json")
    assert len(data["token_location_cases"]["cases"]) == len(LOCATION_CASES) >= 21
    assert json.dumps(data)  # the file is read in place, never copied
