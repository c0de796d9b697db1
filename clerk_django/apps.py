from __future__ import annotations

from django.apps import AppConfig


class ClerkConfig(AppConfig):
    name = "clerk_django"
    label = "clerk_django"
    verbose_name = "Clerk"
    # Fixed here, so the app's migrations do not depend on the project's DEFAULT_AUTO_FIELD.
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, conf  # noqa: F401  (registers the checks and the settings receiver)
