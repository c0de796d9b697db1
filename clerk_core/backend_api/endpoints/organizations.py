"""``/organizations``: each function builds the :class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

from collections.abc import Sequence

from ...resources import Organization, OrganizationMembership
from .._call import Call, ClerkList, many, one, to_query

__all__ = ["get_organization", "list_organizations", "organization_memberships"]

Strings = Sequence[str] | str


def get_organization(
    id_or_slug: str,
    *,
    include_members_count: bool | None = None,
    include_missing_member_with_elevated_permissions: bool | None = None,
) -> Call[Organization]:
    """``GET /organizations/{id_or_slug}``: by id (``org_...``) or by slug."""
    return Call(
        "GET",
        "/organizations/{id_or_slug}",
        one(Organization),
        to_query(
            include_members_count=include_members_count,
            include_missing_member_with_elevated_permissions=(
                include_missing_member_with_elevated_permissions
            ),
        ),
        ids={"id_or_slug": id_or_slug},
    )


def list_organizations(
    *,
    query: str | None = None,
    organization_id: Strings | None = None,
    include_members_count: bool | None = None,
    include_missing_member_with_elevated_permissions: bool | None = None,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[ClerkList[Organization]]:
    """``GET /organizations``; ``order_by`` is ``name``, ``created_at`` or ``members_count``, ``-``
    first for descending."""
    return Call(
        "GET",
        "/organizations",
        many(Organization),
        to_query(
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


def organization_memberships(
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
) -> Call[ClerkList[OrganizationMembership]]:
    """``GET /organizations/{organization_id}/memberships``, filtered by the members' fields."""
    return Call(
        "GET",
        "/organizations/{organization_id}/memberships",
        many(OrganizationMembership),
        to_query(
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
        ids={"organization_id": organization_id},
    )
