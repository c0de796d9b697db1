"""Policy 9: a repeated token costs a lookup, bounded in size, never past exp + skew, per instance."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from clerk_core import AuthStatus, RequestView
from clerk_core.testing import LocalClerkInstance
from clerk_core.tokens import verify_signature
from tests.conftest import FakeClock


@pytest.fixture
def instance(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.memory.test",
        authorized_parties=(),
        clock=clock,
    )


def bearer(token: str) -> RequestView:
    return RequestView("GET", "https://app.example/api", {"authorization": f"Bearer {token}"})


def count_verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]

    def spy(*args: object, **kwargs: object) -> None:
        calls[0] += 1
        verify_signature(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("clerk_core.clerk.verify_signature", spy)
    return calls


def test_a_repeated_token_is_verified_once(
    instance: LocalClerkInstance, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    calls = count_verifications(monkeypatch)
    token = instance.session_token()
    for _ in range(100):
        assert engine.authenticate_request(bearer(token)).is_authenticated
    assert asyncio.run(engine.authenticate_request_async(bearer(token))).is_authenticated
    cookie = RequestView(
        "GET",
        "https://app.example/",
        {"cookie": f"__session={token}; __client_uat={int(clock.now) - 100}"},
    )
    assert engine.authenticate_request(cookie).is_authenticated
    assert calls[0] == 1


def test_never_past_exp_plus_skew(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token(lifetime=60)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    clock.advance(60 + 5 - 0.001)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    clock.advance(0.001)
    state = engine.authenticate_request(bearer(token))
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"


def test_bounded_in_size(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(networkless=True, clock=clock, token_cache_size=8)
    tokens = [instance.session_token(f"user_{i}") for i in range(20)]
    for token in tokens:
        assert engine.authenticate_request(bearer(token)).is_authenticated
    assert len(engine._memory) == 8


def test_keyed_by_a_hash_never_by_the_token(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token()
    engine.authenticate_request(bearer(token))
    keys = list(engine._memory._entries)
    assert keys == [hashlib.sha256(token.encode()).digest()]


def test_scoped_per_instance(clock: FakeClock) -> None:
    a = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.a.test", clock=clock, authorized_parties=()
    )
    b = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.b.test", clock=clock, authorized_parties=()
    )
    engine_a = a.clerk(networkless=True, clock=clock)
    engine_b = b.clerk(networkless=True, clock=clock)
    token = a.session_token()
    assert engine_a.authenticate_request(bearer(token)).is_authenticated
    state = engine_b.authenticate_request(bearer(token))
    assert state.status is AuthStatus.SIGNED_OUT


def test_failures_are_never_remembered(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(
        networkless=True, clock=clock, authorized_parties=("https://app.example",)
    )
    for token in (
        instance.bad_signature_token(),
        instance.wrong_azp_token(),
        instance.expired_token(),
    ):
        assert not engine.authenticate_request(bearer(token)).is_authenticated
    assert len(engine._memory) == 0


def test_a_removed_key_invalidates_remembered_tokens(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(clock=clock)
    token = instance.session_token(lifetime=3600)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    cache = engine.keys
    from clerk_core.keys import JWKSCache

    assert isinstance(cache, JWKSCache)
    # A successful fetch that no longer publishes the kid: the remembered token must not outlive it.
    cache._complete(
        cache._new_flight(clock.now),
        cache._interpret(200, __import__("httpx").Headers(), b'{"keys": []}'),
    )
    assert engine.authenticate_request(
        bearer(token)
    ).is_authenticated  # a failed fetch changes nothing
    from clerk_core.testing import public_jwk

    other = {"keys": [public_jwk(instance.other_private_key, "ins_other")]}
    import json

    import httpx

    cache._complete(
        cache._new_flight(clock.now),
        cache._interpret(200, httpx.Headers(), json.dumps(other).encode()),
    )
    assert engine.authenticate_request(bearer(token)).reason == "jwk-kid-mismatch"


def test_memory_can_be_turned_off(
    instance: LocalClerkInstance, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = instance.clerk(networkless=True, clock=clock, token_cache_size=0)
    calls = count_verifications(monkeypatch)
    token = instance.session_token()
    for _ in range(3):
        assert engine.authenticate_request(bearer(token)).is_authenticated
    assert calls[0] == 3
