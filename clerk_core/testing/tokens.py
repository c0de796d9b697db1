"""The local instance's tokens: session tokens (v1 and v2 claims), handshake tokens, hostile variants,
machine tokens in JWT form, and the opaque API keys, M2M, OAuth and refresh tokens its Backend API
verifies."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from ..tokens import CAT_JWT_TEMPLATE, CAT_M2M, CAT_SESSION

if TYPE_CHECKING:
    from .backend import FakeBackendAPI

__all__ = ["TokenMinter", "encode_org_claims"]


def random_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


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


def _override(payload: dict[str, Any], claims: Mapping[str, Any] | None) -> dict[str, Any]:
    """``claims`` entries win over ``payload``'s; a ``None`` value deletes the claim."""
    for key, value in (claims or {}).items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def _org_claims_v2(
    payload: dict[str, Any],
    *,
    org_id: str | None,
    org_slug: str | None,
    org_role: str | None,
    org_permissions: Sequence[str],
    features: Sequence[str],
) -> None:
    """Version 2 claims: the compact ``o`` claim, org features folded into ``fea``."""
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


def _org_claims_v1(
    payload: dict[str, Any],
    *,
    org_id: str | None,
    org_slug: str | None,
    org_role: str | None,
    org_permissions: Sequence[str],
    features: Sequence[str],
) -> None:
    """Version 1 claims: ``org_id``, ``org_slug``, ``org:``-prefixed ``org_role``, a list of
    ``org_permissions``."""
    if org_id:
        role = (
            org_role if (org_role or "").startswith("org:") or not org_role else "org:" + org_role
        )
        payload.update(
            org_id=org_id,
            org_slug=org_slug,
            org_role=role,
            org_permissions=list(org_permissions),
        )
    if features:
        payload["fea"] = ",".join(features)


class TokenMinter:
    """Mints this instance's tokens (a mixin of ``LocalClerkInstance``)."""

    kid: str
    issuer: str
    authorized_parties: tuple[str, ...]
    clock: Callable[[], float]
    private_key: rsa.RSAPrivateKey
    other_private_key: rsa.RSAPrivateKey
    cookie_suffix: str
    backend: FakeBackendAPI
    _lock: threading.Lock
    _api_keys: dict[str, dict[str, Any]]
    _m2m_tokens: dict[str, dict[str, Any]]
    _oauth_tokens: dict[str, dict[str, Any]]
    _refresh_tokens: dict[str, tuple[str, dict[str, Any]]]

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
        org_claims = _org_claims_v2 if version == 2 else _org_claims_v1
        org_claims(
            payload,
            org_id=org_id,
            org_slug=org_slug,
            org_role=org_role,
            org_permissions=org_permissions,
            features=features,
        )
        if plans:
            payload["pla"] = ",".join(plans)
        if fva is not None:
            payload["fva"] = list(fva)
        if actor is not None:
            payload["act"] = dict(actor)
        return _override(payload, claims)

    def sign(
        self,
        payload: Mapping[str, Any],
        *,
        headers: Mapping[str, Any] | None = None,
        key: rsa.RSAPrivateKey | None = None,
        algorithm: str = "RS256",
    ) -> str:
        """Sign any payload with this instance's key (or ``key``); ``headers`` entries win."""
        header = _override({"kid": self.kid, "typ": "JWT", "cat": CAT_SESSION}, headers)
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
        return self.sign(_override(payload, claims), headers={"cat": None})

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
            "jti": random_id("mt_"),
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
            "jti": random_id("oat_"),
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
                "id": random_id("ak_"),
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
                "id": random_id("mt_"),
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
                "id": random_id("oat_"),
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

    # ------------------------------------------------------------------ refresh tokens
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

    # ------------------------------------------------------------------ for the fake Backend API
    def _refresh_grant(self, secret: str) -> tuple[str, dict[str, Any]] | None:
        """``(user_id, session_kwargs)`` of a live refresh token, or ``None``."""
        with self._lock:
            return self._refresh_tokens.get(secret)

    def _machine_record(self, kind: str, secret: str) -> dict[str, Any] | None:
        """The Backend API record of an opaque ``api_key``, ``m2m_token`` or ``oauth_token``."""
        stores = {
            "api_key": self._api_keys,
            "m2m_token": self._m2m_tokens,
            "oauth_token": self._oauth_tokens,
        }
        with self._lock:
            return stores[kind].get(secret)
