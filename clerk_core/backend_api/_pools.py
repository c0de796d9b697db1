"""The HTTP clients behind :class:`BackendAPI` and :class:`AsyncBackendAPI`, and their sleeps.

Each pair (``Pool`` / ``AsyncPool``, ``Sleep`` / ``AsyncSleep``, ``SLEEP`` / ``ASYNC_SLEEP``) is named
so that the sync client can be generated from the async one by dropping the ``Async`` prefix (see
``_gen.py``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable

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
    and closed by :meth:`aclose` or when its loop ends (a client passed in is the caller's to close).

    An async client's connections belong to the loop they were opened on, so a client is never
    shared between loops: a server runs one loop and so uses one client. A loop that ends
    (``asyncio.run``, and so ``async_to_sync``, makes one per call) closes its client on the way
    out: each client is tied to a small async generator registered with its loop, and the loop's
    ``shutdown_asyncgens`` (which ``asyncio.run`` calls) closes the client inside that loop.
    """

    def __init__(self, given: httpx.AsyncClient | None) -> None:
        self._given = given
        self._owned: dict[asyncio.AbstractEventLoop, _Owned] = {}
        self._lock = threading.Lock()

    def get(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        loop = asyncio.get_running_loop()
        with self._lock:
            for ended in [other for other in self._owned if other.is_closed()]:
                del self._owned[ended]  # closed with its loop (or dropped, if never shut down)
            entry = self._owned.get(loop)
            if entry is not None and not entry[0].is_closed:
                return entry[0]
            client = httpx.AsyncClient(follow_redirects=False)
            closer = _closed_with_the_loop(client)
            # Run the closer to its `yield` on this loop: from then on the loop's shutdown closes it.
            started = asyncio.ensure_future(closer.__anext__())
            self._owned[loop] = (client, closer, started)
        return client

    async def aclose(self) -> None:
        """Close the client this pool made for the running loop. A client made for another loop
        is closed when that loop ends."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._owned.pop(loop, None)
        if entry is not None:
            client, closer, _ = entry
            await closer.aclose()
            await client.aclose()


_Owned = tuple[httpx.AsyncClient, AsyncGenerator[None, None], "asyncio.Future[None]"]


async def _closed_with_the_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await client.aclose()
