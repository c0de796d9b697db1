"""The local Frontend API builds redirects only on a Host the engine would accept."""

from __future__ import annotations

import pytest

from clerk_core import RequestView
from clerk_core.testing import LocalFrontendAPI


def view(path: str, host: str, method: str = "GET", cookie: str = "") -> RequestView:
    headers = {"host": host}
    if cookie:
        headers["cookie"] = cookie
    return RequestView(method, f"http://{host}{path}", headers)


def sign_in(frontend: LocalFrontendAPI, host: str, redirect_url: str) -> tuple[int, dict[str, str]]:
    body = f"user_id=user_admin&redirect_url={redirect_url}".encode()
    response = frontend.handle(view("/sign-in", host, "POST"), body)
    assert response is not None
    return response.status, dict(response.headers)


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:5000", "testserver"])
def test_sign_in_redirects_back_on_a_local_host(host: str) -> None:
    frontend = LocalFrontendAPI(environ={})
    status, headers = sign_in(frontend, host, "/dashboard")
    assert (status, headers["location"]) == (303, f"http://{host}/dashboard")


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "127.0.0.1:8000@evil.example", "a b", ""]
)
def test_a_foreign_or_malformed_host_gets_no_redirect(host: str) -> None:
    """A request whose Host names another site (or is no host at all) must not make the sign-in,
    sign-out or handshake redirect there, even to a 'same-origin' target on that host."""
    frontend = LocalFrontendAPI(environ={})
    status, headers = sign_in(frontend, host, f"http://{host}/phish")
    assert status == 400
    assert "location" not in headers
    assert "set-cookie" not in headers  # nobody was signed in
    for path in ("/sign-out?redirect_url=/", "/__clerk/v1/client/handshake?redirect_url=/"):
        response = frontend.handle(view(path, host))
        assert response is not None
        assert response.status == 400
        assert "location" not in dict(response.headers)
        assert b"allowed_hosts" in response.body


def test_allowed_hosts_reach_the_frontend_and_the_app_options() -> None:
    frontend = LocalFrontendAPI(environ={}, allowed_hosts=["demo.example"])
    assert frontend.options().allowed_hosts == ("demo.example",)
    status, headers = sign_in(frontend, "demo.example", "/orders")
    assert (status, headers["location"]) == (303, "http://demo.example/orders")
    assert sign_in(frontend, "127.0.0.1:8000", "/orders")[0] == 400


def test_the_handshake_sets_cookies_for_the_checked_origin() -> None:
    frontend = LocalFrontendAPI(environ={})
    status, headers = sign_in(frontend, "LOCALHOST.:5000", "/")
    assert (status, headers["location"]) == (303, "http://localhost:5000/")
    response = frontend.handle(view("/sign-in", "localhost:5000", "POST"), b"user_id=user_solo")
    assert response is not None
    client = next(
        v.split(";")[0] for k, v in response.headers if v.startswith("__local_clerk_client=")
    )
    handshake = frontend.handle(
        view("/__clerk/v1/client/handshake?redirect_url=/x", "localhost:5000", cookie=client)
    )
    assert handshake is not None
    assert handshake.status == 307
    assert dict(handshake.headers)["location"] == "http://localhost:5000/x"
    session = next(v for k, v in handshake.headers if v.startswith("__session="))
    token = session.split(";")[0].split("=", 1)[1]
    claims = frontend.clerk().verify_token(token)
    assert claims["azp"] == "http://localhost:5000"  # the normalised, checked origin
