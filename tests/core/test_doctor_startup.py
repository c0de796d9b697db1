"""The doctor's start-up checks (``startup_results``, ``check_at_startup``), the Frontend API
through ``proxy_url`` against a loopback proxy, and ``doctor --app`` loading."""

from __future__ import annotations

import io
import json
import logging
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clerk_core import ClerkConfigurationError
from clerk_core.__main__ import main
from clerk_core.doctor import (
    AppLoadError,
    check_at_startup,
    inspect_app,
    load_app,
    startup_results,
)
from clerk_core.testing import LocalClerkInstance
from tests.doctor_kit import FrontendProxy, both_apis, environ_for, loopback_or


@pytest.fixture(scope="module")
def instance() -> LocalClerkInstance:
    return LocalClerkInstance()


@pytest.fixture(scope="module")
def live() -> LocalClerkInstance:
    return LocalClerkInstance(instance_type="production", kid="ins_live")


def run(env: dict[str, str], transport: httpx.BaseTransport, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    with httpx.Client(transport=transport) as client:
        code = main(["doctor", "--json", *args], http_client=client, environ=env, stdout=out)
    return code, out.getvalue()


def by_id(output: str) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in json.loads(output)}


# ------------------------------------------------------------------------------ start-up


def test_a_healthy_configuration_has_no_startup_finding(instance: LocalClerkInstance) -> None:
    options = instance.options(authorized_parties=("http://localhost:8000",))
    assert startup_results(options, environ={}) == []
    assert check_at_startup(options, environ={}) == []


def test_live_keys_without_authorized_parties_are_a_logged_warning_at_startup(
    live: LocalClerkInstance, caplog: pytest.LogCaptureFixture
) -> None:
    options = live.options(authorized_parties=())
    with caplog.at_level(logging.WARNING, logger="clerk_core.doctor"):
        found = check_at_startup(options, environ={"ENV": "production"})
    assert [(r.id, r.status) for r in found] == [("authorized_parties", "warning")]
    record = next(r for r in caplog.records if r.name == "clerk_core.doctor")
    assert record.getMessage().startswith(
        "Clerk: Live keys without authorized_parties: a session token your Clerk instance "
        "minted for another site"
    )
    assert "Fix: Set authorized_parties (CLERK_AUTHORIZED_PARTIES)" in record.getMessage()
    assert record.clerk_check == "authorized_parties"  # type: ignore[attr-defined]
    assert live.secret_key not in caplog.text


def test_a_malformed_webhook_secret_refuses_to_start_with_the_fix_and_no_secret(
    instance: LocalClerkInstance,
) -> None:
    bad = "whsec_" + "not base64!" * 4
    options = instance.options(webhook_signing_secret=bad)
    with pytest.raises(ClerkConfigurationError) as refused:
        check_at_startup(options, environ={})
    message = str(refused.value)
    assert message.startswith("The webhook signing secret whsec_…")
    assert "is malformed: expected 'whsec_' followed by base64 of at least 24 bytes." in message
    assert "Fix: Copy the signing secret again from your endpoint" in message
    assert bad not in message
    assert bad[6:] not in message


def test_keys_that_do_not_fit_the_environment_warn_unless_the_local_frontend_serves(
    instance: LocalClerkInstance, live: LocalClerkInstance
) -> None:
    dev = instance.options(authorized_parties=("http://localhost:8000",))
    production_env = {"APP_ENV": "production"}
    found = startup_results(dev, environ=production_env)
    assert [(r.id, r.status) for r in found] == [("environment", "warning")]
    assert found[0].message == (
        "Development (test) keys in what looks like production (APP_ENV says production)."
    )
    assert startup_results(dev, environ=production_env, local_frontend=True) == []
    prod = live.options(authorized_parties=("https://shop.test",))
    assert [r.id for r in startup_results(prod, environ={}, debug=True)] == ["environment"]


def test_a_domain_without_is_satellite_is_a_startup_warning(instance: LocalClerkInstance) -> None:
    options = instance.options(domain="sat.test", authorized_parties=("http://localhost:8000",))
    found = startup_results(options, environ={})
    assert [(r.id, r.status) for r in found] == [("satellite", "warning")]


# ------------------------------------------------------------------------------ proxy_url


def test_the_frontend_api_through_an_absolute_proxy_url_is_checked_too(
    instance: LocalClerkInstance,
) -> None:
    with FrontendProxy(instance) as proxy:
        env = environ_for(instance, CLERK_PROXY_URL=proxy.url)
        code, out = run(env, loopback_or(both_apis(instance)))
    results = by_id(out)
    assert code == 0, out
    assert results["frontend_api"]["message"].startswith(
        "The Frontend API at https://clerk.local.test/.well-known/jwks.json answered in"
    )
    through = results["frontend_api_proxy"]
    assert through["status"] == "ok"
    assert through["message"].startswith(
        f"The Frontend API through the proxy at {proxy.url}/.well-known/jwks.json answered in"
    )
    assert through["message"].endswith("with 1 key (kids: ins_localtest).")
    assert results["same_instance"]["status"] == "ok"
    assert len(proxy.seen) == 1
    assert "authorization" not in proxy.seen[0]  # no credential to the proxy
    assert instance.secret_key not in json.dumps(proxy.seen)


def test_a_proxy_that_forwards_to_another_instance_is_an_error(
    instance: LocalClerkInstance,
) -> None:
    other = LocalClerkInstance(kid="ins_other")
    with FrontendProxy(other) as proxy:
        env = environ_for(instance, CLERK_PROXY_URL=proxy.url)
        code, out = run(env, loopback_or(both_apis(instance)))
    through = by_id(out)["frontend_api_proxy"]
    assert code == 1
    assert through["status"] == "error"
    assert through["message"] == (
        f"The proxy at {proxy.url} forwards to another Clerk instance: it serves the signing "
        "keys ins_other, the Frontend API clerk.local.test ins_localtest."
    )
    assert through["fix"] == (
        "Point the proxy at https://clerk.local.test, the Frontend API your publishable key names."
    )


def test_an_unreachable_proxy_is_an_error_naming_its_url(instance: LocalClerkInstance) -> None:
    with FrontendProxy(instance, prefix="/__clerk") as proxy:
        wrong = proxy.url.replace("/__clerk", "/clerk-proxy")  # the proxy answers 404 there
        env = environ_for(instance, CLERK_PROXY_URL=wrong)
        code, out = run(env, loopback_or(both_apis(instance)))
    results = by_id(out)
    assert code == 1
    assert results["frontend_api_proxy"]["message"] == (
        f"The Frontend API through the proxy at {wrong}/.well-known/jwks.json answered HTTP 404 "
        "without a JSON Web Key Set."
    )
    assert results["frontend_api_proxy"]["fix"].startswith(
        f"Make the proxy at {wrong} forward every path below it to https://clerk.local.test"
    )
    assert results["frontend_api"]["status"] == "ok"  # both are reported


def test_the_proxy_stands_in_when_the_frontend_api_is_unreachable_from_here(
    instance: LocalClerkInstance,
) -> None:
    fapi = both_apis(instance)

    def no_fapi(request: httpx.Request) -> httpx.Response:
        if request.url.host == instance.frontend_api:
            raise httpx.ConnectError("blocked", request=request)
        return fapi.handle_request(request)

    with FrontendProxy(instance) as proxy:
        env = environ_for(instance, CLERK_PROXY_URL=proxy.url)
        code, out = run(env, loopback_or(httpx.MockTransport(no_fapi)))
    results = by_id(out)
    assert code == 1  # the Frontend API itself is unreachable
    assert results["frontend_api"]["status"] == "error"
    assert results["frontend_api_proxy"]["status"] == "ok"
    assert results["same_instance"]["status"] == "ok"  # compared through the proxy


def test_a_relative_proxy_url_is_reported_not_called(instance: LocalClerkInstance) -> None:
    code, out = run(environ_for(instance, CLERK_PROXY_URL="/__clerk"), both_apis(instance))
    assert code == 0, out
    assert by_id(out)["frontend_api_proxy"] == {
        "id": "frontend_api_proxy",
        "status": "ok",
        "message": "proxy_url /__clerk is relative: the browser resolves it against each page's "
        "origin, so the doctor did not call it (open https://<your app>/__clerk/.well-known/"
        "jwks.json to try it).",
        "fix": "",
        "docs": "docs/troubleshooting.md#frontend_api_proxy",
    }


def test_without_proxy_url_there_is_no_proxy_result(instance: LocalClerkInstance) -> None:
    _, out = run(environ_for(instance), both_apis(instance))
    assert "frontend_api_proxy" not in by_id(out)


# ------------------------------------------------------------------------------ --app


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("doctor_app_")]:
        del sys.modules[name]


def test_load_app_takes_uvicorns_import_strings(app_dir: Path) -> None:
    (app_dir / "doctor_app_a.py").write_text(
        textwrap.dedent(
            """
            class Holder:
                app = object()

            def make():
                return Holder.app
            """
        )
    )
    module = __import__("doctor_app_a")
    assert load_app("doctor_app_a:Holder.app") is module.Holder.app
    assert load_app("doctor_app_a:make", factory=True) is module.Holder.app
    with pytest.raises(AppLoadError, match="must be 'MODULE:ATTR'"):
        load_app("doctor_app_a")
    with pytest.raises(AppLoadError, match="has no attribute 'nope'"):
        load_app("doctor_app_a:nope")
    with pytest.raises(AppLoadError, match="no module 'doctor_app_missing'"):
        load_app("doctor_app_missing:app")


def test_an_app_module_that_imports_a_missing_module_is_not_a_usage_error(app_dir: Path) -> None:
    (app_dir / "doctor_app_b.py").write_text("import doctor_app_not_installed\napp = 1\n")
    with pytest.raises(ModuleNotFoundError, match="doctor_app_not_installed"):
        load_app("doctor_app_b:app")


def test_an_unknown_app_exits_2_and_an_object_that_is_no_app_is_an_error(
    app_dir: Path, instance: LocalClerkInstance
) -> None:
    err = io.StringIO()
    code = main(["doctor", "--app", "doctor_app_missing:app"], environ={}, stderr=err)
    assert code == 2
    assert "no module 'doctor_app_missing'" in err.getvalue()
    (app_dir / "doctor_app_c.py").write_text("app = object()\n")
    code, out = run(environ_for(instance), both_apis(instance), "--app", "doctor_app_c:app")
    assert code == 1
    assert by_id(out)["app"]["message"] == (
        "The --app object (a object) is not a Starlette, FastAPI or Flask app."
    )
    assert inspect_app(42).results[0].id == "app"


def test_an_app_whose_import_refuses_the_settings_is_reported(
    app_dir: Path, instance: LocalClerkInstance
) -> None:
    (app_dir / "doctor_app_d.py").write_text(
        "from clerk_core import ClerkOptions\n"
        "options = ClerkOptions(publishable_key='pk_test_broken')\n"
    )
    code, out = run(environ_for(instance), both_apis(instance), "--app", "doctor_app_d:app")
    result = by_id(out)["app"]
    assert code == 1
    assert result["message"].startswith(
        "Importing doctor_app_d:app fails: publishable_key is not a valid Clerk publishable key"
    )
