"""Optional: Clerk users as Django users, so ``request.user`` (and ORM relations) work.

Off by default; turn it on with ``CLERK = {"django_users": True, ...}`` and put ``ClerkMiddleware``
after ``AuthenticationMiddleware``. A Django user is created the first time a Clerk user is seen,
keyed by the Clerk user id (``CLERK["user_id_field"]``, default the user model's ``USERNAME_FIELD``),
never matched by email. Its password is unusable: Clerk is the only way in.

Each request costs one database query (the user, by that field) and never a Backend API call. On
first sight the user gets the fields ``CLERK["user_claims"]`` takes from the session token (or, with
``CLERK["fetch_user_on_create"]``, from one Backend API call); email, names and the field map are
kept current by the webhooks of :mod:`clerk_django.sync` and ``manage.py clerk_sync_users``. A user
Clerk deleted, or whose Django user is inactive, is anonymous (``request.user.is_authenticated`` is
``False``), as Django's own ``ModelBackend`` treats inactive users.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from clerk_core import AuthObject

from .conf import clerk_settings

__all__ = ["ClerkUserBackend", "attach_django_user", "user_for", "user_or_anonymous"]


def user_for(clerk_user_id: str, claims: Mapping[str, Any] | None = None) -> Any:
    """The Django user for a Clerk user id, created on first sight; ``None`` when Clerk deleted
    the user (and the delete policy removed its Django user)."""
    from .sync import user_for_request

    return user_for_request(clerk_user_id, claims)


def _usable(user: Any) -> bool:
    return user is not None and getattr(user, "is_active", True) is not False


def user_or_anonymous(clerk_user_id: str, claims: Mapping[str, Any] | None = None) -> Any:
    """:func:`user_for`, or ``AnonymousUser`` when Clerk deleted the user or its Django user is
    inactive (what ``request.user`` is)."""
    from django.contrib.auth.models import AnonymousUser

    user = user_for(clerk_user_id, claims)
    return user if _usable(user) else AnonymousUser()


def attach_django_user(request: HttpRequest, auth: AuthObject) -> None:
    """Set ``request.user`` / ``request.auser`` from the Clerk session (when enabled)."""
    if not clerk_settings().get("django_users"):
        return
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import SimpleLazyObject

    user_id = auth.user_id if auth.is_authenticated and auth.token_type == "session_token" else None
    if user_id is None:
        anonymous = AnonymousUser()
        request.user = anonymous

        async def auser_anonymous() -> Any:
            return anonymous

        request.auser = auser_anonymous
        return
    claims = getattr(auth, "session_claims", None)
    request.user = SimpleLazyObject(lambda: user_or_anonymous(user_id, claims))

    async def auser() -> Any:
        return await sync_to_async(user_or_anonymous)(user_id, claims)

    request.auser = auser


class ClerkUserBackend:
    """An ``AUTHENTICATION_BACKENDS`` entry: ``authenticate(request, clerk_user_id=...)``."""

    def authenticate(
        self, request: HttpRequest | None, clerk_user_id: str | None = None, **kwargs: Any
    ) -> Any:
        if not clerk_user_id:
            return None
        user = user_for(clerk_user_id)
        return user if _usable(user) else None

    def get_user(self, user_id: Any) -> Any:
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = model._default_manager.get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if _usable(user) else None
