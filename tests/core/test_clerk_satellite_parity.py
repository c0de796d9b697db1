"""Satellites and proxies as Clerk's ``@clerk/backend`` 3.25 answers them.

Two parts:

* The satellite tests of Clerk's ``packages/backend/src/tokens/__tests__/request.test.ts`` and the
  proxy cases of ``authenticateContext.test.ts``, translated (each test names the JS test it
  translates). Clerk's fixture hosts (``clerk.inspired.puma-74.lcl.dev``, ``example.com``,
  ``satellite.dev``) become hosts under reserved test domains; its fixture token becomes one
  minted by the local instance.
* The issuer and suffix rules for production satellites and proxies (``AuthenticateContext``'s
  ``originalFrontendApi`` / ``tokenBelongsToInstance`` and ``parsePublishableKey(pk, {domain,
  isSatellite, proxyUrl})``), and the ``satellite_auto_sync`` option.

Where the engine deliberately differs (docs/reliability.md "Differences from Clerk's JS SDKs"),
the translated test stays as a test of the policy, with a comment naming both behaviours. Two
differences recur and are not repeated on every test: a handshake state's ``to_auth()`` is a
signed-out object (Clerk JS: ``null``), and an absent message is ``None`` or ``""`` (Clerk JS:
``""``), so messages are checked with ``not state.message``.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkConfigurationError,
    ClerkOptions,
    RequestState,
    RequestView,
    SessionAuth,
    SignedOutAuth,
    cookie_suffix,
)
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

T = 1_700_000_000.0
Runner = Callable[..., RequestState]
PRIMARY_SIGN_IN = "https://primary.test/sign-in"
SATELLITE_GUIDANCE = (
    "Satellite-domain authentication",
    "configured primary or satellite domain",
    "preview deployments",
)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(T)


def instance(
    clock: FakeClock,
    kind: str,
    *,
    satellite_domain: str | None = "satellite.test",
    proxy_url: str | None = None,
) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production" if kind == "production" else "development",
        frontend_api="clerk.primary.test",
        authorized_parties=(),
        satellite_domain=satellite_domain,
        proxy_url=proxy_url,
        clock=clock,
    )


def engine_for(inst: LocalClerkInstance, **overrides: Any) -> Clerk:
    overrides.setdefault("allowed_hosts", ["example.test", "app.test", "satellite.test"])
    return inst.clerk(**overrides)


def browser(
    url: str = "http://example.test/path",
    *,
    cookies: dict[str, str] | None = None,
    method: str = "GET",
    **headers: str,
) -> RequestView:
    """Clerk's ``mockRequestWithCookies``: a browser navigation (``Sec-Fetch-Dest: document``)."""
    hdrs = {
        "host": urlsplit(url).netloc,
        "user-agent": "Mozilla/TestAgent",
        "sec-fetch-dest": "document",
    }
    if cookies:
        hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    for name, value in headers.items():
        hdrs[name.replace("_", "-")] = value
    return RequestView(method, url, hdrs)


def token(inst: LocalClerkInstance, **kwargs: Any) -> str:
    """A valid session token issued at T-60 (Clerk's ``mockJwt``); ``iss`` is the instance's."""
    return inst.session_token("user_1", iat=T - 60, lifetime=120, azp=False, **kwargs)


# =============================================================================================
# request.test.ts: the satellite tests of describe('tokens.authenticateRequest(options)')
# =============================================================================================


# JS: 'cookieToken: returns handshake when clientUat is missing or equals to 0 and is satellite
# with satelliteAutoSync=true and not is synced [11y]' (development key, no dev browser)
def test_cookietoken_returns_handshake_when_satellite_with_satelliteautosync_true_and_not_synced_11y(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "development")
    state = run(engine_for(sat, satellite_auto_sync=True), browser(cookies={"__client_uat": "0"}))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "satellite-needs-syncing")
    assert not state.message
    assert state.header("cache-control") == "no-store"
    assert isinstance(state.to_auth(), SignedOutAuth)  # Clerk JS: toAuth() is null


# JS: 'cookieToken: redirects to signInUrl when is satellite dev with satelliteAutoSync=true and
# not synced'
def test_cookietoken_redirects_to_signinurl_when_satellite_dev_with_satelliteautosync_true(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "development")
    state = run(
        engine_for(sat, satellite_auto_sync=True),
        browser(cookies={"__client_uat": "0", "__clerk_db_jwt": sat.dev_browser_token}),
    )
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "satellite-needs-syncing")
    assert not state.message
    assert (
        state.location == f"{PRIMARY_SIGN_IN}?__clerk_redirect_url=http%3A%2F%2Fexample.test%2Fpath"
    )


# JS: 'cookieToken: returns signed out is satellite but a non-browser request [11y]'
def test_cookietoken_returns_signed_out_is_satellite_but_a_non_browser_request_11y(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "production")
    state = run(
        engine_for(sat),
        browser(cookies={"__client_uat": "0"}, sec_fetch_dest="empty", user_agent="[some-agent]"),
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert not state.message
    assert state.location is None
    assert not state.to_auth().is_authenticated


# JS: 'cookieToken: returns handshake when app is satellite, returns from primary and is dev
# instance [13y]'
def test_cookietoken_returns_handshake_when_satellite_returns_from_primary_dev_instance_13y(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "development")
    query = urlencode({"__clerk_synced": "true", "__clerk_db_jwt": sat.dev_browser_token})
    state = run(engine_for(sat), browser(f"http://satellite.test/path?{query}"))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "dev-browser-sync")
    assert not state.message
    assert isinstance(state.to_auth(), SignedOutAuth)  # Clerk JS: toAuth() is null


# JS: 'cookieToken: does not trigger satellite sync if just synced'
def test_cookietoken_does_not_trigger_satellite_sync_if_just_synced(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "development")
    state = run(
        engine_for(sat),
        browser(
            "http://satellite.test/path?__clerk_synced=true",
            cookies={"__clerk_db_jwt": sat.dev_browser_token},
        ),
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert state.location is None


# JS: 'cookieToken: returns signed out without handshake when satelliteAutoSync is false and no
# cookies'
def test_cookietoken_returns_signed_out_without_handshake_when_satelliteautosync_false_no_cookies(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "production")
    state = run(
        engine_for(sat, satellite_auto_sync=False),
        browser("http://satellite.test/path", cookies={"__client_uat": "0"}),
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert state.location is None  # no handshake redirect


# JS: 'cookieToken: triggers handshake when satelliteAutoSync is false but __clerk_synced=false is
# present'
def test_cookietoken_triggers_handshake_when_satelliteautosync_false_but_clerk_synced_false(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "production")
    state = run(
        engine_for(sat, satellite_auto_sync=False),
        browser("http://satellite.test/path?__clerk_synced=false", cookies={"__client_uat": "0"}),
    )
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "satellite-needs-syncing")
    assert state.header("cache-control") == "no-store"
    # Production: the handshake goes to the satellite's own Frontend API, clerk.<domain>.
    location = urlsplit(state.location or "")
    assert (location.netloc, location.path) == ("clerk.satellite.test", "/v1/client/handshake")
    assert parse_qs(location.query)["redirect_url"] == [
        "http://satellite.test/path?__clerk_synced=false"
    ]


# JS: 'cookieToken: returns signed out when __clerk_synced=true (completed) is present'
def test_cookietoken_returns_signed_out_when_clerk_synced_true_completed_is_present(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "production")
    state = run(
        engine_for(sat),
        browser("http://satellite.test/path?__clerk_synced=true", cookies={"__client_uat": "0"}),
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert state.location is None


# JS: 'cookieToken: returns signed out without handshake when satelliteAutoSync is not set
# (defaults to false) and no cookies - prod'
def test_cookietoken_returns_signed_out_when_satelliteautosync_not_set_and_no_cookies_prod(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "production")
    state = run(
        engine_for(sat), browser("http://satellite.test/path", cookies={"__client_uat": "0"})
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert state.location is None


# JS: 'cookieToken: returns signed out without handshake when satelliteAutoSync is not set
# (defaults to false) and no cookies - dev'
def test_cookietoken_returns_signed_out_when_satelliteautosync_not_set_and_no_cookies_dev(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "development")
    state = run(
        engine_for(sat),
        browser(cookies={"__client_uat": "0", "__clerk_db_jwt": sat.dev_browser_token}),
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert state.location is None


# JS: 'cookieToken: triggers handshake when satelliteAutoSync is not set but __clerk_synced=false
# is present - prod'
def test_cookietoken_triggers_handshake_when_satelliteautosync_not_set_but_synced_false_prod(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "production")
    state = run(
        engine_for(sat),
        browser("http://satellite.test/path?__clerk_synced=false", cookies={"__client_uat": "0"}),
    )
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "satellite-needs-syncing")


# JS: 'cookieToken: logs satellite-domain guidance when satellite sync enters a redirect loop'
def test_cookietoken_logs_satellite_domain_guidance_when_satellite_sync_enters_a_redirect_loop(
    fake_clock: FakeClock, run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    sat = instance(fake_clock, "production")
    with caplog.at_level(logging.WARNING, "clerk_core"):
        state = run(
            engine_for(sat),
            browser(
                "http://satellite.test/path?__clerk_synced=false",
                cookies={"__client_uat": "0", "__clerk_redirect_count": "3"},
            ),
        )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "satellite-needs-syncing")
    assert state.location is None
    for words in SATELLITE_GUIDANCE:
        assert words in caplog.text


def test_redirect_loop_on_other_reasons_logs_the_key_mismatch_guidance(
    fake_clock: FakeClock, run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    # @clerk/backend getHandshakeRedirectLoopMessage: any other reason names mismatched keys.
    prim = instance(fake_clock, "production", satellite_domain=None)
    with caplog.at_level(logging.WARNING, "clerk_core"):
        state = run(
            engine_for(prim),
            browser(cookies={"__client_uat": "12345", "__clerk_redirect_count": "3"}),
        )
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "client-uat-but-no-session-token",
    )
    assert "infinite redirect loop" in caplog.text
    assert "publishable and secret keys" in caplog.text
    assert "Satellite-domain" not in caplog.text


# JS: 'cookieToken: triggers handshake when satelliteAutoSync is not set but __clerk_synced=false
# is present - dev'
def test_cookietoken_triggers_handshake_when_satelliteautosync_not_set_but_synced_false_dev(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "development")
    state = run(
        engine_for(sat),
        browser(
            "http://example.test/path?__clerk_synced=false",
            cookies={"__client_uat": "0", "__clerk_db_jwt": sat.dev_browser_token},
        ),
    )
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "satellite-needs-syncing")
    assert state.location == (
        f"{PRIMARY_SIGN_IN}?__clerk_redirect_url="
        "http%3A%2F%2Fexample.test%2Fpath%3F__clerk_synced%3Dfalse"
    )


# JS: 'cookieToken: returns handshake when app is not satellite and responds to syncing on dev
# instances[12y]'
def test_cookietoken_returns_handshake_when_not_satellite_and_responds_to_syncing_dev_12y(
    fake_clock: FakeClock, run: Runner
) -> None:
    prim = instance(fake_clock, "development", satellite_domain=None)
    url = "http://example.test/path?" + urlencode({"__clerk_redirect_url": "http://localhost:3000"})
    cookies = {"__client_uat": "12345", "__session": token(prim)}
    # Policy (docs/reliability.md, difference 8): the primary sends the browser back only to its
    # own origin or an authorized party. Clerk JS follows any __clerk_redirect_url here.
    engine = engine_for(prim, authorized_parties=["http://localhost:3000"])
    state = run(engine, browser(url, cookies=cookies))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "primary-responds-to-syncing")
    assert not state.message
    assert isinstance(state.to_auth(), SignedOutAuth)  # Clerk JS: toAuth() is null
    location = urlsplit(state.location or "")
    assert (location.scheme, location.netloc) == ("http", "localhost:3000")
    assert parse_qs(location.query)["__clerk_synced"] == ["true"]
    # The policy case: the same request with a target that is not one of the app's origins.
    state = run(engine_for(prim), browser(url, cookies=cookies))
    assert state.reason != "primary-responds-to-syncing"
    assert "localhost:3000" not in (state.location or "")


# JS: 'cookieToken: primary responds to syncing takes precedence over dev-browser-sync in
# multi-domain flow'
def test_cookietoken_primary_responds_to_syncing_takes_precedence_over_dev_browser_sync(
    fake_clock: FakeClock, run: Runner
) -> None:
    prim = instance(fake_clock, "development", satellite_domain=None)
    query = urlencode(
        {
            "__clerk_redirect_url": "http://localhost:3001/dashboard",
            "__clerk_db_jwt": prim.dev_browser_token,
        }
    )
    cookies = {
        "__client_uat": "12345",
        "__session": token(prim),
        "__clerk_db_jwt": prim.dev_browser_token,
    }
    engine = engine_for(prim, authorized_parties=["http://localhost:3001"])
    state = run(engine, browser(f"http://example.test/sign-in?{query}", cookies=cookies))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "primary-responds-to-syncing")
    assert not state.message
    location = state.location or ""
    assert "localhost:3001/dashboard" in location
    assert "__clerk_synced=true" in location


# JS: 'cookieToken: primary responds to syncing overwrites __clerk_synced=false with
# __clerk_synced=true (no duplicates)'
def test_cookietoken_primary_responds_to_syncing_overwrites_clerk_synced_false_with_true(
    fake_clock: FakeClock, run: Runner
) -> None:
    prim = instance(fake_clock, "development", satellite_domain=None)
    query = urlencode(
        {
            "__clerk_redirect_url": "http://localhost:3001/dashboard?__clerk_synced=false",
            "__clerk_db_jwt": prim.dev_browser_token,
        }
    )
    cookies = {
        "__client_uat": "12345",
        "__session": token(prim),
        "__clerk_db_jwt": prim.dev_browser_token,
    }
    engine = engine_for(prim, authorized_parties=["http://localhost:3001"])
    state = run(engine, browser(f"http://example.test/sign-in?{query}", cookies=cookies))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "primary-responds-to-syncing")
    location = state.location or ""
    assert "__clerk_synced=true" in location
    assert "__clerk_synced=false" not in location
    assert parse_qs(urlsplit(location).query)["__clerk_synced"] == ["true"]


# JS: 'cookieToken: returns signedIn when satellite but valid token and clientUat'
def test_cookietoken_returns_signedin_when_satellite_but_valid_token_and_clientuat(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "development", satellite_domain="localhost:3001")
    engine = engine_for(sat, sign_in_url="https://localhost:3000/sign-in/")
    state = run(
        engine,
        browser(
            cookies={
                "__clerk_db_jwt": "deadbeef",
                "__client_uat": str(int(T - 100)),
                "__session": token(sat),
            },
            sec_fetch_dest="empty",
            referer="https://clerk.com",
        ),
    )
    assert state.status is AuthStatus.SIGNED_IN
    auth = state.to_auth()
    assert isinstance(auth, SessionAuth)
    assert (auth.user_id, auth.session_id) == ("user_1", "sess_1")


# JS: describe('POST requests with sec-fetch-dest: document') 'returns signed out instead of
# handshake for satellite app needing sync'
def test_post_returns_signed_out_instead_of_handshake_for_satellite_app_needing_sync(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "production")
    for auto_sync in (False, True):
        state = run(
            engine_for(sat, satellite_auto_sync=auto_sync),
            browser(cookies={"__client_uat": "0"}, method="POST"),
        )
        assert (state.status, state.reason) == (
            AuthStatus.SIGNED_OUT,
            "session-token-and-uat-missing",
        )
        assert state.location is None


# =============================================================================================
# authenticateContext.test.ts: describe('relative proxyUrl resolution')
# (the engine exposes the Frontend API it resolved through the handshake URL it builds)
# =============================================================================================


def handshake_base(state: RequestState) -> str:
    location = state.location or ""
    assert "/v1/client/handshake?" in location, location
    return location.split("/v1/client/handshake?", 1)[0]


# JS: 'resolves relative proxyUrl against forwarded origin'
def test_resolves_relative_proxyurl_against_forwarded_origin(
    fake_clock: FakeClock, run: Runner
) -> None:
    prim = instance(fake_clock, "production", satellite_domain=None, proxy_url="/__clerk")
    # Policy (docs/reliability.md, difference 7): X-Forwarded-* are read only when trusted.
    engine = engine_for(prim, trust_forwarded_headers=True, allowed_hosts=["myapp.test"])
    req = browser(
        "http://localhost:3000/path",
        cookies={"__client_uat": "12345"},
        x_forwarded_proto="https",
        x_forwarded_host="myapp.test",
    )
    assert handshake_base(run(engine, req)) == "https://myapp.test/__clerk"


# JS: 'does not modify absolute proxyUrl'
def test_does_not_modify_absolute_proxyurl(fake_clock: FakeClock, run: Runner) -> None:
    prim = instance(
        fake_clock,
        "production",
        satellite_domain=None,
        proxy_url="https://custom.proxy.test/__clerk",
    )
    engine = engine_for(prim, trust_forwarded_headers=True, allowed_hosts=["myapp.test"])
    req = browser(
        "http://localhost:3000/path",
        cookies={"__client_uat": "12345"},
        x_forwarded_proto="https",
        x_forwarded_host="myapp.test",
    )
    assert handshake_base(run(engine, req)) == "https://custom.proxy.test/__clerk"


# JS: 'resolves relative proxyUrl without forwarded headers using request origin'
def test_resolves_relative_proxyurl_without_forwarded_headers_using_request_origin(
    fake_clock: FakeClock, run: Runner
) -> None:
    prim = instance(fake_clock, "production", satellite_domain=None, proxy_url="/__clerk")
    engine = engine_for(prim, allowed_hosts=["localhost:3000"])
    req = browser("http://localhost:3000/path", cookies={"__client_uat": "12345"})
    assert handshake_base(run(engine, req)) == "http://localhost:3000/__clerk"


# =============================================================================================
# Production satellites: the issuer and the suffix rule (issue 12, deviation 4)
# =============================================================================================


def test_production_satellite_signs_in_a_bearer_token_with_its_own_issuer(
    fake_clock: FakeClock, run: Runner
) -> None:
    # @clerk/backend parsePublishableKey(pk, {domain, isSatellite}): a production satellite's
    # Frontend API is clerk.<domain>, and its session tokens carry that issuer. Clerk JS signs
    # them in; the engine used to answer token-verification-failed.
    sat = instance(fake_clock, "production")
    satellite_token = token(sat)
    assert sat.issuer == "https://clerk.satellite.test"
    state = run(
        engine_for(sat),
        browser("https://satellite.test/api", authorization=f"Bearer {satellite_token}"),
    )
    assert state.status is AuthStatus.SIGNED_IN
    assert state.token_source == "header"
    # The primary's issuer stays accepted (Policy 3: every Frontend API identity of the instance).
    primary_token = token(sat, claims={"iss": "https://clerk.primary.test"})
    state = run(
        engine_for(sat),
        browser("https://satellite.test/api", authorization=f"Bearer {primary_token}"),
    )
    assert state.status is AuthStatus.SIGNED_IN


@pytest.mark.parametrize("suffixed", ["none", "both", "suffixed-only"])
def test_production_satellite_signs_in_its_session_cookies(
    fake_clock: FakeClock, run: Runner, suffixed: str
) -> None:
    # AuthenticateContext.tokenBelongsToInstance compares iss with originalFrontendApi
    # (clerk.<domain> for a production satellite). The engine compared it with the primary's
    # host, took the satellite's own cookies for another app's and signed the user out
    # (session-token-and-uat-missing).
    sat = instance(fake_clock, "production")
    tok = token(sat)
    sfx = sat.cookie_suffix
    uat = str(int(T - 100))
    cookies = {
        "none": {"__session": tok, "__client_uat": uat},
        "both": {
            "__session": tok,
            "__client_uat": uat,
            f"__session_{sfx}": tok,
            f"__client_uat_{sfx}": uat,
        },
        "suffixed-only": {f"__session_{sfx}": tok, f"__client_uat_{sfx}": uat},
    }[suffixed]
    state = run(engine_for(sat), browser("https://satellite.test/page", cookies=cookies))
    assert state.status is AuthStatus.SIGNED_IN, state.reason
    assert state.token == tok


@pytest.mark.parametrize("other_iss", ["https://clerk.primary.test", "https://clerk.other.test"])
def test_production_satellite_trusts_suffixed_cookies_over_another_apps_unsuffixed_one(
    fake_clock: FakeClock, run: Runner, other_iss: str
) -> None:
    # tokenBelongsToInstance: an un-suffixed __session whose iss is not the satellite's own
    # Frontend API (originalFrontendApi, clerk.<domain>; not the primary's host) belongs to
    # another app: Clerk reads the suffixed cookies (checked against @clerk/backend 3.25).
    sat = instance(fake_clock, "production")
    other = sat.session_token(
        "user_other", iat=T - 30, lifetime=120, azp=False, claims={"iss": other_iss}
    )
    mine = token(sat)
    sfx = sat.cookie_suffix
    uat = str(int(T - 100))
    cookies = {
        "__session": other,
        "__client_uat": uat,
        f"__session_{sfx}": mine,
        f"__client_uat_{sfx}": uat,
    }
    state = run(engine_for(sat), browser("https://satellite.test/page", cookies=cookies))
    assert state.status is AuthStatus.SIGNED_IN
    assert state.token == mine


def test_satellite_cookie_suffix_hashes_the_publishable_key_as_configured(
    fake_clock: FakeClock,
) -> None:
    # createAuthenticateContext: getCookieSuffix(options.publishableKey): the key as given, never
    # one re-encoded for the satellite's Frontend API.
    sat = instance(fake_clock, "production")
    options = sat.options(allowed_hosts=["satellite.test"])
    assert options.cookie_suffix == cookie_suffix(sat.publishable_key)
    reencoded = "pk_live_" + base64.b64encode(b"clerk.satellite.test$").decode()
    assert options.cookie_suffix != cookie_suffix(reencoded.rstrip("="))
    assert options.frontend_api == "clerk.primary.test"
    assert options.satellite_frontend_api == "clerk.satellite.test"


def test_satellite_rejects_tokens_of_other_issuers(fake_clock: FakeClock, run: Runner) -> None:
    # Policy 3 (stricter than Clerk JS, which checks iss only when given an issuer option): only
    # the instance's own Frontend API identities. Clerk JS would sign these in.
    sat = instance(fake_clock, "production")
    for iss in (
        "https://clerk.evil.test",
        "https://clerk.satellite.test.evil.test",
        "http://clerk.satellite.test",
        "clerk.satellite.test",
        "https://clerk.satellite.test/",
        "https://satellite.test",
    ):
        bad = token(sat, claims={"iss": iss})
        state = run(
            engine_for(sat), browser("https://satellite.test/api", authorization=f"Bearer {bad}")
        )
        assert (state.status, state.reason) == (
            AuthStatus.SIGNED_OUT,
            "token-verification-failed",
        ), iss


def test_development_satellite_keeps_the_primary_frontend_api(
    fake_clock: FakeClock, run: Runner
) -> None:
    # parsePublishableKey: only production satellites take clerk.<domain>; a development
    # satellite's tokens come from the primary's (development) Frontend API.
    sat = instance(fake_clock, "development")
    assert sat.issuer == "https://clerk.primary.test"
    options = sat.options()
    assert options.satellite_frontend_api is None
    assert options.issuers == ("https://clerk.primary.test",)
    good = token(sat)
    state = run(
        engine_for(sat), browser("https://satellite.test/api", authorization=f"Bearer {good}")
    )
    assert state.status is AuthStatus.SIGNED_IN
    # Policy 3: clerk.<domain> is no identity of a development satellite (Clerk JS: not checked).
    bad = token(sat, claims={"iss": "https://clerk.satellite.test"})
    state = run(
        engine_for(sat), browser("https://satellite.test/api", authorization=f"Bearer {bad}")
    )
    assert state.reason == "token-verification-failed"


def test_production_satellite_handshake_carries_its_cookie_token(
    fake_clock: FakeClock, run: Runner
) -> None:
    # A satellite's expired cookie token is sent through its own Frontend API's handshake.
    sat = instance(fake_clock, "production")
    expired = sat.session_token("user_1", iat=T - 200, lifetime=60, azp=False)
    cookies = {"__session": expired, "__client_uat": str(int(T - 300))}
    state = run(engine_for(sat), browser("https://satellite.test/page", cookies=cookies))
    assert state.status is AuthStatus.HANDSHAKE
    assert state.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    location = urlsplit(state.location or "")
    assert location.netloc == "clerk.satellite.test"
    query = parse_qs(location.query)
    assert query["__session"] == [expired]
    assert query["suffixed_cookies"] == ["false"]


# =============================================================================================
# satellite_auto_sync with cookies, and the proxy issuers
# =============================================================================================


@pytest.mark.parametrize("kind", ["production", "development"])
def test_satellite_auto_sync_with_cookies_goes_on_to_verify_them(
    fake_clock: FakeClock, run: Runner, kind: str
) -> None:
    # request.ts: "If cookies exist, fall through to normal token verification flow (enables
    # refresh)" whatever satelliteAutoSync says.
    sat = instance(fake_clock, kind)
    cookies = {"__session": token(sat), "__client_uat": str(int(T - 100))}
    if kind == "development":
        cookies["__clerk_db_jwt"] = sat.dev_browser_token
    state = run(
        engine_for(sat, satellite_auto_sync=True),
        browser("https://satellite.test/page", cookies=cookies),
    )
    assert state.status is AuthStatus.SIGNED_IN


def test_satellite_auto_sync_production_handshake_goes_to_the_satellite_frontend_api(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = instance(fake_clock, "production")
    state = run(engine_for(sat, satellite_auto_sync=True), browser("https://satellite.test/page"))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "satellite-needs-syncing")
    location = urlsplit(state.location or "")
    assert location.netloc == "clerk.satellite.test"
    assert parse_qs(location.query)["__clerk_hs_reason"] == ["satellite-needs-syncing"]
    # Through a proxy, the proxy is the Frontend API (parsePublishableKey: proxyUrl wins).
    proxied = instance(fake_clock, "production", proxy_url="https://satellite.test/__clerk")
    state = run(
        engine_for(proxied, satellite_auto_sync=True), browser("https://satellite.test/page")
    )
    assert handshake_base(state) == "https://satellite.test/__clerk"


@pytest.mark.parametrize(
    ("iss", "signed_in"),
    [
        ("https://proxy.test/__clerk", True),
        ("https://proxy.test", True),
        ("https://clerk.primary.test", True),
        ("https://proxy.test/__clerk/", False),
        ("https://proxy.test/other", False),
        ("https://clerk.proxy.test", False),
    ],
)
def test_absolute_proxy_url_and_its_origin_are_issuers(
    fake_clock: FakeClock, run: Runner, iss: str, signed_in: bool
) -> None:
    # Policy 3: with a proxy, the proxy URL and its origin are Frontend API identities too.
    prim = instance(
        fake_clock, "production", satellite_domain=None, proxy_url="https://proxy.test/__clerk/"
    )
    tok = token(prim, claims={"iss": iss})
    state = run(engine_for(prim), browser("https://app.test/api", authorization=f"Bearer {tok}"))
    assert state.is_authenticated is signed_in, state.reason


def test_relative_proxy_url_issuer_is_on_the_requests_trusted_origin(
    fake_clock: FakeClock, run: Runner
) -> None:
    prim = instance(fake_clock, "production", satellite_domain=None, proxy_url="/__clerk")
    engine = engine_for(prim, allowed_hosts=["app.test"])
    for iss in ("https://app.test/__clerk", "https://app.test"):
        tok = token(prim, claims={"iss": iss})
        state = run(engine, browser("https://app.test/api", authorization=f"Bearer {tok}"))
        assert state.is_authenticated, iss
    # Another host (not allowed) never makes its own origin an issuer.
    tok = token(prim, claims={"iss": "https://evil.test/__clerk"})
    state = run(engine, browser("https://evil.test/api", authorization=f"Bearer {tok}"))
    assert state.reason == "token-verification-failed"
    # verify_token has no request: only the instance's fixed identities.
    assert engine.verify_token(token(prim))["sub"] == "user_1"


# =============================================================================================
# Options
# =============================================================================================

PK_LIVE = "pk_live_Y2xlcmsucHJpbWFyeS50ZXN0JA"  # clerk.primary.test


def test_satellite_auto_sync_defaults_to_false_and_reads_the_environment() -> None:
    base = {
        "CLERK_PUBLISHABLE_KEY": PK_LIVE,
        "CLERK_IS_SATELLITE": "true",
        "CLERK_DOMAIN": "sat.test",
    }
    assert ClerkOptions(publishable_key=PK_LIVE).satellite_auto_sync is False
    assert ClerkOptions.from_env(base).satellite_auto_sync is False
    for raw, value in (
        ("true", True),
        ("1", True),
        (" TRUE ", True),
        ("false", False),
        ("0", False),
    ):
        assert (
            ClerkOptions.from_env({**base, "CLERK_SATELLITE_AUTO_SYNC": raw}).satellite_auto_sync
            is value
        )
    with pytest.raises(ClerkConfigurationError, match="CLERK_SATELLITE_AUTO_SYNC"):
        ClerkOptions.from_env({**base, "CLERK_SATELLITE_AUTO_SYNC": "sometimes"})
    with pytest.raises(ClerkConfigurationError, match="satellite_auto_sync"):
        ClerkOptions(publishable_key=PK_LIVE, satellite_auto_sync="yes")  # type: ignore[arg-type]


def test_satellite_issuers_are_derived_from_the_options() -> None:
    options = ClerkOptions(publishable_key=PK_LIVE, is_satellite=True, domain="Sat.Test")
    assert options.satellite_frontend_api == "clerk.sat.test"
    assert options.issuers == ("https://clerk.primary.test", "https://clerk.sat.test")
    proxied = ClerkOptions(publishable_key=PK_LIVE, proxy_url="https://App.test/__clerk/")
    assert proxied.satellite_frontend_api is None
    assert proxied.issuers == (
        "https://clerk.primary.test",
        "https://App.test/__clerk",
        "https://app.test",
    )
    assert ClerkOptions(publishable_key=PK_LIVE, proxy_url="/__clerk").issuers == (
        "https://clerk.primary.test",
    )


@pytest.mark.parametrize(
    "domain", ["https://sat.test", "sat.test/path", "sat test", "user@sat.test", ".sat.test"]
)
def test_domain_must_be_a_host_name(domain: str) -> None:
    with pytest.raises(ClerkConfigurationError, match="domain") as info:
        ClerkOptions(publishable_key=PK_LIVE, is_satellite=True, domain=domain)
    assert "CLERK_DOMAIN" in str(info.value)


@pytest.mark.parametrize(
    "proxy",
    [
        "app.test/__clerk",
        "//app.test/__clerk",
        "ftp://app.test/x",
        "/__clerk?x=1",
        "https://user@app.test/",
    ],
)
def test_proxy_url_must_be_absolute_or_a_path(proxy: str) -> None:
    with pytest.raises(ClerkConfigurationError, match="proxy_url"):
        ClerkOptions(publishable_key=PK_LIVE, proxy_url=proxy)


# authenticateContext.test.ts describe('auto-proxy for eligible hosts'): 'auto-derives proxyUrl
# when Vercel env vars indicate production vercel.app' and 'explicit proxyUrl takes precedence
# over auto-detection'. Policy (docs/reliability.md "Satellites and proxies"): Clerk JS derives
# proxyUrl '/__clerk' from VERCEL_TARGET_ENV / VERCEL_PROJECT_PRODUCTION_URL because its Next.js
# middleware also serves that proxy; this library serves none, so it never derives one.
def test_no_proxy_url_is_derived_from_vercel_environment_variables() -> None:
    vercel = {
        "CLERK_PUBLISHABLE_KEY": PK_LIVE,
        "VERCEL_TARGET_ENV": "production",
        "VERCEL_PROJECT_PRODUCTION_URL": "myapp-abc123.vercel.app",
    }
    assert ClerkOptions.from_env(vercel).proxy_url is None
    explicit = ClerkOptions.from_env(
        {**vercel, "CLERK_PROXY_URL": "https://custom-proxy.test/__clerk"}
    )
    assert explicit.proxy_url == "https://custom-proxy.test/__clerk"
