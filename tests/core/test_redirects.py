"""Open-redirect rules (R16; docs/security.md, "The Host header and redirects"): our own cases, and
the workspace's extra vectors when present (the project's corpus runs in test_corpus.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clerk_core import is_allowed_redirect, safe_redirect_url
from clerk_core.redirects import origin_of, with_query
from tests.conftest import extra_cases, vectors_or_empty

VECTORS = vectors_or_empty("redirect_vectors.json")
ALLOWED = VECTORS.get("clerk_js_isAllowedRedirect", {})
PROBLEMATIC = VECTORS.get("clerk_js_isProblematicUrl", {})
DIFFERENTIALS = VECTORS.get("python_parser_differentials", {})


def browser_target(url: str, base: str) -> str | None:
    """Where a browser (WHATWG URL) navigates for ``url`` on ``base``; None if not http(s)."""
    url = url.strip("".join(chr(c) for c in range(0x21)))
    url = url.replace("\t", "").replace("\n", "").replace("\r", "")
    scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else ""
    if scheme and scheme not in ("http", "https"):
        return None
    url = url.replace("\\", "/")
    if scheme and not url[len(scheme) + 1 :].startswith("//"):
        # "http:evil.com" is "http://evil.com" for a special scheme.
        url = f"{scheme}://{url[len(scheme) + 1 :].lstrip('/')}"
    return urljoin(base, url)


def entries(raw: list[str] | None) -> list[Any]:
    return [re.compile(e[6:]) if e.startswith("regex:") else e for e in (raw or [])]


@pytest.mark.parametrize(
    "case",
    extra_cases(ALLOWED.get("cases", []), "redirect_vectors.json", lambda i, c: f"{c[0]}|{c[1]}"),
)
def test_clerk_js_is_allowed_redirect(case: list[Any]) -> None:
    url, allow, expected = case
    current = ALLOWED["current_origin"] + "/current"
    assert is_allowed_redirect(url, current=current, allowed_origins=entries(allow)) is expected


@pytest.mark.parametrize(
    "case",
    extra_cases(PROBLEMATIC.get("cases", []), "redirect_vectors.json", lambda i, c: repr(c[0])),
)
def test_clerk_js_problematic_urls_never_leave_the_origin(case: list[Any]) -> None:
    url, problematic = case
    base = PROBLEMATIC["base"] + "/page"
    result = safe_redirect_url(url, current=base)
    if problematic:
        assert result is None
    if result is not None:
        target = browser_target(url, base)
        assert target is not None
        assert origin_of(urlsplit(target)) == origin_of(urlsplit(base))


@pytest.mark.parametrize(
    "case",
    extra_cases(
        DIFFERENTIALS.get("cases", []), "redirect_vectors.json", lambda i, c: repr(c["input"])
    ),
)
def test_python_parser_differentials(case: dict[str, Any]) -> None:
    base = DIFFERENTIALS["base"]
    result = safe_redirect_url(case["input"], current=base)
    expect = case["expect"]
    if expect.startswith("reject"):
        assert result is None
    elif expect.startswith("accept ") or expect == "accept":
        assert result is not None
    if result is not None:
        assert origin_of(urlsplit(result)) == origin_of(urlsplit(base))


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "..//evil.example",
        "http:evil.example",
        "https:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        " //evil.example",
        "https://app.example@evil.example/",
        "https://evil.example#@app.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "https://app.example.evil.example/",
        "https://evil.example/https://app.example",
        "ftp://app.example/",
        "relative/path",
        "https://app.example:99999/",
        "https://[::1/",
        "/ok\x00",
        "/ok\x7f",
        "https://app.example\\@evil.example",
        "",
        "a" * 5000,
    ],
)
def test_own_rejections(target: str) -> None:
    assert safe_redirect_url(target, current="https://app.example/x") is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/dashboard", "https://app.example/dashboard"),
        ("/a/../b?x=1#f", "https://app.example/a/../b?x=1#f"),
        ("https://app.example/x", "https://app.example/x"),
        ("https://APP.example:443/x", "https://APP.example:443/x"),
        ("https://a.partner.example/cb", "https://a.partner.example/cb"),
    ],
)
def test_own_acceptances(target: str, expected: str) -> None:
    allowed = ["https://*.partner.example"]
    assert (
        safe_redirect_url(target, current="https://app.example/x", allowed_origins=allowed)
        == expected
    )


def test_wildcards_and_patterns() -> None:
    cur = "https://app.example/"
    assert not is_allowed_redirect(
        "https://partner.example/", current=cur, allowed_origins=["https://*.partner.example"]
    )
    assert not is_allowed_redirect(
        "http://a.partner.example/", current=cur, allowed_origins=["https://*.partner.example"]
    )
    pattern = re.compile(r"https://[a-z]+\.preview\.example")
    assert is_allowed_redirect(
        "https://pr.preview.example/x", current=cur, allowed_origins=[pattern]
    )
    # Patterns match the whole origin, so a suffix cannot ride along.
    assert not is_allowed_redirect(
        "https://pr.preview.example.evil.com/", current=cur, allowed_origins=[pattern]
    )


def test_wildcard_origins_keep_their_port() -> None:
    cur = "https://app.example/"
    wildcard = ["https://*.example.com"]
    # Another port is another origin: a wildcard must not widen to every port of every sub-domain.
    for target in ("https://a.example.com:8443/x", "https://a.example.com:80/x"):
        assert not is_allowed_redirect(target, current=cur, allowed_origins=wildcard)
    # The scheme's default port, given or not, is the same origin.
    for target in ("https://a.example.com/x", "https://a.example.com:443/x"):
        assert is_allowed_redirect(target, current=cur, allowed_origins=wildcard)
    assert is_allowed_redirect(
        "https://a.example.com/x", current=cur, allowed_origins=["https://*.example.com:443"]
    )
    with_port = ["https://*.example.com:8443"]
    assert is_allowed_redirect(
        "https://a.example.com:8443/x", current=cur, allowed_origins=with_port
    )
    assert not is_allowed_redirect(
        "https://a.example.com/x", current=cur, allowed_origins=with_port
    )
    assert is_allowed_redirect(
        "http://a.example.com:80/x", current=cur, allowed_origins=["http://*.example.com"]
    )
    # A malformed port in an entry matches nothing (never every port).
    for entry in ("https://*.example.com:x", "https://*.example.com:99999"):
        assert not is_allowed_redirect(
            "https://a.example.com/x", current=cur, allowed_origins=[entry]
        )


def test_without_a_trusted_origin_only_allow_listed_urls_pass() -> None:
    """``current=None`` (the request's host is not trusted): no path and no own-origin URL."""
    allowed = ["https://accounts.example.com"]
    assert safe_redirect_url("/sign-in", current=None, allowed_origins=allowed) is None
    assert (
        safe_redirect_url("https://evil.example/x", current=None, allowed_origins=allowed) is None
    )
    assert (
        safe_redirect_url("https://accounts.example.com/in", current=None, allowed_origins=allowed)
        == "https://accounts.example.com/in"
    )


def test_with_query() -> None:
    assert (
        with_query("https://a.example/p?x=1#f", [("y", "a b")])
        == "https://a.example/p?x=1&y=a%20b#f"
    )
    assert with_query("/p?s=1&t=2", [("s", "9")], replace=("s",)) == "/p?t=2&s=9"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/\\:@.#?%\t\n aevilpx.-htsj")), max_size=30))
def test_r16_no_generated_target_leaves_the_origin(text: str) -> None:
    base = "https://app.example/sign-in"
    for candidate in (text, "/" + text, "https://" + text, "http:" + text):
        result = safe_redirect_url(candidate, current=base)
        if result is None:
            continue
        assert origin_of(urlsplit(result)) == "https://app.example"
        target = browser_target(candidate, base)
        assert target is not None
        assert origin_of(urlsplit(target)) == "https://app.example"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://[::1]:8000/path", "http://[::1]:8000"),
        ("https://[::1]:443/", "https://[::1]"),
        ("http://[2001:DB8::1]/", "http://[2001:db8::1]"),
    ],
)
def test_ipv6_origins_keep_their_brackets(url: str, origin: str) -> None:
    """An app served on ``[::1]`` redirects back to ``http://[::1]:8000/...``, a URL a browser can
    open; without the brackets the port would read as part of the address."""
    assert origin_of(urlsplit(url)) == origin
    assert safe_redirect_url("/next", current=url) == origin + "/next"
