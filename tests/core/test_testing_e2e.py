"""``clerk_core.testing.e2e`` without a browser: which Clerk the helpers use (decided from the
environment, live keys refused), their Backend API requests (against the local instance's fake
Backend API, never the network), URLs and patterns, and the ``clerk_e2e`` fixture in a user's
test suite. The browser side is in ``tests/examples/test_browser*.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from clerk_core import ClerkConfigurationError
from clerk_core.backend_api import AsyncBackendAPI, BackendAPI
from clerk_core.testing import LocalClerkInstance
from clerk_core.testing.e2e import (
    LOCAL_FRONTEND_API,
    TESTING_TOKEN_PARAM,
    ClerkE2E,
    frontend_api_pattern,
    testing_token,
    testing_token_async,
    with_testing_token,
)


@pytest.fixture
def instance() -> LocalClerkInstance:
    instance = LocalClerkInstance()
    instance.backend.add_user("user_1", email="one@example.test")
    return instance


def clerk_env(instance: LocalClerkInstance, **extra: str) -> dict[str, str]:
    """The environment of a CI job pointed at a development instance (here: the local one's keys
    and its Backend API URL, reached through a transport)."""
    return {
        "CLERK_SECRET_KEY": instance.secret_key,
        "CLERK_PUBLISHABLE_KEY": instance.publishable_key,
        "CLERK_API_URL": instance.api_url,
        **extra,
    }


@pytest.fixture
def real(instance: LocalClerkInstance) -> Iterator[ClerkE2E]:
    e2e = ClerkE2E.from_env(
        clerk_env(instance), http_client=httpx.Client(transport=instance.transport())
    )
    yield e2e
    e2e.close()


# ------------------------------------------------------------------------------ which Clerk
@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"CLERK_SECRET_KEY": ""},
        {"CLERK_SECRET_KEY": "  "},
        {"CLERK_PUBLISHABLE_KEY": "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"},
        {"CLERK_SECRET_KEY": "sk_test_abc", "CLERK_E2E": "local"},
        {"CLERK_E2E": "LOCAL"},
    ],
)
def test_without_a_secret_key_or_when_asked_the_local_instance_is_used(
    environ: dict[str, str],
) -> None:
    e2e = ClerkE2E.from_env(environ)
    try:
        assert e2e.mode == "local"
        assert e2e.frontend_api is None
        assert e2e.frontend_api_urls is LOCAL_FRONTEND_API
        assert e2e.local_frontend is not None
        assert e2e.users.get("user_member").first_name == "Max"  # the example apps' test users
    finally:
        e2e.close()


def test_a_development_secret_key_means_clerk(instance: LocalClerkInstance) -> None:
    e2e = ClerkE2E.from_env(clerk_env(instance))
    try:
        assert (e2e.mode, e2e.frontend_api) == ("clerk", instance.frontend_api)
        assert e2e.local_frontend is None
        assert e2e.frontend_api_urls.match(f"https://{instance.frontend_api}/v1/client")
    finally:
        e2e.close()


LIVE_SECRET = "sk_live_" + "x" * 40
LIVE_PUBLISHABLE = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k"


@pytest.mark.parametrize(
    "environ",
    [
        {"CLERK_SECRET_KEY": LIVE_SECRET},
        {"CLERK_SECRET_KEY": LIVE_SECRET, "CLERK_PUBLISHABLE_KEY": LIVE_PUBLISHABLE},
        {"CLERK_PUBLISHABLE_KEY": LIVE_PUBLISHABLE},
        {"CLERK_SECRET_KEY": LIVE_SECRET, "CLERK_E2E": "local"},
        {"CLERK_SECRET_KEY": f"  {LIVE_SECRET}\n"},
    ],
)
def test_live_keys_are_refused_loudly_and_never_repeated(environ: dict[str, str]) -> None:
    with pytest.raises(ClerkConfigurationError, match="refuse a live") as caught:
        ClerkE2E.from_env(environ)
    message = str(caught.value)
    assert "development instance" in message
    assert LIVE_SECRET not in message
    assert "x" * 20 not in message


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"CLERK_E2E": "clerk"}, "CLERK_SECRET_KEY"),
        ({"CLERK_E2E": "staging"}, "CLERK_E2E"),
        ({"CLERK_SECRET_KEY": "sk_prod_0123456789"}, "sk_test_"),
        ({"CLERK_SECRET_KEY": "sk_test_0123456789"}, "CLERK_PUBLISHABLE_KEY"),
    ],
)
def test_a_misconfiguration_says_how_to_fix_it(environ: dict[str, str], names: str) -> None:
    with pytest.raises(ClerkConfigurationError, match=names) as caught:
        ClerkE2E.from_env(environ)
    assert "0123456789" not in str(caught.value)


def test_keys_of_two_instances_are_refused_by_the_options(instance: LocalClerkInstance) -> None:
    """The keys go through ``ClerkOptions``, so a production publishable key beside a development
    secret key is refused as the app would refuse it."""
    production = LocalClerkInstance(instance_type="production")
    environ = clerk_env(instance, CLERK_PUBLISHABLE_KEY=production.publishable_key)
    with pytest.raises(ClerkConfigurationError, match="live"):
        ClerkE2E.from_env(environ)


def test_repr_names_the_mode_not_the_keys(real: ClerkE2E, instance: LocalClerkInstance) -> None:
    assert repr(real) == f"ClerkE2E(mode='clerk', frontend_api={instance.frontend_api!r})"
    assert instance.secret_key not in repr(real)


# ------------------------------------------------------------------------------ Backend API calls
def test_the_testing_token_is_created_once_through_the_backend_api(
    real: ClerkE2E, instance: LocalClerkInstance
) -> None:
    token = real.testing_token
    assert token in instance.backend.testing_tokens
    sent = [r for r in instance.requests if r.url.path == "/v1/testing_tokens"]
    assert [(r.method, r.headers["authorization"]) for r in sent] == [
        ("POST", f"Bearer {instance.secret_key}")
    ]
    assert real.testing_token == token
    assert len([r for r in instance.requests if r.url.path == "/v1/testing_tokens"]) == 1


def test_clerk_testing_token_in_the_environment_is_used_as_is(
    instance: LocalClerkInstance,
) -> None:
    e2e = ClerkE2E.from_env(
        clerk_env(instance, CLERK_TESTING_TOKEN="1700000000-given"),
        http_client=httpx.Client(transport=instance.transport()),
    )
    assert e2e.testing_token == "1700000000-given"
    assert instance.requests == []


def test_testing_token_functions_sync_and_async(instance: LocalClerkInstance) -> None:
    with httpx.Client(transport=instance.transport()) as http:
        token = testing_token(
            BackendAPI(instance.secret_key, api_url=instance.api_url, http_client=http)
        )

    async def go() -> str:
        async with httpx.AsyncClient(transport=instance.transport()) as http:
            api = AsyncBackendAPI(instance.secret_key, api_url=instance.api_url, http_client=http)
            return await testing_token_async(api)

    other = asyncio.run(go())
    assert token != other
    assert instance.backend.testing_tokens == [token, other]


def test_an_answer_without_a_token_is_a_configuration_error() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"object": "x"}))
    with httpx.Client(transport=transport) as http:
        api = BackendAPI("sk_test_abc", api_url="https://api.clerk.test", http_client=http)
        with pytest.raises(ClerkConfigurationError, match="development instances only"):
            testing_token(api)


def test_users_are_found_by_id_email_or_object(real: ClerkE2E) -> None:
    assert real.user_id("user_1") == "user_1"
    assert real.user_id("one@example.test") == "user_1"
    assert real.user_id(real.users.get("user_1")) == "user_1"

    class Local:
        user_id = "user_member"

    assert real.user_id(Local()) == "user_member"
    with pytest.raises(LookupError, match=r"nobody@example\.test"):
        real.user_id("nobody@example.test")
    with pytest.raises(TypeError):
        real.user_id(42)


# ------------------------------------------------------------------------------ URLs
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://c.test/v1/client", "https://c.test/v1/client?__clerk_testing_token=T"),
        (
            "https://c.test/v1/client?_clerk_js_version=5&a=",
            "https://c.test/v1/client?_clerk_js_version=5&a=&__clerk_testing_token=T",
        ),
        (
            "https://c.test/v1/client?__clerk_testing_token=old&b=1",
            "https://c.test/v1/client?b=1&__clerk_testing_token=T",
        ),
    ],
)
def test_with_testing_token(url: str, expected: str) -> None:
    assert with_testing_token(url, "T") == expected


def test_a_token_is_query_encoded() -> None:
    url = with_testing_token("https://c.test/v1/x", "a&b=c")
    assert url == f"https://c.test/v1/x?{TESTING_TOKEN_PARAM}=a%26b%3Dc"


@pytest.mark.parametrize(
    ("frontend_api", "url", "matches"),
    [
        ("clerk.app.test", "https://clerk.app.test/v1/client", True),
        ("clerk.app.test", "https://clerk.app.test/v1/client/sign_ins?_clerk_js_version=5", True),
        ("clerk.app.test", "https://clerk.app.test/v1/environment", True),
        ("clerk.app.test", "http://clerk.app.test/v1/client", False),
        ("clerk.app.test", "https://clerk.app.test.evil.test/v1/client", False),
        ("clerk.app.test", "https://clerkXapp.test/v1/client", False),
        ("clerk.app.test", "https://clerk.app.test/npm/@clerk/clerk-js@5/dist/clerk.js", False),
        ("clerk.app.test", "https://clerk.app.test/v1", False),
        ("https://clerk.app.test/", "https://clerk.app.test/v1/client", True),
        ("http://127.0.0.1:8000/__clerk", "http://127.0.0.1:8000/__clerk/v1/client", True),
        ("http://127.0.0.1:8000/__clerk", "http://127.0.0.1:8001/__clerk/v1/client", False),
        ("http://127.0.0.1:8000/__clerk", "http://127.0.0.1:8000/v1/client", False),
    ],
)
def test_frontend_api_pattern(frontend_api: str, url: str, matches: bool) -> None:
    assert bool(frontend_api_pattern(frontend_api).match(url)) is matches


@pytest.mark.parametrize(
    "bad", ["", "  ", "ftp://clerk.app.test", "https://", "https://x.test/?a=1"]
)
def test_a_bad_frontend_api_is_a_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="frontend_api"):
        frontend_api_pattern(bad)


@pytest.mark.parametrize(
    ("url", "matches"),
    [
        ("http://127.0.0.1:51234/__clerk/v1/client?x=1", True),
        ("http://localhost/__clerk/v1/client/handshake", True),
        ("http://[::1]:8000/__clerk/v1/environment", True),
        ("http://127.0.0.1:8000/__clerk/v2/client", False),
        ("http://127.0.0.1:8000/api/__clerk/v1/client", False),
        ("http://example.test/__clerk/v1/client", False),
        ("http://127.0.0.1.example.test/__clerk/v1/client", False),
    ],
)
def test_the_local_frontend_api_is_on_loopback_only(url: str, matches: bool) -> None:
    assert bool(LOCAL_FRONTEND_API.match(url)) is matches


# ------------------------------------------------------------------------------ the fixture
def test_the_clerk_e2e_fixture_in_a_users_test_suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_E2E", "CLERK_TESTING_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    pytester.makepyfile(
        """
        def test_local(clerk_e2e, clerk_testing_token):
            assert clerk_e2e.mode == "local"
            assert clerk_testing_token == clerk_e2e.testing_token
            backend = clerk_e2e.local_frontend.instance.backend
            assert backend.testing_tokens == [clerk_testing_token]
            assert clerk_e2e.users.get("user_admin").first_name == "Ada"

        def test_same_session_object(clerk_e2e, clerk_testing_token):
            assert clerk_e2e.local_frontend.instance.backend.testing_tokens == [clerk_testing_token]
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=2)


def test_the_clerk_e2e_fixture_refuses_live_keys(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_SECRET_KEY", LIVE_SECRET)
    pytester.makepyfile("def test_x(clerk_e2e):\n    pass\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*refuse a live (production) Clerk key*"])
    assert LIVE_SECRET not in result.stdout.str()
