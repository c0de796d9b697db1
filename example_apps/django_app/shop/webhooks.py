"""Clerk webhooks keep SyncedUser in step with user.created / user.updated / user.deleted."""

from __future__ import annotations

from clerk_core import WebhookEvent, WebhookRouter
from clerk_django.webhooks import DjangoCacheIdempotencyStore

from .models import SyncedUser

router = WebhookRouter(store=DjangoCacheIdempotencyStore())  # any Django cache, across processes


@router.on("user.created", "user.updated")
def upsert(event: WebhookEvent) -> None:
    user = event.user
    if user is None or not user.id:
        return
    SyncedUser.objects.update_or_create(
        clerk_id=user.id,
        defaults={
            "email": user.primary_email_address or "",
            "first_name": user.first_name or "",
            "last_name": user.last_name or "",
            "updated_at": event.timestamp,
        },
    )


@router.on("user.deleted")
def delete(event: WebhookEvent) -> None:
    if event.user is not None and event.user.id:
        SyncedUser.objects.filter(clerk_id=event.user.id).delete()
