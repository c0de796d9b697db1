"""Clerk's Backend API: a sync and an async client over one request and policy layer.

    api = BackendAPI(secret_key="sk_test_...")          # or clerk.backend_api
    user = api.users.get("user_123")
    for membership in api.users.organization_memberships("user_123"):
        print(membership.organization.name, membership.role)

    async_api = AsyncBackendAPI(secret_key="sk_test_...")
    user = await async_api.users.get("user_123")

Every endpoint is described once, as a :class:`Call` (method, path, parameters, body, whether it is
idempotent, how to read the answer). The clients only send it and sleep; what to do with the answer is
decided by one policy shared by both:

* ``429`` is retried after ``Retry-After`` (or a back-off), for any method: the request was not run;
* ``5xx``, timeouts and connection errors are retried with exponential back-off and jitter, for
  idempotent requests only (``GET``, ``DELETE``); a ``POST`` or ``PATCH`` is never repeated;
* each call has an overall deadline; a wait that would pass it is not started;
* after ``circuit_threshold`` consecutive failures the client stops calling the API for
  ``circuit_cooldown`` seconds (one trial request then decides), so a failing API is not hammered.

Errors are :class:`ClerkAPIError` (``status``, ``errors``, ``codes``, ``clerk_trace_id``,
``retry_after``); no message or ``repr`` contains the secret key.

Two rules hold for every endpoint: an id is one path segment (``users.get("..")`` raises
``ValueError`` before any request exists; see :class:`Call`), and a response body is read under
``ApiPolicy.max_body_bytes`` (a larger one is a ``ClerkAPIError`` with the code
``response_too_large``, never a ``MemoryError``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote

import httpx

from . import __about__
from ._bounded_read import BodyTooLarge, aread_capped, read_capped
from .errors import ClerkAPIError, ClerkConfigurationError
from .keys import CLERK_API_VERSION_HEADER
from .resources import (
    ClerkObject,
    Invitation,
    Organization,
    OrganizationMembership,
    Session,
    Token,
    User,
)

__all__ = [
    "ApiPolicy",
    "AsyncBackendAPI",
    "BackendAPI",
    "Call",
    "ClerkList",
]

T = TypeVar("T")
ObjT = TypeVar("ObjT", bound=ClerkObject)


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
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Sequence[tuple[str, str]] = ()
    body: Mapping[str, Any] | None = None
    ids: Mapping[str, str] = dataclasses.field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        path = self.path
        if self.ids:
            path = path.format_map({name: path_segment(name, v) for name, v in self.ids.items()})
            object.__setattr__(self, "path", path)
        _check_path(path)

    @property
    def idempotent(self) -> bool:
        return self.method in ("GET", "HEAD", "DELETE", "PUT")


@dataclasses.dataclass(frozen=True)
class ApiPolicy:
    """Timeouts, retries and the circuit."""

    timeout: float = 5.0
    """Per attempt (connect, read, write and pool), capped by what remains of ``deadline``."""
    deadline: float = 15.0
    """For the whole call, waits included."""
    max_attempts: int = 4
    backoff_initial: float = 0.25
    backoff_max: float = 8.0
    circuit_threshold: int = 5
    circuit_cooldown: float = 30.0
    max_body_bytes: int = 8 * 1024 * 1024
    """The largest response body read; a larger one is a ``ClerkAPIError`` (``response_too_large``)."""


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
        if (
            not _PATH_SEGMENT.fullmatch(segment)
            or segment in (".", "..")
            or unquote(segment) in (".", "..")
        ):
            raise ValueError(f"a Backend API path has an unsafe segment: {path!r}")


def _params(**values: Any) -> list[tuple[str, str]]:
    """snake_case query parameters; lists repeat the key; ``None`` and empty lists are dropped."""
    out: list[tuple[str, str]] = []
    for key, value in values.items():
        if value is None:
            continue
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            out.append((key, "true" if item is True else "false" if item is False else str(item)))
    return out


def _body(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _one(kind: type[ObjT]) -> Callable[[Any], ObjT]:
    return lambda data: kind(data if isinstance(data, Mapping) else {})


def _many(kind: type[ObjT]) -> Callable[[Any], ClerkList[ObjT]]:
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


def _raw(data: Any) -> dict[str, Any]:
    return dict(data) if isinstance(data, Mapping) else {}


# ------------------------------------------------------------------------------ endpoints (once)
class Endpoints:
    """Every endpoint, as a :class:`Call`. Both clients run these."""

    # users
    @staticmethod
    def get_user(user_id: str) -> Call[User]:
        return Call("GET", "/users/{user_id}", _one(User), ids={"user_id": user_id})

    @staticmethod
    def list_users(
        *,
        email_address: Sequence[str] | str | None = None,
        user_id: Sequence[str] | str | None = None,
        organization_id: Sequence[str] | str | None = None,
        query: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        order_by: str | None = None,
    ) -> Call[ClerkList[User]]:
        return Call(
            "GET",
            "/users",
            _many(User),
            _params(
                email_address=email_address,
                user_id=user_id,
                organization_id=organization_id,
                query=query,
                limit=limit,
                offset=offset,
                order_by=order_by,
            ),
        )

    @staticmethod
    def update_user_metadata(
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        unsafe_metadata: Mapping[str, Any] | None = None,
    ) -> Call[User]:
        return Call(
            "PATCH",
            "/users/{user_id}/metadata",
            _one(User),
            body=_body(
                public_metadata=public_metadata,
                private_metadata=private_metadata,
                unsafe_metadata=unsafe_metadata,
            ),
            ids={"user_id": user_id},
        )

    @staticmethod
    def delete_user(user_id: str) -> Call[dict[str, Any]]:
        return Call("DELETE", "/users/{user_id}", _raw, ids={"user_id": user_id})

    @staticmethod
    def user_memberships(
        user_id: str, *, limit: int | None = None, offset: int | None = None
    ) -> Call[ClerkList[OrganizationMembership]]:
        return Call(
            "GET",
            "/users/{user_id}/organization_memberships",
            _many(OrganizationMembership),
            _params(limit=limit, offset=offset),
            ids={"user_id": user_id},
        )

    # organizations
    @staticmethod
    def get_organization(id_or_slug: str) -> Call[Organization]:
        return Call(
            "GET", "/organizations/{id_or_slug}", _one(Organization), ids={"id_or_slug": id_or_slug}
        )

    @staticmethod
    def list_organizations(
        *,
        query: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        order_by: str | None = None,
    ) -> Call[ClerkList[Organization]]:
        return Call(
            "GET",
            "/organizations",
            _many(Organization),
            _params(query=query, limit=limit, offset=offset, order_by=order_by),
        )

    @staticmethod
    def organization_memberships(
        organization_id: str, *, limit: int | None = None, offset: int | None = None
    ) -> Call[ClerkList[OrganizationMembership]]:
        return Call(
            "GET",
            "/organizations/{organization_id}/memberships",
            _many(OrganizationMembership),
            _params(limit=limit, offset=offset),
            ids={"organization_id": organization_id},
        )

    # sessions
    @staticmethod
    def get_session(session_id: str) -> Call[Session]:
        return Call("GET", "/sessions/{session_id}", _one(Session), ids={"session_id": session_id})

    @staticmethod
    def revoke_session(session_id: str) -> Call[Session]:
        return Call(
            "POST", "/sessions/{session_id}/revoke", _one(Session), ids={"session_id": session_id}
        )

    @staticmethod
    def create_session_token(
        session_id: str, *, expires_in_seconds: int | None = None, template: str | None = None
    ) -> Call[Token]:
        ids = {"session_id": session_id}
        path = "/sessions/{session_id}/tokens"
        if template:  # "" or None: the default token
            ids["template"] = template
            path += "/{template}"
        return Call(
            "POST", path, _one(Token), body=_body(expires_in_seconds=expires_in_seconds), ids=ids
        )

    # invitations
    @staticmethod
    def create_invitation(
        email_address: str,
        *,
        redirect_url: str | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        notify: bool | None = None,
        ignore_existing: bool | None = None,
    ) -> Call[Invitation]:
        return Call(
            "POST",
            "/invitations",
            _one(Invitation),
            body=_body(
                email_address=email_address,
                redirect_url=redirect_url,
                public_metadata=public_metadata,
                notify=notify,
                ignore_existing=ignore_existing,
            ),
        )

    @staticmethod
    def revoke_invitation(invitation_id: str) -> Call[Invitation]:
        return Call(
            "POST",
            "/invitations/{invitation_id}/revoke",
            _one(Invitation),
            ids={"invitation_id": invitation_id},
        )

    # keys
    @staticmethod
    def get_jwks() -> Call[dict[str, Any]]:
        return Call("GET", "/jwks", _raw)


# ------------------------------------------------------------------------------ policy (once)
class _Circuit:
    def __init__(self, threshold: int, cooldown: float) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.failures = 0
        self.open_until = 0.0
        self._lock = threading.Lock()

    def check(self, now: float) -> None:
        with self._lock:
            if self.failures >= self.threshold and now < self.open_until:
                wait = int(self.open_until - now) + 1
                raise ClerkAPIError(
                    f"The Clerk Backend API keeps failing; not calling it for {wait} s.",
                    errors=[{"code": "circuit_open"}],
                    retry_after=wait,
                )

    def success(self) -> None:
        with self._lock:
            self.failures = 0

    def failure(self, now: float) -> None:
        with self._lock:
            self.failures += 1
            if self.failures >= self.threshold:
                self.open_until = now + self.cooldown


class _Retry:
    __slots__ = ("delay",)

    def __init__(self, delay: float) -> None:
        self.delay = delay


def _retry_after(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


def _api_error(status: int, headers: httpx.Headers, data: Any) -> ClerkAPIError:
    errors = data.get("errors") if isinstance(data, Mapping) else None
    errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    trace = data.get("clerk_trace_id") if isinstance(data, Mapping) else None
    trace = trace if isinstance(trace, str) else headers.get("cf-ray")
    first = errors[0] if errors else {}
    text = first.get("long_message") or first.get("message") or f"HTTP {status}"
    code = first.get("code")
    detail = (
        f"status={status}"
        + (f", code={code}" if code else "")
        + (f", trace={trace}" if trace else "")
    )
    return ClerkAPIError(
        f"{text} ({detail})",
        status=status,
        errors=errors,
        clerk_trace_id=trace,
        retry_after=_retry_after(headers.get("retry-after")),
    )


class _Core:
    """What both clients share: configuration, request building, and the decisions."""

    def __init__(
        self,
        secret_key: str | None,
        api_url: str,
        api_version: str,
        policy: ApiPolicy | None,
        clock: Callable[[], float],
        rng: random.Random | None,
    ) -> None:
        if not secret_key:
            raise ClerkConfigurationError(
                "The Backend API needs the secret key: set secret_key (CLERK_SECRET_KEY)."
            )
        self._secret = secret_key
        self.base = f"{api_url.rstrip('/')}/{api_version.strip('/')}"
        self.policy = policy or ApiPolicy()
        self.clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter
        self._circuit = _Circuit(self.policy.circuit_threshold, self.policy.circuit_cooldown)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base={self.base!r})"

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._secret}",
            "Clerk-API-Version": CLERK_API_VERSION_HEADER,
            "User-Agent": f"clerk-integrations/{__about__.__version__}",
            "Accept": "application/json",
        }

    def request_kwargs(self, call: Call[Any], remaining: float) -> dict[str, Any]:
        timeout = max(0.001, min(self.policy.timeout, remaining))
        kwargs: dict[str, Any] = {
            "method": call.method,
            "url": self.base + call.path,
            "headers": self.headers(),
            "params": list(call.params),
            "timeout": httpx.Timeout(timeout),
        }
        if call.body is not None:
            kwargs["content"] = json.dumps(call.body).encode()
            kwargs["headers"]["Content-Type"] = "application/json"
        return kwargs

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.backoff_initial * 2 ** (attempt - 1), self.policy.backoff_max)
        return float(base * self._rng.uniform(0.5, 1.0))

    def begin(self) -> float:
        self._circuit.check(self.clock())
        return self.clock() + self.policy.deadline

    def too_large(self, response: httpx.Response) -> ClerkAPIError:
        return ClerkAPIError(
            f"The Backend API response exceeds {self.policy.max_body_bytes} bytes "
            f"(status={response.status_code}); raise ApiPolicy.max_body_bytes "
            "(api_max_body_bytes) if this answer is expected.",
            status=response.status_code,
            errors=[{"code": "response_too_large"}],
        )

    def decide(
        self,
        call: Call[T],
        attempt: int,
        deadline: float,
        response: httpx.Response | None,
        failure: Exception | None,
        body: bytes = b"",
    ) -> T | _Retry:
        """The result, a retry after some delay, or a raised ``ClerkAPIError``.

        ``body`` is the response's body, read under the cap."""
        now = self.clock()
        remaining = deadline - now
        if response is not None and response.status_code < 400:
            self._circuit.success()
            try:
                data = json.loads(body) if body else {}
            except ValueError:
                raise ClerkAPIError(
                    "The Backend API answered with invalid JSON.", status=response.status_code
                ) from None
            return call.parse(data)
        if response is not None:
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            error = _api_error(response.status_code, response.headers, data)
            status = response.status_code
            if status == 429:
                wait = (
                    float(error.retry_after)
                    if error.retry_after is not None
                    else self._backoff(attempt)
                )
                if attempt < self.policy.max_attempts and wait < remaining:
                    return _Retry(wait)
                raise error
            if status < 500:
                self._circuit.success()  # the API works; the request was wrong
                raise error
        else:
            error = ClerkAPIError(
                f"Could not reach the Clerk Backend API: {type(failure).__name__}",
                errors=[{"code": "unexpected_error"}],
            )
        self._circuit.failure(now)
        wait = self._backoff(attempt)
        if response is not None and error.retry_after is not None:
            wait = max(wait, float(error.retry_after))
        if call.idempotent and attempt < self.policy.max_attempts and wait < remaining:
            return _Retry(wait)
        raise error


_NETWORK_ERRORS = (httpx.TimeoutException, httpx.TransportError)


# ------------------------------------------------------------------------------ clients
class BackendAPI(_Core):
    """The sync client. Resources: ``users``, ``organizations``, ``sessions``, ``invitations``;
    and ``jwks()``."""

    def __init__(
        self,
        secret_key: str | None,
        *,
        api_url: str = "https://api.clerk.com",
        api_version: str = "v1",
        http_client: httpx.Client | None = None,
        policy: ApiPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(secret_key, api_url, api_version, policy, clock, rng)
        self._http = http_client or httpx.Client(follow_redirects=False)
        self._sleep = sleep
        self.users = _Users(self)
        self.organizations = _Organizations(self)
        self.sessions = _Sessions(self)
        self.invitations = _Invitations(self)

    def run(self, call: Call[T]) -> T:
        deadline = self.begin()
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            failure: Exception | None = None
            body = b""
            try:
                with self._http.stream(
                    **self.request_kwargs(call, deadline - self.clock())
                ) as response:
                    body = read_capped(response, self.policy.max_body_bytes)
            except BodyTooLarge:
                assert response is not None
                raise self.too_large(response) from None
            except _NETWORK_ERRORS as exc:
                failure = exc
                response = None
            outcome = self.decide(call, attempt, deadline, response, failure, body)
            if not isinstance(outcome, _Retry):
                return outcome
            self._sleep(outcome.delay)

    def jwks(self) -> dict[str, Any]:
        return self.run(Endpoints.get_jwks())

    def close(self) -> None:
        self._http.close()


class AsyncBackendAPI(_Core):
    """The async client: the same resources, awaited."""

    def __init__(
        self,
        secret_key: str | None,
        *,
        api_url: str = "https://api.clerk.com",
        api_version: str = "v1",
        http_client: httpx.AsyncClient | None = None,
        policy: ApiPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(secret_key, api_url, api_version, policy, clock, rng)
        self._http = http_client
        self._owned: dict[int, httpx.AsyncClient] = {}
        self._sleep = sleep
        self.users = _AsyncUsers(self)
        self.organizations = _AsyncOrganizations(self)
        self.sessions = _AsyncSessions(self)
        self.invitations = _AsyncInvitations(self)

    def _client(self) -> httpx.AsyncClient:
        if self._http is not None:
            return self._http
        # A pooled client per event loop: a client must not outlive the loop it was made on.
        loop = id(asyncio.get_running_loop())
        client = self._owned.get(loop)
        if client is None:
            client = self._owned[loop] = httpx.AsyncClient(follow_redirects=False)
        return client

    async def run(self, call: Call[T]) -> T:
        deadline = self.begin()
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            failure: Exception | None = None
            body = b""
            try:
                async with self._client().stream(
                    **self.request_kwargs(call, deadline - self.clock())
                ) as response:
                    body = await aread_capped(response, self.policy.max_body_bytes)
            except BodyTooLarge:
                assert response is not None
                raise self.too_large(response) from None
            except _NETWORK_ERRORS as exc:
                failure = exc
                response = None
            outcome = self.decide(call, attempt, deadline, response, failure, body)
            if not isinstance(outcome, _Retry):
                return outcome
            await self._sleep(outcome.delay)

    async def jwks(self) -> dict[str, Any]:
        return await self.run(Endpoints.get_jwks())

    async def aclose(self) -> None:
        for client in self._owned.values():
            await client.aclose()
        self._owned.clear()


# ------------------------------------------------------------------------------ resources
# Thin namespaces: each method names its endpoint; the endpoint itself is written once above.
class _Users:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def get(self, user_id: str) -> User:
        return self._run(Endpoints.get_user(user_id))

    def list(self, **filters: Any) -> ClerkList[User]:
        return self._run(Endpoints.list_users(**filters))

    def update_metadata(self, user_id: str, **metadata: Any) -> User:
        return self._run(Endpoints.update_user_metadata(user_id, **metadata))

    def delete(self, user_id: str) -> dict[str, Any]:
        return self._run(Endpoints.delete_user(user_id))

    def organization_memberships(
        self, user_id: str, **page: Any
    ) -> ClerkList[OrganizationMembership]:
        return self._run(Endpoints.user_memberships(user_id, **page))


class _AsyncUsers:
    def __init__(self, api: AsyncBackendAPI) -> None:
        self._run = api.run

    async def get(self, user_id: str) -> User:
        return await self._run(Endpoints.get_user(user_id))

    async def list(self, **filters: Any) -> ClerkList[User]:
        return await self._run(Endpoints.list_users(**filters))

    async def update_metadata(self, user_id: str, **metadata: Any) -> User:
        return await self._run(Endpoints.update_user_metadata(user_id, **metadata))

    async def delete(self, user_id: str) -> dict[str, Any]:
        return await self._run(Endpoints.delete_user(user_id))

    async def organization_memberships(
        self, user_id: str, **page: Any
    ) -> ClerkList[OrganizationMembership]:
        return await self._run(Endpoints.user_memberships(user_id, **page))


class _Organizations:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def get(self, id_or_slug: str) -> Organization:
        return self._run(Endpoints.get_organization(id_or_slug))

    def list(self, **filters: Any) -> ClerkList[Organization]:
        return self._run(Endpoints.list_organizations(**filters))

    def memberships(self, organization_id: str, **page: Any) -> ClerkList[OrganizationMembership]:
        return self._run(Endpoints.organization_memberships(organization_id, **page))


class _AsyncOrganizations:
    def __init__(self, api: AsyncBackendAPI) -> None:
        self._run = api.run

    async def get(self, id_or_slug: str) -> Organization:
        return await self._run(Endpoints.get_organization(id_or_slug))

    async def list(self, **filters: Any) -> ClerkList[Organization]:
        return await self._run(Endpoints.list_organizations(**filters))

    async def memberships(
        self, organization_id: str, **page: Any
    ) -> ClerkList[OrganizationMembership]:
        return await self._run(Endpoints.organization_memberships(organization_id, **page))


class _Sessions:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def get(self, session_id: str) -> Session:
        return self._run(Endpoints.get_session(session_id))

    def revoke(self, session_id: str) -> Session:
        return self._run(Endpoints.revoke_session(session_id))

    def create_token(
        self, session_id: str, *, expires_in_seconds: int | None = None, template: str | None = None
    ) -> Token:
        return self._run(
            Endpoints.create_session_token(
                session_id, expires_in_seconds=expires_in_seconds, template=template
            )
        )


class _AsyncSessions:
    def __init__(self, api: AsyncBackendAPI) -> None:
        self._run = api.run

    async def get(self, session_id: str) -> Session:
        return await self._run(Endpoints.get_session(session_id))

    async def revoke(self, session_id: str) -> Session:
        return await self._run(Endpoints.revoke_session(session_id))

    async def create_token(
        self, session_id: str, *, expires_in_seconds: int | None = None, template: str | None = None
    ) -> Token:
        return await self._run(
            Endpoints.create_session_token(
                session_id, expires_in_seconds=expires_in_seconds, template=template
            )
        )


class _Invitations:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def create(self, email_address: str, **fields: Any) -> Invitation:
        return self._run(Endpoints.create_invitation(email_address, **fields))

    def revoke(self, invitation_id: str) -> Invitation:
        return self._run(Endpoints.revoke_invitation(invitation_id))


class _AsyncInvitations:
    def __init__(self, api: AsyncBackendAPI) -> None:
        self._run = api.run

    async def create(self, email_address: str, **fields: Any) -> Invitation:
        return await self._run(Endpoints.create_invitation(email_address, **fields))

    async def revoke(self, invitation_id: str) -> Invitation:
        return await self._run(Endpoints.revoke_invitation(invitation_id))
