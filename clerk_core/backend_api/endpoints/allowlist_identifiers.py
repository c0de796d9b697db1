"""``/allowlist_identifiers``: each function builds the :class:`~clerk_core.backend_api.Call` of
one endpoint."""

from __future__ import annotations

from typing import Any

from ...resources import AllowlistIdentifier
from .._call import Call, ClerkList, body, many, one, raw, to_query

__all__ = [
    "create_allowlist_identifier",
    "delete_allowlist_identifier",
    "list_allowlist_identifiers",
]


def list_allowlist_identifiers(
    *, limit: int | None = None, offset: int | None = None
) -> Call[ClerkList[AllowlistIdentifier]]:
    return Call(
        "GET",
        "/allowlist_identifiers",
        many(AllowlistIdentifier),
        to_query(limit=limit, offset=offset, paginated=True),
    )


def create_allowlist_identifier(
    *, identifier: str, notify: bool | None = None
) -> Call[AllowlistIdentifier]:
    """``POST /allowlist_identifiers``: an e-mail address, phone number, domain (``*@x.test``
    style is Clerk's) or web3 wallet; ``notify`` e-mails an invitation to an address."""
    return Call(
        "POST",
        "/allowlist_identifiers",
        one(AllowlistIdentifier),
        body=body(identifier=identifier, notify=notify),
    )


def delete_allowlist_identifier(identifier_id: str) -> Call[dict[str, Any]]:
    return Call(
        "DELETE",
        "/allowlist_identifiers/{identifier_id}",
        raw,
        ids={"identifier_id": identifier_id},
    )
