"""``manage.py clerk_sync_users``: create or update the Django user of every Clerk user.

Run it with ``--dry-run`` first: it lists what would change and changes nothing. A run pages
through the Backend API (oldest users first, so users who sign up meanwhile land on later pages)
and records the offset of each finished page; after a failure, ``--resume`` continues from there.
``--delete-missing`` then applies the delete policy to linked Django users Clerk no longer has.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clerk_core import ClerkAPIError, ClerkError

from ...conf import get_clerk
from ...models import ClerkSyncCheckpoint, ClerkUserLink
from ...sync import Change, delete_user, sync_user

CHECKPOINT = "clerk_sync_users"


class Command(BaseCommand):
    help = (
        "Create or update the Django user of every Clerk user, page by page through the Backend "
        "API. Run with --dry-run first; --resume continues an interrupted run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; change nothing."
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help="Continue the last run from the page where it stopped.",
        )
        parser.add_argument(
            "--delete-missing",
            action="store_true",
            help="Apply CLERK['user_delete_policy'] to linked Django users Clerk no longer has.",
        )
        parser.add_argument(
            "--page-size", type=int, default=100, help="Users per Backend API call (1-500)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        page_size: int = options["page_size"]
        if not 1 <= page_size <= 500:
            raise CommandError("--page-size must be between 1 and 500 (Clerk's largest page).")
        dry_run: bool = options["dry_run"]
        if dry_run and options["resume"]:
            raise CommandError("--dry-run always reads every user; it cannot --resume.")
        self.verbosity = int(options.get("verbosity", 1))
        self.tty = self.stdout.isatty()
        checkpoint = ClerkSyncCheckpoint.objects.filter(name=CHECKPOINT).first()
        offset, started = 0, timezone.now()
        if options["resume"]:
            if checkpoint is None or checkpoint.finished:
                raise CommandError("There is no interrupted run to resume: run without --resume.")
            offset, started = checkpoint.offset, checkpoint.started_at
            self.stdout.write(f"Resuming at offset {offset}.")
        elif checkpoint is not None and not checkpoint.finished and not dry_run:
            self.stdout.write(
                f"The last run stopped at offset {checkpoint.offset}; starting again from the "
                "beginning (--resume continues it instead)."
            )
        if not dry_run:
            checkpoint, _ = ClerkSyncCheckpoint.objects.update_or_create(
                name=CHECKPOINT,
                defaults={"offset": offset, "started_at": started, "finished": False},
            )
        counts = dict.fromkeys(("created", "updated", "unchanged", "stale", "gone", "invalid"), 0)
        seen: set[str] = set()
        api = get_clerk().backend_api
        page_number = 0
        while True:
            try:
                page = api.users.list(limit=page_size, offset=offset, order_by="+created_at")
            except (ClerkAPIError, ClerkError) as exc:
                self._end_line()
                raise CommandError(
                    f"The Backend API failed at offset {offset}: {exc}. Users before that offset "
                    "are synced; run again with --resume to continue from there."
                ) from exc
            page_number += 1
            for user in page:
                change = sync_user(user.raw, source="command", dry_run=dry_run)
                counts[self._action(change)] += 1
                if change.clerk_id:
                    seen.add(change.clerk_id)
                self._report(change, dry_run)
            offset += len(page)
            if checkpoint is not None and not dry_run:
                checkpoint.offset = offset
                checkpoint.save(update_fields=["offset", "updated"])
            total = page.total_count
            self._progress(page_number, offset, total, counts)
            if len(page) < page_size or (total is not None and offset >= total):
                break
        self._end_line()
        deleted = 0
        if options["delete_missing"]:
            deleted = self._delete_missing(seen, started, offset, dry_run)
        if checkpoint is not None and not dry_run:
            checkpoint.finished = True
            checkpoint.save(update_fields=["finished", "updated"])
        verb = "would be " if dry_run else ""
        summary = (
            f"{offset} Clerk users read: {counts['created']} {verb}created, {counts['updated']} "
            f"{verb}updated, {counts['unchanged']} unchanged"
        )
        if counts["stale"] or counts["gone"] or counts["invalid"]:
            summary += (
                f", {counts['stale'] + counts['gone'] + counts['invalid']} skipped (older than the "
                "stored version, deleted in Clerk, or without an id)"
            )
        if options["delete_missing"]:
            summary += f", {deleted} {verb}deleted (missing from Clerk)"
        self.stdout.write(summary + ".")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")

    @staticmethod
    def _action(change: Change) -> str:
        if change.action == "updated" and not change.changed:
            return "unchanged"  # a newer version whose mapped fields are the same
        return change.action if change.action != "deleted" else "gone"

    def _report(self, change: Change, dry_run: bool) -> None:
        if self.verbosity < (1 if dry_run else 2):
            return
        prefix = "would " if dry_run else ""
        if change.action == "created":
            self._line(f"{prefix}create {change.clerk_id} ({', '.join(change.changed) or '-'})")
        elif change.action == "updated" and change.changed:
            self._line(f"{prefix}update {change.clerk_id}: {', '.join(change.changed)}")

    def _line(self, text: str) -> None:
        self._end_line()
        self.stdout.write(text)

    def _progress(
        self, page_number: int, offset: int, total: int | None, counts: dict[str, int]
    ) -> None:
        if self.verbosity < 1:
            return
        of = f"/{total}" if total is not None else ""
        text = (
            f"page {page_number}: {offset}{of} users (created {counts['created']}, updated "
            f"{counts['updated']}, unchanged {counts['unchanged']})"
        )
        if self.tty:
            self.stdout.write("\r" + text, ending="")
            self.stdout.flush()
            self._open_line = True
        else:
            self.stdout.write(text)

    def _end_line(self) -> None:
        if getattr(self, "_open_line", False):
            self.stdout.write("")
            self._open_line = False

    def _delete_missing(self, seen: set[str], started: Any, read: int, dry_run: bool) -> int:
        links = ClerkUserLink.objects.filter(deleted=False)
        if read == 0 and links.exists():
            raise CommandError(
                "Clerk listed no users, but Django has users linked to Clerk: refusing to delete "
                "them all. Check that the keys are those of the right Clerk instance."
            )
        if dry_run:
            missing = [c for c in links.values_list("clerk_id", flat=True) if c not in seen]
        else:
            stale = links.exclude(seen_at__gte=started)
            missing = list(stale.values_list("clerk_id", flat=True))
        deleted = 0
        for clerk_id in missing:
            if not self._gone_in_clerk(clerk_id):
                continue
            change = delete_user(clerk_id, source="command", dry_run=dry_run)
            deleted += 1
            if self.verbosity >= 1:
                self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {change.clerk_id}")
        return deleted

    def _gone_in_clerk(self, clerk_id: str) -> bool:
        """Whether Clerk itself says it has no such user (404 ``resource_not_found``). Not being
        read is no proof: offset pages shift when users are deleted during the run, so a live
        user can fall between two pages. Any other answer deletes nothing."""
        try:
            get_clerk().backend_api.users.get(clerk_id)
        except ClerkAPIError as exc:
            if exc.status == 404 and exc.code == "resource_not_found":
                return True
            raise CommandError(
                f"Could not check whether Clerk still has {clerk_id}: {exc}. It was not deleted; "
                "run again."
            ) from exc
        except ValueError:
            self.stdout.write(f"kept {clerk_id}: not a Clerk user id that can be checked")
            return False
        except ClerkError as exc:
            raise CommandError(
                f"Could not check whether Clerk still has {clerk_id}: {exc}. It was not deleted; "
                "run again."
            ) from exc
        if self.verbosity >= 1:
            self.stdout.write(
                f"kept {clerk_id}: Clerk still has it (the pages moved during the run)"
            )
        return False
