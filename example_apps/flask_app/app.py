"""A small but real Flask app protected by Clerk (the same app as the FastAPI and Django examples).

With ``CLERK_PUBLISHABLE_KEY`` and ``CLERK_SECRET_KEY`` it uses your Clerk application; without them,
the local Clerk instance of ``clerk_core.testing``. The templates use the Clerk globals the extension
registers (``clerk_js()``, ``clerk_sign_in()``, ``clerk_user_button()``, ``clerk_signed_in()``): with
the local instance its ClerkJS stand-in draws them, with real keys Clerk's own UI. The dashboard's
"Delete my data" form posts to ``/api/danger-zone``, which needs a recent verification
(``protect(reverification="strict")``): the form is marked ``data-clerk-reverify``, so Clerk's
"Verify it's you" prompt opens on the 403 reverification hint and the request is sent again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, jsonify, render_template

from clerk_core import (
    AuthObject,
    Clerk,
    ClerkOptions,
    WebhookVerifier,
    create_route_matcher,
    handle_webhook,
)
from clerk_core.testing.frontend import PAGE_STYLE, LocalFrontendAPI, banner_html
from clerk_core.users import invalidate_on_user_events
from clerk_flask import Clerk as ClerkExtension
from clerk_flask import auth_required, current_auth, current_user, protect
from clerk_flask.webhooks import webhook_blueprint
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


def guard(auth: AuthObject, request: Any) -> None:
    if is_admin_area(request):
        auth.protect(role="org:admin", unauthorized_url="/no-access")


api = Blueprint("api", __name__, url_prefix="/api")
api.before_request(protect(permission="org:orders:read"))  # every route of the blueprint


@api.get("/orders")
def orders() -> Any:
    return jsonify(organization=current_auth.org_id, orders=ORDERS)


def create_app(environ: Mapping[str, str] | None = None, *, clerk: Clerk | None = None) -> Flask:
    env = os.environ if environ is None else environ
    real = bool(env.get("CLERK_PUBLISHABLE_KEY") and env.get("CLERK_SECRET_KEY")) and clerk is None
    frontend: LocalFrontendAPI | None = None
    if real:
        clerk = Clerk(ClerkOptions.from_env(env))
    elif clerk is None:
        frontend = LocalFrontendAPI(app_name="the Flask example", environ=env, hosted_sign_in=False)
        # Its Backend API calls reach the local instance in memory; CLERK_CONTENT_SECURITY_POLICY
        # (on, strict) applies here too, as ClerkOptions.from_env reads it with real keys.
        clerk = frontend.clerk(content_security_policy=env.get("CLERK_CONTENT_SECURITY_POLICY"))
    options = clerk.options
    engine = clerk

    app = Flask(__name__)
    ClerkExtension(app, clerk=clerk, guard=guard, local_frontend=frontend)
    app.register_blueprint(api)
    users = UserTable(env.get("EXAMPLE_DB", ":memory:"))
    app.extensions["users"] = users
    if options.webhook_signing_secret:
        # Clerk -> /api/webhooks/clerk keeps the local user table in step.
        webhooks = user_sync_router(users)
        invalidate_on_user_events(webhooks, clerk.user_cache)  # current_user sees changes at once
        verifier = WebhookVerifier(
            options.webhook_signing_secret, max_body_bytes=options.max_webhook_body_bytes
        )
        app.register_blueprint(webhook_blueprint(webhooks, verifier=verifier))
        if frontend is not None:  # the local instance delivers user events as Clerk would
            frontend.webhook_sink = lambda body, headers: handle_webhook(
                body, headers, webhooks, verifier
            )

    @app.context_processor
    def layout() -> dict[str, Any]:
        return {"banner": banner_html() if frontend else "", "page_style": PAGE_STYLE}

    @app.get("/")
    def home() -> str:
        return render_template("home.html")

    @app.get("/sign-in")
    def sign_in() -> str:  # the local instance answers the form it posts
        return render_template("sign_in.html")

    @app.get("/dashboard")
    @auth_required
    def dashboard() -> str:
        claims = current_auth.session_claims or {}
        memberships = engine.backend_api.users.organization_memberships(current_auth.user_id or "")
        return render_template(
            "dashboard.html",
            name=claims.get("name") or current_auth.user_id,
            synced=users.get(current_auth.user_id),
            user=current_user(),
            memberships=memberships,
        )

    @app.get("/admin")
    def admin() -> str:
        return render_template("admin.html")

    @app.get("/no-access")
    def no_access() -> tuple[str, int]:
        return render_template("no_access.html"), 403

    @app.post("/api/danger-zone")
    @protect(reverification="strict")
    def danger_zone() -> Any:
        return jsonify(message=DANGER_ZONE_MESSAGE, user_id=current_auth.user_id)

    @app.get("/me")
    def me() -> Any:
        fields = (
            "is_authenticated",
            "token_type",
            "user_id",
            "session_id",
            "org_id",
            "org_role",
            "org_slug",
            "org_permissions",
        )
        return jsonify({name: getattr(current_auth, name) for name in fields})

    return app
