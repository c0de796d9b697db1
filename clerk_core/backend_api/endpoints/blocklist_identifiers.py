"""``/blocklist_identifiers``: each function builds the :class:`~clerk_core.backend_api.Call` of
one endpoint."""

from __future__ import annotations

from typing import Any

from ...resources import BlocklistIdentifier
from .._call import Call, ClerkList, body, many, one, raw, to_query

__all__ = [
    "create_blocklist_identifier",
    "delete_blocklist_identifier",
    "list_blocklist_identifiers",
]


def list_blocklist_identifiers(
    *, limit: int | None = None, offset: int | None = None
) -> Call[ClerkList[BlocklistIdentifier]]:
    return Call(
        "GET",
        "/blocklist_identifiers",
        many(BlocklistIdentifier),
        to_query(limit=limit, offset=offset, paginated=True),
    )


def create_blocklist_identifier(*, identifier: str) -> Call[BlocklistIdentifier]:
    """``POST /blocklist_identifiers``: an e-mail address, phone number, domain or web3 wallet
    refused at sign-up and sign-in."""
    return Call(
        "POST", "/blocklist_identifiers", one(BlocklistIdentifier), body=body(identifier=identifier)
    )


def delete_blocklist_identifier(identifier_id: str) -> Call[dict[str, Any]]:
    return Call(
        "DELETE",
        "/blocklist_identifiers/{identifier_id}",
        raw,
        ids={"identifier_id": identifier_id},
    )
