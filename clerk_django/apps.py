from __future__ import annotations

from django.apps import AppConfig


class ClerkConfig(AppConfig):
    name = "clerk_django"
    label = "clerk_django"
    verbose_name = "Clerk"

    def ready(self) -> None:
        from . import checks, conf  # noqa: F401  (registers the checks and the settings receiver)
