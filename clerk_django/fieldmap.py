"""Which Clerk user fields go into which Django user fields: ``CLERK["user_fields"]``.

A dict maps a model field to a *source*, a path into the Clerk user object::

    CLERK = {"user_fields": {
        "email": "primary_email_address",
        "first_name": "first_name",
        "last_name": "last_name",
        "is_staff": "public_metadata.is_staff",      # metadata paths: dots go down the object
    }}

or a callable (or its dotted path) ``fields(clerk_user) -> dict`` of model field to value. Without
the setting, ``email``, ``first_name``, ``last_name`` and ``username`` are mapped, each only when
the user model has the field and it is not the field that holds the Clerk user id.

``CLERK["user_claims"]`` maps model fields to session-token claims (dotted paths too), used once,
when the first request of a new user creates its Django user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.utils.module_loading import import_string

from clerk_core.resources import UserData

from .conf import clerk_settings

__all__ = [
    "DEFAULT_USER_FIELDS",
    "SOURCES",
    "field_map_problems",
    "id_field",
    "mapped_values",
    "resolve",
]

logger = logging.getLogger("clerk_django.sync")

DEFAULT_USER_FIELDS: Mapping[str, str] = {
    "email": "primary_email_address",
    "first_name": "first_name",
    "last_name": "last_name",
    "username": "username",
}

# The first segment of a source: fields of Clerk's User object, and the computed ones.
COMPUTED = frozenset({"primary_email_address", "primary_phone_number", "full_name"})
METADATA = frozenset({"public_metadata", "private_metadata", "unsafe_metadata"})
SOURCES = frozenset(
    {
        "id",
        "external_id",
        "username",
        "first_name",
        "last_name",
        "image_url",
        "has_image",
        "primary_email_address_id",
        "primary_phone_number_id",
        "primary_web3_wallet_id",
        "password_enabled",
        "two_factor_enabled",
        "totp_enabled",
        "backup_code_enabled",
        "banned",
        "locked",
        "created_at",
        "updated_at",
        "last_sign_in_at",
        "last_active_at",
        "legal_accepted_at",
        "create_organization_enabled",
        "delete_self_enabled",
        *METADATA,
        *COMPUTED,
    }
)
# Model fields that grant access: never fed from what the user can write themselves. Only the
# metadata that nothing but your backend writes may feed them: a user edits their own names,
# username, emails, image, unsafe_metadata, turns two-factor on, and so on.
PRIVILEGED = frozenset({"is_staff", "is_superuser", "is_active"})
BACKEND_WRITTEN = frozenset({"public_metadata", "private_metadata"})


def _privileged_problem(name: str, source: str) -> str | None:
    """Why ``name`` may not come from ``source`` (a privileged field fed from anything but
    ``public_metadata`` / ``private_metadata``), or ``None``."""
    head = source.split(".")[0]
    if name not in PRIVILEGED or head in BACKEND_WRITTEN:
        return None
    if head == "unsafe_metadata":
        return (
            f"{name!r} would come from unsafe_metadata, which the user can write from the browser."
        )
    return (
        f"{name!r} would come from {head!r}, which the user (or Clerk, not your backend) can "
        "change."
    )


def id_field(model: Any) -> str:
    """The user model field that holds the Clerk user id."""
    name = clerk_settings().get("user_id_field") or model.USERNAME_FIELD
    return str(name)


def resolve(clerk_user: UserData, source: str) -> Any:
    """The value at ``source`` in the Clerk user (``None`` when any step is missing)."""
    head, *rest = source.split(".")
    value: Any
    if head == "primary_email_address":
        value = clerk_user.primary_email_address
    elif head == "primary_phone_number":
        value = _primary_phone(clerk_user)
    elif head == "full_name":
        value = " ".join(p for p in (clerk_user.first_name, clerk_user.last_name) if p) or None
    else:
        value = clerk_user.raw.get(head)
    for key in rest:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _primary_phone(clerk_user: UserData) -> str | None:
    primary = clerk_user.raw.get("primary_phone_number_id")
    items = clerk_user.raw.get("phone_numbers")
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get("id") == primary:
                value = item.get("phone_number")
                return value if isinstance(value, str) else None
    return None


def _setting_map(key: str) -> Mapping[str, str] | Callable[[UserData], Mapping[str, Any]] | None:
    raw = clerk_settings().get(key)
    if isinstance(raw, str):
        try:
            raw = import_string(raw)
        except ImportError as exc:
            raise ImproperlyConfigured(f"settings.CLERK[{key!r}] = {raw!r}: {exc}") from exc
    if raw is None or isinstance(raw, Mapping) or (callable(raw) and key == "user_fields"):
        return raw
    raise ImproperlyConfigured(
        f"settings.CLERK[{key!r}] must be a dict of model field to source"
        + (", or a callable (or its dotted path)." if key == "user_fields" else ".")
    )


def _concrete(model: Any, name: str) -> Any:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) and not field.is_relation else None


def field_map_problems(model: Any) -> list[tuple[str, str]]:
    """What is wrong with ``user_fields`` / ``user_claims`` for ``model``: ``(message, hint)``."""
    problems: list[tuple[str, str]] = []
    ident = id_field(model)
    for key in ("user_fields", "user_claims"):
        try:
            spec = _setting_map(key)
        except ImproperlyConfigured as exc:
            problems.append((str(exc), "See docs/django-users.md, 'The field map'."))
            continue
        if not isinstance(spec, Mapping):
            continue
        for name, source in spec.items():
            where = f"settings.CLERK[{key!r}][{name!r}]"
            field = _concrete(model, name) if isinstance(name, str) else None
            if field is None:
                problems.append(
                    (
                        f"{where}: {model.__name__} has no field {name!r}.",
                        "Map only concrete, non-relation fields of the user model.",
                    )
                )
                continue
            if name == ident or field.primary_key or name == "password":
                problems.append(
                    (
                        f"{where}: {name!r} cannot be written from Clerk (it is the "
                        + (
                            "Clerk user id field)."
                            if name == ident
                            else "primary key or password)."
                        ),
                        f"Remove {name!r} from the map.",
                    )
                )
                continue
            if not isinstance(source, str) or not source or "" in source.split("."):
                problems.append((f"{where} must be a non-empty dotted path.", ""))
                continue
            if key == "user_claims":
                continue
            head, *rest = source.split(".")
            if head not in SOURCES:
                problems.append(
                    (
                        f"{where}: {source!r} is not a field of Clerk's user object.",
                        "Use one of " + ", ".join(sorted(SOURCES)) + " (metadata paths as "
                        "'public_metadata.key').",
                    )
                )
            elif rest and head not in METADATA:
                problems.append(
                    (
                        f"{where}: {source!r} goes below {head!r}, which is not metadata.",
                        "Only public_metadata, private_metadata and unsafe_metadata have keys below.",
                    )
                )
            elif (privileged := _privileged_problem(name, source)) is not None:
                problems.append(
                    (
                        f"{where}: {privileged}",
                        "Use public_metadata or private_metadata (only your backend writes them).",
                    )
                )
    return problems


def _spec(model: Any) -> Mapping[str, str] | Callable[[UserData], Mapping[str, Any]]:
    spec = _setting_map("user_fields")
    if spec is not None:
        return spec
    ident = id_field(model)
    return {
        name: source
        for name, source in DEFAULT_USER_FIELDS.items()
        if name != ident and _concrete(model, name) is not None
    }


def mapped_values(model: Any, clerk_user: UserData) -> dict[str, Any]:
    """The model field values for ``clerk_user``, converted and checked against each field."""
    spec = _spec(model)
    if isinstance(spec, Mapping):
        for name, source in spec.items():
            privileged = _privileged_problem(str(name), str(source))
            if privileged is not None:  # what manage.py check refuses: never applied
                raise ImproperlyConfigured(
                    f"settings.CLERK['user_fields'][{name!r}]: {privileged} (manage.py check "
                    "says more)."
                )
    raw = (
        {name: resolve(clerk_user, source) for name, source in spec.items()}
        if isinstance(spec, Mapping)
        else dict(spec(clerk_user))
    )
    return _convert(model, raw, clerk_user.id)


def claim_values(model: Any, claims: Mapping[str, Any]) -> dict[str, Any]:
    """The model field values ``user_claims`` takes from a session token's claims."""
    spec = _setting_map("user_claims")
    if not isinstance(spec, Mapping):
        return {}
    raw: dict[str, Any] = {}
    for name, path in spec.items():
        value: Any = claims
        for key in str(path).split("."):
            value = value.get(key) if isinstance(value, Mapping) else None
        raw[name] = value
    return _convert(model, raw, claims.get("sub"))


def _convert(model: Any, raw: Mapping[str, Any], clerk_id: Any) -> dict[str, Any]:
    """Each value as its field stores it. A missing value becomes the field's default (a unique
    field is left alone instead); a value the field refuses is logged and treated as missing."""
    ident = id_field(model)
    values: dict[str, Any] = {}
    for name, value in raw.items():
        field = _concrete(model, name)
        if field is None or name == ident or field.primary_key or name == "password":
            raise ImproperlyConfigured(
                f"settings.CLERK user field map: {name!r} is not a writable field of "
                f"{model.__name__} (manage.py check says more)."
            )
        if value is not None:
            try:
                # to_python raises TypeError, not ValidationError, for some values of the wrong
                # type (a date field given Clerk's millisecond times, a list, an object).
                value = field.to_python(value)
                max_length = getattr(field, "max_length", None)
                if isinstance(value, str) and max_length and len(value) > max_length:
                    raise ValidationError("too long")
                if isinstance(value, str) and "\x00" in value:
                    raise ValidationError("NUL")  # PostgreSQL refuses it when saving
                field.run_validators(value)  # integer ranges the database can store, ...
            except (ValidationError, TypeError, ValueError, OverflowError):
                logger.warning(
                    "Clerk user %s: the value for %s.%s does not fit the field; using its default",
                    clerk_id,
                    model.__name__,
                    name,
                )
                value = None
        if value is None:
            if field.unique:
                continue
            value = field.get_default()
        values[name] = value
    return values
