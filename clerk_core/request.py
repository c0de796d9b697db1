"""``RequestView``: the framework-neutral request, and the one cookie parser every adapter uses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from .hosts import split_host

__all__ = [
    "RequestView",
    "environ_headers",
    "parse_authorization",
    "parse_cookie_header",
    "redacted_url",
]

_OWS = " \t"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


_HTTP_WS = " \t"
"""Optional white space (RFC 9110), stripped around header values."""


def _decode_uri_component(value: str) -> str:
    """JavaScript's ``decodeURIComponent``, or ``value`` unchanged where it would throw (a ``%``
    not followed by two hex digits, or escapes that are not UTF-8), as the npm ``cookie`` package
    does."""
    if "%" not in value or _BAD_ESCAPE.search(value):
        return value
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        return value


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a raw ``Cookie`` header exactly as Clerk's JS SDK does (the npm ``cookie`` package,
    version 1, behind ``@clerk/backend``'s ``ClerkRequest``).

    Pairs are split on ``;`` and the name from the value on the first ``=``; a part without ``=`` is
    skipped without hiding its neighbours; names and values lose surrounding spaces and tabs (nothing
    else); the first occurrence of a name wins; double quotes around a value are kept (a quoted
    token is then simply not a token); a value is percent-decoded as ``decodeURIComponent`` does,
    and kept raw when that would fail.
    """
    cookies: dict[str, str] = {}
    if len(header) < 2:
        return cookies
    for part in header.split(";"):
        eq = part.find("=")
        if eq < 0:
            continue
        name = part[:eq].strip(_OWS)
        if name in cookies:
            continue
        cookies[name] = _decode_uri_component(part[eq + 1 :].strip(_OWS))
    return cookies


def parse_authorization(value: str | None) -> str | None:
    """The token carried by an ``Authorization`` header, or ``None`` (the cookie path then runs).

    Clerk's ``parseAuthorizationHeader`` (``@clerk/backend``, ``tokens/authenticateContext.ts``)
    splits the value on single spaces: ``Bearer <token>`` gives the token and ignores any words
    after it; a value without a second word (no space, ``Bearer`` alone, a tab instead of a
    space) is itself the token, which then fails verification rather than falling back to the
    cookie; any other scheme (``Basic ...``) carries no token. Two deliberate differences
    (docs/security.md, "Token location"): the scheme ``Bearer`` matches in any case (RFC 9110),
    and several spaces after it count as one (Clerk would take the word ``Bearer`` as the token).
    Only spaces and tabs around the whole value are trimmed.
    """
    if not value:
        return None
    value = value.strip(_OWS)
    if not value:
        return None
    scheme, sep, rest = value.partition(" ")
    if sep and scheme.lower() == "bearer":
        # The value ends in a character other than SP/HTAB, so a word follows the spaces.
        return rest.lstrip(" ").partition(" ")[0]
    if not rest.partition(" ")[0]:
        # No second word: Clerk reads the first one as a token without a scheme.
        return scheme
    return None


def redacted_url(url: str) -> str:
    """``url`` with its query's values (and any fragment) replaced by ``…``, for reprs and logs:
    a query can carry handshake tokens, nonces, dev-browser tokens or a session token."""
    url, _, fragment = url.partition("#")
    url, sep, query = url.partition("?")
    if sep:
        names = (pair.partition("=")[0] for pair in query.split("&") if pair)
        url += "?" + "&".join(f"{name}=…" for name in names)
    return url + ("#…" if fragment else "")


_ENVIRON_NAMES: dict[str, str | None] = {}
"""WSGI environ key -> header name (``HTTP_X_REQUEST_ID`` -> ``x-request-id``; ``None`` for a key
that is not a header), so a server's usual keys are translated once per process."""
_ENVIRON_NAMES_MAX = 512
"""Keys remembered at most: a client choosing new header names cannot grow the table beyond it."""


def environ_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The ``HTTP_*`` headers of a WSGI environ (or Django's ``META``), named and stripped as
    :class:`RequestView` keeps them (``HTTP_X_REQUEST_ID`` gives ``x-request-id``), for
    :meth:`RequestView.from_normalised`. ``CONTENT_TYPE`` and ``CONTENT_LENGTH`` are left to the
    adapter, which knows its framework's reading of them."""
    names = _ENVIRON_NAMES
    headers: dict[str, str] = {}
    for key, value in environ.items():
        try:
            name = names[key]
        except KeyError:
            name = key[5:].replace("_", "-").lower() if key[:5] == "HTTP_" else None
            if len(names) < _ENVIRON_NAMES_MAX:
                names[key] = name
        if name is not None:
            headers[name] = value.strip(_HTTP_WS)
    return headers


class RequestView:
    """A request as the engine sees it: method, absolute URL (as sent, escapes kept) and headers.

    Header names are case-insensitive. The raw ``cookie`` header is parsed here, once, by
    :func:`parse_cookie_header`, so every framework reads the same cookies.

    ``path`` is the path the framework routes on, already percent-decoded by the server (ASGI
    ``scope["path"]`` without ``root_path``, Django's ``request.path_info``, werkzeug's
    ``request.path``). Adapters supply it so that a route matcher judges exactly what the router
    sees (``/api%2Fadmin`` is routed as ``/api/admin``). ``None`` for a request that no framework
    routed (the test kit's requests, a hand-built view): matchers then decode the URL's path once,
    as Clerk's JS SDKs do.
    """

    __slots__ = ("_cookies", "_split", "headers", "method", "path", "url")

    def __init__(
        self, method: str, url: str, headers: Mapping[str, str], path: str | None = None
    ) -> None:
        self.method = method.upper()
        self.url = url
        # As HTTP parsers and the Fetch standard's Headers (Clerk's ClerkRequest) do, optional
        # white space around a value is not part of it (" text/html" is "text/html"). CR and LF,
        # which Fetch would strip too, never arrive in an HTTP header: a value holding one is
        # hostile and stays as it is (a token ending in a newline does not verify).
        self.headers: dict[str, str] = {k.lower(): v.strip(_HTTP_WS) for k, v in headers.items()}
        self.path = path
        self._cookies: dict[str, str] | None = None
        self._split: SplitResult | None = None

    @classmethod
    def from_normalised(
        cls, method: str, url: str, headers: dict[str, str], path: str | None = None
    ) -> RequestView:
        """A view over ``headers`` as they are, for an adapter that already lower-cased every name
        and stripped spaces and tabs around every value (joining repeated headers as the
        constructor's caller would): the dict is taken over, not copied, so a request is read
        once. Anything else should use the constructor."""
        view = cls.__new__(cls)
        view.method = method.upper()
        view.url = url
        view.headers = headers
        view.path = path
        view._cookies = None
        view._split = None
        return view

    def __repr__(self) -> str:
        # The query's values stay out: they can be handshake tokens, nonces or dev-browser tokens,
        # and a repr ends up in error reports that capture local variables.
        routed = f", path={self.path!r}" if self.path is not None else ""
        return f"RequestView(method={self.method!r}, url={redacted_url(self.url)!r}{routed})"

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def cookies(self) -> dict[str, str]:
        cookies = self._cookies
        if cookies is None:
            raw = self.headers.get("cookie", "")
            cookies = parse_cookie_header(raw) if raw else {}
            self._cookies = cookies
        return cookies

    def cookies_within(self, limit: int) -> dict[str, str]:
        """The cookies, or none at all when the raw header is longer than ``limit`` bytes."""
        raw = self.headers.get("cookie", "")
        if len(raw) > limit:
            return {}
        return self.cookies

    @property
    def split_url(self) -> SplitResult:
        split = self._split
        if split is None:
            try:
                split = urlsplit(self.url)
            except ValueError:
                split = urlsplit("/")
            self._split = split
        return split

    def public_url(self, *, trust_forwarded: bool) -> SplitResult:
        """The URL the browser used: forwarded host and scheme are read only when trusted."""
        split = self.split_url
        scheme = split.scheme or "http"
        host = split.netloc or self.headers.get("host", "")
        if trust_forwarded:
            fwd_host = self.headers.get("x-forwarded-host")
            if fwd_host:
                first = fwd_host.split(",")[0].strip()
                # Only a host[:port]; anything else (paths, userinfo, spaces) is not a proxy's.
                if first and split_host(first) is not None:
                    host = first
            fwd_proto = self.headers.get("x-forwarded-proto")
            if fwd_proto:
                proto = fwd_proto.split(",")[0].strip().lower()
                if proto in ("http", "https"):
                    scheme = proto
        return SplitResult(scheme, host, split.path or "/", split.query, "")

    def query_param(self, name: str) -> str | None:
        if "?" not in self.url:
            return None  # no query (the common case), and no need to split the URL
        query = self.split_url.query
        if not query or (name not in query and "%" not in query):
            return None  # not there, not even percent-encoded (URLSearchParams decodes names)
        for pair in query.split("&"):
            key, _, value = pair.partition("=")
            if unquote(key.replace("+", " ")) == name:
                return unquote(value.replace("+", " "))
        return None
