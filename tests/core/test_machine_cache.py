"""Opaque machine tokens verified by the Backend API are remembered per engine: a client that
repeats its API key costs one verify call per ``machine_token_cache_ttl``, not one per request;
the entry ends at the token's expiration or the TTL, whichever comes first; refusals and failed
calls are never remembered; the memory is bounded and keyed by the token's SHA-256."""

from __future__ import annotations

import hashlib
import logging

import httpx
import pytest

from clerk_core import AuthStatus, Clerk, ClerkConfigurationError, ClerkOptions, RequestState
from clerk_core.auth import MachineAuth
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.core.conftest import Runner

VERIFY_PATHS = {
    "api_key": "/v1/api_keys/verify",
    "m2m_token": "/v1/m2m_tokens/verify",
    "oauth_token": "/v1/oauth_applications/access_tokens/verify",
}


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def instance(fake_clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(clock=fake_clock)


def verify_calls(instance: LocalClerkInstance, kind: str = "api_key") -> int:
    return sum(1 for r in instance.requests if r.url.path == VERIFY_PATHS[kind])


def new_token(instance: LocalClerkInstance, kind: str) -> str:
    if kind == "api_key":
        return instance.api_key("user_1", scopes=["read"])
    if kind == "m2m_token":
        return instance.m2m_token("mch_1", scopes=["read"])
    return instance.oauth_token("user_1")


def ask(run: Runner, engine: Clerk, instance: LocalClerkInstance, token: str) -> RequestState:
    return run(engine, instance.request("/api", bearer=token), accepts_token="any")


# ------------------------------------------------------------------------------ one call, not five
@pytest.mark.parametrize("kind", ["api_key", "m2m_token", "oauth_token"])
def test_five_requests_with_one_token_make_one_backend_api_call(
    instance: LocalClerkInstance, run: Runner, kind: str
) -> None:
    engine = instance.clerk()
    token = new_token(instance, kind)
    states = [ask(run, engine, instance, token) for _ in range(5)]
    assert [s.status for s in states] == [AuthStatus.SIGNED_IN] * 5
    assert verify_calls(instance, kind) == 1
    auths = [s.to_auth() for s in states]
    assert all(isinstance(a, MachineAuth) and a.token_type == kind for a in auths)
    assert {a.subject for a in auths} == {"mch_1" if kind == "m2m_token" else "user_1"}
    assert [a.get_token() for a in auths] == [token] * 5  # each request carries its own token


def test_each_engine_has_its_own_memory(instance: LocalClerkInstance, run: Runner) -> None:
    token = new_token(instance, "api_key")
    first, second = instance.clerk(), instance.clerk()
    ask(run, first, instance, token)
    ask(run, second, instance, token)
    ask(run, first, instance, token)
    assert verify_calls(instance) == 2


def test_different_tokens_are_different_entries(instance: LocalClerkInstance, run: Runner) -> None:
    engine = instance.clerk()
    one, two = instance.api_key("user_1"), instance.api_key("user_2")
    subjects = [ask(run, engine, instance, t).to_auth().subject for t in (one, two, one, two)]
    assert subjects == ["user_1", "user_2", "user_1", "user_2"]
    assert verify_calls(instance) == 2


def test_the_remembered_claims_are_read_only(instance: LocalClerkInstance, run: Runner) -> None:
    engine = instance.clerk()
    key = instance.api_key("user_1", claims={"plan": {"tier": "pro"}})
    claims = ask(run, engine, instance, key).to_auth().claims
    assert claims == {"plan": {"tier": "pro"}}
    with pytest.raises(TypeError):
        claims["plan"]["tier"] = "free"
    again = ask(run, engine, instance, key).to_auth()
    assert isinstance(again, MachineAuth)
    assert again.claims == {"plan": {"tier": "pro"}}
    assert again.scopes == []
    again.scopes.append("write")  # each auth object has its own list of scopes
    assert ask(run, engine, instance, key).to_auth().scopes == []


# ------------------------------------------------------------------------------ how long
def test_an_entry_ends_after_the_ttl(
    instance: LocalClerkInstance, run: Runner, fake_clock: FakeClock
) -> None:
    engine = instance.clerk(machine_token_cache_ttl=30)
    key = new_token(instance, "api_key")
    ask(run, engine, instance, key)
    fake_clock.advance(29.9)
    ask(run, engine, instance, key)
    assert verify_calls(instance) == 1
    fake_clock.advance(0.1)
    ask(run, engine, instance, key)
    assert verify_calls(instance) == 2


def test_the_default_ttl_is_a_minute(
    instance: LocalClerkInstance, run: Runner, fake_clock: FakeClock
) -> None:
    assert ClerkOptions().machine_token_cache_ttl == 60
    engine = instance.clerk()
    key = new_token(instance, "api_key")
    ask(run, engine, instance, key)
    fake_clock.advance(59)
    ask(run, engine, instance, key)
    assert verify_calls(instance) == 1
    fake_clock.advance(1)
    ask(run, engine, instance, key)
    assert verify_calls(instance) == 2


def test_an_entry_ends_at_the_tokens_expiration_when_that_comes_first(
    instance: LocalClerkInstance, run: Runner, fake_clock: FakeClock
) -> None:
    engine = instance.clerk(machine_token_cache_ttl=600)
    key = engine.backend_api.api_keys.create(
        name="short", subject="user_1", seconds_until_expiration=20
    ).secret
    assert key is not None
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN
    fake_clock.advance(19)
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN
    assert verify_calls(instance) == 1
    fake_clock.advance(1)  # expired: the memory does not answer, Clerk refuses it
    state = ask(run, engine, instance, key)
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid")
    assert verify_calls(instance) == 2


def test_a_ttl_of_zero_turns_the_memory_off(instance: LocalClerkInstance, run: Runner) -> None:
    engine = instance.clerk(machine_token_cache_ttl=0)
    key = new_token(instance, "api_key")
    for _ in range(3):
        assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN
    assert verify_calls(instance) == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("machine_token_cache_ttl", -1),
        ("machine_token_cache_ttl", float("inf")),
        ("machine_token_cache_ttl", "60"),
        ("machine_token_cache_size", -1),
        ("machine_token_cache_size", 1.5),
    ],
)
def test_bad_cache_settings_fail_at_start_up(field: str, value: object) -> None:
    with pytest.raises(ClerkConfigurationError, match=field):
        ClerkOptions(**{field: value})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ revocation
def test_a_revoked_key_is_refused_once_its_entry_ends(
    instance: LocalClerkInstance, run: Runner, fake_clock: FakeClock
) -> None:
    engine = instance.clerk()
    key = new_token(instance, "api_key")
    ask(run, engine, instance, key)
    instance.revoke(key)
    # Within the TTL the engine does not ask: the TTL is the revocation delay.
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN
    fake_clock.advance(engine.options.machine_token_cache_ttl)
    state = ask(run, engine, instance, key)
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid")
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_OUT
    assert verify_calls(instance) == 3  # a refusal is asked again every time


def test_a_key_revoked_through_the_backend_api_is_refused_after_the_ttl(
    instance: LocalClerkInstance, run: Runner, fake_clock: FakeClock
) -> None:
    engine = instance.clerk()
    created = engine.backend_api.api_keys.create(name="ci", subject="org_1")
    assert created.id is not None
    assert created.secret is not None
    assert ask(run, engine, instance, created.secret).to_auth().org_id == "org_1"
    engine.backend_api.api_keys.revoke(created.id, revocation_reason="leaked")
    fake_clock.advance(60)
    assert ask(run, engine, instance, created.secret).status is AuthStatus.SIGNED_OUT


# ------------------------------------------------------------------------------ what is not kept
def test_an_unknown_token_is_asked_every_time(instance: LocalClerkInstance, run: Runner) -> None:
    engine = instance.clerk()
    for _ in range(3):
        state = ask(run, engine, instance, "ak_unknown")
        assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid")
    assert verify_calls(instance) == 3
    assert len(engine._instance.machine_memory) == 0


def test_a_key_created_after_a_refusal_works_at_once(
    instance: LocalClerkInstance, run: Runner
) -> None:
    engine = instance.clerk()
    key = "ak_" + "0" * 32
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_OUT
    instance._api_keys[key] = {"id": "ak_later", "subject": "user_1", "revoked": False}
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_failed_call_is_never_remembered(
    instance: LocalClerkInstance, run: Runner, status: int
) -> None:
    engine = instance.clerk()
    key = new_token(instance, "api_key")
    instance.backend.fail_next(status)
    state = ask(run, engine, instance, key)
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "unexpected-error")
    assert len(engine._instance.machine_memory) == 0
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN
    assert verify_calls(instance) == 2  # the failure, then one success remembered
    assert len(engine._instance.machine_memory) == 1


def test_a_network_failure_is_never_remembered(instance: LocalClerkInstance, run: Runner) -> None:
    key = new_token(instance, "api_key")
    down = True

    def handler(request: httpx.Request) -> httpx.Response:
        if down:
            raise httpx.ConnectError("down", request=request)
        return instance.backend.handle_request(request)

    transport = httpx.MockTransport(handler)
    engine = Clerk(
        instance.options(),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        clock=instance.clock,
    )
    state = ask(run, engine, instance, key)
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "unexpected-error")
    down = False
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN
    assert verify_calls(instance) == 1


def test_a_token_refused_by_an_allow_list_is_not_remembered(
    instance: LocalClerkInstance, run: Runner
) -> None:
    engine = instance.clerk(m2m_machine_ids=["mch_other"])
    token = new_token(instance, "m2m_token")
    for _ in range(2):
        state = ask(run, engine, instance, token)
        assert (state.status, state.reason) == (
            AuthStatus.SIGNED_OUT,
            "token-invalid-authorized-parties",
        )
    assert verify_calls(instance, "m2m_token") == 2
    assert len(engine._instance.machine_memory) == 0


def test_a_remembered_token_still_needs_its_type_to_be_accepted(
    instance: LocalClerkInstance, run: Runner
) -> None:
    engine = instance.clerk()
    key = new_token(instance, "api_key")
    assert ask(run, engine, instance, key).status is AuthStatus.SIGNED_IN
    state = run(engine, instance.request("/api", bearer=key), accepts_token="m2m_token")
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-type-mismatch")
    state = run(engine, instance.request("/api", bearer=key))  # session tokens only
    assert state.status is AuthStatus.SIGNED_OUT


# ------------------------------------------------------------------------------ bound and keys
def test_the_memory_is_bounded_least_recently_used_first_out(
    instance: LocalClerkInstance, run: Runner
) -> None:
    engine = instance.clerk(machine_token_cache_size=2)
    a, b, c = (instance.api_key(f"user_{n}") for n in "abc")
    for key in (a, b, a, c):  # c evicts b, the least recently used
        ask(run, engine, instance, key)
    assert verify_calls(instance) == 3
    assert len(engine._instance.machine_memory) == 2
    ask(run, engine, instance, a)
    assert verify_calls(instance) == 3
    ask(run, engine, instance, b)
    assert verify_calls(instance) == 4


def test_a_size_of_zero_turns_the_memory_off(instance: LocalClerkInstance, run: Runner) -> None:
    engine = instance.clerk(machine_token_cache_size=0)
    key = new_token(instance, "api_key")
    ask(run, engine, instance, key)
    ask(run, engine, instance, key)
    assert verify_calls(instance) == 2


def test_the_memory_is_keyed_by_the_tokens_sha256_never_the_token(
    instance: LocalClerkInstance, run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    engine = instance.clerk()
    key = new_token(instance, "api_key")
    ask(run, engine, instance, key)
    memory = engine._instance.machine_memory
    (stored,) = list(memory._entries)
    assert stored == hashlib.sha256(key.encode()).digest()
    assert key.encode() not in stored
    assert key not in repr(memory._entries)
    assert key not in caplog.text
    # The session-token memory is a different one: a machine token is never found there.
    assert engine._instance.memory.peek(stored) is None
