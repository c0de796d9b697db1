"""create_route_matcher: the pattern cases of docs/protect.md and docs/clerk-semantics.md §5, request
shapes, properties."""

from __future__ import annotations

import contextlib
import re
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clerk_core import (
    ClerkConfigurationError,
    MalformedURLError,
    RequestView,
    create_route_matcher,
    normalize_path,
    routed_path,
)

SEMANTICS_CASES: list[tuple[Any, str, bool]] = [
    ("/hello(.*)", "/hello", True),
    ("/hello(.*)", "/hello/test/a", True),
    ("/hello(.*)", "/hellothere", True),
    ("/(.*).ts", "/test/hello.ts", True),
    ("/(.*).ts", "/hello.js", False),
    ("/(.*).js", "/hello.js", True),
    ("/test/hello.ts", "/test/hello.js", False),
    (re.compile(r"^/hello.*$"), "/hello/", True),
    (re.compile(r"^.*\.(ts|js)$"), "/test/hello.ts", True),
    (["/foo", "/bar(.*)"], "/foo/bar", False),
    (["/foo", "/bar(.*)"], "/bar/baz", True),
    (["/foo", "/bar(.*)"], "/baz", False),
    ("/api/admin(.*)", "/api/%61dmin/users", True),
    ("/api/admin(.*)", "/api/%62dmin/users", False),
    ("/api/admin(.*)", "/api%2Fadmin/users", False),
    ("/api/admin(.*)", "/api/%2561dmin/users", False),
    ("/api/admin(.*)", "//api/admin/users", True),
    ("/api/admin(.*)", "/api//admin/users", True),
    ("/api/admin(.*)", "/other//api/admin", False),
    ("/api/admin(.*)", "/public/../api/admin", False),
    ("/api/admin(.*)", "/api/admin%5Cfoo", True),
    ("/dashboard", "/dashboard/", True),
    ("/dashboard", "/Dashboard", True),
    ("/dashboard", "/dashboard/x", False),
    ("/dashboard/:path*", "/dashboard", True),
    ("/dashboard/:path*", "/dashboard/a/b", True),
    ("/dashboard/:path*", "/dashboardxyz", False),
    ("/dashboard(.*)", "/dashboardxyz", True),
    ("/dashboard(.*)", "/DASHBOARD/a", True),
    ("/api/:id", "/api/123/", True),
    ("/api/:id", "/api/123/x", False),
    ("/api/:id", "/api/", False),
    ("/api/:path+", "/api", False),
    ("/api/:path+", "/api/a", True),
    ("/foo/:bar?", "/foo", True),
    ("/(.*)", "/", True),
    ("/", "/x", False),
    ("/orgs/:slug/settings(.*)", "/orgs/acme/settings/billing", True),
    ("/orgs/:slug/settings(.*)", "/orgs/acme", False),
]


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    SEMANTICS_CASES,
    ids=[f"{p}|{path}" for p, path, _ in SEMANTICS_CASES],
)
def test_clerk_semantics_cases(patterns: Any, path: str, expected: bool) -> None:
    assert create_route_matcher(patterns)(path) is expected


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        ("/files/:name.:ext", "/files/report.pdf", True),
        ("/files/:name.:ext", "/files/report", False),
        ("/a-:b-:c", "/a-x-y", True),
        ("/users{/:id}?", "/users", True),
        ("/users{/:id}?", "/users/42", True),
        ("/users{/:id}?", "/users/42/x", False),
        ("/api/\\(v1\\)", "/api/(v1)", True),
        ("/search", "/search?q=1", True),  # only the path is matched: the query is dropped
        ("/x", "/x#", True),
        ("/x", "/x?", True),
        ("/café", "/caf%C3%A9", True),
        ("/a%2Fb", "/a%2Fb", True),
        ("/:id(\\d+)", "/123", True),
        ("/:id(\\d+)", "/abc", False),
    ],
)
def test_more_patterns(patterns: Any, path: str, expected: bool) -> None:
    assert create_route_matcher(patterns)(path) is expected


def test_malformed_escapes_are_400() -> None:
    matcher = create_route_matcher("/api(.*)")
    for path in (
        "/api/%zz/users",
        "/api/%",
        "/api/%4",
        "/api/%C3",
        "/api/%C3%28",
        "/api/%ED%A0%80",
        "/api/%FF",
    ):
        with pytest.raises(MalformedURLError) as info:
            matcher(path)
        assert info.value.status_code == 400


@pytest.mark.parametrize(
    "pattern", ["/:", "/(", "/(?:x", "/((x))", "/(?x)", "/{x", "/:a:b", "/x(.*", "/()", "/:a*:b"]
)
def test_bad_patterns_fail_at_creation(pattern: str) -> None:
    with pytest.raises(ClerkConfigurationError, match="route pattern"):
        create_route_matcher(pattern)


def test_empty_and_falsy_patterns_never_match() -> None:
    assert not create_route_matcher([])("/")
    assert not create_route_matcher(None)("/")
    assert not create_route_matcher(["", None])("/")  # type: ignore[list-item]


def test_callables_receive_the_request_as_given() -> None:
    seen: list[Any] = []

    def pick(req: Any) -> bool:
        seen.append(req)
        return True

    req = RequestView("GET", "https://a.example/x", {})
    assert create_route_matcher([pick])(req)
    assert seen == [req]


def test_strings_and_unrouted_views_keep_clerks_decode_uri_semantics() -> None:
    matcher = create_route_matcher("/api/admin(.*)")
    assert matcher(RequestView("GET", "https://a.example/api/%61dmin?x=1", {}))
    assert not matcher(RequestView("GET", "https://a.example/api%2Fadmin/users", {}))
    assert matcher("https://a.example/api/admin/users?x=1")
    assert matcher("/api/admin?x=1")
    assert not matcher("/raw%2Fpath/api/admin")
    assert not matcher("/api%2Fadmin")


def test_a_routed_path_is_judged_as_the_framework_routes_it() -> None:
    """An adapter's RequestView carries the server-decoded path: %2F is a slash there, and the
    matcher never decodes it a second time (%252F stays %2F, a literal)."""
    matcher = create_route_matcher(["/api/admin(.*)", "/orgs/:slug/settings(.*)"])

    def view(raw: str, routed: str) -> RequestView:
        return RequestView("GET", f"https://a.example{raw}", {}, path=routed)

    assert matcher(view("/api%2Fadmin/users", "/api/admin/users"))
    assert matcher(view("/orgs/acme%2Fsettings/billing", "/orgs/acme/settings/billing"))
    assert not matcher(view("/api%252Fadmin/users", "/api%2Fadmin/users"))
    assert matcher(view("/api/admin/100%25", "/api/admin/100%"))  # decoded: never a 400
    assert not matcher(view("/api/%2561dmin", "/api/%61dmin"))


def test_routed_hash_question_mark_and_newline_are_ordinary_characters() -> None:
    """Decoded from %23, %3F and %0A, they sit inside a segment the framework routes on."""
    matcher = create_route_matcher(["/orgs/:slug/settings(.*)", "/admin(.*)"])

    def routed(path: str) -> RequestView:
        return RequestView("GET", "https://a.example/", {}, path=path)

    assert matcher(routed("/orgs/a#b/settings/billing"))
    assert matcher(routed("/orgs/a?b/settings"))
    assert matcher(routed("/admin/x\n"))
    assert matcher(routed("/admin/x\ny"))
    # One trailing newline is dropped: Starlette's "$" routes "/account\n" to "/account".
    exact = create_route_matcher("/account")
    assert exact(routed("/account\n"))
    assert not exact(routed("/account\n\n"))
    # As raw strings they remain what a URL makes of them: a fragment and a query.
    assert not matcher("/orgs/a#b/settings/billing")


def test_native_requests_need_a_registered_framework() -> None:
    matcher = create_route_matcher("/api/admin(.*)")
    with pytest.raises(TypeError, match="clerk adapter"):
        matcher(object())
    with pytest.raises(TypeError):
        matcher(SimpleNamespace(path="/api/admin"))  # no duck typing of unknown objects


def test_a_registered_request_type_gives_its_routed_path() -> None:
    class Native:
        def __init__(self, path: str) -> None:
            self.routed = path

    routed_path.register(Native, lambda req: req.routed)
    matcher = create_route_matcher("/api/admin(.*)")
    assert matcher(Native("/api/admin/x"))
    assert not matcher(Native("/api%2Fadmin"))


def test_patterns_compile_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import clerk_core.routes as routes

    matcher = create_route_matcher(["/a(.*)", "/b/:id"])
    calls: list[str] = []
    monkeypatch.setattr(routes, "compile_path", lambda p: calls.append(p))
    for _ in range(100):
        matcher("/b/1")
    assert calls == []


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/%abcAF0123456789.-_~?#é ")), max_size=40))
def test_normalisation_is_idempotent_and_only_raises_malformed(path: str) -> None:
    try:
        once = normalize_path(path)
    except MalformedURLError:
        return
    assert "//" not in once
    try:
        twice = normalize_path(once)
    except MalformedURLError:
        # Decoding once can expose a new escape ("%2561" -> "%61"): decoding again is not our job.
        assert "%" in once
        return
    if "%" not in once:
        assert twice == once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_matcher_never_raises_anything_else(path: str) -> None:
    matcher = create_route_matcher(["/api/:id", "/(.*)x", re.compile("y$")])
    with contextlib.suppress(MalformedURLError):
        assert matcher("/" + path) in (True, False)
