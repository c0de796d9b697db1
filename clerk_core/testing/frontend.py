"""A local stand-in for Clerk's Frontend API and hosted sign-in page, for demos and browser tests.

The local instance lives behind a proxy path on the app's own origin (``proxy_url="/__clerk"``), so
Clerk handshakes land here instead of on a real Frontend API. It serves:

* ``GET <sign_in_path>``: a page listing the test users (an org admin, a member, a user with no org);
* ``POST <sign_in_path>``: signs the chosen user in (``__session``, ``__client_uat`` and the
  development browser cookie), then redirects to ``redirect_url`` (same origin only);
* ``GET|POST <sign_out_path>``: signs out;
* ``GET <proxy_path>/v1/client/handshake``: what Clerk's handshake does, with cookies set directly on
  this origin: a fresh session token for a signed-in browser, signed-out cookies otherwise;
* ``GET <proxy_path>/.well-known/jwks.json``: the instance's public signing keys, as Clerk's
  Frontend API serves them (an app verifying with only the publishable key loads them).
* ``GET <proxy_path>/npm/@clerk/clerk-js@<version>/dist/clerk.browser.js``: a small ClerkJS stand-in
  with ClerkJS's mount API (``Clerk.load()``, ``mountSignIn``, ``mountUserButton``, ``signOut``...),
  so pages built with the template helpers (:mod:`clerk_core.ui`) work offline; its sign-in lists
  the test users (``button[data-user=<user id>]``, as on the sign-in page) and posts to
  ``<sign_in_path>``;
* ``GET <proxy_path>/v1/local/client``: what that stand-in reads (the signed-in test user, the
  test users, the sign-in and sign-out paths), as JSON;
* ``POST <proxy_path>/v1/local/reverify``: re-verifies the signed-in test user (what the
  stand-in's "Verify it's you" prompt calls, same origin only) and answers a fresh session token
  whose ``fva`` claim is ``[0, 0]``.

Reverification: a test user signs in with factors verified ``sign_in_factor_age`` minutes ago
(default 60, as if they had signed in an hour ago), so their session tokens carry
``fva = [60, 60]`` and growing, and ``protect(reverification="strict")`` (10 minutes) refuses
them with Clerk's reverification hint until they re-verify.

``hosted_sign_in=False`` leaves ``GET <sign_in_path>`` to the app, so that the app's own sign-in
page (a template with the sign-in helper) is the one shown; posting to it still signs in.

It is framework-free: an adapter hands it a ``RequestView`` (and the form body) and renders the
``AuthResponse`` it returns. It refuses to start when live Clerk keys are configured, and every page
it serves says it is a local test instance. Like the engine, it builds a redirect on the request's
``Host`` only when :mod:`clerk_core.hosts` allows that host (``allowed_hosts``, by default the hosts
test clients and local servers use); any other host gets a 400 page and no redirect.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import SplitResult, parse_qs

import httpx

from ..clerk import Clerk
from ..errors import ClerkConfigurationError
from ..hosts import trusted_public_url
from ..options import ClerkOptions
from ..redirects import safe_redirect_url
from ..request import RequestView
from ..responses import AuthResponse
from .instance import LocalClerkInstance

__all__ = ["DEFAULT_USERS", "LOCAL_BANNER", "PAGE_STYLE", "LocalFrontendAPI", "TestUser"]

LOCAL_BANNER = (
    "Local Clerk instance: test users only, no real authentication. Set CLERK_PUBLISHABLE_KEY and "
    "CLERK_SECRET_KEY to use your Clerk application."
)
_CLIENT_COOKIE = "__local_clerk_client"


@dataclasses.dataclass(frozen=True)
class TestUser:
    """A user the local sign-in page offers."""

    __test__ = False  # not a pytest test class

    user_id: str
    name: str
    email: str
    description: str = ""
    org_id: str | None = None
    org_slug: str | None = None
    org_role: str | None = None
    org_permissions: tuple[str, ...] = ()


DEFAULT_USERS: tuple[TestUser, ...] = (
    TestUser(
        "user_admin",
        "Ada Admin",
        "ada@acme.test",
        "administrator of Acme",
        "org_acme",
        "acme",
        "org:admin",
        ("org:orders:read", "org:orders:manage", "org:members:manage"),
    ),
    TestUser(
        "user_member",
        "Max Member",
        "max@acme.test",
        "member of Acme",
        "org_acme",
        "acme",
        "org:member",
        ("org:orders:read",),
    ),
    TestUser("user_solo", "Sam Solo", "sam@example.test", "no organization"),
)


@dataclasses.dataclass
class _Client:
    user: TestUser
    session_id: str
    signed_in_at: int
    verified_at: float = 0.0


def refuse_live_keys(environ: Mapping[str, str] | None = None) -> None:
    """Raise when live Clerk keys are configured: the local instance never runs beside them."""
    env = os.environ if environ is None else environ
    for var, prefix in (("CLERK_SECRET_KEY", "sk_live_"), ("CLERK_PUBLISHABLE_KEY", "pk_live_")):
        if env.get(var, "").strip().startswith(prefix):
            raise ClerkConfigurationError(
                f"{var} holds a live (production) key, so the local Clerk instance refuses to start. "
                "Unset the live keys to use the local test instance, or run against your Clerk "
                "application instead."
            )


class LocalFrontendAPI:
    """The local sign-in page and Frontend API. See the module docstring."""

    def __init__(
        self,
        instance: LocalClerkInstance | None = None,
        *,
        users: Sequence[TestUser] = DEFAULT_USERS,
        sign_in_path: str = "/sign-in",
        sign_out_path: str = "/sign-out",
        proxy_path: str = "/__clerk",
        token_lifetime: float = 60.0,
        app_name: str = "Example app",
        environ: Mapping[str, str] | None = None,
        allowed_hosts: Sequence[str] | None = None,
        hosted_sign_in: bool = True,
        sign_in_factor_age: float = 60.0,
    ) -> None:
        refuse_live_keys(environ)
        if not sign_in_factor_age >= 0:
            raise ValueError(
                "sign_in_factor_age is the minutes since the test users verified their factors "
                "when they sign in: give a number of minutes, 0 or more"
            )
        self.sign_in_factor_age = float(sign_in_factor_age)
        """Minutes since a test user verified their factors when they sign in (their ``fva``)."""
        self.instance = instance or LocalClerkInstance()
        self.users = {user.user_id: user for user in users}
        self.sign_in_path = sign_in_path
        self.sign_out_path = sign_out_path
        self.proxy_path = proxy_path.rstrip("/")
        self.token_lifetime = token_lifetime
        self.app_name = app_name
        self.hosted_sign_in = hosted_sign_in
        """Whether ``GET <sign_in_path>`` is this instance's page (``False``: the app's own)."""
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()
        self._known_users: set[str] = set()
        self._register_users()
        self.allowed_hosts = None if allowed_hosts is None else tuple(allowed_hosts)
        """The hosts redirects may be built on (``ClerkOptions.allowed_hosts``, also given to
        :meth:`options`); ``None``: the test clients' and local servers' hosts (``localhost``,
        ``127.0.0.1``, ``[::1]``, ``testserver``)."""
        self._hosts = self.options()  # the host policy of this instance's own redirects
        self.webhook_sink: Callable[[bytes, dict[str, str]], Any] | None = None
        """Receives signed ``user.created`` / ``user.updated`` deliveries when test users sign in,
        as Clerk would send them to your webhook endpoint: ``sink(body, headers)``."""

    def __repr__(self) -> str:
        return f"LocalFrontendAPI(users={list(self.users)!r})"

    def _register_users(self) -> None:
        """Make the test users, their organizations and memberships known to the Backend API."""
        backend = self.instance.backend
        for user in self.users.values():
            first, _, last = user.name.partition(" ")
            backend.add_user(user.user_id, first_name=first, last_name=last, email=user.email)
            if user.org_id:
                if user.org_id not in backend.organizations:
                    backend.add_organization(
                        user.org_id,
                        name=(user.org_slug or "").title(),
                        slug=user.org_slug or user.org_id,
                    )
                backend.add_membership(
                    user.user_id,
                    user.org_id,
                    role=user.org_role or "org:member",
                    permissions=user.org_permissions,
                )

    def clerk(self, **overrides: Any) -> Clerk:
        """An engine for apps served by this instance, whose Backend API calls reach it in memory."""
        transport = self.instance.transport()
        return Clerk(
            self.options(**overrides),
            http_client=httpx.Client(transport=transport),
            async_http_client=httpx.AsyncClient(transport=transport),
        )

    # ------------------------------------------------------------------ configuration
    def options(self, **overrides: Any) -> ClerkOptions:
        """Options for an app served by this local instance (networkless verification)."""
        values: dict[str, Any] = {
            "proxy_url": self.proxy_path,
            "sign_in_url": self.sign_in_path,
            "authorized_parties": (),
            "networkless": True,
        }
        if self.allowed_hosts is not None:
            values["allowed_hosts"] = self.allowed_hosts
        values.update(overrides)
        return self.instance.options(**values)

    def handles(self, path: str) -> bool:
        """Whether ``path`` belongs to this local instance (route it to :meth:`handle`)."""
        return path in (self.sign_in_path, self.sign_out_path) or path.startswith(
            self.proxy_path + "/"
        )

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: RequestView, body: bytes = b"") -> AuthResponse | None:
        """The response for a request to this local instance, or ``None`` if the path is not its."""
        path = request.split_url.path
        if path == self.sign_in_path:
            if request.method == "POST":
                return self._sign_in(request, _form(body))
            return self._sign_in_page(request) if self.hosted_sign_in else None
        if path == self.sign_out_path:
            return self._sign_out(request)
        if path == f"{self.proxy_path}/v1/client/handshake" and request.method == "GET":
            return self._handshake(request)
        if path == f"{self.proxy_path}/.well-known/jwks.json" and request.method == "GET":
            return self._jwks()
        if request.method == "GET" and _CLERK_JS_PATH.fullmatch(path[len(self.proxy_path) :]):
            return _clerk_js_standin()
        if path == f"{self.proxy_path}/v1/local/client" and request.method == "GET":
            return self._client_document(request)
        if path == f"{self.proxy_path}/v1/local/reverify" and request.method == "POST":
            return self._reverify(request)
        if path.startswith(self.proxy_path + "/"):
            return _html(404, "Not found", "<p>The local Clerk instance has no such endpoint.</p>")
        return None

    # ------------------------------------------------------------------ cookies
    def _session_cookies(
        self, public: SplitResult, client: _Client, *, suffixed: bool
    ) -> list[str]:
        origin = f"{public.scheme}://{public.netloc}"
        token = self.instance.session_token(
            client.user.user_id,
            session_id=client.session_id,
            org_id=client.user.org_id,
            org_slug=client.user.org_slug,
            org_role=client.user.org_role,
            org_permissions=client.user.org_permissions,
            azp=origin,
            iat=int(time.time()),
            lifetime=self.token_lifetime,
            claims={"name": client.user.name, "email": client.user.email},
        )
        names = ["", f"_{self.instance.cookie_suffix}"] if suffixed else [""]
        cookies = []
        for suffix in names:
            cookies.append(f"__session{suffix}={token}; Path=/; SameSite=Lax")
            cookies.append(f"__client_uat{suffix}={client.signed_in_at}; Path=/; SameSite=Lax")
        return cookies

    def _dev_browser_cookie(self, request: RequestView) -> list[str]:
        token = request.query_param("__clerk_db_jwt") or request.cookies.get("__clerk_db_jwt")
        token = token or "dvb_" + secrets.token_hex(12)
        return [f"__clerk_db_jwt={token}; Path=/; SameSite=Lax"]

    @staticmethod
    def _signed_out_cookies() -> list[str]:
        return [
            "__session=; Path=/; Max-Age=0; SameSite=Lax",
            "__client_uat=0; Path=/; SameSite=Lax",
            f"{_CLIENT_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
        ]

    def _client(self, request: RequestView) -> _Client | None:
        client_id = request.cookies.get(_CLIENT_COOKIE)
        if not client_id:
            return None
        with self._lock:
            return self._clients.get(client_id)

    def _public_url(self, request: RequestView) -> SplitResult | None:
        """The request's public URL when its ``Host`` may appear in a redirect (checked as the
        engine checks it), else ``None``."""
        return trusted_public_url(request, self._hosts)

    @staticmethod
    def _back_to(public: SplitResult, target: str | None) -> str:
        return (
            safe_redirect_url(target or "/", current=public)
            or safe_redirect_url("/", current=public)
            or "/"
        )

    # ------------------------------------------------------------------ endpoints
    def _sign_in(self, request: RequestView, form: dict[str, str]) -> AuthResponse:
        public = self._public_url(request)
        if public is None:
            return _host_refused()
        user = self.users.get(form.get("user_id", ""))
        if user is None:
            return _html(400, "Unknown user", "<p>Pick one of the test users.</p>")
        client_id = secrets.token_urlsafe(16)
        client = _Client(user, "sess_" + secrets.token_hex(10), int(time.time()) - 1)
        # Tokens carry fva counted from here: "signed in" sign_in_factor_age minutes ago.
        self.instance.verify_session(
            client.session_id, at=self.instance.clock() - self.sign_in_factor_age * 60
        )
        with self._lock:
            self._clients[client_id] = client
        self._deliver_user_event(user)
        headers = [("set-cookie", c) for c in self._session_cookies(public, client, suffixed=False)]
        headers += [("set-cookie", c) for c in self._dev_browser_cookie(request)]
        headers.append(
            ("set-cookie", f"{_CLIENT_COOKIE}={client_id}; Path=/; HttpOnly; SameSite=Lax")
        )
        headers.append(("location", self._back_to(public, form.get("redirect_url"))))
        return AuthResponse(303, headers)

    def _deliver_user_event(self, user: TestUser) -> None:
        sink = self.webhook_sink
        if sink is None:
            return
        with self._lock:
            event_type = "user.updated" if user.user_id in self._known_users else "user.created"
            self._known_users.add(user.user_id)
        first, _, last = user.name.partition(" ")
        data = self.instance.user_payload(
            user.user_id, first_name=first, last_name=last, email=user.email
        )
        body, headers = self.instance.sign_webhook(event_type, data)
        sink(body, headers)

    def _sign_out(self, request: RequestView) -> AuthResponse:
        public = self._public_url(request)
        if public is None:
            return _host_refused()
        client_id = request.cookies.get(_CLIENT_COOKIE)
        if client_id:
            with self._lock:
                self._clients.pop(client_id, None)
        headers = [("set-cookie", c) for c in self._signed_out_cookies()]
        headers.append(("location", self._back_to(public, request.query_param("redirect_url"))))
        return AuthResponse(303, headers)

    def _handshake(self, request: RequestView) -> AuthResponse:
        public = self._public_url(request)
        if public is None:
            return _host_refused()
        suffixed = request.query_param("suffixed_cookies") == "true"
        client = self._client(request)
        cookies = self._dev_browser_cookie(request)
        if client is None:
            cookies += self._signed_out_cookies()
        else:
            cookies += self._session_cookies(public, client, suffixed=suffixed)
        headers = [("set-cookie", c) for c in cookies]
        headers.append(("cache-control", "no-store"))
        headers.append(("location", self._back_to(public, request.query_param("redirect_url"))))
        return AuthResponse(307, headers)

    def _reverify(self, request: RequestView) -> AuthResponse:
        """Re-verify the signed-in test user: fresh session cookies whose token has ``fva`` 0."""
        public = self._public_url(request)
        if public is None:
            return _host_refused()
        origin = f"{public.scheme}://{public.netloc}"
        sent_origin = request.headers.get("origin")
        same_origin = (
            sent_origin == origin
            if sent_origin is not None
            else request.headers.get("sec-fetch-site") == "same-origin"
        )
        if not same_origin:
            return _json(
                403,
                {"error": "cross-origin-request", "message": "Re-verify from the app's own pages."},
            )
        client = self._client(request)
        if client is None:
            return _json(401, {"error": "signed-out", "message": "Sign in first."})
        self.instance.verify_session(client.session_id)
        suffixed = f"__session_{self.instance.cookie_suffix}" in request.cookies
        headers = [
            ("set-cookie", c) for c in self._session_cookies(public, client, suffixed=suffixed)
        ]
        headers.append(("cache-control", "no-store"))
        fva = self.instance.factor_verification_age(client.session_id)
        return _json(200, {"verified": True, "fva": fva}, headers)

    def _jwks(self) -> AuthResponse:
        """The instance's public signing keys, as Clerk's Frontend API serves them."""
        with self._lock:
            self.instance.frontend_jwks_requests += 1
        body = json.dumps(self.instance.jwks()).encode()
        return AuthResponse(200, [("content-type", "application/json")], body)

    def _client_document(self, request: RequestView) -> AuthResponse:
        """What the ClerkJS stand-in reads on ``Clerk.load()``."""
        current = self._client(request)
        document = {
            "appName": self.app_name,
            "signInPath": self.sign_in_path,
            "signOutPath": self.sign_out_path,
            "user": _user_json(current.user) if current else None,
            "sessionId": current.session_id if current else None,
            "users": [_user_json(user) for user in self.users.values()],
        }
        return AuthResponse(
            200,
            [("content-type", "application/json"), ("cache-control", "no-store")],
            json.dumps(document).encode(),
        )

    def _sign_in_page(self, request: RequestView) -> AuthResponse:
        redirect_url = request.query_param("redirect_url") or "/"
        current = self._client(request)
        rows = []
        for user in self.users.values():
            role = f"{user.org_role} in {user.org_slug}" if user.org_id else "no organization"
            rows.append(
                f'<li><form method="post" action="{html.escape(self.sign_in_path)}">'
                f'<input type="hidden" name="user_id" value="{html.escape(user.user_id)}">'
                f'<input type="hidden" name="redirect_url" value="{html.escape(redirect_url)}">'
                f'<button type="submit" data-user="{html.escape(user.user_id)}">'
                f"Sign in as {html.escape(user.name)}</button> "
                f"<small>{html.escape(user.email)} ({html.escape(role)})</small></form></li>"
            )
        note = (
            f"<p>Signed in as {html.escape(current.user.name)}. "
            f'<a href="{html.escape(self.sign_out_path)}">Sign out</a></p>'
            if current
            else ""
        )
        body = f"<h1>Sign in to {html.escape(self.app_name)}</h1>{note}<ul>{''.join(rows)}</ul>"
        return _html(200, "Sign in", body)


PAGE_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
    "color:#1f2328}li{margin:.5em 0;list-style:none}button{font:inherit;padding:.3em .8em;"
    "border-radius:6px;border:1px solid #8c959f;background:#f6f8fa;cursor:pointer}"
    "nav{margin:1em 0}a{color:#0969da}</style>"
)


_CLERK_JS_PATH = re.compile(r"/npm/@clerk/clerk-js@[0-9A-Za-z.+-]+/dist/clerk\.browser\.js")


@cache
def _standin_source() -> bytes:
    return resources.files(__package__).joinpath("clerk_js_standin.js").read_bytes()


def _clerk_js_standin() -> AuthResponse:
    return AuthResponse(
        200,
        [
            ("content-type", "text/javascript; charset=utf-8"),
            ("cache-control", "no-store"),
            ("x-content-type-options", "nosniff"),
        ],
        _standin_source(),
    )


def _user_json(user: TestUser) -> dict[str, Any]:
    return {
        "id": user.user_id,
        "name": user.name,
        "email": user.email,
        "orgId": user.org_id,
        "orgSlug": user.org_slug,
        "orgRole": user.org_role,
    }


def _json(
    status: int, document: Mapping[str, Any], headers: Sequence[tuple[str, str]] = ()
) -> AuthResponse:
    return AuthResponse(
        status, [("content-type", "application/json"), *headers], json.dumps(document).encode()
    )


def _form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {k: v[0] for k, v in parsed.items() if v}


def banner_html() -> str:
    """The notice every page of an app served by the local instance shows."""
    return (
        '<p class="clerk-local-banner" role="status" style="background:#fff4d6;border:1px solid '
        '#e0b84c;padding:.6em 1em;border-radius:6px;font-family:system-ui,sans-serif">'
        f"<strong>{html.escape(LOCAL_BANNER)}</strong></p>"
    )


def _host_refused() -> AuthResponse:
    return _html(
        400,
        "Host not allowed",
        "<p>The local Clerk instance builds no redirect on this host. Serve the app on localhost "
        "or 127.0.0.1, or list its host in <code>allowed_hosts</code>.</p>",
    )


def _html(status: int, title: str, body: str) -> AuthResponse:
    page = (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>{PAGE_STYLE}</head><body>{banner_html()}{body}</body></html>"
    )
    return AuthResponse(status, [("content-type", "text/html; charset=utf-8")], page.encode())
