"""Reverification end to end: the local instance's ``fva``, its reverify endpoint, and each example
app's "Delete my data" action in headless Chromium.

A test user signs in with factors verified an hour ago (``fva = [60, 60]``), so the action, protected
with ``reverification="strict"`` (10 minutes), answers Clerk's 403 reverification hint; the
dashboard's ``data-clerk-reverify`` form opens the stand-in's "Verify it's you" prompt (as ClerkJS's
``useReverification()`` opens Clerk's), and once the user confirms, the request is sent again and
succeeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from clerk_core import RequestView
from clerk_core.testing import LocalClerkInstance, LocalFrontendAPI
from tests.examples.conftest import CHROMIUM_ARGS, free_port

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1:8000"
ORIGIN = f"http://{HOST}"
# What the three example apps' "Delete my data" answers once the user verified.
MESSAGE = "Verified recently: a real app would delete your data now (this demo deletes nothing)."


# ---------------------------------------------------------------------- the local instance
def view(path: str, method: str = "GET", **headers: str) -> RequestView:
    return RequestView(method, f"{ORIGIN}{path}", {"host": HOST, **headers})


def cookie_values(response: Any) -> dict[str, str]:
    pairs = (v.split(";")[0].split("=", 1) for k, v in response.headers if k == "set-cookie")
    return dict(pairs)


def signed_in(frontend: LocalFrontendAPI, user: str = "user_member") -> dict[str, str]:
    response = frontend.handle(view("/sign-in", "POST"), f"user_id={user}".encode())
    assert response is not None
    assert response.status == 303
    return cookie_values(response)


def fva(token: str) -> Any:
    return jwt.decode(token, options={"verify_signature": False}).get("fva")


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def test_verify_session_sets_the_fva_of_later_tokens() -> None:
    now = [1_000_000.0]
    instance = LocalClerkInstance(clock=lambda: now[0])
    assert fva(instance.session_token("user_a", session_id="sess_a")) is None
    instance.verify_session("sess_a", at=now[0] - 30 * 60)
    assert fva(instance.session_token("user_a", session_id="sess_a")) == [30, 30]
    now[0] += 5 * 60
    assert instance.factor_verification_age("sess_a") == [35, 35]
    instance.verify_session("sess_a")
    assert fva(instance.session_token("user_a", session_id="sess_a")) == [0, 0]
    # An explicit fva still wins, and other sessions are untouched.
    assert fva(instance.session_token("user_a", session_id="sess_a", fva=[7, -1])) == [7, -1]
    assert instance.factor_verification_age("sess_other") is None


def test_sign_in_is_an_hour_old_and_reverify_makes_it_fresh() -> None:
    frontend = LocalFrontendAPI(environ={})
    engine = frontend.clerk()
    cookies = signed_in(frontend)
    assert fva(cookies["__session"]) == [60, 60]

    def strict_passes(token: str) -> bool:
        request = view("/api/danger-zone", "POST", authorization=f"Bearer {token}")
        return engine.authenticate_request(request).to_auth().has(reverification="strict")

    assert not strict_passes(cookies["__session"])

    reverify = frontend.handle(
        view("/__clerk/v1/local/reverify", "POST", origin=ORIGIN, cookie=cookie_header(cookies))
    )
    assert reverify is not None
    assert reverify.status == 200
    assert json.loads(reverify.body) == {"verified": True, "fva": [0, 0]}
    assert ("cache-control", "no-store") in reverify.headers
    fresh = cookie_values(reverify)["__session"]
    assert fva(fresh) == [0, 0]
    assert strict_passes(fresh)

    # The handshake (a page load after the token expired) mints the same fresh fva.
    handshake = frontend.handle(
        view("/__clerk/v1/client/handshake?redirect_url=/", cookie=cookie_header(cookies))
    )
    assert handshake is not None
    assert fva(cookie_values(handshake)["__session"]) == [0, 0]
    # So does the Backend API's session token endpoint.
    sid = jwt.decode(fresh, options={"verify_signature": False})["sid"]
    minted = frontend.instance.transport().handle_request(
        httpx.Request(
            "POST",
            f"{frontend.instance.api_url}/v1/sessions/{sid}/tokens",
            headers={"authorization": f"Bearer {frontend.instance.secret_key}"},
            json={},
        )
    )
    assert minted.status_code == 200
    assert fva(minted.json()["jwt"]) == [0, 0]


def test_sign_in_factor_age_is_configurable_and_checked() -> None:
    frontend = LocalFrontendAPI(environ={}, sign_in_factor_age=0)
    assert fva(signed_in(frontend)["__session"]) == [0, 0]
    with pytest.raises(ValueError, match="sign_in_factor_age"):
        LocalFrontendAPI(environ={}, sign_in_factor_age=-1)


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.test"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {},  # neither Origin nor Sec-Fetch-Site: not provably same-origin
    ],
)
def test_reverify_is_same_origin_only(headers: dict[str, str]) -> None:
    frontend = LocalFrontendAPI(environ={})
    cookies = signed_in(frontend)
    response = frontend.handle(
        view("/__clerk/v1/local/reverify", "POST", cookie=cookie_header(cookies), **headers)
    )
    assert response is not None
    assert response.status == 403
    assert json.loads(response.body)["error"] == "cross-origin-request"
    assert "set-cookie" not in dict(response.headers)


def test_reverify_needs_a_signed_in_browser() -> None:
    frontend = LocalFrontendAPI(environ={})
    for cookie in ("", "__local_clerk_client=unknown"):
        response = frontend.handle(
            view("/__clerk/v1/local/reverify", "POST", origin=ORIGIN, cookie=cookie)
        )
        assert response is not None
        assert response.status == 401
        assert "set-cookie" not in dict(response.headers)
    # GET is not the endpoint.
    response = frontend.handle(view("/__clerk/v1/local/reverify", origin=ORIGIN))
    assert response is not None
    assert response.status == 404


# ---------------------------------------------------------------------- the example apps' action
HINT = {
    "clerk_error": {
        "type": "forbidden",
        "reason": "reverification-error",
        "metadata": {"reverification": {"level": "second_factor", "afterMinutes": 10}},
    }
}


def body_of(response: Any) -> Any:
    """The JSON body of an httpx (TestClient) or a Werkzeug test response."""
    return response.json() if callable(response.json) else response.json


def action_journey(client: Any, origin: str) -> None:
    """Sign in as the member; the action is refused with the hint until the user re-verifies."""
    headers = {"origin": origin}  # a browser's fetch sends it; the engine needs it on a POST
    client.post("/sign-in", data={"user_id": "user_member", "redirect_url": "/"})
    dashboard = client.get("/dashboard", headers={"sec-fetch-dest": "document"})
    assert dashboard.status_code == 200
    assert 'action="/api/danger-zone" data-clerk-reverify' in dashboard.text
    refused = client.post("/api/danger-zone", headers=headers)
    assert refused.status_code == 403
    assert body_of(refused) == HINT
    verified = client.post("/__clerk/v1/local/reverify", headers=headers)
    assert verified.status_code == 200
    done = client.post("/api/danger-zone", headers=headers)
    assert done.status_code == 200
    assert body_of(done) == {"message": MESSAGE, "user_id": "user_member"}


def test_fastapi_example_action_needs_a_recent_verification() -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from example_apps.fastapi_app import create_app

    client = TestClient(create_app({}), base_url="http://127.0.0.1:8000", follow_redirects=False)
    action_journey(client, "http://127.0.0.1:8000")


def test_flask_example_action_needs_a_recent_verification() -> None:
    pytest.importorskip("flask")
    from example_apps.flask_app import create_app

    action_journey(create_app({}).test_client(), "http://localhost")


# The Django example's own suite (example_apps/django_app/shop/tests.py, run by
# tests/examples/test_django_app.py) checks its DRF action the same way.


# ---------------------------------------------------------------------- in the browser
def journey(page: Any, url: str, message: str) -> None:
    """Sign in as the member, press "Delete my data": cancel the prompt once, then confirm it and
    see the action succeed; a second press needs no prompt (the verification is fresh)."""
    page.goto(f"{url}/dashboard")
    page.wait_for_url(f"{url}/sign-in?**")
    page.click("button[data-user=user_member]")
    page.wait_for_url(f"{url}/dashboard")
    page.wait_for_selector("html[data-clerk-loaded=true]", state="attached")
    form = "form[data-clerk-reverify]"

    page.click("#delete-my-data")
    prompt = page.wait_for_selector(".cl-userVerification")
    assert "Verify it's you" in prompt.inner_text()
    page.click(".cl-reverification-cancel")
    page.wait_for_selector(f"{form}[data-clerk-reverify-state=cancelled]")
    assert page.inner_text(f"{form} output") == "Verification cancelled."

    page.click("#delete-my-data")
    page.wait_for_selector(".cl-userVerification")
    page.click(".cl-reverification-continue")
    page.wait_for_selector(f"{form}[data-clerk-reverify-state=done]")
    assert page.inner_text(f"{form} output") == message
    assert page.query_selector(".cl-userVerification") is None

    page.click("#delete-my-data")
    page.wait_for_selector(f"{form}[data-clerk-reverify-state=done]")
    assert page.query_selector(".cl-userVerification") is None
    assert page.inner_text(f"{form} output") == message

    # The helper hands any other answer back untouched, with no prompt.
    wrapped = "window.ClerkIntegrations.withReverification(() => fetch('/no-such-page'))()"
    assert page.evaluate(f"{wrapped}.then(response => response.status)") == 404
    assert page.query_selector(".cl-userVerification") is None


def run_in_browser(chromium_path: str, url: str, message: str, tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                errors.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        try:
            journey(page, url, message)
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
        assert errors == []


def test_fastapi_example_reverifies_in_the_browser(
    chromium_path: str, live_server_factory: Any, tmp_path: Path
) -> None:
    pytest.importorskip("fastapi")
    from example_apps.fastapi_app import create_app

    # Under Clerk's strict Content Security Policy: the prompt and the retry need nothing it blocks.
    server = live_server_factory(create_app({"CLERK_CONTENT_SECURITY_POLICY": "strict"}))
    run_in_browser(chromium_path, server.url, MESSAGE, tmp_path)


def test_flask_example_reverifies_in_the_browser(chromium_path: str, tmp_path: Path) -> None:
    pytest.importorskip("flask")
    from werkzeug.serving import make_server

    from example_apps.flask_app import create_app

    server = make_server("127.0.0.1", free_port(), create_app({}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        run_in_browser(chromium_path, url, MESSAGE, tmp_path)
    finally:
        server.shutdown()
        thread.join(10)


@contextmanager
def django_example_server(tmp_path: Path) -> Iterator[str]:
    """The Django example project (its own settings, so its own process) on 127.0.0.1."""
    manage = str(ROOT / "example_apps" / "django_app" / "manage.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "DJANGO_"))}
    env["DJANGO_DB"] = str(tmp_path / "db.sqlite3")
    subprocess.run(
        [sys.executable, manage, "migrate", "--noinput"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    log = (tmp_path / "runserver.log").open("w")
    process = subprocess.Popen(
        [sys.executable, manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the Django example did not start: "
                        + (tmp_path / "runserver.log").read_text()
                    ) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def test_django_example_reverifies_in_the_browser(chromium_path: str, tmp_path: Path) -> None:
    pytest.importorskip("django")
    pytest.importorskip("rest_framework")
    with django_example_server(tmp_path) as url:
        run_in_browser(chromium_path, url, MESSAGE, tmp_path)
