"""Attack probes on data export and deletion (issue 14 item 5): a deletion whose local cascade
runs for an id Clerk never had, and an export written through a file someone else prepared."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from clerk_core import Clerk
from clerk_core.backend_api import BackendAPI
from clerk_core.privacy import Deletion, delete_user, write_private_file
from clerk_core.testing import LocalClerkInstance
from clerk_django.privacy import user_erased

# An operator's typos and mix-ups: Clerk answers 404 for each (it never had such a user), which
# reads as "already deleted", and the cascade ran for whatever local rows the id matched. With
# MySQL's default collations, "user_alice " and "USER_ALICE" even match "user_alice".
NOT_CLERK_IDS = [
    "admin",
    "42",
    "ada@example.test",
    "user_alice ",
    " user_alice",
    "USER_ALICE",
    "user_",
    "user_alice%20",
    "user_ali\u0441e",  # a Cyrillic es
]


def api_of(instance: LocalClerkInstance) -> BackendAPI:
    return BackendAPI(
        instance.secret_key,
        api_url=instance.api_url,
        http_client=httpx.Client(transport=instance.transport()),
    )


@pytest.mark.parametrize("user_id", NOT_CLERK_IDS)
def test_the_local_cascade_never_runs_for_an_id_clerk_cannot_have(
    clerk_instance: LocalClerkInstance, user_id: str
) -> None:
    seen: list[Deletion] = []
    with pytest.raises(ValueError, match="user_id") as caught:
        delete_user(api_of(clerk_instance), user_id, on_deleted=seen.append)
    assert user_id == "user_" or user_id not in str(caught.value)  # never the value
    assert seen == []
    assert not [r for r in clerk_instance.requests if r.method == "DELETE"]


def test_a_real_clerk_id_is_still_deleted_and_rerun(clerk_instance: LocalClerkInstance) -> None:
    clerk_instance.backend.add_user("user_2abcDEF123")
    seen: list[Deletion] = []
    api = api_of(clerk_instance)
    assert delete_user(api, "user_2abcDEF123", on_deleted=seen.append).already_deleted is False
    assert delete_user(api, "user_2abcDEF123", on_deleted=seen.append).already_deleted is True
    assert len(seen) == 2


@pytest.fixture
def clerk_config(settings: Any, clerk_engine: Clerk) -> dict[str, Any]:
    config: dict[str, Any] = {"clerk": clerk_engine}
    settings.CLERK = config
    return config


@pytest.fixture
def erasing_receiver() -> Iterator[list[str]]:
    calls: list[str] = []

    def forget(sender: Any, user_id: str, **kwargs: Any) -> None:
        calls.append(user_id)
        get_user_model().objects.filter(username=user_id).delete()

    user_erased.connect(forget, weak=False)
    yield calls
    user_erased.disconnect(forget)


@pytest.mark.django_db
def test_clerk_delete_user_with_a_local_username_deletes_nothing(
    clerk_config: dict[str, Any], erasing_receiver: list[str]
) -> None:
    """``manage.py clerk_delete_user admin --yes`` (the operator typed the Django username):
    Clerk's 404 used to run the cascade, deleting the local ``admin``."""
    get_user_model().objects.create(username="admin", is_superuser=True)
    with pytest.raises(CommandError, match="user_id"):
        call_command("clerk_delete_user", "admin", "--yes", stdout=io.StringIO())
    assert erasing_receiver == []
    assert get_user_model().objects.filter(username="admin").exists()


# ------------------------------------------------------------------ the export file
@pytest.mark.skipif(os.name != "posix", reason="POSIX modes and symlinks")
def test_an_export_is_never_written_through_a_symlink(tmp_path: Path) -> None:
    """In a shared directory another user plants ``export.json`` as a link to a file of the
    operator's: the export overwrote it (and chmod'ed it)."""
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    precious.chmod(0o644)
    link = tmp_path / "export.json"
    link.symlink_to(precious)
    with pytest.raises(OSError, match="symbolic link"):
        write_private_file(link, '{"private": true}\n')
    assert precious.read_text() == "keep me\n"
    assert (precious.stat().st_mode & 0o777) == 0o644


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX owners")
def test_an_export_is_never_written_into_someone_elses_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that exists already and belongs to another user keeps that user as its owner:
    they could read the export whatever its mode. (Simulated: the process pretends to be
    another user.)"""
    planted = tmp_path / "export.json"
    planted.write_text("")
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(planted).st_uid + 1)
    with pytest.raises(PermissionError):
        write_private_file(planted, '{"private": true}\n')
    assert planted.read_text() == ""


def test_an_export_still_replaces_the_operators_own_file(tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    target.write_text("old export, longer than the new one\n")
    target.chmod(0o644)
    write_private_file(target, "{}\n")
    assert target.read_text() == "{}\n"
    if os.name == "posix":
        assert (target.stat().st_mode & 0o777) == 0o600
