"""``flask clerk export-user`` / ``delete-user`` through Flask's CLI test runner."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from clerk_core import Clerk
from clerk_core.privacy import Deletion
from clerk_core.testing import LocalClerkInstance
from clerk_flask import Clerk as ClerkExtension
from tests.core.test_privacy import SECRET_NOTE, USER, Terminal, populate

forgotten: list[Deletion] = []


def forget(deletion: Deletion) -> None:
    """A local clean-up named by a dotted path in the config."""
    forgotten.append(deletion)


@pytest.fixture
def instance(clerk_instance: LocalClerkInstance) -> LocalClerkInstance:
    populate(clerk_instance)
    forgotten.clear()
    return clerk_instance


def make_app(engine: Clerk, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    ClerkExtension(app, clerk=engine)
    return app


@pytest.fixture
def app(instance: LocalClerkInstance) -> Flask:
    return make_app(instance.clerk(), CLERK_ON_USER_DELETED=f"{__name__}.forget")


def test_the_extension_registers_the_clerk_group(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["clerk", "--help"])
    assert result.exit_code == 0
    assert "export-user" in result.output
    assert "delete-user" in result.output


def test_init_app_twice_registers_the_group_once(instance: LocalClerkInstance) -> None:
    app = Flask(__name__)
    extension = ClerkExtension(clerk=instance.clerk())
    extension.init_app(app)
    extension.init_app(app)
    assert list(app.cli.commands).count("clerk") == 1


def test_export_user_to_stdout(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["clerk", "export-user", USER])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["user_id"] == USER
    assert len(data["email_addresses"]) == 2
    assert len(data["phone_numbers"]) == 1
    assert len(data["organization_memberships"]) == 2
    assert len(data["sessions"]) == 3
    assert data["metadata"]["private"] == {"note": SECRET_NOTE}


def test_export_user_to_a_file(app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "alice.json"
    result = app.test_cli_runner().invoke(args=["clerk", "export-user", USER, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"Exported {USER} to {target}")
    assert json.loads(target.read_text(encoding="utf-8"))["user_id"] == USER
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_export_of_an_unknown_user(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["clerk", "export-user", "user_nobody"])
    assert result.exit_code == 1
    assert "Clerk has no user user_nobody." in result.output


def test_delete_user_with_yes(app: Flask, instance: LocalClerkInstance) -> None:
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER, "--yes"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Deleted {USER} in Clerk; the local clean-up ran."
    assert USER not in instance.backend.users
    assert forgotten == [Deletion(USER, already_deleted=False)]


def test_delete_user_already_deleted_runs_the_hook(
    app: Flask, instance: LocalClerkInstance
) -> None:
    instance.backend.users.pop(USER)
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER, "--yes"])
    assert result.exit_code == 0, result.output
    assert "already deleted in Clerk; the local clean-up ran." in result.stdout
    assert forgotten == [Deletion(USER, already_deleted=True)]


def test_delete_user_off_a_terminal_needs_yes(app: Flask, instance: LocalClerkInstance) -> None:
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER], input="yes\n")
    assert result.exit_code == 1
    assert "pass --yes" in result.output
    assert USER in instance.backend.users
    assert forgotten == []


@pytest.mark.parametrize(("answer", "deleted"), [("no\n", False), ("yes\n", True)])
def test_delete_user_asks_on_a_terminal(
    app: Flask,
    instance: LocalClerkInstance,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    deleted: bool,
) -> None:
    monkeypatch.setattr("clerk_flask.cli._stdin", lambda: Terminal(answer))
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER])
    assert "Type 'yes'" in result.stdout
    assert (USER not in instance.backend.users) is deleted
    assert result.exit_code == (0 if deleted else 1)
    assert len(forgotten) == (1 if deleted else 0)


def test_delete_user_hook_failure_exits_3_and_says_how_to_rerun(
    instance: LocalClerkInstance,
) -> None:
    def broken(deletion: Deletion) -> None:
        raise RuntimeError("cache server down")

    app = make_app(instance.clerk(), CLERK_ON_USER_DELETED=broken)
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER, "--yes"])
    assert result.exit_code == 3
    assert "is deleted in Clerk, but the local clean-up failed" in result.stderr
    assert "RuntimeError: cache server down" in result.stderr
    assert f"Re-run: flask clerk delete-user {USER} --yes" in result.stderr
    assert USER not in instance.backend.users


def test_delete_user_runs_an_async_hook(instance: LocalClerkInstance) -> None:
    pytest.importorskip("asgiref")
    seen: list[str] = []

    async def hook(deletion: Deletion) -> None:
        seen.append(deletion.user_id)

    app = make_app(instance.clerk(), CLERK_ON_USER_DELETED=hook)
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER, "--yes"])
    assert result.exit_code == 0, result.output
    assert seen == [USER]


def test_delete_user_when_clerk_refuses(instance: LocalClerkInstance) -> None:
    app = make_app(
        instance.clerk(secret_key="sk_test_" + "0" * 40), CLERK_ON_USER_DELETED=f"{__name__}.forget"
    )
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER, "--yes"])
    assert result.exit_code == 1
    assert "Clerk answered 401 clerk_key_invalid" in result.output
    assert "Nothing was deleted locally" in result.output
    assert forgotten == []
    assert USER in instance.backend.users


def test_delete_user_without_a_hook(instance: LocalClerkInstance) -> None:
    app = make_app(instance.clerk())
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER, "--yes"])
    assert result.exit_code == 0, result.output
    assert "no local clean-up is connected" in result.stdout


def test_a_hook_that_is_not_callable_is_a_usage_error(instance: LocalClerkInstance) -> None:
    app = make_app(instance.clerk(), CLERK_ON_USER_DELETED=42)
    result = app.test_cli_runner().invoke(args=["clerk", "delete-user", USER, "--yes"])
    assert result.exit_code == 1
    assert "CLERK_ON_USER_DELETED must be a callable" in result.output
    assert USER in instance.backend.users


def test_import_users_from_a_csv_with_the_apps_secret_key(
    instance: LocalClerkInstance, tmp_path: Path
) -> None:
    """``flask clerk import-users`` runs ``python -m clerk_core import-users`` with the app's own
    engine settings: a dry run first, then the import, then a second run that creates nobody."""
    export = tmp_path / "users.csv"
    export.write_text(
        "id,email,first_name\n41,ada@import.test,Ada\n42,alan@import.test,Alan\n", encoding="utf-8"
    )
    app = make_app(instance.clerk())
    runner = app.test_cli_runner()
    base = ["clerk", "import-users", str(export), "--progress", "none"]
    before = len(instance.requests)
    dry = runner.invoke(args=[*base, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert len(instance.requests) == before  # a dry run sends nothing
    done = runner.invoke(args=base)
    assert done.exit_code == 0, done.output

    def imported() -> list[str]:
        return sorted(
            u["external_id"]
            for u in instance.backend.users.values()
            if u.get("external_id") in ("41", "42")
        )

    assert imported() == ["41", "42"]
    again = runner.invoke(args=[*base, "--checkpoint", str(tmp_path / "second.checkpoint")])
    assert again.exit_code == 0, again.output
    assert imported() == ["41", "42"]  # a new run finds them by external_id: nobody twice
    usage = runner.invoke(args=["clerk", "import-users"])
    assert usage.exit_code == 2
    assert "FILE" in usage.output
