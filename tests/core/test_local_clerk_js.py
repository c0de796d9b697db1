"""The local instance's ClerkJS stand-in: served at ClerkJS's own path, with the state it reads,
and the app's own sign-in page when ``hosted_sign_in=False``."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie

from clerk_core import RequestView
from clerk_core.testing import LocalFrontendAPI
from clerk_core.ui import clerk_js_url


def view(path: str, method: str = "GET", cookie: str = "") -> RequestView:
    headers = {"host": "127.0.0.1:8000"}
    if cookie:
        headers["cookie"] = cookie
    return RequestView(method, f"http://127.0.0.1:8000{path}", headers)


def test_the_stand_in_is_served_where_the_helpers_load_clerk_js() -> None:
    frontend = LocalFrontendAPI(environ={})
    for version in ("5", "6", "5.99.0"):
        path = clerk_js_url(frontend.options(clerk_js_version=version))
        assert path.startswith("/__clerk/npm/@clerk/clerk-js@")
        response = frontend.handle(view(path))
        assert response is not None
        assert response.status == 200
        headers = dict(response.headers)
        assert headers["content-type"] == "text/javascript; charset=utf-8"
        assert headers["x-content-type-options"] == "nosniff"
        assert b"window.Clerk = clerk" in response.body
    for other in ("/__clerk/npm/@clerk/clerk-js@5/dist/other.js", "/__clerk/npm/x"):
        response = frontend.handle(view(other))
        assert response is not None
        assert response.status == 404


def test_the_client_document_says_who_is_signed_in_and_holds_no_token() -> None:
    frontend = LocalFrontendAPI(environ={})
    signed_out = frontend.handle(view("/__clerk/v1/local/client"))
    assert signed_out is not None
    document = json.loads(signed_out.body)
    assert document["user"] is None
    assert [u["id"] for u in document["users"]] == ["user_admin", "user_member", "user_solo"]
    assert (document["signInPath"], document["signOutPath"]) == ("/sign-in", "/sign-out")

    response = frontend.handle(view("/sign-in", "POST"), b"user_id=user_member&redirect_url=/")
    assert response is not None
    jar: SimpleCookie = SimpleCookie()
    for name, value in response.headers:
        if name == "set-cookie":
            jar.load(value)
    cookie = "; ".join(f"{k}={m.value}" for k, m in jar.items() if m.value)
    signed_in = frontend.handle(view("/__clerk/v1/local/client", cookie=cookie))
    assert signed_in is not None
    document = json.loads(signed_in.body)
    assert document["user"] == {
        "id": "user_member",
        "name": "Max Member",
        "email": "max@acme.test",
        "orgId": "org_acme",
        "orgSlug": "acme",
        "orgRole": "org:member",
    }
    assert document["sessionId"].startswith("sess_")
    assert jar["__session"].value not in signed_in.body.decode()
    assert dict(signed_in.headers)["cache-control"] == "no-store"


def test_the_app_can_own_the_sign_in_page() -> None:
    frontend = LocalFrontendAPI(environ={}, hosted_sign_in=False)
    assert frontend.handles("/sign-in")
    assert frontend.handle(view("/sign-in?redirect_url=/")) is None  # the app's template answers
    posted = frontend.handle(view("/sign-in", "POST"), b"user_id=user_admin&redirect_url=/d")
    assert posted is not None
    assert (posted.status, dict(posted.headers)["location"]) == (303, "http://127.0.0.1:8000/d")
    hosted = LocalFrontendAPI(environ={}).handle(view("/sign-in"))
    assert hosted is not None
    assert b'data-user="user_member"' in hosted.body
