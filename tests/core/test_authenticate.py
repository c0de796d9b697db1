"""Behavioural cases of docs/clerk-semantics.md §10 (the ones the engine owns), sync and async."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from clerk_core import (
    AuthStatus,
    Clerk,
    ClerkConfigurationError,
    ClerkOptions,
    MachineAuth,
    RequestState,
    RequestView,
    SessionAuth,
    SignedOutAuth,
)
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

T = 1_700_000_000.0
Runner = Callable[..., RequestState]


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(T)


@pytest.fixture
def prod(fake_clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.prod.test",
        authorized_parties=("https://app.example",),
        clock=fake_clock,
    )


@pytest.fixture
def dev(fake_clock: FakeClock) -> LocalClerkInstance:
    return LocalClerkInstance(
        instance_type="development",
        frontend_api="clerk.dev.test",
        authorized_parties=("https://app.example",),
        clock=fake_clock,
    )


def valid(instance: LocalClerkInstance, user: str = "user_1", **kwargs: Any) -> str:
    """The §10 default token: iat=T-60, exp=T+60, nbf=T-70."""
    claims = {"nbf": int(T - 70), **kwargs.pop("claims", {})}
    return instance.session_token(user, iat=T - 60, lifetime=120, claims=claims, **kwargs)


def doc(
    path: str = "/dashboard",
    *,
    method: str = "GET",
    authorization: str | None = None,
    cookies: dict[str, str] | None = None,
    **headers: str,
) -> RequestView:
    hdrs = {"host": "app.example", "sec-fetch-dest": "document", "accept": "text/html"}
    if authorization is not None:
        hdrs["authorization"] = authorization
    if cookies:
        hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    for name, value in headers.items():
        name = name.replace("_", "-")
        if value == "":
            hdrs.pop(name, None)
        else:
            hdrs[name] = value
    return RequestView(method, f"https://app.example{path}", hdrs)


def session_cookies(token: str, uat: float = T - 100) -> dict[str, str]:
    return {"__session": token, "__client_uat": str(int(uat))}


# ------------------------------------------------------------------ header path (cases 1-20)
def test_1_bearer_valid(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(prod.clerk(), doc(authorization=f"Bearer {valid(prod)}"))
    assert state.status is AuthStatus.SIGNED_IN
    assert state.is_authenticated
    auth = state.to_auth()
    assert isinstance(auth, SessionAuth)
    assert (auth.user_id, auth.session_id) == ("user_1", "sess_1")
    assert state.headers == []  # signed-in carries no debug headers


def test_2_header_wins_over_garbage_cookie(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(
        prod.clerk(),
        doc(
            authorization=f"Bearer {valid(prod)}",
            cookies={"__session": "garbage", "__client_uat": "1"},
        ),
    )
    assert state.status is AuthStatus.SIGNED_IN


def test_3_bad_header_never_falls_back_to_cookie(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(
        prod.clerk(), doc(authorization="Bearer garbage", cookies=session_cookies(valid(prod)))
    )
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid")


def test_4_basic_scheme_falls_through_to_cookies(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(
        prod.clerk(), doc(authorization="Basic dXNlcjpwYXNz", cookies=session_cookies(valid(prod)))
    )
    assert state.status is AuthStatus.SIGNED_IN


def test_5_bare_token_without_scheme(prod: LocalClerkInstance, run: Runner) -> None:
    assert run(prod.clerk(), doc(authorization=valid(prod))).status is AuthStatus.SIGNED_IN


def test_6_lower_case_bearer_is_accepted_policy_4(prod: LocalClerkInstance, run: Runner) -> None:
    # Clerk JS ignores `bearer` (exact case); Policy 4 matches the scheme case-insensitively.
    for scheme in ("bearer", "BEARER", "BeArEr"):
        state = run(prod.clerk(), doc(authorization=f"{scheme} {valid(prod)}"))
        assert state.status is AuthStatus.SIGNED_IN


def test_7_bad_signature(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(prod.clerk(), doc(authorization=f"Bearer {prod.bad_signature_token()}"))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid-signature")
    assert state.message is not None
    assert state.message.endswith("(reason=token-invalid-signature, token-carrier=header)")
    assert ("x-clerk-auth-reason", "token-invalid-signature") in state.headers


@pytest.mark.parametrize("alg", ["HS256", "none"])
def test_8_bad_algorithm_known_and_unknown_kid(
    prod: LocalClerkInstance, run: Runner, alg: str
) -> None:
    import base64
    import json

    def forged(kid: str) -> str:
        def seg(obj: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

        return f"{seg({'alg': alg, 'kid': kid, 'typ': 'JWT'})}.{seg(prod.session_claims())}.c2ln"

    engine = prod.clerk()
    # Warm the cache with the instance key first.
    assert run(engine, doc(authorization=f"Bearer {valid(prod)}")).is_authenticated
    assert (
        run(engine, doc(authorization=f"Bearer {forged(prod.kid)}")).reason
        == "token-invalid-algorithm"
    )
    assert (
        run(engine, doc(authorization=f"Bearer {forged('ins_nope')}")).reason == "jwk-kid-mismatch"
    )


def test_9_rs384_with_an_rs256_key(prod: LocalClerkInstance, run: Runner) -> None:
    token = prod.sign(prod.session_claims(), algorithm="RS384")
    assert (
        run(prod.clerk(), doc(authorization=f"Bearer {token}")).reason
        == "token-verification-failed"
    )


def test_10_11_12_authorized_parties(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    assert run(engine, doc(authorization=f"Bearer {prod.wrong_azp_token()}")).reason == (
        "token-invalid-authorized-parties"
    )
    no_azp = valid(prod, azp=False)
    assert run(engine, doc(authorization=f"Bearer {no_azp}")).reason == (
        "token-invalid-authorized-parties"
    )
    open_engine = prod.clerk(authorized_parties=())
    assert run(open_engine, doc(authorization=f"Bearer {no_azp}")).is_authenticated


def test_13_expiry_boundary_with_5s_skew(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    ok = prod.session_token(iat=T - 60, lifetime=56)  # exp = T-4
    late = prod.session_token(iat=T - 60, lifetime=55)  # exp = T-5
    assert run(engine, doc(authorization=f"Bearer {ok}", sec_fetch_dest="empty")).is_authenticated
    assert run(engine, doc(authorization=f"Bearer {late}", sec_fetch_dest="empty")).reason == (
        "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    )


def test_14_expired_header_token_on_a_document_is_a_handshake(
    prod: LocalClerkInstance, run: Runner
) -> None:
    state = run(prod.clerk(), doc(authorization=f"Bearer {prod.expired_token()}"))
    assert state.status is AuthStatus.HANDSHAKE
    assert state.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    auth = state.to_auth()
    assert isinstance(auth, SignedOutAuth)
    assert auth.user_id is None


def test_15_16_expired_header_token_elsewhere_is_signed_out(
    prod: LocalClerkInstance, run: Runner
) -> None:
    engine = prod.clerk()
    token = prod.expired_token()
    state = run(engine, doc(authorization=f"Bearer {token}", sec_fetch_dest="empty"))
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
    )
    assert state.location is None
    state = run(engine, doc(method="POST", authorization=f"Bearer {token}"))
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "session-token-expired-refresh-non-eligible-non-get",
    )


def test_17_nbf_and_iat_in_the_future(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    nbf = prod.session_token(claims={"nbf": int(T + 6)})
    iat = prod.session_token(iat=T + 6)
    assert run(engine, doc(authorization=f"Bearer {nbf}")).reason == "session-token-nbf"
    state = run(engine, doc(authorization=f"Bearer {iat}"))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "session-token-iat-in-the-future")


def test_18_missing_sub(prod: LocalClerkInstance, run: Runner) -> None:
    token = prod.sign(prod.session_claims(claims={"sub": None}))
    assert (
        run(prod.clerk(), doc(authorization=f"Bearer {token}")).reason
        == "token-verification-failed"
    )


def test_19_jwt_template_is_not_a_session(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    template = prod.jwt_template_token()
    assert run(engine, doc(authorization=f"Bearer {template}")).reason == "token-type-mismatch"
    state = run(engine, doc(cookies=session_cookies(template)))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-type-mismatch")
    # Policy 2: in every accepts_token mode.
    assert run(engine, doc(authorization=f"Bearer {template}"), accepts_token="any").reason == (
        "token-type-mismatch"
    )


def test_20_m2m_jwt_in_the_session_cookie(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(prod.clerk(), doc(cookies=session_cookies(prod.m2m_jwt())))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-type-mismatch")


# ------------------------------------------------------------------ cookie path (cases 21-36)
def test_21_22_no_cookies_or_uat_zero(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    state = run(engine, doc())
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    assert state.header("x-clerk-auth-status") == "signed-out"
    assert state.header("x-clerk-auth-message") is None
    assert run(engine, doc(cookies={"__client_uat": "0"})).reason == "session-token-and-uat-missing"


def test_23_uat_without_session_is_a_handshake(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(prod.clerk(), doc(cookies={"__client_uat": "12345"}))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "client-uat-but-no-session-token")
    location = urlsplit(state.location or "")
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "clerk.prod.test",
        "/v1/client/handshake",
    )
    query = parse_qs(location.query)
    assert query["format"] == ["nonce"]
    assert query["__clerk_hs_reason"] == ["client-uat-but-no-session-token"]
    assert query["redirect_url"] == ["https://app.example/dashboard"]
    assert query["suffixed_cookies"] == ["false"]
    assert query["__clerk_api_version"] == ["2026-05-12"]
    assert next(iter(parse_qs(location.query))) == "redirect_url"
    assert state.header("cache-control") == "no-store"
    cookie = state.header("set-cookie") or ""
    assert cookie.startswith("__clerk_redirect_count=1;")
    assert "Max-Age=2" in cookie
    assert state.header("x-clerk-auth-status") == "handshake"


def test_24_25_handshake_eligibility(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    cookies = {"__client_uat": "12345"}
    assert run(engine, doc(method="POST", cookies=cookies)).status is AuthStatus.SIGNED_OUT
    html = doc(cookies=cookies, sec_fetch_dest="", accept="text/html,application/xhtml+xml")
    assert run(engine, html).status is AuthStatus.HANDSHAKE
    api = doc(cookies=cookies, sec_fetch_dest="", accept="application/json")
    state = run(engine, api)
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "client-uat-but-no-session-token",
    )
    iframe = doc(cookies=cookies, sec_fetch_dest="iframe")
    assert run(engine, iframe).status is AuthStatus.HANDSHAKE


def test_26_redirect_loop_guard(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(prod.clerk(), doc(cookies={"__client_uat": "12345", "__clerk_redirect_count": "3"}))
    assert state.status is AuthStatus.SIGNED_OUT
    assert state.location is None
    state = run(prod.clerk(), doc(cookies={"__client_uat": "12345", "__clerk_redirect_count": "2"}))
    assert (state.header("set-cookie") or "").startswith("__clerk_redirect_count=3;")


def test_27_session_without_uat(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(prod.clerk(), doc(cookies={"__session": valid(prod)}))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "session-token-but-no-client-uat")
    assert parse_qs(urlsplit(state.location or "").query)["__session"] == [valid(prod)]


def test_28_iat_before_client_uat(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    token = valid(prod)  # iat = T-60
    state = run(engine, doc(cookies=session_cookies(token, uat=T - 50)))
    assert (state.status, state.reason) == (
        AuthStatus.HANDSHAKE,
        "session-token-iat-before-client-uat",
    )
    assert run(engine, doc(cookies=session_cookies(token, uat=T - 70))).is_authenticated
    assert run(
        engine, doc(cookies=session_cookies(token, uat=T - 60))
    ).is_authenticated  # equal is fine


def test_29_30_development_browser(dev: LocalClerkInstance, run: Runner) -> None:
    engine = dev.clerk()
    state = run(engine, doc())
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "dev-browser-missing")
    state = run(
        engine,
        doc("/dashboard?a=1&__clerk_db_jwt=dvb_x&b=2", cookies={"__clerk_db_jwt": "dvb_old"}),
    )
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "dev-browser-sync")
    query = parse_qs(urlsplit(state.location or "").query)
    assert query["redirect_url"] == ["https://app.example/dashboard?a=1&b=2"]
    assert query["__clerk_db_jwt"] == ["dvb_x"]
    # The parameter's name percent-encoded: read as Clerk's URLSearchParams reads it, and dropped
    # from the URL the browser comes back to.
    encoded = run(
        engine,
        doc("/dashboard?a=1&%5F%5Fclerk_db_jwt=dvb_x&b=2", cookies={"__clerk_db_jwt": "dvb_old"}),
    )
    assert (encoded.status, encoded.reason) == (AuthStatus.HANDSHAKE, "dev-browser-sync")
    assert parse_qs(urlsplit(encoded.location or "").query) == query
    # A signed-in development browser.
    token = valid(dev)
    cookies = {**session_cookies(token), "__clerk_db_jwt": dev.dev_browser_token}
    assert run(engine, doc(cookies=cookies)).is_authenticated


def test_32_suffixed_cookies_preferred(prod: LocalClerkInstance, run: Runner) -> None:
    s = prod.cookie_suffix
    mine, plain = valid(prod, "user_suffixed"), valid(prod, "user_plain")
    cookies = {
        "__session": plain,
        "__client_uat": str(int(T - 100)),
        f"__session_{s}": mine,
        f"__client_uat_{s}": str(int(T - 100)),
    }
    state = run(prod.clerk(), doc(cookies=cookies))
    assert state.to_auth().user_id == "user_suffixed"


def test_33_foreign_unsuffixed_session_uses_suffixed(prod: LocalClerkInstance, run: Runner) -> None:
    other = LocalClerkInstance(instance_type="production", frontend_api="clerk.other.test")
    s = prod.cookie_suffix
    cookies = {
        "__session": other.session_token("user_other"),
        "__client_uat": str(int(T - 100)),
        f"__session_{s}": valid(prod, "user_mine"),
        f"__client_uat_{s}": str(int(T - 100)),
    }
    state = run(prod.clerk(), doc(cookies=cookies))
    assert state.to_auth().user_id == "user_mine"


def test_suffix_rule_newer_unsuffixed_and_signed_out_suffixed(
    prod: LocalClerkInstance, run: Runner
) -> None:
    s = prod.cookie_suffix
    older = prod.session_token("user_old", iat=T - 90, lifetime=150)
    newer = prod.session_token("user_new", iat=T - 30, lifetime=150)
    both = {
        "__session": newer,
        "__client_uat": str(int(T - 100)),
        f"__session_{s}": older,
        f"__client_uat_{s}": str(int(T - 100)),
    }
    assert run(prod.clerk(), doc(cookies=both)).to_auth().user_id == "user_new"  # rule 4
    signed_out_suffixed = {**both, f"__client_uat_{s}": "0"}
    assert (
        run(prod.clerk(), doc(cookies=signed_out_suffixed)).to_auth().user_id == "user_new"
    )  # rule 5
    missing_uat = {"__session": newer, "__client_uat": str(int(T - 100)), f"__session_{s}": older}
    assert run(prod.clerk(), doc(cookies=missing_uat)).to_auth().user_id == "user_new"  # rule 7
    no_iss = prod.sign(prod.session_claims("user_x", claims={"iss": None}))
    state = run(
        prod.clerk(),
        doc(
            cookies={
                "__session": no_iss,
                "__client_uat": "1",
                f"__session_{s}": older,
                f"__client_uat_{s}": "1",
            }
        ),
    )
    assert state.status is AuthStatus.SIGNED_OUT  # rule 1: the un-suffixed cookie, then rejected


def test_35_cross_origin_referer(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    cookies = session_cookies(valid(prod))
    state = run(engine, doc(cookies=cookies, referer="https://satellite.com/x"))
    assert (state.status, state.reason) == (
        AuthStatus.HANDSHAKE,
        "primary-domain-cross-origin-sync",
    )
    for req in (
        doc(cookies=cookies, referer="https://app.example/from"),
        doc(cookies=cookies),
        doc(method="POST", cookies=cookies, referer="https://satellite.com/x"),
        doc(cookies=cookies, referer="https://satellite.com/x", sec_fetch_dest="empty"),
        doc(cookies=cookies, referer="::not a url::"),
    ):
        assert run(engine, req).is_authenticated


def test_36_clerk_origins_are_trusted_referers(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    cookies = session_cookies(valid(prod))
    assert run(
        engine, doc(cookies=cookies, referer="https://accounts.prod.test/sign-in")
    ).is_authenticated
    assert run(engine, doc(cookies=cookies, referer="https://clerk.prod.test/x")).is_authenticated
    state = run(engine, doc(cookies=cookies, referer="https://accounts.evil.com/"))
    assert state.status is AuthStatus.HANDSHAKE


def test_39_production_satellite(fake_clock: FakeClock, run: Runner) -> None:
    sat = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.primary.test", clock=fake_clock
    )
    engine = sat.clerk(is_satellite=True, domain="satellite.test", allowed_hosts=["app.example"])
    state = run(engine, doc())
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-and-uat-missing")
    state = run(engine, doc("/?__clerk_synced=false"))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "satellite-needs-syncing")
    assert urlsplit(state.location or "").netloc == "clerk.satellite.test"


def test_proxy_url_replaces_the_frontend_api_in_handshakes(
    prod: LocalClerkInstance, run: Runner
) -> None:
    state = run(prod.clerk(proxy_url="/__clerk/"), doc(cookies={"__client_uat": "5"}))
    assert (state.location or "").startswith("https://app.example/__clerk/v1/client/handshake?")
    state = run(
        prod.clerk(proxy_url="https://proxy.example/clerk"), doc(cookies={"__client_uat": "5"})
    )
    assert (state.location or "").startswith("https://proxy.example/clerk/v1/client/handshake?")


def test_forwarded_headers_only_when_trusted(prod: LocalClerkInstance, run: Runner) -> None:
    req = doc(
        cookies={"__client_uat": "5"}, x_forwarded_host="public.example", x_forwarded_proto="https"
    )
    untrusted = parse_qs(urlsplit(run(prod.clerk(), req).location or "").query)
    assert untrusted["redirect_url"] == ["https://app.example/dashboard"]
    # The forwarded host must be allowed like any other (here not by authorized_parties).
    assert run(prod.clerk(trust_forwarded_headers=True), req).status is AuthStatus.SIGNED_OUT
    trusted = run(prod.clerk(trust_forwarded_headers=True, allowed_hosts=["public.example"]), req)
    assert parse_qs(urlsplit(trusted.location or "").query)["redirect_url"] == [
        "https://public.example/dashboard"
    ]


# ------------------------------------------------------------------ machine tokens (40-44)
def test_40_api_key(prod: LocalClerkInstance, run: Runner, fake_clock: FakeClock) -> None:
    engine = prod.clerk()
    key = prod.api_key("user_42", scopes=["read"], name="ci")
    state = run(engine, doc(authorization=f"Bearer {key}"), accepts_token="api_key")
    auth = state.to_auth()
    assert isinstance(auth, MachineAuth)
    assert (auth.token_type, auth.user_id, auth.org_id, auth.name, auth.scopes) == (
        "api_key",
        "user_42",
        None,
        "ci",
        ["read"],
    )
    assert not auth.has(role="org:admin")
    org_key = prod.api_key("org_7")
    assert (
        run(engine, doc(authorization=f"Bearer {org_key}"), accepts_token="api_key")
        .to_auth()
        .org_id
        == "org_7"
    )
    prod.revoke(key)
    fake_clock.advance(engine.options.machine_token_cache_ttl)  # the revocation delay
    state = run(engine, doc(authorization=f"Bearer {key}"), accepts_token="api_key")
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid")
    assert state.message == "API key not found (code=token-invalid, status=404)"
    assert state.token_type == "api_key"


def test_41_single_type_mismatch(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(prod.clerk(), doc(authorization="Bearer ak_whatever"), accepts_token="m2m_token")
    assert (state.reason, state.token_type) == ("token-type-mismatch", "m2m_token")


def test_42_list_mismatch_makes_no_call(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    state = run(
        engine, doc(authorization="Bearer mt_whatever"), accepts_token=["api_key", "oauth_token"]
    )
    assert (state.reason, state.token_type) == ("token-type-mismatch", None)
    assert prod.requests == []


def test_43_machine_tokens_only_from_the_header(prod: LocalClerkInstance, run: Runner) -> None:
    key = prod.api_key()
    state = run(prod.clerk(), doc(cookies={"__session": key}), accepts_token="api_key")
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "No token in header")


def test_44_any_mode_routes_by_token(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    assert isinstance(
        run(engine, doc(authorization=f"Bearer {valid(prod)}"), accepts_token="any").to_auth(),
        SessionAuth,
    )
    oauth = run(
        engine, doc(authorization=f"Bearer {prod.oauth_token('user_5')}"), accepts_token="any"
    )
    auth = oauth.to_auth()
    assert isinstance(auth, MachineAuth)
    assert (auth.token_type, auth.user_id, auth.client_id) == (
        "oauth_token",
        "user_5",
        "client_test",
    )
    m2m = run(
        engine,
        doc(authorization=f"Bearer {prod.m2m_token('mch_9', scopes=['a'])}"),
        accepts_token="any",
    ).to_auth()
    assert (m2m.token_type, m2m.machine_id, m2m.scopes) == ("m2m_token", "mch_9", ["a"])


def test_machine_jwts_verify_locally(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    m2m = run(
        engine,
        doc(authorization=f"Bearer {prod.m2m_jwt('mch_1', scopes=['x', 'y'])}"),
        accepts_token="m2m_token",
    ).to_auth()
    assert (m2m.is_authenticated, m2m.machine_id, m2m.scopes) == (True, "mch_1", ["x", "y"])
    oauth = run(
        engine,
        doc(authorization=f"Bearer {prod.oauth_jwt('user_3', scopes=['email'])}"),
        accepts_token="oauth_token",
    ).to_auth()
    assert (oauth.user_id, oauth.scopes) == ("user_3", ["email"])
    forged = prod.sign(
        {"sub": "mch_1", "exp": T + 60, "iat": T},
        key=prod.other_private_key,
        headers={"cat": "cl_B7d4PD333AAA"},
    )
    state = run(engine, doc(authorization=f"Bearer {forged}"), accepts_token="m2m_token")
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid-signature")


def test_default_mode_reads_a_valid_api_key_as_signed_out(
    prod: LocalClerkInstance, run: Runner
) -> None:
    state = run(prod.clerk(), doc(authorization=f"Bearer {prod.api_key('user_1')}"))
    # Clerk's session-token mode verifies it as a JWT: token-invalid (not a three-part JWT).
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "token-invalid")
    assert state.to_auth().user_id is None


# ------------------------------------------------------------------ pending sessions (45)
def test_45_pending_session(prod: LocalClerkInstance, run: Runner) -> None:
    state = run(prod.clerk(), doc(authorization=f"Bearer {valid(prod, sts='pending')}"))
    assert state.status is AuthStatus.SIGNED_IN
    auth = state.to_auth()
    assert isinstance(auth, SignedOutAuth)
    assert (auth.user_id, auth.session_status, auth.is_authenticated) == (None, "pending", False)
    full = state.to_auth(treat_pending_as_signed_out=False)
    assert isinstance(full, SessionAuth)
    assert full.session_status == "pending"


# ------------------------------------------------------------------ engine configuration
def test_engine_requires_keys_at_start_up() -> None:
    with pytest.raises(ClerkConfigurationError, match="publishable key"):
        Clerk(ClerkOptions(secret_key="sk_test_abcdefghijklmnop"))
    # A publishable key alone verifies sessions (docs/publishable-key-only.md); accepting tokens
    # only the Backend API verifies still needs the secret key.
    Clerk(ClerkOptions(publishable_key="pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")).close()
    with pytest.raises(ClerkConfigurationError, match="secret key"):
        Clerk(ClerkOptions(publishable_key="pk_test_Y2xlcmsuZXhhbXBsZS5jb20k", accepts_token="any"))


def test_api_key_only_engine_needs_no_publishable_key(
    prod: LocalClerkInstance, run: Runner
) -> None:
    engine = Clerk(
        ClerkOptions(accepts_token="api_key", secret_key=prod.secret_key, api_url=prod.api_url),
        http_client=httpx.Client(transport=prod.transport()),
        async_http_client=httpx.AsyncClient(transport=prod.transport()),
    )
    key = prod.api_key("user_1")
    assert run(engine, doc(authorization=f"Bearer {key}")).to_auth().user_id == "user_1"


def test_unexpected_errors_are_signed_out_never_raised(
    prod: LocalClerkInstance, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = prod.clerk()

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("clerk_core._verify.check_session_claims", boom)
    state = run(engine, doc(authorization=f"Bearer {valid(prod)}"))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "unexpected-error")


def test_invalid_per_call_accepts_token_is_a_configuration_error(prod: LocalClerkInstance) -> None:
    with pytest.raises(ClerkConfigurationError):
        prod.clerk().authenticate_request(doc(), accepts_token="jwt")


# ------------------------------------------------------------------ refresh (case 34)
def expired_cookie_request(
    instance: LocalClerkInstance,
    *,
    refresh: str | None,
    suffixed_refresh: bool = True,
    method: str = "GET",
) -> RequestView:
    s = instance.cookie_suffix
    expired = instance.expired_token("user_r")
    cookies = {f"__session_{s}": expired, f"__client_uat_{s}": str(int(T - 500))}
    if refresh is not None:
        name = instance.refresh_cookie_name if suffixed_refresh else "__refresh"
        cookies[name] = refresh
    return doc(method=method, cookies=cookies, sec_fetch_dest="empty", accept="application/json")


def engine_with_api(
    instance: LocalClerkInstance, handler: Callable[[httpx.Request], httpx.Response]
) -> Clerk:
    """An engine whose Backend API calls go to ``handler``."""
    transport = httpx.MockTransport(handler)
    return Clerk(
        instance.options(),
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        clock=instance.clock,
    )


def test_34_expired_cookie_is_refreshed(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    refresh = prod.refresh_token("user_r", org_id="org_1", org_role="org:admin")
    state = run(engine, expired_cookie_request(prod, refresh=refresh))
    assert state.status is AuthStatus.SIGNED_IN, state.reason
    auth = state.to_auth()
    assert (auth.user_id, auth.org_role) == ("user_r", "org:admin")
    set_cookies = [v for k, v in state.headers if k == "set-cookie"]
    assert any(c.startswith(f"__session_{prod.cookie_suffix}={state.token};") for c in set_cookies)
    assert any(c.startswith(f"__client_uat_{prod.cookie_suffix}=") for c in set_cookies)
    call = next(r for r in prod.requests if r.url.path.endswith("/refresh"))
    assert call.url.params["suffixed_cookies"] == "true"
    assert call.headers["authorization"] == f"Bearer {prod.secret_key}"


def test_34_unsuffixed_refresh_cookie_is_ignored(prod: LocalClerkInstance, run: Runner) -> None:
    refresh = prod.refresh_token("user_r")
    state = run(prod.clerk(), expired_cookie_request(prod, refresh=refresh, suffixed_refresh=False))
    assert state.reason == "session-token-expired-refresh-non-eligible-no-refresh-cookie"


def test_refresh_errors_name_their_cause(prod: LocalClerkInstance, run: Runner) -> None:
    engine = prod.clerk()
    state = run(engine, expired_cookie_request(prod, refresh="rt_unknown"))
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "session-token-expired-refresh-invalid_refresh_token",
    )
    post = expired_cookie_request(prod, refresh=prod.refresh_token(), method="POST")
    assert run(engine, post).reason == "session-token-expired-refresh-non-eligible-non-get"
    networkless = prod.clerk(networkless=True, secret_key=None)
    state = run(networkless, expired_cookie_request(prod, refresh=prod.refresh_token()))
    assert state.reason == "session-token-expired-refresh-missing-api-client"


def test_refresh_with_an_unreachable_api_is_a_fetch_error(
    prod: LocalClerkInstance, run: Runner
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/refresh"):
            raise httpx.ConnectError("refused", request=request)
        return prod.transport().handle_request(request)

    engine = engine_with_api(prod, refuse)
    state = run(engine, expired_cookie_request(prod, refresh=prod.refresh_token()))
    assert state.reason == "session-token-expired-refresh-fetch-error"


def test_a_refreshed_token_that_fails_verification_is_not_accepted(
    prod: LocalClerkInstance, run: Runner
) -> None:
    forged = prod.other_key_token("user_r")

    def forge(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/refresh"):
            return httpx.Response(200, json={"cookies": [f"__session={forged}; Path=/"]})
        return prod.transport().handle_request(request)

    engine = engine_with_api(prod, forge)
    state = run(engine, expired_cookie_request(prod, refresh=prod.refresh_token()))
    assert (state.status, state.reason) == (
        AuthStatus.SIGNED_OUT,
        "session-token-expired-refresh-invalid-session-token",
    )


# ------------------------------------------------------------------ multi-domain sync (dev)
def test_development_satellite_goes_to_the_primary_sign_in(
    fake_clock: FakeClock, run: Runner
) -> None:
    sat = LocalClerkInstance(frontend_api="clerk.primary.test", clock=fake_clock)
    engine = sat.clerk(
        is_satellite=True,
        domain="satellite.test",
        sign_in_url="https://primary.test/sign-in",
        allowed_hosts=["app.example"],
    )
    assert run(engine, doc()).reason == "session-token-and-uat-missing"
    state = run(engine, doc("/page?__clerk_synced=false"))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "satellite-needs-syncing")
    location = urlsplit(state.location or "")
    assert (location.netloc, location.path) == ("primary.test", "/sign-in")
    assert parse_qs(location.query)["__clerk_redirect_url"] == [
        "https://app.example/page?__clerk_synced=false"
    ]


def test_development_satellite_needs_an_absolute_sign_in_url() -> None:
    sat = LocalClerkInstance(frontend_api="clerk.primary.test")
    with pytest.raises(ClerkConfigurationError, match="sign_in_url"):
        sat.options(is_satellite=True, domain="satellite.test")
    with pytest.raises(ClerkConfigurationError, match="sign_in_url"):
        sat.options(is_satellite=True, domain="satellite.test", sign_in_url="/sign-in")


def test_development_primary_answers_its_own_satellites_only(
    dev: LocalClerkInstance, run: Runner
) -> None:
    engine = dev.clerk(authorized_parties=("https://app.example", "https://sat.example"))
    cookies = {"__clerk_db_jwt": dev.dev_browser_token}
    back = "https://sat.example/after?x=1&__clerk_synced=false"
    state = run(engine, doc(f"/sign-in?__clerk_redirect_url={quote(back)}", cookies=cookies))
    assert (state.status, state.reason) == (AuthStatus.HANDSHAKE, "primary-responds-to-syncing")
    location = urlsplit(state.location or "")
    query = parse_qs(location.query)
    assert (location.netloc, location.path) == ("sat.example", "/after")
    assert query["__clerk_synced"] == ["true"]
    assert query["__clerk_db_jwt"] == [dev.dev_browser_token]
    assert query["x"] == ["1"]
    for evil in (
        "https://evil.example/steal",
        "https://sat.example@evil.example/",
        "//evil.example/",
        "https:\\\\evil.example/",
        "javascript:alert(1)",
        "https://sat.example\\@evil.example/",
    ):
        state = run(engine, doc(f"/sign-in?__clerk_redirect_url={quote(evil)}", cookies=cookies))
        assert state.reason != "primary-responds-to-syncing", evil
        assert "evil.example" not in (state.location or "")
        assert dev.dev_browser_token not in (state.location or "")


# ------------------------------------------------------------------ handshake return (37-38)
def test_37_handshake_nonce_production(prod: LocalClerkInstance, run: Runner) -> None:
    token = valid(prod, "user_hs")
    directives = [
        f"__session={token}; Path=/; Secure; SameSite=Lax",
        f"__client_uat={int(T) - 5}; Path=/; Secure; SameSite=Lax",
    ]
    nonce = prod.backend.handshake_nonce(directives)
    state = run(prod.clerk(), doc(f"/dashboard?__clerk_handshake_nonce={nonce}"))
    assert state.status is AuthStatus.SIGNED_IN
    assert state.to_auth().user_id == "user_hs"
    assert [v for k, v in state.headers if k == "set-cookie"] == directives
    assert state.header("access-control-allow-origin") == "null"
    assert state.header("access-control-allow-credentials") == "true"
    assert state.location is None  # production: the request goes on
    call = next(r for r in prod.requests if r.url.path.endswith("/clients/handshake_payload"))
    assert call.url.params["nonce"] == nonce


def test_37_handshake_nonce_development_redirects_to_the_clean_url(
    dev: LocalClerkInstance, run: Runner
) -> None:
    token = valid(dev, "user_hs")
    nonce = dev.backend.handshake_nonce([f"__session={token}; Path=/"])
    state = run(dev.clerk(), doc(f"/page?a=1&__clerk_handshake_nonce={nonce}&__clerk_db_jwt=x"))
    # Clerk's resolveHandshake: signed in, with a Location the adapters answer with a 307.
    assert state.status is AuthStatus.SIGNED_IN
    assert state.location == "https://app.example/page?a=1"
    assert (
        state.header(
            "set-cookie",
        )
        == f"__session={token}; Path=/"
    )


def test_38_handshake_without_a_session(prod: LocalClerkInstance, run: Runner) -> None:
    nonce = prod.backend.handshake_nonce(["__client_uat=0; Path=/"])
    state = run(prod.clerk(), doc(f"/?__clerk_handshake_nonce={nonce}"))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, "session-token-missing")
    assert state.header("set-cookie") == "__client_uat=0; Path=/"


def test_legacy_handshake_token(prod: LocalClerkInstance, run: Runner) -> None:
    token = valid(prod, "user_legacy")
    signed = prod.sign({"handshake": [f"__session={token}; Path=/"]}, headers={"cat": None})
    state = run(prod.clerk(), doc(f"/?__clerk_handshake={signed}"))
    assert (state.status, state.to_auth().user_id) == (AuthStatus.SIGNED_IN, "user_legacy")
    forged = prod.sign({"handshake": [f"__session={token}; Path=/"]}, key=prod.other_private_key)
    state = run(prod.clerk(), doc(f"/?__clerk_handshake={forged}"))
    assert state.reason == "session-token-and-uat-missing"  # ignored: the normal procedure ran
