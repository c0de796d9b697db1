"""The key cache's reliability contract (docs/reliability.md, R3-R13) against a loopback JWKS server.

Times that the cache reasons about (TTL, cooldown, back-off, stale window) run on a fake clock; only
fetch deadlines are real (and short) here. No test asserts a duration.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from clerk_core import AuthStatus, Clerk, RequestView, TokenVerificationError
from clerk_core.keys import AMBIGUOUS, JWKSCache, parse_jwks
from clerk_core.testing import LocalClerkInstance, public_jwk
from tests.conftest import ConnectionLog, FakeClock, extra_absent, load_corpus, vectors_or_empty
from tests.jwks_server import FAILURE_SCENARIOS, JWKSServer

CORPUS_SCENARIOS: list[dict[str, Any]] = load_corpus("jwks_scenarios.json")["scenarios"]
EXTRA_SCENARIOS = vectors_or_empty("jwks_server_scenarios.json").get("scenarios", [])
SERVED_FAILURES = [
    s["id"]
    for s in CORPUS_SCENARIOS
    if s["expect"] == "failure" and s["id"] != "connection-refused"
]


@pytest.fixture
def instance(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.jwks.test",
        authorized_parties=(),
        clock=clock,
    )


@pytest.fixture
def server(instance: LocalClerkInstance) -> Iterator[JWKSServer]:
    srv = JWKSServer([instance.jwk()])
    srv.new_keys = [public_jwk(instance.other_private_key, "ins_new")]
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    srv.extra = {
        "ec-key-same-kid": [
            {
                "kty": "EC",
                "crv": "P-256",
                "kid": instance.kid,
                "x": str(ec_key.x),
                "y": str(ec_key.y),
            }
        ],
        "rsa-1024": [public_jwk(small, instance.kid)],
        "duplicate-kid": [
            instance.jwk(),
            public_jwk(instance.other_private_key, instance.kid),
            public_jwk(instance.other_private_key, "ins_extra"),
        ],
    }
    yield srv
    srv.close()


_ENGINES: list[Clerk] = []


@pytest.fixture(autouse=True)
def close_engines() -> Iterator[None]:
    yield
    while _ENGINES:
        _ENGINES.pop().close()


def engine_for(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock, **overrides: Any
) -> Clerk:
    options = {
        "api_url": server.api_url,
        "token_cache_size": 0,
        # Long enough for a cold fetch on a busy two-core machine; tests of hanging fetches wait it.
        "jwks_fetch_timeout": 1.0,
        "jwks_connect_timeout": 1.0,
        **overrides,
    }
    engine = Clerk(instance.options(**options), clock=clock)
    _ENGINES.append(engine)
    return engine


def with_kid(token: str, kid: str) -> str:
    """The same token under another kid (its signature no longer matters: the kid is unknown)."""
    import base64
    import json

    head, payload, sig = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    header["kid"] = kid
    new_head = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return f"{new_head}.{payload}.{sig}"


def keys_of(engine: Clerk) -> JWKSCache:
    assert isinstance(engine.keys, JWKSCache)
    return engine.keys


def bearer(token: str) -> RequestView:
    return RequestView("GET", "https://app.example/api", {"authorization": f"Bearer {token}"})


def new_kid_token(instance: LocalClerkInstance) -> str:
    return instance.sign(
        instance.session_claims("user_new"),
        key=instance.other_private_key,
        headers={"kid": "ins_new"},
    )


def wait_idle(cache: JWKSCache) -> None:
    """Wait (real time, bounded) for a background refresh to finish."""
    for _ in range(400):
        if cache._flight is None:
            return
        threading.Event().wait(0.005)
    raise AssertionError("the background refresh did not finish")


# ---------------------------------------------------------------------------- R3
def test_r3_warm_cache_does_no_network_io(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock, socket_guard: ConnectionLog
) -> None:
    engine = engine_for(instance, server, clock)
    assert engine.authenticate_request(bearer(instance.session_token())).is_authenticated
    connections = len(socket_guard.peers)
    tokens = [instance.session_token(f"user_{i}", lifetime=600) for i in range(20)]
    for i in range(10_000):
        if i % 100 == 0:
            clock.advance(2.9)  # 290 s in all: inside the 300 s TTL
        state = engine.authenticate_request(bearer(tokens[i % 20]))
        assert state.is_authenticated
    assert server.gets == 1
    assert len(socket_guard.peers) == connections


# ---------------------------------------------------------------------------- R4
def test_r4_unknown_kid_flood(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    engine = engine_for(instance, server, clock)
    assert engine.authenticate_request(bearer(instance.session_token())).is_authenticated
    rng = random.Random(4)
    base = instance.session_token(lifetime=600)
    for _ in range(10_000):
        clock.advance(0.006)
        token = with_kid(base, f"ins_{rng.getrandbits(64):x}")
        state = engine.authenticate_request(bearer(token))
        assert state.reason == "jwk-kid-mismatch"
    assert server.gets <= 3
    assert keys_of(engine).negative_cache_size <= 1024


# ---------------------------------------------------------------------------- R5
def test_r5_bad_signature_flood_never_fetches(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    engine = engine_for(instance, server, clock)
    assert engine.authenticate_request(bearer(instance.session_token())).is_authenticated
    cache = keys_of(engine)
    key_before = cache.peek(instance.kid)
    bad = instance.bad_signature_token()
    other = instance.other_key_token()
    for i in range(10_000):
        state = engine.authenticate_request(bearer(bad if i % 2 else other))
        assert state.reason == "token-invalid-signature"
    assert server.gets == 1
    assert cache.peek(instance.kid) is key_before
    assert engine.authenticate_request(bearer(instance.session_token())).is_authenticated


# ---------------------------------------------------------------------------- R6
def test_r6_rotation_add_then_remove(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    engine = engine_for(instance, server, clock)
    old = instance.session_token()
    assert engine.authenticate_request(bearer(old)).is_authenticated
    server.scenario = "rotation-add"
    new = new_kid_token(instance)
    clock.advance(10)  # inside the 30 s cooldown since the last fetch
    assert engine.authenticate_request(bearer(new)).reason == "jwk-kid-mismatch"
    assert server.gets == 1
    clock.advance(20)  # cooldown elapsed
    assert engine.authenticate_request(bearer(new)).is_authenticated
    assert server.gets == 2
    assert engine.authenticate_request(bearer(old)).is_authenticated
    # A successful fetch that drops the old kid: old-kid tokens fail right after it.
    server.scenario = "rotation-remove"
    clock.advance(300)  # TTL: the next request is served stale and refreshes in the background
    old, new = instance.session_token(), new_kid_token(instance)
    engine.authenticate_request(bearer(new))
    wait_idle(keys_of(engine))
    assert server.gets == 3
    assert engine.authenticate_request(bearer(old)).reason == "jwk-kid-mismatch"
    assert engine.authenticate_request(bearer(new)).is_authenticated


# ---------------------------------------------------------------------------- R7
OUTAGES = ["http-500", "hang", "invalid-json", "empty-keys", "connection-refused"]


@pytest.mark.parametrize("outage", OUTAGES)
def test_r7_stale_if_error(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock, outage: str
) -> None:
    # The deadline only bounds the hanging fetch; 0.2 s made the cold fetch itself fail on a busy
    # machine (two cores, other suites running).
    engine = engine_for(instance, server, clock, jwks_fetch_timeout=1.0, jwks_connect_timeout=1.0)
    assert engine.authenticate_request(bearer(instance.session_token())).is_authenticated
    if outage == "connection-refused":
        server.close()
    else:
        server.scenario = outage
    clock.advance(300)  # TTL expiry: the outage starts now
    for _ in range(600):  # ten minutes, one request per second
        clock.advance(1)
        state = engine.authenticate_request(bearer(instance.session_token()))
        assert state.is_authenticated, state.reason
    wait_idle(keys_of(engine))
    clock.advance(3600)  # past the stale window without a good fetch: fail closed
    state = engine.authenticate_request(bearer(instance.session_token()))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "jwk-remote-failed-to-load")


def test_r7_stale_if_error_async(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    engine = engine_for(instance, server, clock)

    async def scenario() -> None:
        assert (
            await engine.authenticate_request_async(bearer(instance.session_token()))
        ).is_authenticated
        server.scenario = "http-500"
        clock.advance(300)
        for _ in range(120):
            clock.advance(1)
            state = await engine.authenticate_request_async(bearer(instance.session_token()))
            assert state.is_authenticated, state.reason
            await asyncio.sleep(0)
        clock.advance(3600)
        await asyncio.sleep(0.05)
        state = await engine.authenticate_request_async(bearer(instance.session_token()))
        assert state.reason == "jwk-remote-failed-to-load"

    asyncio.run(scenario())


# ---------------------------------------------------------------------------- R8
def test_r8_outage_fetches_are_bounded(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    engine = engine_for(instance, server, clock)
    assert engine.authenticate_request(bearer(instance.session_token())).is_authenticated
    server.scenario = "http-500"
    clock.advance(300)
    before = server.gets
    token = instance.session_token(lifetime=3600)
    for _ in range(600 * 100):  # 100 requests per simulated second for ten minutes
        clock.advance(0.01)
        assert engine.authenticate_request(bearer(token)).is_authenticated
    wait_idle(keys_of(engine))
    assert 1 <= server.gets - before <= 16
    assert server.max_in_flight == 1


@pytest.mark.parametrize(
    ("scenario", "retry_after"), [("http-503-retry-after", 120), ("http-429", 30)]
)
def test_retry_after_is_honoured(
    instance: LocalClerkInstance,
    server: JWKSServer,
    clock: FakeClock,
    scenario: str,
    retry_after: int,
) -> None:
    server.scenario = scenario
    engine = engine_for(instance, server, clock)
    token = instance.session_token(lifetime=600)
    assert engine.authenticate_request(bearer(token)).reason == "jwk-remote-failed-to-load"
    assert server.gets == 1
    # The wait is Retry-After, capped at the maximum back-off (60 s) so that a huge value cannot
    # switch authentication off for hours (jwks_server_scenarios.json).
    clock.advance(min(retry_after, 60) - 1)
    assert engine.authenticate_request(bearer(token)).reason == "jwk-remote-failed-to-load"
    assert server.gets == 1  # no attempt before Retry-After
    server.scenario = "ok"
    clock.advance(2)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    assert server.gets == 2


def test_invalid_secret_key_is_logged_once_without_the_secret(
    instance: LocalClerkInstance,
    server: JWKSServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.scenario = "http-401-invalid-secret"
    engine = engine_for(instance, server, clock)
    token = instance.session_token()
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            state = engine.authenticate_request(bearer(token))
            assert state.reason == "secret-key-invalid"
            clock.advance(61)
    assert server.gets <= 5
    errors = [r for r in caplog.records if "secret key" in r.getMessage()]
    assert len(errors) == 1
    assert instance.secret_key not in caplog.text


# ---------------------------------------------------------------------------- R9
def test_r9_a_hanging_fetch_does_not_hold_cached_kids(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    engine = engine_for(instance, server, clock, jwks_fetch_timeout=1.0)
    assert engine.authenticate_request(bearer(instance.session_token())).is_authenticated
    server.gate = threading.Event()  # every response now blocks until released
    clock.advance(301)  # stale: the next request starts one background refresh, which hangs
    token = instance.session_token()
    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda _: engine.authenticate_request(bearer(token)), range(200)))
    # All 200 were answered from the cached key while the refresh was still blocked.
    assert not server.gate.is_set()
    assert all(r.is_authenticated for r in results)
    assert server.in_flight == 1
    # A request that needs the fetch (a new kid) waits at most until its deadline.
    clock.advance(31)
    state = engine.authenticate_request(bearer(new_kid_token(instance)))
    assert state.reason == "jwk-remote-failed-to-load"
    server.gate.set()


# ---------------------------------------------------------------------------- R10
def test_r10_single_flight_threads(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    engine = engine_for(instance, server, clock, jwks_fetch_timeout=5.0)
    server.gate = threading.Event()
    token = instance.session_token()
    barrier = threading.Barrier(500)

    def call(_: int) -> bool:
        barrier.wait()
        return engine.authenticate_request(bearer(token)).is_authenticated

    releaser = threading.Timer(0.3, server.gate.set)
    releaser.start()
    with ThreadPoolExecutor(500) as pool:
        results = list(pool.map(call, range(500)))
    releaser.join()
    assert results == [True] * 500
    assert server.gets == 1


def test_r10_single_flight_asyncio(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    engine = engine_for(instance, server, clock, jwks_fetch_timeout=5.0)
    server.gate = threading.Event()
    token = instance.session_token()

    async def scenario() -> list[bool]:
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, server.gate.set)  # type: ignore[union-attr]
        states = await asyncio.gather(
            *(engine.authenticate_request_async(bearer(token)) for _ in range(500))
        )
        return [s.is_authenticated for s in states]

    assert asyncio.run(scenario()) == [True] * 500
    assert server.gets == 1


# ---------------------------------------------------------------------------- R11
@pytest.mark.parametrize(
    "scenario", ["slow-drip", "huge-body", "redirect-302", "reset-mid-body", "hang"]
)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_r11_bounded_fetches_fail_cleanly(
    instance: LocalClerkInstance,
    server: JWKSServer,
    clock: FakeClock,
    socket_guard: ConnectionLog,
    scenario: str,
    mode: str,
) -> None:
    server.scenario = scenario
    engine = engine_for(instance, server, clock, jwks_fetch_timeout=0.4, jwks_connect_timeout=0.4)
    req = bearer(instance.session_token())
    if mode == "sync":
        state = engine.authenticate_request(req)
    else:
        state = asyncio.run(engine.authenticate_request_async(req))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "jwk-remote-failed-to-load")
    assert set(socket_guard.peers) <= {("127.0.0.1", server.port)}
    assert all(path == "/v1/jwks" for path in server.paths)


def test_r11_header_urls_are_never_contacted(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock, socket_guard: ConnectionLog
) -> None:
    engine = engine_for(instance, server, clock)
    for header in (
        {"jku": "http://127.0.0.1:9/jwks"},
        {"x5u": "http://127.0.0.1:9/x"},
        {"jwk": public_jwk(instance.other_private_key, "ins_x"), "kid": "ins_x"},
    ):
        token = instance.sign(
            instance.session_claims(),
            headers=header,
            key=instance.other_private_key if "jwk" in header else None,
        )
        engine.authenticate_request(bearer(token))
    assert set(socket_guard.peers) <= {("127.0.0.1", server.port)}


@pytest.mark.parametrize("scenario", [s for s in SERVED_FAILURES if s not in ("hang", "slow-drip")])
def test_every_failure_scenario_keeps_the_last_good_keys(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock, scenario: str
) -> None:
    engine = engine_for(instance, server, clock)
    token = instance.session_token(lifetime=900)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    server.scenario = scenario
    clock.advance(301)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    wait_idle(keys_of(engine))
    assert server.gets == 2
    assert engine.authenticate_request(bearer(token)).is_authenticated  # stale keys still serve


def test_corpus_scenarios_are_the_servers() -> None:
    """The corpus lists what the loopback server does; every failure it serves is tested above."""
    assert sorted(SERVED_FAILURES) == sorted(FAILURE_SCENARIOS)
    assert {s["expect"] for s in CORPUS_SCENARIOS} == {
        "serve",
        "rotation",
        "fail-closed",
        "failure",
    }


@pytest.mark.parametrize("source", ["corpus", "extra"])
def test_scenario_file_is_covered(source: str) -> None:
    scenarios = CORPUS_SCENARIOS if source == "corpus" else EXTRA_SCENARIOS
    if not scenarios:
        pytest.skip(extra_absent("jwks_server_scenarios.json"))
    handled = {
        "ok",
        "rotation-add",
        "rotation-remove",
        "duplicate-kid",
        "connection-refused",
        "hang",
        "slow-drip",
        *FAILURE_SCENARIOS,
    }
    assert {s["id"] for s in scenarios} <= handled


def test_duplicate_kid_fails_closed(
    instance: LocalClerkInstance, server: JWKSServer, clock: FakeClock
) -> None:
    server.scenario = "duplicate-kid"
    engine = engine_for(instance, server, clock)
    state = engine.authenticate_request(bearer(instance.session_token()))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "jwk-remote-invalid")
    # Neither of the two keys behind the ambiguous kid is ever tried.
    other = instance.sign(instance.session_claims(), key=instance.other_private_key)
    assert engine.authenticate_request(bearer(other)).reason == "jwk-remote-invalid"
    extra = instance.sign(
        instance.session_claims(), key=instance.other_private_key, headers={"kid": "ins_extra"}
    )
    assert engine.authenticate_request(bearer(extra)).is_authenticated


# ---------------------------------------------------------------------------- R12
def test_r12_instances_never_share_keys(clock: FakeClock) -> None:
    a = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.a.test", clock=clock, authorized_parties=()
    )
    b = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.b.test", clock=clock, authorized_parties=()
    )
    server_a = JWKSServer([a.jwk()])
    server_b = JWKSServer([public_jwk(a.other_private_key, a.kid)])  # same kid, other key
    try:
        engine_a = engine_for(a, server_a, clock)
        engine_b = engine_for(b, server_b, clock)
        token_a = a.session_token()
        # b's key, under the same kid, with b's own issuer: signed by the key b's server publishes.
        token_b = b.sign(b.session_claims(), key=a.other_private_key, headers={"kid": a.kid})
        assert engine_a.authenticate_request(bearer(token_a)).is_authenticated
        assert engine_b.authenticate_request(bearer(token_b)).is_authenticated
        assert engine_a.authenticate_request(bearer(token_b)).reason == "token-invalid-signature"
        assert engine_b.authenticate_request(bearer(token_a)).reason == "token-invalid-signature"
    finally:
        server_a.close()
        server_b.close()


# ---------------------------------------------------------------------------- R13
@settings(max_examples=60, deadline=None)
@given(skew=st.floats(min_value=0, max_value=60), offset=st.floats(min_value=0.01, max_value=100))
def test_r13_skew_boundaries(skew: float, offset: float) -> None:
    clock = FakeClock(1_700_000_000.0)
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.skew.test",
        authorized_parties=(),
        clock=clock,
    )
    engine = instance.clerk(networkless=True, clock=clock, clock_skew=skew, token_cache_size=0)
    now = clock.now

    def reason(claims: dict[str, Any]) -> str | None:
        try:
            engine.verify_token(
                instance.sign(instance.session_claims(iat=now - 100, claims=claims))
            )
        except TokenVerificationError as exc:
            return exc.reason
        return None

    assert reason({"exp": now - skew + offset}) is None
    assert reason({"exp": now - skew}) == "token-expired"
    assert reason({"exp": now - skew - offset}) == "token-expired"
    assert reason({"exp": now + 100, "nbf": now + skew + offset}) == "token-not-active-yet"
    assert reason({"exp": now + 100, "nbf": now + skew}) is None
    assert reason({"exp": now + 100, "iat": now + skew + offset}) == "token-iat-in-the-future"


# ---------------------------------------------------------------------------- JWKS parsing
def test_parse_jwks_keeps_only_rs256_signature_keys(instance: LocalClerkInstance) -> None:
    good = instance.jwk()
    small = public_jwk(rsa.generate_private_key(public_exponent=65537, key_size=1024), "small")  # noqa: S505
    doc = {
        "keys": [
            good,
            {**good, "kid": "enc", "use": "enc"},
            {**good, "kid": "ps", "alg": "PS256"},
            {"kty": "oct", "kid": "oct", "k": "c2VjcmV0"},
            small,
            {"kty": "RSA", "kid": "x"},
            "junk",
            {**good, "kid": 5},
        ]
    }
    keys = parse_jwks(doc)
    assert set(keys) == {instance.kid}
    dup = parse_jwks(
        {
            "keys": [
                good,
                public_jwk(instance.other_private_key, instance.kid),
                {**good, "kid": "ok"},
            ]
        }
    )
    assert dup[instance.kid] is AMBIGUOUS
    with pytest.raises(ValueError, match="no usable"):
        parse_jwks({"keys": [small]})
    with pytest.raises(ValueError, match="'keys'"):
        parse_jwks(b"[]")
