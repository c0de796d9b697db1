"""The local Backend API's users, email addresses and phone numbers (``/v1/users``,
``/v1/email_addresses``, ``/v1/phone_numbers``), with Clerk's shapes and error bodies.

What it checks, as Clerk does: email addresses, phone numbers, usernames and external ids are
unique across the instance (422 ``form_identifier_exists``, ``meta.param_name`` naming the field);
a user needs a password, a ``password_digest`` + ``password_hasher`` or
``skip_password_requirement`` (422 ``form_param_missing``); a password has 8 to 72 characters and
is not a well-known one unless ``skip_password_checks`` (422 ``form_password_length_too_short``,
``form_password_length_too_long``, ``form_password_pwned``); the hasher is one Clerk accepts and
the digest has its shape (422 ``form_param_value_invalid``, ``form_password_digest_invalid``).

Passwords: see :mod:`._passwords` (a salted digest is stored, never the password; which hashers
``verify_password`` can check locally). A wrong password answers 422 ``form_password_incorrect``;
a digest whose hasher the local instance cannot check answers 422
``password_hasher_unsupported_locally``.

Listing: ``limit`` (1 to 500, 10 by default), ``offset``, ``order_by`` (``-created_at`` by
default) and the filters of ``GET /users``; ``GET /users`` answers a bare list (as Clerk),
``GET /users/count`` ``{"object": "total_count", "total_count": n}``. Identifier filters are
served from an index, so a listing by ``external_id`` or ``email_address`` stays fast with tens of
thousands of users.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from ..backend_api.endpoints.users import PASSWORD_HASHERS
from . import _passwords
from .backend import Call, FakeBackendAPI, _not_found, route

__all__: list[str] = []

# ----------------------------------------------------------------------------- errors
_TRACE = "trace_local"


def _invalid(
    code: str, message: str, param: str | None = None, status: int = 422
) -> httpx.Response:
    error: dict[str, Any] = {"code": code, "message": message, "long_message": message}
    if param is not None:
        error["meta"] = {"param_name": param}
    return httpx.Response(status, json={"errors": [error], "clerk_trace_id": _TRACE})


def _missing(param: str) -> httpx.Response:
    return _invalid("form_param_missing", f"{param} is missing.", param)


def _format(param: str, what: str = "is invalid") -> httpx.Response:
    return _invalid("form_param_format_invalid", f"{param} {what}.", param)


def _value(param: str, what: str) -> httpx.Response:
    return _invalid("form_param_value_invalid", f"{param} {what}.", param)


def _taken(param: str) -> httpx.Response:
    return _invalid(
        "form_identifier_exists",
        f"That {param.replace('_', ' ')} is taken. Please try another.",
        param,
    )


class _Refused(Exception):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response


# ----------------------------------------------------------------------------- the index
class _Index:
    """Identifier -> user id (``("email_address", "ada@x.test")``, ``("external_id", "42")``,
    ``("idn", "idn_...")``), rebuilt whenever users were added or removed around it (the
    ``add_user`` helper and tests write ``api.users`` directly)."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], str] = {}
        self.size = -1


_INDEXES: weakref.WeakKeyDictionary[FakeBackendAPI, _Index] = weakref.WeakKeyDictionary()


def _keys(user: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for item in _items(user, "email_addresses"):
        if isinstance(item.get("email_address"), str):
            yield "email_address", item["email_address"].lower()
        if isinstance(item.get("id"), str):
            yield "idn", item["id"]
    for item in _items(user, "phone_numbers"):
        if isinstance(item.get("phone_number"), str):
            yield "phone_number", item["phone_number"]
        if isinstance(item.get("id"), str):
            yield "idn", item["id"]
    for item in _items(user, "web3_wallets"):
        if isinstance(item.get("web3_wallet"), str):
            yield "web3_wallet", item["web3_wallet"].lower()
    if isinstance(user.get("username"), str):
        yield "username", user["username"].lower()
    if isinstance(user.get("external_id"), str):
        yield "external_id", user["external_id"]


def _index(api: FakeBackendAPI) -> _Index:
    index = _INDEXES.get(api)
    if index is None:
        index = _INDEXES[api] = _Index()
    if index.size != len(api.users):
        index.keys = {key: uid for uid, user in api.users.items() for key in _keys(user)}
        index.size = len(api.users)
    return index


def _reindex(
    api: FakeBackendAPI, user: Mapping[str, Any], old: Iterable[tuple[str, str]], added: int = 0
) -> None:
    """After a change of one user (``added``: +1 created, -1 deleted): its old keys out, its new
    keys in; the whole index is rebuilt instead when other users came or went meanwhile."""
    index = _INDEXES.get(api)
    if index is None or index.size + added != len(api.users):
        _index(api)
        return
    for key in old:
        if index.keys.get(key) == user["id"]:
            del index.keys[key]
    for key in _keys(user):
        index.keys[key] = user["id"]
    index.size = len(api.users)


def _owner(api: FakeBackendAPI, kind: str, value: str) -> str | None:
    """The id of the user holding this identifier, checked against the user itself."""
    value = value.lower() if kind in ("email_address", "username", "web3_wallet") else value
    uid = _index(api).keys.get((kind, value))
    if uid is None or uid not in api.users or (kind, value) not in set(_keys(api.users[uid])):
        return None
    return uid


# ----------------------------------------------------------------------------- shapes
def _now(api: FakeBackendAPI) -> int:
    return int(api.instance.clock() * 1000)


def _items(user: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = user.get(key)
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def _verification(status: str) -> dict[str, Any]:
    return {
        "object": "verification_admin" if status == "verified" else "verification",
        "status": status,
        "strategy": "admin",
        "attempts": None,
        "expire_at": None,
    }


def _email_object(
    address: str, now: int, *, verified: bool, reserved: bool = False
) -> dict[str, Any]:
    return {
        "id": _new_id("idn_"),
        "object": "email_address",
        "email_address": address,
        "reserved": reserved,
        "verification": _verification("verified" if verified else "unverified"),
        "linked_to": [],
        "matches_sso_connection": False,
        "created_at": now,
        "updated_at": now,
    }


def _phone_object(
    number: str, now: int, *, verified: bool, reserved: bool = False, second_factor: bool = False
) -> dict[str, Any]:
    return {
        "id": _new_id("idn_"),
        "object": "phone_number",
        "phone_number": number,
        "reserved_for_second_factor": second_factor,
        "default_second_factor": False,
        "reserved": reserved,
        "verification": _verification("verified" if verified else "unverified"),
        "linked_to": [],
        "backup_codes": None,
        "created_at": now,
        "updated_at": now,
    }


def _public(user: Mapping[str, Any]) -> dict[str, Any]:
    """A user as the API shows it: without the private fields (the password digest)."""
    return {k: v for k, v in user.items() if not k.startswith("_")}


def _answer(user: Mapping[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=_public(user))


# ----------------------------------------------------------------------------- field checks
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[1-9]\d{6,14}")
_USERNAME = re.compile(r"[A-Za-z0-9_.-]+")
_PWNED = frozenset({"password", "password1", "12345678", "123456789", "qwertyuiop", "iloveyou1"})


def _string(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Refused(_format(key, "must be a string"))
    return value


def _flag(body: Mapping[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise _Refused(_format(key, "must be a boolean"))


def _strings(body: Mapping[str, Any], key: str) -> list[str]:
    value = body.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Refused(_format(key, "must be a list of strings"))
    return list(value)


def _metadata(body: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise _Refused(_format(key, "must be an object"))


def _timestamp(body: Mapping[str, Any], key: str) -> int | None:
    """An RFC 3339 body field, in milliseconds since the epoch."""
    text = _string(body, key)
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _Refused(_format(key, "must be an RFC 3339 timestamp")) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    # Whole milliseconds from the difference: timestamp() * 1000 is a float that can fall short
    # by one (33554429 ms read back as 33554428).
    return (when - _EPOCH) // dt.timedelta(milliseconds=1)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _check_email(api: FakeBackendAPI, address: str, param: str = "email_address") -> None:
    if not _EMAIL.fullmatch(address):
        raise _Refused(_format(param, "must be a valid email address"))
    if _owner(api, "email_address", address) is not None:
        raise _Refused(_taken(param))


def _check_phone(api: FakeBackendAPI, number: str, param: str = "phone_number") -> None:
    if not _PHONE.fullmatch(number):
        raise _Refused(_format(param, "must be a valid phone number in E.164 format"))
    if _owner(api, "phone_number", number) is not None:
        raise _Refused(_taken(param))


def _check_username(api: FakeBackendAPI, username: str, user_id: str | None = None) -> None:
    if not 4 <= len(username) <= 64:
        raise _Refused(
            _invalid(
                "form_username_invalid_length",
                "Username must be between 4 and 64 characters long.",
                "username",
            )
        )
    if not _USERNAME.fullmatch(username):
        raise _Refused(
            _invalid(
                "form_username_invalid_character",
                "Username can only contain letters, numbers and '_', '-' or '.'.",
                "username",
            )
        )
    if _owner(api, "username", username) not in (None, user_id):
        raise _Refused(_taken("username"))


def _check_external_id(api: FakeBackendAPI, external_id: str, user_id: str | None = None) -> None:
    if not external_id:
        raise _Refused(_format("external_id", "must not be empty"))
    if _owner(api, "external_id", external_id) not in (None, user_id):
        raise _Refused(_taken("external_id"))


def _password_record(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(hasher, digest)`` to store for the body's password or digest; ``None`` when it has
    neither."""
    password = _string(body, "password")
    digest = _string(body, "password_digest")
    hasher = _string(body, "password_hasher")
    if password is not None and digest is not None:
        raise _Refused(_value("password_digest", "cannot be given with password"))
    if digest is not None or hasher is not None:
        if digest is None:
            raise _Refused(_missing("password_digest"))
        if hasher is None:
            raise _Refused(_missing("password_hasher"))
        if hasher not in PASSWORD_HASHERS:
            raise _Refused(_value("password_hasher", "is not a supported password hasher"))
        if not _passwords.valid_digest(hasher, digest):
            raise _Refused(
                _invalid(
                    "form_password_digest_invalid",
                    f"password_digest is not a valid {hasher} digest.",
                    "password_digest",
                )
            )
        return hasher, digest
    if password is None:
        return None
    if _flag(body, "skip_password_checks") is not True:
        if len(password) < 8:
            raise _Refused(
                _invalid(
                    "form_password_length_too_short",
                    "Passwords must be 8 characters or more.",
                    "password",
                )
            )
        if len(password) > 72:
            raise _Refused(
                _invalid(
                    "form_password_length_too_long",
                    "Passwords must be less than 72 characters.",
                    "password",
                )
            )
        if password.lower() in _PWNED:
            raise _Refused(
                _invalid(
                    "form_password_pwned",
                    "Password has been found in an online data breach.",
                    "password",
                )
            )
    return _passwords.LOCAL_HASHER, _passwords.hash_password(password)


def _refusing(
    handler: Callable[[FakeBackendAPI, Call], httpx.Response],
) -> Callable[[FakeBackendAPI, Call], httpx.Response]:
    def run(api: FakeBackendAPI, call: Call) -> httpx.Response:
        if call.request.method in ("POST", "PATCH", "PUT") and not _is_object(call):
            return _invalid(
                "request_body_invalid", "The request body must be a JSON object.", None, 400
            )
        try:
            return handler(api, call)
        except _Refused as refused:
            return refused.response

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _is_object(call: Call) -> bool:
    """Whether the request body is empty or a JSON object (``call.body`` reads anything else
    as ``{}``)."""
    content = call.request.content.strip()
    return not content or content.startswith(b"{")


# ----------------------------------------------------------------------------- users
@route("POST", r"/v1/users")
@_refusing
def _create_user(api: FakeBackendAPI, call: Call) -> httpx.Response:
    body, now = call.body, _now(api)
    emails = _strings(body, "email_address")
    phones = _strings(body, "phone_number")
    wallets = _strings(body, "web3_wallet")
    email_status = _strings(body, "email_address_identification_status")
    phone_status = _strings(body, "phone_number_identification_status")
    for statuses, values, param in (
        (email_status, emails, "email_address_identification_status"),
        (phone_status, phones, "phone_number_identification_status"),
    ):
        if statuses and len(statuses) != len(values):
            raise _Refused(_value(param, "must have one entry per identifier"))
        if any(s not in ("verified", "reserved") for s in statuses):
            raise _Refused(_value(param, "entries must be 'verified' or 'reserved'"))
    for address in emails:
        _check_email(api, address)
    if len({e.lower() for e in emails}) != len(emails):
        raise _Refused(_taken("email_address"))
    for number in phones:
        _check_phone(api, number)
    if len(set(phones)) != len(phones):
        raise _Refused(_taken("phone_number"))
    for wallet in wallets:
        if _owner(api, "web3_wallet", wallet) is not None:
            raise _Refused(_taken("web3_wallet"))
    username = _string(body, "username")
    if username is not None:
        _check_username(api, username)
    external_id = _string(body, "external_id")
    if external_id is not None:
        _check_external_id(api, external_id)
    password = _password_record(body)
    if password is None and _flag(body, "skip_password_requirement") is not True:
        raise _Refused(_missing("password"))
    metadata = {k: _metadata(body, k) for k in _METADATA}
    created_at = _timestamp(body, "created_at")
    legal_accepted_at = _timestamp(body, "legal_accepted_at")
    totp = _string(body, "totp_secret")
    backup_codes = _strings(body, "backup_codes")
    email_objects = [
        _email_object(a, now, verified=status != "reserved", reserved=status == "reserved")
        for a, status in zip(emails, email_status or ["verified"] * len(emails), strict=True)
    ]
    phone_objects = [
        _phone_object(n, now, verified=status != "reserved", reserved=status == "reserved")
        for n, status in zip(phones, phone_status or ["verified"] * len(phones), strict=True)
    ]
    wallet_objects = [
        {
            "id": _new_id("idn_"),
            "object": "web3_wallet",
            "web3_wallet": w,
            "verification": _verification("verified"),
            "created_at": now,
            "updated_at": now,
        }
        for w in wallets
    ]
    user_id = _new_id("user_")
    user: dict[str, Any] = {
        "id": user_id,
        "object": "user",
        "external_id": external_id,
        "username": username,
        "first_name": _string(body, "first_name"),
        "last_name": _string(body, "last_name"),
        "locale": _string(body, "locale"),
        "image_url": "https://img.clerk.com/local",
        "has_image": False,
        "primary_email_address_id": email_objects[0]["id"] if email_objects else None,
        "primary_phone_number_id": phone_objects[0]["id"] if phone_objects else None,
        "primary_web3_wallet_id": wallet_objects[0]["id"] if wallet_objects else None,
        "password_enabled": password is not None,
        "password_last_updated_at": now if password is not None else None,
        "two_factor_enabled": bool(totp or backup_codes),
        "totp_enabled": bool(totp),
        "backup_code_enabled": bool(backup_codes),
        "email_addresses": email_objects,
        "phone_numbers": phone_objects,
        "web3_wallets": wallet_objects,
        "passkeys": [],
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "public_metadata": metadata["public_metadata"] or {},
        "private_metadata": metadata["private_metadata"] or {},
        "unsafe_metadata": metadata["unsafe_metadata"] or {},
        "banned": _flag(body, "banned") is True,
        "locked": _flag(body, "locked") is True,
        "lockout_expires_in_seconds": 3600 if body.get("locked") is True else None,
        "verification_attempts_remaining": 100,
        "last_sign_in_at": None,
        "last_active_at": None,
        "legal_accepted_at": legal_accepted_at,
        "create_organization_enabled": True,
        "create_organizations_limit": None,
        "delete_self_enabled": True,
        "created_at": created_at if created_at is not None else now,
        "updated_at": now,
    }
    if password is not None:
        user["_password"] = password
    api.users[user_id] = user
    _reindex(api, user, (), added=1)
    return _answer(user)


_METADATA = ("public_metadata", "private_metadata", "unsafe_metadata")


@route("GET", r"/v1/users")
@_refusing
def _list_users(api: FakeBackendAPI, call: Call) -> httpx.Response:
    params = call.params
    limit = _int_param(params, "limit", 10, 1, 500)
    offset = _int_param(params, "offset", 0, 0, None)
    found = _ordered(_filtered(api, params), params.get("order_by") or "-created_at")
    return httpx.Response(200, json=[_public(u) for u in found[offset : offset + limit]])


@route("GET", r"/v1/users/count")
@_refusing
def _count_users(api: FakeBackendAPI, call: Call) -> httpx.Response:
    total = len(_filtered(api, call.params))
    return httpx.Response(200, json={"object": "total_count", "total_count": total})


def _int_param(
    params: httpx.QueryParams, key: str, default: int, low: int, high: int | None
) -> int:
    text = params.get(key)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _Refused(_format(key, "must be an integer")) from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _Refused(_value(key, f"must be {bound}"))
    return value


_IDENTIFIER_FILTERS = ("user_id", "external_id", "email_address", "phone_number", "username")


def _filtered(api: FakeBackendAPI, params: httpx.QueryParams) -> list[dict[str, Any]]:
    """The users matching every filter of the query (each list filter: any of its values)."""
    candidates: Iterable[dict[str, Any]] = api.users.values()
    for key in _IDENTIFIER_FILTERS:  # narrow through the index first
        signed = key == "user_id"
        wanted = [v for v in params.get_list(key) if not (signed and v.startswith("-"))]
        if wanted:
            ids = (
                {v.removeprefix("+") for v in wanted}
                if signed
                else {uid for v in wanted if (uid := _owner(api, key, v)) is not None}
            )
            if len(ids) > 1:  # in the order the users were added, as without the filter
                candidates = [u for uid, u in api.users.items() if uid in ids]
            else:
                candidates = [api.users[i] for i in ids if i in api.users]
            break
    checks = _checks(api, params)
    return [u for u in candidates if all(check(u) for check in checks)]


Check = Callable[[Mapping[str, Any]], bool]
_LOWERED = ("email_address", "username", "web3_wallet")
_FIELDS = {
    "email_address": "email_addresses",
    "phone_number": "phone_numbers",
    "web3_wallet": "web3_wallets",
}


def _identifiers(user: Mapping[str, Any], key: str) -> set[str]:
    """The user's values for an identifier filter, as the filter compares them."""
    if key == "user_id":
        return {str(user.get("id"))}
    if key in ("external_id", "username"):
        value = user.get(key)
        if not isinstance(value, str):
            return set()
        return {value.lower() if key == "username" else value}
    found = {str(i.get(key)) for i in _items(user, _FIELDS[key]) if isinstance(i.get(key), str)}
    return {v.lower() for v in found} if key in _LOWERED else found


def _any_of(key: str, given: list[str]) -> Check:
    """A list filter: any of the values (for ``user_id``, ``-id`` excludes and ``+id`` includes,
    as Clerk reads them)."""

    def norm(value: str) -> str:
        return value.lower() if key in _LOWERED else value

    signed = key == "user_id"
    include = {
        norm(v.removeprefix("+") if signed else v)
        for v in given
        if not (signed and v.startswith("-"))
    }
    exclude = {norm(v[1:]) for v in given if signed and v.startswith("-")}

    def check(user: Mapping[str, Any]) -> bool:
        mine = _identifiers(user, key)
        return (not include or bool(mine & include)) and not mine & exclude

    return check


def _member_of(api: FakeBackendAPI, given: list[str]) -> Check:
    include = {o.lstrip("+") for o in given if not o.startswith("-")}
    exclude = {o[1:] for o in given if o.startswith("-")}
    orgs: dict[str, set[str]] = {}
    for m in api.memberships:
        orgs.setdefault(str(m["public_user_data"]["user_id"]), set()).add(
            str(m["organization"]["id"])
        )

    def check(user: Mapping[str, Any]) -> bool:
        mine = orgs.get(str(user.get("id")), set())
        return (not include or bool(mine & include)) and not mine & exclude

    return check


def _matches(text: str, fields: tuple[str, ...]) -> Check:
    wanted = text.lower()
    return lambda user: any(wanted in s for s in _texts(user, fields))


def _within(field: str, bound: int, before: bool) -> Check:
    return lambda user: _in_range(user.get(field), bound, before)


def _linked(provider: str | None, provider_ids: set[str]) -> Check:
    def check(user: Mapping[str, Any]) -> bool:
        for account in _items(user, "external_accounts"):
            name = str(account.get("provider", ""))
            if provider and provider not in (name, "oauth_" + name):
                continue
            if provider_ids and account.get("provider_user_id") not in provider_ids:
                continue
            return True
        return False

    return check


def _checks(api: FakeBackendAPI, params: httpx.QueryParams) -> list[Check]:
    checks: list[Check] = []
    for key in (*_IDENTIFIER_FILTERS, "web3_wallet"):
        given = params.get_list(key)
        if given:
            checks.append(_any_of(key, given))
    organizations = params.get_list("organization_id")
    if organizations:
        checks.append(_member_of(api, organizations))
    for key, fields in _QUERIES.items():
        text = params.get(key)
        if text:
            checks.append(_matches(text, fields))
    if params.get("banned") in ("true", "false"):
        banned = params["banned"] == "true"
        checks.append(lambda user: (user.get("banned") is True) == banned)
    for key, (field, before) in _RANGES.items():
        text = params.get(key)
        if text is None:
            continue
        try:
            bound = int(text)
        except ValueError:
            raise _Refused(_format(key, "must be a timestamp in milliseconds")) from None
        checks.append(_within(field, bound, before))
    provider = params.get("provider")
    provider_ids = set(params.get_list("provider_user_id"))
    if provider or provider_ids:
        checks.append(_linked(provider, provider_ids))
    return checks


_QUERIES: dict[str, tuple[str, ...]] = {
    "query": ("email", "phone", "username", "web3", "id", "name"),
    "email_address_query": ("email",),
    "phone_number_query": ("phone",),
    "username_query": ("username",),
    "name_query": ("name",),
}

_RANGES: dict[str, tuple[str, bool]] = {
    "last_active_at_before": ("last_active_at", True),
    "last_active_at_after": ("last_active_at", False),
    "last_active_at_since": ("last_active_at", False),
    "created_at_before": ("created_at", True),
    "created_at_after": ("created_at", False),
    "last_sign_in_at_before": ("last_sign_in_at", True),
    "last_sign_in_at_after": ("last_sign_in_at", False),
}


def _in_range(value: Any, bound: int, before: bool) -> bool:
    if not isinstance(value, int):
        return False
    return value < bound if before else value > bound


def _texts(user: Mapping[str, Any], fields: tuple[str, ...]) -> Iterable[str]:
    if "email" in fields:
        yield from (
            str(i.get("email_address", "")).lower() for i in _items(user, "email_addresses")
        )
    if "phone" in fields:
        yield from (str(i.get("phone_number", "")) for i in _items(user, "phone_numbers"))
    if "web3" in fields:
        yield from (str(i.get("web3_wallet", "")).lower() for i in _items(user, "web3_wallets"))
    if "username" in fields:
        yield str(user.get("username") or "").lower()
    if "id" in fields:
        yield str(user.get("id", "")).lower()
    if "name" in fields:
        first, last = str(user.get("first_name") or ""), str(user.get("last_name") or "")
        yield from (first.lower(), last.lower(), f"{first} {last}".lower())


_ORDER_FIELDS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "created_at": lambda u: u.get("created_at"),
    "updated_at": lambda u: u.get("updated_at"),
    "last_active_at": lambda u: u.get("last_active_at"),
    "last_sign_in_at": lambda u: u.get("last_sign_in_at"),
    "first_name": lambda u: (u.get("first_name") or "").lower() or None,
    "last_name": lambda u: (u.get("last_name") or "").lower() or None,
    "username": lambda u: (u.get("username") or "").lower() or None,
    "email_address": lambda u: _primary(u, "email_addresses", "email_address"),
    "phone_number": lambda u: _primary(u, "phone_numbers", "phone_number"),
    "web3wallet": lambda u: _primary(u, "web3_wallets", "web3_wallet"),
}


def _primary(user: Mapping[str, Any], field: str, key: str) -> str | None:
    primary = user.get(f"primary_{key}_id" if key != "web3_wallet" else "primary_web3_wallet_id")
    for item in _items(user, field):
        if item.get("id") == primary and isinstance(item.get(key), str):
            return str(item[key]).lower()
    return None


def _ordered(users: list[dict[str, Any]], order_by: str) -> list[dict[str, Any]]:
    """Sorted by the field, ``-`` first for descending; users without the field last; ties in
    the order the users were added (reversed when descending), so paging is deterministic."""
    descending = order_by.startswith("-")
    field = order_by.lstrip("+-")
    key = _ORDER_FIELDS.get(field)
    if key is None:
        raise _Refused(_value("order_by", f"cannot sort by {field!r}"))
    present = [u for u in users if key(u) is not None]
    absent = [u for u in users if key(u) is None]
    if descending:  # newest first, also among users created in the same millisecond
        return sorted(present, key=key)[::-1] + absent
    return sorted(present, key=key) + absent


def _user(api: FakeBackendAPI, call: Call) -> dict[str, Any]:
    user = api.users.get(call.args[0])
    if user is None:
        raise _Refused(_not_found("user"))
    return user


@route("GET", r"/v1/users/{id}")
@_refusing
def _get_user(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _answer(_user(api, call))


@route("PATCH", r"/v1/users/{id}")
@_refusing
def _update_user(api: FakeBackendAPI, call: Call) -> httpx.Response:
    user, body, now = _user(api, call), call.body, _now(api)
    changes: dict[str, Any] = {}
    for key in ("first_name", "last_name", "locale"):
        if key in body:
            changes[key] = _string(body, key)
    if body.get("username") is not None:
        username = _string(body, "username")
        assert username is not None
        _check_username(api, username, user["id"])
        changes["username"] = username
    if body.get("external_id") is not None:
        external_id = _string(body, "external_id")
        assert external_id is not None
        _check_external_id(api, external_id, user["id"])
        changes["external_id"] = external_id
    for key, field in (
        ("primary_email_address_id", "email_addresses"),
        ("primary_phone_number_id", "phone_numbers"),
        ("primary_web3_wallet_id", "web3_wallets"),
    ):
        wanted = _string(body, key)
        if wanted is None:
            continue
        item = next((i for i in _items(user, field) if i.get("id") == wanted), None)
        if item is None:
            raise _Refused(_value(key, "must be an identification of this user"))
        if (item.get("verification") or {}).get("status") != "verified":
            raise _Refused(_value(key, "must be verified"))
        changes[key] = wanted
    for key in ("delete_self_enabled", "create_organization_enabled"):
        if key in body:
            changes[key] = _flag(body, key)
    if "create_organizations_limit" in body:
        limit = body["create_organizations_limit"]
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
        ):
            raise _Refused(_format("create_organizations_limit", "must be a whole number"))
        changes["create_organizations_limit"] = limit or None
    for key in _METADATA:
        value = _metadata(body, key)
        if value is not None:
            changes[key] = value
    for key in ("created_at", "legal_accepted_at"):
        when = _timestamp(body, key)
        if when is not None:
            changes[key] = when
    if body.get("totp_secret") is not None:
        _string(body, "totp_secret")
        changes["totp_enabled"] = True
    if body.get("backup_codes") is not None:
        changes["backup_code_enabled"] = bool(_strings(body, "backup_codes"))
    password = _password_record(body)
    if password is not None:
        changes["_password"] = password
        changes["password_enabled"] = True
        changes["password_last_updated_at"] = now
        if _flag(body, "sign_out_of_other_sessions") is True:
            _revoke_sessions(api, user["id"])
    old = list(_keys(user))
    user.update(changes)
    user["two_factor_enabled"] = bool(user.get("totp_enabled") or user.get("backup_code_enabled"))
    user["updated_at"] = now
    _reindex(api, user, old)
    return _answer(user)


@route("DELETE", r"/v1/users/{id}")
@_refusing
def _delete_user(api: FakeBackendAPI, call: Call) -> httpx.Response:
    user = _user(api, call)
    old = list(_keys(user))
    del api.users[user["id"]]
    gone = [m for m in api.memberships if m["public_user_data"]["user_id"] == user["id"]]
    api.memberships[:] = [m for m in api.memberships if m not in gone]
    for membership in gone:  # Clerk removes the memberships, and the counts follow
        org = api.organizations.get(str(membership["organization"]["id"]))
        if org is not None:
            org["members_count"] = max(0, int(org.get("members_count") or 0) - 1)
    _revoke_sessions(api, user["id"])
    _reindex(api, {"id": user["id"]}, old, added=-1)
    return httpx.Response(
        200,
        json={
            "object": "user",
            "id": user["id"],
            "deleted": True,
            "external_id": user.get("external_id"),
        },
    )


def _revoke_sessions(api: FakeBackendAPI, user_id: str) -> None:
    for session in api.sessions.values():
        if session.get("user_id") == user_id and session.get("status") == "active":
            session["status"] = "revoked"


def _merge(stored: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Clerk's metadata merge: objects merge key by key at any depth, ``None`` removes a key,
    any other value replaces the stored one."""
    out = dict(stored)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif isinstance(value, dict):
            out[key] = _merge({}, value)
        else:
            out[key] = value
    return out


@route("PATCH", r"/v1/users/{id}/metadata")
@_refusing
def _merge_user_metadata(api: FakeBackendAPI, call: Call) -> httpx.Response:
    user = _user(api, call)
    patches = {k: _metadata(call.body, k) for k in _METADATA}
    for key, patch in patches.items():
        if patch is not None:
            stored = user.get(key)
            user[key] = _merge(stored if isinstance(stored, dict) else {}, patch)
    user["updated_at"] = _now(api)
    return _answer(user)


@route("PUT", r"/v1/users/{id}/metadata")
@_refusing
def _replace_user_metadata(api: FakeBackendAPI, call: Call) -> httpx.Response:
    user = _user(api, call)
    replacements = {k: _metadata(call.body, k) for k in _METADATA}
    for key, value in replacements.items():
        if key in call.body:
            user[key] = value if value is not None else {}
    user["updated_at"] = _now(api)
    return _answer(user)


def _flagging(
    field: str, value: bool, *, revoke: bool = False
) -> Callable[[FakeBackendAPI, Call], httpx.Response]:
    def handler(api: FakeBackendAPI, call: Call) -> httpx.Response:
        user = _user(api, call)
        user[field] = value
        if field == "locked":
            user["lockout_expires_in_seconds"] = 3600 if value else None
        if revoke:
            _revoke_sessions(api, user["id"])
        user["updated_at"] = _now(api)
        return _answer(user)

    return _refusing(handler)


route("POST", r"/v1/users/{id}/ban")(_flagging("banned", True, revoke=True))
route("POST", r"/v1/users/{id}/unban")(_flagging("banned", False))
route("POST", r"/v1/users/{id}/lock")(_flagging("locked", True))
route("POST", r"/v1/users/{id}/unlock")(_flagging("locked", False))


@route("POST", r"/v1/users/{id}/verify_password")
@_refusing
def _verify_password(api: FakeBackendAPI, call: Call) -> httpx.Response:
    user = _user(api, call)
    password = _string(call.body, "password")
    if not password:
        raise _Refused(_missing("password"))
    stored = user.get("_password")
    if not isinstance(stored, tuple):
        return _invalid("form_password_incorrect", "This user has no password.", "password")
    hasher, digest = stored
    try:
        verified = _passwords.verify(hasher, digest, password)
    except _passwords.UnsupportedHasher:
        module = "argon2-cffi" if hasher.startswith("argon2") else "bcrypt"
        needs = (
            f" (install {module} where the tests run)"
            if "bcrypt" in hasher or "argon2" in hasher
            else ""
        )
        return _invalid(
            "password_hasher_unsupported_locally",
            f"The local Clerk instance cannot check {hasher} digests{needs}; Clerk itself does.",
            "password",
        )
    if not verified:
        return _invalid(
            "form_password_incorrect",
            "Password is incorrect. Try again, or use another method.",
            "password",
        )
    return httpx.Response(200, json={"verified": True})


@route("GET", r"/v1/users/{id}/organization_memberships")
@_refusing
def _user_memberships(api: FakeBackendAPI, call: Call) -> httpx.Response:
    user = _user(api, call)
    found = [m for m in api.memberships if m["public_user_data"]["user_id"] == user["id"]]
    limit = _int_param(call.params, "limit", 10, 1, 500)
    offset = _int_param(call.params, "offset", 0, 0, None)
    return httpx.Response(
        200, json={"data": found[offset : offset + limit], "total_count": len(found)}
    )


# ----------------------------------------------------------------------------- identifiers
_KINDS = {
    "email_address": ("email_addresses", "primary_email_address_id"),
    "phone_number": ("phone_numbers", "primary_phone_number_id"),
}


def _identification(
    api: FakeBackendAPI, call: Call, kind: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The user holding the identification ``call.args[0]`` of this kind, and the item."""
    field = _KINDS[kind][0]
    ident = call.args[0]
    uid = _index(api).keys.get(("idn", ident))
    user = api.users.get(uid) if uid is not None else None
    item = next((i for i in _items(user, field) if i.get("id") == ident), None) if user else None
    if user is None or item is None:
        raise _Refused(_not_found(kind.replace("_", " ")))
    return user, item


def _create_identification(api: FakeBackendAPI, call: Call, kind: str) -> httpx.Response:
    body, now = call.body, _now(api)
    user_id = _string(body, "user_id")
    value = _string(body, kind)
    if not user_id:
        raise _Refused(_missing("user_id"))
    if not value:
        raise _Refused(_missing(kind))
    user = api.users.get(user_id)
    if user is None:
        raise _Refused(_not_found("user"))
    verified = _flag(body, "verified") is True
    primary = _flag(body, "primary") is True
    if kind == "email_address":
        _check_email(api, value)
        item = _email_object(value, now, verified=verified)
    else:
        _check_phone(api, value)
        item = _phone_object(
            value,
            now,
            verified=verified,
            second_factor=_flag(body, "reserved_for_second_factor") is True,
        )
    field, primary_key = _KINDS[kind]
    old = list(_keys(user))
    user[field] = [*_items(user, field), item]
    if primary or (verified and not user.get(primary_key)):
        user[primary_key] = item["id"]
    user["updated_at"] = now
    _reindex(api, user, old)
    return httpx.Response(200, json=item)


def _update_identification(api: FakeBackendAPI, call: Call, kind: str) -> httpx.Response:
    user, item = _identification(api, call, kind)
    body, now = call.body, _now(api)
    verified = _flag(body, "verified")
    if verified is not None:
        item["verification"] = _verification("verified" if verified else "unverified")
    if kind == "phone_number" and "reserved_for_second_factor" in body:
        item["reserved_for_second_factor"] = _flag(body, "reserved_for_second_factor") is True
    if _flag(body, "primary") is True:
        user[_KINDS[kind][1]] = item["id"]
    item["updated_at"] = user["updated_at"] = now
    return httpx.Response(200, json=item)


def _delete_identification(api: FakeBackendAPI, call: Call, kind: str) -> httpx.Response:
    user, item = _identification(api, call, kind)
    field, primary_key = _KINDS[kind]
    old = list(_keys(user))
    user[field] = [i for i in _items(user, field) if i.get("id") != item["id"]]
    if user.get(primary_key) == item["id"]:
        rest = _items(user, field)
        user[primary_key] = rest[0]["id"] if rest else None
    user["updated_at"] = _now(api)
    _reindex(api, user, old)
    return httpx.Response(200, json={"object": kind, "id": item["id"], "deleted": True})


def _get_identification(api: FakeBackendAPI, call: Call, kind: str) -> httpx.Response:
    return httpx.Response(200, json=_identification(api, call, kind)[1])


def _identification_routes(kind: str, base: str) -> None:
    def bind(
        handler: Callable[[FakeBackendAPI, Call, str], httpx.Response],
    ) -> Callable[[FakeBackendAPI, Call], httpx.Response]:
        return _refusing(lambda api, call: handler(api, call, kind))

    route("POST", rf"/v1/{base}")(bind(_create_identification))
    route("GET", rf"/v1/{base}/{{id}}")(bind(_get_identification))
    route("PATCH", rf"/v1/{base}/{{id}}")(bind(_update_identification))
    route("DELETE", rf"/v1/{base}/{{id}}")(bind(_delete_identification))


_identification_routes("email_address", "email_addresses")
_identification_routes("phone_number", "phone_numbers")
