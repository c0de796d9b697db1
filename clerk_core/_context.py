"""The per-request context (Clerk's ``AuthenticateContext``) and the engine facts it reads.

The first step of the full request flow: :class:`AuthenticateContext` wraps a
:class:`~clerk_core.request.RequestView` and computes, once and only when a step asks, what the
later steps read: the cookies (within the size cap), the token location (Clerk's choice between
``__session`` and ``__session_<suffix>``), the session cookie and ``__client_uat``, the
development-browser token, the handshake parameters, the redirect-loop counter and the trusted
public URL. :class:`Instance` holds what does not change between requests: options, clock, key
source, token memory, compiled organization patterns and the handshake's abuse guards.
See docs/architecture.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast, overload
from urllib.parse import SplitResult

from ._js import js_number_or_zero
from ._memory import Remembered, TokenMemory
from .errors import TokenVerificationError
from .handshake import (
    FAILED_REDEMPTIONS_BURST,
    FAILED_REDEMPTIONS_INTERVAL,
    PRESENTED_NONCES_SIZE,
    PRESENTED_NONCES_TTL,
    PresentedNonces,
    RedemptionBudget,
)
from .hosts import trusted_public_url
from .keys import KeySource
from .options import ClerkOptions
from .request import RequestView
from .routes import compile_path
from .tokens import DecodedJWT, decode_jwt

__all__ = ["AuthenticateContext", "Instance", "num", "parse_int", "uses_suffixed"]

# parseInt's leading white space (ECMAScript's WhiteSpace and LineTerminator: not Python's \s,
# which also takes U+001C-U+001F and U+0085), its ASCII digits (not Python's \d), and its
# hexadecimal "0x" prefix (parseInt without a radix reads "0x10" as 16).
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_INT_PREFIX = re.compile(f"[{_JS_SPACE}]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|([0-9]+))")
_SCHEME = re.compile(r"https?://", re.IGNORECASE)  # Clerk: iss.replace(/https?:\/\//gi, '')


T = TypeVar("T")

_PLAIN_NAMES = ("__session", "__client_uat")
_SUFFIXED_NAMES: dict[str | None, tuple[str, str]] = {}
"""The suffixed cookie names by suffix (one entry per Clerk instance of the process)."""


class _once(Generic[T]):
    """``functools.cached_property`` without its lock (before Python 3.12 it takes one for every
    value it computes): the first read stores the value in the instance, where later reads find
    it directly. A context belongs to one request, read by one thread."""

    __slots__ = ("fn", "name")

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _once[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> _once[T] | T:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


class Instance:
    """One engine's request-independent parts, shared by every request's context."""

    __slots__ = (
        "clock",
        "development",
        "keys",
        "machine_memory",
        "memory",
        "options",
        "org_patterns",
        "personal_patterns",
        "presented_nonces",
        "redemption_budget",
        "relative_proxy",
        "suffix",
        "suffixed_names",
        "warned_azp",
    )

    def __init__(self, options: ClerkOptions, clock: Callable[[], float], keys: KeySource) -> None:
        self.options = options
        self.clock = clock
        self.keys = keys
        self.development = not options.is_production
        self.memory = TokenMemory(options.token_cache_size)
        self.machine_memory = TokenMemory(options.machine_token_cache_size)  # _machine.py
        self.org_patterns = [compile_path(p) for p in options.organization_patterns]
        self.personal_patterns = [compile_path(p) for p in options.personal_account_patterns]
        self.presented_nonces = PresentedNonces(PRESENTED_NONCES_SIZE, PRESENTED_NONCES_TTL)
        self.redemption_budget = RedemptionBudget(
            FAILED_REDEMPTIONS_BURST, FAILED_REDEMPTIONS_INTERVAL
        )
        self.warned_azp = False
        self.suffix = f"_{options.cookie_suffix}"
        self.suffixed_names = (f"__session{self.suffix}", f"__client_uat{self.suffix}")
        proxy = options.proxy_url
        self.relative_proxy = bool(options.issuers) and proxy is not None and proxy.startswith("/")
        """Whether the issuers a token may carry depend on the request (``_verify.issuers``)."""

    def digest(self, token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def remembered(self, digest: bytes) -> Remembered | None:
        """The memory's entry for a token, when it may be served now."""
        opts = self.options
        return self.memory.get(digest, self.clock(), opts.clock_skew, self.keys.generation)


class AuthenticateContext:
    """What one request's steps read, each computed at most once (on first use)."""

    def __init__(self, instance: Instance, request: RequestView, token: str | None) -> None:
        self.instance = instance
        self.options = instance.options
        self.request = request
        self.token = token
        """The ``Authorization`` token, or ``None``."""
        self.development = instance.development
        self._digests: dict[str, bytes] = {}
        self._decoded: dict[str, DecodedJWT | TokenVerificationError] = {}

    def digest(self, token: str) -> bytes:
        digest = self._digests.get(token)
        if digest is None:
            digest = self._digests[token] = self.instance.digest(token)
        return digest

    def peek_payload(self, token: str | None) -> dict[str, Any] | None:
        """A token's payload without verification: the memory's copy when it has one, else the
        token decoded (once per request: ``__session`` and ``__session_<suffix>`` usually carry
        the same token, and the cookie flow decodes it again only through :meth:`decoded`)."""
        if not token:
            return None
        digest = self._digests.get(token)
        if digest is None:
            digest = self._digests[token] = self.instance.digest(token)
        entry = self.instance.memory.peek(digest)
        if entry is not None:
            return entry.claims
        decoded = self.decoded(token)
        return None if isinstance(decoded, TokenVerificationError) else decoded.payload

    def decoded(self, token: str) -> DecodedJWT | TokenVerificationError:
        """``decode_jwt(token)``, or the error it raised, computed once per token per request."""
        found = self._decoded.get(token)
        if found is None:
            try:
                found = decode_jwt(token, self.options.max_token_bytes)
            except TokenVerificationError as exc:
                found = exc
            self._decoded[token] = found
        return found

    @_once
    def cookies(self) -> Mapping[str, str]:
        """The request's cookies, or none when the ``Cookie`` header is over the size cap."""
        return self.request.cookies_within(self.options.max_cookie_header_bytes)

    # Token location: four facts computed together by _locate on the first read of any of them.
    @_once
    def uses_suffixed(self) -> bool:
        """Whether the ``__session_<suffix>`` set is in use (:func:`uses_suffixed`)."""
        return bool(self._locate()["uses_suffixed"])

    @_once
    def suffix(self) -> str:
        """``"_<suffix>"`` when the suffixed cookies are in use, else ``""``."""
        return str(self._locate()["suffix"])

    @_once
    def session_cookie(self) -> str | None:
        """The session token in the cookie Clerk reads (``None`` when absent or empty)."""
        return cast("str | None", self._locate()["session_cookie"])

    @_once
    def client_uat(self) -> int:
        """``__client_uat`` of the set in use, as Clerk reads it (``parseInt(...) || 0``)."""
        return int(self._locate()["client_uat"])

    def _locate(self) -> dict[str, Any]:
        cookies = self.cookies
        inst = self.instance
        suffixed = uses_suffixed(self.options, cookies, inst.clock(), self.peek_payload)
        session, uat = inst.suffixed_names if suffixed else _PLAIN_NAMES
        facts = self.__dict__
        facts["uses_suffixed"] = suffixed
        facts["suffix"] = inst.suffix if suffixed else ""
        facts["session_cookie"] = cookies.get(session) or None
        facts["client_uat"] = parse_int(cookies.get(uat))
        return facts

    @_once
    def dev_browser_token(self) -> str | None:
        """The development browser token: the ``__clerk_db_jwt`` query parameter, else the cookie
        of the set Clerk reads (``__clerk_db_jwt_<suffix>`` when suffixed cookies are in use, never
        the un-suffixed one, which another development app on the same host may own);
        AuthenticateContext's ``devBrowserToken``. ``None`` on a production instance."""
        if self.options.is_production:
            return None
        return (
            self.request.query_param("__clerk_db_jwt")
            or self.cookies.get(f"__clerk_db_jwt{self.suffix}")
            or None
        )

    @_once
    def redirect_count(self) -> float:
        """``__clerk_redirect_count`` as Clerk reads it: ``Number(cookie) || 0``
        (``handshakeRedirectLoopCounter``), so ``"0x3"`` is 3, ``"3abc"`` is 0 and ``"1e1"``
        is 10."""
        return js_number_or_zero(self.cookies.get("__clerk_redirect_count") or None)

    @_once
    def public_url(self) -> SplitResult | None:
        """The URL the browser used when its host may appear in a redirect
        (:func:`clerk_core.hosts.trusted_public_url`), else ``None``."""
        return trusted_public_url(self.request, self.options)

    @_once
    def request_url(self) -> SplitResult:
        """The URL the browser used, forwarded headers read only when trusted (host unchecked)."""
        return self.request.public_url(trust_forwarded=self.options.trust_forwarded_headers)


def parse_int(value: str | None) -> int:
    """JavaScript's ``parseInt(value) || 0``."""
    if not value:
        return 0
    if value.isascii() and value.isdigit():
        return int(value)
    match = _INT_PREFIX.match(value)
    if match is None:
        return 0
    sign, hexadecimal, decimal = match.groups()
    number = int(hexadecimal, 16) if hexadecimal is not None else int(decimal)
    return -number if sign == "-" else number


def _without_scheme(iss: str) -> str:
    """``iss`` without any ``http://`` or ``https://`` in it, as Clerk's
    ``iss.replace(/https?:\\/\\//gi, '')``; the usual ``https://host`` without a regex."""
    if iss.startswith("https://") and "//" not in iss[8:]:
        return iss[8:]
    return _SCHEME.sub("", iss)


def num(value: Any) -> float:
    return float(value) if type(value) in (int, float) else 0.0


def uses_suffixed(
    opts: ClerkOptions,
    cookies: Mapping[str, str],
    now: float,
    peek: Callable[[str | None], dict[str, Any] | None],
) -> bool:
    """Token location: Clerk's eight-step choice between ``__session`` and ``__session_<suffix>``.

    A token "belongs to this instance" when its ``iss`` names the instance's own Frontend API
    (Clerk's ``originalFrontendApi``): a production satellite's ``clerk.<domain>``, else the
    publishable key's host; never the proxy. The suffix itself hashes the publishable key as
    configured, for primaries and satellites alike (Clerk's ``getCookieSuffix``).
    """
    suffix = opts.cookie_suffix
    names = _SUFFIXED_NAMES.get(suffix)
    if names is None:
        names = _SUFFIXED_NAMES[suffix] = (f"__session_{suffix}", f"__client_uat_{suffix}")
    session = cookies.get("__session")
    uat = cookies.get("__client_uat")
    s_session = cookies.get(names[0])
    s_uat = cookies.get(names[1])
    payload = peek(session)
    if session:
        if payload is None or payload.get("iss") in (None, False, 0, ""):  # JS falsy
            return False
        iss = payload["iss"]
        own_fapi = opts.satellite_frontend_api or opts.frontend_api
        if not isinstance(iss, str) or _without_scheme(iss) != own_fapi:
            return True
    if not s_uat and not s_session:
        return False
    # Browsers send both sets, usually with the same token: it is read once (and its iat is
    # not later than its own).
    same = s_session == session
    s_payload = payload if same else peek(s_session)
    if (
        not same
        and s_uat != "0"
        and uat != "0"
        and (num(payload.get("iat")) if payload else 0)
        > (num(s_payload.get("iat")) if s_payload else 0)
    ):
        return False
    if s_uat == "0" and uat != "0":
        return False
    if not opts.is_production and s_uat != "0" and uat == "0":
        exp = num(s_payload.get("exp")) if s_payload else None
        if s_payload is not None and exp is not None and exp <= now:
            return False
    return not (not s_uat and s_session)
