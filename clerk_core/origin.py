"""The same-origin rule for requests signed in by the session cookie (CSRF, WebSocket hijacking).

A browser attaches the ``__session`` cookie to every request for the app, including requests that
another site starts (a form posted from ``https://evil.example``, a ``new WebSocket(...)`` opened by
its script). Such a request is signed in as the visitor unless the app checks where it came from. An
``Authorization`` header is never attached by the browser on its own, so Bearer requests are exempt.

The rule, applied by every adapter before the view runs (``ClerkOptions.csrf_origin_check``, on by
default, turns it off):

* It applies to a request **signed in by a cookie** (``RequestState.token_source == "cookie"``) that
  is **unsafe** (any method but ``GET``, ``HEAD``, ``OPTIONS``, ``TRACE``) or a **WebSocket**
  handshake. A signed-out request carries no authority and is not checked.
* The request's origin is its ``Origin`` header; without one, the origin of its ``Referer``.
* It is allowed when that origin is the request's own public origin (``RequestView.public_url``,
  forwarded headers read only with ``trust_forwarded_headers``) or an ``authorized_parties`` entry.
  Origins compare as ``scheme://host[:port]``: case-insensitive, default ports dropped, a path
  ignored.
* ``Origin: null`` (sandboxed frames, ``file:``, cross-origin redirects), a value that is not an
  ``http(s)`` origin, and a value holding several origins are refused.
* With neither ``Origin`` nor ``Referer``, an HTTP request is refused (fail closed; every current
  browser sends ``Origin`` on unsafe requests, and a non-browser client can send a Bearer token). A
  WebSocket is allowed: browsers always send ``Origin`` on a WebSocket handshake, so its absence
  means a non-browser client, which no other site can drive.

A refused HTTP request gets **403** JSON ``{"error": "forbidden", "reason": "cross-origin-request"}``;
a refused WebSocket is closed with code 1008 (policy violation) before it is accepted.

Django's plain views rely on Django's own ``CsrfViewMiddleware`` (token and origin check) when it is
installed; Django REST framework views run Django's CSRF check from ``ClerkAuthentication``, as
``SessionAuthentication`` does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .options import ClerkOptions
from .redirects import origin_of
from .request import RequestView
from .responses import AuthResponse, _carried, _json
from .state import AuthStatus, RequestState

__all__ = [
    "CROSS_ORIGIN_REASON",
    "SAFE_METHODS",
    "cross_origin_refusal",
    "is_allowed_origin",
    "needs_origin_check",
    "request_origin",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CROSS_ORIGIN_REASON = "cross-origin-request"
_MAX_ORIGIN = 2048


def _normalised(value: str) -> str | None:
    """``scheme://host[:port]`` of an ``Origin`` or ``Referer`` value, or ``None`` when it is not a
    single plain ``http(s)`` URL (``null``, lists, white space, user info, other schemes)."""
    if (
        not value
        or len(value) > _MAX_ORIGIN
        or "," in value
        or "\\" in value
        or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value)
    ):
        return None
    try:
        return origin_of(urlsplit(value))
    except ValueError:
        return None


def request_origin(request: RequestView) -> str | None:
    """The origin a request says it comes from: ``Origin``, else the origin of ``Referer``.

    ``""`` when it names no usable origin (``Origin: null``, malformed values); ``None`` when it
    sends neither header.
    """
    origin = request.headers.get("origin")
    if origin is not None:
        return _normalised(origin.strip()) or ""
    referer = request.headers.get("referer")
    if referer is not None:
        return _normalised(referer.strip()) or ""
    return None


def is_allowed_origin(
    request: RequestView, options: ClerkOptions, *, websocket: bool = False
) -> bool:
    """Whether ``request`` comes from its own public origin or an ``authorized_parties`` origin.

    Without ``Origin`` and ``Referer``: ``False`` for HTTP, ``True`` for a WebSocket (see the module
    docstring).
    """
    origin = request_origin(request)
    if origin is None:
        return websocket
    if not origin:
        return False
    public = request.public_url(trust_forwarded=options.trust_forwarded_headers)
    if origin == origin_of(public):
        return True
    for party in options.authorized_parties:
        try:
            if origin_of(urlsplit(party)) == origin:
                return True
        except ValueError:  # an entry such as "https://[bad" passes the options check
            continue
    return False


def needs_origin_check(
    method: str,
    state: RequestState | None,
    options: ClerkOptions,
    *,
    websocket: bool = False,
) -> bool:
    """Whether the rule applies: the check is on, the request is signed in by a cookie, and it is
    a WebSocket or uses an unsafe method. It needs no view of the request, so an adapter can ask
    before building one."""
    return (
        options.csrf_origin_check
        and state is not None
        and state.status is AuthStatus.SIGNED_IN
        and state.token_source == "cookie"
        and (websocket or method.upper() not in SAFE_METHODS)
    )


def cross_origin_refusal(
    request: RequestView,
    state: RequestState | None,
    options: ClerkOptions,
    *,
    websocket: bool = False,
) -> AuthResponse | None:
    """The 403 for a cookie-authenticated request from another origin, or ``None`` when it may go
    on. It carries the request state's headers, like every core refusal; the reason is also in
    ``x-clerk-auth-reason`` (a WebSocket adapter uses it as the close reason)."""
    if not needs_origin_check(request.method, state, options, websocket=websocket):
        return None
    if is_allowed_origin(request, options, websocket=websocket):
        return None
    headers = [*_carried(state), ("x-clerk-auth-reason", CROSS_ORIGIN_REASON)]
    return _json(403, headers, {"error": "forbidden", "reason": CROSS_ORIGIN_REASON})
