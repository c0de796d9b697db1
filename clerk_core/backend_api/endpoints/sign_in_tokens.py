"""``/sign_in_tokens``: each function builds the :class:`~clerk_core.backend_api.Call` of one
endpoint.

A sign-in token is a one-time ticket that signs a user in without a password (ClerkJS:
``signIn.create({strategy: "ticket", ticket})``, or the ``__clerk_ticket`` query parameter of a
sign-in page). End-to-end tests use it to sign a test user in, as ``@clerk/testing`` does.
"""

from __future__ import annotations

from ...resources import SignInToken
from .._call import Call, body, one

__all__ = ["create_sign_in_token", "revoke_sign_in_token"]


def create_sign_in_token(
    user_id: str,
    *,
    expires_in_seconds: int | None = None,
    org_id: str | None = None,
) -> Call[SignInToken]:
    """``POST /sign_in_tokens``: a ticket for ``user_id`` (Clerk's default lifetime is 30 days;
    ``org_id`` is the organization to activate when the user signs in)."""
    return Call(
        "POST",
        "/sign_in_tokens",
        one(SignInToken),
        body=body(user_id=user_id, expires_in_seconds=expires_in_seconds, org_id=org_id),
    )


def revoke_sign_in_token(sign_in_token_id: str) -> Call[SignInToken]:
    """``POST /sign_in_tokens/{id}/revoke``: the ticket can no longer be used."""
    return Call(
        "POST",
        "/sign_in_tokens/{sign_in_token_id}/revoke",
        one(SignInToken),
        ids={"sign_in_token_id": sign_in_token_id},
    )
