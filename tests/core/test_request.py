"""RequestView: one cookie parser, the Authorization rules, size caps and the public URL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk_core import RequestView, parse_authorization, parse_cookie_header


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("__session=T; __session=X", {"__session": "T"}),
        ("a=b c; __session=T", {"a": "b c", "__session": "T"}),
        ('x={"json":1}; __session=T', {"x": '{"json":1}', "__session": "T"}),
        ('x="unterminated; __session=T', {"x": '"unterminated', "__session": "T"}),
        ('__session="T"', {"__session": "T"}),
        ("__session=T%3D", {"__session": "T="}),
        ("__session=%ZZ", {"__session": "%ZZ"}),
        ("__session=%FF", {"__session": "%FF"}),
        ("noequals; =novalue; __session=T", {"__session": "T"}),
        ("  __session = T  ;", {"__session": "T"}),
        ("", {}),
    ],
)
def test_cookie_parser(header: str, expected: dict[str, str]) -> None:
    assert parse_cookie_header(header) == expected


@given(st.text(max_size=300))
def test_cookie_parser_never_raises(header: str) -> None:
    cookies = parse_cookie_header(header)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in cookies.items())


@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("Bearer T", "T"),
        ("bearer T", "T"),
        ("BEARER T", "T"),
        ("Bearer  T", "T"),
        ("Bearer\tT", "T"),
        ("  Bearer T  ", "T"),
        ("T", "T"),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("", None),
        (None, None),
        ("Bearer T, Bearer X", "T, Bearer X"),
        ("Bearer T\n", "T\n"),
    ],
)
def test_authorization_header(value: str | None, token: str | None) -> None:
    assert parse_authorization(value) == token


def test_headers_are_case_insensitive_and_cookies_parsed_once() -> None:
    req = RequestView("get", "https://app.example/x?y=1", {"Cookie": "__session=T", "X-A": "1"})
    assert req.method == "GET"
    assert req.header("x-a") == "1"
    assert req.cookies is req.cookies
    assert req.cookies == {"__session": "T"}


def test_cookie_header_size_cap() -> None:
    req = RequestView("GET", "https://app.example/", {"cookie": "__session=" + "A" * 20_000})
    assert req.cookies_within(16 * 1024) == {}


def test_public_url_uses_forwarded_headers_only_when_trusted() -> None:
    req = RequestView(
        "GET",
        "http://internal:8000/p?q=1",
        {"x-forwarded-host": "public.example, proxy", "x-forwarded-proto": "https"},
    )
    assert req.public_url(trust_forwarded=False).geturl() == "http://internal:8000/p?q=1"
    assert req.public_url(trust_forwarded=True).geturl() == "https://public.example/p?q=1"
    bad_proto = RequestView("GET", "http://internal/p", {"x-forwarded-proto": "javascript"})
    assert bad_proto.public_url(trust_forwarded=True).scheme == "http"
    for good in ("public.example:8443", "[::1]:8000", "10.0.0.7", "a"):
        req = RequestView("GET", "http://internal/p", {"x-forwarded-host": good})
        assert req.public_url(trust_forwarded=True).netloc == good
    # Only a host[:port] is taken from the header; anything else keeps the request's own host.
    for bad in (
        "evil.test/@public.example",
        "user@evil.test",
        "evil.test\\x",
        "a b",
        "-x.test",
        "h:port",
    ):
        req = RequestView("GET", "http://internal/p", {"x-forwarded-host": bad})
        assert req.public_url(trust_forwarded=True).netloc == "internal", bad


def test_query_param() -> None:
    req = RequestView("GET", "https://a.example/?a=1&__clerk_db_jwt=x%20y&b", {})
    assert req.query_param("__clerk_db_jwt") == "x y"
    assert req.query_param("missing") is None
    assert RequestView("GET", "http://[::1/", {}).query_param("a") is None


def test_repr_keeps_query_values_out() -> None:
    """Handshake tokens, nonces and dev-browser tokens travel in the query; a repr lands in error
    reports that capture local variables, so it names the parameters only."""
    secret = "eyJhbGciOiJSUzI1NiJ9.payload-of-a-handshake.signature"
    view = RequestView(
        "get",
        f"https://app.test/x?__clerk_handshake={secret}&__clerk_db_jwt=dvb_123&plain",
        {"cookie": f"__session={secret}"},
        path="/x",
    )
    text = repr(view)
    assert secret not in text
    assert "dvb_123" not in text
    assert text == (
        "RequestView(method='GET', url='https://app.test/x?__clerk_handshake=…&__clerk_db_jwt=…"
        "&plain=…', path='/x')"
    )
