"""Clerk in Django *without* ``ClerkMiddleware``: ``get_auth``, the decorators and
``ClerkAuthentication`` authenticate on their own, and must still refuse what the middleware refuses.

* A request signed in by the session cookie from another origin is signed out by ``get_auth`` (DRF
  views and ``csrf_exempt`` views are not checked by Django's ``CsrfViewMiddleware``), as
  Starlette's ``ClerkBackend`` does.
* The development handshake's return trip (a signed-in state with a ``Location``) is redirected by
  the decorators; DRF, which cannot redirect from authentication, treats the request as anonymous.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

pytest.importorskip("rest_framework")

from django.test import Client

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance

EVIL = "https://evil.example"
CSRF_MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]


@pytest.mark.parametrize(
    ("urlconf", "path", "middleware"),
    [
        # A DRF view without ClerkAuthentication: csrf_exempt, so CsrfViewMiddleware never runs.
        ("tests.django.drf_csrf_urls", "/transfer", CSRF_MIDDLEWARE),
        ("tests.django.drf_csrf_urls", "/cbv-transfer", CSRF_MIDDLEWARE),
        ("tests.django.drf_csrf_urls", "/transfer", []),
        # A plain view on a site that does not install CsrfViewMiddleware.
        ("tests.django.no_middleware_urls", "/plain-transfer", []),
    ],
)
def test_get_auth_signs_out_a_cross_site_cookie_post(
    clerk_instance: LocalClerkInstance,
    clerk_engine: Clerk,
    settings: Any,
    urlconf: str,
    path: str,
    middleware: list[str],
) -> None:
    settings.CLERK = {"clerk": clerk_engine}
    settings.ROOT_URLCONF = urlconf
    settings.MIDDLEWARE = middleware
    cookies = clerk_instance.cookies(clerk_instance.session_token("user_victim"))
    response = Client(enforce_csrf_checks=True).post(
        path,
        HTTP_ORIGIN=EVIL,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_COOKIE="; ".join(f"{k}={v}" for k, v in cookies.items()),
    )
    # The view runs, but nobody is signed in (the CBV answers {"moved_money_for": null}).
    assert b"user_victim" not in response.content


NAV = {"HTTP_SEC_FETCH_DEST": "document", "HTTP_ACCEPT": "text/html"}


def return_trip(settings: Any, path: str) -> tuple[Any, list[str]]:
    dev = LocalClerkInstance(
        instance_type="development",
        frontend_api="clerk.dev.test",
        authorized_parties=("http://testserver",),
    )
    lines = [
        f"__session={dev.session_token('user_back', lifetime=600)}; Path=/; SameSite=Lax",
        f"__client_uat={int(time.time()) - 1}; Path=/; SameSite=Lax",
    ]
    nonce = dev.backend.handshake_nonce(lines)
    settings.CLERK = {"clerk": dev.clerk()}
    settings.ROOT_URLCONF = "tests.django.no_middleware_urls"
    settings.MIDDLEWARE = []
    return Client().get(f"{path}?a=1&__clerk_handshake_nonce={nonce}", **NAV), lines


def test_a_decorated_view_redirects_the_return_trip(settings: Any) -> None:
    """The decorators answer any state carrying a Location (check_protect), as the middleware does:
    the cookies are set and the handshake parameters leave the address bar."""
    response, lines = return_trip(settings, "/page")
    assert response.status_code == 307
    assert b"user_back" not in response.content
    assert response["location"] == "http://testserver/page?a=1"
    assert lines[0] in [m.OutputString() for m in response.cookies.values()]


def test_drf_without_the_middleware_is_anonymous_on_the_return_trip(settings: Any) -> None:
    """DRF's authentication cannot send the redirect: the request is anonymous rather than half
    signed in (the middleware, the supported set-up, redirects)."""
    response, _ = return_trip(settings, "/api-page")
    assert response.status_code in (401, 403)
    assert b"user_back" not in response.content
