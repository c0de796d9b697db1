"""protect() and the shared responses: one test per row of the response rules (issue 3)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clerk_core import (
    AuthResponse,
    AuthStatus,
    Clerk,
    MachineAuth,
    RequestState,
    RequestView,
    SessionAuth,
    Unauthenticated,
    Unauthorized,
    auth_response,
)
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

T = 1_700_000_000.0


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.shop.test",
        authorized_parties=("https://shop.example",),
        clock=FakeClock(T),
    )


def page(path: str = "/dashboard?tab=2", **headers: str) -> RequestView:
    return RequestView(
        "GET",
        f"https://shop.example{path}",
        {"host": "shop.example", "sec-fetch-dest": "document", "accept": "text/html", **headers},
    )


def api(path: str = "/api/orders", **headers: str) -> RequestView:
    return RequestView(
        "GET",
        f"https://shop.example{path}",
        {"host": "shop.example", "accept": "application/json", **headers},
    )


def respond(engine: Clerk, req: RequestView, **protect: Any) -> AuthResponse | None:
    """What an adapter does: authenticate, maybe answer a handshake, protect, render."""
    state = engine.authenticate_request(req)
    if state.status is AuthStatus.HANDSHAKE:
        return auth_response(state, req, engine.options)
    try:
        state.to_auth().protect(**protect)
    except (Unauthenticated, Unauthorized) as exc:
        return auth_response(exc, req, engine.options, state=state)
    return None


def qs(url: str | None) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url or "").query)


def test_handshake_state_is_a_307_with_its_headers(instance: LocalClerkInstance) -> None:
    engine = instance.clerk()
    response = respond(engine, page(cookie="__client_uat=5"))
    assert response is not None
    assert response.status == 307
    assert (response.location or "").startswith("https://clerk.shop.test/v1/client/handshake?")
    assert response.header("cache-control") == "no-store"
    assert response.header("x-clerk-auth-status") == "handshake"
    assert response.body == b""


def test_signed_out_page_goes_to_the_account_portal(instance: LocalClerkInstance) -> None:
    response = respond(instance.clerk(), page())
    assert response is not None
    assert response.status == 307
    location = urlsplit(response.location or "")
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "accounts.shop.test",
        "/sign-in",
    )
    assert qs(response.location)["redirect_url"] == ["https://shop.example/dashboard?tab=2"]
    assert response.header("x-clerk-auth-reason") == "session-token-and-uat-missing"


def test_relative_and_absolute_sign_in_urls(instance: LocalClerkInstance) -> None:
    relative = respond(instance.clerk(sign_in_url="/login"), page())
    assert relative is not None
    assert (relative.location or "").startswith("https://shop.example/login?redirect_url=")
    absolute = respond(instance.clerk(sign_in_url="https://auth.shop.example/in"), page())
    assert absolute is not None
    assert (absolute.location or "").startswith("https://auth.shop.example/in?redirect_url=")


def test_forwarded_host_only_when_trusted(instance: LocalClerkInstance) -> None:
    req = RequestView(
        "GET",
        "http://10.0.0.5:8000/dashboard",
        {
            "sec-fetch-dest": "document",
            "x-forwarded-host": "shop.example",
            "x-forwarded-proto": "https",
        },
    )
    hosts = ["10.0.0.5:8000", "shop.example"]
    untrusted = respond(instance.clerk(sign_in_url="/login", allowed_hosts=hosts), req)
    trusted = respond(
        instance.clerk(sign_in_url="/login", trust_forwarded_headers=True, allowed_hosts=hosts), req
    )
    assert untrusted is not None
    assert trusted is not None
    assert qs(untrusted.location)["redirect_url"] == ["http://10.0.0.5:8000/dashboard"]
    assert qs(trusted.location)["redirect_url"] == ["https://shop.example/dashboard"]
    assert (trusted.location or "").startswith("https://shop.example/login?")


def test_pending_session_goes_to_tasks(instance: LocalClerkInstance) -> None:
    token = instance.session_token(sts="pending")
    response = respond(
        instance.clerk(sign_in_url="/sign-in/"), page(authorization=f"Bearer {token}")
    )
    assert response is not None
    assert urlsplit(response.location or "").path == "/sign-in/tasks"
    api_response = respond(instance.clerk(), api(authorization=f"Bearer {token}"))
    assert api_response is not None
    assert api_response.status == 401
    assert api_response.json()["reason"] == "session-pending"


def test_development_cross_origin_sign_in_carries_the_dev_browser(
    instance: LocalClerkInstance,
) -> None:
    dev = LocalClerkInstance(
        frontend_api="clerk.devshop.test", authorized_parties=("https://shop.example",)
    )
    response = respond(dev.clerk(), page(cookie="__clerk_db_jwt=dvb_123"))
    assert response is not None
    # No session: a handshake is needed first in development only when the dev browser is missing.
    assert response.status == 307
    assert qs(response.location)["__clerk_db_jwt"] == ["dvb_123"]
    same_origin = respond(dev.clerk(sign_in_url="/sign-in"), page(cookie="__clerk_db_jwt=dvb_123"))
    assert same_origin is not None
    assert "__clerk_db_jwt" not in qs(same_origin.location)


def test_satellite_return_url_asks_for_sync(instance: LocalClerkInstance) -> None:
    engine = instance.clerk(
        is_satellite=True, domain="shop.example", sign_in_url="https://primary.example/sign-in"
    )
    state = RequestState(AuthStatus.SIGNED_OUT, reason="session-token-and-uat-missing")
    response = auth_response(state, page(), engine.options)
    assert qs(response.location)["redirect_url"] == [
        "https://shop.example/dashboard?tab=2&__clerk_synced=false"
    ]


def test_signed_out_api_is_401_json(instance: LocalClerkInstance) -> None:
    response = respond(instance.clerk(), api())
    assert response is not None
    assert response.status == 401
    assert response.header("www-authenticate") == "Bearer"
    assert response.content_type == "application/json"
    assert response.json() == {
        "error": "unauthenticated",
        "reason": "session-token-and-uat-missing",
    }
    assert response.header("x-clerk-auth-reason") == "session-token-and-uat-missing"
    bad = respond(instance.clerk(), api(authorization=f"Bearer {instance.bad_signature_token()}"))
    assert bad is not None
    assert bad.header("www-authenticate") == 'Bearer error="invalid_token"'
    assert bad.json() == {"error": "unauthenticated", "reason": "token-invalid-signature"}
    # A session cookie that failed counts as a token sent; other cookies do not.
    suffix = instance.cookie_suffix
    for cookie, challenge in [
        (
            f"__session={instance.bad_signature_token()}; __client_uat=1",
            'Bearer error="invalid_token"',
        ),
        (f"__session_{suffix}={instance.expired_token('user_x')}", 'Bearer error="invalid_token"'),
        ("_ga=1; __client_uat=0; x__sessionish=1", "Bearer"),
        ("_ga=1; theme=dark", "Bearer"),
    ]:
        refused = respond(instance.clerk(), api(cookie=cookie))
        assert refused is not None
        assert refused.status == 401, cookie
        assert refused.header("www-authenticate") == challenge, cookie


def test_hide_the_route_with_404(instance: LocalClerkInstance) -> None:
    engine = instance.clerk(unauthenticated_status=404, unauthorized_status=404)
    response = respond(engine, api())
    assert response is not None
    assert (response.status, response.json()) == (404, {"error": "not_found"})
    page_response = respond(engine, page())  # pages still go to sign-in, as in Clerk JS
    assert page_response is not None
    assert page_response.status == 307
    token = instance.session_token()
    forbidden = respond(engine, api(authorization=f"Bearer {token}"), role="org:admin")
    assert forbidden is not None
    assert forbidden.status == 404


def test_forbidden_is_403_json_or_an_allowed_redirect(instance: LocalClerkInstance) -> None:
    engine = instance.clerk()
    token = instance.session_token(org_id="org_1", org_role="org:member")
    response = respond(engine, api(authorization=f"Bearer {token}"), role="org:admin")
    assert response is not None
    assert (response.status, response.json()) == (403, {"error": "forbidden"})
    redirect = respond(
        engine, page(authorization=f"Bearer {token}"), role="admin", unauthorized_url="/no-access"
    )
    assert redirect is not None
    assert (redirect.status, redirect.location) == (307, "https://shop.example/no-access")
    evil = respond(
        engine,
        page(authorization=f"Bearer {token}"),
        role="admin",
        unauthorized_url="https://evil.example/",
    )
    assert evil is not None
    assert evil.status == 403  # an unsafe target falls back to the default


def test_unauthenticated_url(instance: LocalClerkInstance) -> None:
    engine = instance.clerk(allowed_redirect_origins=["https://*.shop.example"])
    ok = respond(engine, api(), unauthenticated_url="https://help.shop.example/login")
    assert ok is not None
    assert (ok.status, ok.location) == (307, "https://help.shop.example/login")
    assert ok.header("x-clerk-auth-status") == "signed-out"
    for evil in ("https://evil.example", "//evil.example", "/\\evil.example", "javascript:x"):
        response = respond(engine, page(), unauthenticated_url=evil)
        assert response is not None
        assert "evil" not in (response.location or "")
        assert (response.location or "").startswith("https://accounts.shop.test/sign-in")


def test_refreshed_cookies_are_carried(instance: LocalClerkInstance) -> None:
    state = RequestState(AuthStatus.SIGNED_IN, headers=[("set-cookie", "__session=x; Path=/")])
    response = auth_response(Unauthorized("no"), api(), instance.options(), state=state)
    assert response.header("set-cookie") == "__session=x; Path=/"


def test_signed_in_and_allowed_passes(instance: LocalClerkInstance) -> None:
    token = instance.session_token(
        org_id="org_1", org_role="org:admin", org_permissions=["org:orders:read"]
    )
    engine = instance.clerk()
    assert respond(engine, api(authorization=f"Bearer {token}")) is None
    assert respond(engine, api(authorization=f"Bearer {token}"), permission="orders:read") is None
    assert (
        respond(
            engine,
            api(authorization=f"Bearer {token}"),
            condition=lambda has: has(role="admin") or has(role="billing"),
        )
        is None
    )
    denied = respond(
        engine,
        api(authorization=f"Bearer {token}"),
        condition=lambda has: has(permission="org:orders:delete"),
    )
    assert denied is not None
    assert denied.status == 403


def test_protect_on_auth_objects() -> None:
    session = SessionAuth({"sub": "user_1", "org_id": "org_1", "org_role": "org:admin"}, "t")
    assert session.protect() is session
    assert session.protect(role="admin") is session
    with pytest.raises(Unauthorized):
        session.protect(role="member")

    def explode(has: Any) -> bool:
        raise RuntimeError("bug in the condition")

    with pytest.raises(Unauthorized):
        session.protect(condition=explode)  # a failing condition denies, never crashes
    machine = MachineAuth("api_key", id="ak", subject="user_1", scopes=[], claims={}, token="ak_x")
    assert machine.protect() is machine
    with pytest.raises(Unauthorized):
        machine.protect(role="admin")


# ------------------------------------------------------------------ organization sync (§1 step 14)
def test_organization_sync(instance: LocalClerkInstance) -> None:
    engine = instance.clerk(
        organization_patterns=["/orgs/:slug", "/orgs/:slug/(.*)"],
        personal_account_patterns=["/me", "/me/(.*)"],
    )
    token = instance.session_token(org_id="org_1", org_slug="acme", org_role="org:admin")
    cookies = f"__session={token}; __client_uat={int(T) - 100}"
    same = engine.authenticate_request(page("/orgs/acme/settings", cookie=cookies))
    assert same.status is AuthStatus.SIGNED_IN
    other = engine.authenticate_request(page("/orgs/globex/settings", cookie=cookies))
    assert (other.status, other.reason) == (AuthStatus.HANDSHAKE, "active-organization-mismatch")
    assert qs(other.location)["organization_id"] == ["globex"]
    personal = engine.authenticate_request(page("/me/profile", cookie=cookies))
    assert personal.status is AuthStatus.HANDSHAKE
    assert parse_qs(urlsplit(personal.location or "").query, keep_blank_values=True)[
        "organization_id"
    ] == [""]
    # Not a page request: the mismatch does not sign anybody out.
    assert engine.authenticate_request(api("/orgs/globex", cookie=cookies)).is_authenticated
    # After three handshakes the loop guard lets the request through.
    looped = engine.authenticate_request(
        page("/orgs/globex", cookie=cookies + "; __clerk_redirect_count=3")
    )
    assert looped.is_authenticated


def test_organization_sync_by_id(instance: LocalClerkInstance) -> None:
    engine = instance.clerk(organization_patterns=["/o/:id(.*)"])
    token = instance.session_token(org_id="org_1", org_role="org:admin")
    cookies = f"__session={token}; __client_uat={int(T) - 100}"
    assert engine.authenticate_request(page("/o/org_1", cookie=cookies)).is_authenticated
    state = engine.authenticate_request(page("/o/org_2", cookie=cookies))
    assert qs(state.location)["organization_id"] == ["org_2"]


def test_bad_organization_pattern_fails_at_start_up(instance: LocalClerkInstance) -> None:
    from clerk_core import ClerkConfigurationError

    with pytest.raises(ClerkConfigurationError, match="route pattern"):
        instance.options(organization_patterns=["/orgs/:"])


@pytest.mark.parametrize("make", [page, api])
def test_a_malformed_path_is_400_json_with_the_debug_headers(
    instance: LocalClerkInstance, make: Any
) -> None:
    from clerk_core import MalformedURLError, create_route_matcher

    engine = instance.clerk()
    req = make("/admin/%zz")
    state = engine.authenticate_request(req)
    with pytest.raises(MalformedURLError) as info:
        create_route_matcher(["/admin(.*)"])(req)
    response = auth_response(info.value, req, engine.options, state=state)
    assert response.status == 400
    assert response.content_type == "application/json"
    assert response.json() == {"error": "bad_request", "reason": "malformed-url"}
    assert response.header("x-clerk-auth-status") == "signed-out"
    assert response.header("location") is None


# ------------------------------------------------------------------ the Host header (Policy 13)
def on_host(host: str, path: str = "/dashboard", **headers: str) -> RequestView:
    """A page request as an adapter builds it: the URL's host is the ``Host`` header."""
    hdrs = {"host": host, "sec-fetch-dest": "document", "accept": "text/html", **headers}
    return RequestView("GET", f"https://{host}{path}", hdrs)


HOSTILE_HOSTS = (
    "evil.example",
    "shop.example@evil.example",
    "evil.example/shop.example",
    "shop.example:99999",
    "shop.example:",
    "shop example",
)


def assert_no_redirect(response: AuthResponse | None, status: int = 401) -> None:
    assert response is not None
    assert response.status == status
    assert response.location is None
    assert "evil" not in " ".join(v for _, v in response.headers)


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_an_unknown_host_never_chooses_the_sign_in_redirect(
    instance: LocalClerkInstance, host: str
) -> None:
    for engine in (instance.clerk(sign_in_url="/sign-in"), instance.clerk()):
        response = respond(engine, on_host(host))
        assert_no_redirect(response)
        assert response is not None
        # What an API request gets: 401 JSON with the Bearer challenge.
        assert response.json() == {
            "error": "unauthenticated",
            "reason": "session-token-and-uat-missing",
        }
        assert response.header("www-authenticate") == "Bearer"
    allowed = respond(instance.clerk(sign_in_url="/sign-in"), on_host("shop.example"))
    assert allowed is not None
    assert (allowed.location or "").startswith("https://shop.example/sign-in?redirect_url=")


def test_unknown_hosts_and_the_protect_targets(instance: LocalClerkInstance) -> None:
    engine = instance.clerk(allowed_redirect_origins=["https://help.shop.example"])
    evil = on_host("evil.example")
    assert_no_redirect(respond(engine, evil, unauthenticated_url="/login"))
    token = instance.session_token(org_id="org_1", org_role="org:member")
    signed_in = on_host("evil.example", authorization=f"Bearer {token}")
    assert_no_redirect(respond(engine, signed_in, role="admin", unauthorized_url="/no"), 403)
    pending = instance.session_token(sts="pending")
    tasks = on_host("evil.example", authorization=f"Bearer {pending}")
    assert_no_redirect(respond(instance.clerk(sign_in_url="/sign-in"), tasks))
    # A target on an allow-listed origin does not depend on the Host header: it is still followed.
    help_page = respond(engine, evil, unauthenticated_url="https://help.shop.example/login")
    assert help_page is not None
    assert (help_page.status, help_page.location) == (307, "https://help.shop.example/login")
    # The request's own (untrusted) origin is not "same-origin" any more.
    same = respond(engine, evil, unauthenticated_url="https://evil.example/login")
    assert_no_redirect(same)


def test_a_404_setting_still_applies_when_the_host_is_unknown(
    instance: LocalClerkInstance,
) -> None:
    response = respond(instance.clerk(unauthenticated_status=404), on_host("evil.example"))
    assert_no_redirect(response, 404)


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_handshakes_are_never_built_on_an_unknown_host(
    instance: LocalClerkInstance, host: str
) -> None:
    for engine in (instance.clerk(), instance.clerk(proxy_url="/__clerk")):
        state = engine.authenticate_request(on_host(host, cookie="__client_uat=5"))
        assert (state.status, state.location) == (AuthStatus.SIGNED_OUT, None)
        assert state.reason == "client-uat-but-no-session-token"
        assert_no_redirect(auth_response(state, on_host(host), engine.options))
    good = instance.clerk().authenticate_request(on_host("shop.example", cookie="__client_uat=5"))
    assert good.status is AuthStatus.HANDSHAKE


def test_development_redirects_are_never_built_on_an_unknown_host() -> None:
    dev = LocalClerkInstance(frontend_api="clerk.devshop.test", clock=FakeClock(T))
    # The return from a handshake: the cookies are set and the request goes on, without a redirect.
    token = dev.session_token("user_hs", iat=T - 10)
    nonce = dev.backend.handshake_nonce([f"__session={token}; Path=/"])
    state = dev.clerk().authenticate_request(
        on_host("evil.example", f"/page?__clerk_handshake_nonce={nonce}")
    )
    assert (state.status, state.location) == (AuthStatus.SIGNED_IN, None)
    assert state.header("set-cookie") == f"__session={token}; Path=/"
    # A satellite syncing with its primary.
    satellite = dev.clerk(
        is_satellite=True, domain="sat.test", sign_in_url="https://primary.test/sign-in"
    )
    state = satellite.authenticate_request(on_host("evil.example", "/?__clerk_synced=false"))
    assert (state.status, state.location) == (AuthStatus.SIGNED_OUT, None)
    # A primary answering a sync request: the request's own (untrusted) origin is no target.
    back = "https://evil.example/after"
    state = dev.clerk().authenticate_request(
        on_host(
            "evil.example",
            f"/sign-in?__clerk_redirect_url={back}",
            cookie=f"__clerk_db_jwt={dev.dev_browser_token}",
        )
    )
    assert state.reason != "primary-responds-to-syncing"
    assert "evil" not in (state.location or "")


def test_every_auth_redirect_is_no_store(instance: LocalClerkInstance) -> None:
    engine = instance.clerk(sign_in_url="/sign-in")
    token = instance.session_token(org_id="org_1", org_role="org:member")
    pending = instance.session_token(sts="pending")
    responses = {
        "sign-in": respond(engine, page()),
        "tasks": respond(engine, page(authorization=f"Bearer {pending}")),
        "unauthenticated_url": respond(engine, page(), unauthenticated_url="/login"),
        "unauthorized_url": respond(
            engine, page(authorization=f"Bearer {token}"), role="admin", unauthorized_url="/no"
        ),
        "handshake": respond(engine, page(cookie="__client_uat=5")),
    }
    for name, response in responses.items():
        assert response is not None
        assert response.status == 307, name
        assert [v for k, v in response.headers if k == "cache-control"] == ["no-store"], name
    # A cache header the state carried is replaced, not doubled.
    state = RequestState(AuthStatus.SIGNED_OUT, headers=[("cache-control", "public, max-age=60")])
    response = auth_response(Unauthenticated("x"), page(), engine.options, state=state)
    assert [v for k, v in response.headers if k == "cache-control"] == ["no-store"]


def test_live_keys_without_allowed_hosts_or_parties_warn_at_start_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    live = LocalClerkInstance(instance_type="production", frontend_api="clerk.live.test")
    with caplog.at_level("WARNING", logger="clerk_core"):
        live.clerk(authorized_parties=(), allowed_hosts=())
    assert "allowed_hosts" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="clerk_core"):
        live.clerk(authorized_parties=(), allowed_hosts=["app.example"])
        live.clerk(authorized_parties=("https://app.example",), allowed_hosts=())
        LocalClerkInstance(frontend_api="clerk.dev.test").clerk(
            authorized_parties=(), allowed_hosts=()
        )
    assert "allowed_hosts" not in caplog.text


def test_headers_to_add_skips_what_the_response_already_carries() -> None:
    from clerk_core.responses import headers_to_add

    existing = [("Set-Cookie", "a=1; Partitioned"), ("X-Clerk-Auth-Status", "signed-out")]
    extra = [
        ("set-cookie", "a=1; Partitioned"),
        ("set-cookie", "a=2; Partitioned"),
        ("x-clerk-auth-status", "signed-out"),
        ("x-clerk-auth-reason", "session-token-missing"),
    ]
    assert headers_to_add(existing, extra) == [
        ("set-cookie", "a=2; Partitioned"),
        ("x-clerk-auth-reason", "session-token-missing"),
        ("cache-control", "private, no-store"),  # it carries Clerk's cookies now
    ]
    assert headers_to_add(existing, extra[2:]) == [("x-clerk-auth-reason", "session-token-missing")]


def test_every_refusal_is_no_store(clerk_instance: LocalClerkInstance) -> None:
    """A refusal depends on the request's cookies: a shared cache must not replay it."""
    from clerk_core import Unauthenticated, Unauthorized

    request = clerk_instance.request("/api")
    for options in (
        clerk_instance.options(),
        clerk_instance.options(unauthenticated_status=404, unauthorized_status=404),
    ):
        for error in (Unauthenticated("x"), Unauthorized("x")):
            response = auth_response(error, request, options)
            assert response.status in (401, 403, 404)
            assert [v for k, v in response.headers if k == "cache-control"] == ["no-store"]


def test_the_sign_in_redirect_forwards_only_this_apps_dev_browser() -> None:
    """With suffixed cookies in use, the un-suffixed ``__clerk_db_jwt`` may be another development
    app's on the same host: the engine does not read it, and the sign-in redirect must not carry
    it either (Clerk's createRedirect forwards AuthenticateContext's devBrowserToken)."""
    dev = LocalClerkInstance(
        instance_type="development",
        frontend_api="clerk.dev.test",
        authorized_parties=("http://testserver",),
    )
    engine = dev.clerk()
    suffix = engine.options.cookie_suffix

    def redirect_dev_browser(cookie: str) -> list[str]:
        view = dev.request(
            "/page", method="POST", host="testserver", document=True, headers={"cookie": cookie}
        )
        state = engine.authenticate_request(view)
        response = auth_response(state, view, engine.options)
        assert response.status == 307
        assert response.location is not None
        return parse_qs(urlsplit(response.location).query).get("__clerk_db_jwt", [])

    foreign = f"__client_uat_{suffix}=0; __client_uat=0; __clerk_db_jwt=dvb_other_app"
    assert redirect_dev_browser(foreign) == []
    own = f"{foreign}; __clerk_db_jwt_{suffix}=dvb_this_app"
    assert redirect_dev_browser(own) == ["dvb_this_app"]
    assert redirect_dev_browser("__client_uat=0; __clerk_db_jwt=dvb_unsuffixed") == [
        "dvb_unsuffixed"
    ]


def test_auth_response_repr_keeps_the_locations_query_values_out() -> None:
    from clerk_core import AuthResponse

    token = "eyJhbGciOiJSUzI1NiJ9.a-session-token-in-a-handshake-location.sig"
    response = AuthResponse(
        307,
        [("location", f"https://clerk.dev.test/v1/client/handshake?__session={token}&x=1#frag")],
    )
    text = repr(response)
    assert token not in text
    assert text == (
        "AuthResponse(status=307, "
        "location='https://clerk.dev.test/v1/client/handshake?__session=…&x=…#…')"
    )
