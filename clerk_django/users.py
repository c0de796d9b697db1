"""Optional: Clerk users as Django users, so ``request.user`` (and ORM relations) work.

Off by default; turn it on with ``CLERK = {"django_users": True, ...}`` and put ``ClerkMiddleware``
after ``AuthenticationMiddleware``. A Django user is created the first time a Clerk user is seen,
keyed by the Clerk user id (``CLERK["user_id_field"]``, default the user model's ``USERNAME_FIELD``),
never matched by email. Its password is unusable: Clerk is the only way in.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from clerk_core import AuthObject

from .conf import clerk_settings

__all__ = ["ClerkUserBackend", "attach_django_user", "user_for"]


def user_for(clerk_user_id: str) -> Any:
    """The Django user for a Clerk user id, created on first sight."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    field = clerk_settings().get("user_id_field") or model.USERNAME_FIELD
    lookup = {field: clerk_user_id}
    try:
        return model._default_manager.get(**lookup)
    except model.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            user = model(**lookup)
            user.set_unusable_password()
            user.save()
            return user
    except IntegrityError:  # created by a concurrent request
        return model._default_manager.get(**lookup)


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
    request.user = SimpleLazyObject(lambda: user_for(user_id))

    async def auser() -> Any:
        return await sync_to_async(user_for)(user_id)

    request.auser = auser


class ClerkUserBackend:
    """An ``AUTHENTICATION_BACKENDS`` entry: ``authenticate(request, clerk_user_id=...)``."""

    def authenticate(
        self, request: HttpRequest | None, clerk_user_id: str | None = None, **kwargs: Any
    ) -> Any:
        return user_for(clerk_user_id) if clerk_user_id else None

    def get_user(self, user_id: Any) -> Any:
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            return model._default_manager.get(pk=user_id)
        except model.DoesNotExist:
            return None
