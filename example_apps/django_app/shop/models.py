from __future__ import annotations

from django.db import models


class SyncedUser(models.Model):
    """A local copy of a Clerk user, kept in step by webhooks (see webhooks.py)."""

    clerk_id = models.CharField(max_length=64, unique=True)
    email = models.CharField(max_length=320, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    updated_at = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.clerk_id} <{self.email}>"
