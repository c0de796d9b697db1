"""``python -m clerk_core doctor``: each check right and wrong against the local instance, its
message, its fix and the exit code; ``--json``; no secret in any output."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from clerk_core.__main__ import main
from clerk_core.doctor import (
    CheckResult,
    check_apis,
    check_authorized_parties,
    check_environment,
    check_key_shapes,
    check_satellite,
    check_webhook_secret,
    exit_code,
    format_human,
    mask,
    static_checks,
)
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.doctor_kit import both_apis, environ_for


@pytest.fixture(scope="module")
def instance() -> LocalClerkInstance:
    return LocalClerkInstance()


@pytest.fixture(scope="module")
def live() -> LocalClerkInstance:
    return LocalClerkInstance(instance_type="production", kid="ins_live")


def run(
    env: dict[str, str], transport: httpx.BaseTransport, *args: str, **injected: Any
) -> tuple[int, str]:
    out = io.StringIO()
    with httpx.Client(transport=transport) as client:
        code = main(["doctor", *args], http_client=client, environ=env, stdout=out, **injected)
    return code, out.getvalue()


def by_id(output: str) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in json.loads(output)}


def assert_no_secret(output: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in output
        assert secret[8:] not in output  # not even the key without its prefix


# ------------------------------------------------------------------------------ healthy


def test_a_healthy_set_up_passes_every_check(instance: LocalClerkInstance) -> None:
    code, out = run(environ_for(instance), both_apis(instance), "--json")
    results = by_id(out)
    assert code == 0
    assert set(results) == {
        "publishable_key",
        "secret_key",
        "authorized_parties",
        "satellite",
        "environment",
        "webhook_secret",
        "backend_api",
        "frontend_api",
        "same_instance",
        "clock_skew",
    }
    assert {r["status"] for r in results.values()} == {"ok"}
    assert "clerk.local.test" in results["publishable_key"]["message"]
    backend = results["backend_api"]["message"]
    assert "https://api.clerk.test/v1/jwks" in backend
    assert " ms with 1 key (kids: ins_localtest)" in backend
    assert "https://clerk.local.test/.well-known/jwks.json" in results["frontend_api"]["message"]
    assert results["same_instance"]["fix"] == ""
    assert_no_secret(out, instance.secret_key, instance.webhook_signing_secret)


def test_human_output_is_one_line_per_check_and_a_summary(instance: LocalClerkInstance) -> None:
    env = environ_for(instance, CLERK_AUTHORIZED_PARTIES="")
    code, out = run(env, both_apis(instance))
    lines = out.splitlines()
    assert code == 0  # a warning is not an error
    assert len(lines) == 11
    warning = next(line for line in lines if line.startswith("WARNING authorized_parties:"))
    assert "Fix: Set authorized_parties (CLERK_AUTHORIZED_PARTIES)" in warning
    assert lines[0].startswith("OK      publishable_key: ")
    assert lines[-1] == "10 checks: 0 errors, 1 warning."
    assert_no_secret(out, instance.secret_key, instance.webhook_signing_secret)


def test_json_is_a_list_of_objects_with_stable_fields(instance: LocalClerkInstance) -> None:
    _, out = run(environ_for(instance), both_apis(instance), "--json")
    document = json.loads(out)
    assert isinstance(document, list)
    for entry in document:
        assert list(entry) == ["id", "status", "message", "fix", "docs"]
        assert entry["status"] in ("ok", "warning", "error")


def test_a_usage_error_exits_with_2(instance: LocalClerkInstance) -> None:
    with pytest.raises(SystemExit) as exc:
        run(environ_for(instance), both_apis(instance), "--jsn")
    assert exc.value.code == 2


# ------------------------------------------------------------------------------ keys


@pytest.mark.parametrize(
    ("pk", "message"),
    [
        ("pk_prod_abc", "publishable_key must start with 'pk_test_' or 'pk_live_'."),
        ("pk_test_!!!!", "the part after the prefix is not base64."),
        ("pk_test_Y2xlcmsubG9jYWwudGVzdA", "it does not encode '<frontend API host>$'."),
    ],
)
def test_a_malformed_publishable_key_is_an_error(
    instance: LocalClerkInstance, pk: str, message: str
) -> None:
    code, out = run(environ_for(instance, CLERK_PUBLISHABLE_KEY=pk), both_apis(instance), "--json")
    result = by_id(out)["publishable_key"]
    assert code == 1
    assert result["status"] == "error"
    assert result["message"].endswith(message)
    assert result["fix"].startswith("Copy the publishable key again")
    assert "settings" not in by_id(out)  # the key check explains the refusal already
    assert_no_secret(out, instance.secret_key)


def test_a_malformed_secret_key_is_an_error_and_stays_masked(instance: LocalClerkInstance) -> None:
    bad = "sk_tset_" + instance.secret_key[8:]
    code, out = run(environ_for(instance, CLERK_SECRET_KEY=bad), both_apis(instance), "--json")
    result = by_id(out)["secret_key"]
    assert code == 1
    assert result["status"] == "error"
    assert "does not look like 'sk_test_...' or 'sk_live_...'" in result["message"]
    assert f"…{bad[-4:]}" in result["message"]
    assert_no_secret(out, bad, instance.secret_key)


def test_a_missing_secret_key_is_a_warning(instance: LocalClerkInstance) -> None:
    """The publishable key alone verifies sessions (docs/publishable-key-only.md): a missing
    secret key is a warning saying what needs it, and the doctor reports the mode."""
    env = environ_for(instance)
    del env["CLERK_SECRET_KEY"]
    code, out = run(env, both_apis(instance), "--json")
    results = by_id(out)
    assert code == 0
    assert results["secret_key"]["status"] == "warning"
    assert results["secret_key"]["message"].startswith("No secret key is set")
    assert results["secret_key"]["fix"].startswith("Set CLERK_SECRET_KEY")
    assert results["backend_api"]["status"] == "warning"
    assert results["frontend_api"]["status"] == "ok"
    assert results["key_mode"]["message"].startswith("Publishable key only")


def test_keys_of_two_environments_are_an_error(
    instance: LocalClerkInstance, live: LocalClerkInstance
) -> None:
    env = environ_for(instance, CLERK_SECRET_KEY=live.secret_key)
    code, out = run(env, both_apis(instance), "--json")
    result = by_id(out)["secret_key"]
    assert code == 1
    assert "is a production key but the publishable key a development key" in result["message"]
    assert result["fix"].startswith("Use the publishable and secret keys of the same")
    assert_no_secret(out, live.secret_key)


def test_keys_of_two_instances_are_an_error(instance: LocalClerkInstance) -> None:
    other = LocalClerkInstance(kid="ins_other")
    # The publishable key is this instance's, the secret key the other's.
    env = environ_for(instance, CLERK_SECRET_KEY=other.secret_key)
    code, out = run(env, both_apis(other, frontend=instance), "--json")
    results = by_id(out)
    assert code == 1
    assert results["backend_api"]["status"] == "ok"  # the secret key works on its instance
    same = results["same_instance"]
    assert same["status"] == "error"
    assert same["message"].startswith(
        "The publishable and secret keys are keys of two different instances"
    )
    assert "ins_other" in same["message"]
    assert "ins_localtest" in same["message"]
    assert same["fix"].startswith("Copy both keys from the API keys page of one Clerk instance")
    assert_no_secret(out, other.secret_key, instance.secret_key)


def test_a_secret_key_clerk_refuses_is_an_error(instance: LocalClerkInstance) -> None:
    stranger = "sk_test_" + "x" * 40
    code, out = run(environ_for(instance, CLERK_SECRET_KEY=stranger), both_apis(instance), "--json")
    result = by_id(out)["backend_api"]
    assert code == 1
    assert result["message"] == (
        "The Backend API at https://api.clerk.test/v1/jwks refused the request (HTTP 401)."
    )
    assert result["fix"].startswith("Copy the secret key again")
    assert by_id(out)["same_instance"]["status"] == "warning"
    assert_no_secret(out, stranger)


# ------------------------------------------------------------------------------ environment


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ENV", "production"),
        ("APP_ENV", "prod"),
        ("DJANGO_SETTINGS_MODULE", "shop.settings.production"),
        ("ENVIRONMENT", "PROD-eu"),
    ],
)
def test_development_keys_in_production_are_a_warning(
    instance: LocalClerkInstance, name: str, value: str
) -> None:
    code, out = run(environ_for(instance, **{name: value}), both_apis(instance), "--json")
    result = by_id(out)["environment"]
    assert code == 0
    assert result["status"] == "warning"
    assert result["message"] == (
        f"Development (test) keys in what looks like production ({name} says production)."
    )
    assert result["fix"].startswith("Deploy with the production (pk_live_/sk_live_) keys")


def test_a_word_containing_prod_is_not_production(instance: LocalClerkInstance) -> None:
    env = environ_for(instance, DJANGO_SETTINGS_MODULE="products.settings")
    _, out = run(env, both_apis(instance), "--json")
    assert by_id(out)["environment"]["status"] == "ok"


def test_live_keys_in_development_are_a_warning(live: LocalClerkInstance) -> None:
    code, out = run(environ_for(live, APP_ENV="development"), both_apis(live), "--json")
    result = by_id(out)["environment"]
    assert code == 0
    assert result["status"] == "warning"
    assert result["message"].startswith("Production (live) keys in what looks like development")
    assert result["fix"].startswith("Use the development (pk_test_/sk_test_) keys")


def test_debug_flags_the_environment(
    instance: LocalClerkInstance, live: LocalClerkInstance
) -> None:
    dev = check_environment(instance.options(), {}, debug=False)
    assert dev.status == "warning"
    assert "(DEBUG is off)" in dev.message
    prod = check_environment(live.options(), {}, debug=True)
    assert prod.status == "warning"
    assert "(DEBUG is on)" in prod.message
    assert check_environment(instance.options(), {}, debug=True).status == "ok"


# ------------------------------------------------------------------------------ authorized_parties


def test_live_keys_without_authorized_parties_are_an_error(live: LocalClerkInstance) -> None:
    env = environ_for(live, CLERK_AUTHORIZED_PARTIES="", ENV="production")
    code, out = run(env, both_apis(live), "--json")
    result = by_id(out)["authorized_parties"]
    assert code == 1
    assert result["status"] == "error"
    assert "a session token your Clerk instance minted for another site" in result["message"]
    assert "would be accepted here" in result["message"]
    assert result["fix"].startswith("Set authorized_parties (CLERK_AUTHORIZED_PARTIES)")


def test_live_keys_with_authorized_parties_pass(live: LocalClerkInstance) -> None:
    env = environ_for(live, CLERK_AUTHORIZED_PARTIES="https://shop.test", ENV="production")
    code, out = run(env, both_apis(live), "--json")
    assert code == 0, out
    assert by_id(out)["authorized_parties"] == {
        "id": "authorized_parties",
        "status": "ok",
        "message": "Session tokens are accepted only from https://shop.test.",
        "fix": "",
        "docs": "docs/troubleshooting.md#authorized_parties",
    }


# ------------------------------------------------------------------------------ reachability


def test_an_unreachable_clerk_is_an_error_naming_url_and_exception(
    instance: LocalClerkInstance,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    code, out = run(environ_for(instance), httpx.MockTransport(refuse), "--json")
    results = by_id(out)
    assert code == 1
    assert results["backend_api"]["message"] == (
        "The Backend API at https://api.clerk.test/v1/jwks is unreachable (ConnectError)."
    )
    assert results["backend_api"]["fix"].startswith("Check this machine's network")
    assert results["frontend_api"]["message"] == (
        "The Frontend API at https://clerk.local.test/.well-known/jwks.json is unreachable "
        "(ConnectError)."
    )
    assert results["same_instance"]["status"] == "warning"
    assert results["clock_skew"]["status"] == "warning"
    assert "connection refused" not in out
    assert_no_secret(out, instance.secret_key)


def test_an_answer_that_is_not_a_jwks_is_an_error(instance: LocalClerkInstance) -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    code, out = run(environ_for(instance), httpx.MockTransport(html), "--json")
    assert code == 1
    assert by_id(out)["backend_api"]["message"] == (
        "The Backend API at https://api.clerk.test/v1/jwks answered HTTP 502 without a JSON Web "
        "Key Set."
    )


def test_the_backend_api_on_loopback(instance: LocalClerkInstance) -> None:
    """The real HTTP stack: the Backend API served on 127.0.0.1, the Frontend API mocked."""
    fapi = both_apis(instance)
    with instance.serve() as server, httpx.Client() as real:

        def route(request: httpx.Request) -> httpx.Response:
            if request.url.host == instance.frontend_api:
                return fapi.handle_request(request)
            answer = real.send(request)
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.read())

        env = environ_for(instance, CLERK_API_URL=server.url)
        code, out = run(env, httpx.MockTransport(route), "--json")
    assert code == 0, out
    assert (
        f"The Backend API at {server.url}/v1/jwks answered in"
        in by_id(out)["backend_api"]["message"]
    )


# ------------------------------------------------------------------------------ clock


@pytest.mark.parametrize(
    ("offset", "status", "words"),
    [
        (0.0, "ok", "(tolerance 5 s)."),
        (-3.6, "warning", "ahead of Clerk's, within the 5 s clock_skew tolerance but close to it."),
        (4.0, "warning", "behind Clerk's, within the 5 s clock_skew tolerance"),
        (-30.0, "error", "ahead of Clerk's, more than the 5 s clock_skew tolerance"),
        (120.0, "error", "behind Clerk's, more than the 5 s clock_skew tolerance"),
    ],
)
def test_clock_skew_against_clerks_date(
    instance: LocalClerkInstance, offset: float, status: str, words: str
) -> None:
    clock = FakeClock(1_800_000_000.25)
    transport = both_apis(instance, date_offset=offset, clock=clock)
    code, out = run(environ_for(instance), transport, "--json", clock=clock)
    result = by_id(out)["clock_skew"]
    assert result["status"] == status
    assert words in result["message"]
    assert code == (1 if status == "error" else 0)
    if status != "ok":
        assert result["fix"].startswith("Synchronise this machine's clock with NTP")


def test_a_larger_clock_skew_setting_tolerates_more(instance: LocalClerkInstance) -> None:
    clock = FakeClock(1_800_000_000.0)
    env = environ_for(instance, CLERK_CLOCK_SKEW="60")
    _, out = run(env, both_apis(instance, date_offset=-30, clock=clock), "--json", clock=clock)
    assert by_id(out)["clock_skew"]["status"] == "warning"


def test_no_date_header_leaves_the_skew_unmeasured(instance: LocalClerkInstance) -> None:
    code, out = run(environ_for(instance), both_apis(instance, date_offset=None), "--json")
    assert code == 0
    assert by_id(out)["clock_skew"]["message"] == (
        "Not measured: Clerk sent no answer with a Date header."
    )


# ------------------------------------------------------------------------------ satellite


def test_a_satellite_without_domain_is_an_error(live: LocalClerkInstance) -> None:
    env = environ_for(live, CLERK_IS_SATELLITE="true")
    code, out = run(env, both_apis(live), "--json")
    result = by_id(out)["satellite"]
    assert code == 1
    assert result["message"].startswith("is_satellite is set but neither domain nor proxy_url is")
    assert result["fix"].startswith("Set CLERK_DOMAIN (or CLERK_PROXY_URL)")
    assert "backend_api" not in by_id(out)  # the app cannot start: nothing more to ask Clerk


def test_a_development_satellite_needs_an_absolute_sign_in_url(
    instance: LocalClerkInstance,
) -> None:
    env = environ_for(instance, CLERK_IS_SATELLITE="true", CLERK_DOMAIN="sat.test")
    code, out = run(env, both_apis(instance), "--json")
    assert code == 1
    assert by_id(out)["satellite"]["message"].startswith(
        "A development satellite needs sign_in_url (CLERK_SIGN_IN_URL)"
    )


def test_a_coherent_satellite_passes(instance: LocalClerkInstance) -> None:
    env = environ_for(
        instance,
        CLERK_IS_SATELLITE="true",
        CLERK_DOMAIN="sat.test",
        CLERK_SIGN_IN_URL="https://primary.test/sign-in",
    )
    code, out = run(env, both_apis(instance), "--json")
    assert code == 0, out
    assert by_id(out)["satellite"]["message"] == "A satellite application on domain sat.test."


def test_a_domain_without_is_satellite_is_a_warning(instance: LocalClerkInstance) -> None:
    result = check_satellite(instance.options(domain="sat.test"))
    assert result.status == "warning"
    assert result.message == (
        "domain is set (sat.test) but is_satellite is not, so the domain is ignored."
    )
    assert result.fix.startswith("Set CLERK_IS_SATELLITE=true")


def test_a_malformed_proxy_url_is_a_satellite_error(instance: LocalClerkInstance) -> None:
    env = environ_for(instance, CLERK_PROXY_URL="ftp://proxy.test")
    code, out = run(env, both_apis(instance), "--json")
    assert code == 1
    assert by_id(out)["satellite"]["message"].startswith("proxy_url 'ftp://proxy.test' must be")


def test_another_invalid_setting_is_a_settings_error(instance: LocalClerkInstance) -> None:
    env = environ_for(instance, CLERK_AUTHORIZED_PARTIES="https://shop.test/")
    code, out = run(env, both_apis(instance), "--json")
    result = by_id(out)["settings"]
    assert code == 1
    assert "authorized_parties entry 'https://shop.test/' is not an origin" in result["message"]


# ------------------------------------------------------------------------------ webhook secret


def test_a_malformed_webhook_secret_is_an_error_and_stays_hidden(
    instance: LocalClerkInstance,
) -> None:
    bad = "whsec_" + "not base64!" * 4
    env = environ_for(instance, CLERK_WEBHOOK_SIGNING_SECRET=bad)
    code, out = run(env, both_apis(instance), "--json")
    result = by_id(out)["webhook_secret"]
    assert code == 1
    assert result["message"].startswith("The webhook signing secret whsec_…")
    assert result["message"].endswith(
        "is malformed: expected 'whsec_' followed by base64 of at least 24 bytes."
    )
    assert result["fix"].startswith("Copy the signing secret again")
    assert_no_secret(out, bad)


def test_a_well_formed_webhook_secret_passes_and_stays_hidden(
    instance: LocalClerkInstance,
) -> None:
    _, out = run(environ_for(instance), both_apis(instance), "--json")
    assert by_id(out)["webhook_secret"]["status"] == "ok"
    assert_no_secret(out, instance.webhook_signing_secret)


def test_no_webhook_secret_no_webhook_check(instance: LocalClerkInstance) -> None:
    env = environ_for(instance)
    del env["CLERK_WEBHOOK_SIGNING_SECRET"]
    _, out = run(env, both_apis(instance), "--json")
    assert "webhook_secret" not in by_id(out)
    assert check_webhook_secret(None) is None


# ------------------------------------------------------------------------------ the functions


def test_mask_shows_the_prefix_and_at_most_four_characters() -> None:
    assert mask("sk_test_abcdefghijklmnopwxyz") == "sk_test_…wxyz"
    assert mask("whsec_c2VjcmV0c2VjcmV0c2VjcmV0") == "whsec_…cmV0"
    assert mask("sk_live_short") == "sk_live_…"  # too short to show any of it
    assert mask(None) == "(unset)"


def test_the_static_checks_need_no_network(
    instance: LocalClerkInstance, live: LocalClerkInstance
) -> None:
    results = static_checks(instance.options())
    assert [r.id for r in results] == [
        "publishable_key",
        "secret_key",
        "authorized_parties",
        "satellite",
    ]
    assert exit_code(results) == 0
    unprotected = live.options(authorized_parties=())
    assert check_authorized_parties(unprotected).status == "error"
    assert exit_code(static_checks(unprotected)) == 1


def test_check_key_shapes_reads_raw_strings() -> None:
    results = check_key_shapes(None, None)
    assert [(r.id, r.status) for r in results] == [
        ("publishable_key", "error"),
        ("secret_key", "error"),
    ]


def test_check_apis_with_any_client(instance: LocalClerkInstance) -> None:
    with httpx.Client(transport=both_apis(instance)) as client:
        results = check_apis(instance.options(), client)
    assert [r.id for r in results] == ["backend_api", "frontend_api", "same_instance", "clock_skew"]
    assert all(r.status == "ok" for r in results)


def test_format_human_names_errors_and_fixes() -> None:
    text = format_human([CheckResult("x", "error", "Broken.", "Mend it.")])
    assert text == (
        "ERROR   x: Broken. Fix: Mend it. See: docs/troubleshooting.md#x\n"
        "1 checks: 1 error, 0 warnings.\n"
    )


def test_the_documented_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "doctor.md").read_text("utf-8")
    section = page.split("## Try it against the local instance", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    exec(compile(code.group(1), "docs/doctor.md", "exec"), {"__name__": "doc_example"})  # noqa: S102
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1] == "9 checks: 0 errors, 0 warnings."
    assert "same_instance: The publishable and secret keys belong to the same instance" in printed


def test_networkless_verification_without_a_secret_key_is_a_warning(
    instance: LocalClerkInstance,
) -> None:
    env = environ_for(instance, CLERK_JWT_KEY=instance.public_key_pem())
    del env["CLERK_SECRET_KEY"]
    code, out = run(env, both_apis(instance), "--json")
    results = by_id(out)
    assert code == 0
    assert results["secret_key"]["status"] == "warning"
    assert results["secret_key"]["message"].startswith(
        "No secret key is set: session tokens are verified with jwt_key"
    )
    assert results["backend_api"]["status"] == "warning"


def test_the_command_line_exit_statuses() -> None:
    """``python -m clerk_core doctor`` as a process: with no keys it asks nothing of the network
    and exits 1; an unknown option exits 2."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLERK_")}
    env["PYTHONPATH"] = str(root)
    command = [sys.executable, "-m", "clerk_core", "doctor"]
    done = subprocess.run(
        [*command, "--json"], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 1
    results = by_id(done.stdout)
    assert results["secret_key"]["message"].startswith("No secret key is set")
    assert results["backend_api"]["message"] == (
        "The Backend API was not called: no secret key is set."
    )
    usage = subprocess.run(
        [*command, "--bogus"], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert usage.returncode == 2
    assert "unrecognized arguments: --bogus" in usage.stderr


def test_credentials_in_the_api_url_and_odd_kids_are_not_printed(
    instance: LocalClerkInstance,
) -> None:
    def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"keys": [{"kid": "ins_\x1b[31mred" + "x" * 100}]})

    env = environ_for(instance, CLERK_API_URL="https://ops:hunter2@api.clerk.test")
    _, out = run(env, httpx.MockTransport(odd), "--json")
    backend = by_id(out)["backend_api"]["message"]
    assert "hunter2" not in out
    assert "https://api.clerk.test/v1/jwks answered in" in backend
    assert "\x1b" not in backend
    assert "ins_?[31mred" in backend
    assert len(backend) < 200
