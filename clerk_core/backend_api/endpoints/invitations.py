"""``/invitations``: each function builds the :class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...resources import Invitation
from .._call import Call, body, one

__all__ = ["create_invitation", "revoke_invitation"]


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


def revoke_invitation(invitation_id: str) -> Call[Invitation]:
    return Call(
        "POST",
        "/invitations/{invitation_id}/revoke",
        one(Invitation),
        ids={"invitation_id": invitation_id},
    )
