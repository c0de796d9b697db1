"""Route guards judge the path Starlette routes on: the differential fuzz test (tests/route_fuzz.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from clerk_core import Clerk
from clerk_starlette import ClerkMiddleware
from tests import route_fuzz

PATHS = route_fuzz.fuzz_paths()


async def public(request: Request) -> JSONResponse:
    return JSONResponse({"route": "public"})


async def protected(request: Request) -> JSONResponse:
    return JSONResponse({"route": "protected"})


def make_app(clerk: Clerk, guard: Any) -> Starlette:
    app = Starlette(
        routes=[
            Route("/", public),
            Route("/public/{rest:path}", public),
            Route("/files/{name}", public),
            Route("/orgs/{slug}/billing", public),
            Route("/admin", protected),
            Route("/admin/{rest:path}", protected),
            Route("/api/admin/users", protected),
            Route("/orgs/{slug}/settings/billing", protected),
            Route("/account", protected),
            Route("/dashboard", protected),
            Route("/dashboard/{rest:path}", protected),
        ]
    )
    app.add_middleware(ClerkMiddleware, clerk=clerk, guard=guard)
    return app


async def run_all(app: Any) -> dict[str, tuple[int, bytes]]:
    return {path: await route_fuzz.call_asgi(app, path) for path in PATHS}


@pytest.mark.parametrize("mode", route_fuzz.GUARD_MODES)
def test_every_path_routed_to_a_protected_view_meets_the_guard(
    clerk_engine: Clerk, mode: str
) -> None:
    unguarded = asyncio.run(run_all(make_app(clerk_engine, None)))
    guarded = asyncio.run(run_all(make_app(clerk_engine, route_fuzz.guard_for(mode))))
    reached = route_fuzz.check(PATHS, unguarded, guarded)
    assert reached >= 20  # the generated paths do reach protected views through odd spellings


def test_the_reported_bypasses_are_closed(clerk_engine: Clerk) -> None:
    app = make_app(clerk_engine, route_fuzz.guard_for("deny-list"))
    for raw in ("/orgs/acme%2Fsettings/billing", "/api%2Fadmin/users"):
        assert asyncio.run(route_fuzz.call_asgi(make_app(clerk_engine, None), raw)) == (
            200,
            b'{"route":"protected"}',
        )
        assert asyncio.run(route_fuzz.call_asgi(app, raw))[0] == 401


def test_a_trailing_newline_meets_the_guard_in_fastapi(clerk_engine: Clerk) -> None:
    """Starlette's routes end in ``$``, which Python also matches before a final newline: FastAPI
    routes ``/admin%0A`` to ``/admin``, so the guard must judge it as ``/admin``."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/account")
    async def account() -> dict[str, str]:
        return {"route": "protected"}

    app.add_middleware(ClerkMiddleware, clerk=clerk_engine, guard=route_fuzz.guard_for("deny-list"))
    assert asyncio.run(route_fuzz.call_asgi(app, "/account"))[0] == 401
    assert asyncio.run(route_fuzz.call_asgi(app, "/account%0A"))[0] == 401
