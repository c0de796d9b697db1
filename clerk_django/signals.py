"""Signals sent when ``clerk_django`` applies a change from Clerk (webhooks, the first request of
a new user, or ``manage.py clerk_sync_users``). Connect receivers as to any Django signal::

    from django.dispatch import receiver
    from clerk_django.signals import clerk_user_created

    @receiver(clerk_user_created)
    def make_profile(sender, user, clerk_user, source, **kwargs):
        Profile.objects.get_or_create(user=user)

Every signal is sent inside the database transaction that applied the change: a receiver that
raises rolls the change back, and the webhook delivery fails (Clerk retries it). A change that is
not applied (a duplicate delivery, an older version than the one stored, an event for something
Clerk already deleted) sends nothing.

Keyword arguments:

* user signals (``sender`` is the user model): ``user`` (the Django user; ``None`` for a deleted
  user with no Django user), ``clerk_user`` (a ``clerk_core.resources.User`` view of what Clerk
  sent; only its ``id`` when a request created the user), ``changed`` (the model fields written),
  ``source`` (``"webhook"``, ``"request"`` or ``"command"``) and ``event`` (the ``WebhookEvent``,
  or ``None``);
* organization signals (``sender`` is ``ClerkOrganization``): ``organization`` (the mirrored row,
  or ``None`` when organizations are not mirrored or it was deleted), ``clerk_organization``,
  ``source``, ``event``;
* membership signals (``sender`` is ``ClerkMembership``): ``membership`` (likewise),
  ``clerk_membership``, ``source``, ``event``.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = [
    "clerk_membership_created",
    "clerk_membership_deleted",
    "clerk_membership_updated",
    "clerk_organization_created",
    "clerk_organization_deleted",
    "clerk_organization_updated",
    "clerk_user_created",
    "clerk_user_deleted",
    "clerk_user_updated",
]

clerk_user_created = Signal()
"""A Django user was created for a Clerk user."""
clerk_user_updated = Signal()
"""A newer version of a Clerk user was applied to its Django user."""
clerk_user_deleted = Signal()
"""Clerk deleted a user; sent before the delete policy runs, so ``user`` is still readable."""
clerk_organization_created = Signal()
clerk_organization_updated = Signal()
clerk_organization_deleted = Signal()
clerk_membership_created = Signal()
clerk_membership_updated = Signal()
clerk_membership_deleted = Signal()
