"""A local Clerk instance: keys, tokens and a fake Backend API, with no account and no network.

``LocalClerkInstance`` puts together the jobs of the test kit, each in its own module:
:mod:`.keys` (the key pair, JWKS, the test-domain guard), :mod:`.tokens` (session, handshake and
machine tokens), :mod:`.webhooks` (signed deliveries), :mod:`.backend` (the fake Backend API) and
:mod:`.server` (the loopback server). This module adds the options, engines and requests of tests.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal

import httpx
import jwt

from ..clerk import Clerk
from ..options import ClerkOptions, cookie_suffix
from ..request import RequestView
from .backend import FakeBackendAPI
from .keys import (
    InstanceKeys,
    check_reserved,
    fresh_key,
    public_jwk,
    publishable_key,
    secret_key,
    shared_key,
    webhook_signing_secret,
)
from .server import LocalBackendServer, serving
from .tokens import TokenMinter, encode_org_claims
from .webhooks import WebhookSigner

__all__ = ["LocalClerkInstance", "encode_org_claims", "public_jwk"]

# The hosts test clients send (Django's and Starlette's ``testserver``, Flask's ``localhost``), as
# Django's test runner adds ``testserver`` to ALLOWED_HOSTS.
TEST_CLIENT_HOSTS = ("testserver", "localhost", "127.0.0.1", "[::1]")


class LocalClerkInstance(InstanceKeys, TokenMinter, WebhookSigner):
    """A fictitious Clerk instance for tests and demos.

    It holds an RSA key pair and publishable/secret keys for a host under a reserved test domain, mints
    session and machine tokens (and hostile variants), and serves the Backend API endpoints the engine
    calls (JWKS and machine-token verification) over an ``httpx`` transport. It refuses hosts outside
    the reserved test domains, so it can never mint tokens for a real instance.

    ``satellite_domain="sat.test"`` makes it a satellite: :meth:`options` sets ``is_satellite`` and
    ``domain`` (and, in development, an absolute ``sign_in_url`` on ``primary.test``), and a
    production satellite's session tokens carry its own issuer, ``https://clerk.sat.test``.
    ``proxy_url`` (``"https://app.test/__clerk"`` or ``"/__clerk"``) goes into :meth:`options`;
    mint a token with a proxy issuer with ``session_token(claims={"iss": ...})``.

    Every instance in a process shares one RSA key pair (generating one takes a noticeable
    fraction of a second), so a token of one instance verifies against another with the same
    ``kid``. ``own_key=True`` generates a key pair of its own for this instance (slower).
    ``jwt_key`` is its PEM public key (as ``CLERK_JWT_KEY``).
    """

    def __init__(
        self,
        *,
        frontend_api: str = "clerk.local.test",
        instance_type: Literal["development", "production"] = "development",
        kid: str = "ins_localtest",
        key_bits: int = 2048,
        authorized_parties: Sequence[str] = ("http://127.0.0.1:8000", "http://localhost:8000"),
        clock: Callable[[], float] | None = None,
        satellite_domain: str | None = None,
        proxy_url: str | None = None,
        own_key: bool = False,
    ) -> None:
        host = frontend_api.lower()
        check_reserved(host)
        production = instance_type == "production"
        self.frontend_api = host
        self.instance_type = instance_type
        self.publishable_key = publishable_key(host, production=production)
        self.secret_key = secret_key(production=production)
        self.machine_secret_key = "ak_local" + secrets.token_hex(16)
        """A machine's secret key (machine ``mch_local``): the local Backend API accepts it (as
        Clerk's does) for the ``/m2m_tokens`` endpoints only, so
        ``machine_secret_key=instance.machine_secret_key`` verifies M2M tokens without the instance
        secret key, and ``api.m2m_tokens.create(machine_secret_key=...)`` mints them."""
        self.kid = kid
        # RSA generation is slow: instances share one key per size per process unless own_key.
        self.private_key = fresh_key(key_bits) if own_key else shared_key(key_bits)
        self.other_private_key = shared_key(key_bits + 8)  # "another instance's" key
        self.authorized_parties = tuple(authorized_parties)
        self.issuer = "https://" + host
        """The ``iss`` of the session tokens this instance mints: the primary's Frontend API, or a
        production satellite's ``https://clerk.<domain>``."""
        self.satellite_domain = satellite_domain.lower() if satellite_domain else None
        """A satellite instance (``is_satellite=True``, ``domain=``) on this domain."""
        if self.satellite_domain and production:
            # A production satellite has its own Frontend API, and its tokens name it.
            satellite_fapi = "clerk." + self.satellite_domain
            check_reserved(satellite_fapi.split(":", 1)[0])
            self.issuer = "https://" + satellite_fapi
        self.proxy_url = proxy_url
        """The satellite's or primary's ``proxy_url`` (absolute, or a path such as ``/__clerk``)."""
        if proxy_url and "://" in proxy_url:
            check_reserved((httpx.URL(proxy_url).host or "").lower())
        self.api_url = "https://api.clerk.test"
        self.cookie_suffix = cookie_suffix(self.publishable_key)
        self.clock = clock or time.time
        self.jwks_requests = 0
        self.frontend_jwks_requests = 0
        """How many times the Frontend API's ``/.well-known/jwks.json`` was fetched (by an engine
        with only the publishable key)."""
        self.requests: list[httpx.Request] = []
        self._api_keys: dict[str, dict[str, Any]] = {}
        self._m2m_tokens: dict[str, dict[str, Any]] = {}
        self._oauth_tokens: dict[str, dict[str, Any]] = {}
        self._refresh_tokens: dict[str, tuple[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.dev_browser_token = "dvb_" + secrets.token_hex(12)
        self.webhook_signing_secret = webhook_signing_secret()
        self._verified_at: dict[str, float] = {}
        self.backend = FakeBackendAPI(self)
        """The in-memory Backend API: ``add_user``, ``add_organization``, ``add_membership``,
        ``add_session``, ``jwt_templates``, ``fail_next``."""

    def __repr__(self) -> str:
        return f"LocalClerkInstance(frontend_api={self.frontend_api!r}, kid={self.kid!r})"

    # ------------------------------------------------------------------ factor verification
    def verify_session(self, session_id: str, *, at: float | None = None) -> None:
        """Record that the user of ``session_id`` verified their factors at ``at`` (default now):
        from then on the session tokens minted for it without an explicit ``fva`` carry Clerk's
        ``fva`` claim, ``[minutes since first factor, minutes since second factor]``, counted from
        this time (both factors verified together), as reverification updates it in Clerk."""
        with self._lock:
            self._verified_at[session_id] = self.clock() if at is None else at

    def factor_verification_age(self, session_id: str) -> list[int] | None:
        """The ``fva`` the next token of ``session_id`` carries (``None``: not recorded)."""
        with self._lock:
            verified_at = self._verified_at.get(session_id)
        if verified_at is None:
            return None
        minutes = max(0, int((self.clock() - verified_at) // 60))
        return [minutes, minutes]

    def session_claims(self, user_id: str = "user_test", **kwargs: Any) -> dict[str, Any]:
        """As :meth:`TokenMinter.session_claims`; a session recorded with :meth:`verify_session`
        gets its current ``fva`` unless ``fva`` is given."""
        session_id = kwargs.get("session_id")
        if kwargs.get("fva") is None and session_id:
            fva = self.factor_verification_age(session_id)
            if fva is not None:
                kwargs["fva"] = fva
        return super().session_claims(user_id, **kwargs)

    # ------------------------------------------------------------------ options and engines
    def options(self, *, networkless: bool = False, **overrides: Any) -> ClerkOptions:
        """``ClerkOptions`` for this instance (``networkless=True`` verifies with the PEM key).

        Unless ``allowed_hosts`` is given, redirects may be built on the hosts of
        ``authorized_parties`` and on the hosts test clients send (``testserver``, ``localhost``,
        ``127.0.0.1``, ``[::1]``); pass ``allowed_hosts=()`` for the production default.
        """
        values: dict[str, Any] = {
            "secret_key": self.secret_key,
            "publishable_key": self.publishable_key,
            "api_url": self.api_url,
            "authorized_parties": self.authorized_parties,
            "webhook_signing_secret": self.webhook_signing_secret,
        }
        if networkless:
            values["jwt_key"] = self.jwt_key
        if self.satellite_domain:
            values["is_satellite"] = True
            values["domain"] = self.satellite_domain
            if self.instance_type == "development":
                values["sign_in_url"] = "https://primary.test/sign-in"
        if self.proxy_url:
            values["proxy_url"] = self.proxy_url
        values.update(overrides)
        if "allowed_hosts" not in overrides:
            # Redirects may be built on the authorized parties and the test clients' hosts.
            values["allowed_hosts"] = (*values["authorized_parties"], *TEST_CLIENT_HOSTS)
        return ClerkOptions(**values)

    def transport(self) -> httpx.MockTransport:
        """An ``httpx`` transport serving this instance's Backend API (sync and async clients),
        and its Frontend API's ``/.well-known/jwks.json`` (at any host, or under a proxy path)."""
        return httpx.MockTransport(self.backend.handle_request)

    def serve(self) -> AbstractContextManager[LocalBackendServer]:
        """Serve this instance's Backend API on 127.0.0.1: ``with instance.serve() as server:``
        (use ``server.url`` as ``api_url``). It serves the Frontend API's JWKS too, at
        ``/.well-known/jwks.json`` and below any path: ``proxy_url=server.url + "/__clerk"``
        gives an engine with only the publishable key its keys over loopback."""
        return serving(self.backend.handle_request)

    def clerk(
        self,
        *,
        networkless: bool = False,
        clock: Callable[[], float] | None = None,
        **overrides: Any,
    ) -> Clerk:
        """A ready ``Clerk`` engine whose HTTP clients talk to this instance."""
        transport = self.transport()
        return Clerk(
            self.options(networkless=networkless, **overrides),
            http_client=httpx.Client(transport=transport),
            async_http_client=httpx.AsyncClient(transport=transport),
            clock=clock or self.clock,
        )

    # ------------------------------------------------------------------ requests
    def cookies(
        self, token: str | None, *, client_uat: int | None = None, suffixed: bool = False
    ) -> dict[str, str]:
        """The cookies a browser signed in to this instance sends."""
        suffix = f"_{self.cookie_suffix}" if suffixed else ""
        cookies: dict[str, str] = {}
        if token is not None:
            cookies[f"__session{suffix}"] = token
            if client_uat is None:
                payload = jwt.decode(token, options={"verify_signature": False})
                client_uat = int(payload.get("iat", self.clock())) - 1
        if client_uat is not None:
            cookies[f"__client_uat{suffix}"] = str(client_uat)
        if self.instance_type == "development":
            cookies[f"__clerk_db_jwt{suffix}"] = self.dev_browser_token
        return cookies

    def request(
        self,
        path: str = "/",
        *,
        method: str = "GET",
        bearer: str | None = None,
        session: str | None = None,
        document: bool = False,
        headers: Mapping[str, str] | None = None,
        host: str = "127.0.0.1:8000",
        scheme: str = "http",
    ) -> RequestView:
        """A ``RequestView`` for tests: a Bearer token, or a browser carrying ``session`` cookies."""
        hdrs: dict[str, str] = {"host": host}
        if bearer is not None:
            hdrs["authorization"] = f"Bearer {bearer}"
        if session is not None:
            hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies(session).items())
        if document:
            hdrs["sec-fetch-dest"] = "document"
            hdrs["accept"] = "text/html"
        hdrs.update(headers or {})
        return RequestView(method, f"{scheme}://{host}{path}", hdrs)
