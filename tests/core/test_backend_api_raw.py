"""``send_raw``: the engine's seam into the Backend API layer (handshake payload, session refresh,
machine-token verification). Raw status and JSON, never an exception; the client's headers, pool,
deadline, body cap and circuit; a retry only once, only after a network error, only when allowed."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI, RawResult
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

SECRET = "sk_test_" + "s" * 40
MACHINE = "ak_" + "m" * 40
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A transport handler that records each request and answers with ``answers`` in turn (an
    exception is raised as the transport's failure)."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers) or [httpx.Response(200, json={"ok": True})]
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        # A fresh response each time: one can be sent only once.
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


def send(
    mode: str,
    handler: Handler,
    method: str = "GET",
    path: str = "/clients/handshake_payload",
    *,
    policy: ApiPolicy | None = None,
    clock: FakeClock | None = None,
    **kwargs: Any,
) -> RawResult:
    """``send_raw`` once, on a sync or an async client over a mock transport."""
    options: dict[str, Any] = {"policy": policy or ApiPolicy()}
    if clock is not None:
        options["clock"] = clock
    if mode == "sync":
        with httpx.Client(transport=httpx.MockTransport(handler)) as http:
            return BackendAPI(SECRET, http_client=http, **options).send_raw(method, path, **kwargs)

    async def go() -> RawResult:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            api = AsyncBackendAPI(SECRET, http_client=http, **options)
            return await api.send_raw(method, path, **kwargs)

    return asyncio.run(go())


modes = pytest.mark.parametrize("mode", ["sync", "async"])


# ------------------------------------------------------------------------------ answers
@modes
@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 422, 429, 500, 502, 503])
def test_every_status_is_passed_through_with_its_json(mode: str, status: int) -> None:
    body = {"errors": [{"code": "x"}]} if status >= 400 else {"directives": ["a=b"]}
    recorder = Recorder(httpx.Response(status, json=body, headers={"retry-after": "1"}))
    result = send(mode, recorder, "POST", "/sessions/sess_1/refresh", json={"a": 1})
    assert (result.status, result.data, result.failure) == (status, body, None)
    assert len(recorder.sent) == 1  # an answer, even a 5xx or a 429, is never repeated here


@modes
@pytest.mark.parametrize("content", [b"", b"not json", b"{", b"\xff\xfe"])
def test_a_body_that_is_not_json_reads_as_none(mode: str, content: bytes) -> None:
    result = send(mode, Recorder(httpx.Response(404, content=content)))
    assert (result.status, result.data) == (404, None)


@modes
def test_the_request_carries_path_query_and_json_body(mode: str) -> None:
    recorder = Recorder()
    send(
        mode,
        recorder,
        "POST",
        "/sessions/sess_1/refresh",
        params={"suffixed_cookies": True, "nonce": "a b&c=d/é", "ids": ["x", "y"], "none": None},
        json={"expired_token": "t", "request_headers": {"h": ["v"]}},
    )
    (sent,) = recorder.sent
    assert sent.method == "POST"
    assert sent.url.path == "/v1/sessions/sess_1/refresh"
    assert sent.url.params.multi_items() == [
        ("suffixed_cookies", "true"),
        ("nonce", "a b&c=d/é"),
        ("ids", "x"),
        ("ids", "y"),
    ]
    assert json.loads(sent.content) == {"expired_token": "t", "request_headers": {"h": ["v"]}}
    assert sent.headers["content-type"] == "application/json"


@modes
def test_headers_come_from_the_one_builder_and_bearer_overrides_the_secret(mode: str) -> None:
    recorder = Recorder()
    send(mode, recorder)
    send(mode, recorder, "POST", "/m2m_tokens/verify", json={"token": "mt_x"}, bearer=MACHINE)
    plain, machine = recorder.sent
    assert plain.headers["authorization"] == f"Bearer {SECRET}"
    assert machine.headers["authorization"] == f"Bearer {MACHINE}"
    for sent in (plain, machine):
        assert sent.headers["clerk-api-version"] == "2026-05-12"
        assert sent.headers["user-agent"].startswith("clerk-integrations/")
        assert sent.headers["accept"] == "application/json"
    # The typed methods use the same builder: the same headers, the secret key as bearer.
    with httpx.Client(transport=httpx.MockTransport(recorder)) as http:
        BackendAPI(SECRET, http_client=http).users.get("user_1")
    typed = recorder.sent[-1]
    names = {"authorization", "clerk-api-version", "user-agent", "accept"}
    assert {k: typed.headers[k] for k in names} == {k: plain.headers[k] for k in names}


@modes
@pytest.mark.parametrize("path", ["/sessions/../users", "/sessions/a/../../x", "sessions", "/a?b"])
def test_an_unsafe_path_is_refused_before_any_request(mode: str, path: str) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match="Backend API path"):
        send(mode, recorder, "POST", path)
    assert recorder.sent == []


# ------------------------------------------------------------------------------ failures
@modes
@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (httpx.ConnectError("refused"), "network_error"),
        (httpx.ReadError("reset"), "network_error"),
        (httpx.RemoteProtocolError("garbled"), "network_error"),
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.ReadTimeout("slow"), "timeout"),
    ],
)
def test_a_network_failure_is_status_none(mode: str, error: Exception, failure: str) -> None:
    result = send(mode, Recorder(error), "POST", "/api_keys/verify", json={"secret": "ak_x"})
    assert (result.status, result.data, result.failure) == (None, None, failure)


@modes
@pytest.mark.parametrize("declared", [True, False])
def test_an_oversized_answer_is_status_none_and_logged(
    mode: str, declared: bool, caplog: pytest.LogCaptureFixture
) -> None:
    def huge(request: httpx.Request) -> httpx.Response:
        if declared:
            return httpx.Response(200, content=b'{"x": "' + b"x" * 5000 + b'"}')

        def chunks() -> Any:
            for _ in range(50):
                yield b"x" * 200

        async def achunks() -> Any:
            for _ in range(50):
                yield b"x" * 200

        return httpx.Response(200, content=chunks() if mode == "sync" else achunks())

    with caplog.at_level(logging.WARNING, "clerk_core"):
        result = send(mode, huge, policy=ApiPolicy(max_body_bytes=4096))
    assert (result.status, result.failure) == (None, "response_too_large")
    assert "4096 bytes" in caplog.text
    assert "api_max_body_bytes" in caplog.text


# ------------------------------------------------------------------------------ retries
@modes
@pytest.mark.parametrize(
    ("method", "retry", "attempts"),
    [
        ("GET", None, 2),  # handshake payload: idempotent, one more try
        ("POST", None, 1),  # session refresh: never repeated
        ("POST", True, 2),  # machine-token verification: safe to repeat, said so
        ("GET", False, 1),
    ],
)
def test_a_network_error_is_retried_once_when_allowed(
    mode: str, method: str, retry: bool | None, attempts: int
) -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    result = send(mode, recorder, method, "/x", retry=retry)
    assert result.status is None
    assert len(recorder.sent) == attempts


@modes
def test_the_retry_can_succeed(mode: str) -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"), httpx.Response(200, json={"ok": 1}))
    result = send(mode, recorder, "POST", "/m2m_tokens/verify", retry=True)
    assert (result.status, result.data, len(recorder.sent)) == (200, {"ok": 1}, 2)


@modes
def test_a_decoding_error_is_a_failure_and_not_retried(mode: str) -> None:
    sent: list[httpx.Request] = []

    def bad_gzip(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=b"\x00garbage", headers={"content-encoding": "gzip"})

    result = send(mode, bad_gzip, "GET", "/clients/handshake_payload")
    assert (result.status, result.failure, len(sent)) == (None, "network_error", 1)


@modes
def test_each_attempt_is_bounded_by_the_policy_timeout(mode: str) -> None:
    recorder = Recorder()
    send(mode, recorder, policy=ApiPolicy(timeout=1.5, deadline=10))
    assert recorder.sent[0].extensions["timeout"] == {
        "connect": 1.5,
        "read": 1.5,
        "write": 1.5,
        "pool": 1.5,
    }


@modes
def test_no_retry_once_the_deadline_has_passed(mode: str) -> None:
    clock = FakeClock(0)

    counted: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        counted.append(request)
        clock.advance(20)  # the first attempt used the whole deadline
        raise httpx.ConnectError("refused")

    result = send(mode, handler, policy=ApiPolicy(deadline=15), clock=clock)
    assert (result.status, len(counted)) == (None, 1)


# ------------------------------------------------------------------------------ circuit
Step = tuple[str, str] | float


def send_many(
    mode: str, recorder: Recorder, steps: list[Step], policy: ApiPolicy, clock: FakeClock
) -> list[RawResult]:
    """Several ``send_raw`` calls on one client (the circuit is per client); a number among the
    steps advances the clock by that many seconds."""
    results: list[RawResult] = []
    if mode == "sync":
        with httpx.Client(transport=httpx.MockTransport(recorder)) as http:
            api = BackendAPI(SECRET, http_client=http, policy=policy, clock=clock)
            for step in steps:
                if isinstance(step, tuple):
                    results.append(api.send_raw(*step))
                else:
                    clock.advance(step)
        return results

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
            api = AsyncBackendAPI(SECRET, http_client=http, policy=policy, clock=clock)
            for step in steps:
                if isinstance(step, tuple):
                    results.append(await api.send_raw(*step))
                else:
                    clock.advance(step)

    asyncio.run(go())
    return results


@modes
def test_raw_calls_respect_and_feed_the_circuit(mode: str) -> None:
    policy = ApiPolicy(circuit_threshold=3, circuit_cooldown=30)
    clock = FakeClock(0)
    # A 404 resets the count (the API works); three 503 in a row open the circuit; while open,
    # nothing is sent; after the cooldown one trial goes and its success closes the circuit.
    recorder = Recorder(
        httpx.Response(503, json={}),
        httpx.Response(503, json={}),
        httpx.Response(404, json={}),
        httpx.Response(503, json={}),
        httpx.Response(503, json={}),
        httpx.Response(503, json={}),
        httpx.Response(200, json={"ok": True}),
    )
    results = send_many(mode, recorder, [("POST", "/sessions/s/refresh")] * 7, policy, clock)
    assert [(r.status, r.failure) for r in results] == [
        (503, None),
        (503, None),
        (404, None),
        (503, None),
        (503, None),
        (503, None),
        (None, "circuit_open"),
    ]
    assert len(recorder.sent) == 6  # nothing sent while open


@modes
def test_after_the_cooldown_a_trial_closes_the_circuit(mode: str) -> None:
    policy = ApiPolicy(circuit_threshold=1, circuit_cooldown=30)
    recorder = Recorder(httpx.ConnectError("refused"), httpx.Response(200, json={}))
    steps: list[Step] = [("POST", "/x"), ("POST", "/x"), 29.0, ("GET", "/x"), 2.0]
    steps += [("GET", "/x"), ("GET", "/x")]
    results = send_many(mode, recorder, steps, policy, FakeClock(0))
    assert [(r.status, r.failure) for r in results] == [
        (None, "network_error"),
        (None, "circuit_open"),
        (None, "circuit_open"),
        (200, None),
        (200, None),
    ]
    assert len(recorder.sent) == 3


@modes
def test_a_429_neither_opens_nor_closes_the_circuit(mode: str) -> None:
    policy = ApiPolicy(circuit_threshold=2)
    recorder = Recorder(
        httpx.Response(503), httpx.Response(429), httpx.Response(503), httpx.Response(200)
    )
    results = send_many(mode, recorder, [("POST", "/x")] * 4, policy, FakeClock(0))
    # 503, 429, 503: two failures in a row, so the fourth call is not sent.
    assert [r.status for r in results] == [503, 429, 503, None]
    assert len(recorder.sent) == 3


# ------------------------------------------------------------------------------ no secrets
@modes
def test_no_secret_or_token_in_reprs_or_logs(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    token = "mt_" + "t" * 40
    caplog.set_level(logging.DEBUG)
    ok = send(mode, Recorder(httpx.Response(200, json={"token": token})), bearer=MACHINE)
    failed = send(mode, Recorder(httpx.ConnectError(f"refused {token}")), bearer=MACHINE)
    texts = [repr(ok), str(ok), repr(failed), caplog.text, repr(BackendAPI(SECRET))]
    for text in texts:
        assert SECRET not in text
        assert MACHINE not in text
        assert token not in text
    assert ok.data == {"token": token}  # kept, only out of the repr


# ------------------------------------------------------------------------------ the engine's calls
@modes
def test_the_engine_calls_against_the_local_instance(mode: str) -> None:
    instance = LocalClerkInstance()
    nonce = instance.backend.handshake_nonce(["__session=abc; Path=/"])
    machine = instance.m2m_token("mch_1")
    api_key = instance.api_key("user_1")

    def calls(api: Any) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            ("GET", "/clients/handshake_payload", {"params": {"nonce": nonce}}),
            ("GET", "/clients/handshake_payload", {"params": {"nonce": nonce}}),  # spent
            (
                "POST",
                "/m2m_tokens/verify",
                {"json": {"token": machine}, "bearer": instance.machine_secret_key, "retry": True},
            ),
            ("POST", "/api_keys/verify", {"json": {"secret": api_key}, "retry": True}),
            ("POST", "/api_keys/verify", {"json": {"secret": "ak_unknown"}, "retry": True}),
        ]

    if mode == "sync":
        api = BackendAPI(
            instance.secret_key,
            api_url=instance.api_url,
            http_client=httpx.Client(transport=instance.transport()),
        )
        results = [api.send_raw(m, p, **kw) for m, p, kw in calls(api)]
    else:

        async def go() -> list[RawResult]:
            async with httpx.AsyncClient(transport=instance.transport()) as http:
                api = AsyncBackendAPI(
                    instance.secret_key, api_url=instance.api_url, http_client=http
                )
                return [await api.send_raw(m, p, **kw) for m, p, kw in calls(api)]

        results = asyncio.run(go())
    assert [r.status for r in results] == [200, 404, 200, 200, 404]
    assert results[0].data["directives"] == ["__session=abc; Path=/"]
    assert results[2].data["subject"] == "mch_1"
    assert results[3].data["subject"] == "user_1"
    m2m = [r for r in instance.requests if r.url.path == "/v1/m2m_tokens/verify"]
    assert m2m[0].headers["authorization"] == f"Bearer {instance.machine_secret_key}"


# ------------------------------------------------------------------------------ pooled clients
def test_the_async_client_reuses_one_pooled_client_per_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[httpx.AsyncClient] = []
    real = httpx.AsyncClient
    instance = LocalClerkInstance()
    instance.backend.add_user("user_1")

    def counting(**kwargs: Any) -> httpx.AsyncClient:
        client = real(transport=instance.transport(), **kwargs)
        made.append(client)
        return client

    monkeypatch.setattr(httpx, "AsyncClient", counting)
    api = AsyncBackendAPI(instance.secret_key, api_url=instance.api_url)

    async def go() -> None:
        await api.users.get("user_1")
        await api.send_raw("GET", "/users/user_1")
        await api.users.get("user_1")
        assert len(made) == 1  # one client, made on first use, kept
        await api.aclose()
        assert made[0].is_closed
        await api.users.get("user_1")  # a new one after aclose
        assert len(made) == 2
        async with api:
            pass
        assert made[1].is_closed

    asyncio.run(go())
    asyncio.run(go_again(api, made))


async def go_again(api: AsyncBackendAPI, made: list[httpx.AsyncClient]) -> None:
    """A second event loop gets its own client (connections belong to their loop)."""
    await api.users.get("user_1")
    assert len(made) == 3
    await api.aclose()


def test_a_client_passed_in_is_used_and_left_open() -> None:
    recorder = Recorder(httpx.Response(200, json={"id": "user_1"}))
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    with BackendAPI(SECRET, http_client=http) as api:
        api.users.get("user_1")
        api.send_raw("GET", "/users/user_1")
    assert not http.is_closed
    assert len(recorder.sent) == 2
    http.close()

    async def go() -> None:
        ahttp = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
        async with AsyncBackendAPI(SECRET, http_client=ahttp) as aapi:
            await aapi.send_raw("GET", "/users/user_1")
        assert not ahttp.is_closed
        await ahttp.aclose()

    asyncio.run(go())


def test_the_sync_client_makes_one_pooled_client_and_closes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[httpx.Client] = []
    real = httpx.Client
    recorder = Recorder(httpx.Response(200, json={"id": "user_1"}))

    def counting(**kwargs: Any) -> httpx.Client:
        client = real(transport=httpx.MockTransport(recorder), **kwargs)
        made.append(client)
        return client

    monkeypatch.setattr(httpx, "Client", counting)
    api = BackendAPI(SECRET)
    assert made == []  # made on first use
    api.users.get("user_1")
    api.send_raw("GET", "/users/user_1")
    assert len(made) == 1
    api.close()
    assert made[0].is_closed
