"""Auth objects: what ``RequestState.to_auth()`` gives a view.

* :class:`SessionAuth`: a signed-in session (``token_type == "session_token"``);
* :class:`MachineAuth`: an API key, M2M token or OAuth token;
* :class:`SignedOutAuth`: nobody; every field ``None`` and ``has()`` always false.

All three share the same attribute names, so a view can read ``auth.user_id`` without checking the
type first. None of them shows the raw token in ``repr()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .authorization import REVERIFICATION_PRESETS, decode_org_claims, has_authorization
from .errors import (
    ClerkError,
    MachineUnauthenticated,
    ReverificationRequired,
    TokenTypeMismatch,
    Unauthenticated,
    Unauthorized,
)
from .options import TOKEN_TYPES, normalise_accepts_token

if TYPE_CHECKING:
    from .clerk import Clerk

__all__ = ["AuthObject", "MachineAuth", "SessionAuth", "SignedOutAuth"]


def route_token_types(token: str | Sequence[str]) -> tuple[str, ...]:
    """The token types a ``protect(token=...)`` names: ``"any"`` is all four, a single type or a
    list is itself. Raises :class:`~clerk_core.errors.ClerkConfigurationError` for anything else
    (an unknown type, an empty list)."""
    value = normalise_accepts_token(token)
    if value == "any":
        return TOKEN_TYPES
    return (value,) if isinstance(value, str) else value


def reverification_requirement(requirement: Any) -> tuple[str, float] | None:
    """``(level, after_minutes)`` of a ``reverification=`` value (a preset such as ``"strict"``, or
    ``{"level": ..., "after_minutes": ...}`` / ``afterMinutes``); ``None`` when it is malformed."""
    if isinstance(requirement, str):
        preset = REVERIFICATION_PRESETS.get(requirement)
        return (preset[0], preset[1]) if preset is not None else None
    if isinstance(requirement, Mapping):
        level = requirement.get("level")
        after = requirement.get("after_minutes", requirement.get("afterMinutes"))
        if (
            level in ("first_factor", "second_factor", "multi_factor")
            and type(after) in (int, float)
            and after > 0
            and after != float("inf")
        ):
            return level, after
    return None


class _AuthBase:
    token_type: str | None = None
    is_authenticated: bool = False

    user_id: str | None = None
    session_id: str | None = None
    session_status: str | None = None
    actor: Mapping[str, Any] | None = None
    org_id: str | None = None
    org_role: str | None = None
    org_slug: str | None = None
    org_permissions: list[str] | None = None
    factor_verification_age: list[float] | None = None
    session_claims: Mapping[str, Any] | None = None
    # Machine fields.
    id: str | None = None
    subject: str | None = None
    scopes: list[str] | None = None
    claims: Mapping[str, Any] | None = None
    machine_id: str | None = None
    client_id: str | None = None
    name: str | None = None

    def has(
        self,
        *,
        role: str | None = None,
        permission: str | None = None,
        feature: str | None = None,
        plan: str | None = None,
        reverification: str | Mapping[str, Any] | None = None,
    ) -> bool:
        return False

    def protect(
        self,
        *,
        role: str | None = None,
        permission: str | None = None,
        feature: str | None = None,
        plan: str | None = None,
        reverification: str | Mapping[str, Any] | None = None,
        condition: Callable[[Callable[..., bool]], bool] | None = None,
        unauthenticated_url: str | None = None,
        unauthorized_url: str | None = None,
        token: str | Sequence[str] | None = None,
    ) -> AuthObject:
        """Return this object, or raise ``Unauthenticated`` / ``Unauthorized``.

        ``token`` names the token types the caller takes (``"session_token"``, ``"api_key"``,
        ``"m2m_token"``, ``"oauth_token"``, a list of them, or ``"any"``), as Clerk's
        ``auth.protect({token})``: another type raises :class:`TokenTypeMismatch` (a 401), and
        when no session token is taken a signed-out request raises
        :class:`MachineUnauthenticated` (a 401, never a sign-in redirect). ``None`` takes what the
        app accepts (``accepts_token``). A failed ``reverification`` raises
        :class:`ReverificationRequired` (Clerk's 403 reverification hint)."""
        sessions_taken = True
        if token is not None:
            types = route_token_types(token)
            if self.token_type not in types:
                raise TokenTypeMismatch()
            sessions_taken = "session_token" in types
        if not self.is_authenticated and not sessions_taken:
            raise MachineUnauthenticated(
                "A machine token is required.", reason=getattr(self, "reason", None)
            )
        if not self.is_authenticated:
            pending = self.session_status == "pending"
            raise Unauthenticated(
                "The session has a pending task." if pending else "Sign-in required.",
                reason=getattr(self, "reason", None),
                redirect_url=unauthenticated_url,
                pending=pending,
            )
        # (Written out rather than any(...): this runs on every protected request.)
        has_asked = (
            role is not None or permission is not None or feature is not None or plan is not None
        )
        if self.token_type != "session_token":
            if has_asked or reverification is not None or condition is not None:
                raise Unauthorized("Machine tokens carry no roles.", redirect_url=unauthorized_url)
            return self  # type: ignore[return-value]
        allowed = True
        if has_asked:
            allowed = self.has(role=role, permission=permission, feature=feature, plan=plan)
        if allowed and condition is not None:
            try:
                allowed = bool(condition(self.has))
            except Exception:
                allowed = False
        if not allowed:
            raise Unauthorized("Not authorized.", redirect_url=unauthorized_url)
        if reverification is not None and not self.has(reverification=reverification):
            needed = reverification_requirement(reverification)
            if needed is None:  # a malformed requirement fails closed, as has() does
                raise Unauthorized("Not authorized.", redirect_url=unauthorized_url)
            raise ReverificationRequired(*needed, redirect_url=unauthorized_url)
        return self  # type: ignore[return-value]


class SessionAuth(_AuthBase):
    """A signed-in session."""

    token_type = "session_token"
    is_authenticated = True

    def __init__(
        self, claims: Mapping[str, Any], token: str, *, clerk: Clerk | None = None
    ) -> None:
        self._token = token
        self._clerk = clerk
        self.session_claims = claims
        self.user_id = claims.get("sub")
        self.session_id = claims.get("sid")
        sts = claims.get("sts")
        self.session_status = sts if isinstance(sts, str) else None
        act = claims.get("act")
        self.actor = act if isinstance(act, Mapping) else None
        org = decode_org_claims(claims)
        self.org_id = org.org_id
        self.org_role = org.org_role
        self.org_slug = org.org_slug
        self.org_permissions = org.org_permissions
        fva = claims.get("fva")
        self.factor_verification_age = list(fva) if isinstance(fva, list) else None

    _OWN_LISTS = ("org_permissions", "factor_verification_age")
    """The fields that hold a list this object built (a view may change it): never shared."""

    @classmethod
    def _from_template(
        cls, template: SessionAuth, token: str, clerk: Clerk | None = None
    ) -> SessionAuth:
        """The auth object of one request whose claims ``template`` was built from: a copy with
        this request's token and engine and its own lists. The verified-token memory keeps a
        template per token, so a repeated token's claims are read once, not once per request."""
        # Field by field rather than through __dict__: a new object's attributes then stay in
        # its compact per-class layout (this runs on every remembered request). The fields are
        # __init__'s; tests/core/test_token_memory.py keeps the two in step.
        auth = object.__new__(cls)
        auth._token = token
        auth._clerk = clerk
        auth.session_claims = template.session_claims
        auth.user_id = template.user_id
        auth.session_id = template.session_id
        auth.session_status = template.session_status
        auth.actor = template.actor
        auth.org_id = template.org_id
        auth.org_role = template.org_role
        auth.org_slug = template.org_slug
        # This request's own lists (_OWN_LISTS): a view may change them.
        permissions = template.org_permissions
        auth.org_permissions = permissions.copy() if permissions is not None else None
        ages = template.factor_verification_age
        auth.factor_verification_age = ages.copy() if ages is not None else None
        return auth

    def __repr__(self) -> str:
        return (
            f"SessionAuth(user_id={self.user_id!r}, session_id={self.session_id!r}, "
            f"org_id={self.org_id!r}, org_role={self.org_role!r})"
        )

    def has(
        self,
        *,
        role: str | None = None,
        permission: str | None = None,
        feature: str | None = None,
        plan: str | None = None,
        reverification: str | Mapping[str, Any] | None = None,
    ) -> bool:
        try:
            return has_authorization(
                user_id=self.user_id,
                org_id=self.org_id,
                org_role=self.org_role,
                org_permissions=self.org_permissions,
                claims=self.session_claims or {},
                role=role,
                permission=permission,
                feature=feature,
                plan=plan,
                reverification=reverification,
            )
        except Exception:  # has() never raises: fail closed
            return False

    def get_token(
        self, template: str | None = None, *, expires_in_seconds: int | None = None
    ) -> str | None:
        """The raw session token; or, with a JWT ``template`` or ``expires_in_seconds``, a new token
        minted by the Backend API (``POST /v1/sessions/{sid}/tokens[/{template}]``)."""
        if template is None and expires_in_seconds is None:
            return self._token
        token = self._api_needed().backend_api.sessions.create_token(
            self.session_id or "", template=template, expires_in_seconds=expires_in_seconds
        )
        return token.jwt

    async def aget_token(
        self, template: str | None = None, *, expires_in_seconds: int | None = None
    ) -> str | None:
        """``get_token`` for async code."""
        if template is None and expires_in_seconds is None:
            return self._token
        token = await self._api_needed().backend_api_async.sessions.create_token(
            self.session_id or "", template=template, expires_in_seconds=expires_in_seconds
        )
        return token.jwt

    def _api_needed(self) -> Clerk:
        if self._clerk is None:
            raise ClerkError(
                "Minting a token needs the Backend API: use the auth object of a request that a "
                "Clerk engine authenticated."
            )
        return self._clerk


class MachineAuth(_AuthBase):
    """An authenticated API key, M2M token or OAuth token."""

    is_authenticated = True

    def __init__(
        self,
        token_type: str,
        *,
        id: str | None,
        subject: str | None,
        scopes: Sequence[str] | None,
        claims: Mapping[str, Any] | None,
        token: str,
        name: str | None = None,
        client_id: str | None = None,
    ) -> None:
        self._token = token
        self.token_type = token_type
        self.id = id
        self.subject = subject
        self.scopes = list(scopes or [])
        self.claims = claims
        self.name = name
        if token_type == "api_key":
            self.user_id = subject if subject and subject.startswith("user_") else None
            self.org_id = subject if subject and subject.startswith("org_") else None
        elif token_type == "m2m_token":
            self.machine_id = subject
        elif token_type == "oauth_token":
            self.user_id = subject
            self.client_id = client_id

    def __repr__(self) -> str:
        return (
            f"MachineAuth(token_type={self.token_type!r}, id={self.id!r}, subject={self.subject!r})"
        )

    def get_token(self, template: str | None = None) -> str | None:
        return self._token


class SignedOutAuth(_AuthBase):
    """Nobody is signed in. ``reason`` says why (Clerk's reason string), when there is one."""

    def __init__(
        self,
        *,
        token_type: str | None = "session_token",
        reason: str | None = None,
        session_status: str | None = None,
    ) -> None:
        self.token_type = token_type
        self.reason = reason
        self.session_status = session_status

    def __repr__(self) -> str:
        return f"SignedOutAuth(token_type={self.token_type!r}, reason={self.reason!r})"

    def get_token(self, template: str | None = None) -> None:
        return None


AuthObject = SessionAuth | MachineAuth | SignedOutAuth
