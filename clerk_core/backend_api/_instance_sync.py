"""The sync instance-wide namespaces: ``api.sessions``, ``api.invitations``,
``api.allowlist_identifiers``, ``api.blocklist_identifiers`` and ``api.jwt_templates``.

Generated from ``_instance_async.py`` by ``python clerk_core/backend_api/_gen.py``: do not edit
this file; edit the source and run the script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..resources import (
    AllowlistIdentifier,
    BlocklistIdentifier,
    Invitation,
    JwtTemplate,
    Session,
    Token,
)
from ._call import ClerkList
from .endpoints import (
    allowlist_identifiers,
    blocklist_identifiers,
    invitations,
    jwt_templates,
    sessions,
)
from .endpoints.invitations import InvitationParams

if TYPE_CHECKING:
    from ._client_sync import BackendAPI


class _Sessions:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def list(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[Session]:
        """A user's or a client's sessions; ``status`` such as ``"active"``."""
        return self._run(
            sessions.list_sessions(
                user_id=user_id,
                client_id=client_id,
                status=status,
                limit=limit,
                offset=offset,
            ),
        )

    def get(self, session_id: str) -> Session:
        return self._run(sessions.get_session(session_id))

    def create(self, user_id: str) -> Session:
        """A session for ``user_id`` without a sign-in (development instances and tests)."""
        return self._run(sessions.create_session(user_id))

    def revoke(self, session_id: str) -> Session:
        """Sign the session out everywhere: its tokens stop refreshing."""
        return self._run(sessions.revoke_session(session_id))

    def create_token(
        self,
        session_id: str,
        *,
        expires_in_seconds: int | None = None,
        template: str | None = None,
    ) -> Token:
        """A fresh session token, or one made from the JWT template named ``template``."""
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

    def list(
        self,
        *,
        status: str | None = None,
        query: str | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[Invitation]:
        """``status``: ``pending``, ``accepted``, ``revoked`` or ``expired``."""
        return self._run(
            invitations.list_invitations(
                status=status,
                query=query,
                order_by=order_by,
                limit=limit,
                offset=offset,
            ),
        )

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
        """Invite ``email_address`` to sign up; ``public_metadata`` goes to the user it makes."""
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

    def bulk_create(
        self,
        *,
        invitations: Sequence[InvitationParams],
    ) -> ClerkList[Invitation]:
        """Several invitations in one request: ``[{"email_address": ...}, ...]``."""
        return self._run(_bulk_invitations(invitations=invitations))

    def revoke(self, invitation_id: str) -> Invitation:
        return self._run(invitations.revoke_invitation(invitation_id))


_bulk_invitations = invitations.create_invitations  # the parameter shadows the module above


class _AllowlistIdentifiers:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def list(
        self, *, limit: int | None = None, offset: int | None = None
    ) -> ClerkList[AllowlistIdentifier]:
        return self._run(
            allowlist_identifiers.list_allowlist_identifiers(limit=limit, offset=offset),
        )

    def create(
        self,
        *,
        identifier: str,
        notify: bool | None = None,
    ) -> AllowlistIdentifier:
        """Allow ``identifier`` (an e-mail address, phone number or domain) to sign up."""
        return self._run(
            allowlist_identifiers.create_allowlist_identifier(identifier=identifier, notify=notify),
        )

    def delete(self, identifier_id: str) -> dict[str, Any]:
        return self._run(allowlist_identifiers.delete_allowlist_identifier(identifier_id))


class _BlocklistIdentifiers:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def list(
        self, *, limit: int | None = None, offset: int | None = None
    ) -> ClerkList[BlocklistIdentifier]:
        return self._run(
            blocklist_identifiers.list_blocklist_identifiers(limit=limit, offset=offset),
        )

    def create(self, *, identifier: str) -> BlocklistIdentifier:
        """Refuse ``identifier`` (an e-mail address, phone number or domain)."""
        return self._run(
            blocklist_identifiers.create_blocklist_identifier(identifier=identifier),
        )

    def delete(self, identifier_id: str) -> dict[str, Any]:
        return self._run(blocklist_identifiers.delete_blocklist_identifier(identifier_id))


class _JwtTemplates:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def list(
        self, *, limit: int | None = None, offset: int | None = None
    ) -> ClerkList[JwtTemplate]:
        return self._run(jwt_templates.list_jwt_templates(limit=limit, offset=offset))

    def get(self, template_id: str) -> JwtTemplate:
        return self._run(jwt_templates.get_jwt_template(template_id))
