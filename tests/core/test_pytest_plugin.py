"""The `clerk` pytest plugin, exercised in inner pytest sessions."""

from __future__ import annotations

import pytest

from clerk_core import ClerkConfigurationError
from clerk_core.testing import LocalClerkInstance


def test_fixtures_work_in_a_users_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from clerk_core import Clerk, ClerkOptions
        from clerk_core.testing import LocalClerkInstance

        def test_user_code(clerk_instance, clerk_engine, clerk_options, clerk_token_factory):
            assert isinstance(clerk_instance, LocalClerkInstance)
            assert isinstance(clerk_options, ClerkOptions)
            token = clerk_token_factory("user_42", org_id="org_1", org_role="org:admin")
            state = clerk_engine.authenticate_request(clerk_instance.request("/", bearer=token))
            auth = state.to_auth()
            assert auth.user_id == "user_42"
            assert auth.has(role="admin")

        def test_cookies(clerk_instance, clerk_engine):
            token = clerk_instance.session_token("user_7")
            req = clerk_instance.request("/", session=token, document=True)
            assert clerk_engine.authenticate_request(req).to_auth().user_id == "user_7"
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=2)


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(clerk_instance):\n    pass\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:clerk", "-p", "no:django")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'clerk_instance' not found*"])


def test_local_instance_refuses_real_hosts() -> None:
    with pytest.raises(ClerkConfigurationError, match="reserved test domain"):
        LocalClerkInstance(frontend_api="clerk.example.com")
    with pytest.raises(ClerkConfigurationError):
        LocalClerkInstance(frontend_api="clerk.mycompany.dev")


def test_local_instance_keys_round_trip() -> None:
    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.prod.test")
    options = instance.options()
    assert options.frontend_api == "clerk.prod.test"
    assert options.instance_type == "production"
    assert instance.publishable_key.startswith("pk_live_")
    assert instance.secret_key not in repr(instance)
    networkless = instance.options(networkless=True)
    assert networkless.public_key is not None
    assert networkless.public_key.public_numbers() == instance.public_key.public_numbers()


def test_fake_backend_api_requires_the_secret_key() -> None:
    import httpx

    instance = LocalClerkInstance()
    client = httpx.Client(transport=instance.transport())
    assert client.get(f"{instance.api_url}/v1/jwks").status_code == 401
    ok = client.get(
        f"{instance.api_url}/v1/jwks", headers={"authorization": f"Bearer {instance.secret_key}"}
    )
    assert ok.json() == instance.jwks()
    assert instance.jwks_requests == 1
