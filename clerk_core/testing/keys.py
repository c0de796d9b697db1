"""The local instance's keys: a shared RSA key pair, its JWK and JWKS, and the test-domain guard."""

from __future__ import annotations

import base64
import secrets
import threading

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import ClerkConfigurationError

__all__ = [
    "InstanceKeys",
    "check_reserved",
    "public_jwk",
    "publishable_key",
    "secret_key",
    "shared_key",
    "webhook_signing_secret",
]

_RESERVED_SUFFIXES = (".test", ".example", ".invalid", ".localhost")
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


def shared_key(bits: int) -> rsa.RSAPrivateKey:
    """One generated key per size per process: RSA generation is slow, and the key is test data."""
    with _KEY_LOCK:
        key = _KEY_CACHE.get(bits)
        if key is None:
            key = _KEY_CACHE[bits] = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return key


def fresh_key(bits: int) -> rsa.RSAPrivateKey:
    """A newly generated key, for an instance that must not share the process's key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def check_reserved(host: str) -> None:
    """Refuse a host outside the reserved test domains, so no token is minted for a real instance."""
    if not host.endswith(_RESERVED_SUFFIXES):
        raise ClerkConfigurationError(
            "The local Clerk instance only runs on a reserved test domain (.test, .example, "
            ".invalid, .localhost); it never mints tokens for a real Clerk instance."
        )


def publishable_key(host: str, *, production: bool) -> str:
    """A publishable key for ``host``: ``pk_test_``/``pk_live_`` + unpadded base64 of ``host$``."""
    prefix = "pk_live_" if production else "pk_test_"
    return prefix + base64.b64encode(f"{host}$".encode()).decode().rstrip("=")


def webhook_signing_secret() -> str:
    """A fresh webhook signing secret: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_key(*, production: bool) -> str:
    """A fresh secret key of the local instance (the local Backend API accepts only it)."""
    return ("sk_live_" if production else "sk_test_") + "local" + secrets.token_hex(16)


class InstanceKeys:
    """The public side of the instance's key pair (a mixin of ``LocalClerkInstance``)."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @property
    def jwt_key(self) -> str:
        """The PEM public key, as Clerk's dashboard shows it (``CLERK_JWT_KEY``, ``jwt_key=``).

        An attribute like ``publishable_key`` and ``secret_key``; the same text as
        :meth:`public_key_pem`.
        """
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def public_key_pem(self) -> str:
        """The PEM public key (kept as a method for existing callers; see :attr:`jwt_key`)."""
        return self.jwt_key

    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private_key, self.kid)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWKS document the Backend API serves for this instance."""
        return {"keys": [self.jwk()]}
