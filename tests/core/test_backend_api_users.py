"""``api.users`` against the local instance's Backend API, through the sync and the async client,
over the in-memory transport and the loopback server: creating users (with passwords, Django
password digests, external ids), finding them, and checking their passwords."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from clerk_core import ClerkAPIError
from clerk_core.resources import User
from clerk_core.testing import LocalClerkInstance
from tests.core.users_kit import Driver, driver, fast_driver, instance

__all__ = ["driver", "fast_driver", "instance"]  # the fixtures, used by name

# Made by Django 5.2: PBKDF2PasswordHasher().encode("hunter2hunter2", "abcDEF123", 1000), and
# with its default cost, PBKDF2PasswordHasher().encode("correct horse battery", "seasalt1234").
DJANGO_DIGEST = "pbkdf2_sha256$1000$abcDEF123$teNKBnzxQ/i3ccE0UndgLl1EDKKo+C6a+lyUp5YQJbo="
DJANGO_DEFAULT_COST = (
    "pbkdf2_sha256$600000$seasalt1234$xXztPNYMvT/BtaDuTO2NJLXK0ZQUsfBbkrRPDXpG1MY="
)


def django_digest(password: str, salt: str, iterations: int = 1_000) -> str:
    """Django's ``pbkdf2_sha256`` digest, computed as Django does."""
    raw = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(raw).decode()}"


def test_create_with_a_django_digest_then_find_by_external_id_and_verify(driver: Driver) -> None:
    created = driver(
        lambda api: api.users.create(
            external_id="42",
            email_address=["ada@example.test"],
            first_name="Ada",
            last_name="Lovelace",
            username="ada_l",
            password_digest=DJANGO_DIGEST,
            password_hasher="pbkdf2_sha256_django",
            public_metadata={"plan": "pro"},
        )
    )
    assert isinstance(created, User)
    assert created.id is not None
    assert created.id.startswith("user_")
    assert (created.external_id, created.first_name, created.username) == ("42", "Ada", "ada_l")
    assert created.primary_email_address == "ada@example.test"
    assert created.password_enabled is True
    assert created.public_metadata == {"plan": "pro"}
    assert "password_digest" not in created.raw
    assert "_password" not in created.raw

    (found,) = driver(lambda api: api.users.list(external_id=["42"]))
    assert found.id == created.id
    assert driver(lambda api: api.users.list(external_id="43")).data == []

    user_id = created.id
    assert driver(lambda api: api.users.verify_password(user_id, password="hunter2hunter2"))
    assert not driver(lambda api: api.users.verify_password(user_id, password="hunter3hunter3"))


def test_a_digest_at_djangos_default_cost_verifies(instance: LocalClerkInstance) -> None:
    driver = Driver("sync", instance, None)
    user = driver(
        lambda api: api.users.create(
            password_digest=DJANGO_DEFAULT_COST, password_hasher="pbkdf2_sha256_django"
        )
    )
    assert driver(lambda api: api.users.verify_password(user.id, password="correct horse battery"))
    driver.close()


@pytest.mark.parametrize("iterations", [1, 1_000, 20_000])
def test_django_digests_of_any_cost_verify(fast_driver: Driver, iterations: int) -> None:
    digest = django_digest("s3cret pass", "NaCl0123456789ab", iterations)
    user = fast_driver(
        lambda api: api.users.create(password_digest=digest, password_hasher="pbkdf2_sha256_django")
    )
    assert fast_driver(lambda api: api.users.verify_password(user.id, password="s3cret pass"))
    assert not fast_driver(lambda api: api.users.verify_password(user.id, password="s3cret pas"))
    assert not fast_driver(lambda api: api.users.verify_password(user.id, password="S3cret pass"))


def test_a_plain_password_is_stored_salted_and_verifies(
    fast_driver: Driver, instance: LocalClerkInstance
) -> None:
    one = fast_driver(lambda api: api.users.create(password="tr0ub4dor&3"))
    two = fast_driver(lambda api: api.users.create(password="tr0ub4dor&3"))
    stored = [instance.backend.users[u.id]["_password"] for u in (one, two)]
    assert all("tr0ub4dor" not in str(s) for s in stored)
    assert stored[0] != stored[1]  # salted
    assert fast_driver(lambda api: api.users.verify_password(one.id, password="tr0ub4dor&3"))
    assert not fast_driver(lambda api: api.users.verify_password(one.id, password="tr0ub4dor&4"))


def test_verify_password_of_an_unknown_user_is_a_404(fast_driver: Driver) -> None:
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(lambda api: api.users.verify_password("user_missing", password="whatever1"))
    assert (caught.value.status, caught.value.code) == (404, "resource_not_found")


def test_a_hasher_clerk_does_not_know_is_refused_before_any_request(
    fast_driver: Driver, instance: LocalClerkInstance
) -> None:
    with pytest.raises(ValueError, match="password_hasher 'pbkdf2_sha256_djago'"):
        fast_driver(
            lambda api: api.users.create(
                password_digest=DJANGO_DIGEST, password_hasher="pbkdf2_sha256_djago"
            )
        )
    with pytest.raises(ValueError, match="go together"):
        fast_driver(lambda api: api.users.create(password_digest=DJANGO_DIGEST))
    assert instance.requests == []


def test_a_malformed_digest_is_a_422(fast_driver: Driver) -> None:
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(
            lambda api: api.users.create(
                password_digest="pbkdf2_sha256$abc$salt$hash",
                password_hasher="pbkdf2_sha256_django",
            )
        )
    assert (caught.value.status, caught.value.code) == (422, "form_password_digest_invalid")
    assert caught.value.meta == {"param_name": "password_digest"}
    assert "pbkdf2_sha256$abc" not in str(caught.value)


def test_a_taken_external_id_or_email_is_a_422(fast_driver: Driver) -> None:
    fast_driver(
        lambda api: api.users.create(
            external_id="7", email_address="a@x.test", skip_password_requirement=True
        )
    )
    taken: list[tuple[dict[str, Any], str]] = [
        ({"external_id": "7"}, "external_id"),
        ({"email_address": ["A@X.test"]}, "email_address"),
    ]
    for fields, param in taken:

        def create(api: Any, f: dict[str, Any] = fields) -> Any:
            return api.users.create(skip_password_requirement=True, **f)

        with pytest.raises(ClerkAPIError) as caught:
            fast_driver(create)
        assert (caught.value.status, caught.value.code) == (422, "form_identifier_exists")
        assert caught.value.meta == {"param_name": param}
        assert caught.value.clerk_trace_id is not None
