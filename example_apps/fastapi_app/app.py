"""A small but real FastAPI app protected by Clerk.

* ``/``: public;
* ``/dashboard``: a server-rendered page that needs a session (the ``__session`` cookie);
* ``/admin``: the organization admins' area (guarded in the middleware, by route pattern);
* ``/api/orders``: JSON, needs the ``org:orders:read`` permission (a FastAPI dependency);
* ``/me``: the auth object as JSON;
* ``/ws``: a WebSocket that greets signed-in users and refuses the others.

With ``CLERK_PUBLISHABLE_KEY`` and ``CLERK_SECRET_KEY`` set it uses your Clerk application, and the
sign-in page loads Clerk's own UI from your Frontend API. Without them it runs against the local
Clerk instance of ``clerk_core.testing``, whose sign-in page lists test users.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from typing import Any

from fastapi import Depends, FastAPI, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.requests import HTTPConnection

from clerk_core import (
    AuthObject,
    Clerk,
    ClerkOptions,
    WebhookVerifier,
    create_route_matcher,
    handle_webhook,
)
from clerk_core.resources import User
from clerk_core.testing.frontend import PAGE_STYLE, LocalFrontendAPI, banner_html
from clerk_core.users import invalidate_on_user_events
from clerk_starlette import ClerkMiddleware, get_auth
from clerk_starlette.fastapi import Protect, current_user, require_auth
from clerk_starlette.fastapi import get_auth as auth_dependency
from clerk_starlette.local import LocalFrontendMiddleware
from clerk_starlette.webhooks import webhook_api_router
from example_apps._users import UserTable, user_sync_router

__all__ = ["create_app"]

ORDERS = [
    {"id": "ord_1001", "item": "Espresso machine", "total": 349.0},
    {"id": "ord_1002", "item": "Grinder", "total": 129.5},
]
is_admin_area = create_route_matcher(["/admin(.*)"])
is_socket = create_route_matcher(["/ws"])


def guard(auth: AuthObject, request: HTTPConnection) -> None:
    """Route-level rules, checked in the middleware before any view runs."""
    if is_admin_area(request):
        auth.protect(role="org:admin", unauthorized_url="/no-access")
    if is_socket(request):
        auth.protect()


def _page(title: str, body: str, *, local: bool, auth: AuthObject | None = None) -> HTMLResponse:
    who = (
        f"Signed in as <b>{html.escape(_display_name(auth))}</b> · "
        '<form method="post" action="/sign-out" style="display:inline">'
        '<button type="submit">Sign out</button></form>'
        if auth is not None and auth.is_authenticated
        else '<a href="/sign-in">Sign in</a>'
    )
    nav = (
        '<nav><a href="/">Home</a> · <a href="/dashboard">Dashboard</a> · <a href="/admin">Admin</a>'
        f' · <a href="/api/orders">Orders API</a> · <a href="/me">Auth object</a> · {who}</nav>'
    )
    page = (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>{PAGE_STYLE}</head><body>"
        f"{banner_html() if local else ''}{nav}<main><h1>{html.escape(title)}</h1>{body}</main>"
        "</body></html>"
    )
    return HTMLResponse(page)


def _display_name(auth: AuthObject | None) -> str:
    if auth is None:
        return ""
    claims: Mapping[str, Any] = auth.session_claims or {}
    name = claims.get("name")
    return str(name) if isinstance(name, str) and name else (auth.user_id or "")


def _clerk_js_sign_in(options: ClerkOptions) -> str:
    """The sign-in page with a real Clerk application: Clerk's UI, loaded from its Frontend API."""
    fapi = html.escape(options.frontend_api or "")
    key = html.escape(options.publishable_key or "")
    return (
        '<div id="sign-in"></div>'
        f'<script async crossorigin="anonymous" data-clerk-publishable-key="{key}" '
        f'src="https://{fapi}/npm/@clerk/clerk-js@5/dist/clerk.browser.js" '
        'onload="window.Clerk.load().then(function () {'
        " window.Clerk.mountSignIn(document.getElementById('sign-in'),"
        " {forceRedirectUrl: new URLSearchParams(location.search).get('redirect_url') || '/'}); })"
        '"></script>'
    )


def create_app(
    environ: Mapping[str, str] | None = None,
    *,
    clerk: Clerk | None = None,
    frontend: LocalFrontendAPI | None = None,
) -> FastAPI:
    """Build the app. With real keys in ``environ`` it talks to Clerk; otherwise to the local
    instance (``frontend``, created when not given)."""
    env = os.environ if environ is None else environ
    real = bool(env.get("CLERK_PUBLISHABLE_KEY") and env.get("CLERK_SECRET_KEY")) and clerk is None
    local = not real
    if real:
        clerk = Clerk(ClerkOptions.from_env(env))
    elif clerk is None:
        frontend = frontend or LocalFrontendAPI(app_name="the FastAPI example", environ=env)
        clerk = frontend.clerk()  # its Backend API calls reach the local instance in memory
    options = clerk.options

    app = FastAPI(title="clerk-integrations FastAPI example")
    app.state.clerk = clerk
    users = UserTable(env.get("EXAMPLE_DB", ":memory:"))
    app.state.users = users
    if options.webhook_signing_secret:
        # Clerk -> /api/webhooks/clerk keeps the local user table in step (user.created/updated/deleted).
        webhooks = user_sync_router(users)
        invalidate_on_user_events(webhooks, clerk.user_cache)  # current_user sees changes at once
        verifier = WebhookVerifier(
            options.webhook_signing_secret, max_body_bytes=options.max_webhook_body_bytes
        )
        app.include_router(webhook_api_router(webhooks, verifier=verifier))
        if frontend is not None:  # the local instance delivers user events as Clerk would
            frontend.webhook_sink = lambda body, headers: handle_webhook(
                body, headers, webhooks, verifier
            )
    app.add_middleware(ClerkMiddleware, clerk=clerk, guard=guard)
    if frontend is not None:
        app.add_middleware(LocalFrontendMiddleware, frontend=frontend)  # outermost: runs first

    @app.get("/", response_class=HTMLResponse)
    async def home(auth: AuthObject = Depends(auth_dependency)) -> HTMLResponse:
        body = "<p>A public page. The dashboard, the admin area and the API need a session.</p>"
        return _page("Welcome", body, local=local, auth=auth)

    @app.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(
        auth: AuthObject = Depends(require_auth),
        user: User | None = Depends(current_user),
    ) -> HTMLResponse:
        org = (
            f"<p>Organization <b>{html.escape(auth.org_slug or auth.org_id or '')}</b>, "
            f"role <b>{html.escape(auth.org_role or '')}</b>.</p>"
            if auth.org_id
            else "<p>No active organization.</p>"
        )
        row = users.get(auth.user_id)
        synced = (
            f'<p id="synced">Synced from Clerk webhooks: {html.escape(row["email"] or "")} '
            f"({html.escape(row['first_name'] or '')} {html.escape(row['last_name'] or '')})</p>"
            if row
            else '<p id="synced">Not in the local user table yet: point a Clerk webhook at '
            "/api/webhooks/clerk.</p>"
        )
        memberships = await clerk.backend_api_async.users.organization_memberships(
            auth.user_id or ""
        )
        orgs = ", ".join(f"{m.organization.name} ({m.role})" for m in memberships) or "none"
        profile = (
            f'<p id="profile">From the Backend API: {html.escape(user.first_name or "")} '
            f"{html.escape(user.last_name or '')} · organizations: {html.escape(orgs)}</p>"
            if user
            else ""
        )
        body = (
            f'<p id="greeting">Hello, {html.escape(_display_name(auth))}!</p>{org}{profile}{synced}'
        )
        return _page("Dashboard", body, local=local, auth=auth)

    @app.get("/admin", response_class=HTMLResponse)
    async def admin(auth: AuthObject = Depends(auth_dependency)) -> HTMLResponse:
        return _page(
            "Admin area", "<p>Only organization admins see this.</p>", local=local, auth=auth
        )

    @app.get("/no-access", response_class=HTMLResponse)
    async def no_access(auth: AuthObject = Depends(auth_dependency)) -> HTMLResponse:
        response = _page(
            "No access",
            '<p id="refused">This area is for organization admins.</p>',
            local=local,
            auth=auth,
        )
        response.status_code = 403
        return response

    @app.get("/api/orders")
    async def orders(
        auth: AuthObject = Depends(Protect(permission="org:orders:read")),
    ) -> dict[str, Any]:
        return {"organization": auth.org_id, "orders": ORDERS}

    @app.get("/me")
    async def me(auth: AuthObject = Depends(auth_dependency)) -> JSONResponse:
        fields = (
            "is_authenticated",
            "token_type",
            "user_id",
            "session_id",
            "session_status",
            "org_id",
            "org_role",
            "org_slug",
            "org_permissions",
            "factor_verification_age",
        )
        return JSONResponse({name: getattr(auth, name) for name in fields})

    @app.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        auth = get_auth(websocket)  # the guard already refused anyone signed out
        await websocket.accept()
        await websocket.send_json({"hello": auth.user_id})
        await websocket.close()

    if local:
        return app

    @app.get("/sign-in", response_class=HTMLResponse)
    async def sign_in() -> HTMLResponse:
        return _page("Sign in", _clerk_js_sign_in(options), local=False)

    @app.post("/sign-out", response_class=HTMLResponse)
    async def sign_out() -> HTMLResponse:
        fapi = html.escape(options.frontend_api or "")
        key = html.escape(options.publishable_key or "")
        script = (
            f'<script async crossorigin="anonymous" data-clerk-publishable-key="{key}" '
            f'src="https://{fapi}/npm/@clerk/clerk-js@5/dist/clerk.browser.js" '
            "onload=\"window.Clerk.load().then(function () { window.Clerk.signOut({redirectUrl: '/'}); })\""
            "></script>"
        )
        return _page("Signing out", script, local=False)

    return app
