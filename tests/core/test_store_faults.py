"""Shared caches and stores across processes, and what happens when they fail: the Redis user cache
(a real redis-server on 127.0.0.1) and the webhook router's idempotency store."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest
from django.core.cache.backends.base import BaseCache

from clerk_core import WebhookRouter, WebhookVerifier, handle_webhook, handle_webhook_async
from clerk_core.resources import User
from clerk_core.testing import LocalClerkInstance
from clerk_core.users import (
    RedisUserCache,
    RemoteUserCache,
    current_user,
    current_user_async,
    invalidate_on_user_events,
)
from tests.conftest import FakeClock


@pytest.fixture
def instance() -> LocalClerkInstance:
    local = LocalClerkInstance()
    local.backend.add_user("user_1", first_name="Ada", email="ada@x.test")
    return local


def user_lookups(instance: LocalClerkInstance) -> int:
    return sum(1 for r in instance.requests if r.url.path.endswith("/users/user_1"))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_redis_user_cache_is_shared_and_invalidated(
    instance: LocalClerkInstance, redis_port: int
) -> None:
    import redis

    # Two engines with their own Redis connections stand for two worker processes.
    first, second = instance.clerk(), instance.clerk()
    first.user_cache = RedisUserCache(redis.Redis(host="127.0.0.1", port=redis_port))
    second.user_cache = RedisUserCache(redis.Redis(host="127.0.0.1", port=redis_port))
    token = instance.session_token("user_1")
    auth_1 = first.authenticate_request(instance.request("/", bearer=token)).to_auth()
    auth_2 = second.authenticate_request(instance.request("/", bearer=token)).to_auth()

    assert current_user(first, auth_1).first_name == "Ada"  # type: ignore[union-attr]
    assert user_lookups(instance) == 1
    assert current_user(second, auth_2).first_name == "Ada"  # type: ignore[union-attr]
    assert asyncio.run(current_user_async(second, auth_2)).first_name == "Ada"  # type: ignore[union-attr]
    assert user_lookups(instance) == 1  # the other worker's copy served both

    # A user.updated delivery handled by one worker drops the copy for every worker.
    instance.backend.users["user_1"]["first_name"] = "Augusta"
    router = WebhookRouter()
    invalidate_on_user_events(router, second.user_cache)
    body, headers = instance.sign_webhook("user.updated", instance.backend.users["user_1"])
    verifier = WebhookVerifier(instance.webhook_signing_secret)
    assert handle_webhook(body, headers, router, verifier).status == 200
    assert current_user(first, auth_1).first_name == "Augusta"  # type: ignore[union-attr]
    assert user_lookups(instance) == 2


def test_redis_user_cache_ignores_entries_it_cannot_read(
    instance: LocalClerkInstance, redis_port: int
) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=redis_port)
    cache = RedisUserCache(client, ttl=30)
    for junk in (b"{not json", b"[1, 2]", b'"a string"'):
        client.set("clerk:user:user_1", junk)
        assert cache.get("user_1") is None
    engine = instance.clerk()
    engine.user_cache = cache
    auth = engine.authenticate_request(
        instance.request("/", bearer=instance.session_token("user_1"))
    ).to_auth()
    assert current_user(engine, auth).first_name == "Ada"  # type: ignore[union-attr]
    assert 0 < client.ttl("clerk:user:user_1") <= 30  # the good copy replaced the junk


def test_redis_user_cache_repr_hides_the_connection() -> None:
    import redis

    cache = RedisUserCache(redis.Redis.from_url("redis://:hunter2-secret@127.0.0.1:1/0"))
    assert repr(cache) == "RedisUserCache(prefix='clerk:user:', ttl=60.0)"


def test_unreachable_redis_user_cache_falls_back_to_the_api(
    instance: LocalClerkInstance, caplog: pytest.LogCaptureFixture
) -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    clock = FakeClock(0)
    client = redis.Redis(
        host="127.0.0.1", port=closed_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    engine = instance.clerk()
    engine.user_cache = cache = RedisUserCache(client, pause=5, clock=clock)
    auth = engine.authenticate_request(
        instance.request("/", bearer=instance.session_token("user_1"))
    ).to_auth()
    with caplog.at_level(logging.WARNING, logger="clerk_core.users"):
        assert current_user(engine, auth).first_name == "Ada"  # type: ignore[union-attr]
        assert asyncio.run(current_user_async(engine, auth)).first_name == "Ada"  # type: ignore[union-attr]
        cache.delete("user_1")
    assert user_lookups(instance) == 2  # nothing cached, nothing failed
    messages = [r.getMessage() for r in caplog.records]
    assert "Clerk user cache unavailable; asking the Backend API" in messages
    assert "Clerk user cache paused after a fault; user_1 stays cached until its TTL" in messages
    # One warning per fault, not one per request while the cache is paused.
    assert sum(r.levelno == logging.WARNING for r in caplog.records) == 2
    assert instance.secret_key not in caplog.text


class CountingClient:
    """A Redis client whose server is down until ``up`` is set."""

    def __init__(self) -> None:
        self.up = False
        self.calls = 0
        self.data: dict[str, bytes] = {}

    def _reach(self) -> None:
        self.calls += 1
        if not self.up:
            raise ConnectionError("Connection refused")

    def get(self, key: str) -> bytes | None:
        self._reach()
        return self.data.get(key)

    def set(self, key: str, value: str, ex: int) -> None:
        self._reach()
        self.data[key] = value.encode()

    def delete(self, key: str) -> None:
        self._reach()
        self.data.pop(key, None)


def test_a_failing_cache_is_left_alone_for_a_pause(instance: LocalClerkInstance) -> None:
    clock, client = FakeClock(0), CountingClient()
    engine = instance.clerk()
    engine.user_cache = RedisUserCache(client, pause=5, clock=clock)
    auth = engine.authenticate_request(
        instance.request("/", bearer=instance.session_token("user_1"))
    ).to_auth()
    for _ in range(3):
        assert current_user(engine, auth).first_name == "Ada"  # type: ignore[union-attr]
    assert client.calls == 1  # one fault, then no more connection attempts during the pause
    client.up = True
    clock.advance(5)
    current_user(engine, auth)  # a miss (get), then stored (set)
    current_user(engine, auth)  # a hit (get)
    assert client.calls == 4
    assert user_lookups(instance) == 4


class DownCache(BaseCache):  # type: ignore[misc]
    """A Django cache backend whose server cannot be reached."""

    def __init__(self, location: str, params: dict[str, object]) -> None:
        super().__init__(params)

    def get(self, key: str, default: object = None, version: int | None = None) -> object:
        raise ConnectionError("cache server down")

    def set(self, key: str, value: object, timeout: object = None, version: object = None) -> None:
        raise ConnectionError("cache server down")

    def delete(self, key: str, version: int | None = None) -> bool:
        raise ConnectionError("cache server down")


def test_django_user_cache_faults_fall_back_to_the_api(
    instance: LocalClerkInstance, settings: Any
) -> None:
    from clerk_django.users_cache import DjangoUserCache

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "down": {"BACKEND": f"{__name__}.DownCache"},
    }
    engine = instance.clerk()
    auth = engine.authenticate_request(
        instance.request("/", bearer=instance.session_token("user_1"))
    ).to_auth()
    engine.user_cache = DjangoUserCache("down", pause=0)
    assert current_user(engine, auth).first_name == "Ada"  # type: ignore[union-attr]
    engine.user_cache.delete("user_1")
    assert user_lookups(instance) == 1
    engine.user_cache = cache = DjangoUserCache("default")
    assert repr(cache) == "DjangoUserCache('default', ttl=60.0)"
    current_user(engine, auth)
    current_user(engine, auth)
    assert user_lookups(instance) == 2  # one miss, then a hit


class BrokenStore:
    """An idempotency store whose backend fails at one step."""

    def __init__(self, fails_at: str) -> None:
        self.fails_at = fails_at
        self.claimed: set[str] = set()

    def _maybe_fail(self, step: str) -> None:
        if step == self.fails_at:
            raise ConnectionError("store down")

    def claim(self, key: str, ttl: float) -> bool:
        self._maybe_fail("claim")
        if key in self.claimed:
            return False
        self.claimed.add(key)
        return True

    def is_done(self, key: str) -> bool:
        self._maybe_fail("is_done")
        return False

    def complete(self, key: str, ttl: float) -> None:
        self._maybe_fail("complete")

    def release(self, key: str) -> None:
        self._maybe_fail("release")
        self.claimed.discard(key)


def delivery(instance: LocalClerkInstance) -> tuple[bytes, dict[str, str], WebhookVerifier]:
    body, headers = instance.sign_webhook("user.created", instance.user_payload("user_9"))
    return body, headers, WebhookVerifier(instance.webhook_signing_secret)


@pytest.mark.parametrize("run", ["sync", "async"])
def test_store_down_before_the_claim_answers_503_without_running_handlers(
    instance: LocalClerkInstance, caplog: pytest.LogCaptureFixture, run: str
) -> None:
    router = WebhookRouter(store=BrokenStore("claim"))
    ran: list[str] = []
    router.on("user.created")(lambda event: ran.append(event.id))
    body, headers, verifier = delivery(instance)
    with caplog.at_level(logging.ERROR, logger="clerk_core.webhooks"):
        if run == "sync":
            response = handle_webhook(body, headers, router, verifier)
        else:
            response = asyncio.run(handle_webhook_async(body, headers, router, verifier))
    assert (response.status, response.json()) == (503, {"status": "unavailable"})
    assert ran == []  # fail closed: Clerk retries rather than the handler running unguarded
    assert "idempotency store failed" in caplog.text


@pytest.mark.parametrize("run", ["sync", "async"])
def test_store_down_after_the_handlers_still_reports_what_they_did(
    instance: LocalClerkInstance, run: str
) -> None:
    body, headers, verifier = delivery(instance)
    ok = WebhookRouter(store=BrokenStore("complete"))
    ok.on("user.created")(lambda event: None)
    failing = WebhookRouter(store=BrokenStore("release"))

    @failing.on("user.created")
    def boom(event: object) -> None:
        raise RuntimeError("handler bug")

    def answer(router: WebhookRouter) -> int:
        if run == "sync":
            return handle_webhook(body, headers, router, verifier).status
        return asyncio.run(handle_webhook_async(body, headers, router, verifier)).status

    assert answer(ok) == 200
    assert answer(failing) == 500


class LoopSpyCache(RemoteUserCache):
    """Records whether each call ran on the event loop's thread."""

    def __init__(self) -> None:
        super().__init__()
        self.on_loop: list[tuple[str, bool]] = []
        self.users: dict[str, User] = {}

    def _note(self, what: str) -> None:
        try:
            asyncio.get_running_loop()
            self.on_loop.append((what, True))
        except RuntimeError:
            self.on_loop.append((what, False))

    def get(self, user_id: str) -> User | None:
        self._note("get")
        return self.users.get(user_id)

    def set(self, user_id: str, user: User) -> None:
        self._note("set")
        self.users[user_id] = user

    def delete(self, user_id: str) -> None:
        self.users.pop(user_id, None)


def test_remote_caches_never_block_the_event_loop(instance: LocalClerkInstance) -> None:
    engine = instance.clerk()
    engine.user_cache = cache = LoopSpyCache()
    auth = engine.authenticate_request(
        instance.request("/", bearer=instance.session_token("user_1"))
    ).to_auth()
    assert asyncio.run(current_user_async(engine, auth)).first_name == "Ada"  # type: ignore[union-attr]
    assert asyncio.run(current_user_async(engine, auth)).first_name == "Ada"  # type: ignore[union-attr]
    assert cache.on_loop == [("get", False), ("set", False), ("get", False)]
    assert user_lookups(instance) == 1
