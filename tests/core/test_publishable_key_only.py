"""Verification with only a publishable key (docs/publishable-key-only.md).

Without a secret key or ``jwt_key`` the engine loads its signing keys from the Frontend API's
``/.well-known/jwks.json`` through the same guarded cache as the Backend API JWKS; anything that
needs the Backend API fails with a ``ClerkConfigurationError`` naming the secret key. Everything
here talks to the local instance only: its in-memory transport, or a loopback server.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkConfigurationError,
    ClerkOptions,
    RequestState,
    RequestView,
)
from clerk_core.doctor import check_key_mode, exit_code, run_checks
from clerk_core.keys import JWKSCache
from clerk_core.testing import LocalClerkInstance, LocalFrontendAPI, public_jwk
from clerk_core.users import current_user, current_user_async
from tests.conftest import FakeClock
from tests.jwks_server import JWKSServer

T = 1_700_000_000.0
Runner = Callable[..., RequestState]
SECRET_WORDS = ("sk_test_", "sk_live_", "Bearer sk_")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T)


@pytest.fixture
def prod(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.pkonly.test",
        authorized_parties=("https://app.example",),
        clock=clock,
    )


@pytest.fixture
def dev(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(frontend_api="clerk.pkonly-dev.test", clock=clock)


def pk_only(instance: LocalClerkInstance, **overrides: Any) -> Clerk:
    """An engine with the publishable key and nothing secret, on the instance's transport."""
    return instance.clerk(secret_key=None, webhook_signing_secret=None, **overrides)


def bearer(token: str) -> RequestView:
    return RequestView(
        "GET",
        "https://app.example/api",
        {"host": "app.example", "authorization": f"Bearer {token}"},
    )


def page(cookies: dict[str, str], path: str = "/dashboard", **headers: str) -> RequestView:
    hdrs = {
        "host": "app.example",
        "sec-fetch-dest": "document",
        "accept": "text/html",
        "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        **headers,
    }
    return RequestView("GET", f"https://app.example{path}", hdrs)


def assert_no_secret_sent(instance: LocalClerkInstance) -> None:
    """Every request the engine made was a credential-free GET of the Frontend API JWKS."""
    assert instance.requests, "the engine fetched nothing"
    for request in instance.requests:
        assert request.method == "GET"
        assert request.url.path.endswith("/.well-known/jwks.json"), request.url
        assert "authorization" not in request.headers
        assert not any(word in str(request.url) for word in SECRET_WORDS)
    assert instance.jwks_requests == 0


# ------------------------------------------------------------------ verification
def test_a_session_token_verifies_with_only_the_publishable_key(
    prod: LocalClerkInstance, run: Runner
) -> None:
    engine = pk_only(prod)
    assert engine.options.secret_key is None
    assert engine.options.publishable_key_only
    assert isinstance(engine.keys, JWKSCache)
    assert engine.keys.source == "frontend_api"
    state = run(engine, bearer(prod.session_token("user_1", org_id="org_1", org_role="org:admin")))
    auth = state.to_auth()
    assert (state.status, auth.user_id, auth.org_role) == (
        AuthStatus.SIGNED_IN,
        "user_1",
        "org:admin",
    )
    assert prod.frontend_jwks_requests == 1
    assert [str(r.url) for r in prod.requests] == [
        "https://clerk.pkonly.test/.well-known/jwks.json"
    ]
    assert_no_secret_sent(prod)


def test_a_session_cookie_verifies_with_only_the_publishable_key(
    prod: LocalClerkInstance, run: Runner
) -> None:
    engine = pk_only(prod)
    token = prod.session_token("user_cookie", iat=int(T) - 1, lifetime=600)
    state = run(engine, page({"__session": token, "__client_uat": str(int(T) - 100)}))
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_cookie")
    assert_no_secret_sent(prod)


def test_the_checks_still_apply_without_a_secret_key(prod: LocalClerkInstance, run: Runner) -> None:
    """Fail closed: a token of another key, another issuer or another party is refused."""
    engine = pk_only(prod)
    assert run(engine, bearer(prod.session_token())).is_authenticated
    assert run(engine, bearer(prod.other_key_token())).reason == "token-invalid-signature"
    assert run(engine, bearer(prod.bad_signature_token())).reason == "token-invalid-signature"
    assert run(engine, bearer(prod.wrong_azp_token())).reason == "token-invalid-authorized-parties"
    foreign = prod.session_token(claims={"iss": "https://clerk.elsewhere.test"})
    assert run(engine, bearer(foreign)).reason == "token-verification-failed"  # Policy 3
    assert run(engine, bearer(prod.jwt_template_token())).reason == "token-type-mismatch"
    expired = run(engine, bearer(prod.expired_token()))
    assert expired.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    assert run(engine, bearer(prod.unknown_kid_token())).reason == "jwk-kid-mismatch"


def test_verify_token_sync_and_async(prod: LocalClerkInstance) -> None:
    engine = pk_only(prod)
    assert engine.verify_token(prod.session_token("user_v"))["sub"] == "user_v"
    claims = asyncio.run(engine.verify_token_async(prod.session_token("user_w")))
    assert claims["sub"] == "user_w"
    assert prod.frontend_jwks_requests == 1


# ------------------------------------------------------------------ where the keys come from
@pytest.mark.parametrize(
    ("overrides", "url"),
    [
        ({}, "https://clerk.pkonly.test/.well-known/jwks.json"),
        (
            {"proxy_url": "https://app.example/__clerk/"},
            "https://app.example/__clerk/.well-known/jwks.json",
        ),
        ({"proxy_url": "/__clerk"}, "https://clerk.pkonly.test/.well-known/jwks.json"),
        (
            {"is_satellite": True, "domain": "sat.example"},
            "https://clerk.sat.example/.well-known/jwks.json",
        ),
    ],
    ids=["primary", "absolute-proxy", "relative-proxy", "production-satellite"],
)
def test_the_jwks_url_is_the_frontend_api_the_browser_uses(
    prod: LocalClerkInstance, overrides: dict[str, Any], url: str
) -> None:
    options = prod.options(secret_key=None, **overrides)
    assert options.frontend_jwks_url == url
    engine = Clerk(options)
    assert isinstance(engine.keys, JWKSCache)
    assert engine.keys.url == url
    engine.close()


def test_a_development_satellite_uses_the_keys_frontend_api(dev: LocalClerkInstance) -> None:
    options = dev.options(
        secret_key=None,
        is_satellite=True,
        domain="sat.example",
        sign_in_url="https://primary.example/sign-in",
    )
    assert options.frontend_jwks_url == "https://clerk.pkonly-dev.test/.well-known/jwks.json"


def test_an_absolute_proxy_is_where_the_keys_are_fetched(
    prod: LocalClerkInstance, run: Runner
) -> None:
    engine = pk_only(prod, proxy_url="https://app.example/__clerk")
    assert run(engine, bearer(prod.session_token("user_p"))).to_auth().user_id == "user_p"
    assert [str(r.url) for r in prod.requests] == [
        "https://app.example/__clerk/.well-known/jwks.json"
    ]


def test_live_keys_refuse_a_plain_http_key_source(prod: LocalClerkInstance) -> None:
    with pytest.raises(ClerkConfigurationError, match=r"proxy_url .* must be an https URL") as info:
        prod.options(secret_key=None, proxy_url="http://app.example/__clerk")
    assert "CLERK_SECRET_KEY" in str(info.value)
    # With a secret key or jwt_key the proxy is not the key source; on loopback it may be http.
    prod.options(proxy_url="http://app.example/__clerk")
    prod.options(secret_key=None, jwt_key=prod.jwt_key, proxy_url="http://app.example/__clerk")
    prod.options(secret_key=None, proxy_url="http://127.0.0.1:8000/__clerk")


def test_development_keys_may_use_a_plain_http_proxy(dev: LocalClerkInstance) -> None:
    url = dev.options(secret_key=None, proxy_url="http://app.example/__clerk").frontend_jwks_url
    assert url == "http://app.example/__clerk/.well-known/jwks.json"


def test_no_keys_at_all_still_fails_at_start_up() -> None:
    with pytest.raises(ClerkConfigurationError, match="Missing publishable key"):
        Clerk(ClerkOptions())
    assert ClerkOptions().frontend_jwks_url is None
    assert not ClerkOptions().publishable_key_only


# ------------------------------------------------------------------ rotation
def test_key_rotation_through_the_frontend_api_jwks(
    prod: LocalClerkInstance, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = pk_only(prod, token_cache_size=0)
    old = prod.session_token("user_old", lifetime=3600)
    assert engine.authenticate_request(bearer(old)).is_authenticated
    new_jwk = public_jwk(prod.other_private_key, "ins_new")
    monkeypatch.setattr(prod, "jwks", lambda: {"keys": [new_jwk, prod.jwk()]})
    new = prod.sign(
        prod.session_claims("user_new", lifetime=3600),
        key=prod.other_private_key,
        headers={"kid": "ins_new"},
    )
    clock.advance(10)  # inside the unknown-kid cooldown: no second fetch yet
    assert engine.authenticate_request(bearer(new)).reason == "jwk-kid-mismatch"
    assert prod.frontend_jwks_requests == 1
    clock.advance(30)
    assert engine.authenticate_request(bearer(new)).to_auth().user_id == "user_new"
    assert engine.authenticate_request(bearer(old)).is_authenticated
    assert prod.frontend_jwks_requests == 2
    # The old key leaves the set: after the next refresh its tokens fail.
    monkeypatch.setattr(prod, "jwks", lambda: {"keys": [new_jwk]})
    clock.advance(300)  # past the TTL: served stale once while the set refreshes
    engine.authenticate_request(bearer(new))
    wait_idle(engine)
    assert engine.authenticate_request(bearer(old)).reason == "jwk-kid-mismatch"
    assert engine.authenticate_request(bearer(new)).is_authenticated
    assert_no_secret_sent(prod)


def wait_idle(engine: Clerk) -> None:
    keys = engine.keys
    assert isinstance(keys, JWKSCache)
    for _ in range(400):
        if keys._flight is None:
            return
        threading.Event().wait(0.005)
    raise AssertionError("the background refresh did not finish")


# ------------------------------------------------------------------ outages (in memory)
class Outage:
    """The instance's transport, with the Frontend API JWKS failing while ``down``."""

    def __init__(self, instance: LocalClerkInstance, failure: str) -> None:
        self.instance = instance
        self.failure = failure
        self.down = False
        self.fetches = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.down:
            if self.failure == "refused":
                raise httpx.ConnectError("refused", request=request)
            if self.failure == "html":
                return httpx.Response(200, text="<html>captive portal</html>")
            return httpx.Response(503, json={"errors": [{"code": "unavailable"}]})
        return self.instance.transport().handle_request(request)

    def engine(self) -> Clerk:
        transport = httpx.MockTransport(self)
        return Clerk(
            self.instance.options(secret_key=None, token_cache_size=0),
            http_client=httpx.Client(transport=transport),
            async_http_client=httpx.AsyncClient(transport=transport),
            clock=self.instance.clock,
        )


@pytest.mark.parametrize("failure", ["503", "refused", "html"])
def test_stale_if_error_keeps_sessions_verified_through_an_outage(
    prod: LocalClerkInstance, clock: FakeClock, failure: str
) -> None:
    outage = Outage(prod, failure)
    engine = outage.engine()
    assert engine.authenticate_request(bearer(prod.session_token())).is_authenticated
    outage.down = True
    clock.advance(300)  # the TTL ends as the Frontend API goes down
    for _ in range(120):
        clock.advance(5)  # ten minutes
        state = engine.authenticate_request(bearer(prod.session_token()))
        assert state.is_authenticated, state.reason
        wait_idle(engine)
    assert outage.fetches <= 1 + 16  # the back-off bounds the refresh attempts
    clock.advance(3600)  # past the stale window with no good fetch: fail closed
    state = engine.authenticate_request(bearer(prod.session_token()))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "jwk-remote-failed-to-load")
    outage.down = False
    clock.advance(120)  # the back-off has passed: the next request loads the keys again
    assert engine.authenticate_request(bearer(prod.session_token())).is_authenticated


def test_stale_if_error_async(prod: LocalClerkInstance, clock: FakeClock) -> None:
    outage = Outage(prod, "503")
    engine = outage.engine()

    async def scenario() -> None:
        assert (
            await engine.authenticate_request_async(bearer(prod.session_token()))
        ).is_authenticated
        outage.down = True
        clock.advance(300)
        for _ in range(60):
            clock.advance(1)
            state = await engine.authenticate_request_async(bearer(prod.session_token()))
            assert state.is_authenticated, state.reason
            await asyncio.sleep(0)
        clock.advance(3600)
        await asyncio.sleep(0.05)
        state = await engine.authenticate_request_async(bearer(prod.session_token()))
        assert state.reason == "jwk-remote-failed-to-load"

    asyncio.run(scenario())


def test_a_cold_outage_is_signed_out_never_an_error(prod: LocalClerkInstance, run: Runner) -> None:
    outage = Outage(prod, "refused")
    outage.down = True
    state = run(outage.engine(), bearer(prod.session_token()))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "jwk-remote-failed-to-load")
    assert "clerk.pkonly.test/.well-known/jwks.json" in (state.message or "")


# ------------------------------------------------------------------ the cache over loopback
@pytest.fixture
def fapi(prod: LocalClerkInstance) -> Iterator[JWKSServer]:
    server = JWKSServer([prod.jwk()])
    server.path = "/__clerk/.well-known/jwks.json"
    yield server
    server.close()


def loopback_engine(prod: LocalClerkInstance, fapi: JWKSServer, clock: FakeClock) -> Clerk:
    options = prod.options(
        secret_key=None,
        proxy_url=f"{fapi.api_url}/__clerk",
        token_cache_size=0,
        jwks_fetch_timeout=1.0,
        jwks_connect_timeout=1.0,
    )
    return Clerk(options, clock=clock)


def test_single_flight_over_loopback(
    prod: LocalClerkInstance, fapi: JWKSServer, clock: FakeClock
) -> None:
    engine = loopback_engine(prod, fapi, clock)
    fapi.gate = threading.Event()
    tokens = [prod.session_token(f"user_{i}") for i in range(16)]
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(engine.authenticate_request, bearer(t)) for t in tokens]
        threading.Event().wait(0.1)
        fapi.gate.set()
        states = [f.result() for f in futures]
    assert all(s.is_authenticated for s in states)
    assert fapi.gets == 1
    assert fapi.max_in_flight == 1
    assert fapi.paths == ["/__clerk/.well-known/jwks.json"]
    assert "authorization" not in fapi.headers[0]
    engine.close()


@pytest.mark.parametrize("outage", ["http-500", "hang", "huge-body", "connection-refused"])
def test_outages_over_loopback_serve_the_cached_keys(
    prod: LocalClerkInstance, fapi: JWKSServer, clock: FakeClock, outage: str
) -> None:
    engine = loopback_engine(prod, fapi, clock)
    assert engine.authenticate_request(bearer(prod.session_token())).is_authenticated
    if outage == "connection-refused":
        fapi.close()
    else:
        fapi.scenario = outage
    clock.advance(300)
    for _ in range(30):
        clock.advance(2)
        assert engine.authenticate_request(bearer(prod.session_token())).is_authenticated
    wait_idle(engine)
    clock.advance(3600)
    assert engine.authenticate_request(bearer(prod.session_token())).reason == (
        "jwk-remote-failed-to-load"
    )
    engine.close()


def test_a_frontend_api_401_is_not_a_bad_secret_key(
    prod: LocalClerkInstance,
    fapi: JWKSServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fapi.scenario = "http-401-invalid-secret"
    engine = loopback_engine(prod, fapi, clock)
    with caplog.at_level(logging.WARNING, logger="clerk_core.keys"):
        state = engine.authenticate_request(bearer(prod.session_token()))
    assert state.reason == "jwk-remote-failed-to-load"
    assert not any("secret key" in r.getMessage() for r in caplog.records)
    engine.close()


# ------------------------------------------------------------------ expired sessions, handshake
def expired_page(instance: LocalClerkInstance, *, refresh: bool) -> RequestView:
    s = instance.cookie_suffix
    cookies = {
        f"__session_{s}": instance.expired_token("user_r"),
        f"__client_uat_{s}": str(int(T) - 500),
    }
    if refresh:
        cookies[instance.refresh_cookie_name] = instance.refresh_token("user_r")
    return page(cookies)


@pytest.mark.parametrize("refresh", [True, False], ids=["refresh-cookie", "no-refresh-cookie"])
def test_an_expired_session_goes_through_the_handshake_token_not_a_nonce(
    prod: LocalClerkInstance, run: Runner, refresh: bool
) -> None:
    """Refresh needs the Backend API, so an expired session cookie on a page request is sent
    through the handshake (Clerk's reason for a missing API client), asking for the signed
    handshake token: no ``format=nonce``, which only the Backend API could redeem."""
    engine = pk_only(prod)
    state = run(engine, expired_page(prod, refresh=refresh))
    assert state.status == AuthStatus.HANDSHAKE
    error = "missing-api-client" if refresh else "non-eligible-no-refresh-cookie"
    assert state.reason == f"session-token-expired-refresh-{error}"
    location = dict(state.headers)["location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith("https://clerk.pkonly.test/v1/client/handshake?")
    assert "format" not in query
    assert query["__clerk_hs_reason"] == [state.reason]
    assert all("/sessions/" not in r.url.path for r in prod.requests)


def test_with_a_secret_key_the_handshake_still_asks_for_a_nonce(
    prod: LocalClerkInstance, run: Runner
) -> None:
    state = run(prod.clerk(), expired_page(prod, refresh=False))
    query = parse_qs(urlsplit(dict(state.headers)["location"]).query)
    assert query["format"] == ["nonce"]


def test_an_expired_session_on_an_api_request_is_signed_out(
    prod: LocalClerkInstance, run: Runner
) -> None:
    request = expired_page(prod, refresh=True)
    api = RequestView(
        "GET",
        request.url,
        {**dict(request.headers), "sec-fetch-dest": "empty", "accept": "application/json"},
    )
    state = run(pk_only(prod), api)
    assert state.status == AuthStatus.SIGNED_OUT
    assert state.reason == "session-token-expired-refresh-missing-api-client"
    assert "location" not in dict(state.headers)


def test_the_handshake_token_returns_verified_with_the_frontend_api_jwks(
    prod: LocalClerkInstance, run: Runner
) -> None:
    engine = pk_only(prod)
    fresh = prod.session_token("user_back", iat=int(T) - 1, lifetime=600)
    directives = [
        f"__session={fresh}; Path=/; Secure; SameSite=Lax",
        f"__client_uat={int(T) - 1}; Path=/; Secure; SameSite=Lax",
    ]
    handshake = prod.handshake_token(directives)
    state = run(engine, page({"__clerk_handshake": handshake}))
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_back")
    set_cookies = [v for k, v in state.headers if k == "set-cookie"]
    assert set_cookies == directives
    # A handshake token signed by another key sets nothing.
    forged = prod.sign(
        {"handshake": directives, "iat": int(T), "exp": int(T) + 60},
        key=prod.other_private_key,
        headers={"cat": None},
    )
    state = run(engine, page({"__clerk_handshake": forged}))
    assert state.status == AuthStatus.SIGNED_OUT
    assert not [v for k, v in state.headers if k == "set-cookie"]
    assert_no_secret_sent(prod)


def test_a_handshake_nonce_is_never_taken_to_the_backend_api(
    prod: LocalClerkInstance, run: Runner
) -> None:
    engine = pk_only(prod)
    cookie = prod.session_token("user_cookie", iat=int(T) - 1, lifetime=600)
    state = run(
        engine,
        page(
            {"__session": cookie, "__client_uat": str(int(T) - 100)},
            path="/dashboard?__clerk_handshake_nonce=nonce_0123456789abcdef",
        ),
    )
    assert state.to_auth().user_id == "user_cookie"
    assert_no_secret_sent(prod)


# ------------------------------------------------------------------ what needs the Backend API
def test_the_backend_api_is_a_clear_configuration_error(prod: LocalClerkInstance) -> None:
    engine = pk_only(prod)
    for attribute in ("backend_api", "backend_api_async"):
        with pytest.raises(ClerkConfigurationError, match="Missing secret key") as info:
            getattr(engine, attribute)
        message = str(info.value)
        assert "secret_key (CLERK_SECRET_KEY)" in message
        assert "'sk_test_...' or 'sk_live_...' key from the API keys page" in message


def test_current_user_and_template_tokens_name_the_missing_key(prod: LocalClerkInstance) -> None:
    engine = pk_only(prod)
    token = prod.session_token("user_u")
    auth = engine.authenticate_request(bearer(token)).to_auth()
    assert auth.user_id == "user_u"
    with pytest.raises(ClerkConfigurationError, match="CLERK_SECRET_KEY"):
        current_user(engine, auth)
    with pytest.raises(ClerkConfigurationError, match="CLERK_SECRET_KEY"):
        asyncio.run(current_user_async(engine, auth))
    with pytest.raises(ClerkConfigurationError, match="CLERK_SECRET_KEY"):
        auth.get_token(template="supabase")
    assert auth.get_token() == token  # the request's own token needs no Backend API


@pytest.mark.parametrize(
    "accepts", ["api_key", "oauth_token", ["session_token", "api_key"], ["oauth_token"]]
)
def test_accepting_tokens_the_backend_api_verifies_fails_at_start_up(
    prod: LocalClerkInstance, accepts: Any
) -> None:
    with pytest.raises(ClerkConfigurationError, match="Missing secret key") as info:
        pk_only(prod, accepts_token=accepts)
    assert "CLERK_SECRET_KEY" in str(info.value)


def test_asking_for_them_per_request_fails_the_same_way(prod: LocalClerkInstance) -> None:
    engine = pk_only(prod)
    with pytest.raises(ClerkConfigurationError, match="Missing secret key"):
        engine.authenticate_request(bearer(prod.api_key("user_1")), accepts_token="api_key")
    with pytest.raises(ClerkConfigurationError, match="m2m_token"):
        engine.authenticate_request(bearer(prod.m2m_token()), accepts_token="any")


def test_m2m_tokens_with_a_machine_secret_key_beside_the_publishable_key(
    prod: LocalClerkInstance, run: Runner
) -> None:
    """The machine secret key verifies M2M tokens; sessions still use the Frontend API JWKS."""
    engine = pk_only(
        prod,
        accepts_token=["session_token", "m2m_token"],
        machine_secret_key=prod.machine_secret_key,
    )
    machine = run(engine, bearer(prod.m2m_token("mch_local")))
    assert machine.is_authenticated
    assert machine.token_type == "m2m_token"
    assert run(engine, bearer(prod.session_token("user_s"))).to_auth().user_id == "user_s"
    assert prod.jwks_requests == 0
    assert prod.frontend_jwks_requests == 1


# ------------------------------------------------------------------ the local instance
def test_the_local_frontend_serves_its_jwks() -> None:
    frontend = LocalFrontendAPI()
    request = RequestView(
        "GET", "http://127.0.0.1:8000/__clerk/.well-known/jwks.json", {"host": "127.0.0.1:8000"}
    )
    response = frontend.handle(request)
    assert response is not None
    assert response.status == 200
    assert httpx.Response(200, content=response.body).json() == frontend.instance.jwks()
    assert frontend.instance.frontend_jwks_requests == 1


def test_the_loopback_server_serves_the_frontend_api_jwks(prod: LocalClerkInstance) -> None:
    with prod.serve() as server:
        options = prod.options(secret_key=None, proxy_url=f"{server.url}/__clerk")
        engine = Clerk(options, clock=prod.clock)
        assert engine.authenticate_request(bearer(prod.session_token("user_l"))).is_authenticated
        root = httpx.get(f"{server.url}/.well-known/jwks.json")
        backend = httpx.get(f"{server.url}/v1/jwks")
        engine.close()
    assert root.json() == prod.jwks()
    assert backend.status_code == 401  # the Backend API's JWKS still needs the secret key
    assert prod.frontend_jwks_requests == 2


# ------------------------------------------------------------------ the doctor
def test_the_doctor_reports_the_mode(prod: LocalClerkInstance) -> None:
    options = prod.options(secret_key=None)
    result = check_key_mode(options)
    assert result.status == "ok"
    assert "Publishable key only" in result.message
    assert "https://clerk.pkonly.test/.well-known/jwks.json" in result.message
    results = run_checks(
        lambda: options,
        publishable_key=prod.publishable_key,
        secret_key=None,
        network=False,
        environ={},
    )
    by_id = {r.id: r for r in results}
    assert by_id["key_mode"].status == "ok"
    assert by_id["secret_key"].status == "warning"
    assert "publishable key" in by_id["secret_key"].message
    assert exit_code(results) == 0
    relative = check_key_mode(prod.options(secret_key=None, proxy_url="/__clerk"))
    assert "relative proxy_url /__clerk" in relative.message
    assert "jwt_key" in check_key_mode(prod.options(jwt_key=prod.jwt_key)).message
    assert "Backend API JWKS" in check_key_mode(prod.options()).message


def test_the_doctor_names_the_usual_mode_in_the_secret_key_result(
    prod: LocalClerkInstance,
) -> None:
    options = prod.options()
    results = run_checks(
        lambda: options,
        publishable_key=prod.publishable_key,
        secret_key=prod.secret_key,
        network=False,
        environ={},
    )
    assert "key_mode" not in {r.id for r in results}


def test_the_doctor_command_passes_a_publishable_key_only_set_up() -> None:
    """``python -m clerk_core doctor`` on an app with only the publishable key: the Frontend API
    answers, the missing secret key is a warning (not an error), and the mode is reported."""
    import io
    import json

    from clerk_core.__main__ import main
    from tests.doctor_kit import both_apis, environ_for

    instance = LocalClerkInstance()
    env = environ_for(instance)
    del env["CLERK_SECRET_KEY"]
    out = io.StringIO()
    with httpx.Client(transport=both_apis(instance)) as client:
        code = main(["doctor", "--json"], http_client=client, environ=env, stdout=out)
    results = {r["id"]: r for r in json.loads(out.getvalue())}
    assert code == 0
    assert results["key_mode"]["status"] == "ok"
    assert results["frontend_api"]["status"] == "ok"
    assert results["secret_key"]["status"] == "warning"
    assert results["backend_api"]["status"] == "warning"
