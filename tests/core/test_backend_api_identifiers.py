"""``api.email_addresses`` and ``api.phone_numbers`` against the local instance's Backend API,
sync and async, over the transport and the loopback server: get, create, update, delete, and what
Clerk refuses."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_core import ClerkAPIError
from clerk_core.resources import DeletedObject, EmailAddress, PhoneNumber, User
from tests.core.users_kit import Driver, driver, fast_driver, instance

__all__ = ["driver", "fast_driver", "instance"]  # the fixtures, used by name


def make(driver: Driver, **fields: Any) -> User:
    user: User = driver(lambda api: api.users.create(skip_password_requirement=True, **fields))
    return user


def test_email_addresses_round_trip(driver: Driver) -> None:
    user = make(driver, email_address=["first@x.test"])
    added = driver(lambda api: api.email_addresses.create(user.id, "second@x.test"))
    assert isinstance(added, EmailAddress)
    assert added.id is not None
    assert added.id.startswith("idn_")
    assert (added.email_address, added.verified, added.verification_status) == (
        "second@x.test",
        False,
        "unverified",
    )
    got = driver(lambda api: api.email_addresses.get(added.id))
    assert got.raw == added.raw
    assert driver(lambda api: api.users.get(user.id)).email_addresses == [
        "first@x.test",
        "second@x.test",
    ]
    assert driver(lambda api: api.users.list(email_address="second@x.test"))[0].id == user.id

    verified = driver(lambda api: api.email_addresses.update(added.id, verified=True, primary=True))
    assert verified.verified is True
    assert driver(lambda api: api.users.get(user.id)).primary_email_address == "second@x.test"

    deleted = driver(lambda api: api.email_addresses.delete(added.id))
    assert isinstance(deleted, DeletedObject)
    assert (deleted.object, deleted.id, deleted.deleted) == ("email_address", added.id, True)
    after = driver(lambda api: api.users.get(user.id))
    assert after.email_addresses == ["first@x.test"]
    assert after.primary_email_address == "first@x.test"  # the primary moved back
    assert driver(lambda api: api.users.list(email_address="second@x.test")).data == []
    # The address is free again.
    other = make(driver, email_address=["second@x.test"])
    assert other.primary_email_address == "second@x.test"


def test_phone_numbers_round_trip(driver: Driver) -> None:
    user = make(driver)
    added = driver(
        lambda api: api.phone_numbers.create(
            user.id, phone_number="+15555550123", verified=True, reserved_for_second_factor=True
        )
    )
    assert isinstance(added, PhoneNumber)
    assert (added.phone_number, added.verified, added.reserved_for_second_factor) == (
        "+15555550123",
        True,
        True,
    )
    assert driver(lambda api: api.phone_numbers.get(added.id)).raw == added.raw
    fetched = driver(lambda api: api.users.get(user.id))
    assert fetched.phone_numbers == ["+15555550123"]
    assert fetched.primary_phone_number == "+15555550123"  # the first verified one
    updated = driver(
        lambda api: api.phone_numbers.update(added.id, reserved_for_second_factor=False)
    )
    assert updated.reserved_for_second_factor is False
    deleted = driver(lambda api: api.phone_numbers.delete(added.id))
    assert (deleted.object, deleted.deleted) == ("phone_number", True)
    assert driver(lambda api: api.users.get(user.id)).primary_phone_number_id is None


def test_missing_identifiers_and_users_are_404s(driver: Driver) -> None:
    operations = [
        lambda api: api.email_addresses.get("idn_missing"),
        lambda api: api.email_addresses.update("idn_missing", verified=True),
        lambda api: api.email_addresses.delete("idn_missing"),
        lambda api: api.email_addresses.create("user_missing", "a@x.test"),
        lambda api: api.phone_numbers.get("idn_missing"),
        lambda api: api.phone_numbers.update("idn_missing", primary=True),
        lambda api: api.phone_numbers.delete("idn_missing"),
        lambda api: api.phone_numbers.create("user_missing", phone_number="+15555550100"),
    ]
    for operation in operations:
        with pytest.raises(ClerkAPIError) as caught:
            driver(operation)
        assert (caught.value.status, caught.value.code) == (404, "resource_not_found")


def test_a_phone_id_is_not_an_email_address(fast_driver: Driver) -> None:
    user = make(fast_driver, phone_number=["+15555550100"])
    phone_id = user.primary_phone_number_id
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(lambda api: api.email_addresses.get(phone_id))
    assert caught.value.status == 404


def test_taken_and_malformed_identifiers_are_422s(fast_driver: Driver) -> None:
    user = make(fast_driver, email_address=["taken@x.test"], phone_number=["+15555550100"])
    refused: list[tuple[Any, str, str]] = [
        (
            lambda api: api.email_addresses.create(user.id, "TAKEN@x.test"),
            "form_identifier_exists",
            "email_address",
        ),
        (
            lambda api: api.email_addresses.create(user.id, "not-an-address"),
            "form_param_format_invalid",
            "email_address",
        ),
        (
            lambda api: api.phone_numbers.create(user.id, phone_number="+15555550100"),
            "form_identifier_exists",
            "phone_number",
        ),
        (
            lambda api: api.phone_numbers.create(user.id, phone_number="0100"),
            "form_param_format_invalid",
            "phone_number",
        ),
    ]
    for operation, code, param in refused:
        with pytest.raises(ClerkAPIError) as caught:
            fast_driver(operation)
        assert (caught.value.status, caught.value.code, caught.value.meta) == (
            422,
            code,
            {"param_name": param},
        )


def test_a_429_is_waited_out(fast_driver: Driver, instance: Any) -> None:
    user = make(fast_driver)
    instance.backend.fail_next(429, retry_after=4)
    added = fast_driver(lambda api: api.email_addresses.create(user.id, "late@x.test"))
    assert added.email_address == "late@x.test"
    assert fast_driver.slept == [4]
    instance.backend.fail_next(429, times=3, retry_after=1)
    with pytest.raises(ClerkAPIError) as caught:
        fast_driver(lambda api: api.phone_numbers.get("idn_x"))
    assert caught.value.status == 429


@pytest.mark.parametrize("bad", ["", "..", "a/b", "idn?x"])
def test_an_id_that_is_not_one_segment_is_refused_before_any_request(
    fast_driver: Driver, instance: Any, bad: str
) -> None:
    for operation in (
        lambda api: api.email_addresses.get(bad),
        lambda api: api.phone_numbers.delete(bad),
        lambda api: api.users.verify_password(bad, password="x"),
        lambda api: api.users.ban(bad),
    ):
        with pytest.raises(ValueError, match="not a valid Clerk id"):
            fast_driver(operation)
    assert instance.requests == []
