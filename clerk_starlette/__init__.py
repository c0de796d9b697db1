"""Clerk for Starlette and FastAPI: ``ClerkMiddleware``, ``get_auth``, ``ClerkBackend``.

FastAPI dependencies live in :mod:`clerk_starlette.fastapi`.
"""

try:
    import starlette  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "clerk_starlette needs Starlette: pip install 'clerk-integrations[starlette]' "
        "(or '[fastapi]')"
    ) from exc

from .backend import ClerkBackend
from .middleware import (
    ClerkMiddleware,
    ClerkUser,
    acurrent_user,
    current_user,
    get_auth,
    get_request_state,
    request_view,
)
from .redirects import redirect_to_sign_in, redirect_to_sign_up

__all__ = [
    "ClerkBackend",
    "ClerkMiddleware",
    "ClerkUser",
    "acurrent_user",
    "current_user",
    "get_auth",
    "get_request_state",
    "redirect_to_sign_in",
    "redirect_to_sign_up",
    "request_view",
]
