"""Clerk's own request tests, translated: ``packages/backend/src/tokens/__tests__/request.test.ts``
of clerk/javascript (``describe('tokens.authenticateRequest(options)')``: the header-token tests,
the non-satellite cookie-token tests, ``refreshToken``, ``Cross-origin sync``, ``POST requests with
sec-fetch-dest: document``; and ``describe('getOrganizationSyncTarget')``), plus the cookie-path
cases of issue 12 (development browser with suffixed cookies, which token a handshake and a refresh
carry, referers on Clerk's hosts, handshake eligibility and the loop counter).

Each test names the JS test it translates (the bracketed codes are Clerk's). Clerk's fixtures use a
``*.lcl.dev`` Frontend API; the local instance only runs on reserved test domains, so the Frontend
API here is ``clerk.inspired.puma-74.test`` and app hosts are ``*.example``. Where Clerk's message
text differs from the engine's today (issue 12 item 9, handled separately) a test checks the
reason and the ``(reason=..., token-carrier=...)`` suffix and quotes Clerk's text in a comment.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from clerk_core import AuthStatus, Clerk, RequestState, RequestView
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

T = 1_700_000_000.0
FAPI = "clerk.inspired.puma-74.test"
ACCOUNTS = (
    "https://accounts.inspired.puma-74.test"  # mockJwtPayload.azp: the derived Account Portal
)
APP_HOSTS = ("app.example", "primary.example", "localhost:3000")
USER = "user_2GIpXOEpVyJw51rkZn9Kmnc6Sxr"
SID = "sess_2GbDB4enNdCa5vS1zpC3Xzg9tK9"

Runner = Callable[..., RequestState]


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(T)  # vi.setSystemTime(mockJwtPayload.iat)


def _instance(instance_type: Any, clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        frontend_api=FAPI, instance_type=instance_type, authorized_parties=(ACCOUNTS,), clock=clock
    )


@pytest.fixture
def dev(fake_clock: FakeClock) -> LocalClerkInstance:
    """PK_TEST of the JS tests."""
    return _instance("development", fake_clock)


@pytest.fixture
def live(fake_clock: FakeClock) -> LocalClerkInstance:
    """PK_LIVE of the JS tests: the same Frontend API, a production key."""
    return _instance("production", fake_clock)


def engine(instance: LocalClerkInstance, **overrides: Any) -> Clerk:
    overrides.setdefault("allowed_hosts", APP_HOSTS)
    return instance.clerk(**overrides)


def engine_with_api(
    instance: LocalClerkInstance,
    handler: Callable[[httpx.Request], httpx.Response | None],
    **overrides: Any,
) -> Clerk:
    """An engine whose Backend API calls go to ``handler`` first (``None``: the local instance)."""

    def handle(request: httpx.Request) -> httpx.Response:
        answer = handler(request)
        return instance.transport().handle_request(request) if answer is None else answer

    transport = httpx.MockTransport(handle)
    overrides.setdefault("allowed_hosts", APP_HOSTS)
    return Clerk(
        instance.options(**overrides),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        clock=instance.clock,
    )


def empty_jwks(request: httpx.Request) -> httpx.Response | None:
    """``http.get('https://api.clerk.test/v1/jwks', () => HttpResponse.json({}))``."""
    return httpx.Response(200, json={}) if request.url.path.endswith("/jwks") else None


def mock_jwt(instance: LocalClerkInstance, **kwargs: Any) -> str:
    """``mockJwt``: a session token issued now (iat = T), valid for a minute."""
    kwargs.setdefault("session_id", SID)
    return instance.session_token(USER, iat=T, lifetime=60, **kwargs)


def mock_expired_jwt(instance: LocalClerkInstance) -> str:
    """``mockExpiredJwt``: the same session, expired an hour ago."""
    return instance.session_token(USER, session_id=SID, iat=T - 3660, lifetime=60)


def mock_request(
    headers: dict[str, str] | None = None,
    url: str = "http://app.example/path",
    method: str = "GET",
) -> RequestView:
    """``mockRequest``: ``defaultHeaders`` (a document request) plus ``headers``."""
    hdrs = {
        "host": urlsplit(url).netloc,
        "user-agent": "Mozilla/TestAgent",
        "sec-fetch-dest": "document",
        **(headers or {}),
    }
    return RequestView(method, url, hdrs)


def with_header_auth(
    token: str, headers: dict[str, str] | None = None, url: str = "http://app.example/path"
) -> RequestView:
    """``mockRequestWithHeaderAuth``."""
    return mock_request({"authorization": f"Bearer {token}", **(headers or {})}, url)


def with_cookies(
    cookies: dict[str, str],
    headers: dict[str, str] | None = None,
    url: str = "http://app.example/path",
    method: str = "GET",
) -> RequestView:
    """``mockRequestWithCookies`` (cookies joined with ``;`` as there)."""
    cookie = ";".join(f"{k}={v}" for k, v in cookies.items())
    return mock_request({"cookie": cookie, **(headers or {})}, url, method)


def location_params(state: RequestState) -> dict[str, str]:
    location = state.location
    assert location is not None
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query, keep_blank_values=True).items()}


def assert_signed_out(state: RequestState, reason: str, message: str | None = "") -> None:
    """``toBeSignedOut`` (``message=None``: the message is not compared) and ``toBeSignedOutToAuth``."""
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, reason)
    assert state.location is None
    if message is not None:
        assert (state.message or "") == message
    auth = state.to_auth()
    assert (auth.user_id, auth.session_id, auth.org_id) == (None, None, None)


def assert_handshake(state: RequestState, reason: str) -> None:
    """``toMatchHandshake``: status, reason, a ``Location`` and ``Cache-Control``; ``toAuth()`` is
    not signed in (Clerk: ``null``; here a signed-out object, docs/reliability.md)."""
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, reason)
    assert state.location is not None
    assert state.header("cache-control") == "no-store"
    assert state.to_auth().user_id is None


def assert_signed_in(state: RequestState) -> None:
    """``toBeSignedIn`` and ``toBeSignedInToAuth``."""
    assert state.status is AuthStatus.SIGNED_IN, (state.reason, state.message)
    auth = state.to_auth()
    assert (auth.user_id, auth.session_id, auth.org_id) == (USER, SID, None)


# ================================================================== header token
# request.test.ts: 'does not throw error with missing auth scheme from Authorization header'
def test_does_not_throw_error_with_missing_auth_scheme(
    dev: LocalClerkInstance, run: Runner
) -> None:
    state = run(
        engine_with_api(dev, empty_jwks),
        mock_request({"authorization": dev.bad_signature_token()}),
    )
    assert state.status is AuthStatus.SIGNED_OUT  # a bare token is read, and refused, not raised


# request.test.ts: 'does not throw error with Basic auth scheme from Authorization header'
def test_does_not_throw_error_with_basic_auth_scheme(dev: LocalClerkInstance, run: Runner) -> None:
    state = run(
        engine_with_api(dev, empty_jwks),
        mock_request({"authorization": "Basic dXNlcjpwYXNzd29yZA=="}),
    )
    # Another scheme carries no Clerk token: the cookies decide (none here, no dev browser).
    assert_handshake(state, "dev-browser-missing")


# request.test.ts: 'returns signed out state if jwk fails to load from remote'
def test_returns_signed_out_if_jwk_fails_to_load_from_remote(
    dev: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine_with_api(dev, empty_jwks), with_header_auth(mock_jwt(dev)))
    # Clerk: 'The JWKS endpoint did not contain any signing keys. Contact support@clerk.com.
    # Contact support@clerk.com (reason=jwk-remote-failed-to-load, token-carrier=header)'.
    assert_signed_out(state, "jwk-remote-failed-to-load", message=None)
    assert (state.message or "").endswith(
        "(reason=jwk-remote-failed-to-load, token-carrier=header)"
    )


# request.test.ts: 'headerToken: returns signed in state when a valid token [1y.2y]'
def test_headertoken_returns_signed_in_when_a_valid_token_1y_2y(
    dev: LocalClerkInstance, run: Runner
) -> None:
    assert_signed_in(run(engine(dev), with_header_auth(mock_jwt(dev))))


# request.test.ts: 'headerToken: returns signed out state when a token with invalid
# authorizedParties [1y.2n]'
def test_headertoken_returns_signed_out_with_invalid_authorized_parties_1y_2n(
    dev: LocalClerkInstance, run: Runner
) -> None:
    clerk = engine(dev, authorized_parties=("https://whatever.example",))
    state = run(clerk, with_header_auth(mock_jwt(dev)))
    # Clerk: 'Invalid JWT Authorized party claim (azp) "https://accounts.inspired.puma-74.lcl.dev".
    # Expected "whatever". (reason=token-invalid-authorized-parties, token-carrier=header)'.
    assert_signed_out(state, "token-invalid-authorized-parties", message=None)
    assert (state.message or "").endswith(
        "(reason=token-invalid-authorized-parties, token-carrier=header)"
    )


# request.test.ts: 'headerToken: returns handshake state when token expired [1y.2n]'
def test_headertoken_returns_handshake_when_token_expired_1y_2n(
    dev: LocalClerkInstance, fake_clock: FakeClock, run: Runner
) -> None:
    token = mock_jwt(dev)
    fake_clock.advance(3600)  # vi.advanceTimersByTime(3600 * 1000)
    state = run(engine(dev), with_header_auth(token))
    assert_handshake(state, "session-token-expired-refresh-non-eligible-no-refresh-cookie")


# request.test.ts: 'headerToken: returns signed out state when invalid signature [1y.2n]'
def test_headertoken_returns_signed_out_when_invalid_signature_1y_2n(
    dev: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine(dev), with_header_auth(dev.bad_signature_token()))
    assert_signed_out(
        state,
        "token-invalid-signature",
        "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=header)",
    )


# request.test.ts: 'headerToken: returns signed out state when an malformed token [1y.1n]'
def test_headertoken_returns_signed_out_when_a_malformed_token_1y_1n(
    dev: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine(dev), with_header_auth("test_header_token"))
    assert_signed_out(
        state,
        "token-invalid",
        "Invalid JWT form. A JWT consists of three parts separated by dots. "
        "(reason=token-invalid, token-carrier=header)",
    )


# request.test.ts: describe.each('%s: JWT-template token presented as a session token (SEC-340)')
# > 'returns signed out', for headerToken and cookieToken.
@pytest.mark.parametrize("carrier", ["header", "cookie"])
def test_jwt_template_token_presented_as_a_session_token_sec_340(
    dev: LocalClerkInstance, run: Runner, carrier: str
) -> None:
    claims = dev.session_claims(USER, session_id=SID, iat=T, claims={"sid": None})
    template = dev.sign(claims, headers={"cat": "cl_B7d4PD555JWT"})
    if carrier == "header":
        req = mock_request({"authorization": template})
    else:
        req = with_cookies(
            {"__clerk_db_jwt": "deadbeef", "__client_uat": str(int(T - 10)), "__session": template}
        )
    # Clerk's message is '' (issue 12 item 9); the reason is the contract.
    assert_signed_out(run(engine(dev), req), "token-type-mismatch", message=None)


# ================================================================== cookie token (not satellite)
# request.test.ts: 'cookieToken: returns signed out when no cookieToken and no clientUat in
# production [4y]'
def test_cookietoken_returns_signed_out_when_no_cookietoken_and_no_clientuat_in_production_4y(
    live: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine(live), with_cookies({}))
    assert_signed_out(state, "session-token-and-uat-missing")


# request.test.ts: 'cookieToken: returns handshake when no dev browser in development'
def test_cookietoken_returns_handshake_when_no_dev_browser_in_development(
    dev: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine(dev), with_cookies({"__session": mock_jwt(dev)}))
    assert_handshake(state, "dev-browser-missing")
    assert not state.message


# request.test.ts: 'cookieToken: returns handshake when no clientUat in development [5y]'
def test_cookietoken_returns_handshake_when_no_clientuat_in_development_5y(
    dev: LocalClerkInstance, run: Runner
) -> None:
    state = run(
        engine(dev), with_cookies({"__clerk_db_jwt": "deadbeef", "__session": mock_jwt(dev)})
    )
    assert_handshake(state, "session-token-but-no-client-uat")
    assert not state.message


# request.test.ts: 'cookieToken: returns handshake when no cookies in development [5y]'
def test_cookietoken_returns_handshake_when_no_cookies_in_development_5y(
    dev: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine(dev), with_cookies({}))
    assert_handshake(state, "dev-browser-missing")
    assert not state.message


# request.test.ts: 'cookieToken: returns handshake when clientUat > 0 and no cookieToken [8y]'
def test_cookietoken_returns_handshake_when_clientuat_gt_0_and_no_cookietoken_8y(
    live: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine(live), with_cookies({"__client_uat": "12345"}))
    assert_handshake(state, "client-uat-but-no-session-token")
    assert not state.message


# request.test.ts: 'cookieToken: returns signed out when clientUat = 0 and no cookieToken [9y]'
def test_cookietoken_returns_signed_out_when_clientuat_0_and_no_cookietoken_9y(
    live: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine(live), with_cookies({"__client_uat": "0"}))
    assert_signed_out(state, "session-token-and-uat-missing")


# request.test.ts: 'cookieToken: returns handshake when clientUat > cookieToken.iat [10n]'
def test_cookietoken_returns_handshake_when_clientuat_gt_cookietoken_iat_10n(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookies = {
        "__clerk_db_jwt": "deadbeef",
        "__client_uat": str(int(T + 10)),
        "__session": mock_jwt(dev),
    }
    state = run(engine(dev), with_cookies(cookies))
    assert_handshake(state, "session-token-iat-before-client-uat")
    assert not state.message


# request.test.ts: 'cookieToken: returns signed out when cookieToken.iat >= clientUat and malformed
# token [10y.1n]'
def test_cookietoken_returns_signed_out_when_iat_ge_clientuat_and_malformed_token_10y_1n(
    dev: LocalClerkInstance, run: Runner
) -> None:
    no_sub = dev.sign(dev.session_claims(USER, session_id=SID, iat=T, claims={"sub": None}))
    cookies = {"__clerk_db_jwt": "deadbeef", "__client_uat": str(int(T - 10)), "__session": no_sub}
    state = run(engine(dev), with_cookies(cookies))
    # Clerk: 'Subject claim (sub) is required and must be a string. Received undefined. Make sure
    # that this is a valid Clerk-generated JWT. (reason=token-verification-failed,
    # token-carrier=cookie)'.
    assert_signed_out(state, "token-verification-failed", message=None)
    assert (state.message or "").startswith("Subject claim (sub) is required and must be a string.")
    assert (state.message or "").endswith(
        "(reason=token-verification-failed, token-carrier=cookie)"
    )


# request.test.ts: 'cookieToken: returns signed in when cookieToken.iat >= clientUat and valid
# token [10y.2y]'
def test_cookietoken_returns_signed_in_when_iat_ge_clientuat_and_valid_token_10y_2y(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookies = {
        "__clerk_db_jwt": "deadbeef",
        "__client_uat": str(int(T - 10)),
        "__session": mock_jwt(dev),
    }
    assert_signed_in(run(engine(dev), with_cookies(cookies)))


# request.test.ts: 'cookieToken: returns signed out when an M2M JWT is presented in the __session
# cookie (SDK-107)'
def test_cookietoken_returns_signed_out_when_an_m2m_jwt_is_in_the_session_cookie_sdk_107(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookies = {
        "__clerk_db_jwt": "deadbeef",
        "__client_uat": str(int(T - 10)),
        "__session": dev.m2m_jwt(),
    }
    # Clerk's message is '' (issue 12 item 9); the reason is the contract.
    assert_signed_out(run(engine(dev), with_cookies(cookies)), "token-type-mismatch", message=None)


# request.test.ts: 'cookieToken: returns handshake when cookieToken.iat >= clientUat and expired
# token [10y.2n.1n]'
def test_cookietoken_returns_handshake_when_iat_ge_clientuat_and_expired_token_10y_2n_1n(
    dev: LocalClerkInstance, fake_clock: FakeClock, run: Runner
) -> None:
    cookies = {
        "__clerk_db_jwt": "deadbeef",
        "__client_uat": str(int(T - 10)),
        "__session": mock_jwt(dev),
    }
    fake_clock.advance(3600)
    state = run(engine(dev), with_cookies(cookies))
    assert_handshake(state, "session-token-expired-refresh-non-eligible-no-refresh-cookie")
    assert (state.message or "").startswith("JWT is expired")


# request.test.ts: 'cookieToken: returns signed in for Amazon Cloudfront userAgent'
def test_cookietoken_returns_signed_in_for_amazon_cloudfront_useragent(
    live: LocalClerkInstance, run: Runner
) -> None:
    req = with_cookies(
        {"__client_uat": "12345", "__session": mock_jwt(live)},
        {"user-agent": "Amazon CloudFront"},
    )
    assert_signed_in(run(engine(live), req))


# ================================================================== refreshToken
def _refresh_calls(instance: LocalClerkInstance) -> list[dict[str, Any]]:
    return [
        json.loads(r.content)
        for r in instance.requests
        if r.method == "POST" and r.url.path.endswith("/refresh")
    ]


# request.test.ts: refreshToken > 'returns signed in with valid refresh token cookie if token is
# expired and refresh token exists'
def test_refreshtoken_returns_signed_in_with_a_valid_refresh_cookie_when_token_expired(
    live: LocalClerkInstance, run: Runner
) -> None:
    refresh = live.refresh_token(USER)
    cookies = {
        "__client_uat": "12345",
        "__session": mock_expired_jwt(live),
        f"__refresh_{live.cookie_suffix}": refresh,
    }
    state = run(engine(live), with_cookies(cookies, {"origin": "https://app.example"}))
    assert state.status is AuthStatus.SIGNED_IN, state.reason
    assert state.to_auth().user_id == USER
    set_cookies = [v for k, v in state.headers if k == "set-cookie"]
    assert any(c.startswith(f"__session={state.token};") for c in set_cookies)
    assert len(_refresh_calls(live)) == 1


# request.test.ts: refreshToken > 'does not try to refresh if refresh token does not exist'
def test_refreshtoken_does_not_refresh_without_a_refresh_token(
    live: LocalClerkInstance, run: Runner
) -> None:
    cookies = {"__client_uat": "12345", "__session": mock_expired_jwt(live)}
    run(engine(live), with_cookies(cookies, {"origin": "https://app.example"}))
    assert _refresh_calls(live) == []


# request.test.ts: refreshToken > 'does not try to refresh if refresh exists but token is not
# expired'
def test_refreshtoken_does_not_refresh_when_the_token_is_not_expired(
    live: LocalClerkInstance, run: Runner
) -> None:
    cookies = {
        "__session": mock_jwt(live),
        f"__refresh_{live.cookie_suffix}": live.refresh_token(USER),
    }  # client_uat is missing: a handshake, not a refresh
    state = run(engine(live), with_cookies(cookies, {"origin": "https://app.example"}))
    assert state.reason == "session-token-but-no-client-uat"
    assert _refresh_calls(live) == []


# request.test.ts: refreshToken > 'uses suffixed refresh cookie even if un-suffixed is present'
def test_refreshtoken_uses_the_suffixed_refresh_cookie_even_if_unsuffixed_is_present(
    live: LocalClerkInstance, run: Runner
) -> None:
    refresh = live.refresh_token(USER)
    cookies = {
        "__client_uat": "12345",
        "__session": mock_expired_jwt(live),
        f"__refresh_{live.cookie_suffix}": refresh,
        "__refresh": "should_not_be_used",
    }
    state = run(engine(live), with_cookies(cookies, {"origin": "https://app.example"}))
    assert state.status is AuthStatus.SIGNED_IN, state.reason
    assert [call["refresh_token"] for call in _refresh_calls(live)] == [refresh]


# request.test.ts: refreshToken > 'should default to session_token if acceptsToken is not provided'
def test_refreshtoken_defaults_to_session_token_if_accepts_token_is_not_provided(
    dev: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine_with_api(dev, empty_jwks), with_header_auth(mock_jwt(dev)))
    assert state.token_type == "session_token"


# ================================================================== Cross-origin sync
PRIMARY = "https://primary.example/dashboard"


def cross(
    instance: LocalClerkInstance,
    run: Runner,
    headers: dict[str, str],
    *,
    url: str = PRIMARY,
    method: str = "GET",
    dev_browser: bool = False,
) -> RequestState:
    cookies = {"__session": mock_jwt(instance), "__client_uat": "12345"}
    if dev_browser:
        cookies["__clerk_db_jwt"] = "deadbeef"
    clerk = engine(
        instance, domain="primary.example", sign_in_url="https://primary.example/sign-in"
    )
    return run(clerk, with_cookies(cookies, headers, url, method))


# Cross-origin sync > 'triggers handshake for cross-origin document request on primary domain'
# and 'triggers handshake for cross-site document request on primary domain'
@pytest.mark.parametrize("site", [None, "cross-site"])
def test_cross_origin_sync_triggers_handshake_for_cross_origin_document_request(
    live: LocalClerkInstance, run: Runner, site: str | None
) -> None:
    headers = {"referer": "https://satellite.example/signin", "sec-fetch-dest": "document"}
    if site:
        headers["sec-fetch-site"] = site
    assert_handshake(cross(live, run, headers), "primary-domain-cross-origin-sync")


# Cross-origin sync > 'does not trigger handshake when referer is same origin' (both of them)
def test_cross_origin_sync_not_when_referer_is_same_origin(
    live: LocalClerkInstance, dev: LocalClerkInstance, run: Runner
) -> None:
    assert_signed_in(cross(live, run, {"referer": "https://primary.example/signin"}))
    state = cross(
        dev,
        run,
        {"referer": "http://localhost:3000"},
        url="http://localhost:3000",
        dev_browser=True,
    )
    assert_signed_in(state)


# Cross-origin sync > 'does not trigger handshake when no referer header'
def test_cross_origin_sync_not_without_a_referer(live: LocalClerkInstance, run: Runner) -> None:
    assert_signed_in(cross(live, run, {"origin": "https://primary.example"}))


# Cross-origin sync > 'does not trigger handshake for cross-origin POST document request on primary
# domain'
def test_cross_origin_sync_not_for_a_cross_origin_post_document_request(
    live: LocalClerkInstance, run: Runner
) -> None:
    state = cross(live, run, {"referer": "https://satellite.example/form"}, method="POST")
    assert_signed_in(state)


# Cross-origin sync > 'does not trigger handshake for non-document requests'
def test_cross_origin_sync_not_for_non_document_requests(
    live: LocalClerkInstance, run: Runner
) -> None:
    headers = {
        "referer": "https://satellite.example/signin",
        "sec-fetch-dest": "empty",
        "origin": "https://primary.example",
    }
    assert_signed_in(cross(live, run, headers, url="https://primary.example/api/data"))


# Cross-origin sync > 'does not trigger handshake when referer header contains invalid URL format'
def test_cross_origin_sync_not_when_referer_is_not_a_url(
    live: LocalClerkInstance, run: Runner
) -> None:
    headers = {"referer": "invalid-url-format", "origin": "https://primary.example"}
    assert_signed_in(cross(live, run, headers))


# Cross-origin sync > 'triggers handshake when referer is an unrelated accounts.* domain'
def test_cross_origin_sync_triggers_handshake_for_an_unrelated_accounts_domain(
    live: LocalClerkInstance, run: Runner
) -> None:
    headers = {"referer": "https://accounts.example.com/sign-in", "sec-fetch-site": "cross-site"}
    assert_handshake(cross(live, run, headers), "primary-domain-cross-origin-sync")


# Cross-origin sync > 'does not trigger cross-origin handshake when referer is from dev accounts
# portal on a dev instance (current format)' and '(legacy format)'
@pytest.mark.parametrize(
    "referer",
    ["https://foo-bar-13.accounts.dev/sign-in", "https://accounts.foo-bar-13.lcl.dev/sign-in"],
)
def test_cross_origin_sync_not_for_a_dev_accounts_portal_on_a_dev_instance(
    dev: LocalClerkInstance, run: Runner, referer: str
) -> None:
    headers = {"referer": referer, "sec-fetch-site": "cross-site"}
    assert_signed_in(cross(dev, run, headers, dev_browser=True))


# Cross-origin sync > 'triggers handshake when referer is a dev accounts portal on a production
# instance (current format)' and '(legacy format)'
@pytest.mark.parametrize(
    "referer",
    ["https://foo-bar-13.accounts.dev/sign-in", "https://accounts.foo-bar-13.lcl.dev/sign-in"],
)
def test_cross_origin_sync_triggers_handshake_for_a_dev_accounts_portal_on_production(
    live: LocalClerkInstance, run: Runner, referer: str
) -> None:
    headers = {"referer": referer, "sec-fetch-site": "cross-site"}
    assert_handshake(cross(live, run, headers), "primary-domain-cross-origin-sync")


# Cross-origin sync > 'does not trigger cross-origin handshake when referer is from expected
# accounts portal derived from frontend API', 'does not trigger handshake when referer is from FAPI
# domain (redirect-based auth)' and '... from FAPI domain with https prefix'
@pytest.mark.parametrize(
    "referer",
    [
        f"{ACCOUNTS}/sign-in",
        f"https://{FAPI}/v1/client/sign_ins/12345/attempt_first_factor",
        f"https://{FAPI}/sign-in",
    ],
)
def test_cross_origin_sync_not_for_the_instance_fapi_or_its_accounts_portal(
    dev: LocalClerkInstance, run: Runner, referer: str
) -> None:
    # Clerk's test sends no dev browser and only checks that the reason is not the cross-origin
    # sync; with a dev browser the request gets that far, and is signed in.
    headers = {"referer": referer, "sec-fetch-site": "cross-site"}
    assert cross(dev, run, headers).reason != "primary-domain-cross-origin-sync"
    assert_signed_in(cross(dev, run, headers, dev_browser=True))


# Cross-origin sync > 'still triggers handshake for legitimate cross-origin requests from
# non-accounts domains'
def test_cross_origin_sync_still_triggers_for_non_accounts_domains(
    live: LocalClerkInstance, run: Runner
) -> None:
    headers = {"referer": "https://satellite.example/sign-in", "sec-fetch-site": "cross-site"}
    assert_handshake(cross(live, run, headers), "primary-domain-cross-origin-sync")


# Cross-origin sync > 'does not trigger handshake when referrer matches current origin despite
# sec-fetch-site cross-site (redirect chain)'
def test_cross_origin_sync_not_when_referer_matches_despite_sec_fetch_site(
    live: LocalClerkInstance, run: Runner
) -> None:
    headers = {"referer": "https://primary.example/some-page", "sec-fetch-site": "cross-site"}
    assert_signed_in(cross(live, run, headers))


# ================================================================== POST with sec-fetch-dest
# 'POST requests with sec-fetch-dest: document' > 'returns signed out instead of handshake when
# clientUat > 0 and no cookieToken'
def test_post_document_returns_signed_out_when_clientuat_gt_0_and_no_cookietoken(
    live: LocalClerkInstance, run: Runner
) -> None:
    state = run(engine(live), with_cookies({"__client_uat": "12345"}, method="POST"))
    assert_signed_out(state, "client-uat-but-no-session-token")


# 'POST requests with sec-fetch-dest: document' > 'returns signed out instead of handshake for
# satellite app needing sync'
def test_post_document_returns_signed_out_for_a_satellite_needing_sync(
    live: LocalClerkInstance, run: Runner
) -> None:
    clerk = engine(
        live,
        is_satellite=True,
        domain="satellite.example",
        sign_in_url="https://primary.example/sign-in",
    )
    state = run(clerk, with_cookies({"__client_uat": "0"}, method="POST"))
    assert_signed_out(state, "session-token-and-uat-missing")


# 'POST requests with sec-fetch-dest: document' > 'returns signed out instead of handshake when
# clientUat > cookieToken.iat'
def test_post_document_returns_signed_out_when_clientuat_gt_cookietoken_iat(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookies = {
        "__clerk_db_jwt": "deadbeef",
        "__client_uat": str(int(T + 10)),
        "__session": mock_jwt(dev),
    }
    state = run(engine(dev), with_cookies(cookies, method="POST"))
    assert_signed_out(state, "session-token-iat-before-client-uat")


# ================================================================== getOrganizationSyncTarget
ORG_SYNC_CASES: list[tuple[str, dict[str, list[str]] | None, str, tuple[str, str] | None]] = [
    # (name, options, path, expected target: ("id"|"slug"|"personal", value) or None)
    ("none activates nothing", None, "/orgs/org_foo", None),
    (
        "Can activate an org by ID (basic)",
        {"org": ["/orgs/:id"]},
        "/orgs/org_foo",
        ("id", "org_foo"),
    ),
    ("mimatch activates nothing", {"org": ["/orgs/:id"]}, "/personal-account/my-resource", None),
    (
        "Can activate an org by ID (recommended matchers)",
        {"org": ["/orgs/:id", "/orgs/:id/", "/orgs/:id/(.*)"]},
        "/orgs/org_foo",
        ("id", "org_foo"),
    ),
    (
        "Can activate an org by ID with a trailing slash",
        {"org": ["/orgs/:id", "/orgs/:id/", "/orgs/:id/(.*)"]},
        "/orgs/org_foo/",
        ("id", "org_foo"),
    ),
    (
        "Can activate an org by ID with a trailing path component",
        {"org": ["/orgs/:id", "/orgs/:id/", "/orgs/:id/(.*)"]},
        "/orgs/org_foo/nested-resource",
        ("id", "org_foo"),
    ),
    (
        "Can activate an org by ID with many trailing path component",
        {"org": ["/orgs/:id/(.*)"]},
        "/orgs/org_foo/nested-resource/and/more/deeply/nested/resources",
        ("id", "org_foo"),
    ),
    (
        "Can activate an org by ID with an unrelated path token in the prefix",
        {"org": ["/unknown-thing/:any/orgs/:id"]},
        "/unknown-thing/thing/orgs/org_foo",
        ("id", "org_foo"),
    ),
    ("Can activate an org by slug", {"org": ["/orgs/:slug"]}, "/orgs/my-org", ("slug", "my-org")),
    (
        "Can activate the personal account",
        {"personal": ["/personal-account"]},
        "/personal-account",
        ("personal", ""),
    ),
    (
        "ID match precedes slug match",
        {"org": ["/orgs/:id", "/orgs/:slug"]},
        "/orgs/my-org",
        ("id", "my-org"),
    ),
    (
        "org match match precedes personal account",
        {"personal": ["/", "/(.*)"], "org": ["/orgs/:slug"]},
        "/orgs/my-org",
        ("slug", "my-org"),
    ),
    (
        "personal account may contain path tokens",
        {"personal": ["/user/:any", "/user/:any/(.*)"]},
        "/user/123/home",
        ("personal", ""),
    ),
    (
        "All of the config at once",
        {
            "org": [
                "/orgs-by-id/:id",
                "/orgs-by-id/:id/(.*)",
                "/orgs-by-slug/:slug",
                "/orgs-by-slug/:slug/(.*)",
            ],
            "personal": ["/personal-account", "/personal-account/(.*)"],
        },
        "/orgs-by-slug/org_bar/sub-resource",
        ("slug", "org_bar"),
    ),
    # Not in Clerk's table, from OrganizationMatcher.findTarget: an organization pattern that
    # matches without `:id` or `:slug` gives no organization target, and personal patterns decide.
    (
        "an org pattern without id or slug falls through to personal",
        {"org": ["/unknown/:any"], "personal": ["/(.*)"]},
        "/unknown/thing",
        ("personal", ""),
    ),
]


@pytest.mark.parametrize(
    ("name", "sync", "path", "expected"), ORG_SYNC_CASES, ids=[c[0] for c in ORG_SYNC_CASES]
)
def test_get_organization_sync_target(
    live: LocalClerkInstance,
    run: Runner,
    name: str,
    sync: dict[str, list[str]] | None,
    path: str,
    expected: tuple[str, str] | None,
) -> None:
    """getOrganizationSyncTarget, seen where Clerk uses it: every handshake's ``Location`` names
    the target (HandshakeService.buildRedirectToHandshake), and a signed-in session whose
    organization differs from it gets an ``active-organization-mismatch`` handshake."""
    sync = sync or {}
    clerk = engine(
        live,
        organization_patterns=sync.get("org", ()),
        personal_account_patterns=sync.get("personal", ()),
    )
    url = f"http://app.example{path}"
    # Any handshake (here: a client_uat without a session token) carries the target.
    state = run(clerk, with_cookies({"__client_uat": "12345"}, url=url))
    assert state.reason == "client-uat-but-no-session-token"
    params = location_params(state)
    if expected is None:
        assert "organization_id" not in params
    else:
        assert params["organization_id"] == expected[1]
    # The kind of target: a session in an organization whose id is the value (and whose slug is
    # not) is in step with an id target only; with a slug target it must switch.
    in_org = expected[1] if expected and expected[0] != "personal" else "org_x"
    member = mock_jwt(live, org_id=in_org, org_slug="other-slug")
    state = run(
        clerk, with_cookies({"__client_uat": str(int(T - 10)), "__session": member}, url=url)
    )
    if expected is None or expected[0] == "id":
        assert state.status is AuthStatus.SIGNED_IN, (name, state.reason)
    else:
        assert_handshake(state, "active-organization-mismatch")
        assert location_params(state)["organization_id"] == expected[1]


# ================================================================== issue 12: the cookie path
# These cases are not in request.test.ts; their expected values are what @clerk/backend 3.25's
# authenticateRequest answers for the same request (AuthenticateContext, HandshakeService).


def suffixed_cookies(instance: LocalClerkInstance, token: str) -> dict[str, str]:
    """A browser on suffixed cookies (``__session_<suffix>``, ``__client_uat_<suffix>``) whose
    development-browser cookie is only the un-suffixed one (another development app's)."""
    s = instance.cookie_suffix
    return {
        f"__session_{s}": token,
        f"__client_uat_{s}": str(int(T - 10)),
        "__clerk_db_jwt": "dvb_other_app",
    }


# Item 1. AuthenticateContext.initHandshakeValues: devBrowserToken comes from
# getSuffixedOrUnSuffixedCookie(DevBrowser): only `__clerk_db_jwt_<suffix>` when suffixed cookies
# are in use, with no fallback to the un-suffixed cookie.
def test_suffixed_cookies_read_the_dev_browser_only_from_the_suffixed_cookie(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookies = suffixed_cookies(dev, mock_jwt(dev))
    state = run(engine(dev), with_cookies(cookies))
    assert_handshake(state, "dev-browser-missing")
    params = location_params(state)
    assert params["suffixed_cookies"] == "true"
    assert "__clerk_db_jwt" not in params  # the other app's token is never sent to Clerk
    # With the suffixed dev-browser cookie the same browser is signed in.
    cookies[f"__clerk_db_jwt_{dev.cookie_suffix}"] = "dvb_this_app"
    assert_signed_in(run(engine(dev), with_cookies(cookies)))


def test_suffixed_uat_only_without_a_suffixed_dev_browser_is_dev_browser_missing(
    dev: LocalClerkInstance, run: Runner
) -> None:
    # Before the fix the un-suffixed dev browser was taken and the reason was
    # client-uat-but-no-session-token.
    cookies = {f"__client_uat_{dev.cookie_suffix}": "5", "__clerk_db_jwt": "dvb_other_app"}
    assert_handshake(run(engine(dev), with_cookies(cookies)), "dev-browser-missing")


def test_unsuffixed_cookies_read_only_the_unsuffixed_dev_browser(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookies = {
        "__session": mock_jwt(dev),
        "__client_uat": str(int(T - 10)),
        f"__clerk_db_jwt_{dev.cookie_suffix}": "dvb_suffixed",
    }
    state = run(engine(dev), with_cookies(cookies))
    assert_handshake(state, "dev-browser-missing")
    assert location_params(state)["suffixed_cookies"] == "false"


def test_the_dev_browser_query_parameter_wins_with_suffixed_cookies(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookies = suffixed_cookies(dev, mock_jwt(dev))
    req = with_cookies(cookies, url="http://app.example/path?__clerk_db_jwt=dvb_query")
    state = run(engine(dev), req)
    assert_handshake(state, "dev-browser-sync")
    params = location_params(state)
    assert params["__clerk_db_jwt"] == "dvb_query"
    assert "__clerk_db_jwt" not in parse_qs(urlsplit(params["redirect_url"]).query)


# Item 2. HandshakeService.buildRedirectToHandshake and refreshToken() carry
# AuthenticateContext.sessionToken: `sessionTokenInCookie || tokenInHeader`.
def test_header_token_handshake_carries_the_cookie_session_token_and_the_dev_browser(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookie_token = mock_jwt(dev)
    cookies = {"__session": cookie_token, "__client_uat": "1", "__clerk_db_jwt": "dvb_this_app"}
    state = run(
        engine(dev), with_cookies(cookies, {"authorization": f"Bearer {mock_expired_jwt(dev)}"})
    )
    assert_handshake(state, "session-token-expired-refresh-non-eligible-no-refresh-cookie")
    params = location_params(state)
    assert params["__session"] == cookie_token
    assert params["__clerk_db_jwt"] == "dvb_this_app"


def test_header_token_handshake_carries_the_header_token_without_a_session_cookie(
    dev: LocalClerkInstance, run: Runner
) -> None:
    expired = mock_expired_jwt(dev)
    req = with_cookies({"__clerk_db_jwt": "dvb_this_app"}, {"authorization": f"Bearer {expired}"})
    params = location_params(run(engine(dev), req))
    assert (params["__session"], params["__clerk_db_jwt"]) == (expired, "dvb_this_app")


def test_header_token_handshake_uses_the_suffixed_cookie_set(
    dev: LocalClerkInstance, run: Runner
) -> None:
    cookie_token = mock_jwt(dev)
    cookies = suffixed_cookies(dev, cookie_token)
    cookies[f"__clerk_db_jwt_{dev.cookie_suffix}"] = "dvb_this_app"
    req = with_cookies(cookies, {"authorization": f"Bearer {mock_expired_jwt(dev)}"})
    params = location_params(run(engine(dev), req))
    assert params["suffixed_cookies"] == "true"
    assert (params["__session"], params["__clerk_db_jwt"]) == (cookie_token, "dvb_this_app")


def test_production_header_token_handshake_carries_the_cookie_token_and_no_dev_browser(
    live: LocalClerkInstance, run: Runner
) -> None:
    cookie_token = mock_jwt(live)
    cookies = {"__session": cookie_token, "__client_uat": "1", "__clerk_db_jwt": "dvb"}
    req = with_cookies(cookies, {"authorization": f"Bearer {mock_expired_jwt(live)}"})
    params = location_params(run(engine(live), req))
    assert params["__session"] == cookie_token
    assert "__clerk_db_jwt" not in params


def test_header_token_refresh_sends_the_cookie_session_token(
    live: LocalClerkInstance, run: Runner
) -> None:
    cookie_expired = live.session_token(USER, session_id="sess_cookie", iat=T - 3660, lifetime=60)
    cookies = {
        "__session": cookie_expired,
        "__client_uat": "1",
        f"__refresh_{live.cookie_suffix}": live.refresh_token(USER),
    }
    req = with_cookies(cookies, {"authorization": f"Bearer {mock_expired_jwt(live)}"})
    state = run(engine(live), req)
    assert state.status is AuthStatus.SIGNED_IN, state.reason
    assert [call["expired_token"] for call in _refresh_calls(live)] == [cookie_expired]
    assert state.to_auth().session_id == "sess_cookie"


# Item 3. AuthenticateContext.isCrossOriginReferrer compares URL origins (default ports dropped,
# user info ignored); isKnownClerkReferrer trusts the Frontend API host, the Account Portal derived
# from it (as an https origin) and, on development instances, isCurrentDevAccountPortalOrigin
# (`*.accounts.dev` but not `*.clerk.accounts.dev`) and isLegacyDevAccountPortalOrigin.
@pytest.mark.parametrize(
    "referer",
    [
        "https://primary.example:443/some-page",
        "https://PRIMARY.example/some-page",
        "https://user:pw@primary.example/",
        "invalid-url-format",
        "https://",  # `new URL()` throws: no host
        "https://foo-bar-13.accounts.dev/sign-in",
        "https://foo.accountsstage.dev/",
        "https://foo.accounts.lclclerk.com/",
        "https://accounts.foo.lcl.dev/",
        f"http://{FAPI}:8443/v1/client",  # the Frontend API's host, any scheme or port
        f"https://{ACCOUNTS.removeprefix('https://')}:443/sign-in",
    ],
)
def test_referers_that_are_same_origin_or_clerk_on_a_dev_instance(
    dev: LocalClerkInstance, run: Runner, referer: str
) -> None:
    assert_signed_in(cross(dev, run, {"referer": referer}, dev_browser=True))


@pytest.mark.parametrize(
    "referer",
    [
        "https://foo-bar-13.clerk.accounts.dev/",  # another instance's Frontend API
        "https://foo.clerk.accountsstage.dev/",
        "https://foo.clerk.accounts.lclclerk.com/",
        "http://primary.example/",  # another scheme
        "https://primary.example:8443/",  # another port
        "https://primary.example.:443/",  # a trailing dot is another host for the URL standard
        ACCOUNTS.replace("https://", "http://") + "/sign-in",  # the portal, not over https
        ACCOUNTS + ":444/sign-in",
        "https://accounts.example.com/",
        "mailto:someone@primary.example",  # absolute URLs without a host: opaque origins
        "file:///etc/passwd",
        "https:///satellite.example/",  # the URL standard skips the extra slash: a host
    ],
)
def test_referers_that_start_a_cross_origin_sync_on_a_dev_instance(
    dev: LocalClerkInstance, run: Runner, referer: str
) -> None:
    state = cross(dev, run, {"referer": referer}, dev_browser=True)
    assert_handshake(state, "primary-domain-cross-origin-sync")


def test_a_clerk_accounts_dev_frontend_api_trusts_its_own_host(
    dev: LocalClerkInstance, run: Runner
) -> None:
    """A real development instance's Frontend API is ``<name>.clerk.accounts.dev``: referers from it
    are Clerk's (the Frontend API host), those of another instance's Frontend API are not."""
    fapi = "foo-bar-13.clerk.accounts.dev"
    key = "pk_test_" + base64.b64encode(f"{fapi}$".encode()).decode().rstrip("=")
    clerk = dev.clerk(
        networkless=True,
        publishable_key=key,
        allowed_hosts=APP_HOSTS,
        domain="primary.example",
    )
    claims = dev.session_claims(USER, session_id=SID, iat=T, claims={"iss": f"https://{fapi}"})
    cookies = {"__session": dev.sign(claims), "__client_uat": "12345", "__clerk_db_jwt": "dvb"}
    own = with_cookies(cookies, {"referer": f"https://{fapi}/v1/client"}, PRIMARY)
    assert_signed_in(run(clerk, own))
    portal = with_cookies(cookies, {"referer": "https://foo-bar-13.accounts.dev/"}, PRIMARY)
    assert_signed_in(run(clerk, portal))
    other = with_cookies(cookies, {"referer": "https://evil-7.clerk.accounts.dev/"}, PRIMARY)
    assert_handshake(run(clerk, other), "primary-domain-cross-origin-sync")


def test_with_a_proxy_the_proxy_host_is_the_frontend_api(
    live: LocalClerkInstance, run: Runner
) -> None:
    """parsePublishableKey(pk, {proxyUrl}): the proxy URL is the Frontend API; the publishable
    key's host and its Account Portal are no longer Clerk's referers."""
    clerk = engine(live, proxy_url="https://proxy.example/__clerk")
    cookies = {"__session": mock_jwt(live), "__client_uat": "12345"}
    for referer, signed_in in [
        ("https://proxy.example/__clerk/v1/client", True),
        (f"https://{FAPI}/", False),
        (f"{ACCOUNTS}/sign-in", False),
    ]:
        state = run(clerk, with_cookies(cookies, {"referer": referer}, PRIMARY))
        assert (state.status is AuthStatus.SIGNED_IN) is signed_in, referer
    # A relative proxy URL lives on the app's origin: its host is the Frontend API's host.
    relative = engine(live, proxy_url="/__clerk")
    state = run(relative, with_cookies(cookies, {"referer": "http://primary.example/"}, PRIMARY))
    assert_signed_in(state)


# Item 5. HandshakeService.isRequestEligibleForHandshake: `secFetchDest` comes from
# `headers.get(name) || undefined`, so an empty header is absent and `Accept: text/html` decides.
@pytest.mark.parametrize(
    ("dest", "accept", "handshake"),
    [
        ("", "text/html,application/xhtml+xml", True),
        ("", "application/json", False),
        ("empty", "text/html", False),
        ("iframe", "application/json", True),
    ],
)
def test_an_empty_sec_fetch_dest_counts_as_absent(
    live: LocalClerkInstance, run: Runner, dest: str, accept: str, handshake: bool
) -> None:
    req = with_cookies({"__client_uat": "12345"}, {"sec-fetch-dest": dest, "accept": accept})
    state = run(engine(live), req)
    assert state.reason == "client-uat-but-no-session-token"
    assert (state.status is AuthStatus.HANDSHAKE) is handshake


# Item 5. AuthenticateContext.handshakeRedirectLoopCounter is `Number(cookie) || 0`;
# checkAndTrackRedirectLoop stops at exactly 3 and writes `count + 1` as JavaScript prints it.
@pytest.mark.parametrize(
    ("cookie", "next_count"),
    [
        ("4", "5"),
        ("3.5", "4.5"),
        ("3abc", "1"),
        ("", "1"),
        ("1e1", "11"),
        ("Infinity", "Infinity"),
        ("-1", "0"),
        ("2", "3"),
        ("0x2", "3"),
        ("1_0", "1"),
        ("3", None),
        ("0x3", None),
        (" 3", None),
        ("0b11", None),
        ("+3", None),
        ("3.", None),
        (".3e1", None),
        ("2.9999999999999999", None),
    ],
)
def test_the_redirect_loop_counter_is_read_with_javascript_number(
    live: LocalClerkInstance, run: Runner, cookie: str, next_count: str | None
) -> None:
    req = with_cookies({"__client_uat": "12345", "__clerk_redirect_count": cookie})
    state = run(engine(live), req)
    assert state.reason == "client-uat-but-no-session-token"
    if next_count is None:
        assert state.status is AuthStatus.SIGNED_OUT  # the loop limit
        assert state.location is None
    else:
        assert state.status is AuthStatus.HANDSHAKE
        assert state.header("set-cookie") == (
            f"__clerk_redirect_count={next_count}; SameSite=Lax; HttpOnly; Max-Age=2"
        )


@pytest.mark.parametrize(("cookie", "syncs"), [("0x0", True), ("abc", True), ("0.5", False)])
def test_the_cross_origin_sync_reads_the_counter_with_javascript_number(
    live: LocalClerkInstance, run: Runner, cookie: str, syncs: bool
) -> None:
    """shouldForceHandshakeForCrossDomain requires ``handshakeRedirectLoopCounter === 0``."""
    cookies = {
        "__session": mock_jwt(live),
        "__client_uat": "12345",
        "__clerk_redirect_count": cookie,
    }
    req = with_cookies(cookies, {"referer": "https://satellite.example/"}, PRIMARY)
    state = run(engine(live), req)
    assert (state.reason == "primary-domain-cross-origin-sync") is syncs


@pytest.mark.parametrize(("cookie", "activates"), [("3abc", True), ("0x3", False), ("2.5", True)])
def test_the_organization_sync_reads_the_counter_with_javascript_number(
    live: LocalClerkInstance, run: Runner, cookie: str, activates: bool
) -> None:
    """handleMaybeOrganizationSyncHandshake skips activation when the counter is ``>= 3``."""
    clerk = engine(live, organization_patterns=["/orgs/:id"])
    cookies = {
        "__session": mock_jwt(live),
        "__client_uat": "12345",
        "__clerk_redirect_count": cookie,
    }
    state = run(clerk, with_cookies(cookies, url="http://app.example/orgs/org_foo"))
    assert (state.reason == "active-organization-mismatch") is activates
