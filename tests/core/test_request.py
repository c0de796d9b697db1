"""RequestView: one cookie parser, the Authorization rules, size caps and the public URL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk_core import RequestView, parse_authorization, parse_cookie_header


# Expected values: what the npm ``cookie`` package (1.1.1, ``parse``) returns for the same header;
# ``@clerk/backend`` 3.25 reads every cookie through it (``tokens/clerkRequest.ts`` ``parseCookies``).
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("__session=T; __session=X", {"__session": "T"}),
        ("a=b c; __session=T", {"a": "b c", "__session": "T"}),
        ('x={"json":1}; __session=T', {"x": '{"json":1}', "__session": "T"}),
        ('x="unterminated; __session=T', {"x": '"unterminated', "__session": "T"}),
        # cookie 1.x keeps the quotes (0.x stripped them): a quoted token is not a token.
        ('__session="T"', {"__session": '"T"'}),
        ('__client_uat="1"', {"__client_uat": '"1"'}),
        ("__session=T%3D", {"__session": "T="}),
        # decodeURIComponent throws on any bad escape, and the value is then kept whole.
        ("__session=%ZZ", {"__session": "%ZZ"}),
        ("__session=%FF", {"__session": "%FF"}),
        ("__session=a%20b%ZZ", {"__session": "a%20b%ZZ"}),
        ("__session=%E2%82%AC", {"__session": "\u20ac"}),
        ("__session=%ED%A0%80", {"__session": "%ED%A0%80"}),  # an encoded surrogate
        # A part without "=" is skipped; an empty name is a name like any other.
        ("noequals; =novalue; __session=T", {"": "novalue", "__session": "T"}),
        ("  __session = T  ;", {"__session": "T"}),
        ("\t__session=\tT\t", {"__session": "T"}),
        # Only spaces and tabs are trimmed, not other white space.
        ("__session=T\x0b", {"__session": "T\x0b"}),
        ("__session=T\xa0", {"__session": "T\xa0"}),
        ("a=b=c", {"a": "b=c"}),
        ("=", {}),  # shorter than two characters: nothing
        ("", {}),
    ],
)
def test_cookie_parser(header: str, expected: dict[str, str]) -> None:
    assert parse_cookie_header(header) == expected


@given(st.text(max_size=300))
def test_cookie_parser_never_raises(header: str) -> None:
    cookies = parse_cookie_header(header)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in cookies.items())


# Expected values: Clerk's ``parseAuthorizationHeader`` (``@clerk/backend`` 3.25,
# ``tokens/authenticateContext.ts``: ``header.split(' ', 2)``; no second word means the whole value
# is the token; only the exact scheme ``Bearer`` gives its token; other schemes give none) applied to
# the value a Fetch ``Headers`` object returns (surrounding white space removed), except where
# marked POLICY (docs/security.md, "Token location").
@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("Bearer T", "T"),
        # POLICY 4: the scheme is case-insensitive (RFC 9110). Clerk: another scheme, no token.
        ("bearer T", "T"),
        ("BEARER T", "T"),
        # POLICY: several spaces after Bearer count as one (vector E1). Clerk: the token is "Bearer".
        ("Bearer  T", "T"),
        ("Bearer   T", "T"),
        # A tab is not a separator: no space, so the whole value is a token (which fails).
        ("Bearer\tT", "Bearer\tT"),
        ("  Bearer T  ", "T"),
        ("\tBearer T\t", "T"),
        # Words after the token are ignored.
        ("Bearer T extra", "T"),
        ("Bearer T T", "T"),
        ("Bearer T, Bearer X", "T,"),  # comma-joined duplicate headers: "T," never verifies
        # A value without a scheme is the token (request.test.ts "missing auth scheme").
        ("T", "T"),
        ("T  extra", "T"),  # no second word after a single space either
        ("T extra", None),  # "T" is read as a scheme other than Bearer
        # Bearer alone is a (bad) token: the request is judged by it, never by its cookies.
        ("Bearer", "Bearer"),
        ("Bearer ", "Bearer"),
        ("bearer", "bearer"),
        ("Basic dXNlcjpwYXNz", None),
        ("Basic  dXNlcjpwYXNz", "Basic"),
        ("", None),
        ("  ", None),
        (None, None),
        # Only spaces and tabs around the value are trimmed (docs/reliability.md).
        ("Bearer T\n", "T\n"),
    ],
)
def test_authorization_header(value: str | None, token: str | None) -> None:
    assert parse_authorization(value) == token


WORDS = st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "T", "T,", "x", " ", "  ", "\t"])


@given(st.lists(WORDS, max_size=6).map("".join))
def test_authorization_header_is_clerks_split_after_the_two_policies(value: str) -> None:
    """For any value: Clerk's ``split(' ', 2)`` rule once the scheme is spelled ``Bearer`` and the
    spaces after it are one."""
    trimmed = value.strip(" \t")
    if trimmed[:6].lower() == "bearer" and trimmed[6:7] == " ":
        trimmed = "Bearer " + trimmed[6:].lstrip(" ")
    words = trimmed.split(" ", 2)
    if not trimmed:
        expected = None
    elif len(words) < 2 or not words[1]:
        expected = words[0]
    else:
        expected = words[1] if words[0] == "Bearer" else None
    assert parse_authorization(value) == expected


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
    # Names are percent-decoded, as URLSearchParams decodes them (Clerk reads its parameters so).
    encoded = RequestView("GET", "https://a.example/?%5F%5Fclerk_db_jwt=x&q=%41", {})
    assert encoded.query_param("__clerk_db_jwt") == "x"
    assert encoded.query_param("q") == "A"
    assert encoded.query_param("__clerk_handshake") is None
    assert RequestView("GET", "https://a.example/?a%2=1", {}).query_param("a%2") == "1"


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


def test_a_view_over_normalised_headers_is_the_constructors_view() -> None:
    """``RequestView.from_normalised`` takes an adapter's dict as it is (names lower-cased, values
    stripped) and reads it exactly as the constructor reads the same headers."""
    headers = {
        "host": "app.test",
        "cookie": "__session=a; __session=b",
        "authorization": "Bearer t",
    }
    fast = RequestView.from_normalised("post", "http://app.test/p?x=1", headers, "/p")
    slow = RequestView("post", "http://app.test/p?x=1", headers, "/p")
    assert fast.headers is headers
    for view in (fast, slow):
        assert view.method == "POST"
        assert view.cookies == {"__session": "a"}  # the first cookie wins
        assert view.cookies_within(4) == {}
        assert view.query_param("x") == "1"
        assert view.path == "/p"
        assert view.header("authorization") == "Bearer t"
    assert repr(fast) == repr(slow)


def test_environ_headers_name_and_strip_as_the_view_does() -> None:
    from clerk_core import request as request_module
    from clerk_core.request import environ_headers

    environ = {
        "HTTP_X_REQUEST_ID": " 1\t",
        "HTTP_AUTHORIZATION": "Bearer t",
        "SERVER_NAME": "app.test",
        "CONTENT_TYPE": "text/plain",  # the adapter's to read
        "wsgi.url_scheme": "https",
    }
    expected = {"x-request-id": "1", "authorization": "Bearer t"}
    assert environ_headers(environ) == expected
    assert environ_headers(environ) == expected  # the second time from the remembered names
    # A client inventing header names cannot grow the table of names without bound.
    many = {f"HTTP_X_{i}": str(i) for i in range(2 * request_module._ENVIRON_NAMES_MAX)}
    assert environ_headers(many) == {f"x-{i}": str(i) for i in range(len(many))}
    assert len(request_module._ENVIRON_NAMES) <= request_module._ENVIRON_NAMES_MAX
