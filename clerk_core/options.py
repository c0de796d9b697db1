"""``ClerkOptions``: one frozen, validated settings object shared by every adapter.

Everything that can be wrong with a setting is found here, at construction, with a message that names
the setting and says how to fix it. Secrets never appear in messages or in ``repr()``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import difflib
import functools
import hashlib
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .errors import ClerkConfigurationError
from .hosts import parse_allowed_host
from .routes import compile_path

if TYPE_CHECKING:
    from .csp import ContentSecurityPolicy
    from .events import AuthEvent

__all__ = [
    "TOKEN_TYPES",
    "AcceptsToken",
    "ClerkOptions",
    "InstanceType",
    "cookie_suffix",
    "parse_publishable_key",
    "unknown_options_message",
]

InstanceType = Literal["development", "production"]
TokenType = Literal["session_token", "api_key", "m2m_token", "oauth_token"]
AcceptsToken = str | Sequence[str]
TOKEN_TYPES: tuple[str, ...] = ("session_token", "api_key", "m2m_token", "oauth_token")

_HOST_RE = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+(?::\d{1,5})?$"
)
_SECRET_KEY_RE = re.compile(r"^sk_(test|live)_[A-Za-z0-9_-]{8,}$")
_ORIGIN_RE = re.compile(r"^https?://[^/\s?#@\\]+$")
_MIN_RSA_BITS = 2048

_DOCS = "https://clerk.com/docs/guides/development/clerk-environment-variables"


def parse_publishable_key(key: str) -> tuple[str, InstanceType]:
    """Decode a publishable key into ``(frontend_api_host, instance_type)``.

    A key is ``pk_test_`` or ``pk_live_`` followed by the base64 of ``<frontend API host>$``, padded or
    not. Raises :class:`ClerkConfigurationError` when it is anything else.
    """
    if not isinstance(key, str):
        raise ClerkConfigurationError(
            "publishable_key must be a string such as 'pk_test_...' (CLERK_PUBLISHABLE_KEY)."
        )
    key = key.strip()
    if key.startswith("pk_live_"):
        instance: InstanceType = "production"
    elif key.startswith("pk_test_"):
        instance = "development"
    else:
        raise ClerkConfigurationError(
            "publishable_key must start with 'pk_test_' or 'pk_live_'. Copy it from the API keys page "
            f"of the Clerk dashboard into CLERK_PUBLISHABLE_KEY ({_DOCS})."
        )
    encoded = key[8:]
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode(
            "ascii"
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ClerkConfigurationError(
            "publishable_key is not a valid Clerk publishable key: the part after the prefix is not "
            "base64. Copy the key again from the Clerk dashboard (CLERK_PUBLISHABLE_KEY)."
        ) from None
    if not decoded.endswith("$") or decoded.count("$") != 1:
        raise ClerkConfigurationError(
            "publishable_key is not a valid Clerk publishable key: it does not encode "
            "'<frontend API host>$'. Copy the key again from the Clerk dashboard (CLERK_PUBLISHABLE_KEY)."
        )
    host = decoded[:-1]
    if not _HOST_RE.match(host):
        raise ClerkConfigurationError(
            "publishable_key is not a valid Clerk publishable key: it does not encode a host name. "
            "Copy the key again from the Clerk dashboard (CLERK_PUBLISHABLE_KEY)."
        )
    return host.lower(), instance


def cookie_suffix(publishable_key: str) -> str:
    """Clerk's cookie-name suffix: the first 8 characters of base64url(SHA-1(publishable key))."""
    digest = hashlib.sha1(publishable_key.encode("utf-8"), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:8]


def accounts_host(frontend_api: str) -> str:
    """The Account Portal host of a Frontend API host (``clerk.example.com`` -> ``accounts.example.com``,
    ``foo-13.clerk.accounts.dev`` -> ``foo-13.accounts.dev``), as Clerk derives it."""
    if not frontend_api:
        return ""
    host = frontend_api.replace("clerk.accountsstage.", "accountsstage.", 1)
    return re.sub(r"clerk\.accounts\.|clerk\.", "accounts.", host, count=1)


def _load_pem(value: str) -> RSAPublicKey:
    text = value.strip().replace("\\n", "\n")
    if "-----BEGIN" not in text:
        # A bare base64 body (as some hosts store multi-line variables): wrap it.
        body = "".join(text.split())
        text = "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n"
    try:
        key = load_pem_public_key(text.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError):
        raise ClerkConfigurationError(
            "jwt_key is not a PEM public key. Paste the 'PEM Public Key' from the API keys page of the "
            "Clerk dashboard into CLERK_JWT_KEY, including the BEGIN/END lines."
        ) from None
    if not isinstance(key, RSAPublicKey):
        raise ClerkConfigurationError(
            "jwt_key must be an RSA public key (Clerk signs session tokens with RS256); the PEM given "
            "holds another kind of key. Use the 'PEM Public Key' from the Clerk dashboard."
        )
    if key.key_size < _MIN_RSA_BITS:
        raise ClerkConfigurationError(
            f"jwt_key is a {key.key_size}-bit RSA key; at least {_MIN_RSA_BITS} bits are required. "
            "Use the 'PEM Public Key' from the Clerk dashboard."
        )
    return key


def normalise_accepts_token(value: Any) -> str | tuple[str, ...]:
    if isinstance(value, str):
        if value == "any" or value in TOKEN_TYPES:
            return value
    elif isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
        bad = [v for v in value if v not in TOKEN_TYPES]
        if not bad:
            return tuple(dict.fromkeys(value))
    raise ClerkConfigurationError(
        "accepts_token must be 'any', one of "
        + ", ".join(repr(t) for t in TOKEN_TYPES)
        + ", or a non-empty list of them."
    )


def _mask(_: str | None) -> str:
    return "'***'" if _ else "None"


@dataclasses.dataclass(frozen=True)
class ClerkOptions:
    """Settings for one Clerk instance. Validated at construction; secrets are kept out of ``repr``.

    Build it directly, or from the environment with :meth:`from_env`.
    """

    secret_key: str | None = dataclasses.field(default=None, repr=False)
    publishable_key: str | None = None
    jwt_key: str | None = dataclasses.field(default=None, repr=False)
    authorized_parties: Sequence[str] = ()
    clock_skew: float = 5.0
    api_url: str = "https://api.clerk.com"
    api_version: str = "v1"
    sign_in_url: str | None = None
    sign_up_url: str | None = None
    proxy_url: str | None = None
    domain: str | None = None
    is_satellite: bool = False
    satellite_auto_sync: bool = False
    """A satellite (``is_satellite``) starts a sync with its primary on a page request that
    carries no session cookies (Clerk's ``satelliteAutoSync``). ``False`` (the default, as in Clerk
    Core 3): such a request is signed out without a redirect, and the sync happens only when the
    URL asks for it with ``__clerk_synced=false`` (the primary's sign-in sends users back so)."""
    machine_secret_key: str | None = dataclasses.field(default=None, repr=False)
    webhook_signing_secret: str | None = dataclasses.field(default=None, repr=False)
    accepts_token: AcceptsToken = "session_token"
    audience: str | Sequence[str] | None = None
    trust_forwarded_headers: bool = False
    """Read ``X-Forwarded-Host`` / ``X-Forwarded-Proto`` for the public URL (only behind a trusted proxy)."""
    allowed_redirect_origins: Sequence[str | re.Pattern[str]] = ()
    """Origins (or ``https://*.example.com`` wildcards, or compiled patterns) that redirect targets may
    point to besides the request's own origin."""
    allowed_hosts: Sequence[str] = ()
    """Hosts whose ``Host`` header may become the origin of a redirect (``app.example.com``,
    ``app.example.com:8443``, ``.example.com`` for a domain and its sub-domains, an origin, or
    ``*``). Empty: the origins of ``authorized_parties``, or, without those, any well-formed host.
    See :mod:`clerk_core.hosts`."""
    unauthenticated_status: int = 401
    """Status for signed-out API requests to protected routes: 401, or 404 to hide the route."""
    organization_patterns: Sequence[str] = ()
    """Organization sync: paths naming an organization with ``:id`` or ``:slug``
    (e.g. ``/orgs/:slug(.*)``); a signed-in page request whose active organization differs is sent
    through a handshake that activates it."""
    personal_account_patterns: Sequence[str] = ()
    """Organization sync: paths that belong to the personal account (no active organization)."""
    unauthorized_status: int = 403
    """Status for signed-in requests that lack the role or permission: 403, or 404 to hide the route."""
    csrf_origin_check: bool = True
    """Refuse a request signed in by the session cookie that another site may have started: an
    unsafe request (POST, PUT, PATCH, DELETE) or a WebSocket from an origin that is neither the
    app's own nor in ``authorized_parties`` (DRF: Django's CSRF check). ``False`` turns it off."""

    # Cache and limit knobs (docs/reliability.md).
    jwks_cache_ttl: float = 300.0
    jwks_stale_if_error: float = 3600.0
    jwks_kid_cooldown: float = 30.0
    jwks_negative_cache_ttl: float = 300.0
    jwks_negative_cache_size: int = 1024
    jwks_fetch_timeout: float = 5.0
    jwks_connect_timeout: float = 2.0
    jwks_backoff_initial: float = 5.0
    jwks_backoff_max: float = 60.0
    jwks_max_body_bytes: int = 512 * 1024
    max_token_bytes: int = 8192
    max_cookie_header_bytes: int = 16 * 1024
    max_webhook_body_bytes: int = 1024 * 1024
    token_cache_size: int = 10_000
    """How many verified tokens to remember (0 turns the memory off)."""
    machine_token_cache_ttl: float = 60.0
    """How long an opaque machine token (API key, M2M or OAuth token) that the Backend API
    verified is remembered, in seconds, and never past the token's own expiration: a revoked
    token keeps working for at most this long on an engine that verified it before. ``0`` turns
    the machine-token memory off (every request asks the Backend API, as Clerk JS does)."""
    machine_token_cache_size: int = 10_000
    """How many verified opaque machine tokens to remember (least recently used first out)."""

    # Backend API response cap and machine-token allow-lists (None: no list, every token of this
    # instance that verifies is accepted, as in Clerk JS).
    api_max_body_bytes: int = 8 * 1024 * 1024
    """The largest Backend API response read, by the Backend API clients and by the engine's own
    calls (handshake payload, session refresh, machine-token verification)."""
    machine_token_issuers: Sequence[str] | None = None
    """When set, an M2M or OAuth token in JWT form must carry one of these ``iss`` values."""
    oauth_client_ids: Sequence[str] | None = None
    """When set, an OAuth access token (JWT or opaque) must belong to one of these OAuth clients."""
    m2m_machine_ids: Sequence[str] | None = None
    """When set, an M2M token (JWT or opaque) must come from one of these machines (``mch_...``)."""

    # ClerkJS in server-rendered pages (clerk_core.ui) and its Content Security Policy (clerk_core.csp).
    clerk_js_version: str = "5"
    """The ClerkJS version the template helpers load: a major version (Clerk's pinning, the
    default ``"5"``) or an exact one, e.g. ``"5.99.0"``."""
    clerk_js_url: str | None = None
    """Load ClerkJS from this URL instead of the Frontend API (an ``https://`` URL or a path)."""
    content_security_policy: ContentSecurityPolicy | bool | str | Mapping[str, Any] | None = None
    """Clerk's ``contentSecurityPolicy``: ``True``, ``"strict"``, a
    :class:`clerk_core.csp.ContentSecurityPolicy` or a mapping of its fields. Each HTML response
    then gets the directives ClerkJS needs, merged into its own policy, with a per-request nonce
    the template helpers apply. Normalised to a ``ContentSecurityPolicy`` (or ``None``: off)."""
    # Observability (docs/observability.md, clerk_core.events).
    on_auth_event: Callable[[AuthEvent], None] | None = dataclasses.field(
        default=None, repr=False, compare=False
    )
    """Called with one :class:`clerk_core.events.AuthEvent` per request state (status, reason,
    token type and source, memory hit, key source, duration, handshake and refresh outcome; never
    a token or a secret). A hook that raises is logged once and never breaks a request."""
    auth_events_include_ids: bool = False
    """Add the user, session and organization ids of signed-in requests to auth events."""
    debug: bool = False
    """Log each auth decision through the ``clerk_core.events`` logger (``INFO``), with every
    field of the event in the record's ``extra`` (``clerk_status``, ``clerk_reason``...)."""
    # Where Clerk's sign-in and sign-up components send the user afterwards (docs/redirects.md).
    sign_in_fallback_redirect_url: str | None = None
    """Where sign-in goes when the URL carries no ``redirect_url`` (Clerk's
    ``signInFallbackRedirectUrl``, ``CLERK_SIGN_IN_FALLBACK_REDIRECT_URL``). A path or an
    absolute http(s) URL."""
    sign_up_fallback_redirect_url: str | None = None
    """Where sign-up goes when the URL carries no ``redirect_url`` (Clerk's
    ``signUpFallbackRedirectUrl``, ``CLERK_SIGN_UP_FALLBACK_REDIRECT_URL``)."""
    sign_in_force_redirect_url: str | None = None
    """Where sign-in always goes, whatever ``redirect_url`` says (Clerk's
    ``signInForceRedirectUrl``, ``CLERK_SIGN_IN_FORCE_REDIRECT_URL``)."""
    sign_up_force_redirect_url: str | None = None
    """Where sign-up always goes, whatever ``redirect_url`` says (Clerk's
    ``signUpForceRedirectUrl``, ``CLERK_SIGN_UP_FORCE_REDIRECT_URL``)."""

    # Derived at construction.
    frontend_api: str | None = dataclasses.field(init=False, default=None)
    instance_type: InstanceType | None = dataclasses.field(init=False, default=None)
    issuer: str | None = dataclasses.field(init=False, default=None, repr=False)
    """The primary Frontend API's issuer, ``https://<frontend_api>``."""
    satellite_frontend_api: str | None = dataclasses.field(init=False, default=None, repr=False)
    """A production satellite's own Frontend API host, ``clerk.<domain>`` (Clerk's
    ``parsePublishableKey(key, {domain, isSatellite})``); ``None`` otherwise."""
    issuers: tuple[str, ...] = dataclasses.field(init=False, default=(), repr=False)
    """Every ``iss`` a session token of this instance may carry (Policy 3): the primary's
    issuer, a production satellite's ``https://clerk.<domain>``, and an absolute ``proxy_url``
    with its origin. A relative ``proxy_url`` adds the request's own origin per request."""
    cookie_suffix: str | None = dataclasses.field(init=False, default=None, repr=False)
    public_key: RSAPublicKey | None = dataclasses.field(
        init=False, default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Validate every setting and derive the instance facts, one named step at a time.

        The steps run in this order, so the error names the first wrong setting in it.
        """
        _normalise_strings(self)
        _check_publishable_key(self)
        _derive_frontend_apis(self)
        _check_secret_key(self)
        _check_jwt_key(self)
        _check_origins(self)
        _check_allowed_hosts(self)
        _check_organization_patterns(self)
        _check_statuses_and_flags(self)
        _normalise_audience(self)
        _check_clock_skew(self)
        _set(self, "accepts_token", normalise_accepts_token(self.accepts_token))
        _check_api_url(self)
        _check_durations(self)
        _check_allow_lists(self)
        _check_sizes(self)
        _check_satellite(self)
        _check_frontend_key_source(self)
        _check_clerk_js(self)
        _check_observability(self)
        _check_component_redirects(self)

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in dataclasses.fields(self)
            if f.repr
            and f.name
            in (
                "publishable_key",
                "frontend_api",
                "instance_type",
                "api_url",
                "authorized_parties",
                "accepts_token",
                "jwt_key",
            )
        )
        return (
            f"ClerkOptions({fields}, secret_key={_mask(self.secret_key)}, "
            f"jwt_key={_mask(self.jwt_key)})"
        )

    # ----------------------------------------------------------------- derived helpers
    @property
    def accepted_token_types(self) -> tuple[str, ...]:
        value = cast("str | tuple[str, ...]", self.accepts_token)
        if value == "any":
            return TOKEN_TYPES
        return (value,) if isinstance(value, str) else value

    @property
    def jwks_url(self) -> str:
        """The Backend API JWKS endpoint: ``{api_url}/{api_version}/jwks``."""
        return f"{self.api_url}/{self.api_version}/jwks"

    @property
    def frontend_jwks_url(self) -> str | None:
        """The Frontend API JWKS endpoint, where an engine without a secret key or ``jwt_key``
        loads its signing keys (docs/publishable-key-only.md): ``/.well-known/jwks.json`` on the
        Frontend API the browser talks to, as ClerkJS reaches it. An absolute ``proxy_url``
        first (``https://app.example.com/__clerk/.well-known/jwks.json``); else a production
        satellite's ``https://clerk.<domain>``; else the publishable key's Frontend API. A
        relative ``proxy_url`` (``/__clerk``) names no host the server could fetch from at
        start-up, so the publishable key's host is used. ``None`` without a publishable key."""
        if self.frontend_api is None:
            return None
        proxy = self.proxy_url
        if proxy is not None and "://" in proxy:
            base = proxy.rstrip("/")
        elif self.satellite_frontend_api is not None:
            base = f"https://{self.satellite_frontend_api}"
        else:
            base = f"https://{self.frontend_api}"
        return f"{base}/.well-known/jwks.json"

    @property
    def publishable_key_only(self) -> bool:
        """Whether session tokens are verified with the publishable key alone: no secret key
        and no ``jwt_key``, so the keys come from :attr:`frontend_jwks_url` and nothing that
        needs the Backend API is available."""
        return self.publishable_key is not None and self.secret_key is None and self.jwt_key is None

    @property
    def is_production(self) -> bool:
        return self.instance_type == "production"

    # ----------------------------------------------------------------- environment
    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ClerkOptions:
        """Read the standard ``CLERK_*`` variables; keyword arguments win over the environment."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, var in _ENV_VARS.items():
            raw = env.get(var)
            if raw is None or not raw.strip():
                continue
            if name == "is_satellite":
                values[name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif name in ("satellite_auto_sync", "debug"):
                flag = raw.strip().lower()
                if flag not in _TRUE_WORDS + _FALSE_WORDS:
                    raise ClerkConfigurationError(f"{var} must be true or false, got {raw!r}.")
                values[name] = flag in _TRUE_WORDS
            elif name == "clock_skew":
                try:
                    values[name] = float(raw)
                except ValueError:
                    raise ClerkConfigurationError(
                        f"{var} must be a number of seconds, got {raw!r}."
                    ) from None
            elif name in _LIST_ENV_VARS:
                values[name] = [p.strip() for p in raw.split(",") if p.strip()]
            else:
                values[name] = raw
        values.update(overrides)
        return cls(**values)


OPTION_NAMES: frozenset[str] = frozenset(f.name for f in dataclasses.fields(ClerkOptions) if f.init)
"""The names ``ClerkOptions`` takes (each adapter's settings take the same ones)."""


def unknown_options_message(names: Iterable[str], known: Iterable[str] = OPTION_NAMES) -> str:
    """``unknown Clerk option 'secret_ky' (did you mean 'secret_key'?)``: the message of a
    misspelt option, naming the closest valid name when one is close."""
    choices = sorted(known)
    parts = []
    for name in sorted(names):
        close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
        parts.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    label = "option" if len(parts) == 1 else "options"
    return f"unknown Clerk {label} " + ", ".join(parts) + "; see ClerkOptions for the valid names."


def _checked_init(init: Any) -> Any:
    @functools.wraps(init)
    def __init__(self: ClerkOptions, *args: Any, **kwargs: Any) -> None:
        unknown = kwargs.keys() - OPTION_NAMES
        if unknown:
            raise TypeError(unknown_options_message(unknown))
        init(self, *args, **kwargs)

    return __init__


# A misspelt option names the closest valid one, instead of the dataclass's bare "unexpected
# keyword argument" (its signature stays the dataclass's: inspect follows __wrapped__).
ClerkOptions.__init__ = _checked_init(ClerkOptions.__init__)  # type: ignore[method-assign]


_ENV_VARS: dict[str, str] = {
    "secret_key": "CLERK_SECRET_KEY",
    "publishable_key": "CLERK_PUBLISHABLE_KEY",
    "jwt_key": "CLERK_JWT_KEY",
    "authorized_parties": "CLERK_AUTHORIZED_PARTIES",
    "allowed_hosts": "CLERK_ALLOWED_HOSTS",
    "api_url": "CLERK_API_URL",
    "api_version": "CLERK_API_VERSION",
    "sign_in_url": "CLERK_SIGN_IN_URL",
    "sign_up_url": "CLERK_SIGN_UP_URL",
    "proxy_url": "CLERK_PROXY_URL",
    "domain": "CLERK_DOMAIN",
    "is_satellite": "CLERK_IS_SATELLITE",
    "satellite_auto_sync": "CLERK_SATELLITE_AUTO_SYNC",
    "machine_secret_key": "CLERK_MACHINE_SECRET_KEY",
    "webhook_signing_secret": "CLERK_WEBHOOK_SIGNING_SECRET",
    "clock_skew": "CLERK_CLOCK_SKEW",
    "machine_token_issuers": "CLERK_MACHINE_TOKEN_ISSUERS",
    "oauth_client_ids": "CLERK_OAUTH_CLIENT_IDS",
    "m2m_machine_ids": "CLERK_M2M_MACHINE_IDS",
    "clerk_js_version": "CLERK_JS_VERSION",
    "clerk_js_url": "CLERK_JS_URL",
    "content_security_policy": "CLERK_CONTENT_SECURITY_POLICY",
    "debug": "CLERK_DEBUG",
    "sign_in_fallback_redirect_url": "CLERK_SIGN_IN_FALLBACK_REDIRECT_URL",
    "sign_up_fallback_redirect_url": "CLERK_SIGN_UP_FALLBACK_REDIRECT_URL",
    "sign_in_force_redirect_url": "CLERK_SIGN_IN_FORCE_REDIRECT_URL",
    "sign_up_force_redirect_url": "CLERK_SIGN_UP_FORCE_REDIRECT_URL",
}
_LIST_ENV_VARS = (
    "authorized_parties",
    "allowed_hosts",
    "machine_token_issuers",
    "oauth_client_ids",
    "m2m_machine_ids",
)
_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")
_DOMAIN_RE = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"(?::\d{1,5})?$"
)
_PROXY_RE = re.compile(
    r"^(?:https?://[^/\s?#@\\]+(?:/[^\s?#\\]*)?|/(?!/)[^\s?#\\]*)$", re.IGNORECASE
)


def _derive_frontend_apis(options: ClerkOptions) -> None:
    """Check ``domain`` and ``proxy_url``, and derive the satellite Frontend API and the issuers.

    As Clerk's ``parsePublishableKey(key, {domain, isSatellite})``: a production satellite's
    Frontend API is ``clerk.<domain>``; a development satellite keeps the key's (Clerk's
    development Frontend API serves every domain of the instance).
    """
    domain = options.domain
    if domain is not None and not _DOMAIN_RE.match(domain):
        raise ClerkConfigurationError(
            f"domain {domain!r} is not a host name: give the satellite's domain alone, e.g. "
            "'satellite.example.com' (CLERK_DOMAIN), without a scheme or path."
        )
    proxy = options.proxy_url
    if proxy is not None and not _PROXY_RE.match(proxy):
        raise ClerkConfigurationError(
            f"proxy_url {proxy!r} must be an absolute http(s) URL such as "
            "'https://app.example.com/__clerk' or a path on the app's own origin such as "
            "'/__clerk' (CLERK_PROXY_URL)."
        )
    if options.issuer is None:
        return
    issuers = [options.issuer]
    if options.is_satellite and domain and options.instance_type == "production":
        satellite = f"clerk.{domain.lower()}"
        _set(options, "satellite_frontend_api", satellite)
        issuers.append(f"https://{satellite}")
    if proxy is not None and "://" in proxy:
        split = urlsplit(proxy)
        issuers.append(proxy.rstrip("/"))
        issuers.append(f"{split.scheme}://{split.netloc}".lower())
    _set(options, "issuers", tuple(dict.fromkeys(issuers)))


_ISSUER_RE = re.compile(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$")


def _check_allow_lists(options: ClerkOptions) -> None:
    """The machine-token allow-lists: ``None``, or a non-empty list of strings (a comma-separated
    string is split), stored as a tuple."""
    for name, what in (
        ("machine_token_issuers", "issuer URLs such as 'https://clerk.example.com'"),
        ("oauth_client_ids", "OAuth client ids"),
        ("m2m_machine_ids", "machine ids such as 'mch_...'"),
    ):
        value = getattr(options, name)
        if value is None:
            continue
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, Sequence) or not all(
            isinstance(v, str) and v and v == v.strip() for v in value
        ):
            raise ClerkConfigurationError(f"{name} must be a list of {what}, or None.")
        if not value:
            raise ClerkConfigurationError(
                f"{name} is empty, which would refuse every such token: list the {what} to accept, "
                "or leave it unset (None) to accept every token of this instance."
            )
        if name == "machine_token_issuers":
            for entry in value:
                if not _ISSUER_RE.match(entry):
                    raise ClerkConfigurationError(
                        f"machine_token_issuers entry {entry!r} is not an issuer URL; use the "
                        "token's 'iss' value, e.g. 'https://clerk.example.com'."
                    )
        _set(options, name, tuple(dict.fromkeys(value)))


# ---------------------------------------------------------------------------------- validation steps
# ``ClerkOptions.__post_init__`` runs these in order. Each checks one group of settings, raises
# ``ClerkConfigurationError`` naming the setting and the fix, and stores the normalised value.

_STRING_SETTINGS = (
    "secret_key",
    "publishable_key",
    "jwt_key",
    "machine_secret_key",
    "webhook_signing_secret",
    "sign_in_url",
    "sign_up_url",
    "proxy_url",
    "domain",
    "sign_in_fallback_redirect_url",
    "sign_up_fallback_redirect_url",
    "sign_in_force_redirect_url",
    "sign_up_force_redirect_url",
)
_DURATION_SETTINGS = (
    "jwks_cache_ttl",
    "jwks_stale_if_error",
    "jwks_kid_cooldown",
    "jwks_negative_cache_ttl",
    "jwks_fetch_timeout",
    "jwks_connect_timeout",
    "jwks_backoff_initial",
    "jwks_backoff_max",
    "machine_token_cache_ttl",
)
_SIZE_SETTINGS = (
    "api_max_body_bytes",
    "jwks_negative_cache_size",
    "jwks_max_body_bytes",
    "max_token_bytes",
    "max_cookie_header_bytes",
    "max_webhook_body_bytes",
    "token_cache_size",
    "machine_token_cache_size",
)
_REDIRECT_ORIGIN_RE = re.compile(r"^https?://(\*\.)?[^/\s@\\]+")


def _set(options: ClerkOptions, name: str, value: Any) -> None:
    """Store a normalised or derived value on the frozen options."""
    object.__setattr__(options, name, value)


def _split_list(value: Any) -> Any:
    """A comma-separated string as a list of its non-blank, trimmed items; anything else as is."""
    if isinstance(value, str):
        return [item for item in (part.strip() for part in value.split(",")) if item]
    return value


def _normalise_strings(options: ClerkOptions) -> None:
    """Keys, secrets, URLs and the domain: a string or ``None``; trimmed, and blank means unset."""
    for name in _STRING_SETTINGS:
        value = getattr(options, name)
        if value is not None and not isinstance(value, str):
            raise ClerkConfigurationError(f"{name} must be a string or None.")
        if isinstance(value, str):
            _set(options, name, value.strip() or None)


def _check_publishable_key(options: ClerkOptions) -> None:
    """Decode the publishable key into the Frontend API host, the instance type, the primary's
    issuer and the cookie suffix."""
    if options.publishable_key is None:
        return
    host, instance = parse_publishable_key(options.publishable_key)
    _set(options, "frontend_api", host)
    _set(options, "instance_type", instance)
    _set(options, "issuer", "https://" + host)
    _set(options, "cookie_suffix", cookie_suffix(options.publishable_key))


def _check_secret_key(options: ClerkOptions) -> None:
    """The secret key looks like one, and belongs to the publishable key's environment."""
    if options.secret_key is None:
        return
    match = _SECRET_KEY_RE.match(options.secret_key)
    if match is None:
        raise ClerkConfigurationError(
            "secret_key must look like 'sk_test_...' or 'sk_live_...'. Copy the secret key from "
            f"the API keys page of the Clerk dashboard into CLERK_SECRET_KEY ({_DOCS})."
        )
    secret_instance = "production" if match.group(1) == "live" else "development"
    if options.instance_type is not None and secret_instance != options.instance_type:
        raise ClerkConfigurationError(
            "secret_key and publishable_key belong to different environments: one is a "
            "development ('_test_') key, the other a production ('_live_') key. Use the pair "
            "from the same Clerk instance."
        )


def _check_jwt_key(options: ClerkOptions) -> None:
    """Load the PEM key of networkless verification (an RSA key of 2048 bits or more)."""
    if options.jwt_key is not None:
        _set(options, "public_key", _load_pem(options.jwt_key))


def _check_origins(options: ClerkOptions) -> None:
    """``authorized_parties`` are origins; ``allowed_redirect_origins`` are origins, wildcard
    origins or compiled patterns. Both are stored as tuples."""
    parties = _split_list(options.authorized_parties)
    if not isinstance(parties, Sequence) or not all(isinstance(p, str) for p in parties):
        raise ClerkConfigurationError("authorized_parties must be a list of origins.")
    for party in parties:
        if not _ORIGIN_RE.match(party):
            raise ClerkConfigurationError(
                f"authorized_parties entry {party!r} is not an origin. Give scheme, host and port "
                "only, without a path or trailing slash, e.g. 'https://example.com'."
            )
    _set(options, "authorized_parties", tuple(parties))

    origins = options.allowed_redirect_origins
    if isinstance(origins, (str, re.Pattern)):
        origins = [origins]
    for entry in origins:
        if isinstance(entry, re.Pattern):
            continue
        if not isinstance(entry, str) or not _REDIRECT_ORIGIN_RE.match(entry):
            raise ClerkConfigurationError(
                f"allowed_redirect_origins entry {entry!r} is not an origin. Use "
                "'https://app.example.com', 'https://*.example.com' or a compiled re pattern."
            )
    _set(options, "allowed_redirect_origins", tuple(origins))


def _check_allowed_hosts(options: ClerkOptions) -> None:
    """Each ``allowed_hosts`` entry parses as :mod:`clerk_core.hosts` reads it."""
    hosts = _split_list(options.allowed_hosts)
    if not isinstance(hosts, Sequence):
        raise ClerkConfigurationError("allowed_hosts must be a list of host names.")
    for host in hosts:
        parse_allowed_host(host)  # raises ClerkConfigurationError naming the entry
    _set(options, "allowed_hosts", tuple(h.strip() for h in hosts))


def _check_organization_patterns(options: ClerkOptions) -> None:
    """The organization-sync path patterns compile (a single string is one pattern)."""
    for name in ("organization_patterns", "personal_account_patterns"):
        patterns = getattr(options, name)
        patterns = (patterns,) if isinstance(patterns, str) else tuple(patterns)
        for pattern in patterns:
            if not isinstance(pattern, str):
                raise ClerkConfigurationError(f"{name} must be a list of path patterns.")
            compile_path(pattern)  # raises ClerkConfigurationError with the reason
        _set(options, name, patterns)


def _check_statuses_and_flags(options: ClerkOptions) -> None:
    """The refusal statuses are the allowed pairs; the switches are real booleans."""
    if options.unauthenticated_status not in (401, 404):
        raise ClerkConfigurationError("unauthenticated_status must be 401 or 404.")
    if options.unauthorized_status not in (403, 404):
        raise ClerkConfigurationError("unauthorized_status must be 403 or 404.")
    if not isinstance(options.csrf_origin_check, bool):
        raise ClerkConfigurationError("csrf_origin_check must be True or False.")
    if not isinstance(options.is_satellite, bool):
        raise ClerkConfigurationError("is_satellite must be True or False.")
    if not isinstance(options.satellite_auto_sync, bool):
        raise ClerkConfigurationError(
            "satellite_auto_sync must be True or False (CLERK_SATELLITE_AUTO_SYNC: true or false)."
        )


def _check_observability(options: ClerkOptions) -> None:
    """``on_auth_event`` is a callable; ``debug`` and ``auth_events_include_ids`` are booleans."""
    hook = options.on_auth_event
    if hook is not None and not callable(hook):
        raise ClerkConfigurationError(
            "on_auth_event must be a callable taking one clerk_core.events.AuthEvent (for "
            f"example clerk_core.events.DecisionRecorder()), got {type(hook).__name__}."
        )
    for name in ("debug", "auth_events_include_ids"):
        if not isinstance(getattr(options, name), bool):
            raise ClerkConfigurationError(f"{name} must be True or False.")


def _normalise_audience(options: ClerkOptions) -> None:
    """``audience``: ``None``, or a tuple of strings (a single string is one audience)."""
    audience = options.audience
    if isinstance(audience, str):
        _set(options, "audience", (audience,))
    elif audience is not None:
        if not all(isinstance(a, str) for a in audience):
            raise ClerkConfigurationError("audience must be a string or a list of strings.")
        _set(options, "audience", tuple(audience))


def _check_clock_skew(options: ClerkOptions) -> None:
    """A number of seconds, not negative; a non-finite skew falls back to 5 (as Clerk JS)."""
    skew = options.clock_skew
    if isinstance(skew, bool) or not isinstance(skew, (int, float)):
        raise ClerkConfigurationError("clock_skew must be a number of seconds (default 5).")
    if not math.isfinite(skew):
        skew = 5.0  # Clerk JS: a non-finite skew falls back to the default.
    if skew < 0:
        raise ClerkConfigurationError("clock_skew must not be negative (default 5 seconds).")
    _set(options, "clock_skew", float(skew))


def _check_api_url(options: ClerkOptions) -> None:
    """``api_url`` is an absolute http(s) URL (no trailing slash kept); ``api_version`` is one
    path segment."""
    api_url = options.api_url.strip().rstrip("/") if isinstance(options.api_url, str) else ""
    if not api_url.startswith(("https://", "http://")):
        raise ClerkConfigurationError(
            "api_url must be an absolute http(s) URL such as 'https://api.clerk.com' (CLERK_API_URL)."
        )
    _set(options, "api_url", api_url)
    version = options.api_version
    version = version.strip().strip("/") if isinstance(version, str) else ""
    if not version or "/" in version:
        raise ClerkConfigurationError("api_version must be a version segment such as 'v1'.")
    _set(options, "api_version", version)


def _check_durations(options: ClerkOptions) -> None:
    """The cache lifetimes, timeouts and back-off: finite numbers of seconds, >= 0."""
    for name in _DURATION_SETTINGS:
        value = getattr(options, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not value >= 0
            or not math.isfinite(value)
        ):
            raise ClerkConfigurationError(f"{name} must be a finite number of seconds >= 0.")


def _check_sizes(options: ClerkOptions) -> None:
    """The body, token and cache size limits: whole numbers, >= 0."""
    for name in _SIZE_SETTINGS:
        value = getattr(options, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ClerkConfigurationError(f"{name} must be a whole number >= 0.")


def _check_satellite(options: ClerkOptions) -> None:
    """A satellite names its domain or proxy; a development satellite also needs the primary's
    absolute sign-in URL (that page is on another domain)."""
    if not options.is_satellite:
        return
    if options.instance_type == "development" and not (options.sign_in_url or "").startswith(
        ("https://", "http://")
    ):
        raise ClerkConfigurationError(
            "A development satellite needs sign_in_url (CLERK_SIGN_IN_URL) set to the absolute "
            "URL of the primary application's sign-in page, e.g. 'https://primary.example/sign-in'."
        )
    if not (options.domain or options.proxy_url):
        raise ClerkConfigurationError(
            "is_satellite is set but neither domain nor proxy_url is: a satellite application "
            "needs its domain (CLERK_DOMAIN) or a proxy URL (CLERK_PROXY_URL)."
        )


def _check_frontend_key_source(options: ClerkOptions) -> None:
    """With only a publishable key, the signing keys come from the Frontend API JWKS
    (:attr:`ClerkOptions.frontend_jwks_url`): on a production instance that URL must be
    ``https`` (a loopback address excepted), since whoever could change the keys in transit
    could sign any session."""
    if not (options.publishable_key_only and options.is_production):
        return
    url = options.frontend_jwks_url or ""
    split = urlsplit(url)
    if split.scheme == "https" or (split.hostname or "") in ("127.0.0.1", "localhost", "::1"):
        return
    raise ClerkConfigurationError(
        f"proxy_url {options.proxy_url!r} is plain http: with live keys and no secret key, the "
        "session signing keys are loaded through it, so it must be an https URL. Use "
        "'https://...' for proxy_url (CLERK_PROXY_URL), or set secret_key (CLERK_SECRET_KEY) or "
        "jwt_key (CLERK_JWT_KEY) to verify without the Frontend API."
    )


_CLERK_JS_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$")
_CLERK_JS_URL_RE = re.compile(r"^(?:https?://[^/\s?#@\\\"'<>]+|/(?!/))[^\s\\\"'<>]*$")


def _check_clerk_js(options: ClerkOptions) -> None:
    """The ClerkJS version and URL the template helpers use, and the Content Security Policy."""
    from .csp import normalise_content_security_policy

    version = options.clerk_js_version
    if not isinstance(version, str) or not _CLERK_JS_VERSION_RE.match(version.strip()):
        raise ClerkConfigurationError(
            "clerk_js_version (CLERK_JS_VERSION) must be a ClerkJS version such as '5' (the major "
            "version, Clerk's default pinning) or '5.99.0'."
        )
    _set(options, "clerk_js_version", version.strip())
    url = options.clerk_js_url
    if url is not None:
        if not isinstance(url, str) or not _CLERK_JS_URL_RE.match(url.strip()):
            raise ClerkConfigurationError(
                "clerk_js_url (CLERK_JS_URL) must be an https:// URL or a path starting with '/', "
                "without spaces or quotes."
            )
        _set(options, "clerk_js_url", url.strip() or None)
    _set(
        options,
        "content_security_policy",
        normalise_content_security_policy(options.content_security_policy),
    )


_COMPONENT_REDIRECTS = (
    "sign_in_url",
    "sign_up_url",
    "sign_in_fallback_redirect_url",
    "sign_up_fallback_redirect_url",
    "sign_in_force_redirect_url",
    "sign_up_force_redirect_url",
)
_PAGE_URL_RE = re.compile(r"^(?:https?://[^/\s?#@\\]+(?:[/?#][^\s\\]*)?|/(?![/\\])[^\s\\]*)$", re.I)


def _check_component_redirects(options: ClerkOptions) -> None:
    """The sign-in and sign-up pages and the URLs Clerk's components redirect to: a path on the
    app (``/dashboard``) or an absolute http(s) URL, never another scheme (``javascript:``)."""
    for name in _COMPONENT_REDIRECTS:
        value = getattr(options, name)
        if value is not None and not _PAGE_URL_RE.match(value):
            raise ClerkConfigurationError(
                f"{name} {value!r} must be a path such as '/dashboard' or an absolute http(s) URL "
                f"such as 'https://app.example.com/dashboard' (CLERK_{name.upper()})."
            )
