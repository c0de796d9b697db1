"""``api.sign_in_tokens`` (Clerk's ``signInTokens``), sync and async, against the local
instance's fake Backend API: the request Clerk expects, the answer's shape, 404/422 bodies, a
POST never retried, and no ticket in any ``repr``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clerk_core import ClerkAPIError
from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI
from clerk_core.backend_api.endpoints import sign_in_tokens
from clerk_core.resources import SignInToken
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

Op = Callable[[Any], Any]
modes = pytest.mark.parametrize("mode", ["sync", "async"])


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def instance(fake_clock: FakeClock) -> LocalClerkInstance:
    instance = LocalClerkInstance(clock=fake_clock)
    instance.backend.add_user("user_1", email="one@example.test")
    instance.backend.add_organization("org_1", name="One", slug="one")
    return instance


def api_call(mode: str, instance: LocalClerkInstance, op: Op, **kwargs: Any) -> Any:
    if mode == "sync":
        with httpx.Client(transport=instance.transport()) as http:
            return op(
                BackendAPI(
                    instance.secret_key, api_url=instance.api_url, http_client=http, **kwargs
                )
            )

    async def go() -> Any:
        async with httpx.AsyncClient(transport=instance.transport()) as http:
            api = AsyncBackendAPI(
                instance.secret_key, api_url=instance.api_url, http_client=http, **kwargs
            )
            return await op(api)

    return asyncio.run(go())


def api_error(mode: str, instance: LocalClerkInstance, op: Op, **kwargs: Any) -> ClerkAPIError:
    with pytest.raises(ClerkAPIError) as caught:
        api_call(mode, instance, op, **kwargs)
    return caught.value


@modes
def test_create_sends_what_clerk_expects_and_reads_the_token(
    mode: str, instance: LocalClerkInstance, fake_clock: FakeClock
) -> None:
    created = api_call(
        mode,
        instance,
        lambda api: api.sign_in_tokens.create(
            user_id="user_1", expires_in_seconds=300, org_id="org_1"
        ),
    )
    sent = instance.requests[-1]
    assert (sent.method, sent.url.path) == ("POST", "/v1/sign_in_tokens")
    assert sent.headers["authorization"] == f"Bearer {instance.secret_key}"
    assert json.loads(sent.content) == {
        "user_id": "user_1",
        "expires_in_seconds": 300,
        "org_id": "org_1",
    }
    assert isinstance(created, SignInToken)
    assert (created.user_id, created.status, created.raw["object"]) == (
        "user_1",
        "pending",
        "sign_in_token",
    )
    assert created.id is not None
    assert created.id.startswith("sit_")
    assert created.token
    assert created.url
    assert created.token in created.url
    assert created.raw["created_at"] == int(fake_clock() * 1000)
    stored = instance.backend.sign_in_tokens[created.id]
    assert stored["_expires_at"] == int(fake_clock() * 1000) + 300_000


@modes
def test_optional_fields_are_left_out_of_the_body(mode: str, instance: LocalClerkInstance) -> None:
    api_call(mode, instance, lambda api: api.sign_in_tokens.create(user_id="user_1"))
    assert json.loads(instance.requests[-1].content) == {"user_id": "user_1"}


@modes
def test_revoke(mode: str, instance: LocalClerkInstance) -> None:
    created = api_call(mode, instance, lambda api: api.sign_in_tokens.create(user_id="user_1"))
    revoked = api_call(mode, instance, lambda api: api.sign_in_tokens.revoke(created.id))
    assert (revoked.id, revoked.status) == (created.id, "revoked")
    assert instance.requests[-1].url.path == f"/v1/sign_in_tokens/{created.id}/revoke"


@modes
def test_unknown_user_or_token_is_a_404(mode: str, instance: LocalClerkInstance) -> None:
    error = api_error(mode, instance, lambda api: api.sign_in_tokens.create(user_id="user_x"))
    assert (error.status, error.code) == (404, "resource_not_found")
    error = api_error(mode, instance, lambda api: api.sign_in_tokens.revoke("sit_unknown"))
    assert (error.status, error.code) == (404, "resource_not_found")


@modes
def test_a_bad_lifetime_is_a_422_naming_the_parameter(
    mode: str, instance: LocalClerkInstance
) -> None:
    error = api_error(
        mode,
        instance,
        lambda api: api.sign_in_tokens.create(user_id="user_1", expires_in_seconds=0),
    )
    assert (error.status, error.code) == (422, "form_param_format_invalid")
    assert error.errors[0]["meta"] == {"param_name": "expires_in_seconds"}


def test_an_id_is_one_path_segment() -> None:
    with pytest.raises(ValueError, match="sign_in_token_id"):
        sign_in_tokens.revoke_sign_in_token("../users")


@modes
def test_a_failed_create_is_never_repeated(mode: str, instance: LocalClerkInstance) -> None:
    """A POST that may have run is not sent twice: a second ticket would be a second way in."""
    instance.backend.fail_next(503)
    error = api_error(
        mode,
        instance,
        lambda api: api.sign_in_tokens.create(user_id="user_1"),
        policy=ApiPolicy(max_attempts=3),
    )
    assert error.status == 503
    assert len(instance.requests) == 1


def test_the_ticket_stays_out_of_repr() -> None:
    token = SignInToken({"id": "sit_1", "user_id": "user_1", "token": "ticket-secret"})
    assert "ticket-secret" not in repr(token)
    assert repr(token) == "SignInToken(id='sit_1', user_id='user_1', status=None)"
