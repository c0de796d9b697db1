"""Clerk webhooks: clerk_django's handlers keep Django users in step with user.created /
user.updated / user.deleted (order-safe, idempotent); the shop reacts through signals
(receivers.py)."""

from __future__ import annotations

from clerk_core import WebhookRouter
from clerk_django.sync import sync_router
from clerk_django.webhooks import DjangoCacheIdempotencyStore

# Delivery ids are remembered in a Django cache (any backend, across processes); the library's
# handlers for users (and organizations) are added to the router the URLconf serves.
router = sync_router(WebhookRouter(store=DjangoCacheIdempotencyStore()))
