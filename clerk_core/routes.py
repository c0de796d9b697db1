"""``create_route_matcher``: Clerk's route patterns (path-to-regexp 6 semantics), compiled once.

A pattern is a string in the path-to-regexp 6 language (``/dashboard(.*)``, ``/orgs/:slug/settings``,
``/api/:path*``), a compiled ``re`` pattern (searched as given), a callable ``(request) -> bool``, or a
list of these. String patterns are case-insensitive, allow one trailing ``/``, ``#`` or ``?``, and are
anchored at both ends.

Only the path is matched. Applied to a request that a framework routed (its native request, or the
:class:`RequestView` an adapter built), a matcher judges the path the framework routes on: the server
decoded it once (``/api%2Fadmin`` is routed, and judged, as ``/api/admin``) and it is never decoded
again. Applied to a string, it follows Clerk's JS SDKs: percent-escapes are decoded once the way
JavaScript's ``decodeURI`` does (so ``%2F``, ``%3F`` and ``%23`` stay encoded and ``%2561`` becomes
``%61``); a malformed escape raises :class:`MalformedURLError` (answer 400). Either way, runs of
``/`` collapse to one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .errors import ClerkConfigurationError, MalformedURLError
from .request import RequestView

__all__ = [
    "RouteMatcher",
    "compile_path",
    "create_route_matcher",
    "match_path",
    "normalize_path",
    "request_path",
    "routed_path",
]

_DELIMITER = "/#?"
_PREFIXES = "./"
_ESCAPE = re.compile(r"([.+*?=^!:${}()\[\]|/\\])")
_SLASHES = re.compile(r"//+")
# decodeURI leaves these characters' escapes alone: they are URI syntax.
_RESERVED = frozenset(";/?:@&=+$,#")
_HEX = frozenset("0123456789abcdefABCDEF")


def _esc(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


# ------------------------------------------------------------------------------ normalisation
def _decode_uri(path: str) -> str:
    """JavaScript's ``decodeURI``; raises ``MalformedURLError`` where it throws ``URIError``."""
    if "%" not in path:
        return path
    out: list[str] = []
    i, n = 0, len(path)
    while i < n:
        ch = path[i]
        if ch != "%":
            j = path.find("%", i)
            if j < 0:
                out.append(path[i:])
                break
            out.append(path[i:j])
            i = j
            continue
        first = _hex_byte(path, i)
        if first < 0x80:
            decoded = chr(first)
            out.append(path[i : i + 3] if decoded in _RESERVED else decoded)
            i += 3
            continue
        if first >> 5 == 0b110:
            length = 2
        elif first >> 4 == 0b1110:
            length = 3
        elif first >> 3 == 0b11110:
            length = 4
        else:
            raise MalformedURLError(f"Malformed encoding in URL path: {path!r}")
        raw = bytearray([first])
        for k in range(1, length):
            byte = _hex_byte(path, i + 3 * k)
            if byte >> 6 != 0b10:
                raise MalformedURLError(f"Malformed encoding in URL path: {path!r}")
            raw.append(byte)
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise MalformedURLError(f"Malformed encoding in URL path: {path!r}") from None
        i += 3 * length
    return "".join(out)


def _hex_byte(path: str, i: int) -> int:
    if i + 2 >= len(path) or path[i] != "%" or path[i + 1] not in _HEX or path[i + 2] not in _HEX:
        raise MalformedURLError(f"Malformed encoding in URL path: {path!r}")
    return int(path[i + 1 : i + 3], 16)


# In a decoded path, "#" and "?" are ordinary characters that a framework's segment (Starlette's
# {slug}, werkzeug's <slug>, Django's <str:slug>: all "[^/]+") takes in, while path-to-regexp's
# segments stop at them; and a newline is one that a pattern's "(.*)" cannot cross. Written as
# escapes, they are matched the way the framework routes them.
_ROUTED_ESCAPES = str.maketrans({"#": "%23", "?": "%3F", "\n": "%0A"})


def normalize_path(path: str, *, decoded: bool = False) -> str:
    """Decode once (unless the framework already did: ``decoded=True``) and collapse ``//``.

    A decoded (routed) path loses one trailing newline: Starlette anchors its routes with ``$``,
    which in Python also matches before a final newline, so ``/admin%0A`` is routed to ``/admin``
    and must be judged as ``/admin``. (Django and werkzeug anchor with ``\\Z`` and answer 404.)
    """
    if decoded:
        if path.endswith("\n"):
            path = path[:-1]
        if "#" in path or "?" in path or "\n" in path:
            path = path.translate(_ROUTED_ESCAPES)
    else:
        path = _decode_uri(path)
    return _SLASHES.sub("/", path) if "//" in path else path


@functools.singledispatch
def routed_path(request: Any) -> str:
    """The path a framework routes ``request`` on, percent-decoded once by the server.

    The framework adapters register their request types here when they are imported
    (``routed_path.register(starlette.requests.HTTPConnection, ...)``, Django's ``HttpRequest``,
    DRF's ``Request``, werkzeug's ``Request``), so a matcher called with a native request judges the
    path its router judges. Register your own framework's request type the same way.
    """
    raise TypeError(
        f"create_route_matcher cannot read a path from {type(request).__name__!r}: pass a path "
        "string, a RequestView, or a request of a framework whose clerk adapter is imported "
        "(clerk_starlette, clerk_django, clerk_flask)"
    )


def request_path(request: Any) -> tuple[str, bool]:
    """The path to match as ``(path, already_decoded)``.

    A string (a path or an absolute URL) or a :class:`RequestView` without a routed path is taken as
    sent and decoded once with ``decodeURI`` rules, exactly as Clerk's JS SDKs read
    ``request.nextUrl.pathname``. A :class:`RequestView` built by an adapter and a framework's own
    request give the path the framework routes on, which is never decoded again (decoding twice
    would let ``%252F`` pass as ``/``).
    """
    if isinstance(request, str):
        if request.startswith(("http://", "https://")):
            return RequestView("GET", request, {}).split_url.path or "/", False
        return request.split("?", 1)[0].split("#", 1)[0], False
    if isinstance(request, RequestView):
        if request.path is not None:
            return request.path, True
        return request.split_url.path or "/", False
    return routed_path(request), True


# ------------------------------------------------------------------------------ path-to-regexp 6
class _Token:
    __slots__ = ("index", "kind", "value")

    def __init__(self, kind: str, index: int, value: str) -> None:
        self.kind = kind
        self.index = index
        self.value = value


class _Key:
    __slots__ = ("modifier", "name", "pattern", "prefix", "suffix")

    def __init__(
        self, name: str | int, prefix: str, suffix: str, pattern: str, modifier: str
    ) -> None:
        self.name = name
        self.prefix = prefix
        self.suffix = suffix
        self.pattern = pattern
        self.modifier = modifier


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "*+?":
            tokens.append(_Token("MODIFIER", i, ch))
            i += 1
        elif ch == "\\":
            tokens.append(_Token("ESCAPED_CHAR", i, text[i + 1] if i + 1 < n else ""))
            i += 2
        elif ch == "{":
            tokens.append(_Token("OPEN", i, ch))
            i += 1
        elif ch == "}":
            tokens.append(_Token("CLOSE", i, ch))
            i += 1
        elif ch == ":":
            j = i + 1
            while j < n and (text[j].isascii() and (text[j].isalnum() or text[j] == "_")):
                j += 1
            if j == i + 1:
                raise ValueError(f"Missing parameter name at {i}")
            tokens.append(_Token("NAME", i, text[i + 1 : j]))
            i = j
        elif ch == "(":
            depth, j, pattern = 1, i + 1, ""
            if j < n and text[j] == "?":
                raise ValueError(f'Pattern cannot start with "?" at {j}')
            while j < n:
                if text[j] == "\\":
                    pattern += text[j : j + 2]
                    j += 2
                    continue
                if text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        j += 1
                        break
                elif text[j] == "(":
                    depth += 1
                    if j + 1 >= n or text[j + 1] != "?":
                        raise ValueError(f"Capturing groups are not allowed at {j}")
                pattern += text[j]
                j += 1
            if depth:
                raise ValueError(f"Unbalanced pattern at {i}")
            if not pattern:
                raise ValueError(f"Missing pattern at {i}")
            tokens.append(_Token("PATTERN", i, pattern))
            i = j
        else:
            tokens.append(_Token("CHAR", i, ch))
            i += 1
    tokens.append(_Token("END", i, ""))
    return tokens


def _parse(text: str) -> list[str | _Key]:
    tokens = _lex(text)
    result: list[str | _Key] = []
    key = 0
    pos = 0
    path = ""

    def take(kind: str) -> str | None:
        nonlocal pos
        if pos < len(tokens) and tokens[pos].kind == kind:
            pos += 1
            return tokens[pos - 1].value
        return None

    def need(kind: str) -> str:
        value = take(kind)
        if value is not None:
            return value
        token = tokens[pos]
        raise ValueError(f"Unexpected {token.kind} at {token.index}, expected {kind}")

    def text_run() -> str:
        out = ""
        while True:
            value = take("CHAR")
            if value is None:
                value = take("ESCAPED_CHAR")
            if value is None:
                return out
            out += value

    def safe_pattern(prefix: str) -> str:
        prev = result[-1] if result else None
        before = prefix or (prev if isinstance(prev, str) else "")
        if prev is not None and not before:
            name = prev.name if isinstance(prev, _Key) else prev
            raise ValueError(f'Must have text between two parameters, missing text after "{name}"')
        if not before or any(d in before for d in _DELIMITER):
            return f"[^{_esc(_DELIMITER)}]+?"
        return f"(?:(?!{_esc(before)})[^{_esc(_DELIMITER)}])+?"

    while pos < len(tokens):
        char = take("CHAR")
        name = take("NAME")
        pattern = take("PATTERN")
        if name or pattern:
            prefix = char or ""
            if prefix not in _PREFIXES:
                path += prefix
                prefix = ""
            if path:
                result.append(path)
                path = ""
            key_name: str | int
            if name:
                key_name = name
            else:
                key_name, key = key, key + 1
            param_pattern = pattern or safe_pattern(prefix)
            result.append(_Key(key_name, prefix, "", param_pattern, take("MODIFIER") or ""))
            continue
        value = char if char is not None else take("ESCAPED_CHAR")
        if value:
            path += value
            continue
        if path:
            result.append(path)
            path = ""
        if take("OPEN") is not None:
            prefix = text_run()
            group_name = take("NAME") or ""
            group_pattern = take("PATTERN") or ""
            suffix = text_run()
            need("CLOSE")
            if group_name:
                group_key: str | int = group_name
            elif group_pattern:
                group_key, key = key, key + 1
            else:
                group_key = ""
            resolved = safe_pattern(prefix) if group_name and not group_pattern else group_pattern
            result.append(_Key(group_key, prefix, suffix, resolved, take("MODIFIER") or ""))
            continue
        need("END")
    return result


def _to_regex(parts: list[str | _Key]) -> tuple[str, list[_Key]]:
    keys: list[_Key] = []
    route = "^"
    for part in parts:
        if isinstance(part, str):
            route += _esc(part)
            continue
        prefix, suffix = _esc(part.prefix), _esc(part.suffix)
        if part.pattern:
            keys.append(part)
            if prefix or suffix:
                if part.modifier in ("+", "*"):
                    optional = "?" if part.modifier == "*" else ""
                    route += (
                        f"(?:{prefix}((?:{part.pattern})(?:{suffix}{prefix}"
                        f"(?:{part.pattern}))*){suffix}){optional}"
                    )
                else:
                    route += f"(?:{prefix}({part.pattern}){suffix}){part.modifier}"
            else:
                if part.modifier in ("+", "*"):
                    raise ValueError(f'Can not repeat "{part.name}" without a prefix and suffix')
                route += f"({part.pattern}){part.modifier}"
        else:
            route += f"(?:{prefix}{suffix}){part.modifier}"
    route += f"[{_esc(_DELIMITER)}]?\\Z"
    return route, keys


def compile_path(pattern: str) -> tuple[re.Pattern[str], list[_Key]]:
    """Compile a path-to-regexp 6 pattern (case-insensitive, non-strict, anchored)."""
    try:
        source, keys = _to_regex(_parse(pattern))
        return re.compile(source, re.IGNORECASE), keys
    except (ValueError, re.error) as exc:
        raise ClerkConfigurationError(
            f"Invalid route pattern {pattern!r}: {exc}. Patterns use the path-to-regexp 6 syntax, "
            "e.g. '/dashboard(.*)', '/orgs/:slug/settings', '/api/:path*'."
        ) from None


def match_path(pattern: tuple[re.Pattern[str], list[_Key]], path: str) -> dict[str, Any] | None:
    """Match a normalised path; returns the parameters (repeated ones as lists) or ``None``."""
    regex, keys = pattern
    found = regex.match(path)
    if found is None:
        return None
    params: dict[str, Any] = {}
    for index, key in enumerate(keys, start=1):
        value = found.group(index)
        if value is None:
            continue
        if key.modifier in ("*", "+"):
            params[str(key.name)] = value.split(key.prefix + key.suffix)
        else:
            params[str(key.name)] = value
    return params


# ------------------------------------------------------------------------------ matchers
RoutePattern = str | re.Pattern[str] | Callable[[Any], bool]
RoutePatterns = RoutePattern | Sequence[RoutePattern] | None


class RouteMatcher:
    """A compiled set of route patterns; call it with a path or a request."""

    __slots__ = ("_callables", "_combined", "_patterns", "_regexes")

    def __init__(self, patterns: RoutePatterns) -> None:
        items: Iterable[Any]
        if patterns is None or isinstance(patterns, (str, re.Pattern)) or callable(patterns):
            items = [patterns]
        else:
            items = list(patterns)
        strings: list[str] = []
        self._regexes: list[re.Pattern[str]] = []
        self._callables: list[Callable[[Any], bool]] = []
        for item in items:
            if not item:
                continue  # Clerk drops falsy entries
            if isinstance(item, str):
                compile_path(item)  # validates, with a clear message
                strings.append(item)
            elif isinstance(item, re.Pattern):
                self._regexes.append(item)
            elif callable(item):
                self._callables.append(item)
            else:
                raise ClerkConfigurationError(
                    f"Route patterns are strings, compiled re patterns or callables, not {item!r}."
                )
        self._patterns = tuple(strings)
        combined = "|".join(f"(?:{compile_path(p)[0].pattern})" for p in strings)
        self._combined = re.compile(combined, re.IGNORECASE) if strings else None

    def __repr__(self) -> str:
        return f"RouteMatcher({list(self._patterns)!r})"

    def __call__(self, request: Any) -> bool:
        if self._combined is not None or self._regexes:
            raw, decoded = request_path(request)
            path = normalize_path(raw, decoded=decoded)
            if self._combined is not None and self._combined.match(path):
                return True
            if any(regex.search(path) for regex in self._regexes):
                return True
        return any(bool(fn(request)) for fn in self._callables)


def create_route_matcher(patterns: RoutePatterns) -> RouteMatcher:
    """Clerk's ``createRouteMatcher``: ``matcher(path_or_request) -> bool``.

    Patterns compile here, once; a malformed pattern raises :class:`ClerkConfigurationError`. An
    empty pattern list never matches.
    """
    return RouteMatcher(patterns)
