"""Typed views of Clerk objects (users, organizations, memberships, sessions, ...).

The same classes describe Backend API results and webhook payloads. Each wraps the JSON object it was
built from (``raw``): known fields are typed properties, unknown fields stay reachable through
``raw`` / ``get()``, and a missing or mistyped field reads as ``None`` (or an empty value) instead of
raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = [
    "APIKey",
    "AllowlistIdentifier",
    "BlocklistIdentifier",
    "ClerkObject",
    "DeletedObject",
    "EmailAddress",
    "EmailData",
    "ExternalAccount",
    "IdPOAuthAccessToken",
    "Invitation",
    "JwtTemplate",
    "M2MToken",
    "Organization",
    "OrganizationData",
    "OrganizationInvitation",
    "OrganizationMembership",
    "OrganizationMembershipData",
    "PhoneNumber",
    "Session",
    "SessionData",
    "SignInToken",
    "SmsData",
    "TestingToken",
    "Token",
    "User",
    "UserData",
]


class ClerkObject:
    """A read-only view of a payload dict that tolerates unknown and missing fields."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.raw: Mapping[str, Any] = data if isinstance(data, Mapping) else {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def _str(self, key: str) -> str | None:
        value = self.raw.get(key)
        return value if isinstance(value, str) else None

    def _int(self, key: str) -> int | None:
        """An integer field (not a boolean, which is an ``int`` to Python)."""
        value = self.raw.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _dict(self, key: str) -> dict[str, Any]:
        value = self.raw.get(key)
        return value if isinstance(value, dict) else {}

    @property
    def id(self) -> str | None:
        return self._str("id")


class UserData(ClerkObject):
    """``user.created`` / ``user.updated`` / ``user.deleted``."""

    @property
    def first_name(self) -> str | None:
        return self._str("first_name")

    @property
    def last_name(self) -> str | None:
        return self._str("last_name")

    @property
    def username(self) -> str | None:
        return self._str("username")

    @property
    def image_url(self) -> str | None:
        return self._str("image_url")

    @property
    def deleted(self) -> bool:
        return self.raw.get("deleted") is True

    @property
    def email_addresses(self) -> list[str]:
        items = self.raw.get("email_addresses")
        if not isinstance(items, list):
            return []
        return [
            e["email_address"]
            for e in items
            if isinstance(e, dict) and isinstance(e.get("email_address"), str)
        ]

    @property
    def primary_email_address(self) -> str | None:
        primary = self.raw.get("primary_email_address_id")
        items = self.raw.get("email_addresses")
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and item.get("id") == primary:
                    value = item.get("email_address")
                    return value if isinstance(value, str) else None
        return None

    @property
    def public_metadata(self) -> dict[str, Any]:
        return self._dict("public_metadata")

    @property
    def private_metadata(self) -> dict[str, Any]:
        return self._dict("private_metadata")

    @property
    def unsafe_metadata(self) -> dict[str, Any]:
        return self._dict("unsafe_metadata")

    # -------------------------------------------------------------- users: the Backend API's fields
    @property
    def external_id(self) -> str | None:
        """The id of this user in your own system (set at creation or by an update)."""
        return self._str("external_id")

    @property
    def primary_email_address_id(self) -> str | None:
        return self._str("primary_email_address_id")

    @property
    def primary_phone_number_id(self) -> str | None:
        return self._str("primary_phone_number_id")

    @property
    def email_address_objects(self) -> list[EmailAddress]:
        """The email addresses with their ids and verification (``email_addresses`` lists only
        the addresses)."""
        return _objects(self.raw.get("email_addresses"), EmailAddress)

    @property
    def phone_numbers(self) -> list[str]:
        return [p.phone_number for p in self.phone_number_objects if p.phone_number is not None]

    @property
    def phone_number_objects(self) -> list[PhoneNumber]:
        return _objects(self.raw.get("phone_numbers"), PhoneNumber)

    @property
    def primary_phone_number(self) -> str | None:
        primary = self.primary_phone_number_id
        return next((p.phone_number for p in self.phone_number_objects if p.id == primary), None)

    @property
    def external_accounts(self) -> list[ExternalAccount]:
        return _objects(self.raw.get("external_accounts"), ExternalAccount)

    @property
    def password_enabled(self) -> bool:
        return self.raw.get("password_enabled") is True

    @property
    def two_factor_enabled(self) -> bool:
        return self.raw.get("two_factor_enabled") is True

    @property
    def totp_enabled(self) -> bool:
        return self.raw.get("totp_enabled") is True

    @property
    def backup_code_enabled(self) -> bool:
        return self.raw.get("backup_code_enabled") is True

    @property
    def banned(self) -> bool:
        return self.raw.get("banned") is True

    @property
    def locked(self) -> bool:
        return self.raw.get("locked") is True

    @property
    def locale(self) -> str | None:
        return self._str("locale")

    @property
    def created_at(self) -> int | None:
        """Milliseconds since the epoch, as every Clerk timestamp."""
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")

    @property
    def last_sign_in_at(self) -> int | None:
        return self._int("last_sign_in_at")

    @property
    def last_active_at(self) -> int | None:
        return self._int("last_active_at")

    @property
    def legal_accepted_at(self) -> int | None:
        return self._int("legal_accepted_at")


class OrganizationData(ClerkObject):
    """``organization.*``; the Backend API's ``Organization``."""

    @property
    def name(self) -> str | None:
        return self._str("name")

    @property
    def slug(self) -> str | None:
        return self._str("slug")

    @property
    def created_by(self) -> str | None:
        return self._str("created_by")

    @property
    def public_metadata(self) -> dict[str, Any]:
        return self._dict("public_metadata")

    @property
    def private_metadata(self) -> dict[str, Any]:
        return self._dict("private_metadata")

    @property
    def image_url(self) -> str | None:
        return self._str("image_url")

    @property
    def has_image(self) -> bool:
        return self.raw.get("has_image") is True

    @property
    def members_count(self) -> int | None:
        """Present when asked for (``include_members_count=True``)."""
        return self._int("members_count")

    @property
    def pending_invitations_count(self) -> int | None:
        return self._int("pending_invitations_count")

    @property
    def max_allowed_memberships(self) -> int | None:
        """``0``: no limit."""
        return self._int("max_allowed_memberships")

    @property
    def admin_delete_enabled(self) -> bool:
        return self.raw.get("admin_delete_enabled") is True

    @property
    def created_at(self) -> int | None:
        """Milliseconds since the epoch (as every Clerk timestamp)."""
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


class OrganizationMembershipData(ClerkObject):
    """``organizationMembership.*``; the Backend API's ``OrganizationMembership``."""

    @property
    def role(self) -> str | None:
        return self._str("role")

    @property
    def organization(self) -> OrganizationData:
        return OrganizationData(self._dict("organization"))

    @property
    def user_id(self) -> str | None:
        value = self._dict("public_user_data").get("user_id")
        return value if isinstance(value, str) else None

    @property
    def public_user_data(self) -> dict[str, Any]:
        """The member's ``user_id``, ``first_name``, ``last_name``, ``identifier``, ``image_url``."""
        return self._dict("public_user_data")

    @property
    def permissions(self) -> list[str]:
        value = self.raw.get("permissions")
        return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []

    @property
    def public_metadata(self) -> dict[str, Any]:
        return self._dict("public_metadata")

    @property
    def private_metadata(self) -> dict[str, Any]:
        return self._dict("private_metadata")

    @property
    def created_at(self) -> int | None:
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


class SessionData(ClerkObject):
    """``session.*``; the Backend API's ``Session``."""

    @property
    def user_id(self) -> str | None:
        return self._str("user_id")

    @property
    def client_id(self) -> str | None:
        return self._str("client_id")

    @property
    def status(self) -> str | None:
        """``active``, ``revoked``, ``ended``, ``expired``, ``removed``, ``abandoned``, ..."""
        return self._str("status")

    @property
    def last_active_organization_id(self) -> str | None:
        return self._str("last_active_organization_id")

    @property
    def actor(self) -> dict[str, Any] | None:
        """The impersonator, for an impersonation session."""
        value = self.raw.get("actor")
        return value if isinstance(value, dict) else None

    @property
    def last_active_at(self) -> int | None:
        return self._int("last_active_at")

    @property
    def expire_at(self) -> int | None:
        return self._int("expire_at")

    @property
    def abandon_at(self) -> int | None:
        return self._int("abandon_at")

    @property
    def created_at(self) -> int | None:
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


class EmailData(ClerkObject):
    """``email.created``."""

    @property
    def to_email_address(self) -> str | None:
        return self._str("to_email_address")

    @property
    def subject(self) -> str | None:
        return self._str("subject")

    @property
    def status(self) -> str | None:
        return self._str("status")


class SmsData(ClerkObject):
    """``sms.created``."""

    @property
    def to_phone_number(self) -> str | None:
        return self._str("to_phone_number")

    @property
    def message(self) -> str | None:
        return self._str("message")


class Token(ClerkObject):
    """A session token minted by the Backend API (``jwt``)."""

    @property
    def jwt(self) -> str | None:
        return self._str("jwt")


class Invitation(ClerkObject):
    """An invitation to the instance (``/invitations``)."""

    @property
    def email_address(self) -> str | None:
        return self._str("email_address")

    @property
    def status(self) -> str | None:
        """``pending``, ``accepted``, ``revoked`` or ``expired``."""
        return self._str("status")

    @property
    def public_metadata(self) -> dict[str, Any]:
        return self._dict("public_metadata")

    @property
    def revoked(self) -> bool:
        return self.raw.get("revoked") is True

    @property
    def url(self) -> str | None:
        """The link the invitee follows (absent when Clerk sent the e-mail itself)."""
        return self._str("url")

    @property
    def expires_at(self) -> int | None:
        return self._int("expires_at")

    @property
    def created_at(self) -> int | None:
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


# Backend API names for the same shapes.
User = UserData
Organization = OrganizationData
OrganizationMembership = OrganizationMembershipData
Session = SessionData


# ---------------------------------------------------------------------- organizations and instance
class OrganizationInvitation(ClerkObject):
    """An invitation to join an organization (``/organizations/{id}/invitations``)."""

    @property
    def email_address(self) -> str | None:
        return self._str("email_address")

    @property
    def role(self) -> str | None:
        return self._str("role")

    @property
    def role_name(self) -> str | None:
        return self._str("role_name")

    @property
    def organization_id(self) -> str | None:
        return self._str("organization_id")

    @property
    def status(self) -> str | None:
        """``pending``, ``accepted``, ``revoked`` or ``expired``."""
        return self._str("status")

    @property
    def public_metadata(self) -> dict[str, Any]:
        return self._dict("public_metadata")

    @property
    def private_metadata(self) -> dict[str, Any]:
        return self._dict("private_metadata")

    @property
    def url(self) -> str | None:
        return self._str("url")

    @property
    def expires_at(self) -> int | None:
        return self._int("expires_at")

    @property
    def created_at(self) -> int | None:
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


class AllowlistIdentifier(ClerkObject):
    """An e-mail address, phone number, domain or web3 wallet allowed to sign up."""

    @property
    def identifier(self) -> str | None:
        return self._str("identifier")

    @property
    def identifier_type(self) -> str | None:
        """``email_address``, ``phone_number``, ``domain`` or ``web3_wallet``."""
        return self._str("identifier_type")

    @property
    def invitation_id(self) -> str | None:
        return self._str("invitation_id")

    @property
    def created_at(self) -> int | None:
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


class BlocklistIdentifier(ClerkObject):
    """An e-mail address, phone number, domain or web3 wallet refused at sign-up and sign-in."""

    @property
    def identifier(self) -> str | None:
        return self._str("identifier")

    @property
    def identifier_type(self) -> str | None:
        return self._str("identifier_type")

    @property
    def created_at(self) -> int | None:
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


class JwtTemplate(ClerkObject):
    """A JWT template: the claims of the tokens ``sessions.create_token(template=name)`` mints."""

    @property
    def name(self) -> str | None:
        return self._str("name")

    @property
    def claims(self) -> dict[str, Any]:
        return self._dict("claims")

    @property
    def lifetime(self) -> int | None:
        """Seconds."""
        return self._int("lifetime")

    @property
    def allowed_clock_skew(self) -> int | None:
        return self._int("allowed_clock_skew")

    @property
    def custom_signing_key(self) -> bool:
        return self.raw.get("custom_signing_key") is True

    @property
    def signing_algorithm(self) -> str | None:
        return self._str("signing_algorithm")

    @property
    def created_at(self) -> int | None:
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


# ------------------------------------------------------------------------------ machine auth
class _MachineRecord(ClerkObject):
    """What API keys, M2M tokens and OAuth access tokens share. Times are Unix milliseconds."""

    def __repr__(self) -> str:
        # Never the secret or the token: only what identifies the record.
        return f"{type(self).__name__}(id={self.id!r}, subject={self.subject!r})"

    @property
    def subject(self) -> str | None:
        """The user or organization (API key), machine (M2M token) or user (OAuth token)."""
        return self._str("subject")

    @property
    def scopes(self) -> list[str]:
        value = self.raw.get("scopes")
        return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []

    @property
    def revoked(self) -> bool:
        return self.raw.get("revoked") is True

    @property
    def revocation_reason(self) -> str | None:
        return self._str("revocation_reason")

    @property
    def expired(self) -> bool:
        return self.raw.get("expired") is True

    @property
    def expiration(self) -> int | None:
        """When it expires (Unix milliseconds); ``None``: never."""
        return self._int("expiration")

    @property
    def created_at(self) -> int | None:
        return self._int("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._int("updated_at")


class APIKey(_MachineRecord):
    """An API key (``api_keys``). ``secret`` is only in the answer that created it."""

    @property
    def type(self) -> str | None:
        return self._str("type")

    @property
    def name(self) -> str | None:
        return self._str("name")

    @property
    def claims(self) -> dict[str, Any] | None:
        value = self.raw.get("claims")
        return value if isinstance(value, dict) else None

    @property
    def description(self) -> str | None:
        return self._str("description")

    @property
    def created_by(self) -> str | None:
        return self._str("created_by")

    @property
    def last_used_at(self) -> int | None:
        return self._int("last_used_at")

    @property
    def secret(self) -> str | None:
        """The key itself (``ak_...``): give it to its holder once; Clerk does not show it again."""
        return self._str("secret")


class M2MToken(_MachineRecord):
    """A machine-to-machine token (``m2m_tokens``). ``token`` is only in the answer that created it."""

    @property
    def claims(self) -> dict[str, Any] | None:
        value = self.raw.get("claims")
        return value if isinstance(value, dict) else None

    @property
    def token(self) -> str | None:
        """The token itself (``mt_...`` or a JWT), for the ``Authorization`` header."""
        return self._str("token")


class IdPOAuthAccessToken(_MachineRecord):
    """An OAuth access token issued by this instance as an OAuth provider (verified)."""

    @property
    def type(self) -> str | None:
        return self._str("type")

    @property
    def client_id(self) -> str | None:
        return self._str("client_id")


class TestingToken(ClerkObject):
    """A testing token (``testing_tokens``): lets automated tests through bot protection."""

    __test__ = False  # not a pytest test class

    def __repr__(self) -> str:
        return f"TestingToken(expires_at={self.expires_at!r})"

    @property
    def token(self) -> str | None:
        return self._str("token")

    @property
    def expires_at(self) -> int | None:
        """When it expires (Unix seconds, as Clerk gives it)."""
        return self._int("expires_at")


class SignInToken(ClerkObject):
    """A sign-in token (``sign_in_tokens``): a one-time ticket that signs its user in. Its
    ``repr`` leaves the ticket out."""

    def __repr__(self) -> str:
        return f"SignInToken(id={self.id!r}, user_id={self.user_id!r}, status={self.status!r})"

    @property
    def user_id(self) -> str | None:
        return self._str("user_id")

    @property
    def token(self) -> str | None:
        """The ticket (``signIn.create({strategy: "ticket", ticket})`` in ClerkJS)."""
        return self._str("token")

    @property
    def status(self) -> str | None:
        """``"pending"``, ``"accepted"`` or ``"revoked"``."""
        return self._str("status")

    @property
    def url(self) -> str | None:
        """A sign-in URL carrying the ticket (``__clerk_ticket``), when Clerk gives one."""
        return self._str("url")


# ------------------------------------------------------------------ users: identifiers and deletions
class _Identification(ClerkObject):
    @property
    def verification_status(self) -> str | None:
        """``"verified"``, ``"unverified"``, ... (``None`` when Clerk gives no verification)."""
        value = self._dict("verification").get("status")
        return value if isinstance(value, str) else None

    @property
    def verified(self) -> bool:
        return self.verification_status == "verified"

    @property
    def reserved(self) -> bool:
        return self.raw.get("reserved") is True

    @property
    def linked_to(self) -> list[dict[str, Any]]:
        """The identifications this one belongs to (``{"type": "oauth_google", "id": ...}``)."""
        value = self.raw.get("linked_to")
        return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


class EmailAddress(_Identification):
    """An email address of a user (``idn_...``): ``api.email_addresses`` and ``user.email_address_objects``."""

    @property
    def email_address(self) -> str | None:
        return self._str("email_address")


class PhoneNumber(_Identification):
    """A phone number of a user (``idn_...``), in E.164 form."""

    @property
    def phone_number(self) -> str | None:
        return self._str("phone_number")

    @property
    def reserved_for_second_factor(self) -> bool:
        return self.raw.get("reserved_for_second_factor") is True

    @property
    def default_second_factor(self) -> bool:
        return self.raw.get("default_second_factor") is True


class ExternalAccount(ClerkObject):
    """An account at an OAuth provider linked to a user (``provider`` such as ``"oauth_google"``)."""

    @property
    def provider(self) -> str | None:
        return self._str("provider")

    @property
    def provider_user_id(self) -> str | None:
        return self._str("provider_user_id")

    @property
    def email_address(self) -> str | None:
        return self._str("email_address")

    @property
    def username(self) -> str | None:
        return self._str("username")


class DeletedObject(ClerkObject):
    """What a deletion answers: ``{"object": "email_address", "id": ..., "deleted": true}``."""

    @property
    def object(self) -> str | None:
        return self._str("object")

    @property
    def deleted(self) -> bool:
        return self.raw.get("deleted") is True


_ObjT = TypeVar("_ObjT", bound=ClerkObject)


def _objects(items: Any, kind: type[_ObjT]) -> list[_ObjT]:
    return [kind(i) for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
