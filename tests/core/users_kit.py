"""A driver running one Backend API operation through the sync or the async client, against the
local instance over its transport or its loopback server (shared by the users tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI
from clerk_core.testing import LocalClerkInstance

FAST = ApiPolicy(deadline=30.0, max_attempts=3)


class Driver:
    """``driver(lambda api: api.users.get("user_1"))``: the same operation through either client
    (an async one's coroutine is run on the driver's loop); ``driver.collect(...)`` drains an
    iterator or an async iterator."""

    def __init__(self, mode: str, instance: LocalClerkInstance, api_url: str | None) -> None:
        self.mode = mode
        self.instance = instance
        self._loop = asyncio.new_event_loop()
        self.slept: list[float] = []
        """The waits the client asked for (a 429's ``Retry-After``), not slept."""
        url = api_url or instance.api_url
        transport = None if api_url else instance.transport()
        if mode == "sync":
            self._http: Any = httpx.Client(transport=transport)
            self.api: Any = BackendAPI(
                instance.secret_key,
                api_url=url,
                http_client=self._http,
                policy=FAST,
                sleep=self.slept.append,
            )
        else:
            self._http = httpx.AsyncClient(transport=transport)

            async def sleep(seconds: float) -> None:
                self.slept.append(seconds)

            self.api = AsyncBackendAPI(
                instance.secret_key, api_url=url, http_client=self._http, policy=FAST, sleep=sleep
            )

    def __call__(self, operation: Callable[[Any], Any]) -> Any:
        result = operation(self.api)
        if self.mode == "async":
            return self._loop.run_until_complete(result)
        return result

    def collect(self, operation: Callable[[Any], Any]) -> list[Any]:
        items = operation(self.api)
        if self.mode == "sync":
            return list(items)

        async def drain() -> list[Any]:
            return [item async for item in items]

        return self._loop.run_until_complete(drain())

    def close(self) -> None:
        if self.mode == "sync":
            self._http.close()
        else:
            self._loop.run_until_complete(self._http.aclose())
        self._loop.close()


@pytest.fixture
def instance() -> LocalClerkInstance:
    return LocalClerkInstance()


@pytest.fixture(
    params=[
        ("sync", "transport"),
        ("async", "transport"),
        ("sync", "loopback"),
        ("async", "loopback"),
    ],
    ids=lambda p: "-".join(p),
)
def driver(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Iterator[Driver]:
    mode, wire = request.param
    with ExitStack() as stack:
        url = stack.enter_context(instance.serve()).url if wire == "loopback" else None
        made = Driver(mode, instance, url)
        stack.callback(made.close)
        yield made


@pytest.fixture(params=["sync", "async"])
def fast_driver(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Iterator[Driver]:
    """Sync and async over the in-memory transport only."""
    made = Driver(request.param, instance, None)
    yield made
    made.close()
