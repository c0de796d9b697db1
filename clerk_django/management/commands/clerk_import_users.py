"""``manage.py clerk_import_users``: import Django's users into Clerk.

Each user keeps its primary key as Clerk's ``external_id``, its email, names and username, and
its password hash where a Clerk hasher checks it (Django's default ``pbkdf2_sha256``, bcrypt,
argon2); see ``docs/migration.md``. Run it with ``--dry-run`` first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clerk_core import ClerkConfigurationError
from clerk_core.backend_api import BackendAPI
from clerk_core.migration import Source, SourceUser, import_users
from clerk_core.migration._cli import (
    EXIT_OK,
    add_import_arguments,
    finish_import,
    pacer_for,
    progress_for,
)
from clerk_django.conf import get_clerk


def _field(user: Any, name: str | None) -> str | None:
    if not name:
        return None
    value = getattr(user, name, None)
    return str(value).strip() or None if value is not None else None


def _timestamp(value: Any) -> str | None:
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def django_users(
    *, include_inactive: bool = False, private_metadata_fields: Sequence[str] = ()
) -> Source:
    """Every user of ``AUTH_USER_MODEL`` in primary-key order, as import rows."""
    model = get_user_model()
    email_field = model.get_email_field_name()
    username_field = model.USERNAME_FIELD if email_field != model.USERNAME_FIELD else None
    rows: list[SourceUser] = []
    for user in model._default_manager.order_by("pk").iterator(chunk_size=2000):
        metadata: dict[str, Any] = {}
        for name in private_metadata_fields:
            value = getattr(user, name, None)
            metadata[name] = value if _jsonable(value) else str(value)
        active = getattr(user, "is_active", True)
        rows.append(
            SourceUser(
                external_id=str(user.pk),
                email=_field(user, email_field),
                first_name=_field(user, "first_name"),
                last_name=_field(user, "last_name"),
                username=_field(user, username_field),
                password_hash=user.password or None,
                private_metadata=metadata or None,
                created_at=_timestamp(getattr(user, "date_joined", None)),
                skip_reason=None
                if active or include_inactive
                else "The Django user is inactive (is_active=False); --include-inactive imports it.",
            )
        )
    return Source(rows, f"django:{model._meta.label_lower}")


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


class Command(BaseCommand):
    help = (
        "Import this project's users into Clerk: the primary key becomes Clerk's external_id, "
        "password hashes move where Clerk accepts the hasher. Idempotent and resumable; run "
        "with --dry-run first. Exit status: 0 done, 1 some users failed, 3 Clerk stopped "
        "taking users (resume later)."
    )
    stealth_options = ("http_client", "clock", "sleep")
    """Tests pass an ``httpx.Client`` on the local instance and a simulated clock through
    ``call_command``."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_import_arguments(parser)
        parser.set_defaults(checkpoint="clerk_import_users.checkpoint")
        parser.add_argument(
            "--include-inactive",
            action="store_true",
            help="import users with is_active=False too (skipped by default)",
        )
        parser.add_argument(
            "--private-metadata-fields",
            default="",
            metavar="FIELDS",
            help="comma-separated model fields copied into Clerk's private_metadata "
            "(e.g. is_staff,is_superuser)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clock: Callable[[], float] = options.get("clock") or time.monotonic
        sleep: Callable[[float], None] = options.get("sleep") or time.sleep
        namespace = argparse.Namespace(**options)
        api: BackendAPI | None = None
        clerk_options = None if options["dry_run"] else get_clerk().options
        secret = clerk_options.secret_key if clerk_options is not None else None
        try:
            pacer = pacer_for(namespace, secret, clock, sleep)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if clerk_options is not None:
            try:
                api = BackendAPI(
                    secret,
                    api_url=clerk_options.api_url,
                    api_version=clerk_options.api_version,
                    http_client=options.get("http_client"),
                    clock=clock,
                    sleep=pacer.retry_sleep,
                )
            except ClerkConfigurationError as exc:
                raise CommandError(f"settings.CLERK: {exc}") from None
        fields = [f.strip() for f in options["private_metadata_fields"].split(",") if f.strip()]
        source = django_users(
            include_inactive=options["include_inactive"], private_metadata_fields=fields
        )
        checkpoint = options["checkpoint"]
        code = finish_import(
            lambda: import_users(
                api,
                source,
                dry_run=options["dry_run"],
                on_existing=options["on_existing"],
                unsupported_hasher=options["unsupported_hasher"],
                checkpoint=None if options["dry_run"] else checkpoint,
                resume=options["resume"],
                pacer=pacer,
                progress=progress_for(namespace, len(source.users), self.stderr),
                clock=clock,
            ),
            options["report"],
            self.stdout,
            self.stderr,
            checkpoint,
        )
        if code != EXIT_OK:
            raise CommandError(
                f"The import did not finish cleanly (exit status {code}).", returncode=code
            )
