"""``manage.py clerk_doctor``: the doctor on ``settings.CLERK``, its output and exit status."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from clerk_core import Clerk, doctor
from clerk_core.testing import LocalClerkInstance
from tests.doctor_kit import both_apis


def run(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command("clerk_doctor", *args, stdout=out, **options)
    return out.getvalue()


def by_id(output: str) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in json.loads(output)}


def keys_of(instance: LocalClerkInstance, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "publishable_key": instance.publishable_key,
        "secret_key": instance.secret_key,
        "api_url": instance.api_url,
        "authorized_parties": ["http://localhost:8000"],
        "webhook_signing_secret": instance.webhook_signing_secret,
    }
    config.update(extra)
    return config


def test_a_ready_engine_is_checked_with_its_own_http_client(
    settings: Any, clerk_instance: LocalClerkInstance
) -> None:
    client = httpx.Client(transport=both_apis(clerk_instance))
    settings.CLERK = {"clerk": Clerk(clerk_instance.options(), http_client=client)}
    settings.DEBUG = True
    out = run("--json")  # no error: no CommandError
    results = by_id(out)
    assert {r["status"] for r in results.values()} == {"ok"}
    assert "ins_localtest" in results["backend_api"]["message"]
    assert clerk_instance.secret_key not in out
    assert clerk_instance.webhook_signing_secret not in out


def test_settings_clerk_keys_are_read_and_debug_off_means_production(
    settings: Any, clerk_instance: LocalClerkInstance
) -> None:
    settings.CLERK = keys_of(clerk_instance)
    settings.DEBUG = False
    with httpx.Client(transport=both_apis(clerk_instance)) as client:
        out = run(http_client=client)
    line = next(x for x in out.splitlines() if x.startswith("WARNING environment:"))
    assert "Development (test) keys in what looks like production (DEBUG is off)." in line
    assert "Fix: Deploy with the production (pk_live_/sk_live_) keys" in line
    assert out.splitlines()[-1] == "12 checks: 0 errors, 1 warning."  # with middleware, _order
    assert clerk_instance.secret_key not in out


def test_live_keys_without_authorized_parties_fail_with_status_1(settings: Any) -> None:
    live = LocalClerkInstance(instance_type="production")
    settings.CLERK = keys_of(live, authorized_parties=[])
    settings.DEBUG = False
    with httpx.Client(transport=both_apis(live)) as client, pytest.raises(CommandError) as exc:
        run("--json", http_client=client)
    assert exc.value.returncode == 1
    assert str(exc.value) == "The Clerk doctor found 1 error."


def test_keys_of_two_instances_fail(settings: Any, clerk_instance: LocalClerkInstance) -> None:
    other = LocalClerkInstance(kid="ins_other")
    settings.CLERK = keys_of(clerk_instance, secret_key=other.secret_key)
    out = io.StringIO()
    transport = both_apis(other, frontend=clerk_instance)
    with httpx.Client(transport=transport) as client, pytest.raises(CommandError) as exc:
        call_command("clerk_doctor", "--json", stdout=out, http_client=client)
    assert exc.value.returncode == 1
    same = by_id(out.getvalue())["same_instance"]
    assert same["message"].startswith(
        "The publishable and secret keys are keys of two different instances"
    )
    assert other.secret_key not in out.getvalue()


def test_a_malformed_key_in_settings_is_reported_not_raised(
    settings: Any, clerk_instance: LocalClerkInstance
) -> None:
    settings.CLERK = keys_of(clerk_instance, publishable_key="pk_test_nope")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("clerk_doctor", "--json", stdout=out)
    result = by_id(out.getvalue())["publishable_key"]
    assert result["status"] == "error"
    assert result["fix"].startswith("Copy the publishable key again")
    assert "backend_api" not in by_id(out.getvalue())  # no network call with broken settings


def test_an_unknown_settings_key_is_a_settings_error(
    settings: Any, clerk_instance: LocalClerkInstance
) -> None:
    settings.CLERK = keys_of(clerk_instance, secret_kee="x")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("clerk_doctor", "--json", stdout=out)
    assert "settings.CLERK has an unknown key" in by_id(out.getvalue())["settings"]["message"]


# ------------------------------------------------------------------ the system checks reuse them


def check_messages(**overrides: Any) -> dict[str, Any]:
    with override_settings(**overrides):
        return {m.id: m for m in run_checks() if m.id and m.id.startswith("clerk.")}


def test_system_checks_carry_the_doctors_words(
    clerk_instance: LocalClerkInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "CLERK_WEBHOOK_SIGNING_SECRET"):
        monkeypatch.delenv(var, raising=False)
    live = LocalClerkInstance(instance_type="production", frontend_api="clerk.live.test")
    live_keys = {"publishable_key": live.publishable_key, "secret_key": live.secret_key}
    w005 = check_messages(CLERK=live_keys, DEBUG=False)["clerk.W005"]
    parties = doctor.check_authorized_parties(live.options(authorized_parties=()))
    assert (w005.msg, w005.hint) == (parties.message, parties.fix)
    w004 = check_messages(CLERK=keys_of(clerk_instance), DEBUG=False)["clerk.W004"]
    assert w004.msg == "Development (test) keys in what looks like production (DEBUG is off)."
    w006 = check_messages(CLERK=keys_of(clerk_instance, domain="sat.test"), DEBUG=True)
    assert w006["clerk.W006"].msg.startswith("domain is set (sat.test) but is_satellite is not")
    bad = "whsec_" + "x" * 10
    e006 = check_messages(CLERK=keys_of(clerk_instance, webhook_signing_secret=bad), DEBUG=True)
    assert e006["clerk.E006"].hint.startswith("Copy the signing secret again")
    assert bad not in e006["clerk.E006"].msg
    assert check_messages(CLERK=keys_of(clerk_instance), DEBUG=True) == {}
