"""Attack probes on the Backend API layer the engine now calls through (send_raw, pools, circuit)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httpx
import pytest

from clerk_core import Clerk, ClerkAPIError, RequestView
from clerk_core.backend_api import AsyncBackendAPI, BackendAPI
from clerk_core.testing import LocalClerkInstance


def api_request(token: str) -> RequestView:
    return RequestView(
        "GET",
        "https://app.example/api",
        {"host": "app.example", "authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize("prefix", ["ak_", "mt_", "oat_"])
def test_junk_machine_tokens_do_not_open_the_circuit_for_everyone(
    clerk_instance: LocalClerkInstance, prefix: str
) -> None:
    """An attacker's junk tokens are answered 4xx by the API: they never count as failures, so
    the app's own Backend API calls (sharing the engine's circuit) keep working."""
    engine: Clerk = clerk_instance.clerk(accepts_token="any")
    clerk_instance.backend.add_user("user_1")
    for i in range(50):
        state = engine.authenticate_request(api_request(f"{prefix}junk{i}"))
        assert not state.is_authenticated
        assert state.reason != "unexpected-error"
    assert engine.backend_api.users.get("user_1").id == "user_1"
    outcome = asyncio.run(engine.authenticate_request_async(api_request(f"{prefix}junk")))
    assert outcome.reason != "unexpected-error"


def test_a_failing_api_opens_the_circuit_and_machine_tokens_fail_closed(
    clerk_instance: LocalClerkInstance,
) -> None:
    engine: Clerk = clerk_instance.clerk(accepts_token="any")
    clerk_instance.backend.fail_next(503, times=10)
    for i in range(8):
        state = engine.authenticate_request(api_request(f"ak_junk{i}"))
        assert not state.is_authenticated
    requests_before = len(clerk_instance.requests)
    assert not engine.authenticate_request(api_request("ak_more")).is_authenticated
    assert len(clerk_instance.requests) == requests_before  # open: nothing sent


def test_the_bearer_override_and_the_secret_stay_out_of_reprs_logs_and_errors(
    clerk_instance: LocalClerkInstance, caplog: pytest.LogCaptureFixture
) -> None:
    secret = clerk_instance.secret_key
    machine = clerk_instance.machine_secret_key

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    api = BackendAPI(secret, http_client=httpx.Client(transport=httpx.MockTransport(refuse)))
    caplog.set_level(logging.DEBUG)
    result = api.send_raw("POST", "/m2m_tokens/verify", json={"token": "mt_x"}, bearer=machine)
    assert result.status is None
    texts = [repr(api), repr(result), str(result), caplog.text]
    try:
        api.users.get("user_1")
    except Exception as exc:
        texts += [str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)]
    for text in texts:
        assert secret not in text
        assert machine not in text


@pytest.mark.parametrize(
    "path",
    [
        "/users/../sessions",
        "/users/%2e%2e/sessions",
        "/users/%2E%2E",
        "/users/.",
        "/users//x",
        "/users/x?y=1",
        "/users/x#y",
        "/users/x\\y",
        "/users/x\r\nHost: evil",
        "users/x",
        "//evil.example/x",
        "/users/x y",
        "",
    ],
)
def test_send_raw_refuses_hostile_paths_before_sending(
    clerk_instance: LocalClerkInstance, path: str
) -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    api = BackendAPI(
        clerk_instance.secret_key, http_client=httpx.Client(transport=httpx.MockTransport(record))
    )
    with pytest.raises(ValueError, match="path"):
        api.send_raw("GET", path)
    assert sent == []


def test_send_raw_params_stay_in_the_query(clerk_instance: LocalClerkInstance) -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    api = BackendAPI(
        clerk_instance.secret_key, http_client=httpx.Client(transport=httpx.MockTransport(record))
    )
    api.send_raw("GET", "/users", params={"q": "a&b=c#/../x", "ids": ["1", "2/../3"]})
    (request,) = sent
    assert request.url.path == "/v1/users"
    assert request.url.host == "api.clerk.com"
    assert list(request.url.params.multi_items()) == [
        ("q", "a&b=c#/../x"),
        ("ids", "1"),
        ("ids", "2/../3"),
    ]


# Found by the attack review: the per-loop clients were kept (and left open) after their loop ended.
@pytest.fixture
def made_clients(monkeypatch: pytest.MonkeyPatch) -> list[httpx.AsyncClient]:
    """Every ``httpx.AsyncClient`` the Backend API's pool makes during the test (other tests'
    clients still alive in the process are not this test's business)."""
    made: list[httpx.AsyncClient] = []

    class Recorded(httpx.AsyncClient):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            made.append(self)

    monkeypatch.setattr(httpx, "AsyncClient", Recorded)  # the name _pools looks up
    return made


def test_an_ended_event_loop_does_not_leave_its_client_open(
    clerk_instance: LocalClerkInstance, made_clients: list[httpx.AsyncClient]
) -> None:
    clerk_instance.backend.add_user("user_1")
    with clerk_instance.serve() as server:
        api = AsyncBackendAPI(clerk_instance.secret_key, api_url=server.url)

        async def call() -> int | None:
            return (await api.send_raw("GET", "/users/user_1")).status

        for _ in range(10):
            assert asyncio.run(call()) == 200
        assert len(made_clients) == 10  # one per loop
        still_open = [client for client in made_clients if not client.is_closed]
        assert still_open == [], f"{len(still_open)} clients of ended loops still open"


def test_async_to_sync_calls_leave_no_client_open(
    clerk_instance: LocalClerkInstance, made_clients: list[httpx.AsyncClient]
) -> None:
    """Django's sync middleware runs an async guard with ``async_to_sync``: a new loop per call.
    Each loop's client is closed as its loop ends, so requests do not leak sockets."""
    from asgiref.sync import async_to_sync

    clerk_instance.backend.add_user("user_1")
    with clerk_instance.serve() as server:
        engine = Clerk(clerk_instance.options(api_url=server.url))

        async def call() -> str:
            return str((await engine.backend_api_async.users.get("user_1")).id)

        for _ in range(5):
            assert async_to_sync(call)() == "user_1"
        assert len(made_clients) == 5
        assert [client for client in made_clients if not client.is_closed] == []
        engine.close()


def test_aclose_closes_the_running_loops_client(clerk_instance: LocalClerkInstance) -> None:
    clerk_instance.backend.add_user("user_1")
    with clerk_instance.serve() as server:
        api = AsyncBackendAPI(clerk_instance.secret_key, api_url=server.url)

        async def run() -> tuple[bool, bool]:
            await api.send_raw("GET", "/users/user_1")
            client = api._pool.get()
            await api.aclose()
            again = api._pool.get()
            await api.aclose()
            return client.is_closed, again is client

        assert asyncio.run(run()) == (True, False)


@pytest.mark.parametrize(
    ("value", "longest"),
    [
        ("9" * 400, None),  # years: not waited for, the call fails at once
        ("86401", None),
        ("-5", 8.0),  # not delta-seconds: ignored, the usual backoff
        ("1.5", 8.0),
        ("\u00b9", 8.0),  # a non-ASCII digit (superscript one, latin-1)
        ("Wed, 21 Oct 2015 07:28:00 GMT", 8.0),  # in the past: no wait beyond the backoff
        ("Fri, 31 Dec 9999 23:59:59 GMT", None),
        ("Mon, 99 Foo 2015 99:99:99 GMT", 8.0),
        ("", 8.0),
    ],
)
def test_hostile_retry_after_never_makes_a_call_wait_long(
    clerk_instance: LocalClerkInstance, value: str, longest: float | None
) -> None:
    header = [(b"retry-after", value.encode("latin-1"))]
    answers = [httpx.Response(429, headers=header, json={})] * 3 + [
        httpx.Response(200, json={"id": "user_1", "object": "user"})
    ]
    sleeps: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    api = BackendAPI(
        clerk_instance.secret_key,
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
        sleep=sleeps.append,
    )
    with contextlib.suppress(ClerkAPIError):  # giving up at once is a right answer too
        api.users.get("user_1")
    assert all(0 <= s <= (longest or 0) for s in sleeps), sleeps
    assert sum(sleeps) < 15.0
