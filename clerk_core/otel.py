"""OpenTelemetry for Clerk auth: span attributes and metrics from the engine's auth events.

Needs the ``[otel]`` extra (``opentelemetry-api``); the app brings the SDK and its exporters.
One call instruments an engine::

    from clerk_core import otel

    otel.instrument(engine)                       # a Clerk engine, or:
    options = otel.instrument(options)            # ClerkOptions: the engines built from them

Each auth decision (:class:`clerk_core.events.AuthEvent`) sets ``clerk.auth.*`` attributes on the
current span (the request's server span, when the app's OpenTelemetry middleware runs outside the
Clerk middleware) and feeds the metrics below; the engine's JWKS cache and Backend API clients
report their fetches and calls. Attribute values are Clerk's reason strings, type names and
flags: never a token or a secret (ids only with ``auth_events_include_ids=True``).

=================================  =========  =====================================================
metric                             kind       attributes
=================================  =========  =====================================================
``clerk.auth.decisions``           counter    ``clerk.auth.status``, ``.reason``, ``.token_type``,
                                              ``.token_source``
``clerk.auth.duration``            histogram  (seconds) ``clerk.auth.status``, ``.memory_hit``,
                                              ``.key_source``
``clerk.jwks.fetches``             counter    ``clerk.jwks.outcome`` (ok/error), ``.reason``
``clerk.jwks.fetch_failures``      counter    ``clerk.jwks.reason``
``clerk.jwks.fetch.duration``      histogram  (seconds) ``clerk.jwks.outcome``
``clerk.backend_api.calls``        counter    ``http.request.method``, ``clerk.backend_api.endpoint``,
                                              ``http.response.status_code``, ``error.type``
``clerk.backend_api.duration``     histogram  (seconds) as ``clerk.backend_api.calls``
``clerk.backend_api.retries``      counter    ``http.request.method``, ``clerk.backend_api.endpoint``
``clerk.backend_api.circuit_open`` gauge      ``clerk.backend_api.client`` (sync/async): 1 open
=================================  =========  =====================================================

See docs/observability.md.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, overload

try:
    from opentelemetry import metrics, trace
    from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "clerk_core.otel needs OpenTelemetry: pip install 'clerk-integrations[otel]'."
    ) from exc

from .__about__ import __version__
from .events import AuthEvent, AuthEventHook, BackendAPICall, JWKSFetch, subscribe
from .keys import JWKSCache
from .options import ClerkOptions

if TYPE_CHECKING:
    from .backend_api._policy import Core
    from .clerk import Clerk

__all__ = ["ClerkInstrumentation", "instrument", "span_attributes"]

_SCOPE = "clerk_core"


def span_attributes(event: AuthEvent) -> dict[str, str | bool | float]:
    """The ``clerk.auth.*`` span attributes of one decision (fields that are ``None`` are left
    out: OpenTelemetry attributes have no null)."""
    attributes: dict[str, str | bool | float] = {
        "clerk.auth.status": event.status,
        "clerk.auth.memory_hit": event.memory_hit,
        "clerk.auth.duration_ms": event.duration_ms,
    }
    for name in (
        "reason",
        "token_type",
        "token_source",
        "key_source",
        "handshake",
        "refresh",
        "user_id",
        "session_id",
        "org_id",
    ):
        value = getattr(event, name)
        if value is not None:
            attributes[f"clerk.auth.{name}"] = value
    if event.frontend_api is not None:
        attributes["clerk.frontend_api"] = event.frontend_api
    return attributes


class ClerkInstrumentation:
    """The OpenTelemetry hook: call it with an :class:`AuthEvent` (it is an ``on_auth_event``
    hook), and it reaches the JWKS cache and Backend API clients of each engine it is attached
    to (:meth:`attach_engine`, called by the engine when the hook is in its options).

    ``meter_provider`` defaults to the global one (``opentelemetry.metrics``); spans are the
    current ones, whatever tracer provider made them."""

    def __init__(self, *, meter_provider: MeterProvider | None = None) -> None:
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider=meter_provider)
        self._decisions = meter.create_counter(
            "clerk.auth.decisions", unit="{decision}", description="Auth decisions, by outcome"
        )
        self._duration = meter.create_histogram(
            "clerk.auth.duration", unit="s", description="Time the engine took to decide"
        )
        self._jwks_fetches = meter.create_counter(
            "clerk.jwks.fetches", unit="{fetch}", description="Fetches of the Clerk JWKS"
        )
        self._jwks_failures = meter.create_counter(
            "clerk.jwks.fetch_failures", unit="{fetch}", description="Failed JWKS fetches"
        )
        self._jwks_duration = meter.create_histogram(
            "clerk.jwks.fetch.duration", unit="s", description="Duration of JWKS fetches"
        )
        self._api_calls = meter.create_counter(
            "clerk.backend_api.calls", unit="{call}", description="Clerk Backend API calls"
        )
        self._api_duration = meter.create_histogram(
            "clerk.backend_api.duration",
            unit="s",
            description="Duration of Backend API calls, retries and waits included",
        )
        self._api_retries = meter.create_counter(
            "clerk.backend_api.retries", unit="{retry}", description="Backend API retries"
        )
        self._clients: weakref.WeakKeyDictionary[Core, str] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        meter.create_observable_gauge(
            "clerk.backend_api.circuit_open",
            callbacks=[self._circuits],
            unit="1",
            description="1 while the Backend API circuit breaker is open",
        )

    # ------------------------------------------------------------------ auth decisions
    def __call__(self, event: AuthEvent) -> None:
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attributes(span_attributes(event))
        labels: dict[str, str | bool] = {"clerk.auth.status": event.status}
        for name in ("reason", "token_type", "token_source"):
            value = getattr(event, name)
            if value is not None:
                labels[f"clerk.auth.{name}"] = value
        self._decisions.add(1, labels)
        timing: dict[str, str | bool] = {
            "clerk.auth.status": event.status,
            "clerk.auth.memory_hit": event.memory_hit,
        }
        if event.key_source is not None:
            timing["clerk.auth.key_source"] = event.key_source
        self._duration.record(event.duration_ms / 1000.0, timing)

    # ------------------------------------------------------------------ engine parts
    def attach_engine(self, engine: Clerk) -> None:
        """Report the engine's JWKS fetches and Backend API calls (sync and async clients)."""
        if isinstance(engine.keys, JWKSCache):
            engine.keys.on_fetch = self.jwks_fetch
        io = engine._io
        opts = engine.options
        if opts.secret_key or opts.machine_secret_key:
            for kind, client in (("sync", io.api()), ("async", io.aapi())):
                client.on_call = self.api_call
                with self._lock:
                    self._clients[client] = kind

    def jwks_fetch(self, fetch: JWKSFetch) -> None:
        outcome = "ok" if fetch.ok else "error"
        labels = {"clerk.jwks.outcome": outcome}
        if fetch.reason is not None:
            labels["clerk.jwks.reason"] = fetch.reason
            self._jwks_failures.add(1, {"clerk.jwks.reason": fetch.reason})
        self._jwks_fetches.add(1, labels)
        self._jwks_duration.record(fetch.duration_ms / 1000.0, {"clerk.jwks.outcome": outcome})

    def api_call(self, call: BackendAPICall) -> None:
        labels: dict[str, str | int] = {
            "http.request.method": call.method,
            "clerk.backend_api.endpoint": call.endpoint,
        }
        retry_labels = dict(labels)
        if call.status is not None:
            labels["http.response.status_code"] = call.status
        if call.failure is not None:
            labels["error.type"] = call.failure
        self._api_calls.add(1, labels)
        self._api_duration.record(call.duration_ms / 1000.0, labels)
        if call.retries:
            self._api_retries.add(call.retries, retry_labels)

    def _circuits(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            clients = list(self._clients.items())
        for client, kind in clients:
            is_open = bool(client._circuit.seconds_open(client.clock()))
            yield Observation(1 if is_open else 0, {"clerk.backend_api.client": kind})


class _Both:
    """Two hooks as one (the options' own hook, then OpenTelemetry's)."""

    def __init__(self, first: AuthEventHook, second: ClerkInstrumentation) -> None:
        self.first = first
        self.second = second

    def __call__(self, event: AuthEvent) -> None:
        try:
            self.first(event)
        finally:
            self.second(event)

    def attach_engine(self, engine: Clerk) -> None:
        attach = getattr(self.first, "attach_engine", None)
        if callable(attach):
            attach(engine)
        self.second.attach_engine(engine)


@overload
def instrument(
    target: Clerk, *, meter_provider: MeterProvider | None = None
) -> ClerkInstrumentation: ...
@overload
def instrument(
    target: ClerkOptions, *, meter_provider: MeterProvider | None = None
) -> ClerkOptions: ...
def instrument(
    target: Clerk | ClerkOptions, *, meter_provider: MeterProvider | None = None
) -> ClerkInstrumentation | ClerkOptions:
    """Instrument an engine (returns the :class:`ClerkInstrumentation` now attached to it), or
    ``ClerkOptions`` (returns a copy whose ``on_auth_event`` is the instrumentation, after the
    hook the options already had: every engine built from them is instrumented)."""
    instrumentation = ClerkInstrumentation(meter_provider=meter_provider)
    if isinstance(target, ClerkOptions):
        existing = target.on_auth_event
        hook: Any = instrumentation if existing is None else _Both(existing, instrumentation)
        return dataclasses.replace(target, on_auth_event=hook)
    subscribe(target, instrumentation)
    instrumentation.attach_engine(target)
    return instrumentation
