"""A guard may answer with its own response instead of running the view: that response carries
Clerk's headers like any other (the debug headers, and a refreshed session's cookies), in every
adapter, each header once."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_core import AuthObject, Clerk
from clerk_core.testing import LocalClerkInstance

BASE = "http://127.0.0.1:8000"


def starlette_answer(engine: Clerk) -> tuple[int, list[tuple[str, str]]]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from clerk_starlette import ClerkMiddleware

    def guard(auth: AuthObject, connection: HTTPConnection) -> PlainTextResponse | None:
        return None if auth.is_authenticated else PlainTextResponse("teapot", status_code=418)

    async def view(request: Request) -> PlainTextResponse:
        return PlainTextResponse("the view ran")

    app = Starlette(
        routes=[Route("/admin", view)],
        middleware=[Middleware(ClerkMiddleware, clerk=engine, guard=guard)],
    )
    r = TestClient(app, base_url=BASE).get("/admin", headers={"accept": "application/json"})
    return r.status_code, list(r.headers.multi_items())


def flask_answer(engine: Clerk) -> tuple[int, list[tuple[str, str]]]:
    from flask import Flask, Response

    from clerk_flask import Clerk as ClerkExtension

    def guard(auth: AuthObject, request: Any) -> Response | None:
        return None if auth.is_authenticated else Response("teapot", status=418)

    app = Flask(__name__)
    ClerkExtension(app, clerk=engine, guard=guard)

    @app.get("/admin")
    def admin() -> str:
        return "the view ran"

    r = app.test_client(use_cookies=False).get(
        "/admin", headers={"accept": "application/json"}, base_url=BASE
    )
    return r.status_code, list(r.headers.items())


def teapot_guard(auth: AuthObject, request: Any) -> Any:
    from django.http import HttpResponse

    return None if auth.is_authenticated else HttpResponse("teapot", status=418)


def django_answer(engine: Clerk) -> tuple[int, list[tuple[str, str]]]:
    from django.test import Client, override_settings

    with override_settings(CLERK={"clerk": engine, "guard": teapot_guard}):
        r = Client().get("/guarded/page", HTTP_ACCEPT="application/json")
    return int(r.status_code), list(r.items())


@pytest.mark.parametrize("answer", [starlette_answer, flask_answer, django_answer])
def test_a_guards_own_response_carries_clerks_headers_once(
    clerk_instance: LocalClerkInstance, answer: Any
) -> None:
    engine = clerk_instance.clerk()
    status, headers = answer(engine)
    assert status == 418
    names = [name.lower() for name, _ in headers]
    assert names.count("x-clerk-auth-status") == 1
    assert {k.lower(): v for k, v in headers}["x-clerk-auth-status"] == "signed-out"
