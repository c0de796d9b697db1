"""What ``clerk_django`` keeps in your database to mirror Clerk (``manage.py migrate`` creates it).

* :class:`ClerkUserLink`: one row per Clerk user seen, linking it to its Django user and holding
  the Clerk ``updated_at`` last applied (so an older webhook never overwrites a newer one) and
  whether Clerk deleted the user (so a late ``user.updated`` never brings it back);
* :class:`ClerkOrganization` and :class:`ClerkMembership`: the organizations and memberships,
  mirrored when ``CLERK = {"mirror_organizations": True}``;
* :class:`ClerkTombstone`: the ids of organizations and memberships Clerk deleted;
* :class:`ClerkSyncCheckpoint`: where ``manage.py clerk_sync_users`` stopped, for ``--resume``.

The rules are in ``docs/django-users.md``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = [
    "ClerkMembership",
    "ClerkOrganization",
    "ClerkSyncCheckpoint",
    "ClerkTombstone",
    "ClerkUserLink",
]

CLERK_ID_LENGTH = 100


class ClerkUserLink(models.Model):
    """A Clerk user id, its Django user, and the version of the Clerk user last applied."""

    clerk_id = models.CharField("Clerk user id", max_length=CLERK_ID_LENGTH, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clerk_link",
    )
    updated_at = models.BigIntegerField(
        default=0, help_text="Clerk's updated_at (milliseconds) of the version last applied."
    )
    deleted = models.BooleanField(default=False, help_text="Deleted in Clerk.")
    deleted_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Clerk user link"

    def __str__(self) -> str:
        return self.clerk_id


class ClerkOrganization(models.Model):
    """A Clerk organization (``organization.*`` webhooks)."""

    clerk_id = models.CharField("Clerk organization id", max_length=CLERK_ID_LENGTH, unique=True)
    name = models.CharField(max_length=256, blank=True)
    slug = models.CharField(max_length=256, blank=True, db_index=True)
    image_url = models.CharField(max_length=2048, blank=True)
    public_metadata = models.JSONField(default=dict, blank=True)
    private_metadata = models.JSONField(default=dict, blank=True)
    updated_at = models.BigIntegerField(default=0)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Clerk organization"

    def __str__(self) -> str:
        return self.name or self.clerk_id


class ClerkMembership(models.Model):
    """A member of a Clerk organization (``organizationMembership.*`` webhooks)."""

    clerk_id = models.CharField("Clerk membership id", max_length=CLERK_ID_LENGTH, unique=True)
    organization = models.ForeignKey(
        ClerkOrganization, on_delete=models.CASCADE, related_name="memberships"
    )
    clerk_user_id = models.CharField(max_length=CLERK_ID_LENGTH, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clerk_memberships",
    )
    role = models.CharField(max_length=256, blank=True)
    permissions = models.JSONField(default=list, blank=True)
    public_metadata = models.JSONField(default=dict, blank=True)
    updated_at = models.BigIntegerField(default=0)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Clerk membership"

    def __str__(self) -> str:
        return f"{self.clerk_user_id} in {self.organization_id} ({self.role})"


class ClerkTombstone(models.Model):
    """An organization or membership Clerk deleted: its late events are ignored."""

    kind = models.CharField(max_length=32)
    clerk_id = models.CharField(max_length=CLERK_ID_LENGTH)
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [  # noqa: RUF012 - Django reads a list
            models.UniqueConstraint(fields=["kind", "clerk_id"], name="clerk_tombstone_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.clerk_id}"


class ClerkSyncCheckpoint(models.Model):
    """Where a ``clerk_sync_users`` run is (``--resume`` continues from ``offset``)."""

    name = models.CharField(max_length=64, unique=True)
    offset = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished = models.BooleanField(default=False)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.offset}"
