"""The template helpers and the Content Security Policy option, the same in every adapter.

One page, written in each framework's idiom (Django's ``{% load clerk %}`` tags, the Jinja2 globals
of ``clerk_starlette.templates`` and of ``clerk_flask``), must render the same ClerkJS tags, mount
points and ``signed_in`` / ``signed_out`` blocks (from the server's auth); every value is escaped
(the hostile ``next`` below ends up as data, never as markup). With ``content_security_policy``
set, each HTML response carries Clerk's directives with a fresh nonce, the one the page's script
tags carry, merged into a policy the view already set; a JSON response gets none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance

Answer = tuple[int, str, dict[str, str]]
Get = Callable[[str, dict[str, str]], Answer]
HOSTILE = '/next"></div></script><script>alert(1)</script><!--'

JINJA_PAGE = (
    "<html><head>{{ clerk_js(after_sign_out_url='/') }}</head><body>"
    "{% if clerk_signed_in() %}IN:{{ clerk_user_button(after_sign_out_url='/') }}{% endif %}"
    "{% call clerk_signed_out() %}OUT{% endcall %}"
    '{{ clerk_sign_in(redirect_url=next, appearance=\'{"variables": {"colorPrimary": "red"}}\') }}'
    "{{ clerk_organization_switcher(hide_personal=True) }}"
    "{{ clerk_sign_out_button('Leave', redirect_url='/') }}"
    "<p id=nonce>{{ clerk_nonce() }}</p></body></html>"
)
APP_POLICY = "script-src 'self' 'nonce-app'; img-src 'none'"


def starlette(engine: Clerk) -> Get:
    import jinja2
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route
    from starlette.templating import Jinja2Templates
    from starlette.testclient import TestClient

    from clerk_starlette import ClerkMiddleware
    from clerk_starlette.templates import install_clerk_templates

    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": JINJA_PAGE}), autoescape=True)
    templates = Jinja2Templates(env=env)
    install_clerk_templates(templates)

    async def page(request: Request) -> Response:
        next_url = request.query_params.get("next", "/")
        return templates.TemplateResponse(request, "page.html", {"next": next_url})

    async def page_with_policy(request: Request) -> Response:
        response = await page(request)
        response.headers["Content-Security-Policy"] = APP_POLICY
        return response

    async def data(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async def nonce(request: Request) -> Response:
        return PlainTextResponse(getattr(request.state, "clerk_nonce", "-"))

    app = Starlette(
        routes=[
            Route("/page", page),
            Route("/page-with-policy", page_with_policy),
            Route("/data", data),
            Route("/nonce", nonce),
        ],
        middleware=[Middleware(ClerkMiddleware, clerk=engine)],
    )
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)

    def get(path: str, headers: dict[str, str]) -> Answer:
        r = client.get(path, headers=headers)
        return r.status_code, r.text, {k.lower(): v for k, v in r.headers.items()}

    return get


def flask(engine: Clerk) -> Get:
    from flask import Flask, g, jsonify, render_template_string, request

    from clerk_flask import Clerk as ClerkExtension

    app = Flask(__name__)
    ClerkExtension(app, clerk=engine)

    @app.get("/page")
    def page() -> str:
        return render_template_string(JINJA_PAGE, next=request.args.get("next", "/"))

    @app.get("/page-with-policy")
    def page_with_policy() -> Any:
        return page(), 200, {"Content-Security-Policy": APP_POLICY}

    @app.get("/data")
    def data() -> Any:
        return jsonify(ok=True)

    @app.get("/nonce")
    def nonce() -> Any:
        return g.get("clerk_nonce", "-"), 200, {"content-type": "text/plain"}

    client = app.test_client(use_cookies=False)

    def get(path: str, headers: dict[str, str]) -> Answer:
        r = client.get(path, headers=headers, base_url="http://testserver")
        return r.status_code, r.get_data(as_text=True), {k.lower(): v for k, v in r.headers}

    return get


def django(engine: Clerk) -> Get:
    from django.test import Client, override_settings

    def get(path: str, headers: dict[str, str]) -> Answer:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        with override_settings(CLERK={"clerk": engine}, ROOT_URLCONF="tests.django.template_urls"):
            r = Client().get(path, **meta)
        return r.status_code, r.content.decode(), {k.lower(): v for k, v in r.items()}

    return get


def django_async(engine: Clerk) -> Get:
    """The same pages on Django's async path (the middleware's ``__acall__``)."""
    import asyncio

    from django.test import AsyncClient, override_settings

    def get(path: str, headers: dict[str, str]) -> Answer:
        async def fetch() -> Any:
            return await AsyncClient().get(path, headers=headers)

        with override_settings(CLERK={"clerk": engine}, ROOT_URLCONF="tests.django.template_urls"):
            r = asyncio.run(fetch())
        return r.status_code, r.content.decode(), {k.lower(): v for k, v in r.items()}

    return get


ADAPTERS: dict[str, tuple[str, Callable[[Clerk], Get]]] = {
    "starlette": ("starlette", starlette),
    "flask": ("flask", flask),
    "django": ("django", django),
    "django-async": ("django", django_async),
}


@pytest.fixture
def clerk_instance() -> LocalClerkInstance:
    """A production instance: a signed-out page request is answered, not sent to a handshake."""
    return LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> Callable[[Clerk], Get]:
    module, build = ADAPTERS[request.param]
    pytest.importorskip(module)
    if module == "starlette":
        pytest.importorskip("jinja2")
    return build


def blocks(body: str, attribute: str) -> list[Any]:
    pattern = rf'<script type="application/json" {attribute}>(.*?)</script>'
    return [json.loads(m) for m in re.findall(pattern, body, re.DOTALL)]


def scripts(body: str) -> list[str]:
    """The opening tags of the page's executable scripts (not its JSON data blocks)."""
    return re.findall(r'<script(?! type="application/json")[^>]*>', body)


def test_the_page_renders_the_same_in_every_adapter(
    adapter: Callable[[Clerk], Get], clerk_instance: LocalClerkInstance
) -> None:
    engine = clerk_instance.clerk(proxy_url="/__clerk", sign_in_url="/sign-in")
    get = adapter(engine)
    status, body, headers = get(f"/page?next={quote(HOSTILE)}", {"accept": "text/html"})
    assert status == 200
    assert "content-security-policy" not in headers  # the option is off
    loader = scripts(body)[0]
    assert 'src="/__clerk/npm/@clerk/clerk-js@5/dist/clerk.browser.js"' in loader
    assert f'data-clerk-publishable-key="{clerk_instance.publishable_key}"' in loader
    assert 'data-clerk-proxy-url="/__clerk"' in loader
    assert "nonce" not in loader
    assert blocks(body, "data-clerk-load") == [{"signInUrl": "/sign-in", "afterSignOutUrl": "/"}]
    # Signed out: the signed_out block, no user button; the sign-in mount with its options.
    assert "OUT" in body
    assert "IN:" not in body
    assert 'data-clerk-mount="UserButton"' not in body
    assert blocks(body, "data-clerk-props") == [
        {"fallbackRedirectUrl": HOSTILE, "appearance": {"variables": {"colorPrimary": "red"}}},
        {"hidePersonal": True},
    ]
    assert blocks(body, "data-clerk-sign-out-options") == [{"redirectUrl": "/"}]
    assert '<button type="button" data-clerk-sign-out>Leave</button>' in body
    # The hostile value is data: it opened no element and ended no script.
    assert "<script>alert(1)" not in body
    assert "<!--" not in body
    assert "<p id=nonce></p>" in body

    token = clerk_instance.session_token("user_1")
    _, body, _ = get("/page", {"accept": "text/html", "authorization": f"Bearer {token}"})
    assert "IN:" in body
    assert "OUT" not in body
    assert 'data-clerk-mount="UserButton"' in body
    assert {"afterSignOutUrl": "/"} in blocks(body, "data-clerk-props")


def test_the_policy_and_its_nonce(
    adapter: Callable[[Clerk], Get], clerk_instance: LocalClerkInstance
) -> None:
    engine = clerk_instance.clerk(content_security_policy={"strict": True})
    get = adapter(engine)
    nonces = []
    for _ in range(2):
        status, body, headers = get("/page", {"accept": "text/html"})
        assert status == 200
        policy = headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy)
        assert nonce is not None
        nonces.append(nonce.group(1))
        # Each script tag of the page carries the request's nonce, and the page can read it.
        assert all(f'nonce="{nonce.group(1)}"' in tag for tag in scripts(body))
        assert len(scripts(body)) == 2
        assert f"<p id=nonce>{nonce.group(1)}</p>" in body
        assert "'strict-dynamic'" in policy
        assert clerk_instance.frontend_api in policy
        assert "https://img.clerk.com" in policy
        assert "worker-src 'self' blob:" in policy
        assert "https://challenges.cloudflare.com" in policy
    assert nonces[0] != nonces[1]

    # A policy the view set keeps its sources and gains Clerk's.
    _, body, headers = get("/page-with-policy", {"accept": "text/html"})
    policy = headers["content-security-policy"]
    nonce = re.search(r'nonce="([^"]+)"', body)
    assert nonce is not None
    assert policy.startswith("script-src 'self' 'nonce-app' ")
    assert f"'nonce-{nonce.group(1)}'" in policy
    assert "img-src 'self' https://img.clerk.com;" in policy  # 'none' gave way
    assert policy.count("script-src") == 1

    # JSON is not a page: no policy.
    status, _, headers = get("/data", {"accept": "application/json"})
    assert status == 200
    assert "content-security-policy" not in headers


def test_report_only(adapter: Callable[[Clerk], Get], clerk_instance: LocalClerkInstance) -> None:
    engine = clerk_instance.clerk(
        content_security_policy={"report_only": True, "report_to": "https://csp.test/r"}
    )
    _, _, headers = adapter(engine)("/page", {"accept": "text/html"})
    assert "content-security-policy" not in headers
    assert "report-to csp-endpoint" in headers["content-security-policy-report-only"]
    assert headers["reporting-endpoints"] == 'csp-endpoint="https://csp.test/r"'


def test_misuse_fails_with_a_message_that_says_how_to_fix_it() -> None:
    pytest.importorskip("django")
    from django.core.exceptions import ImproperlyConfigured
    from django.template import TemplateSyntaxError, engines

    django_engine = engines["django"]
    with pytest.raises(ImproperlyConfigured, match=r"context_processors\.request"):
        django_engine.from_string("{% load clerk %}{% clerk_js %}").render({})
    with pytest.raises(TemplateSyntaxError, match="takes no arguments"):
        django_engine.from_string("{% load clerk %}{% signed_in now %}x{% end_signed_in %}")
    with pytest.raises(TemplateSyntaxError):  # an unclosed block
        django_engine.from_string("{% load clerk %}{% signed_out %}x")

    pytest.importorskip("jinja2")
    import jinja2
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from starlette.templating import Jinja2Templates
    from starlette.testclient import TestClient

    from clerk_starlette.templates import install_clerk_templates

    env = jinja2.Environment(loader=jinja2.DictLoader({"p": JINJA_PAGE}), autoescape=True)
    templates = Jinja2Templates(env=env)
    install_clerk_templates(templates)

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "p", {"next": "/"})

    app = Starlette(routes=[Route("/", page)])  # no ClerkMiddleware
    with pytest.raises(RuntimeError, match="ClerkMiddleware"):
        TestClient(app).get("/")


def test_views_read_the_nonce_natively(
    adapter: Callable[[Clerk], Get], clerk_instance: LocalClerkInstance
) -> None:
    """``request.state.clerk_nonce`` (Starlette), ``request.clerk_nonce`` (Django),
    ``g.clerk_nonce`` (Flask): set only when the option is on, fresh per request."""
    status, body, _ = adapter(clerk_instance.clerk())("/nonce", {})
    assert (status, body) == (200, "-")
    get = adapter(clerk_instance.clerk(content_security_policy=True))
    first, second = get("/nonce", {})[1], get("/nonce", {})[1]
    assert re.fullmatch(r"[A-Za-z0-9+/]{22}==", first)
    assert first != second
