"""Users cached in Django's cache framework (any backend, Redis included), for ``current_user``.

CLERK = {..., "user_cache": "django"}          # the "default" cache, 60 s
"""

from __future__ import annotations

from typing import Any

from clerk_core.resources import User

__all__ = ["DjangoUserCache"]


class DjangoUserCache:
    def __init__(
        self, alias: str = "default", *, ttl: float = 60.0, prefix: str = "clerk-user:"
    ) -> None:
        self.alias = alias
        self.ttl = ttl
        self.prefix = prefix

    @property
    def cache(self) -> Any:
        from django.core.cache import caches

        return caches[self.alias]

    def get(self, user_id: str) -> User | None:
        raw = self.cache.get(self.prefix + user_id)
        return User(raw) if isinstance(raw, dict) else None

    def set(self, user_id: str, user: User) -> None:
        self.cache.set(self.prefix + user_id, dict(user.raw), timeout=self.ttl)

    def delete(self, user_id: str) -> None:
        self.cache.delete(self.prefix + user_id)
