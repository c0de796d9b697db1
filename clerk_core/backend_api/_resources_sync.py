"""The sync namespaces (``api.users``, ``api.organizations``, ...): each method names its
endpoint and passes its parameters on.

Generated from ``_resources_async.py`` by ``python clerk_core/backend_api/_gen.py``: do not edit
this file; edit the source and run the script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..resources import Invitation, Organization, OrganizationMembership, Session, Token
from ._call import ClerkList
from .endpoints import invitations, organizations, sessions

if TYPE_CHECKING:
    from ._client_sync import BackendAPI

Strings = Sequence[str] | str


class _Organizations:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def get(
        self,
        id_or_slug: str,
        *,
        include_members_count: bool | None = None,
        include_missing_member_with_elevated_permissions: bool | None = None,
    ) -> Organization:
        """By id (``org_...``) or by slug."""
        return self._run(
            organizations.get_organization(
                id_or_slug,
                include_members_count=include_members_count,
                include_missing_member_with_elevated_permissions=(
                    include_missing_member_with_elevated_permissions
                ),
            ),
        )

    def list(
        self,
        *,
        query: str | None = None,
        organization_id: Strings | None = None,
        include_members_count: bool | None = None,
        include_missing_member_with_elevated_permissions: bool | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[Organization]:
        return self._run(
            organizations.list_organizations(
                query=query,
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

    def memberships(
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
        return self._run(
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


class _Sessions:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def get(self, session_id: str) -> Session:
        return self._run(sessions.get_session(session_id))

    def revoke(self, session_id: str) -> Session:
        return self._run(sessions.revoke_session(session_id))

    def create_token(
        self,
        session_id: str,
        *,
        expires_in_seconds: int | None = None,
        template: str | None = None,
    ) -> Token:
        """A fresh session token, or one made from the JWT template ``template``."""
        return self._run(
            sessions.create_session_token(
                session_id,
                expires_in_seconds=expires_in_seconds,
                template=template,
            ),
        )


class _Invitations:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def create(
        self,
        email_address: str,
        *,
        redirect_url: str | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        notify: bool | None = None,
        ignore_existing: bool | None = None,
        expires_in_days: int | None = None,
        template_slug: str | None = None,
    ) -> Invitation:
        return self._run(
            invitations.create_invitation(
                email_address,
                redirect_url=redirect_url,
                public_metadata=public_metadata,
                notify=notify,
                ignore_existing=ignore_existing,
                expires_in_days=expires_in_days,
                template_slug=template_slug,
            ),
        )

    def revoke(self, invitation_id: str) -> Invitation:
        return self._run(invitations.revoke_invitation(invitation_id))
