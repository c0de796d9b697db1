"""Clerk's Set-Cookie lines leave Flask verbatim: each line its own header, once."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("flask")

from flask import Flask, Response, jsonify

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance
from clerk_flask import Clerk as ClerkExtension
from clerk_flask import auth_required, get_auth
from tests.set_cookie_lines import (
    APP_COOKIES,
    PAGE,
    handshake_set_cookies,
    nonce_path,
    production,
    signed_in_lines,
    signed_out_lines,
)


def client(engine: Clerk) -> Any:
    app = Flask(__name__)
    ClerkExtension(app, clerk=engine)

    def with_own_cookies(response: Response) -> Response:
        for line in APP_COOKIES:
            response.headers.add("Set-Cookie", line)
        return response

    @app.get("/cookies")
    def cookies() -> Response:
        return with_own_cookies(jsonify(user_id=get_auth().user_id))

    @app.get("/private")
    @auth_required
    def private() -> Response:
        return with_own_cookies(jsonify(user_id=get_auth().user_id))

    return app.test_client()


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


def test_the_apps_response_carries_clerks_lines_and_its_own() -> None:
    instance = production()
    lines = signed_in_lines(instance)
    response = client(instance.clerk()).get(nonce_path(instance, "/cookies", lines), headers=PAGE)
    assert response.get_json() == {"user_id": "user_cookie"}
    assert set_cookies(response) == APP_COOKIES + lines


def test_a_decorator_refusal_carries_each_line_once() -> None:
    instance = production()
    lines = signed_out_lines(instance)
    response = client(instance.clerk()).get(nonce_path(instance, "/private", lines), headers=PAGE)
    assert response.status_code == 307
    assert set_cookies(response) == lines
    assert response.headers.getlist("x-clerk-auth-status") == ["signed-out"]


def test_a_development_handshake_response_carries_clerks_lines(
    clerk_instance: LocalClerkInstance,
) -> None:
    lines = signed_in_lines(clerk_instance)
    response = client(clerk_instance.clerk()).get(
        nonce_path(clerk_instance, "/cookies", lines), headers=PAGE
    )
    assert response.status_code == 307
    assert handshake_set_cookies(set_cookies(response), lines)


@pytest.mark.parametrize("path", ["/cookies", "/private"])
def test_the_test_client_keeps_the_session(path: str) -> None:
    instance = production()
    http = client(instance.clerk())
    http.get(nonce_path(instance, "/cookies", signed_in_lines(instance)), headers=PAGE)
    assert http.get(path).get_json() == {"user_id": "user_cookie"}
