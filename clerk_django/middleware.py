"""``ClerkMiddleware``: authenticate every Django request, sync or async.

Add ``"clerk_django.middleware.ClerkMiddleware"`` to ``MIDDLEWARE``. It runs on the sync or the async
path depending on the next handler (it never starts an event loop from sync code), sets
``request.auth``, answers Clerk's session handshakes, runs ``settings.CLERK["guard"]`` and turns a
refusal into the shared core response (sign-in redirect, 401/403 JSON). Cookie-authenticated unsafe
requests are left to Django's ``CsrfViewMiddleware``; without it, one from another origin is refused
with 403 (``clerk_django._origin``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from clerk_core import (
    MalformedURLError,
    ProtectError,
    RequestState,
    auth_response,
    early_response,
)

from ._http import add_headers, render, request_view, store
from ._origin import origin_refusal
from .conf import get_clerk, get_guard
from .users import attach_django_user

__all__ = ["ClerkMiddleware"]

Handler = Callable[[HttpRequest], Any]


class ClerkMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        get_clerk()  # a misconfiguration fails when the handler loads, not on a request

    def __repr__(self) -> str:
        return f"ClerkMiddleware(async={self.is_async})"

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        view = request_view(request)
        clerk = get_clerk()
        state = clerk.authenticate_request(view)
        early = self._before(request, state)
        if early is not None:
            return early
        guard = get_guard()
        if guard is not None:
            try:
                result = guard(request.auth, request)
            except (ProtectError, MalformedURLError) as exc:
                return render(auth_response(exc, view, clerk.options, state=state))
            if isinstance(result, HttpResponseBase):
                return result
        response: HttpResponseBase = self.get_response(request)
        add_headers(response, state.headers)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        view = request_view(request)
        clerk = get_clerk()
        state = await clerk.authenticate_request_async(view)
        early = self._before(request, state)
        if early is not None:
            return early
        guard = get_guard()
        if guard is not None:
            try:
                result = guard(request.auth, request)
                if inspect.isawaitable(result):
                    result = await result
            except (ProtectError, MalformedURLError) as exc:
                return render(auth_response(exc, view, clerk.options, state=state))
            if isinstance(result, HttpResponseBase):
                return result
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        response = await get_response(request)
        add_headers(response, state.headers)
        return response

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        """Without Django's ``CsrfViewMiddleware``, refuse a cookie-authenticated unsafe request
        from another origin to a view that is not ``csrf_exempt`` (``clerk_django._origin``)."""
        return origin_refusal(request, view)

    @staticmethod
    def _before(request: HttpRequest, state: RequestState) -> HttpResponseBase | None:
        early = early_response(state, request_view(request), get_clerk().options)
        if early is not None:
            return render(early)
        auth = store(request, state)
        attach_django_user(request, auth)
        return None
