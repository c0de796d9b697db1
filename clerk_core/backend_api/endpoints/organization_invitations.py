"""``/organizations/{organization_id}/invitations``: each function builds the
:class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from ...resources import OrganizationInvitation
from .._call import Call, ClerkList, body, many, one, to_query

__all__ = [
    "OrganizationInvitationParams",
    "create_organization_invitation",
    "create_organization_invitations",
    "get_organization_invitation",
    "list_organization_invitations",
    "revoke_organization_invitation",
]

Strings = Sequence[str] | str


class _Required(TypedDict):
    email_address: str
    role: str


class OrganizationInvitationParams(_Required, total=False):
    """One invitation of a bulk create: ``email_address`` and ``role`` are required."""

    inviter_user_id: str
    redirect_url: str
    expires_in_days: int
    public_metadata: Mapping[str, Any]
    private_metadata: Mapping[str, Any]


def list_organization_invitations(
    organization_id: str,
    *,
    status: Strings | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[ClerkList[OrganizationInvitation]]:
    """``GET /organizations/{organization_id}/invitations``; ``status`` is ``pending``,
    ``accepted``, ``revoked`` or ``expired`` (a list matches any)."""
    return Call(
        "GET",
        "/organizations/{organization_id}/invitations",
        many(OrganizationInvitation),
        to_query(status=status, limit=limit, offset=offset),
        ids={"organization_id": organization_id},
    )


def get_organization_invitation(
    organization_id: str, invitation_id: str
) -> Call[OrganizationInvitation]:
    return Call(
        "GET",
        "/organizations/{organization_id}/invitations/{invitation_id}",
        one(OrganizationInvitation),
        ids={"organization_id": organization_id, "invitation_id": invitation_id},
    )


def create_organization_invitation(
    organization_id: str,
    *,
    email_address: str,
    role: str,
    inviter_user_id: str | None = None,
    redirect_url: str | None = None,
    expires_in_days: int | None = None,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
) -> Call[OrganizationInvitation]:
    """``POST /organizations/{organization_id}/invitations``: Clerk e-mails the invitee a link
    (to ``redirect_url``) that makes them a member with ``role``."""
    return Call(
        "POST",
        "/organizations/{organization_id}/invitations",
        one(OrganizationInvitation),
        body=body(
            email_address=email_address,
            role=role,
            inviter_user_id=inviter_user_id,
            redirect_url=redirect_url,
            expires_in_days=expires_in_days,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
        ),
        ids={"organization_id": organization_id},
    )


def create_organization_invitations(
    organization_id: str, *, invitations: Sequence[OrganizationInvitationParams]
) -> Call[ClerkList[OrganizationInvitation]]:
    """``POST /organizations/{organization_id}/invitations/bulk``: several at once (all or
    none: one bad entry fails the request)."""
    if isinstance(invitations, (str, Mapping)):
        raise TypeError("invitations must be a sequence of invitation dicts")
    return Call(
        "POST",
        "/organizations/{organization_id}/invitations/bulk",
        many(OrganizationInvitation),
        body=[body(**item) for item in invitations],
        ids={"organization_id": organization_id},
    )


def revoke_organization_invitation(
    organization_id: str, invitation_id: str, *, requesting_user_id: str | None = None
) -> Call[OrganizationInvitation]:
    return Call(
        "POST",
        "/organizations/{organization_id}/invitations/{invitation_id}/revoke",
        one(OrganizationInvitation),
        body=body(requesting_user_id=requesting_user_id),
        ids={"organization_id": organization_id, "invitation_id": invitation_id},
    )
