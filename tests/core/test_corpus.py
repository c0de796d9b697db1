"""The project's hostile-input corpus (``tests/corpus``, written by ``tests/corpus/generate.py``).

Every case states the outcome this project's rules give; these tests hold the engine to it. The
corpus always runs (a plain clone skips nothing here); the workspace's extra vectors, when present,
are checked in addition by ``test_vectors.py``, ``test_redirects.py`` and ``test_webhooks.py``.
"""

from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

import clerk_core.tokens as tokens_module
from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkConfigurationError,
    ClerkOptions,
    MalformedURLError,
    RequestView,
    SignedOutAuth,
    TokenVerificationError,
    WebhookRouter,
    WebhookVerificationError,
    WebhookVerifier,
    cookie_suffix,
    create_route_matcher,
    handle_webhook,
    parse_cookie_header,
    safe_redirect_url,
)
from clerk_core.redirects import origin_of
from clerk_core.testing import LocalClerkInstance
from tests.conftest import CORPUS, load_corpus
from tests.core.test_redirects import browser_target

TOKENS = load_corpus("tokens.json")
CONFIG = TOKENS["config"]
TOKEN_CASES: list[dict[str, Any]] = TOKENS["cases"]
LOCATION_CASES: list[dict[str, Any]] = load_corpus("token_location.json")["cases"]
COOKIE_CASES: list[dict[str, Any]] = load_corpus("cookies.json")["cases"]
REDIRECTS = load_corpus("redirects.json")
WEBHOOKS = load_corpus("webhooks.json")
ROUTE_CASES: list[dict[str, Any]] = load_corpus("routes.json")["cases"]
KEYS = load_corpus("keys.json")
SECRET = "sk_live_corpuscorpuscorpus0123456789"

# On an API request, a time-based failure is signed out under the handshake's reason.
TIME_REASONS = {
    "token-expired": "session-token-expired-refresh-non-eligible-no-refresh-cookie",
    "token-not-active-yet": "session-token-nbf",
    "token-iat-in-the-future": "session-token-iat-in-the-future",
}


def test_corpus_files_match_a_fresh_generation() -> None:
    """The checked-in corpus is exactly what the script writes: grow it by editing the script."""
    from tests.corpus import generate

    documents = generate.documents()
    assert sorted(documents) == sorted(p.name for p in CORPUS.glob("*.json"))
    for name, document in documents.items():
        assert (CORPUS / name).read_text(encoding="utf-8") == generate.render(document), (
            f"{name} is out of date: run python -m tests.corpus.generate"
        )


def test_corpus_keys_are_deterministic() -> None:
    from tests.corpus.generate import seeded_rsa_key

    key = seeded_rsa_key(7, bits=1024)
    assert key.private_numbers() == seeded_rsa_key(7, bits=1024).private_numbers()
    assert key.key_size == 1024
    assert key.private_numbers() != seeded_rsa_key(8, bits=1024).private_numbers()


# ---------------------------------------------------------------------------- tokens
def corpus_token(case: dict[str, Any]) -> str:
    if "token" in case:
        return str(case["token"])
    recipe = case["recipe"]
    return str(recipe["prefix"] + recipe["fill"] * (recipe["length"] - len(recipe["prefix"])))


def corpus_engine(mode: str, requests: list[httpx.Request] | None = None) -> Clerk:
    common: dict[str, Any] = {
        "publishable_key": CONFIG["publishable_key"],
        "authorized_parties": CONFIG["authorized_parties"],
        "clock_skew": CONFIG["clock_skew"],
        "max_token_bytes": CONFIG["max_token_bytes"],
    }
    clock = lambda: float(CONFIG["now"])  # noqa: E731
    if mode == "pem":
        return Clerk(ClerkOptions(jwt_key=CONFIG["pem"], **common), clock=clock)

    def handler(request: httpx.Request) -> httpx.Response:
        if requests is not None:
            requests.append(request)
        return httpx.Response(200, json=CONFIG["jwks"])

    transport = httpx.MockTransport(handler)
    return Clerk(
        ClerkOptions(secret_key=SECRET, **common),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        clock=clock,
    )


def expectation(case: dict[str, Any], mode: str) -> tuple[str, str | None]:
    """``(outcome, reason)`` of a token case in ``mode``."""
    if mode == "pem" and "pem" in case:
        pem = case["pem"]
        return ("accept", None) if pem == "accept" else ("reject", pem)
    return str(case["expect"]), case.get("reason")


def api_request(token: str) -> RequestView:
    return RequestView("GET", "https://app.corpus.test/api", {"Authorization": f"Bearer {token}"})


def test_token_corpus_covers_every_group() -> None:
    groups = {c["group"] for c in TOKEN_CASES}
    assert groups == {"baseline", "header", "encoding", "signature", "claims", "time"}
    assert len({c["id"] for c in TOKEN_CASES}) == len(TOKEN_CASES) >= 150


@pytest.mark.parametrize("mode", ["jwks", "pem"])
@pytest.mark.parametrize("case", TOKEN_CASES, ids=[c["id"] for c in TOKEN_CASES])
def test_token_through_authenticate_request(
    case: dict[str, Any], mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = corpus_token(case)
    requests: list[httpx.Request] = []
    engine = corpus_engine(mode, requests)
    state = engine.authenticate_request(api_request(token))
    outcome, reason = expectation(case, mode)
    assert state.reason != "unexpected-error"
    if outcome == "accept":
        assert state.status is AuthStatus.SIGNED_IN, (state.reason, state.message)
        assert state.to_auth().user_id == "user_corpus"
    elif outcome == "pending":
        assert state.status is AuthStatus.SIGNED_IN
        auth = state.to_auth()
        assert isinstance(auth, SignedOutAuth)
        assert auth.session_status == "pending"
    elif outcome == "reject":
        assert state.status is AuthStatus.SIGNED_OUT, state.reason
        assert not state.to_auth().is_authenticated
        assert state.reason
        if reason is not None:
            assert state.reason == TIME_REASONS.get(reason, reason), state.message
    else:  # either: never an error; if accepted, the last of duplicate names
        assert state.status in (AuthStatus.SIGNED_IN, AuthStatus.SIGNED_OUT)
        if state.status is AuthStatus.SIGNED_IN and "user_if_accepted" in case:
            assert state.to_auth().user_id == case["user_if_accepted"]
    # No fragment of the token in the message, the headers or the logs.
    if len(token) >= 16:
        fragments = {token[i : i + 16] for i in range(0, min(len(token), 4096) - 16, 97)}
        texts = [state.message or "", *(v for _, v in state.headers), caplog.text]
        for fragment in fragments:
            assert all(fragment not in text for text in texts)
    # Only the configured JWKS endpoint is contacted, at most once (never jku, x5u, ...).
    assert all(r.url.path == "/v1/jwks" for r in requests)
    assert len(requests) <= 1


@pytest.mark.parametrize("case", TOKEN_CASES, ids=[c["id"] for c in TOKEN_CASES])
def test_token_through_verify_token(case: dict[str, Any]) -> None:
    engine = corpus_engine("jwks")
    outcome, reason = expectation(case, "jwks")
    token = corpus_token(case)
    if outcome == "accept":
        assert engine.verify_token(token)["sub"] == "user_corpus"
    elif outcome == "reject":
        with pytest.raises(TokenVerificationError) as info:
            engine.verify_token(token)
        reason = case.get("verify_token", reason)
        if reason is not None:
            assert info.value.reason == reason


@pytest.mark.parametrize("case_id", ["enc-10mb", "enc-10mb-of-dots", "enc-over-cap"])
def test_oversized_tokens_cost_no_decoding(monkeypatch: pytest.MonkeyPatch, case_id: str) -> None:
    """A token over ``max_token_bytes`` is refused before any base64, JSON or RSA work."""
    case = next(c for c in TOKEN_CASES if c["id"] == case_id)
    calls: list[str] = []
    real = tokens_module._b64decode

    def spy(value: Any) -> bytes:
        calls.append("b64")
        return real(value)

    engine = corpus_engine("pem")
    monkeypatch.setattr(tokens_module, "_b64decode", spy)
    monkeypatch.setattr(tokens_module, "_json_loads", lambda *a, **k: calls.append("json"))
    state = engine.authenticate_request(api_request(corpus_token(case)))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid")
    assert calls == []


# ---------------------------------------------------------------------------- token location
@pytest.fixture(scope="module")
def corpus_world() -> dict[str, Any]:
    """The tokens the location cases name: T and S of this (production) instance, O of another
    instance, X unsigned."""
    this = LocalClerkInstance(instance_type="production", frontend_api="clerk.location.test")
    other = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.other.test", kid="ins_other"
    )
    t = this.session_token("user_T")
    head, payload, _ = this.session_token("user_X").split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    assert head
    return {
        "this": this,
        "T": t,
        "T_percent": t.replace(".", "%2E"),
        "S": this.session_token("user_S"),
        "O": other.sign(other.session_claims("user_O"), key=other.other_private_key),
        "X": f"{none_header}.{payload}.",
        "suffix": this.cookie_suffix,
        "uat": str(int(this.clock()) - 100),
        "pad17000": "a" * 17000,
    }


def fill(template: str | None, world: dict[str, Any]) -> str | None:
    if template is None:
        return None
    for name in ("T_percent", "T", "S", "O", "X", "suffix", "uat", "pad17000"):
        template = template.replace("{" + name + "}", str(world[name]))
    return template


def corpus_location_headers(case: dict[str, Any], world: dict[str, Any]) -> dict[str, str]:
    """The raw ``Authorization`` and ``Cookie`` headers of a corpus location case."""
    headers: dict[str, str] = {}
    for name in ("authorization", "cookie"):
        value = fill(case[name], world)
        if value is not None:
            headers[name] = value
    return headers


@pytest.mark.parametrize("case", LOCATION_CASES, ids=[c["id"] for c in LOCATION_CASES])
def test_token_location(case: dict[str, Any], corpus_world: dict[str, Any]) -> None:
    this: LocalClerkInstance = corpus_world["this"]
    engine = this.clerk(clock=this.clock)
    headers = {"host": "app.example", **corpus_location_headers(case, corpus_world)}
    state = engine.authenticate_request(RequestView("GET", "https://app.example/api", headers))
    assert state.to_auth().user_id == case["user"], (state.reason, state.message)
    if case["user"] is None:
        assert state.status is AuthStatus.SIGNED_OUT
        assert state.reason == case["reason"], state.message


# ---------------------------------------------------------------------------- cookies
@pytest.mark.parametrize("case", COOKIE_CASES, ids=[c["id"] for c in COOKIE_CASES])
def test_cookie_header(case: dict[str, Any]) -> None:
    assert parse_cookie_header(case["header"]) == case["cookies"]


# ---------------------------------------------------------------------------- redirects
@pytest.mark.parametrize("case", REDIRECTS["cases"], ids=lambda c: repr(c["url"][:60]))
def test_redirect_target(case: dict[str, Any]) -> None:
    current = REDIRECTS["current"]
    result = safe_redirect_url(
        case["url"], current=current, allowed_origins=REDIRECTS["allowed_origins"]
    )
    assert result == case["expect"]
    if result is not None and case["url"].startswith("/"):
        # A browser sent there stays on the current origin.
        target = browser_target(case["url"], current)
        assert target is not None
        assert origin_of(urlsplit(target)) == origin_of(urlsplit(current))


# ---------------------------------------------------------------------------- webhooks
def webhook_body(case: dict[str, Any]) -> bytes:
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    if "body_recipe" in case:
        recipe = case["body_recipe"]
        return str(recipe["fill"] * recipe["length"]).encode()
    return str(WEBHOOKS["payload"]).encode()


@pytest.mark.parametrize("case", WEBHOOKS["cases"], ids=[c["id"] for c in WEBHOOKS["cases"]])
def test_webhook_delivery(case: dict[str, Any]) -> None:
    verifier = WebhookVerifier(WEBHOOKS["secret"], clock=lambda: float(WEBHOOKS["now"]))
    body = webhook_body(case)
    if case["expect"] == "accept":
        msg_id, _ = verifier.verify_signature(body, case["headers"])
        assert msg_id == WEBHOOKS["msg_id"]
        if "payload_reason" in case:
            with pytest.raises(WebhookVerificationError) as info:
                verifier.verify(body, case["headers"])
            assert info.value.reason == case["payload_reason"]
        else:
            assert verifier.verify(body, case["headers"]).type == "user.created"
    else:
        with pytest.raises(WebhookVerificationError) as info:
            verifier.verify_signature(body, case["headers"])
        assert info.value.reason == case["reason"]
        assert info.value.status_code == case.get("status", 400)
    response = handle_webhook(body, case["headers"], WebhookRouter(), verifier)
    assert response.status in (200, 400, 413)
    assert WEBHOOKS["secret"].removeprefix("whsec_") not in response.body.decode()


# ---------------------------------------------------------------------------- route paths
@pytest.mark.parametrize(
    "case", ROUTE_CASES, ids=[f"{c['pattern']}|{c['path']}" for c in ROUTE_CASES]
)
def test_route_path(case: dict[str, Any]) -> None:
    matcher = create_route_matcher(case["pattern"])
    if case["expect"] == "400":
        with pytest.raises(MalformedURLError) as info:
            matcher(case["path"])
        assert info.value.status_code == 400
    else:
        assert matcher(case["path"]) is case["expect"]


# ---------------------------------------------------------------------------- publishable keys
@pytest.mark.parametrize("case", KEYS["valid"], ids=[c["publishable_key"] for c in KEYS["valid"]])
def test_publishable_key(case: dict[str, Any]) -> None:
    options = ClerkOptions(publishable_key=case["publishable_key"])
    assert options.frontend_api == case["frontend_api"]
    assert options.issuer == case["issuer"]
    assert options.instance_type == case["instance_type"]
    assert cookie_suffix(case["publishable_key"]) == case["cookie_suffix"]


@pytest.mark.parametrize("key", KEYS["malformed"])
def test_malformed_publishable_key(key: str) -> None:
    with pytest.raises(ClerkConfigurationError, match="publishable_key") as info:
        ClerkOptions(publishable_key=key)
    assert key not in str(info.value)
