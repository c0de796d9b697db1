"""Clerk's handshake return-trip tests, translated (sync and async).

Sources (clerk/javascript, ``packages/backend/src/tokens/__tests__``):

* ``handshake.test.ts``, ``describe('Query Parameter Cleanup')`` (its 'Development Mode',
  'Production Mode' and 'Error Cases' groups): what ``HandshakeService.resolveHandshake`` answers
  when the browser comes back from Clerk's Frontend API;
* ``handshakeToken.test.ts``: which legacy handshake tokens (``__clerk_handshake``) verify.

The JS tests mock ``verifyToken``; here the payload's session token is a real one minted by the
local instance and verified by the engine. Each test is named after the JS test it translates.
Where the engine differs by the stricter return-trip policy of docs/reliability.md ("The
handshake's return trip", Policy 12), the test stays, as a test of the policy, and says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clerk_core import AuthStatus, RequestState, RequestView
from clerk_core.testing import LocalClerkInstance
from clerk_core.tokens import CAT_IGNORE, CAT_JWT_TEMPLATE, CAT_M2M, CAT_SESSION

Runner = Callable[..., RequestState]


def instance_of(kind: str) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="development" if kind == "development" else "production",
        frontend_api=f"clerk.{kind}.test",
        authorized_parties=("https://example.com",),
    )


@pytest.fixture
def dev() -> LocalClerkInstance:
    return instance_of("development")


@pytest.fixture
def prod() -> LocalClerkInstance:
    return instance_of("production")


def page(url: str, cookie: str | None = None) -> RequestView:
    """A browser navigation (Clerk's mockAuthenticateContext: GET, Sec-Fetch-Dest: document)."""
    headers = {"host": "example.com", "sec-fetch-dest": "document", "accept": "text/html"}
    if cookie is not None:
        headers["cookie"] = cookie
    return RequestView("GET", url, headers)


def session_line(instance: LocalClerkInstance, user: str = "user_123") -> str:
    token = instance.session_token(user, lifetime=600)
    return f"__session={token}; HttpOnly; Secure; SameSite=Lax"


def nonce(instance: LocalClerkInstance, lines: list[str] | None = None) -> str:
    return instance.backend.handshake_nonce([session_line(instance)] if lines is None else lines)


def set_cookies(state: RequestState) -> list[str]:
    return [v for k, v in state.headers if k.lower() == "set-cookie"]


# ====================================================== 'Query Parameter Cleanup' > 'Development Mode'
def test_should_remove_clerk_handshake_nonce_from_query_params(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Development Mode > 'should remove __clerk_handshake_nonce from query params'
    url = f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}&foo=bar"
    state = run(dev.clerk(), page(url))
    # Clerk's resolveHandshake: signed in, with the Location the adapters redirect to.
    assert state.status is AuthStatus.SIGNED_IN
    assert state.location is not None
    query = parse_qs(urlsplit(state.location).query)
    assert "__clerk_handshake_nonce" not in query
    assert query["foo"] == ["bar"]


def test_should_remove_clerk_handshake_token_from_query_params(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Development Mode > 'should remove __clerk_handshake token from query params'
    token = dev.handshake_token([session_line(dev)])
    state = run(dev.clerk(), page(f"https://example.com/page?__clerk_handshake={token}&foo=bar"))
    assert state.status is AuthStatus.SIGNED_IN
    assert state.location is not None
    query = parse_qs(urlsplit(state.location).query)
    assert "__clerk_handshake" not in query
    assert query["foo"] == ["bar"]


def test_should_remove_clerk_help_from_query_params(dev: LocalClerkInstance, run: Runner) -> None:
    # handshake.test.ts: Development Mode > 'should remove __clerk_help from query params'
    url = f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}&__clerk_help=1"
    state = run(dev.clerk(), page(url))
    assert state.location is not None
    assert "__clerk_help" not in parse_qs(urlsplit(state.location).query)


def test_should_remove_clerk_db_jwt_dev_browser_from_query_params(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Development Mode > 'should remove __clerk_db_jwt (dev browser) from query
    # params'
    url = f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}&__clerk_db_jwt=dev_token"
    state = run(dev.clerk(), page(url))
    assert state.location is not None
    assert "__clerk_db_jwt" not in parse_qs(urlsplit(state.location).query)


def test_should_remove_all_handshake_query_params_at_once(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Development Mode > 'should remove all handshake query params at once'
    url = (
        f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}&__clerk_handshake=token"
        "&__clerk_help=1&__clerk_db_jwt=dev&foo=bar&baz=qux"
    )
    state = run(dev.clerk(), page(url))
    assert state.status is AuthStatus.SIGNED_IN
    assert state.location is not None
    query = parse_qs(urlsplit(state.location).query)
    for name in ("__clerk_handshake_nonce", "__clerk_handshake", "__clerk_help", "__clerk_db_jwt"):
        assert name not in query
    assert (query["foo"], query["baz"]) == (["bar"], ["qux"])


def test_should_handle_url_with_only_handshake_params_clean_url_result(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Development Mode > 'should handle URL with only handshake params (clean
    # URL result)'
    url = f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}&__clerk_help=1"
    state = run(dev.clerk(), page(url))
    assert state.location == "https://example.com/page"


def test_should_handle_url_with_no_query_params_nonce_in_cookie(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Development Mode > 'should handle URL with no query params (nonce in
    # cookie)'
    state = run(
        dev.clerk(),
        page("https://example.com/page", cookie=f"__clerk_handshake_nonce={nonce(dev)}"),
    )
    assert state.status is AuthStatus.SIGNED_IN
    assert state.location == "https://example.com/page"


def test_should_preserve_url_encoded_query_params(dev: LocalClerkInstance, run: Runner) -> None:
    # handshake.test.ts: Development Mode > 'should preserve URL-encoded query params'
    url = (
        f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}"
        "&q=hello%20world&redirect=%2Fsome%2Fpath%3Ffoo%3Dbar"
    )
    state = run(dev.clerk(), page(url))
    assert state.location is not None
    query = parse_qs(urlsplit(state.location).query)
    assert "__clerk_handshake_nonce" not in query
    assert query["q"] == ["hello world"]
    assert query["redirect"] == ["/some/path?foo=bar"]


def test_should_preserve_hash_fragments_when_cleaning_query_params(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Development Mode > 'should preserve hash fragments when cleaning query
    # params' (a RequestView built from a URL with a fragment; browsers never send one)
    url = f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}&foo=bar#section-2"
    state = run(dev.clerk(), page(url))
    assert state.location is not None
    split = urlsplit(state.location)
    assert "__clerk_handshake_nonce" not in parse_qs(split.query)
    assert parse_qs(split.query)["foo"] == ["bar"]
    assert split.fragment == "section-2"


def test_should_set_cache_control_header_to_no_store(dev: LocalClerkInstance, run: Runner) -> None:
    # handshake.test.ts: Development Mode > 'should set Cache-Control header to no-store'
    state = run(dev.clerk(), page(f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}"))
    assert state.header("cache-control") == "no-store"


def test_an_encoded_handshake_parameter_name_is_removed_too(
    dev: LocalClerkInstance, run: Runner
) -> None:
    """URLSearchParams.delete compares decoded names: ``__clerk%5Fhelp`` is ``__clerk_help``."""
    url = f"https://example.com/page?__clerk_handshake_nonce={nonce(dev)}&__clerk%5Fhelp=1&a=%7E"
    state = run(dev.clerk(), page(url))
    assert state.location == "https://example.com/page?a=%7E"


# ======================================================= 'Query Parameter Cleanup' > 'Production Mode'
def test_should_not_add_location_header_in_production_mode(
    prod: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Production Mode > 'should NOT add Location header in production mode'
    url = f"https://example.com/page?__clerk_handshake_nonce={nonce(prod)}&foo=bar"
    state = run(prod.clerk(), page(url))
    assert state.location is None
    assert state.status is AuthStatus.SIGNED_IN


def test_should_not_set_cache_control_header_in_production_mode(
    prod: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Production Mode > 'should NOT set Cache-Control header in production mode'
    # (the adapters add 'private, no-store' to any response carrying Clerk's cookies: that is
    # tests/test_cookie_cache_control.py; the state itself asks for none, as in Clerk JS)
    state = run(
        prod.clerk(), page(f"https://example.com/page?__clerk_handshake_nonce={nonce(prod)}")
    )
    assert state.header("cache-control") is None


def test_should_still_set_session_cookies_in_production(
    prod: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Production Mode > 'should still set session cookies in production'
    state = run(
        prod.clerk(), page(f"https://example.com/page?__clerk_handshake_nonce={nonce(prod)}")
    )
    assert any(line.startswith("__session=") for line in set_cookies(state))


# ========================================================== 'Query Parameter Cleanup' > 'Error Cases'
def test_should_handle_bapi_errors_gracefully(dev: LocalClerkInstance, run: Runner) -> None:
    """handshake.test.ts: Error Cases > 'should handle BAPI errors gracefully'.

    Clerk JS: signed-out (an unredeemable nonce reads as an empty payload). Policy (docs/
    reliability.md, "A failed redemption falls back to the cookies"): the request goes on with the
    cookies it carries: signed in when they hold a session, never a 500, never a loop."""
    engine = dev.clerk()
    dev.backend.fail_next(500)
    cookies = "; ".join(f"{k}={v}" for k, v in dev.cookies(dev.session_token("user_c")).items())
    state = run(engine, page("https://example.com/page?__clerk_handshake_nonce=abc12345", cookies))
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_c")
    assert state.location is None
    # Without cookies: the normal procedure (a development browser is needed first).
    dev.backend.fail_next(500)
    state = run(engine, page("https://example.com/page?__clerk_handshake_nonce=def12345"))
    assert state.status is not AuthStatus.SIGNED_IN
    assert not any(line.startswith("__session=") for line in set_cookies(state))


def test_should_clean_up_query_params_even_when_handshake_payload_is_empty(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # handshake.test.ts: Error Cases > 'should clean up query params even when handshake payload
    # is empty' (Clerk: signed-out, session-token-missing, with the Location)
    url = f"https://example.com/page?__clerk_handshake_nonce={nonce(dev, [])}&foo=bar"
    state = run(dev.clerk(), page(url))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-missing")
    assert state.location is not None
    query = parse_qs(urlsplit(state.location).query)
    assert "__clerk_handshake_nonce" not in query
    assert query["foo"] == ["bar"]


# ====================================================== a bad session inside the handshake payload
@pytest.mark.parametrize("kind", ["development", "production"])
def test_a_bad_session_in_the_payload_carries_on_with_the_requests_cookies(
    kind: str, run: Runner
) -> None:
    """Issue 12, item 6. Clerk's resolveHandshake throws when the payload's session token does not
    verify, and authenticateRequestWithTokenInCookie catches it and goes on with the request's own
    cookies. The payload's cookies are not sent."""
    instance = instance_of(kind)
    forged = instance.other_key_token("user_payload")
    payload = nonce(instance, [f"__session={forged}; Path=/"])
    own = "; ".join(
        f"{k}={v}" for k, v in instance.cookies(instance.session_token("user_own")).items()
    )
    state = run(
        instance.clerk(), page(f"https://example.com/page?__clerk_handshake_nonce={payload}", own)
    )
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_own")
    assert state.location is None
    assert set_cookies(state) == []


def test_a_bad_session_in_the_payload_without_cookies_is_not_its_reason(
    prod: LocalClerkInstance, run: Runner
) -> None:
    """The engine used to sign out with the payload token's reason (token-invalid-signature);
    Clerk reads the request's cookies, which here hold nothing."""
    payload = nonce(prod, [f"__session={prod.other_key_token('user_x')}; Path=/"])
    state = run(prod.clerk(), page(f"https://example.com/page?__clerk_handshake_nonce={payload}"))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")


def test_development_retries_an_expired_payload_session_with_a_day_of_tolerance(
    dev: LocalClerkInstance, run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    # handshake.ts resolveHandshake: development, TokenExpired / NotActiveYet / IatInTheFuture:
    # "Clock skew detected", retried with clockSkewInMs = 86_400_000.
    stale = dev.session_token("user_skew", iat=int(time.time()) - 7200, lifetime=60)
    payload = nonce(dev, [f"__session={stale}; Path=/"])
    with caplog.at_level(logging.ERROR, logger="clerk_core"):
        state = run(
            dev.clerk(), page(f"https://example.com/page?__clerk_handshake_nonce={payload}")
        )
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_skew")
    assert "clock skew" in caplog.text.lower()


def test_a_handshake_state_carries_no_token(dev: LocalClerkInstance, run: Runner) -> None:
    """authStatus.ts handshake(): ``token: null``, even when the request carried a session token
    (it travels to Clerk in the handshake URL, not in the state)."""
    expired = dev.expired_token("user_old")
    cookie = "; ".join(f"{k}={v}" for k, v in dev.cookies(expired).items())
    state = run(dev.clerk(), page("https://example.com/page", cookie))
    assert state.status is AuthStatus.HANDSHAKE
    assert state.token is None
    assert state.location is not None
    assert "__session=" in state.location  # the token went into the handshake URL


# ============================================================================ handshakeToken.test.ts
def legacy(instance: LocalClerkInstance, cat: Any, directives: list[str]) -> str:
    """A legacy handshake token signed by the instance key, with header ``cat`` (None: absent)."""
    now = int(time.time())
    payload = {"handshake": directives, "iat": now, "exp": now + 60}
    return instance.sign(payload, headers={"cat": cat})


@pytest.mark.parametrize(
    "cat",
    [CAT_SESSION, CAT_IGNORE, None],
    ids=[
        "the_session_token_category_which_is_what_the_handshake_minter_stamps",
        "the_ignore_category_used_by_instances_that_opt_out_of_category_tagging",
        "no_category_for_tokens_minted_before_the_category_rollout",
    ],
)
def test_verifies_a_handshake_token_with(prod: LocalClerkInstance, run: Runner, cat: Any) -> None:
    # handshakeToken.test.ts: 'verifies a handshake token with %s'
    directives = [session_line(prod, "user_hs"), "__client_uat=1; Path=/"]
    token = legacy(prod, cat, directives)
    state = run(prod.clerk(), page(f"https://example.com/page?__clerk_handshake={token}"))
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_hs")
    assert set_cookies(state) == directives


def test_rejects_a_jwt_template_token_presented_as_a_handshake_token(
    prod: LocalClerkInstance, run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    """handshakeToken.test.ts: 'rejects a JWT-template token presented as a handshake token'
    (AISEC-85: a template can carry an author-controlled ``handshake`` claim).

    Clerk JS throws 'Invalid handshake token category.' (in development the request fails; in
    production it logs and reads the cookies). Policy: the token is ignored and the request goes
    on with its cookies in both; no directive of the token is ever sent."""
    token = legacy(prod, CAT_JWT_TEMPLATE, ["ATTACKER_INJECTED=pwned; Path=/"])
    with caplog.at_level(logging.WARNING, logger="clerk_core"):
        state = run(prod.clerk(), page(f"https://example.com/page?__clerk_handshake={token}"))
    assert set_cookies(state) == []
    assert state.reason == "session-token-and-uat-missing"
    assert "token-invalid" in caplog.text


@pytest.mark.parametrize("cat", [CAT_M2M, "cl_some_future_unknown_cat"], ids=["m2m", "unknown"])
def test_rejects_a_handshake_token_with_a_category(
    prod: LocalClerkInstance, run: Runner, cat: str
) -> None:
    # handshakeToken.test.ts: 'rejects a handshake token with a %s category'
    token = legacy(prod, cat, [session_line(prod, "user_never")])
    state = run(prod.clerk(), page(f"https://example.com/page?__clerk_handshake={token}"))
    assert state.status is AuthStatus.SIGNED_OUT
    assert set_cookies(state) == []
