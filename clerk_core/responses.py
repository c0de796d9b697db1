"""The responses adapters send when a request may not go on: written once, rendered by every adapter.

:func:`auth_response` turns a :class:`ProtectError` (or a signed-out / handshake
:class:`RequestState`) and the request into an :class:`AuthResponse`: status, headers and body. An
adapter only copies these onto its native response object. :func:`early_response` says which request
states an adapter answers itself, before the app runs.

| request | outcome | response |
| --- | --- | --- |
| any | handshake state | 307 to the handshake ``Location``, with its headers |
| any | any state with a ``Location`` (the development handshake's return trip, signed in or out) | 307 to it, with the state's headers (its ``Set-Cookie`` lines) |
| any | ``unauthenticated_url`` given and allowed | 307 to it |
| page (document navigation) | signed out | 307 to sign-in with ``redirect_url`` = the full URL |
| page | pending session | 307 to ``<sign-in>/tasks`` with ``redirect_url`` |
| API | signed out | 401 JSON ``{"error": "unauthenticated", "reason": ...}``, ``WWW-Authenticate: Bearer`` (404 with ``unauthenticated_status=404``) |
| any | a token of a type the route does not take (``TokenTypeMismatch``), or none on a machine-only route (``MachineUnauthenticated``) | 401 JSON ``{"error": "unauthenticated", "reason": ...}``, never a redirect |
| any | signed in, not allowed, ``unauthorized_url`` allowed | 307 to it |
| any | signed in, not allowed | 403 JSON ``{"error": "forbidden"}`` (404 with ``unauthorized_status=404``) |
| any | signed in, reverification needed (``ReverificationRequired``) | 403 JSON, Clerk's ``{"clerk_error": {"type": "forbidden", "reason": "reverification-error", ...}}`` |
| any | a route matcher met a malformed path (``MalformedURLError``) | 400 JSON ``{"error": "bad_request", "reason": "malformed-url"}`` |
| unsafe / WebSocket | signed in by the cookie, from another origin (:mod:`clerk_core.origin`) | 403 JSON ``{"error": "forbidden", "reason": "cross-origin-request"}`` |

Every response carries the request state's headers (Clerk's debug headers, refreshed cookies); every
307 carries ``Cache-Control: no-store``. A redirect is never built on a ``Host`` that
:mod:`clerk_core.hosts` does not trust: a page request then gets what an API request gets (401, 403
or 404 JSON).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from .errors import (
    ClerkConfigurationError,
    MachineUnauthenticated,
    MalformedURLError,
    ProtectError,
    ReverificationRequired,
    Unauthenticated,
)
from .hosts import trusted_public_url
from .options import ClerkOptions, accounts_host
from .redirects import origin_of, safe_redirect_url, with_query
from .request import RequestView, parse_authorization, redacted_url
from .state import AuthStatus, RequestState

__all__ = [
    "AuthResponse",
    "auth_response",
    "early_response",
    "headers_to_add",
    "is_page_request",
    "redirect_to_sign_in",
    "redirect_to_sign_up",
    "reverification_body",
    "sign_in_redirect_url",
    "sign_up_redirect_url",
]

Headers = list[tuple[str, str]]


class AuthResponse:
    """A response description: ``status``, ``headers`` (``(name, value)`` pairs, repeatable) and
    ``body`` (bytes; JSON for 401/403/404)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Headers, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        # A handshake Location carries the session token and the dev-browser token in its query.
        location = self.location
        shown = redacted_url(location) if location is not None else None
        return f"AuthResponse(status={self.status}, location={shown!r})"

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def location(self) -> str | None:
        return self.header("location")

    @property
    def content_type(self) -> str | None:
        return self.header("content-type")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def is_page_request(request: RequestView) -> bool:
    """A browser navigation: ``Sec-Fetch-Dest`` document/iframe, or an ``Accept`` naming HTML."""
    dest = request.headers.get("sec-fetch-dest")
    if dest in ("document", "iframe"):
        return True
    return "text/html" in request.headers.get("accept", "")


def _dev_browser_token(
    request: RequestView, options: ClerkOptions, state: RequestState | None
) -> str | None:
    """The development-browser token a sign-in redirect forwards: the one the engine chose for this
    request (Clerk's suffixed-cookie rule), never another development app's un-suffixed cookie.
    Without a state (an app calling this directly), the query parameter or this app's suffixed
    cookie, and the un-suffixed cookie only when no suffixed Clerk cookie is present."""
    if state is not None and state.token_source == "cookie":
        return state.dev_browser_token
    cookies = request.cookies_within(options.max_cookie_header_bytes)
    suffix = options.cookie_suffix
    own = request.query_param("__clerk_db_jwt") or cookies.get(f"__clerk_db_jwt_{suffix}")
    if own:
        return own
    if any(f"{name}_{suffix}" in cookies for name in ("__session", "__client_uat")):
        return None
    return cookies.get("__clerk_db_jwt") or None


def _account_page(options: ClerkOptions, public: str, kind: str) -> str | None:
    """The absolute sign-in or sign-up page (Clerk's ``createRedirect``): the configured URL
    (a relative one resolved against the request), for sign-up else ``<sign_in_url>/create`` (the
    combined sign-in-or-up page), else the Account Portal's ``/sign-in`` or ``/sign-up``."""
    page = options.sign_in_url
    if kind == "sign-up":
        page = options.sign_up_url
        if not page and options.sign_in_url:
            base = urlsplit(urljoin(public, options.sign_in_url))
            page = base._replace(path=base.path.rstrip("/") + "/create").geturl()
    if not page:
        if not options.frontend_api:
            return None
        page = f"https://{accounts_host(options.frontend_api)}/{kind}"
    return urljoin(public, page)


def _account_redirect_url(
    request: RequestView,
    options: ClerkOptions,
    kind: str,
    *,
    pending: bool,
    state: RequestState | None,
    return_back_url: str | None,
) -> str | None:
    trusted = trusted_public_url(request, options)
    if trusted is None:
        return None
    public = trusted.geturl()
    target = _account_page(options, public, kind)
    if target is None:
        return None
    if pending:
        split = urlsplit(target)
        target = split._replace(path=split.path.rstrip("/") + "/tasks").geturl()
    cross_origin = origin_of(urlsplit(target)) != origin_of(urlsplit(public))
    return_url = public
    if return_back_url is not None:
        return_url = (
            safe_redirect_url(
                return_back_url, current=trusted, allowed_origins=options.allowed_redirect_origins
            )
            or public
        )
    if options.is_satellite and cross_origin:
        return_url = with_query(
            return_url, [("__clerk_synced", "false")], replace=("__clerk_synced",)
        )
    params = [("redirect_url", return_url)]
    replace = ["redirect_url"]
    if cross_origin and not options.is_production:
        dev_token = _dev_browser_token(request, options, state)
        if dev_token:
            params.append(("__clerk_db_jwt", dev_token))
            replace.append("__clerk_db_jwt")
    return with_query(target, params, replace=replace)


def sign_in_redirect_url(
    request: RequestView,
    options: ClerkOptions,
    *,
    pending: bool = False,
    state: RequestState | None = None,
    return_back_url: str | None = None,
) -> str | None:
    """Where a signed-out page request goes: the sign-in URL with ``redirect_url`` set to the full
    public URL of the request (``None`` when no sign-in URL can be known, or when the request's host
    may not be used: see :mod:`clerk_core.hosts`).

    ``return_back_url`` replaces the request's URL as ``redirect_url`` when it passes the
    open-redirect rules (:mod:`clerk_core.redirects`: a path, or a URL on the request's origin or an
    ``allowed_redirect_origins`` entry); otherwise the request's URL is used."""
    return _account_redirect_url(
        request, options, "sign-in", pending=pending, state=state, return_back_url=return_back_url
    )


def sign_up_redirect_url(
    request: RequestView,
    options: ClerkOptions,
    *,
    pending: bool = False,
    state: RequestState | None = None,
    return_back_url: str | None = None,
) -> str | None:
    """:func:`sign_in_redirect_url` for the sign-up page: ``sign_up_url``, else
    ``<sign_in_url>/create``, else the Account Portal's ``/sign-up`` (Clerk's
    ``redirectToSignUp``)."""
    return _account_redirect_url(
        request, options, "sign-up", pending=pending, state=state, return_back_url=return_back_url
    )


def _redirect_to(
    kind: str,
    request: RequestView,
    options: ClerkOptions,
    state: RequestState | None,
    return_back_url: str | None,
) -> AuthResponse:
    if not (options.sign_in_url or options.sign_up_url or options.frontend_api):
        setting = "sign_up_url" if kind == "sign-up" else "sign_in_url"
        raise ClerkConfigurationError(
            f"redirect_to_{kind.replace('-', '_')}() needs the page to send the user to: set "
            f"{setting} (CLERK_{setting.upper()}) or publishable_key (CLERK_PUBLISHABLE_KEY, whose "
            "instance's Account Portal is then used)."
        )
    auth = state.to_auth() if state is not None else None
    pending = auth is not None and auth.session_status == "pending"
    target = _account_redirect_url(
        request, options, kind, pending=pending, state=state, return_back_url=return_back_url
    )
    if target is None:  # the request's host may not be used: the API answer, as auth_response
        return auth_response(
            Unauthenticated("Sign-in required."), request, options, state=state, page=False
        )
    return _redirect(target, _carried(state))


def redirect_to_sign_in(
    request: RequestView,
    options: ClerkOptions,
    *,
    state: RequestState | None = None,
    return_back_url: str | None = None,
) -> AuthResponse:
    """Clerk's ``redirectToSignIn()``: a 307 to the sign-in page that brings the user back.

    ``redirect_url`` is the request's full public URL, or ``return_back_url`` when it passes the
    open-redirect rules. A pending session goes to ``<sign-in>/tasks``; a development instance
    whose sign-in page is on another origin gets the dev-browser token appended, and a satellite
    asks its primary to sync back, as Clerk does. When the request's host may not be used
    (:mod:`clerk_core.hosts`) the answer is the 401 an API request gets. Raises
    :class:`ClerkConfigurationError` when neither ``sign_in_url`` nor a publishable key is set."""
    return _redirect_to("sign-in", request, options, state, return_back_url)


def redirect_to_sign_up(
    request: RequestView,
    options: ClerkOptions,
    *,
    state: RequestState | None = None,
    return_back_url: str | None = None,
) -> AuthResponse:
    """Clerk's ``redirectToSignUp()``: :func:`redirect_to_sign_in` for the sign-up page
    (``sign_up_url``, else ``<sign_in_url>/create``, else the Account Portal's ``/sign-up``)."""
    return _redirect_to("sign-up", request, options, state, return_back_url)


def reverification_body(level: str, after_minutes: float) -> dict[str, Any]:
    """Clerk's reverification hint (``reverificationError`` in ``@clerk/shared``), the body
    ClerkJS's ``useReverification`` acts on."""
    minutes: float = int(after_minutes) if float(after_minutes).is_integer() else after_minutes
    return {
        "clerk_error": {
            "type": "forbidden",
            "reason": "reverification-error",
            "metadata": {"reverification": {"level": level, "afterMinutes": minutes}},
        }
    }


def _json(status: int, headers: Headers, body: Mapping[str, Any]) -> AuthResponse:
    # A refusal depends on the request's cookies and headers (and may carry refreshed cookies): a
    # shared cache must never answer another visitor with it.
    return AuthResponse(
        status,
        [*_no_store(headers), ("content-type", "application/json")],
        json.dumps(body, separators=(",", ":")).encode(),
    )


def _no_store(headers: Headers) -> Headers:
    """``headers`` with ``Cache-Control: no-store`` (an auth redirect depends on cookies and the
    ``Host``; a shared cache must not replay it to someone else)."""
    kept = [(k, v) for k, v in headers if k.lower() != "cache-control"]
    return [*kept, ("cache-control", "no-store")]


def _redirect(location: str, headers: Headers) -> AuthResponse:
    return AuthResponse(307, _no_store([*headers, ("location", location)]))


def _token_present(request: RequestView, options: ClerkOptions) -> bool:
    if parse_authorization(request.headers.get("authorization")) is not None:
        return True
    if "__session" not in request.headers.get("cookie", ""):
        return False  # cookie names are never decoded: no session cookie, nothing to parse
    cookies = request.cookies_within(options.max_cookie_header_bytes)
    return bool(cookies.get("__session") or cookies.get(f"__session_{options.cookie_suffix}"))


def _carried(state: RequestState | None) -> Headers:
    """The request state's headers (debug headers, refreshed cookies), without any Location."""
    if state is None:
        return []
    return [(k, v) for k, v in state.headers if k.lower() != "location"]


def auth_response(
    outcome: ProtectError | MalformedURLError | RequestState,
    request: RequestView,
    options: ClerkOptions,
    *,
    state: RequestState | None = None,
    page: bool | None = None,
) -> AuthResponse:
    """The response for a refused request (see the table in this module's docstring).

    ``outcome`` is the ``ProtectError`` that ``protect()`` raised, the ``MalformedURLError`` a route
    matcher raised, or a request state that is signed out or a handshake. ``state`` is the request's
    state when ``outcome`` is an error; its headers (debug headers, refreshed cookies) are carried on
    the response. ``page`` says whether a signed-out request is a page request (redirected to
    sign-in) or an API request (401); by default :func:`is_page_request` judges. An API framework
    (Django REST framework) passes ``page=False``.
    """
    if isinstance(outcome, MalformedURLError):
        return _json(400, _carried(state), {"error": "bad_request", "reason": "malformed-url"})
    if isinstance(outcome, RequestState):
        state = outcome
        if outcome.location:
            return AuthResponse(307, _no_store(list(outcome.headers)))
        error: ProtectError = Unauthenticated("Sign-in required.", reason=outcome.reason)
    else:
        error = outcome
    carried = _carried(state)
    allowed = options.allowed_redirect_origins
    explicit = (
        safe_redirect_url(
            error.redirect_url,
            current=trusted_public_url(request, options),
            allowed_origins=allowed,
        )
        if error.redirect_url
        else None
    )
    if explicit is not None:
        return _redirect(explicit, carried)

    if isinstance(error, Unauthenticated):
        reason = error.reason or (state.reason if state is not None else None)
        if error.pending and reason is None:
            reason = "session-pending"
        machine = isinstance(error, MachineUnauthenticated)
        if not machine and (page if page is not None else is_page_request(request)):
            target = sign_in_redirect_url(request, options, pending=error.pending, state=state)
            if target is not None:
                return _redirect(target, carried)
        if options.unauthenticated_status == 404 and not machine:
            return _json(404, carried, {"error": "not_found"})
        challenge = 'Bearer error="invalid_token"' if _token_present(request, options) else "Bearer"
        if not any(k.lower() == "x-clerk-auth-reason" for k, _ in carried) and reason:
            carried.append(("x-clerk-auth-reason", reason))
        return _json(
            401,
            [*carried, ("www-authenticate", challenge)],
            {"error": "unauthenticated", "reason": reason},
        )

    if isinstance(error, ReverificationRequired):
        # ClerkJS acts on this body whatever the page: its useReverification prompts the user
        # and retries; a 404 would hide the hint, so unauthorized_status does not apply.
        return _json(403, carried, reverification_body(error.level, error.after_minutes))
    if options.unauthorized_status == 404:
        return _json(404, carried, {"error": "not_found"})
    return _json(403, carried, {"error": "forbidden"})


def early_response(
    state: RequestState, request: RequestView, options: ClerkOptions
) -> AuthResponse | None:
    """The response an adapter sends instead of running the app, or ``None`` to run it.

    A state that carries a ``Location`` is answered with a 307 to it, whatever its status: a
    handshake, and the development handshake's return trip, which Clerk reports as ``signed-in``
    (or ``signed-out``) with a ``Location`` that drops the handshake parameters while its
    ``Set-Cookie`` lines store the new session (Clerk's framework SDKs redirect on the
    ``Location`` header too, not on the status). A handshake state without a ``Location`` is
    refused as a signed-out one would be (:func:`auth_response`).
    """
    if state.location:
        return AuthResponse(307, _no_store(list(state.headers)))
    if state.status is AuthStatus.HANDSHAKE:
        return auth_response(state, request, options)
    return None


COOKIE_CACHE_CONTROL = "private, no-store"
"""The ``Cache-Control`` of any response that carries Clerk's ``Set-Cookie`` lines."""
REPLACED = frozenset({"cache-control"})
"""Headers from :func:`headers_to_add` that replace the response's own rather than join them."""


def headers_to_add(
    existing: Iterable[tuple[str, str]], extra: Iterable[tuple[str, str]]
) -> Headers:
    """The ``extra`` headers (a request state's) that ``existing`` does not already carry.

    A refusal rendered inside the app (a decorator, a FastAPI dependency) already carries the state's
    headers, and the middleware adds them again on the way out: an identical ``(name, value)`` pair
    (name compared case-insensitively) is sent once. Different values, e.g. several ``Set-Cookie``
    lines, are all kept. When ``Set-Cookie`` lines are added, ``Cache-Control: private, no-store``
    comes with them, to *replace* the response's own (names in :data:`REPLACED`).
    """
    seen = {(name.lower(), value) for name, value in existing}
    added = [(name, value) for name, value in extra if (name.lower(), value) not in seen]
    if any(name.lower() == "set-cookie" for name, _ in added):
        # Clerk's cookies (a session from the handshake's return trip, a refreshed session) on the
        # app's own response: a shared cache must never hand them to another visitor, whatever the
        # view said. Adapters *replace* the response's Cache-Control with this one (REPLACED).
        added.append(("cache-control", COOKIE_CACHE_CONTROL))
    return added
