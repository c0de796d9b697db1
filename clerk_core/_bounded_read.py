"""Reading an HTTP response body with a size cap: one helper for every call this library makes.

The JWKS fetch, the Backend API clients and the engine's own calls (handshake payload, session
refresh, machine-token verification) stream the body and stop as soon as it passes the cap, so a
huge or endless answer is a clear failure, never a ``MemoryError``. The cap applies to the decoded
body (after ``Content-Encoding``), and a declared ``Content-Length`` over the cap fails before any
byte is read.
"""

from __future__ import annotations

import time

import httpx

__all__ = ["BodyTooLarge", "BodyTooSlow", "aread_capped", "read_capped"]


class BodyTooLarge(Exception):
    """The response body is larger than the cap."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the response body exceeds {limit} bytes")
        self.limit = limit


class BodyTooSlow(Exception):
    """The response body did not arrive before the deadline."""


def _declared_too_large(response: httpx.Response, limit: int) -> bool:
    declared = response.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > limit


def read_capped(response: httpx.Response, limit: int, *, deadline: float | None = None) -> bytes:
    """The body of a streamed ``response``, at most ``limit`` bytes.

    Raises :class:`BodyTooLarge` past the cap and :class:`BodyTooSlow` once ``time.monotonic()``
    passes ``deadline`` (when given) between chunks.
    """
    if _declared_too_large(response, limit):
        raise BodyTooLarge(limit)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
        if deadline is not None and time.monotonic() > deadline:
            raise BodyTooSlow
    return bytes(body)


async def aread_capped(response: httpx.Response, limit: int) -> bytes:
    """:func:`read_capped` for an async streamed response (bound its time with ``asyncio`` instead)."""
    if _declared_too_large(response, limit):
        raise BodyTooLarge(limit)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)
