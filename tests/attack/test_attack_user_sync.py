"""Attack probes on the Django user sync of issue 14: the field map fed hostile or ill-typed
values, privileged fields fed from what a user writes, and ``clerk_sync_users --delete-missing``
while Clerk's user list moves under it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from clerk_core import Clerk, ClerkAPIError
from clerk_core.testing import LocalClerkInstance
from clerk_django import sync as sync_module
from clerk_django.fieldmap import field_map_problems
from clerk_django.models import ClerkUserLink
from clerk_django.sync import sync_user

pytestmark = [pytest.mark.django_db]
User = get_user_model()


@pytest.fixture(autouse=True)
def sync_settings(settings: Any, clerk_engine: Clerk) -> None:
    settings.CLERK = {"clerk": clerk_engine, "django_users": True}


def clerk_user(instance: LocalClerkInstance, user_id: str, updated_at: int, **fields: Any) -> Any:
    data = instance.user_payload(user_id, first_name="Ada", last_name="L", email="a@example.test")
    data.update(updated_at=updated_at, **fields)
    return data


# ------------------------------------------------------------------ values the fields refuse
@pytest.mark.parametrize(
    ("field", "source", "value"),
    [
        ("date_joined", "created_at", 1_700_000_000_000),  # Clerk's times are milliseconds
        ("date_joined", "public_metadata.joined", [2024]),
        ("last_login", "unsafe_metadata.seen", {"at": 1}),
        ("last_login", "unsafe_metadata.seen", 5),
        ("first_name", "unsafe_metadata.nick", "Ada\x00Lovelace"),  # PostgreSQL refuses NUL
    ],
)
def test_a_value_of_the_wrong_type_is_treated_as_missing_not_a_crash(
    settings: Any,
    clerk_instance: LocalClerkInstance,
    caplog: pytest.LogCaptureFixture,
    field: str,
    source: str,
    value: Any,
) -> None:
    """``field.to_python`` raises ``TypeError`` for a date fed a number or a list: the sync used
    to crash (webhook 500 forever, ``clerk_sync_users`` stopped at that user, so one user's
    ``unsafe_metadata`` could block the backfill of everyone after them)."""
    settings.CLERK = {**settings.CLERK, "user_fields": {field: source}}
    data = clerk_user(clerk_instance, "user_t", 1_000, created_at=1_700_000_000_000)
    data["public_metadata"] = {"joined": value}
    data["unsafe_metadata"] = {"seen": value, "nick": value}
    change = sync_user(data)
    assert change.action == "created"
    user = User.objects.get(username="user_t")
    assert getattr(user, field) in ("", None) or field == "date_joined"  # the field's default
    assert "does not fit the field" in caplog.text


def test_one_users_bad_value_does_not_stop_the_backfill(
    settings: Any, clerk_instance: LocalClerkInstance
) -> None:
    settings.CLERK = {**settings.CLERK, "user_fields": {"last_login": "unsafe_metadata.seen"}}
    for i in range(4):
        clerk_instance.backend.add_user(f"user_{i}", updated_at=1_000, unsafe_metadata={})
    clerk_instance.backend.users["user_1"]["unsafe_metadata"] = {"seen": [1]}
    call_command("clerk_sync_users", stdout=io.StringIO())
    assert User.objects.count() == 4


# ------------------------------------------------------------------ privileged fields
@pytest.mark.parametrize(
    ("field", "source"),
    [
        ("is_staff", "unsafe_metadata.staff"),
        ("is_superuser", "first_name"),  # the user edits their own name
        ("is_staff", "username"),
        ("is_active", "unsafe_metadata"),
        ("is_superuser", "two_factor_enabled"),  # the user turns 2FA on themselves
    ],
)
def test_privileged_fields_never_come_from_what_the_user_writes(
    settings: Any, clerk_instance: LocalClerkInstance, field: str, source: str
) -> None:
    """The check refused only ``unsafe_metadata``; ``first_name``, ``username`` and the other
    fields a user edits in Clerk's UI passed it, and nothing refused any of them at run time
    (a server that never runs ``manage.py check`` synced them)."""
    settings.CLERK = {**settings.CLERK, "user_fields": {field: source}}
    assert any(field in message for message, _ in field_map_problems(User))
    data = clerk_user(clerk_instance, "user_x", 1_000, first_name="true", username="1")
    data["unsafe_metadata"] = {"staff": True}
    with pytest.raises(ImproperlyConfigured):
        sync_user(data)
    assert not User.objects.filter(is_staff=True).exists()
    assert not User.objects.filter(is_superuser=True).exists()


def test_privileged_fields_from_backend_metadata_still_work(
    settings: Any, clerk_instance: LocalClerkInstance
) -> None:
    settings.CLERK = {
        **settings.CLERK,
        "user_fields": {
            "is_staff": "public_metadata.staff",
            "is_superuser": "private_metadata.root",
        },
    }
    assert field_map_problems(User) == []
    data = clerk_user(
        clerk_instance,
        "user_ok",
        1_000,
        public_metadata={"staff": True},
        private_metadata={"root": False},
    )
    sync_user(data)
    user = User.objects.get(username="user_ok")
    assert (user.is_staff, user.is_superuser) == (True, False)


# ------------------------------------------------------------------ --delete-missing
def test_delete_missing_never_deletes_a_user_the_pages_skipped(
    clerk_instance: LocalClerkInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offset paging: a user deleted in Clerk while the command reads page 1 shifts every later
    user one place back, so the first user of page 2 is never read. ``--delete-missing`` took
    "not read" for "not in Clerk" and applied the delete policy to a live user."""
    for i in range(6):
        clerk_instance.backend.add_user(f"user_{i}", updated_at=1_000 + i)
    call_command("clerk_sync_users", stdout=io.StringIO())
    assert ClerkUserLink.objects.count() == 6

    command = "clerk_django.management.commands.clerk_sync_users"
    real = sync_module.sync_user
    deleted_meanwhile: list[str] = []

    def sync_and_someone_deletes_their_account(data: Any, **kwargs: Any) -> Any:
        if not deleted_meanwhile:
            deleted_meanwhile.append("user_0")
            del clerk_instance.backend.users["user_0"]
        return real(data, **kwargs)

    monkeypatch.setattr(f"{command}.sync_user", sync_and_someone_deletes_their_account)
    out = io.StringIO()
    call_command("clerk_sync_users", "--delete-missing", "--page-size", "2", stdout=out)
    still_in_clerk = set(clerk_instance.backend.users)
    assert "user_2" in still_in_clerk
    for user in User.objects.filter(username__in=still_in_clerk):
        assert user.is_active, f"{user.username} is in Clerk but was deactivated:\n{out.getvalue()}"
    assert not ClerkUserLink.objects.filter(clerk_id__in=still_in_clerk, deleted=True).exists()
    assert "kept user_2: Clerk still has it" in out.getvalue()


def test_delete_missing_dry_run_reports_only_users_clerk_does_not_have(
    clerk_instance: LocalClerkInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(4):
        clerk_instance.backend.add_user(f"user_{i}", updated_at=1_000 + i)
    call_command("clerk_sync_users", stdout=io.StringIO())
    real = sync_module.sync_user
    calls: list[int] = []

    def shifting(data: Any, **kwargs: Any) -> Any:
        if not calls:
            del clerk_instance.backend.users["user_0"]
        calls.append(1)
        return real(data, **kwargs)

    monkeypatch.setattr("clerk_django.management.commands.clerk_sync_users.sync_user", shifting)
    out = io.StringIO()
    call_command(
        "clerk_sync_users", "--delete-missing", "--dry-run", "--page-size", "2", stdout=out
    )
    assert "would delete user_2" not in out.getvalue()
    # A user really gone (and not read) is still reported.
    del clerk_instance.backend.users["user_3"]
    monkeypatch.setattr("clerk_django.management.commands.clerk_sync_users.sync_user", real)
    out = io.StringIO()
    call_command("clerk_sync_users", "--delete-missing", "--dry-run", stdout=out)
    assert "would delete user_3" in out.getvalue()


def test_delete_missing_stops_when_clerk_cannot_confirm(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing user is deleted only on Clerk's own 404: an API failure deletes nobody."""
    for i in range(3):
        clerk_instance.backend.add_user(f"user_{i}", updated_at=1_000 + i)
    call_command("clerk_sync_users", stdout=io.StringIO())
    del clerk_instance.backend.users["user_1"]

    def outage(user_id: str) -> Any:
        raise ClerkAPIError("Service Unavailable", status=503)

    monkeypatch.setattr(clerk_engine.backend_api.users, "get", outage)
    with pytest.raises(CommandError, match="user_1"):
        call_command("clerk_sync_users", "--delete-missing", stdout=io.StringIO())
    assert User.objects.get(username="user_1").is_active
    assert not ClerkUserLink.objects.filter(deleted=True).exists()


# ------------------------------------------------------------------ the first request
@pytest.mark.parametrize("fetch", [True, False])
def test_a_clerk_user_whose_fields_collide_with_a_local_user_is_anonymous_not_a_500(
    settings: Any, clerk_instance: LocalClerkInstance, fetch: bool, caplog: Any
) -> None:
    """A Clerk user whose mapped unique field (here ``username``, with the Clerk id kept in
    another field) is already a local user's: creating the Django user on their first request
    raised ``IntegrityError`` (``fetch_user_on_create``) or ``DoesNotExist`` (the claims path)
    on every request they made. They are now anonymous to Django, the local user is untouched
    and never handed to them, and the log says why."""
    settings.CLERK = {
        **settings.CLERK,
        "user_id_field": "last_name",
        "fetch_user_on_create": fetch,
        "user_claims": {"username": "uname"},
    }
    admin = User.objects.create(username="admin", is_superuser=True, last_name="")
    clerk_instance.backend.add_user("user_col", username="admin", updated_at=1_000)
    token = clerk_instance.session_token("user_col", claims={"uname": "admin"})
    client = Client(raise_request_exception=False)
    for _ in range(2):
        response = client.get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        assert response.json() == {"username": "", "authenticated": False}  # AnonymousUser
    admin.refresh_from_db()
    assert (admin.last_name, admin.is_superuser) == ("", True)
    assert "user_col" in caplog.text
