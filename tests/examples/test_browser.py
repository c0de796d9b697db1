"""The example apps (FastAPI, Flask, Django) in headless Chromium (Debian's), driven by Playwright
and the end-to-end helpers of ``clerk_core.testing.e2e``, each served on 127.0.0.1 with the local
Clerk instance.

The same journey for each: signed out -> sign-in page -> sign in as the member -> dashboard ->
admin area refused -> sign out -> signed out again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clerk_core.testing.e2e import ClerkE2E
from tests.examples.conftest import require_playwright

require_playwright()


@pytest.fixture(scope="module")
def e2e() -> Iterator[ClerkE2E]:
    """The helpers in local mode, whatever keys the environment holds: the example apps are served
    here with the local instance (``environ={}``, or no ``CLERK_*`` variable for Django)."""
    helper = ClerkE2E.from_env({})
    yield helper
    helper.close()


def member_journey(page: Any, e2e: ClerkE2E, base: str, admin_path: str, shots: Path) -> None:
    try:
        page.goto(f"{base}/dashboard")
        page.wait_for_url(f"{base}/sign-in?**")
        assert "Local Clerk instance" in page.inner_text("body")

        e2e.setup_testing_token(page)
        e2e.sign_in(page, "user_member")  # clicks button[data-user=user_member]
        page.wait_for_url(f"{base}/dashboard")
        assert page.inner_text("#greeting") == "Hello, Max Member!"

        page.goto(f"{base}{admin_path}")
        page.wait_for_url(f"{base}/no-access")
        assert "for organization admins" in page.inner_text("#refused")

        page.click("text=Sign out")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/dashboard")
        page.wait_for_url(f"{base}/sign-in?**")
    except Exception:
        page.screenshot(path=str(shots / "failure.png"), full_page=True)
        raise


def test_fastapi_member_signs_in_and_out(
    live_server_factory: Any, browser_page: Any, e2e: ClerkE2E, tmp_path: Path
) -> None:
    pytest.importorskip("fastapi")
    from example_apps.fastapi_app import create_app

    server = live_server_factory(create_app({}))
    member_journey(browser_page, e2e, server.url, "/admin", tmp_path)


def test_flask_member_signs_in_and_out(
    live_server_factory: Any, browser_page: Any, e2e: ClerkE2E, tmp_path: Path
) -> None:
    pytest.importorskip("flask")
    from example_apps.flask_app import create_app

    server = live_server_factory(create_app({}), wsgi=True)
    member_journey(browser_page, e2e, server.url, "/admin", tmp_path)


def test_django_member_signs_in_and_out(
    django_live_server: Any, browser_page: Any, e2e: ClerkE2E, tmp_path: Path
) -> None:
    member_journey(browser_page, e2e, django_live_server.url, "/admin-area", tmp_path)


def test_signing_in_a_user_the_page_does_not_offer_says_so(
    live_server_factory: Any, browser_page: Any, e2e: ClerkE2E
) -> None:
    pytest.importorskip("fastapi")
    from example_apps.fastapi_app import create_app

    server = live_server_factory(create_app({}))
    browser_page.goto(f"{server.url}/")
    with pytest.raises(LookupError, match="offers no user 'user_nobody'"):
        e2e.sign_in(browser_page, "user_nobody", timeout=1_000)


def test_sign_in_by_email_and_sign_out_from_any_page(
    live_server_factory: Any, browser_page: Any, e2e: ClerkE2E
) -> None:
    """An email address is looked up through the (local) Backend API; signing in from a page
    comes back to it; ``sign_out`` works from any page of the app."""
    pytest.importorskip("fastapi")
    from example_apps.fastapi_app import create_app

    server = live_server_factory(create_app({}))
    browser_page.goto(f"{server.url}/")
    e2e.sign_in(browser_page, "ada@acme.test")
    browser_page.wait_for_url(f"{server.url}/")
    browser_page.goto(f"{server.url}/admin")
    assert browser_page.url == f"{server.url}/admin"
    e2e.sign_out(browser_page)
    browser_page.goto(f"{server.url}/dashboard")
    browser_page.wait_for_url(f"{server.url}/sign-in?**")
