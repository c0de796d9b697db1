"""The Host header never chooses a redirect's origin unless valid and allowed (Policy 13)."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_core import ClerkOptions, RequestView
from clerk_core.hosts import public_origin, split_host, trusted_public_url

PK = "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"  # clerk.example.com


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("app.test", ("app.test", None)),
        ("APP.Test:8443", ("app.test", 8443)),  # case-insensitive, kept lower-case
        ("app.test.", ("app.test", None)),  # the trailing dot of a fully qualified name
        ("localhost", ("localhost", None)),
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("[::1]:8000", ("[::1]", 8000)),
        ("[2001:DB8:0::1]", ("[2001:db8::1]", None)),
        ("xn--bcher-kva.example", ("xn--bcher-kva.example", None)),
        ("app.test:080", ("app.test", 80)),
        ("app.test:65535", ("app.test", 65535)),
    ],
)
def test_a_valid_host_is_split_and_normalised(value: str, expected: tuple[str, Any]) -> None:
    assert split_host(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "app.test@evil.example",  # user info
        "user:pw@app.test",
        "evil.example/x",  # a path
        "evil.example?x",
        "evil.example#x",
        "app.test\\evil.example",
        "app test",  # white space and controls
        " app.test",
        "app.test ",
        "app.test\r\nx",
        "app.test\t",
        "app.test:",  # empty, zero, too large, signed or non-numeric ports
        "app.test:0",
        "app.test:65536",
        "app.test:123456",
        "app.test:+80",
        "app.test:8o",
        "app.test:80:80",
        "::1",  # IPv6 needs its brackets
        "[::1",
        "[::1]x",
        "[::1]:",
        "[fe80::1%25eth0]",
        "[not-an-ip]",
        "[1.2.3.4]",
        "a..test",
        ".app.test",
        "app.test..",
        ".",
        "-app.test",
        "app-.test",
        "app_1.test",
        "bücher.example",
        "1.2.3.256",  # read as an IPv4 address by browsers
        "a" * 64 + ".test",
        ("a" * 60 + ".") * 5 + "test",
    ],
)
def test_anything_but_host_port_is_refused(value: str) -> None:
    assert split_host(value) is None


def options(**kwargs: Any) -> ClerkOptions:
    return ClerkOptions(publishable_key=PK, **kwargs)


def view(host: str, *, scheme: str = "https", **headers: str) -> RequestView:
    return RequestView("GET", f"{scheme}://{host}/p?q=1", {"host": host, **headers})


def origin(host: str, scheme: str = "https", /, **kwargs: Any) -> str | None:
    return public_origin(view(host, scheme=scheme), options(**kwargs))


def test_without_allowed_hosts_or_parties_any_valid_host_is_used() -> None:
    assert origin("anything.example:8443") == "https://anything.example:8443"
    assert origin("app.test@evil.example") is None
    url = trusted_public_url(view("App.Test."), options())
    assert url is not None
    assert url.geturl() == "https://app.test/p?q=1"  # normalised host, path and query kept


def test_a_malformed_host_header_is_refused_even_when_the_url_parses() -> None:
    # "Host: app.test/x" makes an adapter's URL "https://app.test/x/p": a valid-looking netloc.
    req = RequestView("GET", "https://app.test/x/p", {"host": "app.test/x"})
    assert trusted_public_url(req, options()) is None
    assert trusted_public_url(req, options(allowed_hosts=["app.test"])) is None


def test_allowed_hosts_entries() -> None:
    plain = {"allowed_hosts": ["app.example.com"]}
    assert origin("app.example.com", **plain) == "https://app.example.com"
    assert origin("APP.example.com.", **plain) == "https://app.example.com"
    assert origin("app.example.com:8443", **plain) == "https://app.example.com:8443"  # any port
    assert origin("evil.example", **plain) is None
    assert origin("app.example.com.evil.example", **plain) is None
    assert origin("sub.app.example.com", **plain) is None

    port = {"allowed_hosts": ["app.example.com:8443"]}
    assert origin("app.example.com:8443", **port) == "https://app.example.com:8443"
    assert origin("app.example.com", **port) is None
    assert origin("app.example.com:443", **port) is None

    domain = {"allowed_hosts": [".example.com"]}
    assert origin("example.com", **domain) == "https://example.com"
    assert origin("a.b.example.com:8000", **domain) == "https://a.b.example.com:8000"
    assert origin("evilexample.com", **domain) is None
    assert origin("example.com.evil.test", **domain) is None

    ipv6 = {"allowed_hosts": ["[::1]:8000"]}
    assert origin("[0:0::1]:8000", **ipv6) == "https://[::1]:8000"
    assert origin("[::2]:8000", **ipv6) is None

    anything = {"allowed_hosts": ["*"]}
    assert origin("whatever.example", **anything) == "https://whatever.example"
    assert origin("app.test@evil.example", **anything) is None  # "*" still needs a valid host


def test_origin_entries_and_the_authorized_parties_default() -> None:
    parties = {"authorized_parties": ["https://app.example.com", "http://localhost:3000"]}
    assert origin("app.example.com", **parties) == "https://app.example.com"
    assert origin("app.example.com:443", **parties) == "https://app.example.com:443"
    # A TLS-terminating proxy forwarding plain HTTP (forwarded headers not trusted) still matches.
    assert origin("app.example.com", "http", **parties) == "http://app.example.com"
    assert origin("app.example.com:8443", **parties) is None
    assert origin("localhost:3000", "http", **parties) == "http://localhost:3000"
    assert origin("localhost", "http", **parties) is None
    assert origin("localhost:3001", "http", **parties) is None
    assert origin("evil.example", **parties) is None
    # allowed_hosts, when set, replaces the default.
    both = {**parties, "allowed_hosts": ["api.example.com"]}
    assert origin("api.example.com", **both) == "https://api.example.com"
    assert origin("app.example.com", **both) is None
    # Origins are accepted in allowed_hosts as well.
    assert origin("app.example.com", allowed_hosts=["https://app.example.com"]) is not None


def test_a_forwarded_host_must_be_allowed_too() -> None:
    req = RequestView(
        "GET",
        "http://10.0.0.5:8000/p",
        {"host": "10.0.0.5:8000", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https"},
    )
    trusting = {"trust_forwarded_headers": True}
    assert public_origin(req, options(**trusting)) == "https://evil.example"  # nothing configured
    assert public_origin(req, options(**trusting, allowed_hosts=["app.example"])) is None
    req.headers["x-forwarded-host"] = "app.example"
    assert (
        public_origin(req, options(**trusting, allowed_hosts=["app.example"]))
        == "https://app.example"
    )
    # A malformed forwarded host is ignored, as before: the URL's own host is judged instead.
    req.headers["x-forwarded-host"] = "app.example@evil.example"
    assert public_origin(req, options(**trusting, allowed_hosts=["app.example"])) is None


def test_a_refusal_is_logged_without_raw_control_characters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    req = RequestView("GET", "https://app.example/p", {"host": "app.example\r\nx-injected: 1"})
    with caplog.at_level("WARNING", logger="clerk_core"):
        assert trusted_public_url(req, options(allowed_hosts=["app.example"])) is None
    assert "allowed_hosts" in caplog.text
    assert "x-injected" in caplog.text
    assert "\r\n" not in caplog.text


def test_a_flood_of_foreign_hosts_logs_a_few_warnings_a_minute(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that sends a foreign Host on every request cannot flood the log: ten warnings a
    minute say what to fix, the rest are DEBUG lines; the next minute warns again."""
    from clerk_core import hosts
    from tests.conftest import FakeClock

    clock = FakeClock(1000)
    monkeypatch.setattr(hosts, "_HOST_WARNINGS", hosts._WarningBudget(10, 60.0, clock))
    caplog.set_level("DEBUG", logger="clerk_core")
    allowed = options(allowed_hosts=["app.test"])
    for n in range(50):
        req = RequestView("GET", f"https://evil{n}.test/", {"host": f"evil{n}.test"})
        assert trusted_public_url(req, allowed) is None
    levels = [r.levelname for r in caplog.records if "no redirect built" in r.getMessage()]
    assert levels == ["WARNING"] * 10 + ["DEBUG"] * 40
    clock.advance(60)
    caplog.clear()
    trusted_public_url(RequestView("GET", "https://x.test/", {"host": "x.test"}), allowed)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
