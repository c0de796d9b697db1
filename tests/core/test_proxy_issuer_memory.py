"""With a relative ``proxy_url`` the accepted ``iss`` depends on the request's host (the proxy on the
request's own, allowed, origin), so the memory of verified tokens must not carry a token accepted
under one host over to another: such a token is verified afresh on each request."""

from __future__ import annotations

from clerk_core import AuthStatus
from clerk_core.testing import LocalClerkInstance


def test_a_token_accepted_on_another_host_stays_refused_on_this_one() -> None:
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.app.example",
        authorized_parties=("https://app.example", "https://other.example"),
    )
    engine = instance.clerk(proxy_url="/__clerk", allowed_hosts=("app.example", "other.example"))
    claims = instance.session_claims("user_other_context", azp="https://app.example")
    claims["iss"] = "https://other.example/__clerk"  # minted behind other.example's proxy
    token = instance.sign(claims)

    def on(host: str) -> AuthStatus:
        view = instance.request("/api", bearer=token, host=host, scheme="https")
        return engine.authenticate_request(view).status

    assert on("app.example") is AuthStatus.SIGNED_OUT  # the rule holds on a cold engine
    assert on("other.example") is AuthStatus.SIGNED_IN  # its own host
    assert on("app.example") is AuthStatus.SIGNED_OUT


def test_the_cookie_path_reads_the_same_memory() -> None:
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.app.example",
        authorized_parties=("https://app.example", "https://other.example"),
    )
    engine = instance.clerk(proxy_url="/__clerk", allowed_hosts=("app.example", "other.example"))
    claims = instance.session_claims("user_other_context", azp="https://app.example")
    claims["iss"] = "https://other.example/__clerk"
    token = instance.sign(claims)
    suffix = engine.options.cookie_suffix
    cookie = f"__session_{suffix}={token}; __client_uat_{suffix}=1"

    def on(host: str) -> AuthStatus:
        view = instance.request("/", host=host, scheme="https", headers={"cookie": cookie})
        return engine.authenticate_request(view).status

    assert on("app.example") is AuthStatus.SIGNED_OUT
    assert on("other.example") is AuthStatus.SIGNED_IN
    assert on("app.example") is AuthStatus.SIGNED_OUT
