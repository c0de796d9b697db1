"""Users cached in Django's cache framework (any backend, Redis included), for ``current_user``.

CLERK = {..., "user_cache": "django"}          # the "default" cache, 60 s
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from clerk_core.resources import User
from clerk_core.users import RemoteUserCache

__all__ = ["DjangoUserCache"]


class DjangoUserCache(RemoteUserCache):
    """Faults of the cache backend are logged misses (see ``RemoteUserCache``)."""

    def __init__(
        self,
        alias: str = "default",
        *,
        ttl: float = 60.0,
        prefix: str = "clerk-user:",
        pause: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(pause=pause, clock=clock)
        self.alias = alias
        self.ttl = ttl
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"DjangoUserCache({self.alias!r}, ttl={self.ttl!r})"

    @property
    def cache(self) -> Any:
        from django.core.cache import caches

        return caches[self.alias]

    def get(self, user_id: str) -> User | None:
        raw = self._call("asking the Backend API", self.cache.get, self.prefix + user_id)
        return User(raw) if isinstance(raw, dict) else None

    def set(self, user_id: str, user: User) -> None:
        self._call("not caching", self.cache.set, self.prefix + user_id, dict(user.raw), self.ttl)

    def delete(self, user_id: str) -> None:
        what = f"{user_id} stays cached until its TTL"
        self._call(what, self.cache.delete, self.prefix + user_id, warn_when_paused=True)
