"""clerk_core.otel: span attributes and metrics, read back with the OpenTelemetry SDK's
in-memory span exporter and metric reader."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the [test] extra installs opentelemetry-sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from clerk_core import AuthStatus, Clerk, ClerkOptions, RequestView, otel
from clerk_core.events import AuthEvent, DecisionRecorder
from clerk_core.testing import LocalClerkInstance

Points = dict[str, list[tuple[dict[str, Any], Any]]]


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(reader: InMemoryMetricReader) -> MeterProvider:
    return MeterProvider(metric_readers=[reader])


@pytest.fixture
def spans() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def points(reader: InMemoryMetricReader) -> Points:
    """``{metric name: [(attributes, value or histogram count), ...]}``."""
    found: Points = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                rows = found.setdefault(metric.name, [])
                for point in metric.data.data_points:
                    value = point.count if hasattr(point, "count") else point.value
                    rows.append((dict(point.attributes or {}), value))
    return found


def total(rows: list[tuple[dict[str, Any], Any]], **where: Any) -> Any:
    return sum(v for attrs, v in rows if all(attrs.get(k) == w for k, w in where.items()))


def bearer(token: str) -> RequestView:
    return RequestView("GET", "http://127.0.0.1:8000/api", {"authorization": f"Bearer {token}"})


def test_decisions_set_span_attributes_and_metrics(
    meter_provider: MeterProvider,
    reader: InMemoryMetricReader,
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    instance = LocalClerkInstance()
    clerk = instance.clerk()
    otel.instrument(clerk, meter_provider=meter_provider)
    tracer_provider, exporter = spans
    tracer = tracer_provider.get_tracer("test")
    token = instance.session_token("user_1")
    with tracer.start_as_current_span("GET /api"):
        assert clerk.authenticate_request(bearer(token)).status is AuthStatus.SIGNED_IN
    with tracer.start_as_current_span("GET /api again"):
        clerk.authenticate_request(bearer(token))
    with tracer.start_as_current_span("bad"):
        clerk.authenticate_request(bearer(instance.bad_signature_token()))
    asyncio.run(clerk.authenticate_request_async(bearer(token)))  # no span: metrics only

    first, second, bad = exporter.get_finished_spans()
    attributes = dict(first.attributes or {})
    assert attributes["clerk.auth.status"] == "signed-in"
    assert attributes["clerk.auth.token_type"] == "session_token"
    assert attributes["clerk.auth.token_source"] == "header"
    assert attributes["clerk.auth.key_source"] == "fetched"
    assert attributes["clerk.auth.memory_hit"] is False
    assert "clerk.auth.reason" not in attributes
    assert "clerk.auth.user_id" not in attributes  # ids only when the app opts in
    assert dict(second.attributes or {})["clerk.auth.memory_hit"] is True
    bad_attributes = dict(bad.attributes or {})
    assert bad_attributes["clerk.auth.status"] == "signed-out"
    assert bad_attributes["clerk.auth.reason"] == "token-invalid-signature"
    for span in (first, second, bad):
        assert all(token not in str(v) for v in (span.attributes or {}).values())

    found = points(reader)
    decisions = found["clerk.auth.decisions"]
    assert total(decisions, **{"clerk.auth.status": "signed-in"}) == 3
    assert total(decisions, **{"clerk.auth.reason": "token-invalid-signature"}) == 1
    durations = found["clerk.auth.duration"]
    assert total(durations) == 4
    assert total(durations, **{"clerk.auth.memory_hit": True}) == 2
    assert total(found["clerk.jwks.fetches"], **{"clerk.jwks.outcome": "ok"}) == 1
    assert total(found["clerk.jwks.fetch.duration"]) == 1


def test_instrumented_options_instrument_every_engine(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    instance = LocalClerkInstance()
    recorder = DecisionRecorder()
    options = otel.instrument(
        instance.options(on_auth_event=recorder), meter_provider=meter_provider
    )
    assert isinstance(options, ClerkOptions)
    import httpx

    transport = instance.transport()
    clerk = Clerk(options, http_client=httpx.Client(transport=transport), clock=instance.clock)
    clerk.authenticate_request(bearer(instance.session_token("user_1")))
    assert len(recorder) == 1  # the hook the options had still receives
    found = points(reader)
    assert total(found["clerk.auth.decisions"]) == 1
    assert total(found["clerk.jwks.fetches"]) == 1  # the engine's JWKS cache was reached


def test_jwks_failures_are_counted(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    import httpx

    instance = LocalClerkInstance()

    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502)

    clerk = Clerk(instance.options(), http_client=httpx.Client(transport=httpx.MockTransport(down)))
    otel.instrument(clerk, meter_provider=meter_provider)
    state = clerk.authenticate_request(bearer(instance.session_token("user_1")))
    assert state.reason == "jwk-remote-failed-to-load"
    found = points(reader)
    assert total(found["clerk.jwks.fetches"], **{"clerk.jwks.outcome": "error"}) == 1
    assert (
        total(
            found["clerk.jwks.fetch_failures"], **{"clerk.jwks.reason": "jwk-remote-failed-to-load"}
        )
        == 1
    )


def test_backend_api_latency_retries_and_circuit(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    instance = LocalClerkInstance()
    instance.backend.add_user("user_1")
    clerk = instance.clerk()
    otel.instrument(clerk, meter_provider=meter_provider)
    instance.backend.fail_next(503, times=2)
    clerk.backend_api.users.get("user_1")
    found = points(reader)
    calls = found["clerk.backend_api.calls"]
    labels = {"http.request.method": "GET", "clerk.backend_api.endpoint": "/users/{user_id}"}
    assert total(calls, **labels, **{"http.response.status_code": 200}) == 1
    assert total(found["clerk.backend_api.retries"], **labels) == 2
    assert total(found["clerk.backend_api.duration"], **labels) == 1
    circuit = found["clerk.backend_api.circuit_open"]
    assert total(circuit, **{"clerk.backend_api.client": "sync"}) == 0

    instance.backend.fail_next(500, times=50)
    for _ in range(6):
        clerk.backend_api.send_raw("GET", "/users")
    found = points(reader)
    assert (
        total(found["clerk.backend_api.circuit_open"], **{"clerk.backend_api.client": "sync"}) == 1
    )
    assert total(found["clerk.backend_api.calls"], **{"error.type": "circuit_open"}) >= 1


def test_span_attributes_with_ids() -> None:
    event = AuthEvent(
        status="signed-in",
        reason=None,
        token_type="session_token",
        token_source="cookie",
        memory_hit=False,
        key_source="cached",
        handshake=None,
        refresh="refreshed",
        duration_ms=1.5,
        entry_point="authenticate_request",
        timestamp=0.0,
        frontend_api="clerk.example.test",
        user_id="user_1",
    )
    attributes = otel.span_attributes(event)
    assert attributes["clerk.auth.refresh"] == "refreshed"
    assert attributes["clerk.auth.user_id"] == "user_1"
    assert "clerk.auth.session_id" not in attributes
    assert attributes["clerk.frontend_api"] == "clerk.example.test"
