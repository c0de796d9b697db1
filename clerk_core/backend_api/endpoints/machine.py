"""Machine authentication: ``/api_keys``, ``/m2m_tokens``, ``/oauth_applications/access_tokens``
and ``/testing_tokens``; each function builds the :class:`~clerk_core.backend_api.Call` of one
endpoint.

The M2M endpoints take ``machine_secret_key``: the machine's own secret key (``ak_...``), sent as
the Bearer instead of the instance secret key (Clerk creates M2M tokens only for a machine key;
listing, revoking and verifying accept either). Verifying is read-only at Clerk, so a verify call
may be repeated after a 5xx or a timeout like a ``GET``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...resources import APIKey, IdPOAuthAccessToken, M2MToken, TestingToken
from .._call import Call, ClerkList, body, many, one, to_query

__all__ = [
    "create_api_key",
    "create_m2m_token",
    "create_testing_token",
    "get_api_key",
    "list_api_keys",
    "list_m2m_tokens",
    "revoke_api_key",
    "revoke_m2m_token",
    "verify_api_key",
    "verify_m2m_token",
    "verify_oauth_access_token",
]


# ------------------------------------------------------------------------------ API keys
def create_api_key(
    *,
    name: str,
    subject: str,
    description: str | None = None,
    claims: Mapping[str, Any] | None = None,
    scopes: Sequence[str] | None = None,
    created_by: str | None = None,
    seconds_until_expiration: int | None = None,
) -> Call[APIKey]:
    """``POST /api_keys``: a key for a user or organization (``subject``); its ``secret`` is in
    this answer only."""
    return Call(
        "POST",
        "/api_keys",
        one(APIKey),
        body=body(
            name=name,
            subject=subject,
            description=description,
            claims=dict(claims) if claims is not None else None,
            scopes=list(scopes) if scopes is not None else None,
            created_by=created_by,
            seconds_until_expiration=seconds_until_expiration,
        ),
    )


def list_api_keys(
    *,
    subject: str,
    include_invalid: bool | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[ClerkList[APIKey]]:
    """``GET /api_keys``: a user's or organization's keys, newest first (revoked and expired ones
    with ``include_invalid=True``)."""
    query = to_query(subject=subject, include_invalid=include_invalid, limit=limit, offset=offset)
    return Call("GET", "/api_keys", many(APIKey), query)


def get_api_key(api_key_id: str) -> Call[APIKey]:
    return Call("GET", "/api_keys/{api_key_id}", one(APIKey), ids={"api_key_id": api_key_id})


def revoke_api_key(api_key_id: str, *, revocation_reason: str | None = None) -> Call[APIKey]:
    return Call(
        "POST",
        "/api_keys/{api_key_id}/revoke",
        one(APIKey),
        body=body(revocation_reason=revocation_reason),
        ids={"api_key_id": api_key_id},
    )


def verify_api_key(secret: str) -> Call[APIKey]:
    """``POST /api_keys/verify``: the key's record; an unknown, revoked or expired key is a
    ``ClerkAPIError`` (404)."""
    return Call("POST", "/api_keys/verify", one(APIKey), body={"secret": secret}, retryable=True)


# ------------------------------------------------------------------------------ M2M tokens
def create_m2m_token(
    *,
    seconds_until_expiration: int | None = None,
    claims: Mapping[str, Any] | None = None,
    token_format: str | None = None,
    machine_secret_key: str | None = None,
) -> Call[M2MToken]:
    """``POST /m2m_tokens``: a token for the machine whose secret key signs the call
    (``token_format``: ``"opaque"``, Clerk's default, or ``"jwt"``)."""
    return Call(
        "POST",
        "/m2m_tokens",
        one(M2MToken),
        body=body(
            seconds_until_expiration=seconds_until_expiration,
            claims=dict(claims) if claims is not None else None,
            token_format=token_format,
        ),
        bearer=machine_secret_key,
    )


def list_m2m_tokens(
    *,
    subject: str,
    revoked: bool | None = None,
    expired: bool | None = None,
    limit: int | None = None,
    offset: int | None = None,
    machine_secret_key: str | None = None,
) -> Call[ClerkList[M2MToken]]:
    """``GET /m2m_tokens``: a machine's tokens (``subject``: ``mch_...``), newest first."""
    query = to_query(subject=subject, revoked=revoked, expired=expired, limit=limit, offset=offset)
    return Call("GET", "/m2m_tokens", many(M2MToken), query, bearer=machine_secret_key)


def revoke_m2m_token(
    m2m_token_id: str,
    *,
    revocation_reason: str | None = None,
    machine_secret_key: str | None = None,
) -> Call[M2MToken]:
    return Call(
        "POST",
        "/m2m_tokens/{m2m_token_id}/revoke",
        one(M2MToken),
        body=body(revocation_reason=revocation_reason),
        ids={"m2m_token_id": m2m_token_id},
        bearer=machine_secret_key,
    )


def verify_m2m_token(token: str, *, machine_secret_key: str | None = None) -> Call[M2MToken]:
    """``POST /m2m_tokens/verify``: the token's record (an opaque ``mt_...`` token)."""
    return Call(
        "POST",
        "/m2m_tokens/verify",
        one(M2MToken),
        body={"token": token},
        retryable=True,
        bearer=machine_secret_key,
    )


# ------------------------------------------------------------------------------ OAuth tokens
def verify_oauth_access_token(access_token: str) -> Call[IdPOAuthAccessToken]:
    """``POST /oauth_applications/access_tokens/verify``: an opaque ``oat_...`` token issued by
    this instance acting as an OAuth provider (Clerk's ``idPOAuthAccessToken.verify``)."""
    return Call(
        "POST",
        "/oauth_applications/access_tokens/verify",
        one(IdPOAuthAccessToken),
        body={"access_token": access_token},
        retryable=True,
    )


# ------------------------------------------------------------------------------ testing tokens
def create_testing_token() -> Call[TestingToken]:
    """``POST /testing_tokens``: a token that lets automated tests pass the bot protection of a
    development instance's sign-in and sign-up (``?__clerk_testing_token=...``)."""
    return Call("POST", "/testing_tokens", one(TestingToken))
