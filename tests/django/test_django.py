"""clerk_django through Django's test client and AsyncClient."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import AsyncClient, Client, override_settings

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance
from tests.conftest import extra_cases
from tests.core.test_corpus import TOKEN_CASES, corpus_engine, corpus_token, expectation
from tests.core.test_vectors import CASES, HEADER_OWS_CASES, hostile_token, make_engine

PAGE = {"HTTP_SEC_FETCH_DEST": "document", "HTTP_ACCEPT": "text/html"}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def browser(instance: LocalClerkInstance, token: str | None) -> dict[str, str]:
    cookies = instance.cookies(token) if token else {"__clerk_db_jwt": instance.dev_browser_token}
    return {"HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def set_cookie_lines(response: Any) -> list[str]:
    """The Set-Cookie lines Django's WSGI and ASGI handlers emit for ``response``."""
    return [morsel.output(header="").strip() for morsel in response.cookies.values()]


pytestmark = pytest.mark.usefixtures("clerk_config")


# ------------------------------------------------------------------ middleware, sync and async
@pytest.mark.parametrize("path", ["/", "/async-open"])
def test_signed_in(clerk_instance: LocalClerkInstance, path: str) -> None:
    token = clerk_instance.session_token("user_d", org_id="org_1", org_role="org:admin")
    body = Client().get(path, **bearer(token)).json()
    assert body == {
        "user_id": "user_d",
        "org_role": "org:admin",
        "type": "session_token",
        "authenticated": True,
    }


def test_async_client(clerk_instance: LocalClerkInstance) -> None:
    token = clerk_instance.session_token("user_a")

    async def run() -> list[Any]:
        client = AsyncClient()
        auth = {"authorization": f"Bearer {token}"}
        responses = await asyncio.gather(
            client.get("/async-private", headers=auth),
            client.get("/private", headers=auth),
            client.get("/async-private"),
        )
        return [(r.status_code, r.json()) for r in responses]

    results = asyncio.run(run())
    assert results[0] == (
        200,
        {"user_id": "user_a", "org_role": None, "type": "session_token", "authenticated": True},
    )
    assert results[1][0] == 200
    assert results[2][0] == 401


def test_signed_out_page_redirects_to_sign_in(clerk_instance: LocalClerkInstance) -> None:
    response = Client().get("/private?x=1", **PAGE, **browser(clerk_instance, None))
    assert response.status_code == 307
    assert response["Location"].startswith(
        "https://accounts.local.test/sign-in?redirect_url=http%3A%2F%2Ftestserver%2Fprivate%3Fx%3D1"
    )
    assert response["x-clerk-auth-reason"] == "session-token-and-uat-missing"


def test_handshake(clerk_instance: LocalClerkInstance) -> None:
    response = Client().get("/", **PAGE)
    assert response.status_code == 307
    assert response["Location"].startswith("https://clerk.local.test/v1/client/handshake?")
    assert set_cookie_lines(response) == [
        "__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2"
    ]


def test_a_cross_site_post_with_a_handshake_token_does_not_sign_in() -> None:
    """Login CSRF: a form on another site posting ``?__clerk_handshake=<the attacker's token>``
    used to sign the victim's browser in as the attacker. Only a GET navigation is a return trip."""
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.prod.test")
    token = instance.session_token("user_attacker")
    handshake = instance.handshake_token([f"__session={token}; Path=/", "__client_uat=1; Path=/"])
    cross_site = {
        **PAGE,
        "HTTP_ORIGIN": "https://evil.example",
        "HTTP_SEC_FETCH_SITE": "cross-site",
    }
    with override_settings(CLERK={"clerk": instance.clerk()}):
        response = Client().post(f"/?__clerk_handshake={handshake}", **cross_site)
        genuine = Client().get(f"/?__clerk_handshake={handshake}", **PAGE)
    assert response.status_code == 200
    assert response.json()["user_id"] is None
    assert list(response.cookies) == []
    # The same token on a GET navigation is a genuine return trip.
    assert genuine.json()["user_id"] == "user_attacker"
    assert genuine.cookies["__session"].value == token


def test_signed_out_api_401_and_forbidden_403(clerk_instance: LocalClerkInstance) -> None:
    client = Client()
    refused = client.get("/private")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Bearer"
    assert refused.json() == {"error": "unauthenticated", "reason": "dev-browser-missing"}
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    forbidden = client.get("/admin-only", **bearer(member))
    assert (forbidden.status_code, forbidden.json()) == (403, {"error": "forbidden"})
    redirected = client.get("/admin-redirect", **bearer(member))
    assert (redirected.status_code, redirected["Location"]) == (307, "http://testserver/no-access")


def test_debug_headers_and_refreshed_cookies(clerk_instance: LocalClerkInstance) -> None:
    open_response = Client().get("/")
    assert open_response["x-clerk-auth-status"] == "signed-out"
    s = clerk_instance.cookie_suffix
    cookies = {
        f"__session_{s}": clerk_instance.expired_token("user_r"),
        f"__client_uat_{s}": "1",
        f"__clerk_db_jwt_{s}": clerk_instance.dev_browser_token,
        clerk_instance.refresh_cookie_name: clerk_instance.refresh_token("user_r"),
    }
    response = Client().get(
        "/private", HTTP_COOKIE="; ".join(f"{k}={v}" for k, v in cookies.items())
    )
    assert response.json()["user_id"] == "user_r"
    lines = set_cookie_lines(response)
    assert any(
        line.startswith(f"__session_{s}={response.wsgi_request.auth.get_token()};")
        for line in lines
    )
    assert any(line.startswith(f"__client_uat_{s}=") for line in lines)


def test_guard(clerk_instance: LocalClerkInstance, settings: Any) -> None:
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    admin = clerk_instance.session_token(org_id="org_1", org_role="org:admin")
    client = Client()
    assert client.get("/guarded/page", **bearer(member)).status_code == 403
    assert client.get("/guarded/page", **bearer(admin)).status_code == 200
    assert client.get("/maintenance").status_code == 503
    # The guard judges the path Django routes on, with or without the server's raw URI: a
    # malformed escape is a literal there, so this is just a protected path.
    assert client.get("/guarded/%zz", RAW_URI="/guarded/%zz").status_code == 401
    assert client.get("/guarded/%zz").status_code == 401
    settings.CLERK = {**settings.CLERK, "guard": "tests.django.views.async_guard"}

    async def run() -> int:
        response = await AsyncClient().get(
            "/guarded/page", headers={"authorization": f"Bearer {member}"}
        )
        return response.status_code

    assert asyncio.run(run()) == 403


def test_override_settings_takes_effect(clerk_instance: LocalClerkInstance) -> None:
    token = clerk_instance.session_token("user_o", org_id="org_1", org_role="org:member")
    assert Client().get("/admin-only", **bearer(token)).status_code == 403
    with override_settings(CLERK={"clerk": clerk_instance.clerk(unauthorized_status=404)}):
        assert Client().get("/admin-only", **bearer(token)).status_code == 404
    assert Client().get("/admin-only", **bearer(token)).status_code == 403


# ------------------------------------------------------------------ decorators without middleware
@override_settings(MIDDLEWARE=[])
@pytest.mark.parametrize("path", ["/private", "/async-private"])
def test_decorators_authenticate_without_middleware(
    clerk_instance: LocalClerkInstance, path: str
) -> None:
    token = clerk_instance.session_token("user_nm")
    assert Client().get(path, **bearer(token)).json()["user_id"] == "user_nm"
    assert Client().get(path).status_code == 401
    page = Client().get(path, **PAGE, **browser(clerk_instance, None))
    assert page.status_code == 307


def test_condition(clerk_instance: LocalClerkInstance) -> None:
    assert Client().get(
        "/condition", **bearer(clerk_instance.session_token(plans=["u:pro"]))
    ).json() == {"ok": True}
    assert Client().get("/condition", **bearer(clerk_instance.session_token())).status_code == 403


# ------------------------------------------------------------------ class-based views
def test_mixins(clerk_instance: LocalClerkInstance) -> None:
    reader = clerk_instance.session_token(
        "user_m", org_id="org_1", org_role="org:member", org_permissions=["org:orders:read"]
    )
    other = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    client = Client()
    assert client.get("/cbv/orders", **bearer(reader)).json() == {"orders": [1, 2]}
    assert client.get("/cbv/orders", **bearer(other)).status_code == 403
    assert client.get("/cbv/async-members", **bearer(reader)).json() == {"user_id": "user_m"}
    assert client.get("/cbv/async-members").status_code == 401


# ------------------------------------------------------------------ Django REST framework
def test_drf(clerk_instance: LocalClerkInstance) -> None:
    client = Client()
    reader = clerk_instance.session_token(
        "user_api", org_id="org_1", org_role="org:member", org_permissions=["org:orders:read"]
    )
    assert client.get("/api/me", **bearer(reader)).json() == {
        "user_id": "user_api",
        "drf_user": "user_api",
    }
    missing = client.get("/api/me")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == "Bearer"
    invalid = client.get("/api/me", **bearer(clerk_instance.bad_signature_token()))
    assert invalid.status_code == 401
    assert invalid.json() == {"error": "unauthenticated", "reason": "token-invalid-signature"}
    assert invalid["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert client.get("/api/orders", **bearer(reader)).json() == {"orders": [1, 2]}
    assert client.get("/api/admins", **bearer(reader)).status_code == 403
    admin = clerk_instance.session_token(org_id="org_1", org_role="org:admin")
    assert client.get("/api/admins", **bearer(admin)).json() == {"admin": True}
    feature = clerk_instance.session_token(features=["u:dashboard"], plans=["u:pro"])
    assert client.get("/api/feature", **bearer(feature)).json() == {"ok": True}
    assert client.get("/api/feature", **bearer(reader)).status_code == 403


def test_drf_machine_tokens(clerk_instance: LocalClerkInstance, settings: Any) -> None:
    settings.CLERK = {"clerk": clerk_instance.clerk(accepts_token="any")}
    key = clerk_instance.api_key("user_k")
    assert Client().get("/api/me", **bearer(key)).json()["user_id"] == "user_k"


# ------------------------------------------------------------------ Django users (optional)
@pytest.mark.django_db
def test_django_users(clerk_instance: LocalClerkInstance, settings: Any) -> None:
    from django.contrib.auth import get_user_model

    settings.CLERK = {**settings.CLERK, "django_users": True}
    token = clerk_instance.session_token("user_orm", claims={"email": "someone@example.test"})
    client = Client()
    assert client.get("/whoami-user", **bearer(token)).json() == {
        "username": "user_orm",
        "authenticated": True,
    }
    assert client.get("/whoami-user", **bearer(token)).json()["username"] == "user_orm"
    users = get_user_model().objects.all()
    assert [u.username for u in users] == ["user_orm"]
    assert not users[0].has_usable_password()
    assert users[0].email == ""  # never matched or filled by email
    assert client.get("/whoami-user").json() == {"username": "", "authenticated": False}


# ------------------------------------------------------------------ system checks
def ids(**overrides: Any) -> set[str]:
    with override_settings(**overrides):
        return {m.id for m in run_checks() if m.id and m.id.startswith("clerk.")}


def test_system_checks(clerk_instance: LocalClerkInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "CLERK_JWT_KEY"):
        monkeypatch.delenv(var, raising=False)
    good = {
        "publishable_key": clerk_instance.publishable_key,
        "secret_key": clerk_instance.secret_key,
    }
    assert ids(CLERK=good, DEBUG=True) == set()
    assert "clerk.E003" in ids(CLERK={})
    assert "clerk.E002" in ids(CLERK={"publishable_key": "pk_test_nope"})
    assert "clerk.E004" in ids(CLERK={**good, "guard": "tests.django.views.missing"})
    assert "clerk.W001" in ids(CLERK=good, MIDDLEWARE=[])
    order = [
        "clerk_django.middleware.ClerkMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    assert "clerk.W002" in ids(CLERK={**good, "django_users": True}, MIDDLEWARE=order)
    assert "clerk.W004" in ids(CLERK=good, DEBUG=False)
    live = LocalClerkInstance(instance_type="production", frontend_api="clerk.live.test")
    live_keys = {"publishable_key": live.publishable_key, "secret_key": live.secret_key}
    assert "clerk.W003" in ids(CLERK=live_keys, DEBUG=True)
    assert "clerk.W005" in ids(CLERK=live_keys, DEBUG=False)
    parties = {**live_keys, "authorized_parties": ["https://shop.example"]}
    assert ids(CLERK=parties, DEBUG=False) == set()
    local_after = [
        "clerk_django.middleware.ClerkMiddleware",
        "clerk_django.local.LocalFrontendMiddleware",
    ]
    assert "clerk.E005" in ids(CLERK=good, MIDDLEWARE=local_after)


def test_misconfiguration_fails_when_the_handler_loads(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    for var in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    settings.CLERK = {"publishable_key": "pk_test_broken"}
    with pytest.raises(ImproperlyConfigured, match="publishable_key"):
        Client().get("/")


# ------------------------------------------------------------------ hostile tokens (R1, R15)
@pytest.fixture(scope="module")
def vector_engines() -> dict[str, Clerk]:
    if not CASES:
        pytest.skip("hostile_jwt_tokens.json is not present")
    return {mode: make_engine(mode) for mode in ("jwks", "pem")}


@pytest.mark.parametrize("mode", ["jwks", "pem"])
@pytest.mark.parametrize(
    "case", extra_cases(CASES, "hostile_jwt_tokens.json", lambda i, c: c["id"])
)
def test_hostile_tokens_never_500(
    case: dict[str, Any], mode: str, settings: Any, vector_engines: dict[str, Clerk]
) -> None:
    settings.CLERK = {"clerk": vector_engines[mode]}
    client = Client(raise_request_exception=True)
    token = hostile_token(case)
    open_response = client.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    protected = client.get("/private", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert open_response.status_code == 200
    assert protected.status_code in (200, 401)
    expected = str((case.get("expect_by_mode") or {}).get(mode, case["expect"])).split(" ")[0]
    if case["id"] in HEADER_OWS_CASES:
        expected = "accept"
    if expected == "reject":
        assert protected.status_code == 401


@pytest.fixture(scope="module")
def corpus_engines() -> dict[str, Clerk]:
    return {mode: corpus_engine(mode) for mode in ("jwks", "pem")}


@pytest.mark.parametrize("mode", ["jwks", "pem"])
@pytest.mark.parametrize("case", TOKEN_CASES, ids=[c["id"] for c in TOKEN_CASES])
def test_corpus_tokens_through_the_middleware(
    case: dict[str, Any], mode: str, settings: Any, corpus_engines: dict[str, Clerk]
) -> None:
    """R1: every hostile token of the project's corpus, in both key modes: never a 500."""
    settings.CLERK = {"clerk": corpus_engines[mode]}
    client = Client(raise_request_exception=True)
    header = f"Bearer {corpus_token(case)}"
    assert client.get("/", HTTP_AUTHORIZATION=header).status_code == 200
    protected = client.get("/private", HTTP_AUTHORIZATION=header)
    outcome, _ = expectation(case, mode)
    if outcome == "accept":
        assert protected.status_code == 200
    elif outcome in ("reject", "pending"):
        assert protected.status_code == 401
    else:
        assert protected.status_code in (200, 401)


def test_current_user(clerk_instance: LocalClerkInstance, settings: Any) -> None:
    from django.test import RequestFactory

    from clerk_django import acurrent_user, current_user

    clerk_instance.backend.add_user("user_dj", first_name="Django")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "clerk-users",
        }
    }
    settings.CLERK = {**settings.CLERK, "user_cache": "django"}
    token = clerk_instance.session_token("user_dj")
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    first = current_user(request)
    assert first is not None
    assert first.first_name == "Django"
    assert current_user(request) is first  # memoised on the request

    def calls() -> int:
        return sum(1 for r in clerk_instance.requests if r.url.path.startswith("/v1/users/"))

    assert calls() == 1
    again = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    user = asyncio.run(acurrent_user(again))
    assert user is not None
    assert user.first_name == "Django"
    assert calls() == 1  # the Django cache served it


@pytest.mark.parametrize("client_class", [Client, AsyncClient])
def test_a_host_outside_allowed_hosts_is_400_not_500(
    client_class: type[Client] | type[AsyncClient],
    clerk_instance: LocalClerkInstance,
    settings: Any,
) -> None:
    token = clerk_instance.session_token("user_1")

    def get(allowed: str) -> int:
        settings.ALLOWED_HOSTS = [allowed]  # the test clients send Host: testserver
        client = client_class(raise_request_exception=False)
        response = client.get("/", headers={"authorization": f"Bearer {token}"})
        if asyncio.iscoroutine(response):
            response = asyncio.run(response)
        return int(response.status_code)

    assert get("testserver") == 200
    assert get("good.example") == 400


DOCUMENT = {"HTTP_SEC_FETCH_DEST": "document", "HTTP_ACCEPT": "text/html"}


def use_engine(settings: Any, engine: Clerk) -> None:
    settings.CLERK = {"clerk": engine, "guard": "tests.django.views.guard"}


@pytest.mark.parametrize("host", ["evil.example", "app.test@evil.example"])
def test_the_host_header_never_chooses_a_redirect(
    host: str, clerk_instance: LocalClerkInstance, settings: Any
) -> None:
    """Policy 13: ALLOWED_HOSTS refuses a foreign Host with 400; where it lets one through
    (``"*"``), Clerk's own ``allowed_hosts`` still keeps it out of every redirect."""
    dev_browser = browser(clerk_instance, None)

    def get(send_host: str) -> Any:
        client = Client(raise_request_exception=False)
        return client.get("/private?x=1", HTTP_HOST=send_host, **DOCUMENT, **dev_browser)

    settings.ALLOWED_HOSTS = ["testserver"]
    use_engine(settings, clerk_instance.clerk(sign_in_url="/sign-in"))
    assert get(host).status_code == 400  # Django's DisallowedHost
    settings.ALLOWED_HOSTS = ["*"]  # Django still checks the syntax: user info never passes
    for engine in (
        clerk_instance.clerk(sign_in_url="/sign-in"),  # the test kit's default hosts
        clerk_instance.clerk(sign_in_url="/sign-in", allowed_hosts=["testserver"]),
    ):
        use_engine(settings, engine)
        refused = get(host)
        assert refused.status_code == (400 if "@" in host else 401)
        assert "Location" not in refused
        allowed = get("testserver")
        assert allowed.status_code == 307
        assert allowed["Location"].startswith("http://testserver/sign-in?redirect_url=")
        assert allowed["Cache-Control"] == "no-store"


def test_allowed_hosts_applies_to_async_requests(
    clerk_instance: LocalClerkInstance, settings: Any
) -> None:
    # Django's AsyncClient always sends Host: testserver, so here testserver is the foreign host.
    settings.ALLOWED_HOSTS = ["*"]
    use_engine(settings, clerk_instance.clerk(sign_in_url="/sign-in", allowed_hosts=["app.test"]))
    headers = {
        "sec-fetch-dest": "document",
        "accept": "text/html",
        "cookie": f"__clerk_db_jwt={clerk_instance.dev_browser_token}",
    }
    refused = asyncio.run(AsyncClient().get("/async-private", headers=headers))
    assert refused.status_code == 401
    assert "Location" not in refused
    use_engine(settings, clerk_instance.clerk(sign_in_url="/sign-in"))
    allowed = asyncio.run(AsyncClient().get("/async-private", headers=headers))
    assert allowed.status_code == 307
    assert allowed["Location"].startswith("http://testserver/sign-in?")
    assert allowed["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "meta",
    [
        {"HTTP_AUTHORIZATION": "\tBearer tok ", "HTTP_X_CUSTOM_THING": " 1", "CONTENT_TYPE": "a "},
        {"HTTP_COOKIE": "a=1; b=2", "CONTENT_LENGTH": "", "HTTP_HOST": "testserver"},
        # No server sends HTTP_CONTENT_TYPE beside CONTENT_TYPE; META's order decides, as in Django.
        {"CONTENT_TYPE": "text/plain", "HTTP_CONTENT_TYPE": "text/html"},
    ],
)
def test_request_view_reads_the_headers_django_does(meta: dict[str, str]) -> None:
    """The view read straight from META has the headers of ``request.headers`` (Django's own
    reading of META), as ``RequestView``'s constructor normalises them, and the same URL."""
    from django.test import RequestFactory

    from clerk_core import RequestView
    from clerk_django._http import request_view

    for request in (RequestFactory().get("/p?q=1", **meta), RequestFactory().post("/p", **meta)):
        view = request_view(request)
        reference = RequestView(
            request.method or "GET", view.url, dict(request.headers.items()), request.path_info
        )
        assert view.headers == reference.headers
        assert view.method == request.method
        assert view.url == request.build_absolute_uri()
        assert view.path == "/p"


def test_a_misspelt_clerk_setting_names_the_closest_valid_one() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from clerk_django.conf import build_options

    with pytest.raises(ImproperlyConfigured, match="did you mean 'authorized_parties'"):
        build_options({"authorised_parties": ["https://a.test"]})
