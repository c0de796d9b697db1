"""clerk_starlette.fastapi: dependencies with and without the middleware, OpenAPI, refusals."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from clerk_core import AuthObject, Clerk, RequestView
from clerk_core.testing import LocalClerkInstance
from clerk_starlette import ClerkMiddleware
from clerk_starlette.fastapi import Protect, get_auth, require_auth

PAGE = {"sec-fetch-dest": "document", "accept": "text/html"}


def make_app(engine: Clerk, *, middleware: bool) -> FastAPI:
    app = FastAPI()
    if middleware:
        app.add_middleware(ClerkMiddleware, clerk=engine)
    else:
        app.state.clerk = engine

    @app.get("/me")
    async def me(auth: AuthObject = Depends(get_auth)) -> dict[str, Any]:
        return {"user_id": auth.user_id, "authenticated": auth.is_authenticated}

    @app.get("/private")
    async def private(auth: AuthObject = Depends(require_auth)) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    @app.get("/orders")
    async def orders(
        auth: AuthObject = Depends(Protect(permission="org:orders:read")),
    ) -> dict[str, Any]:
        return {"org_id": auth.org_id}

    @app.get("/custom")
    async def custom(
        auth: AuthObject = Depends(
            Protect(condition=lambda has: has(role="admin") or has(plan="pro"))
        ),
    ) -> dict[str, Any]:
        return {"ok": True}

    return app


@pytest.fixture(params=[True, False], ids=["with-middleware", "dependencies-only"])
def http(request: pytest.FixtureRequest, clerk_engine: Clerk) -> TestClient:
    return TestClient(
        make_app(clerk_engine, middleware=request.param),
        base_url="http://127.0.0.1:8000",
        follow_redirects=False,
    )


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_get_auth(http: TestClient, clerk_instance: LocalClerkInstance) -> None:
    token = clerk_instance.session_token("user_f")
    assert http.get("/me", headers=bearer(token)).json() == {
        "user_id": "user_f",
        "authenticated": True,
    }
    assert http.get("/me").json() == {"user_id": None, "authenticated": False}


def test_require_auth(http: TestClient, clerk_instance: LocalClerkInstance) -> None:
    assert http.get("/private", headers=bearer(clerk_instance.session_token("u1"))).json() == {
        "user_id": "u1"
    }
    refused = http.get("/private")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json() == {"error": "unauthenticated", "reason": "dev-browser-missing"}


def test_require_auth_redirects_pages(http: TestClient, clerk_instance: LocalClerkInstance) -> None:
    headers = {**PAGE, "cookie": f"__clerk_db_jwt={clerk_instance.dev_browser_token}"}
    response = http.get("/private", headers=headers)
    assert response.status_code == 307
    assert response.headers["location"].startswith(
        "https://accounts.local.test/sign-in?redirect_url="
    )


def test_protect(http: TestClient, clerk_instance: LocalClerkInstance) -> None:
    reader = clerk_instance.session_token(
        org_id="org_1", org_role="org:member", org_permissions=["org:orders:read"]
    )
    other = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    assert http.get("/orders", headers=bearer(reader)).json() == {"org_id": "org_1"}
    forbidden = http.get("/orders", headers=bearer(other))
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": "forbidden"}
    pro = clerk_instance.session_token(plans=["u:pro"])
    assert http.get("/custom", headers=bearer(pro)).json() == {"ok": True}
    assert http.get("/custom", headers=bearer(other)).status_code == 403


def test_openapi_declares_the_bearer_scheme(clerk_engine: Clerk) -> None:
    schema = TestClient(make_app(clerk_engine, middleware=False)).get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["Clerk"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A Clerk session token (or an API key / machine token where accepted).",
    }
    assert schema["paths"]["/orders"]["get"]["security"] == [{"Clerk": []}]
    assert schema["paths"]["/private"]["get"]["security"] == [{"Clerk": []}]


def test_protect_is_one_dependency_that_is_the_bearer_scheme() -> None:
    """``require_auth`` and ``Protect(...)`` are the security scheme themselves: FastAPI solves
    one dependency per request (the request and its response), with nothing beneath it."""
    from fastapi.dependencies.utils import get_dependant
    from fastapi.security.base import SecurityBase

    from clerk_starlette.fastapi import clerk_bearer

    for dependency in (require_auth, Protect(permission="org:orders:read")):
        assert isinstance(dependency, SecurityBase)
        assert dependency.scheme_name == clerk_bearer.scheme_name
        assert dependency.model == clerk_bearer.model
        assert get_dependant(path="/", call=dependency).dependencies == []


def test_dependencies_keep_refreshed_cookies(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    s = clerk_instance.cookie_suffix
    cookies = {
        f"__session_{s}": clerk_instance.expired_token("user_r"),
        f"__client_uat_{s}": "1",
        f"__clerk_db_jwt_{s}": clerk_instance.dev_browser_token,
        clerk_instance.refresh_cookie_name: clerk_instance.refresh_token("user_r"),
    }
    http = TestClient(make_app(clerk_engine, middleware=False))
    response = http.get(
        "/private", headers={"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    )
    assert response.json() == {"user_id": "user_r"}
    assert any(c.startswith(f"__session_{s}=") for c in response.headers.get_list("set-cookie"))


def test_dependencies_without_any_configuration_read_the_environment(
    clerk_instance: LocalClerkInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clerk_starlette.fastapi as module

    monkeypatch.setattr(module, "_default_engine", None)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", clerk_instance.publishable_key)
    monkeypatch.setenv("CLERK_JWT_KEY", clerk_instance.public_key_pem())
    monkeypatch.setenv("CLERK_SECRET_KEY", clerk_instance.secret_key)
    app = FastAPI()

    @app.get("/me")
    async def me(auth: AuthObject = Depends(require_auth)) -> dict[str, Any]:
        return {"user_id": auth.user_id}

    token = clerk_instance.session_token("user_env", azp=False)
    assert TestClient(app).get("/me", headers=bearer(token)).json() == {"user_id": "user_env"}
    assert isinstance(RequestView, type)


def test_current_user_dependency(clerk_instance: LocalClerkInstance, clerk_engine: Clerk) -> None:
    from clerk_core.resources import User
    from clerk_starlette.fastapi import current_user

    clerk_instance.backend.add_user("user_dep", first_name="Dee")
    app = FastAPI()
    app.state.clerk = clerk_engine

    @app.get("/me")
    async def me(user: User | None = Depends(current_user)) -> dict[str, Any]:
        return {"name": user.first_name if user else None}

    http = TestClient(app)
    token = clerk_instance.session_token("user_dep")
    assert http.get("/me", headers=bearer(token)).json() == {"name": "Dee"}
    assert http.get("/me").json() == {"name": None}


@pytest.mark.parametrize("middleware", [True, False], ids=["with-middleware", "dependencies-only"])
@pytest.mark.parametrize("host", ["evil.example", "app.test@evil.example"])
def test_the_host_header_never_chooses_a_redirect(
    clerk_instance: LocalClerkInstance, middleware: bool, host: str
) -> None:
    engine = clerk_instance.clerk(sign_in_url="/sign-in")
    http = TestClient(
        make_app(engine, middleware=middleware),
        base_url="http://127.0.0.1:8000",
        follow_redirects=False,
    )
    headers = {
        "sec-fetch-dest": "document",
        "accept": "text/html",
        "cookie": f"__clerk_db_jwt={clerk_instance.dev_browser_token}",
    }
    refused = http.get("/private", headers={**headers, "host": host})
    assert refused.status_code == 401
    assert "location" not in refused.headers
    allowed = http.get("/private", headers=headers)
    assert allowed.status_code == 307
    assert allowed.headers["location"].startswith("http://127.0.0.1:8000/sign-in?")
    assert allowed.headers["cache-control"] == "no-store"


def _clerk_headers(response: Any) -> list[tuple[str, str]]:
    return [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, v in response.headers.raw
        if k.lower().startswith(b"x-clerk-auth-")
        or k.lower() in (b"set-cookie", b"www-authenticate", b"cache-control")
    ]


def test_behind_the_middleware_every_clerk_header_is_sent_once(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    """A refused dependency's exception carries Clerk's headers and the middleware adds the
    request state's on the way out: each must reach the client once, refused or not."""
    http = TestClient(make_app(clerk_engine, middleware=True), follow_redirects=False)
    s = clerk_instance.cookie_suffix
    refreshed = "; ".join(
        f"{k}={v}"
        for k, v in {
            f"__session_{s}": clerk_instance.expired_token("user_r"),
            f"__client_uat_{s}": "1",
            f"__clerk_db_jwt_{s}": clerk_instance.dev_browser_token,
            clerk_instance.refresh_cookie_name: clerk_instance.refresh_token("user_r"),
        }.items()
    )
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    cases = [
        ("/private", {}, 401),
        ("/private", bearer(clerk_instance.bad_signature_token()), 401),
        ("/orders", bearer(member), 403),
        ("/orders", {"cookie": refreshed}, 403),
        ("/private", {"cookie": refreshed}, 200),
        ("/private", bearer(member), 200),
    ]
    for path, headers, status in cases:
        response = http.get(path, headers=headers)
        assert response.status_code == status, (path, headers)
        sent = _clerk_headers(response)
        assert len(sent) == len(set(sent)), sent
        names = [name for name, _ in sent if name != "set-cookie"]
        assert len(names) == len(set(names)), sent
        if status != 200:
            assert "detail" not in response.json()


def test_a_custom_http_exception_handler_still_receives_clerk_refusals(
    clerk_engine: Clerk,
) -> None:
    """An app with its own HTTPException handler keeps it: the refusal is an HTTPException whose
    detail is the core body and whose headers are Clerk's."""
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from clerk_starlette.fastapi import ClerkHTTPException

    app = make_app(clerk_engine, middleware=False)
    seen: list[Any] = []

    @app.exception_handler(StarletteHTTPException)
    async def mine(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        seen.append(exc)
        return JSONResponse({"problem": exc.detail}, exc.status_code, headers=exc.headers)

    response = TestClient(app).get("/private")
    assert response.status_code == 401
    assert response.json() == {
        "problem": {"error": "unauthenticated", "reason": "dev-browser-missing"}
    }
    assert response.headers["www-authenticate"] == "Bearer"
    assert isinstance(seen[0], ClerkHTTPException)
    assert seen[0].response.status == 401


def test_the_clerk_exception_handler_can_be_registered_explicitly(clerk_engine: Clerk) -> None:
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from clerk_starlette.fastapi import ClerkHTTPException, clerk_exception_handler

    app = make_app(clerk_engine, middleware=False)

    @app.exception_handler(StarletteHTTPException)
    async def mine(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"problem": exc.detail}, exc.status_code)

    app.add_exception_handler(ClerkHTTPException, clerk_exception_handler)
    response = TestClient(app).get("/private")
    assert response.json() == {"error": "unauthenticated", "reason": "dev-browser-missing"}
    assert response.headers["cache-control"] == "no-store"
