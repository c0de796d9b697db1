"""The Flask extension: ``Clerk(app)`` or ``Clerk()`` + ``init_app(app)``.

Configuration comes from keyword arguments, then ``app.config["CLERK_*"]`` (the ``ClerkOptions`` field
names upper-cased: ``CLERK_SECRET_KEY``, ``CLERK_AUTHORIZED_PARTIES``, ...), then the environment.
Also read: ``CLERK_OPTIONS`` (a ready ``ClerkOptions``), ``CLERK_GUARD`` (a callable or dotted path)
and ``CLERK_LOCAL_FRONTEND`` (a ``clerk_core.testing.LocalFrontendAPI`` to serve).

Every request is authenticated before its view runs; one signed in by the session cookie that uses
an unsafe method from another origin is refused with 403 (:mod:`clerk_core.origin`;
``CLERK_CSRF_ORIGIN_CHECK = False`` turns this off).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Flask, Request, Response, current_app, g, request
from werkzeug.sansio.request import Request as WerkzeugRequest
from werkzeug.utils import import_string

from clerk_core import (
    AuthObject,
    AuthResponse,
    ClerkOptions,
    ProtectError,
    RequestState,
    RequestView,
    auth_response,
    users,
)
from clerk_core import Clerk as ClerkEngine
from clerk_core.adapter import (
    Refusal,
    before_app,
    headers_after_app,
    is_replaced,
    remembered_from_environ,
    run_guard,
)
from clerk_core.csp import generate_nonce, is_html, with_content_security_policy
from clerk_core.doctor import check_at_startup
from clerk_core.options import unknown_options_message
from clerk_core.request import environ_headers
from clerk_core.resources import User
from clerk_core.routes import routed_path

if TYPE_CHECKING:  # the test kit is never imported by production code; the app passes one in
    from clerk_core.testing.frontend import LocalFrontendAPI

__all__ = [
    "Clerk",
    "ClerkState",
    "current_user",
    "get_auth",
    "get_request_state",
    "render",
    "request_view",
]

logger = logging.getLogger("clerk_flask")
_FIELDS = {f.name for f in dataclasses.fields(ClerkOptions) if f.init}
_EXTRA = {"CLERK_OPTIONS", "CLERK_GUARD", "CLERK_LOCAL_FRONTEND", "CLERK_ENGINE"}
Guard = Callable[[AuthObject, Any], Any]


@dataclasses.dataclass
class ClerkState:
    """What ``app.extensions["clerk"]`` holds."""

    engine: ClerkEngine
    guard: Guard | None
    local_frontend: LocalFrontendAPI | None


_OWS = " \t"


def request_view() -> RequestView:
    """The framework-neutral view of the current Flask request: the URL as sent (the raw path when
    the server gives one) and the decoded path werkzeug routes on, which route matchers judge."""
    return _view_of(request._get_current_object())  # type: ignore[attr-defined]


def _view_of(req: Request) -> RequestView:
    environ = req.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        path = raw
    else:
        # PATH_INFO is already percent-decoded; encode it again so the core decodes exactly once.
        # PEP 3333 carries the path's bytes as latin-1 characters.
        query = environ.get("QUERY_STRING", "")
        decoded = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        path = quote(decoded, encoding="latin-1") + (f"?{query}" if query else "")
    # Straight from the WSGI environ, in the form RequestView keeps them (one pass, no copy):
    # cheaper than iterating werkzeug's EnvironHeaders.
    headers = environ_headers(environ)
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        if environ.get(key):
            headers[name] = environ[key].strip(_OWS)
    # werkzeug's request.host adds only the TRUSTED_HOSTS check; skip its cost when none are set.
    host = environ.get("HTTP_HOST") if not req.trusted_hosts else None
    url = f"{environ['wsgi.url_scheme']}://{host or req.host}{path}"
    # werkzeug routes on request.path: PATH_INFO decoded by the server, then as UTF-8.
    return RequestView.from_normalised(environ["REQUEST_METHOD"], url, headers, req.path)


@routed_path.register
def _routed_path(req: WerkzeugRequest) -> str:
    return req.path


def render(response: AuthResponse) -> Response:
    """A core response description as a Flask response, unchanged (repeated headers kept)."""
    out = Response(response.body, status=response.status)
    out.headers.clear()
    for name, value in response.headers:
        out.headers.add(name, value)
    return out


def _state() -> ClerkState:
    try:
        state: ClerkState = current_app.extensions["clerk"]
    except KeyError:
        raise RuntimeError(
            "Clerk is not set up on this app: call Clerk(app) or clerk.init_app(app)."
        ) from None
    return state


_NO_USER = object()


def current_user() -> User | None:
    """The signed-in user from the Backend API: memoised for the request (in ``g``), cached across
    requests (``clerk.user_cache``)."""
    memo = g.get("_clerk_current_user", _NO_USER)
    if memo is _NO_USER:
        memo = users.current_user(_state().engine, get_auth())
        g._clerk_current_user = memo
    user: User | None = memo
    return user


def get_request_state() -> RequestState | None:
    """The request state of the current request (``None`` before it is authenticated)."""
    state: RequestState | None = g.get("_clerk_state")
    return state


def get_auth() -> AuthObject:
    """The Clerk auth object of the current request (authenticated now if it was not yet)."""
    auth: AuthObject | None = g.get("_clerk_auth")
    if auth is None:
        state = _state().engine.authenticate_request(request_view())
        auth = _store(state)
    return auth


def _store(state: RequestState, namespace: Any = g) -> AuthObject:
    auth = state.to_auth()
    namespace._clerk_state = state
    namespace._clerk_auth = auth
    return auth


def refuse(outcome: ProtectError | RequestState) -> Response:
    """The shared refusal for the current request."""
    options = _state().engine.options
    return render(auth_response(outcome, request_view(), options, state=get_request_state()))


def _before_request() -> Response | None:
    # The context's objects once each (every proxy lookup costs a context-variable read).
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        state: ClerkState = app.extensions["clerk"]
    except KeyError:
        state = _state()  # raises the setup error
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    frontend = state.local_frontend
    if frontend is not None and frontend.handles(req.path):
        local = frontend.handle(_view_of(req), req.get_data())
        if local is not None:
            return render(local)
    engine = state.engine
    options = engine.options
    if options.content_security_policy is not None:
        g.clerk_nonce = generate_nonce()  # the template globals put it on their script tags
    # A repeated Bearer token or signed-in Cookie header is answered from the engine's memory
    # before any view is built.
    request_state = remembered_from_environ(engine, req.environ, req.method)
    view: RequestView | Callable[[], RequestView]
    if request_state is None:
        view = _view_of(req)
        request_state = engine.authenticate_request(view)
        refusal = before_app(request_state, view, options)
        if refusal is not None:
            return render(refusal)
    else:
        if req.trusted_hosts:
            req.host  # noqa: B018 (TRUSTED_HOSTS still applies: werkzeug answers 400)
        view = partial(_view_of, req)  # built only if the guard refuses
    auth = _store(request_state, g._get_current_object())
    if state.guard is not None:
        # ensure_sync runs an async guard to completion (flask[async]), so the result is settled.
        guard = app.ensure_sync(state.guard)
        result = run_guard(guard, auth, request, request=view, state=request_state, options=options)
        if isinstance(result, Refusal):
            return render(result.response)
        if result is not None:
            # Flask's own rule for a before_request hook: what it returns is the response (a
            # Response, a string, a (body, status) tuple, a dict...).
            return app.make_response(result)
    return None


def _after_request(response: Response) -> Response:
    nonce = g.get("clerk_nonce")
    if nonce is not None and is_html(response.content_type):
        # The Content Security Policy option: Clerk's directives on HTML pages.
        headers = with_content_security_policy(
            _state().engine.options, list(response.headers.items()), nonce
        )
        response.headers.clear()
        for name, value in headers:
            response.headers.add(name, value)
    state = get_request_state()
    if state is None or not state.headers:
        return response  # nothing to add: the common case
    for name, value in headers_after_app(state, response.headers.items()):
        if is_replaced(name):
            response.headers[name] = value
        else:
            response.headers.add(name, value)
    return response


class Clerk:
    """Clerk for a Flask app. One object can serve several apps (``init_app``)."""

    def __init__(
        self,
        app: Flask | None = None,
        *,
        options: ClerkOptions | None = None,
        guard: Guard | str | None = None,
        clerk: ClerkEngine | None = None,
        local_frontend: LocalFrontendAPI | None = None,
        **option_fields: Any,
    ) -> None:
        unknown = set(option_fields) - _FIELDS
        if unknown:
            raise TypeError(unknown_options_message(unknown))
        self._options = options
        self._guard = guard
        self._engine = clerk
        self._local_frontend = local_frontend
        self._fields = option_fields
        if app is not None:
            self.init_app(app)

    def _options_for(self, app: Flask) -> ClerkOptions:
        options = self._options or app.config.get("CLERK_OPTIONS")
        if options is not None:
            return options
        from_config = {
            key[len("CLERK_") :].lower(): value
            for key, value in app.config.items()
            if key.startswith("CLERK_")
            and key not in _EXTRA
            and key[len("CLERK_") :].lower() in _FIELDS
        }
        return ClerkOptions.from_env(**{**from_config, **self._fields})

    def init_app(self, app: Flask) -> None:
        engine = (
            self._engine or app.config.get("CLERK_ENGINE") or ClerkEngine(self._options_for(app))
        )
        guard = self._guard if self._guard is not None else app.config.get("CLERK_GUARD")
        if isinstance(guard, str):
            guard = import_string(guard)
        local = self._local_frontend or app.config.get("CLERK_LOCAL_FRONTEND")
        # The doctor's network-free checks, as Django's system checks run them: an error raises
        # ClerkConfigurationError here (the app is not created), a warning is logged once.
        check_at_startup(
            engine.options,
            debug=True if app.debug else None,
            local_frontend=local is not None,
            logger=logger,
        )
        app.extensions["clerk"] = ClerkState(engine=engine, guard=guard, local_frontend=local)
        app.before_request(_before_request)
        app.after_request(_after_request)
        from .cli import clerk_cli  # ``flask clerk ...``

        if clerk_cli.name not in app.cli.commands:
            app.cli.add_command(clerk_cli)

        from .templates import clerk_template_globals

        app.jinja_env.globals.update(clerk_template_globals())

        @app.context_processor
        def _clerk_context() -> dict[str, Any]:
            from .globals import current_auth

            return {"current_auth": current_auth}
