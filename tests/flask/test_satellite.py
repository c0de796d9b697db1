"""A production satellite through Flask, configured by ``app.config["CLERK_*"]``: tokens with the
satellite's issuer sign in, and ``CLERK_SATELLITE_AUTO_SYNC`` starts the sync handshake."""

from __future__ import annotations

import pytest

pytest.importorskip("flask")

from flask import Flask, Response, jsonify

from clerk_flask import Clerk as ClerkExtension
from clerk_flask import get_auth
from tests.satellite_app import (
    HOST,
    PAGE,
    assert_satellite_sync,
    satellite,
    satellite_fields,
    session_cookie_header,
)


def test_production_satellite_through_flask() -> None:
    sat = satellite()
    app = Flask(__name__)
    for name, value in satellite_fields(sat).items():
        app.config[f"CLERK_{name.upper()}"] = value
    ClerkExtension(app)

    @app.get("/whoami")
    def whoami() -> Response:
        return jsonify(user_id=get_auth().user_id)

    client = app.test_client(use_cookies=False)
    base = f"http://{HOST}"
    response = client.get("/whoami", base_url=base, headers=PAGE)
    assert_satellite_sync(response.status_code, response.headers.get("location"))
    token = sat.session_token("user_sat")
    cookie = session_cookie_header(sat, token)
    response = client.get("/whoami", base_url=base, headers={**PAGE, "cookie": cookie})
    assert (response.status_code, response.get_json()) == (200, {"user_id": "user_sat"})
    response = client.get("/whoami", base_url=base, headers={"authorization": f"Bearer {token}"})
    assert (response.status_code, response.get_json()) == (200, {"user_id": "user_sat"})
