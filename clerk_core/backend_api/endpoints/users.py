"""``/users``: each function builds the :class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...resources import OrganizationMembership, User
from .._call import Call, ClerkList, body, many, one, raw, to_query

__all__ = [
    "delete_user",
    "get_user",
    "list_users",
    "update_user_metadata",
    "user_memberships",
]

Strings = Sequence[str] | str


def get_user(user_id: str) -> Call[User]:
    return Call("GET", "/users/{user_id}", one(User), ids={"user_id": user_id})


def list_users(
    *,
    email_address: Strings | None = None,
    phone_number: Strings | None = None,
    external_id: Strings | None = None,
    username: Strings | None = None,
    web3_wallet: Strings | None = None,
    user_id: Strings | None = None,
    organization_id: Strings | None = None,
    query: str | None = None,
    email_address_query: str | None = None,
    phone_number_query: str | None = None,
    username_query: str | None = None,
    name_query: str | None = None,
    banned: bool | None = None,
    last_active_at_before: int | None = None,
    last_active_at_after: int | None = None,
    last_active_at_since: int | None = None,
    created_at_before: int | None = None,
    created_at_after: int | None = None,
    last_sign_in_at_before: int | None = None,
    last_sign_in_at_after: int | None = None,
    provider: str | None = None,
    provider_user_id: Strings | None = None,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[ClerkList[User]]:
    """``GET /users``. The lists filter by any of their values; the timestamps are in
    milliseconds since the epoch; ``order_by`` is a field, ``-`` first for descending."""
    return Call(
        "GET",
        "/users",
        many(User),
        to_query(
            email_address=email_address,
            phone_number=phone_number,
            external_id=external_id,
            username=username,
            web3_wallet=web3_wallet,
            user_id=user_id,
            organization_id=organization_id,
            query=query,
            email_address_query=email_address_query,
            phone_number_query=phone_number_query,
            username_query=username_query,
            name_query=name_query,
            banned=banned,
            last_active_at_before=last_active_at_before,
            last_active_at_after=last_active_at_after,
            last_active_at_since=last_active_at_since,
            created_at_before=created_at_before,
            created_at_after=created_at_after,
            last_sign_in_at_before=last_sign_in_at_before,
            last_sign_in_at_after=last_sign_in_at_after,
            provider=provider,
            provider_user_id=provider_user_id,
            order_by=order_by,
            limit=limit,
            offset=offset,
        ),
    )


def update_user_metadata(
    user_id: str,
    *,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
    unsafe_metadata: Mapping[str, Any] | None = None,
) -> Call[User]:
    """``PATCH /users/{user_id}/metadata``: Clerk merges each given object into the stored one."""
    return Call(
        "PATCH",
        "/users/{user_id}/metadata",
        one(User),
        body=body(
            public_metadata=public_metadata,
            private_metadata=private_metadata,
            unsafe_metadata=unsafe_metadata,
        ),
        ids={"user_id": user_id},
    )


def delete_user(user_id: str) -> Call[dict[str, Any]]:
    return Call("DELETE", "/users/{user_id}", raw, ids={"user_id": user_id})


def user_memberships(
    user_id: str, *, limit: int | None = None, offset: int | None = None
) -> Call[ClerkList[OrganizationMembership]]:
    return Call(
        "GET",
        "/users/{user_id}/organization_memberships",
        many(OrganizationMembership),
        to_query(limit=limit, offset=offset),
        ids={"user_id": user_id},
    )
