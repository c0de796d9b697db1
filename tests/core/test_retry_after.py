"""One ``Retry-After`` reader for the JWKS cache and the Backend API clients: RFC 9110's two forms
(delta-seconds and HTTP-date), junk ignored, and every answer clamped to a day."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from clerk_core import Clerk, ClerkAPIError, RequestView
from clerk_core._retry import MAX_RETRY_AFTER, retry_after_seconds, retry_after_whole_seconds
from clerk_core.backend_api import ApiPolicy, BackendAPI
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock

NOW = 1_445_412_400.0  # Wed, 21 Oct 2015 07:26:40 GMT


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("3", 3.0),
        (" 120 ", 120.0),
        ("007", 7.0),
        ("86400", 86_400.0),
        ("86401", MAX_RETRY_AFTER),  # clamped to a day
        ("999999999", MAX_RETRY_AFTER),
        ("9" * 5000, MAX_RETRY_AFTER),  # never converted: past Python's int-string limit
        ("Wed, 21 Oct 2015 07:28:00 GMT", 80.0),  # IMF-fixdate
        ("Wed, 21 Oct 2015 07:28:00 -0000", 80.0),
        ("Wed, 21 Oct 2015 09:28:00 +0200", 80.0),  # the zone is honoured
        ("Wednesday, 21-Oct-15 07:28:00 GMT", 80.0),  # the obsolete RFC 850 form
        ("Wed Oct 21 07:28:00 2015", 80.0),  # and asctime's
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),  # in the past: no wait
        ("Thu, 01 Jan 9999 00:00:00 GMT", MAX_RETRY_AFTER),
    ],
)
def test_the_two_forms(value: str, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "-5",
        "+5",
        "5.5",
        "1e3",
        "0x10",
        "\uff15",  # a non-ASCII digit (FULLWIDTH DIGIT FIVE)
        "soon",
        "Mon, 99 Foo 2020 25:61:00 GMT",
        "\x00",
    ],
)
def test_junk_is_ignored(value: str | None) -> None:
    assert retry_after_seconds(value, now=NOW) is None


def test_whole_seconds_round_up() -> None:
    assert retry_after_whole_seconds("Wed, 21 Oct 2015 07:26:41 GMT", now=NOW - 0.5) == 2
    assert retry_after_whole_seconds("3") == 3
    assert retry_after_whole_seconds("junk") is None


def test_an_http_date_is_measured_from_now() -> None:
    later = email.utils.formatdate(time.time() + 100, usegmt=True)
    assert 95 <= (retry_after_seconds(later) or 0) <= 101


# ------------------------------------------------------------------------------ both callers
@pytest.mark.parametrize(
    ("header", "expected"),
    [("30", 30), ("9" * 5000, 86_400), ("-1", None), ("junk", None)],
)
def test_the_backend_api_reports_retry_after(header: str, expected: int | None) -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={}, headers={"retry-after": header})

    api = BackendAPI(
        "sk_test_" + "a" * 40,
        http_client=httpx.Client(transport=httpx.MockTransport(limited)),
        policy=ApiPolicy(max_attempts=1),
    )
    with pytest.raises(ClerkAPIError) as info:
        api.users.get("user_1")
    assert (info.value.status, info.value.retry_after) == (429, expected)


def test_the_backend_api_waits_for_an_http_date() -> None:
    clock = FakeClock(0)
    waits: list[float] = []
    answers = [
        httpx.Response(
            429,
            json={},
            headers={"retry-after": email.utils.formatdate(time.time() + 4, usegmt=True)},
        ),
        httpx.Response(200, json={"object": "user", "id": "user_1"}),
    ]
    api = BackendAPI(
        "sk_test_" + "a" * 40,
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: answers.pop(0))),
        clock=clock,
        sleep=waits.append,
    )
    assert api.users.get("user_1").id == "user_1"
    assert len(waits) == 1
    assert 3 <= waits[0] <= 5


def test_the_jwks_cache_honours_an_http_date() -> None:
    clock = FakeClock()
    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.retry.test",
        authorized_parties=(),
        clock=clock,
    )
    fetches: list[httpx.Request] = []
    state = {"limited": True}

    def jwks(request: httpx.Request) -> httpx.Response:
        fetches.append(request)
        if state["limited"]:
            later = email.utils.formatdate(time.time() + 45, usegmt=True)
            return httpx.Response(429, json={}, headers={"retry-after": later})
        return httpx.Response(200, json=instance.jwks())

    engine = Clerk(
        instance.options(token_cache_size=0),
        http_client=httpx.Client(transport=httpx.MockTransport(jwks)),
        clock=clock,
    )
    request = RequestView(
        "GET",
        "https://app.example/api",
        {"authorization": f"Bearer {instance.session_token(lifetime=600)}"},
    )
    assert engine.authenticate_request(request).reason == "jwk-remote-failed-to-load"
    assert len(fetches) == 1
    clock.advance(40)  # the date is 45 s ahead: no attempt before it
    assert engine.authenticate_request(request).reason == "jwk-remote-failed-to-load"
    assert len(fetches) == 1
    state["limited"] = False
    clock.advance(10)
    assert engine.authenticate_request(request).is_authenticated
    assert len(fetches) == 2
    engine.close()
