"""clerk_core.ui and clerk_core.csp: the HTML every adapter's template helpers emit, and the
Content Security Policy they set. The adapters' own tests check the same output through their
template idioms."""

from __future__ import annotations

import json
import re

import pytest

from clerk_core import ClerkConfigurationError, ClerkOptions
from clerk_core.csp import (
    ContentSecurityPolicy,
    content_security_policy_headers,
    generate_nonce,
    merge_content_security_policy,
    with_content_security_policy,
)
from clerk_core.testing import LocalClerkInstance
from clerk_core.ui import ClerkUI, clerk_js_tags, clerk_js_url, mount_point, sign_out_button

INSTANCE = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
HOSTILE = '</script><script>alert(1)</script><!--"&'


def options(**overrides: object) -> ClerkOptions:
    return INSTANCE.options(networkless=True, **overrides)


def data_blocks(page: str, attribute: str) -> list[dict[str, object]]:
    pattern = rf'<script type="application/json" {attribute}>(.*?)</script>'
    return [json.loads(m) for m in re.findall(pattern, page, re.DOTALL)]


# ---------------------------------------------------------------- where ClerkJS comes from
def test_script_url_follows_clerks_loader() -> None:
    path = "/npm/@clerk/clerk-js@5/dist/clerk.browser.js"
    assert clerk_js_url(options()) == f"https://clerk.shop.test{path}"
    assert clerk_js_url(options(proxy_url="/__clerk/")) == f"/__clerk{path}"
    assert clerk_js_url(options(proxy_url="https://shop.test/__clerk")) == (
        f"https://shop.test/__clerk{path}"
    )
    assert clerk_js_url(options(clerk_js_version="5.99.1")).endswith(
        "/npm/@clerk/clerk-js@5.99.1/dist/clerk.browser.js"
    )
    assert clerk_js_url(options(clerk_js_url="https://cdn.test/clerk.js")) == (
        "https://cdn.test/clerk.js"
    )
    # A production satellite loads it from its own Frontend API, clerk.<domain>.
    satellite = options(is_satellite=True, domain="satellite.test")
    assert clerk_js_url(satellite) == f"https://clerk.satellite.test{path}"


def test_script_tag_carries_clerks_attributes_and_the_nonce() -> None:
    page = clerk_js_tags(options(proxy_url="/__clerk", sign_in_url="/sign-in"), nonce="n0nce")
    loader = re.search(r"<script async[^>]*>", page)
    assert loader is not None
    tag = loader.group(0)
    assert 'crossorigin="anonymous"' in tag
    assert f'data-clerk-publishable-key="{INSTANCE.publishable_key}"' in tag
    assert 'data-clerk-proxy-url="/__clerk"' in tag
    assert 'nonce="n0nce"' in tag
    # Every script tag of the page carries the nonce (the bootstrap too); data blocks need none.
    executable = re.findall(r"<script(?! type=\"application/json\")[^>]*>", page)
    assert len(executable) == 2
    assert all('nonce="n0nce"' in t for t in executable)
    assert data_blocks(page, "data-clerk-load") == [{"signInUrl": "/sign-in"}]
    satellite = clerk_js_tags(options(is_satellite=True, domain="satellite.test"))
    assert 'data-clerk-domain="satellite.test"' in satellite
    assert "nonce=" not in satellite


def test_versions_and_urls_are_checked_at_start_up() -> None:
    for bad in ("", "5; rm", "5 6", "<5>"):
        with pytest.raises(ClerkConfigurationError, match="clerk_js_version"):
            options(clerk_js_version=bad)
    for bad in ("javascript:alert(1)", "//evil.test/x.js", 'https://x.test/"onload="'):
        with pytest.raises(ClerkConfigurationError, match="clerk_js_url"):
            options(clerk_js_url=bad)
    env = {"CLERK_PUBLISHABLE_KEY": INSTANCE.publishable_key, "CLERK_JS_VERSION": "6"}
    assert ClerkOptions.from_env(env).clerk_js_version == "6"


def test_a_page_without_a_publishable_key_is_a_configuration_error() -> None:
    with pytest.raises(ClerkConfigurationError, match="CLERK_PUBLISHABLE_KEY"):
        clerk_js_tags(ClerkOptions(jwt_key=INSTANCE.jwt_key))


# ---------------------------------------------------------------- components
def test_mount_points_pass_clerks_options_as_json() -> None:
    html = mount_point(
        "sign_in",
        {
            "redirect_url": "/dashboard",
            "sign_up_url": "/sign-up",
            "routing": "hash",
            "appearance": '{"variables": {"colorPrimary": "#0969da"}}',
            "initial_values": None,
        },
    )
    assert html.endswith('<div class="clerk-sign-in" data-clerk-mount="SignIn"></div>')
    assert data_blocks(html, "data-clerk-props") == [
        {
            "fallbackRedirectUrl": "/dashboard",
            "signUpUrl": "/sign-up",
            "routing": "hash",
            "appearance": {"variables": {"colorPrimary": "#0969da"}},
        }
    ]
    names = {
        "sign_up": "SignUp",
        "user_button": "UserButton",
        "user_profile": "UserProfile",
        "organization_switcher": "OrganizationSwitcher",
        "organization_profile": "OrganizationProfile",
        "create_organization": "CreateOrganization",
    }
    for name, clerk_name in names.items():
        assert f'data-clerk-mount="{clerk_name}"' in mount_point(name)


def test_no_value_can_break_out_of_its_data_block() -> None:
    html = mount_point("sign_in", {"redirect_url": HOSTILE, "appearance": {"x": "\u2028"}})
    html += sign_out_button(HOSTILE, redirect_url=HOSTILE)
    assert "</script><script>" not in html
    assert "<!--" not in html
    assert html.count("</script>") == 2  # the two data blocks' own ends
    blocks = data_blocks(html, "data-clerk-props") + data_blocks(
        html, "data-clerk-sign-out-options"
    )
    assert blocks == [
        {"fallbackRedirectUrl": HOSTILE, "appearance": {"x": "\u2028"}},
        {"redirectUrl": HOSTILE},
    ]
    assert "&lt;/script&gt;" in html  # the button's label is text


def test_bad_component_options_fail_clearly() -> None:
    with pytest.raises(ValueError, match="unknown Clerk component 'sign_inn'"):
        mount_point("sign_inn")
    with pytest.raises(ValueError, match="appearance must be a dict or a JSON object"):
        mount_point("sign_in", {"appearance": "{not json"})
    with pytest.raises(ValueError, match="JSON values"):
        mount_point("sign_in", {"redirect_url": object()})


def test_signed_in_follows_the_servers_auth() -> None:
    engine = INSTANCE.clerk()
    token = INSTANCE.session_token("user_1")
    from clerk_core import RequestView

    signed_in = engine.authenticate_request(
        RequestView("GET", "https://shop.test/", {"authorization": f"Bearer {token}"})
    ).to_auth()
    signed_out = engine.authenticate_request(RequestView("GET", "https://shop.test/", {})).to_auth()
    assert ClerkUI(options(), auth=signed_in).signed_in
    assert not ClerkUI(options(), auth=signed_out).signed_in
    assert not ClerkUI(options()).signed_in
    assert "secret" not in repr(ClerkUI(options(), auth=signed_in, nonce="n"))


# ---------------------------------------------------------------- Content Security Policy
def parse(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_clerks_directives_with_the_frontend_api() -> None:
    policy = parse(
        merge_content_security_policy(None, ContentSecurityPolicy(), hosts=["clerk.shop.test"])
    )
    assert "clerk.shop.test" in policy["connect-src"]
    assert "https://img.clerk.com" in policy["img-src"]
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert "https://challenges.cloudflare.com" in policy["frame-src"]
    assert {"'unsafe-inline'", "https:", "http:"} <= set(policy["script-src"])
    assert "'unsafe-eval'" not in policy["script-src"]
    assert not any(s.startswith("'nonce-") for s in policy["script-src"])


def test_strict_mode_trusts_the_nonce_not_hosts() -> None:
    header = merge_content_security_policy(
        None, ContentSecurityPolicy(strict=True), hosts=["clerk.shop.test"], nonce="abc"
    )
    script = parse(header)["script-src"]
    assert "'strict-dynamic'" in script
    assert "'nonce-abc'" in script
    assert "https:" not in script
    assert "http:" not in script


def test_an_apps_policy_is_merged_not_replaced() -> None:
    existing = (
        "default-src 'self' https://cdn.app.test; script-src 'self' 'nonce-app'; "
        "img-src 'none'; form-action 'self' https://pay.test; report-uri /csp"
    )
    policy = parse(
        merge_content_security_policy(
            existing, ContentSecurityPolicy(), hosts=["clerk.shop.test"], nonce="abc"
        )
    )
    # The app's own sources stay; Clerk's are added.
    assert policy["default-src"] == ["'self'", "https://cdn.app.test"]
    assert policy["form-action"] == ["'self'", "https://pay.test"]
    assert policy["report-uri"] == ["/csp"]
    assert policy["script-src"][:2] == ["'self'", "'nonce-app'"]
    # The app uses nonces (so 'unsafe-inline' is ignored): the helpers' nonce is added.
    assert "'nonce-abc'" in policy["script-src"]
    # img-src 'none' gives way to Clerk's image host.
    assert "'none'" not in policy["img-src"]
    assert "https://img.clerk.com" in policy["img-src"]
    # A directive the app left to default-src starts from default-src's sources.
    assert policy["connect-src"][:2] == ["'self'", "https://cdn.app.test"]
    assert "clerk.shop.test" in policy["connect-src"]


def test_custom_directives_and_reporting() -> None:
    csp = ContentSecurityPolicy(
        directives={"img-src": ["https://cdn.test"], "object-src": ["none"]},
        report_only=True,
        report_to="https://csp.test/report",
    )
    headers = dict(content_security_policy_headers(options(content_security_policy=csp), [], "n"))
    policy = parse(headers["Content-Security-Policy-Report-Only"])
    assert "https://cdn.test" in policy["img-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["report-to"] == ["csp-endpoint"]
    assert headers["Reporting-Endpoints"] == 'csp-endpoint="https://csp.test/report"'


def test_only_html_responses_get_a_policy() -> None:
    opts = options(content_security_policy=True)
    page = with_content_security_policy(opts, [("Content-Type", "text/html; charset=utf-8")], "n")
    assert [k for k, _ in page] == ["Content-Type", "Content-Security-Policy"]
    data = [("content-type", "application/json")]
    assert with_content_security_policy(opts, data, "n") == data
    off = options()
    assert with_content_security_policy(off, [("content-type", "text/html")], "n") == [
        ("content-type", "text/html")
    ]


def test_option_forms_and_bad_values() -> None:
    assert options(content_security_policy=True).content_security_policy == ContentSecurityPolicy()
    assert options(content_security_policy="strict").content_security_policy == (
        ContentSecurityPolicy(strict=True)
    )
    assert options(content_security_policy={"strict": True}).content_security_policy == (
        ContentSecurityPolicy(strict=True)
    )
    assert options(content_security_policy="off").content_security_policy is None
    for bad in (
        {"strikt": True},
        {"directives": {"img-src": ["https://x.test; script-src *"]}},
        {"directives": {"Img Src": ["x"]}},
        {"report_to": 'https://x.test/"'},
        {"strict": "yes"},
        42,
    ):
        with pytest.raises(ClerkConfigurationError, match="content_security_policy"):
            options(content_security_policy=bad)


def test_nonces_are_fresh_and_unguessable() -> None:
    nonces = {generate_nonce() for _ in range(100)}
    assert len(nonces) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{22}==", n) for n in nonces)


def test_the_inline_bootstrap_is_static_and_cannot_end_its_tag() -> None:
    from clerk_core.ui import bootstrap_script

    code = bootstrap_script()
    assert "</script" not in code.lower()
    assert "<!--" not in code
    assert clerk_js_tags(options()).count(code) == 1
    assert clerk_js_tags(options(), appearance={"x": 1}).count(code) == 1


def test_the_fallback_and_force_redirect_settings_reach_clerk_load() -> None:
    """``sign_in_fallback_redirect_url`` and friends go to ``Clerk.load()`` under Clerk's names;
    what a template passes wins."""
    import json
    import re

    from clerk_core.testing import LocalClerkInstance
    from clerk_core.ui import clerk_js_tags

    options = LocalClerkInstance().options(
        sign_in_url="/sign-in",
        sign_in_fallback_redirect_url="/dashboard",
        sign_up_force_redirect_url="/welcome",
    )
    html = clerk_js_tags(options, sign_in_url="/login")
    block = re.search(r"data-clerk-load[^>]*>(.*?)</script>", html, re.S)
    assert block is not None
    load = json.loads(block.group(1))
    assert load["signInFallbackRedirectUrl"] == "/dashboard"
    assert load["signUpForceRedirectUrl"] == "/welcome"
    assert load["signInUrl"] == "/login"
