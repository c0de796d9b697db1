"""``auth_required`` and ``protect(...)``: view decorators that are also ``before_request`` hooks.

@app.get("/dashboard")
@auth_required
def dashboard(): ...

admin = Blueprint("admin", __name__)
admin.before_request(protect(role="org:admin"))     # every view of the blueprint
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from flask import Response, current_app

from clerk_core.adapter import protect_refusal
from clerk_core.protect import ProtectParams, route_accepts_token, validate_protect_params
from clerk_core.responses import redirect_to_sign_in as core_redirect_to_sign_in
from clerk_core.responses import redirect_to_sign_up as core_redirect_to_sign_up

from .extension import _state, _store, get_auth, get_request_state, render, request_view

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "Protect",
    "auth_required",
    "protect",
    "redirect_to_sign_in",
    "redirect_to_sign_up",
    "require_auth",
]

View = TypeVar("View", bound=Callable[..., Any])


class Protect:
    """A ``protect(...)`` rule: decorate a view with it, or register it as a ``before_request``."""

    def __init__(self, **params: Unpack[ProtectParams]) -> None:
        validate_protect_params(params)  # a wrong argument fails at import time
        self.kwargs: Mapping[str, Any] = params

    def __repr__(self) -> str:
        return f"protect({ {k: v for k, v in self.kwargs.items() if v is not None} })"

    def check(self) -> Response | None:
        """The refusal for the current request, or ``None`` when it may go on."""
        auth = get_auth()
        state = get_request_state()
        engine = _state().engine
        wider = route_accepts_token(state, auth, self.kwargs, engine.options, request_view)
        if wider is not None:
            # The view takes a token type the app-wide accepts_token excludes: judge the token
            # again with the view's types (docs/protect.md), for the view too.
            state = engine.authenticate_request(request_view(), accepts_token=wider)
            auth = _store(state)
        refusal = protect_refusal(
            state,
            auth,
            self.kwargs,
            request=request_view,
            options=engine.options,
        )
        return render(refusal) if refusal is not None else None

    @overload
    def __call__(self) -> Response | None: ...

    @overload
    def __call__(self, view: View) -> View: ...

    def __call__(self, view: View | None = None) -> Any:
        if view is None:  # Flask calls before_request hooks with no arguments
            return self.check()

        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            refused = self.check()
            if refused is not None:
                return refused
            return current_app.ensure_sync(view)(*args, **kwargs)

        return wrapped


def protect(**params: Unpack[ProtectParams]) -> Protect:
    """Allow only what ``auth.protect(**params)`` allows (all ``has()`` dimensions, ``condition``,
    ``unauthenticated_url``, ``unauthorized_url``)."""
    return Protect(**params)


_signed_in = Protect()


@overload
def require_auth() -> Response | None: ...


@overload
def require_auth(view: View) -> View: ...


def require_auth(view: View | None = None) -> Any:
    """Anyone signed in: ``@require_auth`` on a view, or ``bp.before_request(require_auth)``."""
    if view is None:
        return _signed_in.check()
    return _signed_in(view)


auth_required = require_auth
"""The same decorator under Flask's ``login_required``-style name."""


def redirect_to_sign_in(*, return_back_url: str | None = None) -> Response:
    """Clerk's ``redirectToSignIn()`` for the current request: a 307 to the sign-in page with
    ``redirect_url`` set to this page (or to ``return_back_url`` when the open-redirect rules allow
    it); docs/redirects.md."""
    get_auth()
    rendered = core_redirect_to_sign_in(
        request_view(),
        _state().engine.options,
        state=get_request_state(),
        return_back_url=return_back_url,
    )
    return render(rendered)


def redirect_to_sign_up(*, return_back_url: str | None = None) -> Response:
    """Clerk's ``redirectToSignUp()``: :func:`redirect_to_sign_in` for the sign-up page."""
    get_auth()
    rendered = core_redirect_to_sign_up(
        request_view(),
        _state().engine.options,
        state=get_request_state(),
        return_back_url=return_back_url,
    )
    return render(rendered)
