"""Flask: the doctor's start-up checks in ``init_app``, and what ``flask clerk doctor`` (or
``python -m clerk_core doctor --app``) finds about the extension and its ``before_request``."""

from __future__ import annotations

import io
import json
import logging
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask

from clerk_core import Clerk
from clerk_core.__main__ import main
from clerk_core.testing import LocalClerkInstance
from clerk_flask import Clerk as ClerkExtension
from clerk_flask import current_auth
from clerk_flask.cli import clerk_cli
from tests.doctor_kit import both_apis


def engine_for(instance: LocalClerkInstance, **overrides: Any) -> Clerk:
    transport = both_apis(instance)
    return Clerk(instance.options(**overrides), http_client=httpx.Client(transport=transport))


def doctor_json(app: Flask) -> tuple[int, dict[str, dict[str, str]]]:
    result = app.test_cli_runner().invoke(args=["clerk", "doctor", "--json"])
    return result.exit_code, {r["id"]: r for r in json.loads(result.output)}


def test_live_keys_without_authorized_parties_are_logged_when_the_app_is_created(
    caplog: pytest.LogCaptureFixture,
) -> None:
    live = LocalClerkInstance(instance_type="production")
    with caplog.at_level(logging.WARNING, logger="clerk_flask"):
        ClerkExtension(Flask(__name__), clerk=engine_for(live, authorized_parties=()))
    messages = [r.getMessage() for r in caplog.records if r.name == "clerk_flask"]
    assert len(messages) == 1
    assert messages[0].startswith("Clerk: Live keys without authorized_parties")
    assert live.secret_key not in caplog.text


def test_a_healthy_app_reports_its_installation(clerk_instance: LocalClerkInstance) -> None:
    app = Flask(__name__)
    ClerkExtension(app, clerk=engine_for(clerk_instance))
    code, results = doctor_json(app)
    assert code == 0
    assert results["extension"]["message"] == "The Clerk extension is set up on this app."
    assert results["before_request"]["message"] == "Clerk's before_request hook runs first."


def test_a_hook_that_reads_the_auth_before_clerks_is_a_warning(
    clerk_instance: LocalClerkInstance,
) -> None:
    app = Flask(__name__)

    @app.before_request
    def load_member() -> None:
        if current_auth.user_id:  # pragma: no cover - never served
            pass

    ClerkExtension(app, clerk=engine_for(clerk_instance))
    code, results = doctor_json(app)
    hook = results["before_request"]
    assert code == 0
    assert hook["status"] == "warning"
    assert hook["message"].startswith(
        "test_a_hook_that_reads_the_auth_before_clerks_is_a_warning.<locals>.load_member runs "
        "before Clerk's before_request hook and reads the auth"
    )
    assert hook["fix"].endswith(
        "after Clerk(app) / clerk.init_app(app) (Flask runs before_request functions in the "
        "order they were added)."
    )


def test_a_hook_that_does_not_read_the_auth_may_come_first(
    clerk_instance: LocalClerkInstance,
) -> None:
    app = Flask(__name__)

    @app.before_request
    def count() -> None:
        return None  # pragma: no cover

    ClerkExtension(app, clerk=engine_for(clerk_instance))
    _, results = doctor_json(app)
    assert results["before_request"] == {
        "id": "before_request",
        "status": "ok",
        "message": "Clerk's before_request hook runs after 1 hook that does not read the auth.",
        "fix": "",
        "docs": "docs/troubleshooting.md#before_request",
    }


def test_init_app_twice_authenticates_twice(clerk_instance: LocalClerkInstance) -> None:
    app = Flask(__name__)
    clerk = ClerkExtension(clerk=engine_for(clerk_instance))
    clerk.init_app(app)
    clerk.init_app(app)
    _, results = doctor_json(app)
    assert results["before_request"]["status"] == "warning"
    assert results["before_request"]["message"].startswith(
        "Clerk's before_request hook is registered 2 times"
    )


def test_the_command_without_the_extension_says_so_and_checks_the_config(
    clerk_instance: LocalClerkInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = Flask(__name__)
    app.config.update(CLERK_PUBLISHABLE_KEY="pk_test_broken", CLERK_SECRET_KEY="sk_test_x")
    app.cli.add_command(clerk_cli)  # registered by hand: init_app never ran
    code, results = doctor_json(app)
    assert code == 1
    assert results["extension"]["status"] == "error"
    assert results["extension"]["fix"].startswith("Call Clerk(app), or clerk.init_app(app)")
    assert results["publishable_key"]["status"] == "error"  # app.config's key, checked
    assert "before_request" not in results


def test_doctor_app_inspects_a_flask_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clerk_instance: LocalClerkInstance
) -> None:
    (tmp_path / "doctor_app_f.py").write_text(
        textwrap.dedent(
            f"""
            from flask import Flask
            from clerk_flask import Clerk

            app = Flask(__name__)
            app.config.update(
                CLERK_PUBLISHABLE_KEY={clerk_instance.publishable_key!r},
                CLERK_SECRET_KEY={clerk_instance.secret_key!r},
                CLERK_API_URL={clerk_instance.api_url!r},
                CLERK_AUTHORIZED_PARTIES="http://localhost:8000",
            )
            Clerk(app)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    out = io.StringIO()
    with httpx.Client(transport=both_apis(clerk_instance)) as client:
        code = main(
            ["doctor", "--json", "--app", "doctor_app_f:app"],
            environ={},
            http_client=client,
            stdout=out,
        )
    results = {r["id"]: r for r in json.loads(out.getvalue())}
    assert code == 0, out.getvalue()
    assert {r["status"] for r in results.values()} == {"ok"}
    assert {"extension", "before_request", "backend_api", "same_instance"} <= set(results)
    assert clerk_instance.secret_key not in out.getvalue()
