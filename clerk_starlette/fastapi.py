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

from fastapi import Request, Response, Security, WebSocketException
from fastapi.exception_handlers import http_exception_handler as fastapi_http_exception_handler
from fastapi.exceptions import HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.base import SecurityBase
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection

from clerk_core import (
    AuthObject,
    AuthResponse,
    AuthStatus,
    Clerk,
    ClerkConfigurationError,
    ClerkOptions,
    RequestState,
)
from clerk_core.adapter import before_app, protect_refusal
from clerk_core.auth import route_token_types
from clerk_core.doctor import check_at_startup
from clerk_core.origin import cross_origin_refusal
from clerk_core.protect import ProtectParams, route_accepts_token, validate_protect_params
from clerk_core.resources import User

if TYPE_CHECKING:
    from typing_extensions import Unpack

from .middleware import (
    AUTH_KEY,
    ENGINE_KEY,
    INTERNAL_ERROR,
    OPTIONS_KEY,
    POLICY_VIOLATION,
    STATE_KEY,
    misconfiguration,
    remembered,
    request_view,
    store,
    websocket_close_reason,
)
from .middleware import current_user as middleware_current_user
from .middleware import logger as middleware_logger
from .redirects import redirect_to_sign_in, redirect_to_sign_up

__all__ = [
    "ClerkHTTPException",
    "Protect",
    "acurrent_user",
    "auth_required",
    "clerk_bearer",
    "clerk_exception_handler",
    "current_user",
    "get_auth",
    "get_request_state",
    "protect",
    "redirect_to_sign_in",
    "redirect_to_sign_up",
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
    """A refusal from a dependency: the core response (``response``, an ``AuthResponse``), with
    its status and headers as an ``HTTPException``'s and its JSON body as ``detail``.

    :func:`clerk_exception_handler` sends it as the core renders it (the body not wrapped in
    ``{"detail": ...}``); the dependencies install that handler on first use, unless the app has
    its own handler for ``HTTPException`` (or this class, or the status), which then receives the
    exception as any other ``HTTPException``."""

    def __init__(self, response: AuthResponse) -> None:
        # A Mapping whose items() keeps repeated headers: every Set-Cookie line stays its own
        # header (a handler copies items() onto its response; a dict would join or drop them).
        self.raw_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in response.headers
            if name.lower() != "content-type"
        ]
        """The response's headers as ASGI pairs (without ``Content-Type``)."""
        headers = Headers(raw=self.raw_headers)
        detail: Any = response.json() if response.body else None
        super().__init__(response.status, detail=detail, headers=cast("dict[str, str]", headers))
        self.response = response


async def clerk_exception_handler(request: Request, exc: Exception) -> Response:
    """Send a :class:`ClerkHTTPException` as the core rendered it: the same status, headers and
    JSON body (``{"error": "unauthenticated", "reason": ...}``) as every other adapter. Register
    it yourself (``app.add_exception_handler(ClerkHTTPException, clerk_exception_handler)``) when
    the app has its own ``HTTPException`` handler but should answer Clerk's refusals this way."""
    if not isinstance(exc, ClerkHTTPException):  # pragma: no cover - registered for that class
        raise exc
    rendered = exc.response
    out = Response(rendered.body, status_code=rendered.status, media_type=rendered.content_type)
    out.raw_headers.extend(exc.raw_headers)
    return out


_HANDLERS_KEY = "starlette.exception_handlers"


def _install_handler(scope: Mapping[str, Any]) -> None:
    """Answer this app's Clerk refusals with :func:`clerk_exception_handler` when the handler that
    would otherwise render them is FastAPI's default one (which wraps the body in ``detail``).

    Starlette keeps the app's handlers in the scope (``starlette.exception_handlers``: the class
    table and the status table its exception middleware looks exceptions up in, most specific
    class first). An app-specific choice (a handler for ``HTTPException``, for this class, or for
    the refusal's status) is left alone."""
    tables = scope.get(_HANDLERS_KEY)
    if not (isinstance(tables, tuple) and tables and isinstance(tables[0], dict)):
        return
    classes: dict[Any, Any] = tables[0]
    if ClerkHTTPException in classes:
        return
    for cls in ClerkHTTPException.__mro__[1:]:
        if cls in classes:
            if classes[cls] is fastapi_http_exception_handler:
                classes.setdefault(ClerkHTTPException, clerk_exception_handler)
            return


_default_failure: str | None = None
"""Why the environment's engine could not be built (logged once; later requests answer 500)."""


def _engine(request: HTTPConnection) -> Clerk:
    engine = getattr(request.app.state, "clerk", None)
    if isinstance(engine, Clerk):
        return engine
    global _default_engine, _default_failure
    with _default_lock:
        if _default_engine is None and _default_failure is None:
            # Built on the first request (dependencies have no start-up of their own): a
            # configuration error is logged once, then every request is a plain 500. Setting
            # app.state.clerk where the app is created moves the error to start-up.
            try:
                built = Clerk(ClerkOptions.from_env())
                check_at_startup(built.options, logger=middleware_logger)
            except ClerkConfigurationError as exc:
                _default_failure = misconfiguration(
                    exc, "every request that depends on it is answered 500"
                )
                middleware_logger.error(_default_failure)
            else:
                _default_engine = built
        if _default_engine is not None:
            return _default_engine
    if request.scope["type"] == "websocket":
        raise WebSocketException(INTERNAL_ERROR)
    raise HTTPException(500, detail="Clerk is misconfigured: see the server log.")


async def _authenticate(
    request: HTTPConnection, response: Response
) -> tuple[AuthObject, RequestState]:
    scope = request.scope
    if AUTH_KEY in scope:
        return scope[AUTH_KEY], scope[STATE_KEY]
    engine = _engine(request)
    # A repeated Bearer token or signed-in Cookie header is answered from the engine's memory
    # before any view is built.
    answered = remembered(engine, scope)
    if answered is not None:
        return store(scope, answered, engine), answered
    view = request_view(scope)
    state = await engine.authenticate_request_async(view)
    if state.status is not AuthStatus.HANDSHAKE:
        # The development handshake's return trip (signed in or out, with a Location) is finished
        # with the 307 the middleware would send, whichever dependency asked; a handshake is left
        # to Protect / require_auth (check_protect), as before.
        websocket = scope["type"] == "websocket"
        refusal = before_app(state, view, engine.options, websocket=websocket)
        if refusal is not None:
            raise _exception(scope, refusal)
    else:
        forged = cross_origin_refusal(view, state, engine.options)
        if forged is not None:
            raise _exception(scope, forged)
    auth = store(scope, state, engine)
    for name, value in state.headers:
        if name.lower() == "set-cookie":  # a refreshed session: keep its cookies
            response.headers.append(name, value)
    return auth, state


def _exception(
    scope: Mapping[str, Any], rendered: AuthResponse
) -> ClerkHTTPException | WebSocketException:
    if scope["type"] == "websocket":
        # A socket is closed before it is accepted, as the middleware closes it: 1008.
        return WebSocketException(POLICY_VIOLATION, websocket_close_reason(rendered))
    _install_handler(scope)
    return ClerkHTTPException(rendered)


async def get_auth(
    request: HTTPConnection,
    response: Response,
    credentials: HTTPAuthorizationCredentials | None = Security(clerk_bearer),
) -> AuthObject:
    """The auth object of the request (signed out when there is nobody)."""
    auth, _ = await _authenticate(request, response)
    return auth


async def current_user(
    request: Request,
    response: Response,
    credentials: HTTPAuthorizationCredentials | None = Security(clerk_bearer),
) -> User | None:
    """The signed-in user from the Backend API (memoised per request, cached across requests)."""
    await _authenticate(request, response)
    return await middleware_current_user(request)


async def get_request_state(
    request: HTTPConnection,
    response: Response,
    credentials: HTTPAuthorizationCredentials | None = Security(clerk_bearer),
) -> RequestState:
    """The request state (status, reason, token type, Clerk's headers) of the request."""
    _, state = await _authenticate(request, response)
    return state


_TOKEN_LABELS = {
    "session_token": "a Clerk session token",
    "api_key": "a Clerk API key (ak_...)",
    "m2m_token": "a Clerk M2M token (mt_... or a JWT)",
    "oauth_token": "a Clerk OAuth access token (oat_... or a JWT)",
}


def _bearer_scheme(token: Any) -> tuple[Any, str]:
    """The OpenAPI bearer scheme (model, name) of a route: :data:`clerk_bearer` by default, or one
    named after the route's token types (``Clerk-api_key``) whose description lists them."""
    if token is None:
        return clerk_bearer.model, clerk_bearer.scheme_name
    types = route_token_types(token)
    name = "Clerk-" + "-".join(types)
    scheme = HTTPBearer(
        auto_error=False,
        scheme_name=name,
        description="Accepts " + ", or ".join(_TOKEN_LABELS[t] for t in types) + ".",
    )
    return scheme.model, name


class Protect(SecurityBase):
    """A dependency that allows only what ``auth.protect(...)`` allows.

    It is itself the HTTP bearer security scheme of :data:`clerk_bearer` (``Clerk`` in OpenAPI,
    Swagger UI's *Authorize* button), so FastAPI resolves a single dependency per request rather
    than this one and a bearer scheme beneath it. ``Protect(token=...)`` takes only those token
    types (``"api_key"``, a list, ``"any"``; see docs/protect.md): its scheme is named after them
    (``Clerk-api_key``) and describes them. Arguments are checked here, at import time."""

    def __init__(self, **params: "Unpack[ProtectParams]") -> None:
        validate_protect_params(params)
        self.kwargs: Mapping[str, Any] = params
        self.model, self.scheme_name = _bearer_scheme(params.get("token"))

    def __repr__(self) -> str:
        asked = {k: v for k, v in self.kwargs.items() if v is not None}
        return f"Protect({asked})"

    async def __call__(self, request: HTTPConnection, response: Response) -> AuthObject:
        auth, state = await _authenticate(request, response)
        scope = request.scope
        wider = route_accepts_token(
            state, auth, self.kwargs, scope[OPTIONS_KEY], lambda: request_view(scope)
        )
        if wider is not None:
            # The route takes a token type the app-wide accepts_token excludes: judge the
            # request's token again with the route's types (docs/protect.md).
            engine: Clerk = scope[ENGINE_KEY]
            state = await engine.authenticate_request_async(
                request_view(scope), accepts_token=wider
            )
            auth = store(scope, state, engine)
        refusal = protect_refusal(
            state,
            auth,
            self.kwargs,
            request=lambda: request_view(scope),
            options=scope[OPTIONS_KEY],
        )
        if refusal is not None:
            raise _exception(scope, refusal)
        return auth


require_auth = Protect()
"""Anyone signed in; otherwise the shared refusal (sign-in redirect for pages, 401 for APIs):
``Depends(require_auth)``, one shared :class:`Protect` that asks for nothing more."""

# Names shared by every adapter (see the README's "Names across frameworks"): the same objects.
auth_required = require_auth
protect = Protect
acurrent_user = current_user
