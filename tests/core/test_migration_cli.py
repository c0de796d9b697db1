"""``python -m clerk_core import-users FILE``: output, reports and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clerk_core.__main__ import main
from clerk_core.testing import LocalClerkInstance

from .migration_kit import FakeClock, Faults, django_pbkdf2

HASHED = django_pbkdf2("a password")


@pytest.fixture
def instance(monkeypatch: pytest.MonkeyPatch) -> LocalClerkInstance:
    instance = LocalClerkInstance(key_bits=1024)
    monkeypatch.setenv("CLERK_SECRET_KEY", instance.secret_key)
    monkeypatch.setenv("CLERK_API_URL", instance.api_url)
    return instance


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "users.csv"
    rows = [f"{n},user{n}@example.test,First{n},{HASHED}" for n in range(1, 4)]
    path.write_text("id,email,first_name,password_hash\n" + "\n".join(rows) + "\n")
    return path


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def cli(*argv: str, faults: Faults | None = None, **injected: Any) -> Run:
    out, err = io.StringIO(), io.StringIO()
    clock = FakeClock()
    if faults is not None:
        injected["http_client"] = faults.client()
    code = main(
        ["import-users", *argv],
        stdout=out,
        stderr=err,
        clock=clock,
        sleep=clock.sleep,
        **injected,
    )
    return Run(code, out.getvalue(), err.getvalue())


def test_imports_and_reports(instance: LocalClerkInstance, export: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run = cli(str(export), "--report", str(report), "--progress", "lines", faults=Faults(instance))
    assert run.code == 0, run.err
    assert "Imported 3 users: imported 3, updated 0, skipped 0, failed 0." in run.out
    assert "3/3 users (100%): imported 3" in run.err
    document = json.loads(report.read_text())
    assert document["summary"]["imported"] == 3
    assert {u["external_id"] for u in instance.backend.users.values()} == {"1", "2", "3"}
    assert (tmp_path / "users.csv.checkpoint").exists()
    # a second run over the same file is a resume or nothing
    again = cli(str(export), faults=Faults(instance))
    assert again.code == 2
    assert "resume it, or delete it" in again.err
    resumed = cli(str(export), "--resume", faults=Faults(instance))
    assert resumed.code == 0
    assert len(instance.backend.users) == 3


def test_a_failed_row_exits_1_and_names_clerks_reason(
    instance: LocalClerkInstance, export: Path
) -> None:
    instance.backend.add_user("user_taken", email="user2@example.test")
    run = cli(str(export), "--progress", "none", faults=Faults(instance))
    assert run.code == 1
    assert "failed 1" in run.out
    assert "row 2 (2): form_identifier_exists:" in run.out


def test_dry_run_sends_nothing(
    instance: LocalClerkInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLERK_SECRET_KEY")  # not needed to validate
    path = tmp_path / "users.json"
    path.write_text(
        json.dumps([{"id": 1, "email": "a@example.test"}, {"id": 2, "email": "a@example.test"}])
    )
    run = cli(str(path), "--dry-run", faults=Faults(instance))
    assert run.code == 1
    assert "Checked 2 users: valid 1, invalid 1, skipped 0." in run.out
    assert "row 2 (2): invalid_row: email repeats row 1." in run.out
    assert instance.requests == []
    path.write_text(json.dumps([{"id": 1, "email": "a@example.test"}]))
    assert cli(str(path), "--dry-run").code == 0
    assert not (tmp_path / "users.json.checkpoint").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.csv"], "Cannot read"),
        (["users.csv", "--format", "json"], "not valid JSON"),
        (["users.csv", "--rate-limit", "5", "--rate-window", "0"], "rate limit"),
    ],
)
def test_usage_errors_exit_2(
    instance: LocalClerkInstance, export: Path, argv: list[str], message: str
) -> None:
    argv = [str(export.parent / argv[0]), *argv[1:]]
    run = cli(*argv, faults=Faults(instance))
    assert run.code == 2
    assert message in run.err
    assert instance.requests == []


def test_a_missing_secret_key_exits_2(export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLERK_SECRET_KEY", raising=False)
    run = cli(str(export))
    assert run.code == 2
    assert "CLERK_SECRET_KEY" in run.err


def test_a_bad_key_exits_3_and_keeps_the_checkpoint(
    instance: LocalClerkInstance, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_SECRET_KEY", "sk_test_not_this_instance")
    run = cli(str(export), faults=Faults(instance))
    assert run.code == 3
    assert "clerk_key_invalid" in run.err
    assert "resume with --resume" in run.err
    assert "sk_test_not_this_instance" not in run.err + run.out


def test_an_interrupt_exits_130_and_resumes(instance: LocalClerkInstance, export: Path) -> None:
    faults = Faults(instance, crash_at=3, crash=KeyboardInterrupt)
    run = cli(str(export), faults=faults)
    assert run.code == 130
    assert "Interrupted" in run.err
    resumed = cli(
        str(export), "--resume", "--report", str(export.parent / "r.csv"), faults=Faults(instance)
    )
    assert resumed.code == 0
    assert sorted(u["external_id"] for u in instance.backend.users.values()) == ["1", "2", "3"]


def test_usage_is_argparses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["import-users"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["import-users", "--help"])
    assert caught.value.code == 0
    help_text = capsys.readouterr().out
    for column in ("external_id", "password_hasher", "public_metadata", "Exit codes"):
        assert column in help_text


def test_python_dash_m_runs_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "clerk_core",
            "import-users",
            "--dry-run",
            str(tmp_path / "none.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 2
    assert "Cannot read" in done.stderr
