"""Paging through a listing, the escape hatch for endpoints without a method, and the fields of
Clerk's error body on ``ClerkAPIError``."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from clerk_core import ClerkAPIError
from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI, Call, ClerkList
from clerk_core.backend_api.endpoints import organizations, users
from clerk_core.resources import Organization, User
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.core.test_backend_api import Waits


@pytest.fixture
def instance() -> LocalClerkInstance:
    local = LocalClerkInstance()
    for n in range(23):
        local.backend.add_user(f"user_{n:02}", email=f"u{n}@x.test")
    return local


def every_user(limit: int, offset: int) -> Call[ClerkList[User]]:
    return users.list_users(order_by="created_at", limit=limit, offset=offset)  # oldest first


def user_pages(instance: LocalClerkInstance) -> list[tuple[str, str]]:
    return [
        (r.url.params["limit"], r.url.params["offset"])
        for r in instance.requests
        if r.url.path == "/v1/users"
    ]


def test_paginate_walks_every_page_and_stops_at_a_short_one(instance: LocalClerkInstance) -> None:
    api = BackendAPI(instance.secret_key, http_client=httpx.Client(transport=instance.transport()))
    ids = [u.id for u in api.paginate(every_user, page_size=10)]
    assert ids == [f"user_{n:02}" for n in range(23)]
    assert user_pages(instance) == [("10", "0"), ("10", "10"), ("10", "20")]


def test_paginate_async_and_a_429_between_pages(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)

    async def walk() -> list[str | None]:
        async with httpx.AsyncClient(transport=instance.transport()) as http:
            api = AsyncBackendAPI(
                instance.secret_key, http_client=http, clock=clock, sleep=waits.asleep
            )
            out: list[str | None] = []
            async for user in api.paginate(every_user, page_size=20):
                if len(out) == 19:
                    instance.backend.fail_next(429, retry_after=2)
                out.append(user.id)
            return out

    assert len(asyncio.run(walk())) == 23
    assert waits.waits == [2.0]  # the second page waited once, then came
    assert user_pages(instance) == [("20", "0"), ("20", "20"), ("20", "20")]


def test_paginate_stops_at_total_count_and_checks_the_page_size() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["offset"])
        item = {"object": "organization", "id": "org_" + request.url.params["offset"]}
        return httpx.Response(200, json={"data": [item], "total_count": 2})

    api = BackendAPI("sk_test_x", http_client=httpx.Client(transport=httpx.MockTransport(answer)))

    def page(limit: int, offset: int) -> Call[ClerkList[Organization]]:
        return organizations.list_organizations(limit=limit, offset=offset)

    assert [o.id for o in api.paginate(page, page_size=1)] == ["org_0", "org_1"]
    assert seen == ["0", "1"]
    with pytest.raises(ValueError, match="page_size"):
        next(iter(api.paginate(page, page_size=501)))


def test_request_reaches_any_endpoint_under_the_policy(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    api = BackendAPI(
        instance.secret_key,
        http_client=httpx.Client(transport=instance.transport()),
        policy=ApiPolicy(),
        clock=clock,
        sleep=waits.sleep,
    )
    instance.backend.fail_next(503)
    found = api.request(
        "GET", "/users", params={"user_id": ["user_03", "user_04"], "order_by": "created_at"}
    )
    assert [u["id"] for u in found] == ["user_03", "user_04"]
    assert len(waits.waits) == 1  # a GET is retried after a 5xx, as every method's call is
    merged = api.request("PATCH", "/users/user_03/metadata", json={"public_metadata": {"a": 1}})
    assert merged["public_metadata"] == {"a": 1}
    with pytest.raises(ValueError, match="unsafe segment"):
        api.request("GET", "/users/../sessions")


def test_clerk_api_error_exposes_the_first_error() -> None:
    body = {
        "errors": [
            {
                "code": "form_identifier_exists",
                "message": "That email address is taken.",
                "long_message": "That email address is taken. Please try another.",
                "meta": {"param_name": "email_address"},
            },
            {"code": "form_param_missing", "message": "second"},
        ],
        "clerk_trace_id": "trace_123",
    }
    api = BackendAPI(
        "sk_test_x",
        http_client=httpx.Client(
            transport=httpx.MockTransport(lambda r: httpx.Response(422, json=body))
        ),
    )
    with pytest.raises(ClerkAPIError) as info:
        api.request("POST", "/users", json={"email_address": ["a@x.test"]})
    error = info.value
    assert (error.status, error.code, error.message, error.long_message, error.meta) == (
        422,
        "form_identifier_exists",
        "That email address is taken.",
        "That email address is taken. Please try another.",
        {"param_name": "email_address"},
    )
    assert (error.codes, error.clerk_trace_id) == (
        ["form_identifier_exists", "form_param_missing"],
        "trace_123",
    )
    empty = ClerkAPIError("unreachable")
    assert (empty.code, empty.message, empty.long_message, empty.meta) == (None, None, None, {})
