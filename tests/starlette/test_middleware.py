"""ClerkMiddleware through Starlette's test client: every response rule, WebSockets, concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from clerk_core import (
    AuthObject,
    Clerk,
    ClerkConfigurationError,
    RequestView,
    create_route_matcher,
)
from clerk_core.testing import LocalClerkInstance
from clerk_starlette import ClerkMiddleware, get_auth

PAGE = {"sec-fetch-dest": "document", "accept": "text/html"}
is_private = create_route_matcher(["/private(.*)", "/ws"])
is_admin = create_route_matcher(["/admin(.*)"])


async def whoami(request: Request) -> JSONResponse:
    auth = get_auth(request)
    return JSONResponse(
        {
            "user_id": auth.user_id,
            "org_role": auth.org_role,
            "user": request.user.identity,
            "authenticated": request.user.is_authenticated,
            "scopes": list(request.auth.scopes),
        }
    )


@requires("authenticated")
async def needs_scope(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


@requires("org:admin", status_code=403)
async def needs_admin_scope(request: Request) -> PlainTextResponse:
    return PlainTextResponse("admin")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user_id": get_auth(websocket).user_id})
    await websocket.close()


def guard(auth: AuthObject, request: HTTPConnection) -> None:
    if is_private(request):
        auth.protect()
    if is_admin(request):
        auth.protect(role="org:admin")


ROUTES = [
    Route("/", whoami),
    Route("/private/page", whoami),
    Route("/admin", whoami),
    Route("/scoped", needs_scope),
    Route("/scoped-admin", needs_admin_scope),
    WebSocketRoute("/ws", socket),
    WebSocketRoute("/open-ws", socket),
]


def make_app(engine: Clerk, guard_fn: Any = guard, **kwargs: Any) -> Starlette:
    return Starlette(
        routes=ROUTES,
        middleware=[Middleware(ClerkMiddleware, clerk=engine, guard=guard_fn, **kwargs)],
    )


def client(app: Starlette) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def cookie_header(instance: LocalClerkInstance, token: str) -> dict[str, str]:
    return {"cookie": "; ".join(f"{k}={v}" for k, v in instance.cookies(token).items())}


def test_signed_in_request_reaches_the_view(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    token = clerk_instance.session_token(
        "user_1", org_id="org_1", org_role="org:admin", org_permissions=["org:orders:read"]
    )
    response = client(make_app(clerk_engine)).get("/private/page", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {
        "user_id": "user_1",
        "org_role": "org:admin",
        "user": "user_1",
        "authenticated": True,
        "scopes": ["authenticated", "org:admin", "org:orders:read"],
    }
    assert "x-clerk-auth-status" not in response.headers


def test_browser_cookies_work(clerk_instance: LocalClerkInstance, clerk_engine: Clerk) -> None:
    token = clerk_instance.session_token("user_2")
    response = client(make_app(clerk_engine)).get(
        "/private/page", headers={**PAGE, **cookie_header(clerk_instance, token)}
    )
    assert response.json()["user_id"] == "user_2"


def test_starlette_requires_works(clerk_instance: LocalClerkInstance, clerk_engine: Clerk) -> None:
    app = client(make_app(clerk_engine))
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    admin = clerk_instance.session_token(org_id="org_1", org_role="org:admin")
    assert app.get("/scoped").status_code == 403
    assert app.get("/scoped", headers=bearer(member)).text == "ok"
    assert app.get("/scoped-admin", headers=bearer(member)).status_code == 403
    assert app.get("/scoped-admin", headers=bearer(admin)).text == "admin"


def test_signed_out_page_redirects_to_sign_in(
    clerk_engine: Clerk, clerk_instance: LocalClerkInstance
) -> None:
    # A development browser without a session: sign-in, with the full URL to come back to.
    headers = {**PAGE, "cookie": f"__clerk_db_jwt={clerk_instance.dev_browser_token}"}
    response = client(make_app(clerk_engine)).get("/private/page?x=1", headers=headers)
    assert response.status_code == 307
    location = httpx.URL(response.headers["location"])
    assert (location.host, location.path) == ("accounts.local.test", "/sign-in")
    assert location.params["redirect_url"] == "http://127.0.0.1:8000/private/page?x=1"
    assert response.headers["x-clerk-auth-reason"] == "session-token-and-uat-missing"


def test_handshake_is_answered_before_any_view(clerk_engine: Clerk) -> None:
    response = client(make_app(clerk_engine)).get("/", headers=PAGE)  # no dev browser yet
    assert response.status_code == 307
    assert response.headers["location"].startswith("https://clerk.local.test/v1/client/handshake?")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["set-cookie"].startswith("__clerk_redirect_count=1;")


def test_signed_out_api_is_401(clerk_engine: Clerk, clerk_instance: LocalClerkInstance) -> None:
    app = client(make_app(clerk_engine))
    response = app.get("/private/page")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"error": "unauthenticated", "reason": "dev-browser-missing"}
    bad = app.get("/private/page", headers=bearer(clerk_instance.expired_token()))
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert bad.json()["reason"] == "session-token-expired-refresh-non-eligible-no-refresh-cookie"


def test_forbidden_is_403(clerk_engine: Clerk, clerk_instance: LocalClerkInstance) -> None:
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    response = client(make_app(clerk_engine)).get("/admin", headers=bearer(member))
    assert (response.status_code, response.json()) == (403, {"error": "forbidden"})


def test_hide_routes_with_404(clerk_instance: LocalClerkInstance) -> None:
    engine = clerk_instance.clerk(unauthenticated_status=404, unauthorized_status=404)
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    app = client(make_app(engine))
    assert app.get("/private/page").status_code == 404
    assert app.get("/admin", headers=bearer(member)).status_code == 404


def test_debug_headers_on_open_routes(clerk_engine: Clerk) -> None:
    response = client(make_app(clerk_engine)).get("/")
    assert response.status_code == 200
    assert response.json()["authenticated"] is False
    assert response.headers["x-clerk-auth-status"] == "signed-out"
    assert response.headers["x-clerk-auth-reason"] == "dev-browser-missing"


def test_refreshed_session_cookies_reach_the_browser(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    s = clerk_instance.cookie_suffix
    expired = clerk_instance.expired_token("user_r")
    refresh = clerk_instance.refresh_token("user_r")
    cookies = {
        f"__session_{s}": expired,
        f"__client_uat_{s}": "1",
        f"__clerk_db_jwt_{s}": clerk_instance.dev_browser_token,
        clerk_instance.refresh_cookie_name: refresh,
    }
    response = client(make_app(clerk_engine)).get(
        "/private/page", headers={"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    )
    assert response.status_code == 200
    assert response.json()["user_id"] == "user_r"
    set_cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith(f"__session_{s}=") for c in set_cookies)


def test_async_guard_and_guard_responses(clerk_engine: Clerk) -> None:
    async def async_guard(auth: AuthObject, request: HTTPConnection) -> Response | None:
        await asyncio.sleep(0)
        if request.url.path == "/":
            return PlainTextResponse("maintenance", status_code=503)
        auth.protect()
        return None

    app = client(make_app(clerk_engine, async_guard))
    assert (app.get("/").status_code, app.get("/").text) == (503, "maintenance")
    assert app.get("/private/page").status_code == 401


def test_malformed_escapes_are_judged_as_routed(clerk_engine: Clerk) -> None:
    # The server leaves "%zz" as it is and routes on it: the guard judges that same path.
    assert client(make_app(clerk_engine)).get("/private/%zz").status_code == 401

    def string_guard(auth: AuthObject, request: HTTPConnection) -> None:
        # A guard that matches the raw URL string gets Clerk's decodeURI rules, and their 400.
        if create_route_matcher("/private(.*)")(str(request.url)):
            auth.protect()

    response = client(make_app(clerk_engine, string_guard)).get("/private/%zz")
    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "reason": "malformed-url"}


def test_websockets(clerk_instance: LocalClerkInstance, clerk_engine: Clerk) -> None:
    app = client(make_app(clerk_engine))
    token = clerk_instance.session_token("user_ws")
    with app.websocket_connect("/ws", headers=cookie_header(clerk_instance, token)) as ws:
        assert ws.receive_json() == {"user_id": "user_ws"}
    with app.websocket_connect("/ws", headers=bearer(token)) as ws:
        assert ws.receive_json() == {"user_id": "user_ws"}
    with pytest.raises(WebSocketDisconnect) as info, app.websocket_connect("/ws"):
        pass
    assert info.value.code == 1008
    with app.websocket_connect("/open-ws") as ws:  # not guarded: signed out, but accepted
        assert ws.receive_json() == {"user_id": None}


def test_many_simultaneous_requests(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    app = make_app(clerk_engine)
    tokens = [clerk_instance.session_token(f"user_{i}") for i in range(40)]

    async def run() -> list[tuple[int, Any]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            responses = await asyncio.gather(
                *(http.get("/private/page", headers=bearer(tokens[i % 40])) for i in range(400))
            )
        return [(r.status_code, r.json()["user_id"]) for r in responses]

    results = asyncio.run(run())
    assert results == [(200, f"user_{i % 40}") for i in range(400)]
    assert clerk_instance.jwks_requests == 1


def test_options_from_fields_env_or_engine(
    clerk_instance: LocalClerkInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = ClerkMiddleware(
        Starlette(),
        publishable_key=clerk_instance.publishable_key,
        secret_key=clerk_instance.secret_key,
    )
    assert ok.clerk.options.frontend_api == "clerk.local.test"
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", clerk_instance.publishable_key)
    monkeypatch.setenv("CLERK_SECRET_KEY", clerk_instance.secret_key)
    assert (
        ClerkMiddleware(Starlette()).clerk.options.publishable_key == clerk_instance.publishable_key
    )
    with pytest.raises(ClerkConfigurationError):
        ClerkMiddleware(Starlette(), publishable_key="pk_test_broken", secret_key="sk_test_x")


def test_lifespan_passes_through(clerk_engine: Clerk) -> None:
    with client(make_app(clerk_engine)) as app:  # runs startup/shutdown through the middleware
        assert app.get("/").status_code == 200


def user_calls(instance: LocalClerkInstance) -> int:
    return sum(1 for r in instance.requests if r.url.path.startswith("/v1/users/"))


def test_current_user_is_memoised_per_request_and_cached(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    from clerk_starlette import current_user

    clerk_instance.backend.add_user("user_cu", first_name="Cleo")

    async def me(request: Request) -> JSONResponse:
        first = await current_user(request)
        second = await current_user(request)
        return JSONResponse({"name": first.first_name if first else None, "same": first is second})

    app = Starlette(
        routes=[Route("/me", me)], middleware=[Middleware(ClerkMiddleware, clerk=clerk_engine)]
    )
    http = client(app)
    token = clerk_instance.session_token("user_cu")
    assert http.get("/me", headers=bearer(token)).json() == {"name": "Cleo", "same": True}
    assert user_calls(clerk_instance) == 1
    assert http.get("/me", headers=bearer(token)).json()["name"] == "Cleo"
    assert user_calls(clerk_instance) == 1  # served from the cache
    assert http.get("/me").json() == {"name": None, "same": True}


def test_handshake_return_sets_cookies_and_proceeds_in_production() -> None:
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.prod.test")
    token = instance.session_token("user_back")
    nonce = instance.backend.handshake_nonce(
        [f"__session={token}; Path=/; Secure", "__client_uat=1; Path=/; Secure"]
    )
    app = make_app(instance.clerk())
    response = client(app).get(f"/?__clerk_handshake_nonce={nonce}", headers=PAGE)
    assert response.status_code == 200
    assert response.json()["user_id"] == "user_back"
    assert response.headers.get_list("set-cookie") == [
        f"__session={token}; Path=/; Secure",
        "__client_uat=1; Path=/; Secure",
    ]


def test_a_cross_site_post_with_a_handshake_token_does_not_sign_in() -> None:
    """Login CSRF: a form on another site posting ``?__clerk_handshake=<the attacker's token>``
    used to sign the victim's browser in as the attacker. Only a GET navigation is a return trip."""
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.prod.test")
    token = instance.session_token("user_attacker")
    handshake = instance.handshake_token([f"__session={token}; Path=/", "__client_uat=1; Path=/"])

    async def form(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    app = Starlette(
        routes=[Route("/form", form, methods=["GET", "POST"])],
        middleware=[Middleware(ClerkMiddleware, clerk=instance.clerk())],
    )
    cross_site = {**PAGE, "origin": "https://evil.example", "sec-fetch-site": "cross-site"}
    response = client(app).post(f"/form?__clerk_handshake={handshake}", headers=cross_site)
    assert (response.status_code, response.json()) == (200, {"user_id": None})
    assert response.headers.get_list("set-cookie") == []
    # The same token on a GET navigation is a genuine return trip.
    genuine = client(app).get(f"/form?__clerk_handshake={handshake}", headers=PAGE)
    assert genuine.json() == {"user_id": "user_attacker"}
    assert genuine.headers.get_list("set-cookie") == [
        f"__session={token}; Path=/",
        "__client_uat=1; Path=/",
    ]


def test_middleware_built_the_starlette_0_37_way(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    """Starlette 0.37 builds middleware as ``cls(app=app, **options)``; later releases pass the app
    positionally. Both must work."""
    from clerk_core.testing import LocalFrontendAPI
    from clerk_starlette.local import LocalFrontendMiddleware

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    inner = Starlette(routes=[Route("/me", whoami)])
    wrapped = ClerkMiddleware(app=inner, clerk=clerk_engine)
    outer = LocalFrontendMiddleware(app=wrapped, frontend=LocalFrontendAPI())
    token = clerk_instance.session_token("user_kw")
    assert TestClient(outer).get("/me", headers=bearer(token)).json() == {"user_id": "user_kw"}
    with pytest.raises(TypeError, match="ASGI app"):
        ClerkMiddleware(clerk=clerk_engine)
    with pytest.raises(TypeError, match="unexpected arguments: colour"):
        LocalFrontendMiddleware(inner, frontend=LocalFrontendAPI(), colour="blue")


def test_a_raw_path_that_carries_the_query_is_not_doubled() -> None:
    """ASGI's raw_path has no query string, but Starlette's TestClient before 0.38 put it there."""
    from clerk_starlette.middleware import request_view

    scope: dict[str, Any] = {
        "type": "http",
        "scheme": "http",
        "method": "GET",
        "path": "/private/page",
        "raw_path": b"/private/page?x=1",
        "query_string": b"x=1",
        "headers": [(b"host", b"app.test")],
    }
    assert request_view(scope).url == "http://app.test/private/page?x=1"
    scope["raw_path"] = b"/private/page"
    assert request_view(scope).url == "http://app.test/private/page?x=1"


def test_trusted_host_middleware_runs_before_clerk(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    """As the README advises for production: TrustedHostMiddleware, added last, runs first."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"user_id": get_auth(request).user_id})

    app = Starlette(routes=[Route("/me", whoami)])
    app.add_middleware(ClerkMiddleware, clerk=clerk_engine)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["good.example"])
    token = clerk_instance.session_token("user_th")
    good = TestClient(app, base_url="http://good.example").get("/me", headers=bearer(token))
    assert good.json() == {"user_id": "user_th"}
    evil = TestClient(app, base_url="http://evil.example").get("/me", headers=bearer(token))
    assert evil.status_code == 400


@pytest.mark.parametrize("host", ["evil.example", "app.test@evil.example", "evil.example:99999"])
def test_the_host_header_never_chooses_a_redirect(
    clerk_instance: LocalClerkInstance, host: str
) -> None:
    """Policy 13: with a relative sign_in_url, a foreign Host gets the API answer, not a redirect."""
    for engine in (
        clerk_instance.clerk(sign_in_url="/sign-in"),  # the test kit allows its own hosts
        clerk_instance.clerk(sign_in_url="/sign-in", allowed_hosts=["127.0.0.1:8000"]),
    ):
        http = client(make_app(engine))
        dev_browser = {"cookie": f"__clerk_db_jwt={clerk_instance.dev_browser_token}"}
        refused = http.get("/private/page?x=1", headers={**PAGE, **dev_browser, "host": host})
        assert refused.status_code == 401
        assert "location" not in refused.headers
        assert refused.json() == {
            "error": "unauthenticated",
            "reason": "session-token-and-uat-missing",
        }
        # No handshake either: a page without a dev browser is served signed out.
        open_page = http.get("/", headers={**PAGE, "host": host})
        assert (open_page.status_code, open_page.json()["user_id"]) == (200, None)
        assert "location" not in open_page.headers
        allowed = http.get("/private/page?x=1", headers={**PAGE, **dev_browser})
        assert allowed.status_code == 307
        assert allowed.headers["location"].startswith(
            "http://127.0.0.1:8000/sign-in?redirect_url=http%3A%2F%2F127.0.0.1%3A8000%2F"
        )
        assert allowed.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (  # ASGI servers send lower-case names; a hand-built scope may not
            [(b"Host", b"app.test"), (b"Authorization", b"\tBearer tok "), (b"X-A", b" 1 ")],
            {"host": "app.test", "authorization": "Bearer tok", "x-a": "1"},
        ),
        (  # repeated names join as RequestView's callers join them: cookies with "; "
            [
                (b"host", b"app.test"),
                (b"cookie", b"a=1 "),
                (b"Cookie", b" b=2"),
                (b"x-a", b"1 "),
                (b"x-a", b" 2"),
            ],
            {"host": "app.test", "cookie": "a=1 ;  b=2", "x-a": "1 ,  2"},
        ),
    ],
)
def test_request_view_reads_headers_as_the_constructor_does(
    raw: list[tuple[bytes, bytes]], expected: dict[str, str]
) -> None:
    """The one-pass view of the ASGI headers equals what ``RequestView``'s public constructor makes
    of them: names in any case, values without surrounding spaces or tabs, repeated names joined."""
    from clerk_starlette.middleware import request_view

    for headers in (raw, tuple(raw)):
        scope: dict[str, Any] = {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "path": "/p",
            "query_string": b"",
            "headers": headers,
        }
        view = request_view(scope)
        assert view.headers == expected
        assert view.url == "http://app.test/p"
        assert view.cookies == RequestView("GET", "/", expected).cookies


def test_request_view_keeps_the_host_as_sent() -> None:
    """A ``Host`` with spaces around it is not a valid host: the URL keeps it as sent, so it never
    becomes a redirect's origin, while the header itself is read without them."""
    from clerk_core.hosts import split_host
    from clerk_starlette.middleware import request_view

    scope: dict[str, Any] = {
        "type": "http",
        "scheme": "http",
        "path": "/p",
        "headers": [(b"host", b" app.test ")],
    }
    view = request_view(scope)
    assert view.url == "http:// app.test /p"
    assert view.headers["host"] == "app.test"
    assert split_host(view.split_url.netloc) is None


def test_scopes_are_listed_when_read_and_can_be_replaced(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    """``scope["auth"]`` is Starlette's ``AuthCredentials``, its scopes listed on first read."""
    from starlette.authentication import AuthCredentials

    from clerk_starlette.middleware import credentials_for, store

    token = clerk_instance.session_token("u1", org_id="org_1", org_role="org:admin")
    state = clerk_engine.authenticate_request(
        RequestView("GET", "http://app.test/", {"authorization": f"Bearer {token}"})
    )
    scope: dict[str, Any] = {}
    auth = store(scope, state, clerk_engine)
    assert isinstance(scope["auth"], AuthCredentials)
    assert scope["auth"].scopes == credentials_for(auth).scopes == ["authenticated", "org:admin"]
    scope["auth"].scopes = ["custom"]
    assert scope["auth"].scopes == ["custom"]


def test_remembered_header_names_are_bounded() -> None:
    """Header names are decoded once per process, but a client inventing names cannot grow the
    table without bound, and every name still reads right beyond it."""
    from clerk_starlette import middleware

    raw = [(f"X-{i}".encode(), str(i).encode()) for i in range(2 * middleware._NAMES_MAX)]
    scope: dict[str, Any] = {"type": "http", "path": "/", "headers": [(b"host", b"a.test"), *raw]}
    for _ in range(2):
        view = middleware.request_view(scope)
        assert view.headers == {"host": "a.test", **{f"x-{i}": str(i) for i in range(len(raw))}}
    assert len(middleware._NAMES) <= middleware._NAMES_MAX


def test_two_authorization_lines_are_judged_joined_even_for_a_remembered_token(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    """The middleware answers a repeated token from memory only when the request has one
    ``Authorization`` line; two lines are joined (``a, b``) and judged as the engine judges the
    joined value, whether or not the first token is remembered."""
    token = clerk_instance.session_token("user_1")
    app = make_app(clerk_engine)
    assert client(app).get("/private/page", headers=bearer(token)).status_code == 200
    twice = [("authorization", f"Bearer {token}"), ("authorization", "Bearer other")]
    response = client(app).get("/private/page", headers=twice)
    joined = clerk_engine.authenticate_request(
        RequestView(
            "GET",
            "http://127.0.0.1:8000/private/page",
            {"authorization": ", ".join(v for _, v in twice)},
        )
    )
    assert response.status_code == 401
    assert response.headers["x-clerk-auth-reason"] == joined.reason
