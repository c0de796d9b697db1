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
from clerk_core.protect import ProtectParams, route_accepts_token, validate_protect_params
from clerk_core.responses import redirect_to_sign_in as core_redirect_to_sign_in
from clerk_core.responses import redirect_to_sign_up as core_redirect_to_sign_up

from ._http import aauthenticate, authenticate, render, request_state, request_view, store
from ._origin import origin_refusal
from .conf import get_clerk

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "ClerkLoginRequiredMixin",
    "ClerkProtectMixin",
    "auth_required",
    "protect",
    "redirect_to_sign_in",
    "redirect_to_sign_up",
    "require_auth",
]

View = TypeVar("View", bound=Callable[..., Any])


def _wider(request: HttpRequest, params: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The route's token types when the request must be authenticated again with them (the
    route takes a type the app-wide ``accepts_token`` excludes; docs/protect.md)."""
    return route_accepts_token(
        request_state(request),
        request.auth,
        params,
        get_clerk().options,
        lambda: request_view(request),
    )


def _authenticated(request: HttpRequest, params: Mapping[str, Any]) -> None:
    authenticate(request)
    wider = _wider(request, params)
    if wider is not None:
        store(request, get_clerk().authenticate_request(request_view(request), accepts_token=wider))


async def _aauthenticated(request: HttpRequest, params: Mapping[str, Any]) -> None:
    await aauthenticate(request)
    wider = _wider(request, params)
    if wider is not None:
        state = await get_clerk().authenticate_request_async(
            request_view(request), accepts_token=wider
        )
        store(request, state)


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
    ``unauthorized_url``, ``token``: the token types the view takes). The arguments are
    checked here, when the module is imported."""
    validate_protect_params(params)
    kwargs: Mapping[str, Any] = params

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapped(request: HttpRequest, *args: Any, **kw: Any) -> Any:
                await _aauthenticated(request, kwargs)
                refused = _check(request, kwargs)
                if refused is not None:
                    return refused
                return await view(request, *args, **kw)

            return async_wrapped  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kw: Any) -> Any:
            _authenticated(request, kwargs)
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        validate_protect_params(cls.clerk_protect)  # a wrong argument fails at import time

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        parent = super().dispatch  # type: ignore[misc]
        if getattr(self, "view_is_async", False):

            async def run() -> Any:
                await _aauthenticated(request, self.clerk_protect)
                refused = _check(request, self.clerk_protect)
                if refused is not None:
                    return refused
                return await parent(request, *args, **kwargs)

            return run()
        _authenticated(request, self.clerk_protect)
        refused = _check(request, self.clerk_protect)
        if refused is not None:
            return refused
        return parent(request, *args, **kwargs)


class ClerkLoginRequiredMixin(ClerkProtectMixin):
    """Like Django's ``LoginRequiredMixin``, for Clerk sessions."""

    clerk_protect: Mapping[str, Any] = {}


def redirect_to_sign_in(
    request: HttpRequest, *, return_back_url: str | None = None
) -> HttpResponseBase:
    """Clerk's ``redirectToSignIn()``: a 307 to the sign-in page with ``redirect_url`` set to this
    page (or to ``return_back_url`` when the open-redirect rules allow it); docs/redirects.md.
    Authenticates the request (sync) if nothing did yet."""
    authenticate(request)
    rendered = core_redirect_to_sign_in(
        request_view(request),
        get_clerk().options,
        state=request_state(request),
        return_back_url=return_back_url,
    )
    return render(rendered)


def redirect_to_sign_up(
    request: HttpRequest, *, return_back_url: str | None = None
) -> HttpResponseBase:
    """Clerk's ``redirectToSignUp()``: :func:`redirect_to_sign_in` for the sign-up page."""
    authenticate(request)
    rendered = core_redirect_to_sign_up(
        request_view(request),
        get_clerk().options,
        state=request_state(request),
        return_back_url=return_back_url,
    )
    return render(rendered)
