"""Signed-out browsers answered by their ``Cookie`` header (``clerk_core._cookie_memory``).

On a production primary, a browser without a session cookie is signed out
(``session-token-and-uat-missing``) when its ``__client_uat`` is absent or 0: the engine says so
from the header alone (``Clerk.remembered_cookie_state`` / ``remembered_raw_cookie_state``, and
``authenticate_request`` before it builds its context), remembering a header whose
``__client_uat`` it read as 0. Every answer here is compared with the full procedure's (an engine
with both shortcuts off), and the shortcut is shown to answer where it should, so that the
comparison is not an empty one.
"""

from __future__ import annotations

from typing import Any

import pytest

from clerk_core import AuthStatus, RequestView
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.fast_path_kit import ask, outcome, pair

HOST = "app.example"
ORIGIN = f"https://{HOST}"


@pytest.fixture
def prod(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.signedout.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
    )


def request(
    cookie: str | None, *, method: str = "GET", query: str = "", **headers: str
) -> RequestView:
    all_headers = {"host": HOST, **{k.replace("_", "-"): v for k, v in headers.items()}}
    if cookie is not None:
        all_headers["cookie"] = cookie
    url = f"{ORIGIN}/dashboard" + (f"?{query}" if query else "")
    return RequestView(method, url, all_headers)


def matrix(instance: LocalClerkInstance) -> dict[str, tuple[RequestView, bool]]:
    """Requests, and whether the shortcut should answer them (after a first request)."""
    s = instance.cookie_suffix
    page = {"sec_fetch_dest": "document", "accept": "text/html"}
    return {
        "no cookie header": (request(None), True),
        "empty cookie header": (request(""), True),
        "other cookies only": (request("_ga=GA1.1.2; theme=dark"), True),
        "uat 0": (request("_ga=1; __client_uat=0; theme=dark"), True),
        "both uats 0": (request(f"__client_uat=0; __client_uat_{s}=0"), True),
        "uat empty": (request("__client_uat="), True),
        "uat not a number": (request("__client_uat=abc"), True),
        "uat quoted 0": (request('__client_uat="0"'), True),
        "uat 00": (request("__client_uat=00"), True),
        "uat negative": (request("__client_uat=-1"), False),
        "uat spaced": (request("__client_uat = 0 "), True),
        "uat active": (request("__client_uat=1700000000", **page), False),
        "uat active, api call": (request("__client_uat=1700000000"), False),
        "suffixed uat active": (request(f"__client_uat=0; __client_uat_{s}=1700000000"), False),
        "plain uat active": (request(f"__client_uat=1700000000; __client_uat_{s}=0"), False),
        "uat 0 then active": (request("__client_uat=0; __client_uat=1700000000"), True),
        "uat 0, page from elsewhere": (
            request("__client_uat=0", **page, referer="https://elsewhere.example/"),
            True,
        ),
        "no cookies, page from a satellite": (
            request(None, **page, referer="https://satellite.example/"),
            True,
        ),
        "uat 0, POST": (request("__client_uat=0", method="POST"), True),
        "uat 0, DELETE from elsewhere": (
            request("__client_uat=0", method="DELETE", origin="https://evil.example"),
            True,
        ),
        "handshake cookie": (request("__clerk_handshake=abc; __client_uat=0"), False),
        "handshake nonce cookie": (request("__clerk_handshake_nonce=abc"), False),
        "handshake query": (request("__client_uat=0", query="__clerk_handshake=abc"), False),
        "encoded handshake query": (
            request(None, query="%5F%5Fclerk_handshake=abc"),
            False,
        ),
        "synced query": (request(None, query="__clerk_synced=true"), False),
        "plain query": (request("__client_uat=0", query="page=2&q=x"), True),
        "session cookie": (request(f"__session={instance.session_token()}"), False),
        "empty session cookie": (request("__session=; __client_uat=0"), False),
        "basic authorization": (request("__client_uat=0", authorization="Basic dXNlcg=="), False),
        "over the size cap": (request("__client_uat=0; pad=" + "x" * 17000), False),
        "no uat, over the size cap": (request("pad=" + "x" * 17000), True),
    }


def test_each_request_gets_the_answer_of_the_full_procedure(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock)
    for name, (req, answered) in matrix(prod).items():
        reference = outcome(full.authenticate_request(req))
        for _ in range(3):  # the first request may read the cookies; the next ones need not
            assert outcome(fast.authenticate_request(req)) == reference, name
        asked = ask(fast, req)
        if answered:
            assert asked is not None, name
            assert outcome(asked) == reference, name
            assert asked.status is AuthStatus.SIGNED_OUT
            assert asked.reason == "session-token-and-uat-missing"
        elif asked is not None:  # only a signed-in session's own memory may answer
            assert asked.status is AuthStatus.SIGNED_IN, name
            assert outcome(asked) == reference, name
    # The raw API (what ASGI adapters call) agrees with the text one.
    cookie = b"_ga=1; __client_uat=0"
    assert fast.remembered_raw_cookie_state(cookie, "GET", b"", None, None) is None  # unseen
    fast.authenticate_request(request(cookie.decode()))
    raw = fast.remembered_raw_cookie_state(b" " + cookie, "POST", b"a=1", None, None)
    assert raw is not None
    assert outcome(raw) == outcome(full.authenticate_request(request(cookie.decode())))


def test_an_unseen_uat_header_is_read_once_then_answered_from_memory(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, _ = pair(prod, clock)
    req = request("_ga=1; __client_uat=0; theme=dark")
    assert ask(fast, req) is None  # never read: the adapter builds its view
    assert fast.authenticate_request(req).reason == "session-token-and-uat-missing"
    assert len(fast._signed_out) == 1
    assert ask(fast, req) is not None
    # Without __client_uat at all, nothing needs remembering.
    assert ask(fast, request("_ga=1; theme=dark")) is not None
    assert len(fast._signed_out) == 1


def test_an_active_client_uat_is_never_remembered(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, _ = pair(prod, clock)
    req = request("__client_uat=1700000000", sec_fetch_dest="document", accept="text/html")
    for _ in range(3):
        state = fast.authenticate_request(req)
        assert state.status is AuthStatus.HANDSHAKE
    assert len(fast._signed_out) == 0
    assert ask(fast, req) is None


@pytest.mark.parametrize(
    "options",
    [
        {"instance_type": "development"},
        {"is_satellite": True, "domain": "satellite.example", "sign_in_url": f"{ORIGIN}/sign-in"},
    ],
    ids=["development", "satellite"],
)
def test_development_instances_and_satellites_always_read_the_cookies(
    clock: FakeClock, options: dict[str, Any]
) -> None:
    instance = LocalClerkInstance(
        frontend_api="clerk.signedout.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
        instance_type=options.pop("instance_type", "production"),
    )
    fast, full = pair(instance, clock, **options)
    assert not fast._signed_out_fast
    for name, (req, _) in matrix(instance).items():
        reference = outcome(full.authenticate_request(req))
        for _ in range(2):
            assert outcome(fast.authenticate_request(req)) == reference, name
        asked = ask(fast, req)
        assert asked is None or asked.status is AuthStatus.SIGNED_IN, name


def test_an_engine_without_session_tokens_or_memory_reads_the_cookies(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    machines = prod.clerk(
        networkless=True, clock=clock, accepts_token="api_key", secret_key="sk_live_" + "x" * 40
    )
    assert not machines._signed_out_fast
    assert machines.authenticate_request(request("__client_uat=0")).reason != (
        "session-token-and-uat-missing"
    )
    off = prod.clerk(networkless=True, clock=clock, token_cache_size=0)
    assert not off._signed_out_fast
    assert ask(off, request(None)) is None


def test_a_per_call_token_type_takes_the_full_procedure(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock)
    req = request("__client_uat=0")
    fast.authenticate_request(req)
    for accepts in ("api_key", ["api_key", "m2m_token"], "any"):
        got = fast.authenticate_request(req, accepts_token=accepts)
        assert outcome(got) == outcome(full.authenticate_request(req, accepts_token=accepts))


def test_the_memory_is_bounded_and_keeps_only_hashes(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, _ = pair(prod, clock, token_cache_size=8)
    for i in range(50):
        fast.authenticate_request(request(f"__client_uat=0; visitor={i}"))
        assert len(fast._signed_out) <= 8
    for key, value in fast._signed_out._entries.items():
        assert isinstance(key, bytes)
        assert len(key) == 32
        assert value is True
        assert b"visitor" not in key
    # The oldest headers were evicted: read again, with the same answer.
    old = request("__client_uat=0; visitor=0")
    assert ask(fast, old) is None
    assert fast.authenticate_request(old).reason == "session-token-and-uat-missing"


def test_each_answer_is_a_state_of_its_own(prod: LocalClerkInstance, clock: FakeClock) -> None:
    fast, _ = pair(prod, clock)
    req = request(None)
    first, second = ask(fast, req), ask(fast, req)
    assert first is not None
    assert second is not None
    assert first is not second
    first.headers.append(("x-mine", "1"))
    assert ("x-mine", "1") not in second.headers
    third = ask(fast, req)
    assert third is not None
    assert ("x-mine", "1") not in third.headers
