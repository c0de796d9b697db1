"""clerk_flask through Flask's test client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify, render_template_string, request

from clerk_core import AuthObject, Clerk, ClerkConfigurationError, create_route_matcher
from clerk_core.testing import LocalClerkInstance
from clerk_flask import Clerk as ClerkExtension
from clerk_flask import auth_required, current_auth, get_auth, protect
from tests.conftest import extra_cases
from tests.core.test_corpus import TOKEN_CASES, corpus_engine, corpus_token, expectation
from tests.core.test_vectors import CASES, HEADER_OWS_CASES, hostile_token, make_engine

PAGE = {"sec-fetch-dest": "document", "accept": "text/html"}
is_guarded = create_route_matcher(["/guarded(.*)"])


def guard(auth: AuthObject, req: Any) -> Any:
    if req.path == "/maintenance":
        return app_response("down", 503)
    if is_guarded(req):
        auth.protect(role="org:admin")
    return None


def app_response(body: str, status: int) -> Any:
    from flask import Response

    return Response(body, status=status)


def create_app(engine: Clerk, **config: Any) -> Flask:
    """An app factory, as users write them: the extension is created first, bound later."""
    clerk = ClerkExtension(clerk=engine, guard=guard)
    app = Flask(__name__)
    app.config.update(config)
    clerk.init_app(app)

    @app.get("/")
    def open_view() -> Any:
        auth = get_auth()
        return jsonify(
            user_id=auth.user_id, proxy=current_auth.user_id, authenticated=auth.is_authenticated
        )

    @app.get("/private")
    @auth_required
    def private() -> Any:
        return jsonify(user_id=current_auth.user_id)

    @app.get("/async-private")
    @auth_required
    async def async_private() -> Any:
        await asyncio.sleep(0)
        return jsonify(user_id=current_auth.user_id)

    @app.get("/orders")
    @protect(permission="org:orders:read")
    def orders() -> Any:
        return jsonify(orders=[1, 2])

    @app.get("/admin-redirect")
    @protect(role="org:admin", unauthorized_url="/no-access")
    def admin_redirect() -> Any:
        return jsonify(admin=True)

    @app.get("/condition")
    @protect(condition=lambda has: has(plan="pro"))
    def condition() -> Any:
        return jsonify(ok=True)

    @app.get("/template")
    def template() -> str:
        return render_template_string(
            "{% if current_auth.is_authenticated %}Hello {{ current_auth.user_id }}{% else %}"
            "Signed out{% endif %}"
        )

    @app.get("/guarded/page")
    def guarded() -> Any:
        return jsonify(ok=True)

    @app.get("/maintenance")
    def maintenance() -> Any:
        return jsonify(ok=True)

    admin = Blueprint("admin", __name__, url_prefix="/admin")
    admin.before_request(protect(role="org:admin"))

    @admin.get("/")
    def admin_home() -> Any:
        return jsonify(admin=request.path)

    members = Blueprint("members", __name__, url_prefix="/members")
    members.before_request(auth_required)

    @members.get("/")
    def members_home() -> Any:
        return jsonify(member=current_auth.user_id)

    app.register_blueprint(admin)
    app.register_blueprint(members)
    return app


@pytest.fixture
def client(clerk_engine: Clerk) -> Any:
    return create_app(clerk_engine).test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_signed_in(client: Any, clerk_instance: LocalClerkInstance) -> None:
    token = clerk_instance.session_token("user_f")
    assert client.get("/", headers=bearer(token)).json == {
        "user_id": "user_f",
        "proxy": "user_f",
        "authenticated": True,
    }
    assert client.get("/private", headers=bearer(token)).json == {"user_id": "user_f"}
    assert client.get("/async-private", headers=bearer(token)).json == {"user_id": "user_f"}


def test_a_cross_site_post_with_a_handshake_token_does_not_sign_in() -> None:
    """Login CSRF: a form on another site posting ``?__clerk_handshake=<the attacker's token>``
    used to sign the victim's browser in as the attacker. Only a GET navigation is a return trip."""
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.prod.test")
    token = instance.session_token("user_attacker")
    handshake = instance.handshake_token([f"__session={token}; Path=/", "__client_uat=1; Path=/"])
    app = create_app(instance.clerk())

    @app.post("/form")
    def form() -> Any:
        return jsonify(user_id=get_auth().user_id)

    cross_site = {**PAGE, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    response = app.test_client().post(f"/form?__clerk_handshake={handshake}", headers=cross_site)
    assert (response.status_code, response.json) == (200, {"user_id": None})
    assert response.headers.getlist("Set-Cookie") == []
    # The same token on a GET navigation is a genuine return trip.
    genuine = app.test_client().get(f"/?__clerk_handshake={handshake}", headers=PAGE)
    assert genuine.json == {
        "user_id": "user_attacker",
        "proxy": "user_attacker",
        "authenticated": True,
    }
    assert genuine.headers.getlist("Set-Cookie") == [
        f"__session={token}; Path=/",
        "__client_uat=1; Path=/",
    ]


def test_response_rules(client: Any, clerk_instance: LocalClerkInstance) -> None:
    handshake = client.get("/", headers=PAGE)
    assert handshake.status_code == 307
    assert handshake.headers["Location"].startswith("https://clerk.local.test/v1/client/handshake?")
    client.set_cookie("__clerk_db_jwt", clerk_instance.dev_browser_token)
    client.delete_cookie("__clerk_redirect_count")
    page = client.get("/private?x=1", headers=PAGE)
    assert page.status_code == 307
    assert page.headers["Location"].startswith(
        "https://accounts.local.test/sign-in?redirect_url=http%3A%2F%2Flocalhost%2Fprivate%3Fx%3D1"
    )
    api = client.get("/private")
    assert (api.status_code, api.json) == (
        401,
        {"error": "unauthenticated", "reason": "session-token-and-uat-missing"},
    )
    assert api.headers["WWW-Authenticate"] == "Bearer"
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    forbidden = client.get("/orders", headers=bearer(member))
    assert (forbidden.status_code, forbidden.json) == (403, {"error": "forbidden"})
    redirected = client.get("/admin-redirect", headers=bearer(member))
    assert (redirected.status_code, redirected.headers["Location"]) == (
        307,
        "http://localhost/no-access",
    )
    assert client.get("/condition", headers=bearer(member)).status_code == 403
    pro = clerk_instance.session_token(plans=["u:pro"])
    assert client.get("/condition", headers=bearer(pro)).json == {"ok": True}


def test_hide_routes(clerk_instance: LocalClerkInstance) -> None:
    client = create_app(clerk_instance.clerk(unauthenticated_status=404)).test_client()
    assert client.get("/private").status_code == 404


def test_debug_headers_and_refreshed_cookies(
    client: Any, clerk_instance: LocalClerkInstance
) -> None:
    assert client.get("/").headers["x-clerk-auth-status"] == "signed-out"
    s = clerk_instance.cookie_suffix
    cookies = {
        f"__session_{s}": clerk_instance.expired_token("user_r"),
        f"__client_uat_{s}": "1",
        f"__clerk_db_jwt_{s}": clerk_instance.dev_browser_token,
        clerk_instance.refresh_cookie_name: clerk_instance.refresh_token("user_r"),
    }
    for name, value in cookies.items():
        client.set_cookie(name, value)
    response = client.get("/private")
    assert response.json == {"user_id": "user_r"}
    set_cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith(f"__session_{s}=") for c in set_cookies)
    assert any(c.startswith(f"__client_uat_{s}=") for c in set_cookies)


def test_blueprints(client: Any, clerk_instance: LocalClerkInstance) -> None:
    member = clerk_instance.session_token("user_b", org_id="org_1", org_role="org:member")
    admin = clerk_instance.session_token(org_id="org_1", org_role="org:admin")
    assert client.get("/admin/", headers=bearer(member)).status_code == 403
    assert client.get("/admin/", headers=bearer(admin)).json == {"admin": "/admin/"}
    assert client.get("/members/").status_code == 401
    assert client.get("/members/", headers=bearer(member)).json == {"member": "user_b"}


def test_guard(client: Any, clerk_instance: LocalClerkInstance) -> None:
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    assert client.get("/guarded/page", headers=bearer(member)).status_code == 403
    assert client.get("/maintenance").status_code == 503
    # The guard judges the path werkzeug routes on: a malformed escape is a literal there.
    bad = client.get("/guarded/%zz", environ_overrides={"RAW_URI": "/guarded/%zz"})
    assert bad.status_code == 401


def test_current_auth_in_templates(client: Any, clerk_instance: LocalClerkInstance) -> None:
    assert client.get("/template").text == "Signed out"
    assert client.get("/template", headers=bearer(clerk_instance.session_token("user_t"))).text == (
        "Hello user_t"
    )


def test_configuration_from_app_config(
    clerk_instance: LocalClerkInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    app = Flask(__name__)
    app.config.update(
        CLERK_PUBLISHABLE_KEY=clerk_instance.publishable_key,
        CLERK_SECRET_KEY=clerk_instance.secret_key,
        CLERK_AUTHORIZED_PARTIES=["https://a.example"],
    )
    ClerkExtension(app, clock_skew=10)  # keyword arguments win over app.config
    options = app.extensions["clerk"].engine.options
    assert (options.frontend_api, options.authorized_parties, options.clock_skew) == (
        "clerk.local.test",
        ("https://a.example",),
        10.0,
    )
    broken = Flask(__name__)
    broken.config.update(CLERK_PUBLISHABLE_KEY="pk_test_broken", CLERK_SECRET_KEY="sk_test_x")
    with pytest.raises(ClerkConfigurationError):
        ClerkExtension(broken)
    with pytest.raises(TypeError, match="unknown Clerk option"):
        ClerkExtension(secret_kye="x")


def test_one_extension_many_apps(clerk_engine: Clerk, clerk_instance: LocalClerkInstance) -> None:
    clerk = ClerkExtension(clerk=clerk_engine)
    apps = [Flask(f"app{i}") for i in range(2)]
    for app in apps:
        clerk.init_app(app)
        app.add_url_rule("/", "me", lambda: jsonify(user_id=current_auth.user_id))
    token = clerk_instance.session_token("user_multi")
    for app in apps:
        assert app.test_client().get("/", headers=bearer(token)).json == {"user_id": "user_multi"}
    assert not hasattr(clerk, "app")


def test_get_auth_without_the_extension() -> None:
    app = Flask(__name__)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="Clerk is not set up"):
        get_auth()


@pytest.fixture(scope="module")
def vector_clients() -> dict[str, Any]:
    if not CASES:
        pytest.skip("hostile_jwt_tokens.json is not present")
    return {mode: create_app(make_engine(mode)).test_client() for mode in ("jwks", "pem")}


@pytest.mark.parametrize("mode", ["jwks", "pem"])
@pytest.mark.parametrize(
    "case", extra_cases(CASES, "hostile_jwt_tokens.json", lambda i, c: c["id"])
)
def test_hostile_tokens_never_500(
    case: dict[str, Any], mode: str, vector_clients: dict[str, Any]
) -> None:
    client = vector_clients[mode]
    token = hostile_token(case)
    # Straight into the WSGI environ: Werkzeug's test client refuses some of these values itself.
    environ = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/", environ_overrides=environ).status_code == 200
    protected = client.get("/private", environ_overrides=environ)
    assert protected.status_code in (200, 401)
    expected = str((case.get("expect_by_mode") or {}).get(mode, case["expect"])).split(" ")[0]
    if case["id"] in HEADER_OWS_CASES:
        expected = "accept"
    if expected == "reject":
        assert protected.status_code == 401


@pytest.fixture(scope="module")
def corpus_clients() -> dict[str, Any]:
    return {mode: create_app(corpus_engine(mode)).test_client() for mode in ("jwks", "pem")}


@pytest.mark.parametrize("mode", ["jwks", "pem"])
@pytest.mark.parametrize("case", TOKEN_CASES, ids=[c["id"] for c in TOKEN_CASES])
def test_corpus_tokens_through_the_extension(
    case: dict[str, Any], mode: str, corpus_clients: dict[str, Any]
) -> None:
    """R1: every hostile token of the project's corpus, in both key modes: never a 500."""
    client = corpus_clients[mode]
    environ = {"HTTP_AUTHORIZATION": f"Bearer {corpus_token(case)}"}
    assert client.get("/", environ_overrides=environ).status_code == 200
    protected = client.get("/private", environ_overrides=environ)
    outcome, _ = expectation(case, mode)
    if outcome == "accept":
        assert protected.status_code == 200
    elif outcome in ("reject", "pending"):
        assert protected.status_code == 401
    else:
        assert protected.status_code in (200, 401)


def test_current_user(clerk_instance: LocalClerkInstance, clerk_engine: Clerk) -> None:
    from clerk_flask import current_user

    clerk_instance.backend.add_user("user_fl", first_name="Flo")
    app = Flask(__name__)
    ClerkExtension(app, clerk=clerk_engine)

    @app.get("/me")
    def me() -> Any:
        first, second = current_user(), current_user()
        return jsonify(name=first.first_name if first else None, same=first is second)

    client = app.test_client()
    token = clerk_instance.session_token("user_fl")
    assert client.get("/me", headers=bearer(token)).json == {"name": "Flo", "same": True}
    calls = sum(1 for r in clerk_instance.requests if r.url.path.startswith("/v1/users/"))
    assert (client.get("/me", headers=bearer(token)).json or {})["name"] == "Flo"
    assert sum(1 for r in clerk_instance.requests if r.url.path.startswith("/v1/users/")) == calls


# ------------------------------------------------------------------------------------ webhooks
def test_webhook_blueprint_checks_its_secret_at_registration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clerk_core import WebhookRouter
    from clerk_flask.webhooks import webhook_blueprint

    monkeypatch.delenv("CLERK_WEBHOOK_SIGNING_SECRET", raising=False)
    app = Flask(__name__)
    with pytest.raises(ClerkConfigurationError, match="CLERK_WEBHOOK_SIGNING_SECRET"):
        app.register_blueprint(webhook_blueprint(WebhookRouter()))
    monkeypatch.setenv("CLERK_WEBHOOK_SIGNING_SECRET", "whsec_tooshort")
    with pytest.raises(ClerkConfigurationError) as info:
        Flask(__name__).register_blueprint(webhook_blueprint(WebhookRouter()))
    assert "tooshort" not in str(info.value)


def test_one_webhook_blueprint_in_two_apps_uses_each_apps_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clerk_core import WebhookRouter
    from clerk_flask.webhooks import webhook_blueprint, webhook_view

    monkeypatch.delenv("CLERK_WEBHOOK_SIGNING_SECRET", raising=False)
    router = WebhookRouter()
    router.on("user.created")(lambda event: None)
    blueprint = webhook_blueprint(router)
    view = webhook_view(router)
    instances, clients = [], []
    for _ in range(2):
        instance = LocalClerkInstance()
        app = Flask(__name__)
        ClerkExtension(app, options=instance.options())  # the extension's secret is used
        app.register_blueprint(blueprint)
        app.add_url_rule("/hook", view_func=view, methods=["POST"])
        instances.append(instance)
        clients.append(app.test_client())
    for path in ("/api/webhooks/clerk", "/hook"):
        for i, instance in enumerate(instances):
            body, headers = instance.sign_webhook("user.created", instance.user_payload())
            own = clients[i].post(path, data=body, headers=headers)
            other = clients[1 - i].post(path, data=body, headers=headers)
            assert (own.status_code, other.status_code) == (200, 400), path


def test_request_view_decodes_the_path_once_without_a_raw_uri() -> None:
    """Servers that do not pass RAW_URI / REQUEST_URI give only PATH_INFO, already decoded: the
    view must encode it again, or ``%2541`` would reach the route matcher as ``A``."""
    import io

    from clerk_flask.extension import request_view

    app = Flask(__name__)
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/files/%41 b",  # the client sent /files/%2541%20b
        "QUERY_STRING": "q=1",
        "SERVER_NAME": "app.example",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "app.example",
        "HTTP_AUTHORIZATION": "Bearer abc",
        "HTTP_X_CUSTOM_THING": "1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "2",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b"{}"),
        "wsgi.errors": io.StringIO(),
    }
    with app.request_context(environ):
        view = request_view()
    assert view.method == "POST"
    assert view.url == "https://app.example/files/%2541%20b?q=1"
    assert create_route_matcher(["/files/%41 b"])(view)
    assert not create_route_matcher(["/files/A b"])(view)
    assert view.headers["authorization"] == "Bearer abc"
    assert view.headers["x-custom-thing"] == "1"
    assert view.headers["content-type"] == "application/json"
    # Non-ASCII paths: PEP 3333 servers pass the path's bytes as latin-1 characters, so the view
    # gives back exactly the bytes the client sent.
    for path_info, sent in (
        ("/caf\u00c3\u00a9", "/caf%C3%A9"),  # the client sent UTF-8 for "café"
        ("/caf\u00e9", "/caf%E9"),  # the client sent the single byte %E9
    ):
        environ["PATH_INFO"] = path_info
        with app.request_context(environ):
            assert request_view().url == f"https://app.example{sent}?q=1", path_info
    environ["RAW_URI"] = "/files/%2541%20b?q=1"
    with app.request_context(environ):
        assert request_view().url == "https://app.example/files/%2541%20b?q=1"


def test_trusted_hosts_are_still_enforced(clerk_engine: Clerk) -> None:
    from flask import Request as FlaskRequest

    class TrustedRequest(FlaskRequest):
        trusted_hosts = ["good.example"]  # noqa: RUF012 (werkzeug's own class attribute)

    app = Flask(__name__)
    app.request_class = TrustedRequest
    ClerkExtension(app, clerk=clerk_engine)
    app.add_url_rule("/", "home", lambda: jsonify(user_id=get_auth().user_id))
    http = app.test_client()
    assert http.get("/", headers={"Host": "good.example"}).status_code == 200
    assert http.get("/", headers={"Host": "evil.example"}).status_code == 400


# A bad port is port 0 here: werkzeug 2.3's test client cannot build its own URL for :99999.
@pytest.mark.parametrize("host", ["evil.example", "app.test@evil.example", "evil.example:0"])
def test_the_host_header_never_chooses_a_redirect(
    clerk_instance: LocalClerkInstance, host: str
) -> None:
    """Policy 13: with a relative sign_in_url, a foreign Host gets the API answer, not a redirect."""
    for engine in (
        clerk_instance.clerk(sign_in_url="/sign-in"),  # the test kit allows its own hosts
        clerk_instance.clerk(sign_in_url="/sign-in", allowed_hosts=["localhost"]),
    ):
        http = create_app(engine).test_client(use_cookies=False)  # cookies as sent, on any host
        dev_browser = {"HTTP_COOKIE": f"__clerk_db_jwt={clerk_instance.dev_browser_token}"}
        foreign = {"HTTP_HOST": host}
        refused = http.get(
            "/private?x=1", headers=PAGE, environ_overrides={**foreign, **dev_browser}
        )
        assert refused.status_code == 401
        assert "Location" not in refused.headers
        assert refused.json == {
            "error": "unauthenticated",
            "reason": "session-token-and-uat-missing",
        }
        denied = http.get(
            "/admin-redirect",
            headers={**PAGE, **bearer(clerk_instance.session_token(org_role="org:member"))},
            environ_overrides=foreign,
        )
        assert (denied.status_code, denied.json) == (403, {"error": "forbidden"})
        assert "Location" not in denied.headers
        # No handshake either: a page without a dev browser is served signed out.
        open_page = http.get("/", headers=PAGE, environ_overrides=foreign)
        assert (open_page.status_code, (open_page.json or {}).get("user_id", "?")) == (200, None)
        allowed = http.get("/private?x=1", headers=PAGE, environ_overrides=dev_browser)
        assert allowed.status_code == 307
        assert allowed.headers["Location"].startswith(
            "http://localhost/sign-in?redirect_url=http%3A%2F%2Flocalhost%2Fprivate"
        )
        assert allowed.headers["Cache-Control"] == "no-store"


def test_request_view_reads_the_headers_werkzeug_does() -> None:
    """The view read straight from the environ has werkzeug's headers as ``RequestView``'s
    constructor normalises them (an empty ``Content-Type`` left out), and the host as sent."""
    from clerk_core import RequestView
    from clerk_flask.extension import request_view

    app = Flask(__name__)
    headers = {"Authorization": "\tBearer tok ", "X-Custom-Thing": " 1", "Cookie": "a=1; b=2"}
    with app.test_request_context("/p?q=1", method="POST", headers=headers, content_type="a "):
        view = request_view()
        expected = RequestView("POST", view.url, dict(request.headers.items()), request.path)
        assert view.headers == expected.headers
        assert view.headers["content-type"] == "a"
        assert view.url == "http://localhost/p?q=1"
    with app.test_request_context("/p", headers={"Host": " app.example "}):
        view = request_view()
        assert view.url == "http:// app.example /p"  # not a valid host: no redirect is built on it
        assert view.headers["host"] == "app.example"


def test_trusted_hosts_apply_to_a_remembered_token(
    clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> None:
    """werkzeug's trusted hosts answer a foreign Host with 400 whether or not the request's Bearer
    token is one the engine remembers (the extension skips building its view for those)."""
    from flask import Request as FlaskRequest

    class TrustedRequest(FlaskRequest):
        trusted_hosts = ["good.example"]  # noqa: RUF012 (werkzeug's own class attribute)

    app = Flask(__name__)
    app.request_class = TrustedRequest
    ClerkExtension(app, clerk=clerk_engine)
    app.add_url_rule("/", "home", lambda: jsonify(user_id=get_auth().user_id))
    http = app.test_client()
    headers = {"authorization": f"Bearer {clerk_instance.session_token('user_1')}"}
    assert http.get("/", headers={**headers, "Host": "good.example"}).status_code == 200
    assert http.get("/", headers={**headers, "Host": "evil.example"}).status_code == 400
