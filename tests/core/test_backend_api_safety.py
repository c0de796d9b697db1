"""Backend API ids are single path segments, and responses are read under a body cap (Policy 13)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clerk_core import AuthStatus, Clerk, ClerkAPIError, RequestState, RequestView
from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI, Call
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

HOSTILE_IDS = [
    "",
    ".",
    "..",
    "user_1/ban",
    "../users",
    "..\\users",
    "a\\b",
    "user_1?limit=500",
    "user_1#x",
    "user\x00",
    "user\r\nx-injected: 1",
    "user\t1",
    "user\x7f",
    "user\x85",
]

# Every method that takes an id: (label, parameter named in the error, call).
Method = Callable[[Any, str], Any]
METHODS: list[tuple[str, str, Method]] = [
    ("users.get", "user_id", lambda c, v: c.users.get(v)),
    (
        "users.update_metadata",
        "user_id",
        lambda c, v: c.users.update_metadata(v, public_metadata={}),
    ),
    ("users.delete", "user_id", lambda c, v: c.users.delete(v)),
    (
        "users.organization_memberships",
        "user_id",
        lambda c, v: c.users.organization_memberships(v),
    ),
    ("organizations.get", "id_or_slug", lambda c, v: c.organizations.get(v)),
    ("organizations.memberships", "organization_id", lambda c, v: c.organizations.memberships(v)),
    ("sessions.get", "session_id", lambda c, v: c.sessions.get(v)),
    ("sessions.revoke", "session_id", lambda c, v: c.sessions.revoke(v)),
    ("sessions.create_token", "session_id", lambda c, v: c.sessions.create_token(v)),
    (
        "sessions.create_token(template)",
        "template",
        lambda c, v: c.sessions.create_token("sess_1", template=v),
    ),
    ("invitations.revoke", "invitation_id", lambda c, v: c.invitations.revoke(v)),
]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(200, json={"object": "user", "id": "user_1"})


def run(mode: str, operation: Method, value: str, recorder: Recorder) -> Any:
    if mode == "sync":
        api = BackendAPI(
            "sk_test_" + "a" * 40,
            http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
        )
        return operation(api, value)

    async def go() -> Any:
        client = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
        async with client:
            api = AsyncBackendAPI("sk_test_" + "a" * 40, http_client=client)
            return await operation(api, value)

    return asyncio.run(go())


# An empty template means "the default token", as before; every other hostile value is refused.
CASES = [
    pytest.param(param, operation, value, id=f"{label}-{value!r}")
    for label, param, operation in METHODS
    for value in HOSTILE_IDS
    if not (param == "template" and value == "")
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("param", "operation", "value"), CASES)
def test_hostile_ids_are_refused_before_any_request(
    mode: str, param: str, operation: Method, value: str
) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match=rf"^{param} ") as info:
        run(mode, operation, value, recorder)
    assert recorder.sent == []
    assert value not in str(info.value) or value in ("", ".", "..")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_non_string_ids_are_refused(mode: str) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match=r"^user_id must be a string"):
        run(mode, lambda c, v: c.users.get(v), None, recorder)  # type: ignore[arg-type]
    assert recorder.sent == []


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("user_2abc", "user_2abc"),
        ("acme corp", "acme%20corp"),
        ("%2e%2e", "%252e%252e"),
        ("a.b", "a.b"),
        ("...", "..."),
        ("é;@", "%C3%A9%3B%40"),
    ],
)
def test_ordinary_ids_are_percent_encoded_into_one_segment(
    mode: str, value: str, encoded: str
) -> None:
    recorder = Recorder()
    run(mode, lambda c, v: c.organizations.get(v), value, recorder)
    assert [r.url.raw_path.decode() for r in recorder.sent] == [f"/v1/organizations/{encoded}"]


def test_a_path_with_an_unsafe_segment_is_never_built() -> None:
    """The safety net for an endpoint written without ``ids``."""
    for path in ("/users/..", "/users/./x", "/users//x", "/users/%2E%2e", "/users/a?b", "users"):
        with pytest.raises(ValueError, match="Backend API path"):
            Call("GET", path, dict)
    assert Call("GET", "/users/{user_id}", dict, ids={"user_id": "a b"}).path == "/users/a%20b"


# ------------------------------------------------------------------------------ body cap
def huge(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b'{"id": "' + b"x" * 5000 + b'"}')


def chunked(request: httpx.Request) -> httpx.Response:
    def body() -> Any:
        yield b'{"id": "'
        for _ in range(100):
            yield b"x" * 100
        yield b'"}'

    return httpx.Response(200, content=body())


async def achunked(request: httpx.Request) -> httpx.Response:
    async def body() -> Any:
        yield b'{"id": "'
        for _ in range(100):
            yield b"x" * 100
        yield b'"}'

    return httpx.Response(200, content=body())


@pytest.mark.parametrize("handler", ["declared", "streamed"])
def test_an_oversized_backend_api_response_is_a_clear_error(handler: str) -> None:
    transport = httpx.MockTransport(huge if handler == "declared" else chunked)
    api = BackendAPI(
        "sk_test_" + "a" * 40,
        http_client=httpx.Client(transport=transport),
        policy=ApiPolicy(max_body_bytes=4096),
    )
    with pytest.raises(ClerkAPIError) as info:
        api.users.get("user_1")
    assert info.value.codes == ["response_too_large"]
    assert "4096 bytes" in str(info.value)
    small = BackendAPI(
        "sk_test_" + "a" * 40,
        http_client=httpx.Client(transport=transport),
        policy=ApiPolicy(max_body_bytes=20_000),
    )
    assert (small.users.get("user_1").id or "").startswith("xxx")


@pytest.mark.parametrize("handler", ["declared", "streamed"])
def test_an_oversized_backend_api_response_is_a_clear_error_async(handler: str) -> None:
    async def go() -> ClerkAPIError:
        transport = httpx.MockTransport(huge if handler == "declared" else achunked)
        async with httpx.AsyncClient(transport=transport) as client:
            api = AsyncBackendAPI(
                "sk_test_" + "a" * 40, http_client=client, policy=ApiPolicy(max_body_bytes=4096)
            )
            with pytest.raises(ClerkAPIError) as info:
                await api.users.get("user_1")
            return info.value

    error = asyncio.run(go())
    assert error.codes == ["response_too_large"]


def test_oversized_error_bodies_are_capped_too() -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=b'{"errors": [{"code": "' + b"x" * 5000 + b'"}]}')

    api = BackendAPI(
        "sk_test_" + "a" * 40,
        http_client=httpx.Client(transport=httpx.MockTransport(failing)),
        policy=ApiPolicy(max_body_bytes=1024),
    )
    with pytest.raises(ClerkAPIError) as info:
        api.users.get("user_1")
    assert (info.value.status, info.value.codes) == (404, ["response_too_large"])


def test_the_engine_passes_its_cap_to_the_backend_api() -> None:
    instance = LocalClerkInstance()
    instance.backend.add_user("user_1", first_name="A" * 3000)
    engine = instance.clerk(api_max_body_bytes=2048)
    with pytest.raises(ClerkAPIError) as info:
        engine.backend_api.users.get("user_1")
    assert info.value.codes == ["response_too_large"]

    async def go() -> None:
        with pytest.raises(ClerkAPIError):
            await engine.backend_api_async.users.get("user_1")

    asyncio.run(go())
    assert instance.clerk().backend_api.users.get("user_1").first_name == "A" * 3000


# ------------------------------------------------------------------------------ the engine's calls
T = 1_700_000_000.0


@pytest.fixture
def prod() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.prod.test",
        authorized_parties=("https://app.example",),
        clock=FakeClock(T),
    )


def authenticate(mode: str, engine: Clerk, request: RequestView) -> RequestState:
    if mode == "sync":
        return engine.authenticate_request(request)
    return asyncio.run(engine.authenticate_request_async(request))


def page(path: str, cookies: dict[str, str] | None = None, **headers: str) -> RequestView:
    hdrs = {"host": "app.example", "sec-fetch-dest": "document", "accept": "text/html", **headers}
    if cookies:
        hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return RequestView("GET", f"https://app.example{path}", hdrs)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_oversized_handshake_payload_is_a_failed_redemption(
    mode: str, prod: LocalClerkInstance, caplog: pytest.LogCaptureFixture
) -> None:
    token = prod.session_token("user_hs", lifetime=300)
    directives = [f"__session={token}; Path=/", "__padding=" + "p" * 4000 + "; Path=/"]
    nonce = prod.backend.handshake_nonce(directives)
    engine = prod.clerk(api_max_body_bytes=2048)
    with caplog.at_level(logging.WARNING, "clerk_core"):
        state = authenticate(mode, engine, page(f"/?__clerk_handshake_nonce={nonce}"))
    assert state.to_auth().user_id is None
    assert not any(k == "set-cookie" and token in v for k, v in state.headers)
    assert "api_max_body_bytes" in caplog.text
    # Under the default cap the same payload is redeemed.
    nonce = prod.backend.handshake_nonce(directives)
    state = authenticate(mode, prod.clerk(), page(f"/?__clerk_handshake_nonce={nonce}"))
    assert state.to_auth().user_id == "user_hs"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_oversized_refresh_answer_is_a_fetch_error(mode: str, prod: LocalClerkInstance) -> None:
    s = prod.cookie_suffix
    cookies = {
        f"__session_{s}": prod.expired_token("user_r"),
        f"__client_uat_{s}": str(int(T - 500)),
        prod.refresh_cookie_name: prod.refresh_token("user_r"),
    }
    request = page("/api", cookies, **{"sec-fetch-dest": "empty", "accept": "application/json"})
    state = authenticate(mode, prod.clerk(api_max_body_bytes=256), request)
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "session-token-expired-refresh-fetch-error",
    )
    assert authenticate(mode, prod.clerk(), request).status is AuthStatus.SIGNED_IN


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_oversized_machine_token_answer_fails_closed(
    mode: str, prod: LocalClerkInstance
) -> None:
    key = prod.api_key("user_1", claims={"blob": "b" * 4000})
    request = RequestView(
        "GET", "https://app.example/api", {"authorization": f"Bearer {key}", "host": "app.example"}
    )
    state = authenticate(
        mode, prod.clerk(accepts_token="api_key", api_max_body_bytes=1024), request
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "unexpected-error")
    assert authenticate(mode, prod.clerk(accepts_token="api_key"), request).is_authenticated


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("sid", ["..", ".", "sess_1/../../users", "sess\\x"])
def test_a_refresh_never_sends_a_sid_that_is_not_one_segment(
    mode: str, sid: str, prod: LocalClerkInstance
) -> None:
    s = prod.cookie_suffix
    expired = prod.session_token("user_r", session_id=sid, iat=int(T - 200), lifetime=60)
    cookies = {
        f"__session_{s}": expired,
        f"__client_uat_{s}": str(int(T - 500)),
        prod.refresh_cookie_name: prod.refresh_token("user_r"),
    }
    request = page("/api", cookies, **{"sec-fetch-dest": "empty", "accept": "application/json"})
    state = authenticate(mode, prod.clerk(), request)
    assert state.reason == "session-token-expired-refresh-expired-session-token-missing-sid-claim"
    assert not any("/refresh" in r.url.path for r in prod.requests)
