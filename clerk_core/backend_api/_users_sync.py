"""The sync namespaces of users and their identifiers: ``api.users``, ``api.email_addresses``,
``api.phone_numbers``.

Generated from ``_users_async.py`` by ``python clerk_core/backend_api/_gen.py``: do not edit
this file; edit the source and run the script.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ClerkAPIError
from ..resources import DeletedObject, EmailAddress, OrganizationMembership, PhoneNumber, User
from ._call import ClerkList
from .endpoints import email_addresses, phone_numbers, users

if TYPE_CHECKING:
    import datetime as dt

    from ._client_sync import BackendAPI

Strings = Sequence[str] | str

PASSWORD_MISMATCH_CODES = frozenset(
    {"form_password_incorrect", "incorrect_password", "password_mismatch"}
)
"""The error codes with which Clerk says a password does not match (``verify_password`` reads
them as ``False``)."""


class _Users:
    def __init__(self, api: BackendAPI) -> None:
        self._api = api
        self._run = api.run

    def get(self, user_id: str) -> User:
        return self._run(users.get_user(user_id))

    def list(
        self,
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
    ) -> ClerkList[User]:
        """One page of the users matching every filter given (a list matches any of its values;
        timestamps in milliseconds since the epoch; ``order_by`` such as ``"-created_at"``, the
        default; ``limit`` 1 to 500, 10 by default). Clerk gives no ``total_count`` here: see
        :meth:`count`, or :meth:`iterate` for every page."""
        return self._run(
            users.list_users(
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

    def iterate(
        self,
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
        page_size: int = 100,
    ) -> Iterator[User]:
        """Every user matching the filters of :meth:`list`, page after page (``page_size`` users
        per request, 1 to 500). Each page is one call under the policy (a 429 waits and retries);
        users created or deleted while it runs may shift the pages, so sort by a field that does
        not change (the default, ``-created_at``) and expect to see a user twice or not at all
        when the set changes under you."""
        pages = self._api.paginate(
            lambda limit, offset: users.list_users(
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
            page_size=page_size,
        )
        for user in pages:  # noqa: RUF100, UP028 (the sync twin has a plain loop)
            yield user

    iter = iterate

    def count(
        self,
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
    ) -> int:
        """How many users match the filters (those of :meth:`list`), one request."""
        return self._run(
            users.count_users(
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

    def create(
        self,
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
        legal_accepted_at: dt.datetime | str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        locale: str | None = None,
        totp_secret: str | None = None,
        backup_codes: Sequence[str] | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        unsafe_metadata: Mapping[str, Any] | None = None,
        created_at: dt.datetime | str | None = None,
        banned: bool | None = None,
        locked: bool | None = None,
    ) -> User:
        """Create a user. Give a ``password`` (at least 8 characters unless
        ``skip_password_checks``), or a ``password_digest`` with its ``password_hasher`` (one of
        ``endpoints.users.PASSWORD_HASHERS``, checked here: ``ValueError`` before any request), or
        ``skip_password_requirement=True``. The first email address and phone number become the
        primary ones. A taken email address, phone number, username or external id is a
        ``ClerkAPIError`` (422, ``form_identifier_exists``, ``meta["param_name"]`` naming it).
        ``created_at`` and ``legal_accepted_at`` are datetimes (naive read as UTC) or RFC 3339
        strings."""
        return self._run(
            users.create_user(
                external_id=external_id,
                email_address=email_address,
                email_address_identification_status=email_address_identification_status,
                phone_number=phone_number,
                phone_number_identification_status=phone_number_identification_status,
                web3_wallet=web3_wallet,
                username=username,
                password=password,
                password_digest=password_digest,
                password_hasher=password_hasher,
                skip_password_checks=skip_password_checks,
                skip_password_requirement=skip_password_requirement,
                skip_legal_checks=skip_legal_checks,
                legal_accepted_at=legal_accepted_at,
                first_name=first_name,
                last_name=last_name,
                locale=locale,
                totp_secret=totp_secret,
                backup_codes=backup_codes,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
                unsafe_metadata=unsafe_metadata,
                created_at=created_at,
                banned=banned,
                locked=locked,
            ),
        )

    def update(
        self,
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
        created_at: dt.datetime | str | None = None,
        skip_legal_checks: bool | None = None,
        legal_accepted_at: dt.datetime | str | None = None,
        locale: str | None = None,
        delete_self_enabled: bool | None = None,
        create_organization_enabled: bool | None = None,
        create_organizations_limit: int | None = None,
    ) -> User:
        """Change the fields given, leave the rest. Metadata has its own methods:
        :meth:`update_metadata` (merge) and :meth:`replace_metadata`."""
        return self._run(
            users.update_user(
                user_id,
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
                backup_codes=backup_codes,
                created_at=created_at,
                skip_legal_checks=skip_legal_checks,
                legal_accepted_at=legal_accepted_at,
                locale=locale,
                delete_self_enabled=delete_self_enabled,
                create_organization_enabled=create_organization_enabled,
                create_organizations_limit=create_organizations_limit,
            ),
        )

    def update_metadata(
        self,
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        unsafe_metadata: Mapping[str, Any] | None = None,
    ) -> User:
        """Deep-merge each given object into the user's stored metadata: nested objects merge
        key by key, any other value replaces the stored one, and a key set to ``None`` is
        removed. A kind left out (``None``) is not touched."""
        return self._run(
            users.update_user_metadata(
                user_id,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
                unsafe_metadata=unsafe_metadata,
            ),
        )

    def replace_metadata(
        self,
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        unsafe_metadata: Mapping[str, Any] | None = None,
    ) -> User:
        """Replace each given kind of metadata whole (``{}`` clears it); a kind left out is not
        touched."""
        return self._run(
            users.replace_user_metadata(
                user_id,
                public_metadata=public_metadata,
                private_metadata=private_metadata,
                unsafe_metadata=unsafe_metadata,
            ),
        )

    def delete(self, user_id: str) -> dict[str, Any]:
        """Delete the user: ``{"object": "user", "id": ..., "deleted": True}``."""
        return self._run(users.delete_user(user_id))

    def ban(self, user_id: str) -> User:
        """Ban the user: every session is revoked and sign-in is refused until :meth:`unban`."""
        return self._run(users.ban_user(user_id))

    def unban(self, user_id: str) -> User:
        return self._run(users.unban_user(user_id))

    def lock(self, user_id: str) -> User:
        """Lock the user's sign-in (until the lock expires or :meth:`unlock`)."""
        return self._run(users.lock_user(user_id))

    def unlock(self, user_id: str) -> User:
        return self._run(users.unlock_user(user_id))

    def verify_password(self, user_id: str, *, password: str) -> bool:
        """Whether ``password`` is the user's password. Clerk answers ``{"verified": true}``, or
        an error when it does not match, which reads as ``False`` here; any other error (no such
        user: 404) raises :class:`ClerkAPIError`. The password is never logged nor shown in a
        ``repr``."""
        try:
            return self._run(users.verify_password(user_id, password=password))
        except ClerkAPIError as exc:
            if exc.status in (400, 422) and PASSWORD_MISMATCH_CODES.intersection(exc.codes):
                return False
            raise

    def organization_memberships(
        self,
        user_id: str,
        *,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ClerkList[OrganizationMembership]:
        return self._run(users.user_memberships(user_id, limit=limit, offset=offset))


class _EmailAddresses:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def get(self, email_address_id: str) -> EmailAddress:
        return self._run(email_addresses.get_email_address(email_address_id))

    def create(
        self,
        user_id: str,
        email_address: str,
        *,
        verified: bool | None = None,
        primary: bool | None = None,
    ) -> EmailAddress:
        """Add an address to the user (``verified=True`` skips the verification email;
        ``primary=True`` makes it the primary address). A taken address is a 422
        ``form_identifier_exists``."""
        return self._run(
            email_addresses.create_email_address(
                user_id, email_address, verified=verified, primary=primary
            ),
        )

    def update(
        self,
        email_address_id: str,
        *,
        verified: bool | None = None,
        primary: bool | None = None,
    ) -> EmailAddress:
        return self._run(
            email_addresses.update_email_address(
                email_address_id, verified=verified, primary=primary
            ),
        )

    def delete(self, email_address_id: str) -> DeletedObject:
        return self._run(email_addresses.delete_email_address(email_address_id))


class _PhoneNumbers:
    def __init__(self, api: BackendAPI) -> None:
        self._run = api.run

    def get(self, phone_number_id: str) -> PhoneNumber:
        return self._run(phone_numbers.get_phone_number(phone_number_id))

    def create(
        self,
        user_id: str,
        *,
        phone_number: str,
        verified: bool | None = None,
        primary: bool | None = None,
        reserved_for_second_factor: bool | None = None,
    ) -> PhoneNumber:
        """Add a number (E.164: ``"+15555550100"``) to the user. A taken number is a 422
        ``form_identifier_exists``."""
        return self._run(
            phone_numbers.create_phone_number(
                user_id,
                phone_number=phone_number,
                verified=verified,
                primary=primary,
                reserved_for_second_factor=reserved_for_second_factor,
            ),
        )

    def update(
        self,
        phone_number_id: str,
        *,
        verified: bool | None = None,
        primary: bool | None = None,
        reserved_for_second_factor: bool | None = None,
    ) -> PhoneNumber:
        return self._run(
            phone_numbers.update_phone_number(
                phone_number_id,
                verified=verified,
                primary=primary,
                reserved_for_second_factor=reserved_for_second_factor,
            ),
        )

    def delete(self, phone_number_id: str) -> DeletedObject:
        return self._run(phone_numbers.delete_phone_number(phone_number_id))
