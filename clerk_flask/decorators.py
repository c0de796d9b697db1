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

from clerk_core.protect import ProtectParams, check_protect

from .extension import get_auth, get_request_state, refuse

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Protect", "auth_required", "protect"]

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
        refusal = check_protect(get_request_state(), auth, self.kwargs)
        return refuse(refusal) if refusal is not None else None

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
def auth_required() -> Response | None: ...


@overload
def auth_required(view: View) -> View: ...


def auth_required(view: View | None = None) -> Any:
    """Anyone signed in: ``@auth_required`` on a view, or ``bp.before_request(auth_required)``."""
    if view is None:
        return _signed_in.check()
    return _signed_in(view)
