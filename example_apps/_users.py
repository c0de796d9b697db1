"""The local user table the FastAPI and Flask examples keep in step with Clerk webhooks (sqlite3).

Webhooks may arrive twice or out of order: a change is applied only when the user's ``updated_at``
(Clerk's, in milliseconds) is newer than the stored one, and a deletion leaves a tombstone, so a
late ``user.updated`` never brings a deleted user back. (Django apps get all of this from
``clerk_django.sync``.)
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from typing import Any

from clerk_core import WebhookEvent, WebhookRouter

__all__ = ["UserTable", "user_sync_router"]


class UserTable:
    """``users(id, email, first_name, last_name, updated_at, deleted)`` in SQLite."""

    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False)
        # Close the connection with the table (Python 3.13 warns about unclosed connections).
        weakref.finalize(self, self._db.close)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT, "
                "first_name TEXT, last_name TEXT, updated_at INTEGER, deleted INTEGER DEFAULT 0)"
            )

    def upsert(self, event: WebhookEvent) -> None:
        user = event.user
        if user is None or user.id is None:
            return
        # A payload without updated_at (older event versions) orders by the delivery's time.
        version = user.updated_at if user.updated_at is not None else event.timestamp * 1000
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO users (id, email, first_name, last_name, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET email = excluded.email, "
                "first_name = excluded.first_name, last_name = excluded.last_name, "
                "updated_at = excluded.updated_at "
                "WHERE NOT users.deleted AND excluded.updated_at > users.updated_at",
                (user.id, user.primary_email_address, user.first_name, user.last_name, version),
            )

    def delete(self, event: WebhookEvent) -> None:
        if event.user is not None and event.user.id:
            with self._lock, self._db:  # a tombstone: a late update finds it and stops
                self._db.execute(
                    "INSERT INTO users (id, deleted) VALUES (?, 1) ON CONFLICT(id) DO UPDATE SET "
                    "email = NULL, first_name = NULL, last_name = NULL, deleted = 1",
                    (event.user.id,),
                )

    def get(self, user_id: str | None) -> dict[str, Any] | None:
        if not user_id:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT id, email, first_name, last_name FROM users WHERE id = ? AND NOT deleted",
                (user_id,),
            ).fetchone()
        return (
            dict(zip(("id", "email", "first_name", "last_name"), row, strict=True)) if row else None
        )


def user_sync_router(table: UserTable) -> WebhookRouter:
    router = WebhookRouter()
    router.on("user.created", "user.updated")(table.upsert)
    router.on("user.deleted")(table.delete)
    return router
