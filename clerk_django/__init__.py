"""Clerk for Django: ``ClerkMiddleware``, ``get_auth``, decorators, DRF classes and system checks.

Install the app and the middleware::

    INSTALLED_APPS = [..., "clerk_django"]
    MIDDLEWARE = [..., "clerk_django.middleware.ClerkMiddleware"]
    CLERK = {"authorized_parties": ["https://app.example.com"]}   # keys from CLERK_* env vars
"""

from __future__ import annotations

from typing import TYPE_CHECKING

try:
    import django  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "clerk_django needs Django: pip install 'clerk-integrations[django]'"
    ) from exc

from django.http import HttpRequest

from clerk_core.routes import routed_path

if TYPE_CHECKING:
    from clerk_core import AuthObject, RequestState
    from clerk_core.resources import User

__all__ = ["acurrent_user", "aget_auth", "current_user", "get_auth", "get_request_state"]


@routed_path.register
def _routed_path(request: HttpRequest) -> str:
    """Route matchers judge the path Django's URL resolver routes on."""
    return request.path_info


def get_auth(request: HttpRequest) -> AuthObject:
    """The Clerk auth object of a request (authenticated by the middleware, or now)."""
    from ._http import get_auth as _get_auth

    return _get_auth(request)


def current_user(request: HttpRequest) -> User | None:
    """The signed-in user from the Backend API (memoised per request, cached across requests)."""
    from ._http import current_user as _current_user

    return _current_user(request)


async def acurrent_user(request: HttpRequest) -> User | None:
    """``current_user`` for async views."""
    from ._http import acurrent_user as _acurrent_user

    return await _acurrent_user(request)


async def aget_auth(request: HttpRequest) -> AuthObject:
    """``get_auth`` for async views."""
    from ._http import aget_auth as _aget_auth

    return await _aget_auth(request)


def get_request_state(request: HttpRequest) -> RequestState | None:
    """The request state (status, reason, token type, Clerk's headers) stored on ``request`` by
    the middleware, a decorator or ``get_auth``; ``None`` before any of them ran."""
    from ._http import get_request_state as _get_request_state

    return _get_request_state(request)
