"""The protection decision every adapter shares: ``check_protect`` and its parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from .auth import AuthObject
from .errors import ProtectError
from .state import AuthStatus, RequestState

__all__ = ["ProtectParams", "check_protect"]


class ProtectParams(TypedDict, total=False):
    """The keyword arguments of ``auth.protect()``, accepted as they are by every adapter's
    ``protect(...)`` decorator or dependency."""

    role: str | None
    permission: str | None
    feature: str | None
    plan: str | None
    reverification: str | Mapping[str, Any] | None
    condition: Callable[[Callable[..., bool]], bool] | None
    unauthenticated_url: str | None
    unauthorized_url: str | None


def check_protect(
    state: RequestState | None, auth: AuthObject, params: Mapping[str, Any]
) -> ProtectError | RequestState | None:
    """What a protected view must answer instead of running, or ``None`` when it may run.

    A state that needs a redirect is answered first: a handshake (the browser's session needs
    refreshing), or any state carrying a ``Location`` (the development handshake's return trip,
    signed in or out, which sets the new cookies and drops the handshake parameters); otherwise
    ``auth.protect(**params)`` decides. Render the result with ``auth_response``.
    """
    if state is not None and (state.status is AuthStatus.HANDSHAKE or state.location):
        return state
    try:
        auth.protect(**params)
    except ProtectError as exc:
        return exc
    return None
