"""The debug bundle: ``python -m clerk_core doctor --bundle FILE`` and ``doctor.write_bundle``.
One redacted JSON file: versions, masked settings, the checks, the last auth decisions; never a
secret key, a webhook secret, a machine secret or a token."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from clerk_core import Clerk, doctor
from clerk_core.__main__ import main
from clerk_core.events import DecisionRecorder
from clerk_core.testing import LocalClerkInstance
from tests.doctor_kit import both_apis, environ_for


def secrets_of(instance: LocalClerkInstance, *tokens: str) -> list[str]:
    """Every secret, and the part of each after its prefix (a masked value keeps at most 4)."""
    found = [instance.secret_key, instance.webhook_signing_secret, instance.machine_secret_key]
    found += [s[8:] for s in found[:2]]
    found += tokens
    for token in tokens:
        found += [part for part in token.split(".") if len(part) >= 8]
    return found


def assert_clean(data: bytes, instance: LocalClerkInstance, *tokens: str) -> None:
    for secret in secrets_of(instance, *tokens):
        assert secret.encode() not in data, secret[:12]


def run_cli(
    env: dict[str, str], transport: httpx.BaseTransport, *args: str
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with httpx.Client(transport=transport) as client:
        code = main(["doctor", *args], http_client=client, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def traffic(instance: LocalClerkInstance, clerk: Clerk) -> str:
    """A few requests, one signed in; returns the token used."""
    token = instance.session_token("user_1", org_id="org_1")
    clerk.authenticate_request(instance.request("/", bearer=token))
    clerk.authenticate_request(instance.request("/", bearer=instance.bad_signature_token()))
    clerk.authenticate_request(instance.request("/", session=token))
    return token


def test_the_cli_writes_a_redacted_bundle_with_recorded_events(tmp_path: Path) -> None:
    instance = LocalClerkInstance()
    events_file = tmp_path / "events.jsonl"
    clerk = instance.clerk(
        on_auth_event=DecisionRecorder(10, path=events_file),
        machine_secret_key=instance.machine_secret_key,
        auth_events_include_ids=True,
    )
    token = traffic(instance, clerk)
    env = environ_for(instance, CLERK_MACHINE_SECRET_KEY=instance.machine_secret_key)
    bundle = tmp_path / "bundle.json"
    code, out, err = run_cli(
        env,
        both_apis(instance),
        "--json",
        "--bundle",
        str(bundle),
        "--events",
        str(events_file),
    )
    assert code == 0, out
    json.loads(out)  # stdout stays the JSON report
    assert f"Wrote the debug bundle (secrets masked) to {bundle}" in err
    raw = bundle.read_bytes()
    assert_clean(raw, instance, token)
    data = json.loads(raw)
    assert data["format"] == doctor.BUNDLE_FORMAT
    assert "clerk-integrations" in data["versions"]
    assert "httpx" in data["versions"]
    assert data["python"]["version"]
    assert data["platform"]
    settings = data["settings"]
    assert settings["publishable_key"] == instance.publishable_key  # public, shown
    assert settings["secret_key"] == doctor.mask(instance.secret_key)
    assert settings["secret_key"].startswith("sk_test_…")
    assert settings["webhook_signing_secret"].startswith("whsec_…")
    assert settings["machine_secret_key"] == doctor.mask(instance.machine_secret_key)
    assert settings["frontend_api"] == instance.frontend_api
    assert data["environment"]["CLERK_SECRET_KEY"] == doctor.mask(instance.secret_key)
    assert data["environment"]["CLERK_API_URL"] == instance.api_url
    assert {c["id"] for c in data["checks"]} >= {"publishable_key", "secret_key", "backend_api"}
    statuses = [e["status"] for e in data["auth_events"]]
    assert statuses == ["signed-in", "signed-out", "signed-in"]
    assert data["auth_events"][1]["reason"] == "token-invalid-signature"
    assert all("user_id" not in e for e in data["auth_events"])  # ids stay out of a ticket
    if os.name == "posix":
        assert stat.S_IMODE(bundle.stat().st_mode) == 0o600


def test_a_bundle_is_written_even_when_the_settings_do_not_build(tmp_path: Path) -> None:
    instance = LocalClerkInstance()
    env = environ_for(instance, CLERK_PUBLISHABLE_KEY="pk_test_broken")
    bundle = tmp_path / "bundle.json"
    code, _, _ = run_cli(
        env,
        both_apis(instance),
        "--bundle",
        str(bundle),
    )
    assert code == 1
    raw = bundle.read_bytes()
    assert_clean(raw, instance)
    data = json.loads(raw)
    assert data["settings"] is None
    assert data["environment"]["CLERK_SECRET_KEY"] == doctor.mask(instance.secret_key)
    assert any(c["status"] == "error" for c in data["checks"])
    assert data["auth_events"] == []


def test_write_bundle_in_process_reads_the_engines_recorder(tmp_path: Path) -> None:
    instance = LocalClerkInstance()
    recorder = DecisionRecorder(2)
    clerk = instance.clerk(on_auth_event=recorder, auth_events_include_ids=True)
    token = traffic(instance, clerk)
    path = doctor.write_bundle(tmp_path / "b.json", engine=clerk, include_ids=True)
    raw = Path(path).read_bytes()
    assert_clean(raw, instance, token)
    data = json.loads(raw)
    assert len(data["auth_events"]) == 2  # the recorder's last two
    assert data["auth_events"][-1]["user_id"] == "user_1"  # the app asked for ids
    assert all(c["id"] != "backend_api" for c in data["checks"])  # network-free by default


def test_settings_hide_credentials_in_urls_and_name_callables() -> None:
    instance = LocalClerkInstance()
    options = instance.options(
        api_url="https://user:hunter2secret@api.clerk.test",
        on_auth_event=DecisionRecorder(),
        networkless=True,
    )
    shown = doctor.settings_summary(options)
    assert "hunter2secret" not in json.dumps(shown)
    assert shown["api_url"] == "https://***@api.clerk.test"
    assert shown["on_auth_event"] == "<DecisionRecorder>"
    assert shown["jwt_key"] == "(set: PEM public key)"
    assert shown["machine_secret_key"] == "(unset)"


def test_recorded_events_fall_back_to_the_recorders_file(tmp_path: Path) -> None:
    instance = LocalClerkInstance()
    path = tmp_path / "events.jsonl"
    clerk = instance.clerk(on_auth_event=DecisionRecorder(5, path=path))
    traffic(instance, clerk)
    # Another process (the doctor command) builds the same options: its recorder is empty.
    fresh = instance.options(on_auth_event=DecisionRecorder(5, path=path))
    events: list[Any] = doctor.recorded_events(fresh)
    assert [e["status"] for e in events] == ["signed-in", "signed-out", "signed-in"]


def test_bundle_event_lines_keep_only_event_fields(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    line = {"status": "signed-out", "reason": "x", "token": "eyJ.secret.token", "user_id": "u"}
    path.write_text(json.dumps(line) + "\n")
    options = LocalClerkInstance().options()
    bundle = doctor.build_bundle(
        [], options=options, events=doctor.recorded_events(options, events_file=path)
    )
    assert bundle["auth_events"] == [{"status": "signed-out", "reason": "x"}]


@pytest.mark.parametrize("bad", ["sk_test_", "whsec_"])
def test_mask_never_shows_more_than_four_characters(bad: str) -> None:
    secret = bad + "abcdefghijklmnopqrstuvwxyz"
    assert doctor.mask(secret) == bad + "…wxyz"
