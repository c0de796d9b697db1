"""Run one Backend API operation on each kind of client and wire (sync or async, the local
instance's transport or its loopback server), for the organization and instance test files."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from clerk_core import ClerkAPIError
from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI
from clerk_core.testing import LocalClerkInstance

Operation = Callable[[Any], Any]

_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
"""These clients speak plain HTTP to 127.0.0.1 or an in-memory transport: a context without
CA certificates (any TLS connection would fail) spares loading the CA bundle, ~0.1 s a client."""


class Runner:
    """``api(lambda c: c.organizations.get("org_1"))``: the result on this runner's client;
    ``api.error(...)``: the ``ClerkAPIError`` it raises; ``collect(iterator)`` for iterators."""

    def __init__(self, instance: LocalClerkInstance, mode: str, api_url: str, loopback: bool):
        self.instance = instance
        self.mode = mode
        self.api_url = api_url
        self.loopback = loopback
        self.policy: ApiPolicy | None = None

    def __call__(self, operation: Operation) -> Any:
        if self.mode == "sync":
            transport = None if self.loopback else self.instance.transport()
            with httpx.Client(transport=transport, verify=_NO_TLS) as http:
                client = BackendAPI(
                    self.instance.secret_key,
                    api_url=self.api_url,
                    http_client=http,
                    policy=self.policy,
                )
                return operation(client)

        async def go() -> Any:
            transport = None if self.loopback else self.instance.transport()
            async with httpx.AsyncClient(transport=transport, verify=_NO_TLS) as http:
                client = AsyncBackendAPI(
                    self.instance.secret_key,
                    api_url=self.api_url,
                    http_client=http,
                    policy=self.policy,
                )
                return await operation(client)

        return asyncio.run(go())

    def error(self, operation: Operation) -> ClerkAPIError:
        with pytest.raises(ClerkAPIError) as info:
            self(operation)
        return info.value


def collect(iterator: Any) -> Any:
    """A list of the items of a sync iterator, or a coroutine making one of an async iterator."""
    if hasattr(iterator, "__aiter__"):

        async def gather() -> list[Any]:
            return [item async for item in iterator]

        return gather()
    return list(iterator)


def runner(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Iterator[Runner]:
    """The fixture body: ``request.param`` is ``"<sync|async>-<transport|loopback>"``."""
    mode, wire = str(request.param).split("-")
    if wire == "loopback":
        with instance.serve() as server:
            yield Runner(instance, mode, server.url, True)
    else:
        yield Runner(instance, mode, instance.api_url, False)


def requests_to(instance: LocalClerkInstance, method: str, path: str) -> int:
    return sum(1 for r in instance.requests if r.method == method and r.url.path == path)
