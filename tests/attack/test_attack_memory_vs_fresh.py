"""Attack probes on the verified-token memory and the remembered-cookie fast path.

The question each probe asks: can a request be signed in from the memory when an engine that has
never seen the token (an empty memory, so the full cookie or header flow with a real decode and
verification) would sign it out or send it to the handshake? A warm engine (its memory filled from a
Bearer header, a cookie, or ``verify_token``) and a cold engine must answer every request alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import Clerk, RequestView
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

HOST = "app.example"
ORIGIN = f"https://{HOST}"


def outcome(state: Any) -> tuple[Any, ...]:
    auth = state.to_auth()
    return (state.status, state.reason, state.token_source, type(auth).__name__, auth.user_id)


def cookie_request(
    jar: str, *, url: str = f"{ORIGIN}/", method: str = "GET", **headers: str
) -> RequestView:
    return RequestView(method, url, {"host": HOST, "cookie": jar, **headers})


def bearer_request(token: str, *, url: str = f"{ORIGIN}/api") -> RequestView:
    return RequestView("GET", url, {"host": HOST, "authorization": f"Bearer {token}"})


def make_instance(clock: FakeClock, **kwargs: Any) -> LocalClerkInstance:
    values: dict[str, Any] = {
        "instance_type": "production",
        "frontend_api": "clerk.attack.test",
        "authorized_parties": (ORIGIN,),
        "clock": clock,
    }
    values.update(kwargs)
    return LocalClerkInstance(**values)


Warm = Callable[[Clerk, str], Any]


def warm_by_bearer(engine: Clerk, token: str) -> Any:
    return engine.authenticate_request(bearer_request(token))


def warm_by_cookie(engine: Clerk, token: str) -> Any:
    return engine.authenticate_request(cookie_request(f"__session={token}; __client_uat=1"))


def warm_by_verify_token(engine: Clerk, token: str) -> Any:
    try:
        return engine.verify_token(token)
    except Exception:
        return None


WARMERS = {"bearer": warm_by_bearer, "cookie": warm_by_cookie, "verify_token": warm_by_verify_token}


def compare(
    instance: LocalClerkInstance,
    clock: FakeClock,
    token: str,
    requests: list[RequestView],
    warm: Warm,
    **options: Any,
) -> None:
    """Every request answers on the warm engine as on a cold one (a fresh engine per request)."""
    warm_engine = instance.clerk(networkless=True, clock=clock, **options)
    warm(warm_engine, token)
    for request in requests:
        cold = instance.clerk(networkless=True, clock=clock, **options)
        expected = outcome(cold.authenticate_request(request))
        got = outcome(warm_engine.authenticate_request(request))
        assert got == expected, request


def jars(instance: LocalClerkInstance, token: str, now: int) -> list[str]:
    suffix = instance.cookie_suffix
    return [
        f"__session={token}; __client_uat={now - 100}",
        f"__session={token}; __client_uat={now + 100}",  # client_uat newer than iat
        f"__session={token}; __client_uat={now}",  # equal
        f"__session={token}; __client_uat=0",
        f"__session={token}; __client_uat=",
        f"__session={token}; __client_uat=-5",
        f"__session={token}; __client_uat=abc",
        f"__session={token}; __client_uat=1e20",
        f"__session={token}; __client_uat={'9' * 40}",
        f"__session={token}; __client_uat= {now + 100}",
        f"__session={token}; __client_uat=+{now + 100}",
        f"__session={token}",
        f"__session={token}; __client_uat={now - 100}; __client_uat={now + 100}",
        f"__session={token}; __client_uat={now + 100}; __client_uat={now - 100}",
        # suffixed / un-suffixed mismatches
        f"__session_{suffix}={token}; __client_uat_{suffix}={now - 100}",
        f"__session_{suffix}={token}; __client_uat={now - 100}",
        f"__session={token}; __client_uat_{suffix}={now - 100}",
        f"__session={token}; __client_uat={now - 100}; __client_uat_{suffix}={now + 100}",
        f"__session={token}; __client_uat={now - 100}; __client_uat_{suffix}=0",
        f"__session_{suffix}={token}; __client_uat_{suffix}={now + 100}; __client_uat={now - 100}",
        f"__session={token}; __session_{suffix}=junk; __client_uat_{suffix}={now - 100}; "
        f"__client_uat={now - 100}",
        # handshake cookies
        f"__session={token}; __client_uat={now - 100}; __clerk_handshake=junk",
        f"__session={token}; __client_uat={now - 100}; __clerk_handshake_nonce=junk",
        f"__session={token}; __client_uat={now - 100}; __clerk_redirect_count=99",
    ]


URLS = [
    f"{ORIGIN}/",
    f"{ORIGIN}/?",
    f"{ORIGIN}/?__clerk_handshake=junk",
    f"{ORIGIN}/?__clerk_handshake_nonce=junk",
    f"{ORIGIN}/?__clerk_synced=true",
    f"{ORIGIN}/?__clerk_db_jwt=dvb_x",
    f"{ORIGIN}/?__clerk_redirect_url=https://evil.example/",
    f"{ORIGIN}/orgs/org_other",
]

HEADERS: list[dict[str, str]] = [
    {},
    {"sec-fetch-dest": "document", "accept": "text/html"},
    {"sec-fetch-dest": "document", "referer": "https://evil.example/"},
]


@pytest.mark.parametrize("warm", WARMERS, ids=list(WARMERS))
@pytest.mark.parametrize(
    "kind",
    ["production", "development", "satellite-production", "satellite-development"],
)
def test_a_warm_engine_answers_cookies_as_a_cold_one(
    clock: FakeClock, warm: str, kind: str
) -> None:
    satellite = kind.startswith("satellite")
    instance = make_instance(
        clock,
        instance_type="development" if kind.endswith("development") else "production",
        satellite_domain="sat.example" if satellite else None,
    )
    now = int(clock.now)
    token = instance.session_token("user_victim", lifetime=3600, org_id="org_1", org_slug="one")
    options: dict[str, Any] = {} if satellite else {"organization_patterns": ["/orgs/:id"]}
    requests = [
        cookie_request(jar, url=url, method=method, **extra)
        for jar in jars(instance, token, now)
        for url in URLS
        for extra in HEADERS
        for method in ("GET", "POST")
    ]
    compare(instance, clock, token, requests, WARMERS[warm], **options)


@pytest.mark.parametrize("warm", WARMERS, ids=list(WARMERS))
def test_a_warm_engine_answers_bearer_tokens_as_a_cold_one(clock: FakeClock, warm: str) -> None:
    instance = make_instance(clock)
    token = instance.session_token("user_victim", lifetime=3600)
    requests = [
        bearer_request(token),
        bearer_request(token, url=f"{ORIGIN}/api?__clerk_handshake=junk"),
        RequestView(
            "GET",
            f"{ORIGIN}/api",
            {"host": HOST, "authorization": f"Bearer {token}", "cookie": "__client_uat=9999999999"},
        ),
    ]
    compare(instance, clock, token, requests, WARMERS[warm])


# ------------------------------------------------------------------ tokens that must never be remembered
def hostile_tokens(instance: LocalClerkInstance, clock: FakeClock) -> dict[str, str]:
    now = int(clock.now)
    return {
        "wrong-azp": instance.session_token(azp="https://evil.example", lifetime=3600),
        "no-azp": instance.session_token(azp=False, lifetime=3600),
        "other-issuer": instance.session_token(claims={"iss": "https://clerk.evil.test"}),
        "machine-sub": instance.session_token("mch_robot", lifetime=3600),
        "m2m-category": instance.session_token(headers={"cat": "cl_B7d4PM"}, lifetime=3600),
        "template-category": instance.session_token(headers={"cat": "cl_template"}),
        "oauth-typ": instance.session_token(headers={"typ": "at+jwt"}),
        "pending": instance.session_token(sts="pending", lifetime=3600),
        "future-iat": instance.session_token(iat=now + 3600),
        "future-nbf": instance.session_token(claims={"nbf": now + 3600}),
        "expired": instance.session_token(iat=now - 7200, lifetime=60),
        "no-sid": instance.sign(instance.session_claims(claims={"sid": None})),
        "other-key": instance.sign(instance.session_claims(), key=instance.other_private_key),
    }


@pytest.mark.parametrize("warm", WARMERS, ids=list(WARMERS))
@pytest.mark.parametrize("mode", [None, "session_token", "any", ("session_token", "api_key")])
def test_hostile_tokens_answer_alike_warm_or_cold(clock: FakeClock, warm: str, mode: Any) -> None:
    instance = make_instance(clock)
    now = int(clock.now)
    for name, token in hostile_tokens(instance, clock).items():
        warm_engine = instance.clerk(networkless=True, clock=clock)
        WARMERS[warm](warm_engine, token)
        for request in (
            bearer_request(token),
            cookie_request(f"__session={token}; __client_uat={now - 7200}"),
        ):
            cold = instance.clerk(networkless=True, clock=clock)
            kwargs = {} if mode is None else {"accepts_token": mode}
            expected = outcome(cold.authenticate_request(request, **kwargs))
            got = outcome(warm_engine.authenticate_request(request, **kwargs))
            assert got == expected, name


@pytest.mark.parametrize("mode", ["api_key", "m2m_token", "oauth_token", ("api_key", "m2m_token")])
def test_a_remembered_session_token_is_refused_where_only_machine_tokens_are_accepted(
    clock: FakeClock, mode: Any
) -> None:
    instance = make_instance(clock)
    now = int(clock.now)
    token = instance.session_token(lifetime=3600)
    engine = instance.clerk(networkless=True, clock=clock)
    assert warm_by_bearer(engine, token).is_authenticated
    for request in (
        bearer_request(token),
        cookie_request(f"__session={token}; __client_uat={now - 100}"),
    ):
        state = engine.authenticate_request(request, accepts_token=mode)
        assert not state.is_authenticated


@pytest.mark.parametrize("warm", WARMERS, ids=list(WARMERS))
def test_expiry_with_skew_answers_alike_warm_or_cold(clock: FakeClock, warm: str) -> None:
    instance = make_instance(clock)
    token = instance.session_token(lifetime=60)
    start = clock.now
    for offset in (59, 60, 64, 64.999, 65, 65.001, 66, 120):
        clock.now = start
        engine = instance.clerk(networkless=True, clock=clock)
        WARMERS[warm](engine, token)
        clock.now = start + offset
        for request in (
            bearer_request(token),
            cookie_request(f"__session={token}; __client_uat={int(start) - 10}"),
        ):
            cold = instance.clerk(networkless=True, clock=clock)
            assert outcome(engine.authenticate_request(request)) == outcome(
                cold.authenticate_request(request)
            ), offset


def test_a_token_of_another_instance_is_not_found_in_this_ones_memory(clock: FakeClock) -> None:
    mine = make_instance(clock)
    theirs = make_instance(clock, frontend_api="clerk.other.test", kid="ins_other")
    token = theirs.session_token(lifetime=3600)
    their_engine = theirs.clerk(networkless=True, clock=clock)
    my_engine = mine.clerk(networkless=True, clock=clock)
    assert warm_by_bearer(their_engine, token).is_authenticated
    assert not warm_by_bearer(my_engine, token).is_authenticated
    jar = f"__session={token}; __client_uat=1"
    assert not my_engine.authenticate_request(cookie_request(jar)).is_authenticated


def test_a_relative_proxy_issuer_is_not_served_to_another_host(clock: FakeClock) -> None:
    """A token whose iss is the relative proxy on app.example verifies there; on another host it
    must not be found already verified."""
    instance = make_instance(clock, proxy_url="/__clerk")
    token = instance.session_token(claims={"iss": f"{ORIGIN}/__clerk"}, lifetime=3600)
    engine = instance.clerk(
        networkless=True, clock=clock, allowed_hosts=(HOST, "evil.example"), authorized_parties=()
    )
    assert engine.authenticate_request(bearer_request(token)).is_authenticated
    other = RequestView(
        "GET",
        "https://evil.example/api",
        {"host": "evil.example", "authorization": f"Bearer {token}"},
    )
    cold = instance.clerk(
        networkless=True, clock=clock, allowed_hosts=(HOST, "evil.example"), authorized_parties=()
    )
    assert outcome(engine.authenticate_request(other)) == outcome(cold.authenticate_request(other))
    assert not engine.authenticate_request(other).is_authenticated


# Found by the attack review (was a strict xfail until fixed).
def test_a_clock_stepping_back_does_not_serve_a_not_yet_valid_token(clock: FakeClock) -> None:
    instance = make_instance(clock)
    token = instance.session_token(lifetime=7200)
    engine = instance.clerk(networkless=True, clock=clock)
    assert warm_by_bearer(engine, token).is_authenticated
    clock.now -= 600  # an NTP step back, or a token verified on a clock that ran ahead
    cold = instance.clerk(networkless=True, clock=clock)
    request = bearer_request(token)
    assert not cold.authenticate_request(request).is_authenticated
    assert outcome(engine.authenticate_request(request)) == outcome(
        cold.authenticate_request(request)
    )


def test_a_rotated_key_stops_serving_remembered_tokens(clock: FakeClock) -> None:
    """JWKS without the signing key (a revoked key): remembered tokens it signed are refused."""
    instance = make_instance(clock)
    engine = instance.clerk(clock=clock)
    token = instance.session_token(lifetime=3600)
    jar = f"__session={token}; __client_uat={int(clock.now) - 100}"
    assert engine.authenticate_request(cookie_request(jar)).is_authenticated
    # The instance rotates: the old key leaves the JWKS; the engine refetches for a new kid.
    rotated = make_instance(clock, kid="ins_rotated")
    rotated.private_key = rotated.other_private_key
    instance.kid = "ins_rotated"
    instance.private_key = rotated.private_key
    fresh = instance.session_token(lifetime=3600)
    clock.advance(400)  # past the JWKS refetch interval for an unknown kid
    assert engine.authenticate_request(bearer_request(fresh)).is_authenticated
    cold = instance.clerk(clock=clock)
    for request in (bearer_request(token), cookie_request(jar)):
        assert outcome(engine.authenticate_request(request)) == outcome(
            cold.authenticate_request(request)
        )
        assert not engine.authenticate_request(request).is_authenticated
