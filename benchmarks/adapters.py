"""What the framework adapters add to a request, as ratios against the same app without Clerk,
measured in the same run.

    python benchmarks/adapters.py [--requests N] [--rounds R]

For each framework, one small JSON view is called straight through its ASGI or WSGI entry point (no
test client, no sockets): once in a bare app, once behind Clerk with a repeated session token (the
steady state of a signed-in user: the verified-token memory answers). The Django app runs with its
middleware stack built once, as under a real server. Each figure is the best of R rounds of N
requests, in microseconds per request; "added" is the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.routes import per_call  # the same best-of-rounds timer
from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance


# ------------------------------------------------------------------------------------ Starlette
def starlette_pair(engine: Clerk, token: str) -> tuple[Callable[[], object], Callable[[], object]]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from clerk_starlette import ClerkMiddleware, get_auth

    async def bare_view(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": None})

    async def clerk_view(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    bare = Starlette(routes=[Route("/api/me", bare_view)])
    guarded = Starlette(
        routes=[Route("/api/me", clerk_view)],
        middleware=[Middleware(ClerkMiddleware, clerk=engine)],
    )
    loop = asyncio.new_event_loop()

    def caller(app: Any, headers: list[tuple[bytes, bytes]]) -> Callable[[], object]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/api/me",
            "raw_path": b"/api/me",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        def call() -> object:
            sent.clear()
            loop.run_until_complete(app(dict(scope), receive, send))
            assert sent[0]["status"] == 200, sent
            return sent

        return call

    host = [(b"host", b"app.example")]
    auth = [*host, (b"authorization", f"Bearer {token}".encode())]
    return caller(bare, host), caller(guarded, auth)


# ---------------------------------------------------------------------------------------- Flask
def wsgi_caller(app: Any, environ: dict[str, Any]) -> Callable[[], object]:
    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        assert status.startswith("200"), status
        return None

    def call() -> object:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(b"")
        return b"".join(app(env, start_response))

    return call


def base_environ(token: str | None) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/api/me",
        "RAW_URI": "/api/me",  # gunicorn and werkzeug's server pass the raw target
        "QUERY_STRING": "",
        "SERVER_NAME": "app.example",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "app.example",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return environ


def flask_pair(engine: Clerk, token: str) -> tuple[Callable[[], object], Callable[[], object]]:
    from flask import Flask, jsonify

    from clerk_flask import Clerk as ClerkExtension
    from clerk_flask import get_auth

    bare = Flask("bare")
    bare.add_url_rule("/api/me", "me", lambda: jsonify(user_id=None))
    guarded = Flask("guarded")
    ClerkExtension(guarded, clerk=engine)
    guarded.add_url_rule("/api/me", "me", lambda: jsonify(user_id=get_auth().user_id))
    return wsgi_caller(bare, base_environ(None)), wsgi_caller(guarded, base_environ(token))


# --------------------------------------------------------------------------------------- Django
def django_pair(engine: Clerk, token: str) -> tuple[Callable[[], object], Callable[[], object]]:
    import django
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import JsonResponse
    from django.test import override_settings
    from django.urls import path

    from clerk_django import get_auth

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            ALLOWED_HOSTS=["app.example"],
            SECRET_KEY="benchmark-only-not-a-secret",
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
            CLERK={"clerk": engine},
        )
        django.setup()

    def bare_view(request: Any) -> JsonResponse:
        return JsonResponse({"user_id": None})

    def clerk_view(request: Any) -> JsonResponse:
        return JsonResponse({"user_id": get_auth(request).user_id})

    globals()["urlpatterns"] = [path("api/me", bare_view)]
    bare = WSGIHandler()  # the middleware chain is built here, once
    with override_settings(MIDDLEWARE=["clerk_django.middleware.ClerkMiddleware"]):
        guarded = WSGIHandler()
    globals()["urlpatterns"] = [path("api/me", clerk_view)]

    def guarded_app(environ: dict[str, Any], start_response: Any) -> Any:
        return guarded(environ, start_response)

    # Both handlers resolve the same URLconf; the view differs only in reading the auth object.
    return wsgi_caller(bare, base_environ(None)), wsgi_caller(guarded_app, base_environ(token))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)

    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.bench.test",
        authorized_parties=("http://app.example",),
    )
    engine = instance.clerk(networkless=True)
    token = instance.session_token("user_bench", lifetime=3600)

    print(f"{'framework':<12}{'bare app':>14}{'with Clerk':>14}{'added':>12}{'ratio':>9}")
    for name, make in (
        ("starlette", starlette_pair),
        ("flask", flask_pair),
        ("django", django_pair),
    ):
        bare, guarded = make(engine, token)
        bare()
        guarded()  # warm: the token is verified once, then remembered
        base = per_call(bare, args.requests, args.rounds)
        with_clerk = per_call(guarded, args.requests, args.rounds)
        print(
            f"{name:<12}{base:>11.1f} us{with_clerk:>11.1f} us{with_clerk - base:>9.1f} us"
            f"{with_clerk / base:>8.2f}x"
        )


if __name__ == "__main__":
    main()
