"""The local user table the FastAPI and Flask examples keep in step with Clerk webhooks (sqlite3)."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from typing import Any

from clerk_core import WebhookEvent, WebhookRouter

__all__ = ["UserTable", "user_sync_router"]


class UserTable:
    """``users(id, email, first_name, last_name, updated_at)`` in SQLite."""

    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False)
        # Close the connection with the table (Python 3.13 warns about unclosed connections).
        weakref.finalize(self, self._db.close)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT, "
                "first_name TEXT, last_name TEXT, updated_at INTEGER)"
            )

    def upsert(self, event: WebhookEvent) -> None:
        user = event.user
        if user is None or user.id is None:
            return
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO users (id, email, first_name, last_name, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET email = excluded.email, "
                "first_name = excluded.first_name, last_name = excluded.last_name, "
                "updated_at = excluded.updated_at",
                (
                    user.id,
                    user.primary_email_address,
                    user.first_name,
                    user.last_name,
                    event.timestamp,
                ),
            )

    def delete(self, event: WebhookEvent) -> None:
        if event.user is not None and event.user.id:
            with self._lock, self._db:
                self._db.execute("DELETE FROM users WHERE id = ?", (event.user.id,))

    def get(self, user_id: str | None) -> dict[str, Any] | None:
        if not user_id:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT id, email, first_name, last_name FROM users WHERE id = ?", (user_id,)
            ).fetchone()
        return (
            dict(zip(("id", "email", "first_name", "last_name"), row, strict=True)) if row else None
        )


def user_sync_router(table: UserTable) -> WebhookRouter:
    router = WebhookRouter()
    router.on("user.created", "user.updated")(table.upsert)
    router.on("user.deleted")(table.delete)
    return router
