"""Clerk webhook endpoint for Flask.

router = WebhookRouter()
app.add_url_rule("/api/webhooks/clerk", view_func=webhook_view(router), methods=["POST"])
# or: app.register_blueprint(webhook_blueprint(router))
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, request

from clerk_core import ClerkOptions, WebhookRouter, WebhookVerifier, handle_webhook
from clerk_core.webhooks import too_large

from .extension import render

__all__ = ["webhook_blueprint", "webhook_view"]


def webhook_view(
    router: WebhookRouter,
    *,
    verifier: WebhookVerifier | None = None,
    options: ClerkOptions | None = None,
) -> Callable[[], Response]:
    """A view function: 400 for a bad delivery, 413 when too large, 2xx once handled.

    The secret comes from ``verifier``, ``options``, the app's Clerk extension, or
    ``CLERK_WEBHOOK_SIGNING_SECRET``.
    """
    checked: list[WebhookVerifier] = [verifier] if verifier is not None else []
    if not checked and options is not None:
        checked.append(
            WebhookVerifier(
                options.webhook_signing_secret, max_body_bytes=options.max_webhook_body_bytes
            )
        )

    def view() -> Response:
        if not checked:
            state = current_app.extensions.get("clerk")
            opts = state.engine.options if state is not None else None
            checked.append(
                WebhookVerifier(
                    opts.webhook_signing_secret if opts else None,
                    max_body_bytes=opts.max_webhook_body_bytes if opts else 1024 * 1024,
                )
            )
        verifier_ = checked[0]
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
    blueprint = Blueprint(name, __name__)
    blueprint.add_url_rule(
        path, view_func=webhook_view(router, verifier=verifier, options=options), methods=["POST"]
    )
    return blueprint
