"""Attack probes on the remembered ``Cookie`` header (``clerk_core._cookie_memory``).

The guarantee under attack: a request answered from the header memory
(``Clerk.remembered_cookie_state``, and ``authenticate_request`` which asks it first) gets exactly
the answer of the full procedure (an engine whose ``_cookie_fast`` is ``False``: the cookie flow
with the verified-token memory), for every request and in every adapter; and the memory keeps
neither a token nor the header. Each probe warms a fast engine and a reference engine with the
same requests, then sends the attacking request to both and compares.
"""

from __future__ import annotations

from hashlib import sha256
from typing import Any

import pytest

from clerk_core import AuthStatus, Clerk, RequestView
from clerk_core._cookie_memory import Slot
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.fast_path_kit import ask, outcome, pair
from tests.test_refusal_adapters import ADAPTERS

HOST = "app.example"
ORIGIN = f"https://{HOST}"


def warm(fast: Clerk, full: Clerk, request: RequestView, times: int = 3) -> None:
    for _ in range(times):
        fast.authenticate_request(request)
        full.authenticate_request(request)


def same_answer(fast: Clerk, full: Clerk, request: RequestView) -> Any:
    """The attacking request: the memory's answer (when it gives one) and the engine's answer
    are the full procedure's. Returns the memory's answer."""
    asked = ask(fast, request)
    reference = full.authenticate_request(request)
    if asked is not None:
        assert outcome(asked) == outcome(reference), request
    assert outcome(fast.authenticate_request(request)) == outcome(reference), request
    return asked


def jar(**cookies: str) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


@pytest.fixture
def prod(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.attack.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
    )


@pytest.fixture
def dev(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="development",
        frontend_api="clerk.attackdev.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
    )


def view(
    cookie: str, url: str = f"{ORIGIN}/api", method: str = "GET", **headers: str
) -> RequestView:
    return RequestView(method, url, {"host": HOST, "cookie": cookie, **headers})


# ------------------------------------------------------------------ finding: time-dependent choice
def suffixed_jar(instance: LocalClerkInstance, token: str, now: float) -> str:
    """A development browser holding both cookie sets: the suffixed set signed in, the plain
    set's ``__client_uat`` at ``0`` (signed out there) and the same token in ``__session``."""
    s = f"_{instance.cookie_suffix}"
    return jar(
        __session=token,
        __client_uat="0",
        **{
            f"__session{s}": token,
            f"__client_uat{s}": str(int(now) - 100),
            f"__clerk_db_jwt{s}": instance.dev_browser_token,
        },
    )


def test_a_suffixed_header_is_not_served_once_the_full_procedure_reads_the_plain_set(
    dev: LocalClerkInstance, clock: FakeClock
) -> None:
    """On a development instance Clerk reads the plain cookie set instead of the suffixed one
    once the suffixed session token has expired (``exp <= now``, no clock skew), while the
    verified-token memory still serves that token for ``clock_skew`` seconds. A header the memory
    remembered while the suffixed set was read must not be answered signed in within that window:
    the full procedure reads ``__client_uat=0`` and does not sign the request in."""
    fast, full = pair(dev, clock)
    token = dev.session_token("user_sfx", lifetime=60)
    request = view(suffixed_jar(dev, token, clock.now))
    warm(fast, full, request)
    assert ask(fast, request) is not None  # remembered while the suffixed set is read
    assert full.authenticate_request(request).is_signed_in
    clock.advance(60 + 1)  # past exp, within the 5 s clock skew
    reference = full.authenticate_request(request)
    assert reference.status is not AuthStatus.SIGNED_IN
    asked = ask(fast, request)
    assert asked is None or outcome(asked) == outcome(reference)
    assert outcome(fast.authenticate_request(request)) == outcome(reference)


def test_a_suffixed_header_is_served_as_the_full_procedure_in_every_adapter(
    dev: LocalClerkInstance, clock: FakeClock, adapter_name: str
) -> None:
    """The same window through each adapter's own memory question."""
    module, build = ADAPTERS[adapter_name]
    pytest.importorskip(module)
    instance = LocalClerkInstance(
        instance_type="development",
        frontend_api="clerk.attackdev.test",
        authorized_parties=("http://testserver",),
        clock=clock,
    )
    fast, full = pair(instance, clock)
    get_fast, get_full = build(fast), build(full)
    token = instance.session_token("user_sfx", lifetime=60)
    headers = {"accept": "application/json", "cookie": suffixed_jar(instance, token, clock.now)}
    for _ in range(3):
        assert get_fast("/signed-in", headers)[0] == 200
        assert get_full("/signed-in", headers)[0] == 200
    clock.advance(61)
    reference = get_full("/signed-in", headers)
    assert reference[0] == 401
    assert get_fast("/signed-in", headers) == reference


@pytest.fixture(params=sorted(ADAPTERS))
def adapter_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ------------------------------------------------------------------ attacks that fail
def test_query_string_spellings_get_the_full_procedures_answer(
    dev: LocalClerkInstance, prod: LocalClerkInstance, clock: FakeClock
) -> None:
    queries = [
        "__CLERK_db_jwt=dvb_other",
        "+__clerk_db_jwt=dvb_other",
        "__clerk_db_jwt+=dvb_other",
        "a=1;__clerk_db_jwt=dvb_other",
        "a=1&__clerk_db_jwt=dvb_other",
        "x#__clerk_db_jwt=dvb_other",
        "%5F%5Fclerk_handshake=x",
        "__clerk_handshake_nonce=n",
        "__clerk_redirect_url=https://evil.example/",
        "__clerk_synced=false",
        "__Clerk_handshake=x",
        "a=b",
        "",
    ]
    for instance in (dev, prod):
        fast, full = pair(instance, clock)
        token = instance.session_token("user_q", lifetime=3600)
        cookie = jar(**instance.cookies(token, client_uat=int(clock.now) - 100))
        warm(fast, full, view(cookie))
        for query in queries:
            url = f"{ORIGIN}/api?{query}" if query else f"{ORIGIN}/api"
            asked = same_answer(fast, full, view(cookie, url))
            if "__clerk" in query or "%" in query:
                assert asked is None, query


@pytest.mark.parametrize("method", ["get", "Get", "GET", "HEAD", "head", "OPTIONS", "TRACE"])
def test_method_spellings_get_the_full_procedures_answer(
    prod: LocalClerkInstance, clock: FakeClock, method: str
) -> None:
    fast, full = pair(prod, clock)
    cookie = jar(**prod.cookies(prod.session_token("user_m", lifetime=3600)))
    warm(fast, full, view(cookie))
    asked = same_answer(fast, full, view(cookie, method=method))
    assert asked is not None
    assert asked.is_signed_in
    # A page navigation from another site, however the method is spelt, is not answered here.
    nav = view(
        cookie, method=method, **{"sec-fetch-dest": "document", "referer": "https://x.example/"}
    )
    assert same_answer(fast, full, nav) is None or method.upper() != "GET"


@pytest.mark.parametrize(
    "method", ["post", "Post", "PUT", "patch", "DELETE", "CONNECT", "PROPFIND"]
)
def test_unsafe_methods_are_never_answered_from_the_header(
    prod: LocalClerkInstance, clock: FakeClock, method: str
) -> None:
    fast, full = pair(prod, clock)
    cookie = jar(**prod.cookies(prod.session_token("user_m", lifetime=3600)))
    warm(fast, full, view(cookie))
    assert fast.remembered_cookie_state(cookie, method=method) is None
    assert (
        same_answer(fast, full, view(cookie, method=method, origin="https://evil.example")) is None
    )


@pytest.mark.parametrize(
    ("dest", "referer"),
    [
        ("document", "https://evil.example/"),
        (" document\t", "https://evil.example/"),
        ("document", " https://evil.example/ "),
        ("Document", "https://evil.example/"),
        ("DOCUMENT", "https://evil.example/"),
        ("document", ""),
        ("document", " "),
        ("document\x0b", "https://evil.example/"),
        ("document", "\x0bhttps://evil.example/"),
        ("document, document", "https://evil.example/"),
        ("document", "https://evil.example/, https://evil.example/"),
        ("iframe", "https://evil.example/"),
        ("document", f"{ORIGIN}/page"),
        ("document", "https://ACCOUNTS.attackdev.test/"),
        ("document", "not a url"),
    ],
)
def test_navigation_headers_with_odd_spelling_get_the_full_procedures_answer(
    prod: LocalClerkInstance, clock: FakeClock, dest: str, referer: str
) -> None:
    fast, full = pair(prod, clock)
    cookie = jar(**prod.cookies(prod.session_token("user_n", lifetime=3600)))
    warm(fast, full, view(cookie))
    # The view strips spaces and tabs around header values, as every adapter's view does.
    request = view(cookie, **{"sec-fetch-dest": dest, "referer": referer})
    same_answer(fast, full, request)
    # And the raw values an adapter passes (unstripped).
    asked = fast.remembered_cookie_state(cookie, method="GET", sec_fetch_dest=dest, referer=referer)
    reference = full.authenticate_request(request)
    if asked is not None:
        assert outcome(asked) == outcome(reference)


def test_another_host_gets_the_full_procedures_answer(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock, allowed_hosts=[HOST])
    cookie = jar(**prod.cookies(prod.session_token("user_h", lifetime=3600)))
    warm(fast, full, view(cookie))
    for host in ("other.example", "evil.example:8443", "APP.EXAMPLE", "bad host"):
        request = RequestView("GET", f"https://{host}/api", {"host": host, "cookie": cookie})
        same_answer(fast, full, request)


def test_a_relative_proxy_token_is_never_served_on_another_origin(clock: FakeClock) -> None:
    """With a relative ``proxy_url`` a token whose ``iss`` is the proxy on the request's own
    origin is valid there only: the header memory must not carry it to another host."""
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.attack.test",
        authorized_parties=(ORIGIN, "https://other.example"),
        clock=clock,
    )
    fast, full = pair(instance, clock, proxy_url="/__clerk", allowed_hosts=[HOST, "other.example"])
    token = instance.session_token("user_p", lifetime=3600, claims={"iss": f"{ORIGIN}/__clerk"})
    cookie = jar(**instance.cookies(token, suffixed=True))
    home = view(cookie)
    warm(fast, full, home)
    assert full.authenticate_request(home).is_signed_in
    assert len(fast._cookies) == 0  # such a token is not remembered, nor its header
    away = RequestView(
        "GET", "https://other.example/api", {"host": "other.example", "cookie": cookie}
    )
    assert same_answer(fast, full, away) is None
    assert not full.authenticate_request(away).is_signed_in


def test_development_browser_token_spellings_get_the_full_procedures_answer(
    dev: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(dev, clock)
    token = dev.session_token("user_d", lifetime=3600)
    s = f"_{dev.cookie_suffix}"
    uat = str(int(clock.now) - 100)
    jars = [
        jar(**dev.cookies(token, client_uat=int(clock.now) - 100)),
        jar(**dev.cookies(token, client_uat=int(clock.now) - 100, suffixed=True)),
        jar(__session=token, __client_uat=uat),  # no development browser token
        jar(__session=token, __client_uat=uat, __clerk_db_jwt="dvb_plain"),
        jar(**{f"__session{s}": token, f"__client_uat{s}": uat, "__clerk_db_jwt": "dvb_plain"}),
        jar(__session=token, __client_uat=uat, __clerk_db_jwt=""),
        jar(__session=token, __client_uat=uat, __clerk_db_jwt="dvb_a", __clerk_db_jwt_=token),
    ]
    for cookie in jars:
        warm(fast, full, view(cookie))
        same_answer(fast, full, view(cookie))
        same_answer(fast, full, view(cookie, f"{ORIGIN}/api?__clerk_db_jwt=dvb_other"))


def test_signed_out_handshake_and_refresh_states_are_never_remembered(
    prod: LocalClerkInstance, dev: LocalClerkInstance, clock: FakeClock
) -> None:
    for instance in (prod, dev):
        fast, full = pair(instance, clock)
        now = int(clock.now)
        fresh = instance.session_token("user_s", lifetime=3600)
        expired = instance.session_token("user_s", lifetime=60)
        cookies = [
            jar(**instance.cookies(fresh, client_uat=now + 100)),  # __client_uat newer than iat
            jar(**instance.cookies(fresh, client_uat=0)),
            jar(**instance.cookies(None, client_uat=now)),
            jar(**instance.cookies(fresh), __clerk_handshake="x"),
            jar(**instance.cookies(fresh), __clerk_handshake_nonce="n"),
            jar(**instance.cookies(instance.bad_signature_token())),
        ]
        for cookie in cookies:
            for dest in ("empty", "document"):
                request = view(cookie, **{"sec-fetch-dest": dest})
                warm(fast, full, request)
                asked = same_answer(fast, full, request)
                # Not signed in (or signed in through a handshake cookie the flow reads): never
                # remembered, never answered from the header.
                assert asked is None
        assert len(fast._cookies) == 0
        warm(fast, full, view(jar(**instance.cookies(expired))))
        clock.advance(120)
        same_answer(fast, full, view(jar(**instance.cookies(expired))))
        clock.now = float(now)


def test_the_session_cookie_twice_or_percent_encoded_gets_the_full_procedures_answer(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock)
    a = prod.session_token("user_a", lifetime=3600)
    b = prod.session_token("user_b", lifetime=3600)
    uat = str(int(clock.now) - 100)
    encoded = a.replace(".", "%2E")
    cookies = [
        f"__session={a}; __session={b}; __client_uat={uat}",
        f"__session={b}; __session={a}; __client_uat={uat}",
        f"__session={encoded}; __client_uat={uat}",
        f"x={a}; __session={encoded}; __client_uat={uat}",
        f'__session="{a}"; __client_uat={uat}',
        f"__session ={a}; __client_uat={uat}",
        f"__session={a};__client_uat={uat}",
        f"__session={a}; __client_uat={uat}; __client_uat=0",
        f"  __session={a}; __client_uat={uat}\t",
        f"__SESSION={a}; __client_uat={uat}",
    ]
    for cookie in cookies:
        warm(fast, full, view(cookie))
        same_answer(fast, full, view(cookie))
        # The raw, unstripped value an adapter would pass.
        asked = fast.remembered_cookie_state(cookie, method="GET")
        if asked is not None:
            assert outcome(asked) == outcome(full.authenticate_request(view(cookie)))


@pytest.mark.parametrize(
    "accepts", ["oauth_token", ["oauth_token", "api_key"], ["session_token", "api_key"], "any"]
)
def test_accepts_token_settings_get_the_full_procedures_answer(
    prod: LocalClerkInstance, clock: FakeClock, accepts: Any
) -> None:
    fast, full = pair(prod, clock, accepts_token=accepts)
    cookie = jar(**prod.cookies(prod.session_token("user_t", lifetime=3600)))
    warm(fast, full, view(cookie))
    asked = same_answer(fast, full, view(cookie))
    if accepts in ("oauth_token", ["oauth_token", "api_key"]):
        assert asked is None
        assert len(fast._cookies) == 0


@pytest.mark.parametrize("accepts", ["oauth_token", ["api_key", "m2m_token"], "session_token"])
def test_a_per_call_accepts_token_is_not_answered_from_the_header(
    prod: LocalClerkInstance, clock: FakeClock, accepts: Any
) -> None:
    fast, full = pair(prod, clock)
    request = view(jar(**prod.cookies(prod.session_token("user_t", lifetime=3600))))
    warm(fast, full, request)
    assert ask(fast, request) is not None
    got = fast.authenticate_request(request, accepts_token=accepts)
    assert outcome(got) == outcome(full.authenticate_request(request, accepts_token=accepts))


def test_an_evicted_token_changes_no_answer(prod: LocalClerkInstance, clock: FakeClock) -> None:
    fast, full = pair(prod, clock)
    request = view(jar(**prod.cookies(prod.session_token("user_k", lifetime=3600))))
    warm(fast, full, request)
    assert ask(fast, request) is not None
    # The token evicted from the verified-token memory: it was verified and has not expired, so
    # the header's answer is still the full procedure's.
    fast._memory._entries.clear()
    # (A rotated key set ends the header: tests/core/test_cookie_memory.py.)
    assert outcome(ask(fast, request)) == outcome(full.authenticate_request(request))


def test_flooding_with_one_session_evicts_but_never_misanswers(clock: FakeClock) -> None:
    """Headers from one valid session, each with another junk cookie, fill the bounded memory:
    another user's header is evicted (it pays the full procedure again) and is still answered
    correctly; the memory never grows past its bound."""
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.attack.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
    )
    fast, full = pair(instance, clock, token_cache_size=16)
    victim = view(jar(**instance.cookies(instance.session_token("user_v", lifetime=3600))))
    warm(fast, full, victim)
    assert ask(fast, victim) is not None
    attacker = instance.session_token("user_x", lifetime=3600)
    for i in range(100):
        flood = view(jar(**instance.cookies(attacker), junk=str(i)))
        warm(fast, full, flood, times=2)
        assert len(fast._cookies) <= 16
    assert ask(fast, victim) is None  # evicted
    assert outcome(fast.authenticate_request(victim)) == outcome(full.authenticate_request(victim))
    assert fast.authenticate_request(victim).to_auth().user_id == "user_v"


def test_the_memory_keeps_no_token_and_no_header_text(
    dev: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(dev, clock)
    token = dev.session_token("user_k", lifetime=3600)
    cookie = jar(**dev.cookies(token, suffixed=True), theme="dark")
    warm(fast, full, view(cookie))
    assert len(fast._cookies._entries) == 1
    for key, slot in fast._cookies._entries.items():
        assert isinstance(key, bytes)
        assert len(key) == 32
        assert type(slot) is Slot
        assert not hasattr(slot, "__dict__")
        kept = [getattr(slot, name) for name in Slot.__slots__ if name != "remembered"]
        assert all(type(v) is int for v in kept)
        # The token's entry is the verified-token memory's own (claims, times, key generation).
        remembered = slot.remembered
        assert remembered is fast._memory.peek(sha256(token.encode()).digest())
        inner = repr([getattr(remembered, name) for name in type(remembered).__slots__])
        for secret in (token, dev.dev_browser_token, cookie):
            assert secret.encode()[:16] not in key
            assert secret[:16] not in inner
    # Nor does a repr or the served state leak more than the request carried.
    assert token not in repr(fast)
    assert token not in repr(fast._cookies)


# ------------------------------------------------------------------ adapters
def answering(get: Any) -> Any:
    """The adapter's answer, or the kind of error its test client raised (a non-JSON body)."""

    def call(path: str, headers: dict[str, str]) -> Any:
        try:
            return get(path, headers)
        except ValueError as exc:
            return type(exc).__name__

    return call


def test_an_empty_authorization_header_in_every_adapter(
    prod: LocalClerkInstance, adapter_name: str
) -> None:
    module, build = ADAPTERS[adapter_name]
    pytest.importorskip(module)
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.attack.test",
        authorized_parties=("http://testserver",),
        clock=prod.clock,
    )
    fast = instance.clerk(networkless=True)
    full = instance.clerk(networkless=True)
    full._cookie_fast = full._signed_out_fast = False
    get_fast, get_full = answering(build(fast)), answering(build(full))
    cookie = jar(**instance.cookies(instance.session_token("user_e", lifetime=3600)))
    plain = {"accept": "application/json", "cookie": cookie}
    for _ in range(3):
        get_fast("/signed-in", plain)
        get_full("/signed-in", plain)
    for extra in ({"authorization": ""}, {"authorization": " "}, {"authorization": "Bearer"}):
        headers = {**plain, **extra}
        assert get_fast("/signed-in", headers) == get_full("/signed-in", headers), extra
    for odd in (
        {"sec-fetch-dest": "document", "referer": "https://evil.example/"},
        {"sec-fetch-dest": "DOCUMENT", "referer": "https://evil.example/"},
        {"sec-fetch-dest": "document", "referer": " "},
    ):
        headers = {**plain, "accept": "text/html", **odd}
        assert get_fast("/signed-in", headers) == get_full("/signed-in", headers), odd
    for path in ("/signed-in?__clerk_db_jwt=x", "/signed-in?%5F%5Fclerk_handshake=x"):
        assert get_fast(path, plain) == get_full(path, plain), path


def test_starlette_raw_headers_in_odd_shapes_are_judged_in_full(prod: LocalClerkInstance) -> None:
    pytest.importorskip("starlette")
    from clerk_starlette.middleware import remembered

    engine = prod.clerk(networkless=True)
    cookie = jar(**prod.cookies(prod.session_token("user_r", lifetime=3600)))
    request = view(cookie, url="http://testserver/api")
    for _ in range(2):
        assert engine.authenticate_request(request).is_signed_in

    def scope(headers: Any, **extra: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "path": "/api",
            "raw_path": b"/api",
            "query_string": b"",
            "headers": headers,
            "server": ("testserver", 80),
            **extra,
        }

    base = [(b"host", b"testserver"), (b"cookie", cookie.encode())]
    assert remembered(engine, scope(base)) is not None
    assert (
        remembered(engine, scope([(b"host", b"testserver"), (b"Cookie", cookie.encode())])) is None
    )
    assert remembered(engine, scope(tuple(base))) is not None
    assert remembered(engine, scope(iter(base))) is not None
    assert remembered(engine, scope([*base, (b"authorization", b"")])) is None
    assert remembered(engine, scope(base, method="post")) is None
    assert remembered(engine, scope(base, query_string=b"__clerk_db_jwt=x")) is None
    assert remembered(engine, scope(base, type="websocket")) is None
    nav = [*base, (b"sec-fetch-dest", b"document"), (b"referer", b"https://evil.example/")]
    assert remembered(engine, scope(nav)) is None
    nav_ws = [*base, (b"sec-fetch-dest", b" document"), (b"referer", b"\thttps://evil.example/")]
    assert remembered(engine, scope(nav_ws)) is None
    assert remembered(engine, scope([*base, (b"cookie", b"")])) is None


def test_an_answer_from_the_header_leaks_no_token_in_its_auth_event(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    events: list[Any] = []
    engine = prod.clerk(networkless=True, clock=clock, on_auth_event=events.append)
    token = prod.session_token("user_ev", lifetime=3600)
    cookie = jar(**prod.cookies(token), sessionid="django-secret-session")
    for _ in range(3):
        assert engine.authenticate_request(view(cookie)).is_signed_in
    events.clear()
    assert engine.remembered_cookie_state(cookie, method="GET") is not None
    (event,) = events
    assert event.entry_point == "remembered_cookie_state"
    assert event.status == "signed-in"
    assert event.token_source == "cookie"
    for text in (repr(event), str(event), repr(vars(event) if hasattr(event, "__dict__") else "")):
        assert token not in text
        assert "django-secret-session" not in text
