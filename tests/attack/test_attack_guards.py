"""Attack probes on the adapter flow's guards: what a guard returns or raises, in every adapter.

A guard that cannot say yes must never let the request through. ``auth.protect()`` raising is the
documented way; these probes ask what happens with the other shapes a guard author writes.
"""

from __future__ import annotations

from typing import Any

import pytest

from clerk_core import AuthObject, Clerk
from clerk_core.testing import LocalClerkInstance


def starlette_status(engine: Clerk, guard: Any) -> int:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from clerk_starlette import ClerkMiddleware

    async def view(request: Request) -> PlainTextResponse:
        return PlainTextResponse("the protected view ran")

    app = Starlette(
        routes=[Route("/admin", view)],
        middleware=[Middleware(ClerkMiddleware, clerk=engine, guard=guard)],
    )
    client = TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)
    return client.get("/admin", headers={"accept": "application/json"}).status_code


def flask_status(engine: Clerk, guard: Any) -> int:
    return flask_answer(engine, guard)[0]


def flask_answer(engine: Clerk, guard: Any) -> tuple[int, bytes]:
    pytest.importorskip("flask")
    from flask import Flask

    from clerk_flask import Clerk as ClerkExtension

    app = Flask(__name__)
    ClerkExtension(app, clerk=engine, guard=guard)

    @app.get("/admin")
    def admin() -> str:
        return "the protected view ran"

    client = app.test_client(use_cookies=False)
    r = client.get(
        "/admin", headers={"accept": "application/json"}, base_url="http://127.0.0.1:8000"
    )
    return r.status_code, r.data


def django_status(engine: Clerk, guard: Any) -> int:
    pytest.importorskip("django")
    from django.test import Client, override_settings

    with override_settings(CLERK={"clerk": engine, "guard": guard}):
        client = Client(raise_request_exception=False)
        r = client.get("/guarded/page", HTTP_ACCEPT="application/json")  # an open view
    return int(r.status_code)


ADAPTERS = {"starlette": starlette_status, "flask": flask_status, "django": django_status}


@pytest.fixture
def engine(clerk_instance: LocalClerkInstance) -> Clerk:
    return clerk_instance.clerk()


def refusing(*_: Any) -> None:
    raise RuntimeError("the guard broke")


async def async_refusing(*_: Any) -> None:
    raise RuntimeError("the async guard broke")


def protects(auth: AuthObject, _: Any) -> None:
    auth.protect()


async def async_protects(auth: AuthObject, _: Any) -> None:
    auth.protect()


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
@pytest.mark.parametrize(
    "guard", [protects, async_protects, refusing, async_refusing], ids=lambda g: g.__name__
)
def test_a_guard_that_refuses_or_breaks_never_lets_the_request_through(
    engine: Clerk, adapter: str, guard: Any
) -> None:
    status = ADAPTERS[adapter](engine, guard)
    assert status in (401, 403, 500) or 300 <= status < 400, status


def boolean_guard(auth: AuthObject, _: Any) -> bool:
    return auth.is_authenticated


# Found by the attack review (was a strict xfail until fixed).
@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_a_guard_returning_false_does_not_let_the_request_through(
    engine: Clerk, adapter: str
) -> None:
    """``False`` refuses as ``auth.protect()`` does: 401 for this signed-out API request."""
    assert ADAPTERS[adapter](engine, boolean_guard) == 401


# Found by the attack review (was a strict xfail until fixed).
@pytest.mark.parametrize("kind", ["tuple", "string", "werkzeug-response", "dict"])
def test_a_flask_guard_answering_the_flask_way_stops_the_request(engine: Clerk, kind: str) -> None:
    pytest.importorskip("flask")
    from werkzeug.utils import redirect

    def guard(auth: AuthObject, _: Any) -> Any:
        if auth.is_authenticated:
            return None
        return {
            "tuple": ("Forbidden", 403),
            "string": "Forbidden",
            "werkzeug-response": redirect("/sign-in"),
            "dict": {"error": "forbidden"},
        }[kind]

    status, body = flask_answer(engine, guard)
    assert b"the protected view ran" not in body
    assert status == {"tuple": 403, "string": 200, "werkzeug-response": 302, "dict": 200}[kind]
