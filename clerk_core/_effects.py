"""The engine's I/O, kept apart from its decisions (sans-I/O effects and their two runners).

Every step of the request flow is a generator: when it needs a signing key it yields
:class:`NeedKey`, when it needs the Backend API it yields :class:`ApiCall`, and it receives the key
or an :class:`ApiResult` (``status``, ``data``) back. :func:`drive_sync` and :func:`drive_async`
run such a generator to its end, answering each effect with a *perform* function, so the sync and
async paths share every decision and sync code never starts an event loop.
:class:`Performer` is the engine's perform pair: the key source for keys, an ``httpx`` client for
API calls. See docs/architecture.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any, TypeVar

import httpx

from . import __about__
from ._bounded_read import BodyTooLarge, aread_capped, read_capped
from .errors import TokenVerificationError
from .keys import CLERK_API_VERSION_HEADER, KeySource
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

logger = logging.getLogger("clerk_core")

T = TypeVar("T")


class NeedKey:
    """The signing key for ``kid``; answered with an ``RSAPublicKey`` (or a thrown
    :class:`~clerk_core.errors.TokenVerificationError`)."""

    __slots__ = ("kid",)

    def __init__(self, kid: str | None) -> None:
        self.kid = kid


class ApiCall:
    """A Backend API call with ``bearer`` as its secret key; answered with an :class:`ApiResult`."""

    __slots__ = ("bearer", "body", "method", "url")

    def __init__(self, method: str, url: str, body: Mapping[str, Any] | None, bearer: str) -> None:
        self.method = method
        self.url = url
        self.body = body
        self.bearer = bearer


class ApiResult:
    """A Backend API answer: ``status`` is ``None`` for a call that failed (network, size cap)."""

    __slots__ = ("data", "status")

    def __init__(self, status: int | None, data: Any) -> None:
        self.status = status
        self.data = data


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
    """Answers effects with real I/O: keys from the key source, API calls over ``httpx``.

    The sync client is created on first use when none was passed in (and then closed by
    :meth:`close`); an async call without a client passed in uses a client of its own."""

    __slots__ = ("async_http_client", "http_client", "keys", "options", "owns_http_client")

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
        self.owns_http_client = False

    def sync_client(self) -> httpx.Client:
        client = self.http_client
        if client is None:
            client = self.http_client = httpx.Client(follow_redirects=False)
            self.owns_http_client = True
        return client

    def close(self) -> None:
        if self.owns_http_client and self.http_client is not None:
            self.http_client.close()

    def perform_sync(self, effect: Effect) -> Any:
        if isinstance(effect, NeedKey):
            return self.keys.get_key(effect.kid)
        client = self.sync_client()
        try:
            with client.stream(
                effect.method,
                effect.url,
                json=dict(effect.body) if effect.body is not None else None,
                headers=self._api_headers(effect.bearer),
                timeout=self.options.jwks_fetch_timeout,
            ) as response:
                body = read_capped(response, self.options.api_max_body_bytes)
        except BodyTooLarge:
            return self._too_large()
        except httpx.HTTPError:
            return ApiResult(None, None)
        return ApiResult(response.status_code, _json_or_none(body))

    async def perform_async(self, effect: Effect) -> Any:
        if isinstance(effect, NeedKey):
            return await self.keys.get_key_async(effect.kid)
        client = self.async_http_client
        owned = client is None
        if client is None:
            client = httpx.AsyncClient(follow_redirects=False)
        try:
            async with client.stream(
                effect.method,
                effect.url,
                json=dict(effect.body) if effect.body is not None else None,
                headers=self._api_headers(effect.bearer),
                timeout=self.options.jwks_fetch_timeout,
            ) as response:
                body = await aread_capped(response, self.options.api_max_body_bytes)
        except BodyTooLarge:
            return self._too_large()
        except httpx.HTTPError:
            return ApiResult(None, None)
        finally:
            if owned:
                await client.aclose()
        return ApiResult(response.status_code, _json_or_none(body))

    def _too_large(self) -> ApiResult:
        # A failed call (status None): the flows report it as they report an unreachable API.
        logger.warning(
            "Clerk: a Backend API response exceeded api_max_body_bytes (%d bytes); "
            "treated as a failed call.",
            self.options.api_max_body_bytes,
        )
        return ApiResult(None, None)

    @staticmethod
    def _api_headers(bearer: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {bearer}",
            "Clerk-API-Version": CLERK_API_VERSION_HEADER,
            "User-Agent": f"clerk-integrations/{__about__.__version__}",
        }


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
