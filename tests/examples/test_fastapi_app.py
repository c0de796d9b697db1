"""The FastAPI example app: its own behaviour with the local Clerk instance and with real keys."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from clerk_core import ClerkConfigurationError
from clerk_core.testing import LOCAL_BANNER, LocalClerkInstance
from example_apps.fastapi_app import create_app

PAGE = {"sec-fetch-dest": "document", "accept": "text/html"}


@pytest.fixture
def http() -> TestClient:
    return TestClient(create_app({}), base_url="http://127.0.0.1:8000", follow_redirects=False)


def follow(http: TestClient, path: str) -> tuple[str, int, str]:
    """Follow redirects as a browser would, returning (final path, status, body)."""
    response = http.get(path, headers=PAGE)
    for _ in range(10):
        if response.status_code not in (302, 303, 307):
            break
        response = http.get(response.headers["location"], headers=PAGE)
    return response.url.path, response.status_code, response.text


def sign_in(http: TestClient, user_id: str) -> None:
    response = http.post("/sign-in", data={"user_id": user_id, "redirect_url": "/dashboard"})
    assert response.status_code == 303


def test_signed_out_visitor_is_sent_to_the_apps_sign_in_page(http: TestClient) -> None:
    path, status, body = follow(http, "/dashboard")
    assert (path, status) == ("/sign-in", 200)
    # The app's own template mounts Clerk's sign-in, loaded from the local instance's stand-in.
    assert 'data-clerk-mount="SignIn"' in body
    assert 'src="/__clerk/npm/@clerk/clerk-js@5/dist/clerk.browser.js"' in body
    assert LOCAL_BANNER.split(":")[0] in body
    standin = http.get("/__clerk/npm/@clerk/clerk-js@5/dist/clerk.browser.js")
    assert standin.status_code == 200
    assert standin.headers["content-type"].startswith("text/javascript")
    assert "window.Clerk = clerk" in standin.text
    client = http.get("/__clerk/v1/local/client").json()
    assert [u["name"] for u in client["users"]] == ["Ada Admin", "Max Member", "Sam Solo"]
    assert client["user"] is None


def test_member_journey(http: TestClient) -> None:
    follow(http, "/dashboard")
    sign_in(http, "user_member")
    path, status, body = follow(http, "/dashboard")
    assert (path, status) == ("/dashboard", 200)
    assert "Hello, Max Member!" in body
    assert "org:member" in body
    assert "From the Backend API: Max Member · organizations: Acme (org:member)" in body
    path, status, body = follow(http, "/admin")
    assert (path, status) == ("/no-access", 403)
    orders = http.get("/api/orders")
    assert orders.status_code == 200
    assert orders.json()["organization"] == "org_acme"
    me = http.get("/me").json()
    assert (me["user_id"], me["org_role"]) == ("user_member", "org:member")
    http.post("/sign-out")
    assert http.get("/api/orders").status_code == 401


def test_admin_and_solo_users(http: TestClient) -> None:
    follow(http, "/")
    sign_in(http, "user_admin")
    assert follow(http, "/admin")[:2] == ("/admin", 200)
    http.post("/sign-out")
    sign_in(http, "user_solo")
    assert http.get("/api/orders").status_code == 403  # no organization, no permission
    assert "No active organization" in follow(http, "/dashboard")[2]


def test_every_page_shows_the_local_banner(http: TestClient) -> None:
    follow(http, "/")
    for path in ("/", "/sign-in"):
        assert "Local Clerk instance" in follow(http, path)[2]
    sign_in(http, "user_admin")
    for path in ("/dashboard", "/admin"):
        assert "Local Clerk instance" in follow(http, path)[2]


def test_websocket(http: TestClient) -> None:
    follow(http, "/")
    sign_in(http, "user_member")
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    with http.websocket_connect("/ws", headers={"cookie": cookie}) as ws:
        assert ws.receive_json() == {"hello": "user_member"}
    with pytest.raises(WebSocketDisconnect) as info, http.websocket_connect("/ws"):
        pass
    assert info.value.code == 1008


def test_expired_sessions_are_renewed_by_the_local_handshake(http: TestClient) -> None:
    follow(http, "/")
    sign_in(http, "user_member")
    http.cookies.set(
        "__session", LocalClerkInstance().expired_token("user_member"), domain="127.0.0.1"
    )
    path, status, body = follow(http, "/dashboard")
    assert (path, status) == ("/dashboard", 200)
    assert "Hello, Max Member!" in body


def test_sign_in_redirects_stay_on_this_origin(http: TestClient) -> None:
    follow(http, "/")
    response = http.post(
        "/sign-in", data={"user_id": "user_member", "redirect_url": "https://evil.example/steal"}
    )
    assert response.headers["location"] == "http://127.0.0.1:8000/"


def test_local_instance_refuses_live_keys() -> None:
    with pytest.raises(ClerkConfigurationError, match="live"):
        create_app({"CLERK_SECRET_KEY": "sk_live_abcdefghijklmnopqrstuvwxyz"})


def test_real_keys_load_clerk_js_from_the_frontend_api() -> None:
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
    app = create_app(
        {"CLERK_PUBLISHABLE_KEY": instance.publishable_key, "CLERK_SECRET_KEY": instance.secret_key}
    )
    body = TestClient(app).get("/sign-in").text
    assert 'src="https://clerk.shop.test/npm/@clerk/clerk-js@5/dist/clerk.browser.js"' in body
    assert instance.publishable_key in body
    assert "Local Clerk instance" not in body


def test_sign_in_syncs_the_user_through_webhooks(http: TestClient) -> None:
    follow(http, "/")
    sign_in(http, "user_admin")
    body = follow(http, "/dashboard")[2]
    assert "Synced from Clerk webhooks: ada@acme.test (Ada Admin)" in body


def test_webhook_endpoint_keeps_the_table_in_step() -> None:
    from clerk_core.testing import LocalFrontendAPI

    frontend = LocalFrontendAPI(environ={})
    app = create_app({}, frontend=frontend)
    http = TestClient(app)
    instance = frontend.instance
    body, headers = instance.sign_webhook(
        "user.created", instance.user_payload("user_w", first_name="Wes", email="w@x.test")
    )
    assert http.post("/api/webhooks/clerk", content=body, headers=headers).json() == {
        "status": "ok",
        "handled": 1,
    }
    assert app.state.users.get("user_w")["email"] == "w@x.test"
    assert http.post("/api/webhooks/clerk", content=body, headers=headers).json() == {
        "status": "duplicate"
    }
    assert http.post("/api/webhooks/clerk", content=body + b" ", headers=headers).status_code == 400
    body, headers = instance.sign_webhook("user.deleted", {"id": "user_w", "deleted": True})
    http.post("/api/webhooks/clerk", content=body, headers=headers)
    assert app.state.users.get("user_w") is None
