"""A small but real FastAPI app protected by Clerk.

* ``/``: public;
* ``/dashboard``: a server-rendered page that needs a session (the ``__session`` cookie);
* ``/admin``: the organization admins' area (guarded in the middleware, by route pattern);
* ``/api/orders``: JSON, needs the ``org:orders:read`` permission (a FastAPI dependency);
* ``POST /api/danger-zone``: the dashboard's "Delete my data" action, which needs a recent
  verification (``Protect(reverification="strict")``): a stale session gets Clerk's 403
  reverification hint, the dashboard's ``data-clerk-reverify`` form opens Clerk's "Verify it's
  you" prompt and sends the request again;
* ``/me``: the auth object as JSON;
* ``/ws``: a WebSocket that greets signed-in users and refuses the others.

The pages are Jinja2 templates (``templates/``) built with the Clerk template globals of
``clerk_starlette.templates``: ``clerk_js()`` loads ClerkJS, ``clerk_sign_in()`` mounts the sign-in,
``clerk_user_button()`` the user button (with its sign-out). With ``CLERK_PUBLISHABLE_KEY`` and
``CLERK_SECRET_KEY`` set they load Clerk's own UI from your Frontend API. Without them the app runs
against the local Clerk instance of ``clerk_core.testing``, whose ClerkJS stand-in mounts a
sign-in that lists test users: the same templates, nothing but the keys changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
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
from clerk_starlette.templates import install_clerk_templates
from clerk_starlette.webhooks import webhook_api_router
from example_apps._users import UserTable, user_sync_router

__all__ = ["create_app"]

ORDERS = [
    {"id": "ord_1001", "item": "Espresso machine", "total": 349.0},
    {"id": "ord_1002", "item": "Grinder", "total": 129.5},
]
DANGER_ZONE_MESSAGE = (
    "Verified recently: a real app would delete your data now (this demo deletes nothing)."
)
is_admin_area = create_route_matcher(["/admin(.*)"])
is_socket = create_route_matcher(["/ws"])


def guard(auth: AuthObject, request: HTTPConnection) -> None:
    """Route-level rules, checked in the middleware before any view runs."""
    if is_admin_area(request):
        auth.protect(role="org:admin", unauthorized_url="/no-access")
    if is_socket(request):
        auth.protect()


TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
install_clerk_templates(TEMPLATES)  # clerk_js(), clerk_sign_in(), clerk_signed_in(), ...


def _display_name(auth: AuthObject | None) -> str:
    if auth is None:
        return ""
    claims: Mapping[str, Any] = auth.session_claims or {}
    name = claims.get("name")
    return str(name) if isinstance(name, str) and name else (auth.user_id or "")


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
        frontend = frontend or LocalFrontendAPI(
            app_name="the FastAPI example", environ=env, hosted_sign_in=False
        )
        # Its Backend API calls reach the local instance in memory; CLERK_CONTENT_SECURITY_POLICY
        # (on, strict) applies here too, as ClerkOptions.from_env reads it with real keys.
        clerk = frontend.clerk(content_security_policy=env.get("CLERK_CONTENT_SECURITY_POLICY"))
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

    def page(
        request: Request, name: str, auth: AuthObject, status: int = 200, **context: Any
    ) -> HTMLResponse:
        layout = {
            "banner": banner_html() if local else "",
            "page_style": PAGE_STYLE,
            "auth": auth,
            "display_name": _display_name(auth),
        }
        return TEMPLATES.TemplateResponse(request, name, {**layout, **context}, status_code=status)

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request, auth: AuthObject = Depends(auth_dependency)) -> HTMLResponse:
        return page(request, "home.html", auth)

    @app.get("/sign-in", response_class=HTMLResponse)
    async def sign_in(
        request: Request, auth: AuthObject = Depends(auth_dependency)
    ) -> HTMLResponse:
        return page(request, "sign_in.html", auth)

    @app.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(
        request: Request,
        auth: AuthObject = Depends(require_auth),
        user: User | None = Depends(current_user),
    ) -> HTMLResponse:
        memberships = await clerk.backend_api_async.users.organization_memberships(
            auth.user_id or ""
        )
        return page(
            request,
            "dashboard.html",
            auth,
            user=user,
            memberships=memberships,
            synced=users.get(auth.user_id),
        )

    @app.get("/admin", response_class=HTMLResponse)
    async def admin(request: Request, auth: AuthObject = Depends(auth_dependency)) -> HTMLResponse:
        return page(request, "admin.html", auth)

    @app.get("/no-access", response_class=HTMLResponse)
    async def no_access(
        request: Request, auth: AuthObject = Depends(auth_dependency)
    ) -> HTMLResponse:
        return page(request, "no_access.html", auth, status=403)

    @app.get("/api/orders")
    async def orders(
        auth: AuthObject = Depends(Protect(permission="org:orders:read")),
    ) -> dict[str, Any]:
        return {"organization": auth.org_id, "orders": ORDERS}

    @app.post("/api/danger-zone")
    async def danger_zone(
        auth: AuthObject = Depends(Protect(reverification="strict")),
    ) -> dict[str, Any]:
        return {"message": DANGER_ZONE_MESSAGE, "user_id": auth.user_id}

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

    return app
