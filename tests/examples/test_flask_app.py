"""The Flask example app with the local Clerk instance and with real keys."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytest.importorskip("flask")

from clerk_core import ClerkConfigurationError
from clerk_core.testing import LocalClerkInstance
from example_apps.flask_app import create_app

PAGE = {"sec-fetch-dest": "document", "accept": "text/html"}


@pytest.fixture
def client() -> Any:
    return create_app({}).test_client()


def visit(client: Any, path: str) -> tuple[str, int, str]:
    url = path
    response = client.get(url, headers=PAGE)
    for _ in range(10):
        if response.status_code not in (302, 303, 307):
            break
        url = response.headers["Location"]
        response = client.get(url, headers=PAGE)
    return urlsplit(url).path, response.status_code, response.text


def sign_in(client: Any, user_id: str) -> None:
    response = client.post("/sign-in", data={"user_id": user_id, "redirect_url": "/dashboard"})
    assert response.status_code == 303


def test_signed_out_visitor_goes_to_the_apps_sign_in_page(client: Any) -> None:
    path, status, body = visit(client, "/dashboard")
    assert (path, status) == ("/sign-in", 200)
    # The template's clerk_sign_in(), drawn by the local instance's ClerkJS stand-in.
    assert 'data-clerk-mount="SignIn"' in body
    assert 'src="/__clerk/npm/@clerk/clerk-js@5/dist/clerk.browser.js"' in body
    standin = client.get("/__clerk/npm/@clerk/clerk-js@5/dist/clerk.browser.js")
    assert standin.status_code == 200
    assert "Max Member" in client.get("/__clerk/v1/local/client").text


def test_member_journey(client: Any) -> None:
    visit(client, "/")
    sign_in(client, "user_member")
    path, status, body = visit(client, "/dashboard")
    assert (path, status) == ("/dashboard", 200)
    assert "Hello, Max Member!" in body
    assert "Local Clerk instance" in body
    assert "From the Backend API: Max Member · organizations: Acme (org:member)" in body
    assert visit(client, "/admin")[:2] == ("/no-access", 403)
    orders = client.get("/api/orders")
    assert (orders.status_code, orders.json["organization"]) == (200, "org_acme")
    client.post("/sign-out")
    assert client.get("/api/orders").status_code == 401


def test_admin_and_solo(client: Any) -> None:
    visit(client, "/")
    sign_in(client, "user_admin")
    assert visit(client, "/admin")[:2] == ("/admin", 200)
    client.post("/sign-out")
    sign_in(client, "user_solo")
    assert client.get("/api/orders").status_code == 403


def test_live_keys_are_refused() -> None:
    with pytest.raises(ClerkConfigurationError, match="live"):
        create_app({"CLERK_PUBLISHABLE_KEY": "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k"})


def test_real_keys_load_clerk_js() -> None:
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.flask.test")
    app = create_app(
        {"CLERK_PUBLISHABLE_KEY": instance.publishable_key, "CLERK_SECRET_KEY": instance.secret_key}
    )
    body = app.test_client().get("/sign-in").text
    assert "https://clerk.flask.test/npm/@clerk/clerk-js@5/dist/clerk.browser.js" in body
    assert "Local Clerk instance" not in body


def test_sign_in_syncs_the_user_through_webhooks(client: Any) -> None:
    visit(client, "/")
    sign_in(client, "user_member")
    assert (
        "Synced from Clerk webhooks: max@acme.test (Max Member)" in visit(client, "/dashboard")[2]
    )


def test_webhook_endpoint_keeps_the_table_in_step() -> None:
    app = create_app({})
    client = app.test_client()
    instance = app.extensions["clerk"].local_frontend.instance
    body, headers = instance.sign_webhook(
        "user.created", instance.user_payload("user_w", first_name="Wes", email="w@x.test")
    )
    assert client.post("/api/webhooks/clerk", data=body, headers=headers).json == {
        "status": "ok",
        "handled": 1,
    }
    assert app.extensions["users"].get("user_w")["first_name"] == "Wes"
    assert client.post("/api/webhooks/clerk", data=body, headers=headers).json == {
        "status": "duplicate"
    }
    body, headers = instance.sign_webhook("user.deleted", {"id": "user_w", "deleted": True})
    client.post("/api/webhooks/clerk", data=body, headers=headers)
    assert app.extensions["users"].get("user_w") is None


def test_the_user_table_is_order_safe() -> None:
    """Deliveries out of order: an older ``user.updated`` never overwrites a newer one, and a late
    one never brings a deleted user back."""
    app = create_app({})
    client = app.test_client()
    instance = app.extensions["clerk"].local_frontend.instance

    def deliver(kind: str, payload: dict[str, Any]) -> None:
        body, headers = instance.sign_webhook(kind, payload)
        assert client.post("/api/webhooks/clerk", data=body, headers=headers).status_code == 200

    def user(name: str, updated_at: int) -> dict[str, Any]:
        payload = instance.user_payload("user_o", first_name=name, email="o@x.test")
        return {**payload, "updated_at": updated_at}

    deliver("user.updated", user("New", 2_000))
    deliver("user.updated", user("Old", 1_000))  # sent earlier, arrived later
    assert app.extensions["users"].get("user_o")["first_name"] == "New"
    deliver("user.deleted", {"id": "user_o", "deleted": True})
    deliver("user.updated", user("Ghost", 3_000))
    assert app.extensions["users"].get("user_o") is None
