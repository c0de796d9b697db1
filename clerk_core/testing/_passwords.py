"""Password digests for the local Backend API: what ``POST /users`` stores and
``POST /users/{id}/verify_password`` checks.

A plain password is never stored: the fake keeps a salted PBKDF2-SHA256 digest of it (in Clerk's
``pbkdf2_sha256`` format, with few iterations: this is a test double, not a password store). A
user created with ``password_digest`` + ``password_hasher`` keeps the digest as given, and the
password is checked against it with the standard library for:

* ``pbkdf2_sha256_django`` (Django's ``pbkdf2_sha256$<iterations>$<salt>$<base64 hash>``),
* ``pbkdf2_sha256`` (``pbkdf2_sha256$<iterations>$<base64 salt>$<base64 hash>``),
* ``pbkdf2_sha1`` (``pbkdf2_sha1$<iterations>$<salt, hex or raw>$<hex hash>[$<key length>]``),
* ``pbkdf2_sha512`` (raw salt, hex hash) and ``pbkdf2_sha512_hex`` (hex salt, hex hash),
* ``scrypt_werkzeug`` (Werkzeug's ``scrypt:<n>:<r>:<p>$<salt>$<hex hash>``),
* ``sha256`` and ``md5`` (a bare hex digest of the password);

and, only when the module happens to be importable (neither is a dependency of this library),
``bcrypt`` and ``bcrypt_sha256_django`` (the ``bcrypt`` module) and ``argon2i`` / ``argon2id``
(``argon2-cffi``). Any other hasher Clerk accepts is stored, and checking a password against it
raises :class:`UnsupportedHasher` (the fake answers a 422 saying so). Every comparison is
constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable

__all__ = ["LOCAL_HASHER", "UnsupportedHasher", "hash_password", "valid_digest", "verify"]

LOCAL_HASHER = "pbkdf2_sha256"
_LOCAL_ITERATIONS = 1_000


class UnsupportedHasher(Exception):
    """The local instance cannot check a password against this hasher's digests."""


def hash_password(password: str) -> str:
    """A salted digest of ``password`` in Clerk's ``pbkdf2_sha256`` format."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _LOCAL_ITERATIONS)
    return "$".join(
        ["pbkdf2_sha256", str(_LOCAL_ITERATIONS), _b64(salt), _b64(digest)],
    )


def valid_digest(hasher: str, digest: str) -> bool:
    """Whether ``digest`` has the shape ``hasher`` expects (only checked for the hashers read
    here; any non-empty digest passes for the others)."""
    if not digest:
        return False
    parse = _PARSERS.get(hasher)
    if parse is None:
        return True
    try:
        parse(digest)
    except (ValueError, binascii.Error):
        return False
    return True


def verify(hasher: str, digest: str, password: str) -> bool:
    """Whether ``password`` matches ``digest`` made by ``hasher``; :class:`UnsupportedHasher` when
    the local instance cannot tell."""
    check = _CHECKERS.get(hasher)
    if check is None:
        raise UnsupportedHasher(hasher)
    try:
        return check(digest, password.encode())
    except (ValueError, binascii.Error):
        return False


# ----------------------------------------------------------------------------- the formats
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def _iterations(text: str) -> int:
    value = int(text)
    if not 0 < value <= 10_000_000:
        raise ValueError("iterations out of range")
    return value


def _parts(digest: str, prefix: str, count: tuple[int, ...]) -> list[str]:
    parts = digest.split("$")
    if parts[0] != prefix or len(parts) not in count:
        raise ValueError(f"not a {prefix} digest")
    return parts


def _hex_or_raw(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return text.encode()


Parsed = tuple[str, int, bytes, bytes]  # algorithm, iterations, salt, expected hash


def _django(digest: str) -> Parsed:
    _, iterations, salt, expected = _parts(digest, "pbkdf2_sha256", (4,))
    return "sha256", _iterations(iterations), salt.encode(), _unb64(expected)


def _pbkdf2_sha256(digest: str) -> Parsed:
    _, iterations, salt, expected = _parts(digest, "pbkdf2_sha256", (4,))
    return "sha256", _iterations(iterations), _unb64(salt), _unb64(expected)


def _pbkdf2_sha1(digest: str) -> Parsed:
    parts = _parts(digest, "pbkdf2_sha1", (4, 5))
    expected = bytes.fromhex(parts[3])
    if len(parts) == 5 and int(parts[4]) != len(expected):
        raise ValueError("the key length is not the hash's")
    return "sha1", _iterations(parts[1]), _hex_or_raw(parts[2]), expected


def _pbkdf2_sha512(digest: str) -> Parsed:
    _, iterations, salt, expected = _parts(digest, "pbkdf2_sha512", (4,))
    return "sha512", _iterations(iterations), salt.encode(), bytes.fromhex(expected)


def _pbkdf2_sha512_hex(digest: str) -> Parsed:
    _, iterations, salt, expected = _parts(digest, "pbkdf2_sha512_hex", (4,))
    return "sha512", _iterations(iterations), bytes.fromhex(salt), bytes.fromhex(expected)


def _pbkdf2(parse: Callable[[str], Parsed]) -> Callable[[str, bytes], bool]:
    def check(digest: str, password: bytes) -> bool:
        algorithm, iterations, salt, expected = parse(digest)
        if not expected:
            return False
        got = hashlib.pbkdf2_hmac(algorithm, password, salt, iterations, dklen=len(expected))
        return hmac.compare_digest(got, expected)

    return check


_WERKZEUG = re.compile(r"\$?scrypt:(\d+):(\d+):(\d+)\$([^$]+)\$([^$]+)")


def _scrypt_werkzeug(digest: str) -> tuple[int, int, int, bytes, bytes]:
    match = _WERKZEUG.fullmatch(digest)
    if match is None:
        raise ValueError("not a Werkzeug scrypt digest")
    n, r, p = (int(match[i]) for i in (1, 2, 3))
    if n < 2 or n & (n - 1) or n > 2**20 or not 0 < r <= 32 or not 0 < p <= 16:
        raise ValueError("scrypt parameters out of range")
    text = match[5]
    expected = bytes.fromhex(text) if re.fullmatch(r"[0-9a-fA-F]+", text) else _unb64(text)
    return n, r, p, match[4].encode(), expected


def _check_scrypt(digest: str, password: bytes) -> bool:
    n, r, p, salt, expected = _scrypt_werkzeug(digest)
    got = hashlib.scrypt(
        password, salt=salt, n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=len(expected)
    )
    return hmac.compare_digest(got, expected)


def _hex_digest(algorithm: str, length: int) -> Callable[[str], bytes]:
    def parse(digest: str) -> bytes:
        if len(digest) != length:
            raise ValueError(f"not a {algorithm} digest")
        return bytes.fromhex(digest)

    return parse


def _check_hex(algorithm: str, length: int) -> Callable[[str, bytes], bool]:
    parse = _hex_digest(algorithm, length)

    def check(digest: str, password: bytes) -> bool:
        return hmac.compare_digest(hashlib.new(algorithm, password).digest(), parse(digest))

    return check


_BCRYPT = re.compile(r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}")
_ARGON2 = re.compile(r"\$argon2(id|i)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+")


def _parse_bcrypt(digest: str) -> str:
    if _BCRYPT.fullmatch(digest) is None:
        raise ValueError("not a bcrypt digest")
    return digest


def _parse_bcrypt_django(digest: str) -> str:
    if not digest.startswith("bcrypt_sha256$"):
        raise ValueError("not a Django bcrypt_sha256 digest")
    return _parse_bcrypt(digest.removeprefix("bcrypt_sha256$"))


def _parse_argon2(variant: str) -> Callable[[str], str]:
    def parse(digest: str) -> str:
        match = _ARGON2.fullmatch(digest)
        if match is None or match[1] != variant:
            raise ValueError(f"not an argon2{variant} digest")
        return digest

    return parse


_PARSERS: dict[str, Callable[[str], object]] = {
    "pbkdf2_sha256_django": _django,
    "pbkdf2_sha256": _pbkdf2_sha256,
    "pbkdf2_sha1": _pbkdf2_sha1,
    "pbkdf2_sha512": _pbkdf2_sha512,
    "pbkdf2_sha512_hex": _pbkdf2_sha512_hex,
    "scrypt_werkzeug": _scrypt_werkzeug,
    "sha256": _hex_digest("sha256", 64),
    "md5": _hex_digest("md5", 32),
    "bcrypt": _parse_bcrypt,
    "bcrypt_sha256_django": _parse_bcrypt_django,
    "argon2i": _parse_argon2("i"),
    "argon2id": _parse_argon2("id"),
}

_CHECKERS: dict[str, Callable[[str, bytes], bool]] = {
    "pbkdf2_sha256_django": _pbkdf2(_django),
    "pbkdf2_sha256": _pbkdf2(_pbkdf2_sha256),
    "pbkdf2_sha1": _pbkdf2(_pbkdf2_sha1),
    "pbkdf2_sha512": _pbkdf2(_pbkdf2_sha512),
    "pbkdf2_sha512_hex": _pbkdf2(_pbkdf2_sha512_hex),
    "scrypt_werkzeug": _check_scrypt,
    "sha256": _check_hex("sha256", 64),
    "md5": _check_hex("md5", 32),
}


def _optional_checkers() -> None:
    """bcrypt and argon2, when their modules are importable (they are not dependencies)."""
    try:
        import bcrypt  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        pass
    else:

        def check_bcrypt(digest: str, password: bytes) -> bool:
            return bool(bcrypt.checkpw(password, _parse_bcrypt(digest).encode()))

        def check_bcrypt_django(digest: str, password: bytes) -> bool:
            prehashed = hashlib.sha256(password).hexdigest().encode()
            return bool(bcrypt.checkpw(prehashed, _parse_bcrypt_django(digest).encode()))

        _CHECKERS["bcrypt"] = check_bcrypt
        _CHECKERS["bcrypt_sha256_django"] = check_bcrypt_django
    try:
        from argon2 import PasswordHasher  # type: ignore[import-not-found, unused-ignore]
        from argon2.exceptions import (  # type: ignore[import-not-found, unused-ignore]
            InvalidHashError,
            VerificationError,
        )
    except ImportError:
        return

    def check_argon2(digest: str, password: bytes) -> bool:
        try:
            return bool(PasswordHasher().verify(digest, password))
        except (VerificationError, InvalidHashError):
            return False

    _CHECKERS["argon2i"] = check_argon2
    _CHECKERS["argon2id"] = check_argon2


_optional_checkers()
