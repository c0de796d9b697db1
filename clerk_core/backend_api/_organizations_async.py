"""The async organization namespaces: ``api.organizations`` (with its memberships),
``api.organization_memberships`` and ``api.organization_invitations``.

This file is the source of ``_organizations_sync.py``: edit it, then run
``python clerk_core/backend_api/_gen.py``. Each method names its endpoint (``endpoints/``) and
passes its parameters on. The membership methods exist twice, under Clerk's JS names on
``api.organizations`` (``create_membership``, ...) and as their own namespace
(``api.organization_memberships.create``, ...): the same endpoints, the same results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from ..resources import Organization, OrganizationInvitation, OrganizationMembership
from ._call import ClerkList
from .endpoints import organization_invitations, organizations
from .endpoints.organization_invitations import OrganizationInvitationParams

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from ._client_async import AsyncBackendAPI

Strings = Sequence[str] | str


class _AsyncOrganizations:
    def __init__(self, api: AsyncBackendAPI) -> None:
        self._api = api
        self._run = api.run

    async def get(
        self,
        id_or_slug: str,
        *,
        include_members_count: bool | None = None,
        include_missing_member_with_elevated_permissions: bool | None = None,
    ) -> Organization:
        """By id (``org_...``) or by slug."""
        return await self._run(
            organizations.get_organization(
                id_or_slug,
                include_members_count=include_members_count,
                include_missing_member_with_elevated_permissions=(
                    include_missing_member_with_elevated_permissions
                ),
            ),
        )

    async def list(
        self,
        *,
        query: str | None = None,
        user_id: Strings | None = None,
        organization_id: Strings | None = None,
        include_members_count: bool | None = None,
        include_missing_member_with_elevated_permissions: bool | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[Organization]:
        """One page (Clerk's default: 10, at most 500); ``order_by`` such as ``"-created_at"``."""
        return await self._run(
            organizations.list_organizations(
                query=query,
                user_id=user_id,
                organization_id=organization_id,
                include_members_count=include_members_count,
                include_missing_member_with_elevated_permissions=(
                    include_missing_member_with_elevated_permissions
                ),
                order_by=order_by,
                limit=limit,
                offset=offset,
            ),
        )

    async def iterate(
        self,
        *,
        query: str | None = None,
        user_id: Strings | None = None,
        organization_id: Strings | None = None,
        include_members_count: bool | None = None,
        include_missing_member_with_elevated_permissions: bool | None = None,
        order_by: str | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[Organization]:
        """Every matching organization, ``page_size`` per request (see ``api.paginate``)."""
        pages = self._api.paginate(
            lambda limit, offset: organizations.list_organizations(
                query=query,
                user_id=user_id,
                organization_id=organization_id,
                include_members_count=include_members_count,
                include_missing_member_with_elevated_permissions=(
                    include_missing_member_with_elevated_permissions
                ),
                order_by=order_by,
                limit=limit,
                offset=offset,
            ),
            page_size=page_size,
        )
        async for organization in pages:  # noqa: RUF100, UP028 (the sync twin is a generator too)
            yield organization

    iter = iterate

    async def create(
        self,
        *,
        name: str,
        slug: str | None = None,
        created_by: str | None = None,
        max_allowed_memberships: int | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> Organization:
        """A new organization; ``created_by`` (a user id) becomes its first ``org:admin``."""
        return await self._run(
            organizations.create_organization(
                name=name,
                slug=slug,
                created_by=created_by,
                max_allowed_memberships=max_allowed_memberships,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
            ),
        )

    async def update(
        self,
        organization_id: str,
        *,
        name: str | None = None,
        slug: str | None = None,
        max_allowed_memberships: int | None = None,
        admin_delete_enabled: bool | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> Organization:
        """Change the given fields (metadata given here replaces; ``update_metadata`` merges)."""
        return await self._run(
            organizations.update_organization(
                organization_id,
                name=name,
                slug=slug,
                max_allowed_memberships=max_allowed_memberships,
                admin_delete_enabled=admin_delete_enabled,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
            ),
        )

    async def update_metadata(
        self,
        organization_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> Organization:
        """Merge each given object into the stored one; a key set to ``None`` is removed."""
        return await self._run(
            organizations.update_organization_metadata(
                organization_id,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
            ),
        )

    async def delete(self, organization_id: str) -> dict[str, Any]:
        return await self._run(organizations.delete_organization(organization_id))

    async def update_logo(
        self,
        organization_id: str,
        *,
        file: bytes | IO[bytes],
        filename: str = "logo",
        content_type: str | None = None,
        uploader_user_id: str | None = None,
    ) -> Organization:
        """Upload the logo (bytes, or a binary file); ``image_url`` then points to it."""
        return await self._run(
            organizations.update_organization_logo(
                organization_id,
                file=file,
                filename=filename,
                content_type=content_type,
                uploader_user_id=uploader_user_id,
            ),
        )

    async def delete_logo(self, organization_id: str) -> Organization:
        return await self._run(organizations.delete_organization_logo(organization_id))

    async def memberships(
        self,
        organization_id: str,
        *,
        user_id: Strings | None = None,
        email_address: Strings | None = None,
        phone_number: Strings | None = None,
        username: Strings | None = None,
        web3_wallet: Strings | None = None,
        role: Strings | None = None,
        query: str | None = None,
        email_address_query: str | None = None,
        phone_number_query: str | None = None,
        username_query: str | None = None,
        name_query: str | None = None,
        last_active_at_before: int | None = None,
        last_active_at_after: int | None = None,
        created_at_before: int | None = None,
        created_at_after: int | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[OrganizationMembership]:
        """The organization's memberships, filtered by the members' fields."""
        return await self._run(
            organizations.organization_memberships(
                organization_id,
                user_id=user_id,
                email_address=email_address,
                phone_number=phone_number,
                username=username,
                web3_wallet=web3_wallet,
                role=role,
                query=query,
                email_address_query=email_address_query,
                phone_number_query=phone_number_query,
                username_query=username_query,
                name_query=name_query,
                last_active_at_before=last_active_at_before,
                last_active_at_after=last_active_at_after,
                created_at_before=created_at_before,
                created_at_after=created_at_after,
                order_by=order_by,
                limit=limit,
                offset=offset,
            ),
        )

    async def create_membership(
        self, organization_id: str, *, user_id: str, role: str
    ) -> OrganizationMembership:
        """Make ``user_id`` a member with ``role`` (``org:admin``, ``org:member``, ...)."""
        return await self._run(
            organizations.create_organization_membership(
                organization_id, user_id=user_id, role=role
            ),
        )

    async def update_membership(
        self, organization_id: str, user_id: str, *, role: str
    ) -> OrganizationMembership:
        return await self._run(
            organizations.update_organization_membership(organization_id, user_id, role=role),
        )

    async def update_membership_metadata(
        self,
        organization_id: str,
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> OrganizationMembership:
        """Merged into the stored metadata; a key set to ``None`` is removed."""
        return await self._run(
            organizations.update_organization_membership_metadata(
                organization_id,
                user_id,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
            ),
        )

    async def delete_membership(self, organization_id: str, user_id: str) -> OrganizationMembership:
        return await self._run(
            organizations.delete_organization_membership(organization_id, user_id),
        )


class _AsyncOrganizationMemberships:
    """``api.organization_memberships``: the membership methods of ``api.organizations`` under
    short names (``list``, ``create``, ``update``, ``update_metadata``, ``delete``)."""

    def __init__(self, api: AsyncBackendAPI) -> None:
        self._organizations = _AsyncOrganizations(api)

    async def list(
        self,
        organization_id: str,
        *,
        user_id: Strings | None = None,
        email_address: Strings | None = None,
        phone_number: Strings | None = None,
        username: Strings | None = None,
        web3_wallet: Strings | None = None,
        role: Strings | None = None,
        query: str | None = None,
        email_address_query: str | None = None,
        phone_number_query: str | None = None,
        username_query: str | None = None,
        name_query: str | None = None,
        last_active_at_before: int | None = None,
        last_active_at_after: int | None = None,
        created_at_before: int | None = None,
        created_at_after: int | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[OrganizationMembership]:
        """The organization's memberships, filtered by the members' fields."""
        return await self._organizations.memberships(
            organization_id,
            user_id=user_id,
            email_address=email_address,
            phone_number=phone_number,
            username=username,
            web3_wallet=web3_wallet,
            role=role,
            query=query,
            email_address_query=email_address_query,
            phone_number_query=phone_number_query,
            username_query=username_query,
            name_query=name_query,
            last_active_at_before=last_active_at_before,
            last_active_at_after=last_active_at_after,
            created_at_before=created_at_before,
            created_at_after=created_at_after,
            order_by=order_by,
            limit=limit,
            offset=offset,
        )

    async def create(
        self,
        organization_id: str,
        *,
        user_id: str,
        role: str,
    ) -> OrganizationMembership:
        return await self._organizations.create_membership(
            organization_id,
            user_id=user_id,
            role=role,
        )

    async def update(
        self,
        organization_id: str,
        user_id: str,
        *,
        role: str,
    ) -> OrganizationMembership:
        return await self._organizations.update_membership(organization_id, user_id, role=role)

    async def update_metadata(
        self,
        organization_id: str,
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> OrganizationMembership:
        return await self._organizations.update_membership_metadata(
            organization_id,
            user_id,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
        )

    async def delete(self, organization_id: str, user_id: str) -> OrganizationMembership:
        return await self._organizations.delete_membership(organization_id, user_id)


class _AsyncOrganizationInvitations:
    def __init__(self, api: AsyncBackendAPI) -> None:
        self._run = api.run

    async def list(
        self,
        organization_id: str,
        *,
        status: Strings | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[OrganizationInvitation]:
        """``status``: ``pending``, ``accepted``, ``revoked`` or ``expired`` (a list: any)."""
        return await self._run(
            organization_invitations.list_organization_invitations(
                organization_id, status=status, limit=limit, offset=offset
            ),
        )

    async def get(self, organization_id: str, invitation_id: str) -> OrganizationInvitation:
        return await self._run(
            organization_invitations.get_organization_invitation(organization_id, invitation_id),
        )

    async def create(
        self,
        organization_id: str,
        *,
        email_address: str,
        role: str,
        inviter_user_id: str | None = None,
        redirect_url: str | None = None,
        expires_in_days: int | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> OrganizationInvitation:
        """Invite ``email_address`` to join with ``role``."""
        return await self._run(
            organization_invitations.create_organization_invitation(
                organization_id,
                email_address=email_address,
                role=role,
                inviter_user_id=inviter_user_id,
                redirect_url=redirect_url,
                expires_in_days=expires_in_days,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
            ),
        )

    async def bulk_create(
        self,
        organization_id: str,
        *,
        invitations: Sequence[OrganizationInvitationParams],
    ) -> ClerkList[OrganizationInvitation]:
        """Several invitations in one request: ``[{"email_address": ..., "role": ...}, ...]``."""
        return await self._run(
            organization_invitations.create_organization_invitations(
                organization_id,
                invitations=invitations,
            ),
        )

    async def revoke(
        self,
        organization_id: str,
        invitation_id: str,
        *,
        requesting_user_id: str | None = None,
    ) -> OrganizationInvitation:
        return await self._run(
            organization_invitations.revoke_organization_invitation(
                organization_id, invitation_id, requesting_user_id=requesting_user_id
            ),
        )
