"""Fixtures shared by the engine's tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import Clerk, RequestState, RequestView

Runner = Callable[..., RequestState]


@pytest.fixture(params=["sync", "async"])
def run(request: pytest.FixtureRequest) -> Runner:
    """``run(engine, request, **kwargs)``: the engine's sync and async paths, one test each."""

    def runner(engine: Clerk, req: RequestView, **kwargs: Any) -> RequestState:
        if request.param == "sync":
            return engine.authenticate_request(req, **kwargs)
        return asyncio.run(engine.authenticate_request_async(req, **kwargs))

    return runner
