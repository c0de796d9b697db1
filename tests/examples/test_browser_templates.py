"""The template helpers in headless Chromium: the example apps' pages built with them, drawn by
the local instance's ClerkJS stand-in, under Clerk's strict Content Security Policy.

The browser reports every script the policy blocks; none may be blocked, so the nonce the
helpers put on their tags is the one in the header, and ClerkJS (here, its stand-in) still loads
and mounts the sign-in and the user button.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import Page, sync_playwright

from tests.examples.conftest import CHROMIUM_ARGS, free_port


def journey(page: Page, url: str) -> None:
    """Signed out -> the app's sign-in page (the mounted stand-in) -> member -> user button ->
    sign out."""
    page.goto(f"{url}/dashboard")
    page.wait_for_url(f"{url}/sign-in?**")
    page.click("button[data-user=user_member]")
    page.wait_for_url(f"{url}/dashboard")
    assert page.inner_text("#greeting") == "Hello, Max Member!"
    assert "Max Member" in page.inner_text(".cl-userButton")
    page.click(".cl-userButton >> text=Sign out")
    page.wait_for_url(f"{url}/")
    page.goto(f"{url}/dashboard")
    page.wait_for_url(f"{url}/sign-in?**")


def run_in_browser(chromium_path: str, url: str, tmp_path: Path) -> list[str]:
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        try:
            journey(page, url)
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    return refused


def test_fastapi_example_under_a_strict_policy(
    chromium_path: str, live_server_factory: Any, tmp_path: Path
) -> None:
    pytest.importorskip("fastapi")
    from example_apps.fastapi_app import create_app

    server = live_server_factory(create_app({"CLERK_CONTENT_SECURITY_POLICY": "strict"}))
    assert run_in_browser(chromium_path, server.url, tmp_path) == []


def test_flask_example_under_a_strict_policy(chromium_path: str, tmp_path: Path) -> None:
    pytest.importorskip("flask")
    from werkzeug.serving import make_server

    from example_apps.flask_app import create_app

    app = create_app({"CLERK_CONTENT_SECURITY_POLICY": "strict"})
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        assert run_in_browser(chromium_path, url, tmp_path) == []
    finally:
        server.shutdown()
        thread.join(10)
