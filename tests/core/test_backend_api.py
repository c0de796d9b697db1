"""The Backend API client, sync and async, over the local instance's transport and loopback server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from clerk_core import ClerkAPIError, SessionAuth, WebhookRouter, WebhookVerifier, handle_webhook
from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI
from clerk_core.testing import LocalClerkInstance
from clerk_core.users import MemoryUserCache, current_user, invalidate_on_user_events
from tests.conftest import FakeClock


@pytest.fixture
def instance() -> LocalClerkInstance:
    local = LocalClerkInstance()
    backend = local.backend
    backend.add_user("user_1", first_name="Ada", last_name="Lovelace", email="ada@x.test")
    backend.add_user("user_2", first_name="Alan", last_name="Turing", email="alan@x.test")
    backend.add_organization("org_1", name="Acme", slug="acme")
    backend.add_membership("user_1", "org_1", role="org:admin", permissions=["org:a:b"])
    backend.jwt_templates["supabase"] = {"role": "authenticated", "aud": "supabase"}
    return local


Runner = Callable[[Callable[[Any], Any]], Any]


@pytest.fixture(params=["sync-transport", "async-transport", "sync-loopback", "async-loopback"])
def api(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Iterator[Runner]:
    """``api(lambda client: client.users.get("user_1"))`` on each kind of client and wire."""
    mode, wire = request.param.split("-")
    serving = instance.serve() if wire == "loopback" else None
    server = serving.__enter__() if serving is not None else None
    api_url = server.url if server else instance.api_url

    def run(operation: Callable[[Any], Any]) -> Any:
        if mode == "sync":
            http = httpx.Client() if server else httpx.Client(transport=instance.transport())
            with http:
                return operation(BackendAPI(instance.secret_key, api_url=api_url, http_client=http))

        async def go() -> Any:
            http = (
                httpx.AsyncClient() if server else httpx.AsyncClient(transport=instance.transport())
            )
            async with http:
                client = AsyncBackendAPI(instance.secret_key, api_url=api_url, http_client=http)
                result = operation(client)
                return await result

        return asyncio.run(go())

    yield run
    if serving is not None:
        serving.__exit__(None, None, None)


def test_users(api: Runner) -> None:
    user = api(lambda c: c.users.get("user_1"))
    assert (user.id, user.first_name, user.primary_email_address) == ("user_1", "Ada", "ada@x.test")
    found = api(lambda c: c.users.list(email_address=["alan@x.test", "nobody@x.test"]))
    assert [u.id for u in found] == ["user_2"]
    assert len(api(lambda c: c.users.list(limit=1))) == 1
    updated = api(lambda c: c.users.update_metadata("user_1", public_metadata={"plan": "pro"}))
    assert updated.public_metadata == {"plan": "pro"}
    memberships = api(lambda c: c.users.organization_memberships("user_1"))
    assert (memberships.total_count, memberships[0].role, memberships[0].organization.slug) == (
        1,
        "org:admin",
        "acme",
    )
    assert api(lambda c: c.users.delete("user_2"))["deleted"] is True
    with pytest.raises(ClerkAPIError) as info:
        api(lambda c: c.users.get("user_2"))
    assert (info.value.status, info.value.codes, info.value.clerk_trace_id) == (
        404,
        ["resource_not_found"],
        "trace_local",
    )


def test_organizations(api: Runner) -> None:
    assert api(lambda c: c.organizations.get("org_1")).name == "Acme"
    assert api(lambda c: c.organizations.get("acme")).id == "org_1"  # by slug
    assert [o.slug for o in api(lambda c: c.organizations.list())] == ["acme"]
    members = api(lambda c: c.organizations.memberships("org_1"))
    assert [m.user_id for m in members] == ["user_1"]


def test_sessions_and_tokens(api: Runner, instance: LocalClerkInstance) -> None:
    token = instance.session_token("user_1", session_id="sess_1", org_id="org_1", org_role="admin")
    assert api(lambda c: c.sessions.get("sess_1")).user_id == "user_1"
    fresh = api(lambda c: c.sessions.create_token("sess_1")).jwt
    engine = instance.clerk(networkless=True)
    claims = engine.verify_token(fresh)
    assert (claims["sid"], claims["sub"], claims["o"]["id"]) == ("sess_1", "user_1", "org_1")
    assert engine.verify_token(token)["sid"] == claims["sid"]
    long_lived = api(lambda c: c.sessions.create_token("sess_1", expires_in_seconds=3600)).jwt
    claims = engine.verify_token(long_lived)
    assert claims["exp"] - claims["iat"] == 3600
    templated = api(lambda c: c.sessions.create_token("sess_1", template="supabase")).jwt
    import jwt

    assert jwt.decode(templated, options={"verify_signature": False})["aud"] == "supabase"
    assert api(lambda c: c.sessions.revoke("sess_1")).status == "revoked"
    with pytest.raises(ClerkAPIError):
        api(lambda c: c.sessions.create_token("sess_1"))


def test_invitations_and_jwks(api: Runner, instance: LocalClerkInstance) -> None:
    invitation = api(lambda c: c.invitations.create("new@x.test", public_metadata={"team": 1}))
    assert (invitation.email_address, invitation.status) == ("new@x.test", "pending")
    assert api(lambda c: c.invitations.revoke(invitation.id)).status == "revoked"
    assert api(lambda c: c.jwks()) == instance.jwks()


def test_request_headers(instance: LocalClerkInstance) -> None:
    client = BackendAPI(
        instance.secret_key,
        api_url=instance.api_url,
        http_client=httpx.Client(transport=instance.transport()),
    )
    client.users.get("user_1")
    sent = instance.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {instance.secret_key}"
    assert sent.headers["clerk-api-version"] == "2026-05-12"
    assert sent.headers["user-agent"].startswith("clerk-integrations/")
    assert str(sent.url) == f"{instance.api_url}/v1/users/user_1"


# ------------------------------------------------------------------ retries, deadline, circuit
class Waits:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def sync_client(
    instance: LocalClerkInstance,
    clock: FakeClock,
    waits: Waits,
    handler: Callable[[httpx.Request], httpx.Response] | None = None,
    **policy: Any,
) -> BackendAPI:
    transport = httpx.MockTransport(handler) if handler else instance.transport()
    return BackendAPI(
        instance.secret_key,
        api_url=instance.api_url,
        http_client=httpx.Client(transport=transport),
        policy=ApiPolicy(**policy),
        clock=clock,
        sleep=waits.sleep,
    )


def api_calls(instance: LocalClerkInstance) -> int:
    return sum(1 for r in instance.requests if "/users" in r.url.path)


def test_429_honours_retry_after(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    instance.backend.fail_next(429, times=2, retry_after=3)
    client = sync_client(instance, clock, waits)
    assert client.users.get("user_1").id == "user_1"
    assert waits.waits == [3.0, 3.0]
    assert api_calls(instance) == 3
    instance.backend.fail_next(429, times=1, retry_after=2)
    assert (
        client.users.update_metadata("user_1", public_metadata={"x": 1}).id == "user_1"
    )  # POST too


def test_429_beyond_the_deadline_is_not_waited_for(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    instance.backend.fail_next(429, retry_after=120)
    with pytest.raises(ClerkAPIError) as info:
        sync_client(instance, clock, waits, deadline=15).users.get("user_1")
    assert (info.value.status, info.value.retry_after, waits.waits) == (429, 120, [])


def test_5xx_retried_only_when_idempotent(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    client = sync_client(instance, clock, waits)
    instance.backend.fail_next(503, times=2)
    assert client.users.get("user_1").id == "user_1"
    assert len(waits.waits) == 2
    assert 0.125 <= waits.waits[0] <= 0.25 and 0.25 <= waits.waits[1] <= 0.5  # noqa: PT018
    instance.backend.fail_next(500)
    before = api_calls(instance)
    with pytest.raises(ClerkAPIError) as info:
        client.users.update_metadata("user_1", public_metadata={"x": 1})
    assert info.value.status == 500
    assert api_calls(instance) == before + 1  # a PATCH is never repeated


def test_attempts_and_deadline_are_bounded(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    instance.backend.fail_next(502, times=10)
    with pytest.raises(ClerkAPIError):
        sync_client(instance, clock, waits, max_attempts=3).users.get("user_1")
    assert api_calls(instance) == 3
    assert sum(waits.waits) < 15


def test_timeouts_and_connection_errors(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        if len(calls) == 2:
            raise httpx.ConnectError("refused", request=request)
        return instance.transport().handle_request(request)

    client = sync_client(instance, clock, waits, handler=flaky)
    assert client.users.get("user_1").id == "user_1"
    assert calls == ["GET", "GET", "GET"]
    calls.clear()
    with pytest.raises(ClerkAPIError) as info:
        client.invitations.create("a@x.test")  # POST: a timeout is not retried
    assert info.value.codes == ["unexpected_error"]
    assert calls == ["POST"]


def test_an_undecodable_answer_is_a_clerk_api_error(instance: LocalClerkInstance) -> None:
    """A body that cannot be decoded (a broken gzip stream) is a failed call, as a network error
    is, not an ``httpx`` exception leaking out of the client."""
    clock = FakeClock(0)
    waits = Waits(clock)

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"\x00junk", headers={"content-encoding": "gzip"})

    with pytest.raises(ClerkAPIError) as info:
        sync_client(instance, clock, waits, handler=broken, max_attempts=2).users.get("user_1")
    assert info.value.codes == ["unexpected_error"]


def test_per_attempt_timeout_against_a_slow_loopback_server(instance: LocalClerkInstance) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    release = threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            release.wait(5)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = BackendAPI(
            instance.secret_key,
            api_url=f"http://127.0.0.1:{server.server_address[1]}",
            policy=ApiPolicy(timeout=0.2, deadline=0.5, max_attempts=2),
        )
        with pytest.raises(ClerkAPIError) as info:
            client.users.get("user_1")
        assert info.value.codes == ["unexpected_error"]
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_circuit_stops_hammering_a_failing_api(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    client = sync_client(
        instance, clock, waits, max_attempts=1, circuit_threshold=3, circuit_cooldown=30
    )
    instance.backend.fail_next(500, times=3)
    for _ in range(3):
        with pytest.raises(ClerkAPIError):
            client.users.get("user_1")
    before = api_calls(instance)
    with pytest.raises(ClerkAPIError) as info:
        client.users.get("user_1")
    assert info.value.codes == ["circuit_open"]
    assert api_calls(instance) == before  # no request while the circuit is open
    clock.advance(31)
    assert client.users.get("user_1").id == "user_1"  # the trial request closes it


def test_async_retries_use_the_async_sleep(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    instance.backend.fail_next(429, retry_after=1)

    async def go() -> str | None:
        client = AsyncBackendAPI(
            instance.secret_key,
            api_url=instance.api_url,
            http_client=httpx.AsyncClient(transport=instance.transport()),
            clock=clock,
            sleep=waits.asleep,
        )
        return (await client.users.get("user_1")).id

    assert asyncio.run(go()) == "user_1"
    assert waits.waits == [1.0]


def test_no_secret_in_errors_or_logs(
    instance: LocalClerkInstance, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock(0)
    client = sync_client(instance, clock, Waits(clock), max_attempts=1)
    instance.backend.fail_next(500)
    with pytest.raises(ClerkAPIError) as info:
        client.users.get("user_1")
    texts = [str(info.value), repr(info.value), repr(client), caplog.text]
    assert all(instance.secret_key not in text for text in texts)
    wrong = BackendAPI(
        "sk_test_wrongwrongwrong",
        api_url=instance.api_url,
        http_client=httpx.Client(transport=instance.transport()),
    )
    with pytest.raises(ClerkAPIError) as info:
        wrong.users.get("user_1")
    assert info.value.status == 401
    assert "sk_test_wrong" not in str(info.value)


# ------------------------------------------------------------------ tokens and the current user
def test_get_token_on_the_session(instance: LocalClerkInstance) -> None:
    engine = instance.clerk()
    token = instance.session_token("user_1", session_id="sess_9", org_id="org_1", org_role="admin")
    auth = engine.authenticate_request(instance.request("/", bearer=token)).to_auth()
    assert auth.get_token() == token
    templated = auth.get_token("supabase")
    import jwt

    assert (
        jwt.decode(templated or "", options={"verify_signature": False})["role"] == "authenticated"
    )
    assert isinstance(auth, SessionAuth)
    longer = asyncio.run(auth.aget_token(expires_in_seconds=600))
    claims = instance.clerk(networkless=True).verify_token(longer or "")
    assert claims["exp"] - claims["iat"] == 600


def test_current_user_cache_and_invalidation(instance: LocalClerkInstance) -> None:
    engine = instance.clerk()
    engine.user_cache = MemoryUserCache(ttl=60)
    auth = engine.authenticate_request(
        instance.request("/", bearer=instance.session_token("user_1"))
    ).to_auth()
    assert current_user(engine, auth).first_name == "Ada"  # type: ignore[union-attr]
    calls = api_calls(instance)
    assert current_user(engine, auth).first_name == "Ada"  # type: ignore[union-attr]
    assert api_calls(instance) == calls  # cached: no Backend API call
    instance.backend.users["user_1"]["first_name"] = "Augusta"
    router = WebhookRouter()
    invalidate_on_user_events(router, engine.user_cache)
    body, headers = instance.sign_webhook("user.updated", instance.backend.users["user_1"])
    assert (
        handle_webhook(
            body, headers, router, WebhookVerifier(instance.webhook_signing_secret)
        ).status
        == 200
    )
    assert current_user(engine, auth).first_name == "Augusta"  # type: ignore[union-attr]
    signed_out = engine.authenticate_request(instance.request("/")).to_auth()
    assert current_user(engine, signed_out) is None
