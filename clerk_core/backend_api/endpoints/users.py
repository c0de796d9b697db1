"""``/users``: each function builds the :class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ...resources import OrganizationMembership, User
from .._call import Call, ClerkList, body, many, one, raw, to_query

__all__ = [
    "PASSWORD_HASHERS",
    "ban_user",
    "count_users",
    "create_user",
    "delete_user",
    "get_user",
    "list_users",
    "lock_user",
    "replace_user_metadata",
    "unban_user",
    "unlock_user",
    "update_user",
    "update_user_metadata",
    "user_memberships",
    "verify_password",
]

Strings = Sequence[str] | str
Timestamp = dt.datetime | str

PASSWORD_HASHERS = frozenset(
    {
        "argon2i",
        "argon2id",
        "awscognito",
        "bcrypt",
        "bcrypt_peppered",
        "bcrypt_sha256_django",
        "ldap_ssha",
        "md5",
        "md5_phpass",
        "md5_salted",
        "pbkdf2_sha1",
        "pbkdf2_sha256",
        "pbkdf2_sha256_django",
        "pbkdf2_sha512",
        "pbkdf2_sha512_hex",
        "phpass",
        "scrypt_firebase",
        "scrypt_werkzeug",
        "sha256",
        "sha256_salted",
        "sha512_symfony",
    }
)
"""The ``password_hasher`` names Clerk accepts with a ``password_digest`` (Django's
``pbkdf2_sha256$...`` digests are ``pbkdf2_sha256_django``; its ``bcrypt_sha256$...`` ones are
``bcrypt_sha256_django``)."""


def _hashing(password_digest: str | None, password_hasher: str | None) -> None:
    """A digest needs its hasher and a hasher its digest; the hasher must be one Clerk knows."""
    if (password_digest is None) != (password_hasher is None):
        raise ValueError("password_digest and password_hasher go together: give both or neither.")
    if password_hasher is not None and password_hasher not in PASSWORD_HASHERS:
        raise ValueError(
            f"password_hasher {password_hasher!r} is not one Clerk accepts: one of "
            + ", ".join(sorted(PASSWORD_HASHERS))
            + "."
        )


def _rfc3339(value: Timestamp | None) -> str | None:
    """A timestamp as Clerk wants it in a body (RFC 3339); a naive datetime is read as UTC."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    text = value.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


_SECRET_FIELDS = frozenset({"password", "password_digest", "totp_secret", "backup_codes"})


class _Body(dict[str, Any]):
    """A request body whose ``repr`` hides passwords, digests, TOTP secrets and backup codes (a
    :class:`Call` shows its body in its own ``repr``)."""

    def __repr__(self) -> str:
        shown = {k: "[redacted]" if k in _SECRET_FIELDS else v for k, v in self.items()}
        return repr(shown)


def _secret_body(**values: Any) -> _Body:
    return _Body(body(**values))


def _strings(value: Strings | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def get_user(user_id: str) -> Call[User]:
    return Call("GET", "/users/{user_id}", one(User), ids={"user_id": user_id})


def list_users(
    *,
    email_address: Strings | None = None,
    phone_number: Strings | None = None,
    external_id: Strings | None = None,
    username: Strings | None = None,
    web3_wallet: Strings | None = None,
    user_id: Strings | None = None,
    organization_id: Strings | None = None,
    query: str | None = None,
    email_address_query: str | None = None,
    phone_number_query: str | None = None,
    username_query: str | None = None,
    name_query: str | None = None,
    banned: bool | None = None,
    last_active_at_before: int | None = None,
    last_active_at_after: int | None = None,
    last_active_at_since: int | None = None,
    created_at_before: int | None = None,
    created_at_after: int | None = None,
    last_sign_in_at_before: int | None = None,
    last_sign_in_at_after: int | None = None,
    provider: str | None = None,
    provider_user_id: Strings | None = None,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[ClerkList[User]]:
    """``GET /users``. The lists filter by any of their values; the timestamps are in
    milliseconds since the epoch; ``order_by`` is a field, ``-`` first for descending."""
    return Call(
        "GET",
        "/users",
        many(User),
        to_query(
            email_address=email_address,
            phone_number=phone_number,
            external_id=external_id,
            username=username,
            web3_wallet=web3_wallet,
            user_id=user_id,
            organization_id=organization_id,
            query=query,
            email_address_query=email_address_query,
            phone_number_query=phone_number_query,
            username_query=username_query,
            name_query=name_query,
            banned=banned,
            last_active_at_before=last_active_at_before,
            last_active_at_after=last_active_at_after,
            last_active_at_since=last_active_at_since,
            created_at_before=created_at_before,
            created_at_after=created_at_after,
            last_sign_in_at_before=last_sign_in_at_before,
            last_sign_in_at_after=last_sign_in_at_after,
            provider=provider,
            provider_user_id=provider_user_id,
            order_by=order_by,
            limit=limit,
            offset=offset,
        ),
    )


def count_users(
    *,
    email_address: Strings | None = None,
    phone_number: Strings | None = None,
    external_id: Strings | None = None,
    username: Strings | None = None,
    web3_wallet: Strings | None = None,
    user_id: Strings | None = None,
    organization_id: Strings | None = None,
    query: str | None = None,
    email_address_query: str | None = None,
    phone_number_query: str | None = None,
    username_query: str | None = None,
    name_query: str | None = None,
    banned: bool | None = None,
    last_active_at_before: int | None = None,
    last_active_at_after: int | None = None,
    last_active_at_since: int | None = None,
    created_at_before: int | None = None,
    created_at_after: int | None = None,
    last_sign_in_at_before: int | None = None,
    last_sign_in_at_after: int | None = None,
    provider: str | None = None,
    provider_user_id: Strings | None = None,
) -> Call[int]:
    """``GET /users/count``: how many users match the filters of :func:`list_users`."""
    return Call(
        "GET",
        "/users/count",
        _total_count,
        to_query(
            email_address=email_address,
            phone_number=phone_number,
            external_id=external_id,
            username=username,
            web3_wallet=web3_wallet,
            user_id=user_id,
            organization_id=organization_id,
            query=query,
            email_address_query=email_address_query,
            phone_number_query=phone_number_query,
            username_query=username_query,
            name_query=name_query,
            banned=banned,
            last_active_at_before=last_active_at_before,
            last_active_at_after=last_active_at_after,
            last_active_at_since=last_active_at_since,
            created_at_before=created_at_before,
            created_at_after=created_at_after,
            last_sign_in_at_before=last_sign_in_at_before,
            last_sign_in_at_after=last_sign_in_at_after,
            provider=provider,
            provider_user_id=provider_user_id,
        ),
    )


def _total_count(data: Any) -> int:
    """``{"object": "total_count", "total_count": n}`` (a bare number is read too)."""
    value = data.get("total_count") if isinstance(data, Mapping) else data
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("the Backend API answered /users/count without a total_count")


def create_user(
    *,
    external_id: str | None = None,
    email_address: Strings | None = None,
    email_address_identification_status: Sequence[str] | None = None,
    phone_number: Strings | None = None,
    phone_number_identification_status: Sequence[str] | None = None,
    web3_wallet: Strings | None = None,
    username: str | None = None,
    password: str | None = None,
    password_digest: str | None = None,
    password_hasher: str | None = None,
    skip_password_checks: bool | None = None,
    skip_password_requirement: bool | None = None,
    skip_legal_checks: bool | None = None,
    legal_accepted_at: Timestamp | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    locale: str | None = None,
    totp_secret: str | None = None,
    backup_codes: Sequence[str] | None = None,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
    unsafe_metadata: Mapping[str, Any] | None = None,
    created_at: Timestamp | None = None,
    banned: bool | None = None,
    locked: bool | None = None,
) -> Call[User]:
    """``POST /users``. ``password_digest`` + ``password_hasher`` move a hashed password in (the
    hasher one of :data:`PASSWORD_HASHERS`, checked here: ``ValueError`` before any request);
    timestamps are datetimes (naive read as UTC) or RFC 3339 strings."""
    _hashing(password_digest, password_hasher)
    return Call(
        "POST",
        "/users",
        one(User),
        body=_secret_body(
            external_id=external_id,
            email_address=_strings(email_address),
            email_address_identification_status=_strings(email_address_identification_status),
            phone_number=_strings(phone_number),
            phone_number_identification_status=_strings(phone_number_identification_status),
            web3_wallet=_strings(web3_wallet),
            username=username,
            password=password,
            password_digest=password_digest,
            password_hasher=password_hasher,
            skip_password_checks=skip_password_checks,
            skip_password_requirement=skip_password_requirement,
            skip_legal_checks=skip_legal_checks,
            legal_accepted_at=_rfc3339(legal_accepted_at),
            first_name=first_name,
            last_name=last_name,
            locale=locale,
            totp_secret=totp_secret,
            backup_codes=_strings(backup_codes),
            public_metadata=public_metadata,
            private_metadata=private_metadata,
            unsafe_metadata=unsafe_metadata,
            created_at=_rfc3339(created_at),
            banned=banned,
            locked=locked,
        ),
    )


def update_user(
    user_id: str,
    *,
    external_id: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
    password: str | None = None,
    password_digest: str | None = None,
    password_hasher: str | None = None,
    skip_password_checks: bool | None = None,
    sign_out_of_other_sessions: bool | None = None,
    primary_email_address_id: str | None = None,
    notify_primary_email_address_changed: bool | None = None,
    primary_phone_number_id: str | None = None,
    primary_web3_wallet_id: str | None = None,
    profile_image_id: str | None = None,
    totp_secret: str | None = None,
    backup_codes: Sequence[str] | None = None,
    created_at: Timestamp | None = None,
    skip_legal_checks: bool | None = None,
    legal_accepted_at: Timestamp | None = None,
    locale: str | None = None,
    delete_self_enabled: bool | None = None,
    create_organization_enabled: bool | None = None,
    create_organizations_limit: int | None = None,
) -> Call[User]:
    """``PATCH /users/{user_id}``: only the fields given change. Metadata has its own calls
    (:func:`update_user_metadata` merges, :func:`replace_user_metadata` replaces)."""
    _hashing(password_digest, password_hasher)
    return Call(
        "PATCH",
        "/users/{user_id}",
        one(User),
        body=_secret_body(
            external_id=external_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            password=password,
            password_digest=password_digest,
            password_hasher=password_hasher,
            skip_password_checks=skip_password_checks,
            sign_out_of_other_sessions=sign_out_of_other_sessions,
            primary_email_address_id=primary_email_address_id,
            notify_primary_email_address_changed=notify_primary_email_address_changed,
            primary_phone_number_id=primary_phone_number_id,
            primary_web3_wallet_id=primary_web3_wallet_id,
            profile_image_id=profile_image_id,
            totp_secret=totp_secret,
            backup_codes=_strings(backup_codes),
            created_at=_rfc3339(created_at),
            skip_legal_checks=skip_legal_checks,
            legal_accepted_at=_rfc3339(legal_accepted_at),
            locale=locale,
            delete_self_enabled=delete_self_enabled,
            create_organization_enabled=create_organization_enabled,
            create_organizations_limit=create_organizations_limit,
        ),
        ids={"user_id": user_id},
    )


def replace_user_metadata(
    user_id: str,
    *,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
    unsafe_metadata: Mapping[str, Any] | None = None,
) -> Call[User]:
    """``PUT /users/{user_id}/metadata``: each given object replaces the stored one whole."""
    return Call(
        "PUT",
        "/users/{user_id}/metadata",
        one(User),
        body=body(
            public_metadata=public_metadata,
            private_metadata=private_metadata,
            unsafe_metadata=unsafe_metadata,
        ),
        ids={"user_id": user_id},
    )


def ban_user(user_id: str) -> Call[User]:
    """``POST /users/{user_id}/ban``: every session is revoked and sign-in refused."""
    return Call("POST", "/users/{user_id}/ban", one(User), ids={"user_id": user_id})


def unban_user(user_id: str) -> Call[User]:
    """``POST /users/{user_id}/unban``."""
    return Call("POST", "/users/{user_id}/unban", one(User), ids={"user_id": user_id})


def lock_user(user_id: str) -> Call[User]:
    """``POST /users/{user_id}/lock``: sign-in refused until the lock expires or is lifted."""
    return Call("POST", "/users/{user_id}/lock", one(User), ids={"user_id": user_id})


def unlock_user(user_id: str) -> Call[User]:
    """``POST /users/{user_id}/unlock``."""
    return Call("POST", "/users/{user_id}/unlock", one(User), ids={"user_id": user_id})


def verify_password(user_id: str, *, password: str) -> Call[bool]:
    """``POST /users/{user_id}/verify_password``: Clerk answers ``{"verified": true}`` when the
    password matches and an error (422) when it does not; see ``api.users.verify_password``."""
    return Call(
        "POST",
        "/users/{user_id}/verify_password",
        _verified,
        body=_Body(password=password),
        ids={"user_id": user_id},
    )


def _verified(data: Any) -> bool:
    return isinstance(data, Mapping) and data.get("verified") is True


def update_user_metadata(
    user_id: str,
    *,
    public_metadata: Mapping[str, Any] | None = None,
    private_metadata: Mapping[str, Any] | None = None,
    unsafe_metadata: Mapping[str, Any] | None = None,
) -> Call[User]:
    """``PATCH /users/{user_id}/metadata``: Clerk deep-merges each given object into the stored
    one; a key set to ``None`` is removed."""
    return Call(
        "PATCH",
        "/users/{user_id}/metadata",
        one(User),
        body=body(
            public_metadata=public_metadata,
            private_metadata=private_metadata,
            unsafe_metadata=unsafe_metadata,
        ),
        ids={"user_id": user_id},
    )


def delete_user(user_id: str) -> Call[dict[str, Any]]:
    return Call("DELETE", "/users/{user_id}", raw, ids={"user_id": user_id})


def user_memberships(
    user_id: str, *, limit: int | None = None, offset: int | None = None
) -> Call[ClerkList[OrganizationMembership]]:
    return Call(
        "GET",
        "/users/{user_id}/organization_memberships",
        many(OrganizationMembership),
        to_query(limit=limit, offset=offset),
        ids={"user_id": user_id},
    )
