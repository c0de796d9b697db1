"""Data export and deletion for Django: the ``user_erased`` signal and the functions the
``clerk_export_user`` and ``clerk_delete_user`` management commands run.

Connect the local cascade, what your app deletes when a Clerk user is erased::

    # myapp/apps.py, in AppConfig.ready()
    from clerk_django.privacy import user_erased

    def forget_user(sender, user_id, **kwargs):
        Profile.objects.filter(clerk_user_id=user_id).delete()
        get_user_model().objects.filter(username=user_id).delete()

    user_erased.connect(forget_user)

The signal is sent after Clerk has deleted the user (or answered that it was already deleted), with
``user_id`` (the Clerk id) and ``already_deleted``. Every receiver runs inside one transaction on the
default database: when one raises, the others' database changes roll back, the deletion reports
the failure (Clerk's deletion stays done) and running it again runs every receiver again, so a
receiver must be idempotent (deleting what is already gone is fine).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

from clerk_core.privacy import Deletion, delete_user, export_user

from .conf import get_clerk

__all__ = ["ReceiverFailed", "erase_locally", "erase_user", "export_clerk_user", "user_erased"]

user_erased = Signal()
"""Sent (``sender=None``) with ``user_id`` and ``already_deleted`` once Clerk no longer has the user."""


class ReceiverFailed(Exception):
    """One or more ``user_erased`` receivers raised; ``failures`` pairs each with its exception."""

    def __init__(self, failures: list[tuple[Any, BaseException]]) -> None:
        self.failures = failures
        names = ", ".join(
            f"{getattr(r, '__qualname__', repr(r))} ({type(e).__name__}: {e})" for r, e in failures
        )
        super().__init__(f"user_erased receiver(s) failed: {names}")


def erase_locally(user_id: str, *, already_deleted: bool = False) -> None:
    """Send ``user_erased`` in one transaction; raise :class:`ReceiverFailed` (after rolling the
    transaction back) when a receiver failed. Every receiver is called even after a failure, so the
    report names every one that needs fixing."""
    with transaction.atomic():
        answers = user_erased.send_robust(
            sender=None, user_id=user_id, already_deleted=already_deleted
        )
        failures = [(r, a) for r, a in answers if isinstance(a, BaseException)]
        if failures:
            raise ReceiverFailed(failures)


def erase_user(user_id: str) -> Deletion:
    """Delete ``user_id`` in Clerk (``settings.CLERK``'s engine), then send ``user_erased``.
    A receiver's failure raises :class:`clerk_core.privacy.LocalCleanupError` (its ``__cause__``
    is a :class:`ReceiverFailed`)."""
    engine = get_clerk()
    return delete_user(
        engine.backend_api,
        user_id,
        on_deleted=lambda d: erase_locally(d.user_id, already_deleted=d.already_deleted),
        user_cache=engine.user_cache,
    )


def export_clerk_user(user_id: str) -> dict[str, Any]:
    """:func:`clerk_core.privacy.export_user` with ``settings.CLERK``'s engine."""
    return export_user(get_clerk().backend_api, user_id)
