"""The users to import: one :class:`SourceUser` per row, read from a CSV or JSON export or built
by an adapter (Django's user table), and the checks a dry run makes on every row."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._hashers import PasswordPlan, plan_password

__all__ = [
    "COLUMNS",
    "Source",
    "SourceError",
    "SourceUser",
    "read_export",
    "validate",
]

COLUMNS: dict[str, str] = {
    "external_id": "the old primary key, kept as Clerk's external_id (required; also read from `id`)",
    "email": "the primary email address (also read from `email_address`)",
    "first_name": "first name",
    "last_name": "last name",
    "username": "username (the Clerk instance must have usernames enabled)",
    "password_hash": "the stored password digest (also read from `password`)",
    "password_hasher": "Clerk's hasher name for the digest; recognised from the digest when empty",
    "public_metadata": "a JSON object (CSV: its JSON text)",
    "private_metadata": "a JSON object (CSV: its JSON text)",
    "unsafe_metadata": "a JSON object (CSV: its JSON text)",
    "created_at": "when the user signed up, RFC 3339 (`2021-03-04T05:06:07Z`)",
}
"""The columns (CSV) or keys (JSON) of an export, and what each holds."""

_ALIASES = {"id": "external_id", "email_address": "email", "password": "password_hash"}
_METADATA = ("public_metadata", "private_metadata", "unsafe_metadata")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_MAX_ID = 255


class SourceError(ValueError):
    """The export cannot be read at all (not a row's problem: those are reported per row)."""


@dataclasses.dataclass(frozen=True)
class SourceUser:
    """One user to import. ``problems`` holds what was wrong when the row was read (bad
    metadata JSON); the password hash is kept out of the ``repr``."""

    external_id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    password_hash: str | None = dataclasses.field(default=None, repr=False)
    password_hasher: str | None = None
    public_metadata: Mapping[str, Any] | None = None
    private_metadata: Mapping[str, Any] | None = None
    unsafe_metadata: Mapping[str, Any] | None = None
    created_at: str | None = None
    skip_reason: str | None = None
    """Set by a source for a row it wants reported as skipped (Django: an inactive user)."""
    problems: tuple[str, ...] = ()

    def password_plan(self) -> PasswordPlan:
        return plan_password(self.password_hash, self.password_hasher)


@dataclasses.dataclass(frozen=True)
class Source:
    """The rows to import, in a stable order, and a fingerprint that a checkpoint records so a
    resumed import is refused when the source changed."""

    users: Sequence[SourceUser]
    fingerprint: str
    warnings: tuple[str, ...] = ()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _row(record: Mapping[str, Any], number: int, from_csv: bool) -> SourceUser:
    fields: dict[str, Any] = {}
    for key, value in record.items():
        name = _ALIASES.get(str(key).strip().lower(), str(key).strip().lower())
        if name in COLUMNS and fields.get(name) in (None, ""):
            fields[name] = value
    problems: list[str] = []
    metadata: dict[str, Mapping[str, Any] | None] = {}
    for name in _METADATA:
        value = fields.get(name)
        if from_csv and isinstance(value, str) and value.strip():
            try:
                value = json.loads(value)
            except ValueError:
                problems.append(f"{name} is not valid JSON.")
                value = None
        elif from_csv:
            value = None
        if value is not None and not isinstance(value, Mapping):
            problems.append(f"{name} must be a JSON object.")
            value = None
        metadata[name] = value
    return SourceUser(
        external_id=_text(fields.get("external_id")) or "",
        email=_text(fields.get("email")),
        first_name=_text(fields.get("first_name")),
        last_name=_text(fields.get("last_name")),
        username=_text(fields.get("username")),
        password_hash=_text(fields.get("password_hash")),
        password_hasher=_text(fields.get("password_hasher")),
        public_metadata=metadata["public_metadata"],
        private_metadata=metadata["private_metadata"],
        unsafe_metadata=metadata["unsafe_metadata"],
        created_at=_text(fields.get("created_at")),
        problems=tuple(problems),
    )


def _unknown(keys: Iterable[str]) -> tuple[str, ...]:
    known = set(COLUMNS) | set(_ALIASES)
    odd = sorted({k for k in keys if str(k).strip().lower() not in known})
    return (f"Ignored columns: {', '.join(odd)}.",) if odd else ()


def read_export(path: str | Path, *, format: str | None = None) -> Source:
    """Read a CSV (header row) or JSON export (a list of objects, or ``{"users": [...]}``;
    ``format`` is ``"csv"`` or ``"json"``, else the file's suffix decides). Columns are
    :data:`COLUMNS` (``id``, ``email_address`` and ``password`` are read as aliases); others are
    ignored with a warning. Raises :class:`SourceError` when the file cannot be read."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise SourceError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    kind = (format or file.suffix.lstrip(".")).lower()
    fingerprint = f"file:sha256:{hashlib.sha256(data).hexdigest()}"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{file} is not UTF-8 text.") from None
    if kind == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames:
            raise SourceError(f"{file} has no header row.")
        users = [_row(record, n, True) for n, record in enumerate(reader, 1)]
        return Source(users, fingerprint, _unknown(reader.fieldnames))
    if kind in ("json", "jsonl"):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"{file} is not valid JSON: {exc}.") from None
        if isinstance(loaded, Mapping):
            loaded = loaded.get("users")
        if not isinstance(loaded, list) or not all(isinstance(r, Mapping) for r in loaded):
            raise SourceError(f'{file} must hold a list of user objects (or {{"users": [...]}}).')
        keys = {k for record in loaded for k in record}
        users = [_row(record, n, False) for n, record in enumerate(loaded, 1)]
        return Source(users, fingerprint, _unknown(keys))
    raise SourceError(f"Unknown export format {kind!r}: use a .csv or .json file, or --format.")


def _is_rfc3339(value: str) -> bool:
    if not _RFC3339.fullmatch(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def validate(
    users: Sequence[SourceUser], *, unsupported_hasher: str = "skip"
) -> dict[int, list[str]]:
    """Every row's problems, by index (rows without problems are left out): a missing or
    repeated ``external_id``, a malformed or repeated email or username, no identifier, metadata
    that is not an object, an unsupported password hash (unless ``unsupported_hasher`` is
    ``"no-password"``), a malformed ``created_at``. Sends nothing."""
    problems: dict[int, list[str]] = {}
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for index, user in enumerate(users):
        found = list(user.problems)
        if not user.external_id:
            found.append("external_id is missing.")
        elif len(user.external_id) > _MAX_ID:
            found.append(f"external_id is longer than {_MAX_ID} characters.")
        elif user.external_id in seen_ids:
            found.append(f"external_id repeats row {seen_ids[user.external_id] + 1}.")
        else:
            seen_ids[user.external_id] = index
        if user.email is not None:
            email = user.email.lower()
            if not _EMAIL.fullmatch(user.email):
                found.append("email is not a valid address.")
            elif email in seen_emails:
                found.append(f"email repeats row {seen_emails[email] + 1}.")
            else:
                seen_emails[email] = index
        if user.username is not None:
            name = user.username.lower()
            if name in seen_names:
                found.append(f"username repeats row {seen_names[name] + 1}.")
            else:
                seen_names[name] = index
        if user.email is None and user.username is None:
            found.append("no email or username to sign in with.")
        if user.created_at is not None and not _is_rfc3339(user.created_at):
            found.append("created_at is not an RFC 3339 timestamp.")
        plan = user.password_plan()
        if plan.kind == "unsupported" and unsupported_hasher != "no-password":
            found.append(f"password: {plan.reason}")
        if found:
            problems[index] = found
    return problems
