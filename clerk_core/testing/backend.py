"""The local instance's Backend API: users, organizations, memberships, sessions, invitations.

In memory, served over an ``httpx`` transport (``instance.transport()``) or a loopback HTTP server
(``instance.serve()``), so the real client code runs in tests and demos with no Clerk account.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

if TYPE_CHECKING:
    from .instance import LocalClerkInstance

__all__ = ["FakeBackendAPI", "LocalBackendServer"]


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


class FakeBackendAPI:
    """The data and routes of the local Backend API."""

    def __init__(self, instance: LocalClerkInstance) -> None:
        self.instance = instance
        self.users: dict[str, dict[str, Any]] = {}
        self.organizations: dict[str, dict[str, Any]] = {}
        self.memberships: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.invitations: dict[str, dict[str, Any]] = {}
        self.jwt_templates: dict[str, dict[str, Any]] = {}
        self.handshake_payloads: dict[str, list[str]] = {}
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
        org = {
            "object": "organization",
            "id": org_id,
            "name": name,
            "slug": slug,
            "members_count": 0,
            "public_metadata": {},
            "private_metadata": {},
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
        with self._lock:
            org = self.organizations[org_id]
            user = self.users.get(user_id, {})
            membership = {
                "object": "organization_membership",
                "id": "orgmem_" + secrets.token_hex(8),
                "role": role,
                "permissions": list(permissions),
                "organization": org,
                "public_user_data": {
                    "user_id": user_id,
                    "first_name": user.get("first_name"),
                    "last_name": user.get("last_name"),
                    "identifier": _email(user),
                },
            }
            self.memberships.append(membership)
            org["members_count"] = sum(
                1 for m in self.memberships if m["organization"]["id"] == org_id
            )
        return membership

    def add_session(self, session_id: str, user_id: str, **claims: Any) -> dict[str, Any]:
        """A session whose tokens ``POST /sessions/{id}/tokens`` mints (``claims`` as in
        ``LocalClerkInstance.session_claims``)."""
        session = {
            "object": "session",
            "id": session_id,
            "user_id": user_id,
            "status": "active",
            "client_id": "client_" + secrets.token_hex(6),
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

    # ------------------------------------------------------------------ routes
    def handle(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
        with self._lock:
            if self._faults:
                status, retry_after = self._faults.pop(0)
                headers = {"Retry-After": retry_after} if retry_after else {}
                return httpx.Response(
                    status,
                    headers=headers,
                    json={
                        "errors": [
                            {
                                "code": "too_many_requests" if status == 429 else "internal_error",
                                "message": "injected fault",
                            }
                        ]
                    },
                )
        parts = [unquote(p) for p in request.url.path.split("/") if p]
        if not parts or parts[0] != "v1":
            return None
        route = parts[1:]
        method = request.method
        with self._lock:
            return self._route(method, route, request, body)

    def _route(
        self, method: str, route: list[str], request: httpx.Request, body: dict[str, Any]
    ) -> httpx.Response | None:
        params = request.url.params
        if route == ["users"] and method == "GET":
            users = list(self.users.values())
            if params.get_list("email_address"):
                wanted = set(params.get_list("email_address"))
                users = [u for u in users if _email(u) in wanted]
            if params.get_list("user_id"):
                users = [u for u in users if u["id"] in set(params.get_list("user_id"))]
            if params.get("query"):
                q = params["query"].lower()
                users = [u for u in users if q in json.dumps(u).lower()]
            offset = int(params.get("offset", "0"))
            limit = int(params.get("limit", "10"))
            return httpx.Response(200, json=users[offset : offset + limit])
        if len(route) >= 2 and route[0] == "users":
            user = self.users.get(route[1])
            if user is None:
                return _not_found("user")
            if len(route) == 2 and method == "GET":
                return httpx.Response(200, json=user)
            if len(route) == 2 and method == "DELETE":
                del self.users[route[1]]
                return httpx.Response(200, json={"object": "user", "id": route[1], "deleted": True})
            if route[2:] == ["metadata"] and method == "PATCH":
                for key in ("public_metadata", "private_metadata", "unsafe_metadata"):
                    if isinstance(body.get(key), dict):
                        user[key] = {**user.get(key, {}), **body[key]}
                return httpx.Response(200, json=user)
            if route[2:] == ["organization_memberships"] and method == "GET":
                found = [
                    m for m in self.memberships if m["public_user_data"]["user_id"] == route[1]
                ]
                return httpx.Response(200, json={"data": found, "total_count": len(found)})
        if route == ["organizations"] and method == "GET":
            orgs = list(self.organizations.values())
            return httpx.Response(200, json={"data": orgs, "total_count": len(orgs)})
        if len(route) >= 2 and route[0] == "organizations":
            org = self.organizations.get(route[1]) or next(
                (o for o in self.organizations.values() if o["slug"] == route[1]), None
            )
            if org is None:
                return _not_found("organization")
            if len(route) == 2 and method == "GET":
                return httpx.Response(200, json=org)
            if route[2:] == ["memberships"] and method == "GET":
                found = [m for m in self.memberships if m["organization"]["id"] == org["id"]]
                return httpx.Response(200, json={"data": found, "total_count": len(found)})
        if len(route) >= 2 and route[0] == "sessions" and route[2:3] != ["refresh"]:
            session = self.sessions.get(route[1])
            if session is None:
                return _not_found("session")
            public = {k: v for k, v in session.items() if not k.startswith("_")}
            if len(route) == 2 and method == "GET":
                return httpx.Response(200, json=public)
            if route[2:] == ["revoke"] and method == "POST":
                session["status"] = "revoked"
                return httpx.Response(200, json={**public, "status": "revoked"})
            if route[2:3] == ["tokens"] and method == "POST":
                if session["status"] != "active":
                    return httpx.Response(400, json={"errors": [{"code": "session_not_active"}]})
                return self._mint(session, route[3] if len(route) > 3 else None, body)
        if route == ["clients", "handshake_payload"] and method == "GET":
            directives = self.handshake_payloads.pop(params.get("nonce", ""), None)
            if directives is None:
                return _not_found("handshake payload")
            return httpx.Response(
                200, json={"object": "handshake_payload", "directives": directives}
            )
        if route == ["invitations"] and method == "POST":
            invitation: dict[str, Any] = {
                "object": "invitation",
                "id": "inv_" + secrets.token_hex(8),
                "email_address": body.get("email_address"),
                "status": "pending",
                "public_metadata": body.get("public_metadata") or {},
            }
            self.invitations[str(invitation["id"])] = invitation
            return httpx.Response(200, json=invitation)
        if len(route) == 3 and route[0] == "invitations" and route[2] == "revoke":
            pending = self.invitations.get(route[1])
            if pending is None:
                return _not_found("invitation")
            pending["status"] = "revoked"
            return httpx.Response(200, json=pending)
        return None

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
            token = instance.sign(payload, headers={"cat": "cl_B7d4PD222AAA"})
        return httpx.Response(200, json={"object": "token", "jwt": token})


def _email(user: Mapping[str, Any]) -> str | None:
    for item in user.get("email_addresses") or []:
        if item.get("id") == user.get("primary_email_address_id"):
            value = item.get("email_address")
            return value if isinstance(value, str) else None
    return None


class LocalBackendServer:
    """The local instance's Backend API on ``127.0.0.1`` (``url`` is its ``api_url``)."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        serve = handler

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                content = self.rfile.read(length) if length else b""
                request = httpx.Request(
                    self.command,
                    f"http://local{self.path}",
                    headers=dict(self.headers.items()),
                    content=content,
                )
                response = serve(request)
                body = response.read()
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> LocalBackendServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving(handler: Callable[[httpx.Request], httpx.Response]) -> Iterator[LocalBackendServer]:
    server = LocalBackendServer(handler).start()
    try:
        yield server
    finally:
        server.stop()
