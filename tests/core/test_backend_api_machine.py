"""The Backend API's machine-auth resources (``api_keys``, ``m2m_tokens``, ``oauth_tokens``,
``testing_tokens``), sync and async, against the local instance's fake Backend API: Clerk's shapes,
pagination, 404/422 bodies, 429 handling, the machine secret key as Bearer, and no secret in any
``repr``."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from clerk_core import AuthStatus, ClerkAPIError
from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI
from clerk_core.backend_api.endpoints import machine
from clerk_core.resources import APIKey, IdPOAuthAccessToken, M2MToken, TestingToken
from clerk_core.testing import LocalClerkInstance
from clerk_core.testing._fake_machine import LOCAL_MACHINE_ID
from tests.conftest import FakeClock

Op = Callable[[Any], Any]
modes = pytest.mark.parametrize("mode", ["sync", "async"])


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def instance(fake_clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(clock=fake_clock)


def api_call(
    mode: str,
    instance: LocalClerkInstance,
    op: Op,
    *,
    key: str | None = None,
    policy: ApiPolicy | None = None,
) -> Any:
    """``op(api)`` with a sync or an async client of ``instance`` (``key``: its Bearer)."""
    secret = key or instance.secret_key
    if mode == "sync":
        with httpx.Client(transport=instance.transport()) as http:
            api = BackendAPI(secret, api_url=instance.api_url, http_client=http, policy=policy)
            return op(api)

    async def go() -> Any:
        async with httpx.AsyncClient(transport=instance.transport()) as http:
            api = AsyncBackendAPI(secret, api_url=instance.api_url, http_client=http, policy=policy)
            return await op(api)

    return asyncio.run(go())


def api_error(mode: str, instance: LocalClerkInstance, op: Op, **kwargs: Any) -> ClerkAPIError:
    with pytest.raises(ClerkAPIError) as caught:
        api_call(mode, instance, op, **kwargs)
    return caught.value


# ------------------------------------------------------------------------------ API keys
@modes
def test_create_an_api_key(mode: str, instance: LocalClerkInstance, fake_clock: FakeClock) -> None:
    key = api_call(
        mode,
        instance,
        lambda api: api.api_keys.create(
            name="CI",
            subject="user_1",
            description="for the build",
            claims={"team": "core"},
            scopes=["read", "write"],
            created_by="user_admin",
            seconds_until_expiration=3600,
        ),
    )
    assert isinstance(key, APIKey)
    now_ms = int(fake_clock() * 1000)
    assert (key.name, key.subject, key.description, key.created_by, key.type) == (
        "CI",
        "user_1",
        "for the build",
        "user_admin",
        "api_key",
    )
    assert (key.scopes, key.claims) == (["read", "write"], {"team": "core"})
    assert (key.revoked, key.expired, key.revocation_reason) == (False, False, None)
    assert (key.expiration, key.created_at, key.updated_at) == (now_ms + 3_600_000, now_ms, now_ms)
    assert key.last_used_at is None
    assert key.secret is not None
    assert key.secret.startswith("ak_")
    assert key.id is not None
    assert key.id.startswith("ak_")
    assert key.secret not in repr(key)
    assert repr(key) == f"APIKey(id={key.id!r}, subject='user_1')"
    # The engine verifies the created key.
    engine = instance.clerk(accepts_token="api_key")
    state = engine.authenticate_request(instance.request("/", bearer=key.secret))
    assert state.status is AuthStatus.SIGNED_IN
    assert state.to_auth().claims == {"team": "core"}


@modes
def test_the_create_body_is_clerks(mode: str, instance: LocalClerkInstance) -> None:
    api_call(mode, instance, lambda api: api.api_keys.create(name="n", subject="org_1"))
    sent = instance.requests[-1]
    assert (sent.method, sent.url.path) == ("POST", "/v1/api_keys")
    assert json.loads(sent.content) == {"name": "n", "subject": "org_1"}


@modes
@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"subject": "user_1"}, "form_param_missing", "name"),
        ({"name": "n"}, "form_param_missing", "subject"),
        ({"name": "n", "subject": "sess_1"}, "form_param_format_invalid", "subject"),
        (
            {"name": "n", "subject": "user_1", "scopes": "read"},
            "form_param_format_invalid",
            "scopes",
        ),
        ({"name": "n", "subject": "user_1", "claims": []}, "form_param_format_invalid", "claims"),
        (
            {"name": "n", "subject": "user_1", "seconds_until_expiration": 0},
            "form_param_format_invalid",
            "seconds_until_expiration",
        ),
    ],
)
def test_bad_api_key_input_is_a_422_naming_the_parameter(
    mode: str, instance: LocalClerkInstance, body: dict[str, Any], code: str, param: str
) -> None:
    error = api_error(mode, instance, lambda api: api.request("POST", "/api_keys", json=body))
    assert (error.status, error.code, error.meta) == (422, code, {"param_name": param})
    assert error.clerk_trace_id == "trace_local"
    assert param in (error.long_message or "")


@modes
def test_bad_typed_input_reaches_clerk_as_a_422(mode: str, instance: LocalClerkInstance) -> None:
    error = api_error(
        mode,
        instance,
        lambda api: api.api_keys.create(name="n", subject="user_1", seconds_until_expiration=-5),
    )
    assert (error.status, error.code) == (422, "form_param_format_invalid")


@modes
def test_list_api_keys_by_subject_newest_first_with_pages(
    mode: str, instance: LocalClerkInstance, fake_clock: FakeClock
) -> None:
    ids = []
    for n in range(5):
        name = f"k{n}"
        created = api_call(
            mode,
            instance,
            lambda api: api.api_keys.create(name=name, subject="user_1"),  # noqa: B023
        )
        ids.append(created.id)
        fake_clock.advance(1)
    api_call(mode, instance, lambda api: api.api_keys.create(name="other", subject="org_1"))
    page = api_call(
        mode, instance, lambda api: api.api_keys.list(subject="user_1", limit=2, offset=1)
    )
    assert page.total_count == 5
    assert [k.id for k in page] == [ids[3], ids[2]]
    assert all(k.secret is None for k in page)  # the secret is shown once, at creation
    sent = instance.requests[-1]
    assert sent.url.params.multi_items() == [("subject", "user_1"), ("limit", "2"), ("offset", "1")]


@modes
def test_list_leaves_out_revoked_and_expired_keys_unless_asked(
    mode: str, instance: LocalClerkInstance, fake_clock: FakeClock
) -> None:
    live = instance.api_key("user_1", name="live")
    revoked = instance.api_key("user_1", name="revoked")
    instance.revoke(revoked)
    api_call(
        mode,
        instance,
        lambda api: api.api_keys.create(name="short", subject="user_1", seconds_until_expiration=5),
    )
    fake_clock.advance(5)
    valid = api_call(mode, instance, lambda api: api.api_keys.list(subject="user_1"))
    assert [k.name for k in valid] == ["live"]
    everything = api_call(
        mode, instance, lambda api: api.api_keys.list(subject="user_1", include_invalid=True)
    )
    assert {(k.name, k.revoked, k.expired) for k in everything} == {
        ("live", False, False),
        ("revoked", True, False),
        ("short", False, True),
    }
    assert everything.total_count == 3
    assert live  # the helper's keys and the API's share one store


@modes
def test_paginate_walks_every_page_of_api_keys(mode: str, instance: LocalClerkInstance) -> None:
    for n in range(7):
        instance.api_key("user_p", name=f"k{n}")

    def walk(api: Any) -> Any:
        pages = api.paginate(
            lambda limit, offset: machine.list_api_keys(
                subject="user_p", limit=limit, offset=offset
            ),
            page_size=3,
        )
        if mode == "sync":
            return [k.name for k in pages]

        async def collect() -> list[str]:
            return [k.name async for k in pages]

        return collect()

    assert sorted(api_call(mode, instance, walk)) == [f"k{n}" for n in range(7)]


@modes
@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({}, "subject"),
        ({"subject": "user_1", "limit": "0"}, "limit"),
        ({"subject": "user_1", "offset": "-1"}, "offset"),
    ],
)
def test_bad_list_queries_are_a_422(
    mode: str, instance: LocalClerkInstance, query: dict[str, str], param: str
) -> None:
    error = api_error(mode, instance, lambda api: api.request("GET", "/api_keys", params=query))
    assert (error.status, error.meta) == (422, {"param_name": param})


@modes
def test_get_an_api_key_and_404(mode: str, instance: LocalClerkInstance) -> None:
    created = api_call(mode, instance, lambda api: api.api_keys.create(name="n", subject="user_1"))
    got = api_call(mode, instance, lambda api: api.api_keys.get(created.id))
    assert (got.id, got.name, got.secret) == (created.id, "n", None)
    error = api_error(mode, instance, lambda api: api.api_keys.get("ak_missing"))
    assert (error.status, error.code, error.message) == (
        404,
        "resource_not_found",
        "API key not found",
    )
    with pytest.raises(ValueError, match="api_key_id"):
        api_call(mode, instance, lambda api: api.api_keys.get(".."))


@modes
def test_revoke_an_api_key(mode: str, instance: LocalClerkInstance) -> None:
    created = api_call(mode, instance, lambda api: api.api_keys.create(name="n", subject="user_1"))
    revoked = api_call(
        mode,
        instance,
        lambda api: api.api_keys.revoke(created.id, revocation_reason="leaked in a log"),
    )
    assert (revoked.revoked, revoked.revocation_reason) == (True, "leaked in a log")
    assert json.loads(instance.requests[-1].content) == {"revocation_reason": "leaked in a log"}
    error = api_error(mode, instance, lambda api: api.api_keys.verify(created.secret))
    assert (error.status, error.code) == (404, "resource_not_found")
    error = api_error(mode, instance, lambda api: api.api_keys.revoke("ak_missing"))
    assert error.status == 404


@modes
def test_verify_an_api_key(mode: str, instance: LocalClerkInstance, fake_clock: FakeClock) -> None:
    secret = instance.api_key("org_9", name="ci", scopes=["read"], claims={"env": "prod"})
    verified = api_call(mode, instance, lambda api: api.api_keys.verify(secret))
    assert isinstance(verified, APIKey)
    assert (verified.subject, verified.name, verified.scopes, verified.claims) == (
        "org_9",
        "ci",
        ["read"],
        {"env": "prod"},
    )
    assert verified.secret is None
    assert json.loads(instance.requests[-1].content) == {"secret": secret}
    error = api_error(mode, instance, lambda api: api.api_keys.verify("ak_unknown"))
    assert (error.status, error.code) == (404, "resource_not_found")
    short = api_call(
        mode,
        instance,
        lambda api: api.api_keys.create(name="s", subject="user_1", seconds_until_expiration=1),
    )
    fake_clock.advance(1)
    assert api_error(mode, instance, lambda api: api.api_keys.verify(short.secret)).status == 404


# ------------------------------------------------------------------------------ M2M tokens
@modes
def test_create_an_m2m_token_with_the_machine_secret_key(
    mode: str, instance: LocalClerkInstance
) -> None:
    created = api_call(
        mode,
        instance,
        lambda api: api.m2m_tokens.create(
            seconds_until_expiration=600,
            claims={"job": "sync"},
            machine_secret_key=instance.machine_secret_key,
        ),
    )
    assert isinstance(created, M2MToken)
    assert (created.subject, created.claims, created.revoked, created.expired) == (
        LOCAL_MACHINE_ID,
        {"job": "sync"},
        False,
        False,
    )
    assert created.token is not None
    assert created.token.startswith("mt_")
    assert created.token not in repr(created)
    sent = instance.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {instance.machine_secret_key}"
    assert json.loads(sent.content) == {"seconds_until_expiration": 600, "claims": {"job": "sync"}}
    engine = instance.clerk(accepts_token="m2m_token")
    state = engine.authenticate_request(instance.request("/", bearer=created.token))
    assert state.to_auth().subject == LOCAL_MACHINE_ID


@modes
def test_a_client_made_with_the_machine_key_creates_tokens(
    mode: str, instance: LocalClerkInstance
) -> None:
    created = api_call(
        mode, instance, lambda api: api.m2m_tokens.create(), key=instance.machine_secret_key
    )
    assert created.subject == LOCAL_MACHINE_ID
    # The machine key opens the M2M endpoints only.
    error = api_error(
        mode,
        instance,
        lambda api: api.api_keys.verify("ak_x"),
        key=instance.machine_secret_key,
    )
    assert (error.status, error.code) == (401, "clerk_key_invalid")


@modes
def test_creating_an_m2m_token_with_the_instance_secret_key_is_refused(
    mode: str, instance: LocalClerkInstance
) -> None:
    error = api_error(mode, instance, lambda api: api.m2m_tokens.create())
    assert (error.status, error.code) == (403, "authorization_invalid")


@modes
def test_an_m2m_jwt_verifies_locally(mode: str, instance: LocalClerkInstance) -> None:
    created = api_call(
        mode,
        instance,
        lambda api: api.m2m_tokens.create(
            token_format="jwt",
            claims={"job": "sync"},
            machine_secret_key=instance.machine_secret_key,
        ),
    )
    payload = jwt.decode(created.token, options={"verify_signature": False})
    assert (payload["sub"], payload["job"], payload["jti"]) == (
        LOCAL_MACHINE_ID,
        "sync",
        created.id,
    )
    engine = instance.clerk(accepts_token="m2m_token", jwt_key=instance.public_key_pem())
    before = len(instance.requests)
    state = engine.authenticate_request(instance.request("/", bearer=created.token))
    assert state.status is AuthStatus.SIGNED_IN
    assert len(instance.requests) == before  # no Backend API call


@modes
@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"token_format": "paseto"}, "token_format"),
        ({"seconds_until_expiration": "60"}, "seconds_until_expiration"),
        ({"claims": "x"}, "claims"),
    ],
)
def test_bad_m2m_input_is_a_422(
    mode: str, instance: LocalClerkInstance, body: dict[str, Any], param: str
) -> None:
    error = api_error(
        mode,
        instance,
        lambda api: api.request("POST", "/m2m_tokens", json=body),
        key=instance.machine_secret_key,
    )
    assert (error.status, error.code, error.meta) == (
        422,
        "form_param_format_invalid",
        {"param_name": param},
    )


@modes
def test_list_revoke_and_verify_m2m_tokens(mode: str, instance: LocalClerkInstance) -> None:
    machine_key = instance.machine_secret_key
    tokens = [
        api_call(mode, instance, lambda api: api.m2m_tokens.create(machine_secret_key=machine_key))
        for _ in range(3)
    ]
    listed = api_call(mode, instance, lambda api: api.m2m_tokens.list(subject=LOCAL_MACHINE_ID))
    assert listed.total_count == 3
    assert all(t.token is None for t in listed)
    verified = api_call(mode, instance, lambda api: api.m2m_tokens.verify(tokens[0].token))
    assert (verified.id, verified.subject) == (tokens[0].id, LOCAL_MACHINE_ID)
    revoked = api_call(
        mode,
        instance,
        lambda api: api.m2m_tokens.revoke(
            tokens[0].id, revocation_reason="rotated", machine_secret_key=machine_key
        ),
    )
    assert (revoked.revoked, revoked.revocation_reason) == (True, "rotated")
    assert instance.requests[-1].headers["authorization"] == f"Bearer {machine_key}"
    error = api_error(
        mode,
        instance,
        lambda api: api.m2m_tokens.verify(tokens[0].token, machine_secret_key=machine_key),
    )
    assert (error.status, error.code) == (404, "resource_not_found")
    live = api_call(mode, instance, lambda api: api.m2m_tokens.list(subject=LOCAL_MACHINE_ID))
    assert live.total_count == 2
    both = api_call(
        mode, instance, lambda api: api.m2m_tokens.list(subject=LOCAL_MACHINE_ID, revoked=True)
    )
    assert both.total_count == 3
    assert instance.requests[-1].url.params.multi_items() == [
        ("subject", LOCAL_MACHINE_ID),
        ("revoked", "true"),
    ]
    assert api_error(mode, instance, lambda api: api.m2m_tokens.revoke("mt_missing")).status == 404
    assert api_error(mode, instance, lambda api: api.m2m_tokens.verify("mt_missing")).status == 404


# ------------------------------------------------------------------------------ OAuth, testing
@modes
def test_verify_an_oauth_access_token(mode: str, instance: LocalClerkInstance) -> None:
    token = instance.oauth_token("user_o", client_id="client_app", scopes=["email", "profile"])
    verified = api_call(mode, instance, lambda api: api.oauth_tokens.verify(token))
    assert isinstance(verified, IdPOAuthAccessToken)
    assert (verified.subject, verified.client_id, verified.scopes, verified.type) == (
        "user_o",
        "client_app",
        ["email", "profile"],
        "oauth_token",
    )
    assert instance.requests[-1].url.path == "/v1/oauth_applications/access_tokens/verify"
    assert json.loads(instance.requests[-1].content) == {"access_token": token}
    instance.revoke(token)
    assert api_error(mode, instance, lambda api: api.oauth_tokens.verify(token)).status == 404
    error = api_error(mode, instance, lambda api: api.oauth_tokens.verify("oat_unknown"))
    assert (error.status, error.message) == (404, "OAuth access token not found")


@modes
def test_create_a_testing_token(
    mode: str, instance: LocalClerkInstance, fake_clock: FakeClock
) -> None:
    created = api_call(mode, instance, lambda api: api.testing_tokens.create())
    assert isinstance(created, TestingToken)
    assert created.raw["object"] == "testing_token"
    assert created.token in instance.backend.testing_tokens
    assert created.expires_at == int(fake_clock()) + 3600
    assert created.token is not None
    assert created.token not in repr(created)
    assert (instance.requests[-1].method, instance.requests[-1].url.path) == (
        "POST",
        "/v1/testing_tokens",
    )


# ------------------------------------------------------------------------------ 429 for every method
EVERY_METHOD: list[tuple[str, Op]] = [
    ("api_keys.create", lambda api: api.api_keys.create(name="n", subject="user_1")),
    ("api_keys.list", lambda api: api.api_keys.list(subject="user_1")),
    ("api_keys.get", lambda api: api.api_keys.get("ak_1")),
    ("api_keys.revoke", lambda api: api.api_keys.revoke("ak_1")),
    ("api_keys.verify", lambda api: api.api_keys.verify("ak_1")),
    ("m2m_tokens.create", lambda api: api.m2m_tokens.create()),
    ("m2m_tokens.list", lambda api: api.m2m_tokens.list(subject="mch_1")),
    ("m2m_tokens.revoke", lambda api: api.m2m_tokens.revoke("mt_1")),
    ("m2m_tokens.verify", lambda api: api.m2m_tokens.verify("mt_1")),
    ("oauth_tokens.verify", lambda api: api.oauth_tokens.verify("oat_1")),
    ("testing_tokens.create", lambda api: api.testing_tokens.create()),
]


@modes
@pytest.mark.parametrize(("name", "op"), EVERY_METHOD, ids=[n for n, _ in EVERY_METHOD])
def test_a_429_is_a_clerk_api_error_when_no_retry_is_left(
    mode: str, instance: LocalClerkInstance, name: str, op: Op
) -> None:
    instance.backend.fail_next(429, retry_after=7)
    error = api_error(mode, instance, op, policy=ApiPolicy(max_attempts=1))
    assert (error.status, error.code, error.retry_after) == (429, "too_many_requests", 7)
    assert len(instance.requests) == 1


@modes
@pytest.mark.parametrize(("name", "op"), EVERY_METHOD, ids=[n for n, _ in EVERY_METHOD])
def test_a_429_is_waited_out_and_retried(
    mode: str, instance: LocalClerkInstance, name: str, op: Op
) -> None:
    instance.backend.fail_next(429, retry_after=0)
    key = instance.machine_secret_key if name.startswith("m2m") else None
    outcome: Any = None
    try:
        api_call(mode, instance, op, key=key)
    except ClerkAPIError as exc:  # the retried request reached the handler (e.g. a 404)
        outcome = exc.status
    assert outcome != 429
    assert len(instance.requests) == 2


# ------------------------------------------------------------------------------ shape of the API
def test_the_bearer_of_a_call_never_shows_in_its_repr() -> None:
    call = machine.create_m2m_token(machine_secret_key="ak_secret_machine_key")
    assert "ak_secret_machine_key" not in repr(call)
    assert call.bearer == "ak_secret_machine_key"
    assert "ak_tok" not in repr(APIKey({"id": "ak_1", "secret": "ak_tok"}))
    assert "mt_tok" not in repr(M2MToken({"id": "mt_1", "token": "mt_tok"}))


def test_resources_tolerate_missing_and_mistyped_fields() -> None:
    key = APIKey({"scopes": "read", "expiration": True, "claims": [], "revoked": "yes"})
    assert (key.scopes, key.expiration, key.claims, key.revoked, key.name) == (
        [],
        None,
        None,
        False,
        None,
    )
    assert (TestingToken({}).token, TestingToken({}).expires_at) == (None, None)


NAMESPACES = ("api_keys", "m2m_tokens", "oauth_tokens", "testing_tokens")
PASSES_TO: list[tuple[str, str, Callable[..., Any]]] = [
    ("api_keys", "create", machine.create_api_key),
    ("api_keys", "list", machine.list_api_keys),
    ("api_keys", "get", machine.get_api_key),
    ("api_keys", "revoke", machine.revoke_api_key),
    ("api_keys", "verify", machine.verify_api_key),
    ("m2m_tokens", "create", machine.create_m2m_token),
    ("m2m_tokens", "list", machine.list_m2m_tokens),
    ("m2m_tokens", "revoke", machine.revoke_m2m_token),
    ("m2m_tokens", "verify", machine.verify_m2m_token),
    ("oauth_tokens", "verify", machine.verify_oauth_access_token),
    ("testing_tokens", "create", machine.create_testing_token),
]


def methods(obj: object) -> dict[str, Callable[..., Any]]:
    return {
        n: getattr(obj, n) for n in dir(obj) if not n.startswith("_") and callable(getattr(obj, n))
    }


def test_every_method_offers_its_endpoints_parameters_sync_and_async() -> None:
    sync, aio = BackendAPI("sk_test_x"), AsyncBackendAPI("sk_test_x")
    assert {(n, m) for n, m, _ in PASSES_TO} == {
        (n, m) for n in NAMESPACES for m in methods(getattr(sync, n))
    }
    for namespace, name, endpoint in PASSES_TO:
        wanted = inspect.signature(endpoint).parameters
        for api in (sync, aio):
            offered = inspect.signature(getattr(getattr(api, namespace), name)).parameters
            assert list(offered) == list(wanted), (namespace, name)
            assert [p.kind for p in offered.values()] == [p.kind for p in wanted.values()]
            assert all(p.annotation is not inspect.Parameter.empty for p in offered.values())
        assert inspect.iscoroutinefunction(getattr(getattr(aio, namespace), name))
        assert not inspect.iscoroutinefunction(getattr(getattr(sync, namespace), name))
        # Only an id or the token being verified is positional.
        positional = [p for p, v in wanted.items() if v.kind is not v.KEYWORD_ONLY]
        assert all(
            p.endswith("_id") or p in ("secret", "token", "access_token") for p in positional
        )


# ------------------------------------------------------------------------------ over loopback
def test_the_whole_round_trip_over_a_loopback_server(instance: LocalClerkInstance) -> None:
    with instance.serve() as server, BackendAPI(instance.secret_key, api_url=server.url) as api:
        created = api.api_keys.create(name="loop", subject="user_l", scopes=["read"])
        assert created.secret is not None
        assert api.api_keys.verify(created.secret).subject == "user_l"
        assert api.api_keys.list(subject="user_l").total_count == 1
        token = api.m2m_tokens.create(machine_secret_key=instance.machine_secret_key).token
        assert token is not None
        assert api.m2m_tokens.verify(token).subject == LOCAL_MACHINE_ID
        assert api.testing_tokens.create().token
        assert created.id is not None
        api.api_keys.revoke(created.id)
        with pytest.raises(ClerkAPIError) as caught:
            api.api_keys.verify(created.secret)
        assert caught.value.status == 404
