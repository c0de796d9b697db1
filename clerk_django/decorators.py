"""View decorators and class-based-view mixins: ``auth_required``, ``protect(...)``.

They work on sync and async views, with or without ``ClerkMiddleware`` (without it they authenticate
the request themselves), and answer refusals with the shared core responses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from clerk_core import AuthStatus, ProtectError

from ._http import aget_auth, get_auth, refuse, request_state

__all__ = ["ClerkLoginRequiredMixin", "ClerkProtectMixin", "auth_required", "protect"]

View = TypeVar("View", bound=Callable[..., Any])


def _check(request: HttpRequest, kwargs: Mapping[str, Any]) -> HttpResponseBase | None:
    state = request_state(request)
    if state is not None and state.status is AuthStatus.HANDSHAKE:
        return refuse(state, request)
    try:
        request.auth.protect(**kwargs)
    except ProtectError as exc:
        return refuse(exc, request)
    return None


def protect(
    *,
    role: str | None = None,
    permission: str | None = None,
    feature: str | None = None,
    plan: str | None = None,
    reverification: str | Mapping[str, Any] | None = None,
    condition: Callable[[Callable[..., bool]], bool] | None = None,
    unauthenticated_url: str | None = None,
    unauthorized_url: str | None = None,
) -> Callable[[View], View]:
    """Allow the view only to what ``auth.protect(...)`` allows."""
    kwargs: dict[str, Any] = {
        "role": role,
        "permission": permission,
        "feature": feature,
        "plan": plan,
        "reverification": reverification,
        "condition": condition,
        "unauthenticated_url": unauthenticated_url,
        "unauthorized_url": unauthorized_url,
    }

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapped(request: HttpRequest, *args: Any, **kw: Any) -> Any:
                await aget_auth(request)
                refused = _check(request, kwargs)
                if refused is not None:
                    return refused
                return await view(request, *args, **kw)

            return async_wrapped  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kw: Any) -> Any:
            get_auth(request)
            refused = _check(request, kwargs)
            if refused is not None:
                return refused
            return view(request, *args, **kw)

        return wrapped  # type: ignore[return-value]

    return decorator


def auth_required(view: View) -> View:
    """Anyone signed in (pages are redirected to sign-in, APIs get 401)."""
    return protect()(view)


class ClerkProtectMixin:
    """For class-based views: set ``clerk_protect = {"role": "org:admin"}`` (``protect()``
    arguments); an empty dict means "signed in"."""

    clerk_protect: Mapping[str, Any] = {}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        parent = super().dispatch  # type: ignore[misc]
        if getattr(self, "view_is_async", False):

            async def run() -> Any:
                await aget_auth(request)
                refused = _check(request, self.clerk_protect)
                if refused is not None:
                    return refused
                return await parent(request, *args, **kwargs)

            return run()
        get_auth(request)
        refused = _check(request, self.clerk_protect)
        if refused is not None:
            return refused
        return parent(request, *args, **kwargs)


class ClerkLoginRequiredMixin(ClerkProtectMixin):
    """Like Django's ``LoginRequiredMixin``, for Clerk sessions."""

    clerk_protect: Mapping[str, Any] = {}
