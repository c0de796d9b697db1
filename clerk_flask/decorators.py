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
from clerk_core.protect import ProtectParams

from .extension import _state, get_auth, get_request_state, render, request_view

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Protect", "auth_required", "protect", "require_auth"]

View = TypeVar("View", bound=Callable[..., Any])


class Protect:
    """A ``protect(...)`` rule: decorate a view with it, or register it as a ``before_request``."""

    def __init__(self, **params: Unpack[ProtectParams]) -> None:
        self.kwargs: Mapping[str, Any] = params

    def __repr__(self) -> str:
        return f"protect({ {k: v for k, v in self.kwargs.items() if v is not None} })"

    def check(self) -> Response | None:
        """The refusal for the current request, or ``None`` when it may go on."""
        auth = get_auth()
        refusal = protect_refusal(
            get_request_state(),
            auth,
            self.kwargs,
            request=request_view,
            options=_state().engine.options,
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
