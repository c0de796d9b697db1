"""``python -m clerk_core explain``: tokens and captured requests explained against the local
instance, with every secret value kept out of the output."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from clerk_core.__main__ import main
from clerk_core.explain import CAUSES, cause_of, parse_request, redact
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.doctor_kit import environ_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def instance(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(clock=clock)


def explain(
    instance: LocalClerkInstance,
    clock: FakeClock,
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with httpx.Client(transport=instance.transport()) as client:
        code = main(
            ["explain", *args],
            http_client=client,
            environ=environ_for(instance) if env is None else env,
            clock=clock,
            stdout=out,
            stderr=err,
            stdin=io.StringIO(stdin),
        )
    return code, out.getvalue(), err.getvalue()


def explain_json(
    instance: LocalClerkInstance, clock: FakeClock, *args: str, stdin: str = ""
) -> tuple[int, dict[str, Any]]:
    code, out, err = explain(instance, clock, *args, "--json", stdin=stdin)
    assert err == ""
    report: dict[str, Any] = json.loads(out)
    return code, report


def assert_hidden(output: str, *values: str) -> None:
    """None of ``values`` (tokens, signatures, cookie values, keys) appears whole."""
    for value in values:
        assert value not in output


def signature(token: str) -> str:
    return token.rsplit(".", 1)[1]


# ------------------------------------------------------------------------------ tokens


def test_a_valid_token_is_signed_in_and_shown_redacted(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    token = instance.session_token("user_42", org_id="org_7", org_role="admin", plans=["u:pro"])
    code, out, _ = explain(instance, clock, token)
    assert code == 0
    assert "Verdict: SIGNED IN" in out
    assert "sub: user_42" in out
    assert "sid: sess_42" in out
    assert "azp: http://127.0.0.1:8000" in out
    assert '"id": "org_7"' in out
    assert "pla: u:pro" in out
    assert "header: alg=RS256, kid=ins_localtest, typ=JWT" in out
    assert "exp: 2023-11-14 22:14:20 UTC (in 60 s)" in out
    assert f"Token: {token[:8]}… ({len(token)} chars)" in out
    assert_hidden(out, token, signature(token), instance.secret_key)


def test_expired_token_names_the_reason_cause_and_fix(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    token = instance.expired_token()
    code, report = explain_json(instance, clock, token)
    assert code == 1
    verdict = report["verdict"]
    assert verdict["signed_in"] is False
    assert verdict["reason"] == "token-expired"
    assert verdict["message"].startswith("JWT is expired.")
    assert "tab" in verdict["cause"]
    assert "clock" in verdict["cause"]
    assert report["token"]["claims"]["exp"]["relative"] == "60 s ago"
    assert_hidden(json.dumps(report), token, signature(token))


def test_a_token_of_another_instance_is_a_kid_mismatch(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    token = LocalClerkInstance(kid="other", clock=clock).session_token()
    code, report = explain_json(instance, clock, token)
    assert code == 1
    assert report["token"]["header"]["kid"] == "other"
    assert report["verdict"]["reason"] == "jwk-kid-mismatch"
    assert "another Clerk instance" in report["verdict"]["cause"]
    assert "doctor" in report["verdict"]["fix"]


def test_bad_signature(instance: LocalClerkInstance, clock: FakeClock) -> None:
    token = instance.bad_signature_token()
    code, out, _ = explain(instance, clock, token)
    assert code == 1
    assert "reason: token-invalid-signature" in out
    assert "tampered" in out or "altered" in out
    assert_hidden(out, token, signature(token))


def test_wrong_azp_says_to_add_the_origin(instance: LocalClerkInstance, clock: FakeClock) -> None:
    code, report = explain_json(instance, clock, instance.wrong_azp_token())
    assert code == 1
    assert report["verdict"]["reason"] == "token-invalid-authorized-parties"
    assert report["token"]["claims"]["azp"] == "https://evil.example"
    assert "authorized_parties" in report["verdict"]["fix"]


def test_a_token_not_yet_valid_points_at_the_clock(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    code, report = explain_json(instance, clock, instance.not_yet_valid_token())
    assert code == 1
    assert report["verdict"]["reason"] == "token-not-active-yet"
    assert "clock" in report["verdict"]["cause"]
    assert "NTP" in report["verdict"]["fix"]


def test_token_from_stdin_with_a_pasted_bearer_prefix(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    token = instance.session_token()
    code, report = explain_json(instance, clock, "-", stdin=f"Authorization: Bearer {token}\n")
    assert code == 0
    assert report["verdict"]["status"] == "signed-in"
    assert report["token"]["token"] == redact(token)


def test_garbage_is_not_a_jwt(instance: LocalClerkInstance, clock: FakeClock) -> None:
    code, report = explain_json(instance, clock, "not-a-token")
    assert code == 1
    assert report["verdict"]["reason"] == "token-invalid"
    assert "three parts" in report["token"]["decode_error"]


def test_unknown_long_claims_are_truncated(instance: LocalClerkInstance, clock: FakeClock) -> None:
    secretish = "x" * 50
    token = instance.session_token(claims={"custom": secretish, "short": "ok"})
    code, report = explain_json(instance, clock, token)
    assert code == 0
    assert report["token"]["other_claims"] == {"custom": "xxxxxxxx… (50 chars)", "short": "ok"}
    assert_hidden(json.dumps(report), secretish)


def test_json_report_fields(instance: LocalClerkInstance, clock: FakeClock) -> None:
    code, report = explain_json(instance, clock, instance.session_token())
    assert code == 0
    assert report["kind"] == "token"
    assert set(report) == {"kind", "instance", "token", "verdict"}
    assert set(report["verdict"]) == {"signed_in", "status", "reason", "message", "cause", "fix"}
    assert report["instance"]["secret_key"].startswith("sk_test_…")
    assert set(report["token"]["header"]) >= {"alg", "kid", "typ", "cat"}
    assert report["token"]["claims"]["iat"]["utc"] == "2023-11-14 22:13:20 UTC"


def test_a_pending_session_verifies_but_is_explained(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    code, report = explain_json(instance, clock, instance.session_token(sts="pending"))
    assert code == 0
    assert report["token"]["claims"]["sts"] == "pending"
    assert "pending" in report["verdict"]["cause"]


def test_unreachable_backend_api_is_jwk_remote_failed_to_load(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    out = io.StringIO()
    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        code = main(
            ["explain", "--json", instance.session_token()],
            http_client=client,
            environ=environ_for(instance),
            clock=clock,
            stdout=out,
        )
    assert code == 1
    verdict = json.loads(out.getvalue())["verdict"]
    assert verdict["reason"] == "jwk-remote-failed-to-load"
    assert "CLERK_API_URL" in verdict["fix"]


def test_networkless_verification_with_jwt_key(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    env = environ_for(instance, CLERK_JWT_KEY=instance.public_key_pem())
    code, out, _ = explain(instance, clock, "--json", instance.session_token(), env=env)
    assert code == 0
    assert json.loads(out)["instance"]["key_source"] == "jwt_key"
    assert instance.jwks_requests == 0


# ------------------------------------------------------------------------------ requests


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


def as_json(view: Any) -> str:
    return json.dumps({"method": view.method, "url": view.url, "headers": view.headers})


def test_a_bearer_request_uses_the_header(
    instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path
) -> None:
    token = instance.session_token()
    path = write(tmp_path, "req.json", as_json(instance.request("/api", bearer=token)))
    code, report = explain_json(instance, clock, "--request", path)
    assert code == 0
    assert report["request"]["token_source"] == "header"
    assert report["request"]["cookie"] is None
    assert report["verdict"]["status"] == "signed-in"
    assert_hidden(json.dumps(report), token, signature(token))


def test_a_cookie_request_names_the_session_cookie(
    instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path
) -> None:
    token = instance.session_token()
    path = write(tmp_path, "req.json", as_json(instance.request("/", session=token)))
    code, out, _ = explain(instance, clock, "--request", path)
    assert code == 0
    assert "Token source: cookies; Clerk reads __session\n" in out
    assert "Verdict: SIGNED IN" in out
    assert_hidden(out, token, signature(token), instance.dev_browser_token)


def test_a_cookie_request_with_suffixed_cookies(
    instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path
) -> None:
    token = instance.session_token()
    cookies = instance.cookies(token, suffixed=True)
    request = {
        "method": "GET",
        "url": "http://127.0.0.1:8000/",
        "headers": {"Host": "127.0.0.1:8000"},
        "cookies": cookies,
    }
    path = write(tmp_path, "req.json", json.dumps(request))
    code, report = explain_json(instance, clock, "--request", path)
    assert code == 0
    assert report["request"]["cookie"] == f"__session_{instance.cookie_suffix}"
    assert report["request"]["token_source"] == "cookie"
    assert f"__session_{instance.cookie_suffix}" in report["request"]["clerk_cookies"]
    assert_hidden(json.dumps(report), token, *cookies.values())


def test_an_expired_cookie_on_a_page_would_handshake(
    instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path
) -> None:
    token = instance.expired_token()
    view = instance.request("/dashboard", session=token, document=True)
    path = write(tmp_path, "req.json", as_json(view))
    code, report = explain_json(instance, clock, "--request", path)
    assert code == 1
    assert report["verdict"]["status"] == "handshake"
    assert report["verdict"]["reason"].startswith("session-token-expired-refresh-")
    assert report["handshake"]["would_happen"] is True
    headers = dict(report["headers"])
    assert headers["location"].startswith("https://clerk.local.test/v1/client/handshake?")
    assert "__session=…" in headers["location"]
    assert re.fullmatch(r"__clerk_redirect_count=… \(1 chars\); .*", headers["set-cookie"])
    assert_hidden(json.dumps(report), token, signature(token), instance.dev_browser_token)


def test_an_expired_cookie_on_a_fetch_is_signed_out_without_handshake(
    instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path
) -> None:
    view = instance.request("/api", session=instance.expired_token())
    path = write(tmp_path, "req.json", as_json(view))
    code, report = explain_json(instance, clock, "--request", path)
    assert code == 1
    assert report["verdict"]["status"] == "signed-out"
    assert report["handshake"]["would_happen"] is False
    assert "Not a page navigation" in report["handshake"]["why"]


def test_no_cookies_at_all(instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path) -> None:
    request = {"method": "GET", "url": "http://127.0.0.1:8000/api", "headers": {}}
    path = write(tmp_path, "req.json", json.dumps(request))
    code, out, _ = explain(instance, clock, "--request", path)
    assert code == 1
    assert "(no Clerk cookies)" in out
    assert "dev-browser-missing" in out or "session-token-and-uat-missing" in out


def test_raw_http_request_file(
    instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path
) -> None:
    token = instance.session_token()
    view = instance.request("/page?x=1", session=token)
    text = "GET /page?x=1 HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in view.headers.items())
    path = write(tmp_path, "req.http", text + "\r\nbody ignored")
    code, report = explain_json(instance, clock, "--request", path)
    assert code == 0
    assert report["request"]["url"] == "http://127.0.0.1:8000/page?x=…"
    assert report["request"]["cookie"] == "__session"


def test_http2_pseudo_headers_and_curl(instance: LocalClerkInstance) -> None:
    h2 = parse_request(
        ":method: POST\n:authority: app.test\n:scheme: https\n:path: /a\ncookie: a=b\n"
    )
    assert (h2.method, h2.url, h2.cookies) == ("POST", "https://app.test/a", {"a": "b"})
    curl = parse_request(
        "curl 'https://app.test/api' \\\n  -H 'authorization: Bearer abc.def.ghi' \\\n"
        "  -b '__session=x; __client_uat=1' --compressed"
    )
    assert curl.method == "GET"
    assert curl.headers["authorization"] == "Bearer abc.def.ghi"
    assert curl.cookies == {"__session": "x", "__client_uat": "1"}
    assert curl.headers["host"] == "app.test"


def test_request_from_stdin(instance: LocalClerkInstance, clock: FakeClock) -> None:
    view = instance.request("/", bearer=instance.session_token())
    code, report = explain_json(instance, clock, "--request", "-", stdin=as_json(view))
    assert code == 0
    assert report["kind"] == "request"


# ------------------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"method": "GET"}', '"url"'),
        ('{"url": "http://a.test/", "headers": 3}', '"headers"'),
        ("", "empty"),
        ("hello", "request line"),
    ],
)
def test_malformed_request_files_are_usage_errors(
    instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path, "req.txt", content)
    code, out, err = explain(instance, clock, "--request", path)
    assert code == 2
    assert out == ""
    assert message in err


def test_unreadable_file_and_bad_arguments(
    instance: LocalClerkInstance, clock: FakeClock, tmp_path: Path
) -> None:
    code, _, err = explain(instance, clock, "--request", str(tmp_path / "missing.json"))
    assert code == 2
    assert "cannot read" in err
    assert "FileNotFoundError" in err
    assert explain(instance, clock)[0] == 2
    assert explain(instance, clock, "tok", "--request", "x")[0] == 2
    with pytest.raises(SystemExit) as exc:
        explain(instance, clock, "--jsn")
    assert exc.value.code == 2


def test_refused_settings_are_a_usage_error(instance: LocalClerkInstance, clock: FakeClock) -> None:
    token = instance.session_token()
    code, out, err = explain(instance, clock, token, env={"CLERK_SECRET_KEY": instance.secret_key})
    assert code == 2
    assert "doctor" in err
    assert_hidden(out + err, token, instance.secret_key)


# ------------------------------------------------------------------------------ helpers


def test_redact_shows_at_most_eight_characters() -> None:
    assert redact("abcdefghijkl") == "abcdefgh… (12 chars)"
    assert redact("short") == "… (5 chars)"
    assert redact(None) == "(none)"


def test_every_reason_constant_has_a_cause_and_fix() -> None:
    from clerk_core.errors import TokenVerificationErrorReason
    from clerk_core.state import AuthErrorReason

    for reason in [*TokenVerificationErrorReason, *AuthErrorReason]:
        cause, fix = cause_of(reason.value)
        assert reason.value in CAUSES, reason
        assert cause.endswith("."), reason
        assert fix.endswith("."), reason
    cause, _ = cause_of("session-token-expired-refresh-fetch-error")
    assert "(fetch-error)" in cause


def test_the_documented_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    page = (ROOT / "docs" / "explain.md").read_text("utf-8")
    section = page.split("## Try it against the local instance", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    exec(compile(code.group(1), "docs/explain.md", "exec"), {"__name__": "doc_example"})  # noqa: S102
    printed = capsys.readouterr().out
    assert "Verdict: SIGNED-OUT (reason: jwk-kid-mismatch)" in printed
    assert printed.splitlines()[-1] == "__session signed-out jwk-kid-mismatch"
