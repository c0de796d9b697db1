"""Policy 9: a repeated token costs a lookup, bounded in size, never past exp + skew, per instance."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import pickle
from typing import Any

import pytest

from clerk_core import AuthStatus, RequestView
from clerk_core.auth import SessionAuth
from clerk_core.testing import LocalClerkInstance
from clerk_core.tokens import verify_signature
from tests.conftest import FakeClock


@pytest.fixture
def instance(clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.memory.test",
        authorized_parties=(),
        clock=clock,
    )


def bearer(token: str) -> RequestView:
    return RequestView("GET", "https://app.example/api", {"authorization": f"Bearer {token}"})


def count_verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]

    def spy(*args: object, **kwargs: object) -> None:
        calls[0] += 1
        verify_signature(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("clerk_core._verify.verify_signature", spy)
    return calls


def test_a_repeated_token_is_verified_once(
    instance: LocalClerkInstance, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    calls = count_verifications(monkeypatch)
    token = instance.session_token()
    for _ in range(100):
        assert engine.authenticate_request(bearer(token)).is_authenticated
    assert asyncio.run(engine.authenticate_request_async(bearer(token))).is_authenticated
    cookie = RequestView(
        "GET",
        "https://app.example/",
        {"cookie": f"__session={token}; __client_uat={int(clock.now) - 100}"},
    )
    assert engine.authenticate_request(cookie).is_authenticated
    assert calls[0] == 1


def test_never_past_exp_plus_skew(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token(lifetime=60)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    clock.advance(60 + 5 - 0.001)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    clock.advance(0.001)
    state = engine.authenticate_request(bearer(token))
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"


def test_bounded_in_size(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(networkless=True, clock=clock, token_cache_size=8)
    tokens = [instance.session_token(f"user_{i}") for i in range(20)]
    for token in tokens:
        assert engine.authenticate_request(bearer(token)).is_authenticated
    assert len(engine._memory) == 8


def test_keyed_by_a_hash_never_by_the_token(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token()
    engine.authenticate_request(bearer(token))
    keys = list(engine._memory._entries)
    assert keys == [hashlib.sha256(token.encode()).digest()]


def test_scoped_per_instance(clock: FakeClock) -> None:
    a = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.a.test", clock=clock, authorized_parties=()
    )
    b = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.b.test", clock=clock, authorized_parties=()
    )
    engine_a = a.clerk(networkless=True, clock=clock)
    engine_b = b.clerk(networkless=True, clock=clock)
    token = a.session_token()
    assert engine_a.authenticate_request(bearer(token)).is_authenticated
    state = engine_b.authenticate_request(bearer(token))
    assert state.status is AuthStatus.SIGNED_OUT


def test_failures_are_never_remembered(instance: LocalClerkInstance, clock: FakeClock) -> None:
    engine = instance.clerk(
        networkless=True, clock=clock, authorized_parties=("https://app.example",)
    )
    for token in (
        instance.bad_signature_token(),
        instance.wrong_azp_token(),
        instance.expired_token(),
    ):
        assert not engine.authenticate_request(bearer(token)).is_authenticated
    assert len(engine._memory) == 0


def test_a_removed_key_invalidates_remembered_tokens(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(clock=clock)
    token = instance.session_token(lifetime=3600)
    assert engine.authenticate_request(bearer(token)).is_authenticated
    cache = engine.keys
    from clerk_core.keys import JWKSCache

    assert isinstance(cache, JWKSCache)
    # A successful fetch that no longer publishes the kid: the remembered token must not outlive it.
    cache._complete(
        cache._new_flight(clock.now),
        cache._interpret(200, __import__("httpx").Headers(), b'{"keys": []}'),
    )
    assert engine.authenticate_request(
        bearer(token)
    ).is_authenticated  # a failed fetch changes nothing
    from clerk_core.testing import public_jwk

    other = {"keys": [public_jwk(instance.other_private_key, "ins_other")]}
    import json

    import httpx

    cache._complete(
        cache._new_flight(clock.now),
        cache._interpret(200, httpx.Headers(), json.dumps(other).encode()),
    )
    assert engine.authenticate_request(bearer(token)).reason == "jwk-kid-mismatch"


def test_memory_can_be_turned_off(
    instance: LocalClerkInstance, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = instance.clerk(networkless=True, clock=clock, token_cache_size=0)
    calls = count_verifications(monkeypatch)
    token = instance.session_token()
    for _ in range(3):
        assert engine.authenticate_request(bearer(token)).is_authenticated
    assert calls[0] == 3


# ------------------------------------------------------------------ remembered claims are read-only
def rich_token(instance: LocalClerkInstance, version: int = 2) -> str:
    return instance.session_token(
        "user_rich",
        org_id="org_1",
        org_role="admin",
        org_permissions=["org:posts:read", "org:posts:write"],
        features=["o:posts"],
        fva=[3, 5],
        actor={"sub": "user_admin", "meta": {"tags": ["support"]}},
        version=version,
    )


MUTATIONS = [
    ("sub", lambda c: c.__setitem__("sub", "user_evil")),
    ("sub", lambda c: c.update(sub="user_evil")),
    ("sub", lambda c: c.pop("sub")),
    ("sub", lambda c: c.setdefault("x", 1)),
    ("sub", lambda c: c.clear()),
    ("sub", lambda c: c.popitem()),
    ("sub", lambda c: c.__delitem__("sub")),
    ("sub", lambda c: c.__ior__({"sub": "user_evil"})),
    ("act", lambda c: c["act"].__setitem__("sub", "user_evil")),
    ("act", lambda c: c["act"]["meta"]["tags"].append("admin")),
    ("fva", lambda c: c["fva"].__setitem__(1, 0)),
    ("fva", lambda c: c["fva"].extend([0])),
    ("fva", lambda c: c["fva"].clear()),
    ("fva", lambda c: c["fva"].sort()),
    ("fva", lambda c: c["fva"].__iadd__([0])),
    ("o", lambda c: c["o"].__setitem__("rol", "owner")),
    ("org_permissions", lambda c: c["org_permissions"].append("org:sys:all")),
    ("org_permissions", lambda c: c["org_permissions"].__setitem__(0, "org:sys:all")),
]


@pytest.mark.parametrize(("claim", "mutate"), MUTATIONS)
@pytest.mark.parametrize("path", ["sync", "async"])
def test_a_view_cannot_change_what_the_next_request_sees(
    instance: LocalClerkInstance, clock: FakeClock, claim: str, mutate: Any, path: str
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = rich_token(instance, version=1 if claim == "org_permissions" else 2)

    def authenticate() -> Any:
        if path == "sync":
            return engine.authenticate_request(bearer(token)).to_auth()
        return asyncio.run(engine.authenticate_request_async(bearer(token))).to_auth()

    first = authenticate()  # the request that verified the token (and filled the memory)
    before = copy.deepcopy(dict(first.session_claims))
    for auth in (first, authenticate()):  # ... and one served from the memory
        with pytest.raises(TypeError, match="read-only"):
            mutate(auth.session_claims)
    later = authenticate()
    assert later.session_claims == before
    assert (later.user_id, later.actor, later.factor_verification_age) == (
        "user_rich",
        {"sub": "user_admin", "meta": {"tags": ["support"]}},
        [3, 5],
    )
    assert later.org_role == "org:admin"
    assert later.has(permission="org:posts:write")
    assert not later.has(permission="org:sys:all")


def test_the_auth_objects_own_lists_are_per_request(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = rich_token(instance)
    auth = engine.authenticate_request(bearer(token)).to_auth()
    assert auth.org_permissions is not None
    assert auth.factor_verification_age is not None
    auth.org_permissions.append("org:sys:all")
    auth.factor_verification_age[1] = 0
    again = engine.authenticate_request(bearer(token)).to_auth()
    assert again.org_permissions == ["org:posts:read", "org:posts:write"]
    assert again.factor_verification_age == [3, 5]
    assert again.has(reverification="strict")


def test_read_only_claims_still_behave_like_json(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = rich_token(instance)
    claims = engine.verify_token(token)
    assert claims is engine.verify_token(token)  # served from the memory, nothing copied
    assert isinstance(claims, dict)
    assert isinstance(claims["fva"], list)
    assert json.loads(json.dumps(claims)) == claims
    mutable = dict(claims)
    mutable["sub"] = "user_other"
    assert claims["sub"] == "user_rich"
    assert claims.copy() == claims
    assert type(claims.copy()) is dict
    for clone in (copy.deepcopy(claims), pickle.loads(pickle.dumps(claims))):  # noqa: S301
        assert clone == claims
        with pytest.raises(TypeError):
            clone["act"]["sub"] = "user_evil"


def test_claims_are_read_only_with_the_memory_off(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock, token_cache_size=0)
    auth = engine.authenticate_request(bearer(rich_token(instance))).to_auth()
    with pytest.raises(TypeError):
        auth.session_claims["o"]["id"] = "org_evil"  # type: ignore[index]


# ------------------------------------------------------------------ eviction and repeated cookies
def test_the_least_recently_used_token_goes_first(
    instance: LocalClerkInstance, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = instance.clerk(networkless=True, clock=clock, token_cache_size=3)
    hot, cold, warm, new = [instance.session_token(f"user_{i}") for i in range(4)]
    for token in (hot, cold, warm, hot, new):  # the oldest token is the one used again
        assert engine.authenticate_request(bearer(token)).is_authenticated
    assert len(engine._memory) == 3
    calls = count_verifications(monkeypatch)
    for token in (hot, warm, new):
        assert engine.authenticate_request(bearer(token)).is_authenticated
    assert calls[0] == 0
    assert engine.authenticate_request(bearer(cold)).is_authenticated  # the one evicted
    assert calls[0] == 1


def cookie_request(token: str, clock: FakeClock) -> RequestView:
    return RequestView(
        "GET",
        "https://app.example/",
        {"cookie": f"__session={token}; __client_uat={int(clock.now) - 100}"},
    )


def test_a_repeated_cookie_is_not_decoded_again(
    instance: LocalClerkInstance, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clerk_core._context
    from clerk_core.tokens import decode_jwt

    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token()
    assert engine.authenticate_request(cookie_request(token, clock)).is_authenticated
    decodes = [0]

    def counting(*args: Any, **kwargs: Any) -> Any:
        decodes[0] += 1
        return decode_jwt(*args, **kwargs)

    # The cookie flow decodes through its context only (AuthenticateContext.decoded).
    monkeypatch.setattr(clerk_core._context, "decode_jwt", counting)
    for _ in range(3):
        state = engine.authenticate_request(cookie_request(token, clock))
        assert state.is_authenticated
        assert state.to_auth().user_id == "user_test"
    assert decodes[0] == 0


def test_a_remembered_cookie_is_still_checked_against_client_uat(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token()
    assert engine.authenticate_request(cookie_request(token, clock)).is_authenticated
    signed_out_later = RequestView(
        "GET",
        "https://app.example/",
        {"cookie": f"__session={token}; __client_uat={int(clock.now) + 100}"},
    )
    state = engine.authenticate_request(signed_out_later)
    assert state.reason == "session-token-iat-before-client-uat"


def test_each_request_gets_its_own_auth_object(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    engine = instance.clerk(networkless=True, clock=clock)
    other = instance.clerk(networkless=True, clock=clock)
    token = rich_token(instance)
    first, second = (engine.authenticate_request(bearer(token)).to_auth() for _ in range(2))
    third, fourth = (other.authenticate_request(bearer(token)).to_auth() for _ in range(2))
    assert isinstance(second, SessionAuth)
    assert isinstance(fourth, SessionAuth)
    assert len({id(first), id(second), id(third), id(fourth)}) == 4
    second.user_id = "user_evil"
    assert engine.authenticate_request(bearer(token)).to_auth().user_id == "user_rich"
    assert fourth._api_needed() is other
    assert second._api_needed() is engine
    assert fourth.get_token() == token


def test_a_remembered_state_is_the_one_the_constructor_builds(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    """The fast paths build their state without the constructor (``RequestState.remembered``):
    every field is what the constructor gives a signed-in session token."""
    from clerk_core.state import RequestState

    engine = instance.clerk(networkless=True, clock=clock)
    token = rich_token(instance)
    engine.authenticate_request(bearer(token))
    fast = engine.authenticate_request(bearer(token))
    assert fast._remembered is not None
    built = RequestState(
        AuthStatus.SIGNED_IN, token=token, claims=fast._remembered.claims, token_source="header"
    )
    built._remembered, built._engine = fast._remembered, engine
    for name in RequestState.__slots__:
        assert getattr(fast, name) == getattr(built, name), name
    assert fast.headers is not engine.authenticate_request(bearer(token)).headers
    # Once the entry has its template, an adapter's fast state comes with its auth object made:
    # the one the constructor's state builds on demand, with lists of its own.
    fast.to_auth()
    assert engine.authenticate_request(bearer(token))._auth is None  # made when asked for
    again = engine.remembered_state(f"Bearer {token}")
    assert again is not None
    made, rebuilt = again._auth, built.to_auth()
    assert isinstance(made, SessionAuth)
    assert made.__dict__ == rebuilt.__dict__
    assert made.org_permissions is not rebuilt.org_permissions
    assert made._api_needed() is engine


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"org_id": "org_1", "org_role": "admin", "org_permissions": ["org:a:b"], "fva": [1, 2]},
        {"v": 2, "o": {"id": "org_2", "rol": "member", "slg": "two", "per": "x", "fpm": "1"}},
        {"sts": "active", "act": {"sub": "user_admin"}, "fva": [0, -1]},
    ],
    ids=["plain", "v1-org", "v2-org", "actor"],
)
def test_a_copy_of_the_template_is_the_object_the_constructor_builds(
    instance: LocalClerkInstance, clock: FakeClock, claims: dict[str, Any]
) -> None:
    """``SessionAuth._from_template`` copies field by field: the same fields and values as
    ``SessionAuth(...)``, with lists of its own."""
    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token("user_t", claims=claims)
    verified = engine.verify_token(token)
    template = SessionAuth(verified, "")
    copied = SessionAuth._from_template(template, token, engine)
    built = SessionAuth(verified, token, clerk=engine)
    assert copied.__dict__ == built.__dict__
    assert list(copied.__dict__) == list(built.__dict__)
    for name in SessionAuth._OWN_LISTS:
        value = getattr(copied, name)
        assert value is None or value is not getattr(template, name)


def test_a_remembered_pending_session_stays_signed_out_for_views(
    instance: LocalClerkInstance, clock: FakeClock
) -> None:
    """A pending session (``sts: pending``) repeated from memory: signed out for views, as the
    first time, however many times the token's template has been used."""
    from clerk_core.auth import SignedOutAuth

    engine = instance.clerk(networkless=True, clock=clock)
    token = instance.session_token("user_p", claims={"sts": "pending"})
    answers = [engine.authenticate_request(bearer(token)) for _ in range(4)]
    assert all(state.is_signed_in for state in answers)
    for state in answers:
        auth = state.to_auth()
        assert isinstance(auth, SignedOutAuth)
        assert auth.session_status == "pending"
        assert state.to_auth(treat_pending_as_signed_out=False).user_id == "user_p"


# ------------------------------------------------------------------ the remembered-cookie fast path
def _cookie_matrix(instance: LocalClerkInstance, now: int) -> list[RequestView]:
    token = instance.session_token(lifetime=3600)
    early = instance.session_token(claims={"iat": now - 500}, lifetime=3600)
    suffix = instance.cookie_suffix
    other = instance.session_token("user_other", lifetime=3600)
    handshake = instance.handshake_token([f"__session={other}; Path=/", "__client_uat=1; Path=/"])
    jars = [
        f"__session={token}; __client_uat={now - 100}",
        f"__session={token}; __client_uat={now + 100}",
        f"__session={early}; __client_uat={now - 100}",
        f"__session={token}; __client_uat=0",
        f"__session={token}",
        f"__client_uat={now - 100}",
        f"__session={token}; __client_uat={now - 100}; __clerk_handshake=junk",
        f"__session={token}; __client_uat={now - 100}; __clerk_handshake={handshake}",
        f"__session={token}; __client_uat={now - 100}; __clerk_handshake_nonce=junk",
        f"__session={token}; __client_uat={now - 100}; __clerk_redirect_count=3",
        f"__session={token}; __client_uat={now - 100}; "
        f"__session_{suffix}={early}; __client_uat_{suffix}={now - 50}",
        f"__session_{suffix}={token}; __client_uat_{suffix}={now - 100}; __clerk_db_jwt=dvb_1",
        # As browsers send them: both sets, the same token (and the dev browser's cookies).
        f"__session={token}; __client_uat={now - 100}; "
        f"__session_{suffix}={token}; __client_uat_{suffix}={now - 100}",
        f"__session={token}; __client_uat={now - 100}; __session_{suffix}={token}; "
        f"__client_uat_{suffix}={now - 100}; __clerk_db_jwt=dvb_1; __clerk_db_jwt_{suffix}=dvb_2",
        f"__session={token}; __client_uat={now - 100}; __session_{suffix}={token}; "
        f"__client_uat_{suffix}=0",
        f"__session={token}; __client_uat={now - 100}; __clerk_db_jwt=dvb_1",
        f"__session={token}; __client_uat={now - 100}; __clerk_db_jwt_{suffix}=dvb_2",
    ]
    urls = [
        "https://app.example/",
        "https://app.example/orgs/org_2?x=1",
        f"https://app.example/?__clerk_handshake={handshake}",
        "https://app.example/page?tab=2&q=a%20b",
        "https://app.example/?__clerk_db_jwt=dvb_3",
        "https://app.example/?__clerk_redirect_url=https%3A%2F%2Fapp.example%2Fback",
        "https://app.example/?__clerk_handshake_nonce=n_1",
        "https://app.example/?__clerk_synced=false",
    ]
    headers = [
        {},
        {"sec-fetch-dest": "document", "referer": "https://elsewhere.example/"},
        {"accept": "text/html", "sec-fetch-dest": "document"},
    ]
    return [
        RequestView(method, url, {"host": "app.example", "cookie": jar, **extra})
        for jar in jars
        for url in urls
        for extra in headers
        for method in ("GET", "POST")
    ]


def _outcome(state: Any) -> tuple[Any, ...]:
    auth = state.to_auth()
    return (
        state.status,
        state.reason,
        state.message,
        state.headers,
        state.token,
        state.token_source,
        state.dev_browser_token,
        type(auth),
        auth.user_id,
    )


@pytest.mark.parametrize("instance_type", ["production", "development"])
@pytest.mark.parametrize("satellite", [False, True])
def test_the_cookie_fast_path_answers_as_the_cookie_flow(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, instance_type: str, satellite: bool
) -> None:
    import clerk_core.clerk
    from clerk_core._cookie_flow import remembered_cookie

    instance = LocalClerkInstance(
        instance_type=instance_type,  # type: ignore[arg-type]
        frontend_api="clerk.memory.test",
        authorized_parties=("https://app.example",),
        clock=clock,
        satellite_domain="sat.example" if satellite else None,
    )
    options = {"organization_patterns": ["/orgs/:id"]} if not satellite else {}
    fast = instance.clerk(networkless=True, clock=clock, **options)
    full = instance.clerk(networkless=True, clock=clock, **options)
    requests = _cookie_matrix(instance, int(clock.now))
    for request in requests:  # fill both memories the same way
        fast.authenticate_request(request)
        full.authenticate_request(request)
    answered = []

    def spy(ctx: Any) -> Any:
        state = remembered_cookie(ctx)
        answered.append(state is not None)
        return state

    monkeypatch.setattr(clerk_core.clerk, "remembered_cookie", spy)
    fast_outcomes = [_outcome(fast.authenticate_request(r)) for r in requests]
    monkeypatch.setattr(clerk_core.clerk, "remembered_cookie", lambda ctx: None)
    assert [_outcome(full.authenticate_request(r)) for r in requests] == fast_outcomes
    if not satellite:
        assert 10 <= sum(answered) < len(requests)
        assert any(o[0] is AuthStatus.HANDSHAKE for o in fast_outcomes)
    else:
        assert not any(answered)


# ------------------------------------------------------------------ the new-Bearer fast path
def _bearer_matrix(instance: LocalClerkInstance) -> list[str]:
    claims = instance.session_claims()
    return [
        instance.session_token(),
        instance.session_token(claims={"fea": "o:a", "o": {"id": "org_1", "rol": "admin"}}),
        instance.expired_token(),
        instance.not_yet_valid_token(),
        instance.wrong_azp_token(),
        instance.other_key_token(),
        instance.unknown_kid_token(),
        instance.bad_signature_token(),
        instance.jwt_template_token(),
        instance.m2m_jwt(),
        instance.oauth_jwt(),
        instance.sign(claims, headers={"typ": "at+jwt"}),
        instance.sign(claims, headers={"crit": ["exp"]}),
        instance.sign(claims, headers={"kid": None}),
        instance.sign(claims, headers={"cat": None}),
        instance.sign(claims, headers={"alg": "RS384"}, algorithm="RS384"),
        instance.sign({**claims, "sub": "mch_1"}),
        instance.sign({**claims, "iss": "https://elsewhere.example"}),
        instance.sign({**claims, "exp": float(claims["exp"])}),
        instance.sign({**claims, "iat": True}),
        instance.sign({**claims, "nbf": None}),
        instance.sign({**claims, "exp": 10**30}),
        instance.sign({k: v for k, v in claims.items() if k != "sid"}),
        instance.sign({k: v for k, v in claims.items() if k != "iat"}),
        "not.a.jwt",
        "e30.e30.",
    ]


@pytest.mark.parametrize("accepts", [None, "any", "session_token"])
@pytest.mark.parametrize("parties", [(), ("https://app.example",)])
def test_the_new_bearer_fast_path_answers_as_the_header_flow(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, accepts: str | None, parties: tuple[str, ...]
) -> None:
    """A new Bearer token is judged by ``Clerk._new_bearer`` where it applies; the header flow
    gives the same state for every token (the fast path off), and no signature is checked twice.
    """
    from clerk_core.clerk import Clerk

    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.memory.test",
        authorized_parties=parties,
        clock=clock,
    )
    tokens = _bearer_matrix(instance)
    calls = count_verifications(monkeypatch)
    fast = instance.clerk(clock=clock, audience=None)
    full = instance.clerk(clock=clock, audience=None)
    for engine in (fast, full):  # the key set fetched, so the fast path finds the key cached
        assert engine.authenticate_request(bearer(instance.session_token("user_warm"))).is_signed_in
    calls[0] = 0
    original = Clerk._new_bearer
    answered = []

    def spy(self: Clerk, *args: Any) -> Any:
        result = original(self, *args)
        answered.append(result != (None, None))
        return result

    monkeypatch.setattr(Clerk, "_new_bearer", spy)
    fast_outcomes = [
        _outcome(fast.authenticate_request(bearer(t), accepts_token=accepts)) for t in tokens
    ]
    fast_checks = calls[0]
    monkeypatch.setattr(Clerk, "_new_bearer", lambda self, *args: (None, None))
    calls[0] = 0
    assert [
        _outcome(full.authenticate_request(bearer(t), accepts_token=accepts)) for t in tokens
    ] == fast_outcomes
    assert fast_checks == calls[0]  # each signature checked as often as by the header flow
    assert 8 <= sum(answered) < len(tokens)
    assert fast_outcomes[0][0] is AuthStatus.SIGNED_IN
    assert fast_outcomes[7][1] == "token-invalid-signature"
