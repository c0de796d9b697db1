"""Policy 11 in Flask: a request signed in by the session cookie that uses an unsafe method from
another origin is refused before the view runs; Bearer requests are not."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance
from clerk_flask import Clerk as ClerkExtension
from clerk_flask import current_auth

OWN = "http://127.0.0.1:8000"
EVIL = "https://evil.example"
calls: list[str] = []


def create_app(extension: ClerkExtension, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    extension.init_app(app)

    @app.route("/transfer", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def transfer() -> Any:
        calls.append(str(current_auth.user_id))
        return jsonify(user_id=current_auth.user_id)

    return app


def client(engine: Clerk) -> FlaskClient:
    return create_app(ClerkExtension(clerk=engine)).test_client()


def signed_in(http: FlaskClient, instance: LocalClerkInstance, token: str) -> FlaskClient:
    """The browser of a visitor signed in to the app at ``OWN``."""
    for name, value in instance.cookies(token).items():
        http.set_cookie(name, value, domain="127.0.0.1")
    return http


@pytest.fixture
def token(clerk_instance: LocalClerkInstance) -> str:
    calls.clear()
    return clerk_instance.session_token("user_victim")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_cross_site_cookie_request_is_refused(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str, method: str
) -> None:
    browser = signed_in(client(clerk_engine), clerk_instance, token)
    response = browser.open("/transfer", method=method, base_url=OWN, headers={"origin": EVIL})
    assert response.status_code == 403
    assert response.json == {"error": "forbidden", "reason": "cross-origin-request"}
    assert response.headers["x-clerk-auth-reason"] == "cross-origin-request"
    assert calls == []  # the view never ran


def test_what_goes_through(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str
) -> None:
    browser = signed_in(client(clerk_engine), clerk_instance, token)

    def post(headers: dict[str, str], http: FlaskClient = browser) -> Any:
        return http.post("/transfer", base_url=OWN, headers=headers).json

    assert post({"origin": OWN}) == {"user_id": "user_victim"}
    assert post({"referer": f"{OWN}/form"}) == {"user_id": "user_victim"}
    assert post({"origin": "http://localhost:8000"}) == {"user_id": "user_victim"}
    read = browser.get("/transfer", base_url=OWN, headers={"origin": EVIL})
    assert read.json == {"user_id": "user_victim"}  # a safe method changes nothing
    api = client(clerk_engine)
    bearer = {"authorization": f"Bearer {token}", "origin": EVIL}
    assert post(bearer, api) == {"user_id": "user_victim"}
    assert post({"origin": EVIL}, api) == {"user_id": None}  # no session, nothing to forge


def test_no_origin_and_no_referer_is_refused(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk, token: str
) -> None:
    browser = signed_in(client(clerk_engine), clerk_instance, token)
    assert browser.post("/transfer", base_url=OWN).status_code == 403
    null = browser.post("/transfer", base_url=OWN, headers={"origin": "null"})
    assert null.status_code == 403
    assert calls == []


def test_opt_out(clerk_instance: LocalClerkInstance, token: str) -> None:
    engine = clerk_instance.clerk(csrf_origin_check=False)
    browser = signed_in(client(engine), clerk_instance, token)
    response = browser.post("/transfer", base_url=OWN, headers={"origin": EVIL})
    assert response.json == {"user_id": "user_victim"}


def test_opt_out_from_the_app_config(clerk_instance: LocalClerkInstance, token: str) -> None:
    config = {
        "CLERK_PUBLISHABLE_KEY": clerk_instance.publishable_key,
        "CLERK_JWT_KEY": clerk_instance.public_key_pem(),
        "CLERK_AUTHORIZED_PARTIES": list(clerk_instance.authorized_parties),
    }
    checked = create_app(ClerkExtension(), **config).test_client()
    forged = signed_in(checked, clerk_instance, token).post(
        "/transfer", base_url=OWN, headers={"origin": EVIL}
    )
    assert forged.status_code == 403
    opted_out = create_app(ClerkExtension(), **config, CLERK_CSRF_ORIGIN_CHECK=False)
    browser = signed_in(opted_out.test_client(), clerk_instance, token)
    response = browser.post("/transfer", base_url=OWN, headers={"origin": EVIL})
    assert response.json == {"user_id": "user_victim"}
