"""Auth decision events (clerk_core.events): one event per request state, with the documented
fields, never a token or a secret; the recorder; debug logging; hooks that fail."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkAPIError,
    ClerkConfigurationError,
    ClerkOptions,
    RequestView,
)
from clerk_core.events import (
    LOGGER_NAME,
    AuthEvent,
    BackendAPICall,
    DecisionRecorder,
    JWKSFetch,
    read_events_file,
    subscribe,
)
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.core.conftest import Runner

T = 1_700_000_000.0
FIELDS = {
    "status",
    "reason",
    "token_type",
    "token_source",
    "memory_hit",
    "key_source",
    "handshake",
    "refresh",
    "duration_ms",
    "entry_point",
    "timestamp",
    "frontend_api",
}


@pytest.fixture
def prod() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.prod.test",
        authorized_parties=("https://app.example",),
        clock=FakeClock(T),
    )


def valid(instance: LocalClerkInstance, user: str = "user_1", **kwargs: Any) -> str:
    return instance.session_token(user, iat=T - 60, lifetime=120, **kwargs)


def doc(
    path: str = "/dashboard",
    *,
    bearer: str | None = None,
    cookies: dict[str, str] | None = None,
    page: bool = True,
    method: str = "GET",
) -> RequestView:
    headers = {"host": "app.example"}
    if page:
        headers |= {"sec-fetch-dest": "document", "accept": "text/html"}
    if bearer is not None:
        headers["authorization"] = f"Bearer {bearer}"
    if cookies:
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return RequestView(method, f"https://app.example{path}", headers)


def engine(instance: LocalClerkInstance, **overrides: Any) -> tuple[Clerk, DecisionRecorder]:
    recorder = DecisionRecorder(50)
    return instance.clerk(on_auth_event=recorder, **overrides), recorder


def one_event(recorder: DecisionRecorder) -> AuthEvent:
    events = recorder.events()
    assert len(events) == 1, events
    recorder.clear()
    return events[0]


def summary(event: AuthEvent) -> tuple[Any, ...]:
    return (
        event.status,
        event.reason,
        event.token_type,
        event.token_source,
        event.memory_hit,
        event.key_source,
        event.handshake,
        event.refresh,
    )


# ------------------------------------------------------------------ one event per state
def test_without_hook_or_debug_the_engine_has_no_observer(prod: LocalClerkInstance) -> None:
    assert prod.clerk()._observer is None
    assert prod.clerk(debug=True)._observer is not None
    assert prod.clerk(on_auth_event=DecisionRecorder())._observer is not None


def test_bearer_paths(prod: LocalClerkInstance, run: Runner) -> None:
    clerk, recorder = engine(prod)
    token = valid(prod)
    run(clerk, doc(bearer=token, page=False))
    first = one_event(recorder)
    assert summary(first) == (
        "signed-in",
        None,
        "session_token",
        "header",
        False,
        "fetched",
        None,
        None,
    )
    assert first.entry_point in ("authenticate_request", "authenticate_request_async")
    assert first.frontend_api == "clerk.prod.test"
    assert first.timestamp == T
    assert first.duration_ms >= 0
    assert set(first.as_dict()) == FIELDS  # no ids unless asked for
    run(clerk, doc(bearer=token, page=False))
    assert summary(one_event(recorder))[4:6] == (True, None)  # the memory answered
    run(clerk, doc(bearer=valid(prod, "user_2"), page=False))
    assert summary(one_event(recorder))[4:6] == (False, "cached")  # a new token, a cached key
    run(clerk, doc(bearer=prod.bad_signature_token(), page=False))
    assert summary(one_event(recorder))[:4] == (
        "signed-out",
        "token-invalid-signature",
        "session_token",
        "header",
    )
    run(clerk, doc(bearer=prod.expired_token(), page=False))
    event = one_event(recorder)
    assert event.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    assert event.refresh == "non-eligible-no-refresh-cookie"


def test_cookie_paths(prod: LocalClerkInstance, run: Runner) -> None:
    clerk, recorder = engine(prod)
    run(clerk, doc())
    assert summary(one_event(recorder))[:4] == (
        "signed-out",
        "session-token-and-uat-missing",
        "session_token",
        "cookie",
    )
    token = valid(prod)
    cookies = {"__session": token, "__client_uat": str(int(T - 100))}
    run(clerk, doc(cookies=cookies))
    assert summary(one_event(recorder)) == (
        "signed-in",
        None,
        "session_token",
        "cookie",
        False,
        "fetched",
        None,
        None,
    )
    run(clerk, doc(cookies=cookies))
    assert one_event(recorder).memory_hit is True
    # An expired cookie on a page: the handshake.
    expired = {"__session": prod.expired_token(), "__client_uat": str(int(T - 500))}
    run(clerk, doc(cookies=expired))
    event = one_event(recorder)
    assert (event.status, event.handshake) == ("handshake", "redirect")
    assert event.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"


def test_refresh_outcome(prod: LocalClerkInstance, run: Runner) -> None:
    clerk, recorder = engine(prod)
    s = prod.cookie_suffix
    cookies = {
        f"__session_{s}": prod.expired_token("user_r"),
        f"__client_uat_{s}": str(int(T - 500)),
        prod.refresh_cookie_name: prod.refresh_token("user_r"),
    }
    run(clerk, doc(cookies=cookies, page=False))
    event = one_event(recorder)
    assert (event.status, event.refresh, event.handshake) == ("signed-in", "refreshed", None)
    cookies[prod.refresh_cookie_name] = "rt_unknown"
    run(clerk, doc(cookies=cookies, page=False))
    event = one_event(recorder)
    assert event.status == "signed-out"
    assert event.refresh is not None
    assert event.refresh != "refreshed"
    assert event.reason == f"session-token-expired-refresh-{event.refresh}"


def test_handshake_return_trip(prod: LocalClerkInstance, run: Runner) -> None:
    clerk, recorder = engine(prod)
    token = valid(prod, "user_hs")
    nonce = prod.backend.handshake_nonce(
        [f"__session={token}; Path=/", f"__client_uat={int(T) - 5}; Path=/"]
    )
    run(clerk, doc(f"/dashboard?__clerk_handshake_nonce={nonce}"))
    event = one_event(recorder)
    assert (event.status, event.handshake, event.refresh) == ("signed-in", "resolved", None)


def test_machine_tokens_and_type_mismatch(prod: LocalClerkInstance, run: Runner) -> None:
    clerk, recorder = engine(prod, accepts_token="any")
    run(clerk, doc(bearer=prod.api_key("user_1"), page=False))
    event = one_event(recorder)
    assert (event.status, event.token_type, event.token_source) == (
        "signed-in",
        "api_key",
        "header",
    )
    assert event.key_source is None
    run(clerk, doc(bearer=prod.api_key("user_1"), page=False), accepts_token="session_token")
    assert one_event(recorder).status == "signed-out"


def test_unexpected_error_is_one_event(
    prod: LocalClerkInstance, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk, recorder = engine(prod)

    def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(clerk, "_start", broken)
    run(clerk, doc(bearer="not-a-jwt", page=False))
    event = one_event(recorder)
    assert (event.status, event.reason, event.token_source) == (
        "signed-out",
        "unexpected-error",
        None,
    )


def test_remembered_state_emits_only_when_it_answers(prod: LocalClerkInstance) -> None:
    clerk, recorder = engine(prod)
    token = valid(prod)
    assert clerk.remembered_state(f"Bearer {token}") is None
    assert recorder.events() == []  # nothing decided: authenticate_request will decide
    clerk.authenticate_request(doc(bearer=token, page=False))
    recorder.clear()
    assert clerk.remembered_state(f"Bearer {token}") is not None
    event = one_event(recorder)
    assert (event.entry_point, event.memory_hit, event.status) == (
        "remembered_state",
        True,
        "signed-in",
    )


def test_pem_key_source(prod: LocalClerkInstance) -> None:
    clerk, recorder = engine(prod, networkless=True)
    clerk.authenticate_request(doc(bearer=valid(prod), page=False))
    assert one_event(recorder).key_source == "pem"


def test_ids_only_when_the_app_opts_in(prod: LocalClerkInstance) -> None:
    token = valid(prod, org_id="org_9", org_role="org:admin")
    clerk, recorder = engine(prod)
    clerk.authenticate_request(doc(bearer=token, page=False))
    event = one_event(recorder)
    assert (event.user_id, event.session_id, event.org_id) == (None, None, None)
    clerk, recorder = engine(prod, auth_events_include_ids=True)
    clerk.authenticate_request(doc(bearer=token, page=False))
    event = one_event(recorder)
    assert (event.user_id, event.session_id, event.org_id) == ("user_1", "sess_1", "org_9")
    assert {"user_id", "session_id", "org_id"} <= set(event.as_dict())


def test_event_is_frozen(prod: LocalClerkInstance) -> None:
    clerk, recorder = engine(prod)
    clerk.authenticate_request(doc(page=False))
    with pytest.raises(dataclasses.FrozenInstanceError):
        one_event(recorder).status = "signed-in"  # type: ignore[misc]


# ------------------------------------------------------------------ hooks that fail
def test_a_hook_that_raises_never_breaks_a_request(
    prod: LocalClerkInstance, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[AuthEvent] = []

    def bad_hook(event: AuthEvent) -> None:
        calls.append(event)
        raise ValueError("the hook is broken")

    clerk = prod.clerk(on_auth_event=bad_hook)
    token = valid(prod)
    with caplog.at_level(logging.ERROR, logger=LOGGER_NAME):
        for _ in range(3):
            state = clerk.authenticate_request(doc(bearer=token, page=False))
            assert state.status is AuthStatus.SIGNED_IN
    assert len(calls) == 3
    failures = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert len(failures) == 1  # logged once, then quiet
    assert "bad_hook" in failures[0].getMessage()


def test_hook_must_be_callable() -> None:
    instance = LocalClerkInstance()
    with pytest.raises(ClerkConfigurationError, match="on_auth_event must be a callable"):
        instance.options(on_auth_event="my_module.hook")
    with pytest.raises(ClerkConfigurationError, match="debug must be True or False"):
        instance.options(debug="yes")


def test_subscribe_and_unsubscribe(prod: LocalClerkInstance) -> None:
    clerk = prod.clerk()
    seen: list[AuthEvent] = []
    unsubscribe = subscribe(clerk, seen.append)
    clerk.authenticate_request(doc(page=False))
    assert len(seen) == 1
    unsubscribe()
    assert clerk._observer is None  # back to one attribute test per request
    clerk.authenticate_request(doc(page=False))
    assert len(seen) == 1


def test_options_hook_and_subscribed_hook_both_receive(prod: LocalClerkInstance) -> None:
    clerk, recorder = engine(prod)
    seen: list[AuthEvent] = []
    subscribe(clerk, seen.append)
    clerk.authenticate_request(doc(page=False))
    assert len(seen) == len(recorder) == 1


# ------------------------------------------------------------------ debug logging
def test_debug_logs_each_decision_with_structured_extra(
    prod: LocalClerkInstance, caplog: pytest.LogCaptureFixture
) -> None:
    clerk = prod.clerk(debug=True)
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        clerk.authenticate_request(doc(bearer=prod.bad_signature_token(), page=False))
    records = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.INFO
    assert "signed-out" in record.getMessage()
    assert "token-invalid-signature" in record.getMessage()
    assert record.clerk_status == "signed-out"  # type: ignore[attr-defined]
    assert record.clerk_reason == "token-invalid-signature"  # type: ignore[attr-defined]
    assert record.clerk_token_source == "header"  # type: ignore[attr-defined]
    assert record.clerk_event["status"] == "signed-out"  # type: ignore[attr-defined]


def test_debug_and_hook_together(
    prod: LocalClerkInstance, caplog: pytest.LogCaptureFixture
) -> None:
    clerk, recorder = engine(prod, debug=True)
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        clerk.authenticate_request(doc(page=False))
    assert len(recorder) == 1
    assert len([r for r in caplog.records if r.name == LOGGER_NAME]) == 1


# ------------------------------------------------------------------ no secret in events or logs
def hostile_tokens(instance: LocalClerkInstance) -> list[str]:
    """Tokens whose parts an event might be tempted to echo: a kid and claims carrying
    markup and the secret key itself, a bad signature, junk, and a long run of junk."""
    return [
        instance.sign(
            {"sub": "user_x", "sid": instance.secret_key, "iat": T - 10, "exp": T + 60},
            headers={"kid": "<script>" + instance.secret_key},
        ),
        instance.bad_signature_token(),
        instance.expired_token(),
        instance.other_key_token(),
        "eyJhbGciOiJub25lIn0." + "A" * 300 + ".sig" + instance.secret_key,
        instance.secret_key,
        "x" * 5000,
    ]


def secrets_of(instance: LocalClerkInstance, token: str) -> list[str]:
    found = [instance.secret_key, instance.webhook_signing_secret, instance.machine_secret_key]
    found.append(token)
    if token.count(".") == 2:
        found.extend(part for part in token.split(".") if len(part) >= 8)
    return found


def test_no_token_or_secret_reaches_an_event_or_a_log_line(
    prod: LocalClerkInstance, run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    clerk, recorder = engine(prod, debug=True, auth_events_include_ids=True)
    for token in hostile_tokens(prod):
        recorder.clear()
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            run(clerk, doc(bearer=token, page=False))
            run(clerk, doc(cookies={"__session": token, "__client_uat": str(int(T - 100))}))
        events = recorder.events()
        assert len(events) == 2
        texts = [repr(e) + json.dumps(e.as_dict()) for e in events]
        texts.append(caplog.text)
        texts.extend(json.dumps(getattr(r, "clerk_event", {})) for r in caplog.records)
        for secret in secrets_of(prod, token):
            for text in texts:
                assert secret not in text


# ------------------------------------------------------------------ the recorder
def test_recorder_keeps_the_last_n(prod: LocalClerkInstance) -> None:
    recorder = DecisionRecorder(3)
    clerk = prod.clerk(on_auth_event=recorder)
    for i in range(5):
        clerk.authenticate_request(doc(f"/p{i}", page=False))
    assert len(recorder) == 3
    with pytest.raises(ValueError, match="at least 1"):
        DecisionRecorder(0)


def test_recorder_is_thread_safe(prod: LocalClerkInstance) -> None:
    recorder = DecisionRecorder(10_000)
    clerk = prod.clerk(on_auth_event=recorder)
    token = valid(prod)

    def work() -> None:
        for _ in range(50):
            clerk.authenticate_request(doc(bearer=token, page=False))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(recorder) == 400


def test_recorder_file_and_rotation(prod: LocalClerkInstance, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    recorder = DecisionRecorder(5, path=path, max_file_bytes=2_000)
    clerk = prod.clerk(on_auth_event=recorder)
    for _ in range(40):
        clerk.authenticate_request(doc(page=False))
    assert (tmp_path / "events.jsonl.1").exists()
    assert path.stat().st_size < 2_000 + 500
    events = read_events_file(path, limit=5)
    assert len(events) == 5
    assert all(e["reason"] == "session-token-and-uat-missing" for e in events)
    kept = read_events_file(path, limit=1000)
    assert 5 < len(kept) < 40  # this file and the rotated one; older lines are gone
    path.write_text(path.read_text() + "not json\n[1]\n")
    assert len(read_events_file(path, limit=1000)) == len(kept)
    assert read_events_file(tmp_path / "missing.jsonl") == []


def test_recorder_write_failure_is_logged_once(
    prod: LocalClerkInstance, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = DecisionRecorder(5, path=tmp_path / "no-such-dir" / "events.jsonl")
    clerk = prod.clerk(on_auth_event=recorder)
    with caplog.at_level(logging.WARNING, logger=LOGGER_NAME):
        for _ in range(3):
            clerk.authenticate_request(doc(page=False))
    assert len(recorder) == 3
    assert len([r for r in caplog.records if r.name == LOGGER_NAME]) == 1


# ------------------------------------------------------------------ JWKS and Backend API hooks
def test_jwks_fetch_reports(prod: LocalClerkInstance) -> None:
    clerk = prod.clerk()
    fetches: list[JWKSFetch] = []
    clerk.keys.on_fetch = fetches.append  # type: ignore[attr-defined]
    clerk.authenticate_request(doc(bearer=valid(prod), page=False))
    assert len(fetches) == 1
    assert (fetches[0].ok, fetches[0].status, fetches[0].reason) == (True, 200, None)
    assert fetches[0].key_count >= 1

    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    broken = Clerk(
        prod.options(),
        http_client=httpx.Client(transport=httpx.MockTransport(down)),
        clock=prod.clock,
    )
    failed: list[JWKSFetch] = []
    broken.keys.on_fetch = failed.append  # type: ignore[attr-defined]
    state = broken.authenticate_request(doc(bearer=valid(prod), page=False))
    assert state.reason == "jwk-remote-failed-to-load"
    assert [(f.ok, f.status, f.reason) for f in failed] == [
        (False, 503, "jwk-remote-failed-to-load")
    ]


def test_a_raising_jwks_hook_leaves_the_fetch_alone(prod: LocalClerkInstance) -> None:
    clerk = prod.clerk()

    def bad(fetch: JWKSFetch) -> None:
        raise RuntimeError("metrics down")

    clerk.keys.on_fetch = bad  # type: ignore[attr-defined]
    state = clerk.authenticate_request(doc(bearer=valid(prod), page=False))
    assert state.status is AuthStatus.SIGNED_IN


def test_backend_api_call_reports(prod: LocalClerkInstance) -> None:
    prod.backend.add_user("user_1")
    clerk = prod.clerk()
    api = clerk.backend_api
    calls: list[BackendAPICall] = []
    api.on_call = calls.append
    prod.backend.fail_next(503, times=1)
    api.users.get("user_1")
    assert len(calls) == 1
    call = calls[0]
    assert (call.method, call.endpoint, call.status, call.failure) == (
        "GET",
        "/users/{user_id}",
        200,
        None,
    )
    assert (call.attempts, call.retries, call.circuit_open) == (2, 1, False)
    with pytest.raises(ClerkAPIError):
        api.users.get("user_missing")
    assert calls[-1].status == 404
    assert calls[-1].failure is not None


def test_backend_api_raw_calls_report_with_ids_templated(prod: LocalClerkInstance) -> None:
    clerk = prod.clerk()
    api = clerk.backend_api_async
    calls: list[BackendAPICall] = []
    api.on_call = calls.append

    async def go() -> None:
        await api.send_raw("POST", "/sessions/sess_abc123/refresh", json={})

    asyncio.run(go())
    assert len(calls) == 1
    assert calls[0].endpoint == "/sessions/{id}/refresh"
    assert calls[0].attempts == 1


def test_open_circuit_is_reported(prod: LocalClerkInstance) -> None:
    clerk = prod.clerk()
    api = clerk.backend_api
    calls: list[BackendAPICall] = []
    api.on_call = calls.append
    prod.backend.fail_next(500, times=50)
    for _ in range(6):
        api.send_raw("GET", "/users")
    assert calls[-1].circuit_open is True
    assert calls[-1].failure == "circuit_open"
    assert calls[-1].attempts == 0


# ------------------------------------------------------------------ the hostile-input corpus
def test_no_event_of_the_token_corpus_carries_token_or_key_material(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every token of the project's hostile-input corpus, in both key modes, sync and async:
    one event each, and no fragment of the token, of its signature or of the secret key in any
    event or log line."""
    from tests.core.test_corpus import SECRET, TOKEN_CASES, api_request, corpus_engine, corpus_token

    for mode in ("jwks", "pem"):
        clerk = corpus_engine(mode)
        recorder = DecisionRecorder(10)
        subscribe(clerk, recorder)
        clerk._observer.log = True  # type: ignore[union-attr]  # debug logging too
        for case in TOKEN_CASES:
            token = corpus_token(case)
            recorder.clear()
            caplog.clear()
            with caplog.at_level(logging.DEBUG):
                clerk.authenticate_request(api_request(token))
                asyncio.run(clerk.authenticate_request_async(api_request(token)))
            events = recorder.events()
            assert len(events) == 2, case["id"]
            texts = [json.dumps(e.as_dict()) + repr(e) for e in events]
            texts += [
                caplog.text,
                *(json.dumps(getattr(r, "clerk_event", {})) for r in caplog.records),
            ]
            fragments = {SECRET}
            if len(token) >= 16:
                fragments |= {token[i : i + 16] for i in range(0, min(len(token), 4096) - 16, 97)}
                signature = token.rsplit(".", 1)[-1]
                if len(signature) >= 16:
                    fragments.add(signature[:16])
            for fragment in fragments:
                assert all(fragment not in text for text in texts), case["id"]


def test_clerk_debug_environment_variable() -> None:
    instance = LocalClerkInstance()
    base = {
        "CLERK_PUBLISHABLE_KEY": instance.publishable_key,
        "CLERK_SECRET_KEY": instance.secret_key,
    }
    assert ClerkOptions.from_env({**base, "CLERK_DEBUG": "true"}).debug is True
    assert ClerkOptions.from_env({**base, "CLERK_DEBUG": "0"}).debug is False
    assert ClerkOptions.from_env(base).debug is False
    with pytest.raises(ClerkConfigurationError, match="CLERK_DEBUG must be true or false"):
        ClerkOptions.from_env({**base, "CLERK_DEBUG": "verbose"})
