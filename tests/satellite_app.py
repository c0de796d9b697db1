"""A production satellite configured the way each adapter reads its settings (option fields by
name, not a ready engine), for the adapters' satellite tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from clerk_core.testing import LocalClerkInstance

HOST = "satellite.test"
PAGE = {"sec-fetch-dest": "document", "accept": "text/html"}


def satellite() -> LocalClerkInstance:
    """A production satellite of ``clerk.primary.test`` on ``satellite.test``: its session tokens
    carry ``iss = https://clerk.satellite.test``."""
    return LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.primary.test",
        satellite_domain=HOST,
        authorized_parties=(f"http://{HOST}",),
    )


def satellite_fields(instance: LocalClerkInstance) -> dict[str, Any]:
    """``ClerkOptions`` fields by name, networkless (the PEM key), with ``satellite_auto_sync``."""
    return {
        "publishable_key": instance.publishable_key,
        "secret_key": instance.secret_key,
        "jwt_key": instance.public_key_pem(),
        "is_satellite": True,
        "domain": HOST,
        "satellite_auto_sync": True,
        "authorized_parties": [f"http://{HOST}"],
        "allowed_hosts": [HOST],
    }


def session_cookie_header(instance: LocalClerkInstance, token: str) -> str:
    return f"__session={token}; __client_uat={int(instance.clock()) - 100}"


def assert_satellite_sync(status: int, location: str | None) -> None:
    """A cookie-less page on an auto-syncing production satellite: a handshake through the
    satellite's own Frontend API."""
    assert status == 307
    split = urlsplit(location or "")
    assert (split.netloc, split.path) == ("clerk.satellite.test", "/v1/client/handshake")
    assert parse_qs(split.query)["__clerk_hs_reason"] == ["satellite-needs-syncing"]
