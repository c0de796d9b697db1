"""The local Backend API's password digests: each hasher it checks, against digests made the way
the hashing library makes them, and the shapes it refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from clerk_core.testing import _passwords

PASSWORD = "s3cret-pass"
# Werkzeug 3's generate_password_hash("s3cret-pass", method="scrypt").
WERKZEUG = (
    "scrypt:32768:8:1$Y5dyjJLNgesPa1mA$1c30c0796d65832a3cb0043c2d34a26da6b36bcf050218fab0d89a4deaa"
    "dd2f2de5bcd2bb118b2f67bfc41147ace43af52404645f40ec60873b3e99fa4011cba"
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def pbkdf2(name: str, salt: bytes, iterations: int = 1_000, dklen: int | None = None) -> bytes:
    return hashlib.pbkdf2_hmac(name, PASSWORD.encode(), salt, iterations, dklen)


BINARY_SALT = bytes([0, 115, 97, 108, 116, 255])
DIGESTS = {
    "pbkdf2_sha256_django": f"pbkdf2_sha256$1000$NaClNaCl${b64(pbkdf2('sha256', b'NaClNaCl'))}",
    "pbkdf2_sha256": f"pbkdf2_sha256$1000${b64(BINARY_SALT)}${b64(pbkdf2('sha256', BINARY_SALT))}",
    "pbkdf2_sha1": f"pbkdf2_sha1$1000${b'salt'.hex()}${pbkdf2('sha1', b'salt', dklen=32).hex()}$32",
    "pbkdf2_sha512": f"pbkdf2_sha512$1000$plainsalt${pbkdf2('sha512', b'plainsalt').hex()}",
    "pbkdf2_sha512_hex": f"pbkdf2_sha512_hex$1000${b'hexsalt'.hex()}${pbkdf2('sha512', b'hexsalt').hex()}",
    "scrypt_werkzeug": WERKZEUG,
    "sha256": hashlib.sha256(PASSWORD.encode()).hexdigest(),
    "md5": hashlib.md5(PASSWORD.encode()).hexdigest(),  # noqa: S324 (the legacy format itself)
}


@pytest.mark.parametrize("hasher", sorted(DIGESTS))
def test_each_hasher_checks_its_digests(hasher: str) -> None:
    digest = DIGESTS[hasher]
    assert _passwords.valid_digest(hasher, digest)
    assert _passwords.verify(hasher, digest, PASSWORD) is True
    assert _passwords.verify(hasher, digest, PASSWORD + "!") is False
    assert _passwords.verify(hasher, digest, "") is False


def test_pbkdf2_sha1_takes_a_raw_salt_and_no_key_length() -> None:
    digest = f"pbkdf2_sha1$500$not-hex!${pbkdf2('sha1', b'not-hex!', 500, 20).hex()}"
    assert _passwords.verify("pbkdf2_sha1", digest, PASSWORD)


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    for hasher, digest in DIGESTS.items():
        _passwords.verify(hasher, digest, "guess")
    assert len(calls) == len(DIGESTS)


@pytest.mark.parametrize(
    ("hasher", "digest"),
    [
        ("pbkdf2_sha256_django", "pbkdf2_sha256$x$salt$aGFzaA=="),
        ("pbkdf2_sha256_django", "pbkdf2_sha1$1000$salt$aGFzaA=="),
        ("pbkdf2_sha256_django", "pbkdf2_sha256$1000$salt$not base64!"),
        ("pbkdf2_sha256_django", "pbkdf2_sha256$0$salt$aGFzaA=="),
        ("pbkdf2_sha256", "pbkdf2_sha256$1000$salt"),
        ("pbkdf2_sha1", "pbkdf2_sha1$1000$73616c74$abcd$32"),
        ("scrypt_werkzeug", "scrypt:3:8:1$salt$abcd"),
        ("scrypt_werkzeug", "pbkdf2:sha256:1000$salt$abcd"),
        ("sha256", "abc"),
        ("md5", "z" * 32),
        ("bcrypt", "$2b$12$tooShort"),
        ("argon2id", "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
        ("md5_phpass", ""),
    ],
)
def test_malformed_digests_are_refused(hasher: str, digest: str) -> None:
    assert not _passwords.valid_digest(hasher, digest)


def test_digests_it_cannot_check_are_accepted_but_not_checked() -> None:
    for hasher, digest in [
        ("phpass", "$P$984478476IagS59wHZvyQMArzfx58u."),
        ("scrypt_firebase", "hash$salt$key$sep$8$14"),
        ("md5_salted", "salt$" + "a" * 32),
    ]:
        assert _passwords.valid_digest(hasher, digest)
        with pytest.raises(_passwords.UnsupportedHasher):
            _passwords.verify(hasher, digest, PASSWORD)


def test_a_local_digest_is_salted_and_never_the_password() -> None:
    one, two = _passwords.hash_password(PASSWORD), _passwords.hash_password(PASSWORD)
    assert one != two
    assert PASSWORD not in one
    assert one.startswith("pbkdf2_sha256$")
    assert _passwords.verify(_passwords.LOCAL_HASHER, one, PASSWORD)
