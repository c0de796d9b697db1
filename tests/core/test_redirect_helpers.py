"""redirect_to_sign_in / redirect_to_sign_up, the fallback and force redirect options, and the
component options (Clerk's createRedirect.ts and ClerkProvider props)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clerk_core import (
    ClerkConfigurationError,
    ClerkOptions,
    component_redirect_options,
    redirect_to_sign_in,
    redirect_to_sign_up,
    sign_up_redirect_url,
)
from clerk_core.testing import LocalClerkInstance


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_sign_in_carries_the_current_page_back(clerk_instance: LocalClerkInstance) -> None:
    options = clerk_instance.options(sign_in_url="/sign-in")
    request = clerk_instance.request("/checkout?step=2", document=True)
    response = redirect_to_sign_in(request, options)
    assert response.status == 307
    assert response.header("cache-control") == "no-store"
    location = response.location or ""
    assert location.startswith("http://127.0.0.1:8000/sign-in?")
    assert query(location) == {"redirect_url": ["http://127.0.0.1:8000/checkout?step=2"]}


def test_the_account_portal_is_the_default_and_gets_the_dev_browser_token(
    clerk_instance: LocalClerkInstance,
) -> None:
    """A development instance's sign-in page on another origin needs the dev-browser token."""
    options = clerk_instance.options()
    request = clerk_instance.request(
        "/x", headers={"cookie": f"__clerk_db_jwt={clerk_instance.dev_browser_token}"}
    )
    location = redirect_to_sign_up(request, options).location or ""
    assert location.startswith("https://accounts.local.test/sign-up?")
    assert query(location)["__clerk_db_jwt"] == [clerk_instance.dev_browser_token]
    signin = redirect_to_sign_in(request, options).location or ""
    assert signin.startswith("https://accounts.local.test/sign-in?")


def test_production_never_forwards_a_dev_browser_token() -> None:
    prod = LocalClerkInstance(instance_type="production", frontend_api="clerk.prod.test")
    request = prod.request("/x", headers={"cookie": "__clerk_db_jwt=dvb_x"})
    location = redirect_to_sign_in(request, prod.options()).location or ""
    assert location.startswith("https://accounts.prod.test/sign-in?")
    assert "__clerk_db_jwt" not in query(location)


@pytest.mark.parametrize(
    ("settings", "target"),
    [
        ({"sign_up_url": "/register"}, "http://127.0.0.1:8000/register"),
        ({"sign_in_url": "/sign-in"}, "http://127.0.0.1:8000/sign-in/create"),
        ({"sign_in_url": "/sign-in", "sign_up_url": "/join"}, "http://127.0.0.1:8000/join"),
        ({}, "https://accounts.local.test/sign-up"),
    ],
)
def test_sign_up_url_is_used_as_clerk_uses_it(
    clerk_instance: LocalClerkInstance, settings: dict[str, Any], target: str
) -> None:
    """``signUpUrl``, else ``<signInUrl>/create`` (the sign-in-or-up page), else the portal."""
    request = clerk_instance.request("/x")
    url = sign_up_redirect_url(request, clerk_instance.options(**settings)) or ""
    assert url.split("?")[0] == target


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("/after", "http://127.0.0.1:8000/after"),
        ("https://app.test/after", "https://app.test/after"),
        ("https://evil.example/steal", "http://127.0.0.1:8000/x"),
        ("//evil.example/steal", "http://127.0.0.1:8000/x"),
        ("javascript:alert(1)", "http://127.0.0.1:8000/x"),
    ],
)
def test_return_back_url_follows_the_open_redirect_rules(
    clerk_instance: LocalClerkInstance, back: str, expected: str
) -> None:
    options = clerk_instance.options(
        sign_in_url="/sign-in", allowed_redirect_origins=["https://app.test"]
    )
    location = redirect_to_sign_in(
        clerk_instance.request("/x"), options, return_back_url=back
    ).location
    assert query(location or "")["redirect_url"] == [expected]


def test_a_pending_session_goes_to_the_tasks_page(clerk_instance: LocalClerkInstance) -> None:
    engine = clerk_instance.clerk(sign_in_url="/sign-in")
    token = clerk_instance.session_token(sts="pending")
    request = clerk_instance.request("/x", bearer=token)
    state = engine.authenticate_request(request)
    location = redirect_to_sign_in(request, engine.options, state=state).location or ""
    assert location.startswith("http://127.0.0.1:8000/sign-in/tasks?")


def test_an_untrusted_host_gets_no_redirect(clerk_instance: LocalClerkInstance) -> None:
    options = clerk_instance.options(sign_in_url="/sign-in", allowed_hosts=["app.test"])
    request = clerk_instance.request("/x", host="evil.example")
    response = redirect_to_sign_in(request, options)
    assert response.status == 401
    assert response.location is None


def test_no_sign_in_page_known_is_a_configuration_error() -> None:
    options = ClerkOptions(secret_key="sk_test_" + "a" * 20)
    from clerk_core import RequestView

    request = RequestView("GET", "http://127.0.0.1:8000/x", {"host": "127.0.0.1:8000"})
    with pytest.raises(ClerkConfigurationError, match="sign_in_url"):
        redirect_to_sign_in(request, options)


# ------------------------------------------------------------------ options
FALLBACKS = {
    "CLERK_SIGN_IN_FALLBACK_REDIRECT_URL": "/dashboard",
    "CLERK_SIGN_UP_FALLBACK_REDIRECT_URL": "/welcome",
    "CLERK_SIGN_IN_FORCE_REDIRECT_URL": "https://app.test/home",
    "CLERK_SIGN_UP_FORCE_REDIRECT_URL": "/onboarding",
    "CLERK_SIGN_IN_URL": "/sign-in",
    "CLERK_SIGN_UP_URL": "/sign-up",
}


def test_from_env_reads_the_redirect_urls_and_components_get_them() -> None:
    options = ClerkOptions.from_env(FALLBACKS)
    assert component_redirect_options(options) == {
        "signInUrl": "/sign-in",
        "signUpUrl": "/sign-up",
        "signInFallbackRedirectUrl": "/dashboard",
        "signUpFallbackRedirectUrl": "/welcome",
        "signInForceRedirectUrl": "https://app.test/home",
        "signUpForceRedirectUrl": "/onboarding",
    }
    assert component_redirect_options(ClerkOptions()) == {}


@pytest.mark.parametrize(
    "value",
    ["javascript:alert(1)", "//evil.example", "dashboard", "/a b", "https://u@evil.example"],
)
def test_a_redirect_option_that_is_no_page_fails_at_start_up(value: str) -> None:
    with pytest.raises(ClerkConfigurationError, match="sign_in_fallback_redirect_url"):
        ClerkOptions(sign_in_fallback_redirect_url=value)
    with pytest.raises(ClerkConfigurationError, match="CLERK_SIGN_UP_FORCE_REDIRECT_URL"):
        ClerkOptions.from_env({"CLERK_SIGN_UP_FORCE_REDIRECT_URL": value})
