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
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from clerk_core import ClerkOptions, RequestState, RequestView
from clerk_core.adapter import (
    GUARD_RESULT_ERROR,
    Refusal,
    arun_guard,
    before_app,
    remembered_from_environ,
    run_guard,
)
from clerk_core.csp import (
    content_security_policy_headers,
    generate_nonce,
    is_html,
    policy_header_name,
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
        clerk = get_clerk()
        if clerk.options.content_security_policy is not None:
            return _with_policy(request, clerk.options, self._call)
        return self._call(request)

    def _call(self, request: HttpRequest) -> Any:
        clerk = get_clerk()
        # A repeated Bearer token or signed-in Cookie header is answered from the engine's memory
        # before any view is built.
        state = remembered_from_environ(clerk, request.META, request.method or "")
        view: RequestView | Callable[[], RequestView]
        if state is None:
            view = request_view(request)
            state = clerk.authenticate_request(view)
            early = self._before(request, view, state, clerk.options)
            if early is not None:
                return early
        else:
            request.get_host()  # ALLOWED_HOSTS still applies: a foreign Host is Django's 400
            view = partial(request_view, request)  # built only if the guard refuses
        attach_django_user(request, store(request, state))
        guard = get_guard()
        if guard is not None:
            result = run_guard(
                guard, request.auth, request, request=view, state=state, options=clerk.options
            )
            if inspect.isawaitable(result):  # an async guard on the sync path: run it, fail closed
                result = async_to_sync(_settled)(result)
            answered = _guard_answer(result, state)
            if answered is not None:
                return answered
        response: HttpResponseBase = self.get_response(request)
        add_headers(response, state.headers)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        options = get_clerk().options
        if options.content_security_policy is None:
            return await self._acall(request)
        nonce = _policy_nonce(request)
        response = await self._acall(request)
        _add_policy(response, options, nonce)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        clerk = get_clerk()
        state = remembered_from_environ(clerk, request.META, request.method or "")
        view: RequestView | Callable[[], RequestView]
        if state is None:
            view = request_view(request)
            state = await clerk.authenticate_request_async(view)
            early = self._before(request, view, state, clerk.options)
            if early is not None:
                return early
        else:
            request.get_host()
            view = partial(request_view, request)
        attach_django_user(request, store(request, state))
        guard = get_guard()
        if guard is not None:
            result = await arun_guard(
                guard, request.auth, request, request=view, state=state, options=clerk.options
            )
            answered = _guard_answer(result, state)
            if answered is not None:
                return answered
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
    def _before(
        request: HttpRequest, view: RequestView, state: RequestState, options: ClerkOptions
    ) -> HttpResponseBase | None:
        # The cross-origin rule is applied in process_view, where the view (csrf_exempt, DRF) and
        # Django's own CsrfViewMiddleware are known (clerk_django._origin).
        early = before_app(state, view, options, check_origin=False)
        return None if early is None else render(early)


def _policy_nonce(request: HttpRequest) -> str:
    """The Content Security Policy option: this request's nonce, as ``request.clerk_nonce`` (the
    ``{% load clerk %}`` tags put it on their script tags)."""
    nonce = generate_nonce()
    request.clerk_nonce = nonce
    return nonce


def _with_policy(
    request: HttpRequest, options: ClerkOptions, call: Callable[[HttpRequest], Any]
) -> Any:
    nonce = _policy_nonce(request)
    response = call(request)
    _add_policy(response, options, nonce)
    return response


def _add_policy(response: HttpResponseBase, options: ClerkOptions, nonce: str) -> None:
    """Clerk's directives on an HTML response, merged into the policy it already has."""
    name = policy_header_name(options)
    if name is None or not is_html(response.get("Content-Type")):
        return
    existing = response.get(name)
    for header, value in content_security_policy_headers(
        options, [existing] if existing else [], nonce
    ):
        response[header] = value


async def _settled(pending: Awaitable[Any]) -> Any:
    return await pending


def _guard_answer(result: Any, state: RequestState) -> HttpResponseBase | None:
    """What the middleware sends for a guard's result: its refusal, or the response it returned
    (with Clerk's headers added, as to the view's: a refreshed session's cookies)."""
    if isinstance(result, Refusal):
        return render(result.response)
    if isinstance(result, HttpResponseBase):
        add_headers(result, state.headers)
        return result
    if result is not None:  # fail closed: a guard's answer the middleware cannot send
        raise TypeError(
            GUARD_RESULT_ERROR.format(kind=type(result).__name__, framework="Django HttpResponse")
        )
    return None
