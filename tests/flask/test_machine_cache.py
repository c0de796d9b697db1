"""Through the Flask extension, a client that repeats its API key costs one Backend API verify
call, not one per request (the engine remembers verified machine tokens)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from clerk_core.testing import LocalClerkInstance
from clerk_flask import Clerk as ClerkExtension
from clerk_flask import get_auth


def test_five_requests_with_one_api_key_make_one_verify_call(
    clerk_instance: LocalClerkInstance,
) -> None:
    app = Flask(__name__)
    ClerkExtension(app, clerk=clerk_instance.clerk(accepts_token="any"))

    @app.get("/api/me")
    def me() -> Any:
        auth = get_auth()
        return jsonify(type=auth.token_type, subject=getattr(auth, "subject", None))

    key = clerk_instance.api_key("user_f", scopes=["read"])
    client = app.test_client()
    bodies = [
        client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).get_json()
        for _ in range(5)
    ]
    assert bodies == [{"type": "api_key", "subject": "user_f"}] * 5
    verify = [r for r in clerk_instance.requests if r.url.path == "/v1/api_keys/verify"]
    assert len(verify) == 1
