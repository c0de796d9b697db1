"""How Clerk is installed in a Flask app: ``flask clerk doctor`` and
``python -m clerk_core doctor --app``.

:func:`inspect_app` reads the app object without serving a request and reports, as the doctor's
results (docs/doctor.md):

* ``extension``: ``Clerk(app)`` / ``clerk.init_app(app)`` ran on this app;
* ``before_request``: Clerk's hook is registered once, and no ``before_request`` function that
  reads the auth runs before it (Flask runs them in the order they were added, so one added
  before ``init_app`` authenticates the request on its own, without Clerk's handshakes, guard
  or refusals, and the request is then authenticated twice).
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from clerk_core.doctor import AppInspection, CheckResult

from .extension import Clerk, ClerkState, _before_request

__all__ = ["inspect_app", "installation_results"]

_READS_AUTH = re.compile(
    r"\bget_auth\s*\(|\bcurrent_auth\b|\bcurrent_user\s*\(|\bget_request_state\s*\("
    r"|\b_clerk_auth\b|\bclerk_state\b"
)


def installation_results(app: Flask) -> list[CheckResult]:
    """``extension`` and, when it is set up, ``before_request``."""
    state = app.extensions.get("clerk")
    if not isinstance(state, ClerkState):
        return [
            CheckResult(
                "extension",
                "error",
                "Clerk is not set up on this app (no Clerk(app) or clerk.init_app(app)), so no "
                "request is authenticated.",
                "Call Clerk(app), or clerk.init_app(app) in the app factory, where the app is "
                "created.",
            )
        ]
    results = [CheckResult("extension", "ok", "The Clerk extension is set up on this app.")]
    hooks: list[Callable[..., Any]] = list(app.before_request_funcs.get(None, ()))
    ours = [i for i, hook in enumerate(hooks) if hook is _before_request]
    if not ours:
        results.append(
            CheckResult(
                "before_request",
                "error",
                "Clerk's before_request hook is not registered on this app, so no request is "
                "authenticated before its view.",
                "Call clerk.init_app(app) once, and leave app.before_request_funcs to Flask.",
            )
        )
        return results
    if len(ours) > 1:
        results.append(
            CheckResult(
                "before_request",
                "warning",
                f"Clerk's before_request hook is registered {len(ours)} times (init_app ran "
                f"{len(ours)} times on this app): every request is authenticated "
                f"{len(ours)} times.",
                "Call Clerk(app) or clerk.init_app(app) once per app.",
            )
        )
        return results
    early = [_name(hook) for hook in hooks[: ours[0]] if _reads_auth(hook)]
    if early:
        names = ", ".join(early)
        results.append(
            CheckResult(
                "before_request",
                "warning",
                f"{names} {'runs' if len(early) == 1 else 'run'} before Clerk's before_request "
                "hook and reads the auth: the request is authenticated there on its own, "
                "without Clerk's handshakes, guard and refusals, then again by Clerk.",
                f"Register {names} after Clerk(app) / clerk.init_app(app) (Flask runs "
                "before_request functions in the order they were added).",
            )
        )
    else:
        before = (
            "after 1 hook that does not read the auth"
            if ours[0] == 1
            else f"after {ours[0]} hooks that do not read the auth"
        )
        results.append(
            CheckResult(
                "before_request",
                "ok",
                "Clerk's before_request hook runs " + ("first." if ours[0] == 0 else f"{before}."),
            )
        )
    return results


def inspect_app(app: Any) -> AppInspection | None:
    """The doctor's view of a Flask ``app`` (``None`` for anything else): its installation, and
    the options and HTTP client of its Clerk engine (or, when the extension is not set up, the
    options ``Clerk(app)`` would build from ``app.config`` and the environment)."""
    if not isinstance(app, Flask):
        return None
    inspection = AppInspection(installation_results(app))
    state = app.extensions.get("clerk")
    if isinstance(state, ClerkState):
        options = state.engine.options
        inspection.build = lambda: options
        inspection.http_client = state.engine.http_client
        inspection.publishable_key = options.publishable_key
        inspection.secret_key = options.secret_key
    else:
        inspection.build = lambda: Clerk()._options_for(app)
        for name in ("publishable_key", "secret_key"):
            value = app.config.get(f"CLERK_{name.upper()}") or os.environ.get(
                f"CLERK_{name.upper()}"
            )
            if isinstance(value, str):
                setattr(inspection, name, value)
    return inspection


def _name(hook: Callable[..., Any]) -> str:
    return getattr(hook, "__qualname__", None) or repr(hook)


def _reads_auth(hook: Callable[..., Any]) -> bool:
    try:
        source = inspect.getsource(hook)
    except (OSError, TypeError):
        return False
    return _READS_AUTH.search(source) is not None
