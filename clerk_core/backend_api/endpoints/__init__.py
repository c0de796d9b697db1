"""Every Backend API endpoint, as a function returning a :class:`~clerk_core.backend_api.Call`.

One module per group of endpoints (``users``, ``organizations``, ...). A builder only describes the
request (method, path template and ids, query, body, how to read the answer); the clients send it
under their policy. Adding a group: write its module here, then one namespace class in
``_resources_async.py`` (see the package's docstring).
"""

from __future__ import annotations

from . import (
    allowlist_identifiers,
    blocklist_identifiers,
    invitations,
    jwks,
    jwt_templates,
    machine,
    organization_invitations,
    organizations,
    sessions,
    sign_in_tokens,
    users,
)

__all__ = [
    "Endpoints",
    "allowlist_identifiers",
    "blocklist_identifiers",
    "invitations",
    "jwks",
    "jwt_templates",
    "machine",
    "organization_invitations",
    "organizations",
    "sessions",
    "sign_in_tokens",
    "users",
]


class Endpoints:
    """The first endpoints under one name, as they were importable before the groups were split
    (``Endpoints.get_user(...)``). New groups are only in their modules."""

    get_user = staticmethod(users.get_user)
    list_users = staticmethod(users.list_users)
    update_user_metadata = staticmethod(users.update_user_metadata)
    delete_user = staticmethod(users.delete_user)
    user_memberships = staticmethod(users.user_memberships)
    get_organization = staticmethod(organizations.get_organization)
    list_organizations = staticmethod(organizations.list_organizations)
    organization_memberships = staticmethod(organizations.organization_memberships)
    get_session = staticmethod(sessions.get_session)
    revoke_session = staticmethod(sessions.revoke_session)
    create_session_token = staticmethod(sessions.create_session_token)
    create_invitation = staticmethod(invitations.create_invitation)
    revoke_invitation = staticmethod(invitations.revoke_invitation)
    get_jwks = staticmethod(jwks.get_jwks)
