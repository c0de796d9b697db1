"""The request flow every adapter runs, written once; an adapter only translates requests and responses.

A middleware (Starlette's ``ClerkMiddleware``, Django's, Flask's ``before_request`` /
``after_request`` hooks) does, in this order:

1. authenticate the request (``Clerk.authenticate_request`` or its async twin) and ask
   :func:`before_app` whether the request is answered before the app runs: a handshake or the
   development handshake's return trip (``responses.early_response``), then a request signed in by
   the session cookie from another origin (:mod:`clerk_core.origin`);
2. store the auth object where the framework's views find it (the adapter's own business);
3. run the guard with :func:`run_guard` (sync) or :func:`arun_guard` (async): a ``ProtectError`` or
   ``MalformedURLError`` it raises becomes a :class:`Refusal` holding the core's
   :class:`~clerk_core.responses.AuthResponse`, and so does a guard that returns ``False``; anything
   else it returns is handed back (a guard may return a native response, which the adapter sends);
4. run the app, then merge Clerk's headers onto its response exactly once with
   :func:`headers_after_app`: names in :data:`~clerk_core.responses.REPLACED` replace the response's
   own, the others are added.

A per-view check (a decorator, a FastAPI dependency, a DRF permission) uses :func:`protect_refusal`,
and code that authenticates where nothing can answer the request (Django's ``get_auth`` without the
middleware, Starlette's ``ClerkBackend``) uses :func:`answerless_state`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .auth import AuthObject
from .errors import MalformedURLError, ProtectError
from .options import ClerkOptions
from .origin import CROSS_ORIGIN_REASON, cross_origin_refusal
from .protect import check_protect
from .request import RequestView
from .responses import REPLACED, AuthResponse, auth_response, early_response, headers_to_add
from .state import AuthStatus, RequestState

if TYPE_CHECKING:
    from .clerk import Clerk

__all__ = [
    "GUARD_RESULT_ERROR",
    "Guard",
    "Refusal",
    "answerless_state",
    "arun_guard",
    "before_app",
    "headers_after_app",
    "is_replaced",
    "merged_raw_headers",
    "protect_refusal",
    "remembered_from_environ",
    "run_guard",
]

Guard = Callable[[AuthObject, Any], Any]
"""``guard(auth, request)``, sync or async: may call ``auth.protect(...)``, return ``False`` to refuse
as ``protect()`` does, or return a native response to send instead of running the app."""

GUARD_RESULT_ERROR = (
    "A Clerk guard returned {kind}: return None (or True) to let the request through, False or "
    "raise through auth.protect(...) to refuse it, or a {framework} response to send instead."
)
"""The message adapters raise ``TypeError`` with for a guard result they cannot send."""

ViewSource = RequestView | Callable[[], RequestView]


class Refusal:
    """A guard refused the request: send :attr:`response` (rendered by ``auth_response``)."""

    __slots__ = ("response",)

    def __init__(self, response: AuthResponse) -> None:
        self.response = response

    def __repr__(self) -> str:
        return f"Refusal({self.response!r})"


def _view(source: ViewSource) -> RequestView:
    return source if isinstance(source, RequestView) else source()


def before_app(
    state: RequestState,
    request: RequestView,
    options: ClerkOptions,
    *,
    websocket: bool = False,
    check_origin: bool = True,
) -> AuthResponse | None:
    """The response an adapter sends instead of running the app, or ``None`` to run it: a
    handshake or its development return trip first, then the cross-origin refusal (unless
    ``check_origin`` is false: Django applies it once the view is known, to defer to its own
    CSRF protection)."""
    early = early_response(state, request, options)
    if early is not None or not check_origin:
        return early
    return cross_origin_refusal(request, state, options, websocket=websocket)


def _refused(
    exc: ProtectError | MalformedURLError,
    request: ViewSource,
    options: ClerkOptions,
    state: RequestState | None,
) -> Refusal:
    return Refusal(auth_response(exc, _view(request), options, state=state))


async def _settle(
    pending: Awaitable[Any],
    auth: AuthObject,
    request: ViewSource,
    options: ClerkOptions,
    state: RequestState | None,
) -> Any:
    try:
        result = await pending
    except (ProtectError, MalformedURLError) as exc:
        return _refused(exc, request, options, state)
    return _judged(result, auth, request, options, state)


def _never(_has: Any) -> bool:
    return False


def _judged(
    result: Any,
    auth: AuthObject,
    request: ViewSource,
    options: ClerkOptions,
    state: RequestState | None,
) -> Any:
    """A guard that answers ``False`` refuses, as ``auth.protect()`` refuses (401 when signed out,
    403 when signed in); ``True`` lets the request through like ``None``. A boolean guard
    (``return auth.is_authenticated``) must never let everyone in."""
    if result is False:
        try:
            auth.protect(condition=_never)
        except ProtectError as exc:
            return _refused(exc, request, options, state)
    if result is True:
        return None
    return result


def run_guard(
    guard: Guard,
    auth: AuthObject,
    native: Any,
    *,
    request: ViewSource,
    state: RequestState | None,
    options: ClerkOptions,
) -> Any:
    """Call ``guard(auth, native)``: a :class:`Refusal` when it raises ``ProtectError`` or
    ``MalformedURLError``, else what it returned. An async guard's result is an awaitable that
    settles the same way: await it (:func:`arun_guard` does), or run it to completion in a sync
    adapter (``asgiref.sync.async_to_sync``, Flask's ``ensure_sync``). ``request`` is the request's
    view, or a callable building it (only a refusal needs it)."""
    try:
        result = guard(auth, native)
    except (ProtectError, MalformedURLError) as exc:
        return _refused(exc, request, options, state)
    if inspect.isawaitable(result):
        return _settle(result, auth, request, options, state)
    return _judged(result, auth, request, options, state)


async def arun_guard(
    guard: Guard,
    auth: AuthObject,
    native: Any,
    *,
    request: ViewSource,
    state: RequestState | None,
    options: ClerkOptions,
) -> Any:
    """:func:`run_guard` for async adapters: a sync or an async guard, settled."""
    result = run_guard(guard, auth, native, request=request, state=state, options=options)
    if inspect.isawaitable(result):
        result = await result
    return result


def protect_refusal(
    state: RequestState | None,
    auth: AuthObject,
    params: Mapping[str, Any],
    *,
    request: ViewSource,
    options: ClerkOptions,
) -> AuthResponse | None:
    """The response a protected view (a decorator, a dependency) sends instead of running, or
    ``None`` when it may run (:func:`clerk_core.protect.check_protect`, rendered)."""
    outcome = check_protect(state, auth, params, request=request)
    if outcome is None:
        return None
    return auth_response(outcome, _view(request), options, state=state)


def headers_after_app(
    state: RequestState | None, existing: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Clerk's headers for the app's response, each once: the request state's headers that
    ``existing`` does not carry yet (a refusal rendered inside the app already does), plus
    ``Cache-Control: private, no-store`` when ``Set-Cookie`` lines are added. The adapter adds
    them, except names in :data:`~clerk_core.responses.REPLACED`, which replace its own."""
    if state is None or not state.headers:
        return []
    return headers_to_add(existing, state.headers)


def merged_raw_headers(
    state: RequestState, raw: Iterable[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """An ASGI response's header pairs with Clerk's merged in (:func:`headers_after_app` on the
    bytes an ASGI app sends): the state's headers the response does not carry yet, appended, and
    those that replace the response's own (``Cache-Control`` beside ``Set-Cookie``) in place of
    it. When no response header shares a name with the state's and no ``Set-Cookie`` is added
    (Clerk's debug headers on the app's own response: the usual case), nothing is decoded."""
    raw = list(raw)
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in state.headers]
    names = {name for name, _ in extra}
    if b"set-cookie" not in names and not any(bytes(k).lower() in names for k, _ in raw):
        return [*raw, *extra]
    present = [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw]
    added = headers_after_app(state, present)
    replaced = {k.lower().encode("latin-1") for k, _ in added if is_replaced(k)}
    kept = [(k, v) for k, v in raw if bytes(k).lower() not in replaced]
    return [*kept, *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in added)]


def is_replaced(name: str) -> bool:
    """Whether a header from :func:`headers_after_app` replaces the response's own."""
    return name.lower() in REPLACED


def answerless_state(
    state: RequestState,
    request: ViewSource,
    options: ClerkOptions,
    *,
    websocket: bool = False,
    check_origin: bool = True,
) -> RequestState:
    """The state to store when nothing can answer the request before the view runs (no
    middleware, or a backend that cannot send a response): a request signed in by the session
    cookie from another origin is signed out, since the cookie gives it no authority; other states
    are returned as they are. (A state that needs a redirect is the adapter's to handle: only a
    middleware or a decorator can send it.)"""
    if check_origin and state.token_source == "cookie":
        forged = cross_origin_refusal(_view(request), state, options, websocket=websocket)
        if forged is not None:
            signed_out = RequestState(AuthStatus.SIGNED_OUT, reason=CROSS_ORIGIN_REASON)
            signed_out.token_source = "cookie"
            return signed_out
    return state


def remembered_from_environ(
    clerk: Clerk, environ: Mapping[str, Any], method: str
) -> RequestState | None:
    """What the engine's memories answer for a WSGI request (a WSGI environ, or Django's
    ``request.META``) before any view is built: a repeated Bearer session token
    (:meth:`~clerk_core.Clerk.remembered_state`), or, without an ``Authorization`` header, a
    repeated signed-in ``Cookie`` header or a signed-out browser's
    (:meth:`~clerk_core.Clerk.remembered_raw_cookie_state`).
    ``None``: the full procedure judges the request. The server has joined repeated header lines
    already, as the request view reads them."""
    bearer = environ.get("HTTP_AUTHORIZATION")
    if bearer is not None:
        return clerk.remembered_state(bearer)
    # PEP 3333: the environ's text is the bytes the server received, decoded as Latin-1.
    dest, referer = environ.get("HTTP_SEC_FETCH_DEST"), environ.get("HTTP_REFERER")
    try:
        return clerk.remembered_raw_cookie_state(
            environ.get("HTTP_COOKIE", "").encode("latin-1"),
            method,
            environ.get("QUERY_STRING", "").encode("latin-1"),
            None if dest is None else dest.encode("latin-1"),
            None if referer is None else referer.encode("latin-1"),
        )
    except UnicodeEncodeError:
        return None  # text no server delivers: the full procedure judges the request
