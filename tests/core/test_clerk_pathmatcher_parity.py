"""Clerk's own route-matcher tests, translated: clerk/javascript
``packages/shared/src/__tests__/pathMatcher.spec.ts`` (``createPathMatcher``, ``normalizePath``,
``MalformedURLError``), applied to path strings (Policy 10: on a string, a matcher keeps Clerk's
``decodeURI`` semantics). Each test keeps the JS title in its docstring.

The JS file mocks ``pathToRegexp`` with ``^pattern$`` (``(.*)`` as ``.*``); these tests use the real
path-to-regexp 6 compilation of ``create_route_matcher``, under which every case has the same answer.
"""

from __future__ import annotations

import re

import pytest

from clerk_core import MalformedURLError, create_route_matcher
from clerk_core.errors import ClerkError
from clerk_core.routes import normalize_path

ADMIN = "/api/admin(.*)"


# ------------------------------------------------------------------------ createPathMatcher
def test_matches_exact_paths() -> None:
    """createPathMatcher: matches exact paths."""
    matcher = create_route_matcher("/foo")
    assert matcher("/foo") is True
    assert matcher("/bar") is False


def test_matches_wildcard_patterns() -> None:
    """createPathMatcher: matches wildcard patterns."""
    matcher = create_route_matcher("/foo(.*)")
    assert matcher("/foo") is True
    assert matcher("/foo/bar") is True
    assert matcher("/foo/bar/baz") is True
    assert matcher("/bar") is False


def test_matches_array_of_patterns() -> None:
    """createPathMatcher: matches array of patterns."""
    matcher = create_route_matcher(["/foo", "/bar(.*)"])
    assert matcher("/foo") is True
    assert matcher("/bar") is True
    assert matcher("/bar/baz") is True
    assert matcher("/baz") is False
    assert matcher("/foo/bar") is False


def test_matches_regexp_patterns() -> None:
    """createPathMatcher: matches RegExp patterns."""
    matcher = create_route_matcher(re.compile(r"^/foo/.*$"))
    assert matcher("/foo/bar") is True
    assert matcher("/foo/baz") is True
    assert matcher("/bar/foo") is False


def test_handles_empty_or_falsy_inputs() -> None:
    """createPathMatcher: handles empty or falsy inputs."""
    assert create_route_matcher("")("/any/path") is False
    assert create_route_matcher(None)("/any/path") is False
    assert create_route_matcher([])("/any/path") is False


def test_handles_mixed_pattern_types() -> None:
    """createPathMatcher: handles mixed pattern types."""
    matcher = create_route_matcher(["/foo(.*)", re.compile(r"^/bar/.*$"), "/baz"])
    assert matcher("/foo/anything") is True
    assert matcher("/bar/anything") is True
    assert matcher("/baz") is True
    assert matcher("/qux") is False


# ------------------------------------------------------- createPathMatcher: percent-encoded paths
def test_matches_percent_encoded_characters_in_path_segments() -> None:
    """percent-encoded paths: matches percent-encoded characters in path segments."""
    matcher = create_route_matcher(ADMIN)
    assert matcher("/api/%61dmin/users") is True
    assert matcher("/api/a%64min/users") is True
    assert matcher("/api/adm%69n/users") is True


def test_matches_fully_percent_encoded_path() -> None:
    """percent-encoded paths: matches fully percent-encoded path."""
    matcher = create_route_matcher("/foo/bar")
    assert matcher("/%66oo/bar") is True
    assert matcher("/f%6fo/bar") is True


def test_matches_percent_encoded_paths_with_wildcard_patterns() -> None:
    """percent-encoded paths: matches percent-encoded paths with wildcard patterns."""
    matcher = create_route_matcher([ADMIN])
    assert matcher("/api/%61dmin/users") is True
    assert matcher("/api/%61dmin") is True


def test_matches_percent_encoded_paths_with_array_of_patterns() -> None:
    """percent-encoded paths: matches percent-encoded paths with array of patterns."""
    matcher = create_route_matcher(["/api/invoices(.*)", ADMIN])
    assert matcher("/api/%61dmin/users") is True
    assert matcher("/api/inv%6fices/123") is True


def test_does_not_match_unrelated_percent_encoded_paths() -> None:
    """percent-encoded paths: does not match unrelated percent-encoded paths."""
    assert create_route_matcher(ADMIN)("/api/%62dmin/users") is False


def test_handles_already_decoded_paths_unchanged() -> None:
    """percent-encoded paths: handles already-decoded paths unchanged."""
    assert create_route_matcher(ADMIN)("/api/admin/users") is True


def test_does_not_match_when_reserved_delimiters_keep_segments_apart() -> None:
    """percent-encoded paths: does not match when reserved delimiters keep segments apart.

    On a string, as in Clerk. (Applied to a request a framework routed, the routed path
    ``/api/admin/users`` is judged instead: Policy 10, tests/core/test_routes.py.)
    """
    assert create_route_matcher(ADMIN)("/api%2Fadmin/users") is False


def test_throws_malformedurlerror_on_malformed_percent_encoding() -> None:
    """percent-encoded paths: throws MalformedURLError on malformed percent-encoding."""
    matcher = create_route_matcher(ADMIN)
    for path in ("/api/%zz/users", "/%"):
        with pytest.raises(MalformedURLError):
            matcher(path)


def test_does_not_resolve_dot_segments() -> None:
    """percent-encoded paths: does not resolve dot-segments — `..` is treated as literal text."""
    matcher = create_route_matcher(ADMIN)
    assert matcher("/public/%2E%2E/api/admin") is False
    assert matcher("/public/../api/admin") is False


def test_decodes_exactly_once() -> None:
    """percent-encoded paths: decodes exactly once — does not collapse double-percent encoding."""
    assert create_route_matcher(ADMIN)("/api/%2561dmin/users") is False
    assert normalize_path("/api/%2561dmin") == "/api/%61dmin"


def test_decodes_utf_8_multi_byte_sequences() -> None:
    """percent-encoded paths: decodes UTF-8 multi-byte sequences."""
    matcher = create_route_matcher(ADMIN)
    assert matcher("/api/admin/%E6%97%A5%E6%9C%AC") is True
    assert matcher("/api/admin/%F0%9F%92%A9") is True
    assert normalize_path("/api/%E6%97%A5") == "/api/\u65e5"


def test_decodes_backslash_to_a_literal_backslash_not_a_slash() -> None:
    """percent-encoded paths: decodes backslash to a literal backslash, not a slash."""
    assert normalize_path("/api/admin%5Cfoo") == "/api/admin\\foo"
    assert create_route_matcher(ADMIN)("/api/admin%5Cfoo") is True


# ----------------------------------------------------- createPathMatcher: double-slash normalization
def test_matches_paths_with_double_slashes_before_the_protected_segment() -> None:
    """double-slash normalization: matches paths with double slashes before the protected
    segment."""
    matcher = create_route_matcher(ADMIN)
    assert matcher("//api/admin/users") is True
    assert matcher("///api/admin/users") is True


def test_matches_paths_with_double_slashes_in_the_middle() -> None:
    """double-slash normalization: matches paths with double slashes in the middle."""
    matcher = create_route_matcher(ADMIN)
    assert matcher("/api//admin/users") is True
    assert matcher("/api///admin/users") is True


def test_matches_paths_with_double_slashes_after_the_protected_segment() -> None:
    """double-slash normalization: matches paths with double slashes after the protected
    segment."""
    assert create_route_matcher(ADMIN)("/api/admin//users") is True


def test_does_not_match_unrelated_paths_with_double_slashes() -> None:
    """double-slash normalization: does not match unrelated paths with double slashes."""
    matcher = create_route_matcher(ADMIN)
    assert matcher("//api/other/users") is False
    assert matcher("/other//api/admin") is False


def test_handles_combined_percent_encoding_and_double_slashes() -> None:
    """double-slash normalization: handles combined percent-encoding and double slashes."""
    matcher = create_route_matcher(ADMIN)
    assert matcher("//api/%61dmin/users") is True
    assert matcher("/api//%61dmin/users") is True


# ------------------------------------------------------------------------------ normalizePath
def test_decodes_unreserved_percent_encoded_characters() -> None:
    """normalizePath percent-encoding: decodes unreserved percent-encoded characters."""
    assert normalize_path("/api/%61dmin") == "/api/admin"
    assert normalize_path("/api/a%64min") == "/api/admin"
    assert normalize_path("/%66oo/bar") == "/foo/bar"


def test_preserves_path_reserved_delimiters() -> None:
    """normalizePath percent-encoding: preserves path-reserved delimiters (%2F, %3F, %23)."""
    assert normalize_path("/api%2Fadmin") == "/api%2Fadmin"
    assert normalize_path("/api/admin%3Fusers") == "/api/admin%3Fusers"
    assert normalize_path("/api/admin%23section") == "/api/admin%23section"


def test_returns_already_decoded_paths_unchanged() -> None:
    """normalizePath percent-encoding: returns already-decoded paths unchanged."""
    assert normalize_path("/api/admin/users") == "/api/admin/users"


def test_normalizepath_throws_malformedurlerror_on_invalid_percent_encoding() -> None:
    """normalizePath percent-encoding: throws MalformedURLError on invalid percent-encoding."""
    for path in ("/api/%zz/users", "/%"):
        with pytest.raises(MalformedURLError):
            normalize_path(path)


def test_collapses_double_slashes() -> None:
    """normalizePath slash normalization: collapses double slashes."""
    assert normalize_path("//api/admin") == "/api/admin"
    assert normalize_path("/api//admin") == "/api/admin"
    assert normalize_path("/api/admin//users") == "/api/admin/users"


def test_collapses_triple_and_more_slashes() -> None:
    """normalizePath slash normalization: collapses triple and more slashes."""
    assert normalize_path("///api/admin") == "/api/admin"
    assert normalize_path("/api///admin") == "/api/admin"


def test_leaves_single_slashes_unchanged() -> None:
    """normalizePath slash normalization: leaves single slashes unchanged."""
    assert normalize_path("/api/admin/users") == "/api/admin/users"


def test_decodes_percent_encoding_and_collapses_slashes_together() -> None:
    """normalizePath combined normalization: decodes percent-encoding and collapses slashes
    together."""
    assert normalize_path("//api/%61dmin/users") == "/api/admin/users"
    assert normalize_path("/api//%61dmin") == "/api/admin"


# --------------------------------------------------------------------------- MalformedURLError
def test_has_the_documented_public_shape() -> None:
    """MalformedURLError: has the documented public shape (an error, status 400, the path in the
    message). Python's form: a ``ClerkError`` and a ``ValueError``, raised by the matcher."""
    with pytest.raises(MalformedURLError) as info:
        create_route_matcher("/foo")("/foo%")
    error = info.value
    assert isinstance(error, ClerkError)
    assert isinstance(error, ValueError)
    assert type(error).__name__ == "MalformedURLError"
    assert error.status_code == 400
    assert "/foo" in str(error)
    assert "Malformed encoding in URL path" in str(error)
