"""End-to-end browser tests with Clerk, like ``@clerk/testing``: testing tokens, a Playwright helper
that adds them to Frontend API requests, and sign-in helpers, against a Clerk development
instance or the local instance of :mod:`clerk_core.testing`.

    from clerk_core.testing.e2e import ClerkE2E

    e2e = ClerkE2E.from_env()        # CLERK_SECRET_KEY=sk_test_...: your Clerk development
                                     # instance; no key: the local instance
    page.goto("http://127.0.0.1:8000/")
    e2e.sign_in(page, "user_member")  # a user id, an email address, or a User
    page.goto("http://127.0.0.1:8000/dashboard")
    e2e.sign_out(page)

* :func:`testing_token` asks the Backend API for a testing token (``POST /testing_tokens``);
  with it, Clerk's bot protection lets automated browsers through a development instance's
  sign-in and sign-up (``?__clerk_testing_token=...`` on every Frontend API request).
* :func:`setup_testing_token` adds it to every Frontend API request of a Playwright page or
  browser context by route interception, as ``setupClerkTestingToken`` does, and sets
  ``captcha_bypass`` in the Frontend API's answers.
* :class:`ClerkE2E` chooses real Clerk or the local instance from the environment and signs test
  users in and out: against Clerk through ClerkJS (``window.Clerk``) with a sign-in token (a
  ticket) or a password, as ``clerk.signIn`` does; against the local instance through its sign-in
  page (the button ``button[data-user=<user id>]``).

The pytest plugin of :mod:`clerk_core.testing.pytest_plugin` offers it as the ``clerk_e2e``
fixture. The helpers drive Playwright's sync API (``pip install 'clerk-integrations[e2e]'``);
nothing here imports Playwright until a helper runs.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ..backend_api import AsyncBackendAPI, BackendAPI
from ..errors import ClerkConfigurationError
from ..options import ClerkOptions

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

    from ..backend_api._users_sync import _Users
    from .frontend import LocalFrontendAPI

__all__ = [
    "LOCAL_FRONTEND_API",
    "SIGN_IN_SCRIPT",
    "TESTING_TOKEN_PARAM",
    "ClerkE2E",
    "frontend_api_pattern",
    "setup_testing_token",
    "testing_token",
    "testing_token_async",
    "with_testing_token",
]

TESTING_TOKEN_PARAM = "__clerk_testing_token"
"""The query parameter Clerk's Frontend API reads a testing token from."""

LOCAL_FRONTEND_API = re.compile(
    r"^http://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/__clerk/v1/(?:[^?#]*)(?:\?[^#]*)?$"
)
"""The local instance's Frontend API: ``/__clerk/v1/...`` on a loopback origin (its proxy path)."""

SIGN_IN_SCRIPT = """async (params) => {
  const clerk = window.Clerk;
  if (!clerk || !clerk.client) {
    throw new Error("Clerk: Failed to sign in: ClerkJS is not loaded on this page");
  }
  let attempt;
  try {
    attempt = await clerk.client.signIn.create(params);
  } catch (err) {
    throw new Error("Clerk: Failed to sign in: " + ((err && err.message) || err));
  }
  if (attempt.status !== "complete") {
    throw new Error("Clerk: Failed to sign in: the sign-in is " + attempt.status);
  }
  await clerk.setActive({ session: attempt.createdSessionId });
}"""
"""The browser side of :meth:`ClerkE2E.sign_in` against Clerk: ``signIn.create`` with a ticket or
a password, then ``setActive`` (``@clerk/testing``'s ``signInHelper``). Its errors never repeat
the ticket or the password."""

_CLERK_LOADED = "() => window.Clerk !== undefined && window.Clerk.loaded === true"
_CLERK_SIGNED_IN = "() => !!window.Clerk && !!window.Clerk.user"
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_SIGN_IN_TOKEN_LIFETIME = 300  # seconds, as @clerk/testing


# ------------------------------------------------------------------------------ testing tokens
def testing_token(api: BackendAPI) -> str:
    """A fresh testing token from the Backend API (``api.testing_tokens.create()``)."""
    return _token_of(api.testing_tokens.create().token)


async def testing_token_async(api: AsyncBackendAPI) -> str:
    """:func:`testing_token` with the async client."""
    return _token_of((await api.testing_tokens.create()).token)


testing_token.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
testing_token_async.__test__ = False  # type: ignore[attr-defined]


def _token_of(token: str | None) -> str:
    if not token:
        raise ClerkConfigurationError(
            "Clerk's Backend API answered POST /testing_tokens without a token: testing tokens "
            "exist on development instances only; use a development instance's secret key "
            "(sk_test_...)."
        )
    return token


def with_testing_token(url: str, token: str) -> str:
    """``url`` with ``__clerk_testing_token=token`` in its query (an existing one is replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if k != TESTING_TOKEN_PARAM]
    query.append((TESTING_TOKEN_PARAM, token))
    return urlunsplit(parts._replace(query=urlencode(query)))


def frontend_api_pattern(frontend_api: str) -> re.Pattern[str]:
    """The URLs of a Frontend API's ``/v1/`` endpoints: ``frontend_api`` is a host
    (``clerk.example.accounts.dev``, as in a publishable key; HTTPS) or a base URL
    (``https://clerk.example.com``, ``http://127.0.0.1:8000/__clerk`` for a proxy)."""
    raw = frontend_api.strip()
    if not raw:
        raise ValueError("frontend_api is empty: give the Frontend API's host or base URL.")
    base = raw if "://" in raw else "https://" + raw
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"frontend_api must be a host or an http(s) base URL, got {frontend_api!r}"
        )
    return re.compile("^" + re.escape(base.rstrip("/")) + r"/v1/(?:[^?#]*)(?:\?[^#]*)?$")


_set_up: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_set_up_lock = threading.Lock()


def setup_testing_token(
    target: Page | BrowserContext,
    *,
    token: str,
    frontend_api: str | re.Pattern[str],
    retries: int = 3,
    retry_delay: float = 0.5,
) -> None:
    """Add ``token`` to every Frontend API request of ``target`` (a Playwright page, or its whole
    browser context), as ``@clerk/testing``'s ``setupClerkTestingToken`` does.

    ``frontend_api`` is a host or base URL (see :func:`frontend_api_pattern`) or a compiled
    pattern of the URLs to change. Each matching request is sent again with the token in its
    query; a JSON answer's ``response.captcha_bypass`` and ``client.captcha_bypass`` become
    ``true``; a 429, 502, 503 or 504 is retried ``retries`` times with exponential back-off.
    Page navigations (a handshake) keep the browser's own redirect handling: only their URL
    changes. Setting up the same context twice for the same URLs does nothing the second time.
    """
    pattern = (
        frontend_api if isinstance(frontend_api, re.Pattern) else frontend_api_pattern(frontend_api)
    )
    context = target.context if hasattr(target, "context") else target
    with _set_up_lock:
        seen = _set_up.setdefault(context, set())
        if pattern.pattern in seen:
            return
        seen.add(pattern.pattern)

    def handle(route: Route) -> None:
        _forward(route, with_testing_token(route.request.url, token), retries, retry_delay)

    try:
        context.route(pattern, handle)
    except BaseException:
        with _set_up_lock:
            seen.discard(pattern.pattern)
        raise


def _forward(route: Route, url: str, retries: int, retry_delay: float) -> None:
    from playwright.sync_api import Error as PlaywrightError

    try:
        if route.request.is_navigation_request():
            route.continue_(url=url)  # the browser follows a handshake's redirects and cookies
            return
        for attempt in range(retries + 1):
            try:
                response = route.fetch(url=url, max_redirects=0)
            except PlaywrightError as exc:
                if _closed(exc):
                    raise
                if attempt < retries:
                    _back_off(attempt, retry_delay)
                    continue
                route.continue_(url=url)
                return
            if response.status in _RETRY_STATUSES and attempt < retries:
                _back_off(attempt, retry_delay)
                continue
            body = _bypass_captcha(response.body(), response.headers.get("content-type", ""))
            if body is None:
                route.fulfill(response=response)
            else:
                route.fulfill(response=response, json=body)
            return
    except PlaywrightError as exc:
        if not _closed(exc):
            raise
        # The page, its context or Playwright closed while the request was on its way: nothing
        # is waiting for an answer any more.


def _closed(exc: Exception) -> bool:
    message = str(exc)
    return "has been closed" in message or "Event loop is closed" in message


def _back_off(attempt: int, delay: float) -> None:
    """Wait before a retry: exponential, with jitter (not a secret: ``random`` is fine)."""
    time.sleep(delay * 2**attempt + random.random() * delay / 2)  # noqa: S311


def _bypass_captcha(raw: bytes, content_type: str) -> Any:
    """The answer's JSON with ``captcha_bypass`` set, or ``None`` to pass the answer on as is."""
    if "json" not in content_type.lower():
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    changed = False
    for key in ("response", "client"):
        part = data.get(key) if isinstance(data, dict) else None
        if isinstance(part, dict) and part.get("captcha_bypass") is False:
            part["captcha_bypass"] = True
            changed = True
    return data if changed else None


# ------------------------------------------------------------------------------ the helper
class ClerkE2E:
    """Sign test users in and out of a browser, against Clerk or the local instance.

    Build it with :meth:`from_env` (as the ``clerk_e2e`` fixture does) or :meth:`local`.
    ``mode`` is ``"clerk"`` (a Clerk development instance) or ``"local"``; ``api`` is the Backend
    API client (the local instance's fake one in local mode); ``frontend_api`` is the Frontend
    API host (``None`` in local mode, whose Frontend API is ``/__clerk`` on the app's origin).
    """

    def __init__(
        self,
        *,
        mode: Literal["clerk", "local"],
        api: BackendAPI,
        frontend_api: str | None = None,
        testing_token: str | None = None,
        local_frontend: LocalFrontendAPI | None = None,
        sign_in_path: str = "/sign-in",
        sign_out_path: str = "/sign-out",
    ) -> None:
        if mode == "clerk" and not frontend_api:
            raise ClerkConfigurationError(
                "ClerkE2E needs the Frontend API host against Clerk: set CLERK_PUBLISHABLE_KEY."
            )
        self.mode: Literal["clerk", "local"] = mode
        self.api = api
        self.frontend_api = frontend_api
        self.local_frontend = local_frontend
        """The local instance (local mode): its test users are the ones the example apps offer."""
        self.sign_in_path = sign_in_path
        """Local mode: the app's sign-in page, which shows a ``button[data-user=<id>]`` per user."""
        self.sign_out_path = sign_out_path
        """Local mode: the path that signs the browser out (``GET``)."""
        self._testing_token = testing_token
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClerkE2E(mode={self.mode!r}, frontend_api={self.frontend_api!r})"

    # -------------------------------------------------------------- construction
    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        http_client: httpx.Client | None = None,
    ) -> ClerkE2E:
        """Real Clerk when ``CLERK_SECRET_KEY`` holds a development instance's key (``sk_test_``,
        with ``CLERK_PUBLISHABLE_KEY`` for the Frontend API host; ``CLERK_API_URL`` and
        ``CLERK_TESTING_TOKEN`` are read too), the local instance when no secret key is set.
        ``CLERK_E2E=local`` forces the local instance, ``CLERK_E2E=clerk`` insists on Clerk.

        A live key (``sk_live_``, ``pk_live_``) is refused with :class:`ClerkConfigurationError`:
        end-to-end tests create sign-in tokens and sessions, which belong on a development
        instance only. ``http_client`` carries the Backend API calls (tests pass one with a
        transport)."""
        env = os.environ if environ is None else environ
        secret = env.get("CLERK_SECRET_KEY", "").strip()
        publishable = env.get("CLERK_PUBLISHABLE_KEY", "").strip()
        choice = env.get("CLERK_E2E", "").strip().lower()
        if choice not in ("", "local", "clerk"):
            raise ClerkConfigurationError(
                f"CLERK_E2E must be 'local' or 'clerk' (or unset), got {choice!r}."
            )
        if secret.startswith("sk_live_") or publishable.startswith("pk_live_"):
            raise ClerkConfigurationError(
                "End-to-end tests refuse a live (production) Clerk key: they create sign-in "
                "tokens and sessions. Set CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY to a "
                "development instance's keys (sk_test_..., pk_test_...), or unset them to use "
                "the local instance."
            )
        if choice == "local" or (not secret and choice != "clerk"):
            return cls.local(environ=env)
        if not secret:
            raise ClerkConfigurationError(
                "CLERK_E2E=clerk needs CLERK_SECRET_KEY: set it to your development instance's "
                "secret key (sk_test_..., Clerk Dashboard > API keys)."
            )
        if not secret.startswith("sk_test_"):
            raise ClerkConfigurationError(
                "CLERK_SECRET_KEY is not a Clerk development secret key (it must start with "
                "sk_test_): copy it from the Clerk Dashboard > API keys."
            )
        if not publishable:
            raise ClerkConfigurationError(
                "End-to-end tests against Clerk need CLERK_PUBLISHABLE_KEY as well as "
                "CLERK_SECRET_KEY: the browser helpers find the Frontend API from it."
            )
        options = ClerkOptions.from_env(env)
        api = BackendAPI(
            secret,
            api_url=options.api_url,
            api_version=options.api_version,
            http_client=http_client,
        )
        return cls(
            mode="clerk",
            api=api,
            frontend_api=options.frontend_api,
            testing_token=env.get("CLERK_TESTING_TOKEN", "").strip() or None,
        )

    @classmethod
    def local(
        cls,
        local_frontend: LocalFrontendAPI | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> ClerkE2E:
        """Against the local instance (``local_frontend``, or a new one with the default test
        users: an org admin ``user_admin``, a member ``user_member``, ``user_solo``)."""
        from .frontend import LocalFrontendAPI

        frontend = local_frontend or LocalFrontendAPI(environ=environ)
        instance = frontend.instance
        api = BackendAPI(
            instance.secret_key,
            api_url=instance.api_url,
            http_client=httpx.Client(transport=instance.transport()),
        )
        return cls(
            mode="local",
            api=api,
            local_frontend=frontend,
            sign_in_path=frontend.sign_in_path,
            sign_out_path=frontend.sign_out_path,
        )

    def close(self) -> None:
        """Close the Backend API client this object made."""
        self.api.close()

    # -------------------------------------------------------------- the parts
    @property
    def users(self) -> _Users:
        """The Backend API's users (``get``, ``list``, ``create``, ...): Clerk's, or the local
        instance's test users."""
        return self.api.users

    @property
    def testing_token(self) -> str:
        """The testing token (``CLERK_TESTING_TOKEN``, else created once through the Backend
        API)."""
        with self._lock:
            if self._testing_token is None:
                self._testing_token = testing_token(self.api)
            return self._testing_token

    @property
    def frontend_api_urls(self) -> re.Pattern[str]:
        """The Frontend API URLs :meth:`setup_testing_token` changes."""
        if self.frontend_api:
            return frontend_api_pattern(self.frontend_api)
        return LOCAL_FRONTEND_API

    def setup_testing_token(self, target: Page | BrowserContext) -> None:
        """Add the testing token to every Frontend API request of ``target`` (see
        :func:`setup_testing_token`)."""
        setup_testing_token(target, token=self.testing_token, frontend_api=self.frontend_api_urls)

    def user_id(self, user: Any) -> str:
        """The Clerk user id of ``user``: an id (``user_...``), an email address (looked up
        through the Backend API), or an object with ``id`` or ``user_id``."""
        if not isinstance(user, str):
            found = getattr(user, "user_id", None) or getattr(user, "id", None)
            if not isinstance(found, str) or not found:
                raise TypeError("user must be a user id, an email address or a User")
            return found
        if "@" not in user:
            return user
        matches = self.api.users.list(email_address=[user], limit=1)
        if len(matches) == 0 or not matches[0].id:
            raise LookupError(f"No user with the email address {user!r} in this Clerk instance.")
        return str(matches[0].id)

    # -------------------------------------------------------------- the browser
    def sign_in(
        self,
        page: Page,
        user: Any,
        *,
        password: str | None = None,
        timeout: float | None = None,
    ) -> None:
        """Sign ``user`` in in ``page``'s browser, then wait until it is.

        Against Clerk (as ``clerk.signIn`` of ``@clerk/testing``): ``page`` must show a page of
        the app that loads ClerkJS; the testing token is set up, a sign-in token (5 minutes) is
        created for the user through the Backend API and ClerkJS signs in with it (strategy
        ``ticket``), or with ``password`` (strategy ``password``; the identifier is the email
        address given, else the user's primary email address or username). In local mode
        ``password`` is not used. Against the local instance: the app's sign-in page is opened (kept when
        ``page`` is already on it, else with ``redirect_url`` back to the current page) and the
        user's button clicked; it returns once the browser has left the sign-in page.
        ``timeout`` is in milliseconds (Playwright's default otherwise)."""
        if self.mode == "local":
            self._local_sign_in(page, self.user_id(user), timeout)
            return
        self.setup_testing_token(page)
        page.wait_for_function(_CLERK_LOADED, timeout=timeout)
        params: dict[str, str]
        if password is not None:
            params = {
                "strategy": "password",
                "identifier": self._identifier(user),
                "password": password,
            }
        else:
            ticket = self.api.sign_in_tokens.create(
                user_id=self.user_id(user), expires_in_seconds=_SIGN_IN_TOKEN_LIFETIME
            ).token
            if not ticket:
                raise ClerkConfigurationError(
                    "Clerk's Backend API answered POST /sign_in_tokens without a token."
                )
            params = {"strategy": "ticket", "ticket": ticket}
        page.evaluate(SIGN_IN_SCRIPT, params)
        page.wait_for_function(_CLERK_SIGNED_IN, timeout=timeout)

    def _identifier(self, user: Any) -> str:
        """What a password sign-in names the user by: an email address as given, else the
        user's primary email address (or username) from the Backend API."""
        if isinstance(user, str) and "@" in user:
            return user
        found = self.api.users.get(self.user_id(user))
        identifier = found.primary_email_address or found.username
        if not identifier:
            raise LookupError(
                f"User {found.id!r} has no email address or username to sign in with a password."
            )
        return identifier

    def _local_sign_in(self, page: Page, user_id: str, timeout: float | None) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        current = urlsplit(page.url)
        if current.scheme not in ("http", "https"):
            raise ValueError(
                "sign_in needs a page of the app: call page.goto(<your app's URL>) first."
            )
        if current.path != self.sign_in_path:
            back = urlunsplit(("", "", current.path or "/", current.query, ""))
            query = urlencode({"redirect_url": back})
            page.goto(
                urlunsplit((current.scheme, current.netloc, self.sign_in_path, query, "")),
                timeout=timeout,
            )
        button = page.locator(f'button[data-user="{_css_string(user_id)}"]')
        try:
            button.wait_for(state="visible", timeout=timeout)
        except PlaywrightTimeout:
            raise LookupError(
                f"The local sign-in page {self.sign_in_path} offers no user {user_id!r}."
            ) from None
        button.click(timeout=timeout)
        page.wait_for_url(lambda url: urlsplit(url).path != self.sign_in_path, timeout=timeout)

    def sign_out(self, page: Page, *, timeout: float | None = None) -> None:
        """Sign the browser out: ``window.Clerk.signOut()`` against Clerk (``page`` must show a
        page that loads ClerkJS); the local instance's sign-out path in local mode."""
        if self.mode == "clerk":
            page.wait_for_function(_CLERK_LOADED, timeout=timeout)
            page.evaluate("() => window.Clerk.signOut()")
            page.wait_for_function("() => !window.Clerk.user", timeout=timeout)
            return
        current = urlsplit(page.url)
        if current.scheme not in ("http", "https"):
            raise ValueError(
                "sign_out needs a page of the app: call page.goto(<your app's URL>) first."
            )
        page.goto(
            urlunsplit((current.scheme, current.netloc, self.sign_out_path, "", "")),
            timeout=timeout,
        )


def _css_string(value: str) -> str:
    """``value`` inside a double-quoted CSS string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
