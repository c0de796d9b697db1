"""The sync client, ``BackendAPI``: its requests, raw requests and lifetime.

Generated from ``_client_async.py`` by ``python clerk_core/backend_api/_gen.py``: do not edit
this file; edit the source and run the script.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._bounded_read import BodyTooLarge, read_capped
from ..resources import ClerkObject
from . import _pools
from ._call import Call, ClerkList, ParamValue, raw, to_query
from ._instance_sync import (
    _AllowlistIdentifiers,
    _BlocklistIdentifiers,
    _Invitations,
    _JwtTemplates,
    _Sessions,
)
from ._machine_sync import _APIKeys, _M2MTokens, _OAuthTokens, _TestingTokens
from ._organizations_sync import (
    _OrganizationInvitations,
    _OrganizationMemberships,
    _Organizations,
)
from ._policy import NETWORK_ERRORS, RETRYABLE_ERRORS, ApiPolicy, Core, RawResult, Retry
from ._sign_in_tokens_sync import _SignInTokens
from ._users_sync import _EmailAddresses, _PhoneNumbers, _Users
from .endpoints import jwks

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["BackendAPI"]

T = TypeVar("T")
ObjT = TypeVar("ObjT", bound=ClerkObject)


class BackendAPI(Core):
    """The sync client. Resources: ``users``, ``email_addresses``, ``phone_numbers``,
    ``organizations``, ``organization_memberships``, ``organization_invitations``, ``sessions``,
    ``invitations``, ``allowlist_identifiers`` (``allowlist``), ``blocklist_identifiers``
    (``blocklist``), ``jwt_templates``, ``api_keys``, ``m2m_tokens``, ``oauth_tokens``,
    ``testing_tokens``, ``sign_in_tokens``; and ``jwks()``, ``paginate()`` and ``request()`` for
    any other endpoint.
    ``http_client`` is used as given (and left open); without one, a pooled client is made on
    first use and closed by ``close()`` (or by leaving ``with``)."""

    def __init__(
        self,
        secret_key: str | None,
        *,
        api_url: str = "https://api.clerk.com",
        api_version: str = "v1",
        http_client: httpx.Client | None = None,
        policy: ApiPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: _pools.Sleep = _pools.SLEEP,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(secret_key, api_url, api_version, policy, clock, rng)
        self._pool = _pools.Pool(http_client)
        self._sleep = sleep
        self.users = _Users(self)
        self.organizations = _Organizations(self)
        self.sessions = _Sessions(self)
        self.invitations = _Invitations(self)
        self.api_keys = _APIKeys(self)
        self.m2m_tokens = _M2MTokens(self)
        self.oauth_tokens = _OAuthTokens(self)
        self.testing_tokens = _TestingTokens(self)
        self.sign_in_tokens = _SignInTokens(self)
        self.organization_memberships = _OrganizationMemberships(self)
        self.organization_invitations = _OrganizationInvitations(self)
        self.allowlist_identifiers = self.allowlist = _AllowlistIdentifiers(self)
        self.blocklist_identifiers = self.blocklist = _BlocklistIdentifiers(self)
        self.jwt_templates = _JwtTemplates(self)
        self.email_addresses = _EmailAddresses(self)
        self.phone_numbers = _PhoneNumbers(self)

    def run(self, call: Call[T]) -> T:
        """Send ``call`` under the policy: its parsed answer, or ``ClerkAPIError``."""
        deadline = self.begin()
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            failure: Exception | None = None
            body = b""
            try:
                with self._pool.get().stream(
                    **self.request_kwargs(call, deadline - self.clock()),
                ) as response:
                    body = read_capped(response, self.policy.max_body_bytes)
            except BodyTooLarge:
                assert response is not None
                raise self.too_large(response) from None
            except NETWORK_ERRORS as exc:
                failure = exc
                response = None
            outcome = self.decide(call, attempt, deadline, response, failure, body)
            if not isinstance(outcome, Retry):
                return outcome
            self._sleep(outcome.delay)

    def send_raw(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, ParamValue] | None = None,
        bearer: str | None = None,
        retry: bool | None = None,
    ) -> RawResult:
        """Send one request and hand back its raw answer, whatever the status; never raises for
        an answer or a failure (``status=None`` then; see :class:`RawResult`).

        ``path`` is below the versioned base (``"/clients/handshake_payload"``) and is checked like
        every endpoint's (an unsafe segment is a ``ValueError``: build ids with
        :func:`path_segment`). ``bearer`` replaces the secret key in ``Authorization``. The request
        has the client's headers, pooled connection, per-attempt timeout, deadline and body cap. It
        respects and feeds the circuit: while open, nothing is sent (``failure="circuit_open"``);
        a network error or a 5xx counts as a failure, any other answer but 429 as a success.
        ``retry`` allows one more attempt after a network error or timeout, at once and within the
        deadline; by default only ``GET``, ``HEAD``, ``PUT`` and ``DELETE`` retry. An answer
        (4xx, 5xx, 429 included) is never retried here: the caller decides.
        """
        query = to_query(**(params or {}))
        call = Call(method.upper(), path, raw, query, body=json, retryable=retry)
        closed = self._raw_closed(call)
        if closed is not None:
            return closed
        deadline = self.clock() + self.policy.deadline
        attempts = 2 if call.idempotent else 1
        attempt = 0
        while True:
            attempt += 1
            try:
                with self._pool.get().stream(
                    **self.request_kwargs(call, deadline - self.clock(), bearer),
                ) as response:
                    body = read_capped(response, self.policy.max_body_bytes)
            except BodyTooLarge:
                return self._raw_too_large(call, deadline, attempt)
            except NETWORK_ERRORS as exc:
                again = isinstance(exc, RETRYABLE_ERRORS) and attempt < attempts
                if again and deadline - self.clock() > 0:
                    continue
                return self._raw_failure(exc, call, deadline, attempt)
            return self._raw_answer(response.status_code, body, call, deadline, attempt)

    def paginate(
        self,
        page: Callable[[int, int], Call[ClerkList[ObjT]]],
        *,
        page_size: int = 100,
    ) -> Iterator[ObjT]:
        """Every item of a listing, page after page: ``page(limit, offset)`` builds the call of one
        page (``lambda limit, offset: users.list_users(limit=limit, offset=offset)``). Stops at
        a short page or at ``total_count``. Each page is one call under the policy, so a 429
        waits and retries; an error raises between pages, after the items already yielded."""
        if not 1 <= page_size <= 500:
            raise ValueError("page_size must be between 1 and 500 (Clerk's largest page).")
        offset = 0
        while True:
            found = self.run(page(page_size, offset))
            for item in found:
                offset += 1
                yield item
            total = found.total_count
            if len(found) < page_size or (total is not None and offset >= total):
                return

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> Any:
        """Any Backend API endpoint this client has no method for, under the same policy
        (headers, deadline, retries of idempotent methods, ``Retry-After``, circuit, body cap):
        ``api.request("GET", "/users/count")``. ``path`` is below the versioned base and is
        checked like every endpoint's: build ids into it with :func:`path_segment`. Returns the
        decoded JSON answer; an error answer raises :class:`ClerkAPIError`."""
        query = to_query(**(params or {}))
        return self.run(Call(method.upper(), path, _as_is, query, body=json))

    def jwks(self) -> dict[str, Any]:
        return self.run(jwks.get_jwks())

    def close(self) -> None:
        """Close the HTTP client this object made (one passed in stays open)."""
        self._pool.close()

    def __enter__(self) -> BackendAPI:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _as_is(data: Any) -> Any:
    return data
