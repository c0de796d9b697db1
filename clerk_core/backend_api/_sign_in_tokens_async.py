"""The async namespace of sign-in tokens: ``api.sign_in_tokens``.

This file is the source of ``_sign_in_tokens_sync.py``: edit it, then run
``python clerk_core/backend_api/_gen.py``. The endpoints are in ``endpoints/sign_in_tokens.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..resources import SignInToken
from .endpoints import sign_in_tokens

if TYPE_CHECKING:
    from ._client_async import AsyncBackendAPI


class _AsyncSignInTokens:
    def __init__(self, api: AsyncBackendAPI) -> None:
        self._run = api.run

    async def create(
        self,
        *,
        user_id: str,
        expires_in_seconds: int | None = None,
        org_id: str | None = None,
    ) -> SignInToken:
        """A one-time ticket that signs ``user_id`` in (its ``token`` is in this answer only)."""
        return await self._run(
            sign_in_tokens.create_sign_in_token(
                user_id,
                expires_in_seconds=expires_in_seconds,
                org_id=org_id,
            ),
        )

    async def revoke(self, sign_in_token_id: str) -> SignInToken:
        return await self._run(sign_in_tokens.revoke_sign_in_token(sign_in_token_id))
