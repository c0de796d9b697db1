"""FastAPI dependencies: ``get_auth``, ``require_auth`` and ``Protect(...)``.

They declare an HTTP bearer security scheme (Swagger UI's *Authorize* button) and work with or
without ``ClerkMiddleware``: without it they authenticate the request themselves, with the engine in
``app.state.clerk`` if there is one, else one built from the ``CLERK_*`` environment, and refuse a
request signed in by the session cookie from another origin (:mod:`clerk_core.origin`). All are
``async def``, so FastAPI runs them on the event loop rather than in a thread.

    from clerk_starlette.fastapi import Protect, require_auth

    @app.get("/api/orders")
    async def orders(auth: SessionAuth = Depends(Protect(permission="org:orders:read"))): ...
"""

# No ``from __future__ import annotations`` here: FastAPI before 0.115 cannot resolve string
# annotations on a callable instance's ``__call__`` (``Protect``), so they stay real objects.
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from fastapi import Request, Response, Security
from fastapi.exceptions import HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers

from clerk_core import (
    AuthObject,
    AuthResponse,
    AuthStatus,
    Clerk,
    ClerkOptions,
    ProtectError,
    RequestState,
    auth_response,
    early_response,
)
from clerk_core.origin import cross_origin_refusal
from clerk_core.protect import ProtectParams, check_protect
from clerk_core.resources import User

if TYPE_CHECKING:
    from typing_extensions import Unpack

from .middleware import AUTH_KEY, OPTIONS_KEY, STATE_KEY, request_view, store
from .middleware import current_user as middleware_current_user

__all__ = [
    "ClerkHTTPException",
    "Protect",
    "clerk_bearer",
    "current_user",
    "get_auth",
    "require_auth",
]

clerk_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="Clerk",
    description="A Clerk session token (or an API key / machine token where accepted).",
)

_default_engine: Clerk | None = None
_default_lock = threading.Lock()


class ClerkHTTPException(HTTPException):
    """A refusal rendered by FastAPI's exception handler: the core response's status and headers,
    with its JSON body as ``detail``."""


def _engine(request: Request) -> Clerk:
    engine = getattr(request.app.state, "clerk", None)
    if isinstance(engine, Clerk):
        return engine
    global _default_engine
    with _default_lock:
        if _default_engine is None:
            _default_engine = Clerk(ClerkOptions.from_env())
        return _default_engine


async def _authenticate(request: Request, response: Response) -> tuple[AuthObject, RequestState]:
    scope = request.scope
    if AUTH_KEY in scope:
        return scope[AUTH_KEY], scope[STATE_KEY]
    engine = _engine(request)
    view = request_view(scope)
    state = await engine.authenticate_request_async(view)
    forged = cross_origin_refusal(view, state, engine.options)
    if forged is not None:
        raise _exception(forged)
    if state.location is not None and state.status is not AuthStatus.HANDSHAKE:
        # The development handshake's return trip (signed in or out, with a Location): finish it
        # with the 307 the middleware would send, whichever dependency asked.
        early = early_response(state, view, engine.options)
        if early is not None:
            raise _exception(early)
    auth = store(scope, state, engine)
    for name, value in state.headers:
        if name.lower() == "set-cookie":  # a refreshed session: keep its cookies
            response.headers.append(name, value)
    return auth, state


def _refuse(
    request: Request, outcome: ProtectError | RequestState, state: RequestState
) -> HTTPException:
    options: ClerkOptions = request.scope[OPTIONS_KEY]
    return _exception(auth_response(outcome, request_view(request.scope), options, state=state))


def _exception(rendered: AuthResponse) -> HTTPException:
    # A Mapping whose items() keeps repeated headers: every Set-Cookie line stays its own header
    # (FastAPI's handler copies items() onto the response; a dict would join or drop them).
    headers = Headers(
        raw=[
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in rendered.headers
            if name.lower() != "content-type"
        ]
    )
    detail: Any = rendered.json() if rendered.body else None
    return ClerkHTTPException(
        rendered.status, detail=detail, headers=cast("dict[str, str]", headers)
    )


async def get_auth(
    request: Request,
    response: Response,
    credentials: HTTPAuthorizationCredentials | None = Security(clerk_bearer),
) -> AuthObject:
    """The auth object of the request (signed out when there is nobody)."""
    auth, _ = await _authenticate(request, response)
    return auth


async def require_auth(
    request: Request,
    response: Response,
    credentials: HTTPAuthorizationCredentials | None = Security(clerk_bearer),
) -> AuthObject:
    """Anyone signed in; otherwise the shared refusal (sign-in redirect for pages, 401 for APIs)."""
    return await Protect()(request, response, credentials)


async def current_user(
    request: Request,
    response: Response,
    credentials: HTTPAuthorizationCredentials | None = Security(clerk_bearer),
) -> User | None:
    """The signed-in user from the Backend API (memoised per request, cached across requests)."""
    await _authenticate(request, response)
    return await middleware_current_user(request)


class Protect:
    """A dependency that allows only what ``auth.protect(...)`` allows."""

    def __init__(self, **params: "Unpack[ProtectParams]") -> None:
        self.kwargs: Mapping[str, Any] = params

    def __repr__(self) -> str:
        asked = {k: v for k, v in self.kwargs.items() if v is not None}
        return f"Protect({asked})"

    async def __call__(
        self,
        request: Request,
        response: Response,
        credentials: HTTPAuthorizationCredentials | None = Security(clerk_bearer),
    ) -> AuthObject:
        auth, state = await _authenticate(request, response)
        refusal = check_protect(state, auth, self.kwargs)
        if refusal is not None:
            raise _refuse(request, refusal, state)
        return auth
