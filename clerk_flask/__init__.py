"""Clerk for Flask: the ``Clerk`` extension, ``get_auth``, ``current_auth`` and decorators."""

try:
    import flask  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("clerk_flask needs Flask: pip install 'clerk-integrations[flask]'") from exc

from .decorators import (
    Protect,
    auth_required,
    protect,
    redirect_to_sign_in,
    redirect_to_sign_up,
    require_auth,
)
from .extension import Clerk, current_user, get_auth, get_request_state
from .globals import current_auth

__all__ = [
    "Clerk",
    "Protect",
    "auth_required",
    "current_auth",
    "current_user",
    "get_auth",
    "get_request_state",
    "protect",
    "redirect_to_sign_in",
    "redirect_to_sign_up",
    "require_auth",
]
