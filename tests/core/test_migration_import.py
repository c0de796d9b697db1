"""The import into the local Backend API: passwords that still sign in, idempotence, Clerk's
reasons in the report, dry runs, rate limits, crashes and resumption."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import httpx
import pytest
from werkzeug.security import generate_password_hash

from clerk_core.backend_api import BackendAPI
from clerk_core.migration import (
    CheckpointError,
    ImportAborted,
    Pacer,
    RateLimit,
    Source,
    SourceUser,
    import_users,
    write_report,
)
from clerk_core.testing import LocalClerkInstance

from .migration_kit import FakeClock, Faults, django_pbkdf2

PASSWORD = "correct horse battery staple"
HASHED = django_pbkdf2(PASSWORD)


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(key_bits=1024)


def api_for(
    instance: LocalClerkInstance, faults: Faults | None = None, **kwargs: object
) -> BackendAPI:
    client = (faults or Faults(instance)).client()
    return BackendAPI(instance.secret_key, api_url=instance.api_url, http_client=client, **kwargs)  # type: ignore[arg-type]


def people(count: int, start: int = 1) -> list[SourceUser]:
    return [
        SourceUser(
            str(n),
            email=f"user{n}@example.test",
            first_name=f"First{n}",
            last_name="Last",
            password_hash=HASHED,
        )
        for n in range(start, start + count)
    ]


def clerk_users(api: BackendAPI) -> list[dict[str, object]]:
    return [
        dict(u.raw) for u in api.paginate(lambda limit, offset: _list(limit, offset), page_size=500)
    ]


def _list(limit: int, offset: int):  # type: ignore[no-untyped-def]
    from clerk_core.backend_api.endpoints import users

    return users.list_users(limit=limit, offset=offset)


class TestPasswordsSignIn:
    def test_every_supported_format_verifies_after_the_import(
        self, instance: LocalClerkInstance
    ) -> None:
        api = api_for(instance)
        formats = {
            "django-pbkdf2_sha256": django_pbkdf2(PASSWORD),
            "werkzeug-pbkdf2": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
            "werkzeug-scrypt": generate_password_hash(PASSWORD, method="scrypt:1024:8:1"),
            "django-md5-legacy": "md5$$"
            + hashlib.md5(PASSWORD.encode(), usedforsecurity=False).hexdigest(),
        }
        users = [
            SourceUser(name, email=f"{name}@example.test", password_hash=digest)
            for name, digest in formats.items()
        ]
        result = import_users(api, users)
        assert result.counts["imported"] == len(formats), result.outcomes
        for outcome in result.outcomes:
            assert outcome.clerk_user_id is not None
            assert api.users.verify_password(outcome.clerk_user_id, password=PASSWORD), outcome
            assert not api.users.verify_password(
                outcome.clerk_user_id, password="wrong " + PASSWORD
            )

    def test_django_pbkdf2_sha1_verifies_after_the_rewrite(
        self, instance: LocalClerkInstance
    ) -> None:
        import base64
        import hashlib

        digest = hashlib.pbkdf2_hmac("sha1", PASSWORD.encode(), b"NaCl4django", 1000)
        stored = f"pbkdf2_sha1$1000$NaCl4django${base64.b64encode(digest).decode()}"
        api = api_for(instance)
        result = import_users(api, [SourceUser("1", email="a@example.test", password_hash=stored)])
        (outcome,) = result.outcomes
        assert (outcome.status, outcome.password) == ("imported", "pbkdf2_sha1")
        assert outcome.clerk_user_id is not None
        assert api.users.verify_password(outcome.clerk_user_id, password=PASSWORD)

    def test_users_without_a_usable_password_are_created_without_one(
        self, instance: LocalClerkInstance
    ) -> None:
        api = api_for(instance)
        users = [
            SourceUser("1", email="a@example.test", password_hash="!unusable"),
            SourceUser("2", email="b@example.test"),
        ]
        result = import_users(api, users)
        assert [(o.status, o.password) for o in result.outcomes] == [
            ("imported", "unusable"),
            ("imported", "none"),
        ]
        for outcome in result.outcomes:
            assert outcome.clerk_user_id is not None
            assert api.users.get(outcome.clerk_user_id).get("password_enabled") is False

    def test_an_unsupported_hasher_skips_the_user_or_drops_the_password(
        self, instance: LocalClerkInstance
    ) -> None:
        users = [SourceUser("1", email="a@example.test", password_hash="sha1$salt$" + "a" * 40)]
        skipped = import_users(api_for(instance), users)
        (outcome,) = skipped.outcomes
        assert (outcome.status, outcome.code) == ("skipped", "unsupported_password_hasher")
        assert "Django's 'sha1'" in (outcome.message or "")
        assert instance.backend.users == {}
        dropped = import_users(api_for(instance), users, unsupported_hasher="no-password")
        (outcome,) = dropped.outcomes
        assert (outcome.status, outcome.password) == ("imported", "dropped")
        assert len(instance.backend.users) == 1


class TestIdempotence:
    def test_a_second_run_creates_nothing(self, instance: LocalClerkInstance) -> None:
        api = api_for(instance)
        first = import_users(api, people(5))
        assert first.counts == {"imported": 5, "updated": 0, "skipped": 0, "failed": 0}
        second = import_users(api, people(6))
        assert second.counts == {"imported": 1, "updated": 0, "skipped": 5, "failed": 0}
        ids = {o.external_id: o.clerk_user_id for o in first.outcomes}
        for outcome in second.outcomes[:5]:
            assert outcome.code == "already_in_clerk"
            assert outcome.clerk_user_id == ids[outcome.external_id]
        assert len(instance.backend.users) == 6
        # one lookup per hundred rows plus one create per new user
        assert second.api_calls == 2

    def test_on_existing_update_refreshes_names_and_merges_metadata(
        self, instance: LocalClerkInstance
    ) -> None:
        api = api_for(instance)
        import_users(
            api,
            [SourceUser("1", email="a@example.test", first_name="Old", public_metadata={"a": 1})],
        )
        changed = SourceUser(
            "1", email="a@example.test", first_name="New", public_metadata={"b": 2}
        )
        result = import_users(api, [changed], on_existing="update")
        (outcome,) = result.outcomes
        assert outcome.status == "updated"
        assert outcome.clerk_user_id is not None
        user = api.users.get(outcome.clerk_user_id)
        assert user.first_name == "New"
        assert user.public_metadata == {"a": 1, "b": 2}

    def test_a_lost_answer_is_looked_up_before_the_row_fails(
        self, instance: LocalClerkInstance
    ) -> None:
        faults = Faults(instance, crash_at=2, crash=lambda: httpx.ConnectError("reset"))
        api = api_for(instance, faults)
        result = import_users(api, people(1))
        (outcome,) = result.outcomes
        assert outcome.status == "imported"
        assert outcome.clerk_user_id in instance.backend.users
        assert len(instance.backend.users) == 1


class TestClerksReasons:
    def test_a_refused_user_is_failed_with_clerks_code_and_message(
        self, instance: LocalClerkInstance, tmp_path: Path
    ) -> None:
        api = api_for(instance)
        api.users.create(email_address=["user2@example.test"], skip_password_requirement=True)
        result = import_users(api, people(3))
        assert result.counts == {"imported": 2, "updated": 0, "skipped": 0, "failed": 1}
        failed = result.outcomes[1]
        assert (failed.status, failed.code) == ("failed", "form_identifier_exists")
        assert failed.message
        assert not result.ok

        write_report(result, tmp_path / "report.json")
        report = json.loads((tmp_path / "report.json").read_text())
        assert report["summary"]["failed"] == 1
        assert report["summary"]["imported"] == 2
        assert report["users"][1]["code"] == "form_identifier_exists"
        assert report["users"][0]["password"] == "pbkdf2_sha256_django"
        write_report(result, tmp_path / "report.csv")
        with (tmp_path / "report.csv").open() as file:
            rows = list(csv.DictReader(file))
        assert [r["status"] for r in rows] == ["imported", "failed", "imported"]
        assert rows[1]["message"] == failed.message
        for text in ((tmp_path / "report.json").read_text(), (tmp_path / "report.csv").read_text()):
            assert django_pbkdf2(PASSWORD).split("$")[-1] not in text

    def test_a_bad_key_aborts_at_the_first_row(
        self, instance: LocalClerkInstance, tmp_path: Path
    ) -> None:
        client = Faults(instance).client()
        api = BackendAPI("sk_test_wrong", api_url=instance.api_url, http_client=client)
        checkpoint = tmp_path / "c"
        with pytest.raises(ImportAborted) as caught:
            import_users(api, people(3), checkpoint=checkpoint)
        assert caught.value.error.status == 401
        assert json.loads(checkpoint.read_text())["position"] == 0


class TestDryRun:
    def test_sends_nothing_and_reports_every_row(self, instance: LocalClerkInstance) -> None:
        users = [
            *people(2),
            SourceUser("1", email="dup@example.test"),
            SourceUser("9", email="nope"),
        ]
        result = import_users(None, users, dry_run=True)
        assert instance.requests == []
        assert [o.status for o in result.outcomes] == ["valid", "valid", "invalid", "invalid"]
        assert result.outcomes[2].message == "external_id repeats row 1."
        assert result.counts == {"valid": 2, "invalid": 2, "skipped": 0}
        assert not result.ok

    def test_a_real_run_needs_an_api(self) -> None:
        with pytest.raises(ValueError, match="needs a BackendAPI"):
            import_users(None, people(1))


class TestRateLimit:
    def test_429s_are_retried_and_waits_accounted(self, instance: LocalClerkInstance) -> None:
        clock = FakeClock()
        pacer = Pacer(RateLimit(20, 10.0), clock=clock, sleep=clock.sleep)
        faults = Faults(instance, every=7)
        api = api_for(instance, faults, clock=clock, sleep=pacer.retry_sleep)
        result = import_users(api, people(60), pacer=pacer, clock=clock)
        assert result.counts["imported"] == 60
        assert len(instance.backend.users) == 60
        assert faults.throttled > 5
        assert result.retry_seconds == faults.throttled * 1.0
        # 61 calls at 20 per 10 s: three full windows of waiting, some of it spent on Retry-After
        assert result.api_calls == 61
        assert result.paced_seconds > 0
        assert result.paced_seconds + result.retry_seconds == pytest.approx(30.0, abs=1.0)
        assert result.summary()["waited_rate_limit_seconds"] == pytest.approx(
            result.paced_seconds + result.retry_seconds, abs=0.01
        )


class TestResume:
    def test_a_crash_then_resume_imports_each_user_once(
        self, instance: LocalClerkInstance, tmp_path: Path
    ) -> None:
        checkpoint = tmp_path / "import.checkpoint"
        faults = Faults(instance, crash_at=150)
        api = api_for(instance, faults)
        with pytest.raises(RuntimeError, match="injected crash"):
            import_users(api, people(300), checkpoint=checkpoint)
        saved = json.loads(checkpoint.read_text())
        assert 0 < saved["position"] < 300
        assert not saved["complete"]

        with pytest.raises(CheckpointError, match="resume it, or delete it"):
            import_users(api, people(300), checkpoint=checkpoint)
        with pytest.raises(CheckpointError, match="another source"):
            import_users(api, people(300, start=2), checkpoint=checkpoint, resume=True)
        # a source named alike whose rows moved (a table with rows deleted) is refused too
        moved = Source(people(300, start=2), json.loads(checkpoint.read_text())["source"])
        with pytest.raises(CheckpointError, match="no longer matches"):
            import_users(api, moved, checkpoint=checkpoint, resume=True)

        result = import_users(api_for(instance), people(300), checkpoint=checkpoint, resume=True)
        assert result.resumed_at == saved["position"]
        assert len(result.outcomes) == 300
        assert [o.row for o in result.outcomes] == list(range(1, 301))
        externals = [u["external_id"] for u in instance.backend.users.values()]
        assert len(externals) == 300
        assert sorted(externals, key=int) == [str(n) for n in range(1, 301)]
        # the row whose answer was lost in the crash is found in Clerk, not created twice
        assert result.counts["imported"] + result.counts["skipped"] == 300
        assert json.loads(checkpoint.read_text())["complete"]

        again = import_users(api_for(instance), people(300), checkpoint=checkpoint, resume=True)
        assert again.api_calls == 0
        assert len(again.outcomes) == 300

    def test_a_kill_between_checkpoints_resumes_from_the_last_one(
        self, instance: LocalClerkInstance, tmp_path: Path
    ) -> None:
        checkpoint = tmp_path / "import.checkpoint"
        journal = tmp_path / "import.checkpoint.journal"
        users = people(250)
        with pytest.raises(RuntimeError):
            import_users(
                api_for(instance, Faults(instance, crash_at=60)), users, checkpoint=checkpoint
            )
        snapshot = (checkpoint.read_bytes(), journal.read_bytes())
        first = json.loads(snapshot[0])["position"]
        with pytest.raises(RuntimeError):
            import_users(
                api_for(instance, Faults(instance, crash_at=50)),
                users,
                checkpoint=checkpoint,
                resume=True,
            )
        # The second run was killed: its last checkpoint never reached the disk.
        reached = len(instance.backend.users)
        assert reached > first + 40
        checkpoint.write_bytes(snapshot[0])
        journal.write_bytes(snapshot[1] + b'{"row": 999, "external_id": "half a li')
        result = import_users(api_for(instance), users, checkpoint=checkpoint, resume=True)
        assert result.resumed_at == first
        assert [o.row for o in result.outcomes] == list(range(1, 251))
        assert len(instance.backend.users) == 250
        externals = sorted(int(u["external_id"]) for u in instance.backend.users.values())
        assert externals == list(range(1, 251))
        skipped = [o for o in result.outcomes if o.status == "skipped"]
        assert {o.code for o in skipped} == {"already_in_clerk"}
        assert len(skipped) == reached - first

    def test_a_changed_file_is_refused(self, instance: LocalClerkInstance, tmp_path: Path) -> None:
        from clerk_core.migration import read_export

        export = tmp_path / "users.json"
        export.write_text(json.dumps([{"id": "1", "email": "a@example.test"}]))
        checkpoint = tmp_path / "c"
        import_users(api_for(instance), read_export(export), checkpoint=checkpoint)
        export.write_text(json.dumps([{"id": "2", "email": "b@example.test"}]))
        with pytest.raises(CheckpointError, match="another source"):
            import_users(api_for(instance), read_export(export), checkpoint=checkpoint, resume=True)

    def test_a_lost_or_damaged_journal_is_refused(
        self, instance: LocalClerkInstance, tmp_path: Path
    ) -> None:
        checkpoint = tmp_path / "c"
        journal = tmp_path / "c.journal"
        with pytest.raises(RuntimeError):
            import_users(
                api_for(instance, Faults(instance, crash_at=5)), people(10), checkpoint=checkpoint
            )
        kept = journal.read_bytes()
        journal.write_bytes(kept[:10])
        with pytest.raises(CheckpointError, match="shorter than its checkpoint"):
            import_users(api_for(instance), people(10), checkpoint=checkpoint, resume=True)
        journal.write_bytes(b"x" * len(kept))
        with pytest.raises(CheckpointError, match="damaged"):
            import_users(api_for(instance), people(10), checkpoint=checkpoint, resume=True)
        journal.write_bytes(kept)
        result = import_users(api_for(instance), people(10), checkpoint=checkpoint, resume=True)
        assert len(result.outcomes) == 10
        assert len(instance.backend.users) == 10
