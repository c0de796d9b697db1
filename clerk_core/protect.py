"""The protection decision every adapter shares: ``check_protect`` and its parameters.

Per-route token types (``protect(token=...)``): the engine authenticates a request once, with the
app-wide ``accepts_token``. A route that takes *fewer* types narrows that result
(``auth.protect(token=...)`` refuses another type with ``token-type-mismatch``). A route that takes
a type the app-wide setting excludes cannot be judged from that result (the engine read an API key
as a malformed session token), so :func:`route_accepts_token` tells the adapter to authenticate the
request again with the route's types; the adapter then stores the new state and auth object for
the view. Only a request carrying an ``Authorization`` token is authenticated again: machine
tokens come in that header only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from ._machine import MACHINE_PREFIXES
from .auth import AuthObject, reverification_requirement, route_token_types
from .errors import ClerkConfigurationError, ProtectError, TokenTypeMismatch
from .options import ClerkOptions
from .request import RequestView, parse_authorization
from .state import AuthStatus, RequestState

__all__ = [
    "ProtectParams",
    "check_protect",
    "route_accepts_token",
    "sent_machine_type",
    "validate_protect_params",
]


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
    token: str | Sequence[str] | None


_KNOWN = frozenset(ProtectParams.__annotations__)


def validate_protect_params(params: Mapping[str, Any]) -> None:
    """Raise :class:`~clerk_core.errors.ClerkConfigurationError` for ``protect(...)`` arguments
    that could never be met: an unknown name, an unknown token type, a malformed
    ``reverification``. The adapters call it when the decorator or dependency is built, so the
    mistake fails at start-up rather than refusing every request."""
    unknown = sorted(set(params) - _KNOWN)
    if unknown:
        raise ClerkConfigurationError(
            f"protect() got unknown argument(s) {', '.join(map(repr, unknown))}; it takes "
            + ", ".join(sorted(_KNOWN))
            + "."
        )
    token = params.get("token")
    if token is not None:
        try:
            route_token_types(token)
        except ClerkConfigurationError:
            raise ClerkConfigurationError(
                f"protect(token={token!r}): token must be 'any', 'session_token', 'api_key', "
                "'m2m_token', 'oauth_token', or a non-empty list of them."
            ) from None
    reverification = params.get("reverification")
    if reverification is not None and reverification_requirement(reverification) is None:
        raise ClerkConfigurationError(
            f"protect(reverification={reverification!r}): use a preset ('strict_mfa', 'strict', "
            "'moderate', 'lax') or {'level': 'first_factor' | 'second_factor' | 'multi_factor', "
            "'after_minutes': <minutes > 0>}."
        )


def route_accepts_token(
    state: RequestState | None,
    auth: AuthObject,
    params: Mapping[str, Any],
    options: ClerkOptions,
    request: RequestView | Callable[[], RequestView],
) -> tuple[str, ...] | None:
    """The token types to authenticate the request again with, or ``None`` when the stored
    result already answers the route.

    Only when the route's ``token`` names a type the app-wide ``accepts_token`` excludes, the
    request sent an ``Authorization`` token, and the stored auth object is not already signed in
    with a type the route takes. (A handshake or a return trip is answered first, as always.)"""
    token = params.get("token")
    if token is None:
        return None
    types = route_token_types(token)
    if not set(types) - set(options.accepted_token_types):
        return None
    if auth.is_authenticated and auth.token_type in types:
        return None
    if state is not None and (state.status is AuthStatus.HANDSHAKE or state.location):
        return None
    view = request if isinstance(request, RequestView) else request()
    if parse_authorization(view.headers.get("authorization")) is None:
        return None
    return types


def sent_machine_type(request: RequestView | Callable[[], RequestView]) -> str | None:
    """The machine type an opaque ``Authorization`` token's prefix names (``ak_``, ``mt_``,
    ``oat_``), or ``None``."""
    view = request if isinstance(request, RequestView) else request()
    sent = parse_authorization(view.headers.get("authorization"))
    if sent is None:
        return None
    return next((kind for prefix, kind in MACHINE_PREFIXES if sent.startswith(prefix)), None)


def check_protect(
    state: RequestState | None,
    auth: AuthObject,
    params: Mapping[str, Any],
    *,
    request: RequestView | Callable[[], RequestView] | None = None,
) -> ProtectError | RequestState | None:
    """What a protected view must answer instead of running, or ``None`` when it may run.

    A state that needs a redirect is answered first: a handshake (the browser's session needs
    refreshing), or any state carrying a ``Location`` (the development handshake's return trip,
    signed in or out, which sets the new cookies and drops the handshake parameters); otherwise
    ``auth.protect(**params)`` decides. Render the result with ``auth_response``.

    With ``token=`` and the ``request`` given, an opaque machine token of a type the route does
    not take is refused as ``token-type-mismatch`` even when the app-wide ``accepts_token`` made
    the engine read it as a malformed session token (signed out).
    """
    if state is not None and (state.status is AuthStatus.HANDSHAKE or state.location):
        return state
    token = params.get("token")
    if token is not None and request is not None and not auth.is_authenticated:
        sent = sent_machine_type(request)
        if sent is not None and sent not in route_token_types(token):
            return TokenTypeMismatch()
    try:
        auth.protect(**params)
    except ProtectError as exc:
        return exc
    return None
