"""``flask clerk doctor --bundle FILE``: the redacted debug bundle of the extension's engine."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from flask import Flask

from clerk_core import Clerk
from clerk_core.events import DecisionRecorder
from clerk_core.testing import LocalClerkInstance
from clerk_flask import Clerk as ClerkExtension
from tests.doctor_kit import both_apis


def test_the_bundle_holds_masked_settings_checks_and_recorded_events(
    clerk_instance: LocalClerkInstance, tmp_path: Path
) -> None:
    recorder = DecisionRecorder(10)
    engine = Clerk(
        clerk_instance.options(on_auth_event=recorder),
        http_client=httpx.Client(transport=both_apis(clerk_instance)),
    )
    app = Flask(__name__)
    ClerkExtension(app, clerk=engine)

    @app.get("/")
    def index() -> str:
        return "ok"

    token = clerk_instance.session_token("user_f")
    app.test_client().get("/", headers={"Authorization": f"Bearer {token}"})
    bundle = tmp_path / "bundle.json"
    result = app.test_cli_runner().invoke(args=["clerk", "doctor", "--bundle", str(bundle)])
    assert result.exit_code == 0, result.output
    raw = bundle.read_bytes()
    for secret in (clerk_instance.secret_key, clerk_instance.webhook_signing_secret, token):
        assert secret.encode() not in raw
    data = json.loads(raw)
    assert data["settings"]["secret_key"].startswith("sk_test_…")
    assert "flask" in data["versions"]
    # The CLI runs in the app's process here: the recorder's memory answers.
    assert [e["status"] for e in data["auth_events"]] == ["signed-in"]
    assert any(c["id"] == "backend_api" for c in data["checks"])
