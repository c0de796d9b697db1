"""Attack probes on the UI, CSP, redirect, local-reverify, per-route token and publishable-key-only
code: what an attacker controls (a query parameter that ends up in a template, a ``Host`` header,
an ``Origin``, the ``Authorization`` header next to a signed-in cookie) must never become markup,
a redirect off the site, a looser Content Security Policy or a token type a route does not take.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from clerk_core import ClerkConfigurationError, redirect_to_sign_in, redirect_to_sign_up
from clerk_core.csp import (
    ContentSecurityPolicy,
    generate_nonce,
    merge_content_security_policy,
    with_content_security_policy,
)
from clerk_core.redirects import safe_redirect_url
from clerk_core.testing import LocalClerkInstance
from clerk_core.ui import clerk_js_tags, mount_point, sign_out_button

HOSTILE_VALUES = [
    '"></script><script>alert(1)</script>',
    "</SCRIPT ><img src=x onerror=alert(1)>",
    "<!--<script>",
    "\u2028\u2029alert(1)//",
    "' onload='alert(1)",
    "&lt;script&gt;",
]


@pytest.fixture
def clerk_instance() -> LocalClerkInstance:
    return LocalClerkInstance()


# --------------------------------------------------------------------------- template helpers


def _data_blocks(html_text: str) -> list[str]:
    return re.findall(r'<script type="application/json" [^>]*>(.*?)</script>', html_text, re.S)


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_component_options_stay_inside_their_json_block(value: str) -> None:
    html_text = mount_point(
        "sign_in",
        {
            "redirect_url": value,
            "appearance": json.dumps({"variables": {"colorPrimary": value}}),
            "initial_values": {"emailAddress": value},
            value[:5]: value,  # an attacker-chosen prop name too
        },
    )
    # Exactly one data block, then the mount element: nothing the value held opened a tag.
    assert html_text.count("<script") == 1
    assert html_text.count("</script>") == 1
    assert "<!--" not in html_text
    assert "\u2028" not in html_text
    assert "\u2029" not in html_text
    (block,) = _data_blocks(html_text)
    props = json.loads(block)
    assert props["fallbackRedirectUrl"] == value
    assert props["appearance"]["variables"]["colorPrimary"] == value


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_sign_out_button_label_and_options_are_escaped(value: str) -> None:
    html_text = sign_out_button(value, redirect_url=value)
    assert html_text.count("<script") == 1
    assert html_text.count("<button") == 1
    assert "<!--" not in html_text
    (block,) = _data_blocks(html_text)
    assert json.loads(block) == {"redirectUrl": value}


def test_an_unknown_component_name_is_refused_not_rendered() -> None:
    with pytest.raises(ValueError, match="unknown Clerk component"):
        mount_point('SignIn"><script>alert(1)</script>')


@pytest.mark.parametrize(
    "nonce", ['abc" onerror="alert(1)', "abc><script>alert(1)</script>", "a'b"]
)
def test_a_nonce_cannot_add_attributes(clerk_instance: LocalClerkInstance, nonce: str) -> None:
    options = clerk_instance.options(proxy_url="/__clerk")
    html_text = clerk_js_tags(options, nonce=nonce)
    tags = re.findall(r"<script(?! type=\"application/json\")[^>]*>", html_text)
    assert len(tags) == 2
    for tag in tags:
        assert "onerror" not in tag.replace("onerror=&quot;", "")  # only inside the quoted value
        assert re.search(r' nonce="[^"<>]*"', tag)
    assert "<script>alert(1)" not in html_text


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_load_options_from_a_template_stay_data(
    clerk_instance: LocalClerkInstance, value: str
) -> None:
    options = clerk_instance.options(proxy_url="/__clerk")
    html_text = clerk_js_tags(
        options, after_sign_out_url=value, appearance={"layout": {"logoImageUrl": value}}
    )
    assert html_text.count("<script") == 3  # loader, data block, bootstrap
    assert "<!--" not in html_text
    (block,) = _data_blocks(html_text)
    assert json.loads(block)["afterSignOutUrl"] == value


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("proxy_url", 'https://p.example/"><script>alert(1)</script>'),
        ("domain", 'x.example" onload="alert(1)'),
        ("clerk_js_url", 'https://cdn.example/c.js" onload="alert(1)'),
    ],
)
def test_configured_attributes_cannot_break_out_of_the_loader_tag(
    clerk_instance: LocalClerkInstance, setting: str, value: str
) -> None:
    """Settings come from the operator, but an attribute value with a quote must still stay one
    attribute (or be refused at start-up)."""
    try:
        options = clerk_instance.options(**{setting: value})  # type: ignore[arg-type]
    except (ClerkConfigurationError, ValueError):
        return  # refused at start-up: fine
    html_text = clerk_js_tags(options)
    loader = html_text.split("</script>", 1)[0]
    assert "<script>alert(1)" not in html_text
    assert ' onload="' not in loader


@pytest.mark.parametrize(
    "setting",
    [
        "sign_in_url",
        "sign_up_url",
        "sign_in_fallback_redirect_url",
        "sign_up_fallback_redirect_url",
        "sign_in_force_redirect_url",
        "sign_up_force_redirect_url",
    ],
)
@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "\tjavascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/x",
        "/\\evil.example",
        "https://app.example@evil.example/",
        "vbscript:msgbox(1)",
        "java\nscript:alert(1)",
    ],
)
def test_component_redirect_settings_refuse_scripts_and_other_origins_by_shape(
    clerk_instance: LocalClerkInstance, setting: str, value: str
) -> None:
    with pytest.raises(ClerkConfigurationError):
        clerk_instance.options(**{setting: value})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- CSP

POLICY_APPS = {
    "nonce-based": "script-src 'self' 'nonce-app'",
    "self-only": "script-src 'self'",
    "default-src only": "default-src 'self'",
}


@pytest.mark.parametrize("existing", sorted(POLICY_APPS))
def test_merging_never_loosens_the_apps_own_script_policy(existing: str) -> None:
    """An app that already protects itself with ``script-src 'self'`` (or a nonce) turns the
    option on: Clerk's sources are added, but ``'unsafe-inline'`` and the ``http:`` / ``https:``
    scheme sources would let an injected ``<script>`` (inline, or from any host) run, undoing the
    app's XSS defence. FINDING: the non-strict merge adds them (fails until fixed)."""
    merged = merge_content_security_policy(
        POLICY_APPS[existing], ContentSecurityPolicy(), hosts=["clerk.shop.test"], nonce="N0nce"
    )
    directives = {part.split()[0]: part.split()[1:] for part in merged.split(";") if part.strip()}
    script = directives["script-src"]
    assert "http:" not in script
    assert "https:" not in script
    nonce_or_hash = any(s.startswith(("'nonce-", "'sha")) for s in script)
    assert "'unsafe-inline'" not in script or nonce_or_hash


def test_strict_mode_keeps_strict_dynamic_and_the_nonce_whatever_the_app_set() -> None:
    for existing in (None, "script-src 'self' https:", "default-src *", "script-src 'none'"):
        merged = merge_content_security_policy(
            existing, ContentSecurityPolicy(strict=True), hosts=["clerk.shop.test"], nonce="N1"
        )
        script = next(p for p in merged.split(";") if p.split()[0] == "script-src").split()
        assert "'strict-dynamic'" in script
        assert "'nonce-N1'" in script
        if existing is None:
            assert "http:" not in script
            assert "https:" not in script


def test_a_comma_in_the_apps_policy_does_not_loosen_its_first_policy() -> None:
    """A comma in a header value separates policies, each enforced: Clerk's sources landing in the
    second never loosen the first (they may break ClerkJS: the app's own policy is malformed)."""
    merged = merge_content_security_policy(
        "script-src 'self', img-src 'none'", ContentSecurityPolicy(), hosts=["h.test"], nonce="N"
    )
    first = merged.split(",", 1)[0]
    assert first.strip() == "script-src 'self'"


@pytest.mark.parametrize(
    "source",
    [
        "https://a.example; script-src *",
        "https://a.example,script-src *",
        "a\nb",
        "a\r\nX: y",
        "https://a.example\n",
    ],
)
def test_directive_sources_cannot_inject_directives_or_headers(source: str) -> None:
    with pytest.raises(ClerkConfigurationError):
        ContentSecurityPolicy(directives={"img-src": [source]})


@pytest.mark.parametrize(
    "report_to",
    ['https://r.example/"; x', "https://r.example\r\nX: y", "https://r.example/\n"],
)
def test_report_to_cannot_inject(report_to: str) -> None:
    with pytest.raises(ClerkConfigurationError):
        ContentSecurityPolicy(report_to=report_to)


@pytest.mark.parametrize("name", ["img-src; script-src", "script-src\n", "Script-Src", "img-src\n"])
def test_directive_names_cannot_inject(name: str) -> None:
    with pytest.raises(ClerkConfigurationError):
        ContentSecurityPolicy(directives={name: ["'self'"]})


def test_the_nonce_has_128_bits_and_is_fresh() -> None:
    nonces = {generate_nonce() for _ in range(200)}
    assert len(nonces) == 200
    for nonce in list(nonces)[:5]:
        assert len(base64.b64decode(nonce)) == 16


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json", "text/plain", "text/html-sandboxed", "application/xhtml"],
)
def test_the_policy_is_set_on_html_pages_only(
    clerk_instance: LocalClerkInstance, content_type: str | None
) -> None:
    options = clerk_instance.options(content_security_policy=True)
    headers = [("content-type", content_type)] if content_type else []
    assert with_content_security_policy(options, headers, "N") == headers
    html_headers = with_content_security_policy(
        options, [("Content-Type", "TEXT/HTML; charset=utf-8")], "N"
    )
    assert any(k == "Content-Security-Policy" for k, _ in html_headers)


def test_every_adapter_gives_each_page_its_own_nonce() -> None:
    from tests.test_template_adapters import ADAPTERS

    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
    for module, build in ADAPTERS.values():
        pytest.importorskip(module)
        pytest.importorskip("jinja2")
        get = build(instance.clerk(content_security_policy={"strict": True}))
        seen = set()
        for _ in range(3):
            _, body, headers = get("/page", {"accept": "text/html"})
            (nonce,) = set(re.findall(r"'nonce-([^']+)'", headers["content-security-policy"]))
            assert f'nonce="{nonce}"' in body
            seen.add(nonce)
        assert len(seen) == 3


def test_a_hostile_query_value_stays_data_in_every_adapter() -> None:
    from tests.test_template_adapters import ADAPTERS, JINJA_PAGE  # noqa: F401

    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
    for module, build in ADAPTERS.values():
        pytest.importorskip(module)
        pytest.importorskip("jinja2")
        get = build(instance.clerk(proxy_url="/__clerk"))
        for value in HOSTILE_VALUES:
            _, body, _ = get(f"/page?next={quote(value)}", {"accept": "text/html"})
            assert "<script>alert(1)" not in body
            assert "<img" not in body
            assert "\u2028" not in body
            assert "<!--" not in body


# --------------------------------------------------------------------------- redirects

OFF_SITE = [
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "https://evil.example/",
    "https://127.0.0.1:8000@evil.example/",
    "http://127.0.0.1:8000\\@evil.example/",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)//http://127.0.0.1:8000/",
    "data:text/html,x",
    " //evil.example",
    "\x00//evil.example",
    "http://127.0.0.1:8000.evil.example/",
    "http://evil.example#http://127.0.0.1:8000/",
    "http://evil.example?http://127.0.0.1:8000/",
    "http://127.0.0.1:8001/",
    "https://127.0.0.1:8000/",
    "http://127.0.0.1:8000\uff0f@evil.example/",  # fullwidth solidus
    "http://[::1]:8000/",
]


def _redirect_target(location: str | None) -> str:
    return parse_qs(urlsplit(location or "").query)["redirect_url"][0]


@pytest.mark.parametrize("target", OFF_SITE)
@pytest.mark.parametrize("helper", [redirect_to_sign_in, redirect_to_sign_up])
def test_return_back_url_never_leaves_the_site(
    clerk_instance: LocalClerkInstance, target: str, helper: Any
) -> None:
    options = clerk_instance.options(sign_in_url="/sign-in")
    request = clerk_instance.request("/here?x=1", document=True)
    response = helper(request, options, return_back_url=target)
    assert response.status == 307
    back = _redirect_target(response.location)
    assert back == "http://127.0.0.1:8000/here?x=1"  # the request's own URL instead


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_redirect_url_refuses_off_site_targets(target: str) -> None:
    assert safe_redirect_url(target, current="http://127.0.0.1:8000/p") is None


def test_a_forged_host_header_gets_no_redirect_to_it() -> None:
    instance = LocalClerkInstance(authorized_parties=("http://127.0.0.1:8000",))
    options = instance.options(sign_in_url="/sign-in")
    for host in ("evil.example", "evil.example:8000", "127.0.0.1:8000@evil.example", "a b"):
        request = instance.request("/here", document=True, host="127.0.0.1:8000")
        request = type(request)(
            "GET", "http://127.0.0.1:8000/here", {**request.headers, "host": host}
        )
        response = redirect_to_sign_in(request, options, return_back_url="/after")
        assert "evil.example" not in (response.location or "")
        assert response.status in (401, 307)
        if response.status == 307:
            assert (response.location or "").startswith("http://127.0.0.1:8000/")


def test_the_sign_in_page_itself_stays_where_configured(clerk_instance: LocalClerkInstance) -> None:
    """A relative ``sign_in_url`` resolves against the trusted request URL, never ``//host``."""
    options = clerk_instance.options(sign_in_url="/sign-in")
    request = clerk_instance.request("//evil.example/x", document=True)
    location = redirect_to_sign_in(request, options).location or ""
    assert urlsplit(location).netloc == "127.0.0.1:8000"


# --------------------------------------------------------------------------- local reverify


@pytest.fixture
def reverify_app() -> tuple[LocalClerkInstance, Any]:
    from clerk_core.testing.frontend import LocalFrontendAPI

    instance = LocalClerkInstance()
    frontend = LocalFrontendAPI(instance)
    return instance, frontend


def _signed_in_cookie(instance: LocalClerkInstance, frontend: Any) -> str:
    sign_in = instance.request(frontend.sign_in_path, method="POST")
    user = next(iter(frontend.users))
    response = frontend.handle(sign_in, f"user_id={quote(user)}".encode())
    cookies = [v.split(";", 1)[0] for k, v in response.headers if k == "set-cookie"]
    return "; ".join(c for c in cookies if not c.endswith("="))


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"origin": "http://127.0.0.1:8000.evil.example"},
        {},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "none"},
        {"origin": "https://evil.example", "sec-fetch-site": "same-origin"},
        {"referer": "http://127.0.0.1:8000/"},
    ],
)
def test_the_local_reverify_endpoint_refuses_cross_site_posts(
    reverify_app: tuple[LocalClerkInstance, Any], headers: dict[str, str]
) -> None:
    instance, frontend = reverify_app
    cookie = _signed_in_cookie(instance, frontend)
    request = instance.request(
        f"{frontend.proxy_path}/v1/local/reverify",
        method="POST",
        headers={"cookie": cookie, **headers},
    )
    response = frontend.handle(request)
    assert response is not None
    assert response.status == 403
    assert not [v for k, v in response.headers if k == "set-cookie"]
    same = instance.request(
        f"{frontend.proxy_path}/v1/local/reverify",
        method="POST",
        headers={"cookie": cookie, "origin": "http://127.0.0.1:8000"},
    )
    assert frontend.handle(same).status == 200  # the same browser, from the app's own page


# --------------------------------------------------------------------------- per-route token types

Build = Callable[[Any], Callable[[str, dict[str, str]], tuple[int, Any, str | None]]]


@pytest.fixture(
    params=[
        "fastapi-behind-middleware",
        "fastapi-alone",
        "django-views",
        "django-rest-framework",
        "flask",
    ]
)
def route_adapter(request: pytest.FixtureRequest) -> Build:
    from tests.test_protect_routes_adapters import ADAPTERS

    module, build = ADAPTERS[request.param]
    pytest.importorskip(module)
    return build


def _json_headers(**extra: str) -> dict[str, str]:
    return {"accept": "application/json", **extra}


def test_a_bogus_authorization_header_next_to_a_session_is_not_ignored(
    route_adapter: Build,
) -> None:
    """A machine route re-authenticates: a signed-in session cookie next to a forged ``ak_`` key
    must not be what gets the request in, nor the forged key."""
    instance = LocalClerkInstance(
        authorized_parties=("http://testserver",),
        instance_type="production",
        frontend_api="clerk.shop.test",
    )
    get = route_adapter(instance.clerk())
    session = instance.session_token("user_s")
    cookie = f"__session={session}; __client_uat=1"
    for forged in ("ak_" + "0" * 32, "mt_" + "0" * 32, "oat_" + "0" * 32, "garbage"):
        status, body, _ = get(
            "/machines", _json_headers(cookie=cookie, authorization=f"Bearer {forged}")
        )
        assert status == 401, (forged, body)
        status, body, _ = get(
            "/session-only", _json_headers(cookie=cookie, authorization=f"Bearer {forged}")
        )
        assert status == 401, (forged, body)


def test_a_cookie_session_is_not_upgraded_on_a_machine_route(route_adapter: Build) -> None:
    instance = LocalClerkInstance(
        authorized_parties=("http://testserver",),
        instance_type="production",
        frontend_api="clerk.shop.test",
    )
    get = route_adapter(instance.clerk(accepts_token="any"))
    session = instance.session_token("user_s")
    status, _, _ = get("/machines", _json_headers(cookie=f"__session={session}; __client_uat=1"))
    assert status == 401
    # A real key in the header next to the cookie is the key, never the cookie's user.
    key = instance.api_key("user_k")
    status, body, _ = get(
        "/machines",
        _json_headers(cookie=f"__session={session}; __client_uat=1", authorization=f"Bearer {key}"),
    )
    assert (status, body["token_type"], body["subject"]) == (200, "api_key", "user_k")


def test_a_revoked_key_on_a_wider_route_stays_out(route_adapter: Build) -> None:
    instance = LocalClerkInstance(authorized_parties=("http://testserver",))
    get = route_adapter(instance.clerk())
    key = instance.api_key("user_k")
    assert get("/machines", _json_headers(authorization=f"Bearer {key}"))[0] == 200
    instance.revoke(key)
    # The engine remembers a verified key for machine_token_cache_ttl (documented); a new engine
    # asks the Backend API again and must hear "revoked".
    get = route_adapter(instance.clerk())
    assert get("/machines", _json_headers(authorization=f"Bearer {key}"))[0] == 401


# --------------------------------------------------------------------------- publishable key only


def test_the_frontend_jwks_url_is_fixed_at_start_up_not_by_the_request() -> None:
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
    options = instance.options(secret_key=None, jwt_key=None, proxy_url="/__clerk")
    assert options.publishable_key_only
    assert options.frontend_jwks_url == "https://clerk.shop.test/.well-known/jwks.json"


@pytest.mark.parametrize(
    "proxy", ["http://proxy.shop.test/__clerk", "HTTP://proxy.shop.test/__clerk"]
)
def test_live_keys_refuse_a_plain_http_key_source(proxy: str) -> None:
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
    with pytest.raises(ClerkConfigurationError):
        instance.options(secret_key=None, jwt_key=None, proxy_url=proxy)


def test_a_protocol_relative_proxy_url_does_not_become_the_key_source() -> None:
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
    try:
        options = instance.options(secret_key=None, jwt_key=None, proxy_url="//evil.example/x")
    except ClerkConfigurationError:
        return
    assert urlsplit(options.frontend_jwks_url or "").hostname == "clerk.shop.test"


def test_the_merge_keeps_what_clerkjs_needs_without_loosening() -> None:
    """The fix's other side: ClerkJS's host and the helpers' nonce are in the merged policy; an
    app relying on ``'unsafe-inline'`` gets no nonce (which would switch it off); a policy with no
    script restriction, and a script source the option's directives ask for, stay as they were."""
    policy = ContentSecurityPolicy()
    merged = merge_content_security_policy(
        "script-src 'self'", policy, hosts=["clerk.shop.test"], nonce="N2"
    )
    script = next(p for p in merged.split("; ") if p.startswith("script-src ")).split()
    assert "clerk.shop.test" in script
    assert "'nonce-N2'" in script
    inline = merge_content_security_policy(
        "script-src 'self' 'unsafe-inline'", policy, hosts=["clerk.shop.test"], nonce="N2"
    )
    assert "'nonce-N2'" not in inline
    assert "'unsafe-inline'" in inline.split("; ")[0]
    unrestricted = merge_content_security_policy(
        "img-src 'self'", policy, hosts=["clerk.shop.test"], nonce="N2"
    )
    assert "https:" in next(p for p in unrestricted.split("; ") if p.startswith("script-src "))
    asked = merge_content_security_policy(
        "script-src 'self'",
        ContentSecurityPolicy(directives={"script-src": ["https:"]}),
        hosts=["clerk.shop.test"],
        nonce="N2",
    )
    assert "https:" in asked.split("; ")[0].split()


def test_clerk_js_url_origin_is_a_script_source(clerk_instance: LocalClerkInstance) -> None:
    options = clerk_instance.options(
        content_security_policy=True, clerk_js_url="https://cdn.shop.test/clerk.js"
    )
    headers = with_content_security_policy(
        options,
        [("content-type", "text/html"), ("content-security-policy", "script-src 'self'")],
        "N",
    )
    policy = dict(headers)["Content-Security-Policy"]
    assert "https://cdn.shop.test" in policy.split("; ")[0].split()


def test_no_adapter_loosens_a_policy_the_view_set() -> None:
    from tests.test_template_adapters import ADAPTERS

    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
    for module, build in ADAPTERS.values():
        pytest.importorskip(module)
        pytest.importorskip("jinja2")
        get = build(instance.clerk(content_security_policy=True))
        _, body, headers = get("/page-with-policy", {"accept": "text/html"})
        script = headers["content-security-policy"].split("; ")[0].split()
        assert script[0] == "script-src"
        assert "https:" not in script
        assert "http:" not in script
        nonce = re.search(r'nonce="([^"]+)"', body)
        assert nonce is not None
        assert f"'nonce-{nonce.group(1)}'" in script


def test_the_frontend_jwks_fetch_follows_no_redirect_and_ignores_the_host_header() -> None:
    """Publishable-key-only: the keys come from the Frontend API fixed at start-up. A redirect
    from there (to keys an attacker holds) is not followed, even when the app hands the engine an
    HTTP client that follows redirects; a forged ``Host`` changes nothing about where keys come
    from."""
    import httpx

    from clerk_core import AuthStatus, Clerk, RequestView

    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.pkonly.test",
        authorized_parties=("https://app.example",),
    )
    attacker = LocalClerkInstance(instance_type="production", frontend_api="clerk.pkonly.test")
    fetched: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        if request.url.host == "evil.example":
            return httpx.Response(200, json=attacker.jwks())
        return httpx.Response(302, headers={"location": "https://evil.example/jwks.json"})

    transport = httpx.MockTransport(handler)
    engine = Clerk(
        instance.options(secret_key=None, token_cache_size=0),
        http_client=httpx.Client(transport=transport, follow_redirects=True),
        async_http_client=httpx.AsyncClient(transport=transport, follow_redirects=True),
    )
    forged = attacker.session_token("user_attacker", azp="https://app.example")
    request = RequestView(
        "GET",
        "https://evil.example/api",
        {"host": "evil.example", "authorization": f"Bearer {forged}"},
    )
    state = engine.authenticate_request(request)
    assert state.status is not AuthStatus.SIGNED_IN
    assert fetched
    assert all(urlsplit(u).hostname == "clerk.pkonly.test" for u in fetched), fetched


def test_the_local_reverify_endpoint_refuses_a_rebound_host(
    reverify_app: tuple[LocalClerkInstance, Any],
) -> None:
    """DNS rebinding: a page on evil.example resolved to the app's loopback address sends its own
    ``Host`` and a matching ``Origin``; the host is not one the local instance serves."""
    instance, frontend = reverify_app
    cookie = _signed_in_cookie(instance, frontend)
    request = instance.request(
        f"{frontend.proxy_path}/v1/local/reverify",
        method="POST",
        host="evil.example:8000",
        headers={"cookie": cookie, "origin": "http://evil.example:8000"},
    )
    response = frontend.handle(request)
    assert response is not None
    assert response.status >= 400
    assert not [v for k, v in response.headers if k == "set-cookie"]
