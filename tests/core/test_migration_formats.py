"""The migration's parts that need no Clerk: password hashers, export files, validation, pacing,
progress output and the checkpoint."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from clerk_core.migration import (
    CLERK_PASSWORD_HASHERS,
    Pacer,
    Progress,
    RateLimit,
    SourceError,
    SourceUser,
    limit_for_key,
    plan_password,
    read_export,
    validate,
)
from clerk_core.migration._checkpoint import (
    Checkpoint,
    CheckpointError,
    read_checkpoint,
    write_checkpoint,
)

PASSWORD = "correct horse battery staple"


def django_pbkdf2(password: str, salt: str = "saltsaltsalt", iterations: int = 1000) -> str:
    """Django's PBKDF2PasswordHasher format, computed as Django does."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def django_pbkdf2_sha1(password: str, salt: str = "NaCl4django", iterations: int = 1000) -> str:
    digest = hashlib.pbkdf2_hmac("sha1", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha1${iterations}${salt}${base64.b64encode(digest).decode()}"


BCRYPT = "$2b$12$" + "a" * 53
ARGON2ID = "$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


class TestPasswordPlans:
    @pytest.mark.parametrize(
        ("digest", "hasher", "sent"),
        [
            (django_pbkdf2(PASSWORD), "pbkdf2_sha256_django", django_pbkdf2(PASSWORD)),
            ("bcrypt_sha256$" + BCRYPT, "bcrypt_sha256_django", "bcrypt_sha256$" + BCRYPT),
            ("bcrypt$" + BCRYPT, "bcrypt", BCRYPT),
            (BCRYPT, "bcrypt", BCRYPT),
            ("argon2" + ARGON2ID, "argon2id", ARGON2ID),
            (ARGON2ID, "argon2id", ARGON2ID),
            (
                "argon2" + ARGON2ID.replace("argon2id", "argon2i"),
                "argon2i",
                ARGON2ID.replace("argon2id", "argon2i"),
            ),
            ("md5$$" + "a" * 32, "md5", "a" * 32),
            (
                "scrypt:32768:8:1$salt$" + "ab" * 64,
                "scrypt_werkzeug",
                "scrypt:32768:8:1$salt$" + "ab" * 64,
            ),
        ],
    )
    def test_recognised_digests_map_to_clerk_hashers(
        self, digest: str, hasher: str, sent: str
    ) -> None:
        plan = plan_password(digest)
        assert (plan.kind, plan.hasher, plan.digest) == ("digest", hasher, sent)
        assert hasher in CLERK_PASSWORD_HASHERS

    def test_django_pbkdf2_sha1_is_rewritten_in_clerks_hex_form(self) -> None:
        plan = plan_password(django_pbkdf2_sha1(PASSWORD))
        assert plan.hasher == "pbkdf2_sha1"
        assert plan.digest is not None
        # Clerk's documented form: pbkdf2_sha1$<iterations>$<hex salt>$<hex hash>$<key length>
        _, iterations, salt, expected, length = plan.digest.split("$")
        computed = hashlib.pbkdf2_hmac(
            "sha1", PASSWORD.encode(), bytes.fromhex(salt), int(iterations), int(length)
        )
        assert computed.hex() == expected

    def test_werkzeug_pbkdf2_is_rewritten_in_clerks_base64_form(self) -> None:
        stored = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        assert check_password_hash(stored, PASSWORD)
        plan = plan_password(stored)
        assert plan.hasher == "pbkdf2_sha256"
        assert plan.digest is not None
        # Clerk's documented form: pbkdf2_sha256$<iterations>$<base64 salt>$<base64 hash>
        _, iterations, salt, expected = plan.digest.split("$")
        computed = hashlib.pbkdf2_hmac(
            "sha256", PASSWORD.encode(), base64.b64decode(salt), int(iterations)
        )
        assert base64.b64encode(computed).decode() == expected

    def test_werkzeug_scrypt_goes_as_it_is(self) -> None:
        stored = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
        plan = plan_password(stored)
        assert (plan.hasher, plan.digest) == ("scrypt_werkzeug", stored)

    @pytest.mark.parametrize("digest", [None, "", "   "])
    def test_no_password(self, digest: str | None) -> None:
        assert plan_password(digest).kind == "none"

    def test_unusable_django_password(self) -> None:
        assert plan_password("!q1w2e3r4t5y6u7i8o9p0").kind == "unusable"

    @pytest.mark.parametrize(
        ("digest", "reason"),
        [
            ("sha1$salt$" + "a" * 40, "Django's 'sha1'"),
            ("md5$salt$" + "a" * 32, "Django's 'md5'"),
            ("scrypt$16384$salt$8$1$aGFzaA==", "Django's 'scrypt'"),
            ("crypt$$abN/qM.L/H8EQ", "Django's 'crypt'"),
            ("pbkdf2_sha256$notanumber$salt$hash", "malformed"),
            ("argon2$argon2d$v=19$m=512,t=2,p=2$c2FsdA$aGFzaA", "argon2d"),
            ("pbkdf2:sha1:1000$salt$" + "ab" * 20, "sha256"),
            ("something-else", "not recognised"),
        ],
    )
    def test_unsupported_digests_say_why(self, digest: str, reason: str) -> None:
        plan = plan_password(digest)
        assert plan.kind == "unsupported"
        assert plan.reason is not None
        assert reason in plan.reason
        assert plan.digest is None

    def test_a_named_hasher_sends_the_digest_as_given(self) -> None:
        plan = plan_password("5f4dcc3b5aa765d61d8327deb882cf99", "MD5")
        assert (plan.kind, plan.hasher) == ("digest", "md5")

    def test_an_unknown_named_hasher_is_unsupported(self) -> None:
        plan = plan_password("whatever", "rot13")
        assert plan.kind == "unsupported"
        assert "rot13" in (plan.reason or "")

    def test_the_digest_is_not_in_the_repr(self) -> None:
        digest = django_pbkdf2(PASSWORD)
        assert digest.split("$")[-1] not in repr(plan_password(digest))
        user = SourceUser("1", email="a@example.test", password_hash=digest)
        assert digest.split("$")[-1] not in repr(user)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestExports:
    def test_csv_columns_and_aliases(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "users.csv",
            "id,email,first_name,last_name,username,password,password_hasher,public_metadata,created_at,shoe_size\n"
            '7,ada@example.test,Ada,Lovelace,ada,hash,md5,"{""plan"": ""pro""}",2021-03-04T05:06:07Z,38\n'
            "8,bob@example.test,,,,,,,,\n",
        )
        source = read_export(path)
        ada, bob = source.users
        assert ada.external_id == "7"
        assert (ada.email, ada.first_name, ada.last_name, ada.username) == (
            "ada@example.test",
            "Ada",
            "Lovelace",
            "ada",
        )
        assert (ada.password_hash, ada.password_hasher) == ("hash", "md5")
        assert ada.public_metadata == {"plan": "pro"}
        assert ada.created_at == "2021-03-04T05:06:07Z"
        assert (bob.first_name, bob.password_hash, bob.public_metadata) == (None, None, None)
        assert source.warnings == ("Ignored columns: shoe_size.",)
        assert source.fingerprint.startswith("file:sha256:")

    def test_json_list_or_users_key(self, tmp_path: Path) -> None:
        rows = [{"external_id": 1, "email_address": "a@example.test", "private_metadata": {"x": 1}}]
        for document in (rows, {"users": rows}):
            path = write(tmp_path, "users.json", json.dumps(document))
            (user,) = read_export(path).users
            assert (user.external_id, user.email, user.private_metadata) == (
                "1",
                "a@example.test",
                {"x": 1},
            )

    def test_bad_metadata_is_a_row_problem(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            "u.csv",
            "id,email,public_metadata\n1,a@example.test,{nope\n2,b@example.test,[1]\n",
        )
        problems = validate(read_export(path).users)
        assert problems == {
            0: ["public_metadata is not valid JSON."],
            1: ["public_metadata must be a JSON object."],
        }

    @pytest.mark.parametrize(
        ("name", "text", "message"),
        [
            ("u.txt", "id\n1\n", "Unknown export format 'txt'"),
            ("u.json", "{not json", "not valid JSON"),
            ("u.json", '{"people": []}', "must hold a list of user objects"),
            ("u.json", "[1, 2]", "must hold a list of user objects"),
            ("u.csv", "", "no header row"),
        ],
    )
    def test_unreadable_exports(self, tmp_path: Path, name: str, text: str, message: str) -> None:
        with pytest.raises(SourceError, match=message):
            read_export(write(tmp_path, name, text))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match="Cannot read"):
            read_export(tmp_path / "absent.csv")

    def test_format_overrides_the_suffix(self, tmp_path: Path) -> None:
        path = write(tmp_path, "export.txt", '[{"id": "1", "email": "a@example.test"}]')
        assert read_export(path, format="json").users[0].external_id == "1"


class TestValidation:
    def test_every_problem_is_reported_on_its_row(self) -> None:
        users = [
            SourceUser("1", email="a@example.test", username="ann"),
            SourceUser("1", email="b@example.test"),
            SourceUser("3", email="A@example.test"),
            SourceUser("4", email="not-an-email"),
            SourceUser("5", username="ANN"),
            SourceUser(""),
            SourceUser("7", email="g@example.test", password_hash="sha1$s$" + "a" * 40),
            SourceUser("8", email="h@example.test", created_at="yesterday"),
            SourceUser("9", email="i@example.test", password_hash=django_pbkdf2(PASSWORD)),
            SourceUser("10", email="j@example.test", created_at="2021-13-45T10:00:00Z"),
            SourceUser("11", email="k@example.test", created_at="2021-03-04T05:06:07.5+02:00"),
        ]
        problems = validate(users)
        assert problems[1] == ["external_id repeats row 1."]
        assert problems[2] == ["email repeats row 1."]
        assert problems[3] == ["email is not a valid address."]
        assert problems[4] == ["username repeats row 1."]
        assert problems[5] == ["external_id is missing.", "no email or username to sign in with."]
        assert problems[6][0].startswith("password: Clerk has no hasher for Django's 'sha1'")
        assert problems[7] == ["created_at is not an RFC 3339 timestamp."]
        assert problems[9] == ["created_at is not an RFC 3339 timestamp."]
        assert 0 not in problems
        assert 8 not in problems
        assert 10 not in problems

    def test_unsupported_hashers_pass_when_imported_without_password(self) -> None:
        users = [SourceUser("1", email="a@example.test", password_hash="sha1$s$" + "a" * 40)]
        assert validate(users, unsupported_hasher="no-password") == {}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class TestPacer:
    def test_never_more_than_the_limit_in_any_window(self) -> None:
        clock = FakeClock()
        pacer = Pacer(RateLimit(10, 1.0), clock=clock, sleep=clock.sleep)
        times = []
        for _ in range(35):
            pacer.acquire()
            times.append(clock.now)
            clock.now += 0.01  # the call itself
        for i in range(len(times) - 10):
            assert times[i + 10] - times[i] >= 1.0 - 1e-9
        assert pacer.calls == 35
        assert pacer.paced_seconds == pytest.approx(clock.now - 35 * 0.01)
        assert 2.5 < pacer.paced_seconds < 3.0

    def test_no_limit_never_waits(self) -> None:
        clock = FakeClock()
        pacer = Pacer(None, clock=clock, sleep=clock.sleep)
        for _ in range(1000):
            pacer.acquire()
        assert (clock.now, pacer.calls) == (0.0, 1000)

    def test_retry_sleeps_are_accounted(self) -> None:
        clock = FakeClock()
        pacer = Pacer(None, clock=clock, sleep=clock.sleep)
        pacer.retry_sleep(1.5)
        assert (pacer.retry_seconds, pacer.retries, clock.now) == (1.5, 1, 1.5)
        assert pacer.waited_seconds == 1.5

    def test_clerks_documented_limits_by_key(self) -> None:
        assert limit_for_key("sk_live_x") == RateLimit(1000, 10.0)
        assert limit_for_key("sk_test_x") == RateLimit(100, 10.0)

    @pytest.mark.parametrize(("requests", "window"), [(0, 10.0), (5, 0.0)])
    def test_bad_limits(self, requests: int, window: float) -> None:
        with pytest.raises(ValueError, match="rate limit"):
            RateLimit(requests, window)


class TestProgress:
    def test_plain_lines_off_a_terminal(self) -> None:
        out = io.StringIO()
        progress = Progress(100, out, tty=False, lines=4)
        for done in range(1, 101):
            progress.update(done, {"imported": done, "failed": 0})
        progress.close()
        lines = out.getvalue().splitlines()
        assert lines == [
            "25/100 users (25%): imported 25",
            "50/100 users (50%): imported 50",
            "75/100 users (75%): imported 75",
            "100/100 users (100%): imported 100",
        ]

    def test_a_bar_on_a_terminal(self) -> None:
        out = io.StringIO()
        clock = FakeClock()
        progress = Progress(10, out, tty=True, clock=clock)
        for done in range(1, 11):
            clock.now += 1
            progress.update(done, {"imported": done})
        progress.close()
        text = out.getvalue()
        assert text.count("\r") == 10
        assert "\r[" + "#" * 30 + "] 10/10 100%  imported 10  1 users/s" in text
        assert text.endswith("\n")

    def test_ci_gets_lines_even_on_a_terminal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setenv("CI", "true")
        assert not Progress(1, Terminal()).tty
        monkeypatch.delenv("CI")
        assert Progress(1, Terminal()).tty
        assert not Progress(1, io.StringIO()).tty


class TestCheckpoint:
    def test_written_atomically_and_read_back(self, tmp_path: Path) -> None:
        path = tmp_path / "import.checkpoint"
        assert read_checkpoint(path) is None
        checkpoint = Checkpoint("file:sha256:x", 5, 321, "5")
        write_checkpoint(path, checkpoint)
        write_checkpoint(path, Checkpoint("file:sha256:x", 6, 400, "6", complete=True))
        assert read_checkpoint(path) == Checkpoint("file:sha256:x", 6, 400, "6", complete=True)
        assert [p.name for p in tmp_path.iterdir()] == ["import.checkpoint"]

    def test_a_failed_write_keeps_the_old_checkpoint(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "import.checkpoint"
        write_checkpoint(path, Checkpoint("s", 1, 10, "1"))

        def broken(*args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr("os.replace", broken)
        with pytest.raises(OSError, match="disk full"):
            write_checkpoint(path, Checkpoint("s", 2, 20, "2"))
        assert read_checkpoint(path) == Checkpoint("s", 1, 10, "1")
        assert [p.name for p in tmp_path.iterdir()] == ["import.checkpoint"]

    @pytest.mark.parametrize("text", ["{", '{"version": 9}', '{"version": 1}'])
    def test_unusable_checkpoints(self, tmp_path: Path, text: str) -> None:
        path = write(tmp_path, "c", text)
        with pytest.raises(CheckpointError):
            read_checkpoint(path)
