"""The engine's I/O, kept apart from its decisions (sans-I/O effects and their two runners).

Every step of the request flow is a generator: when it needs a signing key it yields
:class:`NeedKey`, when it needs the Backend API it yields :class:`ApiCall`, and it receives the key
or an :class:`ApiResult` (``status``, ``data``) back. :func:`drive_sync` and :func:`drive_async`
run such a generator to its end, answering each effect with a *perform* function, so the sync and
async paths share every decision and sync code never starts an event loop.
:class:`Performer` is the engine's perform pair: the key source for keys, the Backend API client
for API calls. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any, TypeVar

import httpx

from .backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI, RawResult
from .errors import TokenVerificationError
from .keys import KeySource
from .options import ClerkOptions
from .state import RequestState

__all__ = [
    "ApiCall",
    "ApiResult",
    "Effect",
    "Flow",
    "NeedKey",
    "Performer",
    "Step",
    "drive_async",
    "drive_sync",
]

T = TypeVar("T")


class NeedKey:
    """The signing key for ``kid``; answered with an ``RSAPublicKey`` (or a thrown
    :class:`~clerk_core.errors.TokenVerificationError`)."""

    __slots__ = ("kid",)

    def __init__(self, kid: str | None) -> None:
        self.kid = kid


class ApiCall:
    """A Backend API call, answered with an :class:`ApiResult`.

    ``path`` is below the versioned base (``"/api_keys/verify"``); ``bearer`` replaces the secret
    key (the machine secret key for M2M verification); ``retry`` allows one more attempt after a
    network error (``None``: only idempotent methods retry)."""

    __slots__ = ("bearer", "json", "method", "params", "path", "retry")

    def __init__(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        bearer: str | None = None,
        retry: bool | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.json = json
        self.params = params
        self.bearer = bearer
        self.retry = retry


ApiResult = RawResult
"""A Backend API answer: ``status`` is ``None`` for a call that failed (network, timeout, size
cap, open circuit), with ``failure`` saying which."""


Effect = NeedKey | ApiCall
Step = Generator[Effect, Any, T]
"""A step of the flow that may need I/O and returns a ``T``."""
Flow = Generator[Effect, Any, RequestState]
"""A step that ends in a request state."""


def drive_sync(gen: Generator[Effect, Any, T], perform: Callable[[Effect], Any]) -> T:
    """Run ``gen`` to its end, answering each effect with ``perform`` (sync)."""
    try:
        effect = next(gen)
        while True:
            try:
                value = perform(effect)
            except TokenVerificationError as exc:
                effect = gen.throw(exc)
            else:
                effect = gen.send(value)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def drive_async(
    gen: Generator[Effect, Any, T], perform: Callable[[Effect], Awaitable[Any]]
) -> T:
    """Run ``gen`` to its end, answering each effect with ``perform`` (async)."""
    try:
        effect = next(gen)
        while True:
            try:
                value = await perform(effect)
            except TokenVerificationError as exc:
                effect = gen.throw(exc)
            else:
                effect = gen.send(value)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


class Performer:
    """Answers effects with real I/O: keys from the key source, API calls through the Backend API
    client (:meth:`~clerk_core.backend_api.BackendAPI.send_raw`), so the engine's calls share the
    pooled connections, headers, timeouts, deadline, body cap and circuit of every other call.

    The clients are made on first use: with the ``httpx`` clients passed to the engine, or pooled
    ones of their own (closed by :meth:`close` / :meth:`aclose`)."""

    __slots__ = ("_aapi", "_api", "async_http_client", "http_client", "keys", "options")

    def __init__(
        self,
        options: ClerkOptions,
        keys: KeySource,
        http_client: httpx.Client | None,
        async_http_client: httpx.AsyncClient | None,
    ) -> None:
        self.options = options
        self.keys = keys
        self.http_client = http_client
        self.async_http_client = async_http_client
        self._api: BackendAPI | None = None
        self._aapi: AsyncBackendAPI | None = None

    def _settings(self) -> dict[str, Any]:
        opts = self.options
        return {
            "api_url": opts.api_url,
            "api_version": opts.api_version,
            "policy": ApiPolicy(max_body_bytes=opts.api_max_body_bytes),
        }

    def api(self) -> BackendAPI:
        """The sync client (an M2M-only set-up, with no secret key, signs with the machine key:
        its one call, M2M verification, names that key anyway)."""
        if self._api is None:
            opts = self.options
            self._api = BackendAPI(
                opts.secret_key or opts.machine_secret_key,
                http_client=self.http_client,
                **self._settings(),
            )
        return self._api

    def aapi(self) -> AsyncBackendAPI:
        """The async client; see :meth:`api`."""
        if self._aapi is None:
            opts = self.options
            self._aapi = AsyncBackendAPI(
                opts.secret_key or opts.machine_secret_key,
                http_client=self.async_http_client,
                **self._settings(),
            )
        return self._aapi

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    async def aclose(self) -> None:
        if self._aapi is not None:
            await self._aapi.aclose()

    def perform_sync(self, effect: Effect) -> Any:
        if isinstance(effect, NeedKey):
            return self.keys.get_key(effect.kid)
        return self.api().send_raw(
            effect.method,
            effect.path,
            json=effect.json,
            params=effect.params,
            bearer=effect.bearer,
            retry=effect.retry,
        )

    async def perform_async(self, effect: Effect) -> Any:
        if isinstance(effect, NeedKey):
            return await self.keys.get_key_async(effect.kid)
        return await self.aapi().send_raw(
            effect.method,
            effect.path,
            json=effect.json,
            params=effect.params,
            bearer=effect.bearer,
            retry=effect.retry,
        )
