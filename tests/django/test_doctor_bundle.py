"""``manage.py clerk_doctor --bundle FILE``: the redacted debug bundle of ``settings.CLERK``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
from django.core.management import call_command

from clerk_core import Clerk
from clerk_core.events import DecisionRecorder
from clerk_core.testing import LocalClerkInstance
from tests.doctor_kit import both_apis


def test_the_bundle_holds_masked_settings_checks_and_recorded_events(
    settings: Any, clerk_instance: LocalClerkInstance, tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    engine = Clerk(
        clerk_instance.options(on_auth_event=DecisionRecorder(10, path=events)),
        http_client=httpx.Client(transport=both_apis(clerk_instance)),
    )
    token = clerk_instance.session_token("user_b")
    engine.authenticate_request(clerk_instance.request("/", bearer=token))
    settings.CLERK = {"clerk": engine}
    settings.DEBUG = True
    bundle = tmp_path / "bundle.json"
    out, err = io.StringIO(), io.StringIO()
    call_command("clerk_doctor", "--json", "--bundle", str(bundle), stdout=out, stderr=err)
    json.loads(out.getvalue())  # stdout is still the JSON report
    assert str(bundle) in err.getvalue()
    raw = bundle.read_bytes()
    for secret in (clerk_instance.secret_key, clerk_instance.webhook_signing_secret, token):
        assert secret.encode() not in raw
    data = json.loads(raw)
    assert data["settings"]["secret_key"].startswith("sk_test_…")
    assert "django" in data["versions"]
    assert [e["status"] for e in data["auth_events"]] == ["signed-in"]
    assert {c["id"] for c in data["checks"]} >= {"secret_key", "backend_api"}


def test_an_events_file_can_be_named(
    settings: Any, clerk_instance: LocalClerkInstance, tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    recorder = DecisionRecorder(5, path=events)
    engine = clerk_instance.clerk(on_auth_event=recorder)
    engine.authenticate_request(clerk_instance.request("/"))
    settings.CLERK = {
        "clerk": Clerk(
            clerk_instance.options(),
            http_client=httpx.Client(transport=both_apis(clerk_instance)),
        )
    }
    settings.DEBUG = True
    bundle = tmp_path / "bundle.json"
    call_command(
        "clerk_doctor",
        "--bundle",
        str(bundle),
        "--events",
        str(events),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    data = json.loads(bundle.read_text())
    assert [e["reason"] for e in data["auth_events"]] == ["dev-browser-missing"]
