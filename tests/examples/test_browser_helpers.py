"""The browser side of ``clerk_core.testing.e2e`` in headless Chromium, on 127.0.0.1 only.

* ``setup_testing_token``: a loopback stand-in for a Frontend API echoes what it received, so the
  tests see the testing token on the wire, the ``captcha_bypass`` rewrite, the retries, and that
  nothing outside the Frontend API is touched.
* ``sign_in`` / ``sign_out`` against Clerk: the decision and the Backend API calls are real (the
  local instance's fake Backend API, through a transport); ClerkJS is a stand-in on a page with no
  network, recording what the helper asked of ``window.Clerk``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("starlette")

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from clerk_core.testing import LocalClerkInstance
from clerk_core.testing.e2e import TESTING_TOKEN_PARAM, ClerkE2E, setup_testing_token
from tests.examples.conftest import require_playwright

require_playwright()


class EchoFrontendAPI:
    """``/__clerk/v1/client`` answers Clerk-like JSON with ``captcha_bypass: false`` and the query
    it got; ``/__clerk/v1/flaky`` answers 503 twice, then 200; ``/__clerk/v1/page`` is a page;
    ``/api/echo`` is the app's own API. Every request's query is recorded."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.flaky = 0
        self.app = Starlette(
            routes=[
                Route("/", self.home),
                Route("/__clerk/v1/client", self.client),
                Route("/__clerk/v1/flaky", self.flaky_endpoint),
                Route("/__clerk/v1/page", self.page),
                Route("/__clerk/v1/text", self.text),
                Route("/api/echo", self.client),
            ]
        )

    def _record(self, request: Request) -> dict[str, str]:
        query = dict(request.query_params)
        self.seen.append((request.url.path, query))
        return query

    async def home(self, request: Request) -> Response:
        return HTMLResponse("<!doctype html><title>app</title><p>app</p>")

    async def client(self, request: Request) -> Response:
        query = self._record(request)
        return JSONResponse(
            {
                "response": {"object": "client", "captcha_bypass": False},
                "client": {"captcha_bypass": False, "sessions": []},
                "query": query,
            }
        )

    async def flaky_endpoint(self, request: Request) -> Response:
        self._record(request)
        self.flaky += 1
        if self.flaky <= 2:
            return PlainTextResponse("busy", status_code=503)
        return JSONResponse({"response": {"captcha_bypass": True}, "attempt": self.flaky})

    async def page(self, request: Request) -> Response:
        query = self._record(request)
        return HTMLResponse(f"<!doctype html><pre id=query>{json.dumps(query)}</pre>")

    async def text(self, request: Request) -> Response:
        query = self._record(request)
        return PlainTextResponse(json.dumps({"response": {"captcha_bypass": False}, **query}))


FETCH_JSON = "async (url) => { const r = await fetch(url); return [r.status, await r.json()]; }"


@pytest.fixture
def echo(live_server_factory: Any) -> tuple[EchoFrontendAPI, str]:
    fake = EchoFrontendAPI()
    server = live_server_factory(fake.app)
    return fake, server.url


@pytest.fixture
def local_e2e() -> Iterator[ClerkE2E]:
    helper = ClerkE2E.from_env({})
    yield helper
    helper.close()


def test_the_testing_token_reaches_every_frontend_api_request(
    echo: tuple[EchoFrontendAPI, str], browser_page: Any, local_e2e: ClerkE2E
) -> None:
    fake, base = echo
    browser_page.goto(base + "/")
    local_e2e.setup_testing_token(browser_page)
    token = local_e2e.testing_token
    assert local_e2e.local_frontend is not None
    assert local_e2e.local_frontend.instance.backend.testing_tokens == [token]

    status, body = browser_page.evaluate(
        FETCH_JSON, f"{base}/__clerk/v1/client?_clerk_js_version=5"
    )
    assert status == 200
    assert fake.seen[-1] == (
        "/__clerk/v1/client",
        {"_clerk_js_version": "5", TESTING_TOKEN_PARAM: token},
    )
    # The answer ClerkJS sees lets it skip the bot-protection challenge.
    assert body["response"]["captcha_bypass"] is True
    assert body["client"]["captcha_bypass"] is True

    # The app's own API is left alone.
    _, body = browser_page.evaluate(FETCH_JSON, f"{base}/api/echo?x=1")
    assert fake.seen[-1] == ("/api/echo", {"x": "1"})
    assert body["response"]["captcha_bypass"] is False


def test_a_navigation_gets_the_token_and_keeps_the_browser_in_charge(
    echo: tuple[EchoFrontendAPI, str], browser_page: Any, local_e2e: ClerkE2E
) -> None:
    _fake, base = echo
    local_e2e.setup_testing_token(browser_page.context)
    browser_page.goto(f"{base}/__clerk/v1/page?redirect_url=%2F")
    assert browser_page.url == f"{base}/__clerk/v1/page?redirect_url=%2F"  # the URL it asked for
    shown = json.loads(browser_page.inner_text("#query"))
    assert shown == {"redirect_url": "/", TESTING_TOKEN_PARAM: local_e2e.testing_token}


def test_a_non_json_answer_passes_unchanged(
    echo: tuple[EchoFrontendAPI, str], browser_page: Any
) -> None:
    _fake, base = echo
    browser_page.goto(base + "/")
    setup_testing_token(browser_page, token="tok", frontend_api=f"{base}/__clerk")
    text = browser_page.evaluate(
        "async (url) => (await fetch(url)).text()", f"{base}/__clerk/v1/text"
    )
    assert json.loads(text) == {"response": {"captcha_bypass": False}, TESTING_TOKEN_PARAM: "tok"}


def test_busy_answers_are_retried_with_the_token(
    echo: tuple[EchoFrontendAPI, str], browser_page: Any
) -> None:
    fake, base = echo
    browser_page.goto(base + "/")
    setup_testing_token(browser_page, token="tok", frontend_api=f"{base}/__clerk", retry_delay=0.01)
    status, body = browser_page.evaluate(FETCH_JSON, f"{base}/__clerk/v1/flaky")
    assert (status, body["attempt"]) == (200, 3)
    assert fake.seen == [("/__clerk/v1/flaky", {TESTING_TOKEN_PARAM: "tok"})] * 3


def test_busy_answers_are_passed_on_when_retries_run_out(
    echo: tuple[EchoFrontendAPI, str], browser_page: Any
) -> None:
    fake, base = echo
    browser_page.goto(base + "/")
    setup_testing_token(
        browser_page, token="tok", frontend_api=f"{base}/__clerk", retries=1, retry_delay=0.01
    )
    status = browser_page.evaluate(
        "async (url) => (await fetch(url)).status", f"{base}/__clerk/v1/flaky"
    )
    assert (status, len(fake.seen)) == (503, 2)


def test_setting_up_twice_routes_once(echo: tuple[EchoFrontendAPI, str], browser_page: Any) -> None:
    """A second set-up of the same context is a no-op, so the first token stays (as in
    ``@clerk/testing``, where the context remembers that it is set up)."""
    fake, base = echo
    browser_page.goto(base + "/")
    setup_testing_token(browser_page, token="first", frontend_api=f"{base}/__clerk")
    setup_testing_token(browser_page.context, token="second", frontend_api=f"{base}/__clerk")
    browser_page.evaluate(FETCH_JSON, f"{base}/__clerk/v1/client")
    assert fake.seen[-1][1] == {TESTING_TOKEN_PARAM: "first"}


# ------------------------------------------------------------------------------ against Clerk
CLERKJS_STAND_IN = """<!doctype html><title>app</title><script>
window.__calls = [];
window.Clerk = {
  loaded: true,
  user: null,
  client: {
    signIn: {
      create: async (params) => {
        window.__calls.push(["signIn.create", params]);
        if (window.__status !== "complete") return { status: window.__status };
        return { status: "complete", createdSessionId: "sess_e2e" };
      },
    },
  },
  setActive: async (options) => {
    window.__calls.push(["setActive", options]);
    window.Clerk.user = { id: "user_1" };
  },
  signOut: async () => { window.__calls.push(["signOut"]); window.Clerk.user = null; },
};
window.__status = "complete";
</script>"""


@pytest.fixture
def instance() -> LocalClerkInstance:
    instance = LocalClerkInstance()
    instance.backend.add_user("user_1", email="one@example.test")
    return instance


@pytest.fixture
def clerk_mode(instance: LocalClerkInstance) -> Iterator[ClerkE2E]:
    """``ClerkE2E`` as CI builds it with a development instance's keys; its Backend API calls go to
    the local instance's fake Backend API through a transport, never to the network."""
    environ = {
        "CLERK_SECRET_KEY": instance.secret_key,
        "CLERK_PUBLISHABLE_KEY": instance.publishable_key,
        "CLERK_API_URL": instance.api_url,
    }
    helper = ClerkE2E.from_env(environ, http_client=httpx.Client(transport=instance.transport()))
    assert helper.mode == "clerk"
    yield helper
    helper.close()


def test_sign_in_with_a_ticket_through_clerkjs(
    browser_page: Any, clerk_mode: ClerkE2E, instance: LocalClerkInstance
) -> None:
    browser_page.set_content(CLERKJS_STAND_IN)
    clerk_mode.sign_in(browser_page, "one@example.test")

    [ticket] = instance.backend.sign_in_tokens.values()
    assert ticket["user_id"] == "user_1"
    assert ticket["_expires_at"] - ticket["created_at"] == 300_000  # five minutes
    assert browser_page.evaluate("window.__calls") == [
        ["signIn.create", {"strategy": "ticket", "ticket": ticket["token"]}],
        ["setActive", {"session": "sess_e2e"}],
    ]
    # The testing token was set up first, as clerk.signIn does.
    assert len(instance.backend.testing_tokens) == 1

    clerk_mode.sign_out(browser_page)
    assert browser_page.evaluate("window.__calls")[-1] == ["signOut"]
    assert browser_page.evaluate("window.Clerk.user") is None


def test_sign_in_with_a_password(
    browser_page: Any, clerk_mode: ClerkE2E, instance: LocalClerkInstance
) -> None:
    browser_page.set_content(CLERKJS_STAND_IN)
    clerk_mode.sign_in(browser_page, "one@example.test", password="hunter2-test")
    assert browser_page.evaluate("window.__calls")[0] == [
        "signIn.create",
        {"strategy": "password", "identifier": "one@example.test", "password": "hunter2-test"},
    ]
    assert instance.backend.sign_in_tokens == {}


def test_an_incomplete_sign_in_fails_without_showing_the_ticket(
    browser_page: Any, clerk_mode: ClerkE2E, instance: LocalClerkInstance
) -> None:
    from playwright.sync_api import Error as PlaywrightError

    browser_page.set_content(CLERKJS_STAND_IN)
    browser_page.evaluate("window.__status = 'needs_second_factor'")
    with pytest.raises(PlaywrightError, match="the sign-in is needs_second_factor") as caught:
        clerk_mode.sign_in(browser_page, "user_1", timeout=2_000)
    [ticket] = instance.backend.sign_in_tokens.values()
    assert ticket["token"] not in str(caught.value)


def test_sign_in_waits_for_clerkjs(browser_page: Any, clerk_mode: ClerkE2E) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    browser_page.set_content("<!doctype html><title>no ClerkJS here</title>")
    with pytest.raises(PlaywrightTimeout):
        clerk_mode.sign_in(browser_page, "user_1", timeout=500)


def test_a_password_sign_in_by_id_names_the_users_email_address(
    browser_page: Any, clerk_mode: ClerkE2E
) -> None:
    """Clerk's password strategy takes an email address or username, not a user id."""
    browser_page.set_content(CLERKJS_STAND_IN)
    clerk_mode.sign_in(browser_page, "user_1", password="hunter2-test")
    assert browser_page.evaluate("window.__calls")[0][1]["identifier"] == "one@example.test"
