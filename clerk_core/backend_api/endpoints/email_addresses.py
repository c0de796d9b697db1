"""``/email_addresses``: each function builds the :class:`~clerk_core.backend_api.Call` of one
endpoint."""

from __future__ import annotations

from ...resources import DeletedObject, EmailAddress
from .._call import Call, body, one

__all__ = [
    "create_email_address",
    "delete_email_address",
    "get_email_address",
    "update_email_address",
]


def get_email_address(email_address_id: str) -> Call[EmailAddress]:
    return Call(
        "GET",
        "/email_addresses/{email_address_id}",
        one(EmailAddress),
        ids={"email_address_id": email_address_id},
    )


def create_email_address(
    user_id: str,
    email_address: str,
    *,
    verified: bool | None = None,
    primary: bool | None = None,
) -> Call[EmailAddress]:
    """``POST /email_addresses``: a new address for the user (``verified`` skips the email
    verification; ``primary`` makes it the user's primary address)."""
    return Call(
        "POST",
        "/email_addresses",
        one(EmailAddress),
        body=body(user_id=user_id, email_address=email_address, verified=verified, primary=primary),
    )


def update_email_address(
    email_address_id: str,
    *,
    verified: bool | None = None,
    primary: bool | None = None,
) -> Call[EmailAddress]:
    return Call(
        "PATCH",
        "/email_addresses/{email_address_id}",
        one(EmailAddress),
        body=body(verified=verified, primary=primary),
        ids={"email_address_id": email_address_id},
    )


def delete_email_address(email_address_id: str) -> Call[DeletedObject]:
    return Call(
        "DELETE",
        "/email_addresses/{email_address_id}",
        one(DeletedObject),
        ids={"email_address_id": email_address_id},
    )
