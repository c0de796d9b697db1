"""The sync namespace of sign-in tokens: ``api.sign_in_tokens``.

Generated from ``_sign_in_tokens_async.py`` by ``python clerk_core/backend_api/_gen.py``: do not edit
this file; edit the source and run the script.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..resources import SignInToken
from .endpoints import sign_in_tokens

if TYPE_CHECKING:
    from ._client_sync import BackendAPI


class _SignInTokens:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def create(
        self,
        *,
        user_id: str,
        expires_in_seconds: int | None = None,
        org_id: str | None = None,
    ) -> SignInToken:
        """A one-time ticket that signs ``user_id`` in (its ``token`` is in this answer only)."""
        return self._run(
            sign_in_tokens.create_sign_in_token(
                user_id,
                expires_in_seconds=expires_in_seconds,
                org_id=org_id,
            ),
        )

    def revoke(self, sign_in_token_id: str) -> SignInToken:
        return self._run(sign_in_tokens.revoke_sign_in_token(sign_in_token_id))
