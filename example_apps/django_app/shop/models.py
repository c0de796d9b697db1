from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """The shop's own data about a customer, created when Clerk's user gets a Django user (see
    receivers.py: the clerk_user_created signal)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    welcome_source = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"Profile of {self.user}"
