"""The handshake's return trip cannot be abused (Policy 12), sync and async.

A handshake nonce or token signs a browser in, so: only a GET navigation resolves one, never over an
``Authorization`` header; a handshake token's time claims hold; a nonce of the wrong shape or one
already presented costs no Backend API call; a failed redemption reads the request's own cookies;
and the development return trip obeys the redirect-loop limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import AuthStatus, RequestState, RequestView, TokenVerificationError
from clerk_core.handshake import (
    FAILED_REDEMPTIONS_BURST,
    FAILED_REDEMPTIONS_INTERVAL,
    PRESENTED_NONCES_TTL,
    PresentedNonces,
    RedemptionBudget,
    check_handshake_times,
    nonce_is_well_formed,
)
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

T = 1_700_000_000.0
Runner = Callable[..., RequestState]


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(T)


@pytest.fixture
def prod(fake_clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.prod.test",
        authorized_parties=("https://app.example",),
        clock=fake_clock,
    )


@pytest.fixture
def dev(fake_clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="development",
        frontend_api="clerk.dev.test",
        authorized_parties=("https://app.example",),
        clock=fake_clock,
    )


def token_for(instance: LocalClerkInstance, user: str) -> str:
    """A session token valid for ten minutes from T."""
    return instance.session_token(user, iat=T - 1, lifetime=600)


def directives_for(instance: LocalClerkInstance, user: str) -> list[str]:
    return [
        f"__session={token_for(instance, user)}; Path=/; Secure; SameSite=Lax",
        f"__client_uat={int(T) - 1}; Path=/; Secure; SameSite=Lax",
    ]


def request(
    query: str = "",
    *,
    method: str = "GET",
    cookies: dict[str, str] | None = None,
    **headers: str,
) -> RequestView:
    """A browser navigation to https://app.example/ unless headers say otherwise ("" removes one)."""
    hdrs = {"host": "app.example", "sec-fetch-dest": "document", "accept": "text/html"}
    if cookies:
        hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    for name, value in headers.items():
        name = name.replace("_", "-")
        if value == "":
            hdrs.pop(name, None)
        else:
            hdrs[name] = value
    return RequestView(method, f"https://app.example/{query}", hdrs)


def set_cookies(state: RequestState) -> list[str]:
    return [value for name, value in state.headers if name.lower() == "set-cookie"]


def redemptions(instance: LocalClerkInstance) -> int:
    return sum(1 for r in instance.requests if r.url.path.endswith("/clients/handshake_payload"))


# ------------------------------------------------------------------ GET navigations only
CARRIERS = ["query", "cookie"]


def carrying(kind: str, value: str, carrier: str, **kwargs: Any) -> RequestView:
    name = "__clerk_handshake_nonce" if kind == "nonce" else "__clerk_handshake"
    if carrier == "query":
        return request(f"?{name}={value}", **kwargs)
    return request(cookies={name: value, **kwargs.pop("cookies", {})}, **kwargs)


def return_trip(instance: LocalClerkInstance, kind: str, user: str) -> str:
    if kind == "nonce":
        return instance.backend.handshake_nonce(directives_for(instance, user))
    return instance.handshake_token(directives_for(instance, user))


@pytest.mark.parametrize("kind", ["nonce", "token"])
@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize(
    ("method", "headers"),
    [
        # A cross-site form POST is a document navigation too: the method is what gives it away.
        ("POST", {"origin": "https://evil.example", "sec_fetch_site": "cross-site"}),
        ("PUT", {}),
        ("PATCH", {}),
        ("DELETE", {}),
        # HEAD: no browser comes back from Clerk with one, and a link checker must not spend it.
        ("HEAD", {}),
        # A fetch() from a page, or a script's request for JSON: not a navigation.
        ("GET", {"sec_fetch_dest": "empty", "accept": "*/*"}),
        ("GET", {"sec_fetch_dest": "", "accept": "application/json"}),
        ("GET", {"sec_fetch_dest": "image", "accept": "image/*"}),
    ],
)
def test_only_a_get_navigation_resolves_a_handshake(
    prod: LocalClerkInstance,
    run: Runner,
    kind: str,
    carrier: str,
    method: str,
    headers: dict[str, str],
) -> None:
    engine = prod.clerk()
    value = return_trip(prod, kind, "user_attacker")
    state = run(engine, carrying(kind, value, carrier, method=method, **headers))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert state.to_auth().user_id is None
    assert set_cookies(state) == []
    assert state.header("access-control-allow-origin") is None
    assert redemptions(prod) == 0  # the nonce was not even spent
    # The same value on a GET navigation is a genuine return trip (so the refusal above was the
    # method or the request's kind, nothing else).
    state = run(engine, carrying(kind, value, carrier))
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_attacker")
    assert set_cookies(state) == directives_for(prod, "user_attacker")


def test_a_navigation_known_by_its_accept_header_resolves_one(
    prod: LocalClerkInstance, run: Runner
) -> None:
    # Browsers without Sec-Fetch-* headers: Accept text/html marks the navigation (as for handshakes).
    nonce = prod.backend.handshake_nonce(directives_for(prod, "user_old_browser"))
    state = run(prod.clerk(), request(f"?__clerk_handshake_nonce={nonce}", sec_fetch_dest=""))
    assert state.to_auth().user_id == "user_old_browser"


def test_a_post_with_a_handshake_token_in_development_is_not_redirected(
    dev: LocalClerkInstance, run: Runner
) -> None:
    token = dev.handshake_token(directives_for(dev, "user_attacker"))
    state = run(dev.clerk(), request(f"?__clerk_handshake={token}", method="POST"))
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.location is None
    assert set_cookies(state) == []


# ------------------------------------------------------------------ the Authorization header wins
@pytest.mark.parametrize("kind", ["nonce", "token"])
@pytest.mark.parametrize("carrier", CARRIERS)
def test_the_authorization_header_wins_over_a_handshake(
    prod: LocalClerkInstance, run: Runner, kind: str, carrier: str
) -> None:
    engine = prod.clerk()
    value = return_trip(prod, kind, "user_attacker")
    bearer = f"Bearer {token_for(prod, 'user_owner')}"
    state = run(engine, carrying(kind, value, carrier, authorization=bearer))
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_owner")
    assert set_cookies(state) == []
    # An empty Bearer header carries no token, yet still is no place for a handshake to sign in.
    for empty in ("Bearer", "bearer  ", "BEARER\t"):
        state = run(engine, carrying(kind, value, carrier, authorization=empty))
        assert state.status is AuthStatus.SIGNED_OUT, empty
        assert set_cookies(state) == []
    assert redemptions(prod) == 0


def test_a_basic_authorization_header_does_not_block_the_return_trip(
    prod: LocalClerkInstance, run: Runner
) -> None:
    # A browser sends Basic credentials on every navigation to a site behind HTTP authentication
    # (a staging server); they carry no Clerk token, so the handshake still completes.
    nonce = prod.backend.handshake_nonce(directives_for(prod, "user_staging"))
    req = request(f"?__clerk_handshake_nonce={nonce}", authorization="Basic dXNlcjpwYXNz")
    assert run(prod.clerk(), req).to_auth().user_id == "user_staging"


# ------------------------------------------------------------------ handshake token time claims
@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize(
    "claims",
    [
        {"iat": T - 400 * 86_400, "exp": T - 365 * 86_400},  # expired a year ago
        {"iat": T - 120, "exp": T - 6},  # expired just beyond the 5 s skew
        {"nbf": T + 6},  # not valid yet
        {"iat": T + 6},  # issued in the future
        {"exp": "9999999999"},  # a time claim must be a number
        {"nbf": True},
        {"exp": float("inf")},
    ],
)
def test_a_handshake_token_outside_its_times_is_ignored(
    prod: LocalClerkInstance, run: Runner, carrier: str, claims: dict[str, Any]
) -> None:
    engine = prod.clerk()
    token = prod.handshake_token(directives_for(prod, "user_attacker"), claims=claims)
    state = run(engine, carrying("token", token, carrier))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert set_cookies(state) == []
    assert prod.jwks_requests == 0  # refused before any key lookup


@pytest.mark.parametrize(
    "claims",
    [
        {},  # iat now, exp in a minute
        {"iat": T + 5, "nbf": T + 5},  # within the skew
        {"iat": None, "exp": None},  # no time claims at all: as in Clerk JS
        {"iat": T - 120, "exp": T - 4},  # expired, but within the skew
    ],
)
def test_a_handshake_token_within_its_times_signs_in(
    prod: LocalClerkInstance, run: Runner, claims: dict[str, Any]
) -> None:
    token = prod.handshake_token(directives_for(prod, "user_back"), claims=claims)
    state = run(prod.clerk(), request(f"?__clerk_handshake={token}"))
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_back")


def test_handshake_time_claims_unit() -> None:
    check_handshake_times({}, now=T, skew=5)
    check_handshake_times({"exp": T + 1, "nbf": T, "iat": T}, now=T, skew=0)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"exp": T}, "token-expired"),
        ({"nbf": T + 1}, "token-not-active-yet"),
        ({"iat": T + 1}, "token-iat-in-the-future"),
        ({"iat": float("nan")}, "token-verification-failed"),
        ({"exp": None}, "token-verification-failed"),
    ]
    for payload, reason in cases:
        with pytest.raises(TokenVerificationError) as caught:
            check_handshake_times(payload, now=T, skew=0)
        assert caught.value.reason == reason, payload


# ------------------------------------------------------------------ nonce shape
JUNK_NONCES = [
    "abc",  # too short to be an unguessable id
    "a" * 257,  # too long
    "nonce%20with%20spaces",
    "nonce_%0d%0aSet-Cookie:%20x=1",  # CR LF
    "nonce%00_________",
    "nonce_%26x%3D1_______",  # '&'
    "nonce_%3Fx_________",  # '?'
    "nonce_%23frag______",  # '#'
    "nonce_%25252e______",  # '%'
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "n%C3%B6nce_unicode_____",
    "nonce_%22quoted%22_____",
]


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("junk", JUNK_NONCES)
def test_a_nonce_of_the_wrong_shape_costs_no_backend_api_call(
    prod: LocalClerkInstance, run: Runner, carrier: str, junk: str
) -> None:
    engine = prod.clerk()
    cookies = {"__session": token_for(prod, "user_cookie"), "__client_uat": str(int(T) - 100)}
    if carrier == "query":
        req = request(f"?__clerk_handshake_nonce={junk}", cookies=cookies)
    else:
        req = request(cookies={"__clerk_handshake_nonce": junk, **cookies})
    for _ in range(3):
        state = run(engine, req)
        assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_cookie")
    assert redemptions(prod) == 0


def test_nonce_shape_unit() -> None:
    for good in ("nonce_0123abcd", "a" * 256, "2ZxY-_.~09", "dGhpcyBpcyBiYXNlNjQ+/w=="):
        assert nonce_is_well_formed(good), good
    for bad in ("", "short", "a" * 257, "has space_", "new\nline__", "ünïcode__", "a&b=c_____"):
        assert not nonce_is_well_formed(bad), bad


# ------------------------------------------------------------------ presented nonces
def test_an_unknown_nonce_repeated_costs_one_call_until_it_is_forgotten(
    prod: LocalClerkInstance, run: Runner, fake_clock: FakeClock
) -> None:
    engine = prod.clerk()
    junk = "nonce_0000000000000000"  # well shaped, but Clerk never issued it
    for _ in range(20):
        state = run(engine, request(f"?__clerk_handshake_nonce={junk}"))
        assert (state.status, state.reason) == (
            AuthStatus.SIGNED_OUT,
            "session-token-and-uat-missing",
        )
    assert redemptions(prod) == 1
    fake_clock.advance(PRESENTED_NONCES_TTL - 1)
    run(engine, request(f"?__clerk_handshake_nonce={junk}"))
    assert redemptions(prod) == 1
    fake_clock.advance(2)  # forgotten: the next request asks again
    run(engine, request(f"?__clerk_handshake_nonce={junk}"))
    assert redemptions(prod) == 2
    # Per engine: another engine has its own memory.
    run(prod.clerk(), request(f"?__clerk_handshake_nonce={junk}"))
    assert redemptions(prod) == 3


def test_concurrent_requests_with_one_nonce_make_one_call(prod: LocalClerkInstance) -> None:
    engine = prod.clerk()
    junk = "nonce_1111111111111111"

    async def burst() -> list[RequestState]:
        req = request(f"?__clerk_handshake_nonce={junk}")
        return await asyncio.gather(*(engine.authenticate_request_async(req) for _ in range(20)))

    states = asyncio.run(burst())
    assert {s.status for s in states} == {AuthStatus.SIGNED_OUT}
    assert redemptions(prod) == 1


def test_a_redeemed_nonce_replayed_costs_no_call(prod: LocalClerkInstance, run: Runner) -> None:
    # Production keeps the nonce in the address bar until Clerk's script removes it, so a reload
    # sends it again: by then the browser has the cookies the first answer set.
    engine = prod.clerk()
    nonce = prod.backend.handshake_nonce(directives_for(prod, "user_back"))
    first = run(engine, request(f"?__clerk_handshake_nonce={nonce}"))
    assert first.to_auth().user_id == "user_back"
    cookies = {"__session": token_for(prod, "user_back"), "__client_uat": str(int(T) - 1)}
    again = run(engine, request(f"?__clerk_handshake_nonce={nonce}", cookies=cookies))
    assert (again.status, again.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_back")
    assert set_cookies(again) == []
    assert redemptions(prod) == 1


def test_distinct_junk_nonces_spend_a_small_budget_then_pause(
    prod: LocalClerkInstance, run: Runner, fake_clock: FakeClock
) -> None:
    engine = prod.clerk()
    for i in range(20):
        state = run(engine, request(f"?__clerk_handshake_nonce=nonce_{i:016d}"))
        assert state.status is AuthStatus.SIGNED_OUT
    assert redemptions(prod) == FAILED_REDEMPTIONS_BURST
    # A real nonce arriving during the flood is not redeemed: the visitor's cookies decide.
    nonce = prod.backend.handshake_nonce(directives_for(prod, "user_real"))
    assert run(engine, request(f"?__clerk_handshake_nonce={nonce}")).to_auth().user_id is None
    # Failures are earned back with time, and a good redemption costs nothing from the budget.
    fake_clock.advance(FAILED_REDEMPTIONS_INTERVAL)
    nonce = prod.backend.handshake_nonce(directives_for(prod, "user_real"))
    assert (
        run(engine, request(f"?__clerk_handshake_nonce={nonce}")).to_auth().user_id == "user_real"
    )
    nonce = prod.backend.handshake_nonce(directives_for(prod, "user_next"))
    assert (
        run(engine, request(f"?__clerk_handshake_nonce={nonce}")).to_auth().user_id == "user_next"
    )
    assert redemptions(prod) == FAILED_REDEMPTIONS_BURST + 2


def test_redemption_budget_unit() -> None:
    budget = RedemptionBudget(burst=2, interval=10)
    assert budget.allows(T)
    budget.spend(T)
    budget.spend(T)
    assert not budget.allows(T + 9)
    assert budget.allows(T + 10)
    budget.spend(T + 10)
    assert not budget.allows(T + 10)
    assert budget.allows(T + 1000)  # refills to the burst, no further
    budget.spend(T + 1000)
    budget.spend(T + 1000)
    assert not budget.allows(T + 1000)
    assert not budget.allows(T)  # a clock that goes back earns nothing


def test_presented_nonces_are_bounded() -> None:
    nonces = PresentedNonces(size=3, ttl=60)
    assert [nonces.claim(f"nonce_{i:010d}", T) for i in range(4)] == [True] * 4
    assert len(nonces) == 3
    assert nonces.claim("nonce_0000000000", T)  # the oldest went first
    assert not nonces.claim("nonce_0000000003", T)
    assert PresentedNonces(size=0, ttl=60).claim("nonce_0000000000", T)


# ------------------------------------------------------------------ failed redemption falls through
@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("failure", ["unknown", "server-error", "no-directives"])
def test_a_failed_redemption_reads_the_requests_cookies(
    prod: LocalClerkInstance, run: Runner, carrier: str, failure: str
) -> None:
    engine = prod.clerk()
    nonce = "nonce_stale_0123456789"
    if failure == "server-error":
        nonce = prod.backend.handshake_nonce(directives_for(prod, "user_other"))
        prod.backend.fail_next(503)
    elif failure == "no-directives":
        prod.backend.handshake_payloads[nonce] = "not a list"  # type: ignore[assignment]
    cookies = {"__session": token_for(prod, "user_cookie"), "__client_uat": str(int(T) - 100)}
    if carrier == "query":
        req = request(f"?__clerk_handshake_nonce={nonce}", cookies=cookies)
    else:
        req = request(cookies={"__clerk_handshake_nonce": nonce, **cookies})
    for _ in range(5):  # a stale nonce cookie rides along on every request
        state = run(engine, req)
        assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_cookie")
        assert set_cookies(state) == []
    assert redemptions(prod) == 1


def test_a_nonce_without_a_secret_key_reads_the_cookies(prod: LocalClerkInstance) -> None:
    # Networkless verification (jwt_key, no secret key) cannot redeem a nonce.
    engine = prod.clerk(networkless=True, secret_key=None)
    cookies = {"__session": token_for(prod, "user_cookie"), "__client_uat": str(int(T) - 100)}
    state = engine.authenticate_request(
        request("?__clerk_handshake_nonce=nonce_0123456789abcdef", cookies=cookies)
    )
    assert state.to_auth().user_id == "user_cookie"
    assert prod.requests == []


# ------------------------------------------------------------------ the development loop limit
def test_the_development_return_trip_obeys_the_redirect_limit(
    dev: LocalClerkInstance, run: Runner
) -> None:
    """A handshake cookie that no directive clears used to redirect to the same URL forever."""
    engine = dev.clerk()
    token = dev.handshake_token([f"__session={token_for(dev, 'user_dev')}; Path=/"])
    jar = {"__clerk_handshake": token, "__clerk_db_jwt": dev.dev_browser_token}
    redirects = 0
    for _ in range(10):  # a browser following every redirect
        state = run(engine, request("page?x=1", cookies=jar))
        if state.location is None:
            break
        redirects += 1
        assert state.status is AuthStatus.SIGNED_IN  # Clerk's status, with a Location
        assert state.location == "https://app.example/page?x=1"
        counter = [c for c in set_cookies(state) if c.startswith("__clerk_redirect_count=")]
        assert counter == [f"__clerk_redirect_count={redirects}; SameSite=Lax; HttpOnly; Max-Age=2"]
        jar["__clerk_redirect_count"] = str(redirects)
    assert redirects == 3
    # Past the limit the request goes on, signed in and setting the cookies, as in production.
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_dev")
    assert f"__session={token_for(dev, 'user_dev')}; Path=/" in set_cookies(state)


def test_a_stale_nonce_cookie_in_development_neither_loops_nor_signs_out(
    dev: LocalClerkInstance, run: Runner
) -> None:
    engine = dev.clerk()
    jar = {**dev.cookies(token_for(dev, "user_dev")), "__clerk_handshake_nonce": "nonce_gone_0123"}
    for _ in range(3):
        state = run(engine, request(cookies=jar))
        assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_dev")
        assert state.location is None
    assert redemptions(dev) == 1
