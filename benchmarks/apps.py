"""The apps the adapter benchmarks call: each framework bare, and the same app with Clerk.

Every app serves one JSON view, ``GET /api/me``, that answers ``{"user_id": ...}`` (``None`` in the
bare apps). ``benchmarks/adapters.py`` calls them in-process; its ``--server`` mode serves them with
uvicorn or gunicorn through :func:`from_env`, which reads the variant from ``BENCH_APP`` and the
Clerk configuration from the JSON file named by ``BENCH_CLERK_CONFIG``.

Variants (``framework:flavour``):

* ``starlette:bare`` / ``starlette:middleware``;
* ``fastapi:bare`` / ``fastapi:middleware``;
* ``fastapi:httpbearer`` (FastAPI resolving ``Security(HTTPBearer(auto_error=False))``, no Clerk: the
  framework's share of a bearer dependency) / ``fastapi:require_auth`` (``Depends(require_auth)``);
* ``fastapi:peer-fastapi-clerk-auth`` (``Depends(ClerkHTTPBearer(...))``, the ``fastapi-clerk-auth``
  package, when installed);
* ``django-wsgi:bare`` / ``django-wsgi:middleware``, ``django-asgi:bare`` / ``django-asgi:middleware``;
* ``flask:bare`` / ``flask:extension``.
"""

# No `from __future__ import annotations`: FastAPI reads the views' annotations at run time.

import importlib
import json
import os
from collections.abc import Mapping
from typing import Any

from clerk_core import Clerk, ClerkOptions

VARIANTS = (
    "starlette:bare",
    "starlette:middleware",
    "fastapi:bare",
    "fastapi:middleware",
    "fastapi:httpbearer",
    "fastapi:require_auth",
    "fastapi:peer-fastapi-clerk-auth",
    "django-wsgi:bare",
    "django-wsgi:middleware",
    "django-asgi:bare",
    "django-asgi:middleware",
    "flask:bare",
    "flask:extension",
)


def engine_from_config(config: Mapping[str, Any]) -> Clerk:
    """A Clerk engine for a served benchmark app (its Backend API is a loopback server)."""
    return Clerk(ClerkOptions(**config["options"]))


def from_env() -> Any:
    """The app named by ``BENCH_APP``, configured from ``BENCH_CLERK_CONFIG`` (server mode)."""
    with open(os.environ["BENCH_CLERK_CONFIG"], encoding="utf-8") as handle:
        config = json.load(handle)
    variant = os.environ["BENCH_APP"]
    engine = None if variant.endswith(":bare") else engine_from_config(config)
    return make(variant, engine, jwks_url=config.get("jwks_url"))


def make(variant: str, engine: Clerk | None, *, jwks_url: str | None = None) -> Any:
    """The ASGI or WSGI app of ``variant``."""
    framework, _, flavour = variant.partition(":")
    if framework == "starlette":
        return _starlette(engine if flavour == "middleware" else None)
    if framework == "fastapi":
        return _fastapi(flavour, engine, jwks_url)
    if framework in ("django-wsgi", "django-asgi"):
        return _django(framework == "django-asgi", engine if flavour == "middleware" else None)
    if framework == "flask":
        return _flask(engine if flavour == "extension" else None)
    raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")


# ------------------------------------------------------------------------------------ Starlette
def _starlette(engine: Clerk | None) -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    if engine is None:

        async def bare_view(request: Request) -> JSONResponse:
            return JSONResponse({"user_id": None})

        return Starlette(routes=[Route("/api/me", bare_view)])

    from clerk_starlette import ClerkMiddleware, get_auth

    async def view(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    return Starlette(
        routes=[Route("/api/me", view)], middleware=[Middleware(ClerkMiddleware, clerk=engine)]
    )


# -------------------------------------------------------------------------------------- FastAPI
def _fastapi(flavour: str, engine: Clerk | None, jwks_url: str | None) -> Any:
    from fastapi import Depends, FastAPI, Request, Security
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    if flavour == "bare":

        @app.get("/api/me")
        async def bare() -> dict[str, Any]:
            return {"user_id": None}

    elif flavour == "middleware":
        from clerk_starlette import ClerkMiddleware, get_auth

        app.add_middleware(ClerkMiddleware, clerk=engine)

        @app.get("/api/me")
        async def middleware(request: Request) -> dict[str, Any]:
            return {"user_id": get_auth(request).user_id}

    elif flavour == "httpbearer":
        bearer = HTTPBearer(auto_error=False)

        @app.get("/api/me")
        async def httpbearer(
            credentials: HTTPAuthorizationCredentials | None = Security(bearer),
        ) -> dict[str, Any]:
            return {"user_id": None}

    elif flavour == "require_auth":
        from clerk_starlette.fastapi import require_auth

        app.state.clerk = engine

        @app.get("/api/me")
        async def required(auth: Any = Depends(require_auth)) -> dict[str, Any]:
            return {"user_id": auth.user_id}

    elif flavour == "peer-fastapi-clerk-auth":
        package = importlib.import_module("fastapi_clerk_auth")  # optional: not a dependency
        guard = package.ClerkHTTPBearer(package.ClerkConfig(jwks_url=jwks_url or ""))

        @app.get("/api/me")
        async def peer(credentials: Any = Depends(guard)) -> dict[str, Any]:
            return {"user_id": credentials.decoded["sub"]}

    else:
        raise ValueError(f"unknown FastAPI flavour {flavour!r}")
    return app


# --------------------------------------------------------------------------------------- Django
urlpatterns: list[Any] = []


def _django_setup(engine: Clerk | None) -> None:
    import django
    from django.conf import settings

    if settings.configured:
        return
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    def view(request: HttpRequest) -> JsonResponse:
        auth = getattr(request, "auth", None)  # what clerk_django's middleware stores
        return JsonResponse({"user_id": getattr(auth, "user_id", None)})

    async def async_view(request: HttpRequest) -> JsonResponse:
        return view(request)

    urlpatterns[:] = [path("api/me", view), path("async/api/me", async_view)]
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["app.example", "127.0.0.1", "localhost"],
        SECRET_KEY="benchmark-only-not-a-secret",
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        LOGGING_CONFIG=None,
        CLERK={"clerk": engine} if engine is not None else {},
    )
    django.setup()


def _django(asgi: bool, engine: Clerk | None) -> Any:
    """Django's own WSGI or ASGI handler (its middleware chain is built here, once, as under a
    server). The WSGI app serves a sync view, the ASGI one an async view (a sync view under ASGI
    adds a thread hop that is Django's, not Clerk's). Both routes live in one URLconf, so the bare
    and the Clerk handler of a run resolve exactly the same patterns."""
    _django_setup(engine)
    from django.conf import settings
    from django.core.handlers.asgi import ASGIHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    middleware = ["clerk_django.middleware.ClerkMiddleware"] if engine is not None else []
    if engine is not None and settings.CLERK.get("clerk") is not engine:
        raise ValueError("one Django process serves one Clerk engine (settings.CLERK)")
    with override_settings(MIDDLEWARE=middleware):
        return ASGIHandler() if asgi else WSGIHandler()


def path_of(variant: str) -> str:
    """The request path a variant serves ``/api/me`` on."""
    return "/async/api/me" if variant.startswith("django-asgi") else "/api/me"


# ---------------------------------------------------------------------------------------- Flask
def _flask(engine: Clerk | None) -> Any:
    from flask import Flask, jsonify

    app = Flask("bench_" + ("clerk" if engine else "bare"))
    if engine is None:
        app.add_url_rule("/api/me", "me", lambda: jsonify(user_id=None))
        return app
    from clerk_flask import Clerk as ClerkExtension
    from clerk_flask import get_auth

    ClerkExtension(app, clerk=engine)
    app.add_url_rule("/api/me", "me", lambda: jsonify(user_id=get_auth().user_id))
    return app
