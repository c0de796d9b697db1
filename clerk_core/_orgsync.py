"""Organization sync: which organization the request's path names (a step of the cookie flow).

Reads the compiled ``organization_patterns`` / ``personal_account_patterns`` and the request's
path; returns the organization the handshake should activate. Clerk's ``OrganizationMatcher``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._context import AuthenticateContext
from .authorization import decode_org_claims
from .routes import match_path

__all__ = ["organization_sync_target", "organization_to_activate"]


def organization_to_activate(ctx: AuthenticateContext, claims: Mapping[str, Any]) -> str | None:
    """The ``organization_id`` to activate (``""`` for the personal account) when this path names
    another organization than the session's; ``None`` when in step."""
    inst = ctx.instance
    if not (inst.org_patterns or inst.personal_patterns):
        return None
    if not claims.get("sub") or claims.get("sts") == "pending":
        return None
    target = organization_sync_target(ctx)
    if target is None:
        return None
    kind, value = target
    org = decode_org_claims(claims)
    if kind == "id":
        return value if value != org.org_id else None
    if kind == "slug":
        return value if value != org.org_slug else None
    return "" if org.org_id else None


def organization_sync_target(ctx: AuthenticateContext) -> tuple[str, str] | None:
    """OrganizationMatcher.findTarget: ``("id", id)`` or ``("slug", slug)`` from the first
    organization pattern that matches the path; else, when no organization pattern matched
    with an ``:id`` or ``:slug``, ``("personal", "")`` if a personal-account pattern matches."""
    inst = ctx.instance
    if not (inst.org_patterns or inst.personal_patterns):
        return None
    path = ctx.request.split_url.path or "/"
    for pattern in inst.org_patterns:
        params = match_path(pattern, path)
        if params is None:
            continue
        if params.get("id"):
            return "id", str(params["id"])
        if params.get("slug"):
            return "slug", str(params["slug"])
        break  # Clerk's matcher is one pattern: the first alternative that matches decides
    for pattern in inst.personal_patterns:
        if match_path(pattern, path) is not None:
            return "personal", ""
    return None
