"""``manage.py clerk_delete_user USER_ID [--yes]``: delete the user in Clerk, then send
``clerk_django.privacy.user_erased`` so the app deletes its own data about them.

Clerk first, then the local clean-up; a user Clerk no longer has (404) is taken as already deleted
and the clean-up still runs, so re-running the command is how a failed clean-up is retried. On a
terminal the command asks first; elsewhere it needs ``--yes``. Exit status: 0 done, 1 Clerk did not
delete (nothing local was touched), 2 a usage error, 3 Clerk deleted but the local clean-up failed.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clerk_core.errors import ClerkAPIError
from clerk_core.privacy import (
    LocalCleanupError,
    ask_confirmation,
    deletion_summary,
    failure_summary,
)

from ...privacy import erase_user, user_erased


class Command(BaseCommand):
    help = "Delete a user in Clerk, then run the local clean-up (the user_erased signal)."
    stealth_options = ("stdin",)  # call_command(..., stdin=...), as createsuperuser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_id", help="The Clerk user id (user_...).")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Do not ask for confirmation (needed off a terminal).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user_id: str = options["user_id"]
        stdin: IO[str] = options.get("stdin") or sys.stdin
        if not options["yes"] and not ask_confirmation(user_id, stdin=stdin, stdout=self.stdout):
            raise CommandError(
                f"Not deleted: {user_id} was left alone (confirm on a terminal, or pass --yes)."
            )
        try:
            deletion = erase_user(user_id)
        except LocalCleanupError as exc:
            rerun = f"manage.py clerk_delete_user {user_id} --yes"
            raise CommandError(
                f"{failure_summary(exc, user_id, deleting=True)} Re-run: {rerun}", returncode=3
            ) from exc
        except (ClerkAPIError, ValueError) as exc:
            raise CommandError(failure_summary(exc, user_id, deleting=True)) from exc
        self.stdout.write(deletion_summary(deletion, cascade=user_erased.has_listeners()))
