"""Every adapter answers a repeated signed-in ``Cookie`` header from the engine's memory before it
builds a request view (``Clerk.remembered_cookie_state``), with the answer of the full procedure;
an ``Authorization`` header beside the cookie still takes the header's path."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.test_refusal_adapters import ADAPTERS, Build


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


def browser(instance: LocalClerkInstance, token: str) -> dict[str, str]:
    uat = int(instance.clock()) - 100
    return {
        "accept": "application/json",
        "sec-fetch-dest": "empty",
        "referer": "http://testserver/dashboard",
        "cookie": f"_ga=GA1.1.2; __session={token}; __client_uat={uat}; theme=dark",
    }


def counting(engine: Clerk, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each full authentication the engine runs."""
    calls: list[str] = []
    sync, asynchronous = engine.authenticate_request, engine.authenticate_request_async

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append("sync")
        return sync(*args, **kwargs)

    async def aspy(*args: Any, **kwargs: Any) -> Any:
        calls.append("async")
        return await asynchronous(*args, **kwargs)

    monkeypatch.setattr(engine, "authenticate_request", spy)
    monkeypatch.setattr(engine, "authenticate_request_async", aspy)
    return calls


def test_a_repeated_cookie_header_skips_the_full_procedure(
    prod: LocalClerkInstance, adapter: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = prod.clerk()
    get = adapter(engine)
    calls = counting(engine, monkeypatch)
    headers = browser(prod, prod.session_token("user_c"))
    answers = [get("/signed-in", headers) for _ in range(5)]
    assert {(a[0], repr(a[1])) for a in answers} == {(200, repr({"user_id": "user_c"}))}
    # Verified, then remembered (which remembers the header), then answered from the header.
    assert len(calls) == 2


def test_the_remembered_header_gets_the_answer_of_its_first_requests(
    prod: LocalClerkInstance, adapter: Build
) -> None:
    engine = prod.clerk()
    get = adapter(engine)
    member = browser(prod, prod.session_token("user_m", org_id="org_1", org_role="org:member"))
    first = get("/admin", member)
    assert first[0] == 403
    assert get("/admin", member) == first == get("/admin", member) == get("/admin", member)


def test_an_authorization_header_beside_a_remembered_cookie_is_judged(
    prod: LocalClerkInstance, adapter: Build
) -> None:
    engine = prod.clerk()
    get = adapter(engine)
    headers = browser(prod, prod.session_token("user_c"))
    for _ in range(3):
        assert get("/signed-in", headers)[0] == 200
    forged = {**headers, "authorization": f"Bearer {prod.bad_signature_token()}"}
    status, body, _ = get("/signed-in", forged)
    assert status == 401
    assert body["reason"] == "token-invalid-signature"


def test_an_expired_session_token_is_not_served_from_its_header(
    prod: LocalClerkInstance, adapter: Build
) -> None:
    engine = prod.clerk()
    get = adapter(engine)
    headers = browser(prod, prod.session_token("user_c", lifetime=60))
    for _ in range(3):
        assert get("/signed-in", headers)[0] == 200
    prod.clock.advance(120)  # type: ignore[attr-defined]
    assert get("/signed-in", headers)[0] == 401


# ------------------------------------------------------------------ Starlette's raw ASGI headers
def _scope(headers: list[tuple[bytes, bytes]], method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "scheme": "http",
        "path": "/api",
        "raw_path": b"/api",
        "query_string": b"",
        "headers": headers,
        "server": ("testserver", 80),
    }


def test_starlette_reads_raw_headers_conservatively(prod: LocalClerkInstance) -> None:
    pytest.importorskip("starlette")
    from clerk_core import RequestView
    from clerk_starlette.middleware import remembered

    engine = prod.clerk()
    cookie = browser(prod, prod.session_token("user_c"))["cookie"]
    view = RequestView("GET", "http://testserver/api", {"host": "testserver", "cookie": cookie})
    for _ in range(2):
        assert engine.authenticate_request(view).is_signed_in
    plain = [(b"host", b"testserver"), (b"cookie", cookie.encode())]
    assert remembered(engine, _scope(plain)) is not None
    # An Authorization line, however spelt, sends the request to the header's path.
    for name in (b"authorization", b"Authorization"):
        assert remembered(engine, _scope([*plain, (name, b"Bearer junk")])) is None
    # Two Cookie lines are joined by the full procedure: not answered from one of them.
    assert remembered(engine, _scope([*plain, (b"cookie", b"theme=light")])) is None
    # A WebSocket and an unsafe method carry the cross-site check: not answered here.
    assert remembered(engine, {**_scope(plain), "type": "websocket"}) is None
    assert remembered(engine, _scope(plain, method="POST")) is None


def test_starlette_headers_given_as_an_iterator_are_read_once(prod: LocalClerkInstance) -> None:
    """ASGI allows any iterable of header pairs: asking the memories must leave them for the view."""
    pytest.importorskip("starlette")
    from clerk_starlette.middleware import remembered, request_view

    engine = prod.clerk()
    token = prod.session_token("user_c")
    pairs = [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())]
    scope = _scope([])
    scope["headers"] = iter(pairs)
    assert remembered(engine, scope) is None  # not remembered yet
    view = request_view(scope)
    assert view.headers["authorization"] == f"Bearer {token}"
    assert engine.authenticate_request(view).is_signed_in


def test_one_auth_event_per_request_from_the_remembered_header(
    prod: LocalClerkInstance, adapter: Build
) -> None:
    from clerk_core.events import DecisionRecorder

    recorder = DecisionRecorder(10)
    get = adapter(prod.clerk(on_auth_event=recorder))
    headers = browser(prod, prod.session_token("user_c"))
    for _ in range(3):
        assert get("/signed-in", headers)[0] == 200
    events = recorder.events()
    assert [(e.status, e.token_source) for e in events] == [("signed-in", "cookie")] * 3
    assert events[-1].entry_point == "remembered_cookie_state"
    assert events[-1].memory_hit is True


# ------------------------------------------------------------------ signed-out browsers
def signed_out_browser(**extra: str) -> dict[str, str]:
    return {
        "accept": "application/json",
        "sec-fetch-dest": "empty",
        "referer": "http://testserver/",
        **extra,
    }


@pytest.mark.parametrize(
    ("headers", "full_runs"),
    [
        (signed_out_browser(cookie="_ga=GA1.1.2; __client_uat=0; theme=dark"), 1),
        (signed_out_browser(cookie="_ga=GA1.1.2; theme=dark"), 0),
        (signed_out_browser(), 0),
    ],
    ids=["client-uat-0", "no-clerk-cookies", "no-cookie-header"],
)
def test_a_signed_out_browser_is_answered_from_its_header(
    prod: LocalClerkInstance,
    adapter: Build,
    monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, str],
    full_runs: int,
) -> None:
    """The same 401, body and Clerk headers as the full procedure, which runs at most once (to
    read a ``__client_uat``) for a browser repeating its header."""
    full = prod.clerk()
    full._cookie_fast = full._signed_out_fast = False
    expected = adapter(full)("/signed-in", headers)
    assert expected[0] == 401
    assert expected[1]["reason"] == "session-token-and-uat-missing"
    assert expected[2]["x-clerk-auth-status"] == ["signed-out"]
    engine = prod.clerk()
    get = adapter(engine)
    calls = counting(engine, monkeypatch)
    for _ in range(4):
        assert get("/signed-in", headers) == expected
    assert len(calls) == full_runs


def test_a_signed_out_browser_with_an_active_client_is_judged_each_time(
    prod: LocalClerkInstance, adapter: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = prod.clerk()
    get = adapter(engine)
    calls = counting(engine, monkeypatch)
    headers = signed_out_browser(cookie=f"__client_uat={int(prod.clock()) - 100}")
    answers = [get("/signed-in", headers) for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401
    assert len(calls) == 3


def test_the_wsgi_reader_leaves_text_no_server_sends_to_the_full_procedure(
    prod: LocalClerkInstance,
) -> None:
    """A WSGI environ holds Latin-1 text (PEP 3333); anything else (a test client's Unicode) is
    judged by the full procedure, which the reader leaves it to."""
    from clerk_core.adapter import remembered_from_environ

    engine = prod.clerk()
    assert remembered_from_environ(engine, {"HTTP_COOKIE": "theme=dark"}, "GET") is not None
    assert remembered_from_environ(engine, {"HTTP_COOKIE": "theme=\u2603"}, "GET") is None
    assert remembered_from_environ(engine, {"QUERY_STRING": "q=\u2603"}, "GET") is None
    assert (
        remembered_from_environ(engine, {"HTTP_REFERER": "https://\u2603.example/"}, "GET") is None
    )
    # Latin-1 beyond ASCII is what servers deliver for such bytes: answered.
    assert remembered_from_environ(engine, {"HTTP_COOKIE": "theme=caf\u00e9"}, "GET") is not None
