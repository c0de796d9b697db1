"""Through the Django middleware (sync and async clients), a client that repeats its API key
costs one Backend API verify call, not one per request (the engine remembers verified machine
tokens)."""

from __future__ import annotations

import asyncio
from typing import Any

from django.test import AsyncClient, Client

from clerk_core.testing import LocalClerkInstance


def verify_calls(instance: LocalClerkInstance) -> int:
    return sum(1 for r in instance.requests if r.url.path == "/v1/api_keys/verify")


def test_five_requests_with_one_api_key_make_one_verify_call(
    clerk_instance: LocalClerkInstance, settings: Any
) -> None:
    settings.CLERK = {"clerk": clerk_instance.clerk(accepts_token="any")}
    key = clerk_instance.api_key("user_d", scopes=["read"])
    client = Client()
    users = [
        client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()["user_id"]
        for _ in range(5)
    ]
    assert users == ["user_d"] * 5
    assert verify_calls(clerk_instance) == 1


def test_the_async_path_remembers_too(clerk_instance: LocalClerkInstance, settings: Any) -> None:
    settings.CLERK = {"clerk": clerk_instance.clerk(accepts_token="any")}
    key = clerk_instance.api_key("user_a")

    async def five() -> list[int]:
        client = AsyncClient()
        return [
            (
                await client.get("/async-private", headers={"authorization": f"Bearer {key}"})
            ).status_code
            for _ in range(5)
        ]

    assert asyncio.run(five()) == [200] * 5
    assert verify_calls(clerk_instance) == 1
