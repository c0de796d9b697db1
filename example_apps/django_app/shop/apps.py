from __future__ import annotations

import contextlib

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "example_apps.django_app.shop"
    label = "shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from clerk_core import WebhookVerifier, handle_webhook
        from clerk_core.users import invalidate_on_user_events
        from clerk_django.conf import get_clerk

        from . import receivers  # noqa: F401  (connects the clerk_django signal receivers)
        from .webhooks import router

        # With broken Clerk settings, `manage.py check` reports the problem with a hint.
        with contextlib.suppress(ImproperlyConfigured):
            invalidate_on_user_events(router, get_clerk().user_cache)  # current_user sees changes

        frontend = settings.CLERK.get("local_frontend")
        options = settings.CLERK.get("options")
        if frontend is not None and options is not None and options.webhook_signing_secret:
            # The local Clerk instance delivers user events as Clerk would send them.
            verifier = WebhookVerifier(options.webhook_signing_secret)
            frontend.webhook_sink = lambda body, headers: handle_webhook(
                body, headers, router, verifier
            )
