"""Serve the local Clerk instance (``clerk_core.testing.LocalFrontendAPI``) from a Starlette app.

Add it outside ``ClerkMiddleware`` so that its sign-in page and handshake endpoint are answered
before any authentication runs::

    frontend = LocalFrontendAPI()
    app.add_middleware(ClerkMiddleware, options=frontend.options())
    app.add_middleware(LocalFrontendMiddleware, frontend=frontend)   # added last: runs first
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clerk_core.testing import LocalFrontendAPI

from .middleware import request_view, send_auth_response, wrapped_app

__all__ = ["LocalFrontendMiddleware"]

_MAX_FORM = 64 * 1024


class LocalFrontendMiddleware:
    def __init__(
        self, app: ASGIApp | None = None, /, *, frontend: LocalFrontendAPI, **legacy: Any
    ) -> None:
        self.app = wrapped_app(app, legacy)
        if legacy:
            raise TypeError(f"unexpected arguments: {', '.join(sorted(legacy))}")
        self.frontend = frontend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.frontend.handles(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more and len(body) <= _MAX_FORM:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        response = self.frontend.handle(request_view(scope), body[:_MAX_FORM])
        if response is None:  # a path the app serves (its own sign-in page): replay the body
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if replayed or more:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            await self.app(scope, replay, send)
            return
        await send_auth_response(send, response)
