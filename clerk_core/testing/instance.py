"""A local Clerk instance: keys, tokens and a fake Backend API, with no account and no network."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..clerk import Clerk
from ..errors import ClerkConfigurationError
from ..options import ClerkOptions, cookie_suffix
from ..request import RequestView
from ..tokens import CAT_JWT_TEMPLATE, CAT_M2M, CAT_SESSION
from .backend import FakeBackendAPI, LocalBackendServer, serving

__all__ = ["LocalClerkInstance", "encode_org_claims", "public_jwk"]

_RESERVED_SUFFIXES = (".test", ".example", ".invalid", ".localhost")
# The hosts test clients send (Django's and Starlette's ``testserver``, Flask's ``localhost``), as
# Django's test runner adds ``testserver`` to ALLOWED_HOSTS.
TEST_CLIENT_HOSTS = ("testserver", "localhost", "127.0.0.1", "[::1]")
_KEY_CACHE: dict[int, rsa.RSAPrivateKey] = {}
_KEY_LOCK = threading.Lock()


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_jwk(private_key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    """The public JWK (RS256, ``use: sig``) of ``private_key`` under ``kid``."""
    numbers = private_key.public_key().public_numbers()
    return {
        "use": "sig",
        "kty": "RSA",
        "kid": kid,
        "alg": "RS256",
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
    }


def _random_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def _shared_key(bits: int) -> rsa.RSAPrivateKey:
    """One generated key per size per process: RSA generation is slow, and the key is test data."""
    with _KEY_LOCK:
        key = _KEY_CACHE.get(bits)
        if key is None:
            key = _KEY_CACHE[bits] = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return key


def encode_org_claims(
    *,
    org_id: str,
    org_slug: str | None,
    org_role: str | None,
    org_permissions: Sequence[str],
    features: Sequence[str],
) -> tuple[dict[str, Any], list[str]]:
    """Encode organization permissions the way Clerk's v2 session tokens do.

    ``org_permissions`` are ``org:<feature>:<permission>`` strings. Returns the ``o`` claim and the
    ``fea`` elements (existing ``features`` first, then any org feature the permissions need).
    """
    fea = list(features)
    org_features = [f.split(":", 1)[1] for f in fea if f.split(":", 1)[0] in ("o", "ou", "uo")]
    names: list[str] = []
    grants: list[tuple[str, str]] = []
    for perm in org_permissions:
        parts = perm.split(":")
        if len(parts) != 3 or parts[0] != "org":
            raise ValueError(f"org permission {perm!r} must look like 'org:<feature>:<permission>'")
        _, feature, name = parts
        if feature not in org_features:
            org_features.append(feature)
            fea.append(f"o:{feature}")
        if name not in names:
            names.append(name)
        grants.append((feature, name))
    masks = []
    for feature in org_features:
        mask = 0
        for granted_feature, name in grants:
            if granted_feature == feature:
                mask |= 1 << names.index(name)
        masks.append(str(mask))
    org: dict[str, Any] = {"id": org_id}
    if org_slug:
        org["slg"] = org_slug
    if org_role:
        org["rol"] = org_role[4:] if org_role.startswith("org:") else org_role
    if names:
        org["per"] = ",".join(names)
        org["fpm"] = ",".join(masks)
    return org, fea


class LocalClerkInstance:
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
    ) -> None:
        host = frontend_api.lower()
        _check_reserved(host)
        self.frontend_api = host
        self.instance_type = instance_type
        prefix = "pk_live_" if instance_type == "production" else "pk_test_"
        self.publishable_key = prefix + base64.b64encode(f"{host}$".encode()).decode().rstrip("=")
        sk_prefix = "sk_live_" if instance_type == "production" else "sk_test_"
        self.secret_key = sk_prefix + "local" + secrets.token_hex(16)
        self.machine_secret_key = "ak_local" + secrets.token_hex(16)
        """A machine's secret key: the local Backend API accepts it (as Clerk's does) for
        ``POST /m2m_tokens/verify`` only, so ``machine_secret_key=instance.machine_secret_key``
        verifies M2M tokens without the instance secret key."""
        self.kid = kid
        self.private_key = _shared_key(key_bits)
        self.other_private_key = _shared_key(key_bits + 8)  # "another instance's" key
        self.authorized_parties = tuple(authorized_parties)
        self.issuer = "https://" + host
        """The ``iss`` of the session tokens this instance mints: the primary's Frontend API, or a
        production satellite's ``https://clerk.<domain>``."""
        self.satellite_domain = satellite_domain.lower() if satellite_domain else None
        """A satellite instance (``is_satellite=True``, ``domain=``) on this domain."""
        if self.satellite_domain and instance_type == "production":
            # A production satellite has its own Frontend API, and its tokens name it.
            satellite_fapi = "clerk." + self.satellite_domain
            _check_reserved(satellite_fapi.split(":", 1)[0])
            self.issuer = "https://" + satellite_fapi
        self.proxy_url = proxy_url
        """The satellite's or primary's ``proxy_url`` (absolute, or a path such as ``/__clerk``)."""
        if proxy_url and "://" in proxy_url:
            _check_reserved((httpx.URL(proxy_url).host or "").lower())
        self.api_url = "https://api.clerk.test"
        self.cookie_suffix = cookie_suffix(self.publishable_key)
        self.clock: Callable[[], float] = clock or time.time
        self.jwks_requests = 0
        self.requests: list[httpx.Request] = []
        self._api_keys: dict[str, dict[str, Any]] = {}
        self._m2m_tokens: dict[str, dict[str, Any]] = {}
        self._oauth_tokens: dict[str, dict[str, Any]] = {}
        self._refresh_tokens: dict[str, tuple[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.dev_browser_token = "dvb_" + secrets.token_hex(12)
        self.webhook_signing_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        self.backend = FakeBackendAPI(self)
        """The in-memory Backend API: ``add_user``, ``add_organization``, ``add_membership``,
        ``add_session``, ``jwt_templates``, ``fail_next``."""

    def __repr__(self) -> str:
        return f"LocalClerkInstance(frontend_api={self.frontend_api!r}, kid={self.kid!r})"

    # ------------------------------------------------------------------ keys and options
    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def jwk(self) -> dict[str, str]:
        numbers = self.public_key.public_numbers()
        return {
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWKS document the Backend API serves for this instance."""
        return {"keys": [self.jwk()]}

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
            values["jwt_key"] = self.public_key_pem()
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
        """An ``httpx`` transport serving this instance's Backend API (sync and async clients)."""
        return httpx.MockTransport(self._handle)

    def serve(self) -> AbstractContextManager[LocalBackendServer]:
        """Serve this instance's Backend API on 127.0.0.1: ``with instance.serve() as server:``
        (use ``server.url`` as ``api_url``)."""
        return serving(self._handle)

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

    # ------------------------------------------------------------------ session tokens
    def session_claims(
        self,
        user_id: str = "user_test",
        *,
        session_id: str | None = None,
        org_id: str | None = None,
        org_slug: str | None = None,
        org_role: str | None = None,
        org_permissions: Sequence[str] = (),
        features: Sequence[str] = (),
        plans: Sequence[str] = (),
        fva: Sequence[int] | None = None,
        actor: Mapping[str, Any] | None = None,
        sts: str | None = "active",
        azp: str | Literal[False] | None = None,
        lifetime: float = 60.0,
        iat: float | None = None,
        version: Literal[1, 2] = 2,
        claims: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The claims of a session token; ``claims`` entries win (``None`` values delete)."""
        now = int(self.clock()) if iat is None else iat
        payload: dict[str, Any] = {
            "azp": self.authorized_parties[0] if azp is None and self.authorized_parties else azp,
            "exp": now + lifetime,
            "iat": now,
            "iss": self.issuer,
            "nbf": now - 10,
            "sid": session_id or "sess_" + user_id.removeprefix("user_"),
            "sub": user_id,
        }
        if azp is False or payload["azp"] is None:
            del payload["azp"]
        if sts is not None:
            payload["sts"] = sts
        if version == 2:
            payload["v"] = 2
            fea = list(features)
            if org_id:
                payload["o"], fea = encode_org_claims(
                    org_id=org_id,
                    org_slug=org_slug,
                    org_role=org_role,
                    org_permissions=org_permissions,
                    features=fea,
                )
            if fea:
                payload["fea"] = ",".join(fea)
        else:
            if org_id:
                payload.update(
                    org_id=org_id,
                    org_slug=org_slug,
                    org_role=org_role
                    if (org_role or "").startswith("org:") or not org_role
                    else "org:" + org_role,
                    org_permissions=list(org_permissions),
                )
            if features:
                payload["fea"] = ",".join(features)
        if plans:
            payload["pla"] = ",".join(plans)
        if fva is not None:
            payload["fva"] = list(fva)
        if actor is not None:
            payload["act"] = dict(actor)
        for key, value in (claims or {}).items():
            if value is None:
                payload.pop(key, None)
            else:
                payload[key] = value
        return payload

    def sign(
        self,
        payload: Mapping[str, Any],
        *,
        headers: Mapping[str, Any] | None = None,
        key: rsa.RSAPrivateKey | None = None,
        algorithm: str = "RS256",
    ) -> str:
        """Sign any payload with this instance's key (or ``key``); ``headers`` entries win."""
        header: dict[str, Any] = {"kid": self.kid, "typ": "JWT", "cat": CAT_SESSION}
        for name, value in (headers or {}).items():
            if value is None:
                header.pop(name, None)
            else:
                header[name] = value
        return jwt.encode(
            dict(payload), key or self.private_key, algorithm=algorithm, headers=header
        )

    def session_token(self, user_id: str = "user_test", **kwargs: Any) -> str:
        """A valid session token; keyword arguments as in :meth:`session_claims`. Its session is
        known to the local Backend API (``POST /sessions/{sid}/tokens`` mints fresh ones)."""
        headers = kwargs.pop("headers", None)
        claims = self.session_claims(user_id, **kwargs)
        if claims.get("sid") not in self.backend.sessions:
            kept = {k: v for k, v in kwargs.items() if k not in ("iat", "lifetime", "session_id")}
            self.backend.add_session(str(claims["sid"]), user_id, **kept)
        return self.sign(claims, headers=headers)

    def handshake_token(
        self,
        directives: Sequence[str],
        *,
        lifetime: float = 60.0,
        iat: float | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A legacy handshake token (``?__clerk_handshake=``): these Set-Cookie directives signed by
        the instance key, valid from ``iat`` (default now) for ``lifetime`` seconds. ``claims``
        entries win (``None`` values delete, e.g. ``{"exp": None}``)."""
        now = int(self.clock()) if iat is None else iat
        payload: dict[str, Any] = {"handshake": list(directives), "iat": now, "exp": now + lifetime}
        for key, value in (claims or {}).items():
            if value is None:
                payload.pop(key, None)
            else:
                payload[key] = value
        return self.sign(payload, headers={"cat": None})

    # Hostile variants, one per failure reason.
    def expired_token(self, user_id: str = "user_test", *, seconds_ago: float = 60) -> str:
        now = self.clock()
        return self.session_token(user_id, iat=int(now - seconds_ago - 60), lifetime=60)

    def not_yet_valid_token(self, user_id: str = "user_test", *, seconds_ahead: float = 60) -> str:
        return self.session_token(user_id, claims={"nbf": int(self.clock() + seconds_ahead)})

    def wrong_azp_token(self, user_id: str = "user_test") -> str:
        return self.session_token(user_id, azp="https://evil.example")

    def other_key_token(self, user_id: str = "user_test") -> str:
        return self.sign(self.session_claims(user_id), key=self.other_private_key)

    def unknown_kid_token(self, user_id: str = "user_test") -> str:
        return self.sign(self.session_claims(user_id), headers={"kid": "ins_unknown"})

    def bad_signature_token(self, user_id: str = "user_test") -> str:
        token = self.session_token(user_id)
        head, _, sig = token.rpartition(".")
        flipped = "A" if sig[10] != "A" else "B"
        return f"{head}.{sig[:10]}{flipped}{sig[11:]}"

    def jwt_template_token(self, user_id: str = "user_test") -> str:
        return self.sign(self.session_claims(user_id), headers={"cat": CAT_JWT_TEMPLATE})

    # ------------------------------------------------------------------ machine tokens
    def m2m_jwt(
        self, machine_id: str = "mch_test", *, scopes: Sequence[str] = (), lifetime: float = 300
    ) -> str:
        now = int(self.clock())
        payload = {
            "sub": machine_id,
            "iat": now,
            "exp": now + lifetime,
            "nbf": now - 10,
            "jti": _random_id("mt_"),
            "scopes": " ".join(scopes),
            "iss": self.issuer,
        }
        return self.sign(payload, headers={"cat": CAT_M2M})

    def oauth_jwt(
        self,
        user_id: str = "user_test",
        *,
        client_id: str = "client_test",
        scopes: Sequence[str] = ("profile",),
        lifetime: float = 300,
    ) -> str:
        now = int(self.clock())
        payload = {
            "sub": user_id,
            "iat": now,
            "exp": now + lifetime,
            "nbf": now - 10,
            "jti": _random_id("oat_"),
            "scp": list(scopes),
            "client_id": client_id,
            "iss": self.issuer,
        }
        return self.sign(payload, headers={"typ": "at+jwt", "cat": None})

    def api_key(
        self,
        subject: str = "user_test",
        *,
        name: str = "test key",
        scopes: Sequence[str] = (),
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """Create an opaque API key that this instance's Backend API verifies."""
        secret = "ak_" + secrets.token_hex(16)
        with self._lock:
            self._api_keys[secret] = {
                "object": "api_key",
                "id": _random_id("ak_"),
                "type": "api_key",
                "subject": subject,
                "name": name,
                "scopes": list(scopes),
                "claims": dict(claims or {}),
                "revoked": False,
                "expired": False,
            }
        return secret

    def m2m_token(self, machine_id: str = "mch_test", *, scopes: Sequence[str] = ()) -> str:
        """Create an opaque M2M token (``mt_...``) that this instance's Backend API verifies."""
        secret = "mt_" + secrets.token_hex(16)
        with self._lock:
            self._m2m_tokens[secret] = {
                "object": "machine_to_machine_token",
                "id": _random_id("mt_"),
                "subject": machine_id,
                "scopes": list(scopes),
                "claims": {},
                "revoked": False,
                "expired": False,
            }
        return secret

    def oauth_token(
        self,
        user_id: str = "user_test",
        *,
        client_id: str = "client_test",
        scopes: Sequence[str] = ("profile",),
    ) -> str:
        """Create an opaque OAuth access token (``oat_...``)."""
        secret = "oat_" + secrets.token_hex(16)
        with self._lock:
            self._oauth_tokens[secret] = {
                "object": "clerk_idp_oauth_access_token",
                "id": _random_id("oat_"),
                "subject": user_id,
                "client_id": client_id,
                "scopes": list(scopes),
                "revoked": False,
                "expired": False,
            }
        return secret

    def revoke(self, secret: str) -> None:
        """Revoke an API key, M2M token, OAuth token or refresh token."""
        with self._lock:
            for store in (self._api_keys, self._m2m_tokens, self._oauth_tokens):
                if secret in store:
                    store[secret]["revoked"] = True
            self._refresh_tokens.pop(secret, None)

    @property
    def refresh_cookie_name(self) -> str:
        """The (always suffixed) cookie that carries a refresh token: ``__refresh_<suffix>``."""
        return f"__refresh_{self.cookie_suffix}"

    def refresh_token(self, user_id: str = "user_test", **session_kwargs: Any) -> str:
        """A refresh token the fake Backend API exchanges for a fresh session token of ``user_id``
        (``session_kwargs`` as in :meth:`session_claims`)."""
        secret = "rt_" + secrets.token_hex(16)
        with self._lock:
            self._refresh_tokens[secret] = (user_id, dict(session_kwargs))
        return secret

    # ------------------------------------------------------------------ webhooks
    def webhook_event(self, event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """A Clerk event body: ``{"data": ..., "object": "event", "type": ..., ...}``."""
        return {
            "data": dict(data),
            "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "local"}},
            "instance_id": "ins_" + self.kid.removeprefix("ins_"),
            "object": "event",
            "timestamp": int(self.clock() * 1000),
            "type": event_type,
        }

    def sign_webhook(
        self,
        event_type: str,
        data: Mapping[str, Any],
        *,
        msg_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A delivery signed as Clerk (Svix) signs it: ``(body, headers)`` for your endpoint."""
        from datetime import datetime, timezone

        from standardwebhooks.webhooks import Webhook

        body = json.dumps(self.webhook_event(event_type, data), separators=(",", ":"))
        msg_id = msg_id or "msg_" + secrets.token_hex(12)
        ts = int(self.clock()) if timestamp is None else timestamp
        signer = Webhook(secret or self.webhook_signing_secret)
        signature = signer.sign(msg_id, datetime.fromtimestamp(ts, tz=timezone.utc), body)
        headers = {
            "svix-id": msg_id,
            "svix-timestamp": str(ts),
            "svix-signature": signature,
            "content-type": "application/json",
        }
        return body.encode("utf-8"), headers

    def user_payload(
        self,
        user_id: str = "user_test",
        *,
        first_name: str = "Test",
        last_name: str = "User",
        email: str = "test@example.test",
    ) -> dict[str, Any]:
        """The ``data`` of a ``user.created`` / ``user.updated`` event (the fields most apps read)."""
        email_id = "idn_" + user_id.removeprefix("user_")
        return {
            "id": user_id,
            "object": "user",
            "first_name": first_name,
            "last_name": last_name,
            "username": None,
            "image_url": "",
            "primary_email_address_id": email_id,
            "email_addresses": [
                {"id": email_id, "object": "email_address", "email_address": email}
            ],
            "public_metadata": {},
            "private_metadata": {},
            "unsafe_metadata": {},
            "created_at": int(self.clock() * 1000),
            "updated_at": int(self.clock() * 1000),
        }

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

    # ------------------------------------------------------------------ fake Backend API
    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        auth = request.headers.get("authorization", "")
        machine = auth == f"Bearer {self.machine_secret_key}" and request.url.path.endswith(
            "/m2m_tokens/verify"
        )
        if auth != f"Bearer {self.secret_key}" and not machine:
            return httpx.Response(
                401,
                json={
                    "errors": [
                        {
                            "code": "clerk_key_invalid",
                            "message": "The provided Clerk Secret Key is invalid.",
                        }
                    ]
                },
            )
        path = request.url.path
        if request.method == "GET" and path.endswith("/jwks"):
            with self._lock:
                self.jwks_requests += 1
            return httpx.Response(200, json=self.jwks())
        if (
            request.method == "POST"
            and path.startswith("/v1/sessions/")
            and path.endswith("/refresh")
        ):
            return self._refresh(request, path.split("/")[3])
        routed = self.backend.handle(request, _json_body(request))
        if routed is not None:
            return routed
        if request.method == "POST":
            body = _json_body(request)
            table: Iterable[tuple[str, dict[str, dict[str, Any]], str]] = (
                ("/api_keys/verify", self._api_keys, "secret"),
                ("/m2m_tokens/verify", self._m2m_tokens, "token"),
                ("/oauth_applications/access_tokens/verify", self._oauth_tokens, "access_token"),
            )
            for suffix, store, field in table:
                if path.endswith(suffix):
                    record = store.get(str(body.get(field, "")))
                    if record is None or record["revoked"]:
                        return httpx.Response(
                            404, json={"errors": [{"code": "resource_not_found"}]}
                        )
                    return httpx.Response(200, json=record)
        return httpx.Response(
            404,
            json={"errors": [{"code": "resource_not_found", "message": f"No route for {path}"}]},
        )

    def _refresh(self, request: httpx.Request, sid: str) -> httpx.Response:
        body = _json_body(request)
        with self._lock:
            grant = self._refresh_tokens.get(str(body.get("refresh_token", "")))
        if grant is None or body.get("format") != "cookie":
            return httpx.Response(
                400,
                json={
                    "errors": [
                        {
                            "code": "invalid_refresh_token",
                            "message": "The refresh token is invalid.",
                        }
                    ]
                },
            )
        try:
            expired = jwt.decode(
                str(body.get("expired_token", "")), options={"verify_signature": False}
            )
        except jwt.PyJWTError:
            expired = {}
        if expired.get("sid") != sid:
            return httpx.Response(400, json={"errors": [{"code": "invalid_refresh_token"}]})
        user_id, kwargs = grant
        token = self.session_token(user_id, session_id=sid, **kwargs)
        suffix = (
            f"_{self.cookie_suffix}" if request.url.params.get("suffixed_cookies") == "true" else ""
        )
        now = int(self.clock())
        cookies = [
            f"__session{suffix}={token}; Path=/; SameSite=Lax; Secure",
            f"__client_uat{suffix}={now}; Path=/; SameSite=Lax; Secure; Max-Age=315360000",
        ]
        return httpx.Response(200, json={"object": "cookies", "cookies": cookies})


def _check_reserved(host: str) -> None:
    if not host.endswith(_RESERVED_SUFFIXES):
        raise ClerkConfigurationError(
            "The local Clerk instance only runs on a reserved test domain (.test, .example, "
            ".invalid, .localhost); it never mints tokens for a real Clerk instance."
        )


def _json_body(request: httpx.Request) -> dict[str, Any]:
    try:
        data = json.loads(request.content or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
