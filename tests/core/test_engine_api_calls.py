"""The engine's own Backend API calls (machine-token verification, handshake nonces, session
refresh) go through the same client as ``clerk.backend_api``: one header builder, the versioned
path, the pooled connections and the circuit breaker."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkAPIError,
    ClerkConfigurationError,
    RequestState,
    RequestView,
)
from clerk_core.testing import LocalClerkInstance


def bearer_request(token: str) -> RequestView:
    return RequestView(
        "GET",
        "https://app.example/api",
        {"authorization": f"Bearer {token}", "host": "app.example"},
    )


class Recorder:
    """Serves the local instance's Backend API and keeps every request it saw."""

    def __init__(self, instance: LocalClerkInstance, *, status: int | None = None) -> None:
        self.instance = instance
        self.status = status
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.status is not None:
            return httpx.Response(self.status, json={"errors": []})
        return self.instance.backend.handle_request(request)


def engine(instance: LocalClerkInstance, recorder: Recorder, **options: Any) -> Clerk:
    transport = httpx.MockTransport(recorder)
    return Clerk(
        instance.options(accepts_token="any", **options),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        clock=instance.clock,
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_machine_tokens_are_verified_on_the_versioned_path_with_the_clients_headers(
    mode: str,
) -> None:
    instance = LocalClerkInstance()
    recorder = Recorder(instance)
    clerk = engine(instance, recorder)
    token = instance.api_key()
    if mode == "sync":
        state = clerk.authenticate_request(bearer_request(token))
    else:
        state = asyncio.run(clerk.authenticate_request_async(bearer_request(token)))
    assert state.status is AuthStatus.SIGNED_IN
    assert state.token_type == "api_key"
    (call,) = recorder.seen
    assert call.url.path == "/v1/api_keys/verify"
    assert call.headers["authorization"] == f"Bearer {instance.secret_key}"
    assert call.headers["clerk-api-version"]
    assert call.headers["user-agent"].startswith("clerk-integrations/")


def test_m2m_tokens_are_verified_with_the_machine_secret_key() -> None:
    instance = LocalClerkInstance()
    recorder = Recorder(instance)
    machine_key = instance.machine_secret_key
    clerk = engine(instance, recorder, machine_secret_key=machine_key)
    clerk.authenticate_request(bearer_request(instance.m2m_token()))
    (call,) = recorder.seen
    assert call.url.path == "/v1/m2m_tokens/verify"
    assert call.headers["authorization"] == f"Bearer {machine_key}"


def test_an_outage_opens_the_circuit_for_the_engine_and_the_backend_api_alike() -> None:
    """Five failed verifications open the circuit: the sixth request sends nothing and is signed
    out at once, and so is a Backend API call made by the app meanwhile."""
    instance = LocalClerkInstance()
    recorder = Recorder(instance, status=503)
    clerk = engine(instance, recorder)
    token = instance.api_key()
    for _ in range(5):
        state = clerk.authenticate_request(bearer_request(token))
        assert state.status is AuthStatus.SIGNED_OUT
    sent = len(recorder.seen)
    state = clerk.authenticate_request(bearer_request(token))
    assert state.status is AuthStatus.SIGNED_OUT
    assert len(recorder.seen) == sent
    with pytest.raises(ClerkAPIError, match="keeps failing"):
        clerk.backend_api.users.get("user_1")
    assert len(recorder.seen) == sent


def test_a_network_error_on_verification_is_tried_once_more() -> None:
    instance = LocalClerkInstance()
    attempts: list[httpx.Request] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        return instance.backend.handle_request(request)

    transport = httpx.MockTransport(flaky)
    clerk = Clerk(
        instance.options(accepts_token="any"),
        http_client=httpx.Client(transport=transport),
        clock=instance.clock,
    )
    state: RequestState = clerk.authenticate_request(bearer_request(instance.api_key()))
    assert state.status is AuthStatus.SIGNED_IN
    assert len(attempts) == 2


def test_an_m2m_only_engine_verifies_with_the_machine_key_and_has_no_backend_api() -> None:
    """With only ``machine_secret_key`` (no secret key) the engine still verifies M2M tokens;
    asking it for the Backend API client is a configuration error that names the setting."""
    instance = LocalClerkInstance()
    recorder = Recorder(instance)
    machine_key = instance.machine_secret_key
    transport = httpx.MockTransport(recorder)
    clerk = Clerk(
        instance.options(
            accepts_token="m2m_token", secret_key=None, machine_secret_key=machine_key
        ),
        http_client=httpx.Client(transport=transport),
        clock=instance.clock,
    )
    state = clerk.authenticate_request(bearer_request(instance.m2m_token()))
    assert state.status is AuthStatus.SIGNED_IN
    assert [c.headers["authorization"] for c in recorder.seen] == [f"Bearer {machine_key}"]
    with pytest.raises(ClerkConfigurationError, match="CLERK_SECRET_KEY"):
        clerk.backend_api  # noqa: B018
