"""The local instance's Backend API: keys, sessions, users, organizations, memberships, invitations
and machine tokens, in memory; and the Frontend API's public JWKS (``/.well-known/jwks.json``, at
the root or under a proxy path), which needs no secret key.

Served over an ``httpx`` transport (``instance.transport()``) or a loopback HTTP server
(``instance.serve()``, see :mod:`.server`), so the real client code runs in tests and demos with no
Clerk account. Every endpoint is one row of one route table: a method, a path pattern and a
handler; the first row whose method and pattern match the request answers it.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

import httpx
import jwt

from ..tokens import CAT_JWT_TEMPLATE
from .server import LocalBackendServer

if TYPE_CHECKING:
    from .instance import LocalClerkInstance

__all__ = ["FakeBackendAPI", "LocalBackendServer"]

DEFAULT_ORGANIZATION_IMAGE = "https://img.clerk.com/local/default-organization.png"
"""The ``image_url`` of an organization without a logo (Clerk shows a generated one)."""


def _error(status: int, code: str, message: str | None = None) -> httpx.Response:
    error = {"code": code} if message is None else {"code": code, "message": message}
    return httpx.Response(status, json={"errors": [error]})


def _not_found(what: str) -> httpx.Response:
    return httpx.Response(
        404,
        json={
            "errors": [
                {
                    "code": "resource_not_found",
                    "message": f"{what} not found",
                    "long_message": f"The requested {what} could not be found.",
                }
            ],
            "clerk_trace_id": "trace_local",
        },
    )


def _json_body(request: httpx.Request) -> dict[str, Any]:
    try:
        data = json.loads(request.content or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class Call(NamedTuple):
    """What a route handler gets: the request, its path parameters, its JSON body and its query."""

    request: httpx.Request
    args: tuple[str, ...]
    body: dict[str, Any]

    @property
    def params(self) -> httpx.QueryParams:
        return self.request.url.params


class Route(NamedTuple):
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[FakeBackendAPI, Call], httpx.Response]
    faults: bool
    """Whether ``fail_next`` faults apply (not to the JWKS and session refresh the engine needs)."""


ROUTES: list[Route] = []
_FRONTEND_JWKS = re.compile(r"(?:/[^/]+)*/\.well-known/jwks\.json")
"""The Frontend API's JWKS path, at the root or below a proxy path (``/__clerk/...``)."""
_ID = r"([^/]+)"


def route(
    method: str, pattern: str, *, faults: bool = True
) -> Callable[
    [Callable[[FakeBackendAPI, Call], httpx.Response]],
    Callable[[FakeBackendAPI, Call], httpx.Response],
]:
    """Add the decorated handler to the route table for ``method`` and the path ``pattern`` (a
    regular expression matched against the whole path; groups become ``call.args``; ``{id}`` is
    one path segment). A literal path (no group) goes before every pattern, so ``/v1/users/count``
    is never read as the user ``count``; otherwise the first row added wins.

    A handler is a function of the :class:`FakeBackendAPI` and the :class:`Call`: a method here, or
    a function in a group's own module (``_fake_<group>.py``, imported at the end of this one)."""

    def register(
        handler: Callable[[FakeBackendAPI, Call], httpx.Response],
    ) -> Callable[[FakeBackendAPI, Call], httpx.Response]:
        row = Route(method, re.compile(pattern.replace("{id}", _ID)), handler, faults)
        if row.pattern.groups == 0:
            ROUTES.insert(sum(1 for r in ROUTES if r.pattern.groups == 0), row)
        else:
            ROUTES.append(row)
        return handler

    return register


class FakeBackendAPI:
    """The data and routes of the local Backend API."""

    def __init__(self, instance: LocalClerkInstance) -> None:
        self.instance = instance
        self.users: dict[str, dict[str, Any]] = {}
        self.organizations: dict[str, dict[str, Any]] = {}
        self.memberships: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.invitations: dict[str, dict[str, Any]] = {}
        self.organization_invitations: dict[str, dict[str, Any]] = {}
        self.allowlist_identifiers: dict[str, dict[str, Any]] = {}
        self.blocklist_identifiers: dict[str, dict[str, Any]] = {}
        self.jwt_templates: dict[str, dict[str, Any]] = {}
        """JWT templates by name: the claims each adds to the session's (``jwt_templates.get``
        and ``list`` show them with an id made from the name)."""
        self.handshake_payloads: dict[str, list[str]] = {}
        self.testing_tokens: list[str] = []  # created by POST /testing_tokens (_fake_machine)
        self.sign_in_tokens: dict[str, dict[str, Any]] = {}  # by id (_fake_sign_in_tokens)
        self._faults: list[tuple[int, str | None]] = []
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ data
    def add_user(
        self,
        user_id: str,
        *,
        first_name: str = "Test",
        last_name: str = "User",
        email: str = "test@example.test",
        **fields: Any,
    ) -> dict[str, Any]:
        user = self.instance.user_payload(
            user_id, first_name=first_name, last_name=last_name, email=email
        )
        user.update(fields)
        with self._lock:
            self.users[user_id] = user
        return user

    def add_organization(
        self, org_id: str, *, name: str, slug: str, **fields: Any
    ) -> dict[str, Any]:
        """An organization as Clerk stores it (``fields`` override any of its fields)."""
        now = int(self.instance.clock() * 1000)
        org = {
            "object": "organization",
            "id": org_id,
            "name": name,
            "slug": slug,
            "image_url": DEFAULT_ORGANIZATION_IMAGE,
            "has_image": False,
            "members_count": 0,
            "pending_invitations_count": 0,
            "max_allowed_memberships": 0,
            "admin_delete_enabled": True,
            "public_metadata": {},
            "private_metadata": {},
            "created_by": "",
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        with self._lock:
            self.organizations[org_id] = org
        return org

    def add_membership(
        self,
        user_id: str,
        org_id: str,
        *,
        role: str = "org:member",
        permissions: Sequence[str] = (),
    ) -> dict[str, Any]:
        """``user_id`` joins ``org_id`` with ``role`` (a membership the user already has is
        replaced)."""
        now = int(self.instance.clock() * 1000)
        with self._lock:
            org = self.organizations[org_id]
            user = self.users.get(user_id, {})
            membership = {
                "object": "organization_membership",
                "id": "orgmem_" + secrets.token_hex(8),
                "role": role,
                "role_name": role.removeprefix("org:").replace("_", " ").title(),
                "permissions": list(permissions),
                "public_metadata": {},
                "private_metadata": {},
                "organization": org,
                "public_user_data": {
                    "user_id": user_id,
                    "first_name": user.get("first_name"),
                    "last_name": user.get("last_name"),
                    "username": user.get("username"),
                    "identifier": _email(user) or user.get("username") or "",
                    "image_url": user.get("image_url") or "",
                    "has_image": bool(user.get("has_image")),
                },
                "created_at": now,
                "updated_at": now,
            }
            self.memberships[:] = [
                m
                for m in self.memberships
                if not (
                    m["organization"]["id"] == org_id
                    and m["public_user_data"]["user_id"] == user_id
                )
            ]
            self.memberships.append(membership)
            org["members_count"] = sum(
                1 for m in self.memberships if m["organization"]["id"] == org_id
            )
        return membership

    def add_session(self, session_id: str, user_id: str, **claims: Any) -> dict[str, Any]:
        """A session whose tokens ``POST /sessions/{id}/tokens`` mints (``claims`` as in
        ``LocalClerkInstance.session_claims``)."""
        now = int(self.instance.clock() * 1000)
        session = {
            "object": "session",
            "id": session_id,
            "user_id": user_id,
            "status": "active",
            "client_id": "client_" + secrets.token_hex(6),
            "last_active_organization_id": claims.get("org_id"),
            "actor": claims.get("actor"),
            "last_active_at": now,
            "expire_at": now + 7 * 86_400_000,
            "abandon_at": now + 30 * 86_400_000,
            "created_at": now,
            "updated_at": now,
            "_claims": claims,
        }
        with self._lock:
            self.sessions[session_id] = session
        return session

    def handshake_nonce(self, directives: Sequence[str]) -> str:
        """A nonce that ``GET /clients/handshake_payload`` redeems for these Set-Cookie directives,
        as Clerk's Frontend API hands one back after a handshake."""
        nonce = "nonce_" + secrets.token_hex(8)
        with self._lock:
            self.handshake_payloads[nonce] = list(directives)
        return nonce

    def fail_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` requests with ``status`` (a 429 or 5xx, for retry tests)."""
        with self._lock:
            self._faults.extend(
                [(status, str(retry_after) if retry_after is not None else None)] * times
            )

    # ------------------------------------------------------------------ dispatch
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one Backend API request (the handler of the transport and the loopback server)."""
        instance = self.instance
        with self._lock:
            instance.requests.append(request)
        if request.method == "GET" and _FRONTEND_JWKS.fullmatch(request.url.path):
            # The Frontend API's public JWKS (at its host, or under a proxy path such as
            # /__clerk): no credentials, as Clerk serves it.
            return self._frontend_jwks()
        if not self._authorized(request):
            return _error(401, "clerk_key_invalid", "The provided Clerk Secret Key is invalid.")
        path = "/" + "/".join(unquote(p) for p in request.url.path.split("/") if p)
        found = self._match(request.method, path)
        with self._lock:
            if (found is None or found[0].faults) and self._faults:
                return self._fault()
            if found is None:
                return _error(404, "resource_not_found", f"No route for {request.url.path}")
            matched, args = found
            return matched.handler(self, Call(request, args, _json_body(request)))

    def _authorized(self, request: httpx.Request) -> bool:
        """The instance secret key, or a machine secret key for the M2M endpoints (as Clerk)."""
        auth = request.headers.get("authorization", "")
        if auth == f"Bearer {self.instance.secret_key}":
            return True
        machine = f"Bearer {self.instance.machine_secret_key}"
        return auth == machine and request.url.path.startswith("/v1/m2m_tokens")

    @staticmethod
    def _match(method: str, path: str) -> tuple[Route, tuple[str, ...]] | None:
        for entry in ROUTES:
            if entry.method == method:
                match = entry.pattern.fullmatch(path)
                if match is not None:
                    return entry, match.groups()
        return None

    def _fault(self) -> httpx.Response:
        status, retry_after = self._faults.pop(0)
        code = "too_many_requests" if status == 429 else "internal_error"
        response = _error(status, code, "injected fault")
        if retry_after:
            response.headers["Retry-After"] = retry_after
        return response

    # ------------------------------------------------------------------ keys and session refresh
    def _frontend_jwks(self) -> httpx.Response:
        with self._lock:
            self.instance.frontend_jwks_requests += 1
        return httpx.Response(200, json=self.instance.jwks())

    @route("GET", r"(?:/.*)?/jwks", faults=False)
    def _jwks(self, call: Call) -> httpx.Response:
        self.instance.jwks_requests += 1
        return httpx.Response(200, json=self.instance.jwks())

    @route("POST", r"/v1/sessions/{id}/refresh", faults=False)
    def _refresh(self, call: Call) -> httpx.Response:
        instance, body, (sid,) = self.instance, call.body, call.args
        grant = instance._refresh_grant(str(body.get("refresh_token", "")))
        if grant is None or body.get("format") != "cookie":
            return _error(400, "invalid_refresh_token", "The refresh token is invalid.")
        try:
            expired = jwt.decode(
                str(body.get("expired_token", "")), options={"verify_signature": False}
            )
        except jwt.PyJWTError:
            expired = {}
        if expired.get("sid") != sid:
            return _error(400, "invalid_refresh_token")
        user_id, kwargs = grant
        token = instance.session_token(user_id, session_id=sid, **kwargs)
        suffixed = call.params.get("suffixed_cookies") == "true"
        suffix = f"_{instance.cookie_suffix}" if suffixed else ""
        now = int(instance.clock())
        cookies = [
            f"__session{suffix}={token}; Path=/; SameSite=Lax; Secure",
            f"__client_uat{suffix}={now}; Path=/; SameSite=Lax; Secure; Max-Age=315360000",
        ]
        return httpx.Response(200, json={"object": "cookies", "cookies": cookies})

    # ------------------------------------------------------------------ session tokens
    # (organizations, memberships, invitations and the other session endpoints are in
    # _fake_organizations.py and _fake_instance.py)
    @route("POST", r"/v1/sessions/{id}/tokens(?:/([^/]+))?")
    def _session_token(self, call: Call) -> httpx.Response:
        session_id, template = call.args
        session = self.sessions.get(session_id)
        if session is None:
            return _not_found("session")
        if session["status"] != "active":
            return _error(400, "session_not_active")
        return self._mint(session, template, call.body)

    @route("GET", r"/v1/clients/handshake_payload")
    def _handshake_payload(self, call: Call) -> httpx.Response:
        directives = self.handshake_payloads.pop(call.params.get("nonce", ""), None)
        if directives is None:
            return _not_found("handshake payload")
        return httpx.Response(200, json={"object": "handshake_payload", "directives": directives})

    def _mint(
        self, session: dict[str, Any], template: str | None, body: Mapping[str, Any]
    ) -> httpx.Response:
        instance = self.instance
        claims = dict(session["_claims"])
        lifetime = body.get("expires_in_seconds")
        if isinstance(lifetime, int) and lifetime > 0:
            claims["lifetime"] = lifetime
        if template is None:
            token = instance.session_token(session["user_id"], session_id=session["id"], **claims)
        else:
            definition = self.jwt_templates.get(template)
            if definition is None:
                return _not_found("JWT template")
            payload = instance.session_claims(
                session["user_id"], session_id=session["id"], **claims
            )
            payload.update(definition)
            token = instance.sign(payload, headers={"cat": CAT_JWT_TEMPLATE})
        return httpx.Response(200, json={"object": "token", "jwt": token})


def _public(session: Mapping[str, Any]) -> dict[str, Any]:
    """A session as the API shows it (without the local instance's private fields)."""
    return {k: v for k, v in session.items() if not k.startswith("_")}


def _email(user: Mapping[str, Any]) -> str | None:
    for item in user.get("email_addresses") or []:
        if item.get("id") == user.get("primary_email_address_id"):
            value = item.get("email_address")
            return value if isinstance(value, str) else None
    return None


from . import (  # noqa: E402, F401
    _fake_instance,
    _fake_machine,
    _fake_organizations,
    _fake_sign_in_tokens,
    _fake_users,
)
