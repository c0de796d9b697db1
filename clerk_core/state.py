"""Request states: what authenticating a request returns (the last step of the request flow).

``AuthStatus`` and ``AuthErrorReason`` name the outcome and its reason (Clerk's values);
``RequestState`` carries them with the response headers the adapter must add and, when signed in,
the verified claims or machine auth that ``to_auth()`` turns into the view's auth object. A leaf
module: it imports no part of the engine, so ``responses.py`` and ``protect.py`` can import it.
See docs/architecture.md for the whole flow.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from ._memory import Remembered
from .auth import AuthObject, MachineAuth, SessionAuth, SignedOutAuth

if TYPE_CHECKING:
    from .clerk import Clerk

__all__ = ["AuthErrorReason", "AuthStatus", "Headers", "RequestState", "TokenSource"]


class AuthStatus(str, enum.Enum):
    SIGNED_IN = "signed-in"
    SIGNED_OUT = "signed-out"
    HANDSHAKE = "handshake"

    def __str__(self) -> str:
        return self.value


class AuthErrorReason(str, enum.Enum):
    """Request-level reasons (Clerk's ``AuthErrorReason``)."""

    CLIENT_UAT_WITHOUT_SESSION_TOKEN = "client-uat-but-no-session-token"
    DEV_BROWSER_MISSING = "dev-browser-missing"
    DEV_BROWSER_SYNC = "dev-browser-sync"
    PRIMARY_RESPONDS_TO_SYNCING = "primary-responds-to-syncing"
    PRIMARY_DOMAIN_CROSS_ORIGIN_SYNC = "primary-domain-cross-origin-sync"
    SATELLITE_COOKIE_NEEDS_SYNCING = "satellite-needs-syncing"
    SESSION_TOKEN_AND_UAT_MISSING = "session-token-and-uat-missing"
    SESSION_TOKEN_MISSING = "session-token-missing"
    SESSION_TOKEN_EXPIRED = "session-token-expired"
    SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT = "session-token-iat-before-client-uat"
    SESSION_TOKEN_NBF = "session-token-nbf"
    SESSION_TOKEN_IAT_IN_THE_FUTURE = "session-token-iat-in-the-future"
    SESSION_TOKEN_WITHOUT_CLIENT_UAT = "session-token-but-no-client-uat"
    ACTIVE_ORGANIZATION_MISMATCH = "active-organization-mismatch"
    TOKEN_TYPE_MISMATCH = "token-type-mismatch"
    UNEXPECTED_ERROR = "unexpected-error"

    def __str__(self) -> str:
        return self.value


Headers = list[tuple[str, str]]
TokenSource = Literal["cookie", "header"]


class RequestState:
    """The outcome of authenticating one request.

    ``headers`` are response headers the adapter must add (debug headers, and for a handshake its
    ``Location``, ``Cache-Control`` and ``Set-Cookie``), as ``(name, value)`` pairs. A state with a
    ``Location`` (a handshake, or the development handshake's return trip, which is signed in or
    out as in Clerk JS) is answered with a 307 before the app runs
    (:func:`clerk_core.responses.early_response`). A handshake state carries no ``token``.

    ``token_source`` says what the request was judged by: ``"header"`` (its ``Authorization``
    token), ``"cookie"`` (its session cookies, or the handshake or refresh they led to; the request
    had no ``Authorization`` token), or ``None`` (an unexpected error). The browser attaches cookies
    on its own, so a request signed in by ``"cookie"`` needs the cross-origin check
    (:mod:`clerk_core.origin`).
    """

    __slots__ = (
        "_auth",
        "_claims",
        "_engine",
        "_machine",
        "_remembered",
        "dev_browser_token",
        "headers",
        "message",
        "reason",
        "status",
        "token",
        "token_source",
        "token_type",
    )

    def __init__(
        self,
        status: AuthStatus,
        *,
        reason: str | None = None,
        message: str | None = None,
        token: str | None = None,
        token_type: str | None = "session_token",
        headers: Headers | None = None,
        claims: Mapping[str, Any] | None = None,
        machine: MachineAuth | None = None,
        token_source: TokenSource | None = None,
    ) -> None:
        self.status = status
        self.token_source: TokenSource | None = token_source
        self.reason = reason
        self.message = message
        self.token = token
        self.token_type = token_type
        self.headers: Headers = headers if headers is not None else []
        self._claims = claims
        self._machine = machine
        self._auth: AuthObject | None = None
        self._engine: Clerk | None = None
        self._remembered: Remembered | None = None
        self.dev_browser_token: str | None = None
        """This app's development-browser token as Clerk chooses it (the ``__clerk_db_jwt`` query
        parameter, else the cookie of the suffixed or un-suffixed set in use); ``None`` in
        production. A sign-in redirect forwards it, and never another app's."""

    @classmethod
    def remembered(
        cls,
        token: str,
        remembered: Remembered,
        token_source: TokenSource,
        engine: Clerk,
        with_auth: bool,
    ) -> RequestState:
        """The signed-in state of a token the verified-token memory holds (the fast paths): what
        the constructor builds for it, without the constructor's keyword handling, for ``engine``
        (whose memory holds it). ``with_auth``: its auth object made at once from the entry's
        template when the entry has one (the adapters' fast paths, whose callers always ask for
        it); otherwise on the first :meth:`to_auth`."""
        state = object.__new__(cls)
        state.status = AuthStatus.SIGNED_IN
        state.token_source = token_source
        state.reason = state.message = None
        state.token = token
        state.token_type = "session_token"
        state.headers = []
        state._claims = remembered.claims
        state._machine = None
        state._engine = engine
        state._remembered = remembered
        state.dev_browser_token = None
        template = remembered.auth
        state._auth = (
            SessionAuth._from_template(template, token, engine)
            if with_auth and template is not None and template.session_status != "pending"
            else None
        )
        return state

    def __repr__(self) -> str:
        return (
            f"RequestState(status={self.status.value!r}, reason={self.reason!r}, "
            f"token_type={self.token_type!r})"
        )

    @property
    def is_authenticated(self) -> bool:
        return self.status is AuthStatus.SIGNED_IN

    @property
    def is_signed_in(self) -> bool:
        return self.status is AuthStatus.SIGNED_IN

    def header(self, name: str) -> str | None:
        """The first value of a response header this state asks for, or ``None``."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    @property
    def location(self) -> str | None:
        return self.header("location")

    def to_auth(self, *, treat_pending_as_signed_out: bool = True) -> AuthObject:
        """The auth object for views: session, machine or signed-out.

        A pending session (``sts == "pending"``) is signed out by default, with
        ``session_status == "pending"``. A handshake state gives a signed-out object carrying its reason
        (Clerk JS gives ``null``; adapters answer a handshake before any view runs).
        """
        if treat_pending_as_signed_out:
            auth = self._auth
            if auth is None:
                auth = self._auth = self._build_auth(True)
            return auth
        return self._build_auth(False)

    def _build_auth(self, treat_pending_as_signed_out: bool) -> AuthObject:
        if self.status is AuthStatus.SIGNED_IN:
            if self._machine is not None:
                return self._machine
            claims = self._claims or {}
            remembered = self._remembered
            if remembered is not None and remembered.claims is claims:
                # The claims the token memory holds: a copy of the template it keeps beside them
                # (``SessionAuth._from_template``: the claims are read once per token, not once
                # per request), this request's own object with its own token, engine and lists.
                template = remembered.auth
                if template is None:
                    template = remembered.auth = SessionAuth(claims, "")
                if not (treat_pending_as_signed_out and template.session_status == "pending"):
                    return SessionAuth._from_template(template, self.token or "", self._engine)
            if treat_pending_as_signed_out and claims.get("sts") == "pending":
                return SignedOutAuth(session_status="pending", reason=self.reason)
            return SessionAuth(claims, self.token or "", clerk=self._engine)
        return SignedOutAuth(token_type=self.token_type, reason=self.reason)
