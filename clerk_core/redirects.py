"""Open-redirect rules (docs/protect.md) for every redirect target this library emits.

A target is allowed when it is

* an absolute path on the current origin (``/dashboard?x=1``; never ``//host`` or a path-relative
  ``../x``), or
* an absolute ``http(s)`` URL whose scheme, lower-cased host name and port equal the current origin
  or an entry of the allow-list.

Anything a browser could read differently from Python's URL parser is refused outright: backslashes,
white space and control characters anywhere, user info (``https://app@evil.com``), and every other
scheme (``javascript:``, ``data:``, ``http:evil.com``). Comparisons use the host name, never the
``netloc``. With no allow-list only the current origin is allowed (stricter than Clerk JS, which then
allows everything).

Allow-list entries are origins (``https://app.example.com``; a path is ignored), wildcard
sub-domains (``https://*.example.com``, which does not match ``example.com`` itself, nor another
port: ``https://a.example.com:8443`` needs ``https://*.example.com:8443``; an explicit default port
such as ``:443`` is the same origin), or compiled ``re`` patterns matched in full against the
origin (default ports dropped).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, quote, unquote, urlencode, urlsplit

if TYPE_CHECKING:
    from .options import ClerkOptions

__all__ = [
    "AllowedOrigin",
    "component_redirect_options",
    "is_allowed_redirect",
    "origin_of",
    "safe_redirect_url",
    "with_query",
]

AllowedOrigin = str | re.Pattern[str]
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_URL = 4096


def origin_of(split: SplitResult) -> str | None:
    """``scheme://host[:port]`` with the host lower-cased and default ports dropped; ``None`` when
    the URL is not a plain http(s) URL."""
    scheme = split.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    if "@" in split.netloc:
        return None
    try:
        host = split.hostname
        port = split.port
    except ValueError:
        return None
    if not host:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets, as the URL standard serialises it
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _effective_port(split: SplitResult) -> int | None:
    try:
        port = split.port
    except ValueError:
        return None
    return _DEFAULT_PORTS.get(split.scheme.lower()) if port is None else port


def _entry_matches(entry: AllowedOrigin, origin: str) -> bool:
    if isinstance(entry, re.Pattern):
        return entry.fullmatch(origin) is not None
    entry = entry.strip()
    if "://*." in entry:
        scheme, _, rest = entry.partition("://*.")
        try:
            base = urlsplit(f"{scheme.lower()}://{rest}")
            base_host = (base.hostname or "").lower()
            target = urlsplit(origin)
            host = target.hostname or ""
        except ValueError:
            return False
        base_port = _effective_port(base)
        return (
            bool(base_host)
            and base_port is not None
            and target.scheme == base.scheme
            and _effective_port(target) == base_port
            and host.endswith("." + base_host)
            and len(host) > len(base_host) + 1
        )
    try:
        allowed = origin_of(urlsplit(entry))
    except ValueError:
        return False
    return allowed == origin


def _unsafe_text(target: str) -> bool:
    return (
        len(target) > _MAX_URL
        or "\\" in target
        or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target)
    )


def safe_redirect_url(
    target: str | None,
    *,
    current: str | SplitResult | None,
    allowed_origins: Sequence[AllowedOrigin] = (),
) -> str | None:
    """The absolute URL to redirect to, or ``None`` when ``target`` breaks the rules.

    ``current`` is the request's public URL (it gives the current origin and resolves paths).
    ``None`` means the request's own origin is unknown or not trusted (its ``Host`` is not
    allowed): then only absolute URLs on an ``allowed_origins`` entry pass.
    """
    if not isinstance(target, str) or not target or _unsafe_text(target):
        return None
    current_origin: str | None = None
    if current is not None:
        try:
            base = current if isinstance(current, SplitResult) else urlsplit(current)
        except ValueError:
            return None
        current_origin = origin_of(base)
        if current_origin is None:
            return None
    if target.startswith("/"):
        if current_origin is None:
            return None
        if target.startswith("//"):
            return None
        try:
            path = urlsplit(target)
        except ValueError:
            return None
        if path.scheme or path.netloc:
            return None
        return current_origin + target
    if not target.lower().startswith(("http://", "https://")):
        return None  # javascript:, data:, http:evil.com, path-relative URLs, ...
    try:
        split = urlsplit(target)
    except ValueError:
        return None
    origin = origin_of(split)
    if origin is None:
        return None
    if origin == current_origin or any(_entry_matches(e, origin) for e in allowed_origins):
        return target
    return None


def is_allowed_redirect(
    target: str | None,
    *,
    current: str | SplitResult | None,
    allowed_origins: Sequence[AllowedOrigin] = (),
) -> bool:
    return safe_redirect_url(target, current=current, allowed_origins=allowed_origins) is not None


def with_query(url: str, params: Sequence[tuple[str, str]], *, replace: Sequence[str] = ()) -> str:
    """``url`` with ``params`` appended to its query (names in ``replace`` are set, not added)."""
    split = urlsplit(url)
    drop = set(replace)
    kept = [
        pair
        for pair in split.query.split("&")
        if pair and unquote(pair.split("=", 1)[0]) not in drop
    ]
    extra = urlencode(list(params), quote_via=quote)
    query = "&".join([*kept, extra]) if extra else "&".join(kept)
    return SplitResult(split.scheme, split.netloc, split.path, query, split.fragment).geturl()


_COMPONENT_OPTIONS = (
    ("sign_in_url", "signInUrl"),
    ("sign_up_url", "signUpUrl"),
    ("sign_in_fallback_redirect_url", "signInFallbackRedirectUrl"),
    ("sign_up_fallback_redirect_url", "signUpFallbackRedirectUrl"),
    ("sign_in_force_redirect_url", "signInForceRedirectUrl"),
    ("sign_up_force_redirect_url", "signUpForceRedirectUrl"),
)


def component_redirect_options(options: ClerkOptions) -> dict[str, str]:
    """The redirect options ClerkJS takes (``Clerk.load(...)`` and the sign-in / sign-up
    components), under Clerk's names, for the settings that are set::

        {"signInUrl": "/sign-in", "signUpUrl": "/sign-up",
         "signInFallbackRedirectUrl": "/dashboard", ...}

    Template helpers pass this dict to ClerkJS as JSON (never string-built JavaScript). The
    values were checked when the options were built (a path or an http(s) URL)."""
    return {
        clerk_name: value
        for name, clerk_name in _COMPONENT_OPTIONS
        if (value := getattr(options, name)) is not None
    }
