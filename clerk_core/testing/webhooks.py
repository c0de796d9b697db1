"""The local instance's webhooks: Clerk event bodies, and deliveries signed as Clerk (Svix) signs."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

__all__ = ["WebhookSigner"]


class WebhookSigner:
    """Builds and signs webhook deliveries (a mixin of ``LocalClerkInstance``)."""

    kid: str
    clock: Callable[[], float]
    webhook_signing_secret: str

    def webhook_event(self, event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """A Clerk event body: ``{"data": ..., "object": "event", "type": ..., ...}``."""
        return {
            "data": dict(data),
            "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "local"}},
            "instance_id": "ins_" + self.kid.removeprefix("ins_"),
            "object": "event",
            "timestamp": int(self.clock() * 1000),
            "type": event_type,
        }

    def sign_webhook(
        self,
        event_type: str,
        data: Mapping[str, Any],
        *,
        msg_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A delivery signed as Clerk (Svix) signs it: ``(body, headers)`` for your endpoint."""
        from standardwebhooks.webhooks import Webhook

        body = json.dumps(self.webhook_event(event_type, data), separators=(",", ":"))
        msg_id = msg_id or "msg_" + secrets.token_hex(12)
        ts = int(self.clock()) if timestamp is None else timestamp
        signer = Webhook(secret or self.webhook_signing_secret)
        signature = signer.sign(msg_id, datetime.fromtimestamp(ts, tz=timezone.utc), body)
        headers = {
            "svix-id": msg_id,
            "svix-timestamp": str(ts),
            "svix-signature": signature,
            "content-type": "application/json",
        }
        return body.encode("utf-8"), headers

    def user_payload(
        self,
        user_id: str = "user_test",
        *,
        first_name: str = "Test",
        last_name: str = "User",
        email: str = "test@example.test",
    ) -> dict[str, Any]:
        """The ``data`` of a ``user.created`` / ``user.updated`` event (the fields most apps read)."""
        email_id = "idn_" + user_id.removeprefix("user_")
        return {
            "id": user_id,
            "object": "user",
            "first_name": first_name,
            "last_name": last_name,
            "username": None,
            "image_url": "",
            "primary_email_address_id": email_id,
            "email_addresses": [
                {"id": email_id, "object": "email_address", "email_address": email}
            ],
            "public_metadata": {},
            "private_metadata": {},
            "unsafe_metadata": {},
            "created_at": int(self.clock() * 1000),
            "updated_at": int(self.clock() * 1000),
        }
