"""The remembered Cookie header (``Clerk.remembered_cookie_state``): a signed-in browser's repeated
request answered without a request view, exactly as the full procedure answers it."""

from __future__ import annotations

from hashlib import sha256
from typing import Any

import pytest

from clerk_core import AuthStatus, RequestView
from clerk_core._cookie_memory import Slot, cookie_key
from clerk_core.keys import JWKSCache
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.core.test_token_memory import _cookie_matrix, _outcome


def _ask(engine: Any, request: RequestView) -> Any:
    """What an adapter asks before it builds a view: the raw header values."""
    headers = request.headers
    if "authorization" in headers:
        return None
    return engine.remembered_cookie_state(
        headers.get("cookie"),
        method=request.method,
        query=request.url.partition("?")[2],
        sec_fetch_dest=headers.get("sec-fetch-dest"),
        referer=headers.get("referer"),
    )


def _eligible(request: RequestView) -> bool:
    query = request.url.partition("?")[2]
    headers = request.headers
    return (
        request.method in ("GET", "HEAD")
        and "__clerk" not in query
        and "%" not in query
        and not (headers.get("sec-fetch-dest") == "document" and headers.get("referer"))
    )


def _matrix(instance: LocalClerkInstance, now: int) -> list[RequestView]:
    requests = _cookie_matrix(instance, now)
    extra = []
    for request in requests[:: len(requests) // 12]:
        cookie = request.headers["cookie"]
        for url in (
            "https://app.example/?%5F%5Fclerk_db_jwt=dvb_9",
            "https://app.example/a?b=c",
        ):
            extra.append(RequestView("HEAD", url, {"host": "app.example", "cookie": cookie}))
        extra.append(
            RequestView(
                "GET",
                "https://app.example/",
                {
                    "host": "app.example",
                    "cookie": cookie,
                    "sec-fetch-dest": "empty",
                    "referer": "https://elsewhere.example/",
                },
            )
        )
    return requests + extra


@pytest.mark.parametrize("instance_type", ["production", "development"])
@pytest.mark.parametrize("setup", ["plain", "satellite", "organization_patterns"])
def test_the_remembered_header_answers_as_the_full_procedure(
    clock: FakeClock, instance_type: str, setup: str
) -> None:
    instance = LocalClerkInstance(
        instance_type=instance_type,  # type: ignore[arg-type]
        frontend_api="clerk.memory.test",
        authorized_parties=("https://app.example",),
        clock=clock,
        satellite_domain="sat.example" if setup == "satellite" else None,
    )
    options = {"organization_patterns": ["/orgs/:id"]} if setup == "organization_patterns" else {}
    engine = instance.clerk(networkless=True, clock=clock, **options)
    reference = instance.clerk(networkless=True, clock=clock, **options)
    reference._cookie_fast = reference._signed_out_fast = False  # the full procedure only
    requests = _matrix(instance, int(clock.now))
    for _ in range(3):  # verified, then remembered, then its header remembered too
        for request in requests:
            engine.authenticate_request(request)
            reference.authenticate_request(request)
    answered = 0
    for request in requests:
        fast = _ask(engine, request)
        through_engine = engine.authenticate_request(request)
        full = reference.authenticate_request(request)
        assert _outcome(through_engine) == _outcome(full), request
        if fast is None:
            continue
        answered += 1
        assert _eligible(request), request
        assert fast.status is AuthStatus.SIGNED_IN
        assert _outcome(fast) == _outcome(full), request
        assert fast.to_auth().session_claims == full.to_auth().session_claims
    if setup == "plain":
        assert answered >= (20 if instance_type == "production" else 8)
    else:  # the URL decides for a satellite and with organization patterns: never from here
        assert answered == 0


@pytest.fixture
def instance(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.memory.test",
        authorized_parties=("https://app.example",),
        clock=clock,
    )


def _browser(instance: LocalClerkInstance, token: str, now: float, **headers: str) -> RequestView:
    cookie = f"_ga=GA1.1.1; __session={token}; __client_uat={int(now) - 100}; theme=dark"
    return RequestView(
        "GET", "https://app.example/api/me", {"host": "app.example", "cookie": cookie, **headers}
    )


def _warm(engine: Any, request: RequestView) -> None:
    for _ in range(2):
        assert engine.authenticate_request(request).is_signed_in


def test_a_remembered_header_ends_with_its_token(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token(lifetime=60)
    request = _browser(instance, token, clock.now)
    _warm(engine, request)
    assert _ask(engine, request).token == token
    clock.advance(60 + engine.options.clock_skew + 1)
    assert _ask(engine, request) is None
    assert not engine.authenticate_request(request).is_signed_in


def test_a_changed_key_set_ends_remembered_headers(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(clock=clock)  # keys from the instance's JWKS, through the cache
    request = _browser(instance, instance.session_token(lifetime=3600), clock.now)
    _warm(engine, request)
    assert _ask(engine, request) is not None
    keys = engine.keys
    assert isinstance(keys, JWKSCache)
    keys._generation += 1  # what a fetched key set without this token's key does
    assert _ask(engine, request) is None


def test_a_clock_stepped_back_before_the_token_ends_remembered_headers(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    request = _browser(instance, instance.session_token(lifetime=3600), clock.now)
    _warm(engine, request)
    assert _ask(engine, request) is not None
    clock.now -= engine.options.clock_skew + 60  # before iat, beyond the skew: not valid yet
    assert _ask(engine, request) is None
    assert not engine.authenticate_request(request).is_signed_in


def test_the_bytes_a_server_delivered_get_the_answer_of_the_text(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    """``remembered_raw_cookie_state`` (what ASGI adapters call with the scope's bytes) answers
    as ``remembered_cookie_state`` does with the text, for hits and for refusals alike."""
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token(lifetime=3600)
    request = _browser(instance, token, clock.now)
    _warm(engine, request)
    cookie = request.headers["cookie"].encode("latin-1")
    cases = [
        ("GET", b"", None, None),
        ("get", b"page=2", b"empty", b"https://app.example/"),
        ("HEAD", b"", b" document ", b""),
        ("POST", b"", None, None),
        ("GET", b"__clerk_db_jwt=x", None, None),
        ("GET", b"a=%5F", None, None),
        ("GET", b"", b"document", b" https://elsewhere.example/ "),
    ]
    for method, query, dest, referer in cases:
        raw = engine.remembered_raw_cookie_state(
            b" " + cookie + b"\t", method, query, dest, referer
        )
        text = engine.remembered_cookie_state(
            cookie.decode("latin-1"),
            method=method,
            query=query.decode(),
            sec_fetch_dest=None if dest is None else dest.decode(),
            referer=None if referer is None else referer.decode(),
        )
        assert (raw is None) == (text is None), (method, query, dest, referer)
        if raw is not None and text is not None:
            assert (raw.token, raw.token_source, raw._claims) == (token, "cookie", text._claims)
    # A header no server delivers (text beyond Latin-1) is left to the full procedure.
    assert engine.remembered_cookie_state("__session=\u2603", method="GET") is None


def test_another_header_is_not_answered(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token(lifetime=3600)
    request = _browser(instance, token, clock.now)
    _warm(engine, request)
    cookie = request.headers["cookie"]
    for other in (
        cookie + "; extra=1",
        cookie.replace("theme=dark", "theme=light"),
        cookie.replace(token, instance.session_token("user_other", lifetime=3600)),
    ):
        assert engine.remembered_cookie_state(other, method="GET") is None
    assert engine.remembered_cookie_state(" " + cookie + "\t", method="GET") is not None


def test_the_memory_keeps_neither_header_nor_token(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token(lifetime=3600)
    request = _browser(instance, token, clock.now)
    _warm(engine, request)
    entries = engine._cookies._entries
    assert len(entries) == 1
    ((key, slot),) = entries.items()
    assert isinstance(slot, Slot)
    assert len(key) == 32
    kept = [key, slot.start, slot.end, slot.dev_start, slot.dev_end]
    assert all(isinstance(value, (bytes, int)) for value in kept)
    assert not any(isinstance(v, bytes) and token.encode()[:32] in v for v in kept)
    # The token's own entry is the verified-token memory's (claims, times, key generation): the
    # same object, which holds no token either.
    assert slot.remembered is engine._memory.peek(sha256(token.encode()).digest())
    assert token not in repr([getattr(slot.remembered, n) for n in type(slot.remembered).__slots__])


@pytest.mark.parametrize(
    ("method", "query", "headers"),
    [
        ("POST", "", {}),
        ("DELETE", "", {}),
        ("GET", "__clerk_handshake=x", {}),
        ("GET", "%5F%5Fclerk_db_jwt=x", {}),
        ("GET", "", {"sec-fetch-dest": "document", "referer": "https://elsewhere.example/"}),
    ],
)
def test_requests_whose_answer_reads_more_than_the_header_are_not_answered(
    instance: LocalClerkInstance, clock: FakeClock, method: str, query: str, headers: dict[str, str]
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    request = _browser(instance, instance.session_token(lifetime=3600), clock.now)
    _warm(engine, request)
    cookie = request.headers["cookie"]
    assert engine.remembered_cookie_state(cookie, method="GET") is not None
    asked = engine.remembered_cookie_state(
        cookie,
        method=method,
        query=query,
        sec_fetch_dest=headers.get("sec-fetch-dest"),
        referer=headers.get("referer"),
    )
    assert asked is None


def test_bounded_and_off_with_the_token_memory(clock: FakeClock) -> None:
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.memory.test",
        authorized_parties=("https://app.example",),
        clock=clock,
    )
    engine = instance.clerk(networkless=True, clock=clock, token_cache_size=3)
    requests = [
        _browser(instance, instance.session_token(f"user_{i}", lifetime=3600), clock.now)
        for i in range(5)
    ]
    for request in requests:
        _warm(engine, request)
    assert len(engine._cookies) == 3
    off = instance.clerk(networkless=True, clock=clock, token_cache_size=0)
    _warm(off, requests[0])
    assert _ask(off, requests[0]) is None
    assert len(off._cookies) == 0


def test_an_oversized_header_is_never_answered(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock, max_cookie_header_bytes=4096)
    token = instance.session_token(lifetime=3600)
    request = _browser(instance, token, clock.now)
    _warm(engine, request)
    padded = request.headers["cookie"] + "; pad=" + "x" * 5000
    assert engine.remembered_cookie_state(padded, method="GET") is None


def test_the_least_recently_used_header_goes_first(clock: FakeClock) -> None:
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.memory.test",
        authorized_parties=("https://app.example",),
        clock=clock,
    )
    engine = instance.clerk(networkless=True, clock=clock, token_cache_size=2)
    first, second, third = (
        _browser(instance, instance.session_token(f"user_{i}", lifetime=3600), clock.now)
        for i in range(3)
    )
    _warm(engine, first)
    _warm(engine, second)
    assert _ask(engine, first) is not None  # used again: now the most recent
    _warm(engine, third)  # evicts the least recently used header, the second
    assert engine._cookies.get(cookie_key(first.headers["cookie"].encode("latin-1"))) is not None
    assert engine._cookies.get(cookie_key(second.headers["cookie"].encode("latin-1"))) is None
    assert _ask(engine, first) is not None
