"""``/organizations`` and their memberships: each function builds the
:class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from typing import IO, Any

from ...resources import Organization, OrganizationMembership
from .._call import Call, ClerkList, body, many, one, raw, to_query

__all__ = [
    "create_organization",
    "create_organization_membership",
    "delete_organization",
    "delete_organization_logo",
    "delete_organization_membership",
    "get_organization",
    "list_organizations",
    "organization_memberships",
    "update_organization",
    "update_organization_logo",
    "update_organization_membership",
    "update_organization_membership_metadata",
    "update_organization_metadata",
]

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
    user_id: Strings | None = None,
    organization_id: Strings | None = None,
    include_members_count: bool | None = None,
    include_missing_member_with_elevated_permissions: bool | None = None,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[ClerkList[Organization]]:
    """``GET /organizations``; ``query`` matches the id, name or slug; ``user_id`` keeps the
    organizations these users belong to; ``order_by`` is ``name``, ``created_at`` or
    ``members_count``, ``-`` first for descending."""
    return Call(
        "GET",
        "/organizations",
        many(Organization),
        to_query(
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


def create_organization(
    *,
    name: str,
    slug: str | None = None,
    created_by: str | None = None,
    max_allowed_memberships: int | None = None,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
) -> Call[Organization]:
    """``POST /organizations``; ``created_by`` (a user id) becomes its first admin; Clerk makes
    the slug from the name when none is given."""
    return Call(
        "POST",
        "/organizations",
        one(Organization),
        body=body(
            name=name,
            slug=slug,
            created_by=created_by,
            max_allowed_memberships=max_allowed_memberships,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
        ),
    )


def update_organization(
    organization_id: str,
    *,
    name: str | None = None,
    slug: str | None = None,
    max_allowed_memberships: int | None = None,
    admin_delete_enabled: bool | None = None,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
) -> Call[Organization]:
    """``PATCH /organizations/{organization_id}``: the given fields; metadata given here replaces
    the stored object (:func:`update_organization_metadata` merges)."""
    return Call(
        "PATCH",
        "/organizations/{organization_id}",
        one(Organization),
        body=body(
            name=name,
            slug=slug,
            max_allowed_memberships=max_allowed_memberships,
            admin_delete_enabled=admin_delete_enabled,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
        ),
        ids={"organization_id": organization_id},
    )


def update_organization_metadata(
    organization_id: str,
    *,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
) -> Call[Organization]:
    """``PATCH /organizations/{organization_id}/metadata``: Clerk merges each given object into
    the stored one, and a key set to ``None`` is removed."""
    return Call(
        "PATCH",
        "/organizations/{organization_id}/metadata",
        one(Organization),
        body=body(public_metadata=public_metadata, private_metadata=private_metadata),
        ids={"organization_id": organization_id},
    )


def delete_organization(organization_id: str) -> Call[dict[str, Any]]:
    """``DELETE /organizations/{organization_id}``: ``{"object", "id", "deleted": true}``."""
    return Call(
        "DELETE",
        "/organizations/{organization_id}",
        raw,
        ids={"organization_id": organization_id},
    )


def update_organization_logo(
    organization_id: str,
    *,
    file: bytes | IO[bytes],
    filename: str = "logo",
    content_type: str | None = None,
    uploader_user_id: str | None = None,
) -> Call[Organization]:
    """``PUT /organizations/{organization_id}/logo``, a ``multipart/form-data`` upload of
    ``file`` (bytes, or a binary file read here, once, so a retry sends the same bytes). The
    content type, when not given, is guessed from ``filename``, then from the image's first
    bytes (PNG, JPEG, GIF, WebP)."""
    content = file if isinstance(file, (bytes, bytearray)) else file.read()
    if not isinstance(content, (bytes, bytearray)):
        raise TypeError("file must be bytes or a file opened in binary mode")
    content = bytes(content)
    kind = content_type or mimetypes.guess_type(filename)[0] or _sniff_image(content)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in kind):
        # httpx writes it into the part's headers as given: a CR/LF would add headers.
        raise ValueError("content_type must be a MIME type without control characters.")
    return Call(
        "PUT",
        "/organizations/{organization_id}/logo",
        one(Organization),
        body=body(uploader_user_id=uploader_user_id),
        files={"file": (filename, content, kind)},
        ids={"organization_id": organization_id},
    )


_IMAGE_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]


def _sniff_image(content: bytes) -> str:
    for signature, kind in _IMAGE_SIGNATURES:
        if content.startswith(signature):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def delete_organization_logo(organization_id: str) -> Call[Organization]:
    return Call(
        "DELETE",
        "/organizations/{organization_id}/logo",
        one(Organization),
        ids={"organization_id": organization_id},
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


def create_organization_membership(
    organization_id: str, *, user_id: str, role: str
) -> Call[OrganizationMembership]:
    """``POST /organizations/{organization_id}/memberships``; ``role`` such as ``org:member``."""
    return Call(
        "POST",
        "/organizations/{organization_id}/memberships",
        one(OrganizationMembership),
        body=body(user_id=user_id, role=role),
        ids={"organization_id": organization_id},
    )


def update_organization_membership(
    organization_id: str, user_id: str, *, role: str
) -> Call[OrganizationMembership]:
    """``PATCH /organizations/{organization_id}/memberships/{user_id}``: a new role."""
    return Call(
        "PATCH",
        "/organizations/{organization_id}/memberships/{user_id}",
        one(OrganizationMembership),
        body=body(role=role),
        ids={"organization_id": organization_id, "user_id": user_id},
    )


def update_organization_membership_metadata(
    organization_id: str,
    user_id: str,
    *,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
) -> Call[OrganizationMembership]:
    """``PATCH /organizations/{organization_id}/memberships/{user_id}/metadata``: merged, a key
    set to ``None`` removed."""
    return Call(
        "PATCH",
        "/organizations/{organization_id}/memberships/{user_id}/metadata",
        one(OrganizationMembership),
        body=body(public_metadata=public_metadata, private_metadata=private_metadata),
        ids={"organization_id": organization_id, "user_id": user_id},
    )


def delete_organization_membership(
    organization_id: str, user_id: str
) -> Call[OrganizationMembership]:
    """``DELETE /organizations/{organization_id}/memberships/{user_id}``: the removed membership."""
    return Call(
        "DELETE",
        "/organizations/{organization_id}/memberships/{user_id}",
        one(OrganizationMembership),
        ids={"organization_id": organization_id, "user_id": user_id},
    )
