"""The HTTP clients behind :class:`BackendAPI` and :class:`AsyncBackendAPI`, and their sleeps.

Each pair (``Pool`` / ``AsyncPool``, ``Sleep`` / ``AsyncSleep``, ``SLEEP`` / ``ASYNC_SLEEP``) is named
so that the sync client can be generated from the async one by dropping the ``Async`` prefix (see
``_gen.py``).
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Awaitable, Callable

import httpx

__all__ = ["ASYNC_SLEEP", "SLEEP", "AsyncPool", "AsyncSleep", "Pool", "Sleep"]

Sleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]
SLEEP: Sleep = time.sleep
ASYNC_SLEEP: AsyncSleep = asyncio.sleep


class Pool:
    """The client passed in, or one pooled ``httpx.Client`` made on first use and closed by
    :meth:`close` (a client passed in is the caller's to close)."""

    def __init__(self, given: httpx.Client | None) -> None:
        self._given = given
        self._owned: httpx.Client | None = None
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        if self._given is not None:
            return self._given
        with self._lock:
            if self._owned is None:
                self._owned = httpx.Client(follow_redirects=False)
            return self._owned

    def close(self) -> None:
        with self._lock:
            owned, self._owned = self._owned, None
        if owned is not None:
            owned.close()


class AsyncPool:
    """The client passed in, or one pooled ``httpx.AsyncClient`` per event loop, made on first use
    and closed by :meth:`aclose` (a client passed in is the caller's to close).

    An async client's connections belong to the loop they were opened on, so a client is never
    shared between loops: a server runs one loop and so uses one client; a loop that ends (one
    ``asyncio.run`` per call, as ``async_to_sync`` may do) drops its client with it.
    """

    def __init__(self, given: httpx.AsyncClient | None) -> None:
        self._given = given
        self._owned: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._owned.get(loop)
            if client is None or client.is_closed:
                client = self._owned[loop] = httpx.AsyncClient(follow_redirects=False)
            return client

    async def aclose(self) -> None:
        """Close the client this pool made for the running loop. A client made for another loop
        cannot be awaited here; it is dropped with its loop."""
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._owned.pop(loop, None)
        if client is not None:
            await client.aclose()
