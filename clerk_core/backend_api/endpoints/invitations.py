"""``/invitations``: each function builds the :class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from ...resources import Invitation
from .._call import Call, ClerkList, body, many, one, to_query

__all__ = [
    "InvitationParams",
    "create_invitation",
    "create_invitations",
    "list_invitations",
    "revoke_invitation",
]


class _Required(TypedDict):
    email_address: str


class InvitationParams(_Required, total=False):
    """One invitation of a bulk create: ``email_address`` is required."""

    redirect_url: str
    public_metadata: Mapping[str, Any]
    notify: bool
    ignore_existing: bool
    expires_in_days: int
    template_slug: str


def list_invitations(
    *,
    status: str | None = None,
    query: str | None = None,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[ClerkList[Invitation]]:
    """``GET /invitations?paginated=true``; ``status`` is ``pending``, ``accepted``,
    ``revoked`` or ``expired``; ``order_by`` is ``created_at``, ``email_address`` or
    ``expires_at``, ``-`` first for descending."""
    return Call(
        "GET",
        "/invitations",
        many(Invitation),
        to_query(
            status=status,
            query=query,
            order_by=order_by,
            limit=limit,
            offset=offset,
            paginated=True,
        ),
    )


def create_invitation(
    email_address: str,
    *,
    redirect_url: str | None = None,
    public_metadata: Mapping[str, Any] | None = None,
    notify: bool | None = None,
    ignore_existing: bool | None = None,
    expires_in_days: int | None = None,
    template_slug: str | None = None,
) -> Call[Invitation]:
    """``POST /invitations``; ``template_slug`` is ``"invitation"`` or ``"waitlist_invitation"``."""
    return Call(
        "POST",
        "/invitations",
        one(Invitation),
        body=body(
            email_address=email_address,
            redirect_url=redirect_url,
            public_metadata=public_metadata,
            notify=notify,
            ignore_existing=ignore_existing,
            expires_in_days=expires_in_days,
            template_slug=template_slug,
        ),
    )


def create_invitations(*, invitations: Sequence[InvitationParams]) -> Call[ClerkList[Invitation]]:
    """``POST /invitations/bulk``: several at once (all or none); Clerk answers a bare list."""
    if isinstance(invitations, (str, Mapping)):
        raise TypeError("invitations must be a sequence of invitation dicts")
    return Call(
        "POST",
        "/invitations/bulk",
        many(Invitation),
        body=[body(**item) for item in invitations],
    )


def revoke_invitation(invitation_id: str) -> Call[Invitation]:
    return Call(
        "POST",
        "/invitations/{invitation_id}/revoke",
        one(Invitation),
        ids={"invitation_id": invitation_id},
    )
