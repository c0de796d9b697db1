"""Django <-> clerk_core: the request view, authentication, and rendering core responses."""

from __future__ import annotations

from collections.abc import Container
from http.cookies import Morsel
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.response import HttpResponseRedirectBase

from clerk_core import AuthObject, AuthResponse, AuthStatus, RequestState, RequestView, users
from clerk_core.adapter import answerless_state
from clerk_core.request import environ_headers
from clerk_core.resources import User
from clerk_core.responses import headers_to_add

from .conf import get_clerk

AUTH_ATTR = "auth"
STATE_ATTR = "_clerk_request_state"


_OWS = " \t"
_UNPREFIXED = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


def request_view(request: HttpRequest) -> RequestView:
    """The framework-neutral view of a Django request: the URL as sent (the raw path when the server
    gives it) and ``request.path_info``, the decoded path Django's URL resolver routes on, which
    route matchers judge."""
    meta = request.META
    raw = meta.get("RAW_URI") or meta.get("REQUEST_URI")
    path = raw if isinstance(raw, str) and raw.startswith("/") else request.get_full_path()
    # get_host() applies ALLOWED_HOSTS (a foreign Host is Django's 400, before any Clerk work).
    url = f"{request.scheme}://{request.get_host()}{path}"
    # The headers Django's request.headers holds (HTTP_* and the two unprefixed ones), read
    # straight from META in one pass: request.headers would parse every key, then RequestView
    # would copy them again.
    headers = environ_headers(meta)
    for key, name in _UNPREFIXED.items():
        if key in meta:
            if name in headers:  # an HTTP_CONTENT_TYPE too (no server sends it): META's order wins
                return RequestView(
                    request.method or "GET", url, dict(request.headers.items()), request.path_info
                )
            headers[name] = meta[key].strip(_OWS)
    return RequestView.from_normalised(request.method or "GET", url, headers, request.path_info)


def store(request: HttpRequest, state: RequestState) -> AuthObject:
    auth = state.to_auth()
    setattr(request, AUTH_ATTR, auth)
    setattr(request, STATE_ATTR, state)
    return auth


def authenticated(request: HttpRequest) -> AuthObject | None:
    """The auth object the middleware (or a decorator) already set, if any."""
    if getattr(request, STATE_ATTR, None) is None:
        return None
    auth: AuthObject = getattr(request, AUTH_ATTR)
    return auth


def authenticate(request: HttpRequest) -> AuthObject:
    """The auth object, authenticating the request (sync) if nothing did yet. For callers that
    answer the state themselves: the decorators (origin rule, handshakes, ``protect``) and
    ``ClerkAuthentication`` (Django's CSRF check)."""
    auth = authenticated(request)
    if auth is None:
        auth = store(request, get_clerk().authenticate_request(request_view(request)))
    return auth


async def aauthenticate(request: HttpRequest) -> AuthObject:
    """:func:`authenticate` for async callers."""
    auth = authenticated(request)
    if auth is None:
        state = await get_clerk().authenticate_request_async(request_view(request))
        auth = store(request, state)
    return auth


def _answerless(request: HttpRequest, state: RequestState) -> AuthObject:
    """Store the state of a request authenticated on a view's demand (no ``ClerkMiddleware``),
    where nothing can answer it before the view runs. A request signed in by the session cookie
    from another origin is signed out (the origin rule of :mod:`clerk_core.origin`: Django's
    ``CsrfViewMiddleware`` does not check DRF or ``csrf_exempt`` views); a state that needs a
    redirect (a handshake, the development return trip) gives a signed-out auth object, since only
    the middleware or a decorator can send that redirect."""
    state = answerless_state(
        state,
        lambda: request_view(request),
        get_clerk().options,
        check_origin=not getattr(request, "_dont_enforce_csrf_checks", False),
    )
    auth = store(request, state)
    if state.location:
        auth = RequestState(AuthStatus.SIGNED_OUT, reason=state.reason).to_auth()
        setattr(request, AUTH_ATTR, auth)
    return auth


def get_auth(request: HttpRequest) -> AuthObject:
    """The Clerk auth object of ``request``; authenticates it (sync) if the middleware did not."""
    auth = authenticated(request)
    if auth is None:
        auth = _answerless(request, get_clerk().authenticate_request(request_view(request)))
    return auth


async def aget_auth(request: HttpRequest) -> AuthObject:
    """``get_auth`` for async views: authenticates with the async path if needed."""
    auth = authenticated(request)
    if auth is None:
        state = await get_clerk().authenticate_request_async(request_view(request))
        auth = _answerless(request, state)
    return auth


_NO_USER = object()


def current_user(request: HttpRequest) -> User | None:
    """The signed-in user from the Backend API: memoised for the request, cached across requests."""
    memo = getattr(request, "_clerk_current_user", _NO_USER)
    if memo is _NO_USER:
        memo = users.current_user(get_clerk(), get_auth(request))
        request._clerk_current_user = memo
    return memo  # type: ignore[return-value]


async def acurrent_user(request: HttpRequest) -> User | None:
    memo = getattr(request, "_clerk_current_user", _NO_USER)
    if memo is _NO_USER:
        memo = await users.current_user_async(get_clerk(), await aget_auth(request))
        request._clerk_current_user = memo
    return memo  # type: ignore[return-value]


def get_request_state(request: HttpRequest) -> RequestState | None:
    """The request state the middleware (or a decorator, or ``get_auth``) stored, or ``None``."""
    state: RequestState | None = getattr(request, STATE_ATTR, None)
    return state


request_state = get_request_state


class VerbatimCookie(Morsel[str]):
    """One ``Set-Cookie`` line from Clerk, emitted exactly as Clerk wrote it.

    Django's header dict cannot repeat ``Set-Cookie``, and re-parsing the line with ``SimpleCookie``
    loses what it does not know (``Partitioned`` before Python 3.14 drops the whole cookie). Django's
    WSGI and ASGI handlers emit every ``response.cookies`` entry as ``Set-Cookie: <OutputString>``,
    so this morsel's ``OutputString`` is the line itself. ``key`` and ``value`` are the cookie's, so
    ``response.cookies[name].value`` and Django's test client work as with any cookie.

    A later ``set_cookie()`` of the same name (or a change to one of its attributes) turns it into
    an ordinary cookie: what the app asks for afterwards wins, as Django does for one name.
    """

    line: str | None = None

    def __init__(self, line: str) -> None:
        super().__init__()
        name, _, value = line.split(";", 1)[0].partition("=")
        # Not Morsel.set(): it refuses names it thinks illegal, and the line is Clerk's, kept as is.
        state = {"key": name.strip(), "value": value.strip(), "coded_value": value.strip()}
        self.__setstate__(state)  # type: ignore[attr-defined]
        self.line = line

    def OutputString(self, attrs: Container[str] | None = None) -> str:
        return self.line if self.line is not None else super().OutputString(attrs)

    def set(self, key: str, val: str, coded_val: str) -> None:
        self.line = None
        super().set(key, val, coded_val)

    def __setitem__(self, key: str, value: Any) -> None:
        self.line = None
        super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.line = None
        super().update(*args, **kwargs)

    def copy(self) -> Morsel[str]:
        return VerbatimCookie(self.line) if self.line is not None else super().copy()

    def __reduce__(self) -> Any:
        if self.line is not None:
            return (VerbatimCookie, (self.line,))
        return super().__reduce__()

    def __repr__(self) -> str:  # never the value: it is a session token
        return f"<VerbatimCookie {self.key}>"


def add_headers(response: HttpResponseBase, headers: list[tuple[str, str]]) -> None:
    """Copy core headers onto a Django response. Each ``Set-Cookie`` line is kept verbatim, as a
    :class:`VerbatimCookie` in ``response.cookies``: under its cookie's name when that is free, else
    (the app set a cookie of that name, or Clerk sends the name twice) under ``"<name> (Clerk)"``,
    which no ``set_cookie`` call can produce (a space is not allowed in a cookie name), so nothing
    the app sets is replaced. A line the response already carries (a refusal rendered by a
    decorator) is not added twice."""
    if not headers:
        return  # nothing to add: the common case
    present = [*response.items()]
    present += [("set-cookie", m.OutputString()) for m in response.cookies.values()]
    for name, value in headers_to_add(present, headers):
        if name.lower() == "set-cookie":
            morsel = VerbatimCookie(value)
            key = morsel.key
            number = 1
            while key in response.cookies:
                key = f"{morsel.key} (Clerk)" if number == 1 else f"{morsel.key} (Clerk {number})"
                number += 1
            response.cookies[key] = morsel
        else:
            response.headers[name] = value


class _Redirect(HttpResponseRedirectBase):
    """A redirect with the core response's status (307, 303, ...), so ``response.url`` and Django's
    test client (``follow=True``, ``assertRedirects``) work."""

    def __init__(self, location: str, status: int) -> None:
        self.status_code = status
        super().__init__(location)


def render(response: AuthResponse) -> HttpResponseBase:
    """A core response description as a Django response, unchanged."""
    location = response.location
    out: HttpResponseBase
    if location is not None and 300 <= response.status < 400:
        out = _Redirect(location, response.status)
    else:
        out = HttpResponse(
            response.body,
            status=response.status,
            content_type=response.content_type or "text/plain; charset=utf-8",
        )
    skip = ("content-type", "location")
    add_headers(out, [(k, v) for k, v in response.headers if k.lower() not in skip])
    return out
