"""Errors raised by clerk_core.

The hierarchy::

    ClerkError
    ├── ClerkConfigurationError   bad or missing settings; raised at start-up, never per request
    ├── TokenVerificationError    a token failed verification; ``reason`` is one of Clerk's reason strings
    ├── ClerkAPIError             the Backend API answered with an error or could not be reached
    ├── WebhookVerificationError  a webhook delivery failed signature or header checks
    ├── ProtectError              ``auth.protect()`` refused the request
    │   ├── Unauthenticated
    │   └── Unauthorized
    └── MalformedURLError         a request path could not be decoded (``status_code == 400``)

A missing token is never an error: it is a signed-out request state. No message in this module ever
contains a token, a secret key or a cookie value.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = [
    "ClerkAPIError",
    "ClerkConfigurationError",
    "ClerkError",
    "MachineUnauthenticated",
    "MalformedURLError",
    "ProtectError",
    "ReverificationRequired",
    "TokenTypeMismatch",
    "TokenVerificationError",
    "TokenVerificationErrorAction",
    "TokenVerificationErrorReason",
    "Unauthenticated",
    "Unauthorized",
    "WebhookVerificationError",
]


class TokenVerificationErrorReason(str, enum.Enum):
    """Clerk's verification reason strings (``@clerk/backend`` ``TokenVerificationErrorReason``)."""

    TOKEN_EXPIRED = "token-expired"
    TOKEN_INVALID = "token-invalid"
    TOKEN_INVALID_ALGORITHM = "token-invalid-algorithm"
    TOKEN_INVALID_AUTHORIZED_PARTIES = "token-invalid-authorized-parties"
    TOKEN_INVALID_SIGNATURE = "token-invalid-signature"
    TOKEN_NOT_ACTIVE_YET = "token-not-active-yet"
    TOKEN_IAT_IN_THE_FUTURE = "token-iat-in-the-future"
    TOKEN_VERIFICATION_FAILED = "token-verification-failed"
    TOKEN_TYPE_MISMATCH = "token-type-mismatch"
    SECRET_KEY_INVALID = "secret-key-invalid"
    LOCAL_JWK_MISSING = "jwk-local-missing"
    REMOTE_JWK_FAILED_TO_LOAD = "jwk-remote-failed-to-load"
    REMOTE_JWK_INVALID = "jwk-remote-invalid"
    REMOTE_JWK_MISSING = "jwk-remote-missing"
    JWK_FAILED_TO_RESOLVE = "jwk-failed-to-resolve"
    JWK_KID_MISMATCH = "jwk-kid-mismatch"

    def __str__(self) -> str:
        return self.value


class TokenVerificationErrorAction:
    """Clerk's ``TokenVerificationErrorAction`` texts, appended to some messages."""

    CONTACT_SUPPORT = "Contact support@clerk.com"
    ENSURE_CLERK_JWT = "Make sure that this is a valid Clerk-generated JWT."
    SET_CLERK_JWT_KEY = "Set the CLERK_JWT_KEY environment variable."
    SET_CLERK_SECRET_KEY = "Set the CLERK_SECRET_KEY environment variable."
    ENSURE_CLOCK_SYNC = (
        "Make sure your system clock is in sync (e.g. turn off and on automatic time "
        "synchronization)."
    )


class ClerkError(Exception):
    """Base class of every error this library raises."""


class ClerkConfigurationError(ClerkError, ValueError):
    """A setting is missing or malformed. The message names the setting and how to fix it."""


class TokenVerificationError(ClerkError):
    """A token failed verification.

    ``reason`` is one of Clerk's reason strings (see :class:`TokenVerificationErrorReason`); the
    message never contains the token.
    """

    def __init__(
        self, reason: TokenVerificationErrorReason | str, message: str = "", *, action: str = ""
    ) -> None:
        self.reason = str(reason)
        self.message = message or self.reason
        self.action = action
        """What to do about it, when Clerk names something (Clerk's ``TokenVerificationErrorAction``
        texts, e.g. "Make sure that this is a valid Clerk-generated JWT.")."""
        super().__init__(self.message)

    def full_message(self, token_carrier: str) -> str:
        """Clerk's ``getFullMessage()``: the message, the action, the reason and where the token
        came from (``"header"`` or ``"cookie"``). Request states carry this text."""
        text = " ".join(part for part in (self.message, self.action) if part)
        return f"{text} (reason={self.reason}, token-carrier={token_carrier})"

    def __repr__(self) -> str:
        return f"TokenVerificationError(reason={self.reason!r}, message={self.message!r})"


class ClerkAPIError(ClerkError):
    """The Backend API answered with an error, or could not be reached (``status is None``)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        clerk_trace_id: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.status = status
        self.errors = errors or []
        self.clerk_trace_id = clerk_trace_id
        self.retry_after = retry_after
        super().__init__(message)

    @property
    def codes(self) -> list[str]:
        """The Clerk error codes of the response body, in order."""
        return [str(e.get("code")) for e in self.errors if isinstance(e, dict) and e.get("code")]

    def _first(self, key: str) -> Any:
        first = self.errors[0] if self.errors and isinstance(self.errors[0], dict) else {}
        return first.get(key)

    @property
    def code(self) -> str | None:
        """The first error's code (``"form_identifier_exists"``, ``"resource_not_found"``, ...)."""
        value = self._first("code")
        return value if isinstance(value, str) else None

    @property
    def message(self) -> str | None:
        """The first error's short message, as Clerk wrote it."""
        value = self._first("message")
        return value if isinstance(value, str) else None

    @property
    def long_message(self) -> str | None:
        """The first error's long message, as Clerk wrote it."""
        value = self._first("long_message")
        return value if isinstance(value, str) else None

    @property
    def meta(self) -> dict[str, Any]:
        """The first error's ``meta`` object (``{"param_name": "email_address"}`` for a 422)."""
        value = self._first("meta")
        return value if isinstance(value, dict) else {}


class WebhookVerificationError(ClerkError):
    """A webhook delivery failed verification (headers, timestamp, signature, size or payload).

    ``reason`` is a stable code (``missing-headers``, ``invalid-timestamp``, ``timestamp-too-old``,
    ``timestamp-too-new``, ``no-matching-signature``, ``body-too-large``, ``invalid-payload``);
    ``status_code`` is what an endpoint answers (400, or 413 for an oversized body).
    """

    def __init__(
        self, message: str, *, reason: str = "invalid-webhook", status_code: int = 400
    ) -> None:
        self.reason = reason
        self.status_code = status_code
        super().__init__(message)


class ProtectError(ClerkError):
    """``auth.protect()`` refused the request; ``clerk_core.auth_response()`` turns it into the
    response every adapter renders.

    ``reason`` is Clerk's reason string when there is one; ``redirect_url`` the
    ``unauthenticated_url`` / ``unauthorized_url`` given to ``protect()``; ``pending`` marks a session
    that still has a task to finish (it is sent to ``<sign-in>/tasks``).
    """

    status_code: int = 401

    def __init__(
        self,
        message: str = "",
        *,
        reason: str | None = None,
        redirect_url: str | None = None,
        pending: bool = False,
    ) -> None:
        self.reason = reason
        self.redirect_url = redirect_url
        self.pending = pending
        super().__init__(message or type(self).__name__)


class Unauthenticated(ProtectError):
    """The request is signed out (or its session is pending)."""

    status_code = 401


class Unauthorized(ProtectError):
    """The request is signed in but lacks the role, permission, feature, plan or reverification."""

    status_code = 403


class MachineUnauthenticated(Unauthenticated):
    """A route that takes no session tokens (``protect(token=...)`` naming only machine types)
    refused the request: always a 401, never a sign-in redirect (Clerk's ``unauthorized()``)."""


class TokenTypeMismatch(MachineUnauthenticated):
    """The request's token is not a type the route takes (``protect(token=...)``): a 401 with
    Clerk's reason ``token-type-mismatch``, never a sign-in redirect."""

    def __init__(self, message: str = "The route does not accept this kind of token.") -> None:
        super().__init__(message, reason="token-type-mismatch")


class ReverificationRequired(Unauthorized):
    """The session is allowed but has not verified recently enough (``protect(reverification=)``).

    ``level`` and ``after_minutes`` are the requirement, a preset resolved (``"strict"`` is
    ``second_factor`` within 10 minutes); the response is Clerk's 403 reverification hint."""

    def __init__(
        self, level: str, after_minutes: float, *, redirect_url: str | None = None
    ) -> None:
        self.level = level
        self.after_minutes = after_minutes
        super().__init__("Reverification required.", redirect_url=redirect_url)


class MalformedURLError(ClerkError, ValueError):
    """A request path has a malformed percent-escape; answer it with HTTP 400."""

    status_code = 400
