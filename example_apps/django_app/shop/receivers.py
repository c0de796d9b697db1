"""The shop's receivers of clerk_django's signals (connected in ShopConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from clerk_django.signals import clerk_user_created

from .models import Profile


@receiver(clerk_user_created)
def make_profile(sender: Any, user: Any, source: str, **kwargs: Any) -> None:
    """Every Clerk user who gets a Django user (by webhook, first request or
    clerk_sync_users) gets a shop profile, in the same transaction."""
    Profile.objects.get_or_create(user=user, defaults={"welcome_source": source})
