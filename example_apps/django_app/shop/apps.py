from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "example_apps.django_app.shop"
    label = "shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from clerk_core import WebhookVerifier, handle_webhook

        from .webhooks import router

        frontend = settings.CLERK.get("local_frontend")
        options = settings.CLERK.get("options")
        if frontend is not None and options is not None and options.webhook_signing_secret:
            # The local Clerk instance delivers user events as Clerk would send them.
            verifier = WebhookVerifier(options.webhook_signing_secret)
            frontend.webhook_sink = lambda body, headers: handle_webhook(
                body, headers, router, verifier
            )
