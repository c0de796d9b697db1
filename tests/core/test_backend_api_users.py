"""``api.users`` against the local instance's Backend API, through the sync and the async client,
over the in-memory transport and the loopback server: creating users (with passwords, Django
password digests, external ids), finding them, and checking their passwords."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import importlib.util
from collections.abc import Mapping
from typing import Any

import pytest

from clerk_core import ClerkAPIError
from clerk_core.backend_api.endpoints import users
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


# ------------------------------------------------------------------------------ get, update, delete
def make(driver: Driver, **fields: Any) -> User:
    fields.setdefault("skip_password_requirement", True)
    user: User = driver(lambda api: api.users.create(**fields))
    return user


def test_get_update_and_delete(driver: Driver) -> None:
    user = make(driver, first_name="Grace", email_address=["grace@x.test"])
    assert driver(lambda api: api.users.get(user.id)).first_name == "Grace"
    updated = driver(
        lambda api: api.users.update(
            user.id,
            first_name="Grace B.",
            username="hopper",
            external_id="g-1",
            locale="en-US",
            created_at=dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc),
            create_organizations_limit=3,
        )
    )
    assert (updated.first_name, updated.username, updated.external_id) == (
        "Grace B.",
        "hopper",
        "g-1",
    )
    assert updated.locale == "en-US"
    assert updated.created_at == 981_173_106_000
    assert updated.get("create_organizations_limit") == 3
    assert updated.last_name is None  # untouched
    deleted = driver(lambda api: api.users.delete(user.id))
    assert deleted == {"object": "user", "id": user.id, "deleted": True, "external_id": "g-1"}
    for operation in (
        lambda api: api.users.get(user.id),
        lambda api: api.users.update(user.id, first_name="x"),
        lambda api: api.users.delete(user.id),
    ):
        with pytest.raises(ClerkAPIError) as caught:
            driver(operation)
        assert (caught.value.status, caught.value.code) == (404, "resource_not_found")


def test_update_refuses_a_taken_username_and_a_foreign_primary_email(fast_driver: Driver) -> None:
    ada = make(fast_driver, username="ada_l", email_address="ada@x.test")
    bob = make(fast_driver, username="bob_b")
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(lambda api: api.users.update(bob.id, username="ADA_L"))
    assert (caught.value.code, caught.value.meta) == (
        "form_identifier_exists",
        {"param_name": "username"},
    )
    assert fast_driver(lambda api: api.users.update(ada.id, username="ada_l")).username == "ada_l"
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(
            lambda api: api.users.update(
                bob.id, primary_email_address_id=ada.primary_email_address_id
            )
        )
    assert (caught.value.status, caught.value.code) == (422, "form_param_value_invalid")


def test_changing_the_password_and_signing_out_elsewhere(
    fast_driver: Driver, instance: LocalClerkInstance
) -> None:
    user = make(fast_driver, password="first-password")
    instance.backend.add_session("sess_1", str(user.id))
    fast_driver(
        lambda api: api.users.update(
            user.id, password="second-password", sign_out_of_other_sessions=True
        )
    )
    assert fast_driver(lambda api: api.users.verify_password(user.id, password="second-password"))
    assert not fast_driver(
        lambda api: api.users.verify_password(user.id, password="first-password")
    )
    assert instance.backend.sessions["sess_1"]["status"] == "revoked"
    digest = django_digest("third-password", "pepper")
    fast_driver(
        lambda api: api.users.update(
            user.id, password_digest=digest, password_hasher="pbkdf2_sha256_django"
        )
    )
    assert fast_driver(lambda api: api.users.verify_password(user.id, password="third-password"))


# ------------------------------------------------------------------------------ create: what Clerk refuses
@pytest.mark.parametrize(
    ("fields", "code", "param"),
    [
        ({}, "form_param_missing", "password"),
        ({"password": "q7#zK"}, "form_password_length_too_short", "password"),
        ({"password": "x" * 73}, "form_password_length_too_long", "password"),
        ({"password": "password1"}, "form_password_pwned", "password"),
        (
            {"password": "ok-password", "email_address": ["not-an-email"]},
            "form_param_format_invalid",
            "email_address",
        ),
        (
            {"password": "ok-password", "phone_number": ["555-0100"]},
            "form_param_format_invalid",
            "phone_number",
        ),
        ({"password": "ok-password", "username": "ab"}, "form_username_invalid_length", "username"),
        (
            {"password": "ok-password", "created_at": "yesterday"},
            "form_param_format_invalid",
            "created_at",
        ),
        (
            {"password": "ok-password", "email_address": ["a@x.test", "A@x.test"]},
            "form_identifier_exists",
            "email_address",
        ),
        (
            {
                "password": "ok-password",
                "email_address": ["a@x.test"],
                "email_address_identification_status": ["verified", "reserved"],
            },
            "form_param_value_invalid",
            "email_address_identification_status",
        ),
        (
            {
                "password": "ok-password",
                "password_digest": "5f4dcc3b5aa765d61d8327deb882cf99",
                "password_hasher": "md5",
            },
            "form_param_value_invalid",
            "password_digest",
        ),
        (
            {"password_digest": "abc", "password_hasher": "sha256"},
            "form_password_digest_invalid",
            "password_digest",
        ),
    ],
)
def test_create_refuses_what_clerk_refuses(
    fast_driver: Driver, fields: dict[str, Any], code: str, param: str
) -> None:
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(lambda api: api.users.create(**fields))
    assert (caught.value.status, caught.value.code, caught.value.meta) == (
        422,
        code,
        {"param_name": param},
    )
    assert caught.value.long_message
    for secret in ("q7#zK", "x" * 73, "password1", "ok-password"):
        if fields.get("password") == secret:
            assert secret not in str(caught.value)
            assert secret not in repr(caught.value)


def test_skip_password_checks_takes_a_short_password(fast_driver: Driver) -> None:
    user = fast_driver(lambda api: api.users.create(password="abc", skip_password_checks=True))
    assert fast_driver(lambda api: api.users.verify_password(user.id, password="abc"))


def test_create_with_everything(fast_driver: Driver) -> None:
    user = fast_driver(
        lambda api: api.users.create(
            external_id="legacy-9",
            email_address=["main@x.test", "other@x.test"],
            email_address_identification_status=["verified", "reserved"],
            phone_number=["+15555550100"],
            username="every_thing",
            password="a-fine-password",
            first_name="Eve",
            last_name="Ry",
            locale="fr-FR",
            totp_secret="JBSWY3DPEHPK3PXP",
            backup_codes=["one-code", "two-code"],
            public_metadata={"a": 1},
            private_metadata={"b": 2},
            unsafe_metadata={"c": 3},
            created_at="2020-01-02T03:04:05.000Z",
            legal_accepted_at=dt.datetime(2020, 1, 2),
            skip_legal_checks=True,
            banned=True,
        )
    )
    assert user.email_addresses == ["main@x.test", "other@x.test"]
    main, other = user.email_address_objects
    assert user.primary_email_address_id == main.id
    assert (main.verified, main.reserved, other.verified, other.reserved) == (
        True,
        False,
        False,
        True,
    )
    assert user.phone_numbers == ["+15555550100"]
    assert user.primary_phone_number == "+15555550100"
    assert (user.totp_enabled, user.backup_code_enabled, user.two_factor_enabled) == (True,) * 3
    assert (user.private_metadata, user.unsafe_metadata) == ({"b": 2}, {"c": 3})
    assert user.created_at == 1_577_934_245_000
    assert user.legal_accepted_at == 1_577_923_200_000
    assert user.banned is True
    assert user.locked is False
    assert user.external_accounts == []
    for secret in ("JBSWY3DPEHPK3PXP", "one-code", "a-fine-password"):
        assert secret not in str(user.raw)


def test_the_request_body_never_shows_a_password_in_a_repr() -> None:
    # Secrets no hex address in a repr could contain by chance (a repr shows the parser's address).
    code = "backup-code-one"
    call = users.create_user(password="hunter2hunter2", totp_secret="JBSWY", backup_codes=[code])
    assert isinstance(call.body, Mapping)
    assert call.body["password"] == "hunter2hunter2"  # sent as given
    for secret in ("hunter2hunter2", "JBSWY", code):
        assert secret not in repr(call)
        assert secret not in repr(users.verify_password("user_1", password=secret))
    digest = users.update_user(
        "user_1", password_digest=DJANGO_DIGEST, password_hasher="pbkdf2_sha256_django"
    )
    assert DJANGO_DIGEST not in repr(digest)


# ------------------------------------------------------------------------------ list, iterate, count
@pytest.fixture
def people(instance: LocalClerkInstance) -> list[User]:
    made = Driver("sync", instance, None)
    org = instance.backend.add_organization("org_1", name="Acme", slug="acme")
    out = []
    names = [("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper"), ("Edsger", "Dijkstra")]
    for n, (first, last) in enumerate(names):
        instance.clock = functools.partial(float, 1_700_000_000 + n)  # one second apart
        fields: dict[str, Any] = {
            "external_id": f"ext-{n}",
            "email_address": [f"{first.lower()}@x.test"],
            "phone_number": [f"+1555555010{n}"],
            "username": f"{first.lower()}_{n}",
            "first_name": first,
            "last_name": last,
            "skip_password_requirement": True,
            "banned": n == 3,
        }
        out.append(made(functools.partial(create_with, fields)))
    instance.backend.add_membership(str(out[1].id), str(org["id"]))
    made.close()
    return out


def list_with(filters: dict[str, Any], api: Any) -> Any:
    return api.users.list(**filters)


def count_with(filters: dict[str, Any], api: Any) -> Any:
    return api.users.count(**filters)


def create_with(fields: dict[str, Any], api: Any) -> Any:
    return api.users.create(**fields)


def ids(found: Any) -> list[str | None]:
    return [u.id for u in found]


def test_list_filters_and_order(fast_driver: Driver, people: list[User]) -> None:
    ada, alan, grace, edsger = people
    d = fast_driver
    assert ids(d(lambda api: api.users.list())) == ids([edsger, grace, alan, ada])  # newest first
    assert ids(d(lambda api: api.users.list(order_by="created_at"))) == ids(people)
    assert ids(d(lambda api: api.users.list(order_by="+first_name"))) == ids(
        [ada, alan, edsger, grace]
    )
    assert ids(d(lambda api: api.users.list(order_by="-last_name"))) == ids(
        [alan, ada, grace, edsger]
    )
    expectations: list[tuple[dict[str, Any], list[User]]] = [
        ({"email_address": ["GRACE@x.test", "nobody@x.test"]}, [grace]),
        ({"phone_number": "+15555550101"}, [alan]),
        ({"external_id": ["ext-0", "ext-2"]}, [grace, ada]),
        ({"username": ["alan_1"]}, [alan]),
        ({"user_id": [str(ada.id), str(edsger.id)]}, [edsger, ada]),
        ({"organization_id": ["org_1"]}, [alan]),
        ({"query": "hop"}, [grace]),
        ({"query": "x.test", "banned": True}, [edsger]),
        ({"email_address_query": "al"}, [alan]),
        ({"phone_number_query": "0102"}, [grace]),
        ({"username_query": "ada_"}, [ada]),
        ({"name_query": "alan tu"}, [alan]),
        ({"banned": False, "order_by": "created_at"}, [ada, alan, grace]),
        ({"created_at_after": 1_700_000_001_000, "created_at_before": 1_700_000_003_000}, [grace]),
        ({"external_id": "ext-1", "username": "ada_0"}, []),
    ]
    for filters, wanted in expectations:
        counted = {k: v for k, v in filters.items() if k != "order_by"}
        assert ids(d(functools.partial(list_with, filters))) == ids(wanted), filters
        assert d(functools.partial(count_with, counted)) == len(wanted), filters
    assert d(lambda api: api.users.count()) == 4
    page = d(lambda api: api.users.list(order_by="created_at", limit=2, offset=1))
    assert ids(page) == ids([alan, grace])
    assert page.total_count is None  # Clerk's GET /users answers a bare list


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"order_by": "-password"}, "order_by"),
    ],
)
def test_list_refuses_bad_paging(fast_driver: Driver, query: dict[str, Any], param: str) -> None:
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(lambda api: api.users.list(**query))
    assert (caught.value.status, caught.value.meta) == (422, {"param_name": param})


def test_iterate_pages_through_everyone(driver: Driver, instance: LocalClerkInstance) -> None:
    for n in range(23):
        instance.backend.add_user(f"user_{n:02}", email=f"u{n}@x.test")
    instance.requests.clear()
    found = driver.collect(lambda api: api.users.iterate(order_by="created_at", page_size=10))
    assert [u.id for u in found] == [f"user_{n:02}" for n in range(23)]
    pages = [(r.url.params["limit"], r.url.params["offset"]) for r in instance.requests]
    assert pages == [("10", "0"), ("10", "10"), ("10", "20")]
    assert all(r.url.params["order_by"] == "created_at" for r in instance.requests)
    filtered = driver.collect(lambda api: api.users.iterate(email_address=["u3@x.test"]))
    assert [u.id for u in filtered] == ["user_03"]
    with pytest.raises(ValueError, match="page_size"):
        driver.collect(lambda api: api.users.iterate(page_size=501))


def test_iterate_waits_out_a_429_between_pages(
    fast_driver: Driver, instance: LocalClerkInstance
) -> None:
    for n in range(5):
        instance.backend.add_user(f"user_{n}", email=f"u{n}@x.test")
    instance.backend.fail_next(429, retry_after=3)
    found = fast_driver.collect(lambda api: api.users.iterate(page_size=2))
    assert len(found) == 5
    assert fast_driver.slept == [3]


# ------------------------------------------------------------------------------ metadata
def test_update_metadata_deep_merges_and_null_removes(driver: Driver) -> None:
    user = make(
        driver,
        public_metadata={"plan": "pro", "limits": {"seats": 5, "projects": 2}, "beta": True},
        private_metadata={"stripe": "cus_1"},
    )
    merged = driver(
        lambda api: api.users.update_metadata(
            user.id,
            public_metadata={
                "limits": {"seats": 10, "projects": None},
                "beta": None,
                "tags": ["a"],
            },
            unsafe_metadata={"theme": "dark"},
        )
    )
    assert merged.public_metadata == {"plan": "pro", "limits": {"seats": 10}, "tags": ["a"]}
    assert merged.private_metadata == {"stripe": "cus_1"}  # not given: untouched
    assert merged.unsafe_metadata == {"theme": "dark"}
    replaced = driver(lambda api: api.users.replace_metadata(user.id, public_metadata={"only": 1}))
    assert replaced.public_metadata == {"only": 1}
    assert replaced.private_metadata == {"stripe": "cus_1"}
    cleared = driver(lambda api: api.users.replace_metadata(user.id, private_metadata={}))
    assert cleared.private_metadata == {}
    with pytest.raises(ClerkAPIError) as caught:
        driver(lambda api: api.users.update_metadata("user_missing", public_metadata={"a": 1}))
    assert caught.value.status == 404


# ------------------------------------------------------------------------------ ban and lock
def test_ban_revokes_sessions_and_unban_lifts_it(
    driver: Driver, instance: LocalClerkInstance
) -> None:
    user = make(driver)
    instance.backend.add_session("sess_b", str(user.id))
    banned = driver(lambda api: api.users.ban(user.id))
    assert banned.banned is True
    assert instance.backend.sessions["sess_b"]["status"] == "revoked"
    assert ids(driver(lambda api: api.users.list(banned=True))) == [user.id]
    assert driver(lambda api: api.users.unban(user.id)).banned is False
    locked = driver(lambda api: api.users.lock(user.id))
    assert (locked.locked, locked.get("lockout_expires_in_seconds")) == (True, 3600)
    unlocked = driver(lambda api: api.users.unlock(user.id))
    assert (unlocked.locked, unlocked.get("lockout_expires_in_seconds")) == (False, None)
    for name in ("ban", "unban", "lock", "unlock"):
        with pytest.raises(ClerkAPIError) as caught:
            driver(functools.partial(call_users, name, "user_missing"))
        assert caught.value.status == 404


def call_users(name: str, user_id: str, api: Any) -> Any:
    return getattr(api.users, name)(user_id)


def test_organization_memberships(driver: Driver, instance: LocalClerkInstance) -> None:
    user = make(driver, first_name="Member")
    instance.backend.add_organization("org_m", name="M", slug="m")
    instance.backend.add_membership(str(user.id), "org_m", role="org:admin")
    (membership,) = driver(lambda api: api.users.organization_memberships(user.id))
    assert (membership.role, membership.organization.slug) == ("org:admin", "m")
    with pytest.raises(ClerkAPIError) as caught:
        driver(lambda api: api.users.organization_memberships("user_missing"))
    assert caught.value.status == 404


# ------------------------------------------------------------------------------ 429 and unsupported
def test_a_429_is_waited_out_then_create_succeeds(
    fast_driver: Driver, instance: LocalClerkInstance
) -> None:
    instance.backend.fail_next(429, retry_after=2)
    user = make(fast_driver, external_id="after-429")
    assert user.external_id == "after-429"
    assert fast_driver.slept == [2]
    assert fast_driver(lambda api: api.users.count(external_id="after-429")) == 1  # created once


def test_a_429_that_does_not_end_is_a_clerk_api_error(
    fast_driver: Driver, instance: LocalClerkInstance
) -> None:
    instance.backend.fail_next(429, times=5, retry_after=1)
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(lambda api: api.users.count())
    assert caught.value.status == 429
    assert caught.value.retry_after == 1


def test_a_digest_the_local_instance_cannot_check_is_a_clear_422(fast_driver: Driver) -> None:
    bcrypt_digest = "$2b$12$" + "a" * 53
    user = fast_driver(
        lambda api: api.users.create(password_digest=bcrypt_digest, password_hasher="bcrypt")
    )
    assert user.password_enabled is True
    if importlib.util.find_spec("bcrypt") is None:
        with pytest.raises(ClerkAPIError) as caught:
            fast_driver(lambda api: api.users.verify_password(user.id, password="anything"))
        assert caught.value.code == "password_hasher_unsupported_locally"
        assert "bcrypt" in str(caught.value.message)
    else:
        assert not fast_driver(lambda api: api.users.verify_password(user.id, password="anything"))


def test_a_create_that_fails_with_a_5xx_is_not_sent_again(
    fast_driver: Driver, instance: LocalClerkInstance
) -> None:
    instance.backend.fail_next(503)
    with pytest.raises(ClerkAPIError) as caught:
        make(fast_driver, external_id="once")
    assert caught.value.status == 503
    assert [r.method for r in instance.requests] == ["POST"]
    assert fast_driver.slept == []
    assert fast_driver(lambda api: api.users.count(external_id="once")) == 0


def test_deleting_a_user_removes_their_memberships(
    fast_driver: Driver, instance: LocalClerkInstance
) -> None:
    user = make(fast_driver)
    org = instance.backend.add_organization("org_d", name="D", slug="d")
    instance.backend.add_membership(str(user.id), "org_d")
    assert org["members_count"] == 1
    fast_driver(lambda api: api.users.delete(user.id))
    assert instance.backend.memberships == []
    assert org["members_count"] == 0
    assert fast_driver(lambda api: api.organizations.memberships("org_d")).data == []
