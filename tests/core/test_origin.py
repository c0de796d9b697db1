"""The origin rule for cookie-authenticated requests (Policy 11), and where the token came from."""

from __future__ import annotations

import asyncio

import pytest

from clerk_core import AuthStatus, ClerkConfigurationError, RequestState, RequestView
from clerk_core.origin import (
    cross_origin_refusal,
    is_allowed_origin,
    needs_origin_check,
    request_origin,
)
from clerk_core.testing import LocalClerkInstance

OWN = "http://127.0.0.1:8000"


def view(headers: dict[str, str], *, url: str = f"{OWN}/api", method: str = "POST") -> RequestView:
    return RequestView(method, url, {"host": "127.0.0.1:8000", **headers})


def signed_in(source: str | None) -> RequestState:
    state = RequestState(AuthStatus.SIGNED_IN, token="t", claims={"sub": "user_1", "sid": "sess"})
    state.token_source = source  # type: ignore[assignment]
    return state


# ------------------------------------------------------------------------------- token source
def test_token_source_says_cookie_or_header(clerk_instance: LocalClerkInstance) -> None:
    engine = clerk_instance.clerk()
    token = clerk_instance.session_token("user_1")
    by_cookie = engine.authenticate_request(clerk_instance.request(session=token))
    assert (by_cookie.status, by_cookie.token_source) == (AuthStatus.SIGNED_IN, "cookie")
    by_header = engine.authenticate_request(clerk_instance.request(bearer=token))
    assert (by_header.status, by_header.token_source) == (AuthStatus.SIGNED_IN, "header")
    remembered = engine.authenticate_request(clerk_instance.request(bearer=token))
    assert remembered.token_source == "header"  # the fast path for a remembered token
    both = engine.authenticate_request(clerk_instance.request(bearer=token, session=token))
    assert both.token_source == "header"  # the header wins; the cookie is not read
    bad = engine.authenticate_request(clerk_instance.request(bearer="nope"))
    assert (bad.status, bad.token_source) == (AuthStatus.SIGNED_OUT, "header")
    anonymous = engine.authenticate_request(clerk_instance.request())
    assert (anonymous.status, anonymous.token_source) == (AuthStatus.SIGNED_OUT, "cookie")
    async_state = asyncio.run(
        engine.authenticate_request_async(clerk_instance.request(session=token))
    )
    assert async_state.token_source == "cookie"
    api_key = clerk_instance.api_key()
    machine = clerk_instance.clerk(accepts_token="any").authenticate_request(
        clerk_instance.request(bearer=api_key)
    )
    assert (machine.status, machine.token_source) == (AuthStatus.SIGNED_IN, "header")


# ------------------------------------------------------------------------------- the origin
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"origin": OWN}, OWN),
        ({"origin": "HTTP://127.0.0.1:8000"}, OWN),
        ({"origin": "https://App.Example:443"}, "https://app.example"),
        ({"origin": "http://app.example:80/"}, "http://app.example"),
        ({"origin": "null"}, ""),
        ({"origin": ""}, ""),
        ({"origin": "https://a.example, https://b.example"}, ""),
        ({"origin": "https://app.example@evil.example"}, ""),
        ({"origin": "chrome-extension://abcdef"}, ""),
        ({"origin": "https://[bad"}, ""),
        ({"referer": f"{OWN}/page?x=1"}, OWN),
        ({"referer": "https://evil.example/attack"}, "https://evil.example"),
        ({"origin": "https://evil.example", "referer": f"{OWN}/"}, "https://evil.example"),
        ({}, None),
    ],
)
def test_request_origin(headers: dict[str, str], expected: str | None) -> None:
    assert request_origin(view(headers)) == expected


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"origin": OWN}, True),
        ({"origin": "HTTP://127.0.0.1:8000"}, True),  # scheme and host compare case-insensitively
        ({"origin": f"{OWN}/"}, True),  # a trailing slash is not part of the origin
        ({"origin": "http://localhost:8000"}, True),  # an authorized party
        ({"origin": "https://evil.example"}, False),
        ({"origin": "http://127.0.0.1:8001"}, False),  # another port is another origin
        ({"origin": "https://127.0.0.1:8000"}, False),  # another scheme too
        ({"origin": "null"}, False),
        ({"referer": f"{OWN}/form"}, True),  # no Origin: the Referer's origin
        ({"referer": "https://evil.example/form"}, False),
        ({"origin": "https://evil.example", "referer": f"{OWN}/form"}, False),  # Origin wins
        ({}, False),  # neither header: fail closed
    ],
)
def test_allowed_origins_for_http(
    clerk_instance: LocalClerkInstance, headers: dict[str, str], allowed: bool
) -> None:
    assert is_allowed_origin(view(headers), clerk_instance.options()) is allowed


def test_default_ports_are_the_same_origin(clerk_instance: LocalClerkInstance) -> None:
    options = clerk_instance.options()
    request = RequestView(
        "POST",
        "https://app.example/api",
        {"host": "app.example", "origin": "https://app.example:443"},
    )
    assert is_allowed_origin(request, options)
    on_port = RequestView("POST", "https://app.example:443/api", {"origin": "https://APP.example"})
    assert is_allowed_origin(on_port, options)


def test_websockets_without_origin_are_not_browsers(clerk_instance: LocalClerkInstance) -> None:
    options = clerk_instance.options()
    assert is_allowed_origin(view({}, method="GET"), options, websocket=True)
    assert not is_allowed_origin(
        view({"origin": "https://evil.example"}, method="GET"), options, websocket=True
    )
    assert not is_allowed_origin(view({"origin": "null"}, method="GET"), options, websocket=True)


def test_forwarded_host_counts_only_when_trusted(clerk_instance: LocalClerkInstance) -> None:
    behind_proxy = RequestView(
        "POST",
        "http://10.0.0.5:8000/api",
        {
            "host": "10.0.0.5:8000",
            "x-forwarded-host": "shop.example",
            "x-forwarded-proto": "https",
            "origin": "https://shop.example",
        },
    )
    assert not is_allowed_origin(behind_proxy, clerk_instance.options())
    trusted = clerk_instance.options(trust_forwarded_headers=True)
    assert is_allowed_origin(behind_proxy, trusted)


# ------------------------------------------------------------------------------- the refusal
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post"])
def test_cookie_authenticated_unsafe_cross_origin_is_refused(
    clerk_instance: LocalClerkInstance, method: str
) -> None:
    request = view({"origin": "https://evil.example"}, method=method)
    refusal = cross_origin_refusal(request, signed_in("cookie"), clerk_instance.options())
    assert refusal is not None
    assert refusal.status == 403
    assert refusal.json() == {"error": "forbidden", "reason": "cross-origin-request"}
    assert refusal.header("x-clerk-auth-reason") == "cross-origin-request"
    assert refusal.content_type == "application/json"
    assert refusal.header("cache-control") == "no-store"  # like every other refusal


def test_what_the_rule_leaves_alone(clerk_instance: LocalClerkInstance) -> None:
    options = clerk_instance.options()
    evil = {"origin": "https://evil.example"}
    for method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        assert cross_origin_refusal(view(evil, method=method), signed_in("cookie"), options) is None
    # A Bearer token is never sent by the browser on its own.
    assert cross_origin_refusal(view(evil), signed_in("header"), options) is None
    # A signed-out request (or none judged at all) carries no authority.
    signed_out = RequestState(AuthStatus.SIGNED_OUT, reason="session-token-and-uat-missing")
    signed_out.token_source = "cookie"
    assert cross_origin_refusal(view(evil), signed_out, options) is None
    assert cross_origin_refusal(view(evil), None, options) is None
    # Same origin, an authorized party.
    assert cross_origin_refusal(view({"origin": OWN}), signed_in("cookie"), options) is None
    party = view({"origin": "http://localhost:8000"})
    assert cross_origin_refusal(party, signed_in("cookie"), options) is None
    # The opt-out.
    off = clerk_instance.options(csrf_origin_check=False)
    assert not needs_origin_check(view(evil).method, signed_in("cookie"), off)
    assert cross_origin_refusal(view(evil), signed_in("cookie"), off) is None


def test_a_websocket_is_checked_whatever_its_method(clerk_instance: LocalClerkInstance) -> None:
    options = clerk_instance.options()
    evil = view({"origin": "https://evil.example"}, method="GET")
    assert cross_origin_refusal(evil, signed_in("cookie"), options) is None
    refusal = cross_origin_refusal(evil, signed_in("cookie"), options, websocket=True)
    assert refusal is not None
    assert refusal.status == 403
    assert cross_origin_refusal(evil, signed_in("header"), options, websocket=True) is None


def test_the_refusal_keeps_the_state_headers_but_no_location(
    clerk_instance: LocalClerkInstance,
) -> None:
    state = signed_in("cookie")
    state.headers = [("set-cookie", "__session=fresh; Path=/"), ("location", "https://x.example")]
    refusal = cross_origin_refusal(view({}), state, clerk_instance.options())
    assert refusal is not None
    assert refusal.header("set-cookie") == "__session=fresh; Path=/"
    assert refusal.location is None


def test_the_option_must_be_a_boolean(clerk_instance: LocalClerkInstance) -> None:
    assert clerk_instance.options().csrf_origin_check is True
    with pytest.raises(ClerkConfigurationError, match="csrf_origin_check"):
        clerk_instance.options(csrf_origin_check="no")
