"""Password digests: which of Clerk's ``password_hasher`` names a stored digest moves under.

Clerk's Backend API creates a user with ``password_digest`` and ``password_hasher`` and checks
the user's password against that digest at their first sign-in (then re-hashes it with its own
scheme). This module reads a digest as an app stored it (Django's ``<algorithm>$...`` strings,
bare bcrypt and argon2 strings, Werkzeug's ``scrypt:``/``pbkdf2:`` strings) and answers with the
digest and hasher name Clerk expects, in the formats of Clerk's ``CreateUser`` reference; a digest
no Clerk hasher can check is reported as unsupported, with the reason, and never sent.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from typing import Literal

from ..backend_api.endpoints.users import PASSWORD_HASHERS

__all__ = ["CLERK_PASSWORD_HASHERS", "PasswordPlan", "plan_password"]

CLERK_PASSWORD_HASHERS = PASSWORD_HASHERS
"""The ``password_hasher`` values Clerk's Backend API documents for ``POST /v1/users``."""

PlanKind = Literal["digest", "none", "unusable", "unsupported"]

_BCRYPT = re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}")
_ARGON2 = re.compile(r"\$(argon2id|argon2i|argon2d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[^$]+\$[^$]+")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_INT = re.compile(r"[1-9]\d{0,9}")


@dataclasses.dataclass(frozen=True)
class PasswordPlan:
    """What happens to one user's password.

    ``kind`` is ``"digest"`` (sent as ``password_digest`` with ``hasher``), ``"none"`` (the user
    has no password: created with ``skip_password_requirement``), ``"unusable"`` (Django's ``!``
    marker: likewise) or ``"unsupported"`` (no Clerk hasher checks it; ``reason`` says why).
    The digest is kept out of the ``repr``."""

    kind: PlanKind
    hasher: str | None = None
    digest: str | None = dataclasses.field(default=None, repr=False)
    reason: str | None = None

    @property
    def label(self) -> str:
        """For reports: ``"pbkdf2_sha256_django"``, ``"none"``, ``"unusable"``, ``"unsupported"``."""
        return self.hasher if self.kind == "digest" and self.hasher else self.kind


def _unsupported(reason: str) -> PasswordPlan:
    return PasswordPlan("unsupported", reason=reason)


def plan_password(password_hash: str | None, hasher: str | None = None) -> PasswordPlan:
    """The plan for a stored digest. ``hasher`` names Clerk's hasher when the export knows it
    (the digest then goes as it is); without it the format is recognised from the digest."""
    value = (password_hash or "").strip()
    if hasher:
        name = hasher.strip().lower()
        if name not in CLERK_PASSWORD_HASHERS:
            return _unsupported(f"Clerk has no password hasher named {name!r}.")
        if not value:
            return _unsupported(f"password_hasher {name!r} is set but the password hash is empty.")
        return PasswordPlan("digest", name, value)
    if not value:
        return PasswordPlan("none")
    if value.startswith("!"):
        return PasswordPlan("unusable")
    return _recognise(value)


def _recognise(value: str) -> PasswordPlan:
    if value.startswith("scrypt:"):
        return _werkzeug_scrypt(value)
    if value.startswith("pbkdf2:"):
        return _werkzeug_pbkdf2(value)
    algorithm, sep, rest = value.partition("$")
    if sep and algorithm:
        return _django(algorithm, rest, value)
    if _BCRYPT.fullmatch(value):
        return PasswordPlan("digest", "bcrypt", value)
    argon = _ARGON2.fullmatch(value)
    if argon:
        return _argon2(argon.group(1), value)
    if _HEX32.fullmatch(value):
        return PasswordPlan("digest", "md5", value)
    return _unsupported("The password hash's format is not recognised; name its hasher.")


def _django(algorithm: str, rest: str, value: str) -> PasswordPlan:
    """Django's ``<algorithm>$...`` digests (``django.contrib.auth.hashers``)."""
    parts = value.split("$")
    if algorithm == "pbkdf2_sha256":
        if len(parts) == 4 and _INT.fullmatch(parts[1]) and parts[2] and parts[3]:
            return PasswordPlan("digest", "pbkdf2_sha256_django", value)
        return _unsupported("A malformed Django pbkdf2_sha256 hash.")
    if algorithm == "pbkdf2_sha1":
        return _django_pbkdf2_sha1(parts)
    if algorithm == "bcrypt_sha256":
        if _BCRYPT.fullmatch(rest):
            return PasswordPlan("digest", "bcrypt_sha256_django", value)
        return _unsupported("A malformed Django bcrypt_sha256 hash.")
    if algorithm == "bcrypt":
        if _BCRYPT.fullmatch(rest):
            return PasswordPlan("digest", "bcrypt", rest)
        return _unsupported("A malformed Django bcrypt hash.")
    if algorithm == "argon2":
        argon = _ARGON2.fullmatch("$" + rest)
        if argon:
            return _argon2(argon.group(1), "$" + rest)
        return _unsupported("A malformed Django argon2 hash.")
    if algorithm == "md5" and len(parts) == 3 and not parts[1] and _HEX32.fullmatch(parts[2]):
        return PasswordPlan("digest", "md5", parts[2])  # Django's legacy unsalted MD5
    return _unsupported(
        f"Clerk has no hasher for Django's {algorithm!r} hashes "
        "(supported: pbkdf2_sha256, pbkdf2_sha1, bcrypt_sha256, bcrypt, argon2, unsalted md5)."
    )


def _django_pbkdf2_sha1(parts: list[str]) -> PasswordPlan:
    """Django's ``pbkdf2_sha1$<iterations>$<salt>$<base64 hash>`` in Clerk's ``pbkdf2_sha1``
    form with a hex salt, a hex hash and Django's key length, 20 bytes."""
    if len(parts) != 4 or not _INT.fullmatch(parts[1]) or not parts[2]:
        return _unsupported("A malformed Django pbkdf2_sha1 hash.")
    try:
        digest = base64.b64decode(parts[3], validate=True)
    except (binascii.Error, ValueError):
        return _unsupported("A malformed Django pbkdf2_sha1 hash.")
    if len(digest) != 20:
        return _unsupported("A malformed Django pbkdf2_sha1 hash.")
    salt = parts[2].encode().hex()
    return PasswordPlan("digest", "pbkdf2_sha1", f"pbkdf2_sha1${parts[1]}${salt}${digest.hex()}$20")


def _argon2(variant: str, value: str) -> PasswordPlan:
    if variant == "argon2d":
        return _unsupported("Clerk accepts argon2i and argon2id hashes, not argon2d.")
    return PasswordPlan("digest", variant, value)


def _werkzeug_scrypt(value: str) -> PasswordPlan:
    """Werkzeug's ``scrypt:<n>:<r>:<p>$<salt>$<hex hash>`` (Flask's default since Werkzeug 2.3)."""
    method, _, rest = value.partition("$")
    params = method.split(":")[1:]
    if len(params) == 3 and all(_INT.fullmatch(p) for p in params) and rest.count("$") == 1:
        return PasswordPlan("digest", "scrypt_werkzeug", value)
    return _unsupported("A malformed Werkzeug scrypt hash.")


def _werkzeug_pbkdf2(value: str) -> PasswordPlan:
    """Werkzeug's ``pbkdf2:sha256:<iterations>$<salt>$<hex hash>`` in Clerk's ``pbkdf2_sha256``
    form (``pbkdf2_sha256$<iterations>$<base64 salt>$<base64 hash>``)."""
    method, _, rest = value.partition("$")
    params = method.split(":")[1:]
    salt, _, hexhash = rest.partition("$")
    if params[:1] != ["sha256"] or len(params) != 2 or not _INT.fullmatch(params[1]):
        return _unsupported(
            "Clerk checks Werkzeug pbkdf2 hashes made with sha256 and explicit iterations only."
        )
    try:
        digest = bytes.fromhex(hexhash)
    except ValueError:
        return _unsupported("A malformed Werkzeug pbkdf2 hash.")
    if not salt or len(digest) != 32:
        return _unsupported("A malformed Werkzeug pbkdf2 hash.")
    b64salt = base64.b64encode(salt.encode()).decode()
    b64hash = base64.b64encode(digest).decode()
    return PasswordPlan("digest", "pbkdf2_sha256", f"pbkdf2_sha256${params[1]}${b64salt}${b64hash}")
