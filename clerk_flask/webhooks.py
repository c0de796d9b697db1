"""Clerk webhook endpoint for Flask.

router = WebhookRouter()
app.add_url_rule("/api/webhooks/clerk", view_func=webhook_view(router), methods=["POST"])
# or: app.register_blueprint(webhook_blueprint(router))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from clerk_core import ClerkOptions, WebhookRouter, WebhookVerifier, handle_webhook
from clerk_core.webhooks import too_large

from .extension import render

__all__ = ["webhook_blueprint", "webhook_view"]


def _verifier_for(app: Flask) -> WebhookVerifier:
    """The verifier of an app: its Clerk extension's options, else ``CLERK_WEBHOOK_SIGNING_SECRET``.
    Raises ``ClerkConfigurationError`` (saying how to fix it) when there is no valid secret."""
    state = app.extensions.get("clerk")
    return WebhookVerifier.from_options(state.engine.options if state is not None else None)


def _bind(app: Flask, view: Callable[[], Response]) -> WebhookVerifier:
    verifiers: dict[Callable[[], Response], WebhookVerifier] = app.extensions.setdefault(
        "clerk_webhooks", {}
    )
    if view not in verifiers:
        verifiers[view] = _verifier_for(app)
    return verifiers[view]


def webhook_view(
    router: WebhookRouter,
    *,
    verifier: WebhookVerifier | None = None,
    options: ClerkOptions | None = None,
) -> Callable[[], Response]:
    """A view function: 400 for a bad delivery, 413 when too large, 2xx once handled.

    The secret comes from ``verifier``, ``options``, the app's Clerk extension, or
    ``CLERK_WEBHOOK_SIGNING_SECRET``. Without ``verifier`` or ``options`` the view finds its secret
    on the first delivery (each app its own); :func:`webhook_blueprint` checks it at registration.

    The view runs handlers synchronously: a router with an async handler raises
    ``ClerkConfigurationError`` here (or when such a handler is registered later).
    """
    router.require_sync_handlers("clerk_flask.webhooks.webhook_view")
    if verifier is None and options is not None:
        verifier = WebhookVerifier.from_options(options)
    fixed = verifier

    def view() -> Response:
        verifier_ = fixed if fixed is not None else _bind(current_app, view)
        length = request.content_length
        if length is not None and length > verifier_.max_body_bytes:
            return render(too_large(verifier_))
        body = request.get_data(cache=False)
        if len(body) > verifier_.max_body_bytes:
            return render(too_large(verifier_))
        return render(handle_webhook(body, dict(request.headers.items()), router, verifier_))

    view.__name__ = "clerk_webhook"
    return view


def webhook_blueprint(
    router: WebhookRouter,
    *,
    path: str = "/api/webhooks/clerk",
    verifier: WebhookVerifier | None = None,
    options: ClerkOptions | None = None,
    name: str = "clerk_webhooks",
) -> Blueprint:
    """A blueprint with the endpoint at ``path``. Without ``verifier`` or ``options``, the secret is
    looked up when the blueprint is registered (register it after ``Clerk.init_app`` to use the
    extension's options), so that a missing or malformed secret stops the app at start-up."""
    blueprint = Blueprint(name, __name__)
    view = webhook_view(router, verifier=verifier, options=options)
    blueprint.add_url_rule(path, view_func=view, methods=["POST"])
    if verifier is None and options is None:

        def check_secret(state: BlueprintSetupState) -> None:
            _bind(cast(Flask, state.app), view)

        blueprint.record_once(check_secret)
    return blueprint
