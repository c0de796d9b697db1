"""``manage.py clerk_export_user`` / ``clerk_delete_user`` and the ``user_erased`` signal."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from clerk_core.testing import LocalClerkInstance
from clerk_django.privacy import ReceiverFailed, erase_locally, user_erased
from tests.core.test_privacy import SECRET_NOTE, USER, Terminal, populate

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(clerk_config: dict[str, Any], clerk_instance: LocalClerkInstance) -> LocalClerkInstance:
    populate(clerk_instance)
    return clerk_instance


@pytest.fixture
def local_user() -> Any:
    """The app's own data about the Clerk user: a Django user keyed by the Clerk id."""
    return get_user_model().objects.create(username=USER)


@pytest.fixture
def receiver() -> Iterator[list[dict[str, Any]]]:
    """A receiver that deletes the local user, as an app connects one."""
    calls: list[dict[str, Any]] = []

    def forget(sender: Any, user_id: str, already_deleted: bool, **kwargs: Any) -> None:
        calls.append({"user_id": user_id, "already_deleted": already_deleted})
        get_user_model().objects.filter(username=user_id).delete()

    user_erased.connect(forget, weak=False)
    yield calls
    user_erased.disconnect(forget)


def run(*args: str, **options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def local_exists() -> bool:
    return get_user_model().objects.filter(username=USER).exists()


# ------------------------------------------------------------------------------------- export
def test_export_to_stdout(clerk: LocalClerkInstance) -> None:
    out, err = run("clerk_export_user", USER)
    data = json.loads(out)
    assert data["user_id"] == USER
    assert len(data["email_addresses"]) == 2
    assert len(data["organization_memberships"]) == 2
    assert len(data["sessions"]) == 3
    assert data["metadata"]["private"] == {"note": SECRET_NOTE}
    assert err == ""


def test_export_to_a_file_readable_by_its_owner_only(
    clerk: LocalClerkInstance, tmp_path: Path
) -> None:
    target = tmp_path / "alice.json"
    out, err = run("clerk_export_user", USER, "--output", str(target))
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["user_id"] == USER
    assert err.startswith(f"Exported {USER} to {target}: 2 email addresses,")
    assert SECRET_NOTE not in err
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_export_of_an_unknown_user_fails_with_a_message(clerk: LocalClerkInstance) -> None:
    with pytest.raises(CommandError, match="Clerk has no user user_nobody"):
        run("clerk_export_user", "user_nobody")


def test_export_refuses_a_malformed_id(clerk: LocalClerkInstance) -> None:
    with pytest.raises(CommandError, match="not a valid Clerk id"):
        run("clerk_export_user", "../users")


# ------------------------------------------------------------------------------------ deletion
def test_delete_with_yes_deletes_in_clerk_then_locally(
    clerk: LocalClerkInstance, local_user: Any, receiver: list[dict[str, Any]]
) -> None:
    out, _ = run("clerk_delete_user", USER, "--yes")
    assert out.strip() == f"Deleted {USER} in Clerk; the local clean-up ran."
    assert USER not in clerk.backend.users
    assert not local_exists()
    assert receiver == [{"user_id": USER, "already_deleted": False}]


def test_delete_of_an_already_deleted_user_still_cleans_up(
    clerk: LocalClerkInstance, local_user: Any, receiver: list[dict[str, Any]]
) -> None:
    clerk.backend.users.pop(USER)  # deleted in Clerk's Dashboard, say
    out, _ = run("clerk_delete_user", USER, "--yes")
    assert out.strip() == f"{USER} was already deleted in Clerk; the local clean-up ran."
    assert not local_exists()
    assert receiver == [{"user_id": USER, "already_deleted": True}]


def test_confirmation_refused_on_a_terminal_deletes_nothing(
    clerk: LocalClerkInstance, local_user: Any, receiver: list[dict[str, Any]]
) -> None:
    with pytest.raises(CommandError, match="Not deleted"):
        run("clerk_delete_user", USER, stdin=Terminal("no\n"))
    assert USER in clerk.backend.users
    assert local_exists()
    assert receiver == []
    assert not [r for r in clerk.requests if r.method == "DELETE"]


def test_confirmation_given_on_a_terminal(
    clerk: LocalClerkInstance, local_user: Any, receiver: list[dict[str, Any]]
) -> None:
    out, _ = run("clerk_delete_user", USER, stdin=Terminal("yes\n"))
    assert "Type 'yes'" in out
    assert USER not in clerk.backend.users
    assert not local_exists()


def test_off_a_terminal_deletion_needs_yes(
    clerk: LocalClerkInstance, local_user: Any, receiver: list[dict[str, Any]]
) -> None:
    with pytest.raises(CommandError, match="pass --yes"):
        run("clerk_delete_user", USER, stdin=io.StringIO("yes\n"))
    assert USER in clerk.backend.users
    assert local_exists()


def test_a_failing_receiver_rolls_back_the_local_changes_and_says_how_to_rerun(
    clerk: LocalClerkInstance, local_user: Any, receiver: list[dict[str, Any]]
) -> None:
    broken = {"on": True}

    def fragile(sender: Any, user_id: str, **kwargs: Any) -> None:
        if broken["on"]:
            raise RuntimeError("search index unreachable")

    user_erased.connect(fragile, weak=False)
    try:
        with pytest.raises(CommandError) as caught:
            run("clerk_delete_user", USER, "--yes")
        error = caught.value
        assert error.returncode == 3
        message = str(error)
        assert "is deleted in Clerk, but the local clean-up failed" in message
        assert "search index unreachable" in message
        assert message.endswith(f"Re-run: manage.py clerk_delete_user {USER} --yes")
        assert USER not in clerk.backend.users  # Clerk's deletion is done
        assert local_exists()  # the first receiver's delete was rolled back with the failure

        broken["on"] = False
        out, _ = run("clerk_delete_user", USER, "--yes")
        assert out.strip() == f"{USER} was already deleted in Clerk; the local clean-up ran."
        assert not local_exists()
    finally:
        user_erased.disconnect(fragile)


def test_when_clerk_fails_nothing_local_is_deleted(
    settings: Any, clerk: LocalClerkInstance, local_user: Any, receiver: list[dict[str, Any]]
) -> None:
    settings.CLERK = {"clerk": clerk.clerk(secret_key="sk_test_" + "0" * 40)}
    with pytest.raises(CommandError) as caught:
        run("clerk_delete_user", USER, "--yes")
    assert caught.value.returncode == 1
    assert "Clerk answered 401 clerk_key_invalid" in str(caught.value)
    assert "Nothing was deleted locally" in str(caught.value)
    assert USER in clerk.backend.users
    assert local_exists()
    assert receiver == []


def test_erase_locally_reports_every_failed_receiver(local_user: Any) -> None:
    def first(sender: Any, **kwargs: Any) -> None:
        raise ValueError("one")

    def second(sender: Any, **kwargs: Any) -> None:
        raise KeyError("two")

    user_erased.connect(first, weak=False)
    user_erased.connect(second, weak=False)
    try:
        with pytest.raises(ReceiverFailed) as caught:
            erase_locally(USER)
    finally:
        user_erased.disconnect(first)
        user_erased.disconnect(second)
    assert [type(e) for _, e in caught.value.failures] == [ValueError, KeyError]
    assert "first" in str(caught.value)
    assert "second" in str(caught.value)


def test_without_receivers_the_command_says_nothing_local_ran(clerk: LocalClerkInstance) -> None:
    assert not user_erased.has_listeners()
    out, _ = run("clerk_delete_user", USER, "--yes")
    assert out.strip() == f"Deleted {USER} in Clerk; no local clean-up is connected."
