"""Attack probes on what requests share: the auth templates and the LRU memory under threads."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest

from clerk_core import Clerk, RequestView
from clerk_core._memory import TokenMemory
from clerk_core.auth import SessionAuth
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

ORIGIN = "https://app.example"


def bearer(token: str) -> RequestView:
    return RequestView(
        "GET", f"{ORIGIN}/api", {"host": "app.example", "authorization": f"Bearer {token}"}
    )


def cookie(token: str) -> RequestView:
    return RequestView(
        "GET", f"{ORIGIN}/", {"host": "app.example", "cookie": f"__session={token}; __client_uat=1"}
    )


@pytest.fixture
def instance(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.shared.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
    )


def rich(instance: LocalClerkInstance) -> str:
    return instance.session_token(
        "user_rich",
        org_id="org_1",
        org_slug="one",
        org_role="org:member",
        org_permissions=["org:orders:read"],
        features=["o:dashboard"],
        plans=["u:pro"],
        fva=[1, 2],
        actor={"sub": "user_admin", "nested": {"k": [1]}},
        lifetime=3600,
    )


def snapshot(auth: Any) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in vars(auth).items() if k not in ("_clerk", "_token")}


@pytest.mark.parametrize("request_of", [bearer, cookie], ids=["bearer", "cookie"])
def test_one_requests_mutations_never_reach_the_next(
    instance: LocalClerkInstance, clock: FakeClock, request_of: Any
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = rich(instance)
    first = engine.authenticate_request(request_of(token)).to_auth()
    assert isinstance(first, SessionAuth)
    before = snapshot(engine.authenticate_request(request_of(token)).to_auth())
    claims: Any = first.session_claims
    actor: Any = first.actor
    # What a careless view does to its own auth object.
    first.user_id = "user_evil"
    first.org_role = "org:admin"
    first.org_id = "org_evil"
    if isinstance(first.org_permissions, list):
        first.org_permissions.append("org:sys_memberships:manage")
    if isinstance(first.factor_verification_age, list):
        first.factor_verification_age[:] = [0, 0]
    attempts: list[Any] = [
        lambda: claims.__setitem__("sub", "user_evil"),
        lambda: claims.update(sub="user_evil"),
        lambda: claims["act"]["nested"]["k"].append(2),
        lambda: claims["act"].__setitem__("sub", "x"),
        lambda: actor.__setitem__("sub", "x"),
        lambda: claims.setdefault("org_role", "org:admin"),
        lambda: claims.__ior__({"x": 1}),
    ]
    for attempt in attempts:
        with pytest.raises(TypeError):
            attempt()
    second = engine.authenticate_request(request_of(token)).to_auth()
    assert snapshot(second) == before
    assert second.user_id == "user_rich"
    assert second.has(permission="org:orders:read")
    assert not second.has(permission="org:sys_memberships:manage")
    assert not second.has(role="org:admin")


def test_verify_tokens_claims_are_shared_read_only(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = rich(instance)
    claims = engine.verify_token(token)
    with pytest.raises(TypeError):
        claims["sub"] = "user_evil"
    own = dict(claims)
    own["sub"] = "user_evil"
    assert engine.authenticate_request(bearer(token)).to_auth().user_id == "user_rich"


def test_the_lru_under_threads_never_raises_nor_mixes_entries() -> None:
    memory = TokenMemory(8)
    digests = [bytes([i]) * 32 for i in range(64)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(offset: int) -> None:
        try:
            i = offset
            while not stop.is_set():
                d = digests[i % 64]
                memory.put(d, {"d": d.hex()}, 2e9, 0)
                i += 7
        except BaseException as exc:
            errors.append(exc)

    def reader(offset: int) -> None:
        try:
            i = offset
            while not stop.is_set():
                d = digests[i % 64]
                entry = memory.get(d, 1e9, 5, 0)
                if entry is not None:
                    assert entry.claims["d"] == d.hex()
                memory.peek(digests[(i * 3) % 64])
                i += 3
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    stop.wait(1.0)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert len(memory) <= 8


def test_expired_and_generation_entries_under_threads(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    """Threads authenticating many tokens through a tiny memory: every answer is the token's own."""
    engine: Clerk = instance.clerk(networkless=True, clock=clock, token_cache_size=4)
    tokens = {f"user_{i}": instance.session_token(f"user_{i}", lifetime=3600) for i in range(16)}
    errors: list[BaseException] = []

    def run(names: list[str]) -> None:
        try:
            for _ in range(30):
                for name in names:
                    req = bearer(tokens[name]) if hash(name) % 2 else cookie(tokens[name])
                    auth = engine.authenticate_request(req).to_auth()
                    assert auth.user_id == name
        except BaseException as exc:
            errors.append(exc)

    names = list(tokens)
    threads = [threading.Thread(target=run, args=(names[i::4] + names[: i + 1],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
