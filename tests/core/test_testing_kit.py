"""The test kit's structure: names stay importable, and the fake Backend API's one route table
answers as Clerk's Backend API does (keys, faults, unknown routes)."""

from __future__ import annotations

import httpx
import pytest

from clerk_core.testing import LocalClerkInstance


def client(instance: LocalClerkInstance, key: str | None = None) -> httpx.Client:
    return httpx.Client(
        transport=instance.transport(),
        base_url=instance.api_url,
        headers={"authorization": f"Bearer {key or instance.secret_key}"},
    )


def test_names_stay_importable_where_users_import_them() -> None:
    import clerk_core.testing as kit
    import clerk_core.testing.backend as backend
    import clerk_core.testing.instance as instance_module

    for name in ("LocalClerkInstance", "encode_org_claims", "public_jwk"):
        assert getattr(kit, name) is getattr(instance_module, name)
    for name in ("FakeBackendAPI", "LocalBackendServer", "serving", "TEST_CLIENT_HOSTS"):
        assert hasattr(instance_module, name)
    assert vars(instance_module)["LocalBackendServer"] is backend.LocalBackendServer
    instance = LocalClerkInstance()
    assert instance.jwk() == kit.public_jwk(instance.private_key, instance.kid)
    assert instance.jwks() == {"keys": [instance.jwk()]}


def test_unknown_routes_and_wrong_keys() -> None:
    instance = LocalClerkInstance()
    with client(instance) as api:
        missing = api.get("/v1/no_such_thing")
        assert missing.status_code == 404
        assert missing.json() == {
            "errors": [{"code": "resource_not_found", "message": "No route for /v1/no_such_thing"}]
        }
        assert api.delete("/v1/organizations").status_code == 404  # the method is part of a route
    with client(instance, "sk_test_wrong") as api:
        refused = api.get("/v1/users")
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["code"] == "clerk_key_invalid"
    assert len(instance.requests) == 3


def test_a_machine_secret_key_verifies_m2m_tokens_only() -> None:
    instance = LocalClerkInstance()
    token = instance.m2m_token("mch_1", scopes=["read"])
    with client(instance, instance.machine_secret_key) as api:
        verified = api.post("/v1/m2m_tokens/verify", json={"token": token})
        assert (verified.status_code, verified.json()["subject"]) == (200, "mch_1")
        assert api.get("/v1/users").status_code == 401
        assert api.post("/v1/api_keys/verify", json={"secret": "x"}).status_code == 401
    instance.revoke(token)
    with client(instance) as api:
        assert api.post("/v1/m2m_tokens/verify", json={"token": token}).status_code == 404


@pytest.mark.parametrize("status", [429, 503])
def test_injected_faults_spare_the_jwks_and_session_refresh(status: int) -> None:
    instance = LocalClerkInstance()
    instance.backend.fail_next(status, times=2, retry_after=3)
    with client(instance) as api:
        assert api.get("/v1/jwks").json() == instance.jwks()
        assert api.post("/v1/sessions/sess_1/refresh", json={}).status_code == 400
        first = api.get("/v1/users")
        assert (first.status_code, first.headers["retry-after"]) == (status, "3")
        assert api.get("/v1/no_such_thing").status_code == status  # any other request
        assert api.get("/v1/users").status_code == 200
    assert instance.jwks_requests == 1
