"""Attack probes on data export and deletion (issue 14 item 5): a deletion whose local cascade
runs for an id Clerk never had."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from clerk_core import Clerk
from clerk_core.backend_api import BackendAPI
from clerk_core.privacy import Deletion, delete_user
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
    settings.CLERK = {"clerk": clerk_engine}
    return settings.CLERK


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
