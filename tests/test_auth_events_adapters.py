"""Auth events through every adapter: one event per request (the adapters' fast path for a
remembered Bearer token included), and a hook that raises never breaks a response."""

from __future__ import annotations

import pytest

from clerk_core import Clerk
from clerk_core.events import AuthEvent, DecisionRecorder
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.test_refusal_adapters import ADAPTERS, Build, bearer


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> Build:
    module, build = ADAPTERS[request.param]
    pytest.importorskip(module)
    return build


@pytest.fixture
def prod() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.prod.test",
        authorized_parties=("http://testserver",),
        clock=FakeClock(),
    )


def engine_for(instance: LocalClerkInstance, hook: object) -> Clerk:
    return instance.clerk(on_auth_event=hook)


def test_one_event_per_request(prod: LocalClerkInstance, adapter: Build) -> None:
    recorder = DecisionRecorder(20)
    get = adapter(engine_for(prod, recorder))
    token = prod.session_token("user_e")
    assert get("/signed-in", bearer(token))[0] == 200
    assert get("/signed-in", bearer(token))[0] == 200  # remembered: the adapter's fast path
    assert get("/signed-in", {"accept": "application/json"})[0] == 401
    assert get("/signed-in", bearer(prod.bad_signature_token()))[0] == 401
    events = recorder.events()
    assert [(e.status, e.reason, e.token_source) for e in events] == [
        ("signed-in", None, "header"),
        ("signed-in", None, "header"),
        ("signed-out", "session-token-and-uat-missing", "cookie"),
        ("signed-out", "token-invalid-signature", "header"),
    ]
    assert events[1].memory_hit is True


def test_a_raising_hook_never_breaks_a_response(prod: LocalClerkInstance, adapter: Build) -> None:
    seen: list[AuthEvent] = []

    def hook(event: AuthEvent) -> None:
        seen.append(event)
        raise RuntimeError("the metrics backend is down")

    get = adapter(engine_for(prod, hook))
    token = prod.session_token("user_e")
    status, body, _ = get("/signed-in", bearer(token))
    assert (status, body) == (200, {"user_id": "user_e"})
    assert get("/signed-in", {"accept": "application/json"})[0] == 401
    assert len(seen) == 2
