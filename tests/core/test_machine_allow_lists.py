"""Optional allow-lists for machine tokens: issuers (JWT form), OAuth clients and M2M machines."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkConfigurationError,
    ClerkOptions,
    RequestState,
    RequestView,
)
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

T = 1_700_000_000.0
OTHER_ISSUER = "https://clerk.other.test"


@pytest.fixture
def prod() -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production", frontend_api="clerk.prod.test", clock=FakeClock(T)
    )


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def authenticate(mode: str, engine: Clerk, token: str) -> RequestState:
    request = RequestView(
        "GET", "https://app.example/api", {"authorization": f"Bearer {token}", "host": "x"}
    )
    if mode == "sync":
        return engine.authenticate_request(request)
    return asyncio.run(engine.authenticate_request_async(request))


def engine(instance: LocalClerkInstance, **options: Any) -> Clerk:
    return instance.clerk(accepts_token="any", **options)


# ------------------------------------------------------------------ options
def test_lists_are_off_by_default_and_validated() -> None:
    options = ClerkOptions()
    assert (options.machine_token_issuers, options.oauth_client_ids, options.m2m_machine_ids) == (
        None,
        None,
        None,
    )
    options = ClerkOptions(
        machine_token_issuers=["https://clerk.example.com"],
        oauth_client_ids="client_a, client_b",
        m2m_machine_ids=("mch_1", "mch_1"),
    )
    assert options.machine_token_issuers == ("https://clerk.example.com",)
    assert options.oauth_client_ids == ("client_a", "client_b")
    assert options.m2m_machine_ids == ("mch_1",)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("oauth_client_ids", [], "oauth_client_ids is empty"),
        ("m2m_machine_ids", "", "m2m_machine_ids is empty"),
        ("m2m_machine_ids", [1], "m2m_machine_ids must be a list"),
        ("oauth_client_ids", [" a"], "oauth_client_ids must be a list"),
        ("machine_token_issuers", ["clerk.example.com"], "is not an issuer URL"),
        ("machine_token_issuers", 5, "machine_token_issuers must be a list"),
    ],
)
def test_bad_lists_fail_at_construction(field: str, value: Any, message: str) -> None:
    with pytest.raises(ClerkConfigurationError, match=message):
        ClerkOptions(**{field: value})


def test_read_from_the_environment() -> None:
    options = ClerkOptions.from_env(
        {
            "CLERK_MACHINE_TOKEN_ISSUERS": "https://clerk.a.test, https://clerk.b.test",
            "CLERK_OAUTH_CLIENT_IDS": "client_a",
            "CLERK_M2M_MACHINE_IDS": "mch_1,mch_2",
        }
    )
    assert options.machine_token_issuers == ("https://clerk.a.test", "https://clerk.b.test")
    assert options.oauth_client_ids == ("client_a",)
    assert options.m2m_machine_ids == ("mch_1", "mch_2")
    assert ClerkOptions.from_env({"CLERK_OAUTH_CLIENT_IDS": " "}).oauth_client_ids is None


# ------------------------------------------------------------------ JWT form
def test_without_lists_every_machine_jwt_of_the_instance_is_accepted(
    prod: LocalClerkInstance, mode: str
) -> None:
    clerk = engine(prod)
    assert authenticate(mode, clerk, prod.m2m_jwt("mch_any")).is_authenticated
    assert authenticate(mode, clerk, prod.oauth_jwt(client_id="client_any")).is_authenticated


def test_machine_jwt_issuers(prod: LocalClerkInstance, mode: str) -> None:
    allowed = engine(prod, machine_token_issuers=[prod.issuer])
    for token in (prod.m2m_jwt(), prod.oauth_jwt()):
        assert authenticate(mode, allowed, token).is_authenticated
    refused = engine(prod, machine_token_issuers=[OTHER_ISSUER])
    for kind, token in (("m2m_token", prod.m2m_jwt()), ("oauth_token", prod.oauth_jwt())):
        state = authenticate(mode, refused, token)
        assert (state.status, state.reason, state.token_type) == (
            AuthStatus.SIGNED_OUT,
            "token-verification-failed",
            kind,
        )
        assert "machine_token_issuers" in (state.message or "")
        assert state.to_auth().is_authenticated is False


def test_oauth_client_ids(prod: LocalClerkInstance, mode: str) -> None:
    clerk = engine(prod, oauth_client_ids=["client_good"])
    good = authenticate(mode, clerk, prod.oauth_jwt(client_id="client_good"))
    assert good.is_authenticated
    assert good.to_auth().client_id == "client_good"
    state = authenticate(mode, clerk, prod.oauth_jwt(client_id="client_evil"))
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "token-invalid-authorized-parties",
    )
    assert "oauth_client_ids" in (state.message or "")
    # The list binds OAuth tokens only: an M2M JWT is not refused by it.
    assert authenticate(mode, clerk, prod.m2m_jwt()).is_authenticated


def test_m2m_machine_ids(prod: LocalClerkInstance, mode: str) -> None:
    clerk = engine(prod, m2m_machine_ids=["mch_good"])
    assert authenticate(mode, clerk, prod.m2m_jwt("mch_good")).to_auth().machine_id == "mch_good"
    state = authenticate(mode, clerk, prod.m2m_jwt("mch_evil"))
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "token-invalid-authorized-parties",
    )
    assert authenticate(mode, clerk, prod.oauth_jwt()).is_authenticated


# ------------------------------------------------------------------ opaque form
def test_opaque_tokens_are_bound_by_the_client_and_machine_lists(
    prod: LocalClerkInstance, mode: str
) -> None:
    clerk = engine(prod, oauth_client_ids=["client_good"], m2m_machine_ids=["mch_good"])
    assert authenticate(mode, clerk, prod.oauth_token(client_id="client_good")).is_authenticated
    assert authenticate(mode, clerk, prod.m2m_token("mch_good")).is_authenticated
    for token in (prod.oauth_token(client_id="client_evil"), prod.m2m_token("mch_evil")):
        state = authenticate(mode, clerk, token)
        assert (state.status, state.reason) == (
            AuthStatus.SIGNED_OUT,
            "token-invalid-authorized-parties",
        )


def test_opaque_tokens_have_no_issuer_to_check(prod: LocalClerkInstance, mode: str) -> None:
    clerk = engine(prod, machine_token_issuers=[OTHER_ISSUER])
    assert authenticate(mode, clerk, prod.oauth_token()).is_authenticated
    assert authenticate(mode, clerk, prod.api_key()).is_authenticated
