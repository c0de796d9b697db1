"""Django: ``ClerkMiddleware``'s place in ``MIDDLEWARE`` as system checks (W001, W002, W007-W009,
E005) and as the doctor's ``middleware`` / ``middleware_order`` results of
``manage.py clerk_doctor``; the start-up findings shared with the other adapters."""

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

from clerk_core import doctor
from clerk_core.testing import LocalClerkInstance
from clerk_django.checks import (
    CORS_MIDDLEWARE,
    LOCAL_MIDDLEWARE,
    MIDDLEWARE_PATH,
    SECURITY_MIDDLEWARE,
    middleware_findings,
)
from tests.doctor_kit import both_apis

SESSION = "django.contrib.sessions.middleware.SessionMiddleware"


def keys_of(instance: LocalClerkInstance) -> dict[str, Any]:
    return {
        "publishable_key": instance.publishable_key,
        "secret_key": instance.secret_key,
        "api_url": instance.api_url,
        "authorized_parties": ["http://localhost:8000"],
    }


def check_ids(**overrides: Any) -> dict[str, Any]:
    with override_settings(**overrides):
        return {m.id: m for m in run_checks() if m.id and m.id.startswith("clerk.")}


def doctor_results(instance: LocalClerkInstance, **overrides: Any) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = 0
    with (
        override_settings(CLERK=keys_of(instance), DEBUG=True, **overrides),
        httpx.Client(transport=both_apis(instance)) as client,
    ):
        try:
            call_command("clerk_doctor", "--json", stdout=out, http_client=client)
        except CommandError as exc:
            code = exc.returncode
    return code, {r["id"]: r for r in json.loads(out.getvalue())}


@pytest.fixture(autouse=True)
def _no_clerk_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "CLERK_WEBHOOK_SIGNING_SECRET"):
        monkeypatch.delenv(var, raising=False)


def test_the_recommended_order_raises_nothing(clerk_instance: LocalClerkInstance) -> None:
    middleware = [SECURITY_MIDDLEWARE, SESSION, MIDDLEWARE_PATH]
    assert check_ids(CLERK=keys_of(clerk_instance), DEBUG=True, MIDDLEWARE=middleware) == {}
    code, results = doctor_results(clerk_instance, MIDDLEWARE=middleware)
    assert code == 0
    assert results["middleware"] == {
        "id": "middleware",
        "status": "ok",
        "message": "ClerkMiddleware is in MIDDLEWARE (entry 3 of 3).",
        "fix": "",
        "docs": "docs/troubleshooting.md#middleware",
    }
    assert results["middleware_order"]["status"] == "ok"


def test_clerk_listed_twice_is_w007(clerk_instance: LocalClerkInstance) -> None:
    twice = [MIDDLEWARE_PATH, MIDDLEWARE_PATH]
    w007 = check_ids(CLERK=keys_of(clerk_instance), DEBUG=True, MIDDLEWARE=twice)["clerk.W007"]
    assert w007.msg == (
        "ClerkMiddleware is listed 2 times in MIDDLEWARE: every request is authenticated, and "
        "the guard run, as many times."
    )
    _, results = doctor_results(clerk_instance, MIDDLEWARE=twice)
    assert results["middleware"]["status"] == "warning"
    assert results["middleware"]["message"].endswith("as many times. (clerk.W007)")


def test_security_middleware_after_clerk_is_w008(clerk_instance: LocalClerkInstance) -> None:
    late = [MIDDLEWARE_PATH, SECURITY_MIDDLEWARE]
    w008 = check_ids(CLERK=keys_of(clerk_instance), DEBUG=True, MIDDLEWARE=late)["clerk.W008"]
    assert w008.msg.startswith("SecurityMiddleware comes after ClerkMiddleware, so Clerk's")
    assert w008.hint == f"Move '{SECURITY_MIDDLEWARE}' above '{MIDDLEWARE_PATH}'."
    code, results = doctor_results(clerk_instance, MIDDLEWARE=late)
    assert code == 0  # a warning
    order = results["middleware_order"]
    assert order["status"] == "warning"
    assert order["message"] == f"{w008.msg} (clerk.W008)"
    assert order["fix"] == w008.hint


def test_cors_middleware_after_clerk_is_w009() -> None:
    found = middleware_findings([SESSION, MIDDLEWARE_PATH, CORS_MIDDLEWARE], {})
    assert [(f.id, f.level, f.after) for f in found] == [("clerk.W009", "warning", CORS_MIDDLEWARE)]
    assert "a CORS preflight (OPTIONS) meets Clerk's guard" in found[0].message
    assert middleware_findings([CORS_MIDDLEWARE, MIDDLEWARE_PATH], {}) == []


def test_several_order_problems_make_one_result_and_an_error_wins(
    clerk_instance: LocalClerkInstance,
) -> None:
    bad = [MIDDLEWARE_PATH, SECURITY_MIDDLEWARE, LOCAL_MIDDLEWARE]
    ids = check_ids(CLERK=keys_of(clerk_instance), DEBUG=True, MIDDLEWARE=bad)
    assert {"clerk.E005", "clerk.W008"} <= set(ids)
    code, results = doctor_results(clerk_instance, MIDDLEWARE=bad)
    order = results["middleware_order"]
    assert code == 1
    assert order["status"] == "error"
    assert "(clerk.E005)" in order["message"]
    assert "(clerk.W008)" in order["message"]
    assert order["fix"] == (
        f"Move '{MIDDLEWARE_PATH}' below '{LOCAL_MIDDLEWARE}', '{SECURITY_MIDDLEWARE}' in "
        "MIDDLEWARE."
    )


def test_a_missing_middleware_is_reported_without_an_order(
    clerk_instance: LocalClerkInstance,
) -> None:
    code, results = doctor_results(clerk_instance, MIDDLEWARE=[SESSION])
    assert code == 0  # W001: the decorators may be used
    assert results["middleware"]["status"] == "warning"
    assert results["middleware"]["fix"] == f"Add '{MIDDLEWARE_PATH}' to MIDDLEWARE."
    assert "middleware_order" not in results


def test_the_doctor_runs_where_the_system_checks_would_stop_it(
    clerk_instance: LocalClerkInstance, capsys: pytest.CaptureFixture[str]
) -> None:
    """``manage.py clerk_doctor`` from the command line does not run Django's system checks first
    (a broken key would stop it with a SystemCheckError): it reports the error itself."""
    from django.core.management import ManagementUtility

    broken = {**keys_of(clerk_instance), "publishable_key": "pk_test_nope"}
    with override_settings(CLERK=broken), pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "clerk_doctor", "--json"]).execute()
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "SystemCheckError" not in captured.err
    results = {r["id"]: r for r in json.loads(captured.out)}
    assert results["publishable_key"]["status"] == "error"


def test_the_startup_findings_are_the_other_adapters(clerk_instance: LocalClerkInstance) -> None:
    """W005 and E006 carry the same words ``check_at_startup`` logs or raises in Flask and
    Starlette."""
    live = LocalClerkInstance(instance_type="production", frontend_api="clerk.live.test")
    settings = {"publishable_key": live.publishable_key, "secret_key": live.secret_key}
    w005 = check_ids(CLERK=settings, DEBUG=False)["clerk.W005"]
    (shared,) = doctor.startup_results(live.options(authorized_parties=()), environ={}, debug=False)
    assert (w005.msg, w005.hint, shared.status) == (shared.message, shared.fix, "warning")
    bad = "whsec_tooshort"
    e006 = check_ids(CLERK={**keys_of(clerk_instance), "webhook_signing_secret": bad}, DEBUG=True)
    (webhook,) = doctor.startup_results(
        clerk_instance.options(
            authorized_parties=("http://localhost:8000",), webhook_signing_secret=bad
        ),
        environ={},
        debug=True,
    )
    assert (e006["clerk.E006"].msg, webhook.status) == (webhook.message, "error")
