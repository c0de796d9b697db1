"""ClerkOptions: validation at construction, messages that say how to fix, no secret anywhere."""

from __future__ import annotations

import base64
import inspect
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from clerk_core import ClerkConfigurationError, ClerkOptions, cookie_suffix, parse_publishable_key
from clerk_core.testing import LocalClerkInstance
from tests.conftest import load_vectors

SECRET = "sk_test_abcdefghijklmnopqrstuvwxyz0123456789"
PK = "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"  # clerk.example.com


def build(**values: Any) -> ClerkOptions:
    """ClerkOptions from settings chosen at run time (wrong types included, on purpose)."""
    return ClerkOptions(**values)


def pem_of(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_publishable_key_decodes_to_frontend_api_and_instance_type() -> None:
    assert parse_publishable_key("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k") == (
        "clerk.example.com",
        "development",
    )
    assert parse_publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k") == (
        "clerk.example.com",
        "production",
    )
    # Padded keys decode too (Clerk's own keys drop the padding).
    assert parse_publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5pbyQ=")[0] == "clerk.example.io"


def test_shared_publishable_key_and_suffix_vectors() -> None:
    data = load_vectors("clerk_cookie_and_keys.json")
    for case in data["publishable_key_decoding"]:
        options = ClerkOptions(publishable_key=case["pk"])
        assert options.frontend_api == case["frontend_api"]
        assert options.issuer == case["expected_iss"]
    for case in data["cookie_suffix_vectors"]:
        assert cookie_suffix(case["pk"]) == case["suffix"]


def test_suffix_vectors_from_clerk_semantics() -> None:
    assert cookie_suffix("pk_live_Y2xlcmsuY2xlcmsuZGV2JA") == "1Z8AzTQD"
    assert cookie_suffix("pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA") == "MqCvchyS"


@pytest.mark.parametrize(
    "key",
    [
        "pk_foo_Y2xlcmsuZXhhbXBsZS5jb20k",
        "sk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
        "pk_test_!!!!",
        "pk_test_" + base64.b64encode(b"clerk.clerk.dev").decode(),  # no trailing $
        "pk_test_" + base64.b64encode(b"clerk.clerk.dev$$").decode(),  # two $
        "pk_test_" + base64.b64encode(b"localhost$").decode(),  # no dot
        "pk_test_" + base64.b64encode(b"evil.com/path$").decode(),
        "pk_test_",
    ],
)
def test_malformed_publishable_keys_fail_at_construction(key: str) -> None:
    with pytest.raises(ClerkConfigurationError, match="publishable_key"):
        ClerkOptions(publishable_key=key)


@pytest.mark.parametrize(
    "secret",
    [
        "sk_test_short",
        "sk_foo_abcdefghijkl",
        "pk_test_abcdefghijklmn",
        "sk_test_abc def ghi jkl",
        "whsec_abcdefghijklmnop",
    ],
)
def test_malformed_secret_key_fails_without_echoing_it(secret: str) -> None:
    with pytest.raises(ClerkConfigurationError) as info:
        ClerkOptions(secret_key=secret, publishable_key=PK)
    assert "secret_key" in str(info.value)
    assert secret not in str(info.value)


def test_mixed_environment_keys_are_a_configuration_error() -> None:
    live_secret = "sk_live_abcdefghijklmnopqrstuvwxyz0123"
    with pytest.raises(ClerkConfigurationError, match="different environments") as info:
        ClerkOptions(secret_key=live_secret, publishable_key=PK)
    assert live_secret not in str(info.value)
    with pytest.raises(ClerkConfigurationError, match="different environments"):
        ClerkOptions(secret_key=SECRET, publishable_key="pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")


def test_secrets_never_appear_in_repr() -> None:
    options = ClerkOptions(
        secret_key=SECRET,
        publishable_key=PK,
        webhook_signing_secret="whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0",
        machine_secret_key="ak_machinesecret123456",
    )
    text = repr(options) + str(options)
    for secret in (SECRET, "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "ak_machinesecret123456"):
        assert secret not in text
    assert "clerk.example.com" in text


def test_pem_key_must_be_rsa_of_at_least_2048_bits() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    with pytest.raises(ClerkConfigurationError, match="1024-bit"):
        ClerkOptions(publishable_key=PK, jwt_key=pem_of(small))
    with pytest.raises(ClerkConfigurationError, match="RSA"):
        ClerkOptions(publishable_key=PK, jwt_key=pem_of(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(ClerkConfigurationError, match="PEM"):
        ClerkOptions(
            publishable_key=PK, jwt_key="-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"
        )


def test_pem_key_accepts_escaped_newlines_and_bare_body() -> None:
    pem = LocalClerkInstance().public_key_pem()
    escaped = pem.replace("\n", "\\n")
    assert ClerkOptions(publishable_key=PK, jwt_key=escaped).public_key is not None
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    assert ClerkOptions(publishable_key=PK, jwt_key=body).public_key is not None


def test_from_env_reads_clerk_variables_and_overrides_win() -> None:
    env = {
        "CLERK_SECRET_KEY": SECRET,
        "CLERK_PUBLISHABLE_KEY": PK,
        "CLERK_AUTHORIZED_PARTIES": "https://a.example, https://b.example:8443",
        "CLERK_API_URL": "https://api.clerk.test/",
        "CLERK_API_VERSION": "v1",
        "CLERK_SIGN_IN_URL": "/sign-in",
        "CLERK_WEBHOOK_SIGNING_SECRET": "",
    }
    options = ClerkOptions.from_env(env, clock_skew=10)
    assert options.secret_key == SECRET
    assert options.authorized_parties == ("https://a.example", "https://b.example:8443")
    assert options.api_url == "https://api.clerk.test"
    assert options.jwks_url == "https://api.clerk.test/v1/jwks"
    assert options.sign_in_url == "/sign-in"
    assert options.webhook_signing_secret is None
    assert options.clock_skew == 10.0


@pytest.mark.parametrize(
    "party",
    [
        "https://a.example/",
        "a.example",
        "https://a.example/path",
        "https://user@a.example",
        "ftp://a.example",
    ],
)
def test_authorized_parties_must_be_origins(party: str) -> None:
    with pytest.raises(ClerkConfigurationError, match="authorized_parties"):
        ClerkOptions(publishable_key=PK, authorized_parties=[party])


def test_allowed_hosts_from_the_environment_and_as_a_string() -> None:
    env = {"CLERK_PUBLISHABLE_KEY": PK, "CLERK_ALLOWED_HOSTS": "app.example, .example.com,"}
    assert ClerkOptions.from_env(env).allowed_hosts == ("app.example", ".example.com")
    assert ClerkOptions(
        publishable_key=PK, allowed_hosts="a.example,b.example:8443"
    ).allowed_hosts == (
        "a.example",
        "b.example:8443",
    )
    good = ["app.example", "APP.example:8443", ".example.com", "*", "https://app.example", "[::1]"]
    assert ClerkOptions(publishable_key=PK, allowed_hosts=good).allowed_hosts == tuple(good)
    assert ClerkOptions(publishable_key=PK).allowed_hosts == ()


@pytest.mark.parametrize(
    "entry",
    [
        "https://app.example/",
        "https://app.example/path",
        "app.example/path",
        "user@app.example",
        "ftp://app.example",
        "app.example:0",
        "app.example:99999",
        "app.example:",
        "*.example.com",
        "app .example",
        "..example.com",
        ".[::1]",
        "",
        "app_1.example",
    ],
)
def test_allowed_hosts_entries_are_validated_at_construction(entry: str) -> None:
    with pytest.raises(ClerkConfigurationError, match="allowed_hosts entry") as raised:
        ClerkOptions(publishable_key=PK, allowed_hosts=[entry])
    assert ".example.com" in str(raised.value)  # the message shows the accepted forms


def test_allowed_hosts_must_be_a_list_of_strings() -> None:
    with pytest.raises(ClerkConfigurationError, match="allowed_hosts"):
        ClerkOptions(publishable_key=PK, allowed_hosts=[re.compile("x")])  # type: ignore[list-item]
    with pytest.raises(ClerkConfigurationError, match="allowed_hosts"):
        ClerkOptions(publishable_key=PK, allowed_hosts=42)  # type: ignore[arg-type]


def test_clock_skew_rules() -> None:
    assert ClerkOptions(clock_skew=float("nan")).clock_skew == 5.0
    assert ClerkOptions(clock_skew=float("inf")).clock_skew == 5.0
    assert ClerkOptions(clock_skew=0).clock_skew == 0.0
    with pytest.raises(ClerkConfigurationError):
        ClerkOptions(clock_skew=-1)
    with pytest.raises(ClerkConfigurationError):
        ClerkOptions(clock_skew="5")  # type: ignore[arg-type]


def test_accepts_token_is_validated() -> None:
    assert ClerkOptions(accepts_token=["api_key", "m2m_token"]).accepts_token == (
        "api_key",
        "m2m_token",
    )
    assert ClerkOptions(accepts_token="any").accepted_token_types == (
        "session_token",
        "api_key",
        "m2m_token",
        "oauth_token",
    )
    with pytest.raises(ClerkConfigurationError, match="accepts_token"):
        ClerkOptions(accepts_token="jwt")
    with pytest.raises(ClerkConfigurationError, match="accepts_token"):
        ClerkOptions(accepts_token=[])


def test_satellite_needs_domain_or_proxy() -> None:
    live = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k"
    with pytest.raises(ClerkConfigurationError, match="satellite"):
        ClerkOptions(publishable_key=live, is_satellite=True)
    assert ClerkOptions(publishable_key=live, is_satellite=True, domain="sat.example").is_satellite


def test_options_are_frozen() -> None:
    options = ClerkOptions(publishable_key=PK)
    with pytest.raises(AttributeError):
        options.secret_key = SECRET  # type: ignore[misc]


# ------------------------------------------------------------------ every validation step
def test_publishable_key_must_be_a_string() -> None:
    with pytest.raises(ClerkConfigurationError, match="publishable_key must be a string"):
        parse_publishable_key(42)  # type: ignore[arg-type]


def test_accounts_host_of_an_empty_frontend_api_is_empty() -> None:
    from clerk_core.options import accounts_host

    assert accounts_host("") == ""
    assert accounts_host("clerk.example.com") == "accounts.example.com"


@pytest.mark.parametrize(
    "name",
    [
        "secret_key",
        "publishable_key",
        "jwt_key",
        "machine_secret_key",
        "webhook_signing_secret",
        "sign_in_url",
        "sign_up_url",
        "proxy_url",
        "domain",
    ],
)
def test_string_settings_must_be_strings_and_blank_means_unset(name: str) -> None:
    with pytest.raises(ClerkConfigurationError, match=f"{name} must be a string or None"):
        build(**{name: 42})
    assert getattr(build(**{name: "   "}), name) is None


def test_string_settings_are_trimmed() -> None:
    options = ClerkOptions(publishable_key=f"  {PK} ", sign_in_url=" /sign-in\n")
    assert (options.publishable_key, options.sign_in_url) == (PK, "/sign-in")


def test_authorized_parties_as_a_comma_separated_string_and_wrong_types() -> None:
    options = ClerkOptions(authorized_parties="https://a.example, https://b.example,")
    assert options.authorized_parties == ("https://a.example", "https://b.example")
    with pytest.raises(ClerkConfigurationError, match="authorized_parties must be a list"):
        ClerkOptions(authorized_parties=[42])  # type: ignore[list-item]
    with pytest.raises(ClerkConfigurationError, match="authorized_parties must be a list"):
        ClerkOptions(authorized_parties=42)  # type: ignore[arg-type]


def test_allowed_redirect_origins_accept_origins_wildcards_and_patterns() -> None:
    pattern = re.compile(r"https://[a-z]+\.example\.com")
    assert ClerkOptions(allowed_redirect_origins="https://a.example").allowed_redirect_origins == (
        "https://a.example",
    )
    assert ClerkOptions(allowed_redirect_origins=pattern).allowed_redirect_origins == (pattern,)  # type: ignore[arg-type]
    both = ClerkOptions(allowed_redirect_origins=["https://*.example.com", pattern])
    assert both.allowed_redirect_origins == ("https://*.example.com", pattern)
    for bad in ("a.example", "javascript:alert(1)", 42):
        with pytest.raises(ClerkConfigurationError, match="allowed_redirect_origins entry"):
            ClerkOptions(allowed_redirect_origins=[bad])  # type: ignore[list-item]


def test_organization_sync_patterns_are_compiled_at_construction() -> None:
    options = ClerkOptions(
        organization_patterns="/orgs/:slug",
        personal_account_patterns=["/me", "/me/(.*)"],
    )
    assert options.organization_patterns == ("/orgs/:slug",)
    assert options.personal_account_patterns == ("/me", "/me/(.*)")
    for name in ("organization_patterns", "personal_account_patterns"):
        with pytest.raises(ClerkConfigurationError, match=f"{name} must be a list of path"):
            build(**{name: [42]})
        with pytest.raises(ClerkConfigurationError):
            build(**{name: ["/orgs/("]})


def test_statuses_and_flags() -> None:
    assert (
        ClerkOptions(unauthenticated_status=404, unauthorized_status=404).unauthorized_status == 404
    )
    with pytest.raises(ClerkConfigurationError, match="unauthenticated_status must be 401 or 404"):
        ClerkOptions(unauthenticated_status=403)
    with pytest.raises(ClerkConfigurationError, match="unauthorized_status must be 403 or 404"):
        ClerkOptions(unauthorized_status=401)
    for name in ("csrf_origin_check", "is_satellite", "satellite_auto_sync"):
        with pytest.raises(ClerkConfigurationError, match=f"{name} must be True or False"):
            build(**{name: "yes"})


def test_audience_is_a_string_or_a_list_of_strings() -> None:
    assert ClerkOptions(audience="api").audience == ("api",)
    assert ClerkOptions(audience=["a", "b"]).audience == ("a", "b")
    assert ClerkOptions().audience is None
    with pytest.raises(ClerkConfigurationError, match="audience must be a string or a list"):
        ClerkOptions(audience=["a", 1])  # type: ignore[list-item]


def test_api_url_and_version() -> None:
    options = ClerkOptions(api_url=" https://api.example.test/ ", api_version="/v2/")
    assert (options.api_url, options.api_version) == ("https://api.example.test", "v2")
    assert options.jwks_url == "https://api.example.test/v2/jwks"
    for bad_url in ("api.clerk.com", "ftp://api.clerk.com", "", 42):
        with pytest.raises(ClerkConfigurationError, match="api_url must be an absolute"):
            ClerkOptions(api_url=bad_url)  # type: ignore[arg-type]
    for bad_version in ("", "/", "v1/users", 1):
        with pytest.raises(ClerkConfigurationError, match="api_version must be"):
            ClerkOptions(api_version=bad_version)  # type: ignore[arg-type]


DURATIONS = (
    "jwks_cache_ttl",
    "jwks_stale_if_error",
    "jwks_kid_cooldown",
    "jwks_negative_cache_ttl",
    "jwks_fetch_timeout",
    "jwks_connect_timeout",
    "jwks_backoff_initial",
    "jwks_backoff_max",
)
SIZES = (
    "api_max_body_bytes",
    "jwks_negative_cache_size",
    "jwks_max_body_bytes",
    "max_token_bytes",
    "max_cookie_header_bytes",
    "max_webhook_body_bytes",
    "token_cache_size",
)


@pytest.mark.parametrize("name", DURATIONS)
def test_durations_are_finite_non_negative_seconds(name: str) -> None:
    assert getattr(build(**{name: 0}), name) == 0
    assert getattr(build(**{name: 1.5}), name) == 1.5
    for bad in (-1, float("nan"), float("inf"), True, "5", None):
        with pytest.raises(ClerkConfigurationError, match=f"{name} must be a finite number"):
            build(**{name: bad})


@pytest.mark.parametrize("name", SIZES)
def test_sizes_are_whole_non_negative_numbers(name: str) -> None:
    assert getattr(build(**{name: 0}), name) == 0
    for bad in (-1, 1.5, True, "5", None):
        with pytest.raises(ClerkConfigurationError, match=f"{name} must be a whole number"):
            build(**{name: bad})


def test_clock_skew_from_the_environment() -> None:
    assert ClerkOptions.from_env({"CLERK_CLOCK_SKEW": " 7.5 "}).clock_skew == 7.5
    with pytest.raises(
        ClerkConfigurationError, match="CLERK_CLOCK_SKEW must be a number"
    ) as raised:
        ClerkOptions.from_env({"CLERK_CLOCK_SKEW": "soon"})
    assert "'soon'" in str(raised.value)


def test_development_satellite_needs_an_absolute_sign_in_url() -> None:
    with pytest.raises(ClerkConfigurationError, match="development satellite needs sign_in_url"):
        ClerkOptions(publishable_key=PK, is_satellite=True, domain="sat.example", sign_in_url="/in")
    options = ClerkOptions(
        publishable_key=PK,
        is_satellite=True,
        domain="sat.example",
        sign_in_url="https://primary.example/sign-in",
    )
    assert options.satellite_frontend_api is None  # development: the key's Frontend API serves it


def test_the_first_wrong_setting_is_reported() -> None:
    # Validation runs in a fixed order; the error names the earliest wrong setting.
    with pytest.raises(ClerkConfigurationError, match="publishable_key"):
        ClerkOptions(publishable_key="nope", secret_key="nope", api_url="nope")
    with pytest.raises(ClerkConfigurationError, match="domain"):
        ClerkOptions(domain="https://x.example/", secret_key="nope")
    with pytest.raises(ClerkConfigurationError, match="secret_key"):
        ClerkOptions(secret_key="nope", jwt_key="nope", authorized_parties=["x"])
    with pytest.raises(ClerkConfigurationError, match="api_url"):
        ClerkOptions(api_url="nope", jwks_cache_ttl=-1, max_token_bytes=-1)


def test_a_misspelt_option_names_the_closest_valid_one() -> None:
    with pytest.raises(TypeError, match=r"'secret_ky' \(did you mean 'secret_key'\?\)"):
        ClerkOptions(secret_ky="sk_test_x")  # type: ignore[call-arg]
    with pytest.raises(TypeError) as info:
        ClerkOptions.from_env({}, authorised_parties=["https://a.test"], zzz=1)
    message = str(info.value)
    assert "'authorised_parties' (did you mean 'authorized_parties'?)" in message
    assert "'zzz'; see ClerkOptions" in message  # nothing close: no guess
    assert "secret_key" in inspect.signature(ClerkOptions).parameters  # IDE help still works


def test_each_adapter_names_the_closest_option() -> None:
    pytest.importorskip("flask")
    pytest.importorskip("starlette")
    from flask import Flask
    from starlette.applications import Starlette

    from clerk_flask import Clerk as FlaskClerk
    from clerk_starlette import ClerkMiddleware

    with pytest.raises(TypeError, match="did you mean 'authorized_parties'"):
        FlaskClerk(Flask(__name__), authorised_parties=["https://a.test"])
    with pytest.raises(TypeError, match="did you mean 'publishable_key'"):
        ClerkMiddleware(Starlette(), publishable_ky="pk_test_x")
