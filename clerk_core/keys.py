"""Signing keys: the networkless PEM key, or a JWKS behind a guarded cache.

The JWKS is the Backend API's (``{api_url}/v1/jwks``, with the secret key) or, for an engine with
only a publishable key, the Frontend API's (``/.well-known/jwks.json``, no credentials; see
docs/publishable-key-only.md). Both go through the same cache (docs/reliability.md, "The JWKS
cache"):

* one per ``Clerk`` instance, so two instances never share keys, even with equal ``kid`` values;
* keys are fresh for ``jwks_cache_ttl`` (5 min); after that a request with a cached ``kid`` is served at
  once from the cached key while one background fetch refreshes the set (stale-while-revalidate), and
  keeps being served while the endpoint fails, for ``jwks_stale_if_error`` more seconds;
* at most one fetch is in flight (threads and asyncio alike); requests that need it wait at most until its
  deadline (``jwks_fetch_timeout``, whole response), then fail with ``jwk-remote-failed-to-load``;
* an unknown ``kid`` refetches at most once per ``jwks_kid_cooldown``; a ``kid`` still unknown after a
  successful fetch goes to a bounded negative cache;
* failed fetches back off (``jwks_backoff_initial`` doubling to ``jwks_backoff_max``, ±20 % jitter, at least
  ``Retry-After``); bodies are capped; redirects are never followed;
* a bad signature never touches the cache.

All decisions happen in one place (:meth:`JWKSCache._decide`) under a lock without I/O; only the fetch
itself differs between the sync (a worker thread) and async (a task) paths.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextvars
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import httpx
from cachetools import TTLCache
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

from . import __about__
from ._bounded_read import BodyTooLarge, BodyTooSlow, aread_capped, read_capped
from ._retry import retry_after_seconds
from .errors import TokenVerificationError
from .errors import TokenVerificationErrorAction as A
from .errors import TokenVerificationErrorReason as R
from .options import ClerkOptions

__all__ = [
    "JWKSCache",
    "JWKSSource",
    "KeySource",
    "PEMKeySource",
    "kid_mismatch_message",
    "parse_jwks",
]

JWKSSource = Literal["backend_api", "frontend_api"]
"""Where a :class:`JWKSCache` loads keys from: the Backend API (with the secret key) or the
Frontend API (``ClerkOptions.frontend_jwks_url``, no credentials)."""

waited_for_fetch: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "clerk_waited_for_jwks_fetch", default=False
)
"""Set when a key lookup waited for a JWKS fetch (its own or one in flight), on the slow path only:
the auth-decision event of the request reads it (``clerk_core.events``, ``key_source``)."""

_EMPTY_JWKS_MESSAGE = (
    "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com. "
    + A.CONTACT_SUPPORT
)
"""Clerk's text (message and action) for a JWKS without keys (``loadClerkJWKFromRemote``)."""


def kid_mismatch_message(kid: Any) -> str:
    """Clerk's text (message and action) for a ``kid`` the JWKS does not hold. The ``kid`` comes
    from the token's header: a non-string or overlong one is not quoted as is."""
    shown = kid if isinstance(kid, str) and len(kid) <= 100 else "undefined"
    if isinstance(kid, str) and len(kid) > 100:
        shown = kid[:97] + "..."
    return (
        f"Unable to find a signing key in JWKS that matches the kid='{shown}' of the provided "
        "session token. Please make sure that the __session cookie or the HTTP authorization "
        "header contain a Clerk-generated session JWT. Go to your Dashboard and validate your "
        f"secret and public keys are correct. {A.CONTACT_SUPPORT} if the issue persists."
    )


logger = logging.getLogger("clerk_core.keys")

_MIN_RSA_BITS = 2048
CLERK_API_VERSION_HEADER = "2026-05-12"


class _Ambiguous:
    """Marks a ``kid`` published twice with different keys: fail closed, never try both."""


AMBIGUOUS = _Ambiguous()
KeyEntry = RSAPublicKey | _Ambiguous


def _api_error_message(body: bytes, code: str) -> str | None:
    """The ``message`` of the Backend API error with ``code`` in ``body``, when it is a short
    printable text (it comes from Clerk, and it is shown in a response header)."""
    try:
        doc = json.loads(body[:4096])
    except (ValueError, RecursionError):
        return None
    errors = doc.get("errors") if isinstance(doc, dict) else None
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and error.get("code") == code:
            message = error.get("message")
            if isinstance(message, str) and 0 < len(message) <= 200 and message.isprintable():
                return message
    return None


def _without_keys(body: bytes) -> bool:
    """A JWKS document whose ``keys`` is missing, null or empty (Clerk's ``!keys || !keys.length``)."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and not doc.get("keys")


def _b64int(value: Any) -> int:
    if not isinstance(value, str) or not value:
        raise ValueError("not a base64url string")
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return int.from_bytes(raw, "big")


def parse_jwks(
    body: bytes | str | Any, *, previous: Mapping[str, KeyEntry] | None = None
) -> dict[str, KeyEntry]:
    """Parse a JWKS document into ``{kid: key}``, keeping only RSA signature keys of 2048+ bits.

    Keys with another type, ``use`` or ``alg``, malformed numbers or fewer bits are skipped; a ``kid``
    published twice with different material is marked ambiguous. Raises ``ValueError`` when nothing
    usable remains. Keys equal to ones in ``previous`` keep their identity.
    """
    doc = json.loads(body) if isinstance(body, (bytes, str)) else body
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ValueError("the JWKS document has no 'keys' list")
    found: dict[str, tuple[int, int]] = {}
    ambiguous: set[str] = set()
    for jwk in doc["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
            continue
        try:
            n, e = _b64int(jwk.get("n")), _b64int(jwk.get("e"))
        except (ValueError, binascii.Error):
            continue
        if n.bit_length() < _MIN_RSA_BITS or e < 3 or e % 2 == 0:
            continue
        if kid in found and found[kid] != (n, e):
            ambiguous.add(kid)
        found[kid] = (n, e)
    if not found:
        raise ValueError("the JWKS document contains no usable RS256 signing key")
    keys: dict[str, KeyEntry] = {}
    for kid, (n, e) in found.items():
        if kid in ambiguous:
            keys[kid] = AMBIGUOUS
            continue
        old = previous.get(kid) if previous else None
        if isinstance(old, RSAPublicKey):
            numbers = old.public_numbers()
            if numbers.n == n and numbers.e == e:
                keys[kid] = old
                continue
        try:
            keys[kid] = RSAPublicNumbers(e, n).public_key()
        except ValueError:
            continue
    if not any(isinstance(k, RSAPublicKey) for k in keys.values()):
        raise ValueError("the JWKS document contains no usable RS256 signing key")
    return keys


class KeySource:
    """Where verification keys come from. ``peek`` never does I/O."""

    def peek(self, kid: str | None) -> RSAPublicKey | None:
        raise NotImplementedError

    def knows(self, kid: str | None) -> bool | None:
        """Whether ``kid`` is a known key (``None``: cannot tell without a fetch). Never does I/O."""
        return True

    def cached(self, kid: str | None) -> RSAPublicKey | None:
        """The key :meth:`get_key` would return for ``kid`` right now with no I/O and no other
        effect (no fetch started, waited for or refused), else ``None``: then ``get_key``
        decides. Lets a request whose key is cached skip the key round-trip of the flow."""
        return None

    def get_key(self, kid: str | None) -> RSAPublicKey:
        raise NotImplementedError

    async def get_key_async(self, kid: str | None) -> RSAPublicKey:
        raise NotImplementedError

    @property
    def generation(self) -> int:
        """Changes whenever a key that was served may no longer be valid."""
        return 0


class PEMKeySource(KeySource):
    """Networkless verification with ``jwt_key``: every ``kid`` maps to the one configured key."""

    def __init__(self, key: RSAPublicKey) -> None:
        self._key = key

    def peek(self, kid: str | None) -> RSAPublicKey:
        return self._key

    def cached(self, kid: str | None) -> RSAPublicKey:
        return self._key

    def get_key(self, kid: str | None) -> RSAPublicKey:
        return self._key

    async def get_key_async(self, kid: str | None) -> RSAPublicKey:
        return self._key


class NoKeySource(KeySource):
    def peek(self, kid: str | None) -> None:
        return None

    def _fail(self) -> RSAPublicKey:
        raise TokenVerificationError(
            R.JWK_FAILED_TO_RESOLVE,
            "Failed to resolve JWK during verification.",
            action=A.SET_CLERK_JWT_KEY,
        )

    def get_key(self, kid: str | None) -> RSAPublicKey:
        return self._fail()

    async def get_key_async(self, kid: str | None) -> RSAPublicKey:
        return self._fail()


class _FetchResult:
    __slots__ = ("keys", "message", "reason", "retry_after", "status")

    def __init__(
        self,
        *,
        keys: dict[str, KeyEntry] | None = None,
        reason: str = "",
        message: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.keys = keys
        self.reason = reason
        self.message = message
        self.status = status
        self.retry_after = retry_after


class _Flight:
    """One fetch in progress. ``done`` serves threads; ``task`` serves coroutines on its loop."""

    __slots__ = ("deadline", "done", "loop", "result", "task")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline  # time.monotonic() value
        self.done = threading.Event()
        self.result: _FetchResult | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None


# What _decide tells the caller to do.
_USE, _WAIT, _START, _FAIL = range(4)


class JWKSCache(KeySource):
    """A JWKS behind the guarded cache described in this module's docstring.

    ``source="backend_api"`` (the default) loads ``options.jwks_url`` with the secret key;
    ``source="frontend_api"`` loads ``options.frontend_jwks_url`` with no credentials at all
    (an engine with only a publishable key). Everything else is the same cache."""

    def __init__(
        self,
        options: ClerkOptions,
        *,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        source: JWKSSource = "backend_api",
    ) -> None:
        self.source: JWKSSource = source
        agent = f"clerk-integrations/{__about__.__version__}"
        if source == "frontend_api":
            if not options.frontend_jwks_url:
                raise ValueError("JWKSCache(source='frontend_api') needs a publishable key")
            self._url = options.frontend_jwks_url
            self._headers = {"User-Agent": agent, "Accept": "application/json"}
        elif source == "backend_api":
            if not options.secret_key:
                raise ValueError("JWKSCache needs a secret key")
            self._url = options.jwks_url
            self._headers = {
                "Authorization": f"Bearer {options.secret_key}",
                "Clerk-API-Version": CLERK_API_VERSION_HEADER,
                "User-Agent": agent,
                "Accept": "application/json",
            }
        else:
            raise ValueError(f"unknown JWKS source {source!r}")
        self._ttl = options.jwks_cache_ttl
        self._stale = options.jwks_stale_if_error
        self._cooldown = options.jwks_kid_cooldown
        self._timeout = options.jwks_fetch_timeout
        self._connect_timeout = min(options.jwks_connect_timeout, options.jwks_fetch_timeout)
        self._backoff_initial = options.jwks_backoff_initial
        self._backoff_max = options.jwks_backoff_max
        self._max_body = options.jwks_max_body_bytes
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._owns_client = False
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

        self._lock = threading.Lock()
        self._keys: dict[str, KeyEntry] = {}
        self._fetched_at: float | None = None
        self._last_attempt: float | None = None
        self._backoff_until = 0.0
        self._failures = 0
        self._last_error: tuple[str, str] = (
            R.REMOTE_JWK_FAILED_TO_LOAD.value,
            f"Failed to load JWKS from {self._url}.",
        )
        self._negative: TTLCache[str, bool] = TTLCache(
            maxsize=max(1, options.jwks_negative_cache_size),
            ttl=max(options.jwks_negative_cache_ttl, 1e-9),
            timer=clock,
        )
        self._flight: _Flight | None = None
        self._generation = 0
        self._logged_invalid_secret = False
        self._background: set[asyncio.Task[None]] = set()
        # Observability for tests and metrics.
        self.fetch_count = 0
        self.on_fetch: Callable[[Any], None] | None = None
        """Called with a :class:`clerk_core.events.JWKSFetch` after each fetch (metrics)."""

    def __repr__(self) -> str:
        return f"JWKSCache(url={self._url!r}, kids={sorted(self._keys)!r})"

    @property
    def url(self) -> str:
        """The JWKS endpoint this cache loads (never holds a credential)."""
        return self._url

    # ------------------------------------------------------------------ introspection
    @property
    def generation(self) -> int:
        return self._generation

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    @property
    def negative_cache_size(self) -> int:
        with self._lock:
            return len(self._negative)

    def peek(self, kid: str | None) -> RSAPublicKey | None:
        key = self._keys.get(kid) if kid is not None else None
        return key if isinstance(key, RSAPublicKey) else None

    def cached(self, kid: str | None) -> RSAPublicKey | None:
        # get_key's _USE without a background refresh (see _decide): a fetched set within its
        # TTL that holds one RSA key for kid. Past the TTL get_key starts the refresh.
        fetched_at = self._fetched_at
        if fetched_at is None or kid is None:
            return None
        now = self._clock()
        if now - fetched_at >= self._ttl or now >= fetched_at + self._ttl + self._stale:
            return None
        key = self._keys.get(kid)
        return None if key is None or isinstance(key, _Ambiguous) else key

    def knows(self, kid: str | None) -> bool | None:
        if self._fetched_at is None:
            return None
        return kid is not None and isinstance(self._keys.get(kid), RSAPublicKey)

    # ------------------------------------------------------------------ decisions (no I/O)
    def _usable_until(self) -> float:
        assert self._fetched_at is not None
        return self._fetched_at + self._ttl + self._stale

    def _can_start(self, now: float) -> bool:
        return self._flight is None and now >= self._backoff_until

    def _new_flight(self, now: float) -> _Flight:
        flight = _Flight(time.monotonic() + self._timeout)
        self._flight = flight
        self._last_attempt = now
        return flight

    def _decide(self, kid: str | None, *, after_wait: bool) -> tuple[int, Any, _Flight | None]:
        """Return ``(action, value, flight_to_start_in_background)`` for a lookup of ``kid``."""
        now = self._clock()
        if kid is None:
            return _FAIL, (R.JWK_KID_MISMATCH.value, kid_mismatch_message(None)), None
        warm = self._fetched_at is not None and now < self._usable_until()
        entry = self._keys.get(kid) if warm else None
        if entry is not None:
            if entry is AMBIGUOUS:
                return (
                    _FAIL,
                    (
                        R.REMOTE_JWK_INVALID.value,
                        "The JWKS publishes this kid more than once with different keys.",
                    ),
                    None,
                )
            background = None
            assert self._fetched_at is not None
            if now - self._fetched_at >= self._ttl and self._can_start(now):
                background = self._new_flight(now)
            return _USE, entry, background
        if warm and kid in self._negative:
            return _FAIL, self._kid_mismatch(kid), None
        if self._flight is not None:
            if after_wait:
                return _FAIL, self._failure_after_wait(warm), None
            return _WAIT, self._flight, None
        if after_wait:
            # The fetch we waited for has finished and the kid is still unknown.
            if warm and self._failures == 0:
                self._negative[kid] = True
                return _FAIL, self._kid_mismatch(kid), None
            return _FAIL, self._last_error, None
        cooled = (
            not warm or self._last_attempt is None or now - self._last_attempt >= self._cooldown
        )
        if cooled and now >= self._backoff_until:
            return _START, self._new_flight(now), None
        if warm:
            return _FAIL, self._kid_mismatch(kid), None
        return _FAIL, self._last_error, None

    def _kid_mismatch(self, kid: str) -> tuple[str, str]:
        return R.JWK_KID_MISMATCH.value, kid_mismatch_message(kid)

    def _failure_after_wait(self, warm: bool) -> tuple[str, str]:
        # The flight is still running past its deadline.
        if warm:
            return (
                self._last_error
                if self._failures
                else (
                    R.REMOTE_JWK_FAILED_TO_LOAD.value,
                    f"Timed out loading JWKS from {self._url}.",
                )
            )
        return (R.REMOTE_JWK_FAILED_TO_LOAD.value, f"Timed out loading JWKS from {self._url}.")

    def _complete(self, flight: _Flight, result: _FetchResult) -> None:
        with self._lock:
            now = self._clock()
            if result.keys is not None:
                old = self._keys
                if any(
                    kid not in result.keys or result.keys[kid] is not key
                    for kid, key in old.items()
                ):
                    self._generation += 1
                self._keys = result.keys
                self._fetched_at = now
                self._failures = 0
                self._backoff_until = 0.0
                self._negative.clear()
            else:
                self._failures += 1
                delay = min(self._backoff_initial * 2 ** (self._failures - 1), self._backoff_max)
                delay *= self._rng.uniform(0.8, 1.2)
                if result.retry_after is not None:
                    delay = max(delay, min(result.retry_after, self._backoff_max))
                self._backoff_until = now + delay
                self._last_error = (result.reason, result.message)
            flight.result = result
            if self._flight is flight:
                self._flight = None
        if result.keys is None:
            if result.reason == R.SECRET_KEY_INVALID.value:
                if not self._logged_invalid_secret:
                    self._logged_invalid_secret = True
                    logger.error(
                        "Clerk rejected the secret key while loading JWKS from %s: check "
                        "CLERK_SECRET_KEY.",
                        self._url,
                    )
            else:
                logger.warning("Could not load Clerk JWKS: %s", result.message)
        flight.done.set()
        if self.on_fetch is not None:
            from .events import report_jwks_fetch

            report_jwks_fetch(self.on_fetch, flight.deadline - self._timeout, result)

    # ------------------------------------------------------------------ response handling (shared)
    def _interpret(self, status: int, headers: httpx.Headers, body: bytes) -> _FetchResult:
        if status != 200:
            retry_after = retry_after_seconds(headers.get("retry-after"))
            reason = R.REMOTE_JWK_FAILED_TO_LOAD.value
            # Clerk's texts (fetchJWKSFromBAPI): the Backend API's own message for a rejected
            # secret key, else the URL and status; each with Clerk's action.
            message = f"Error loading Clerk JWKS from {self._url} with code={status}"
            if (
                self.source == "backend_api"
                and status in (401, 403)
                and b"clerk_key_invalid" in body[:4096]
            ):
                reason = R.SECRET_KEY_INVALID.value
                retry_after = max(retry_after or 0.0, self._backoff_max)
                message = _api_error_message(body, "clerk_key_invalid") or message
            return _FetchResult(
                reason=reason,
                status=status,
                retry_after=retry_after,
                message=f"{message} {A.CONTACT_SUPPORT}",
            )
        try:
            keys = parse_jwks(body, previous=self._keys)
        except (ValueError, RecursionError) as exc:
            return _FetchResult(
                reason=R.REMOTE_JWK_FAILED_TO_LOAD.value,
                status=status,
                message=_EMPTY_JWKS_MESSAGE
                if _without_keys(body)
                else f"Invalid JWKS from {self._url}: {exc}",
            )
        return _FetchResult(keys=keys, status=status)

    def _too_large(self) -> _FetchResult:
        return _FetchResult(
            reason=R.REMOTE_JWK_FAILED_TO_LOAD.value,
            message=f"JWKS from {self._url} exceeds {self._max_body} bytes",
        )

    def _timed_out(self) -> _FetchResult:
        return _FetchResult(
            reason=R.REMOTE_JWK_FAILED_TO_LOAD.value,
            message=f"Timed out loading JWKS from {self._url}",
        )

    def _network_error(self, exc: BaseException) -> _FetchResult:
        return _FetchResult(
            reason=R.REMOTE_JWK_FAILED_TO_LOAD.value,
            message=f"Failed to load JWKS from {self._url}: {type(exc).__name__}",
        )

    def _httpx_timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self._timeout, connect=self._connect_timeout)

    # ------------------------------------------------------------------ sync path
    def _client(self) -> httpx.Client:
        if self._http_client is None:
            self._http_client = httpx.Client(follow_redirects=False)
            self._owns_client = True
        return self._http_client

    def _fetch_sync(self, deadline: float) -> _FetchResult:
        self.fetch_count += 1
        try:
            with self._client().stream(
                "GET",
                self._url,
                headers=self._headers,
                timeout=self._httpx_timeout(),
                follow_redirects=False,
            ) as response:
                body = read_capped(response, self._max_body, deadline=deadline)
                return self._interpret(response.status_code, response.headers, body)
        except BodyTooLarge:
            return self._too_large()
        except BodyTooSlow:
            return self._timed_out()
        except (httpx.HTTPError, OSError, ValueError) as exc:
            return self._network_error(exc)

    def _run_flight_sync(self, flight: _Flight) -> None:
        try:
            result = self._fetch_sync(flight.deadline)
        except BaseException as exc:  # never leave waiters hanging
            result = self._network_error(exc)
        self._complete(flight, result)

    def _start_thread(self, flight: _Flight) -> None:
        threading.Thread(
            target=self._run_flight_sync, args=(flight,), daemon=True, name="clerk-jwks-fetch"
        ).start()

    def get_key(self, kid: str | None) -> RSAPublicKey:
        after_wait = False
        while True:
            with self._lock:
                action, value, background = self._decide(kid, after_wait=after_wait)
            if background is not None:
                self._start_thread(background)
            if action == _USE:
                return value  # type: ignore[no-any-return]
            if action == _FAIL:
                raise TokenVerificationError(value[0], value[1])
            flight: _Flight = value
            waited_for_fetch.set(True)
            if action == _START:
                self._start_thread(flight)
            flight.done.wait(max(0.0, flight.deadline - time.monotonic()))
            after_wait = True

    # ------------------------------------------------------------------ async path
    async def _fetch_async(self, deadline: float) -> _FetchResult:
        self.fetch_count += 1
        client = self._async_http_client
        owned = client is None
        if client is None:
            # A client per fetch: fetches are rare, and a pooled client must not outlive its loop.
            client = httpx.AsyncClient(follow_redirects=False)
        try:
            async with client.stream(
                "GET",
                self._url,
                headers=self._headers,
                timeout=self._httpx_timeout(),
                follow_redirects=False,
            ) as response:
                body = await aread_capped(response, self._max_body)
                return self._interpret(response.status_code, response.headers, body)
        except BodyTooLarge:
            return self._too_large()
        except (httpx.HTTPError, OSError, ValueError) as exc:
            return self._network_error(exc)
        finally:
            if owned:
                await client.aclose()

    async def _run_flight_async(self, flight: _Flight) -> None:
        try:
            remaining = max(0.0, flight.deadline - time.monotonic())
            result = await asyncio.wait_for(self._fetch_async(flight.deadline), remaining)
        except asyncio.TimeoutError:
            result = self._timed_out()
        except BaseException as exc:
            result = self._network_error(exc)
            self._complete(flight, result)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        self._complete(flight, result)

    def _start_task(self, flight: _Flight) -> None:
        loop = asyncio.get_running_loop()
        flight.loop = loop
        task = loop.create_task(self._run_flight_async(flight))
        flight.task = task
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _wait_async(self, flight: _Flight) -> None:
        remaining = flight.deadline - time.monotonic()
        if remaining <= 0:
            return
        task = flight.task
        if task is not None and flight.loop is asyncio.get_running_loop():
            try:
                await asyncio.wait_for(asyncio.shield(task), remaining)
            except (asyncio.TimeoutError, Exception):
                return
            return
        # A fetch run by a thread or by another event loop: poll its event without blocking ours.
        while not flight.done.is_set() and time.monotonic() < flight.deadline:
            await asyncio.sleep(0.005)

    async def get_key_async(self, kid: str | None) -> RSAPublicKey:
        after_wait = False
        while True:
            with self._lock:
                action, value, background = self._decide(kid, after_wait=after_wait)
            if background is not None:
                self._start_task(background)
            if action == _USE:
                return value  # type: ignore[no-any-return]
            if action == _FAIL:
                raise TokenVerificationError(value[0], value[1])
            flight: _Flight = value
            waited_for_fetch.set(True)
            if action == _START:
                self._start_task(flight)
            await self._wait_async(flight)
            after_wait = True

    def close(self) -> None:
        if self._owns_client and self._http_client is not None:
            self._http_client.close()
