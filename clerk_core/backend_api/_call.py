"""One Backend API request, described without doing it, and the readers of its answer (sans-I/O)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote

from ..resources import ClerkObject

__all__ = [
    "Call",
    "ClerkList",
    "FileField",
    "ParamValue",
    "body",
    "many",
    "one",
    "path_segment",
    "raw",
    "to_query",
]

T = TypeVar("T")
ObjT = TypeVar("ObjT", bound=ClerkObject)

FileField = tuple[str, bytes, str]
"""A file of a multipart request: ``(file name, content, content type)``."""

ParamValue = str | int | bool | Sequence[str] | None
"""A query parameter's value: a sequence repeats the key (``?user_id=a&user_id=b``); ``None`` is left out."""


class ClerkList(Generic[ObjT]):
    """A page of results: iterate it, ``len()`` it; ``total_count`` when the API gives one."""

    def __init__(self, items: list[ObjT], total_count: int | None) -> None:
        self.data = items
        self.total_count = total_count

    def __iter__(self) -> Iterator[ObjT]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> ObjT:
        return self.data[index]

    def __repr__(self) -> str:
        return f"ClerkList({len(self.data)} items, total_count={self.total_count})"


@dataclasses.dataclass(frozen=True)
class Call(Generic[T]):
    """One Backend API request, described without doing it.

    ``path`` is a template: each ``{name}`` in it is replaced by ``ids[name]``, which must be a single
    path segment (see :func:`path_segment`) and is percent-encoded. Ids are never written into
    ``path`` directly: this is the one place a path is built, so no endpoint can forget the check.
    The finished path is checked once more (no empty, ``.`` or ``..`` segment, no ``?``, ``#``,
    ``\\`` or control character), so a path that would reach another endpoint is never sent.

    ``idempotent`` says whether the request may be repeated after a failure that may have reached
    the server (a 5xx answer, a timeout); by default it follows the method (``GET``, ``HEAD``,
    ``PUT`` and ``DELETE``).

    ``body`` is sent as JSON (an object, or an array for Clerk's bulk endpoints), unless ``files``
    is given: the request is then ``multipart/form-data``, with each file a part and each ``body``
    entry a text field (a logo upload). A file is its name, its bytes and its content type; the
    bytes are held, so a retried request sends them again.
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Sequence[tuple[str, str]] = ()
    body: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = dataclasses.field(
        default=None, repr=False
    )
    """Left out of the ``repr``: it carries the secrets some calls send (the API key, M2M or
    OAuth token being verified, a password)."""
    ids: Mapping[str, str] = dataclasses.field(default_factory=dict, repr=False)
    retryable: bool | None = None
    bearer: str | None = dataclasses.field(default=None, repr=False, compare=False)
    """Replaces the client's secret key in ``Authorization`` (a machine secret key, ``ak_...``)."""
    files: Mapping[str, FileField] | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.files is not None and not isinstance(self.body, (Mapping, type(None))):
            raise ValueError("a multipart request's fields must be a mapping")
        path = self.path
        if self.ids:
            path = path.format_map({name: path_segment(name, v) for name, v in self.ids.items()})
            object.__setattr__(self, "path", path)
        _check_path(path)

    @property
    def idempotent(self) -> bool:
        if self.retryable is not None:
            return self.retryable
        return self.method in ("GET", "HEAD", "DELETE", "PUT")


_UNSAFE_IN_SEGMENT = re.compile(r"[/\\?#\x00-\x1f\x7f-\x9f]")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=:@-]+")


def path_segment(name: str, value: Any) -> str:
    """``value`` percent-encoded as one path segment; ``ValueError`` naming ``name`` when it is not
    one: empty, ``.``, ``..``, or holding ``/``, ``\\``, ``?``, ``#`` or a control character (an HTTP
    client would resolve the dot segments and reach another endpoint, e.g. ``users.get("..")``)."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string (a Clerk id), not {type(value).__name__}.")
    if value in ("", ".", "..") or _UNSAFE_IN_SEGMENT.search(value):
        raise ValueError(
            f"{name} is not a valid Clerk id: it must be one path segment, not empty, '.' or '..',"
            " without '/', '\\', '?', '#' or control characters."
        )
    return quote(value, safe="")


def _check_path(path: str) -> None:
    segments = path.split("/")
    if segments[0] != "" or len(segments) < 2:
        raise ValueError(f"a Backend API path must start with '/': {path!r}")
    for segment in segments[1:]:
        decoded = unquote(segment)
        if (
            not _PATH_SEGMENT.fullmatch(segment)
            or segment in (".", "..")
            or decoded in (".", "..")
            # What path_segment refuses in an id, percent-encoded (a path given to request()):
            # a server that decodes before routing would see another path (`..%2F..%2Fjwks`).
            or _UNSAFE_IN_SEGMENT.search(decoded)
        ):
            raise ValueError(f"a Backend API path has an unsafe segment: {path!r}")


def to_query(**values: ParamValue) -> list[tuple[str, str]]:
    """snake_case query parameters; sequences repeat the key; ``None`` and empty sequences are
    dropped; booleans are ``true`` / ``false``."""
    out: list[tuple[str, str]] = []
    for key, value in values.items():
        if value is None:
            continue
        items = [value] if isinstance(value, (str, int)) else value
        for item in items:
            out.append((key, "true" if item is True else "false" if item is False else str(item)))
    return out


def body(**values: Any) -> dict[str, Any]:
    """A JSON body without the fields left at ``None``."""
    return {k: v for k, v in values.items() if v is not None}


def one(kind: type[ObjT]) -> Callable[[Any], ObjT]:
    """Read one object (a non-object answer reads as an empty one)."""
    return lambda data: kind(data if isinstance(data, Mapping) else {})


def many(kind: type[ObjT]) -> Callable[[Any], ClerkList[ObjT]]:
    """Read a page: a bare list, or ``{"data": [...], "total_count": n}``."""

    def parse(data: Any) -> ClerkList[ObjT]:
        if isinstance(data, list):
            return ClerkList([kind(item) for item in data if isinstance(item, Mapping)], None)
        if isinstance(data, Mapping):
            items = data.get("data")
            total = data.get("total_count")
            return ClerkList(
                [kind(i) for i in items if isinstance(i, Mapping)]
                if isinstance(items, list)
                else [],
                total if isinstance(total, int) else None,
            )
        return ClerkList([], None)

    return parse


def raw(data: Any) -> dict[str, Any]:
    """The answer as a plain dictionary."""
    return dict(data) if isinstance(data, Mapping) else {}
