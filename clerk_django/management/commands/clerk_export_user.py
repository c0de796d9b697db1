"""``manage.py clerk_export_user USER_ID [--output FILE]``: everything Clerk holds about one user,
as JSON (see ``clerk_core.privacy``). Without ``--output`` the JSON goes to standard output; a file
is created readable by its owner only. The export holds private metadata: never log it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clerk_core.errors import ClerkAPIError
from clerk_core.privacy import dump_export, export_summary, failure_summary, write_private_file

from ...privacy import export_clerk_user


class Command(BaseCommand):
    help = "Export everything Clerk holds about one user as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_id", help="The Clerk user id (user_...).")
        parser.add_argument(
            "--output", "-o", help="Write the JSON to this file (mode 0600) instead of stdout."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user_id: str = options["user_id"]
        try:
            export = export_clerk_user(user_id)
        except (ClerkAPIError, ValueError) as exc:
            raise CommandError(failure_summary(exc, user_id)) from exc
        text = dump_export(export)
        output = options.get("output")
        if output:
            write_private_file(output, text)
            self.stderr.write(export_summary(export, output))
        else:
            self.stdout.write(text, ending="")
