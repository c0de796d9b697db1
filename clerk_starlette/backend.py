"""``ClerkBackend``: Clerk as a Starlette ``AuthenticationBackend``.

For apps that already use ``AuthenticationMiddleware``::

    app.add_middleware(AuthenticationMiddleware, backend=ClerkBackend())

``request.user.is_authenticated``, ``request.user.identity`` and ``@requires("authenticated")`` then
work, and ``get_auth(request)`` gives the Clerk auth object. A backend cannot answer with a redirect,
so handshakes are not served here: use ``ClerkMiddleware`` for browser sessions. For the same
reason a request signed in by the session cookie from another origin (:mod:`clerk_core.origin`) is
not refused but treated as anonymous: the cookie gives it no authority.
"""

from __future__ import annotations

from typing import Any

from starlette.authentication import AuthCredentials, AuthenticationBackend
from starlette.requests import HTTPConnection

from clerk_core import Clerk, ClerkOptions
from clerk_core.adapter import answerless_state

from .middleware import ClerkUser, credentials_for, request_view, store

__all__ = ["ClerkBackend"]


class ClerkBackend(AuthenticationBackend):
    """Authenticate connections with Clerk; a bad or missing token is an anonymous user, never an
    error."""

    def __init__(
        self, options: ClerkOptions | None = None, *, clerk: Clerk | None = None, **fields: Any
    ) -> None:
        if clerk is None:
            clerk = Clerk(options if options is not None else ClerkOptions.from_env(**fields))
        self.clerk = clerk

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, ClerkUser] | None:
        view = request_view(conn.scope)
        state = await self.clerk.authenticate_request_async(view)
        websocket = conn.scope["type"] == "websocket"
        state = answerless_state(state, view, self.clerk.options, websocket=websocket)
        auth = store(conn.scope, state, self.clerk)
        if not auth.is_authenticated:
            return None
        return credentials_for(auth), ClerkUser(auth)
