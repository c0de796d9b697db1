"""The Django example project, in its own settings: `manage.py check` and its own test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("django")

ROOT = Path(__file__).resolve().parents[2]
MANAGE = ROOT / "example_apps" / "django_app" / "manage.py"


def manage(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "DJANGO_"))}
    env["DJANGO_DB"] = str(tmp_path / "db.sqlite3")
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_system_checks_pass(tmp_path: Path) -> None:
    result = manage("check", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_test_suite(tmp_path: Path) -> None:
    result = manage(
        "test", "example_apps.django_app.shop", "--noinput", "-v", "2", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ran 7 tests" in result.stderr
    assert "test_delete_my_data_needs_a_recent_verification" in result.stderr


def test_live_keys_refuse_the_local_instance(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "DJANGO_"))}
    env["CLERK_SECRET_KEY"] = "sk_live_abcdefghijklmnopqrstuvwxyz0123"
    result = subprocess.run(
        [sys.executable, str(MANAGE), "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "live" in result.stderr
