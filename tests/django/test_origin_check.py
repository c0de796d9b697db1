"""Policy 11 in Django: a request signed in by the session cookie must pass Django's CSRF check
(DRF: run by ClerkAuthentication; plain views: CsrfViewMiddleware) or, without CsrfViewMiddleware,
come from the app's own origin or an authorized party. Bearer requests are exempt."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.test import AsyncClient, Client, override_settings
from django.utils.crypto import get_random_string

from clerk_core.testing import LocalClerkInstance

OWN = "http://testserver"  # the Django test client's host
EVIL = "https://evil.example"
CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
WITH_CSRF_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    CSRF_MIDDLEWARE,
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clerk_django.middleware.ClerkMiddleware",
]

pytestmark = pytest.mark.usefixtures("clerk_config")


@pytest.fixture
def token(clerk_instance: LocalClerkInstance) -> str:
    return clerk_instance.session_token("user_victim")


def browser(instance: LocalClerkInstance, token: str, **extra: str) -> dict[str, str]:
    """The cookies of a signed-in browser (plus ``extra`` cookies such as ``csrftoken``)."""
    cookies = {**instance.cookies(token), **extra}
    return {"HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def checked() -> Client:
    """A client that does not switch Django's CSRF checks off (the default test client does)."""
    return Client(enforce_csrf_checks=True)


# ------------------------------------------------------------------------------------ DRF
def test_drf_cross_site_cookie_post_is_refused(
    clerk_instance: LocalClerkInstance, token: str
) -> None:
    response = checked().post("/api/transfer", HTTP_ORIGIN=EVIL, **browser(clerk_instance, token))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    # Even from the app's own origin a cookie session needs Django's CSRF token, as with
    # SessionAuthentication.
    no_token = checked().post("/api/transfer", HTTP_ORIGIN=OWN, **browser(clerk_instance, token))
    assert no_token.status_code == 403
    assert no_token.json()["detail"] == "CSRF Failed: CSRF cookie not set."


def test_drf_cookie_post_with_a_csrf_token_from_the_same_origin(
    clerk_instance: LocalClerkInstance, token: str
) -> None:
    secret = get_random_string(32)
    jar = browser(clerk_instance, token, csrftoken=secret)
    response = checked().post("/api/transfer", HTTP_ORIGIN=OWN, HTTP_X_CSRFTOKEN=secret, **jar)
    assert response.status_code == 200
    assert response.json() == {"user_id": "user_victim"}
    # The token alone does not make another origin acceptable.
    forged = checked().post("/api/transfer", HTTP_ORIGIN=EVIL, HTTP_X_CSRFTOKEN=secret, **jar)
    assert forged.status_code == 403


def test_drf_bearer_and_safe_requests_are_exempt(
    clerk_instance: LocalClerkInstance, token: str
) -> None:
    bearer = checked().post("/api/transfer", HTTP_ORIGIN=EVIL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (bearer.status_code, bearer.json()) == (200, {"user_id": "user_victim"})
    read = checked().get("/api/me", HTTP_ORIGIN=EVIL, **browser(clerk_instance, token))
    assert read.status_code == 200


def test_drf_opt_out(clerk_instance: LocalClerkInstance, token: str) -> None:
    with override_settings(CLERK={"clerk": clerk_instance.clerk(csrf_origin_check=False)}):
        response = checked().post(
            "/api/transfer", HTTP_ORIGIN=EVIL, **browser(clerk_instance, token)
        )
    assert (response.status_code, response.json()) == (200, {"user_id": "user_victim"})


# ------------------------------------------------------- plain views, without CsrfViewMiddleware
@pytest.mark.parametrize("path", ["/transfer", "/private-transfer", "/cbv/transfer"])
def test_without_csrf_middleware_the_origin_rule_applies(
    clerk_instance: LocalClerkInstance, token: str, path: str
) -> None:
    jar = browser(clerk_instance, token)
    forged = checked().post(path, HTTP_ORIGIN=EVIL, **jar)
    assert forged.status_code == 403
    assert forged.json() == {"error": "forbidden", "reason": "cross-origin-request"}
    assert checked().post(path, **jar).status_code == 403  # neither Origin nor Referer
    for headers in (
        {"HTTP_ORIGIN": OWN, **jar},
        {"HTTP_REFERER": f"{OWN}/form", **jar},
        {"HTTP_ORIGIN": "http://localhost:8000", **jar},  # an authorized party
        {"HTTP_ORIGIN": EVIL, "HTTP_AUTHORIZATION": f"Bearer {token}"},
    ):
        response = checked().post(path, **headers)
        assert (response.status_code, response.json()) == (200, {"user_id": "user_victim"})


def test_the_async_handler_applies_the_rule_too(
    clerk_instance: LocalClerkInstance, token: str
) -> None:
    cookie = browser(clerk_instance, token)["HTTP_COOKIE"]

    async def post(origin: str) -> tuple[int, bytes]:
        client = AsyncClient(enforce_csrf_checks=True)
        response = await client.post("/transfer", headers={"origin": origin, "cookie": cookie})
        return response.status_code, response.content

    assert asyncio.run(post(EVIL)) == (
        403,
        b'{"error":"forbidden","reason":"cross-origin-request"}',
    )
    assert asyncio.run(post(OWN)) == (200, b'{"user_id": "user_victim"}')


def test_csrf_exempt_views_and_the_test_client_are_left_alone(
    clerk_instance: LocalClerkInstance, token: str
) -> None:
    jar = browser(clerk_instance, token)
    exempt = checked().post("/transfer-exempt", HTTP_ORIGIN=EVIL, **jar)
    assert exempt.json() == {"user_id": "user_victim"}
    # Django's default test client switches CSRF checks off; Clerk's fallback follows it.
    assert Client().post("/transfer", HTTP_ORIGIN=EVIL, **jar).status_code == 200


def test_plain_views_opt_out(clerk_instance: LocalClerkInstance, token: str) -> None:
    with override_settings(CLERK={"clerk": clerk_instance.clerk(csrf_origin_check=False)}):
        response = checked().post("/transfer", HTTP_ORIGIN=EVIL, **browser(clerk_instance, token))
    assert response.json() == {"user_id": "user_victim"}


@override_settings(MIDDLEWARE=[])
def test_decorators_apply_the_rule_without_any_middleware(
    clerk_instance: LocalClerkInstance, token: str
) -> None:
    jar = browser(clerk_instance, token)
    for path in ("/private-transfer", "/cbv/transfer"):
        forged = checked().post(path, HTTP_ORIGIN=EVIL, **jar)
        assert forged.status_code == 403
        assert forged.json()["reason"] == "cross-origin-request"
        assert checked().post(path, HTTP_ORIGIN=OWN, **jar).json() == {"user_id": "user_victim"}


# ---------------------------------------------------------- plain views, with CsrfViewMiddleware
@override_settings(MIDDLEWARE=WITH_CSRF_MIDDLEWARE)
def test_with_csrf_middleware_django_decides(
    clerk_instance: LocalClerkInstance, token: str
) -> None:
    secret = get_random_string(32)
    jar = browser(clerk_instance, token, csrftoken=secret)
    forged = checked().post("/transfer", HTTP_ORIGIN=EVIL, HTTP_X_CSRFTOKEN=secret, **jar)
    assert forged.status_code == 403
    assert b"CSRF" in forged.content  # Django's own refusal
    without_token = checked().post("/transfer", HTTP_ORIGIN=OWN, **jar)
    assert without_token.status_code == 403
    ok = checked().post("/transfer", HTTP_ORIGIN=OWN, HTTP_X_CSRFTOKEN=secret, **jar)
    assert ok.json() == {"user_id": "user_victim"}
    # Django's CSRF_TRUSTED_ORIGINS, not Clerk's rule, says which other origins may post.
    with override_settings(CSRF_TRUSTED_ORIGINS=["https://partner.example"]):
        partner = checked().post(
            "/transfer", HTTP_ORIGIN="https://partner.example", HTTP_X_CSRFTOKEN=secret, **jar
        )
    assert partner.json() == {"user_id": "user_victim"}


# ------------------------------------------- DRF views that ClerkAuthentication does not guard
@pytest.mark.parametrize("path", ["/transfer", "/cbv-transfer"])
@pytest.mark.parametrize("csrf_middleware", [False, True], ids=["no-csrf-mw", "csrf-mw"])
def test_a_drf_view_without_clerk_authentication_gets_the_origin_rule(
    clerk_instance: LocalClerkInstance, token: str, path: str, csrf_middleware: bool, settings: Any
) -> None:
    """DRF exempts its views from CsrfViewMiddleware; a view that lists other (or no)
    authenticators but reads the Clerk auth with get_auth must not act on a cross-site POST."""
    settings.ROOT_URLCONF = "tests.django.drf_csrf_urls"
    if csrf_middleware:
        settings.MIDDLEWARE = WITH_CSRF_MIDDLEWARE
    cross_site = checked().post(
        path,
        HTTP_ORIGIN=EVIL,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        **browser(clerk_instance, token),
    )
    assert cross_site.status_code == 403
    assert cross_site.json()["reason"] == "cross-origin-request"
    same_site = checked().post(
        path,
        HTTP_ORIGIN=OWN,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        **browser(clerk_instance, token),
    )
    assert same_site.json() == {"moved_money_for": "user_victim"}
