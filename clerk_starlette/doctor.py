"""How Clerk is installed in a Starlette or FastAPI app, for ``python -m clerk_core doctor --app``.

:func:`inspect_app` reads an app object without running it (no lifespan, no request; the
middleware stack is not built) and reports, as the doctor's results (docs/doctor.md):

* ``middleware``: ``ClerkMiddleware`` installed once (or Clerk reached through ``ClerkBackend`` or
  the dependencies of :mod:`clerk_starlette.fastapi`), not missing, not installed twice;
* ``middleware_order``: no middleware that must see requests first (CORS, trusted hosts, the
  HTTPS redirect, proxy headers, the test kit's local Frontend API) runs inside ClerkMiddleware,
  and no middleware of the app that reads the auth runs outside it (where it finds none);
* ``lifespan``: when the Clerk engine is built, so whether a configuration error stops the
  server at start-up or shows only as 500s.

It also says which settings the app gives Clerk (the middleware's keyword arguments, a ready
engine, ``app.state.clerk``, or the environment), so the doctor checks those.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from starlette.applications import Starlette

from clerk_core import Clerk, ClerkOptions
from clerk_core.doctor import AppInspection, CheckResult, Status

from .backend import ClerkBackend
from .middleware import ClerkMiddleware

__all__ = ["inspect_app"]

_OUTER_FIRST: dict[str, tuple[Status, str]] = {
    "starlette.middleware.cors.CORSMiddleware": (
        "warning",
        "its CORS headers are missing from Clerk's 401 and 403 answers (the page sees a CORS "
        "error, not the status) and a preflight (OPTIONS) meets Clerk's guard first",
    ),
    "starlette.middleware.trustedhost.TrustedHostMiddleware": (
        "warning",
        "Clerk builds redirects from a Host header it has not yet vetted",
    ),
    "starlette.middleware.httpsredirect.HTTPSRedirectMiddleware": (
        "warning",
        "an http:// request starts a handshake before it is sent to https://",
    ),
    "uvicorn.middleware.proxy_headers.ProxyHeadersMiddleware": (
        "warning",
        "Clerk sees the proxy's scheme and client rather than the visitor's",
    ),
    "clerk_starlette.local.LocalFrontendMiddleware": (
        "error",
        "its sign-in page and handshake endpoint are themselves sent through handshakes",
    ),
}
"""Middleware that must run before (outside) ClerkMiddleware, and what goes wrong otherwise."""

_READS_AUTH = re.compile(
    r"\bget_auth\s*\(|\bcurrent_user\s*\(|\bget_request_state\s*\("
    r"|\b(?:request|req|conn|connection|websocket)\.(?:auth|user)\b"
    r"|scope\s*\[\s*[\"'](?:auth|user|clerk\.auth)[\"']\s*\]"
)
_FRAMEWORK_PACKAGES = ("starlette", "fastapi", "clerk_starlette", "clerk_core", "uvicorn")


def inspect_app(app: Any) -> AppInspection | None:
    """The doctor's view of ``app``: a Starlette or FastAPI app, or an ASGI app wrapped in
    ``ClerkMiddleware(app, ...)`` (and other middleware with an ``app`` attribute); ``None`` when
    it is none of these."""
    direct: list[ClerkMiddleware] = []
    node: Any = app
    seen: set[int] = set()
    while node is not None and not isinstance(node, Starlette) and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, ClerkMiddleware):
            direct.append(node)
        node = getattr(node, "app", None)
    starlette_app = node if isinstance(node, Starlette) else None
    if starlette_app is None and not direct:
        return None
    entries = list(getattr(starlette_app, "user_middleware", None) or ())
    clerk_at = [i for i, entry in enumerate(entries) if _is_subclass(entry.cls, ClerkMiddleware)]
    dependants = _clerk_dependant_routes(starlette_app) if starlette_app is not None else []
    state_engine = _state_engine(starlette_app)
    backend = next(
        (
            e
            for e in entries
            if _qualified(e.cls).endswith("AuthenticationMiddleware")
            and isinstance(e.kwargs.get("backend"), ClerkBackend)
        ),
        None,
    )

    results = [_presence(direct, entries, clerk_at, dependants, backend is not None)]
    if clerk_at:
        results.append(_order(entries, clerk_at[0]))
    lifespan = _lifespan(direct, clerk_at, dependants, state_engine)
    if lifespan is not None:
        results.append(lifespan)

    inspection = AppInspection(results)
    if direct and direct[-1].failure is None:
        _use_engine(inspection, direct[-1].clerk)
    elif clerk_at:
        kwargs = dict(entries[clerk_at[0]].kwargs)
        engine, options = kwargs.pop("clerk", None), kwargs.pop("options", None)
        kwargs.pop("guard", None)
        if isinstance(engine, Clerk):
            _use_engine(inspection, engine)
        elif isinstance(options, ClerkOptions):
            inspection.build = lambda: options
            inspection.publishable_key = options.publishable_key
            inspection.secret_key = options.secret_key
        else:
            inspection.build = lambda: ClerkOptions.from_env(**kwargs)
            inspection.publishable_key = _given(kwargs, "publishable_key")
            inspection.secret_key = _given(kwargs, "secret_key")
    elif backend is not None:
        _use_engine(inspection, backend.kwargs["backend"].clerk)
    elif state_engine is not None:
        _use_engine(inspection, state_engine)
    return inspection


def _use_engine(inspection: AppInspection, engine: Clerk) -> None:
    options = engine.options
    inspection.build = lambda: options
    inspection.publishable_key = options.publishable_key
    inspection.secret_key = options.secret_key
    inspection.http_client = engine.http_client


def _given(kwargs: dict[str, Any], name: str) -> str | None:
    value = kwargs.get(name) or os.environ.get(f"CLERK_{name.upper()}")
    return value if isinstance(value, str) else None


def _is_subclass(cls: Any, parent: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, parent)


def _qualified(cls: Any) -> str:
    return f"{getattr(cls, '__module__', '')}.{getattr(cls, '__qualname__', repr(cls))}"


def _state_engine(app: Starlette | None) -> Clerk | None:
    engine = getattr(getattr(app, "state", None), "clerk", None)
    return engine if isinstance(engine, Clerk) else None


def _clerk_dependant_routes(app: Starlette) -> list[str]:
    """The paths of the routes that depend on a dependency of :mod:`clerk_starlette.fastapi`."""
    try:
        from . import fastapi as clerk_fastapi
    except ImportError:  # pragma: no cover - Starlette without FastAPI
        return []
    plain = {clerk_fastapi.get_auth, clerk_fastapi.current_user, clerk_fastapi.get_request_state}

    def calls(dependant: Any) -> Iterator[Any]:
        for sub in getattr(dependant, "dependencies", None) or ():
            yield getattr(sub, "call", None)
            yield from calls(sub)

    paths = []
    for route in getattr(app, "routes", None) or ():
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        if any(c in plain or isinstance(c, clerk_fastapi.Protect) for c in calls(dependant)):
            paths.append(str(getattr(route, "path", "?")))
    return paths


def _presence(
    direct: list[ClerkMiddleware],
    entries: list[Any],
    clerk_at: list[int],
    dependants: list[str],
    backend: bool,
) -> CheckResult:
    count = len(direct) + len(clerk_at)
    broken = next((m for m in direct if m.failure is not None), None)
    if broken is not None:
        return CheckResult(
            "middleware",
            "error",
            broken.failure or "",
            "Correct the setting the message names; the app cannot start until then.",
        )
    if count > 1:
        return CheckResult(
            "middleware",
            "warning",
            f"ClerkMiddleware is installed {count} times: every request is authenticated, and "
            f"its guard run, {count} times.",
            "Keep one app.add_middleware(ClerkMiddleware, ...) (or one ClerkMiddleware(app)).",
        )
    if count == 1:
        where = (
            "wraps the app"
            if direct
            else f"is middleware {clerk_at[0] + 1} of {len(entries)}, from the outermost"
        )
        return CheckResult("middleware", "ok", f"ClerkMiddleware {where}.")
    if backend:
        return CheckResult(
            "middleware",
            "ok",
            "Clerk authenticates through ClerkBackend (AuthenticationMiddleware); it serves no "
            "handshakes, so browser sessions need ClerkMiddleware.",
        )
    if dependants:
        shown = ", ".join(dependants[:5]) + (", ..." if len(dependants) > 5 else "")
        return CheckResult(
            "middleware",
            "ok",
            f"ClerkMiddleware is not installed; {len(dependants)} "
            f"{'routes authenticate' if len(dependants) != 1 else 'route authenticates'} "
            f"({shown}) with the dependencies of clerk_starlette.fastapi, on their own.",
        )
    return CheckResult(
        "middleware",
        "error",
        "Clerk is not installed in this app: no ClerkMiddleware, no ClerkBackend, and no route "
        "depends on clerk_starlette.fastapi, so no request is authenticated.",
        "Add app.add_middleware(ClerkMiddleware) where the app is created, or depend on "
        "clerk_starlette.fastapi's require_auth / Protect(...) in the routes.",
    )


def _name(entry: Any) -> tuple[str, Callable[..., Any] | type | None]:
    """A middleware entry's name, and the code to read for what it does (the class, or the
    function of an ``@app.middleware("http")``), ``None`` for a framework's own middleware."""
    cls = entry.cls
    dispatch = entry.kwargs.get("dispatch")
    if callable(dispatch) and _qualified(cls).endswith("BaseHTTPMiddleware"):
        name = getattr(dispatch, "__qualname__", "dispatch")
        return f"{name} (@app.middleware)", dispatch
    module = getattr(cls, "__module__", "").split(".")[0]
    return getattr(cls, "__name__", repr(cls)), (None if module in _FRAMEWORK_PACKAGES else cls)


def _reads_auth(code: Callable[..., Any] | type | None) -> bool:
    if code is None:
        return False
    try:
        source = inspect.getsource(code)
    except (OSError, TypeError):
        return False
    return _READS_AUTH.search(source) is not None


def _order(entries: list[Any], clerk: int) -> CheckResult:
    """Starlette runs ``user_middleware`` from index 0 (the middleware added last) inwards."""
    problems: list[tuple[Status, str, str]] = []
    for entry in entries[clerk + 1 :]:
        for parent in getattr(entry.cls, "__mro__", ()):
            rule = _OUTER_FIRST.get(_qualified(parent))
            if rule is not None:
                severity, harm = rule
                name = entry.cls.__name__
                problems.append(
                    (
                        severity,
                        f"{name} runs inside ClerkMiddleware, so {harm}.",
                        f"add {name} after ClerkMiddleware",
                    )
                )
                break
    for entry in entries[:clerk]:
        name, code = _name(entry)
        if _reads_auth(code):
            problems.append(
                (
                    "warning",
                    f"{name} reads the auth but runs before ClerkMiddleware, which has not set "
                    "it yet (get_auth raises, request.user is unset).",
                    f"add ClerkMiddleware after {name}",
                )
            )
    if not problems:
        return CheckResult(
            "middleware_order",
            "ok",
            "ClerkMiddleware runs after what must see requests first and before what reads the "
            "auth.",
        )
    level: Status = "error" if any(p[0] == "error" for p in problems) else "warning"
    message = " ".join(p[1] for p in problems)
    fix = (
        "Reorder the app.add_middleware calls (the middleware added last runs first; an "
        "@app.middleware function counts as added where it is declared): "
        + "; ".join(p[2] for p in problems)
        + "."
    )
    return CheckResult("middleware_order", level, message, fix)


def _lifespan(
    direct: list[ClerkMiddleware],
    clerk_at: list[int],
    dependants: list[str],
    state_engine: Clerk | None,
) -> CheckResult | None:
    if direct:
        return CheckResult(
            "lifespan",
            "ok",
            "ClerkMiddleware(app) is built when the module is imported: a configuration error "
            "stops the import.",
        )
    if clerk_at:
        return CheckResult(
            "lifespan",
            "ok",
            "Starlette builds ClerkMiddleware when the server starts the app (the ASGI "
            "lifespan): a configuration error fails the start-up, under uvicorn's default "
            "--lifespan auto too; with --lifespan off it shows as 500s instead.",
        )
    if state_engine is not None:
        return CheckResult(
            "lifespan",
            "ok",
            "app.state.clerk is built where the app is created: a configuration error stops the "
            "import.",
        )
    if dependants:
        return CheckResult(
            "lifespan",
            "warning",
            "The dependencies build their engine from the CLERK_* environment on the first "
            "request, so a configuration error shows as 500s, not at start-up.",
            "Set app.state.clerk = Clerk(ClerkOptions.from_env()) where the app is created "
            "(or add ClerkMiddleware).",
        )
    return None
