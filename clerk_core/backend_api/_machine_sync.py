"""The sync namespaces of machine authentication: ``api.api_keys``, ``api.m2m_tokens``,
``api.oauth_tokens`` (Clerk's ``idPOAuthAccessToken``) and ``api.testing_tokens``.

Generated from ``_machine_async.py`` by ``python clerk_core/backend_api/_gen.py``: do not edit
this file; edit the source and run the script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..resources import APIKey, IdPOAuthAccessToken, M2MToken, TestingToken
from ._call import ClerkList
from .endpoints import machine

if TYPE_CHECKING:
    from ._client_sync import BackendAPI


class _APIKeys:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def create(
        self,
        *,
        name: str,
        subject: str,
        description: str | None = None,
        claims: Mapping[str, Any] | None = None,
        scopes: Sequence[str] | None = None,
        created_by: str | None = None,
        seconds_until_expiration: int | None = None,
    ) -> APIKey:
        """A key for the user or organization ``subject``; its ``secret`` is in this answer only."""
        return self._run(
            machine.create_api_key(
                name=name,
                subject=subject,
                description=description,
                claims=claims,
                scopes=scopes,
                created_by=created_by,
                seconds_until_expiration=seconds_until_expiration,
            ),
        )

    def list(
        self,
        *,
        subject: str,
        include_invalid: bool | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[APIKey]:
        return self._run(
            machine.list_api_keys(
                subject=subject,
                include_invalid=include_invalid,
                limit=limit,
                offset=offset,
            ),
        )

    def get(self, api_key_id: str) -> APIKey:
        return self._run(machine.get_api_key(api_key_id))

    def revoke(self, api_key_id: str, *, revocation_reason: str | None = None) -> APIKey:
        return self._run(
            machine.revoke_api_key(api_key_id, revocation_reason=revocation_reason),
        )

    def verify(self, secret: str) -> APIKey:
        """The key's record; an unknown, revoked or expired key raises ``ClerkAPIError`` (404)."""
        return self._run(machine.verify_api_key(secret))


class _M2MTokens:
    """``machine_secret_key``: the machine's secret key (``ak_...``) as the Bearer instead of the
    client's key (Clerk creates M2M tokens only for a machine key)."""

    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def create(
        self,
        *,
        seconds_until_expiration: int | None = None,
        claims: Mapping[str, Any] | None = None,
        token_format: str | None = None,
        machine_secret_key: str | None = None,
    ) -> M2MToken:
        """A token for the machine whose secret key signs the call; ``token`` is in this answer
        only."""
        return self._run(
            machine.create_m2m_token(
                seconds_until_expiration=seconds_until_expiration,
                claims=claims,
                token_format=token_format,
                machine_secret_key=machine_secret_key,
            ),
        )

    def list(
        self,
        *,
        subject: str,
        revoked: bool | None = None,
        expired: bool | None = None,
        limit: int | None = None,
        offset: int | None = None,
        machine_secret_key: str | None = None,
    ) -> ClerkList[M2MToken]:
        return self._run(
            machine.list_m2m_tokens(
                subject=subject,
                revoked=revoked,
                expired=expired,
                limit=limit,
                offset=offset,
                machine_secret_key=machine_secret_key,
            ),
        )

    def revoke(
        self,
        m2m_token_id: str,
        *,
        revocation_reason: str | None = None,
        machine_secret_key: str | None = None,
    ) -> M2MToken:
        return self._run(
            machine.revoke_m2m_token(
                m2m_token_id,
                revocation_reason=revocation_reason,
                machine_secret_key=machine_secret_key,
            ),
        )

    def verify(self, token: str, *, machine_secret_key: str | None = None) -> M2MToken:
        """The token's record; an unknown, revoked or expired token raises ``ClerkAPIError``."""
        return self._run(
            machine.verify_m2m_token(token, machine_secret_key=machine_secret_key),
        )


class _OAuthTokens:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def verify(self, access_token: str) -> IdPOAuthAccessToken:
        """An opaque OAuth access token (``oat_...``) this instance issued as an OAuth provider."""
        return self._run(machine.verify_oauth_access_token(access_token))


class _TestingTokens:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def create(self) -> TestingToken:
        return self._run(machine.create_testing_token())
