"""View decorators and class-based-view mixins: ``auth_required``, ``protect(...)``.

They work on sync and async views, with or without ``ClerkMiddleware`` (without it they authenticate
the request themselves), and answer refusals with the shared core responses. Without Django's
``CsrfViewMiddleware`` they also refuse a cookie-authenticated unsafe request from another origin
(``clerk_django._origin``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from clerk_core.adapter import protect_refusal
from clerk_core.protect import ProtectParams

from ._http import aauthenticate, authenticate, render, request_state, request_view
from ._origin import origin_refusal
from .conf import get_clerk

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "ClerkLoginRequiredMixin",
    "ClerkProtectMixin",
    "auth_required",
    "protect",
    "require_auth",
]

View = TypeVar("View", bound=Callable[..., Any])


def _check(request: HttpRequest, params: Mapping[str, Any]) -> HttpResponseBase | None:
    forged = origin_refusal(request)
    if forged is not None:
        return forged
    refusal = protect_refusal(
        request_state(request),
        request.auth,
        params,
        request=lambda: request_view(request),
        options=get_clerk().options,
    )
    return render(refusal) if refusal is not None else None


def protect(**params: Unpack[ProtectParams]) -> Callable[[View], View]:
    """Allow the view only to what ``auth.protect(**params)`` allows (``role``, ``permission``,
    ``feature``, ``plan``, ``reverification``, ``condition``, ``unauthenticated_url``,
    ``unauthorized_url``)."""
    kwargs: Mapping[str, Any] = params

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapped(request: HttpRequest, *args: Any, **kw: Any) -> Any:
                await aauthenticate(request)
                refused = _check(request, kwargs)
                if refused is not None:
                    return refused
                return await view(request, *args, **kw)

            return async_wrapped  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kw: Any) -> Any:
            authenticate(request)
            refused = _check(request, kwargs)
            if refused is not None:
                return refused
            return view(request, *args, **kw)

        return wrapped  # type: ignore[return-value]

    return decorator


def require_auth(view: View) -> View:
    """Anyone signed in (pages are redirected to sign-in, APIs get 401)."""
    return protect()(view)


auth_required = require_auth
"""The same decorator under Django's ``login_required``-style name."""


class ClerkProtectMixin:
    """For class-based views: set ``clerk_protect = {"role": "org:admin"}`` (``protect()``
    arguments); an empty dict means "signed in"."""

    clerk_protect: Mapping[str, Any] = {}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        parent = super().dispatch  # type: ignore[misc]
        if getattr(self, "view_is_async", False):

            async def run() -> Any:
                await aauthenticate(request)
                refused = _check(request, self.clerk_protect)
                if refused is not None:
                    return refused
                return await parent(request, *args, **kwargs)

            return run()
        authenticate(request)
        refused = _check(request, self.clerk_protect)
        if refused is not None:
            return refused
        return parent(request, *args, **kwargs)


class ClerkLoginRequiredMixin(ClerkProtectMixin):
    """Like Django's ``LoginRequiredMixin``, for Clerk sessions."""

    clerk_protect: Mapping[str, Any] = {}
