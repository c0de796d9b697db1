"""Settings: ``settings.CLERK`` (a dict), with the ``CLERK_*`` environment as fallback.

Keys are the ``ClerkOptions`` field names (``"secret_key"``, ``"authorized_parties"``, ...), plus:

* ``"guard"``: dotted path to ``guard(auth, request)``, run by the middleware on every request;
* ``"options"``: a ready ``ClerkOptions`` (instead of the fields);
* ``"clerk"``: a ready ``Clerk`` engine (tests use it to inject HTTP transports);
* ``"django_users"``: map Clerk users to Django users (``request.user``); off by default;
* ``"local_frontend"``: a ``clerk_core.testing.LocalFrontendAPI`` served by
  ``clerk_django.local.LocalFrontendMiddleware`` (demos without a Clerk account);
* ``"user_fields"``, ``"user_claims"``, ``"user_delete_policy"``, ``"fetch_user_on_create"``,
  ``"mirror_organizations"``, ``"dashboard_url"``: Django users and organizations mirrored from
  Clerk (``docs/django-users.md``).

Settings are read lazily and re-read when ``override_settings`` changes ``CLERK``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from clerk_core import Clerk, ClerkConfigurationError, ClerkOptions

__all__ = ["clerk_settings", "get_clerk", "get_guard", "reset"]

EXTRA_KEYS = frozenset(
    {
        "guard",
        "options",
        "clerk",
        "django_users",
        "local_frontend",
        "user_cache",
        "user_id_field",
        # Django users mirrored from Clerk (docs/django-users.md)
        "user_fields",
        "user_claims",
        "user_delete_policy",
        "fetch_user_on_create",
        "mirror_organizations",
        "dashboard_url",
    }
)

_lock = threading.Lock()
_engine: Clerk | None = None
_guard: tuple[Any, Callable[..., Any] | None] | None = None
_settings: Mapping[str, Any] | None = None


def clerk_settings() -> Mapping[str, Any]:
    """``settings.CLERK``, read once (again after ``override_settings`` changes it: every request
    asks, and Django's lazy settings cost more than the dict)."""
    global _settings
    value = _settings
    if value is None:
        value = getattr(settings, "CLERK", {})
        if type(value) is not dict and not isinstance(value, Mapping):
            raise ImproperlyConfigured("settings.CLERK must be a dict of Clerk options.")
        _settings = value
    return value


def build_options(config: Mapping[str, Any]) -> ClerkOptions:
    """``ClerkOptions`` from ``settings.CLERK`` (and the environment for anything not set)."""
    ready = config.get("options")
    if ready is not None:
        if not isinstance(ready, ClerkOptions):
            raise ImproperlyConfigured("settings.CLERK['options'] must be a ClerkOptions.")
        return ready
    fields = {k: v for k, v in config.items() if k not in EXTRA_KEYS}
    try:
        return ClerkOptions.from_env(**fields)
    except TypeError as exc:
        raise ImproperlyConfigured(f"settings.CLERK has an unknown key: {exc}") from None


def get_clerk() -> Clerk:
    """The engine for ``settings.CLERK``, built once (and again after ``override_settings``)."""
    global _engine
    engine = _engine
    if engine is not None:
        return engine
    with _lock:
        if _engine is None:
            config = clerk_settings()
            ready = config.get("clerk")
            if ready is not None:
                if not isinstance(ready, Clerk):
                    raise ImproperlyConfigured("settings.CLERK['clerk'] must be a Clerk engine.")
                _engine = ready
            else:
                try:
                    _engine = Clerk(build_options(config))
                except ClerkConfigurationError as exc:
                    raise ImproperlyConfigured(f"settings.CLERK: {exc}") from exc
            cache = config.get("user_cache")
            if cache is not None:
                if cache == "django":
                    from .users_cache import DjangoUserCache

                    cache = DjangoUserCache()
                _engine.user_cache = cache
        return _engine


def get_guard() -> Callable[..., Any] | None:
    """The guard named by ``settings.CLERK['guard']`` (a dotted path or a callable)."""
    global _guard
    config = clerk_settings()
    raw = config.get("guard")
    cached = _guard
    if cached is not None and cached[0] is raw:
        return cached[1]
    guard: Callable[..., Any] | None
    if raw is None:
        guard = None
    elif callable(raw):
        guard = raw
    elif isinstance(raw, str):
        try:
            guard = import_string(raw)
        except ImportError as exc:
            raise ImproperlyConfigured(f"settings.CLERK['guard'] = {raw!r}: {exc}") from exc
    else:
        raise ImproperlyConfigured("settings.CLERK['guard'] must be a dotted path or a callable.")
    _guard = (raw, guard)
    return guard


def reset() -> None:
    """Forget the cached settings, engine and guard (settings changed)."""
    global _engine, _guard, _settings
    with _lock:
        _engine = None
        _guard = None
        _settings = None


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "CLERK":
        reset()
