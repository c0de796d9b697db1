"""The local instance's key pair: shared per process by default, its own with ``own_key=True``,
and its PEM public key as the attribute ``jwt_key`` (``public_key_pem()`` still works)."""

from __future__ import annotations

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance


def _numbers(instance: LocalClerkInstance) -> object:
    return instance.public_key.public_numbers()


def test_jwt_key_is_the_pem_public_key_as_an_attribute() -> None:
    instance = LocalClerkInstance()
    assert isinstance(instance.jwt_key, str)
    assert instance.jwt_key.startswith("-----BEGIN PUBLIC KEY-----")
    assert instance.jwt_key == instance.public_key_pem()  # the method stays for existing callers
    assert (instance.options(networkless=True).jwt_key or "").strip() == instance.jwt_key.strip()
    # An engine configured as from the dashboard's JWT public key verifies the instance's tokens.
    engine = Clerk(instance.options(jwt_key=instance.jwt_key, secret_key=None))
    token = instance.session_token("user_1")
    assert engine.authenticate_request(instance.request("/", bearer=token)).to_auth().user_id == (
        "user_1"
    )


def test_instances_share_the_process_key_unless_own_key() -> None:
    first, second = LocalClerkInstance(), LocalClerkInstance()
    assert _numbers(first) == _numbers(second)
    own, other_own = LocalClerkInstance(own_key=True), LocalClerkInstance(own_key=True)
    assert _numbers(own) != _numbers(first)
    assert _numbers(own) != _numbers(other_own)
    assert own.jwt_key != first.jwt_key


def test_an_own_key_instance_refuses_another_instances_tokens() -> None:
    shared, own = LocalClerkInstance(), LocalClerkInstance(own_key=True)
    token = shared.session_token("user_1")  # same kid, different key
    state = own.clerk().authenticate_request(own.request("/", bearer=token))
    assert not state.is_signed_in
    assert (
        own.clerk()
        .authenticate_request(own.request("/", bearer=own.session_token("user_2")))
        .is_signed_in
    )
    # With the shared key, the same token verifies: what own_key=True exists to rule out.
    other_shared = LocalClerkInstance()
    assert (
        other_shared.clerk()
        .authenticate_request(other_shared.request("/", bearer=token))
        .is_signed_in
    )
