"""The current user: ``current_user(clerk, auth)``, cached across requests.

A page view should not cost a Backend API call: users are cached (60 s by default) in a pluggable
:class:`UserCache`: in memory by default, Redis (:class:`RedisUserCache`) or Django's cache
(``clerk_django.users_cache.DjangoUserCache``) across processes. Wire
:func:`invalidate_on_user_events` into your webhook router so that ``user.updated`` and
``user.deleted`` drop the cached copy at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from cachetools import TTLCache

from .errors import ClerkAPIError
from .resources import User

if TYPE_CHECKING:
    from .auth import AuthObject
    from .clerk import Clerk
    from .webhooks import WebhookEvent, WebhookRouter

__all__ = [
    "MemoryUserCache",
    "RedisUserCache",
    "RemoteUserCache",
    "UserCache",
    "current_user",
    "current_user_async",
    "invalidate_on_user_events",
]


logger = logging.getLogger("clerk_core.users")


class UserCache(Protocol):
    def get(self, user_id: str) -> User | None: ...

    def set(self, user_id: str, user: User) -> None: ...

    def delete(self, user_id: str) -> None: ...


class MemoryUserCache:
    """In-process TTL cache (cachetools)."""

    def __init__(self, *, ttl: float = 60.0, maxsize: int = 10_000) -> None:
        self._cache: TTLCache[str, User] = TTLCache(maxsize=maxsize, ttl=ttl)
        self._lock = threading.Lock()

    def get(self, user_id: str) -> User | None:
        with self._lock:
            return self._cache.get(user_id)

    def set(self, user_id: str, user: User) -> None:
        with self._lock:
            self._cache[user_id] = user

    def delete(self, user_id: str) -> None:
        with self._lock:
            self._cache.pop(user_id, None)


class RemoteUserCache:
    """Base for user caches kept in another server (Redis, Django's cache backends).

    The cache is an optimisation, never a point of failure: a fault of the server is logged and
    treated as a miss, and the server is then left alone for ``pause`` seconds, so that while it is
    down each request costs one Backend API call rather than a connection timeout as well.
    """

    def __init__(self, *, pause: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.pause = pause
        self._clock = clock
        self._down_until = 0.0

    def _call(
        self,
        what: str,
        operation: Callable[..., Any],
        *args: Any,
        warn_when_paused: bool = False,
        **kwargs: Any,
    ) -> Any:
        """``operation(...)``, or ``None`` (logged) while the server is failing. A skipped delete
        leaves a stale copy and is worth a warning (``warn_when_paused``); a skipped get or set is
        not."""
        if self._clock() < self._down_until:
            log = logger.warning if warn_when_paused else logger.debug
            log("Clerk user cache paused after a fault; %s", what)
            return None
        try:
            return operation(*args, **kwargs)
        except Exception:
            self._down_until = self._clock() + self.pause
            logger.warning("Clerk user cache unavailable; %s", what, exc_info=True)
            return None


class RedisUserCache(RemoteUserCache):
    """Users cached in Redis (redis-py), shared by every process.

    Faults are logged misses (see :class:`RemoteUserCache`). Give the client a short
    ``socket_timeout`` (and, with redis-py 6+, ``retry=Retry(NoBackoff(), 0)``) so that a fault is
    noticed quickly.
    """

    def __init__(
        self,
        client: Any,
        *,
        ttl: float = 60.0,
        prefix: str = "clerk:user:",
        pause: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(pause=pause, clock=clock)
        self.client = client
        self.ttl = ttl
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"RedisUserCache(prefix={self.prefix!r}, ttl={self.ttl!r})"

    def get(self, user_id: str) -> User | None:
        raw = self._call("asking the Backend API", self.client.get, self.prefix + user_id)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return User(data) if isinstance(data, dict) else None

    def set(self, user_id: str, user: User) -> None:
        key, payload = self.prefix + user_id, json.dumps(dict(user.raw))
        self._call("not caching", self.client.set, key, payload, ex=max(1, int(self.ttl)))

    def delete(self, user_id: str) -> None:
        what = f"{user_id} stays cached until its TTL"
        self._call(what, self.client.delete, self.prefix + user_id, warn_when_paused=True)


def _lookup(clerk: Clerk, auth: AuthObject) -> tuple[str | None, User | None]:
    """``(user_id, cached user)``; ``user_id`` is ``None`` when nobody is signed in."""
    user_id = auth.user_id if auth.is_authenticated and auth.user_id else None
    return user_id, clerk.user_cache.get(user_id) if user_id else None


def _remember(clerk: Clerk, user_id: str, user: User) -> User:
    clerk.user_cache.set(user_id, user)
    return user


def current_user(clerk: Clerk, auth: AuthObject) -> User | None:
    """The signed-in user from the Backend API (through ``clerk.user_cache``), or ``None``."""
    user_id, cached = _lookup(clerk, auth)
    if user_id is None or cached is not None:
        return cached
    try:
        return _remember(clerk, user_id, clerk.backend_api.users.get(user_id))
    except ClerkAPIError as exc:
        if exc.status == 404:
            return None
        raise


async def current_user_async(clerk: Clerk, auth: AuthObject) -> User | None:
    """``current_user`` for async code. A cache kept in another server (:class:`RemoteUserCache`)
    is read and written in a worker thread, so that its network calls never block the event loop;
    the in-memory cache is used in place."""
    remote = isinstance(clerk.user_cache, RemoteUserCache)
    if remote:
        user_id, cached = await asyncio.to_thread(_lookup, clerk, auth)
    else:
        user_id, cached = _lookup(clerk, auth)
    if user_id is None or cached is not None:
        return cached
    try:
        user = await clerk.backend_api_async.users.get(user_id)
    except ClerkAPIError as exc:
        if exc.status == 404:
            return None
        raise
    if remote:
        return await asyncio.to_thread(_remember, clerk, user_id, user)
    return _remember(clerk, user_id, user)


def invalidate_on_user_events(router: WebhookRouter, cache: UserCache) -> None:
    """Drop a cached user when Clerk says it changed (``user.updated``, ``user.deleted``)."""

    def invalidate(event: WebhookEvent) -> None:
        user = event.user
        if user is not None and user.id:
            cache.delete(user.id)

    router.on("user.updated", "user.deleted")(invalidate)
