"""The policy both clients share: headers, deadline, retries, ``Retry-After``, the circuit, the body
cap and the mapping of answers to results or :class:`ClerkAPIError` (sans-I/O: no request is sent here).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from .. import __about__
from .._retry import retry_after_whole_seconds
from ..errors import ClerkAPIError, ClerkConfigurationError
from ..keys import CLERK_API_VERSION_HEADER
from ._call import Call

__all__ = ["ApiPolicy", "Core", "RawResult", "Retry"]

logger = logging.getLogger("clerk_core.backend_api")

T = TypeVar("T")


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


@dataclasses.dataclass(frozen=True)
class RawResult:
    """What :meth:`BackendAPI.send_raw` got: the status and the JSON answer, never an exception.

    ``status`` is ``None`` when no usable answer came: the API could not be reached, timed out,
    answered with a body over the cap, or the circuit is open; ``failure`` then says which
    (``"network_error"``, ``"timeout"``, ``"response_too_large"``, ``"circuit_open"``). ``data`` is
    the decoded JSON (``None`` when the body is empty or not JSON); it is left out of the ``repr``
    because answers carry tokens.
    """

    status: int | None
    data: Any = dataclasses.field(default=None, repr=False)
    failure: str | None = None


class Retry:
    """A decision to try again after ``delay`` seconds."""

    __slots__ = ("delay",)

    def __init__(self, delay: float) -> None:
        self.delay = delay


class _Circuit:
    def __init__(self, threshold: int, cooldown: float) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.failures = 0
        self.open_until = 0.0
        self._lock = threading.Lock()

    def seconds_open(self, now: float) -> float:
        """How long the circuit stays open (``0`` when a request may go)."""
        with self._lock:
            if self.failures >= self.threshold and now < self.open_until:
                return self.open_until - now
            return 0.0

    def check(self, now: float) -> None:
        wait = self.seconds_open(now)
        if wait:
            seconds = int(wait) + 1
            raise ClerkAPIError(
                f"The Clerk Backend API keeps failing; not calling it for {seconds} s.",
                errors=[{"code": "circuit_open"}],
                retry_after=seconds,
            )

    def success(self) -> None:
        with self._lock:
            self.failures = 0

    def failure(self, now: float) -> None:
        with self._lock:
            self.failures += 1
            if self.failures >= self.threshold:
                self.open_until = now + self.cooldown


def api_error(status: int, headers: httpx.Headers, data: Any) -> ClerkAPIError:
    """The ``ClerkAPIError`` for an error answer (Clerk's ``errors`` array, trace id, Retry-After)."""
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
        retry_after=retry_after_whole_seconds(headers.get("retry-after")),
    )


class Core:
    """What both clients share: configuration, the one header builder, request building, and the
    decisions (retry, raise, or return) taken on each answer."""

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
        self.on_call: Callable[[Any], None] | None = None
        """Called with a :class:`clerk_core.events.BackendAPICall` when a call ends (metrics)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base={self.base!r})"

    # ------------------------------------------------------------------ the request
    def headers(self, bearer: str | None = None) -> dict[str, str]:
        """Every request's headers; ``bearer`` replaces the secret key (M2M verification)."""
        return {
            "Authorization": f"Bearer {bearer or self._secret}",
            "Clerk-API-Version": CLERK_API_VERSION_HEADER,
            "User-Agent": f"clerk-integrations/{__about__.__version__}",
            "Accept": "application/json",
        }

    def request_kwargs(
        self, call: Call[Any], remaining: float, bearer: str | None = None
    ) -> dict[str, Any]:
        timeout = max(0.001, min(self.policy.timeout, remaining))
        kwargs: dict[str, Any] = {
            "method": call.method,
            "url": self.base + call.path,
            "headers": self.headers(bearer or call.bearer),
            "params": list(call.params),
            "timeout": httpx.Timeout(timeout),
        }
        if call.files is not None:  # multipart: httpx writes the boundary and Content-Type
            kwargs["files"] = dict(call.files)
            fields = call.body if isinstance(call.body, Mapping) else {}
            kwargs["data"] = {name: _form_value(value) for name, value in fields.items()}
        elif call.body is not None:
            kwargs["content"] = json.dumps(call.body).encode()
            kwargs["headers"]["Content-Type"] = "application/json"
        return kwargs

    # ------------------------------------------------------------------ decisions for run()
    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.backoff_initial * 2 ** (attempt - 1), self.policy.backoff_max)
        return float(base * self._rng.uniform(0.5, 1.0))

    def begin(self) -> float:
        """Check the circuit (``ClerkAPIError`` when open); the call's deadline."""
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
    ) -> T | Retry:
        """The result, a retry after some delay, or a raised ``ClerkAPIError``.

        ``body`` is the response's body, read under the cap."""
        if self.on_call is None:
            return self._decide(call, attempt, deadline, response, failure, body)
        status = response.status_code if response is not None else None
        try:
            outcome = self._decide(call, attempt, deadline, response, failure, body)
        except ClerkAPIError as exc:
            self._report(call, deadline, attempt, status, _error_code(exc, failure))
            raise
        if not isinstance(outcome, Retry):
            self._report(call, deadline, attempt, status, None)
        return outcome

    def _report(
        self,
        call: Call[Any],
        deadline: float,
        attempts: int,
        status: int | None,
        failure: str | None,
    ) -> None:
        """One :class:`clerk_core.events.BackendAPICall` to ``on_call`` (never raises)."""
        hook = self.on_call
        if hook is not None:
            from ..events import report_api_call

            started = deadline - self.policy.deadline
            circuit_open = bool(self._circuit.seconds_open(self.clock()))
            report_api_call(
                hook, call, self.clock() - started, attempts, status, failure, circuit_open
            )

    def _decide(
        self,
        call: Call[T],
        attempt: int,
        deadline: float,
        response: httpx.Response | None,
        failure: Exception | None,
        body: bytes = b"",
    ) -> T | Retry:
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
            error = api_error(response.status_code, response.headers, data)
            status = response.status_code
            if status == 429:
                wait = (
                    float(error.retry_after)
                    if error.retry_after is not None
                    else self._backoff(attempt)
                )
                if attempt < self.policy.max_attempts and wait < remaining:
                    return Retry(wait)
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
            return Retry(wait)
        raise error

    # ------------------------------------------------------------------ decisions for send_raw()
    def _raw_closed(self, call: Call[Any] | None = None) -> RawResult | None:
        """``RawResult(None, failure="circuit_open")`` while the circuit is open, else ``None``."""
        if self._circuit.seconds_open(self.clock()):
            if call is not None and self.on_call is not None:
                self._report(call, self.clock() + self.policy.deadline, 0, None, "circuit_open")
            return RawResult(None, None, "circuit_open")
        return None

    def _raw_answer(
        self,
        status: int,
        body: bytes,
        call: Call[Any] | None = None,
        deadline: float = 0.0,
        attempt: int = 1,
    ) -> RawResult:
        """An answer, whatever its status: 5xx counts as a failure of the API, 429 as neither."""
        if status >= 500:
            self._circuit.failure(self.clock())
        elif status != 429:
            self._circuit.success()
        if call is not None and self.on_call is not None:
            self._report(call, deadline, attempt, status, None)
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        return RawResult(status, data)

    def _raw_failure(
        self,
        failure: Exception,
        call: Call[Any] | None = None,
        deadline: float = 0.0,
        attempt: int = 1,
    ) -> RawResult:
        """The API could not be reached (counts toward the circuit)."""
        self._circuit.failure(self.clock())
        kind = "timeout" if isinstance(failure, httpx.TimeoutException) else "network_error"
        logger.debug("Clerk: a Backend API call failed (%s: %s).", kind, type(failure).__name__)
        if call is not None and self.on_call is not None:
            self._report(call, deadline, attempt, None, kind)
        return RawResult(None, None, kind)

    def _raw_too_large(
        self, call: Call[Any] | None = None, deadline: float = 0.0, attempt: int = 1
    ) -> RawResult:
        if call is not None and self.on_call is not None:
            self._report(call, deadline, attempt, None, "response_too_large")
        logger.warning(
            "Clerk: a Backend API response exceeded %d bytes (ApiPolicy.max_body_bytes, the "
            "engine's api_max_body_bytes); treated as a failed call.",
            self.policy.max_body_bytes,
        )
        return RawResult(None, None, "response_too_large")


def _error_code(error: ClerkAPIError, failure: Exception | None) -> str:
    """What a failed call reports: the network failure's kind, else Clerk's error code."""
    if failure is not None:
        return "timeout" if isinstance(failure, httpx.TimeoutException) else "network_error"
    code = error.errors[0].get("code") if error.errors else None
    return code if isinstance(code, str) and code else f"http_{error.status}"


def _form_value(value: Any) -> str:
    """A multipart text field as Clerk reads it (booleans as ``true`` / ``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


NETWORK_ERRORS = (httpx.HTTPError,)
"""A request that got no answer: connection errors, timeouts, protocol and decoding errors."""

RETRYABLE_ERRORS = (httpx.TransportError,)
"""Network errors ``send_raw`` tries once more (a timeout included; a decoding error is not)."""
