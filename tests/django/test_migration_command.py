"""``manage.py clerk_import_users``: Django's user table into the local Backend API."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from clerk_core.backend_api import BackendAPI
from clerk_core.testing import LocalClerkInstance
from tests.core.migration_kit import FakeClock, Faults

pytestmark = pytest.mark.django_db

USERS = 10_000
PASSWORDS = [f"django password {n}" for n in range(8)]


class Hasher(PBKDF2PasswordHasher):
    iterations = 1_000  # Django's real format, with fewer rounds to keep the test fast


@pytest.fixture
def instance(settings: Any) -> LocalClerkInstance:
    instance = LocalClerkInstance(key_bits=1024)
    settings.CLERK = {"options": instance.options()}
    return instance


def make_users(count: int) -> None:
    hasher = Hasher()
    hashes = [hasher.encode(p, hasher.salt()) for p in PASSWORDS]
    User.objects.bulk_create(
        User(
            username=f"user{n}",
            email=f"user{n}@example.test",
            first_name=f"First{n}",
            last_name="Django",
            password=hashes[n % len(hashes)],
        )
        for n in range(count)
    )


def run(**options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("clerk_import_users", stdout=out, stderr=err, progress="lines", **options)
    return out.getvalue(), err.getvalue()


def test_ten_thousand_users_through_429s_and_a_crash(
    instance: LocalClerkInstance, tmp_path: Path
) -> None:
    make_users(USERS)
    clock = FakeClock()
    checkpoint = tmp_path / "import.checkpoint"
    report = tmp_path / "report.json"
    common = {
        "checkpoint": str(checkpoint),
        "report": str(report),
        "clock": clock,
        "sleep": clock.sleep,
    }

    crashing = Faults(instance, every=500, crash_at=USERS // 2 + 7)
    with pytest.raises(RuntimeError, match="injected crash"):
        run(http_client=crashing.client(), **common)
    halfway = json.loads(checkpoint.read_text())["position"]
    assert 0.45 * USERS < halfway < 0.55 * USERS
    assert not report.exists()

    resumed = Faults(instance, every=500)
    out, err = run(http_client=resumed.client(), resume=True, **common)

    users = list(instance.backend.users.values())
    externals = [u["external_id"] for u in users]
    assert len(users) == USERS
    assert len(set(externals)) == USERS
    assert set(externals) == {str(pk) for pk in User.objects.values_list("pk", flat=True)}
    assert crashing.throttled + resumed.throttled >= 19

    summary = json.loads(report.read_text())["summary"]
    assert summary["total"] == USERS
    assert summary["failed"] == 0
    assert summary["imported"] + summary["skipped"] == USERS
    assert summary["skipped"] <= 1  # the row whose answer the crash lost, found by external_id
    assert summary["resumed_at_row"] == halfway
    assert summary["waited_retry_after_seconds"] == resumed.throttled * 1.0
    assert summary["waited_pacing_seconds"] > 0  # a development key: 100 requests per 10 s
    assert f"Imported {USERS} users" in out
    assert "(100%)" in err

    # Sign-in after the migration: the Django password verifies in Clerk.
    api = BackendAPI(instance.secret_key, api_url=instance.api_url, http_client=resumed.client())
    django_user = User.objects.order_by("pk")[1234]
    (clerk_user,) = api.users.list(external_id=[str(django_user.pk)])
    assert clerk_user.id is not None
    assert clerk_user.primary_email_address == django_user.email
    assert clerk_user.first_name == django_user.first_name
    assert clerk_user.username == django_user.username
    password = PASSWORDS[1234 % len(PASSWORDS)]
    assert django_user.check_password(password)
    assert api.users.verify_password(clerk_user.id, password=password)
    assert not api.users.verify_password(clerk_user.id, password=PASSWORDS[0] + "x")


def test_inactive_unusable_and_metadata(instance: LocalClerkInstance, tmp_path: Path) -> None:
    make_users(3)
    _, second, third = User.objects.order_by("pk")
    second.set_unusable_password()
    second.is_staff = True
    second.save()
    third.is_active = False
    third.save()
    report = tmp_path / "report.json"
    client = Faults(instance).client()
    run(
        http_client=client,
        checkpoint=str(tmp_path / "c"),
        report=str(report),
        private_metadata_fields="is_staff",
    )
    rows = json.loads(report.read_text())["users"]
    assert [(r["status"], r["password"]) for r in rows] == [
        ("imported", "pbkdf2_sha256_django"),
        ("imported", "unusable"),
        ("skipped", None),
    ]
    assert rows[2]["code"] == "source_skipped"
    assert "inactive" in rows[2]["message"]
    created = instance.backend.users[rows[1]["clerk_user_id"]]
    assert created["private_metadata"] == {"is_staff": True}
    assert created["password_enabled"] is False

    again = tmp_path / "again.json"
    run(
        http_client=client,
        checkpoint=str(tmp_path / "c2"),
        report=str(again),
        include_inactive=True,
    )
    rows = json.loads(again.read_text())["users"]
    assert [r["status"] for r in rows] == ["skipped", "skipped", "imported"]
    assert len(instance.backend.users) == 3


def test_dry_run_sends_nothing(instance: LocalClerkInstance, tmp_path: Path) -> None:
    make_users(5)
    pks = list(User.objects.order_by("pk").values_list("pk", flat=True))
    User.objects.filter(pk=pks[3]).update(password="sha1$x$" + "a" * 40)
    User.objects.filter(pk=pks[4]).update(email="USER0@example.test")  # Django allows it
    report = tmp_path / "dry.csv"
    with pytest.raises(CommandError) as caught:
        run(dry_run=True, report=str(report))
    assert caught.value.returncode == 1
    assert instance.requests == []
    lines = report.read_text().splitlines()
    assert [line.split(",")[3] for line in lines[1:]] == [
        "valid",
        "valid",
        "valid",
        "skipped",
        "invalid",
    ]
    assert "unsupported_password_hasher" in lines[4]
    assert "email repeats row 1." in lines[5]


def test_a_failed_user_gives_exit_status_1(instance: LocalClerkInstance, tmp_path: Path) -> None:
    make_users(2)
    instance.backend.add_user("user_taken", email="user1@example.test")
    with pytest.raises(CommandError) as caught:
        run(http_client=Faults(instance).client(), checkpoint=str(tmp_path / "c"))
    assert caught.value.returncode == 1
