"""Per-route token types, Clerk's reverification hint and redirect_to_sign_in / _up, the same in
every adapter: FastAPI (behind ClerkMiddleware and alone), Django views, Django REST framework and
Flask (issue 15 items 4 to 6).

* ``protect(token=...)`` narrows the app-wide ``accepts_token``: another type is a 401
  ``token-type-mismatch``, never a sign-in redirect, never "signed out";
* a route that takes a type the app-wide setting excludes verifies the request's token again with
  its own types, and the view sees the machine's fields (``id``, ``subject``, ``scopes``,
  ``claims``, ``name``);
* a stale session on a ``reverification`` route gets Clerk's 403 body, page or API;
* ``redirect_to_sign_in()`` / ``redirect_to_sign_up()`` send the user to the page with
  ``redirect_url`` back.
"""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations (``Request``,
# imported inside the builder) as objects.
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clerk_core import AuthObject, Clerk
from clerk_core.testing import LocalClerkInstance

# status, JSON body (None when empty), Location
Answer = tuple[int, Any, str | None]
Get = Callable[[str, dict[str, str]], Answer]
Build = Callable[[Clerk], Get]

MISMATCH = {"error": "unauthenticated", "reason": "token-type-mismatch"}
HINT = {
    "clerk_error": {
        "type": "forbidden",
        "reason": "reverification-error",
        "metadata": {"reverification": {"level": "second_factor", "afterMinutes": 10}},
    }
}
PAGE = {"sec-fetch-dest": "document", "accept": "text/html"}


def _answer(status: int, body: bytes, location: str | None) -> Answer:
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = body.decode()
    return status, parsed, location


def fields(auth: AuthObject) -> dict[str, Any]:
    return {
        "token_type": auth.token_type,
        "user_id": auth.user_id,
        "id": auth.id,
        "subject": auth.subject,
        "scopes": auth.scopes,
        "claims": dict(auth.claims) if auth.claims is not None else None,
        "name": auth.name,
    }


def _fastapi(engine: Clerk, *, middleware: bool) -> Get:
    from fastapi import Depends, FastAPI, Request
    from fastapi.testclient import TestClient

    from clerk_starlette import ClerkMiddleware
    from clerk_starlette.fastapi import Protect, redirect_to_sign_in, redirect_to_sign_up

    app = FastAPI()
    if middleware:
        app.add_middleware(ClerkMiddleware, clerk=engine)
    else:
        app.state.clerk = engine

    @app.get("/session-only")
    async def session_only(
        auth: AuthObject = Depends(Protect(token="session_token")),
    ) -> dict[str, Any]:
        return fields(auth)

    @app.get("/machines")
    async def machines(
        auth: AuthObject = Depends(Protect(token=["api_key", "m2m_token"])),
    ) -> dict[str, Any]:
        return fields(auth)

    @app.get("/reverify")
    async def reverify(
        auth: AuthObject = Depends(Protect(reverification="strict")),
    ) -> dict[str, Any]:
        return fields(auth)

    @app.get("/sign-in-please")
    async def sign_in_please(request: Request) -> Any:
        return await redirect_to_sign_in(request)

    @app.get("/sign-up-please")
    async def sign_up_please(request: Request) -> Any:
        return await redirect_to_sign_up(request, return_back_url="/after")

    client = TestClient(app, base_url="http://testserver", follow_redirects=False)

    def get(path: str, headers: dict[str, str]) -> Answer:
        r = client.get(path, headers=headers)
        return _answer(r.status_code, r.content, r.headers.get("location"))

    return get


def fastapi_behind_middleware(engine: Clerk) -> Get:
    return _fastapi(engine, middleware=True)


def fastapi_alone(engine: Clerk) -> Get:
    return _fastapi(engine, middleware=False)


def _django(engine: Clerk, prefix: str) -> Get:
    from django.test import Client, override_settings

    def get(path: str, headers: dict[str, str]) -> Answer:
        prefix_used = prefix
        if prefix and path.startswith("/sign-"):
            prefix_used = ""  # DRF has no page redirects: the Django views answer them
        elif prefix:
            # DRF answers as to an API (never a redirect); its browsable API would render HTML.
            headers = {**headers, "accept": "application/json"}
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        with override_settings(
            CLERK={"clerk": engine}, ROOT_URLCONF="tests.django.protect_routes_urls"
        ):
            r = Client().get(prefix_used + path, **meta)
        return _answer(r.status_code, r.content, r.headers.get("location"))

    return get


def django_views(engine: Clerk) -> Get:
    return _django(engine, "")


def django_rest_framework(engine: Clerk) -> Get:
    pytest.importorskip("rest_framework")
    return _django(engine, "/drf")


def flask(engine: Clerk) -> Get:
    from flask import Flask, jsonify

    from clerk_flask import Clerk as ClerkExtension
    from clerk_flask import current_auth, protect, redirect_to_sign_in, redirect_to_sign_up

    app = Flask(__name__)
    ClerkExtension(app, clerk=engine)

    @app.get("/session-only")
    @protect(token="session_token")
    def session_only() -> Any:
        return jsonify(fields(current_auth))

    @app.get("/machines")
    @protect(token=["api_key", "m2m_token"])
    def machines() -> Any:
        return jsonify(fields(current_auth))

    @app.get("/reverify")
    @protect(reverification="strict")
    def reverify() -> Any:
        return jsonify(fields(current_auth))

    @app.get("/sign-in-please")
    def sign_in_please() -> Any:
        return redirect_to_sign_in()

    @app.get("/sign-up-please")
    def sign_up_please() -> Any:
        return redirect_to_sign_up(return_back_url="/after")

    client = app.test_client(use_cookies=False)

    def get(path: str, headers: dict[str, str]) -> Answer:
        r = client.get(path, headers=headers, base_url="http://testserver")
        return _answer(r.status_code, r.get_data(), r.headers.get("location"))

    return get


ADAPTERS: dict[str, tuple[str, Build]] = {
    "fastapi-behind-middleware": ("fastapi", fastapi_behind_middleware),
    "fastapi-alone": ("fastapi", fastapi_alone),
    "django-views": ("django", django_views),
    "django-rest-framework": ("django", django_rest_framework),
    "flask": ("flask", flask),
}


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> Build:
    module, build = ADAPTERS[request.param]
    pytest.importorskip(module)
    return build


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(authorized_parties=("http://testserver",))


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept": "application/json", **extra}


@pytest.mark.parametrize("app_wide", ["session_token", "any"])
def test_a_machine_token_on_a_session_only_route_is_a_mismatch(
    instance: LocalClerkInstance, adapter: Build, app_wide: str
) -> None:
    get = adapter(instance.clerk(accepts_token=app_wide))
    key = instance.api_key("user_k")
    assert get("/session-only", bearer(key))[:2] == (401, MISMATCH)
    # A page request too: a 401, never a sign-in redirect.
    assert get("/session-only", bearer(key, **PAGE)) == (401, MISMATCH, None)
    session = instance.session_token("user_s")
    status, body, _ = get("/session-only", bearer(session))
    assert (status, body["token_type"], body["user_id"]) == (200, "session_token", "user_s")


@pytest.mark.parametrize("app_wide", ["session_token", "any"])
def test_a_route_wider_than_the_app_takes_machine_tokens_and_shows_their_fields(
    instance: LocalClerkInstance, adapter: Build, app_wide: str
) -> None:
    get = adapter(instance.clerk(accepts_token=app_wide))
    key = instance.api_key("user_k", name="deploy", scopes=["read"], claims={"tier": "gold"})
    status, body, _ = get("/machines", bearer(key))
    assert status == 200
    assert body["token_type"] == "api_key"
    assert body["id"].startswith("ak_")
    assert (body["subject"], body["user_id"], body["name"]) == ("user_k", "user_k", "deploy")
    assert (body["scopes"], body["claims"]) == (["read"], {"tier": "gold"})
    status, body, _ = get("/machines", bearer(instance.m2m_token("mch_a", scopes=["x"])))
    assert (status, body["token_type"], body["subject"]) == (200, "m2m_token", "mch_a")


def test_a_session_or_nothing_on_a_machine_route_is_a_401_not_a_redirect(
    instance: LocalClerkInstance, adapter: Build
) -> None:
    get = adapter(instance.clerk())
    session = instance.session_token("user_s")
    assert get("/machines", bearer(session))[:2] == (401, MISMATCH)
    assert get("/machines", bearer(session, **PAGE)) == (401, MISMATCH, None)
    browser = {**PAGE, "cookie": f"__clerk_db_jwt={instance.dev_browser_token}"}
    status, _, location = get("/machines", browser)
    assert (status, location) == (401, None)
    status, body, _ = get("/machines", bearer("ak_" + "0" * 32))
    assert status == 401
    assert body["error"] == "unauthenticated"


@pytest.mark.parametrize("page", [False, True], ids=["api", "page"])
def test_a_stale_session_gets_clerks_reverification_hint(
    instance: LocalClerkInstance, adapter: Build, page: bool
) -> None:
    get = adapter(instance.clerk())
    stale = instance.session_token("user_s", fva=[120, 120])
    headers = bearer(stale, **PAGE) if page else bearer(stale)
    assert get("/reverify", headers) == (403, HINT, None)
    fresh = instance.session_token("user_s", fva=[1, 1])
    assert get("/reverify", bearer(fresh))[0] == 200


def test_redirect_to_sign_in_and_sign_up(instance: LocalClerkInstance, adapter: Build) -> None:
    get = adapter(instance.clerk(sign_in_url="/sign-in", sign_up_url="/sign-up"))
    browser = {**PAGE, "cookie": f"__clerk_db_jwt={instance.dev_browser_token}"}
    status, _, location = get("/sign-in-please?next=1", browser)
    assert status == 307
    split = urlsplit(location or "")
    assert (split.netloc, split.path) == ("testserver", "/sign-in")
    assert parse_qs(split.query) == {"redirect_url": ["http://testserver/sign-in-please?next=1"]}
    status, _, location = get("/sign-up-please", browser)
    split = urlsplit(location or "")
    assert (status, split.path) == (307, "/sign-up")
    assert parse_qs(split.query) == {"redirect_url": ["http://testserver/after"]}


def test_a_drf_permission_narrows_what_the_authentication_took(
    instance: LocalClerkInstance,
) -> None:
    """``IsSignedIn(token=...)`` under the app's own ``ClerkAuthentication`` (app-wide ``any``)."""
    get = django_rest_framework(instance.clerk(accepts_token="any"))
    assert get("/session-only-permission", bearer(instance.api_key()))[:2] == (401, MISMATCH)
    status, body, _ = get("/session-only-permission", bearer(instance.session_token("user_s")))
    assert (status, body["user_id"]) == (200, "user_s")


def test_an_async_django_view_takes_a_wider_token_type(instance: LocalClerkInstance) -> None:
    get = django_views(instance.clerk())
    status, body, _ = get("/amachines", bearer(instance.api_key("user_k")))
    assert (status, body["token_type"], body["subject"]) == (200, "api_key", "user_k")
