"""The FastAPI example in headless Chromium (Debian's), driven by Playwright, on 127.0.0.1.

Signed out -> sign-in page -> sign in as the member -> dashboard -> admin area refused -> sign out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import sync_playwright

from example_apps.fastapi_app import create_app
from tests.examples.conftest import CHROMIUM_ARGS


def test_member_signs_in_and_out(
    chromium_path: str, live_server_factory: Any, tmp_path: Path
) -> None:
    server = live_server_factory(create_app({}))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        try:
            page.goto(f"{server.url}/dashboard")
            page.wait_for_url(f"{server.url}/sign-in?**")
            assert "Local Clerk instance" in page.inner_text("body")

            page.click("button[data-user=user_member]")
            page.wait_for_url(f"{server.url}/dashboard")
            assert page.inner_text("#greeting") == "Hello, Max Member!"

            page.goto(f"{server.url}/admin")
            page.wait_for_url(f"{server.url}/no-access")
            assert "for organization admins" in page.inner_text("#refused")

            page.click("text=Sign out")
            page.wait_for_url(f"{server.url}/")
            page.goto(f"{server.url}/dashboard")
            page.wait_for_url(f"{server.url}/sign-in?**")
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
