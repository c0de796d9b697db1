"""Serve the local Clerk instance (``settings.CLERK["local_frontend"]``, a
``clerk_core.testing.LocalFrontendAPI``): its sign-in page, sign-out and Frontend API stand-in.

Put ``"clerk_django.local.LocalFrontendMiddleware"`` before ``ClerkMiddleware`` in ``MIDDLEWARE``.
Without a configured local frontend it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest

from ._http import render, request_view
from .conf import clerk_settings

__all__ = ["LocalFrontendMiddleware"]


class LocalFrontendMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def _local(self, request: HttpRequest) -> Any:
        frontend = clerk_settings().get("local_frontend")
        if frontend is None or not frontend.handles(request.path):
            return None
        return frontend.handle(request_view(request), request.body)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        response = self._local(request)
        return render(response) if response is not None else self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> Any:
        # The local frontend may call webhook handlers that use the ORM: run it off the event loop.
        response = await sync_to_async(self._local)(request)
        return render(response) if response is not None else await self.get_response(request)
