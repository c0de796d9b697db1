"""The current user: ``current_user(clerk, auth)``, cached across requests.

A page view should not cost a Backend API call: users are cached (60 s by default) in a pluggable
:class:`UserCache`: in memory by default, Redis (:class:`RedisUserCache`) or Django's cache
(``clerk_django.users_cache.DjangoUserCache``) across processes. Wire
:func:`invalidate_on_user_events` into your webhook router so that ``user.updated`` and
``user.deleted`` drop the cached copy at once.
"""

from __future__ import annotations

import json
import threading
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
    "UserCache",
    "current_user",
    "current_user_async",
    "invalidate_on_user_events",
]


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


class RedisUserCache:
    """Users cached in Redis (redis-py), shared by every process."""

    def __init__(self, client: Any, *, ttl: float = 60.0, prefix: str = "clerk:user:") -> None:
        self.client = client
        self.ttl = ttl
        self.prefix = prefix

    def get(self, user_id: str) -> User | None:
        raw = self.client.get(self.prefix + user_id)
        if raw is None:
            return None
        try:
            return User(json.loads(raw))
        except ValueError:
            return None

    def set(self, user_id: str, user: User) -> None:
        self.client.set(self.prefix + user_id, json.dumps(dict(user.raw)), ex=max(1, int(self.ttl)))

    def delete(self, user_id: str) -> None:
        self.client.delete(self.prefix + user_id)


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
    """``current_user`` for async code."""
    user_id, cached = _lookup(clerk, auth)
    if user_id is None or cached is not None:
        return cached
    try:
        return _remember(clerk, user_id, await clerk.backend_api_async.users.get(user_id))
    except ClerkAPIError as exc:
        if exc.status == 404:
            return None
        raise


def invalidate_on_user_events(router: WebhookRouter, cache: UserCache) -> None:
    """Drop a cached user when Clerk says it changed (``user.updated``, ``user.deleted``)."""

    def invalidate(event: WebhookEvent) -> None:
        user = event.user
        if user is not None and user.id:
            cache.delete(user.id)

    router.on("user.updated", "user.deleted")(invalidate)
