"""The async namespaces (``api.users``, ``api.organizations``, ...): each method names its
endpoint and passes its parameters on.

This file is the source of ``_resources_sync.py``: edit it, then run
``python clerk_core/backend_api/_gen.py``. The endpoint itself (path, query, body, parser) is
written once, in ``endpoints/``. A new group is one class here, attached in ``_client_async.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..resources import OrganizationMembership, User
from ._call import ClerkList
from .endpoints import users

if TYPE_CHECKING:
    from ._client_async import AsyncBackendAPI

Strings = Sequence[str] | str


class _AsyncUsers:
    def __init__(self, api: AsyncBackendAPI) -> None:
        self._run = api.run

    async def get(self, user_id: str) -> User:
        return await self._run(users.get_user(user_id))

    async def list(
        self,
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
    ) -> ClerkList[User]:
        """Users matching every filter given (a list matches any of its values; timestamps in
        milliseconds since the epoch; ``order_by`` such as ``"-created_at"``)."""
        return await self._run(
            users.list_users(
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

    async def update_metadata(
        self,
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        unsafe_metadata: Mapping[str, Any] | None = None,
    ) -> User:
        """Merge each given object into the user's stored metadata."""
        return await self._run(
            users.update_user_metadata(
                user_id,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
                unsafe_metadata=unsafe_metadata,
            ),
        )

    async def delete(self, user_id: str) -> dict[str, Any]:
        return await self._run(users.delete_user(user_id))

    async def organization_memberships(
        self,
        user_id: str,
        *,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[OrganizationMembership]:
        return await self._run(users.user_memberships(user_id, limit=limit, offset=offset))
