"""``flask clerk doctor``: the doctor on the extension's options and HTTP client."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from flask import Flask

from clerk_core import Clerk, ClerkConfigurationError
from clerk_core.testing import LocalClerkInstance
from clerk_flask import Clerk as ClerkExtension
from tests.doctor_kit import both_apis


def make_app(engine: Clerk) -> Flask:
    app = Flask(__name__)
    ClerkExtension(app, clerk=engine)
    return app


def engine_for(
    instance: LocalClerkInstance, transport: httpx.BaseTransport, **overrides: Any
) -> Clerk:
    return Clerk(instance.options(**overrides), http_client=httpx.Client(transport=transport))


def test_a_healthy_app_exits_0(clerk_instance: LocalClerkInstance) -> None:
    app = make_app(engine_for(clerk_instance, both_apis(clerk_instance)))
    result = app.test_cli_runner().invoke(args=["clerk", "doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "12 checks: 0 errors, 0 warnings."  # with extension, before_request
    assert all(line.startswith("OK ") for line in lines[:-1])
    assert clerk_instance.secret_key not in result.output
    assert clerk_instance.webhook_signing_secret not in result.output


def test_json_and_exit_1_on_an_unreachable_clerk(clerk_instance: LocalClerkInstance) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    app = make_app(engine_for(clerk_instance, httpx.MockTransport(refuse)))
    result = app.test_cli_runner().invoke(args=["clerk", "doctor", "--json"])
    assert result.exit_code == 1
    results = {r["id"]: r for r in json.loads(result.output)}
    assert results["backend_api"]["message"] == (
        "The Backend API at https://api.clerk.test/v1/jwks is unreachable (ConnectError)."
    )
    assert clerk_instance.secret_key not in result.output


def test_live_keys_in_a_debug_app_are_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")  # what ``flask --debug clerk doctor`` sets
    live = LocalClerkInstance(instance_type="production")
    app = make_app(engine_for(live, both_apis(live)))
    result = app.test_cli_runner().invoke(args=["clerk", "doctor", "--json"])
    assert result.exit_code == 0
    environment = {r["id"]: r for r in json.loads(result.output)}["environment"]
    assert environment["message"] == (
        "Production (live) keys in what looks like development (DEBUG is on)."
    )


def test_a_malformed_webhook_secret_stops_the_app_at_creation_without_showing_it(
    clerk_instance: LocalClerkInstance,
) -> None:
    """The doctor's start-up checks run in ``init_app`` (as Django's system checks do): the app is
    not created, and the error carries the doctor's message and fix, the secret masked."""
    bad = "whsec_tooshort"
    engine = engine_for(clerk_instance, both_apis(clerk_instance), webhook_signing_secret=bad)
    with pytest.raises(ClerkConfigurationError) as refused:
        make_app(engine)
    assert str(refused.value).startswith(
        "The webhook signing secret whsec_… is malformed: expected 'whsec_' followed by base64"
    )
    assert "Fix: Copy the signing secret again from your endpoint" in str(refused.value)
    assert bad not in str(refused.value)


def test_a_usage_error_exits_2(clerk_instance: LocalClerkInstance) -> None:
    app = make_app(engine_for(clerk_instance, both_apis(clerk_instance)))
    result = app.test_cli_runner().invoke(args=["clerk", "doctor", "--jsn"])
    assert result.exit_code == 2
