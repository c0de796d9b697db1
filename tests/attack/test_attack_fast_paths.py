"""Attacks on the engine's fast paths (the signed-in ``Cookie`` memory, the signed-out browser
shortcut, the quick eligibility test, and the raw ASGI header merge).

The guarantee under attack: a request answered by a fast path gets exactly the answer of the full
procedure (an engine with ``_cookie_fast`` and ``_signed_out_fast`` both off), in the core and in
every adapter, and the memories keep no token and no header text. Each attack compares the two
engines request by request, and where a fast path is meant to answer, shows that it did, so that
no comparison is an empty one.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest

from clerk_core import AuthStatus, Clerk, RequestView
from clerk_core.adapter import headers_after_app, is_replaced, merged_raw_headers
from clerk_core.state import RequestState
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock
from tests.fast_path_kit import ask, ask_raw, outcome, pair
from tests.test_refusal_adapters import ADAPTERS, Build

HOST = "app.example"
SECRET = "instance"  # replaced by the instance's own secret key
ORIGIN = f"https://{HOST}"


@pytest.fixture
def prod(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=(ORIGIN, "http://testserver"),
        clock=clock,
    )


def view(
    cookie: str | None, *, method: str = "GET", query: str = "", **headers: str
) -> RequestView:
    all_headers = {"host": HOST, **{k.replace("_", "-"): v for k, v in headers.items()}}
    if cookie is not None:
        all_headers["cookie"] = cookie
    return RequestView(method, f"{ORIGIN}/dashboard" + (f"?{query}" if query else ""), all_headers)


def same_answers(fast: Clerk, full: Clerk, request: RequestView, times: int = 3) -> int:
    """Ask the fast engine as adapters do, ``times`` over; each answer must be the full one.
    Returns how many times a fast path answered before a view."""
    reference = outcome(full.authenticate_request(request))
    answered = 0
    for _ in range(times):
        assert outcome(fast.authenticate_request(request)) == reference
        for asked in (ask(fast, request), ask_raw(fast, request)):
            if asked is not None:
                answered += 1
                assert outcome(asked) == reference
    return answered


# ------------------------------------------------------------------ cookie names and values
def spellings(instance: LocalClerkInstance, token: str, now: int) -> dict[str, str]:
    s = instance.cookie_suffix
    return {
        "uat 0": "__client_uat=0",
        "uat space 0": "__client_uat= 0",
        "uat quoted": '__client_uat="0"',
        "uat 0.5": "__client_uat=0.5",
        "uat 1e3": "__client_uat=1e3",
        "uat -0": "__client_uat=-0",
        "uat 0x1": "__client_uat=0x1",
        "uat huge": "__client_uat=99999999999999999999999999",
        "uat percent 1": "__client_uat=%31",
        "uat percent 0": "__client_uat=%30",
        "uat superscript one": "__client_uat=\u00b9",
        "uat nbsp 1": "__client_uat=\u00a01",
        "uat latin-1 byte": "__client_uat=0\u00ff",
        "uat in another name": "x__client_uat=5",
        "uat in another name, 0": "x__client_uat=0",
        "uat upper case": "__CLIENT_UAT=5",
        "uat spaced name": "__client_uat =5",
        "uat tab name": "\t__client_uat\t=5",
        "uat percent name": "%5F%5Fclient_uat=5",
        "uat 0 then 5": "__client_uat=0; __client_uat=5",
        "uat 5 then 0": "__client_uat=5; __client_uat=0",
        "uat empty then 5": "__client_uat=; __client_uat=5",
        "uat without =": "__client_uat; a=1",
        "uat comma joined": "__client_uat=0, __client_uat=5",
        "other suffix uat": "__client_uat_abcdefgh=5",
        "own suffix uat": f"__client_uat_{s}=5",
        "own suffix uat 0, plain 5": f"__client_uat_{s}=0; __client_uat=5",
        "own suffix uat 5, plain 0": f"__client_uat_{s}=5; __client_uat=0",
        "session only in a value": "a=__session; __client_uat=0",
        "session upper case": f"__SESSION={token}",
        "session percent name": f"%5F%5Fsession={token}; __client_uat={now - 10}",
        "session empty": "__session=; __client_uat=0",
        "session, uat 0": f"__session={token}; __client_uat=0",
        "session signed in": f"__session={token}; __client_uat={now - 10}",
        "session signed in, latin-1 neighbour": f"a=\u00e9; __session={token}; __client_uat={now - 10}",
        "session percent-encoded value": f"__session={token[:5]}%2E{token[6:]}; __client_uat=1",
        "handshake cookie": "__clerk_handshake=abc",
        "handshake percent name": "%5F%5Fclerk_handshake=abc",
        "handshake nonce": "__clerk_handshake_nonce=abc",
        "no clerk cookie": "_ga=GA1.2; theme=dark",
        "empty": "",
        "blank": " \t ",
        "no uat, over the cap": "pad=" + "x" * 20000,
        "uat 0, over the cap": "__client_uat=0; pad=" + "x" * 20000,
        "uat 5, over the cap": "__client_uat=5; pad=" + "x" * 20000,
    }


QUERIES = ["", "page=2", "__clerk_handshake=x", "%5F_clerk_handshake=x", "+__clerk_synced=1", "A=%"]
METHODS = ["GET", "get", "HEAD", "POST", "OPTIONS", "PROPFIND", "GET "]
NAVIGATIONS: list[dict[str, str]] = [
    {},
    {"sec_fetch_dest": "empty", "referer": "https://evil.example/"},
    {"sec_fetch_dest": "document", "referer": "https://evil.example/"},
    {"sec_fetch_dest": " document\t", "referer": "\thttps://evil.example/ "},
    {"sec_fetch_dest": "Document", "referer": "https://evil.example/"},
    {"sec_fetch_dest": "document", "referer": " "},
]


def test_cookie_spellings_queries_methods_get_the_full_answer(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock)
    token = prod.session_token("user_f")
    answered: dict[str, int] = {}
    for name, cookie in spellings(prod, token, int(clock())).items():
        for query in QUERIES:
            for method in METHODS:
                for nav in NAVIGATIONS:
                    request = view(cookie, method=method, query=query, **nav)
                    answered[name] = answered.get(name, 0) + same_answers(fast, full, request, 2)
    # Not an empty comparison: the shortcuts answered where they should, and only there.
    # parseInt reads "0.5" and "-0" as 0 and the first of two names wins; "1e3" is 1.
    for name in ("uat 0", "uat quoted", "uat 0.5", "uat -0", "uat 0 then 5", "no clerk cookie"):
        assert answered[name] > 0, name
    for name in ("uat in another name", "empty", "no uat, over the cap", "session signed in"):
        assert answered[name] > 0, name
    for name in ("uat 1e3", "uat huge", "uat 5 then 0", "uat percent 1", "handshake cookie"):
        assert answered[name] == 0, name


# ------------------------------------------------------------------ raw ASGI bytes
RAW_COOKIES = [
    b"__client_uat=0; a=\xc3\xa9",  # UTF-8 bytes, read as Latin-1 text by the view
    b"__client_uat=\xd9\xa1",  # UTF-8 of an Arabic-Indic one: two Latin-1 characters
    b"__client_uat=0\x80",
    b"a=\xff\xfe; b=\x00",
    b"__client_uat=\xb9",  # Latin-1 superscript one
    b"__client_uat=\xa01",  # Latin-1 no-break space, then 1
    b"__client_uat=\x851",  # Latin-1 NEL, then 1
    b"__client_uat=\x1c1",
    b"  __client_uat=0  ",
]


@pytest.mark.parametrize("cookie", RAW_COOKIES, ids=repr)
def test_raw_cookie_bytes_get_the_answer_of_their_view(
    prod: LocalClerkInstance, clock: FakeClock, cookie: bytes
) -> None:
    pytest.importorskip("starlette")
    from clerk_starlette.middleware import remembered, request_view

    fast, full = pair(prod, clock)
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "https",
        "path": "/dashboard",
        "raw_path": b"/dashboard",
        "query_string": b"",
        "headers": [(b"host", HOST.encode()), (b"cookie", cookie)],
        "server": (HOST, 443),
    }
    reference = outcome(full.authenticate_request(request_view(scope)))
    for _ in range(3):
        assert outcome(fast.authenticate_request(request_view(scope))) == reference
        state = remembered(fast, scope)
        if state is not None:
            assert outcome(state) == reference


def test_a_signed_in_header_with_latin_1_bytes_is_remembered_by_its_bytes(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    pytest.importorskip("starlette")
    from clerk_starlette.middleware import remembered, request_view

    fast, full = pair(prod, clock)
    token = prod.session_token("user_l")
    uat = int(clock()) - 10
    cookie = f"a=\u00e9\u00ff; __session={token}; __client_uat={uat}".encode("latin-1")
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "https",
        "path": "/",
        "query_string": b"",
        "headers": [(b"host", HOST.encode()), (b"cookie", cookie)],
        "server": (HOST, 443),
    }
    for _ in range(2):
        fast.authenticate_request(request_view(scope))
    state = remembered(fast, scope)
    assert state is not None
    assert state.token == token
    assert outcome(state) == outcome(full.authenticate_request(request_view(scope)))
    # The same text in UTF-8 is other bytes: another header, not answered from this entry.
    utf8 = f"a=\u00e9\u00ff; __session={token}; __client_uat={uat}".encode()
    assert (
        remembered(fast, {**scope, "headers": [(b"host", HOST.encode()), (b"cookie", utf8)]})
        is None
    )


def test_wsgi_text_beyond_latin_1_is_left_to_the_full_procedure(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock)
    for cookie in ("__client_uat=\u0661", "a=\u20ac", "a=\u20ac; __client_uat=0"):
        request = view(cookie)
        reference = outcome(full.authenticate_request(request))
        for _ in range(3):
            assert outcome(fast.authenticate_request(request)) == reference
            assert ask(fast, request) is None
        assert len(fast._signed_out) == 0


# ------------------------------------------------------------------ Authorization spellings
@pytest.mark.parametrize(
    "lines",
    [
        [(b"authorization", b"Basic dXNlcjpwYXNz")],
        [(b"Authorization", b"Basic dXNlcjpwYXNz")],
        [(b"AUTHORIZATION", b"")],
        [(b"authorization", b"")],
        [(b"authorization", b"Bearer a"), (b"authorization", b"Bearer b")],
        [(b"authorization", b"bearer junk")],
    ],
    ids=["basic", "capitalised", "upper-case empty", "empty", "repeated", "lower-case bearer"],
)
def test_an_authorization_line_in_any_spelling_is_never_a_signed_out_browser(
    prod: LocalClerkInstance, clock: FakeClock, lines: list[tuple[bytes, bytes]]
) -> None:
    pytest.importorskip("starlette")
    from clerk_starlette.middleware import remembered, request_view

    fast, full = pair(prod, clock)
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "https",
        "path": "/",
        "query_string": b"",
        "headers": [(b"host", HOST.encode()), (b"cookie", b"_ga=1"), *lines],
        "server": (HOST, 443),
    }
    reference = outcome(full.authenticate_request(request_view(scope)))
    for _ in range(3):
        assert outcome(fast.authenticate_request(request_view(scope))) == reference
        state = remembered(fast, scope)
        assert state is None or outcome(state) == reference
    # WSGI: any Authorization header, even empty, goes to the header's path.
    from clerk_core.adapter import remembered_from_environ

    for value in ("", "Basic dXNlcjpwYXNz", "Bearer junk"):
        environ = {"HTTP_AUTHORIZATION": value, "HTTP_COOKIE": "_ga=1", "QUERY_STRING": ""}
        assert remembered_from_environ(fast, environ, "GET") is None


def test_a_websocket_is_never_answered_by_a_cookie_shortcut(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    pytest.importorskip("starlette")
    from clerk_starlette.middleware import remembered

    fast, _ = pair(prod, clock)
    for cookie in (b"", b"_ga=1", b"__client_uat=0"):
        scope = {
            "type": "websocket",
            "scheme": "wss",
            "path": "/ws",
            "query_string": b"",
            "headers": [(b"host", HOST.encode()), (b"cookie", cookie)],
            "server": (HOST, 443),
        }
        assert remembered(fast, scope) is None


# ------------------------------------------------------------------ instances and options
@pytest.mark.parametrize(
    "options",
    [
        {"instance_type": "development"},
        {"is_satellite": True, "domain": "satellite.example", "sign_in_url": f"{ORIGIN}/sign-in"},
        {"proxy_url": "/__clerk"},
        {"proxy_url": "https://proxy.example/__clerk"},
        {"organization_patterns": ["/orgs/:slug"]},
        {"accepts_token": "api_key", "secret_key": SECRET},
        {"accepts_token": ("session_token", "m2m_token"), "secret_key": SECRET},
        {"accepts_token": ("m2m_token",), "secret_key": SECRET},
        {"token_cache_size": 0},
        {"token_cache_size": 1},
    ],
    ids=[
        "development",
        "satellite",
        "relative proxy",
        "absolute proxy",
        "organization patterns",
        "machine only",
        "session and m2m",
        "m2m only",
        "no memory",
        "memory of one",
    ],
)
def test_every_instance_shape_gets_the_full_answer(
    clock: FakeClock, options: dict[str, Any]
) -> None:
    options = dict(options)
    instance = LocalClerkInstance(
        frontend_api="clerk.fastpath.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
        instance_type=options.pop("instance_type", "production"),
    )
    if options.get("secret_key") == SECRET:
        options["secret_key"] = instance.secret_key
    fast, full = pair(instance, clock, **options)
    token = instance.session_token("user_i")
    now = int(clock())
    dev: list[str] = []
    if instance.instance_type == "development":
        jar = instance.cookies(token, client_uat=now - 10)
        dev = [
            "; ".join(f"{k}={v}" for k, v in jar.items()),
            f"__clerk_db_jwt={jar['__clerk_db_jwt']}",
        ]
    for cookie in (
        None,
        "",
        "_ga=1",
        "__client_uat=0",
        f"__session={token}; __client_uat={now - 10}",
        *dev,
    ):
        for nav in NAVIGATIONS[:3]:
            for method in ("GET", "POST"):
                same_answers(fast, full, view(cookie, method=method, **nav))


def test_a_per_call_token_type_is_never_answered_by_the_shortcut(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock, secret_key=prod.secret_key)
    for cookie in (None, "_ga=1", "__client_uat=0"):
        request = view(cookie)
        fast.authenticate_request(request)  # remembers the header read as 0
        for accepts in ("api_key", ("m2m_token",), ("session_token", "api_key"), "any"):
            assert outcome(fast.authenticate_request(request, accepts_token=accepts)) == outcome(
                full.authenticate_request(request, accepts_token=accepts)
            )


# ------------------------------------------------------------------ time, keys, eviction
def signed_in_cookie(instance: LocalClerkInstance, token: str, now: float) -> str:
    return f"_ga=1; __session={token}; __client_uat={int(now) - 10}"


def test_a_clock_stepped_back_before_the_token_is_not_answered_signed_in(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock)
    token = prod.session_token("user_t", lifetime=600)
    request = view(signed_in_cookie(prod, token, clock()))
    assert same_answers(fast, full, request) > 0
    clock.advance(-3600)
    assert same_answers(fast, full, request) == 0
    assert full.authenticate_request(request).status is not AuthStatus.SIGNED_IN
    clock.advance(3600)
    same_answers(fast, full, request)


def test_expiry_ends_the_header_at_exp_and_the_answer_follows_the_full_one(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock)
    token = prod.session_token("user_e", lifetime=60)
    request = view(signed_in_cookie(prod, token, clock()))
    assert same_answers(fast, full, request) > 0
    for step in (59, 0.5, 0.5, 1, 4, 60):  # up to exp, through the skew's grace, beyond
        clock.advance(step)
        same_answers(fast, full, request, 2)
    assert full.authenticate_request(request).status is not AuthStatus.SIGNED_IN


def test_key_rotation_ends_remembered_headers(prod: LocalClerkInstance, clock: FakeClock) -> None:
    from clerk_core.keys import JWKSCache

    fast = prod.clerk(clock=clock)  # keys from the instance's JWKS, through the cache
    full = prod.clerk(clock=clock)
    full._cookie_fast = full._signed_out_fast = False
    token = prod.session_token("user_k")
    request = view(signed_in_cookie(prod, token, clock()))
    assert same_answers(fast, full, request) > 0
    for engine in (fast, full):
        assert isinstance(engine.keys, JWKSCache)
        engine.keys._generation += 1  # what a fetched key set without this token's key does
    assert ask(fast, request) is None
    assert len(fast._cookies) == 0  # the header's entry went with it
    same_answers(fast, full, request)


def test_token_memory_eviction_keeps_the_answer(clock: FakeClock) -> None:
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
    )
    fast, full = pair(instance, clock, token_cache_size=2)
    requests = [
        view(signed_in_cookie(instance, instance.session_token(f"user_{i}"), clock()))
        for i in range(5)
    ]
    for _ in range(3):
        for request in requests:
            same_answers(fast, full, request, 2)
    assert len(fast._cookies) <= 2
    assert len(fast._memory) <= 2


def test_a_flood_of_distinct_headers_stays_within_the_bound(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, _ = pair(prod, clock, token_cache_size=16)
    token = prod.session_token("user_flood")
    for i in range(300):
        fast.authenticate_request(view(f"n={i}; __client_uat=0"))
        fast.authenticate_request(view(f"n={i}; " + signed_in_cookie(prod, token, clock())))
        fast.authenticate_request(view(f"n={i}; " + signed_in_cookie(prod, token, clock())))
    assert len(fast._signed_out) <= 16
    assert len(fast._cookies) <= 16
    assert len(fast._cookies) > 0
    assert len(fast._signed_out) > 0


def _texts(obj: Any, seen: set[int] | None = None) -> list[str]:
    """Every string and byte string reachable from ``obj`` (its slots, dicts, containers)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, (str, bytes)):
        return [obj.decode("latin-1") if isinstance(obj, bytes) else obj]
    found: list[str] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _texts(key, seen) + _texts(value, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for item in obj:
            found += _texts(item, seen)
    else:
        for name in getattr(type(obj), "__slots__", ()):
            if hasattr(obj, name):
                found += _texts(getattr(obj, name), seen)
        if hasattr(obj, "__dict__") and not isinstance(obj, type):
            found += _texts(vars(obj), seen)
    return found


def test_the_memories_hold_no_token_and_no_header_text(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, _ = pair(prod, clock)
    token = prod.session_token("user_secret")
    marker = "pad=Z9marker"
    signed_in = f"{marker}; " + signed_in_cookie(prod, token, clock())
    signed_out = f"{marker}; __client_uat=0"
    for _ in range(3):
        for cookie in (signed_in, signed_out):
            state = fast.authenticate_request(view(cookie))
            state.to_auth()
            ask(fast, view(cookie))
    assert len(fast._cookies) == 1
    assert len(fast._signed_out) == 1
    texts = _texts(fast._cookies._entries) + _texts(fast._signed_out._entries)
    texts += _texts(fast._memory)
    gc.collect()
    for text in texts:
        assert token not in text
        assert token[:40] not in text
        assert "Z9marker" not in text


# ------------------------------------------------------------------ threads
def test_threads_hitting_both_memories_get_the_full_answers(
    prod: LocalClerkInstance, clock: FakeClock
) -> None:
    fast, full = pair(prod, clock, token_cache_size=8)
    tokens = [prod.session_token(f"user_{i}") for i in range(4)]
    requests = [view(signed_in_cookie(prod, t, clock())) for t in tokens]
    requests += [view(f"n={i}; __client_uat=0") for i in range(12)]
    requests += [view(None), view("_ga=1")]
    references = [outcome(full.authenticate_request(r)) for r in requests]
    failures: list[str] = []

    def work(offset: int) -> None:
        for round_ in range(60):
            i = (offset + round_) % len(requests)
            request = requests[i]
            for state in (fast.authenticate_request(request), ask(fast, request)):
                if state is not None and outcome(state) != references[i]:
                    failures.append(f"{i}: {outcome(state)[:3]}")

    threads = [threading.Thread(target=work, args=(n * 5,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(fast._cookies) <= 8
    assert len(fast._signed_out) <= 8


# ------------------------------------------------------------------ ASGI response headers
def _decoded_merge(
    state: RequestState, raw: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The merge by decoding every response header (what the fast merge skips)."""
    present = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    added = headers_after_app(state, present)
    replaced = {k.lower().encode("latin-1") for k, _ in added if is_replaced(k)}
    kept = [(k, v) for k, v in raw if k.lower() not in replaced]
    return [*kept, *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in added)]


RESPONSES: dict[str, list[tuple[bytes, bytes]]] = {
    "none": [],
    "plain": [(b"content-type", b"application/json"), (b"content-length", b"2")],
    "clerk status, same value": [(b"x-clerk-auth-status", b"signed-out")],
    "clerk status upper case": [(b"X-Clerk-Auth-Status", b"signed-out")],
    "clerk reason, other value": [(b"x-clerk-auth-reason", b"app-said-so")],
    "own set-cookie": [(b"set-cookie", b"theme=dark"), (b"cache-control", b"public, max-age=60")],
    "own cache-control": [(b"Cache-Control", b"public, max-age=60")],
    "latin-1 value": [(b"x-note", b"caf\xe9")],
}


@pytest.mark.parametrize("response", sorted(RESPONSES))
def test_the_raw_merge_equals_the_decoded_merge(
    prod: LocalClerkInstance, clock: FakeClock, response: str
) -> None:
    fast, _ = pair(prod, clock)
    raw = RESPONSES[response]
    states = [
        fast.authenticate_request(view(None)),
        fast.authenticate_request(view("__client_uat=0")),
        fast.authenticate_request(view(signed_in_cookie(prod, prod.session_token(), clock()))),
        RequestState(
            AuthStatus.SIGNED_IN,
            headers=[("Set-Cookie", "__session=x; Path=/"), ("x-clerk-auth-status", "signed-in")],
        ),
        RequestState(AuthStatus.SIGNED_OUT, headers=[("X-Clerk-Auth-Reason", "app-said-so")]),
    ]
    for state in states:
        assert merged_raw_headers(state, list(raw)) == _decoded_merge(state, list(raw))


# ------------------------------------------------------------------ every adapter
def adapter_requests(instance: LocalClerkInstance, clock: FakeClock) -> dict[str, dict[str, str]]:
    member = instance.session_token("user_m", org_id="org_1", org_role="org:member")
    now = int(clock())
    base = {"accept": "application/json"}
    return {
        "no cookie": dict(base),
        "other cookies": {**base, "cookie": "_ga=1; theme=dark"},
        "uat 0": {**base, "cookie": "_ga=1; __client_uat=0"},
        "uat quoted": {**base, "cookie": '__client_uat="0"'},
        "uat in another name": {**base, "cookie": "x__client_uat=5"},
        "uat upper case": {**base, "cookie": "__CLIENT_UAT=5"},
        "uat 0 then 5": {**base, "cookie": "__client_uat=0; __client_uat=5"},
        "uat 5 then 0": {**base, "cookie": "__client_uat=5; __client_uat=0"},
        "uat active": {**base, "cookie": f"__client_uat={now}"},
        "uat active page": {
            "accept": "text/html",
            "sec-fetch-dest": "document",
            "cookie": f"__client_uat={now}",
        },
        "handshake cookie": {**base, "cookie": "__clerk_handshake=abc; __client_uat=0"},
        "basic authorization": {**base, "cookie": "_ga=1", "authorization": "Basic dXNlcg=="},
        "member": {
            **base,
            "sec-fetch-dest": "empty",
            "cookie": f"_ga=1; __session={member}; __client_uat={now - 10}",
        },
        "member, page from elsewhere": {
            "accept": "text/html",
            "sec-fetch-dest": "document",
            "referer": "https://evil.example/",
            "cookie": f"_ga=1; __session={member}; __client_uat={now - 10}",
        },
    }


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> Build:
    module, build = ADAPTERS[request.param]
    pytest.importorskip(module)
    return build


def test_every_adapter_answers_what_the_full_procedure_answers(
    adapter: Build, clock: FakeClock
) -> None:
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=("http://testserver",),
        clock=clock,
    )
    fast, full = pair(instance, clock)
    get_fast, get_full = adapter(fast), adapter(full)
    for name, headers in adapter_requests(instance, clock).items():
        for path in ("/signed-in", "/admin"):
            reference = get_full(path, dict(headers))
            for _ in range(3):
                assert get_fast(path, dict(headers)) == reference, (name, path)
    assert len(fast._signed_out) > 0  # the shortcuts answered: not an empty comparison


def test_a_guard_refusing_a_fast_answer_refuses_as_the_full_procedure(clock: FakeClock) -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from clerk_starlette import ClerkMiddleware

    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=("http://testserver",),
        clock=clock,
    )

    def guard(auth: Any, conn: HTTPConnection) -> None:
        if conn.url.path.startswith("/private"):
            auth.protect()

    async def page(request: Request) -> Response:
        response = PlainTextResponse("ok")
        response.headers["x-clerk-auth-status"] = "app"
        response.headers["cache-control"] = "public, max-age=60"
        response.set_cookie("theme", "dark")
        return response

    def client(engine: Clerk) -> TestClient:
        app = Starlette(
            routes=[Route("/private", page), Route("/public", page)],
            middleware=[Middleware(ClerkMiddleware, clerk=engine, guard=guard)],
        )
        return TestClient(app, base_url="http://testserver")

    fast, full = pair(instance, clock)
    c_fast, c_full = client(fast), client(full)
    token = instance.session_token("user_g")
    cookies = [
        "",
        "_ga=1",
        "__client_uat=0",
        f"__session={token}; __client_uat={int(clock()) - 10}",
    ]
    for cookie in cookies:
        for path in ("/private", "/public"):
            for method in ("GET", "HEAD", "POST"):
                headers = {"cookie": cookie} if cookie else {}
                want = c_full.request(method, path, headers=headers)
                for _ in range(3):
                    got = c_fast.request(method, path, headers=headers)
                    assert got.status_code == want.status_code, (cookie, path, method)
                    assert got.headers.multi_items() == want.headers.multi_items()
                    assert got.content == want.content
    assert len(fast._signed_out) > 0
    assert len(fast._cookies) > 0


def test_fastapi_responses_carrying_their_own_headers_match_the_full_procedure(
    clock: FakeClock,
) -> None:
    pytest.importorskip("fastapi")
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient
    from starlette.responses import PlainTextResponse, Response

    from clerk_starlette import ClerkMiddleware
    from clerk_starlette.fastapi import get_auth

    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=("http://testserver",),
        clock=clock,
    )

    def client(engine: Clerk, middleware: bool) -> TestClient:
        app = FastAPI()
        if middleware:
            app.add_middleware(ClerkMiddleware, clerk=engine)
        else:
            app.state.clerk = engine

        @app.api_route("/page", methods=["GET", "HEAD", "POST"])
        async def page(auth: Any = Depends(get_auth)) -> Response:
            response = PlainTextResponse(str(auth.user_id))
            response.headers["X-Clerk-Auth-Status"] = "app"
            response.headers["cache-control"] = "public, max-age=60"
            response.set_cookie("theme", "dark")
            return response

        return TestClient(app, base_url="http://testserver")

    token = instance.session_token("user_fa")
    cookies = [
        "",
        "_ga=1",
        "__client_uat=0",
        f"__session={token}; __client_uat={int(clock()) - 10}",
    ]
    for middleware in (True, False):
        fast, full = pair(instance, clock)
        c_fast, c_full = client(fast, middleware), client(full, middleware)
        for cookie in cookies:
            for method in ("GET", "HEAD", "POST"):
                headers = {"cookie": cookie} if cookie else {}
                want = c_full.request(method, "/page", headers=headers)
                for _ in range(3):
                    got = c_fast.request(method, "/page", headers=headers)
                    assert got.status_code == want.status_code, (middleware, cookie, method)
                    assert got.headers.multi_items() == want.headers.multi_items()
                    assert got.content == want.content
        assert len(fast._signed_out) > 0
        assert len(fast._cookies) > 0


def test_a_view_changing_its_auth_object_does_not_change_the_next_answer(
    clock: FakeClock,
) -> None:
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
    )
    fast, full = pair(instance, clock)
    token = instance.session_token(
        "user_v",
        org_id="org_1",
        org_role="org:member",
        org_permissions=["org:read:all"],
        fva=[5, 5],
    )
    request = view(signed_in_cookie(instance, token, clock()))
    assert same_answers(fast, full, request) > 0
    for _ in range(3):
        for state in (
            ask(fast, request),
            ask_raw(fast, request),
            fast.authenticate_request(request),
        ):
            assert state is not None
            auth = state.to_auth()
            assert not auth.has(permission="org:admin:all")
            # A view adding to its own lists (or replacing them) changes only its own object.
            if isinstance(auth.org_permissions, list):
                auth.org_permissions.append("org:admin:all")
            if isinstance(auth.factor_verification_age, list):
                auth.factor_verification_age[:] = [0, 0]
            auth.org_role = "org:admin"
    assert outcome(fast.authenticate_request(request)) == outcome(
        full.authenticate_request(request)
    )


@pytest.mark.parametrize("sts", ["pending", "active", None, "PENDING"])
def test_session_status_reaches_the_fast_answer_as_the_full_one(
    prod: LocalClerkInstance, clock: FakeClock, sts: str | None
) -> None:
    fast, full = pair(prod, clock)
    token = prod.session_token("user_p", sts=sts)
    request = view(signed_in_cookie(prod, token, clock()))
    assert same_answers(fast, full, request) > 0
    for state in (ask(fast, request), ask_raw(fast, request)):
        assert state is not None
        reference = full.authenticate_request(request)
        for pending in (True, False):
            got = state.to_auth(treat_pending_as_signed_out=pending)
            want = reference.to_auth(treat_pending_as_signed_out=pending)
            assert type(got) is type(want)
            assert (got.user_id, got.session_status) == (want.user_id, want.session_status)


def test_the_cookie_size_cap_is_read_alike_at_its_boundary(clock: FakeClock) -> None:
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=(ORIGIN,),
        clock=clock,
    )
    token = instance.session_token("user_cap")
    for base in ("__client_uat=0", "_ga=1", signed_in_cookie(instance, token, clock())):
        cap = len(base) + 50
        fast, full = pair(instance, clock, max_cookie_header_bytes=cap)
        answered = 0
        for size in (cap - 1, cap, cap + 1):
            for around in ("", " ", "\t \t"):
                pad = "x" * (size - len(base) - len("; p="))
                answered += same_answers(fast, full, view(f"{around}{base}; p={pad}{around}"))
        assert answered > 0, base


def test_a_flask_guard_refusing_a_fast_answer_refuses_as_the_full_procedure(
    clock: FakeClock,
) -> None:
    pytest.importorskip("flask")
    from flask import Flask, Response, make_response

    from clerk_flask import Clerk as ClerkExtension

    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.fastpath.test",
        authorized_parties=("http://testserver",),
        clock=clock,
    )

    def guard(auth: Any, request: Any) -> None:
        if request.path.startswith("/private"):
            auth.protect()

    def client(engine: Clerk) -> Any:
        app = Flask(__name__)
        ClerkExtension(app, clerk=engine, guard=guard)

        @app.route("/private", methods=["GET", "HEAD", "POST"])
        @app.route("/public", methods=["GET", "HEAD", "POST"])
        def page() -> Response:
            response = make_response("ok")
            response.headers["X-Clerk-Auth-Status"] = "app"
            response.headers["Cache-Control"] = "public, max-age=60"
            response.set_cookie("theme", "dark")
            return response

        return app.test_client(use_cookies=False)

    fast, full = pair(instance, clock)
    c_fast, c_full = client(fast), client(full)
    token = instance.session_token("user_fl")
    cookies = [
        "",
        "_ga=1",
        "__client_uat=0",
        f"__session={token}; __client_uat={int(clock()) - 10}",
    ]
    for cookie in cookies:
        for path in ("/private", "/public"):
            for method in ("GET", "HEAD", "POST"):
                headers = {"cookie": cookie} if cookie else {}
                want = c_full.open(path, method=method, headers=headers)
                for _ in range(3):
                    got = c_fast.open(path, method=method, headers=headers)
                    assert got.status_code == want.status_code, (cookie, path, method)
                    assert sorted(got.headers.items()) == sorted(want.headers.items())
                    assert got.get_data() == want.get_data()
    assert len(fast._signed_out) > 0
    assert len(fast._cookies) > 0
