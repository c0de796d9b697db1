"""Keep Django users (and, optionally, organizations and memberships) in step with Clerk.

    # urls.py
    from clerk_django.sync import sync_view
    urlpatterns = [path("clerk/webhooks", sync_view())]   # point a Clerk webhook endpoint here

``sync_view()`` handles ``user.*`` (and ``organization.*``, ``organizationMembership.*``) deliveries;
:func:`sync_router` adds the same handlers to a router of yours. The functions below are what the
handlers and ``manage.py clerk_sync_users`` call. Rules (``docs/django-users.md``):

* **order-safe**: each Clerk user's ``updated_at`` is stored (:class:`~clerk_django.models.ClerkUserLink`);
  a version older than (or as old as) the stored one changes nothing, so a replayed or late
  delivery never overwrites a newer one;
* **deletion is final**: once Clerk deleted a user (organization, membership), later events for it
  are ignored; the Django user is deactivated (``CLERK["user_delete_policy"] = "deactivate"``,
  the default), deleted (``"delete"``) or left alone (``"keep"``);
* **idempotent**: the router remembers delivery ids (``svix-id``), and an applied version is never
  applied twice.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from clerk_core import WebhookEvent, WebhookRouter, WebhookVerifier
from clerk_core.resources import OrganizationData, OrganizationMembershipData, UserData

from . import signals
from .conf import clerk_settings
from .fieldmap import claim_values, id_field, mapped_values
from .models import (
    CLERK_ID_LENGTH,
    ClerkMembership,
    ClerkOrganization,
    ClerkTombstone,
    ClerkUserLink,
)

__all__ = [
    "DELETE_POLICIES",
    "Change",
    "delete_membership",
    "delete_organization",
    "delete_user",
    "sync_membership",
    "sync_organization",
    "sync_router",
    "sync_user",
    "sync_view",
]

logger = logging.getLogger("clerk_django.sync")

DELETE_POLICIES = ("deactivate", "delete", "keep")


@dataclasses.dataclass
class Change:
    """What a sync did (or, in a dry run, would do).

    ``action``: ``"created"``, ``"updated"``, ``"unchanged"`` (this version was applied already),
    ``"stale"`` (older than the version stored), ``"deleted"``, ``"gone"`` (Clerk deleted it
    before: ignored) or ``"invalid"`` (no usable id). ``changed`` names the fields written.
    """

    action: str
    clerk_id: str | None
    changed: list[str] = dataclasses.field(default_factory=list)
    instance: Any = None

    @property
    def applied(self) -> bool:
        return self.action in ("created", "updated", "deleted")


def _settings_flag(key: str) -> bool:
    return bool(clerk_settings().get(key))


def delete_policy() -> str:
    policy = clerk_settings().get("user_delete_policy", "deactivate")
    if policy not in DELETE_POLICIES:
        raise ImproperlyConfigured(
            f"settings.CLERK['user_delete_policy'] must be one of {DELETE_POLICIES}, "
            f"not {policy!r}."
        )
    return str(policy)


def _clerk_id(value: Any) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= CLERK_ID_LENGTH and value.isprintable():
        return value
    return None


def _millis(value: Any) -> int:
    """Clerk's ``updated_at`` (ms); missing or malformed is 0, which never beats a stored version."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _is_newer(incoming: int, stored: int) -> str | None:
    """``None`` when ``incoming`` may be applied, else the action that says why not."""
    if stored == 0:
        return None
    if incoming > stored:
        return None
    return "unchanged" if incoming == stored else "stale"


# ---------------------------------------------------------------------------------- users
def _find_user(model: Any, clerk_id: str, link: ClerkUserLink | None) -> Any:
    if link is not None and link.user_id is not None:
        return link.user
    return model._default_manager.filter(**{id_field(model): clerk_id}).first()


def sync_user(
    data: Mapping[str, Any],
    *,
    source: str = "webhook",
    event: WebhookEvent | None = None,
    dry_run: bool = False,
) -> Change:
    """Create or update the Django user of a Clerk user object (a webhook's ``data``, a Backend
    API ``User.raw``), unless a version at least as new was applied or Clerk deleted it."""
    clerk_user = data if isinstance(data, UserData) else UserData(data)
    clerk_id = _clerk_id(clerk_user.id)
    if clerk_id is None:
        return Change("invalid", None)
    model = get_user_model()
    incoming = _millis(clerk_user.raw.get("updated_at"))
    if dry_run:
        link = ClerkUserLink.objects.filter(clerk_id=clerk_id).first()
        return _plan_user(model, clerk_user, clerk_id, incoming, link)
    with transaction.atomic():
        link, _ = ClerkUserLink.objects.select_for_update().get_or_create(clerk_id=clerk_id)
        change = _plan_user(model, clerk_user, clerk_id, incoming, link)
        link.seen_at = timezone.now()
        if not change.applied:
            link.save(update_fields=["seen_at"])
            return change
        user = change.instance
        values = mapped_values(model, clerk_user)
        if user is None:
            user = _create_user(model, clerk_id, values)
            if user.pk is None:  # a concurrent first request created it: update that one
                user = _find_user(model, clerk_id, None)
                change = Change("updated", clerk_id, _differs(user, values), instance=user)
        if change.action == "updated" and change.changed:
            for name in change.changed:
                setattr(user, name, values[name])
            user.save(update_fields=change.changed)
        change.instance = user
        link.user = user
        link.updated_at = max(incoming, link.updated_at)
        link.save()
        if _settings_flag("mirror_organizations"):
            ClerkMembership.objects.filter(clerk_user_id=clerk_id, user=None).update(user=user)
        signal = signals.clerk_user_created if change.action == "created" else None
        (signal or signals.clerk_user_updated).send(
            sender=model,
            user=user,
            clerk_user=clerk_user,
            changed=change.changed,
            source=source,
            event=event,
        )
        return change


def _plan_user(
    model: Any, clerk_user: UserData, clerk_id: str, incoming: int, link: ClerkUserLink | None
) -> Change:
    if link is not None and link.deleted:
        return Change("gone", clerk_id)
    refused = _is_newer(incoming, link.updated_at) if link is not None else None
    user = _find_user(model, clerk_id, link)
    if refused is not None:
        return Change(refused, clerk_id, instance=user)
    values = mapped_values(model, clerk_user)
    if user is None:
        return Change("created", clerk_id, sorted(values), instance=None)
    return Change("updated", clerk_id, _differs(user, values), instance=user)


def _differs(user: Any, values: Mapping[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(user, name) != value]


def _create_user(model: Any, clerk_id: str, values: Mapping[str, Any]) -> Any:
    """A new Django user; unsaved (``pk`` is ``None``) when a concurrent request made it first.
    Any other conflict (a unique field of the map taken by another user) raises, so the delivery
    fails and is retried, and the log says which user."""
    user = model(**{id_field(model): clerk_id}, **values)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        if _find_user(model, clerk_id, None) is None:
            logger.error("Clerk user %s conflicts with a Django user on a unique field", clerk_id)
            raise
        user.pk = None
    return user


def delete_user(
    clerk_id: Any,
    *,
    source: str = "webhook",
    event: WebhookEvent | None = None,
    dry_run: bool = False,
) -> Change:
    """Clerk deleted this user: apply ``CLERK["user_delete_policy"]`` and remember the deletion,
    so that no later event (or request) brings the user back."""
    checked = _clerk_id(clerk_id)
    if checked is None:
        return Change("invalid", None)
    policy = delete_policy()
    model = get_user_model()
    if dry_run:
        link = ClerkUserLink.objects.filter(clerk_id=checked).first()
        if link is not None and link.deleted:
            return Change("gone", checked)
        return Change("deleted", checked, instance=_find_user(model, checked, link))
    with transaction.atomic():
        link, _ = ClerkUserLink.objects.select_for_update().get_or_create(clerk_id=checked)
        if link.deleted:
            return Change("gone", checked)
        user = _find_user(model, checked, link)
        signals.clerk_user_deleted.send(
            sender=model,
            user=user,
            clerk_user=UserData({"id": checked, "deleted": True}),
            changed=[],
            source=source,
            event=event,
        )
        changed: list[str] = []
        if user is not None and policy == "delete":
            link.user = None
            link.save(update_fields=["user"])
            user.delete()
            user = None
        elif user is not None and policy == "deactivate":
            if _has_field(model, "is_active"):
                if user.is_active:
                    user.is_active = False
                    user.save(update_fields=["is_active"])
                    changed = ["is_active"]
            else:
                logger.warning(
                    "Clerk deleted user %s, but %s has no is_active field to deactivate",
                    checked,
                    model.__name__,
                )
        link.deleted = True
        link.deleted_at = timezone.now()
        link.save()
        return Change("deleted", checked, changed, instance=user)


def _has_field(model: Any, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def user_for_request(clerk_id: str, claims: Mapping[str, Any] | None) -> Any:
    """The Django user of a signed-in Clerk user, created on first sight (fields from the
    session claims named in ``CLERK["user_claims"]``, or from one Backend API call with
    ``CLERK["fetch_user_on_create"]``). ``None`` when Clerk deleted the user, or when it cannot
    be created because a unique field of it is already another Django user's (logged)."""
    model = get_user_model()
    field = id_field(model)
    manager = model._default_manager
    try:
        return manager.get(**{field: clerk_id})
    except model.DoesNotExist:
        pass
    if ClerkUserLink.objects.filter(clerk_id=clerk_id, deleted=True).exists():
        return None  # a token issued before the deletion, still within its minute
    if _settings_flag("fetch_user_on_create"):
        fetched = _fetch(clerk_id)
        if fetched is not None:
            try:
                sync_user(fetched, source="request")
            except IntegrityError:  # a unique field of the map is a local user's (logged)
                return None
            return manager.filter(**{field: clerk_id}).first()
    values = claim_values(model, claims or {})
    try:
        with transaction.atomic():
            user = model(**{field: clerk_id}, **values)
            user.set_unusable_password()
            user.save()
            link, _ = ClerkUserLink.objects.get_or_create(clerk_id=clerk_id)
            if link.user_id is None:
                link.user = user
                link.seen_at = timezone.now()
                link.save(update_fields=["user", "seen_at"])
            signals.clerk_user_created.send(
                sender=model,
                user=user,
                clerk_user=UserData({"id": clerk_id}),
                changed=sorted(values),
                source="request",
                event=None,
            )
            return user
    except IntegrityError:  # created by a concurrent request or webhook
        user = manager.filter(**{field: clerk_id}).first()
        if user is None:
            # Not a race: a unique field from the claims is another (local) user's. Never that
            # user, never a 500 on each request: no Django user until the conflict is resolved.
            logger.error(
                "Clerk user %s conflicts with a Django user on a unique field; it has no "
                "Django user until that is resolved",
                clerk_id,
            )
        return user


def _fetch(clerk_id: str) -> Mapping[str, Any] | None:
    from clerk_core import ClerkAPIError

    from .conf import get_clerk

    try:
        return get_clerk().backend_api.users.get(clerk_id).raw
    except ClerkAPIError as exc:
        logger.warning("Could not fetch Clerk user %s on first sight: %s", clerk_id, exc)
        return None


# ---------------------------------------------------------------------------------- organizations
def _tombstoned(kind: str, clerk_id: str) -> bool:
    return ClerkTombstone.objects.filter(kind=kind, clerk_id=clerk_id).exists()


def _org_values(org: OrganizationData) -> dict[str, Any]:
    return {
        "name": (org.name or "")[:256],
        "slug": (org.slug or "")[:256],
        "image_url": (org._str("image_url") or "")[:2048],
        "public_metadata": org.public_metadata,
        "private_metadata": org._dict("private_metadata"),
    }


def sync_organization(
    data: Mapping[str, Any], *, source: str = "webhook", event: WebhookEvent | None = None
) -> Change:
    """Create or update a mirrored organization (order-safe on Clerk's ``updated_at``)."""
    org = data if isinstance(data, OrganizationData) else OrganizationData(data)
    clerk_id = _clerk_id(org.id)
    if clerk_id is None:
        return Change("invalid", None)
    incoming = _millis(org.raw.get("updated_at"))
    with transaction.atomic():
        if _tombstoned("organization", clerk_id):
            return Change("gone", clerk_id)
        row, created = ClerkOrganization.objects.select_for_update().get_or_create(
            clerk_id=clerk_id, defaults={"updated_at": incoming, **_org_values(org)}
        )
        if not created:
            refused = _is_newer(incoming, row.updated_at)
            if refused is not None:
                return Change(refused, clerk_id, instance=row)
            values = _org_values(org)
            changed = [k for k, v in values.items() if getattr(row, k) != v]
            for key in changed:
                setattr(row, key, values[key])
            row.updated_at = max(incoming, row.updated_at)
            row.seen_at = timezone.now()
            row.save()
        signal = signals.clerk_organization_created if created else None
        (signal or signals.clerk_organization_updated).send(
            sender=ClerkOrganization,
            organization=row,
            clerk_organization=org,
            source=source,
            event=event,
        )
        return Change("created" if created else "updated", clerk_id, instance=row)


def delete_organization(
    clerk_id: Any, *, source: str = "webhook", event: WebhookEvent | None = None
) -> Change:
    checked = _clerk_id(clerk_id)
    if checked is None:
        return Change("invalid", None)
    with transaction.atomic():
        _, fresh = ClerkTombstone.objects.get_or_create(kind="organization", clerk_id=checked)
        if not fresh:
            return Change("gone", checked)
        signals.clerk_organization_deleted.send(
            sender=ClerkOrganization,
            organization=ClerkOrganization.objects.filter(clerk_id=checked).first(),
            clerk_organization=OrganizationData({"id": checked, "deleted": True}),
            source=source,
            event=event,
        )
        ClerkOrganization.objects.filter(clerk_id=checked).delete()  # memberships cascade
        return Change("deleted", checked)


def _membership_values(membership: OrganizationMembershipData) -> dict[str, Any]:
    return {
        "role": (membership.role or "")[:256],
        "permissions": membership.permissions,
        "public_metadata": membership._dict("public_metadata"),
    }


def sync_membership(
    data: Mapping[str, Any], *, source: str = "webhook", event: WebhookEvent | None = None
) -> Change:
    """Create or update a mirrored membership (and its organization, from the copy it carries)."""
    membership = (
        data if isinstance(data, OrganizationMembershipData) else OrganizationMembershipData(data)
    )
    clerk_id = _clerk_id(membership.id)
    org_id = _clerk_id(membership.organization.id)
    user_id = _clerk_id(membership.user_id)
    if clerk_id is None or org_id is None or user_id is None:
        return Change("invalid", clerk_id)
    incoming = _millis(membership.raw.get("updated_at"))
    with transaction.atomic():
        if _tombstoned("membership", clerk_id) or _tombstoned("organization", org_id):
            return Change("gone", clerk_id)
        sync_organization(membership.organization.raw, source=source, event=event)
        org = ClerkOrganization.objects.get(clerk_id=org_id)
        model = get_user_model()
        user = model._default_manager.filter(**{id_field(model): user_id}).first()
        values = _membership_values(membership)
        row, created = ClerkMembership.objects.select_for_update().get_or_create(
            clerk_id=clerk_id,
            defaults={
                "organization": org,
                "clerk_user_id": user_id,
                "user": user,
                "updated_at": incoming,
                "seen_at": timezone.now(),
                **values,
            },
        )
        if not created:
            refused = _is_newer(incoming, row.updated_at)
            if refused is not None:
                return Change(refused, clerk_id, instance=row)
            for key, value in values.items():
                setattr(row, key, value)
            if row.user_id is None and user is not None:
                row.user = user
            row.updated_at = max(incoming, row.updated_at)
            row.seen_at = timezone.now()
            row.save()
        signal = signals.clerk_membership_created if created else None
        (signal or signals.clerk_membership_updated).send(
            sender=ClerkMembership,
            membership=row,
            clerk_membership=membership,
            source=source,
            event=event,
        )
        return Change("created" if created else "updated", clerk_id, instance=row)


def delete_membership(
    data: Mapping[str, Any], *, source: str = "webhook", event: WebhookEvent | None = None
) -> Change:
    membership = (
        data if isinstance(data, OrganizationMembershipData) else OrganizationMembershipData(data)
    )
    clerk_id = _clerk_id(membership.id)
    if clerk_id is None:
        return Change("invalid", None)
    with transaction.atomic():
        _, fresh = ClerkTombstone.objects.get_or_create(kind="membership", clerk_id=clerk_id)
        if not fresh:
            return Change("gone", clerk_id)
        signals.clerk_membership_deleted.send(
            sender=ClerkMembership,
            membership=ClerkMembership.objects.filter(clerk_id=clerk_id).first(),
            clerk_membership=membership,
            source=source,
            event=event,
        )
        ClerkMembership.objects.filter(clerk_id=clerk_id).delete()
        return Change("deleted", clerk_id)


# ---------------------------------------------------------------------------------- webhooks
def _send_unmirrored(event: WebhookEvent) -> None:
    """Organization events when organizations are not mirrored: the signals only."""
    kind, _, verb = event.type.partition(".")
    if kind == "organization":
        signal = getattr(signals, f"clerk_organization_{verb}", None)
        if signal is not None:
            signal.send(
                sender=ClerkOrganization,
                organization=None,
                clerk_organization=event.organization,
                source="webhook",
                event=event,
            )
    else:
        signal = getattr(signals, f"clerk_membership_{verb}", None)
        if signal is not None:
            signal.send(
                sender=ClerkMembership,
                membership=None,
                clerk_membership=event.organization_membership,
                source="webhook",
                event=event,
            )


def _on_user(event: WebhookEvent) -> None:
    if event.type == "user.deleted":
        delete_user(event.data.get("id"), event=event)
    else:
        sync_user(event.data, event=event)


def _on_organization(event: WebhookEvent) -> None:
    if not _settings_flag("mirror_organizations"):
        _send_unmirrored(event)
    elif event.type == "organization.deleted":
        delete_organization(event.data.get("id"), event=event)
    else:
        sync_organization(event.data, event=event)


def _on_membership(event: WebhookEvent) -> None:
    if not _settings_flag("mirror_organizations"):
        _send_unmirrored(event)
    elif event.type == "organizationMembership.deleted":
        delete_membership(event.data, event=event)
    else:
        sync_membership(event.data, event=event)


USER_EVENTS = ("user.created", "user.updated", "user.deleted")
ORGANIZATION_EVENTS = ("organization.created", "organization.updated", "organization.deleted")
MEMBERSHIP_EVENTS = (
    "organizationMembership.created",
    "organizationMembership.updated",
    "organizationMembership.deleted",
)


def sync_router(router: WebhookRouter | None = None) -> WebhookRouter:
    """``router`` (by default a new one remembering delivery ids in Django's default cache) with
    the handlers that keep users, organizations and memberships in step."""
    if router is None:
        from .webhooks import DjangoCacheIdempotencyStore

        router = WebhookRouter(store=DjangoCacheIdempotencyStore())
    router.on(*USER_EVENTS)(_on_user)
    router.on(*ORGANIZATION_EVENTS)(_on_organization)
    router.on(*MEMBERSHIP_EVENTS)(_on_membership)
    return router


def sync_view(
    router: WebhookRouter | None = None, *, verifier: WebhookVerifier | None = None
) -> Callable[[HttpRequest], HttpResponseBase]:
    """A ready webhook view (``clerk_django.webhooks.webhook_view``) for :func:`sync_router`."""
    from .webhooks import webhook_view

    return webhook_view(sync_router(router), verifier=verifier)
