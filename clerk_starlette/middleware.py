"""``ClerkMiddleware``: pure ASGI authentication for Starlette and FastAPI apps.

Every HTTP and WebSocket scope is authenticated once with ``Clerk.authenticate_request_async``. The
auth object is stored where :func:`get_auth` finds it, and, following Starlette's conventions,
``scope["auth"]`` holds ``AuthCredentials`` and ``scope["user"]`` a :class:`ClerkUser`, so
``request.user`` and ``@requires(...)`` work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, MutableMapping
from functools import partial
from typing import Any
from urllib.parse import quote

import anyio
from starlette.authentication import AuthCredentials, BaseUser
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from clerk_core import (
    AuthObject,
    AuthResponse,
    Clerk,
    ClerkConfigurationError,
    ClerkOptions,
    RequestState,
    RequestView,
)
from clerk_core.adapter import (
    GUARD_RESULT_ERROR,
    Refusal,
    arun_guard,
    before_app,
    merged_raw_headers,
)
from clerk_core.csp import generate_nonce, with_content_security_policy
from clerk_core.doctor import check_at_startup
from clerk_core.resources import User
from clerk_core.routes import routed_path
from clerk_core.users import current_user_async

__all__ = [
    "AUTH_KEY",
    "OPTIONS_KEY",
    "STATE_KEY",
    "ClerkMiddleware",
    "ClerkUser",
    "Guard",
    "acurrent_user",
    "credentials_for",
    "current_user",
    "get_auth",
    "get_request_state",
    "request_view",
]

AUTH_KEY = "clerk.auth"
STATE_KEY = "clerk.request_state"
OPTIONS_KEY = "clerk.options"
ENGINE_KEY = "clerk.engine"
USER_KEY = "clerk.current_user"
NONCE_KEY = "clerk.nonce"
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
MISCONFIGURED_BODY = b"Clerk is misconfigured: see the server log.\n"
"""The body of the 500 a misconfigured middleware answers (the details go to the log only)."""

logger = logging.getLogger("clerk_starlette")


def server_running() -> bool:
    """Whether this code runs inside an event loop (asyncio or trio), i.e. inside a running ASGI
    server or test client rather than at import time."""
    try:
        anyio.get_current_task()
    except RuntimeError:  # anyio's NoEventLoopError (sniffio's error on anyio 3)
        return False
    return True


def misconfiguration(exc: Exception, consequence: str = "the app cannot start") -> str:
    """The one message a misconfigured app logs (once) and gives the server at start-up."""
    if isinstance(exc, ClerkConfigurationError):
        return f"Clerk is misconfigured, so {consequence}: {exc}"
    return (
        f"Clerk could not be set up, so {consequence}: {type(exc).__name__}: {exc} "
        "(python -m clerk_core doctor --app MODULE:ATTR checks the set-up)."
    )


def websocket_close_reason(response: AuthResponse) -> str:
    """The close reason of a refused WebSocket: Clerk's reason header, short enough for a close
    frame (123 bytes at most)."""
    return (response.header("x-clerk-auth-reason") or "unauthorized")[:120]


Guard = Callable[[AuthObject, HTTPConnection], Any]


class ClerkUser(BaseUser):
    """Starlette's view of the Clerk auth object (``request.user``)."""

    def __init__(self, auth: AuthObject) -> None:
        self.auth = auth

    def __repr__(self) -> str:
        return f"ClerkUser({self.auth!r})"

    @property
    def is_authenticated(self) -> bool:
        return self.auth.is_authenticated

    @property
    def display_name(self) -> str:
        return self.auth.user_id or self.auth.name or self.auth.id or ""

    @property
    def identity(self) -> str:
        return self.auth.user_id or self.auth.subject or self.auth.id or ""


def _scopes_of(auth: AuthObject) -> list[str]:
    if not auth.is_authenticated:
        return []
    scopes = ["authenticated"]
    if auth.org_role:
        scopes.append(auth.org_role)
    scopes.extend(auth.org_permissions or ())
    if auth.token_type != "session_token":
        scopes.extend(auth.scopes or ())
    return scopes


def credentials_for(auth: AuthObject) -> AuthCredentials:
    """Starlette scopes: ``authenticated``, the org role and permissions, or the machine scopes."""
    return AuthCredentials(_scopes_of(auth))


class _LazyCredentials(AuthCredentials):
    """:func:`credentials_for`, with the scopes listed when first read (``request.auth.scopes``,
    ``@requires``) rather than on every request."""

    def __init__(self, auth: AuthObject) -> None:
        self._auth = auth
        self._scopes: list[str] | None = None

    @property
    def scopes(self) -> list[str]:
        scopes = self._scopes
        if scopes is None:
            scopes = self._scopes = _scopes_of(self._auth)
        return scopes

    @scopes.setter
    def scopes(self, value: list[str]) -> None:
        self._scopes = list(value)


def route_path(scope: Scope) -> str:
    """The path Starlette routes on: the server-decoded ``scope["path"]`` without the app's
    ``root_path`` (as ``starlette.routing`` computes it)."""
    path: str = scope.get("path") or "/"
    root = scope.get("root_path") or ""
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("/", ""):
        path = path[len(root) :] or "/"
    return path


@routed_path.register
def _routed_path(conn: HTTPConnection) -> str:
    return route_path(conn.scope)


_OWS = " \t"
_HTTP_SCHEMES = {"ws": "http", "wss": "https"}


_NAMES: dict[bytes, str] = {}
"""ASGI header name -> its lower-cased text, so a server's usual names are decoded once."""
_NAMES_MAX = 512
"""Names remembered at most: a client inventing header names cannot grow the table beyond it."""


def _name(raw_name: bytes) -> str:
    name = raw_name.decode("latin-1").lower()
    if len(_NAMES) < _NAMES_MAX:
        _NAMES[raw_name] = name
    return name


def _joined_headers(raw_headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Repeated headers joined as one (``, ``; ``; `` for ``cookie``), for ``RequestView``."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in headers:
            headers[name] += ("; " if name == "cookie" else ", ") + value
        else:
            headers[name] = value
    return headers


def authorization(raw_headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The value of the request's one ``Authorization`` header line; ``None`` when there is none
    or several (see ``Clerk.remembered_state``)."""
    found: bytes | None = None
    for raw_name, raw_value in raw_headers:
        if len(raw_name) == 13 and raw_name.lower() == b"authorization":
            if found is not None:
                return None
            found = raw_value
    return None if found is None else found.decode("latin-1")


def remembered(clerk: Clerk, scope: Scope) -> RequestState | None:
    """What the engine's memories answer for this request before any view is built: a repeated
    Bearer session token (``Clerk.remembered_state``), or, for an HTTP request without an
    ``Authorization`` header, a repeated signed-in ``Cookie`` header or a signed-out browser's
    (``Clerk.remembered_raw_cookie_state``). ``None``: the full procedure judges the request.

    Headers read through one ``dict`` of the scope's list when every name is lower-case and none
    repeats (what ASGI servers send); otherwise only the Bearer memory is asked, by a scan that
    sees every spelling and every line."""
    raw = scope.get("headers") or []
    if type(raw) is not list and not isinstance(raw, (list, tuple)):
        scope["headers"] = raw = list(raw)  # read here and by the view: an iterator only once
    try:
        headers = dict(raw)
    except (TypeError, ValueError):
        return clerk.remembered_state(authorization(raw))
    if len(headers) != len(raw) or not b"".join(headers).islower():
        return clerk.remembered_state(authorization(raw))
    bearer = headers.get(b"authorization")
    if bearer is not None:
        return clerk.remembered_state(bearer.decode("latin-1"))
    if scope["type"] != "http":
        return None
    return clerk.remembered_raw_cookie_state(
        headers.get(b"cookie", b""),
        scope.get("method", "GET"),
        scope.get("query_string") or b"",
        headers.get(b"sec-fetch-dest"),
        headers.get(b"referer"),
    )


def _raw_host(raw_headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The ``host`` header as sent (spaces kept: such a host is not a valid one)."""
    for raw_name, raw_value in raw_headers:  # usually the first header
        if raw_name.lower() == b"host":
            return raw_value.decode("latin-1")
    return None  # pragma: no cover - only called when the header is there


def request_view(scope: Scope) -> RequestView:
    """The framework-neutral view of an ASGI scope: the URL as sent (escapes kept) and the decoded
    path Starlette routes on, which route matchers judge."""
    raw_headers = scope.get("headers", ())
    if not isinstance(raw_headers, list):
        raw_headers = list(raw_headers)
    # One pass builds the view's own dict (names lower-cased, values stripped, as RequestView
    # does); a repeated header (fewer names than lines, rare) takes the constructor's way, which
    # joins the lines first.
    names = _NAMES
    headers = {names.get(n) or _name(n): v.decode("latin-1").strip(_OWS) for n, v in raw_headers}
    repeated = len(headers) != len(raw_headers)
    if repeated:
        headers = _joined_headers(raw_headers)
        host = headers.get("host")
    else:
        host = _raw_host(raw_headers) if "host" in headers else None
    scheme = scope.get("scheme", "http")
    scheme = _HTTP_SCHEMES.get(scheme, scheme)
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    raw_path = scope.get("raw_path")
    # ASGI's raw_path excludes the query string, but some servers and Starlette's TestClient
    # before 0.38 include it; the query comes from query_string either way.
    path = (
        raw_path.decode("latin-1").partition("?")[0] if raw_path else quote(scope.get("path", "/"))
    )
    query = scope.get("query_string")
    url = (
        f"{scheme}://{host}{path}?{query.decode('latin-1')}"
        if query
        else f"{scheme}://{host}{path}"
    )
    method = scope.get("method", "GET") if scope["type"] == "http" else "GET"
    if repeated:
        return RequestView(method, url, headers, route_path(scope))
    return RequestView.from_normalised(method, url, headers, route_path(scope))


def wrapped_app(app: ASGIApp | None, keywords: dict[str, Any]) -> ASGIApp:
    """The app a middleware wraps. Starlette 0.38+ passes it positionally (and types it as
    positional-only); Starlette 0.37 passes ``app=...``, which lands in ``keywords``."""
    if app is None:
        app = keywords.pop("app", None)
    if app is None:
        raise TypeError("a middleware needs the ASGI app it wraps as its first argument")
    return app


def get_auth(conn: HTTPConnection) -> AuthObject:
    """The Clerk auth object of a request or WebSocket that ``ClerkMiddleware`` authenticated."""
    try:
        auth: AuthObject = conn.scope[AUTH_KEY]
    except KeyError:
        raise RuntimeError(
            "No Clerk auth on this request: add ClerkMiddleware to the app "
            "(app.add_middleware(ClerkMiddleware)), or use the dependencies of "
            "clerk_starlette.fastapi, which authenticate on their own."
        ) from None
    return auth


async def current_user(conn: HTTPConnection) -> User | None:
    """The signed-in user from the Backend API: memoised for the request, cached across requests
    (``clerk.user_cache``). ``None`` when nobody is signed in."""
    scope = conn.scope
    if USER_KEY not in scope:
        auth = get_auth(conn)
        scope[USER_KEY] = await current_user_async(scope[ENGINE_KEY], auth)
    user: User | None = scope[USER_KEY]
    return user


def get_request_state(conn: HTTPConnection) -> RequestState | None:
    """The request state ``ClerkMiddleware`` (or a dependency) stored, or ``None``."""
    state: RequestState | None = conn.scope.get(STATE_KEY)
    return state


acurrent_user = current_user
"""``current_user`` under the async name every adapter shares (it is a coroutine here)."""


def store(scope: MutableMapping[str, Any], state: RequestState, clerk: Clerk) -> AuthObject:
    """Put the auth object, the request state and the engine on the scope."""
    auth = state.to_auth()
    scope[AUTH_KEY] = auth
    scope[STATE_KEY] = state
    scope[OPTIONS_KEY] = clerk.options
    scope[ENGINE_KEY] = clerk
    scope["auth"] = _LazyCredentials(auth)
    scope["user"] = ClerkUser(auth)
    return auth


def _with_policy(scope: Scope, send: Send, options: ClerkOptions) -> Send:
    """The Content Security Policy option: a nonce for this request (``request.state.clerk_nonce``,
    used by ``clerk_starlette.templates``) and Clerk's directives on an HTML response."""
    nonce = generate_nonce()
    scope[NONCE_KEY] = nonce
    scope.setdefault("state", {})["clerk_nonce"] = nonce

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            raw = message.get("headers", [])
            present = [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw]
            headers = with_content_security_policy(options, present, nonce)
            encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
            message = {**message, "headers": encoded}
        await send(message)

    return wrapped


async def send_auth_response(send: Send, response: AuthResponse) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


class ClerkMiddleware:
    """Authenticate every request with Clerk.

    ``app.add_middleware(ClerkMiddleware)`` reads ``CLERK_*`` from the environment; pass
    ``options=ClerkOptions(...)`` or option fields (``secret_key=...``) instead, or a ready ``clerk``
    engine. ``guard(auth, request)``, sync or async, runs on every request and may call
    ``auth.protect(...)``; a refusal becomes the shared core response (sign-in redirect, 401, 403).
    A request signed in by the session cookie from another origin (an unsafe method, or any
    WebSocket) is refused first (:mod:`clerk_core.origin`).

    The settings are checked where the middleware is built (``clerk_core.doctor.check_at_startup``:
    a :class:`~clerk_core.ClerkConfigurationError` with the fix, warnings logged once). Built at
    import (``ClerkMiddleware(app, ...)``) it raises. Built by Starlette, which builds
    ``add_middleware`` entries on the server's first message (the lifespan start-up), it logs the
    error once and fails the lifespan start-up with it, so the server refuses to start (uvicorn's
    default ``--lifespan auto`` included, where a raised exception would be swallowed); with no
    lifespan (``--lifespan off``) every request is answered 500.
    """

    clerk: Clerk

    def __init__(
        self,
        app: ASGIApp | None = None,
        /,
        *,
        options: ClerkOptions | None = None,
        guard: Guard | None = None,
        clerk: Clerk | None = None,
        **option_fields: Any,
    ) -> None:
        self.app = wrapped_app(app, option_fields)
        self.guard = guard
        self.failure: str | None = None
        """Why this middleware could not be set up, when it was built inside a running server
        (see the class docstring); ``None`` normally."""
        try:
            if clerk is None:
                if options is None:
                    options = ClerkOptions.from_env(**option_fields)
                elif option_fields:
                    raise TypeError(
                        "pass either options=ClerkOptions(...) or option fields, not both"
                    )
                clerk = Clerk(options)
            check_at_startup(clerk.options, logger=logger)
        except Exception as exc:
            if not server_running():
                raise  # at import or app creation: the developer sees it at once
            self.failure = misconfiguration(exc)
            logger.error(self.failure, exc_info=not isinstance(exc, ClerkConfigurationError))
            return
        self.clerk = clerk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if self.failure is not None:
            await self._misconfigured(scope, receive, send)
            return
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        options = self.clerk.options
        if kind == "http" and options.content_security_policy is not None:
            send = _with_policy(scope, send, options)
        view: RequestView | None = None
        # A repeated Bearer token or signed-in Cookie header is answered from the engine's memory
        # before any view is built.
        state = remembered(self.clerk, scope)
        if state is None:
            view = request_view(scope)
            state = await self.clerk.authenticate_request_async(view)
            refusal = before_app(state, view, options, websocket=kind == "websocket")
            if refusal is not None:
                await self._refuse(scope, receive, send, refusal)
                return
        auth = store(scope, state, self.clerk)
        if self.guard is not None:
            conn: HTTPConnection = (
                Request(scope, receive) if kind == "http" else WebSocket(scope, receive, send)
            )
            result = await arun_guard(
                self.guard,
                auth,
                conn,
                # built only if the guard refuses
                request=view if view is not None else partial(request_view, scope),
                state=state,
                options=options,
            )
            if isinstance(result, Refusal):
                await self._refuse(scope, receive, send, result.response)
                return
            if isinstance(result, Response):
                # The guard's own answer carries Clerk's headers too (a refreshed session's cookies).
                if kind == "http" and state.headers:
                    send = self._with_headers(send, state)
                await result(scope, receive, send)
                return
            if result is not None:  # fail closed: a guard's answer the middleware cannot send
                raise TypeError(
                    GUARD_RESULT_ERROR.format(
                        kind=type(result).__name__, framework="Starlette Response"
                    )
                )
        if kind == "http" and state.headers:
            send = self._with_headers(send, state)
        await self.app(scope, receive, send)

    @staticmethod
    def _with_headers(send: Send, state: RequestState) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = merged_raw_headers(state, message.get("headers", ()))
                message = {**message, "headers": headers}
            await send(message)

        return wrapped

    async def _misconfigured(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A middleware that could not be set up: the lifespan start-up fails with the message
        (the server logs it and exits, uvicorn's default ``--lifespan auto`` included); without a
        lifespan, each request is answered 500 (a WebSocket closed with 1011), details in the log
        only."""
        kind = scope["type"]
        if kind == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.failed", "message": self.failure})
            # Then raise, as Starlette's own lifespan does after a failed start-up: servers stop
            # waiting for the lifespan (uvicorn ignores the exception once start-up failed).
            raise ClerkConfigurationError(self.failure)
        if kind == "http":
            headers = [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(MISCONFIGURED_BODY)).encode()),
            ]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": MISCONFIGURED_BODY})
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": INTERNAL_ERROR, "reason": ""})

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, response: AuthResponse) -> None:
        if scope["type"] == "websocket":
            # A WebSocket is closed, not answered: 1008 (policy violation) before accepting.
            reason = websocket_close_reason(response)
            await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": reason})
            return
        await send_auth_response(send, response)
